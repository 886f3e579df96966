//! Property-bag building, editing and canonical text: `bag_zip`,
//! `dynamic_to_json`, and `bag_set_key` and
//! `bag_remove_keys`, whose keys are root-level names or JSONPath paths of
//! names (`$.a.b`, `$['a']['b']`).

use std::sync::Arc;

use crate::engine::datum::Datum;
use crate::engine::error::ExecResult;
use crate::engine::functions::{EvalCtx, ScalarKernel, expect_args, map_rows};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

pub fn lookup(name: &str) -> Option<ScalarKernel> {
    Some(match name {
        "bag_set_key" => bag_set_key,
        "bag_remove_keys" => bag_remove_keys,
        "bag_zip" => bag_zip,
        "dynamic_to_json" => dynamic_to_json,
        "treepath" => treepath,
        _ => return None,
    })
}

/// `bag_zip(keys, values)`: a bag pairing each string key with the value at
/// the same index (null when `values` is shorter or not an array). Keys that
/// are not strings are skipped; `keys` that is not an array gives null.
fn bag_zip(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bag_zip", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(Dyn::Array(keys)) = &v[0] else { return Ok(Value::Null) };
        let values = match &v[1] {
            Value::Dynamic(Dyn::Array(values)) => Some(values),
            _ => None,
        };
        let entries = keys
            .iter()
            .enumerate()
            .filter_map(|(index, key)| match key {
                Dyn::String(key) => {
                    Some((key.clone(), values.and_then(|vs| vs.get(index)).cloned().unwrap_or(Dyn::Null)))
                }
                _ => None,
            })
            .collect();
        Ok(Value::Dynamic(Dyn::bag(entries)))
    })
}

/// `dynamic_to_json(value)`: the value as JSON with the keys of every
/// property bag sorted (ordinal order), so equal bags give equal text.
fn dynamic_to_json(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("dynamic_to_json", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::String, |v| Ok(Value::str(&sorted_keys(&v[0].to_dyn()).to_json())))
}

