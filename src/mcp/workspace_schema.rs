//! The schemas the server's tools check, run and list against: the built-in
//! Sentinel / Log Analytics tables plus a cached workspace's (its latest
//! snapshot in the schema cache, as `kqlab check --workspace` reads it). The
//! workspace is a tool's `workspace` argument, else the server's
//! `--workspace`. A missing, locked or corrupt cache, or a workspace it does
//! not hold, is a warning: the built-in schemas are still served.

use crate::analysis::Globals;
use crate::analysis::schema::Schemas;
use crate::cache::WorkspaceSchema;
use crate::mcp::Context;
use crate::ruleset::folder::Folder;

/// The schemas for one tool call.
#[derive(Debug)]
pub struct ServerSchemas {
    /// The built-in schemas and catalog, plus the workspace's tables,
    /// functions and watchlists when it could be read.
    pub globals: Globals,
    /// The workspace's latest snapshot, when it could be read.
    pub workspace: Option<WorkspaceSchema>,
    /// What went wrong reading the cache (the built-in schemas are used).
    pub warnings: Vec<String>,
}

impl ServerSchemas {
    /// The built-in schemas only.
    pub fn builtin() -> ServerSchemas {
        ServerSchemas { globals: Globals::builtin(), workspace: None, warnings: Vec::new() }
    }

    /// The schemas of `workspace` (or the server's `--workspace`); the
    /// built-in ones when neither names a workspace.
    pub fn load(context: &Context, workspace: Option<&str>) -> ServerSchemas {
        let name = workspace
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .or_else(|| context.settings.workspace.clone());
        let Some(name) = name else { return ServerSchemas::builtin() };
        let path = match crate::cache::location::cache_path(context.settings.cache.as_deref()) {
            Ok(path) => path,
            Err(error) => {
                let warnings = vec![format!("{error}; using the built-in schemas")];
                return ServerSchemas { warnings, ..ServerSchemas::builtin() };
            }
        };
        let loaded = crate::cache::load::load_workspace(&path, &name, crate::cache::location::busy_timeout());
        let warnings = loaded.warnings;
        match loaded.schema {
            Some(schema) => ServerSchemas { globals: schema.to_globals(), workspace: Some(schema), warnings },
            None => ServerSchemas { warnings, ..ServerSchemas::builtin() },
        }
    }

    /// Gives `folder` the workspace's functions behind its own, as `kqlab
    /// check --workspace` does; functions kqlab cannot parse are a warning.
    pub fn add_functions_to(&mut self, folder: &mut Folder) {
        let Some(workspace) = &self.workspace else { return };
        let (functions, warning) = workspace.folder_functions();
        self.warnings.extend(warning);
        folder.set_workspace_functions(functions);
    }

    /// The schemas, to extend.
    pub fn schemas(&self) -> &Schemas {
        &self.globals.schemas
    }

    /// Where a known table's schema comes from: `workspace:NAME` when the
    /// workspace has the table (its columns replace built-in ones), else
    /// `builtin`.
    pub fn source_of(&self, table: &str) -> String {
        match &self.workspace {
            Some(workspace) if workspace.table(table).is_some() => format!("workspace:{}", workspace.workspace),
            _ => "builtin".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::Settings;

    /// A context whose cache holds workspace `lab` with a `Lab_CL` table and
    /// a `SigninLogs` of two columns.
    fn context_with_cache(dir: &std::path::Path, workspace: Option<&str>) -> Context {
        let cache_path = dir.join("schemas.sqlite");
        let mut schema = WorkspaceSchema::from_json_text(
            r#"{"Lab_CL": [{"name": "Host", "type": "string"}, {"name": "Bytes", "type": "long"}],
                "SigninLogs": [{"name": "UserPrincipalName", "type": "string"}, {"name": "Extra", "type": "long"}]}"#,
        )
        .unwrap();
        schema.workspace = "lab".into();
        crate::cache::Cache::open(&cache_path).unwrap().store(&schema).unwrap();
        Context::new(Settings {
            rules: dir.join("rules"),
            cache: Some(cache_path),
            workspace: workspace.map(Into::into),
            ..Settings::default()
        })
    }

    #[test]
    fn workspace_tables_are_added_with_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let context = context_with_cache(dir.path(), Some("lab"));
        let schemas = ServerSchemas::load(&context, None);
        assert!(schemas.warnings.is_empty(), "{:?}", schemas.warnings);
        assert!(schemas.schemas().table("Lab_CL").is_some());
        assert_eq!(schemas.source_of("Lab_CL"), "workspace:lab");
        assert_eq!(schemas.source_of("SecurityEvent"), "builtin");
    }

    #[test]
    fn a_missing_workspace_or_cache_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let context = context_with_cache(dir.path(), None);
        assert!(ServerSchemas::load(&context, None).workspace.is_none());
        let missing = ServerSchemas::load(&context, Some("prod"));
        assert!(missing.workspace.is_none() && !missing.warnings.is_empty());
        assert!(missing.schemas().table("SigninLogs").is_some());
        let no_cache = Context::new(Settings {
            cache: Some(dir.path().join("none.sqlite")),
            workspace: Some("lab".into()),
            ..Settings::default()
        });
        let loaded = ServerSchemas::load(&no_cache, None);
        assert!(loaded.warnings[0].contains("no schema cache"), "{:?}", loaded.warnings);
        assert!(!dir.path().join("none.sqlite").exists());
    }

    #[test]
    fn the_schema_tools_and_kql_run_use_the_workspace() {
        use crate::mcp::tools::{kql_run, kql_validate, schema_table_get, schema_tables_list};
        let dir = tempfile::tempdir().unwrap();
        let context = context_with_cache(dir.path(), Some("lab"));
        let list = schema_tables_list::run(
            &context,
            schema_tables_list::Params { filter: Some("lab_".into()), limit: None, offset: None, workspace: None },
        )
        .unwrap();
        assert_eq!((list.tables[0].name.as_str(), list.tables[0].source.as_str()), ("Lab_CL", "workspace:lab"));
        assert_eq!(list.workspace.as_deref(), Some("lab"));
        let table =
            schema_table_get::run(&context, schema_table_get::Params { table: "SigninLogs".into(), workspace: None })
                .unwrap();
        assert_eq!(table.source, "workspace:lab");
        assert!(table.columns.iter().any(|c| c.name == "Extra"));
        let validate = kql_validate::run(
            &context,
            kql_validate::Params { query: "Lab_CL | where Bytes > 1".into(), schemas_json: None, workspace: None },
        )
        .unwrap();
        assert!(validate.valid, "{:?}", validate.diagnostics);
        let table =
            kql_run::TableParam { name: "Lab_CL".into(), source: kql_run::SampleSource::inline("Host,Bytes\nweb,5\n") };
        let run = kql_run::run(
            &context,
            kql_run::Params {
                query: "Lab_CL | project Bytes, TimeGenerated".into(),
                tables: vec![table],
                now: None,
                max_rows: None,
                empty_tables: false,
                workspace: None,
            },
        )
        .unwrap();
        assert_eq!(run.columns[0].ty, "long");
        assert_eq!(run.columns[1].ty, "datetime");
    }
}
