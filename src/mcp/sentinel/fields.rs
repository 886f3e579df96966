//! Reading typed fields out of ARM JSON: strings, numbers, flags and
//! string lists by path, with `properties` keys matched without regard to
//! case (the saved searches example writes `Category`, the service
//! `category`).

use serde_json::Value as Json;

/// The value at `path`, each key matched exactly first, then ignoring case.
pub fn at<'j>(value: &'j Json, path: &[&str]) -> Option<&'j Json> {
    let mut current = value;
    for key in path {
        let object = current.as_object()?;
        current = match object.get(*key) {
            Some(found) => found,
            None => object.iter().find(|(name, _)| name.eq_ignore_ascii_case(key)).map(|(_, found)| found)?,
        };
    }
    Some(current)
}

/// A string at `path` (numbers and booleans as text; null and empty as none).
pub fn text(value: &Json, path: &[&str]) -> Option<String> {
    match at(value, path)? {
        Json::String(text) if !text.is_empty() => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        Json::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// An integer at `path` (a JSON number, or a string holding one).
pub fn int(value: &Json, path: &[&str]) -> Option<i64> {
    match at(value, path)? {
        Json::Number(number) => number.as_i64().or_else(|| number.as_f64().map(|f| f as i64)),
        Json::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean at `path`.
pub fn flag(value: &Json, path: &[&str]) -> Option<bool> {
    match at(value, path)? {
        Json::Bool(flag) => Some(*flag),
        Json::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// The strings of an array at `path` (other elements skipped); empty when absent.
pub fn strings(value: &Json, path: &[&str]) -> Vec<String> {
    at(value, path)
        .and_then(Json::as_array)
        .map(|items| items.iter().filter_map(Json::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// `properties.<key>` as text.
pub fn prop(value: &Json, key: &str) -> Option<String> {
    text(value, &["properties", key])
}

/// The resource's name: `name`, else the last segment of `id`.
pub fn name(value: &Json) -> String {
    text(value, &["name"])
        .or_else(|| text(value, &["id"]).and_then(|id| id.rsplit('/').next().map(str::to_string)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_found_by_path_in_either_case() {
        let value = json!({"id": "/a/b/c", "properties": {"Category": "X", "n": "7", "on": true, "list": ["a", 1, "b"], "empty": ""}});
        assert_eq!(prop(&value, "category").as_deref(), Some("X"));
        assert_eq!(int(&value, &["properties", "n"]), Some(7));
        assert_eq!(flag(&value, &["properties", "on"]), Some(true));
        assert_eq!(strings(&value, &["properties", "list"]), ["a", "b"]);
        assert_eq!(prop(&value, "empty"), None);
        assert_eq!(name(&value), "c");
    }
}
