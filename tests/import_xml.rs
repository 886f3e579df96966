//! Windows event XML (`tests/data/import/security-events.xml`, written after
//! the examples in Microsoft's security auditing event reference) becomes
//! `SecurityEvent`, `WindowsEvent` and `Event` tables; other XML becomes a
//! table of rows. A malformed event is a problem on its line and the other
//! events still import; every table survives the `datatable` round trip.

use std::path::{Path, PathBuf};
use std::process::Command;

use kqlab::analysis::schema::Schemas;
use kqlab::engine::table::{Database, Table};
use kqlab::engine::value::Value;
use kqlab::import::datatable::write_datatable;
use kqlab::import::{Imported, import_file_checked};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/import").join(name)
}

fn import(path: &Path, table: &str) -> Imported {
    let schema = Schemas::builtin().table(table).cloned();
    import_file_checked(path, schema.as_deref(), false).unwrap_or_else(|e| panic!("{table}: {e}"))
}

fn column(table: &Table, name: &str) -> Vec<String> {
    let index = table.index_of(name).unwrap_or_else(|| panic!("no column `{name}`"));
    (0..table.rows).map(|row| kqlab::engine::output::cell_text(&table.row(row)[index])).collect()
}

#[test]
fn security_events_fill_the_connector_columns() {
    let imported = import(&data("security-events.xml"), "SecurityEvent");
    // The fourth event closes with `</Evnt>`: skipped, and reported on that line.
    assert_eq!(imported.problems.len(), 1, "{:?}", imported.problems);
    let problem = &imported.problems[0];
    assert!(problem.skipped && problem.line == 138, "{problem:?}");
    assert!(problem.message.contains("`</Evnt>`") && problem.message.contains("line 126"), "{problem:?}");
    let table = &imported.table;
    assert_eq!(table.rows, 4);
    assert_eq!(column(table, "EventID"), ["4624", "4625", "4688", "1102"]);
    assert_eq!(
        column(table, "Activity"),
        [
            "4624 - An account was successfully logged on.",
            "4625 - An account failed to log on.",
            "4688 - A new process has been created.",
            "1102 - The audit log was cleared.",
        ]
    );
    assert_eq!(
        column(table, "Account"),
        [r"CONTOSO\Administrator", r"-\admin", r"CONTOSO\Administrator", r"CONTOSO\Administrator"]
    );
    assert_eq!(column(table, "SubjectAccount")[..3], [r"CONTOSO\WIN-GG82ULGC9GO$", r"-\-", r"CONTOSO\Administrator"]);
    assert_eq!(column(table, "LogonType")[..2], ["10", "3"]);
    // Entities are decoded: `&amp;` and `&gt;` in the command line.
    assert_eq!(column(table, "CommandLine")[2], r#"cmd.exe /c "whoami & net user /domain" > out.txt"#);
    // `EventData` is the XML text Sentinel stores, with its namespace.
    let event_data = &column(table, "EventData")[0];
    assert!(event_data.starts_with(r#"<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">"#));
    assert!(event_data.contains(r#"<Data Name="IpAddress">203.0.113.77</Data>"#), "{event_data}");
    let index = table.index_of("TimeGenerated").expect("TimeGenerated");
    assert!(matches!(table.row(0)[index], Value::DateTime(_)));
}

#[test]
fn windows_event_keeps_event_data_as_a_bag() {
    let imported = import(&data("security-events.xml"), "WindowsEvent");
    let table = &imported.table;
    assert_eq!(table.rows, 4);
    let index = table.index_of("EventData").expect("EventData");
    let Value::Dynamic(bag) = &table.row(0)[index] else { panic!("EventData is dynamic") };
    assert_eq!(bag.get("TargetUserName").map(|v| v.to_kql_str()).as_deref(), Some("Administrator"));
    // `UserData` fields are the leaves of its one element.
    let Value::Dynamic(bag) = &table.row(3)[index] else { panic!("EventData is dynamic") };
    assert_eq!(bag.get("SubjectUserName").map(|v| v.to_kql_str()).as_deref(), Some("Administrator"));
    assert_eq!(column(table, "Correlation")[0], "{00D66690-1CDF-0000-AC66-D600DF1CD101}");
    assert_eq!(column(table, "EventLevelName")[0], "Information");
}

#[test]
fn a_failed_logon_detection_runs_on_event_xml() {
    let output = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args([
            "run",
            "SecurityEvent | where EventID == 4625 | summarize Failures = count() by IpAddress, TargetUserName",
            "--table",
        ])
        .arg(format!("SecurityEvent={}", data("security-events.xml").display()))
        .args(["--format", "csv"])
        .output()
        .expect("runs kqlab");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "IpAddress,TargetUserName,Failures\n198.51.100.23,admin,1\n");
    // The skipped event is a warning naming the file and line.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("security-events.xml` line 138") && stderr.contains("line skipped"), "{stderr}");
    let strict = Command::new(env!("CARGO_BIN_EXE_kqlab"))
        .args(["run", "SecurityEvent", "--strict", "--table"])
        .arg(format!("SecurityEvent={}", data("security-events.xml").display()))
        .output()
        .expect("runs kqlab");
    assert!(!strict.status.success());
}

#[test]
fn utf16_event_xml_as_powershell_writes_it() {
    let text = std::fs::read_to_string(data("security-events.xml")).expect("read");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let dir = tempfile::tempdir().expect("temp dir");
    // No extension: recognised by content.
    let path = dir.path().join("events");
    std::fs::write(&path, bytes).expect("write");
    let imported = import(&path, "SecurityEvent");
    assert_eq!(imported.table.rows, 4);
    assert_eq!(column(&imported.table, "Account")[0], r"CONTOSO\Administrator");
}

#[test]
fn generic_xml_rows_import_and_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("alerts.xml");
    std::fs::write(
        &path,
        r#"<?xml version="1.0"?>
<alerts>
  <alert id="1"><time>2025-06-14T09:00:00Z</time><src>203.0.113.5</src><tags><tag>c2</tag><tag>beacon</tag></tags></alert>
  <alert id="2"><time>2025-06-14T09:05:00Z</time><src>198.51.100.7</src><note>quote " and \ and
newline</note></alert>
</alerts>"#,
    )
    .expect("write");
    let imported = import_file_checked(&path, None, true).expect("imports");
    let table = &imported.table;
    assert_eq!(table.rows, 2);
    assert_eq!(column(table, "id"), ["1", "2"]);
    assert_eq!(column(table, "tags")[0], r#"{"tag":["c2","beacon"]}"#);
    round_trip("Alerts", table);
}

#[test]
fn event_tables_survive_the_datatable_round_trip() {
    for name in ["SecurityEvent", "WindowsEvent", "Event"] {
        let imported = import(&data("security-events.xml"), name);
        round_trip(name, &imported.table);
    }
}

/// table → `datatable` text → parse → execute → the same table.
fn round_trip(name: &str, table: &Table) {
    let text = write_datatable(table);
    let parse = kqlab::parse(&text);
    assert!(parse.diagnostics.is_empty(), "{name}: {:?}", parse.diagnostics);
    let tables = kqlab::engine::execute(&parse.query, &Database::new(), &Default::default(), None)
        .unwrap_or_else(|e| panic!("{name}: {}", e.message));
    let back = &tables[0];
    assert_eq!(back.schema(), table.schema(), "{name}");
    assert_eq!(back.rows, table.rows, "{name}");
    for row in 0..table.rows {
        assert_eq!(back.row(row), table.row(row), "{name} row {row}");
    }
}
