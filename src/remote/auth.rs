//! Signing in: a small explicit chain of `azure_identity` credentials.
//!
//! The default chain, in order:
//! 1. `client-secret`: a service principal from `AZURE_TENANT_ID`,
//!    `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` (only when they are set);
//! 2. `workload-identity`: `AZURE_FEDERATED_TOKEN_FILE` (only when set);
//! 3. `azure-cli`: `az account get-access-token`;
//! 4. `azd`: `azd auth token`.
//!
//! `managed-identity` is opt-in (its IMDS probe hangs off Azure):
//! `KQLAB_CREDENTIAL=managed-identity`, or a list such as
//! `KQLAB_CREDENTIAL=managed-identity,azure-cli`, which also restricts the
//! chain to those. The first credential that gets a token is used for every
//! later scope; the failures of the others are kept for the report.
//!
//! Tokens are cached per scope until five minutes before they expire. They
//! are never logged or returned outside this crate, and error texts are
//! scrubbed of the client secret.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential};
use azure_core::http::{AsyncRawResponse, ClientOptions, HttpClient, Request, Transport};
use azure_core::time::{Duration, OffsetDateTime};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, AzureDeveloperCliCredential, AzureDeveloperCliCredentialOptions,
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use crate::remote::config::{EnvLookup, Workspace, is_loopback};
use crate::remote::{Error, redact};

/// The environment variable that chooses the credentials.
pub const CREDENTIAL_ENV: &str = "KQLAB_CREDENTIAL";

/// One kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    ClientSecret,
    WorkloadIdentity,
    ManagedIdentity,
    AzureCli,
    AzureDeveloperCli,
}

impl CredentialKind {
    /// Every kind, in chain order.
    pub const ALL: [CredentialKind; 5] = [
        CredentialKind::ClientSecret,
        CredentialKind::WorkloadIdentity,
        CredentialKind::ManagedIdentity,
        CredentialKind::AzureCli,
        CredentialKind::AzureDeveloperCli,
    ];

    /// The name `KQLAB_CREDENTIAL` takes and reports show.
    pub fn name(self) -> &'static str {
        match self {
            CredentialKind::ClientSecret => "client-secret",
            CredentialKind::WorkloadIdentity => "workload-identity",
            CredentialKind::ManagedIdentity => "managed-identity",
            CredentialKind::AzureCli => "azure-cli",
            CredentialKind::AzureDeveloperCli => "azd",
        }
    }

    fn parse(text: &str) -> Option<CredentialKind> {
        let text = text.trim().to_ascii_lowercase();
        CredentialKind::ALL.into_iter().find(|kind| kind.name() == text).or(match text.as_str() {
            "cli" | "az" => Some(CredentialKind::AzureCli),
            "secret" | "service-principal" => Some(CredentialKind::ClientSecret),
            "workload" => Some(CredentialKind::WorkloadIdentity),
            "msi" | "managed" => Some(CredentialKind::ManagedIdentity),
            _ => None,
        })
    }
}

/// A credential of the chain, or why it is not in it.
struct Link {
    kind: CredentialKind,
    credential: Result<Arc<dyn TokenCredential>, String>,
}

/// The credential chain with its token cache.
pub struct Credentials {
    chain: Vec<Link>,
    /// The index of the credential that signed in first.
    chosen: Mutex<Option<usize>>,
    /// Tokens by scope.
    tokens: Mutex<HashMap<String, AccessToken>>,
    /// Why each credential tried so far failed.
    failures: Mutex<Vec<(CredentialKind, String)>>,
    /// Values never to show (the client secret).
    secrets: Vec<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<&str> = self.chain.iter().map(|link| link.kind.name()).collect();
        f.debug_struct("Credentials").field("chain", &kinds).finish_non_exhaustive()
    }
}

