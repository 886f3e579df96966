//! RDAP bootstrap registries (RFC 9224): which RDAP server answers for an
//! IP address, a domain or an AS number. Each file is
//! `{"version", "publication", "services": [[[entries...], [base URLs...]], ...]}`;
//! the entry that matches longest wins (most labels of a domain, longest
//! prefix of an address, narrowest AS range), and an `https` base URL is
//! preferred over `http`.

use std::net::IpAddr;

use reqwest::Url;
use serde_json::Value as Json;

/// One of IANA's bootstrap registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Registry {
    Dns,
    Ipv4,
    Ipv6,
    Asn,
}

impl Registry {
    /// The registry's file name at IANA (`https://data.iana.org/rdap/dns.json`).
    pub fn file_name(self) -> &'static str {
        match self {
            Registry::Dns => "dns.json",
            Registry::Ipv4 => "ipv4.json",
            Registry::Ipv6 => "ipv6.json",
            Registry::Asn => "asn.json",
        }
    }

    /// The bundled snapshot (old and partial: see `bootstrap/README.md`).
    pub fn bundled(self) -> &'static str {
        match self {
            Registry::Dns => include_str!("bootstrap/dns.json"),
            Registry::Ipv4 => include_str!("bootstrap/ipv4.json"),
            Registry::Ipv6 => include_str!("bootstrap/ipv6.json"),
            Registry::Asn => include_str!("bootstrap/asn.json"),
        }
    }
}

/// A parsed registry.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// When IANA published it.
    pub publication: Option<String>,
    services: Vec<(Vec<String>, Vec<String>)>,
}

