//! `kqlab schema`: the workspace schema cache — pull a workspace's schema
//! from Log Analytics (the metadata API, the ARM tables API as fallback) or
//! import a schema file, list the cached workspaces or a workspace's tables,
//! show one table (or function, or watchlist), and diff the last two snapshots.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::cache::Cache;
use crate::cache::model::WorkspaceSchema;
use crate::cli::commands::verify::{WorkspaceArgs, resolve_workspace};
use crate::cli::{EXIT_FAILURE, EXIT_OK};
use crate::remote::client::{Client, Policy};
use crate::remote::config::process_env;
use crate::remote::metadata::{FetchedSchema, fetch_workspace_schema};

/// Arguments of `kqlab schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
    /// The schema cache file (default: `KQLAB_CACHE`, else
    /// `$XDG_CACHE_HOME/kqlab/schemas.sqlite` or `~/.cache/kqlab/schemas.sqlite`).
    #[arg(long, value_name = "PATH", global = true)]
    pub cache: Option<PathBuf>,
}

/// The `kqlab schema` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Fetch a workspace's tables, columns and functions (metadata API, ARM
    /// tables API as fallback) into the schema cache.
    Pull(PullArgs),
    /// Import a schema file offline: a Log Analytics metadata API response,
    /// an ARM tables list, or kqlab schema JSON (detected).
    Import {
        /// The JSON file.
        file: PathBuf,
        /// The workspace to store it as (default: the name in the file, else the file's name).
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
    },
    /// List the cached workspaces, or with `--workspace` its tables (with
    /// column counts), functions and watchlists.
    List {
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
    },
    /// Show a table's columns (or a function's parameters and body, or a
    /// watchlist's columns).
    Show {
        /// The table, function or watchlist name.
        name: String,
        /// The workspace (default: the only one cached).
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
    },
    /// What changed between the workspace's last two snapshots.
    Diff {
        /// The workspace (default: the only one cached).
        #[arg(long, value_name = "NAME")]
        workspace: Option<String>,
    },
}

/// Arguments of `kqlab schema pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// Also write the service's JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Longest time one request may take, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
}

/// Runs `kqlab schema`.
pub fn run(args: SchemaArgs) -> anyhow::Result<i32> {
    let cache_arg = args.cache.as_deref();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &args.command {
        SchemaCommand::Pull(pull_args) => pull(pull_args, cache_arg),
        SchemaCommand::Import { file, workspace } => {
            let path = crate::cache::location::cache_path(cache_arg)?;
            import(&path, file, workspace.as_deref(), &mut out)
        }
        SchemaCommand::List { workspace } => {
            let cache = open(&crate::cache::location::cache_path(cache_arg)?)?;
            match workspace {
                None => list_workspaces(&cache, &mut out),
                Some(name) => list_tables(&cache.latest(name)?, &mut out),
            }
        }
        SchemaCommand::Show { name, workspace } => {
            let cache = open(&crate::cache::location::cache_path(cache_arg)?)?;
            let workspace = cache.latest(&pick_workspace(&cache, workspace.as_deref())?)?;
            show(&workspace, name, &mut out)
        }
        SchemaCommand::Diff { workspace } => {
            let cache = open(&crate::cache::location::cache_path(cache_arg)?)?;
            let name = pick_workspace(&cache, workspace.as_deref())?;
            let snapshots = cache.snapshots(&name, 2)?;
            match snapshots.as_slice() {
                [new, old] => {
                    let changes = crate::cache::diff::diff(old, new);
                    write!(out, "{}", crate::cache::diff::render_diff(old, new, &changes))?;
                }
                [only] => writeln!(
                    out,
                    "`{name}` has one snapshot ({}, {}): nothing to compare yet; pull or import it again to see what changed",
                    only.fetched_at, only.source
                )?,
                _ => return Err(crate::cache::Error::UnknownWorkspace { name, known: cache.workspace_names()? }.into()),
            }
            Ok(EXIT_OK)
        }
    }
}