impl Credentials {
    /// The chain for `workspace` from the environment (see the module doc).
    /// `http` carries the credentials' token requests.
    pub fn from_env(workspace: &Workspace, env: EnvLookup, http: reqwest::Client) -> Result<Credentials, Error> {
        let kinds = match env(CREDENTIAL_ENV) {
            Some(list) => {
                let mut kinds = Vec::new();
                for name in list.split(',').filter(|name| !name.trim().is_empty()) {
                    let kind = CredentialKind::parse(name).ok_or_else(|| {
                        let known: Vec<&str> = CredentialKind::ALL.iter().map(|kind| kind.name()).collect();
                        Error::Config(format!(
                            "`{CREDENTIAL_ENV}`: unknown credential `{name}`; known: {}",
                            known.join(", ")
                        ))
                    })?;
                    kinds.push(kind);
                }
                kinds
            }
            None => vec![
                CredentialKind::ClientSecret,
                CredentialKind::WorkloadIdentity,
                CredentialKind::AzureCli,
                CredentialKind::AzureDeveloperCli,
            ],
        };
        let client_options = || client_options(workspace, http.clone());
        let tenant = workspace.tenant_id.clone().or_else(|| env("AZURE_TENANT_ID"));
        let secret = env("AZURE_CLIENT_SECRET");
        let mut chain = Vec::new();
        for kind in kinds {
            let credential: Result<Arc<dyn TokenCredential>, String> = match kind {
                CredentialKind::ClientSecret => match (&tenant, env("AZURE_CLIENT_ID"), &secret) {
                    (Some(tenant), Some(client_id), Some(secret)) => ClientSecretCredential::new(
                        tenant,
                        client_id,
                        Secret::new(secret.clone()),
                        Some(ClientSecretCredentialOptions { client_options: client_options() }),
                    )
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string()),
                    _ => Err(missing(&[
                        ("AZURE_TENANT_ID", tenant.is_none()),
                        ("AZURE_CLIENT_ID", env("AZURE_CLIENT_ID").is_none()),
                        ("AZURE_CLIENT_SECRET", secret.is_none()),
                    ])),
                },
                CredentialKind::WorkloadIdentity => match env("AZURE_FEDERATED_TOKEN_FILE") {
                    Some(path) => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                        credential_options: ClientAssertionCredentialOptions { client_options: client_options() },
                        client_id: env("AZURE_CLIENT_ID"),
                        tenant_id: tenant.clone(),
                        token_file_path: Some(path.into()),
                    }))
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string()),
                    None => Err("AZURE_FEDERATED_TOKEN_FILE is not set".to_string()),
                },
                CredentialKind::ManagedIdentity => {
                    ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                        client_options: client_options(),
                        ..Default::default()
                    }))
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string())
                }
                CredentialKind::AzureCli => AzureCliCredential::new(Some(AzureCliCredentialOptions {
                    tenant_id: workspace.tenant_id.clone(),
                    ..Default::default()
                }))
                .map(|c| c as Arc<dyn TokenCredential>)
                .map_err(|e| e.to_string()),
                CredentialKind::AzureDeveloperCli => {
                    AzureDeveloperCliCredential::new(Some(AzureDeveloperCliCredentialOptions {
                        tenant_id: workspace.tenant_id.clone(),
                        ..Default::default()
                    }))
                    .map(|c| c as Arc<dyn TokenCredential>)
                    .map_err(|e| e.to_string())
                }
            };
            chain.push(Link { kind, credential });
        }
        let secrets = secret.into_iter().collect();
        Ok(Credentials::new(chain, secrets))
    }

    fn new(chain: Vec<Link>, secrets: Vec<String>) -> Credentials {
        Credentials {
            chain,
            chosen: Mutex::new(None),
            tokens: Mutex::new(HashMap::new()),
            failures: Mutex::new(Vec::new()),
            secrets,
        }
    }

    /// The credential that signed in, once one has.
    pub fn used(&self) -> Option<CredentialKind> {
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        chosen.map(|index| self.chain[index].kind)
    }

    /// Why each credential tried before the one used failed, one line each.
    pub fn failures(&self) -> Vec<String> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.iter().map(|(kind, reason)| format!("{}: {reason}", kind.name())).collect()
    }

    /// Values that must never be shown (for scrubbing other error texts).
    pub(crate) fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// A bearer token for `scope`, from the cache or the chain.
    pub(crate) async fn token(&self, scope: &str) -> Result<Secret, Error> {
        if let Some(cached) = self.tokens.lock().unwrap_or_else(|p| p.into_inner()).get(scope)
            && cached.expires_on > OffsetDateTime::now_utc() + Duration::minutes(5)
        {
            return Ok(cached.token.clone());
        }
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        let order: Vec<usize> = match chosen {
            Some(index) => vec![index],
            None => (0..self.chain.len()).collect(),
        };
        let mut report = Vec::new();
        for index in order {
            let link = &self.chain[index];
            let reason = match &link.credential {
                Err(reason) => reason.clone(),
                Ok(credential) => match credential.get_token(&[scope], None).await {
                    Ok(token) => {
                        let secret = token.token.clone();
                        *self.chosen.lock().unwrap_or_else(|p| p.into_inner()) = Some(index);
                        self.tokens.lock().unwrap_or_else(|p| p.into_inner()).insert(scope.to_string(), token);
                        return Ok(secret);
                    }
                    Err(error) => first_lines(&redact(&error.to_string(), &self.secrets)),
                },
            };
            if chosen.is_none() {
                self.failures.lock().unwrap_or_else(|p| p.into_inner()).push((link.kind, reason.clone()));
            }
            report.push(format!("  - {}: {reason}", link.kind.name()));
        }
        if report.is_empty() {
            report.push(format!("  - no credential is enabled (`{CREDENTIAL_ENV}` is empty)"));
        }
        Err(Error::Auth(report.join("\n")))
    }
}

fn missing(variables: &[(&str, bool)]) -> String {
    let unset: Vec<&str> = variables.iter().filter(|(_, unset)| *unset).map(|(name, _)| *name).collect();
    format!(
        "{} not set",
        if unset.len() == 1 { format!("{} is", unset[0]) } else { format!("{} are", unset.join(", ")) }
    )
}

