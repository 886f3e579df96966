//! The server's read-only MCP resources: what a client can attach to a
//! conversation or an LLM can read by URI, without calling a tool.
//!
//! | URI | what | MIME type |
//! |---|---|---|
//! | `kqlab://support` | the support matrix (what runs locally) | `text/markdown` |
//! | `kqlab://diagnostics` | every diagnostic code | `text/markdown` |
//! | `kqlab://diagnostics/{code}` | one code's explanation | `text/markdown` |
//! | `kqlab://schema` | the known tables with their column counts | `application/json` |
//! | `kqlab://schema/{table}` | one table's columns and types | `application/json` |
//! | `kqlab://functions/{name}` | one built-in function: signatures, category, local support | `application/json` |
//! | `kqlab://rules/{path}` | a file of the rules folder, as text | `application/yaml`, `text/plain` |
//!
//! Tables, functions and codes number in the hundreds, so they are reached
//! through resource templates rather than listed one by one; the list holds
//! the three catalogs and the rules folder's files, a page at a time.

mod catalogs;
mod functions;
mod rules;
mod schema;

use rmcp::ErrorData;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
};

use crate::mcp::Context;

pub use rules::{list as rule_resources, resolve as resolve_rule_file};

/// The scheme and authority of every resource URI.
pub const PREFIX: &str = "kqlab://";

/// The fixed resources (the catalogs), which the list always starts with.
pub const CATALOG_URIS: &[&str] = &[catalogs::SUPPORT_URI, catalogs::DIAGNOSTICS_URI, schema::INDEX_URI];

/// Resources per page of `resources/list`.
pub const PAGE_SIZE: usize = 100;

const MARKDOWN: &str = "text/markdown";
const JSON: &str = "application/json";

/// One page of the server's resources, from `cursor` (an opaque string the
/// previous page returned as `nextCursor`). The rules folder is read afresh,
/// so files added while the server runs show up.
pub fn list(context: &Context, cursor: Option<&str>) -> Result<ListResourcesResult, ErrorData> {
    let offset = match cursor {
        None => 0,
        Some(cursor) => cursor
            .parse::<usize>()
            .map_err(|_| ErrorData::invalid_params(format!("`{cursor}` is not a cursor this server returned"), None))?,
    };
    let mut resources = vec![
        Resource::new(catalogs::SUPPORT_URI, "support")
            .with_title("What runs locally")
            .with_description(
                "Every KQL function, aggregation and plugin, and whether kqlab's local engine runs it \
                 (others are checked but stop a local run with KQL4001).",
            )
            .with_mime_type(MARKDOWN),
        Resource::new(catalogs::DIAGNOSTICS_URI, "diagnostics")
            .with_title("Diagnostic codes")
            .with_description(
                "Every diagnostic code kqlab reports (KQLnnnn), with its name, default severity and what it flags; \
                 kqlab://diagnostics/{code} has the full explanation.",
            )
            .with_mime_type(MARKDOWN),
        Resource::new(schema::INDEX_URI, "schema")
            .with_title("Known tables")
            .with_description(
                "The Log Analytics / Sentinel tables kqlab knows, with their column counts; \
                 kqlab://schema/{table} has one table's columns.",
            )
            .with_mime_type(JSON),
    ];
    resources.extend(rules::list(context));
    let total = resources.len();
    if offset > total {
        return Err(ErrorData::invalid_params(format!("`{offset}` is past the end of the resource list"), None));
    }
    let page: Vec<Resource> = resources.into_iter().skip(offset).take(PAGE_SIZE).collect();
    let mut result = ListResourcesResult::with_all_items(page);
    if offset + PAGE_SIZE < total {
        result.next_cursor = Some((offset + PAGE_SIZE).to_string());
    }
    Ok(result)
}

/// The resource templates: tables, functions, diagnostic codes and rule
/// files by name.
pub fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new(schema::TEMPLATE, "table-schema")
            .with_title("Table schema")
            .with_description(
                "One Log Analytics / Sentinel table's columns and their KQL types, e.g. kqlab://schema/SigninLogs \
                 (the name is case-sensitive, as in KQL).",
            )
            .with_mime_type(JSON),
        ResourceTemplate::new(functions::TEMPLATE, "function")
            .with_title("Built-in function")
            .with_description(
                "One KQL function, aggregation or plugin: its signatures, category, description and whether \
                 kqlab's local engine runs it, e.g. kqlab://functions/dcount.",
            )
            .with_mime_type(JSON),
        ResourceTemplate::new(catalogs::DIAGNOSTIC_TEMPLATE, "diagnostic")
            .with_title("Diagnostic code")
            .with_description(
                "What one diagnostic code flags, why, and an example with the fix, e.g. kqlab://diagnostics/KQL1002.",
            )
            .with_mime_type(MARKDOWN),
        ResourceTemplate::new(rules::TEMPLATE, "rule-file").with_title("Rules folder file").with_description(
            "A file of the server's rules folder as text: an analytics rule or hunting query (YAML), a function \
                 (.kql) or a rule test (NAME.test.yaml); `path` is relative to the rules folder, e.g. \
                 kqlab://rules/ssh_potential_brute_force.yaml.",
        ),
    ])
}

