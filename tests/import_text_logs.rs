//! Text logs of the sample corpus (`tests/data/samples/`, see its NOTICE)
//! become `CommonSecurityLog` and `Syslog` tables: row counts match the
//! corpus index, `kqlab run --table` queries them, and the tables survive the
//! `datatable` round trip. Also: bad input is a problem or an error, never
//! a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use kqlab::analysis::schema::Schemas;
use kqlab::engine::table::{Database, Table};
use kqlab::import::datatable::write_datatable;
use kqlab::import::{ImportError, import_file_checked};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples")
}

/// (file, table, rows) of the text logs of the samples index (its CSV and
/// JSON files are `tests/import_samples.rs`'s).
fn index() -> Vec<(String, String, usize)> {
    let text = std::fs::read_to_string(samples().join("index.json")).expect("reading the samples index");
    let index: serde_json::Value = serde_json::from_str(&text).expect("the samples index is JSON");
    index["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["format"] == "txt")
        .map(|entry| {
            (
                entry["file"].as_str().expect("file").to_string(),
                entry["table"].as_str().expect("table").to_string(),
                entry["rows"].as_u64().expect("rows") as usize,
            )
        })
        .collect()
}

#[test]
fn cef_and_syslog_samples_have_the_row_counts_of_the_index() {
    let mut checked = 0;
    for (file, table, rows) in index() {
        let path = samples().join(&file);
        let schema = Schemas::builtin().table(&table).cloned();
        let result = import_file_checked(&path, schema.as_deref(), false);
        if file.starts_with("Custom/") {
            // The two Oracle WebLogic logs (an access log and a server log)
            // are neither CEF nor syslog: Sentinel ingests them as raw text
            // into custom tables that KQL parsers take apart, so they are
            // one `RawData` row per line.
            let imported = result.unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(imported.table.rows, rows, "{file}");
            assert!(imported.problems.is_empty(), "{file}: {:?}", imported.problems);
            assert_eq!(imported.table.fields.len(), 1, "{file}");
            assert_eq!(imported.table.fields[0].name, "RawData", "{file}");
            checked += 1;
            continue;
        }
        let imported = result.unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(imported.table.rows, rows, "{file}");
        // No line is skipped. The FortiWeb sample writes `cn3=N/A` on its 91
        // attack lines (not on its 13 audit lines), and `DeviceCustomNumber3`
        // is an `int`: those rows are kept with that cell empty, and reported.
        assert!(imported.problems.iter().all(|p| !p.skipped), "{file}: {:?}", imported.problems);
        if file == "CEF/fortiwebwafsamplelog.txt" {
            assert_eq!(imported.problems.len(), 91);
            assert!(imported.problems.iter().all(|p| p.message.contains("`DeviceCustomNumber3` left empty")));
        } else {
            assert!(imported.problems.is_empty(), "{file}: {:?}", imported.problems);
        }
        let expected_columns: &[&str] = if table == "Syslog" {
            &["TimeGenerated", "Computer", "SyslogMessage"]
        } else {
            &["TimeGenerated", "Computer", "DeviceVendor", "Activity", "LogSeverity", "AdditionalExtensions"]
        };
        for column in expected_columns {
            assert!(imported.table.index_of(column).is_some(), "{file}: no `{column}`");
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn samples_keep_their_values() {
    let import = |file: &str, table: &str| {
        let schema = Schemas::builtin().table(table).cloned();
        import_file_checked(&samples().join(file), schema.as_deref(), false).expect(file).table
    };
    let cell = |table: &Table, row: usize, name: &str| {
        table.row(row)[table.index_of(name).unwrap_or_else(|| panic!("no `{name}`"))].to_kql_string()
    };
    let citrix = import("CEF/CitrixADC.txt", "CommonSecurityLog");
    assert_eq!(cell(&citrix, 2, "DeviceVendor"), "Citrix");
    assert_eq!(cell(&citrix, 2, "RequestURL"), "http://test.example.com/css/login_post.html?usr=admin");
    assert_eq!(cell(&citrix, 2, "DeviceAction"), "not blocked");
    assert_eq!(cell(&citrix, 0, "Message"), "Disallow Illegal URL.");
    let barracuda = import("CEF/barracudaWAFCEF.txt", "CommonSecurityLog");
    assert_eq!(cell(&barracuda, 0, "Computer"), "Barracuda");
    assert_eq!(cell(&barracuda, 0, "DeviceCustomString2Label"), "Protected");
    assert_eq!(cell(&barracuda, 0, "FlexNumber2Label"), "TimeTaken(ms)");
    assert!(cell(&barracuda, 0, "AdditionalExtensions").starts_with("BarracudaWafCustomHeader1=;"));
    let openvpn = import("Syslog/OpenVPN.txt", "Syslog");
    assert_eq!(cell(&openvpn, 1, "ProcessName"), "openvpn");
    assert_eq!(cell(&openvpn, 1, "ProcessID"), "30264");
    assert_eq!(cell(&openvpn, 1, "HostName"), "demo-host.local");
    assert_eq!(cell(&openvpn, 1, "SyslogMessage"), "1.2.3.4:41445 peer info: IV_TCPNL=1");
}

#[test]
fn kqlab_run_queries_the_samples() {
    let run = |table: &str, file: &str, query: &str| {
        let spec = format!("{table}={}", samples().join(file).display());
        let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
            .args(["run", "--format", "csv", "--table", &spec, query])
            .output()
            .expect("running kqlab");
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let out = run(
        "CommonSecurityLog",
        "CEF/barracudaWAFCEF.txt",
        "CommonSecurityLog | where DestinationPort == 9049 | summarize n = count() by DeviceVendor, DeviceProduct",
    );
    assert!(out.starts_with("DeviceVendor,DeviceProduct,n\nBarracudaNetworks,WAAS,"), "{out}");
    let out = run(
        "Syslog",
        "Syslog/OracleDatabaseAudit.txt",
        "Syslog | where SyslogMessage startswith 'Oracle Audit' | summarize count() by Computer, ProcessName",
    );
    assert_eq!(out, "Computer,ProcessName,count_\nlocalhost,journal,9\n");
}

#[test]
fn sample_tables_survive_the_datatable_round_trip() {
    for (file, table, _) in index() {
        let schema = Schemas::builtin().table(&table).cloned();
        let imported = import_file_checked(&samples().join(&file), schema.as_deref(), false).expect("imports");
        let text = write_datatable(&imported.table);
        let parse = kqlab::parse(&text);
        assert!(parse.diagnostics.is_empty(), "{file}: {:?}", parse.diagnostics);
        let tables = kqlab::engine::execute(&parse.query, &Database::new(), &Default::default(), None)
            .unwrap_or_else(|e| panic!("{file}: {}", e.message));
        let back = &tables[0];
        assert_eq!(back.schema(), imported.table.schema(), "{file}");
        assert_eq!(back.rows, imported.table.rows, "{file}");
        for row in 0..back.rows {
            assert_eq!(back.row(row), imported.table.row(row), "{file} row {row}");
        }
    }
}

#[test]
fn bad_input_is_an_error_or_a_problem_never_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let empty = import_file_checked(&write("empty.log", b""), None, false);
    assert!(matches!(&empty, Err(ImportError::Format { message, .. }) if message == "the file is empty"), "{empty:?}");
    let junk: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let binary = import_file_checked(&write("junk.bin", &junk), None, false);
    assert!(matches!(binary, Err(ImportError::UnknownFormat { .. })), "{binary:?}");
    let error = binary.expect_err("unknown").to_string();
    assert!(error.contains("binary") && error.contains("XML"), "{error}");
    // Binary junk named as CEF: every line is a problem, the table is empty.
    let cef_junk = import_file_checked(&write("junk.cef", &junk), None, false).expect("imports");
    assert_eq!(cef_junk.table.rows, 0);
    assert!(!cef_junk.problems.is_empty() && cef_junk.problems.iter().all(|p| p.skipped));
    // A 10 MB line and invalid UTF-8 between good lines.
    let mut text = b"CEF:0|V|P|1|2|N|3|src=1.1.1.1\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', 10 << 20));
    text.extend_from_slice(b"\nCEF:0|V|P|1|2|N|3|msg=caf\xE9\nCEF:0|V|P|1|2|N|3|src=2.2.2.2\n");
    let path = write("mixed.log", &text);
    let imported = import_file_checked(&path, None, false).expect("imports");
    assert_eq!(imported.table.rows, 2);
    let lines: Vec<u64> = imported.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![2, 3]);
    let strict = import_file_checked(&path, None, true);
    assert!(matches!(strict, Err(ImportError::Format { line: 2, .. })), "{strict:?}");
}
