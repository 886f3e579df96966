//! Documentation conformance: every example in
//! `tests/data/conformance/docs-examples.jsonl` (queries with their documented
//! outputs, from Microsoft's KQL reference) is parsed, checked and executed,
//! and its result compared with the documented table by the rules of the
//! original data set (`shared/conformance/compare.py`, ported here):
//! type-directed cell comparison (numbers within the docs' rounding,
//! datetimes and timespans as ticks, dynamic values structurally, an empty
//! cell for null), rows as a multiset unless the query orders them.
//!
//! Examples whose documented output is wrong (`DOC_CORRECTIONS`, each with
//! its reason) are compared with a corrected expectation and counted apart.
//!
//! The figures are floors: the tabular-operator, aggregation, window-function
//! and query-statement examples (the engine's gate) must pass at 80 % or
//! more, and the total may not fall below the last measured count.

use std::collections::BTreeMap;
use std::sync::Arc;

use kqlab::engine::table::{Database, Table};
use kqlab::engine::{Options, execute, output};
use regex::Regex;
use serde_json::Value as Json;

/// Categories the engine issue is measured on.
const GATE: [&str; 4] = ["Tabular operators", "Aggregation functions", "Window functions", "Query statements"];
/// Ratchet: raise when more examples pass.
const MIN_PASSING: usize = 490;
/// Ratchet on the count that includes examples passing against a corrected
/// expectation (`DOC_CORRECTIONS`).
const MIN_PASSING_CORRECTED: usize = 528;