/// Reads the resource at `uri`. An unknown URI, table, function, code or
/// file is a "resource not found" error (-32002) that names the URI.
pub fn read(context: &Context, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let contents = match uri {
        catalogs::SUPPORT_URI => text(uri, catalogs::support(), MARKDOWN),
        catalogs::DIAGNOSTICS_URI => text(uri, catalogs::diagnostics(), MARKDOWN),
        schema::INDEX_URI => text(uri, schema::index(), JSON),
        _ => {
            let (kind, rest) = split(uri).ok_or_else(|| not_found(uri, "unknown resource"))?;
            let argument = percent_decode(rest).ok_or_else(|| not_found(uri, "the URI is not valid UTF-8"))?;
            match kind {
                "schema" => text(uri, schema::table(context, &argument).map_err(|e| not_found(uri, &e))?, JSON),
                "functions" => text(uri, functions::function(&argument).map_err(|e| not_found(uri, &e))?, JSON),
                "diagnostics" => text(uri, catalogs::diagnostic(&argument).map_err(|e| not_found(uri, &e))?, MARKDOWN),
                "rules" => {
                    let file = rules::read(context, &argument).map_err(|e| not_found(uri, &e))?;
                    text(uri, file.text, file.mime_type)
                }
                _ => return Err(not_found(uri, "unknown resource")),
            }
        }
    };
    Ok(ReadResourceResult::new(vec![contents]))
}

/// `kqlab://KIND/REST` as `(KIND, REST)`, REST not empty.
fn split(uri: &str) -> Option<(&str, &str)> {
    let (kind, rest) = uri.strip_prefix(PREFIX)?.split_once('/')?;
    (!rest.is_empty()).then_some((kind, rest))
}

fn text(uri: &str, text: String, mime_type: &str) -> ResourceContents {
    ResourceContents::text(text, uri).with_mime_type(mime_type)
}

/// A "resource not found" error naming the URI, with it in `data` too.
fn not_found(uri: &str, why: &str) -> ErrorData {
    let help = "resources/list and resources/templates/list show what this server has";
    ErrorData::resource_not_found(
        format!("resource not found: {uri}: {why}; {help}"),
        Some(serde_json::json!({ "uri": uri })),
    )
}

