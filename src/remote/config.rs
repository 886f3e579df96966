//! Which workspace and which endpoints: a `[workspaces.NAME]` table of
//! `kqlab.toml`, `--workspace-id GUID`, or environment variables; each
//! cloud's default endpoints, overridden by `KQLAB_LOGANALYTICS_ENDPOINT`,
//! `KQLAB_ARM_ENDPOINT`, `KQLAB_GRAPH_ENDPOINT` and `AZURE_AUTHORITY_HOST`
//! (sovereign clouds, proxies, local fake servers in tests).
//!
//! Every endpoint must be `https://`; plain `http://` is accepted for
//! loopback addresses only (`127.0.0.0/8`, `[::1]`, `localhost`).

use reqwest::Url;

use crate::remote::Error;
use crate::ruleset::config::{Cloud, WorkspaceConfig, is_guid};

/// Environment variables read here (and in [`crate::remote::auth`]).
pub mod env {
    pub const LOGANALYTICS_ENDPOINT: &str = "KQLAB_LOGANALYTICS_ENDPOINT";
    pub const ARM_ENDPOINT: &str = "KQLAB_ARM_ENDPOINT";
    pub const GRAPH_ENDPOINT: &str = "KQLAB_GRAPH_ENDPOINT";
    pub const AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
    pub const CLOUD: &str = "KQLAB_CLOUD";
    pub const WORKSPACE_ID: &str = "KQLAB_WORKSPACE_ID";
    pub const SUBSCRIPTION_ID: &str = "AZURE_SUBSCRIPTION_ID";
    pub const RESOURCE_GROUP: &str = "KQLAB_RESOURCE_GROUP";
    pub const WORKSPACE_NAME: &str = "KQLAB_WORKSPACE_NAME";
    pub const TENANT_ID: &str = "AZURE_TENANT_ID";
}

/// Reads one environment variable; tests pass a map instead of the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

/// The base URLs of one cloud's services, and the token audiences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Log Analytics query API, e.g. `https://api.loganalytics.io`.
    pub log_analytics: Url,
    /// Azure Resource Manager, e.g. `https://management.azure.com`.
    pub arm: Url,
    /// Microsoft Graph, e.g. `https://graph.microsoft.com`.
    pub graph: Url,
    /// Entra ID sign-in, e.g. `https://login.microsoftonline.com`.
    pub authority: Url,
    /// Token scopes: the cloud's audiences, not the (possibly overridden) URLs.
    pub log_analytics_scope: String,
    pub arm_scope: String,
    pub graph_scope: String,
}

impl Endpoints {
    /// The cloud's defaults with the environment's overrides.
    pub fn resolve(cloud: Cloud, env: EnvLookup) -> Result<Endpoints, Error> {
        let (log_analytics, arm, graph, authority) = match cloud {
            Cloud::Public => (
                "https://api.loganalytics.io",
                "https://management.azure.com",
                "https://graph.microsoft.com",
                "https://login.microsoftonline.com",
            ),
            Cloud::UsGov => (
                "https://api.loganalytics.us",
                "https://management.usgovcloudapi.net",
                "https://graph.microsoft.us",
                "https://login.microsoftonline.us",
            ),
            Cloud::China => (
                "https://api.loganalytics.azure.cn",
                "https://management.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://login.chinacloudapi.cn",
            ),
        };
        let pick = |variable: &str, default: &str| -> Result<Url, Error> {
            match env(variable) {
                Some(value) => parse_endpoint(variable, &value),
                None => parse_endpoint(variable, default),
            }
        };
        Ok(Endpoints {
            log_analytics: pick(env::LOGANALYTICS_ENDPOINT, log_analytics)?,
            arm: pick(env::ARM_ENDPOINT, arm)?,
            graph: pick(env::GRAPH_ENDPOINT, graph)?,
            authority: pick(env::AUTHORITY_HOST, authority)?,
            log_analytics_scope: format!("{log_analytics}/.default"),
            arm_scope: format!("{arm}/.default"),
            graph_scope: format!("{graph}/.default"),
        })
    }
}

/// Parses an endpoint: `https://`, or `http://` on a loopback address.
/// A path (`https://proxy.example/la`) is kept as the base.
pub fn parse_endpoint(what: &str, text: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim())
        .map_err(|error| Error::Config(format!("`{what}`: `{}` is not a URL: {error}", text.trim())))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "`{what}`: `{url}` uses plain http; only https is accepted, except on loopback addresses (127.0.0.1, [::1], localhost)"
            )));
        }
        other => return Err(Error::Config(format!("`{what}`: `{url}`: the scheme `{other}` is not https"))),
    }
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!("`{what}`: give a host and no credentials in the URL")));
    }
    Ok(url)
}

/// True when the URL's host is a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(address) => address.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// True when `url` is on the same scheme, host and port as `endpoint`: a
/// link a service returns (`nextLink`) is followed with the endpoint's
/// token only then.
pub fn same_origin(endpoint: &Url, url: &Url) -> bool {
    url.scheme() == endpoint.scheme()
        && url.host_str() == endpoint.host_str()
        && url.port_or_known_default() == endpoint.port_or_known_default()
}