/// `kqlab schema pull`: fetch, store a new snapshot in the cache (under the
/// name the workspace was chosen by), and with `--out` save the JSON too.
/// Without `--out` a cache that cannot be written is an error; with it, a
/// warning (the file is what was asked for).
fn pull(args: &PullArgs, cache: Option<&Path>) -> anyhow::Result<i32> {
    let workspace = resolve_workspace(&args.workspace)?;
    let policy = Policy { timeout: Duration::from_secs(args.timeout.max(1)), ..Policy::default() };
    let client = Client::new(workspace, policy, &process_env)?;
    let FetchedSchema { json, schema, source, warnings } = fetch_workspace_schema(&client)?;
    if let Some(kind) = client.credentials().used() {
        eprintln!("note: signed in with `{}`", kind.name());
    }
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let api = source.api_name();
    let tables = schema.tables.len();
    if let Some(path) = &args.out {
        let text = serde_json::to_string_pretty(&json)?;
        std::fs::write(path, format!("{text}\n"))
            .map_err(|error| anyhow::anyhow!("writing `{}`: {error}", path.display()))?;
        eprintln!(
            "pulled {tables} table{} of workspace `{}` from the {api} into `{}`",
            if tables == 1 { "" } else { "s" },
            client.workspace.label,
            path.display()
        );
    }
    let stored = Cache::open_at(cache).and_then(|mut cache| {
        for warning in cache.warnings() {
            eprintln!("warning: {warning}");
        }
        cache.store(&schema)?;
        Ok(cache.path().to_path_buf())
    });
    match stored {
        Ok(path) => eprintln!(
            "stored {} of workspace `{}` from the {api} in the schema cache `{}`",
            counts(&schema),
            schema.workspace,
            path.display()
        ),
        Err(error) if args.out.is_some() => eprintln!("warning: not stored in the schema cache: {error}"),
        Err(error) => return Err(error.into()),
    }
    Ok(EXIT_OK)
}

/// Opens the cache, printing what it had to repair.
fn open(path: &Path) -> anyhow::Result<Cache> {
    let cache = Cache::open_with(path, crate::cache::location::busy_timeout())?;
    for warning in cache.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(cache)
}

/// `--workspace`, or the only workspace the cache holds.
fn pick_workspace(cache: &Cache, given: Option<&str>) -> anyhow::Result<String> {
    if let Some(name) = given {
        return Ok(name.to_string());
    }
    let names = cache.workspace_names()?;
    match names.as_slice() {
        [only] => Ok(only.clone()),
        [] => anyhow::bail!(
            "the schema cache `{}` holds no workspace yet: run `kqlab schema pull` or `kqlab schema import FILE`",
            cache.path().display()
        ),
        _ => anyhow::bail!("the schema cache holds several workspaces ({}): pass --workspace NAME", names.join(", ")),
    }
}

fn import(path: &Path, file: &Path, workspace: Option<&str>, out: &mut impl Write) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading `{}`", file.display()))?;
    let mut schema = WorkspaceSchema::from_json_text(&text)
        .with_context(|| format!("reading the schema in `{}`", file.display()))?;
    schema.workspace = match workspace {
        Some(name) => name.to_string(),
        None if !schema.workspace.is_empty() => schema.workspace.clone(),
        None => file.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    if schema.workspace.trim().is_empty() {
        eprintln!("error: the file names no workspace: pass --workspace NAME");
        return Ok(EXIT_FAILURE);
    }
    let counts = counts(&schema);
    // Said before the write starts: a large schema takes a moment.
    eprintln!("storing {counts} of workspace `{}` ({}) in `{}`", schema.workspace, schema.source, path.display());
    let mut cache = open(path)?;
    cache.store(&schema)?;
    writeln!(out, "imported {counts} as workspace `{}` from `{}`", schema.workspace, file.display())?;
    Ok(EXIT_OK)
}

/// `3 tables, 1 function, 0 watchlists`.
fn counts(schema: &WorkspaceSchema) -> String {
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {}",
        count(schema.tables.len(), "table"),
        count(schema.functions.len(), "function"),
        count(schema.watchlists.len(), "watchlist")
    )
}

