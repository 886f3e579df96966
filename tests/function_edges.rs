//! Edge cases of the function library, as data: every line of
//! `tests/data/functions/edges/*.txt` is `EXPR => TYPE VALUE` (or a whole
//! query that makes one cell, `=> error KQLnnnn`), checked through the
//! parser, the analyzer and the engine. The expectations come from the
//! Microsoft KQL documentation (a line cites the page where the semantic is
//! not obvious), not from what the engine printed.
//!
//! The second test is a coverage gate: every scalar function that runs
//! locally has at least one `[null]` case and one `[empty]` or `[boundary]`
//! case, unless it is exempt (with a reason) or still on the `UNCOVERED`
//! list, which may only shrink. The third is the same gate for the
//! aggregation and window functions (`EXEMPT_AGGREGATES`,
//! `UNCOVERED_AGGREGATES`): a case over only nulls and one over no rows or a
//! boundary. The fourth asks every local scalar function that takes a
//! dynamic argument for a `[dynamic]` case, a wrong-shaped dynamic value
//! (`UNCOVERED_DYNAMIC` may only shrink).
//!
//! File format (see `tests/data/functions/edges/README.md`):
//! - `[null]`, `[empty]`, `[boundary]`, `[dynamic]`, `[value]` start a section;
//!   the section is the kind of the lines under it;
//! - `# ...` is a comment line, and `  # ...` ends a case with a comment;
//! - the left side is an expression, printed with `print r = EXPR`, or a
//!   whole query when it starts with `print `, `range `, `datatable`, `let `
//!   or `union `;
//! - the right side is the result's type and value: `null` for a null,
//!   strings and dynamic values as compact JSON (`string ""`,
//!   `dynamic {"a":1}`), other values as `tostring()` renders them
//!   (`datetime 2020-01-01T00:00:00.0000000Z`, `real NaN`); or `error KQLnnnn`
//!   when the analyzer or the engine must refuse the query.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kqlab::analysis::Globals;
use kqlab::analysis::catalog::{Catalog, FunctionKind, ParamKind, ParamType};
use kqlab::analysis::types::Type;
use kqlab::engine::support::support_matrix;
use kqlab::engine::table::Database;
use kqlab::engine::value::Value;
use kqlab::engine::{Options, execute};
use kqlab::syntax::ast::ScalarType;

/// Functions without a null or an empty/boundary case on purpose.
const EXEMPT: &[(&str, &str)] = &[
    ("pi", "takes no argument and returns a constant"),
    ("now", "takes no argument (an optional offset is a timespan, covered by `ago`)"),
    ("rand", "random; its range argument is covered in the sweep of tests/functions.rs"),
    ("new_guid", "takes no argument and is random"),
    ("datetime_list_timezones", "takes no argument and returns a fixed list"),
    ("ingestion_time", "takes no argument; null outside ingested tables"),
    ("table", "tabular, takes a table name"),
    ("column_names_of", "takes a table name, not a value"),
    ("column_ifexists", "takes a column name, not a value"),
    ("pack_all", "takes no value argument (only the optional ignore-nulls flag)"),
    ("bag_pack_columns", "takes column names, not values"),
    (
        "inner_nodes",
        "takes a variable-length edge, never a value, and is only ever the first argument of `all`, `any` or \
         `map`, so its cases (graph.txt) count for those",
    ),
];

/// Scalar functions that run locally but have no edge cases yet. This list
/// may only shrink: the gate fails when a function on it has gained its
/// cases (remove it here) and when a function is neither covered, exempt nor
/// listed (a newly registered function needs its cases).
const UNCOVERED: &[&str] = &[];

/// Scalar functions that take a dynamic argument but have no `[dynamic]`
/// case (a wrong-shaped dynamic value) yet; like `UNCOVERED`, this list may
/// only shrink.
const UNCOVERED_DYNAMIC: &[&str] = &[];

/// Aggregation and window functions without a null or an empty/boundary
/// case on purpose.
const EXEMPT_AGGREGATES: &[(&str, &str)] = &[];

