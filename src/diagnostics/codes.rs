//! The one table of diagnostic codes.
//!
//! Every code is `KQL` plus four digits and is never reused. Blocks:
//! 0001–0999 lexing and parsing, 1000–1999 names and schemas, 2000–2999 types
//! and functions, 3000–3999 rule-folder checks, 4000–4999 execution,
//! 5000–5999 remote verification (`kqlab verify` against Log Analytics).

use crate::diagnostics::Severity;

/// Declares the `Code` enum and its table from one list of rows.
macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = ($number:literal, $name:literal, $severity:ident), )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        /// Every code with its number, name, default severity and documentation.
        pub const TABLE: &[CodeInfo] = &[
            $( CodeInfo {
                code: Code::$variant,
                number: $number,
                name: $name,
                severity: Severity::$severity,
                doc: concat!($($doc, "\n",)*),
            }, )*
        ];
    };
}

/// One row of the code table.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    pub code: Code,
    /// The number after `KQL`.
    pub number: u16,
    /// Kebab-case name of the problem, e.g. `unknown-column`.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What it flags, why, and an example (printed by `kqlab explain`).
    pub doc: &'static str,
}

codes! {
    /// A character that cannot start any KQL token.
    ///
    /// Example: `T | where x == 1 § 2`.
    /// Remove the character, or put it inside a string literal.
    InvalidCharacter = (1, "invalid-character", Error),
    /// A string literal is not closed before the end of its line (or, for
    /// multi-line ```` ``` ```` strings, before the end of the query).
    ///
    /// Example: `T | where Name == "admin`.
    /// Regular and verbatim (`@"..."`) strings cannot span lines; use a
    /// ```` ```...``` ```` multi-line string for text with line breaks.
    UnterminatedString = (2, "unterminated-string", Error),
    /// A backslash escape that KQL does not define, inside a regular string.
    ///
    /// Example: `"C:\Windows"` (`\W` is not an escape). Kusto accepts only
    /// `\\ \" \' \n \r \t` and a few others in regular strings.
    /// Write `@"C:\Windows"` (verbatim: backslashes are literal) or `"C:\\Windows"`.
    InvalidEscape = (3, "invalid-escape", Error),
    /// A number literal that is malformed or does not fit its type.
    ///
    /// Example: `T | take 12abc`, `long(99999999999999999999)`.
    InvalidNumber = (4, "invalid-number", Error),
    /// A timespan literal with an unknown unit or malformed value.
    ///
    /// Example: `ago(3x)`. Units: `d`, `h`, `m`, `s`, `ms`, `microsecond`, `tick`
    /// (and their long forms), or `timespan(1.02:03:04)`.
    InvalidTimespan = (5, "invalid-timespan", Error),
    /// A `datetime(...)` literal in a format Kusto does not accept.
    ///
    /// Example: `datetime(2023-13-45)`. Use ISO 8601 (`2023-01-31T10:00:00Z`),
    /// `2023-01-31 10:00:00.123`, or RFC 822/850 forms.
    InvalidDatetime = (6, "invalid-datetime", Error),
    /// A `guid(...)` literal that is not a GUID.
    ///
    /// Example: `guid(1234)`. A GUID has the form `74be27de-1e4e-49d9-b579-fe0b331d3642`.
    InvalidGuid = (7, "invalid-guid", Error),
    /// A typed literal (`int(...)`, `long(...)`, `real(...)`, `decimal(...)`,
    /// `bool(...)`) whose body is not a value of that type or `null`.
    ///
    /// Example: `bool(yes)`.
    InvalidLiteral = (8, "invalid-literal", Error),
    /// A token the grammar requires at this place is missing.
    ///
    /// Example: `T | summarize count() by` (a column is expected after `by`),
    /// `T | where f(x` (a `)` is expected).
    ExpectedToken = (10, "expected-token", Error),
    /// An expression is required here but none was found, often after a
    /// trailing comma.
    ///
    /// Example: `T | project a, b,`.
    ExpectedExpression = (11, "expected-expression", Error),
    /// A token that cannot appear at this place, for example an extra `)`.
    ///
    /// Example: `T | where (a > 1))`.
    UnexpectedToken = (12, "unexpected-token", Error),
    /// The word after `|` is not a KQL tabular operator.
    ///
    /// Example: `T | filterx a > 1`. Operators are lower-case: `where`,
    /// `project`, `summarize`, `mv-expand`, ...
    UnknownOperator = (13, "unknown-operator", Error),
    /// A name (identifier) is required here.
    ///
    /// Example: `T | project-rename = Old`.
    ExpectedName = (14, "expected-name", Error),
    /// Two statements or expressions follow each other without `;` or `|`,
    /// usually a missing operator or a missing `;` after a `let`.
    ///
    /// Example: `T | where DvcAction "user_create"` (missing `==`), or
    /// `let x = 1 T | take x`.
    ExpectedStatementEnd = (15, "expected-statement-end", Error),
    /// A query statement starts with `|`: there is no input to pipe from.
    ///
    /// Example: `| where x > 1`, or a `;` left before a `| extend` line.
    MissingQuerySource = (16, "missing-query-source", Error),
    /// The query nests parentheses, brackets, sub-queries or operator chains
    /// deeper than kqlab's limit; the excess is skipped.
    ///
    /// This protects the process from stack exhaustion on generated or
    /// malicious input. No real query comes near the limit.
    NestingTooDeep = (17, "nesting-too-deep", Error),
    /// An operator parameter has a value the operator does not accept.
    ///
    /// Example: `T | join kind=outer (U) on Id` (`outer` is not a join kind:
    /// use `fullouter`, `leftouter`, ...).
    InvalidParameterValue = (18, "invalid-parameter-value", Error),
    /// A type name that KQL does not define.
    ///
    /// Example: `datatable(x:integer)[1]`. Types: `bool`, `int`, `long`, `real`,
    /// `decimal`, `string`, `datetime`, `timespan`, `guid`, `dynamic`.
    UnknownType = (19, "unknown-type", Error),
    /// A source file is not valid UTF-8; invalid bytes were replaced with U+FFFD.
    ///
    /// Save the file as UTF-8.
    InvalidUtf8 = (21, "invalid-utf8", Error),
    /// The word after `|` is missing: an empty pipe stage.
    ///
    /// Example: `T | | take 1`, or a query that ends with `|`.
    ExpectedOperator = (22, "expected-operator", Error),
    /// A `let` statement is not followed by a query: the query has no result.
    ///
    /// Kusto accepts this (it returns nothing), but a detection rule must end
    /// with a tabular expression.
    NoQueryStatement = (23, "no-query-statement", Warning),
    /// A KQL keyword is used as a plain name. Kusto requires keywords used as
    /// column or variable names to be bracketed.
    ///
    /// Example: `T | project by, title` → `T | project ['by'], ['title']`.
    KeywordAsName = (24, "keyword-as-name", Error),
    /// Comparison operators (`==`, `<`, `has`, `in`, `between`, ...) cannot be
    /// chained: `a == b == c` is not `a == b and b == c` in KQL, it is an error.
    ///
    /// Example: `print 1 < 2 < 3`. Write `1 < 2 and 2 < 3`.
    ChainedComparison = (25, "chained-comparison", Error),

    // 1000–1999: names and schemas.

    /// A table (or `let` name, or stored function) that the schemas do not know.
    ///
    /// Example: `SiginLogs | take 10`. Check the spelling (did-you-mean is
    /// shown when a close name exists), or add the table's schema with
    /// `--schemas FILE` when it is a custom table (`MyLogs_CL`).
    UnknownTable = (1001, "unknown-table", Error),
    /// A name that is not a column of the operator's input, nor a `let`
    /// variable, table or function.
    ///
    /// Example: `SigninLogs | where Acount == "admin"`. Columns are
    /// case-sensitive; earlier `project`, `summarize` or `join` operators may
    /// have removed or renamed the column.
    UnknownColumn = (1002, "unknown-column", Error),
    /// A call to a function that is neither built in, `let`-defined nor a
    /// known stored function. Built-in names are case-sensitive.
    ///
    /// Example: `print Strlen("x")` (the function is `strlen`).
    UnknownFunction = (1003, "unknown-function", Error),
    /// `evaluate` names a plugin Kusto does not have.
    ///
    /// Example: `T | evaluate bag_unpak(Properties)` (the plugin is `bag_unpack`).
    UnknownPlugin = (1004, "unknown-plugin", Error),
    /// Two output columns would get the same name.
    ///
    /// Example: `T | project Account, Account`, or
    /// `T | project-rename Computer = Account` when `Computer` exists.
    /// Give one of them another name.
    DuplicateColumn = (1005, "duplicate-column", Error),
    /// A `join`/`lookup` key given by name must be a column of both sides.
    ///
    /// Example: `A | join B on UserId` when `B` calls it `AccountId`: write
    /// `on $left.UserId == $right.AccountId`.
    JoinKeyMissing = (1006, "join-key-missing", Error),
    /// An operand that must be a plain column name is an expression.
    ///
    /// Example: `T | project-rename User = tostring(Account)`. Use `extend`
    /// (or `project`) to compute a new column.
    ColumnNameExpected = (1007, "column-name-expected", Error),
    /// A `join`/`lookup` condition other than a column name or
    /// `$left.A == $right.B` (joined with `and`).
    ///
    /// Example: `A | join B on $left.X == "a"`. Filter with `where` instead.
    InvalidJoinCondition = (1008, "invalid-join-condition", Error),

    // 2000–2999: types and functions.

    /// A function called with too few or too many arguments.
    ///
    /// Example: `print substring("abc")` (`substring` takes 2 or 3 arguments).
    WrongArgumentCount = (2001, "wrong-argument-count", Error),
    /// An argument (or operand of `mv-expand`, `[...]`, `.`) of the wrong type.
    ///
    /// Example: `print ago(1)` (`ago` takes a `timespan`, e.g. `ago(1d)`), or
    /// `print extract("a", 1, dynamic("x"))` (`extract` takes a `string`;
    /// wrap dynamic values in `tostring()`).
    ArgumentTypeMismatch = (2002, "argument-type-mismatch", Error),
    /// A predicate (`where`, `iff`, join `where`) that is not `bool`, or an
    /// assignment `=` written where a comparison `==` was meant.
    ///
    /// Example: `T | where Account = "admin"` (use `==`).
    PredicateNotBool = (2003, "predicate-not-bool", Error),
    /// An aggregation function (`count`, `dcount`, `make_set`, ...) outside
    /// `summarize`, `make-series`, `top-nested` or `evaluate pivot`.
    ///
    /// Example: `T | extend n = count()`. Use `summarize`, or the window
    /// function `row_number()` for numbering rows.
    AggregateOutsideSummarize = (2004, "aggregate-outside-summarize", Error),
    /// `summarize` with neither an aggregation nor a `by` clause.
    ///
    /// Example: `T | summarize`. Write `summarize count()` or `summarize by Column`.
    SummarizeWithoutAggregate = (2005, "summarize-without-aggregate", Error),
    /// `join`/`lookup` keys of incompatible types never match.
    ///
    /// Example: `A | join B on $left.Id == $right.Id` where one `Id` is a
    /// `guid` and the other a `string`. Convert one side with `tostring()`/`toguid()`.
    JoinKeyTypeMismatch = (2006, "join-key-type-mismatch", Error),
    /// A `string` compared with a number with `==`/`!=`. Kusto accepts it,
    /// but the comparison is never true, so the rule silently never fires.
    ///
    /// Example: `SigninLogs | where ResultType == 50126` (`ResultType` is a
    /// string: write `ResultType == "50126"`).
    StringComparedWithNumber = (2007, "string-compared-with-number", Warning),
    /// An operator applied to operand types it does not support.
    ///
    /// Example: `print "a" + 1` (use `strcat`), `DurationMs contains "5"`
    /// (string operators need strings: `tostring(DurationMs)`), or `1h > 1`.
    OperatorTypeMismatch = (2008, "operator-type-mismatch", Error),
    /// A scalar expression where a table is expected.
    ///
    /// Example: `let x = 5; union x, SigninLogs`. A scalar before `|`
    /// (`x | take 1`) is not flagged: Kusto.Language accepts it and binds the
    /// operator against a table without columns.
    TabularExpected = (2009, "tabular-expected", Error),
    /// A table where a scalar value is expected.
    ///
    /// Example: `T | extend n = (T | count)`. Wrap it in `toscalar(...)`.
    ScalarExpected = (2010, "scalar-expected", Error),
    /// A `dynamic` value where Kusto cannot use one: `summarize by`, join keys.
    ///
    /// Example: `T | summarize count() by Properties`. Convert it first:
    /// `by tostring(Properties)`.
    DynamicNotAllowed = (2011, "dynamic-not-allowed", Error),
    /// A `summarize` aggregation column whose expression has no aggregation function.
    ///
    /// Example: `T | summarize x = strlen(Name)`. Move the expression to
    /// `by`, or wrap it in an aggregation such as `take_any(...)`.
    AggregateExpected = (2012, "aggregate-expected", Error),
    /// User functions nested more than 32 calls deep (each calling the one
    /// declared before it). The analyzer stops there to bound its work;
    /// such chains are almost always generated by mistake.
    ///
    /// Example: `let f0 = () { 1 }; let f1 = () { f0() }; ... let f40 = () { f39() }; print f40()`.
    FunctionNestingTooDeep = (2013, "function-nesting-too-deep", Error),
    /// A deprecated function name that Kusto still accepts, with its replacement.
    ///
    /// Example: `summarize makeset(Ip)` (use `make_set`), `parsejson(x)` (use `parse_json`).
    DeprecatedFunction = (2014, "deprecated-function", Warning),
    /// A graph where a table is expected, or a table where a graph is expected.
    /// `make-graph` (and `graph-mark-components`) return a graph, which only a
    /// graph operator can read; the graph operators need one as their input.
    ///
    /// Example: `T | make-graph A --> B | take 5`. Follow `make-graph` with
    /// `graph-match`, `graph-shortest-paths` or `graph-to-table`.
    GraphExpected = (2015, "graph-expected", Error),
    /// A `graph-match` or `graph-shortest-paths` pattern that cannot match:
    /// an edge that does not connect two nodes, a variable named twice for
    /// different elements, an empty variable-length range, or a shortest-path
    /// pattern without a variable-length edge.
    ///
    /// Example: `G | graph-match (a)-[e*3..1]->(b) project a.Name`. Write the
    /// smaller bound first: `-[e*1..3]->`.
    InvalidGraphPattern = (2016, "invalid-graph-pattern", Error),
    /// A file of the rules folder that cannot be read as a rule: broken
    /// YAML, a YAML document that is not a mapping, or a bad file name.
    ///
    /// Example: a tab used for indentation, or `query: [unclosed`.
    InvalidRuleFile = (3001, "invalid-rule-file", Error),
    /// A field Sentinel requires is missing from a rule, hunting query or
    /// function file.
    ///
    /// Example: a scheduled rule without `queryPeriod`. Analytics rules need
    /// `id`, `name`, `severity`, `query`, `queryFrequency`, `queryPeriod`,
    /// `triggerOperator` and `triggerThreshold` (NRT rules need no schedule);
    /// hunting queries need `id`, `name` and `query`.
    MissingRuleField = (3002, "missing-rule-field", Error),
    /// A rule field with a value Sentinel does not accept: a wrong type, a
    /// value outside its set (severity, trigger operator, grouping kind), or
    /// an `id` that is not a GUID.
    ///
    /// Example: `severity: Critical` (use `Informational`, `Low`, `Medium` or `High`).
    InvalidRuleField = (3003, "invalid-rule-field", Error),
    /// A key Sentinel's rule format does not have, usually a misspelling;
    /// Sentinel ignores it, so the setting silently does nothing.
    ///
    /// Example: `queryfrequency: 1h` (the key is `queryFrequency`).
    UnknownRuleField = (3004, "unknown-rule-field", Warning),
    /// A `queryFrequency` or `queryPeriod` that is not a valid duration or is
    /// outside Sentinel's range of 5 minutes to 14 days.
    ///
    /// Example: `queryPeriod: 30d`. Durations are written `5m`, `1h`, `14d`
    /// (or ISO 8601, `PT1H`).
    InvalidSchedule = (3005, "invalid-schedule", Error),
    /// A scheduled rule that runs less often than the data it looks at: with
    /// `queryFrequency` longer than `queryPeriod`, events between two runs are
    /// never examined.
    ///
    /// Example: `queryFrequency: 1d` with `queryPeriod: 1h`.
    ScheduleGap = (3006, "schedule-gap", Warning),
    /// A schedule or trigger setting in a near-real-time rule: NRT rules run
    /// every minute on new data and Sentinel ignores these fields.
    ///
    /// Example: `kind: NRT` with `queryFrequency: 1h`.
    IgnoredNrtSetting = (3007, "ignored-nrt-setting", Warning),
    /// A tactic that is not one of the MITRE ATT&CK tactics Sentinel accepts,
    /// in Sentinel's spelling.
    ///
    /// Example: `tactics: [Initial Access]` (write `InitialAccess`).
    UnknownTactic = (3008, "unknown-tactic", Error),
    /// A technique id that is not in MITRE ATT&CK.
    ///
    /// Example: `relevantTechniques: [T9999]`. Ids look like `T1078` or `T1078.004`.
    UnknownTechnique = (3009, "unknown-technique", Error),
    /// A technique whose ATT&CK tactics are none of the rule's tactics: the
    /// rule's mapping is inconsistent.
    ///
    /// Example: `tactics: [Impact]` with `relevantTechniques: [T1110]` (Brute
    /// Force belongs to Credential Access).
    TechniqueTacticMismatch = (3010, "technique-tactic-mismatch", Warning),
    /// A technique that MITRE has revoked or deprecated.
    ///
    /// Example: a technique merged into another one; the help names the
    /// replacement when ATT&CK gives one.
    DeprecatedTechnique = (3011, "deprecated-technique", Warning),
    /// An `entityType` that Sentinel's entity mapping does not have.
    ///
    /// Example: `entityType: User` (the type is `Account`).
    UnknownEntityType = (3012, "unknown-entity-type", Error),
    /// An entity `identifier` that the entity type does not have.
    ///
    /// Example: `Account` with `identifier: UserPrincipalName` (use `FullName`,
    /// or `Name` with `UPNSuffix`).
    UnknownEntityIdentifier = (3013, "unknown-entity-identifier", Error),
    /// An entity mapping's `columnName` that is not a column of the query's
    /// output: the entity is never populated and the alert has no entity.
    ///
    /// Example: `columnName: AccountName` when the query ends with
    /// `project Account, Computer`.
    EntityColumnMissing = (3014, "entity-column-missing", Error),
    /// A `customDetails` or `alertDetailsOverride` column that is not in the
    /// query's output.
    ///
    /// Example: `customDetails: {Process: ProcessName}` when the query
    /// projects only `NewProcessName`.
    DetailColumnMissing = (3015, "detail-column-missing", Error),
    /// A `{{placeholder}}` in `alertDisplayNameFormat` or
    /// `alertDescriptionFormat` that is not a column of the query's output;
    /// Sentinel shows it unreplaced.
    ///
    /// Example: `alertDisplayNameFormat: Sign-in by {{Usr}}` (the column is `User`).
    UnknownAlertPlaceholder = (3016, "unknown-alert-placeholder", Error),
    /// An `eventGroupingSettings` block Sentinel does not accept.
    ///
    /// Example: `aggregationKind: PerResult` (use `SingleAlert` or `AlertPerResult`).
    InvalidEventGrouping = (3017, "invalid-event-grouping", Error),
    /// A time filter in the query that reaches further back than the rule's
    /// `queryPeriod`: Sentinel only gives the query `queryPeriod` of data, so
    /// the longer window is silently cut.
    ///
    /// Example: `where TimeGenerated > ago(14d)` in a rule with `queryPeriod: 1h`.
    LookbackBeyondPeriod = (3018, "lookback-beyond-period", Warning),
    /// A hunting query with no time filter on its tables: it scans whatever
    /// time range the caller picks, which makes results hard to compare.
    ///
    /// Example: `SigninLogs | where ResultType == 50126` (add
    /// `| where TimeGenerated > ago(1d)`).
    NoTimeFilter = (3019, "no-time-filter", Info),
    /// Two rules of the folder with the same `id` (or two functions with the
    /// same name): deploying the folder would overwrite one with the other.
    ///
    /// Example: a rule copied to a new file without a new `id`.
    DuplicateRuleId = (3020, "duplicate-rule-id", Error),
    /// More entries than Sentinel allows: entity mappings per rule,
    /// identifiers per mapping, custom details, or placeholders per format.
    ///
    /// Example: eleven `entityMappings` (Sentinel takes ten).
    RuleLimitExceeded = (3021, "rule-limit-exceeded", Error),
    /// A folder function that calls itself, directly or through others.
    ///
    /// Example: `functions/A.kql` calls `B()` and `functions/B.kql` calls `A()`.
    RecursiveFunction = (3022, "recursive-function", Error),
    /// A rule test file (`NAME.test.yaml`) that cannot be used: broken
    /// YAML, unknown keys, a missing input file, a bad `now`.
    ///
    /// Example: `tables: {SigninLogs: missing.csv}` where the file does not exist.
    InvalidTestFile = (3023, "invalid-test-file", Error),
    /// A watchlist CSV (`watchlists/NAME.csv`) that cannot be read.
    ///
    /// Example: a file with no header row.
    InvalidWatchlist = (3024, "invalid-watchlist", Error),
    /// A rule test whose expectation does not hold: the rule did not fire
    /// when it should, fired when it should not, or returned other rows.
    ///
    /// Example: `expect: {fires: true}` when the query returns no rows.
    TestFailed = (3025, "test-failed", Error),
    /// The query uses a construct that kqlab's local engine does not run
    /// yet (an operator, plugin, function or option). kqlab stops rather than
    /// return an answer that could differ from Log Analytics.
    ///
    /// Example: `T | evaluate autocluster()`.
    /// Verify the query remotely (`kqlab verify`), or rewrite it without the construct.
    NotSupportedLocally = (4001, "not-supported-locally", Error),
    /// The query reads a table for which no data was given.
    ///
    /// Example: `kqlab run 'SigninLogs | take 5'` without `--table SigninLogs=FILE`.
    /// Pass the table's data with `--table NAME=FILE`, or `--empty-tables`
    /// to run against empty tables with the table's schema.
    MissingTableData = (4002, "missing-table-data", Error),
    /// An intermediate or final result has more rows than the row budget.
    ///
    /// Example: a `join` without selective keys over two large tables.
    /// Filter earlier, or raise the limit with `--max-rows`.
    RowLimitExceeded = (4003, "row-limit-exceeded", Error),
    /// An intermediate result needs more memory than the memory budget.
    ///
    /// Example: `mv-expand` of long arrays over many rows.
    /// Filter earlier, or raise the limit with `--max-memory`.
    MemoryLimitExceeded = (4004, "memory-limit-exceeded", Error),
    /// The query was cancelled: it ran past its time limit or the caller stopped it.
    ///
    /// Example: `range x from 1 to 10000000000 step 1` with `--timeout 1s`.
    /// Raise `--timeout`, or narrow the query.
    QueryCancelled = (4005, "query-cancelled", Error),
    /// A value made an operation fail while the query ran: an invalid regular
    /// expression, a wrong argument value, a type the operation does not accept.
    ///
    /// Example: `print extract("(", 1, "x")` (the regex does not compile).
    /// Fix the argument the message names.
    RuntimeError = (4006, "runtime-error", Error),
    /// A control command (`.show`, `.drop`, `.set`, ...) given to `kqlab
    /// verify`. kqlab sends read-only queries only and refuses commands
    /// before anything reaches the workspace.
    ///
    /// Example: `kqlab verify '.drop table SigninLogs' --workspace prod`.
    /// Run control commands in the Azure portal or with `az`.
    ControlCommand = (5001, "control-command", Error),
    /// Log Analytics rejected the query: a syntax or semantic error found by
    /// the service, or a bad request. The service's own codes and messages
    /// follow, pointing at the query where it says where.
    ///
    /// Example: `SigninLogs | wher ResultType != 0` (`SYN0002`).
    /// Fix the query; `kqlab check` finds most of these offline.
    RemoteQueryError = (5002, "remote-query-error", Error),
    /// The service returned tables together with an error: the result may be
    /// incomplete (a limit hit, a shard that failed).
    ///
    /// Example: a result over the 500,000-row limit (`E_QUERY_RESULT_SET_TOO_LARGE`).
    /// Narrow the query (time range, filters, `take`) and verify again.
    PartialResult = (5003, "partial-result", Warning),
    /// The result had more rows or bytes than kqlab keeps (`--max-rows`);
    /// the rows past the cap were left out of the output and the comparison.
    ///
    /// Example: `SigninLogs | take 50000` with the default cap of 10,000 rows.
    /// Raise `--max-rows`, or narrow the query.
    ResultTruncated = (5004, "result-truncated", Warning),
    /// The service was throttling (429) or unavailable (5xx). kqlab waits as
    /// the `Retry-After` header asks and retries; this says how long it
    /// waited, or (as an error) that every attempt was refused.
    ///
    /// Example: many verifications at once against one workspace.
    /// Space runs out; the retries are automatic.
    Throttled = (5005, "throttled", Warning),
    /// `--with-fixtures` was asked for, but the query reads data that has no
    /// fixture: a table the test case does not give, or a source that cannot
    /// be inlined (`_GetWatchlist`, `workspace()`, `externaldata`, `union *`).
    /// Sending it would read the workspace's real data, so kqlab stops.
    ///
    /// Example: a rule that joins `SigninLogs` with `AADNonInteractiveUserSignInLogs`
    /// whose test only gives `SigninLogs`.
    /// Add the table to the test case (an empty `rows: []` is fine).
    MissingFixture = (5006, "missing-fixture", Error),
    /// `--compare`: the remote and the local results differ. The diff
    /// shows `-` local and `+` remote rows.
    ///
    /// Example: a function kqlab evaluates differently from Log Analytics.
    /// Report the difference; it is a bug in kqlab's engine or in the fixture.
    ResultsDiffer = (5007, "results-differ", Error),
}