/// Examples whose documented output is wrong, found by reading the page: the
/// example id, what is wrong, and a JSON object whose fields replace the
/// example's (`columns`, `rows`, `query`). Such an example is compared with
/// the corrected expectation and counted apart from the examples that pass as
/// documented (the data set's README asks for this rather than bending the
/// executor). A correction that is no longer needed fails the test, so the
/// list cannot hide a pass or grow stale.
const DOC_CORRECTIONS: &[(&str, &str, &str)] = &[
    (
        "array-iff-function.md#3",
        "the output shows a `condition` column the query does not make",
        r#"{"rows": [["[\"some string value\", \"2022-01-01T00:00:00.0000000Z\", null]", "1", "0", "[null, null, null]"]]}"#,
    ),
    (
        "asin-function.md#1",
        "the output belongs to the page's \"Run the query\" version, `asin(0.95)`",
        r#"{"query": "print result=asin(0.95)"}"#,
    ),
    (
        "binary-all-xor-aggregation-function.md#1",
        "the header says `results`; the query names the column `result`",
        r#"{"columns": ["result"]}"#,
    ),
    (
        "bin-function.md#2",
        "`14:00:00:00` is not a timespan; 16 days binned to 7 days is `14.00:00:00`",
        r#"{"rows": [["14.00:00:00"]]}"#,
    ),
    (
        "cos-function.md#1",
        "the header says `result`; `print cos(1)` names its column `print_0`",
        r#"{"columns": ["print_0"]}"#,
    ),
    (
        "cot-function.md#1",
        "the header says `result`; `print cot(1)` names its column `print_0`",
        r#"{"columns": ["print_0"]}"#,
    ),
    (
        "geo-closest-point-on-line-function.md#2",
        "the output belongs to the page's \"Run the query\" version, which names the column `result`",
        r#"{"query": "print result = isnull(geo_closest_point_on_line(1,1, dynamic({ \"type\":\"LineString\"})))"}"#,
    ),
    (
        "geo-line-interpolate-point-function.md#2",
        "the header says `result`; the query projects `lng`",
        r#"{"columns": ["lng"]}"#,
    ),
    (
        "geo-polygon-lookup-plugin.md#1",
        "the output names the museum `NY National Museum of Mathematics`; the query's data says `National Museum of Mathematics`",
        r#"{"rows": [["National Museum of Mathematics", "-73.9877850149622", "40.7435652327715", "New York", "{\"type\":\"Polygon\",\"coordinates\":[[[-73.97375470114766,40.74300078124614],[-73.98653921014294,40.75486501361894],[-73.99910622331992,40.74112695466084],[-73.97375470114766,40.74300078124614]]]}"], ["Empire State Building", "-73.9856733789857", "40.7484262997738", "New York", "{\"type\":\"Polygon\",\"coordinates\":[[[-73.97375470114766,40.74300078124614],[-73.98653921014294,40.75486501361894],[-73.99910622331992,40.74112695466084],[-73.97375470114766,40.74300078124614]]]}"], ["Eiffel Tower", "2.29448942606891", "48.8582634761692", "Paris", "{\"type\":\"Polygon\",\"coordinates\":[[[2.57564669886321,48.769567764921337],[2.420098611499384,49.05163394896812],[2.1016783119165725,48.80113794475062],[2.57564669886321,48.769567764921337]]]}"]]}"#,
    ),
    (
        "geo-polygon-centroid-function.md#3",
        "the output's GeoJSON lacks its opening `{`",
        r#"{"rows": [["{\"type\": \"Point\", \"coordinates\": [-73.968569587829577, 40.776310752555119]}"]]}"#,
    ),
    (
        "geo-polygon-to-s2cells-function.md#1",
        "the output calls the first polygon `New York city`; the query's data says `New York`",
        r#"{"rows": [["-73.95", "40.75", "New York"], ["-122.3", "47.6", "Seattle"], ["-115.18", "36.16", "Las Vegas"]]}"#,
    ),
    (
        "geospatial-joins.md#2",
        "the output gives `b` the coordinates of `a`; `distinct` keeps `b`'s own `longitude` and `latitude`",
        r#"{"rows": [["a", "1", "-0.124330807668741", "51.5111584136165"], ["b", "1", "-0.124326513414587", "51.5111608486706"], ["c", "1", "-0.124324669396373", "51.5111595966917"]]}"#,
    ),
    (
        "join-rightanti.md#1",
        "the header says `Value1`; a right anti join keeps the right side's `Value2`",
        r#"{"columns": ["Key", "Value2"]}"#,
    ),
    (
        "max-of-function.md#2",
        "the header says `result`; `project max_of(A, B)` names its column `Column1`",
        r#"{"columns": ["Column1"]}"#,
    ),
    (
        "node-degree-out.md#2",
        "the output belongs to the page's \"Run the query\" version, which projects four columns",
        r#"{"query": "let employees = datatable(name:string, age:long)\n[\n\"Alice\", 32,\n\"Bob\", 31,\n\"Eve\", 27,\n\"Joe\", 29,\n\"Chris\", 45,\n\"Alex\", 35,\n\"Ben\", 23,\n\"Richard\", 39,\n\"Jim\", 42,\n];\nlet reports = datatable(employee:string, manager:string)\n[\n\"Bob\", \"Alice\",\n\"Chris\", \"Alice\",\n\"Eve\", \"Bob\",\n\"Ben\", \"Chris\",\n\"Joe\", \"Alice\",\n\"Richard\", \"Bob\",\n\"Alice\", \"Jim\"\n];\nreports\n| make-graph employee --> manager with employees on name\n| graph-match (manager)<-[reports]-(employee)\nwhere node_degree_out(manager) == 0\nproject manager.name, employee.name, degree_in_m=node_degree_in(manager), degree_out_m=node_degree_out(manager)"}"#,
    ),
    (
        "node-id.md#1",
        "the header says `manager_1` and `manager_2`; the query names the columns `manager1` and `manager2`",
        r#"{"columns": ["manager1", "manager2"]}"#,
    ),
    (
        "parse-command-line-function.md#1",
        "the header says `Result`; the `print` names its column `print_0`",
        r#"{"columns": ["print_0"]}"#,
    ),
    (
        "gzip-base64-decompress.md#1",
        "the output shows the decompressed string in quotes; the stream holds `1234567890qwertyuiop`",
        r#"{"rows": [["1234567890qwertyuiop"]]}"#,
    ),
    (
        "range-operator.md#2",
        "the output omits the first three rows (2024-01-01 to 2024-01-03)",
        r#"{"rows": [["2024-01-01"], ["2024-01-02"], ["2024-01-03"], ["2024-01-04"], ["2024-01-05"], ["2024-01-06"], ["2024-01-07"], ["2024-01-08"], ["2024-01-09"], ["2024-01-10"]]}"#,
    ),
    (
        "replace-string-function.md#2",
        "`tostring()` of the long `x` is `1`, not `1.000000`",
        r#"{"rows": [["1", "Number is 1", "Number was 1"], ["2", "Number is 2", "Number was 2"], ["3", "Number is 3", "Number was 3"], ["4", "Number is 4", "Number was 4"], ["5", "Number is 5", "Number was 5"]]}"#,
    ),
    (
        "scan-operator.md#5",
        "the output puts `userID` first; the query projects `start, end, userID, sessionDuration`",
        r#"{"columns": ["start", "end", "userID", "sessionDuration"], "rows": [["2024-05-28 08:15:23", "2024-05-28 12:30:45", "1", "04:15:22"], ["2024-05-28 09:10:27", "2024-05-28 13:25:19", "3", "04:14:52"], ["2024-05-28 08:30:15", "2024-05-28 11:45:32", "2", "03:15:17"]]}"#,
    ),
    (
        "series-fill-linear-function.md#1",
        "the int row's `with_const` changes the known value 36 to 38; it equals `with_edges` as in the real-valued row",
        r#"{"rows": [["[null,111.0,null,36.0,41.0,null,null,16.0,61.0,33.0,null,null]", "[111.0,111.0,73.5,36.0,41.0,32.667,24.333,16.0,61.0,33.0,33.0,33.0]", "[111.0,111.0,73.5,36.0,41.0,32.667,24.333,16.0,61.0,33.0,33.0,33.0]", "[null,111.0,73.5,36.0,41.0,32.667,24.333,16.0,61.0,33.0,null,null]", "[111.0,111.0,73.5,36.0,41.0,32.667,24.333,16.0,61.0,33.0,33.0,33.0]"], ["[null,111,null,36,41,null,null,16,61,33,null,null]", "[111,111,73,36,41,32,24,16,61,33,33,33]", "[111,111,73,36,41,32,24,16,61,33,33,33]", "[null,111,73,36,41,32,24,16,61,33,null,null]", "[111,111,73,36,41,32,24,16,61,33,33,33]"], ["[null,null,null,null]", "[0.0,0.0,0.0,0.0]", "[0.0,0.0,0.0,0.0]", "[0.0,0.0,0.0,0.0]", "[3.14159,3.14159,3.14159,3.14159]"]]}"#,
    ),
    (
        "series-asin-function.md#1",
        "the output quotes two of the numbers as strings",
        r#"{"rows": [["[-1,0,1]", "[-1.5707963267948966,0,1.5707963267948966]"]]}"#,
    ),
    (
        "series-iir-function.md#1",
        "the output stops after 4 of the 10 rows `mv-expand` makes",
        r#"{"rows": [["1.0", "1.0"], ["2.0", "3.0"], ["3.0", "6.0"], ["4.0", "10.0"], ["5.0", "15.0"], ["6.0", "21.0"], ["7.0", "28.0"], ["8.0", "36.0"], ["9.0", "45.0"], ["10.0", "55.0"]]}"#,
    ),
    (
        "series-product-function.md#1",
        "the header says `s1`; the query names the column `arr`",
        r#"{"columns": ["arr", "series_product"]}"#,
    ),
    (
        "series-periods-validate-function.md#2",
        "the header keeps the Markdown escapes of the underscores (`series\\_periods\\_validate...`)",
        r#"{"columns": ["series_periods_validate_y_periods", "series_periods_validate_y_scores"]}"#,
    ),
    (
        "series-sin-function.md#1",
        "the output's `arr` is not the query's `[-1, 0, 1]`",
        r#"{"rows": [["[-1,0,1]", "[-0.8414709848078965,0.0,0.8414709848078965]"]]}"#,
    ),
    (
        "series-tan-function.md#1",
        "the output's `arr` is not the query's `[-1, 0, 1]`",
        r#"{"rows": [["[-1,0,1]", "[-1.5574077246549023,0.0,1.5574077246549023]"]]}"#,
    ),
    (
        "strcat-function.md#2",
        "the markdown turned the three lines into a numbered list",
        r#"{"rows": [["Line 1<br />Line 2<br />Line 3"]]}"#,
    ),
    (
        "split-function.md#1",
        "the header says `print4` for the fifth column, `print_4`",
        r#"{"columns": ["print_0", "print_1", "print_2", "print_3", "print_4"]}"#,
    ),
    (
        "strlen-function.md#3",
        "the header says `length`; `print strlen(...)` names its column `print_0`",
        r#"{"columns": ["print_0"]}"#,
    ),
    (
        "tohex-function.md#1",
        "the header says `print_04` for the fifth column, `print_4`",
        r#"{"columns": ["print_0", "print_1", "print_2", "print_3", "print_4"]}"#,
    ),
    (
        "trim-start-function.md#1",
        "the markdown turned the URL into an autolink `<https://bing.com>`",
        r#"{"rows": [["https://bing.com", "bing.com"]]}"#,
    ),
    (
        "trim-end-function.md#2",
        "the query uses `x` without making it; its five rows come from the `range x from 1 to 5` the trim and trim_start pages' same example starts with",
        r#"{"query": "range x from 1 to 5 step 1\n| project str = strcat(\"-  \",\"Te st\",x,@\"// $\")\n| extend trimmed_str = trim_end(@\"[^\\w]+\",str)"}"#,
    ),
    (
        "url-encode-component-function.md#1",
        "the output's `encoded` drops the URL's final `/` (`%2f`)",
        r#"{"rows": [["https://www.bing.com/hello world/", "https%3a%2f%2fwww.bing.com%2fhello%20world%2f"]]}"#,
    ),
    (
        "url-encode-function.md#1",
        "the output's `original` ends with a `/` the query's URL does not have",
        r#"{"rows": [["https://www.bing.com/hello world", "https%3a%2f%2fwww.bing.com%2fhello+world"]]}"#,
    ),
    (
        "variancep-aggregation-function.md#1",
        "the header says `variance_x`; `variancep(x)` names its column `variancep_x`",
        r#"{"columns": ["list_x", "variancep_x"]}"#,
    ),
    (
        "zip-function.md#3",
        "the header says `print_0`; `project zip(a, b)` names its column `Column1`",
        r#"{"columns": ["Column1"]}"#,
    ),
];
const MIN_GATE_PERCENT: f64 = 80.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Pass,
    PassSoft,
    /// Passes against the expectation `DOC_CORRECTIONS` corrects.
    PassCorrected,
    Fail,
    Error,
}