/// Aggregation and window functions that run locally but have no edge cases
/// yet; like `UNCOVERED`, this list may only shrink.
const UNCOVERED_AGGREGATES: &[&str] = &[];

fn options() -> Options {
    Options { max_rows: 100_000, max_memory: 256 << 20, seed: Some(1), ..Options::default() }
}

/// The kinds of case a line can be.
const KINDS: [&str; 5] = ["null", "empty", "boundary", "dynamic", "value"];

/// One case: where it is, its kind, its query and its expectation.
struct Case {
    file: String,
    line: usize,
    kind: &'static str,
    left: String,
    expected: String,
}

fn edges_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/functions/edges")
}

fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(edges_dir())
        .expect("tests/data/functions/edges")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files");
    let mut cases = Vec::new();
    for path in &files {
        let file = path.file_name().and_then(|n| n.to_str()).expect("UTF-8 name").to_string();
        let text = std::fs::read_to_string(path).expect("UTF-8 case file");
        let mut kind: Option<&'static str> = None;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                kind = Some(
                    KINDS
                        .iter()
                        .find(|k| **k == section)
                        .unwrap_or_else(|| panic!("{file}:{}: unknown section [{section}]", index + 1)),
                );
                continue;
            }
            let kind = kind.unwrap_or_else(|| panic!("{file}:{}: a case before any [section]", index + 1));
            let case = line.split_once("  # ").map_or(line, |(case, _comment)| case).trim();
            let (left, expected) = case
                .rsplit_once(" => ")
                .unwrap_or_else(|| panic!("{file}:{}: expected `EXPR => TYPE VALUE`", index + 1));
            cases.push(Case {
                file: file.clone(),
                line: index + 1,
                kind,
                left: left.trim().to_string(),
                expected: expected.trim().to_string(),
            });
        }
    }
    cases
}

/// The query a case runs.
fn query_of(left: &str) -> String {
    let whole = ["print ", "range ", "datatable", "let ", "union "];
    if whole.iter().any(|start| left.starts_with(start)) { left.to_string() } else { format!("print r = {left}") }
}

/// Parses, analyzes and runs the query; the one cell as `TYPE VALUE`, or
/// `error CODE`.
fn evaluate(query: &str, globals: &Globals) -> String {
    let parse = kqlab::parse(query);
    let mut diagnostics = parse.diagnostics.clone();
    if !kqlab::diagnostics::has_errors(&diagnostics) {
        diagnostics.extend(kqlab::analysis::analyze(&parse.query, globals).diagnostics);
    }
    if let Some(error) = diagnostics.iter().find(|d| d.severity == kqlab::diagnostics::Severity::Error) {
        return format!("error {}", error.code);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        execute(&parse.query, &Database::new(), &options(), None)
    }));
    match result {
        Err(_) => "panic".to_string(),
        Ok(Err(error)) => format!("error {} ({})", error.to_diagnostic(parse.query.span).code, error.message),
        Ok(Ok(tables)) => {
            let Some(table) = tables.last() else { return "no table".to_string() };
            if table.rows != 1 || table.fields.len() != 1 {
                return format!("{} rows of {} columns, not one cell", table.rows, table.fields.len());
            }
            let column = &table.fields[0].column;
            render(&column.get(0), column.ty())
        }
    }
}

/// `TYPE VALUE` for a cell.
fn render(value: &Value, ty: ScalarType) -> String {
    let text = match (value, ty) {
        // A string is never null in Kusto; an engine null in a string column
        // is the empty string.
        (Value::Null, ScalarType::String) => "\"\"".to_string(),
        (Value::String(s), _) => serde_json::to_string(&**s).expect("a string serializes"),
        (Value::Dynamic(d), _) => d.to_json(),
        (Value::Null, _) => "null".to_string(),
        (other, _) => other.to_kql_string(),
    };
    format!("{} {text}", ty.name())
}

/// The error code alone, for comparing `error KQLnnnn (message)` with `error KQLnnnn`.
fn comparable(actual: &str) -> &str {
    if actual.starts_with("error ") { actual.split(" (").next().unwrap_or(actual) } else { actual }
}

