//! Rule test files: `NAME.test.yaml` beside `NAME.yaml` (or `NAME.kql`).
//!
//! ```yaml
//! now: 2024-03-01T12:00:00Z          # optional; default: see `runner`
//! tables:                            # inputs for every case (optional)
//!   Syslog: ../samples/ssh.log       # any importer format, relative to this file
//! cases:
//!   - name: fires on the burst
//!     tables:                        # per case, added to or replacing the above
//!       Syslog:
//!         rows:                      # inline rows, typed by the table's schema
//!           - {TimeGenerated: 2024-03-01T10:00:00Z, ProcessName: sshd}
//!     expect:
//!       fires: true                  # the rule's trigger holds (rows > 0 by default)
//!       rows: 1                      # exact row count
//!       contains:                    # rows that must appear (listed columns only)
//!         - {IPAddress: 10.0.0.5}
//!       excludes:                    # rows that must not appear
//!         - {IPAddress: 10.0.0.9}
//!       golden: ssh.fires.csv        # the whole output, compared as CSV
//! ```

use std::path::{Path, PathBuf};

use yaml_serde::Value;

use crate::diagnostics::{Code, Diagnostic};
use crate::ruleset::yaml_map::{Step, YamlMap};
use crate::text::{SourceFile, Span};

/// One parsed test file.
#[derive(Debug, Clone)]
pub struct TestFile {
    pub path: PathBuf,
    pub source: SourceFile,
    /// `now` for every case, in ticks.
    pub now: Option<i64>,
    /// Inputs shared by every case.
    pub tables: Vec<TableInput>,
    pub cases: Vec<Case>,
    /// Problems with the file itself.
    pub diagnostics: Vec<Diagnostic>,
}

/// An input table of a test.
#[derive(Debug, Clone)]
pub struct TableInput {
    /// The table name the query uses.
    pub name: String,
    pub source: InputSource,
    /// Where it is declared in the test file.
    pub span: Span,
}

/// Where an input table's rows come from.
#[derive(Debug, Clone)]
pub enum InputSource {
    /// A sample file, resolved against the test file's folder.
    File(PathBuf),
    /// Rows written in the test file, as JSON objects.
    Rows(Vec<serde_json::Value>),
}

/// One test case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// The case's `name:` (or `-`) in the test file.
    pub span: Span,
    pub now: Option<i64>,
    pub tables: Vec<TableInput>,
    pub expect: Expect,
}

/// What a case expects of the rule's result.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub fires: Option<bool>,
    pub rows: Option<usize>,
    pub contains: Vec<ExpectedRow>,
    pub excludes: Vec<ExpectedRow>,
    /// A CSV file with the whole expected output.
    pub golden: Option<PathBuf>,
}

/// A row pattern: some columns and their expected values.
#[derive(Debug, Clone)]
pub struct ExpectedRow {
    pub cells: Vec<(String, Value)>,
    pub span: Span,
}

const FILE_KEYS: &[&str] = &["now", "tables", "cases"];
const CASE_KEYS: &[&str] = &["name", "now", "tables", "expect"];
const EXPECT_KEYS: &[&str] = &["fires", "rows", "contains", "excludes", "golden"];

impl TestFile {
    /// Parses a test file's text. Problems become diagnostics; the cases that
    /// can be read are kept.
    pub fn parse(path: &Path, text: String) -> TestFile {
        let source = SourceFile::new(path.display().to_string(), text);
        let mut file = TestFile {
            path: path.to_path_buf(),
            source,
            now: None,
            tables: Vec::new(),
            cases: Vec::new(),
            diagnostics: Vec::new(),
        };
        let map = YamlMap::new(&file.source.text);
        let root: Value = match yaml_serde::from_str(&file.source.text) {
            Ok(value) => value,
            Err(error) => {
                let span = error.location().map_or(Span::empty(0), |l| Span::empty(l.index() as u32));
                let message = error.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                file.diagnostics.push(Diagnostic::new(
                    Code::InvalidTestFile,
                    span,
                    format!("the test file is not valid YAML: {message}"),
                ));
                return file;
            }
        };
        let mut reader =
            Reader { file: &mut file, map: &map, base: path.parent().unwrap_or(Path::new("")).to_path_buf() };
        reader.read_root(&root);
        file
    }
}

struct Reader<'a> {
    file: &'a mut TestFile,
    map: &'a YamlMap,
    base: PathBuf,
}

