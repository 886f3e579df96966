//! SARIF 2.1.0 logs of `kqlab check` and `kqlab test`, for GitHub code
//! scanning and other SARIF viewers.
//!
//! One log holds one run. Its driver lists a reporting descriptor for each
//! code that occurs. Each diagnostic becomes a result at its span, and each
//! failed test case becomes a `KQL3025` result at the line of the case in its
//! test file. Paths are relative URIs under `%SRCROOT%` (the directory kqlab
//! ran in), so code scanning shows them on the lines of the repository's files.
//!
//! Columns are counted in UTF-16 code units, SARIF's default, and the run
//! says so in `columnKind`. This is because viewers that ignore `columnKind`
//! (or use JavaScript strings) slice lines in UTF-16 code units. It differs
//! from the character columns of the text and JSON outputs only on lines
//! with characters outside the Basic Multilingual Plane.

use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::ruleset::checks::Report;
use crate::ruleset::folder::Folder;
use crate::ruleset::runner::TestRun;
use crate::text::{SourceFile, Span};

/// The `$schema` of the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base id of every relative artifact URI: the directory kqlab ran in.
pub const SRCROOT: &str = "%SRCROOT%";

/// A SARIF log under construction: add findings, then call [`SarifLog::to_json`].
#[derive(Debug, Clone, Default)]
pub struct SarifLog {
    /// The absolute directory relative paths start from (usually the current
    /// directory); when set it becomes `originalUriBaseIds.%SRCROOT%`, and
    /// absolute paths below it are made relative.
    src_root: Option<PathBuf>,
    results: Vec<PendingResult>,
}

/// A result whose `ruleIndex` is filled in once every code is known.
#[derive(Debug, Clone)]
struct PendingResult {
    code: Code,
    result: Map<String, Value>,
}

impl SarifLog {
    /// An empty log whose relative URIs are based on `src_root`.
    pub fn new(src_root: Option<&Path>) -> SarifLog {
        SarifLog { src_root: src_root.map(Path::to_path_buf), results: Vec::new() }
    }

    /// Adds the diagnostics of one source file (a rule, query, watchlist or test file).
    pub fn add_diagnostics(&mut self, source: &SourceFile, diagnostics: &[Diagnostic]) {
        for diagnostic in diagnostics {
            let mut text = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            let mut location = self.location(&source.name, Some(region(source, diagnostic.span)));
            if let Some(label) = &diagnostic.label {
                location.insert("message".into(), json!({ "text": label }));
            }
            let mut result = Map::new();
            result.insert("ruleId".into(), json!(diagnostic.code.as_string()));
            result.insert("level".into(), json!(level(diagnostic.severity)));
            result.insert("message".into(), json!({ "text": text }));
            result.insert("locations".into(), json!([location]));
            if !diagnostic.labels.is_empty() {
                let related: Vec<Value> = diagnostic
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(index, label)| {
                        let mut location = self.location(&source.name, Some(region(source, label.span)));
                        location.insert("id".into(), json!(index));
                        location.insert("message".into(), json!({ "text": label.message }));
                        Value::Object(location)
                    })
                    .collect();
                result.insert("relatedLocations".into(), Value::Array(related));
            }
            self.results.push(PendingResult { code: diagnostic.code, result });
        }
    }

    /// Adds what `kqlab check` found in `folder`: each report's diagnostics.
    pub fn add_reports(&mut self, folder: &Folder, reports: &[Report]) {
        for report in reports {
            let document = &folder.documents[report.document];
            self.add_diagnostics(&document.source, &report.diagnostics);
        }
    }

    /// Adds what `kqlab test` found in `folder`: one `KQL3025` result per
    /// failed case, at the case's line in its test file (with the rule's query
    /// as a related location), and the problems of broken test files.
    pub fn add_test_run(&mut self, folder: &Folder, run: &TestRun) {
        for case in run.results.iter().filter(|case| !case.passed()) {
            let document = &folder.documents[case.document];
            let messages: Vec<&str> = case.failures.iter().map(|failure| failure.message.as_str()).collect();
            let text = format!("test case `{}` failed: {}", case.case, messages.join("; "));
            let region = json!({ "startLine": case.line.max(1) });
            let mut result = Map::new();
            result.insert("ruleId".into(), json!(Code::TestFailed.as_string()));
            result.insert("level".into(), json!(level(Code::TestFailed.info().severity)));
            result.insert("message".into(), json!({ "text": text }));
            result.insert("locations".into(), json!([self.location(&case.test, Some(region))]));
            let query_start = document.query.as_ref().map_or(Span::empty(0), |query| query.map_span(Span::empty(0)));
            let mut rule = self.location(&document.source.name, Some(region_at(&document.source, query_start)));
            rule.insert("id".into(), json!(0));
            rule.insert("message".into(), json!({ "text": format!("the query of `{}`", document.display_name()) }));
            result.insert("relatedLocations".into(), json!([rule]));
            let details: Vec<&str> = case.failures.iter().filter_map(|failure| failure.detail.as_deref()).collect();
            let mut properties = Map::new();
            properties.insert("case".into(), json!(case.case));
            if !details.is_empty() {
                properties.insert("details".into(), json!(details));
            }
            result.insert("properties".into(), Value::Object(properties));
            self.results.push(PendingResult { code: Code::TestFailed, result });
        }
        for broken in &run.broken {
            self.add_diagnostics(&broken.file.source, &broken.file.diagnostics);
        }
    }

    /// The number of results so far.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// True when no result was added.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    /// The log as a SARIF 2.1.0 JSON document.
    pub fn to_json(&self) -> Value {
        let mut codes: Vec<Code> = self.results.iter().map(|pending| pending.code).collect();
        codes.sort_by_key(|code| code.info().number);
        codes.dedup();
        let rules: Vec<Value> = codes.iter().map(|code| reporting_descriptor(*code)).collect();
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|pending| {
                let mut result = pending.result.clone();
                let index = codes.iter().position(|code| *code == pending.code).expect("every code has a rule");
                result.insert("ruleIndex".into(), json!(index));
                Value::Object(result)
            })
            .collect();
        let mut driver = Map::new();
        driver.insert("name".into(), json!("kqlab"));
        driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
        driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
        if let Some(uri) = information_uri() {
            driver.insert("informationUri".into(), json!(uri));
        }
        driver.insert("rules".into(), Value::Array(rules));
        let mut run = Map::new();
        run.insert("tool".into(), json!({ "driver": driver }));
        if let Some(root) = &self.src_root {
            run.insert("originalUriBaseIds".into(), json!({ SRCROOT: { "uri": directory_uri(root) } }));
        }
        run.insert("columnKind".into(), json!("utf16CodeUnits"));
        run.insert("results".into(), Value::Array(results));
        json!({ "$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run] })
    }

    /// A location object for the file `display_path` (a path as kqlab shows it).
    fn location(&self, display_path: &str, region: Option<Value>) -> Map<String, Value> {
        let mut physical = Map::new();
        physical.insert("artifactLocation".into(), self.artifact_location(Path::new(display_path)));
        if let Some(region) = region {
            physical.insert("region".into(), region);
        }
        let mut location = Map::new();
        location.insert("physicalLocation".into(), Value::Object(physical));
        location
    }

    /// `{"uri": "rules/a.yaml", "uriBaseId": "%SRCROOT%"}` for a relative
    /// path (or an absolute one under the source root); a `file://` URI otherwise.
    fn artifact_location(&self, path: &Path) -> Value {
        let relative = if path.is_absolute() {
            self.src_root.as_deref().and_then(|root| path.strip_prefix(root).ok())
        } else {
            Some(path)
        };
        match relative {
            Some(relative) => json!({ "uri": relative_uri(relative), "uriBaseId": SRCROOT }),
            None => json!({ "uri": file_uri(path) }),
        }
    }
}