/// A result table as the comparator sees it: column names and types, cells as JSON.
struct Actual {
    names: Vec<String>,
    types: Vec<String>,
    rows: Vec<Vec<Json>>,
}

fn actual_table(table: &Table) -> Actual {
    let names = table.fields.iter().map(|f| f.name.clone()).collect();
    let types = table.fields.iter().map(|f| f.column.ty().name().to_string()).collect();
    let rows = (0..table.rows)
        .map(|row| {
            table
                .fields
                .iter()
                .map(|f| {
                    let ty = f.column.ty();
                    let value = f.column.get(row);
                    match (&value, output::api_value(&value, ty)) {
                        // Dynamic values as JSON values, not their text.
                        (kqlab::engine::value::Value::Dynamic(d), _) => {
                            serde_json::from_str(&d.to_json()).unwrap_or(Json::Null)
                        }
                        (_, json) => json,
                    }
                })
                .collect()
        })
        .collect();
    Actual { names, types, rows }
}

/// Runs one example the way `kqlab run` does: syntax and semantic errors stop it.
fn run(query: &str, globals: &kqlab::analysis::Globals) -> Result<Vec<Actual>, String> {
    let parse = kqlab::parse(query);
    let mut diagnostics = parse.diagnostics.clone();
    if !kqlab::diagnostics::has_errors(&diagnostics) {
        diagnostics.extend(kqlab::analysis::analyze(&parse.query, globals).diagnostics);
    }
    if kqlab::diagnostics::has_errors(&diagnostics) {
        let first = diagnostics.iter().find(|d| d.severity == kqlab::diagnostics::Severity::Error);
        return Err(first.map(|d| format!("{} {}", d.code, d.message)).unwrap_or_default());
    }
    let now = kqlab::syntax::literal::parse_datetime("2025-01-01").expect("a datetime");
    let options = Options { now, ..Options::default() };
    match execute(&parse.query, &Database::new(), &options, None) {
        Ok(tables) => Ok(tables.iter().map(|t: &Arc<Table>| actual_table(t)).collect()),
        Err(error) => {
            let d = error.to_diagnostic(parse.query.span);
            Err(format!("{} {}", d.code, d.message))
        }
    }
}