#[test]
fn functions_give_documented_results_on_edge_cases() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(check_cases)
        .expect("thread")
        .join()
        .expect("the check itself does not panic");
}

fn check_cases() {
    let globals = Globals::builtin();
    let cases = load_cases();
    let mut failures = Vec::new();
    for case in &cases {
        let actual = evaluate(&query_of(&case.left), &globals);
        if comparable(&actual) != case.expected {
            failures.push(format!(
                "{}:{}: {}\n    expected: {}\n    actual:   {actual}",
                case.file, case.line, case.left, case.expected
            ));
        }
    }
    println!("{} edge cases, {} failing", cases.len(), failures.len());
    assert!(failures.is_empty(), "{} of {} edge cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// The function a case is about: the first name called in it that is not a
/// typed literal or a query keyword (`summarize r = count()` is about
/// `count`).
fn function_of(left: &str, known: &BTreeSet<String>) -> Option<String> {
    let bytes = left.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'"' {
            // Skip a string literal.
            index += 1;
            while index < bytes.len() && bytes[index] != b'"' {
                index += if bytes[index] == b'\\' { 2 } else { 1 };
            }
            index += 1;
            continue;
        }
        if bytes[index].is_ascii_alphabetic() || bytes[index] == b'_' {
            let start = index;
            while index < bytes.len() && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'_') {
                index += 1;
            }
            let name = &left[start..index];
            if bytes.get(index) == Some(&b'(') && known.contains(name) {
                return Some(name.to_string());
            }
            continue;
        }
        index += 1;
    }
    None
}

/// The local functions of a kind, by name.
fn local_functions(kind: fn(&FunctionKind) -> bool) -> BTreeSet<String> {
    support_matrix()
        .into_iter()
        .filter(|entry| entry.runs_locally && kind(&entry.function.kind))
        .map(|entry| entry.function.name.to_string())
        .collect()
}

/// The kinds of case each function has, and the cases that name no
/// function or are `[null]` without a null.
fn case_kinds() -> (BTreeMap<String, BTreeSet<&'static str>>, Vec<String>) {
    let known: BTreeSet<String> =
        local_functions(|kind| matches!(kind, FunctionKind::Scalar | FunctionKind::Aggregate | FunctionKind::Window));
    let mut kinds: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut problems = Vec::new();
    for case in load_cases() {
        match function_of(&case.left, &known) {
            Some(name) => {
                kinds.entry(name).or_default().insert(case.kind);
            }
            None => problems.push(format!("{}:{}: no registered function in `{}`", case.file, case.line, case.left)),
        }
        if case.kind == "null" && !case.left.contains("null") {
            problems.push(format!("{}:{}: a [null] case without a null", case.file, case.line));
        }
    }
    (kinds, problems)
}

/// The gate for one family: every function in `functions` has a `[null]`
/// case and an `[empty]` or `[boundary]` case, or is exempt, or is on the
/// shrink-only `uncovered` list. Returns the problems and the number covered.
fn check_coverage(
    functions: &BTreeSet<String>,
    kinds: &BTreeMap<String, BTreeSet<&str>>,
    exempt: &[(&str, &str)],
    uncovered: &[&str],
) -> (Vec<String>, usize) {
    let covered = |name: &str| {
        kinds.get(name).is_some_and(|k| k.contains("null") && (k.contains("empty") || k.contains("boundary")))
    };
    let exempt: BTreeSet<&str> = exempt.iter().map(|(name, _)| *name).collect();
    let uncovered: BTreeSet<&str> = uncovered.iter().copied().collect();
    let mut problems = Vec::new();
    for name in functions {
        let listed = exempt.contains(name.as_str()) || uncovered.contains(name.as_str());
        if covered(name) && uncovered.contains(name.as_str()) {
            problems.push(format!("`{name}` is covered now: remove it from the uncovered list"));
        }
        if !covered(name) && !listed {
            let has = kinds.get(name).map(|k| k.iter().copied().collect::<Vec<_>>().join(", ")).unwrap_or_default();
            problems.push(format!("`{name}` needs a [null] and an [empty] or [boundary] case (has: {has})"));
        }
    }
    for name in exempt.iter().chain(uncovered.iter()) {
        if !functions.contains(*name) {
            problems.push(format!("`{name}` is listed but is not a local function of this family"));
        }
    }
    (problems, functions.iter().filter(|name| covered(name)).count())
}

