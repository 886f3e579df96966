//! `kqlab mcp --redact`: masks for user names, UPNs, e-mail addresses and
//! IP addresses in remote results, before they reach the model.
//!
//! Masks are consistent within a session: the same value always gets the
//! same mask (`user-0007@redacted.invalid`, `name-0003`, `ip-0012`), so the
//! model can still count, group and correlate. Redacting twice changes
//! nothing: masks are recognised and kept.
//!
//! What is found:
//! - e-mail addresses and UPNs anywhere in a string;
//! - IPv4 and IPv6 addresses anywhere in a string (a run of digits and dots
//!   or of hex digits and colons that parses as an address, standing alone:
//!   not part of a longer dotted number, a word or a timestamp);
//! - user names by where they are: the value of a key like `UserName`,
//!   `AccountName`, `Identity`, `UserDisplayName`, and the `displayName`,
//!   `givenName`, `surname`, `mailNickname` of a directory user object.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// The domain of e-mail masks (`.invalid` is reserved, RFC 2606).
const MASK_DOMAIN: &str = "redacted.invalid";

/// Masks given so far, by kind and original value.
#[derive(Debug, Default)]
pub struct Redactor {
    masks: HashMap<(Kind, String), String>,
    counts: HashMap<Kind, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Email,
    Name,
    Ip,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
        .expect("a valid regex")
});
static IPV4_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9.]+").expect("a valid regex"));
static IPV6_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[0-9A-Fa-f:.]+").expect("a valid regex"));
static MASK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:user|name|ip)-[0-9]{4,}$").expect("a valid regex"));

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Masks every e-mail address, UPN and IP address in `text`.
    pub fn redact_text(&mut self, text: &str) -> String {
        let text = self.redact_emails(text);
        let text = self.redact_ips(&text, false);
        self.redact_ips(&text, true)
    }

    /// Masks `value` in place: every string (by its content, and by its key
    /// for user names), at any depth. Keys are kept.
    pub fn redact_json(&mut self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.redact_text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.redact_json(item)),
            Value::Object(object) => {
                let is_user = is_directory_user(object);
                for (key, item) in object.iter_mut() {
                    if let Value::String(text) = item
                        && (is_user_name_key(key) || is_user && is_directory_user_name_key(key))
                        && !text.contains('@')
                    {
                        *text = self.redact_name(text);
                    } else {
                        self.redact_json(item);
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// A user name's mask (an empty or already masked value is kept).
    fn redact_name(&mut self, name: &str) -> String {
        let trimmed = name.trim();
        if trimmed.is_empty() || MASK.is_match(trimmed) {
            return name.to_string();
        }
        self.mask(Kind::Name, trimmed)
    }

    fn redact_emails(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for found in EMAIL.find_iter(text) {
            let address = found.as_str();
            let domain = address.rsplit_once('@').map_or("", |(_, domain)| domain);
            if domain.eq_ignore_ascii_case(MASK_DOMAIN) {
                continue;
            }
            out.push_str(&text[last..found.start()]);
            out.push_str(&self.mask(Kind::Email, &address.to_lowercase()));
            last = found.end();
        }
        out.push_str(&text[last..]);
        out
    }

    /// Masks IPv4 (`v6` false) or IPv6 addresses standing alone in `text`.
    fn redact_ips(&mut self, text: &str, v6: bool) -> String {
        let runs = if v6 { &*IPV6_RUN } else { &*IPV4_RUN };
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for run in runs.find_iter(text) {
            // A trailing dot ends a sentence, not the address.
            let candidate = run.as_str().trim_end_matches('.');
            let (start, end) = (run.start(), run.start() + candidate.len());
            let glued = |index: Option<usize>| {
                index.and_then(|i| bytes.get(i)).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            };
            if glued(start.checked_sub(1)) || glued(Some(end)) {
                continue;
            }
            let address = if v6 { parse_ipv6(candidate) } else { candidate.parse::<Ipv4Addr>().ok().map(IpAddr::V4) };
            let Some(address) = address else { continue };
            out.push_str(&text[last..start]);
            out.push_str(&self.mask(Kind::Ip, &address.to_string()));
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// The mask of `value`, made on first sight.
    fn mask(&mut self, kind: Kind, value: &str) -> String {
        if let Some(mask) = self.masks.get(&(kind, value.to_string())) {
            return mask.clone();
        }
        let count = self.counts.entry(kind).or_insert(0);
        *count += 1;
        let mask = match kind {
            Kind::Email => format!("user-{count:04}@{MASK_DOMAIN}"),
            Kind::Name => format!("name-{count:04}"),
            Kind::Ip => format!("ip-{count:04}"),
        };
        self.masks.insert((kind, value.to_string()), mask.clone());
        mask
    }
}

/// An IPv6 address: at least two colons and a hex digit, so that `::`
/// alone, times (`10:00:00`) and MAC addresses are left alone.
fn parse_ipv6(candidate: &str) -> Option<IpAddr> {
    if candidate.matches(':').count() < 2 || !candidate.chars().any(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    candidate.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Keys whose string value is a person's (or account's) name wherever they
/// appear: log columns such as `UserName`, `TargetUserName`, `AccountName`,
/// `Identity`, `UserDisplayName`, `InitiatingProcessAccountName`.
fn is_user_name_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["username", "accountname", "userdisplayname", "accountdisplayname", "accountupn", "userid_name"]
        .iter()
        .any(|suffix| key.ends_with(suffix))
        || matches!(
            key.as_str(),
            "account" | "identity" | "user" | "upn" | "samaccountname" | "owner" | "assignedto" | "assigned_to"
        )
}

/// Name keys of a directory user object (Microsoft Graph).
fn is_directory_user_name_key(key: &str) -> bool {
    matches!(key, "displayName" | "givenName" | "surname" | "mailNickname" | "onPremisesSamAccountName" | "employeeId")
}

/// A Microsoft Graph user: typed `#microsoft.graph.user`, or with a `userPrincipalName`.
fn is_directory_user(object: &serde_json::Map<String, Value>) -> bool {
    match object.get("@odata.type").and_then(Value::as_str) {
        Some(kind) => kind == "#microsoft.graph.user",
        None => object.contains_key("userPrincipalName"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn emails_and_upns_in_text_get_consistent_masks() {
        let mut redactor = Redactor::new();
        let out = redactor.redact_text("AdeleV@contoso.com signed in; then o'brien@contoso.com and adelev@CONTOSO.com");
        assert_eq!(
            out,
            "user-0001@redacted.invalid signed in; then user-0002@redacted.invalid and user-0001@redacted.invalid"
        );
    }

    #[test]
    fn ipv4_and_ipv6_addresses_are_masked() {
        let mut redactor = Redactor::new();
        let out = redactor.redact_text("from 203.0.113.7, 2001:db8::1 and [fe80::1]; again 203.0.113.7.");
        assert_eq!(out, "from ip-0001, ip-0002 and [ip-0003]; again ip-0001.");
        // The same address in another spelling is the same address.
        assert_eq!(redactor.redact_text("2001:0db8:0:0:0:0:0:1"), "ip-0002");
    }

    #[test]
    fn timestamps_guids_versions_and_macs_are_not_addresses() {
        let mut redactor = Redactor::new();
        for text in [
            "2024-03-01T10:00:00.0000000Z",
            "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0",
            "version 10.0.19041.1 and 1.2.3",
            "1.2.3.4.5",
            "00:1a:2b:3c:4d:5e",
            "std::vector and Class::bad",
            "12:30:45",
            "::",
        ] {
            assert_eq!(redactor.redact_text(text), text);
        }
    }

    #[test]
    fn nested_json_is_redacted_by_content_and_by_key() {
        let mut redactor = Redactor::new();
        let mut value = json!({
            "rows": [
                {"UserPrincipalName": "AdeleV@contoso.com", "IPAddress": "198.51.100.4", "TargetUserName": "adele",
                 "Count": 3, "TimeGenerated": "2024-03-01T10:00:00Z"},
                {"details": {"note": "login from 198.51.100.4 by AdeleV@contoso.com"}}
            ],
            "user": {"@odata.type": "#microsoft.graph.user", "displayName": "Adele Vance", "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"},
            "group": {"displayName": "Golf Assist", "mail": "golfassist@contoso.com"}
        });
        redactor.redact_json(&mut value);
        assert_eq!(
            value,
            json!({
                "rows": [
                    {"UserPrincipalName": "user-0001@redacted.invalid", "IPAddress": "ip-0001", "TargetUserName": "name-0001",
                     "Count": 3, "TimeGenerated": "2024-03-01T10:00:00Z"},
                    {"details": {"note": "login from ip-0001 by user-0001@redacted.invalid"}}
                ],
                "user": {"@odata.type": "#microsoft.graph.user", "displayName": "name-0002", "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"},
                "group": {"displayName": "Golf Assist", "mail": "user-0002@redacted.invalid"}
            })
        );
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        let mut redactor = Redactor::new();
        let mut value = json!({"UserName": "adele", "who": "a@b.example 10.1.2.3", "Identity": "Adele Vance"});
        redactor.redact_json(&mut value);
        let once = value.clone();
        redactor.redact_json(&mut value);
        assert_eq!(value, once);
    }
}