// ---------------------------------------------------------------- cells

struct Rules {
    br: Regex,
    ellipsis: Regex,
    datetime: Regex,
    timespan: Regex,
    grouped_number: Regex,
    decimals: Regex,
    bare_word: Regex,
}

impl Rules {
    fn new() -> Rules {
        Rules {
            br: Regex::new(r"<br\s*/?>").unwrap(),
            ellipsis: Regex::new(r"\.{3,}|\x{2026}").unwrap(),
            datetime: Regex::new(
                r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7})\d*)?)?)?\s*(Z|[+-]00:?00)?$",
            )
            .unwrap(),
            timespan: Regex::new(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7})\d*)?$").unwrap(),
            grouped_number: Regex::new(r"^-?[\d,]+(\.\d+)?$").unwrap(),
            decimals: Regex::new(r"^-?\d*\.(\d+)$").unwrap(),
            bare_word: Regex::new(r"([\[,{:])\s*([A-Za-z_][\w.-]*)\s*([,\]}:])").unwrap(),
        }
    }

    /// Markdown cell to text: trim, one pair of enclosing backticks, `<br>`, `\|`.
    fn cell_text(&self, cell: &str) -> String {
        let mut s = cell.trim().to_string();
        if s.len() >= 2 && s.starts_with('`') && s.ends_with('`') {
            s = s.trim_matches('`').trim().to_string();
        }
        let s = self.br.replace_all(&s, "\n").replace("\\|", "|");
        s.trim().to_string()
    }

    /// Header cell to column name (a matched pair of `*`/`**` is emphasis).
    fn column_name(&self, cell: &str) -> String {
        let mut s = self.cell_text(cell).trim().to_string();
        for mark in ["**", "*"] {
            if s.len() > 2 * mark.len() && s.starts_with(mark) && s.ends_with(mark) {
                s = s[mark.len()..s.len() - mark.len()].trim().to_string();
                break;
            }
        }
        s.trim_matches('`').trim().to_string()
    }

    fn datetime_ticks(&self, text: &str) -> Option<i64> {
        let c = self.datetime.captures(text.trim())?;
        let num = |i: usize| c.get(i).map_or(0, |m| m.as_str().parse::<i64>().unwrap_or(0));
        let (y, mo, d) = (num(1), num(2), num(3));
        if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || num(4) > 23 || num(5) > 59 || num(6) > 59 {
            return None;
        }
        let days = days_from_civil(y, mo, d) - days_from_civil(1, 1, 1);
        let mut ticks = ((days * 86_400) + num(4) * 3600 + num(5) * 60 + num(6)) * 10_000_000;
        if let Some(frac) = c.get(7) {
            ticks += format!("{:0<7}", frac.as_str()).parse::<i64>().unwrap_or(0);
        }
        Some(ticks)
    }

    fn timespan_ticks(&self, value: &Json) -> Option<i64> {
        if let Some(n) = value.as_f64() {
            return Some(n as i64);
        }
        let text = value.as_str()?;
        let c = self.timespan.captures(text.trim())?;
        let num = |i: usize| c.get(i).map_or(0, |m| m.as_str().parse::<i64>().unwrap_or(0));
        let mut ticks = (((num(2) * 24 + num(3)) * 3600) + num(4) * 60 + num(5)) * 10_000_000;
        if let Some(frac) = c.get(6) {
            ticks += format!("{:0<7}", frac.as_str()).parse::<i64>().unwrap_or(0);
        }
        Some(if c.get(1).is_some() { -ticks } else { ticks })
    }

    fn parse_number(&self, text: &str) -> Option<f64> {
        let t = text.trim();
        let t = if self.grouped_number.is_match(t) { t.replace(',', "") } else { t.to_string() };
        match t.to_lowercase().as_str() {
            "nan" => return Some(f64::NAN),
            "infinity" | "+infinity" | "inf" | "\u{221e}" => return Some(f64::INFINITY),
            "-infinity" | "-inf" | "-\u{221e}" => return Some(f64::NEG_INFINITY),
            _ => {}
        }
        t.parse::<f64>().ok()
    }

    fn numbers_match(&self, expected_text: &str, actual: &Json) -> bool {
        let Some(e) = self.parse_number(expected_text) else { return false };
        let a = match actual {
            Json::Bool(_) => return false,
            Json::Number(n) => n.as_f64().unwrap_or(f64::NAN),
            Json::String(s) => match self.parse_number(s) {
                Some(a) => a,
                None => return false,
            },
            _ => return false,
        };
        if e.is_nan() || a.is_nan() {
            return e.is_nan() && a.is_nan();
        }
        if e.is_infinite() || a.is_infinite() {
            return e == a;
        }
        let mut tolerance = 1e-9 * e.abs().max(1.0);
        if let Some(c) = self.decimals.captures(expected_text.trim()) {
            let shown = c[1].len() as i32;
            tolerance = tolerance.max(0.5 * 10f64.powi(-shown) * (1.0 + 1e-9));
        }
        (a - e).abs() <= tolerance
    }

    /// JSON, else with single quotes as double quotes, else with bare words quoted.
    fn lenient_json(&self, text: &str) -> Option<Json> {
        if let Ok(v) = serde_json::from_str(text) {
            return Some(v);
        }
        let quoted = text.replace('\'', "\"");
        if let Ok(v) = serde_json::from_str(&quoted) {
            return Some(v);
        }
        // Delimiters are shared by neighbouring words: repeat until nothing changes.
        let mut current = quoted;
        loop {
            let next = self
                .bare_word
                .replace_all(&current, |c: &regex::Captures| match &c[2] {
                    "true" | "false" | "null" => c[0].to_string(),
                    word => format!("{}\"{}\"{}", &c[1], word, &c[3]),
                })
                .to_string();
            if next == current {
                break;
            }
            current = next;
        }
        serde_json::from_str(&current).ok()
    }

    fn json_equal(&self, e: &Json, a: &Json) -> bool {
        match (e, a) {
            (Json::Object(x), Json::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| self.json_equal(v, w)))
            }
            (Json::Array(x), Json::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(v, w)| self.json_equal(v, w))
            }
            (Json::Bool(x), Json::Bool(y)) => x == y,
            (Json::Bool(x), Json::Number(n)) | (Json::Number(n), Json::Bool(x)) => n.as_f64() == Some(*x as u8 as f64),
            (Json::Number(x), Json::Number(_)) => {
                let text = if x.is_f64() { format!("{:?}", x.as_f64().unwrap_or(0.0)) } else { x.to_string() };
                self.numbers_match(&text, a)
            }
            (Json::String(x), Json::String(y)) => {
                x == y || self.datetime_ticks(x).is_some_and(|t| Some(t) == self.datetime_ticks(y))
            }
            _ => e == a,
        }
    }

    /// The docs elide parts of long values with `...`: the pieces must appear in order.
    fn wildcard_match(&self, expected: &str, actual: &str) -> bool {
        let actual = squash(actual);
        let mut position = 0;
        for (index, piece) in self.ellipsis.split(expected).map(squash).enumerate() {
            if piece.is_empty() {
                continue;
            }
            match actual[position..].find(&piece) {
                Some(found) if index > 0 || found == 0 => position += found + piece.len(),
                _ => return false,
            }
        }
        true
    }

    /// Whether a documented cell matches an actual value of type `ty`: (ok, soft).
    fn value_matches(&self, expected_cell: &str, actual: &Json, ty: &str) -> (bool, bool) {
        let e = self.cell_text(expected_cell);
        let t = match ty {
            "int" => "long",
            "decimal" => "real",
            other => other,
        };
        if actual.is_null() || (actual.as_str() == Some("") && t == "string") {
            return (matches!(e.to_lowercase().as_str(), "" | "null" | "(null)"), false);
        }
        let empty_dynamic = match actual {
            Json::String(s) => s.is_empty(),
            Json::Array(a) => a.is_empty(),
            Json::Object(o) => o.is_empty(),
            _ => false,
        };
        if e.is_empty() && t == "dynamic" && empty_dynamic {
            return (true, true);
        }
        let dumped = || match actual {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        if self.ellipsis.is_match(&e) && t != "string" {
            return (self.wildcard_match(&e, &dumped()), true);
        }
        match t {
            "bool" => {
                let expected = match e.to_lowercase().as_str() {
                    "true" | "1" => Some(true),
                    "false" | "0" => Some(false),
                    _ => None,
                };
                let actual = match actual {
                    Json::Bool(b) => *b,
                    Json::Number(n) => n.as_f64() != Some(0.0),
                    Json::String(s) => !s.is_empty(),
                    _ => false,
                };
                (expected == Some(actual), false)
            }
            "long" | "real" => (self.numbers_match(&e, actual), false),
            "datetime" => {
                let expected = self.datetime_ticks(&e);
                (expected.is_some() && expected == actual.as_str().and_then(|a| self.datetime_ticks(a)), false)
            }
            "timespan" => {
                let expected = self.timespan_ticks(&Json::String(e.clone()));
                (expected.is_some() && expected == self.timespan_ticks(actual), false)
            }
            "guid" => (e.to_lowercase() == dumped().to_lowercase(), false),
            "dynamic" => {
                if let Json::String(s) = actual
                    && (e == *s || e == serde_json::to_string(s).unwrap_or_default())
                {
                    return (true, false);
                }
                match self.lenient_json(&e) {
                    Some(expected) => (self.json_equal(&expected, actual), false),
                    None => (squash(&e) == squash(&actual.to_string()), true),
                }
            }
            _ => {
                let s = dumped();
                if e == s {
                    return (true, false);
                }
                let collapse = |x: &str| x.split_whitespace().collect::<Vec<_>>().join(" ");
                if squash(&e) == squash(&s) || collapse(&e) == collapse(&s) {
                    return (true, true);
                }
                if self.ellipsis.is_match(&e) {
                    return (self.wildcard_match(&e, &s), true);
                }
                (false, false)
            }
        }
    }

    fn row_matches(&self, expected: &[Json], actual: &[Json], types: &[String]) -> (bool, bool) {
        if expected.len() != actual.len() {
            return (false, false);
        }
        let mut soft = false;
        for ((e, a), t) in expected.iter().zip(actual).zip(types) {
            let (ok, s) = self.value_matches(e.as_str().unwrap_or(""), a, t);
            if !ok {
                return (false, false);
            }
            soft |= s;
        }
        (true, soft)
    }

    /// Compares one documented table with one result table: (ok, soft, message).
    fn compare_table(
        &self,
        columns: &[Json],
        rows: &[Json],
        actual: &Actual,
        ordered: bool,
        partial: bool,
        maybe_empty: bool,
    ) -> (bool, bool, String) {
        if maybe_empty && actual.rows.is_empty() {
            return (true, true, String::new());
        }
        let expected_names: Vec<String> = columns.iter().map(|c| self.column_name(c.as_str().unwrap_or(""))).collect();
        if expected_names.len() != actual.names.len() {
            return (false, false, format!("columns {:?}, expected {:?}", actual.names, expected_names));
        }
        let mut soft = false;
        for (e, a) in expected_names.iter().zip(&actual.names) {
            if e != a {
                if e.to_lowercase() == a.to_lowercase() {
                    soft = true;
                } else {
                    return (false, false, format!("columns {:?}, expected {:?}", actual.names, expected_names));
                }
            }
        }
        let empty = Vec::new();
        let expected_rows: Vec<&Vec<Json>> = rows.iter().map(|r| r.as_array().unwrap_or(&empty)).collect();
        if !partial && expected_rows.len() != actual.rows.len() {
            return (false, false, format!("{} rows, expected {}", actual.rows.len(), expected_rows.len()));
        }
        if ordered && !partial {
            for (index, (e, a)) in expected_rows.iter().zip(&actual.rows).enumerate() {
                let (ok, s) = self.row_matches(e, a, &actual.types);
                if !ok {
                    return (false, false, format!("row {index} is {a:?}, expected {e:?}"));
                }
                soft |= s;
            }
            return (true, soft, String::new());
        }
        let mut used = vec![false; actual.rows.len()];
        let mut last: Option<usize> = None;
        for e in &expected_rows {
            let from = if ordered { last.map_or(0, |l| l + 1) } else { 0 };
            let found = (from..actual.rows.len()).find_map(|j| {
                if used[j] {
                    return None;
                }
                let (ok, s) = self.row_matches(e, &actual.rows[j], &actual.types);
                ok.then_some((j, s))
            });
            match found {
                Some((j, s)) => {
                    used[j] = true;
                    last = Some(j);
                    soft |= s;
                }
                None => return (false, false, format!("no row matches expected {e:?}")),
            }
        }
        (true, soft, String::new())
    }

    fn compare_example(&self, example: &Json, actual: &[Actual]) -> (Status, String) {
        let Some(first) = actual.first() else { return (Status::Fail, "no result table".into()) };
        let notes: Vec<&str> = example["notes"].as_array().into_iter().flatten().filter_map(Json::as_str).collect();
        let maybe_empty = notes.contains(&"maybe_empty_result");
        let ordered = example["order_sensitive"].as_bool().unwrap_or(false);
        let partial = example["partial_output"].as_bool().unwrap_or(false);
        let empty = Vec::new();
        let mut candidates = vec![(&example["columns"], &example["rows"])];
        for alternative in example["alternative_results"].as_array().unwrap_or(&empty) {
            candidates.push((&alternative["columns"], &alternative["rows"]));
        }
        let mut message = String::new();
        for (columns, rows) in candidates {
            let (ok, mut soft, why) = self.compare_table(
                columns.as_array().unwrap_or(&empty),
                rows.as_array().unwrap_or(&empty),
                first,
                ordered,
                partial,
                maybe_empty,
            );
            if !ok {
                if message.is_empty() {
                    message = why;
                }
                continue;
            }
            for (index, extra) in example["additional_results"].as_array().unwrap_or(&empty).iter().enumerate() {
                let Some(table) = actual.get(index + 1) else {
                    return (Status::Fail, format!("missing result table {}", index + 2));
                };
                let (ok, s, why) = self.compare_table(
                    extra["columns"].as_array().unwrap_or(&empty),
                    extra["rows"].as_array().unwrap_or(&empty),
                    table,
                    false,
                    false,
                    false,
                );
                if !ok {
                    return (Status::Fail, format!("table {}: {why}", index + 2));
                }
                soft |= s;
            }
            return (if soft { Status::PassSoft } else { Status::Pass }, String::new());
        }
        (Status::Fail, message)
    }
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[test]
fn comparator_follows_the_documented_rules() {
    let rules = Rules::new();
    assert!(rules.value_matches("2.2", &serde_json::json!(2.15), "real").0, "the docs round");
    assert!(!rules.value_matches("2.2", &serde_json::json!(2.3), "real").0);
    assert!(rules.value_matches("", &Json::Null, "long").0, "an empty cell is null");
    assert!(
        rules.value_matches("2016-12-31 00:00:00.0000000", &serde_json::json!("2016-12-31T00:00:00Z"), "datetime").0
    );
    assert!(rules.value_matches("4.00:00:00", &serde_json::json!("4.00:00:00"), "timespan").0);
    assert!(rules.value_matches("[yes, no]", &serde_json::json!(["yes", "no"]), "dynamic").0);
    assert!(rules.value_matches("{'a': 1.0}", &serde_json::json!({"a": 1}), "dynamic").0);
    assert!(!rules.value_matches("{'a': 2}", &serde_json::json!({"a": 1}), "dynamic").0);
    assert!(rules.value_matches("`x`", &serde_json::json!("x"), "string").0);
    assert_eq!(rules.column_name("**count_**"), "count_");
    assert!(rules.wildcard_match("abc...xyz", "abc 123 xyz"));
}

#[test]
fn documentation_examples_give_the_documented_results() {
    // Deeply nested examples need a big stack, as in the CLI.
    std::thread::Builder::new().stack_size(64 << 20).spawn(check_examples).expect("thread").join().expect("no panic");
}

fn check_examples() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance/docs-examples.jsonl"))
            .expect("the examples are in the repository");
    let globals = kqlab::analysis::Globals::builtin();
    let rules = Rules::new();
    let mut by_category: BTreeMap<String, BTreeMap<Status, usize>> = BTreeMap::new();
    let mut gate_failures = Vec::new();
    // `KQLAB_CONFORMANCE_SHOW=word` also lists the failing examples whose id contains `word`.
    let show = std::env::var("KQLAB_CONFORMANCE_SHOW").ok().filter(|s| !s.is_empty());
    let mut stale_corrections = Vec::new();
    // Informative examples: (all, passing, outside geo and graph, passing there).
    let mut informative = (0, 0, 0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let example: Json = serde_json::from_str(line).expect("JSON");
        if example["columns"].is_null() {
            continue;
        }
        let id = example["id"].as_str().unwrap_or_default().to_string();
        let category = example["category"].as_str().unwrap_or("?").to_string();
        let result = run(example["query"].as_str().expect("a query"), &globals);
        let (mut status, mut message) = match &result {
            Ok(tables) => rules.compare_example(&example, tables),
            Err(error) => (Status::Error, error.clone()),
        };
        if let Some((_, why, patch)) = DOC_CORRECTIONS.iter().find(|(corrected, _, _)| *corrected == id) {
            if status <= Status::PassSoft {
                stale_corrections.push(format!("{id} passes as documented; drop its correction"));
            }
            let mut corrected = example.clone();
            let patch: Json = serde_json::from_str(patch).expect("a correction is a JSON object");
            for (field, value) in patch.as_object().expect("a correction is a JSON object") {
                corrected[field.as_str()] = value.clone();
            }
            let result = if patch.get("query").is_some() {
                run(corrected["query"].as_str().expect("a query"), &globals)
            } else {
                result
            };
            (status, message) = match result {
                Ok(tables) => match rules.compare_example(&corrected, &tables) {
                    (Status::Pass | Status::PassSoft, _) => (Status::PassCorrected, String::new()),
                    (status, why_not) => (status, format!("{why_not} (after correcting: {why})")),
                },
                Err(error) => (Status::Error, format!("{error} (after correcting: {why})")),
            };
        }
        *by_category.entry(category.clone()).or_default().entry(status).or_default() += 1;
        // Engine-specific values (hashes, sketches) are informative: the
        // percentages leave them out, as the data set's README says.
        let notes = example["notes"].as_array().into_iter().flatten().filter_map(Json::as_str);
        if notes.clone().any(|n| n.starts_with("approximate:") || n.starts_with("nondeterministic_value")) {
            let outside = category != "Geospatial" && category != "Graph";
            let passes = usize::from(status <= Status::PassCorrected);
            informative.0 += 1;
            informative.1 += passes;
            informative.2 += usize::from(outside);
            informative.3 += passes * usize::from(outside);
        }
        let shown = show.as_deref().is_some_and(|word| id.contains(word));
        if (GATE.contains(&category.as_str()) || shown) && status > Status::PassCorrected {
            gate_failures.push(format!("{id}: {status:?}: {}", message.chars().take(160).collect::<String>()));
        }
    }
    let count = |counts: &BTreeMap<Status, usize>, status| counts.get(&status).copied().unwrap_or(0);
    let passing = |counts: &BTreeMap<Status, usize>| count(counts, Status::Pass) + count(counts, Status::PassSoft);
    let (mut total, mut total_pass, mut total_corrected, mut gate, mut gate_pass) = (0, 0, 0, 0, 0);
    let (mut outside_geo_graph, mut outside_geo_graph_pass) = (0, 0);
    for (category, counts) in &by_category {
        let n: usize = counts.values().sum();
        let corrected = count(counts, Status::PassCorrected);
        println!("{category:25} {:3}/{n:3} (+{corrected} corrected) {counts:?}", passing(counts));
        total += n;
        total_pass += passing(counts);
        total_corrected += corrected;
        if GATE.contains(&category.as_str()) {
            gate += n;
            gate_pass += passing(counts) + corrected;
        }
        if category != "Geospatial" && category != "Graph" {
            outside_geo_graph += n;
            outside_geo_graph_pass += passing(counts) + corrected;
        }
    }
    let percent = |part: usize, whole: usize| 100.0 * part as f64 / whole.max(1) as f64;
    let gate_percent = percent(gate_pass, gate);
    let with_corrections = total_pass + total_corrected;
    let (informative_all, informative_pass, informative_outside, informative_outside_pass) = informative;
    println!(
        "all: {total_pass}/{total} as documented, {with_corrections}/{total} with {} documentation errors corrected; \
         leaving out {informative_all} informative approximate-value examples: {}/{} ({:.1}%); \
         outside geospatial and graph: {}/{} ({:.1}%); \
         gate (tabular operators, aggregations, window functions, query statements): {gate_pass}/{gate} ({gate_percent:.1}%)",
        DOC_CORRECTIONS.len(),
        with_corrections - informative_pass,
        total - informative_all,
        percent(with_corrections - informative_pass, total - informative_all),
        outside_geo_graph_pass - informative_outside_pass,
        outside_geo_graph - informative_outside,
        percent(outside_geo_graph_pass - informative_outside_pass, outside_geo_graph - informative_outside),
    );
    for failure in &gate_failures {
        println!("  {failure}");
    }
    assert!(stale_corrections.is_empty(), "stale corrections:\n{}", stale_corrections.join("\n"));
    assert_eq!(total, 532, "the data set has 532 examples");
    assert!(gate_percent >= MIN_GATE_PERCENT, "gate categories pass {gate_percent:.1}% < {MIN_GATE_PERCENT}%");
    assert!(total_pass >= MIN_PASSING, "{total_pass} examples pass, fewer than the last measured {MIN_PASSING}");
    assert!(
        with_corrections >= MIN_PASSING_CORRECTED,
        "{with_corrections} examples pass with corrections, fewer than the last measured {MIN_PASSING_CORRECTED}"
    );
}
