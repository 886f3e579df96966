//! IP addresses, domain names and AS numbers given to the lookups
//! (Sentinel enrichment, RDAP): checked before any request, and addresses
//! that no registry or geolocation service knows (private, loopback,
//! documentation, ...) recognised so they get a local answer instead.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `text` as an IP address, or a message saying why it is not one.
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    let trimmed = text.trim().trim_start_matches('[').trim_end_matches(']');
    trimmed.parse::<IpAddr>().map_err(|_| format!("`{}` is not an IPv4 or IPv6 address", text.trim()))
}

/// What a special-purpose address is (RFC 6890 and its updates), or `None`
/// for a global address that registries and geolocation services know.
pub fn special_purpose(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => special_v4(v4).map(|_| "an IPv4-mapped special-purpose address"),
            None => special_v6(v6),
        },
    }
}

fn special_v4(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = address.octets();
    let kind = match (a, b, c) {
        (0, _, _) => "a 'this network' address (0.0.0.0/8)",
        (10, _, _) => "a private address (10.0.0.0/8, RFC 1918)",
        (100, 64..=127, _) => "a shared carrier-grade NAT address (100.64.0.0/10)",
        (127, _, _) => "a loopback address (127.0.0.0/8)",
        (169, 254, _) => "a link-local address (169.254.0.0/16)",
        (172, 16..=31, _) => "a private address (172.16.0.0/12, RFC 1918)",
        (192, 0, 0) => "an IETF protocol assignment (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address (RFC 5737)",
        (192, 88, 99) => "a deprecated 6to4 relay anycast address (192.88.99.0/24)",
        (192, 168, _) => "a private address (192.168.0.0/16, RFC 1918)",
        (198, 18..=19, _) => "a benchmarking address (198.18.0.0/15)",
        (224..=239, _, _) => "a multicast address (224.0.0.0/4)",
        (240..=255, _, _) if address == Ipv4Addr::BROADCAST => "the limited broadcast address",
        (240..=255, _, _) => "a reserved address (240.0.0.0/4)",
        _ => return None,
    };
    Some(kind)
}

fn special_v6(address: Ipv6Addr) -> Option<&'static str> {
    let segments = address.segments();
    let kind = if address.is_unspecified() {
        "the unspecified address (::)"
    } else if address.is_loopback() {
        "the loopback address (::1)"
    } else if segments[0] & 0xfe00 == 0xfc00 {
        "a unique local address (fc00::/7)"
    } else if segments[0] & 0xffc0 == 0xfe80 {
        "a link-local address (fe80::/10)"
    } else if segments[0] & 0xff00 == 0xff00 {
        "a multicast address (ff00::/8)"
    } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
        "a documentation address (2001:db8::/32)"
    } else if segments[0] == 0x0064 && segments[1] == 0xff9b {
        "a NAT64 address (64:ff9b::/96)"
    } else if segments[0] == 0x0100 && segments[1..4] == [0, 0, 0] {
        "a discard-only address (100::/64)"
    } else if segments[0] & 0xe000 != 0x2000 {
        "an address outside the global unicast range (2000::/3)"
    } else {
        return None;
    };
    Some(kind)
}

/// `text` as a domain name in lower case (a trailing dot dropped), or a
/// message saying why it is not one: labels of letters, digits and `-`
/// (not at either end), up to 63 characters each and 253 in all, at least
/// two labels, and a top-level label that is not all digits.
pub fn parse_domain(text: &str) -> Result<String, String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| format!("`{}` is not a domain name: {why}", text.trim());
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    if !name.is_ascii() {
        return Err(bad("give an internationalised name in its ASCII form (`xn--...`)"));
    }
    if name.len() > 253 {
        return Err(bad("it is longer than 253 characters"));
    }
    if name.parse::<IpAddr>().is_ok() {
        return Err(bad("it is an IP address"));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("give a registered name such as `example.com`"));
    }
    for label in &labels {
        let valid = !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(bad(&format!("the label `{label}` is not letters, digits and inner hyphens (1-63)")));
        }
    }
    if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
        return Err(bad("the top-level label is all digits"));
    }
    Ok(name)
}

/// `text` as an AS number (`16509` or `AS16509`).
pub fn parse_autnum(text: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix("AS").or_else(|| trimmed.strip_prefix("as")).unwrap_or(trimmed);
    digits.parse::<u32>().map_err(|_| format!("`{trimmed}` is not an AS number (`16509` or `AS16509`)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_purpose_addresses_are_named() {
        for (text, expected) in [
            ("10.1.2.3", "private"),
            ("192.168.0.1", "private"),
            ("172.31.255.255", "private"),
            ("127.0.0.1", "loopback"),
            ("203.0.113.7", "documentation"),
            ("100.64.0.1", "carrier-grade"),
            ("255.255.255.255", "broadcast"),
            ("::1", "loopback"),
            ("fd00::1", "unique local"),
            ("fe80::1", "link-local"),
            ("2001:db8::1", "documentation"),
            ("::ffff:10.0.0.1", "IPv4-mapped"),
        ] {
            let kind = special_purpose(parse_ip(text).unwrap()).unwrap_or_else(|| panic!("{text}"));
            assert!(kind.contains(expected), "{text}: {kind}");
        }
        for global in ["1.1.1.1", "192.198.0.1", "172.32.0.1", "2606:4700::1111", "[2a00:1450::1]"] {
            assert_eq!(special_purpose(parse_ip(global).unwrap()), None, "{global}");
        }
    }

    #[test]
    fn inputs_are_checked_before_any_request() {
        assert!(parse_ip("1.2.3").unwrap_err().contains("not an IPv4 or IPv6 address"));
        assert!(parse_ip("1.2.3.4/../x").is_err());
        assert_eq!(parse_domain("Example.CZ.").unwrap(), "example.cz");
        assert!(parse_domain("localhost").unwrap_err().contains("registered name"));
        assert!(parse_domain("exa mple.com").is_err());
        assert!(parse_domain("-bad.com").is_err());
        assert!(parse_domain("a/b.com").is_err());
        assert!(parse_domain("1.2.3.4").unwrap_err().contains("IP address"));
        assert!(parse_domain("bücher.de").unwrap_err().contains("xn--"));
        assert_eq!(parse_autnum("AS16509"), Ok(16509));
        assert!(parse_autnum("AS-x").is_err());
    }
}