/// `base` joined with `path` (which starts with `/`), keeping a base path.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url
}

/// A workspace, resolved: what the remote commands need to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The name it was chosen by (`--workspace NAME`), or how it was given.
    pub label: String,
    /// The customer id (GUID) the query and metadata APIs take.
    pub workspace_id: Option<String>,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    pub workspace_name: Option<String>,
    pub tenant_id: Option<String>,
    pub cloud: Cloud,
    pub endpoints: Endpoints,
}

/// How the command line chose a workspace.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    /// `--workspace NAME`: a table of `kqlab.toml`.
    pub name: Option<&'a str>,
    /// `--workspace-id GUID`.
    pub workspace_id: Option<&'a str>,
}

impl Workspace {
    /// Resolves the workspace: `--workspace NAME` from `configured`
    /// (`kqlab.toml`'s `[workspaces]`), else `--workspace-id`, else
    /// `KQLAB_WORKSPACE_ID`, else the only configured workspace. The
    /// environment fills in what the chosen source leaves out.
    pub fn resolve(
        selection: &Selection,
        configured: &std::collections::BTreeMap<String, WorkspaceConfig>,
        env: EnvLookup,
    ) -> Result<Workspace, Error> {
        let (label, config) = match (selection.name, selection.workspace_id) {
            (Some(name), _) => match configured.get(name) {
                Some(config) => (name.to_string(), config.clone()),
                None => {
                    let known: Vec<&str> = configured.keys().map(String::as_str).collect();
                    let known = if known.is_empty() {
                        "no kqlab.toml with a `[workspaces.NAME]` table was found (looked in . and rules/)".to_string()
                    } else {
                        format!("configured: {}", known.join(", "))
                    };
                    return Err(Error::Config(format!("no workspace `{name}` in kqlab.toml; {known}")));
                }
            },
            (None, Some(id)) => {
                (id.to_string(), WorkspaceConfig { workspace_id: Some(id.to_string()), ..WorkspaceConfig::default() })
            }
            (None, None) => match env(env::WORKSPACE_ID) {
                Some(id) => (id.clone(), WorkspaceConfig { workspace_id: Some(id), ..Default::default() }),
                None if configured.len() == 1 => {
                    let (name, config) = configured.iter().next().expect("one workspace");
                    (name.clone(), config.clone())
                }
                // The ARM coordinates alone name a workspace for the ARM
                // (Sentinel) APIs; the query APIs then ask for its id.
                None if configured.is_empty()
                    && env(env::SUBSCRIPTION_ID).is_some()
                    && env(env::RESOURCE_GROUP).is_some()
                    && env(env::WORKSPACE_NAME).is_some() =>
                {
                    (env(env::WORKSPACE_NAME).unwrap_or_default(), WorkspaceConfig::default())
                }
                None => {
                    return Err(Error::Config(format!(
                        "which workspace? give `--workspace NAME` (a `[workspaces.NAME]` table of kqlab.toml), `--workspace-id GUID`, or set {}",
                        env::WORKSPACE_ID
                    )));
                }
            },
        };
        let cloud = match env(env::CLOUD) {
            Some(text) if config.cloud == Cloud::Public => Cloud::parse(&text).ok_or_else(|| {
                Error::Config(format!("`{}={text}`: the cloud is `public`, `usgov` or `china`", env::CLOUD))
            })?,
            _ => config.cloud,
        };
        let workspace = Workspace {
            label,
            workspace_id: config.workspace_id.or_else(|| env(env::WORKSPACE_ID)),
            subscription_id: config.subscription_id.or_else(|| env(env::SUBSCRIPTION_ID)),
            resource_group: config.resource_group.or_else(|| env(env::RESOURCE_GROUP)),
            workspace_name: config.workspace_name.or_else(|| env(env::WORKSPACE_NAME)),
            tenant_id: config.tenant_id.or_else(|| env(env::TENANT_ID)),
            cloud,
            endpoints: Endpoints::resolve(cloud, env)?,
        };
        if let Some(id) = &workspace.workspace_id
            && !is_guid(id)
        {
            return Err(Error::Config(format!(
                "the workspace id `{id}` is not a GUID (it is the workspace's customer id, on its Overview page)"
            )));
        }
        Ok(workspace)
    }

    /// The workspace id, or an error saying how to give one.
    pub fn require_id(&self) -> Result<&str, Error> {
        self.workspace_id.as_deref().ok_or_else(|| {
            Error::Config(format!(
                "workspace `{}` has no `workspace_id` (the GUID on the workspace's Overview page)",
                self.label
            ))
        })
    }

