//! A cached workspace as the analyzer's schemas: the built-in tables and
//! functions, with the workspace's tables added (replacing built-in ones of
//! the same name), its functions known by name and parameters, and its
//! watchlists' columns behind `_GetWatchlist('alias')`.
//!
//! Function bodies are not analysed here. The rules-folder checker defines
//! the workspace functions a query uses as `let` statements before it
//! (`ruleset::functions`), so their output types come from their bodies.
//! What is registered here is the fallback for the places that cannot do
//! that (a batch of queries, a body kqlab cannot parse): a stored function
//! with the right parameters and an open output, so a call is never an
//! unknown function. A workspace function with the name of a built-in one
//! (an ASIM parser) keeps the built-in's known output columns.

use std::path::Path;
use std::time::Duration;

use crate::analysis::Globals;
use crate::analysis::schema::{STANDARD_COLUMNS, Schemas, StoredFunction, StoredParameter, schema_type};
use crate::analysis::types::{Column, TableType, Type};
use crate::cache::Cache;
use crate::cache::model::{ColumnSchema, WorkspaceSchema};
use crate::ruleset::functions::Functions;

/// A workspace as read for a check: its latest snapshot when the cache could
/// give it, and what went wrong or was repaired, as warnings.
#[derive(Debug, Default)]
pub struct LoadedWorkspace {
    pub schema: Option<WorkspaceSchema>,
    pub warnings: Vec<String>,
}

/// Reads the latest snapshot of `workspace` for a check. It never fails: a
/// missing, locked or unreadable cache, or a workspace it does not hold, is
/// a warning, and the check goes on with the built-in schemas. A corrupt file
/// is moved aside and rebuilt by [`Cache::open_with`] (and the workspace is
/// then missing). A missing file is not created.
pub fn load_workspace(path: &Path, workspace: &str, busy_timeout: Duration) -> LoadedWorkspace {
    let mut loaded = LoadedWorkspace::default();
    let fallback = "checking against the built-in schemas";
    if !path.exists() {
        loaded.warnings.push(format!(
            "there is no schema cache at `{}`; {fallback} (run `kqlab schema pull` or `kqlab schema import` first)",
            path.display()
        ));
        return loaded;
    }
    match Cache::open_with(path, busy_timeout) {
        Ok(cache) => {
            loaded.warnings.extend(cache.warnings().iter().cloned());
            match cache.latest_for_analysis(workspace) {
                Ok(schema) => loaded.schema = Some(schema),
                Err(error) => loaded.warnings.push(format!("{error}; {fallback}")),
            }
        }
        Err(error) => loaded.warnings.push(format!("{error}; {fallback}")),
    }
    loaded
}

impl WorkspaceSchema {
    /// `base` plus this workspace's tables, functions and watchlists.
    pub fn to_schemas(&self, base: &Schemas) -> Schemas {
        let mut schemas = base.clone();
        for table in &self.tables {
            let mut columns = table_columns(&table.columns);
            for (name, ty) in STANDARD_COLUMNS {
                if columns.iter().all(|c| c.name != *name) {
                    columns.push(Column::new(*name, *ty));
                }
            }
            schemas.add_table(table.name.clone(), TableType::new(columns).shared());
        }
        for function in &self.functions {
            let known_output = !function.columns.is_empty();
            if !known_output && base.function(&function.name).is_some() {
                continue;
            }
            let mut output = TableType::new(table_columns(&function.columns));
            output.open = !known_output;
            schemas.add_function(StoredFunction {
                name: function.name.clone(),
                params: parse_parameters(&function.parameters),
                output: output.shared(),
            });
        }
        for watchlist in &self.watchlists {
            schemas.add_watchlist(&watchlist.alias, &watchlist.columns);
        }
        schemas
    }

    /// The workspace's functions with bodies, as `let` definitions for a
    /// rules folder (the folder's own functions win, see
    /// [`crate::ruleset::folder::Folder::set_workspace_functions`]), and a
    /// warning naming those kqlab cannot parse, which are then known by name
    /// only.
    pub fn folder_functions(&self) -> (Functions, Option<String>) {
        let definitions = self
            .functions
            .iter()
            .filter(|f| !f.body.trim().is_empty())
            .map(|f| (f.name.as_str(), f.parameters.as_str(), f.body.as_str()));
        let (functions, left_out) = Functions::from_definitions(definitions);
        if left_out.is_empty() {
            return (functions, None);
        }
        let shown: Vec<&str> = left_out.iter().take(5).map(String::as_str).collect();
        let more = if left_out.len() > shown.len() {
            format!(" and {} more", left_out.len() - shown.len())
        } else {
            String::new()
        };
        let warning = format!(
            "{} function{} of workspace `{}` did not parse ({}{more}); calls to them are checked by name and parameters only",
            left_out.len(),
            if left_out.len() == 1 { "" } else { "s" },
            self.workspace,
            shown.join(", ")
        );
        (functions, Some(warning))
    }

