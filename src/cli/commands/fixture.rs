//! `kqlab fixture`: sample files to KQL `datatable` fixtures (or to the
//! typed table as JSON or CSV), optionally wrapped around a query so that
//! it runs unchanged — locally or pasted into a workspace.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::analysis::schema::Schemas;
use crate::cli::EXIT_OK;
use crate::engine::output;
use crate::engine::table::Table;
use crate::import::datatable::write_let;
use crate::import::fixture::{FixtureOptions, RowSample, fixture_table};

/// Output formats of `kqlab fixture`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixtureFormat {
    /// `let NAME = datatable(...) [...];` statements.
    Kql,
    /// The Log Analytics query API's JSON shape, one entry per file.
    Json,
    /// CSV with a header row (one file at a time).
    Csv,
}

/// Arguments of `kqlab fixture`.
#[derive(Debug, Args)]
pub struct FixtureArgs {
    /// Sample files (CSV, JSON, JSON Lines, XML, CEF, syslog or other text logs).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The table the rows belong to (typed by its schema); default: each
    /// file's name. With several files, give `NAME=PATH` pairs instead.
    #[arg(long)]
    pub table: Option<String>,
    #[arg(long, value_enum, default_value_t = FixtureFormat::Kql)]
    pub format: FixtureFormat,
    /// Keep at most this many rows of each file.
    #[arg(long)]
    pub rows: Option<usize>,
    /// Which rows `--rows` keeps.
    #[arg(long, value_enum, default_value_t = RowSample::Head)]
    pub sample: RowSample,
    /// The seed of `--sample random`; default: a new draw each run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Fail on the first bad line of a text log instead of warning and
    /// skipping it.
    #[arg(long)]
    pub strict: bool,
    /// A query to print after the fixtures (with `--format kql`), so the
    /// output runs as it is.
    #[arg(long, value_name = "FILE.kql")]
    pub query: Option<PathBuf>,
    /// Keep only the sample's columns. By default a known table gets its
    /// schema's other columns as typed nulls, so a query naming any of them
    /// runs on the fixture as it does on the table.
    #[arg(long)]
    pub sample_columns_only: bool,
}

/// Runs `kqlab fixture`.
pub fn run(args: FixtureArgs) -> anyhow::Result<i32> {
    if args.table.is_some() && args.paths.len() > 1 {
        anyhow::bail!("`--table` names one file's table; with several files, write `NAME=PATH` for each");
    }
    let schemas = Schemas::builtin();
    let seed = args.seed.unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)
    });
    let options =
        FixtureOptions { rows: args.rows, sample: args.sample, seed, sample_columns_only: args.sample_columns_only };
    let mut tables: Vec<(String, Table)> = Vec::new();
    for spec in &args.paths {
        let text = spec.to_string_lossy();
        let (name, path) = match text.split_once('=') {
            Some((name, path)) if !name.is_empty() && !std::path::Path::new(&*text).exists() => {
                (name.to_string(), PathBuf::from(path))
            }
            _ => (args.table.clone().unwrap_or_else(|| table_name_of(spec)), spec.clone()),
        };
        let known = schemas.table(&name).cloned();
        let table = crate::cli::commands::run::import_table(&path, known.as_deref(), args.strict)
            .with_context(|| format!("importing `{}`", path.display()))?;
        tables.push((name, fixture_table(table, known.as_deref(), &options)));
    }
    match args.format {
        FixtureFormat::Kql => {
            for (name, table) in &tables {
                print!("{}", write_let(name, table));
            }
            if let Some(query) = &args.query {
                let text = std::fs::read_to_string(query).with_context(|| format!("reading `{}`", query.display()))?;
                print!("{text}");
                if !text.ends_with('\n') {
                    println!();
                }
            }
        }
        FixtureFormat::Json => {
            let named: Vec<(Option<&str>, &Table)> = tables.iter().map(|(n, t)| (Some(n.as_str()), t)).collect();
            println!("{}", output::api_json_named(&named));
        }
        FixtureFormat::Csv => {
            if tables.len() > 1 {
                anyhow::bail!("CSV holds one table: give one file, or use `--format kql` or `json`");
            }
            for (_, table) in &tables {
                print!("{}", output::csv(table));
            }
        }
    }
    Ok(EXIT_OK)
}

/// A table name from a file name: its stem, with characters KQL names do
/// not allow replaced by `_`.
fn table_name_of(path: &std::path::Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut name: String = stem.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}
