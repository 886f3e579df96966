//! `kqlab.toml` at the root of a rules folder: extra schemas, the default
//! `now` of rule tests, query limits and watchlist search keys.
//!
//! ```toml
//! schemas = ["schemas/custom_tables.json"]   # relative to the folder
//! now = "2024-03-01T12:00:00Z"                # tests without their own `now`
//!
//! [limits]
//! timeout = "30s"
//! max_rows = 1000000
//! max_memory_mb = 2048
//!
//! [watchlists.HighValueAssets]
//! search_key = "Hostname"
//!
//! [workspaces.prod]                           # for `kqlab verify` and `schema pull`
//! workspace_id = "00000000-0000-0000-0000-000000000000"
//! subscription_id = "..."                     # these three: the ARM tables API
//! resource_group = "sentinel-rg"
//! workspace_name = "sentinel-ws"
//! tenant_id = "..."                           # optional; default: the credential's
//! cloud = "public"                            # or "usgov", "china"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
use crate::text::{SourceFile, Span};

/// The file name looked for at the folder's root.
pub const FILE_NAME: &str = "kqlab.toml";

/// The settings of a rules folder (all optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Schema files (`{"Table": [{"name", "type"}]}`), relative to the folder.
    #[serde(default)]
    pub schemas: Vec<PathBuf>,
    /// The `now` of test cases that do not pin one.
    pub now: Option<String>,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Per watchlist alias.
    #[serde(default)]
    pub watchlists: BTreeMap<String, WatchlistConfig>,
    /// Log Analytics workspaces by the name `--workspace NAME` takes.
    #[serde(default)]
    pub workspaces: BTreeMap<String, WorkspaceConfig>,
}

/// `[limits]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub timeout: Option<String>,
    pub max_rows: Option<usize>,
    pub max_memory_mb: Option<usize>,
}

/// `[watchlists.ALIAS]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchlistConfig {
    /// The column `SearchKey` takes (default: the first column).
    pub search_key: Option<String>,
}

/// `[workspaces.NAME]`: a Log Analytics workspace to verify queries against
/// and pull schemas from. Every field is optional here; what a command
/// needs is checked when it runs (see `remote::config`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// The workspace's customer id (a GUID): what the query API takes.
    pub workspace_id: Option<String>,
    /// Subscription, resource group and workspace (resource) name: what the
    /// ARM tables API takes.
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    pub workspace_name: Option<String>,
    /// The Entra ID tenant to sign in to.
    pub tenant_id: Option<String>,
    /// The Azure cloud, which sets the default endpoints.
    #[serde(default)]
    pub cloud: Cloud,
}

/// An Azure cloud: each has its own Log Analytics, Resource Manager, Graph
/// and sign-in endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Azure (global).
    #[default]
    Public,
    /// Azure Government.
    UsGov,
    /// Azure operated by 21Vianet.
    China,
}

impl Cloud {
    /// Parses `public`, `usgov` or `china` (case-insensitive).
    pub fn parse(text: &str) -> Option<Cloud> {
        match text.trim().to_ascii_lowercase().as_str() {
            "public" | "azurecloud" => Some(Cloud::Public),
            "usgov" | "azureusgovernment" => Some(Cloud::UsGov),
            "china" | "azurechinacloud" => Some(Cloud::China),
            _ => None,
        }
    }
}

/// A folder's configuration file, read.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub source: SourceFile,
    pub config: Config,
    /// `now` in ticks, when given and valid.
    pub now: Option<i64>,
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigFile {
    /// Reads `kqlab.toml` in `root`; `None` when there is none.
    pub fn load(root: &Path) -> Option<ConfigFile> {
        let path = root.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).ok()?;
        Some(ConfigFile::parse(&path, text))
    }

    /// Parses the text of a configuration file.
    pub fn parse(path: &Path, text: String) -> ConfigFile {
        let source = SourceFile::new(path.display().to_string(), text);
        let mut diagnostics = Vec::new();
        let config = match toml::from_str::<Config>(&source.text) {
            Ok(config) => config,
            Err(error) => {
                let span = error.span().map_or(Span::empty(0), |r| Span::new(r.start as u32, r.end as u32));
                diagnostics.push(
                    Diagnostic::new(Code::InvalidRuleFile, span, format!("`{FILE_NAME}`: {}", error.message()))
                        .with_help("keys: `schemas`, `now`, `[limits]` (`timeout`, `max_rows`, `max_memory_mb`), `[watchlists.NAME]` (`search_key`), `[workspaces.NAME]` (`workspace_id`, `subscription_id`, `resource_group`, `workspace_name`, `tenant_id`, `cloud`)"),
                );
                Config::default()
            }
        };
        let now = config.now.as_deref().and_then(|text| {
            let ticks = crate::syntax::literal::parse_datetime(text);
            if ticks.is_none() {
                let at =
                    source.text.find(text).map_or(Span::empty(0), |i| Span::new(i as u32, (i + text.len()) as u32));
                diagnostics.push(
                    Diagnostic::new(Code::InvalidRuleFile, at, format!("`now = \"{text}\"` is not a datetime"))
                        .with_help("write it like \"2024-03-01T12:00:00Z\""),
                );
            }
            ticks
        });
        if let Some(timeout) = &config.limits.timeout
            && crate::syntax::literal::parse_timespan(timeout).is_none()
        {
            let at = source
                .text
                .find(timeout.as_str())
                .map_or(Span::empty(0), |i| Span::new(i as u32, (i + timeout.len()) as u32));
            diagnostics.push(
                Diagnostic::new(Code::InvalidRuleFile, at, format!("`timeout = \"{timeout}\"` is not a timespan"))
                    .with_help("e.g. \"30s\" or \"2m\""),
            );
        }
        for (name, workspace) in &config.workspaces {
            for (key, value) in [("workspace_id", &workspace.workspace_id), ("tenant_id", &workspace.tenant_id)] {
                let Some(value) = value.as_deref().filter(|v| !is_guid(v)) else { continue };
                // A tenant may be given by its domain name.
                if key == "tenant_id" && value.contains('.') {
                    continue;
                }
                let at = source
                    .text
                    .find(&format!("\"{value}\""))
                    .map_or(Span::empty(0), |i| Span::new(i as u32, (i + value.len() + 2) as u32));
                diagnostics.push(
                    Diagnostic::new(
                        Code::InvalidRuleFile,
                        at,
                        format!("`{key}` of workspace `{name}` is not a GUID: `{value}`"),
                    )
                    .with_help("it looks like 00000000-0000-0000-0000-000000000000 (the workspace id is on the workspace's Overview page)"),
                );
            }
        }
        ConfigFile { source, config, now, diagnostics }
    }
}

