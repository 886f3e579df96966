//! Kusto's string predicates: `has` (whole terms), `hasprefix`/`hassuffix`,
//! `contains`, `startswith`, `endswith` and `=~`, case-insensitive unless `_cs`.
//!
//! A term is a maximal run of alphanumeric characters; `has "abc"` matches
//! when `abc` occurs with no alphanumeric character directly before or after.

/// Which string predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
    Equals,
}

/// True when `text` matches `needle` under `kind`.
pub fn matches(kind: Match, text: &str, needle: &str, case_sensitive: bool) -> bool {
    if case_sensitive || (text.is_ascii() && needle.is_ascii()) {
        matches_bytes(kind, text.as_bytes(), needle.as_bytes(), case_sensitive)
    } else {
        let text = text.to_lowercase();
        let needle = needle.to_lowercase();
        matches_bytes(kind, text.as_bytes(), needle.as_bytes(), true)
    }
}

fn is_term_byte(byte: u8) -> bool {
    // Non-ASCII bytes belong to letters of other scripts: part of a term.
    byte.is_ascii_alphanumeric() || byte >= 0x80
}

fn eq_bytes(a: &[u8], b: &[u8], case_sensitive: bool) -> bool {
    if case_sensitive { a == b } else { a.eq_ignore_ascii_case(b) }
}

fn matches_bytes(kind: Match, text: &[u8], needle: &[u8], case_sensitive: bool) -> bool {
    match kind {
        Match::Equals => eq_bytes(text, needle, case_sensitive),
        Match::StartsWith => text.len() >= needle.len() && eq_bytes(&text[..needle.len()], needle, case_sensitive),
        Match::EndsWith => {
            text.len() >= needle.len() && eq_bytes(&text[text.len() - needle.len()..], needle, case_sensitive)
        }
        Match::Contains => find(text, needle, case_sensitive, 0).is_some(),
        Match::Has | Match::HasPrefix | Match::HasSuffix => {
            if needle.is_empty() {
                return true;
            }
            let check_start = matches!(kind, Match::Has | Match::HasPrefix) && is_term_byte(needle[0]);
            let check_end = matches!(kind, Match::Has | Match::HasSuffix) && is_term_byte(needle[needle.len() - 1]);
            let mut from = 0;
            while let Some(at) = find(text, needle, case_sensitive, from) {
                let end = at + needle.len();
                let start_ok = !check_start || at == 0 || !is_term_byte(text[at - 1]);
                let end_ok = !check_end || end == text.len() || !is_term_byte(text[end]);
                if start_ok && end_ok {
                    return true;
                }
                from = at + 1;
            }
            false
        }
    }
}

/// The first position at or after `from` where `needle` occurs.
fn find(text: &[u8], needle: &[u8], case_sensitive: bool, from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(text.len()));
    }
    if text.len() < needle.len() || from > text.len() - needle.len() {
        return None;
    }
    if case_sensitive {
        return memchr::memmem::find(&text[from..], needle).map(|at| at + from);
    }
    let first_lower = needle[0].to_ascii_lowercase();
    let first_upper = needle[0].to_ascii_uppercase();
    let last_start = text.len() - needle.len();
    let mut at = from;
    while at <= last_start {
        let rest = &text[at..=last_start];
        let next = if first_lower == first_upper {
            memchr::memchr(first_lower, rest)
        } else {
            memchr::memchr2(first_lower, first_upper, rest)
        }?;
        let candidate = at + next;
        if text[candidate..candidate + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(candidate);
        }
        at = candidate + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_matches_whole_terms_only() {
        assert!(matches(Match::Has, "North America", "america", false));
        assert!(!matches(Match::Has, "North America", "amer", false));
        assert!(matches(Match::Has, "python-requests/2.1", "python", false));
        assert!(matches(Match::Has, "curl/7.1", "curl/", false));
        assert!(!matches(Match::Has, "pythonic", "python", false));
    }

    #[test]
    fn prefix_and_suffix_check_one_side() {
        assert!(matches(Match::HasPrefix, "North America", "amer", false));
        assert!(matches(Match::HasSuffix, "North America", "rica", false));
        assert!(!matches(Match::HasSuffix, "North America", "amer", false));
    }

    #[test]
    fn case_rules() {
        assert!(matches(Match::Contains, "Microsoft", "SOFT", false));
        assert!(!matches(Match::Contains, "Microsoft", "SOFT", true));
        assert!(matches(Match::Equals, "ÄBC", "äbc", false));
        assert!(matches(Match::StartsWith, "BAV2ROPC", "bav2", false));
    }
}
