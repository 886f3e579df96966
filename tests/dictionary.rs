//! Dictionary encoding must not change results: every query here runs on
//! tables imported from CSV (whose repetitive `string` and `dynamic` columns
//! are dictionary-encoded) and on the same tables stored plainly, and the
//! results must be equal.

use kqlab::engine::table::Database;
use kqlab::engine::{Options, execute, output};
use kqlab::import::csv::import_csv;

/// 48 rows: names that differ only in case, a few keys, JSON locations.
fn signins_csv() -> String {
    let names = ["alice", "Alice", "bob", "carol", "ALICE", "dave"];
    let cities = [r#""{""city"":""Paris"",""n"":1}""#, r#""{""city"":""Oslo""}""#, r#""{""city"":""Paris"",""n"":1}""#];
    let mut csv = String::from("Name,Key,Agent,Location,Count\n");
    for row in 0..48 {
        let agent = if row % 5 == 0 { "python-requests/2.31" } else { "Mozilla/5.0 (Windows NT 10.0)" };
        csv.push_str(&format!(
            "{},{},{agent},{},{}\n",
            names[row % names.len()],
            ["k1", "k2", "k3"][row % 3],
            cities[row % cities.len()],
            row % 7
        ));
    }
    csv
}

fn keys_csv() -> String {
    "Name,Team\nbob,red\nalice,blue\nerin,green\nbob,black\n".to_string()
}

fn run(database: &Database, query: &str) -> String {
    let parse = kqlab::parse(query);
    assert!(parse.diagnostics.is_empty(), "{query}: {:?}", parse.diagnostics);
    match execute(&parse.query, database, &Options::default(), None) {
        Ok(tables) => tables.iter().map(|table| output::text(table, 1_000)).collect(),
        Err(error) => format!("error: {}", error.message),
    }
}

const QUERIES: &[&str] = &[
    r#"T | where Name == "bob" | summarize count() by Key"#,
    r#"T | where Name =~ "alice" | count"#,
    "T | summarize count() by tolower(Name)",
    "T | summarize count() by toupper(Name), Key",
    "T | summarize dcount(Name), dcount(tolower(Name)), make_set(Name), make_set(tolower(Name)) by Key",
    "T | extend Lower = tolower(Name) | summarize Rows = count(), Keys = dcount(Key) by Lower",
    "T | distinct Name, Key",
    r#"T | where Agent has "python" or Agent startswith "moz" | summarize count() by Agent"#,
    r#"T | where tostring(Location.city) == "Paris" | summarize sum(Count) by Name"#,
    "T | summarize count() by tostring(Location.city), Key",
    "T | extend Both = strcat(Name, '/', Key) | summarize count() by Both",
    "T | join kind=inner (U) on Name | summarize count() by Name, Team",
    "T | join kind=innerunique (U) on Name | project Name, Key, Team",
    "T | join kind=leftouter (U) on Name | summarize count() by Name, Team",
    "T | join kind=fullouter (U) on Name | summarize count() by Name, Name1, Team",
    "T | join kind=rightanti (U) on Name",
    "T | join kind=leftsemi (U) on Name | count",
    "T | extend Lower = tolower(Name) | join kind=inner (U | extend Lower = Name) on Lower | count",
    "T | where Count > 2 | sort by Count desc, Name asc | take 5",
    "T | top 3 by Name asc",
    "T | summarize arg_max(Count, *) by Key",
    "T | mv-expand Location | count",
    "T | extend D = parse_json(Location) | summarize count() by tostring(D.city)",
    "T | extend D = parse_json(Location) | summarize make_set(D), dcount(D), make_list(D.n) by Key",
    "T | extend D = parse_json(Location) | mv-expand D | summarize count() by tostring(D)",
    "T | extend D = parse_json(Location) | join kind=inner (T | extend D = parse_json(Location) | distinct Key, D) on Key | count",
];

#[test]
fn dictionary_encoded_and_plain_tables_give_the_same_results() {
    let signins = import_csv("signins.csv", &signins_csv(), None).expect("CSV imports").table;
    let keys = import_csv("keys.csv", &keys_csv(), None).expect("CSV imports").table;
    for name in ["Name", "Key", "Agent", "Location"] {
        let column = signins.column(name).expect("column");
        assert!(column.dictionary_len().is_some(), "{name} should be dictionary-encoded");
    }
    let mut encoded = Database::new();
    encoded.insert("T", signins.clone());
    encoded.insert("U", keys.clone());
    let mut decoded = Database::new();
    decoded.insert("T", signins.without_dictionaries());
    decoded.insert("U", keys.without_dictionaries());
    for query in QUERIES {
        let expected = run(&decoded, query);
        assert!(!expected.starts_with("error"), "{query}: {expected}");
        assert_eq!(run(&encoded, query), expected, "{query}");
    }
}

#[test]
fn values_that_differ_only_by_case_group_together_after_tolower() {
    let signins = import_csv("signins.csv", &signins_csv(), None).expect("CSV imports").table;
    let mut database = Database::new();
    database.insert("T", signins);
    let result = run(&database, "T | summarize n = count() by Lower = tolower(Name) | order by Lower asc");
    assert!(result.contains("alice | 24"), "{result}");
    assert!(result.contains("(4 rows)"), "{result}");
}

#[test]
fn json_imports_are_encoded_too_with_the_same_results() {
    let lines: String = (0..30)
        .map(|row| {
            format!(
                "{{\"Name\":\"{}\",\"Details\":{{\"city\":\"{}\"}},\"Count\":{}}}\n",
                ["alice", "Alice", "bob"][row % 3],
                ["Paris", "Oslo"][row % 2],
                row % 4
            )
        })
        .collect();
    let table = kqlab::import::json::import_json("rows.jsonl", &lines, None).expect("JSON imports").table;
    assert!(table.column("Name").expect("Name").dictionary_len().is_some());
    assert!(table.column("Details").expect("Details").dictionary_len().is_some());
    let mut encoded = Database::new();
    encoded.insert("T", table.clone());
    let mut decoded = Database::new();
    decoded.insert("T", table.without_dictionaries());
    for query in [
        "T | summarize count(), sum(Count) by tolower(Name), tostring(Details.city)",
        "T | where Details.city == 'Oslo' | distinct Name",
        "T | summarize make_set(Details), dcount(Details) by Name",
    ] {
        assert_eq!(run(&encoded, query), run(&decoded, query), "{query}");
    }
}