impl Code {
    /// The row of this code in [`TABLE`].
    pub fn info(self) -> &'static CodeInfo {
        TABLE.iter().find(|info| info.code == self).expect("every Code variant has a row in TABLE")
    }

    /// The display form, e.g. `KQL0012`.
    pub fn as_string(self) -> String {
        format!("KQL{:04}", self.info().number)
    }

    /// What the code flags, why, and an example with the fix: its doc
    /// comment, one line per line, as `kqlab explain` and the MCP
    /// `diagnostic_explain` tool show it.
    pub fn explanation(self) -> String {
        let mut out = String::new();
        for line in self.info().doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// Looks a code up by its display form (`KQL0012`, case-insensitive),
    /// by number (`12`) or by name (`unexpected-token`).
    pub fn lookup(text: &str) -> Option<Code> {
        let text = text.trim();
        let digits = text.strip_prefix("KQL").or_else(|| text.strip_prefix("kql")).unwrap_or(text);
        if let Ok(number) = digits.parse::<u16>() {
            return TABLE.iter().find(|info| info.number == number).map(|info| info.code);
        }
        TABLE.iter().find(|info| info.name == text).map(|info| info.code)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KQL{:04}", self.info().number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_unique() {
        let mut numbers: Vec<u16> = TABLE.iter().map(|info| info.number).collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), TABLE.len());
        let mut names: Vec<&str> = TABLE.iter().map(|info| info.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
    }

    #[test]
    fn every_code_is_documented() {
        for info in TABLE {
            assert!(info.doc.trim().len() > 20, "{} needs documentation", info.name);
        }
    }

    #[test]
    fn lookup_accepts_code_number_and_name() {
        assert_eq!(Code::lookup("KQL0012"), Some(Code::UnexpectedToken));
        assert_eq!(Code::lookup("kql12"), Some(Code::UnexpectedToken));
        assert_eq!(Code::lookup("unexpected-token"), Some(Code::UnexpectedToken));
        assert_eq!(Code::lookup("KQL9999"), None);
        assert_eq!(Code::UnexpectedToken.to_string(), "KQL0012");
    }
}