fn list_workspaces(cache: &Cache, out: &mut impl Write) -> anyhow::Result<i32> {
    let workspaces = cache.workspaces()?;
    if workspaces.is_empty() {
        writeln!(
            out,
            "the schema cache `{}` holds no workspace yet: run `kqlab schema pull` or `kqlab schema import FILE`",
            cache.path().display()
        )?;
        return Ok(EXIT_OK);
    }
    let width = workspaces.iter().map(|w| w.name.chars().count()).max().unwrap_or(0).max("workspace".len());
    writeln!(
        out,
        "{:width$}  {:>6}  {:>9}  {:>10}  {:>9}  {:20}  source",
        "workspace", "tables", "functions", "watchlists", "snapshots", "fetched at"
    )?;
    for workspace in &workspaces {
        writeln!(
            out,
            "{:width$}  {:>6}  {:>9}  {:>10}  {:>9}  {:20}  {}",
            workspace.name,
            workspace.n_tables,
            workspace.n_functions,
            workspace.n_watchlists,
            workspace.snapshots,
            workspace.fetched_at,
            workspace.source
        )?;
    }
    Ok(EXIT_OK)
}

fn list_tables(schema: &WorkspaceSchema, out: &mut impl Write) -> anyhow::Result<i32> {
    writeln!(out, "`{}`: {} (fetched {}, {})", schema.workspace, counts(schema), schema.fetched_at, schema.source)?;
    let width = schema
        .tables
        .iter()
        .map(|t| t.name.chars().count())
        .chain(schema.functions.iter().map(|f| f.name.chars().count()))
        .max()
        .unwrap_or(0);
    if !schema.tables.is_empty() {
        writeln!(out, "\ntables:")?;
        for table in &schema.tables {
            let n = table.columns.len();
            writeln!(out, "  {:width$}  {n} column{}", table.name, if n == 1 { "" } else { "s" })?;
        }
    }
    if !schema.functions.is_empty() {
        writeln!(out, "\nfunctions:")?;
        for function in &schema.functions {
            let category = function.category.as_deref().map(|c| format!("  [{c}]")).unwrap_or_default();
            writeln!(out, "  {}({}){category}", function.name, function.parameters)?;
        }
    }
    if !schema.watchlists.is_empty() {
        writeln!(out, "\nwatchlists:")?;
        for watchlist in &schema.watchlists {
            writeln!(out, "  {}  ({})", watchlist.alias, watchlist.columns.join(", "))?;
        }
    }
    Ok(EXIT_OK)
}

fn show(schema: &WorkspaceSchema, name: &str, out: &mut impl Write) -> anyhow::Result<i32> {
    if let Some(table) = schema.table(name) {
        writeln!(out, "table {} ({} columns) in `{}`", table.name, table.columns.len(), schema.workspace)?;
        if let Some(description) = &table.description {
            writeln!(out, "{description}")?;
        }
        writeln!(out)?;
        let name_width = table.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
        let type_width = table.columns.iter().map(|c| c.ty.len()).max().unwrap_or(0);
        for column in &table.columns {
            let line = format!(
                "  {:name_width$}  {:type_width$}  {}",
                column.name,
                column.ty,
                column.description.as_deref().unwrap_or("")
            );
            writeln!(out, "{}", line.trim_end())?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(function) = schema.function(name) {
        writeln!(out, "function {}({}) in `{}`", function.name, function.parameters, schema.workspace)?;
        for text in [&function.category, &function.description].into_iter().flatten() {
            writeln!(out, "{text}")?;
        }
        if !function.body.is_empty() {
            writeln!(out, "\n{}", function.body.trim_end())?;
        }
        if !function.columns.is_empty() {
            let columns: Vec<String> = function.columns.iter().map(|c| format!("{}:{}", c.name, c.ty)).collect();
            writeln!(out, "\noutput: ({})", columns.join(", "))?;
        }
        return Ok(EXIT_OK);
    }
    if let Some(watchlist) = schema.watchlists.iter().find(|w| w.alias == name) {
        writeln!(out, "watchlist {} in `{}`", watchlist.alias, schema.workspace)?;
        if let Some(key) = &watchlist.search_key {
            writeln!(out, "search key: {key}")?;
        }
        writeln!(out)?;
        for column in &watchlist.columns {
            writeln!(out, "  {column}")?;
        }
        return Ok(EXIT_OK);
    }
    let candidates = schema
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .chain(schema.functions.iter().map(|f| f.name.as_str()))
        .chain(schema.watchlists.iter().map(|w| w.alias.as_str()));
    let help = match crate::analysis::names::suggest(name, candidates) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => String::new(),
    };
    eprintln!("error: workspace `{}` has no table, function or watchlist `{name}`{help}", schema.workspace);
    Ok(EXIT_FAILURE)
}