/// True for `8-4-4-4-12` hexadecimal digits.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The globals for checking a folder: `base` plus the folder's `schemas`
/// files; problems loading them are diagnostics on the configuration file.
pub fn folder_globals(
    config: Option<&ConfigFile>,
    root: &Path,
    base: &crate::analysis::Globals,
) -> (crate::analysis::Globals, Vec<Diagnostic>) {
    let Some(config) = config.filter(|c| !c.config.schemas.is_empty()) else { return (base.clone(), Vec::new()) };
    let mut schemas = base.schemas.as_ref().clone();
    let mut diagnostics = Vec::new();
    for file in &config.config.schemas {
        let path = root.join(file);
        let written = file.display().to_string();
        let at = config
            .source
            .text
            .find(&written)
            .map_or(Span::empty(0), |i| Span::new(i as u32, (i + written.len()) as u32));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Err(error) = schemas.add_json(&text, true) {
                    diagnostics.push(Diagnostic::new(
                        Code::InvalidRuleFile,
                        at,
                        format!("the schema file `{written}` cannot be used: {error}"),
                    ));
                }
            }
            Err(error) => diagnostics.push(
                Diagnostic::new(Code::InvalidRuleFile, at, format!("cannot read the schema file `{written}`: {error}"))
                    .with_help("schema paths are relative to the folder that holds kqlab.toml"),
            ),
        }
    }
    (crate::analysis::Globals::with_schemas(schemas), diagnostics)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::ConfigFile;

    #[test]
    fn a_config_reads_every_setting() {
        let text = "schemas = [\"s.json\"]\nnow = \"2024-03-01T12:00:00Z\"\n[limits]\ntimeout = \"5s\"\nmax_rows = 10\n[watchlists.Assets]\nsearch_key = \"Host\"\n";
        let file = ConfigFile::parse(Path::new("kqlab.toml"), text.into());
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        assert!(file.now.is_some());
        assert_eq!(file.config.limits.max_rows, Some(10));
        assert_eq!(file.config.watchlists["Assets"].search_key.as_deref(), Some("Host"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_diagnostics_with_spans() {
        let text = "nwo = \"x\"\n";
        let file = ConfigFile::parse(Path::new("kqlab.toml"), text.into());
        assert_eq!(file.diagnostics.len(), 1);
        assert!(file.diagnostics[0].message.contains("unknown field `nwo`"), "{}", file.diagnostics[0].message);
        assert_eq!(&text[file.diagnostics[0].span.range()], "nwo");
        let file = ConfigFile::parse(Path::new("kqlab.toml"), "now = \"yesterday\"\n".into());
        assert_eq!(file.diagnostics[0].message, "`now = \"yesterday\"` is not a datetime");
    }

    #[test]
    fn workspaces_are_read_with_their_cloud() {
        let text = "[workspaces.prod]\nworkspace_id = \"11111111-2222-3333-4444-555555555555\"\nsubscription_id = \"s\"\nresource_group = \"rg\"\nworkspace_name = \"ws\"\ncloud = \"usgov\"\n[workspaces.dev]\nworkspace_id = \"11111111-2222-3333-4444-666666666666\"\n";
        let file = ConfigFile::parse(Path::new("kqlab.toml"), text.into());
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        let prod = &file.config.workspaces["prod"];
        assert_eq!(prod.cloud, super::Cloud::UsGov);
        assert_eq!(prod.resource_group.as_deref(), Some("rg"));
        assert_eq!(file.config.workspaces["dev"].cloud, super::Cloud::Public);
    }

    #[test]
    fn a_workspace_id_that_is_not_a_guid_is_a_diagnostic() {
        let text = "[workspaces.prod]\nworkspace_id = \"sentinel-ws\"\n";
        let file = ConfigFile::parse(Path::new("kqlab.toml"), text.into());
        assert_eq!(file.diagnostics.len(), 1);
        assert_eq!(&text[file.diagnostics[0].span.range()], "\"sentinel-ws\"");
        let file = ConfigFile::parse(Path::new("kqlab.toml"), "[workspaces.x]\ncloud = \"mars\"\n".into());
        assert!(file.diagnostics[0].message.contains("unknown variant `mars`"), "{}", file.diagnostics[0].message);
    }
}