    /// Subscription, resource group and workspace name, or an error naming what is missing.
    pub fn require_arm(&self) -> Result<(&str, &str, &str), Error> {
        match (&self.subscription_id, &self.resource_group, &self.workspace_name) {
            (Some(subscription), Some(group), Some(name)) => Ok((subscription, group, name)),
            _ => {
                let missing: Vec<&str> = [
                    ("subscription_id", self.subscription_id.is_none()),
                    ("resource_group", self.resource_group.is_none()),
                    ("workspace_name", self.workspace_name.is_none()),
                ]
                .into_iter()
                .filter_map(|(key, absent)| absent.then_some(key))
                .collect();
                Err(Error::Config(format!(
                    "workspace `{}` lacks {} for the ARM tables API",
                    self.label,
                    missing.join(", ")
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    const ID: &str = "11111111-2222-3333-4444-555555555555";

    #[test]
    fn each_cloud_has_its_endpoints_and_scopes() {
        let none = lookup(&[]);
        let public = Endpoints::resolve(Cloud::Public, &none).unwrap();
        assert_eq!(public.log_analytics.as_str(), "https://api.loganalytics.io/");
        assert_eq!(public.log_analytics_scope, "https://api.loganalytics.io/.default");
        let usgov = Endpoints::resolve(Cloud::UsGov, &none).unwrap();
        assert_eq!(usgov.arm.as_str(), "https://management.usgovcloudapi.net/");
        assert_eq!(usgov.authority.as_str(), "https://login.microsoftonline.us/");
        let china = Endpoints::resolve(Cloud::China, &none).unwrap();
        assert_eq!(china.log_analytics.as_str(), "https://api.loganalytics.azure.cn/");
        assert_eq!(china.graph_scope, "https://microsoftgraph.chinacloudapi.cn/.default");
    }

    #[test]
    fn overrides_change_urls_not_scopes_and_http_is_loopback_only() {
        let env = lookup(&[
            (env::LOGANALYTICS_ENDPOINT, "http://127.0.0.1:8080/la"),
            (env::AUTHORITY_HOST, "http://localhost:9000"),
        ]);
        let endpoints = Endpoints::resolve(Cloud::Public, &env).unwrap();
        assert_eq!(
            join(&endpoints.log_analytics, "/v1/workspaces/x/query").as_str(),
            "http://127.0.0.1:8080/la/v1/workspaces/x/query"
        );
        assert_eq!(endpoints.log_analytics_scope, "https://api.loganalytics.io/.default");
        let env = lookup(&[(env::ARM_ENDPOINT, "http://arm.example.com")]);
        let error = Endpoints::resolve(Cloud::Public, &env).unwrap_err().to_string();
        assert!(error.contains("only https is accepted"), "{error}");
        assert!(parse_endpoint("x", "http://[::1]:80").is_ok());
        assert!(parse_endpoint("x", "http://127.9.9.9").is_ok());
        assert!(parse_endpoint("x", "http://10.0.0.1").is_err());
        assert!(parse_endpoint("x", "ftp://127.0.0.1").is_err());
        assert!(parse_endpoint("x", "https://user:pw@example.com").is_err());
    }

    #[test]
    fn a_workspace_comes_from_its_name_an_id_or_the_environment() {
        let mut configured = BTreeMap::new();
        configured.insert(
            "prod".to_string(),
            WorkspaceConfig { workspace_id: Some(ID.into()), cloud: Cloud::China, ..Default::default() },
        );
        let none = lookup(&[]);
        let by_name =
            Workspace::resolve(&Selection { name: Some("prod"), workspace_id: None }, &configured, &none).unwrap();
        assert_eq!(by_name.workspace_id.as_deref(), Some(ID));
        assert_eq!(by_name.cloud, Cloud::China);
        let only = Workspace::resolve(&Selection::default(), &configured, &none).unwrap();
        assert_eq!(only.label, "prod");
        let error = Workspace::resolve(&Selection { name: Some("dev"), workspace_id: None }, &configured, &none);
        assert!(error.unwrap_err().to_string().contains("configured: prod"));
        let env = lookup(&[(env::WORKSPACE_ID, ID), (env::SUBSCRIPTION_ID, "sub")]);
        let from_env = Workspace::resolve(&Selection::default(), &BTreeMap::new(), &env).unwrap();
        assert_eq!(from_env.subscription_id.as_deref(), Some("sub"));
        assert!(from_env.require_arm().unwrap_err().to_string().contains("resource_group, workspace_name"));
        let bad = Workspace::resolve(&Selection { name: None, workspace_id: Some("nope") }, &configured, &none);
        assert!(bad.unwrap_err().to_string().contains("not a GUID"));
    }

    #[test]
    fn arm_coordinates_alone_name_a_workspace_for_the_arm_apis() {
        let env = lookup(&[(env::SUBSCRIPTION_ID, "sub"), (env::RESOURCE_GROUP, "rg"), (env::WORKSPACE_NAME, "ws")]);
        let workspace = Workspace::resolve(&Selection::default(), &BTreeMap::new(), &env).unwrap();
        assert_eq!(workspace.label, "ws");
        assert_eq!(workspace.require_arm().unwrap(), ("sub", "rg", "ws"));
        assert!(workspace.require_id().unwrap_err().to_string().contains("no `workspace_id`"));
        let partial = lookup(&[(env::SUBSCRIPTION_ID, "sub"), (env::WORKSPACE_NAME, "ws")]);
        assert!(Workspace::resolve(&Selection::default(), &BTreeMap::new(), &partial).is_err());
    }
}