impl Bootstrap {
    /// Reads a registry file.
    pub fn parse(json: &Json) -> Result<Bootstrap, String> {
        let services = json.get("services").and_then(Json::as_array).ok_or("no `services` array")?;
        let strings = |value: &Json| -> Vec<String> {
            value
                .as_array()
                .map(|items| items.iter().filter_map(Json::as_str).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let services = services
            .iter()
            .filter_map(Json::as_array)
            .filter(|service| service.len() >= 2)
            // object-tags.json has three elements: [contacts], [tags], [urls].
            .map(|service| (strings(&service[service.len() - 2]), strings(&service[service.len() - 1])))
            .collect();
        let publication = json.get("publication").and_then(Json::as_str).map(str::to_string);
        Ok(Bootstrap { publication, services })
    }

    /// The bundled snapshot of `registry`.
    pub fn bundled(registry: Registry) -> Bootstrap {
        let json: Json = serde_json::from_str(registry.bundled()).expect("the bundled bootstrap files are JSON");
        Bootstrap::parse(&json).expect("the bundled bootstrap files have services")
    }

    /// The base URL for a domain: the entry with the most labels that is a
    /// suffix of it (`co.uk` before `uk`).
    pub fn base_for_domain(&self, domain: &str) -> Option<Url> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        self.best(|entry| {
            let entry = entry.trim_end_matches('.').to_ascii_lowercase();
            let matches = !entry.is_empty() && (domain == entry || domain.ends_with(&format!(".{entry}")));
            matches.then(|| entry.split('.').count() as u64)
        })
    }

    /// The base URL for an address: the longest prefix that holds it.
    pub fn base_for_ip(&self, address: IpAddr) -> Option<Url> {
        self.best(|entry| {
            let (network, length) = parse_prefix(entry)?;
            contains(network, length, address).then_some(u64::from(length))
        })
    }

    /// The base URL for an AS number: the narrowest range that holds it.
    pub fn base_for_autnum(&self, number: u32) -> Option<Url> {
        self.best(|entry| {
            let (start, end) = match entry.split_once('-') {
                Some((start, end)) => (start.trim().parse::<u32>().ok()?, end.trim().parse::<u32>().ok()?),
                None => {
                    let single = entry.trim().parse::<u32>().ok()?;
                    (single, single)
                }
            };
            // A narrower range is a longer match.
            (start <= number && number <= end).then(|| u64::from(u32::MAX - (end - start)))
        })
    }

    /// The base URL of the service whose entry scores highest.
    fn best(&self, score: impl Fn(&str) -> Option<u64>) -> Option<Url> {
        let mut best: Option<(u64, &Vec<String>)> = None;
        for (entries, urls) in &self.services {
            for entry in entries {
                if let Some(points) = score(entry)
                    && best.is_none_or(|(best_points, _)| points > best_points)
                {
                    best = Some((points, urls));
                }
            }
        }
        best.and_then(|(_, urls)| pick_base_url(urls))
    }
}

/// The `https` base URL if there is one, else the first usable one, with a
/// trailing `/` (real files sometimes leave it off).
pub fn pick_base_url(urls: &[String]) -> Option<Url> {
    let parsed: Vec<Url> = urls.iter().filter_map(|text| normalise_base(text)).collect();
    parsed.iter().find(|url| url.scheme() == "https").or_else(|| parsed.first()).cloned()
}

/// `text` as a base URL ending in `/`, if it is `http(s)`.
pub fn normalise_base(text: &str) -> Option<Url> {
    let text = text.trim();
    let text = if text.ends_with('/') { text.to_string() } else { format!("{text}/") };
    Url::parse(&text).ok().filter(|url| matches!(url.scheme(), "https" | "http") && url.host().is_some())
}

/// `"192.0.2.0/24"` as network and prefix length.
fn parse_prefix(entry: &str) -> Option<(IpAddr, u8)> {
    let (network, length) = entry.trim().split_once('/')?;
    let network: IpAddr = network.parse().ok()?;
    let length: u8 = length.parse().ok()?;
    let max = if network.is_ipv4() { 32 } else { 128 };
    (length <= max).then_some((network, length))
}

fn contains(network: IpAddr, length: u8, address: IpAddr) -> bool {
    let (network, address, bits) = match (network, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    if length == 0 {
        return true;
    }
    let shift = bits - u32::from(length);
    (network >> shift) == (address >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_match_wins_and_https_is_preferred() {
        let json = serde_json::json!({"version": "1.0", "services": [
            [["uk"], ["https://rdap.uk.example/"]],
            [["co.uk"], ["http://rdap.co-uk.example/rdap", "https://rdap.co-uk.example/rdap"]],
            [["10.0.0.0/8"], ["https://wide.example"]],
            [["10.1.0.0/16"], ["https://narrow.example/"]],
            [["64496-64511"], ["https://as-range.example/"]],
            [["64500"], ["https://as-one.example/"]]
        ]});
        let bootstrap = Bootstrap::parse(&json).unwrap();
        assert_eq!(
            bootstrap.base_for_domain("www.example.co.uk").unwrap().as_str(),
            "https://rdap.co-uk.example/rdap/"
        );
        assert_eq!(bootstrap.base_for_domain("example.uk").unwrap().as_str(), "https://rdap.uk.example/");
        assert_eq!(bootstrap.base_for_domain("example.com"), None);
        assert_eq!(bootstrap.base_for_ip("10.1.2.3".parse().unwrap()).unwrap().as_str(), "https://narrow.example/");
        assert_eq!(bootstrap.base_for_ip("10.2.2.3".parse().unwrap()).unwrap().as_str(), "https://wide.example/");
        assert_eq!(bootstrap.base_for_autnum(64500).unwrap().as_str(), "https://as-one.example/");
        assert_eq!(bootstrap.base_for_autnum(64501).unwrap().as_str(), "https://as-range.example/");
        assert_eq!(bootstrap.base_for_autnum(1), None);
    }

    #[test]
    fn the_bundled_snapshots_answer_with_normalised_urls() {
        let dns = Bootstrap::bundled(Registry::Dns);
        assert_eq!(dns.base_for_domain("example.cz").unwrap().as_str(), "https://rdap.nic.cz/");
        assert_eq!(dns.base_for_domain("nic.ar").unwrap().as_str(), "https://rdap.nic.ar/");
        let ipv4 = Bootstrap::bundled(Registry::Ipv4);
        assert_eq!(ipv4.base_for_ip("1.1.1.1".parse().unwrap()).unwrap().host_str(), Some("rdap.apnic.net"));
        // AFRINIC lists https and http: https wins.
        assert_eq!(ipv4.base_for_ip("41.1.1.1".parse().unwrap()).unwrap().as_str(), "https://rdap.afrinic.net/rdap/");
        let ipv6 = Bootstrap::bundled(Registry::Ipv6);
        assert_eq!(ipv6.base_for_ip("2a00:1450::1".parse().unwrap()).unwrap().host_str(), Some("rdap.db.ripe.net"));
        assert_eq!(ipv6.base_for_ip("2600::1".parse().unwrap()).unwrap().as_str(), "https://rdap.arin.net/registry/");
        let asn = Bootstrap::bundled(Registry::Asn);
        assert!(asn.base_for_autnum(2018).is_some());
        assert!(asn.publication.is_some());
    }
}
