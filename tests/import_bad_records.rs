//! A bad record of a CSV file, a Log Analytics query API response or an
//! XML file of rows is a problem on its line and the records after it still
//! import; with `strict` the first problem is an error. Nothing is left out
//! without a problem saying so.

use std::path::PathBuf;

use kqlab::engine::output::cell_text;
use kqlab::engine::table::Table;
use kqlab::import::{ImportError, Imported, import_file_checked};

/// Writes `text` to a file named `name` in a new temporary folder.
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

fn column(table: &Table, name: &str) -> Vec<String> {
    let index = table.index_of(name).unwrap_or_else(|| panic!("no column `{name}`"));
    (0..table.rows).map(|row| cell_text(&table.row(row)[index])).collect()
}

/// The import, its problems as (line, skipped), and the strict import's error line.
fn import_both_ways(name: &str, text: &str) -> (Imported, Vec<(u64, bool)>, u64) {
    let (_dir, path) = file(name, text);
    let imported = import_file_checked(&path, None, false).expect("imports");
    let problems = imported.problems.iter().map(|p| (p.line, p.skipped)).collect();
    let strict = match import_file_checked(&path, None, true) {
        Err(ImportError::Format { line, .. }) => line,
        other => panic!("strict import of {name}: {other:?}"),
    };
    (imported, problems, strict)
}

#[test]
fn an_unclosed_quote_in_the_last_csv_column_is_a_problem_and_the_lines_after_it_import() {
    let text = "Computer,Message\r\nweb1,ok\r\nweb2,\"started\r\nweb3,ok\r\nweb4,\"multi\r\nline\"\r\n";
    let (imported, problems, strict) = import_both_ways("t.csv", text);
    assert_eq!(column(&imported.table, "Computer"), ["web1", "web3", "web4"]);
    assert_eq!(column(&imported.table, "Message")[2], "multi\r\nline");
    assert_eq!(problems, [(3, true)]);
    assert!(imported.problems[0].message.contains("`Message`"), "{:?}", imported.problems);
    assert_eq!(strict, 3);
}

#[test]
fn a_query_api_row_of_the_wrong_length_is_a_problem_and_the_other_rows_import() {
    let text = r#"{"tables": [{"name": "PrimaryResult",
  "columns": [{"name": "Computer", "type": "string"}, {"name": "Count", "type": "long"}],
  "rows": [
    ["web1", 1],
    ["web2"],
    ["web3", 3]
  ]}]}"#;
    let (imported, problems, strict) = import_both_ways("t.json", text);
    assert_eq!(column(&imported.table, "Computer"), ["web1", "web3"]);
    assert_eq!(problems, [(5, true)]);
    assert_eq!(strict, 5);
}

#[test]
fn a_malformed_xml_row_is_a_problem_and_the_rows_after_it_import() {
    let text = "<rows>\n  <row><Computer>web1</Computer></row>\n  <row><Computer>web2</Computr></row>\n  \
                <row><Computer>web3</Computer></row>\n</rows>\n";
    let (imported, problems, strict) = import_both_ways("t.xml", text);
    assert_eq!(column(&imported.table, "Computer"), ["web1", "web3"]);
    assert_eq!(problems, [(3, true)]);
    assert_eq!(strict, 3);
}