    /// The analyzer's globals: the built-in schemas and catalog plus this workspace.
    pub fn to_globals(&self) -> Globals {
        Globals::with_schemas(self.to_schemas(Schemas::builtin()))
    }
}

/// Columns as the analyzer types them. Names are unique already (the
/// readers and the store keep the first of a repeated name).
fn table_columns(columns: &[ColumnSchema]) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::with_capacity(columns.len() + STANDARD_COLUMNS.len());
    out.extend(columns.iter().map(|column| Column::new(column.name.clone(), schema_type(Some(&column.ty)))));
    out
}

/// `start:datetime, T:(*), n:int = 10` → parameters; one with a default is
/// optional, a tabular one has an unknown type.
pub fn parse_parameters(list: &str) -> Vec<StoredParameter> {
    split_top_level(list)
        .into_iter()
        .filter_map(|parameter| {
            let (head, default) = match parameter.split_once('=') {
                Some((head, default)) => (head, Some(default)),
                None => (parameter, None),
            };
            let (name, ty) = head.split_once(':').unwrap_or((head, ""));
            let name = name.trim().trim_matches(|c| c == '[' || c == ']' || c == '\'' || c == '"');
            if name.is_empty() {
                return None;
            }
            let ty = ty.trim();
            let ty = if ty.starts_with('(') { Type::Unknown } else { schema_type(Some(ty)) };
            Some(StoredParameter { name: name.to_string(), ty, required: default.is_none() })
        })
        .collect()
}

/// Splits at the commas outside brackets and quotes.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    for (index, ch) in list.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth <= 0 => {
                parts.push(&list[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.into_iter().filter(|part| !part.trim().is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::model::{FunctionSchema, TableSchema, WatchlistSchema};

    #[test]
    fn parameters_split_at_top_level_commas() {
        let params = parse_parameters("T:(a:string, b:int), start:datetime = datetime(2024-01-01), s:string = 'a,b'");
        let summary: Vec<(String, Type, bool)> = params.into_iter().map(|p| (p.name, p.ty, p.required)).collect();
        assert_eq!(
            summary,
            [
                ("T".to_string(), Type::Unknown, true),
                ("start".to_string(), Type::DATETIME, false),
                ("s".to_string(), Type::STRING, false)
            ]
        );
        assert!(parse_parameters("").is_empty());
    }

    #[test]
    fn workspace_tables_override_and_functions_and_watchlists_are_known() {
        let schema = WorkspaceSchema {
            tables: vec![TableSchema {
                name: "SigninLogs".into(),
                description: None,
                columns: vec![ColumnSchema { name: "Only".into(), ty: "long".into(), description: None }],
            }],
            functions: vec![
                FunctionSchema {
                    name: "MyFn".into(),
                    parameters: "n:int = 1".into(),
                    body: "print 1".into(),
                    ..Default::default()
                },
                FunctionSchema { name: "_Im_Dns".into(), body: "print 1".into(), ..Default::default() },
            ],
            watchlists: vec![WatchlistSchema {
                alias: "Assets".into(),
                columns: vec!["Host".into()],
                search_key: None,
            }],
            ..Default::default()
        };
        let schemas = schema.to_schemas(Schemas::builtin());
        let signin = schemas.table("SigninLogs").expect("table");
        assert_eq!(signin.columns[0], Column::new("Only", Type::LONG));
        assert!(signin.column("UserPrincipalName").is_none());
        assert!(signin.column("TimeGenerated").is_some(), "standard columns are added");
        assert!(schemas.function("MyFn").expect("function").output.open);
        assert_eq!(schemas.function("_Im_Dns"), Schemas::builtin().function("_Im_Dns"));
        assert!(schemas.watchlist("Assets").expect("watchlist").column("Host").is_some());
    }
}
