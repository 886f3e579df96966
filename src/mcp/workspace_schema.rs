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
            Some(schema) => {
                ServerSchemas { globals: schema.to_globals(), workspace: Some(schema), warnings }
            }
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