/// `%XX` escapes decoded (RFC 3986), so both `kqlab://rules/a/b.yaml` and
/// `kqlab://rules/a%2Fb.yaml` (a client expanding `{path}` by RFC 6570)
/// work. `None` when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes.get(index + 1..index + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[index], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// `text` with every byte but unreserved characters and `/` written as
/// `%XX`, for a path inside a URI.
fn percent_encode_path(text: &str) -> String {
    crate::text::percent_encode(text, b"/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Context {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        Context::local(root.join("rules"), vec![root.join("samples")])
    }

    fn read_text(context: &Context, uri: &str) -> (String, Option<String>) {
        let result = read(context, uri).unwrap_or_else(|e| panic!("{uri}: {e:?}"));
        match result.contents.into_iter().next() {
            Some(ResourceContents::TextResourceContents { text, mime_type, .. }) => (text, mime_type),
            other => panic!("{uri}: {other:?}"),
        }
    }

    #[test]
    fn the_list_holds_the_catalogs_and_the_rule_files() {
        let context = bundled();
        let page = list(&context, None).unwrap();
        let uris: Vec<&str> = page.resources.iter().map(|r| r.uri.as_str()).collect();
        assert_eq!(&uris[..3], ["kqlab://support", "kqlab://diagnostics", "kqlab://schema"]);
        assert!(uris.contains(&"kqlab://rules/ssh_potential_brute_force.yaml"), "{uris:?}");
        assert!(uris.contains(&"kqlab://rules/ssh_potential_brute_force.test.yaml"), "{uris:?}");
        assert!(uris.contains(&"kqlab://rules/functions/dsp_parser.kql"), "{uris:?}");
        assert!(page.resources.iter().all(|r| r.mime_type.is_some() && r.description.is_some()));
    }

    #[test]
    fn a_long_list_is_paged_with_cursors() {
        let dir = tempfile::tempdir().unwrap();
        for index in 0..150 {
            std::fs::write(dir.path().join(format!("q{index:03}.kql")), "SigninLogs | take 1").unwrap();
        }
        let context = Context::local(dir.path(), vec![]);
        let first = list(&context, None).unwrap();
        assert_eq!(first.resources.len(), PAGE_SIZE);
        let cursor = first.next_cursor.expect("a second page");
        let second = list(&context, Some(&cursor)).unwrap();
        assert_eq!(second.resources.len(), 153 - PAGE_SIZE);
        assert_eq!(second.next_cursor, None);
        assert_eq!(second.resources.last().unwrap().uri, "kqlab://rules/q149.kql");
        assert!(list(&context, Some("nonsense")).is_err());
    }

    #[test]
    fn templates_cover_tables_functions_codes_and_rules() {
        let names: Vec<String> = templates().resource_templates.into_iter().map(|t| t.uri_template).collect();
        assert_eq!(
            names,
            [
                "kqlab://schema/{table}",
                "kqlab://functions/{name}",
                "kqlab://diagnostics/{code}",
                "kqlab://rules/{path}"
            ]
        );
    }

    #[test]
    fn each_kind_of_resource_reads() {
        let context = bundled();
        let (support, mime) = read_text(&context, "kqlab://support");
        assert!(support.starts_with("# What runs locally"));
        assert_eq!(mime.as_deref(), Some("text/markdown"));
        let (codes, _) = read_text(&context, "kqlab://diagnostics");
        assert!(codes.contains("KQL1002") && codes.contains("unknown-column"), "{codes}");
        let (code, _) = read_text(&context, "kqlab://diagnostics/KQL1002");
        assert!(code.starts_with("# KQL1002 unknown-column"), "{code}");
        let (index, _) = read_text(&context, "kqlab://schema");
        assert!(index.contains("\"SigninLogs\""));
        let (table, mime) = read_text(&context, "kqlab://schema/SigninLogs");
        let table: serde_json::Value = serde_json::from_str(&table).unwrap();
        assert_eq!(table["table"], "SigninLogs");
        assert_eq!(mime.as_deref(), Some("application/json"));
        let (function, _) = read_text(&context, "kqlab://functions/dcount");
        let function: serde_json::Value = serde_json::from_str(&function).unwrap();
        assert_eq!(function["definitions"][0]["runs_locally"], true, "{function}");
        let (rule, mime) = read_text(&context, "kqlab://rules/ssh_potential_brute_force.yaml");
        assert!(rule.contains("name: SSH - Potential Brute Force"));
        assert_eq!(mime.as_deref(), Some("application/yaml"));
        let (function_file, _) = read_text(&context, "kqlab://rules/functions%2Fdsp_parser.kql");
        assert!(!function_file.is_empty());
    }

    #[test]
    fn unknown_uris_are_resource_not_found_errors_naming_the_uri() {
        let context = bundled();
        for uri in [
            "kqlab://nothing",
            "file:///etc/passwd",
            "kqlab://schema/SigninLog",
            "kqlab://functions/no_such_function",
            "kqlab://diagnostics/KQL9999",
            "kqlab://rules/no_such_rule.yaml",
            "kqlab://other/x",
        ] {
            let error = read(&context, uri).unwrap_err();
            assert_eq!(error.code, rmcp::model::ErrorCode::RESOURCE_NOT_FOUND, "{uri}");
            assert!(error.message.contains(uri), "{uri}: {}", error.message);
        }
        let suggestion = read(&context, "kqlab://schema/SigninLog").unwrap_err();
        assert!(suggestion.message.contains("`SigninLogs`"), "{}", suggestion.message);
    }

    #[test]
    fn paths_outside_the_rules_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules");
        let samples = dir.path().join("samples");
        std::fs::create_dir(&rules).unwrap();
        std::fs::create_dir(&samples).unwrap();
        std::fs::write(rules.join("a.kql"), "T").unwrap();
        std::fs::write(samples.join("s.json"), "[]").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        let context = Context::local(&rules, vec![samples]);
        assert!(read(&context, "kqlab://rules/a.kql").is_ok());
        for uri in [
            "kqlab://rules/../secret.txt",
            "kqlab://rules/..%2Fsecret.txt",
            "kqlab://rules/../samples/s.json",
            "kqlab://rules//etc/passwd",
            "kqlab://rules/%2Fetc%2Fpasswd",
        ] {
            let error = read(&context, uri).unwrap_err();
            assert_eq!(error.code, rmcp::model::ErrorCode::RESOURCE_NOT_FOUND, "{uri}");
        }
    }

    #[test]
    fn percent_escapes_round_trip() {
        assert_eq!(percent_encode_path("a b/ü.yaml"), "a%20b/%C3%BC.yaml");
        assert_eq!(percent_decode("a%20b/%C3%BC.yaml").as_deref(), Some("a b/ü.yaml"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%FF"), None);
    }
}