/// The project's home page from `Cargo.toml` (`homepage`, else `repository`), when set.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")].into_iter().find(|uri| !uri.is_empty())
}

/// SARIF's level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The reporting descriptor of a code, from the code table.
fn reporting_descriptor(code: Code) -> Value {
    let info = code.info();
    let doc = doc_text(info.doc);
    let first_paragraph = doc.split("\n\n").next().unwrap_or_default().replace('\n', " ");
    json!({
        "id": code.as_string(),
        "name": info.name,
        "shortDescription": { "text": first_paragraph },
        "fullDescription": { "text": doc },
        "help": {
            "text": format!("{doc}\n\nRun `kqlab explain {code}` for this text."),
            "markdown": format!("{doc}\n\nRun `kqlab explain {code}` for this text."),
        },
        "defaultConfiguration": { "level": level(info.severity) },
        "properties": { "tags": ["kql", "sentinel"] },
    })
}

/// A code's documentation without the leading space of each doc-comment line.
fn doc_text(doc: &str) -> String {
    let lines: Vec<&str> = doc.lines().map(|line| line.strip_prefix(' ').unwrap_or(line)).collect();
    lines.join("\n").trim().to_string()
}

/// The region of `span`: 1-based lines, 1-based columns in UTF-16 code units,
/// the end column just past the last character.
fn region(source: &SourceFile, span: Span) -> Value {
    let start = position(source, span.start);
    let end = position(source, span.end.max(span.start));
    json!({ "startLine": start.0, "startColumn": start.1, "endLine": end.0, "endColumn": end.1 })
}

/// An empty region at `span.start`.
fn region_at(source: &SourceFile, span: Span) -> Value {
    region(source, Span::empty(span.start))
}

/// The 1-based line and UTF-16 column of a byte offset (clamped into the text).
fn position(source: &SourceFile, offset: u32) -> (u32, u32) {
    let text = source.text.as_str();
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = source.line_col(offset as u32).line;
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    let column = text[line_start..offset].encode_utf16().count() as u32 + 1;
    (line, column)
}

