//! Every sample of the corpus index imports: no panic, the index's row
//! count, a table the analyzer and engine accept under the index's table
//! name, and the `datatable` round trip gives the same table back.
//!
//! Runs over the subset committed in `tests/data/samples/` (see its
//! NOTICE), and over the full `shared/corpus/samples` folder when
//! `KQLAB_CORPUS_SAMPLES=/path/to/samples` is set.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kqlab::analysis::Globals;
use kqlab::analysis::schema::Schemas;
use kqlab::analysis::types::{Column, TableType, Type};
use kqlab::engine::table::{Database, Table};
use kqlab::import::datatable::write_datatable;
use kqlab::import::import_file_checked;

/// One entry of a samples index.
struct Entry {
    file: String,
    table: String,
    rows: usize,
}

fn index(folder: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(folder.join("index.json")).expect("reading the samples index");
    let index: serde_json::Value = serde_json::from_str(&text).expect("the samples index is JSON");
    index["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| Entry {
            file: entry["file"].as_str().expect("file").to_string(),
            table: entry["table"].as_str().expect("table").to_string(),
            rows: entry["rows"].as_u64().expect("rows") as usize,
        })
        .collect()
}

/// What checking a folder found.
#[derive(Default)]
struct Summary {
    files: usize,
    rows: usize,
    problems: usize,
    failures: Vec<String>,
}

fn check_folder(folder: &Path) -> Summary {
    let mut summary = Summary::default();
    for entry in index(folder) {
        let outcome = catch_unwind(AssertUnwindSafe(|| check_sample(folder, &entry)));
        match outcome {
            Ok(Ok(Checked::Imported { problems })) => {
                summary.files += 1;
                summary.rows += entry.rows;
                summary.problems += problems;
            }
            Ok(Err(failure)) => summary.failures.push(format!("{}: {failure}", entry.file)),
            Err(_) => summary.failures.push(format!("{}: panicked", entry.file)),
        }
    }
    summary
}

enum Checked {
    Imported { problems: usize },
}

fn check_sample(folder: &Path, entry: &Entry) -> Result<Checked, String> {
    let schema = Schemas::builtin().table(&entry.table).cloned();
    let result = import_file_checked(&folder.join(&entry.file), schema.as_deref(), false);
    let imported = result.map_err(|error| error.to_string())?;
    let table = imported.table;
    if table.rows != entry.rows {
        return Err(format!("{} rows where the index has {}", table.rows, entry.rows));
    }
    query_under_its_name(&entry.table, &table, schema.as_deref())?;
    round_trip(&table)?;
    Ok(Checked::Imported { problems: imported.problems.len() })
}

/// `TABLE | take 1` passes the analyzer and runs, with the table bound as
/// `kqlab run --table` binds it: its columns plus the schema's others.
fn query_under_its_name(name: &str, table: &Table, known: Option<&TableType>) -> Result<(), String> {
    let mut columns: Vec<Column> =
        table.fields.iter().map(|f| Column::new(f.name.clone(), Type::Scalar(f.column.ty()))).collect();
    for column in known.map(|k| k.columns.as_slice()).unwrap_or_default() {
        if !columns.iter().any(|c| c.name == column.name) {
            columns.push(column.clone());
        }
    }
    let mut schemas = Schemas::builtin().clone();
    schemas.add_table(name, Arc::new(TableType::new(columns)));
    let mut database = Database::new();
    database.insert(name, table.clone());
    let query = format!("['{name}'] | take 1");
    let parse = kqlab::parse(&query);
    let analysis = kqlab::analyze(&parse.query, &Globals::with_schemas(schemas));
    let errors: Vec<String> =
        parse.diagnostics.iter().chain(&analysis.diagnostics).map(|d| d.message.clone()).collect();
    if !errors.is_empty() {
        return Err(format!("`{query}`: {errors:?}"));
    }
    let tables = kqlab::engine::execute(&parse.query, &database, &Default::default(), None)
        .map_err(|e| format!("`{query}`: {}", e.message))?;
    let result = &tables[0];
    if result.rows != table.rows.min(1) || result.schema() != table.schema() {
        return Err(format!("`{query}` gave {} rows of {:?}", result.rows, result.schema()));
    }
    Ok(())
}

/// Table → `datatable` text → parse → execute gives the same table.
fn round_trip(table: &Table) -> Result<(), String> {
    let text = write_datatable(table);
    let parse = kqlab::parse(&text);
    if !parse.diagnostics.is_empty() {
        return Err(format!("the datatable does not parse: {:?}", parse.diagnostics[0].message));
    }
    let tables = kqlab::engine::execute(&parse.query, &Database::new(), &Default::default(), None)
        .map_err(|e| format!("the datatable does not run: {}", e.message))?;
    let back = &tables[0];
    if back.schema() != table.schema() || back.rows != table.rows {
        return Err("the datatable gives another schema or row count".into());
    }
    for row in 0..back.rows {
        if back.row(row) != table.row(row) {
            return Err(format!("datatable row {row} differs: {:?} != {:?}", back.row(row), table.row(row)));
        }
    }
    Ok(())
}

#[test]
fn committed_samples_import_query_and_round_trip() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/samples");
    let summary = check_folder(&folder);
    assert!(summary.failures.is_empty(), "{}", summary.failures.join("\n"));
    assert_eq!(summary.files, index(&folder).len());
    assert!(summary.files >= 70, "{} files", summary.files);
}

#[test]
fn corpus_samples_import_query_and_round_trip() {
    let Some(folder) = std::env::var_os("KQLAB_CORPUS_SAMPLES").map(PathBuf::from) else {
        println!("skipped: set KQLAB_CORPUS_SAMPLES=/path/to/shared/corpus/samples to check the full corpus");
        return;
    };
    let summary = check_folder(&folder);
    println!(
        "corpus samples: {} files imported ({} rows, {} problems reported), {} failures",
        summary.files,
        summary.rows,
        summary.problems,
        summary.failures.len()
    );
    assert!(summary.failures.is_empty(), "{}", summary.failures.join("\n"));
}