#[test]
fn every_local_scalar_function_has_null_and_boundary_cases() {
    let scalars = local_functions(|kind| matches!(kind, FunctionKind::Scalar));
    let (kinds, mut problems) = case_kinds();
    let (gaps, n_covered) = check_coverage(&scalars, &kinds, EXEMPT, UNCOVERED);
    problems.extend(gaps);
    println!(
        "{n_covered} of {} local scalar functions covered, {} exempt, {} uncovered",
        scalars.len(),
        EXEMPT.len(),
        UNCOVERED.len()
    );
    assert!(problems.is_empty(), "{} coverage problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn every_local_aggregate_and_window_function_has_null_and_boundary_cases() {
    let functions = local_functions(|kind| matches!(kind, FunctionKind::Aggregate | FunctionKind::Window));
    let (kinds, _) = case_kinds();
    let (problems, n_covered) = check_coverage(&functions, &kinds, EXEMPT_AGGREGATES, UNCOVERED_AGGREGATES);
    println!(
        "{n_covered} of {} local aggregation and window functions covered, {} exempt, {} uncovered",
        functions.len(),
        EXEMPT_AGGREGATES.len(),
        UNCOVERED_AGGREGATES.len()
    );
    assert!(problems.is_empty(), "{} coverage problems:\n{}", problems.len(), problems.join("\n"));
}

/// Whether a parameter takes dynamic values (arrays, bags or any dynamic).
fn takes_dynamic(ty: &ParamType) -> bool {
    match ty {
        ParamType::Declared(types) => types.contains(&Type::DYNAMIC),
        ParamType::Kind(kind) => matches!(
            kind,
            ParamKind::StringOrDynamic
                | ParamKind::StringOrArray
                | ParamKind::IntegerOrArray
                | ParamKind::DynamicArray
                | ParamKind::DynamicBag
                | ParamKind::CommonScalarOrDynamic
        ),
    }
}

#[test]
fn every_local_scalar_function_taking_dynamic_has_a_wrong_shape_case() {
    let catalog = Catalog::builtin();
    let functions: BTreeSet<String> = local_functions(|kind| matches!(kind, FunctionKind::Scalar))
        .into_iter()
        .filter(|name| {
            catalog.scalar(name).is_some_and(|function| {
                function.signatures.iter().any(|signature| signature.params.iter().any(|p| takes_dynamic(&p.ty)))
            })
        })
        .collect();
    let (kinds, _) = case_kinds();
    let has_case = |name: &str| kinds.get(name).is_some_and(|k| k.contains("dynamic"));
    let mut problems = Vec::new();
    for name in &functions {
        let listed = UNCOVERED_DYNAMIC.contains(&name.as_str());
        if has_case(name) && listed {
            problems.push(format!("`{name}` has a [dynamic] case now: remove it from UNCOVERED_DYNAMIC"));
        }
        if !has_case(name) && !listed {
            problems.push(format!("`{name}` takes a dynamic argument and needs a [dynamic] case"));
        }
    }
    for name in UNCOVERED_DYNAMIC {
        if !functions.contains(*name) {
            problems.push(format!("`{name}` is in UNCOVERED_DYNAMIC but takes no dynamic argument locally"));
        }
    }
    println!(
        "{} of {} local scalar functions taking dynamic arguments have a [dynamic] case, {} uncovered",
        functions.iter().filter(|name| has_case(name)).count(),
        functions.len(),
        UNCOVERED_DYNAMIC.len()
    );
    assert!(problems.is_empty(), "{} coverage problems:\n{}", problems.len(), problems.join("\n"));
}