impl Reader<'_> {
    fn span(&self, path: &[Step]) -> Span {
        self.map.span(&self.file.source.text, path)
    }

    fn key_span(&self, path: &[Step]) -> Span {
        self.map.key_span(&self.file.source.text, path)
    }

    fn problem(&mut self, span: Span, message: impl Into<String>, help: &str) {
        self.file.diagnostics.push(Diagnostic::new(Code::InvalidTestFile, span, message).with_help(help));
    }

    fn unknown_keys(&mut self, value: &Value, path: &[Step], known: &[&str]) {
        let Value::Mapping(mapping) = value else { return };
        for key in mapping.keys() {
            let Some(key) = key.as_str() else { continue };
            if !known.contains(&key) {
                let mut key_path = path.to_vec();
                key_path.push(Step::Key(key));
                let span = self.key_span(&key_path);
                let help = format!("known keys here: {}", known.join(", "));
                self.problem(span, format!("`{key}` is not a test file key"), &help);
            }
        }
    }

    fn read_root(&mut self, root: &Value) {
        if !matches!(root, Value::Mapping(_)) {
            self.problem(Span::empty(0), "a test file must be a YAML mapping", "start with `cases:`");
            return;
        }
        self.unknown_keys(root, &[], FILE_KEYS);
        self.file.now = self.read_now(root.get("now"), &[Step::Key("now")]);
        self.file.tables = self.read_tables(root.get("tables"), &[Step::Key("tables")]);
        match root.get("cases") {
            Some(Value::Sequence(cases)) => {
                for (index, case) in cases.iter().enumerate() {
                    if let Some(case) = self.read_case(case, index) {
                        self.file.cases.push(case);
                    }
                }
            }
            _ => {
                let span = self.key_span(&[Step::Key("cases")]);
                self.problem(
                    span,
                    "the test file has no `cases` list",
                    "add `cases:` with at least one `- name: ...` and `expect:`",
                );
            }
        }
    }

    fn read_now(&mut self, value: Option<&Value>, path: &[Step]) -> Option<i64> {
        let text = match value? {
            Value::String(text) => text.clone(),
            other => format!("{other:?}"),
        };
        let ticks = crate::syntax::literal::parse_datetime(&text);
        if ticks.is_none() {
            let span = self.span(path);
            self.problem(span, format!("`now: {text}` is not a datetime"), "write it like 2024-03-01T12:00:00Z");
        }
        ticks
    }

    fn read_tables(&mut self, value: Option<&Value>, path: &[Step]) -> Vec<TableInput> {
        let Some(value) = value else { return Vec::new() };
        let Value::Mapping(tables) = value else {
            let span = self.span(path);
            self.problem(
                span,
                "`tables` must map table names to inputs",
                "e.g. `tables: {SigninLogs: samples/signins.json}`",
            );
            return Vec::new();
        };
        let mut inputs = Vec::new();
        for (name, input) in tables {
            let Some(name) = name.as_str() else { continue };
            let mut table_path = path.to_vec();
            table_path.push(Step::Key(name));
            let span = self.key_span(&table_path);
            let source = match input {
                Value::String(file) => Some(InputSource::File(self.base.join(file))),
                Value::Mapping(mapping) => match (mapping.get("file"), mapping.get("rows")) {
                    (Some(Value::String(file)), None) => Some(InputSource::File(self.base.join(file))),
                    (None, Some(Value::Sequence(rows))) => {
                        let rows: Vec<serde_json::Value> =
                            rows.iter().filter_map(|row| serde_json::to_value(row).ok()).collect();
                        if rows.iter().all(serde_json::Value::is_object) { Some(InputSource::Rows(rows)) } else { None }
                    }
                    _ => None,
                },
                Value::Sequence(rows) => {
                    let rows: Vec<serde_json::Value> =
                        rows.iter().filter_map(|row| serde_json::to_value(row).ok()).collect();
                    rows.iter().all(serde_json::Value::is_object).then_some(InputSource::Rows(rows))
                }
                _ => None,
            };
            match source {
                Some(source) => inputs.push(TableInput { name: name.to_string(), source, span }),
                None => self.problem(
                    span,
                    format!("the input of `{name}` must be a file path, `file: PATH` or `rows:` (a list of mappings)"),
                    "e.g. `SigninLogs: ../samples/signins.json`",
                ),
            }
        }
        inputs
    }

    fn read_case(&mut self, case: &Value, index: usize) -> Option<Case> {
        let path = [Step::Key("cases"), Step::Index(index)];
        let span = self.key_span(&path);
        if !matches!(case, Value::Mapping(_)) {
            self.problem(
                span,
                "a test case must be a mapping",
                "e.g. `- name: fires on the burst` with `expect: {fires: true}`",
            );
            return None;
        }
        self.unknown_keys(case, &path, CASE_KEYS);
        let name = case
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("case {}", index + 1));
        let now = self.read_now(case.get("now"), &[Step::Key("cases"), Step::Index(index), Step::Key("now")]);
        let tables =
            self.read_tables(case.get("tables"), &[Step::Key("cases"), Step::Index(index), Step::Key("tables")]);
        let expect_path = [Step::Key("cases"), Step::Index(index), Step::Key("expect")];
        let Some(expect_value) = case.get("expect") else {
            self.problem(
                span,
                format!("test case `{name}` has no `expect`"),
                "add `expect: {fires: true}` (or `fires: false`)",
            );
            return None;
        };
        self.unknown_keys(expect_value, &expect_path, EXPECT_KEYS);
        let mut expect = Expect::default();
        match expect_value.get("fires") {
            Some(Value::Bool(fires)) => expect.fires = Some(*fires),
            Some(_) => {
                let span = self.span(&[expect_path[0], expect_path[1], expect_path[2], Step::Key("fires")]);
                self.problem(
                    span,
                    "`fires` must be `true` or `false`",
                    "`true`: the rule must alert; `false`: it must stay quiet",
                );
            }
            None => {}
        }
        if let Some(value) = expect_value.get("rows") {
            match value.as_u64() {
                Some(rows) => expect.rows = Some(rows as usize),
                None => {
                    let span = self.span(&[expect_path[0], expect_path[1], expect_path[2], Step::Key("rows")]);
                    self.problem(span, "`rows` must be a whole number", "the exact number of rows the query returns");
                }
            }
        }
        expect.contains = self.read_rows(expect_value.get("contains"), &expect_path, "contains");
        expect.excludes = self.read_rows(expect_value.get("excludes"), &expect_path, "excludes");
        if let Some(golden) = expect_value.get("golden") {
            match golden.as_str() {
                Some(file) => expect.golden = Some(self.base.join(file)),
                None => {
                    let span = self.span(&[expect_path[0], expect_path[1], expect_path[2], Step::Key("golden")]);
                    self.problem(span, "`golden` must be a file path", "a CSV file of the expected output");
                }
            }
        }
        let empty = expect.fires.is_none()
            && expect.rows.is_none()
            && expect.contains.is_empty()
            && expect.excludes.is_empty()
            && expect.golden.is_none();
        if empty {
            let span = self.span(&expect_path);
            self.problem(
                span,
                format!("test case `{name}` expects nothing"),
                "add `fires`, `rows`, `contains`, `excludes` or `golden`",
            );
            return None;
        }
        Some(Case { name, span, now, tables, expect })
    }

    fn read_rows(&mut self, value: Option<&Value>, expect_path: &[Step], key: &'static str) -> Vec<ExpectedRow> {
        let Some(value) = value else { return Vec::new() };
        let mut key_path = expect_path.to_vec();
        key_path.push(Step::Key(key));
        let Value::Sequence(rows) = value else {
            let span = self.span(&key_path);
            self.problem(span, format!("`{key}` must be a list of rows"), "e.g. `- {IPAddress: 10.0.0.5, User: bob}`");
            return Vec::new();
        };
        let mut patterns = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let mut row_path = key_path.clone();
            row_path.push(Step::Index(index));
            let span = self.span(&row_path);
            let Value::Mapping(mapping) = row else {
                self.problem(
                    span,
                    format!("each `{key}` row must map columns to values"),
                    "e.g. `- {IPAddress: 10.0.0.5}`",
                );
                continue;
            };
            let cells = mapping
                .iter()
                .filter_map(|(column, value)| Some((column.as_str()?.to_string(), value.clone())))
                .collect();
            patterns.push(ExpectedRow { cells, span });
        }
        patterns
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{InputSource, TestFile};

    #[test]
    fn a_test_file_reads_tables_cases_and_expectations() {
        let text = "now: 2024-03-01T12:00:00Z\ntables:\n  Syslog: ../samples/ssh.log\ncases:\n  - name: fires\n    tables:\n      Syslog:\n        rows:\n          - {ProcessName: sshd}\n    expect:\n      fires: true\n      rows: 1\n      contains:\n        - {IPAddress: 10.0.0.5}\n  - name: quiet\n    expect: {fires: false}\n";
        let file = TestFile::parse(Path::new("rules/ssh.test.yaml"), text.into());
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        assert!(file.now.is_some());
        assert!(
            matches!(&file.tables[0].source, InputSource::File(path) if path == Path::new("rules/../samples/ssh.log"))
        );
        assert_eq!(file.cases.len(), 2);
        assert!(matches!(&file.cases[0].tables[0].source, InputSource::Rows(rows) if rows.len() == 1));
        assert_eq!(file.cases[0].expect.rows, Some(1));
        assert_eq!(file.cases[0].expect.contains[0].cells[0].0, "IPAddress");
        assert_eq!(file.cases[1].expect.fires, Some(false));
    }

    #[test]
    fn problems_point_at_their_keys() {
        let text = "cases:\n  - name: a\n    expect:\n      fire: true\n";
        let file = TestFile::parse(Path::new("t.test.yaml"), text.into());
        let messages: Vec<&str> = file.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, vec!["`fire` is not a test file key", "test case `a` expects nothing"]);
        assert_eq!(&text[file.diagnostics[0].span.range()], "fire");
    }
}