fn sorted_keys(value: &Dyn) -> Dyn {
    match value {
        Dyn::Bag(entries) => {
            let mut entries: Vec<(Arc<str>, Dyn)> = entries.iter().map(|(k, v)| (k.clone(), sorted_keys(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Dyn::Bag(Arc::new(entries))
        }
        Dyn::Array(items) => Dyn::array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// The names along a key: `key` alone, or the steps of a JSONPath `$.a.b`
/// / `$['a'].b`. `None` for the root path `$`, array indexes or bad syntax
/// (not supported, as documented).
fn key_path(key: &str) -> Option<Vec<String>> {
    let Some(mut rest) = key.strip_prefix('$') else { return Some(vec![key.to_string()]) };
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            steps.push(after[..end].to_string());
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = after[..end].trim();
            let name = inner
                .strip_prefix('\'')
                .and_then(|k| k.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|k| k.strip_suffix('"')))?;
            steps.push(name.to_string());
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// `bag_set_key(bag, key, value)`: the bag with `key` set to `value`,
/// replacing an existing value and creating the missing levels of a path.
/// A non-bag input gives null; a path through a value that is not a bag,
/// or a key that is not a supported path, leaves the bag unchanged.
fn bag_set_key(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bag_set_key", args, 3, 3)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(bag @ Dyn::Bag(_)) = &v[0] else { return Ok(Value::Null) };
        let Some(path) = key_path(&v[1].to_kql_string()) else { return Ok(v[0].clone()) };
        Ok(Value::Dynamic(set_path(bag, &path, v[2].to_dyn()).unwrap_or_else(|| bag.clone())))
    })
}

fn set_path(node: &Dyn, path: &[String], value: Dyn) -> Option<Dyn> {
    let Dyn::Bag(entries) = node else { return None };
    let (first, rest) = path.split_first()?;
    let mut entries: Vec<(Arc<str>, Dyn)> = entries.to_vec();
    let position = entries.iter().position(|(k, _)| **k == **first);
    let new_value = if rest.is_empty() {
        value
    } else {
        let child = position.map_or_else(|| Dyn::Bag(Arc::new(Vec::new())), |i| entries[i].1.clone());
        set_path(&child, rest, value)?
    };
    match position {
        Some(index) => entries[index].1 = new_value,
        None => entries.push((Arc::from(first.as_str()), new_value)),
    }
    Some(Dyn::Bag(Arc::new(entries)))
}

/// `bag_remove_keys(bag, keys)`: the bag without the given keys (names or
/// JSONPath paths); keys that are not there are ignored. A non-bag gives null.
fn bag_remove_keys(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("bag_remove_keys", args, 2, 2)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(bag @ Dyn::Bag(_)) = &v[0] else { return Ok(Value::Null) };
        let paths: Vec<Vec<String>> = match &v[1] {
            Value::Dynamic(Dyn::Array(keys)) => keys.iter().filter_map(|k| key_path(&k.to_kql_string())).collect(),
            _ => Vec::new(),
        };
        Ok(Value::Dynamic(paths.iter().fold(bag.clone(), |bag, path| remove_path(&bag, path))))
    })
}

fn remove_path(node: &Dyn, path: &[String]) -> Dyn {
    let (Dyn::Bag(entries), Some((first, rest))) = (node, path.split_first()) else { return node.clone() };
    let entries = if rest.is_empty() {
        entries.iter().filter(|(k, _)| **k != **first).cloned().collect()
    } else {
        entries
            .iter()
            .map(|(k, value)| (k.clone(), if **k == **first { remove_path(value, rest) } else { value.clone() }))
            .collect()
    };
    Dyn::Bag(Arc::new(entries))
}

/// `treepath(object)`: the path of every node below the root, in document
/// order: `['key']` for a bag entry and `[0]` for the elements of an array
/// (all elements share the one path, listed once), as the docs' examples
/// show. Null for a value that is not `dynamic`.
fn treepath(args: &[Datum], ctx: &EvalCtx) -> ExecResult<Datum> {
    expect_args("treepath", args, 1, 1)?;
    map_rows(args, ctx, ScalarType::Dynamic, |v| {
        let Value::Dynamic(root) = &v[0] else { return Ok(Value::Null) };
        let mut paths: Vec<String> = Vec::new();
        collect_paths(root, "", &mut paths);
        Ok(Value::Dynamic(Dyn::array(paths.iter().map(|path| Dyn::str(path)).collect())))
    })
}

fn collect_paths(node: &Dyn, prefix: &str, paths: &mut Vec<String>) {
    let push = |path: String, paths: &mut Vec<String>| {
        if !paths.contains(&path) {
            paths.push(path);
        }
    };
    match node {
        Dyn::Bag(entries) => {
            for (key, value) in entries.iter() {
                let path = format!("{prefix}['{}']", key.replace('\\', "\\\\").replace('\'', "\\'"));
                push(path.clone(), paths);
                collect_paths(value, &path, paths);
            }
        }
        Dyn::Array(items) if !items.is_empty() => {
            let path = format!("{prefix}[0]");
            push(path.clone(), paths);
            for item in items.iter() {
                collect_paths(item, &path, paths);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> String {
        let datums: Vec<Datum> =
            args.iter().map(|v| Datum::Scalar(v.clone(), v.scalar_type().unwrap_or(ScalarType::Dynamic))).collect();
        let kernel = lookup(name).expect("a bag function");
        match kernel(&datums, &EvalCtx { rows: 1, now: 0 }).expect("a result").get(0) {
            Value::Dynamic(d) => d.to_json(),
            other => format!("{other:?}"),
        }
    }

    fn json(text: &str) -> Value {
        Value::Dynamic(Dyn::parse_json(text))
    }

    #[test]
    fn set_key_adds_replaces_and_creates_levels() {
        assert_eq!(call("bag_set_key", &[json(r#"{"a":1}"#), Value::str("b"), Value::Long(2)]), r#"{"a":1,"b":2}"#);
        assert_eq!(call("bag_set_key", &[json(r#"{"a":1}"#), Value::str("a"), Value::str("x")]), r#"{"a":"x"}"#);
        assert_eq!(
            call("bag_set_key", &[json(r#"{"k":{"p":1,"q":2}}"#), Value::str("$.k.p"), Value::str("abc")]),
            r#"{"k":{"p":"abc","q":2}}"#
        );
        assert_eq!(
            call("bag_set_key", &[json(r#"{"a":1}"#), Value::str("$['k'].p"), Value::Long(3)]),
            r#"{"a":1,"k":{"p":3}}"#
        );
        assert_eq!(call("bag_set_key", &[json(r#"{"a":1}"#), Value::str("$.a.b"), Value::Long(3)]), r#"{"a":1}"#);
        assert_eq!(call("bag_set_key", &[json("[1]"), Value::str("a"), Value::Long(3)]), "null");
        assert_eq!(call("bag_set_key", &[json(r#"{"a":1}"#), Value::str("$"), Value::Long(3)]), r#"{"a":1}"#);
    }

    #[test]
    fn zip_pairs_string_keys_with_values() {
        assert_eq!(call("bag_zip", &[json(r#"["a","b","c"]"#), json(r#"[1,"2"]"#)]), r#"{"a":1,"b":"2","c":null}"#);
        assert_eq!(call("bag_zip", &[json(r#"["a",8,"b"]"#), json(r#"[1,"2",2.5]"#)]), r#"{"a":1,"b":2.5}"#);
        assert_eq!(call("bag_zip", &[json(r#"["a"]"#), Value::Long(1)]), r#"{"a":null}"#);
        assert_eq!(call("bag_zip", &[Value::str("a"), json("[1]")]), "null");
    }

    #[test]
    fn dynamic_to_json_sorts_keys_at_every_level() {
        assert_eq!(
            call("dynamic_to_json", &[json(r#"{"b":{"y":1,"x":[{"d":1,"c":2}]},"a":{}}"#)]),
            r#"String("{\"a\":{},\"b\":{\"x\":[{\"c\":2,\"d\":1}],\"y\":1}}")"#
        );
        assert_eq!(call("dynamic_to_json", &[Value::Long(1)]), r#"String("1")"#);
    }

    #[test]
    fn remove_keys_by_name_and_path() {
        assert_eq!(
            call(
                "bag_remove_keys",
                &[
                    json(r#"{"key1":123,"key2":{"prop1":"abc","prop2":"xyz"},"key3":[100,200]}"#),
                    json(r#"["$.key2.prop1","key3"]"#)
                ]
            ),
            r#"{"key1":123,"key2":{"prop2":"xyz"}}"#
        );
        assert_eq!(call("bag_remove_keys", &[json(r#"{"a":1}"#), json(r#"["zz"]"#)]), r#"{"a":1}"#);
        assert_eq!(call("bag_remove_keys", &[Value::str("x"), json(r#"["a"]"#)]), "null");
    }

    #[test]
    fn treepath_matches_the_docs() {
        let ctx = EvalCtx { rows: 1, now: 0 };
        let paths = |json: &str| {
            let value = Value::Dynamic(Dyn::parse_json(json));
            treepath(&[Datum::Scalar(value, ScalarType::Dynamic)], &ctx).expect("a result").get(0).to_kql_string()
        };
        assert_eq!(paths(r#"{"a":"b", "c":123}"#), r#"["['a']","['c']"]"#);
        assert_eq!(paths(r#"{"prop1":[1,2,3,4], "prop2":"value2"}"#), r#"["['prop1']","['prop1'][0]","['prop2']"]"#);
        assert_eq!(
            paths(r#"{"listProperty":[100,200,300,"abcde",{"x":"y"}]}"#),
            r#"["['listProperty']","['listProperty'][0]","['listProperty'][0]['x']"]"#
        );
        assert_eq!(paths(r#"{"a":{"b":{"c":1}}, "e":[]}"#), r#"["['a']","['a']['b']","['a']['b']['c']","['e']"]"#);
        assert_eq!(paths("5"), "[]");
        assert_eq!(paths("{}"), "[]");
        let null = treepath(&[Datum::Scalar(Value::Null, ScalarType::String)], &ctx).expect("a result");
        assert!(null.get(0).is_null());
    }
}