/// The first lines of a credential's error, without the troubleshooting link.
fn first_lines(text: &str) -> String {
    let lines: Vec<&str> =
        text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with("To troubleshoot")).collect();
    let joined = lines.iter().take(3).copied().collect::<Vec<_>>().join(" ");
    if joined.is_empty() { "failed without a message".to_string() } else { joined }
}

/// Client options for the credentials: the workspace's authority, and a
/// transport that sends through `http`.
///
/// `azure_identity` accepts only `https://` authorities. For a loopback
/// authority configured as `http://` (a local fake server), the credential
/// is given the same address as `https://` and the transport sends to that
/// one host and port over plain http; every other URL is untouched.
fn client_options(workspace: &Workspace, http: reqwest::Client) -> ClientOptions {
    let authority = &workspace.endpoints.authority;
    let plain_http = (authority.scheme() == "http" && is_loopback(authority))
        .then(|| (authority.host_str().unwrap_or_default().to_string(), authority.port_or_known_default()));
    let mut https_authority = authority.clone();
    if plain_http.is_some() {
        // Both are special schemes, so this cannot fail; keep http if it did.
        let _ = https_authority.set_scheme("https");
        if https_authority.port().is_none() {
            let _ = https_authority.set_port(Some(80));
        }
    }
    let mut custom = CustomConfiguration::default();
    custom.authority_host = https_authority.as_str().trim_end_matches('/').to_string();
    let cloud = CloudConfiguration::Custom(custom);
    ClientOptions {
        cloud: Some(Arc::new(cloud)),
        transport: Some(Transport::new(Arc::new(CredentialHttp { http, plain_http }))),
        ..Default::default()
    }
}

/// The credentials' HTTP client (see [`client_options`]).
#[derive(Debug)]
struct CredentialHttp {
    http: reqwest::Client,
    /// The loopback host and port to reach over plain http.
    plain_http: Option<(String, Option<u16>)>,
}

#[async_trait::async_trait]
impl HttpClient for CredentialHttp {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let url = request.url();
        let downgrade = self.plain_http.as_ref().is_some_and(|(host, port)| {
            url.scheme() == "https" && url.host_str() == Some(host.as_str()) && url.port_or_known_default() == *port
        });
        if !downgrade {
            return self.http.execute_request(request).await;
        }
        let mut request = request.clone();
        let _ = request.url_mut().set_scheme("http");
        self.http.execute_request(&request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Fixed(Result<&'static str, &'static str>);

    #[async_trait::async_trait]
    impl TokenCredential for Fixed {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            match self.0 {
                Ok(token) => Ok(AccessToken::new(token.to_string(), OffsetDateTime::now_utc() + Duration::hours(1))),
                Err(message) => Err(azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, message)),
            }
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    #[test]
    fn the_chain_reports_each_failure_and_keeps_the_first_success() {
        let chain = vec![
            Link { kind: CredentialKind::ClientSecret, credential: Err("AZURE_CLIENT_SECRET is not set".into()) },
            Link {
                kind: CredentialKind::AzureCli,
                credential: Ok(Arc::new(Fixed(Err("ERROR: Please run 'az login' to setup account.")))),
            },
            Link { kind: CredentialKind::AzureDeveloperCli, credential: Ok(Arc::new(Fixed(Ok("token-1")))) },
        ];
        let credentials = Credentials::new(chain, Vec::new());
        let token = block_on(credentials.token("https://api.loganalytics.io/.default")).unwrap();
        assert_eq!(token.secret(), "token-1");
        assert_eq!(credentials.used(), Some(CredentialKind::AzureDeveloperCli));
        assert_eq!(
            credentials.failures(),
            [
                "client-secret: AZURE_CLIENT_SECRET is not set",
                "azure-cli: ERROR: Please run 'az login' to setup account."
            ]
        );
        // A second scope goes straight to the chosen credential.
        assert!(block_on(credentials.token("https://management.azure.com/.default")).is_ok());
        assert_eq!(credentials.failures().len(), 2);
    }

    #[test]
    fn a_failed_chain_names_every_credential_and_never_the_secret() {
        let chain = vec![Link {
            kind: CredentialKind::ClientSecret,
            credential: Ok(Arc::new(Fixed(Err("AADSTS7000215: Invalid client secret provided: hunter2-secret")))),
        }];
        let credentials = Credentials::new(chain, vec!["hunter2-secret".into()]);
        let error = block_on(credentials.token("scope")).unwrap_err().to_string();
        assert!(error.starts_with("could not sign in to Azure; tried:\n  - client-secret: AADSTS7000215"), "{error}");
        assert!(!error.contains("hunter2-secret"), "{error}");
    }

    #[test]
    fn credential_names_parse_with_aliases() {
        assert_eq!(CredentialKind::parse("Managed-Identity"), Some(CredentialKind::ManagedIdentity));
        assert_eq!(CredentialKind::parse("cli"), Some(CredentialKind::AzureCli));
        assert_eq!(CredentialKind::parse("kerberos"), None);
        assert_eq!(missing(&[("A", true), ("B", false), ("C", true)]), "A, C are not set");
    }
}