/// A relative path as a URI reference: `/`-separated, percent-encoded segments.
fn relative_uri(path: &Path) -> String {
    let mut segments = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(segment) => segments.push(encode_segment(&segment.to_string_lossy())),
            Component::ParentDir => segments.push("..".to_string()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    segments.join("/")
}

/// An absolute path as a `file://` URI.
fn file_uri(path: &Path) -> String {
    format!("file:///{}", relative_uri(path))
}

/// A directory as a `file://` URI ending in `/`, as `originalUriBaseIds` requires.
fn directory_uri(path: &Path) -> String {
    let uri = file_uri(path);
    if uri.ends_with('/') { uri } else { format!("{uri}/") }
}

/// Percent-encodes everything but RFC 3986's unreserved characters and the
/// sub-delimiters a path segment may hold (`:` is encoded, so that a first
/// segment never reads as a scheme).
fn encode_segment(segment: &str) -> String {
    crate::text::percent_encode(segment, b"!$&'()*+,;=@")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(source: &SourceFile, diagnostics: &[Diagnostic], root: Option<&Path>) -> Value {
        let mut log = SarifLog::new(root);
        log.add_diagnostics(source, diagnostics);
        log.to_json()
    }

    #[test]
    fn a_diagnostic_becomes_a_result_with_its_rule() {
        let source = SourceFile::new("rules/a.yaml", "name: x\nquery: |\n  T | where Acount == 1\n");
        let start = source.text.find("Acount").expect("present") as u32;
        let diagnostic = Diagnostic::new(Code::UnknownColumn, Span::new(start, start + 6), "unknown column `Acount`")
            .with_help("did you mean `Account`?");
        let log = log_of(&source, &[diagnostic], Some(Path::new("/repo")));
        let run = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///repo/");
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(rule["id"], "KQL1002");
        assert_eq!(rule["name"], "unknown-column");
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert!(rule["shortDescription"]["text"].as_str().is_some_and(|text| text.starts_with("A name that is not")));
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "KQL1002");
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(result["message"]["text"], "unknown column `Acount`\nhelp: did you mean `Account`?");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"], json!({ "uri": "rules/a.yaml", "uriBaseId": "%SRCROOT%" }));
        assert_eq!(location["region"], json!({ "startLine": 3, "startColumn": 13, "endLine": 3, "endColumn": 19 }));
    }

    #[test]
    fn columns_count_utf16_code_units() {
        // `é` is one code unit, `𝔘` (outside the BMP) two.
        let source = SourceFile::new("q.kql", "print \"é𝔘\", x");
        let start = source.text.find('x').expect("present") as u32;
        let log = log_of(&source, &[Diagnostic::new(Code::UnknownColumn, Span::new(start, start + 1), "m")], None);
        let region = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        // `print "` is 7 code units, `é𝔘` 3, `", ` 3: `x` starts in column 14.
        assert_eq!(region["startColumn"], 14);
        assert_eq!(region["endColumn"], 15);
        assert_eq!(log["runs"][0]["columnKind"], "utf16CodeUnits");
        assert!(log["runs"][0].get("originalUriBaseIds").is_none());
    }

    #[test]
    fn paths_become_relative_uris_under_srcroot() {
        let log = SarifLog::new(Some(Path::new("/work/repo")));
        let uri = |path: &str| log.artifact_location(Path::new(path));
        assert_eq!(uri("./rules/a b.yaml")["uri"], "rules/a%20b.yaml");
        assert_eq!(uri("/work/repo/rules/x.yaml"), json!({ "uri": "rules/x.yaml", "uriBaseId": "%SRCROOT%" }));
        assert_eq!(uri("/elsewhere/ré.yaml"), json!({ "uri": "file:///elsewhere/r%C3%A9.yaml" }));
        assert_eq!(uri("../up/c:d.kql")["uri"], "../up/c%3Ad.kql");
    }

    #[test]
    fn one_rule_per_code_in_code_order_and_levels_map() {
        let source = SourceFile::new("a.kql", "x");
        let diagnostics = [
            Diagnostic::new(Code::NoTimeFilter, Span::empty(0), "info"),
            Diagnostic::new(Code::UnknownColumn, Span::empty(0), "a"),
            Diagnostic::new(Code::UnknownColumn, Span::empty(1), "b").with_severity(Severity::Warning),
        ];
        let log = log_of(&source, &diagnostics, None);
        let run = &log["runs"][0];
        let ids: Vec<&str> =
            run["tool"]["driver"]["rules"].as_array().expect("rules").iter().filter_map(|r| r["id"].as_str()).collect();
        assert_eq!(ids, ["KQL1002", "KQL3019"]);
        assert_eq!(run["results"][0]["ruleIndex"], 1);
        assert_eq!(run["results"][0]["level"], "note");
        assert_eq!(run["results"][2]["level"], "warning");
        assert_eq!(run["results"][2]["locations"][0]["physicalLocation"]["region"]["startColumn"], 2);
    }
}
