//! `kqlab://rules/{path}`: the files of the server's rules folder (rules,
//! hunting queries, functions and rule tests), listed and read as text.

use std::path::{Component, Path};

use rmcp::model::Resource;

use crate::mcp::Context;
use crate::mcp::resources::{PREFIX, percent_encode_path};
use crate::ruleset::document::{is_yaml, relative};
use crate::ruleset::folder::Folder;

pub const TEMPLATE: &str = "kqlab://rules/{path}";

const YAML: &str = "application/yaml";
const TEXT: &str = "text/plain";

/// A file of the rules folder, read.
pub struct RuleFile {
    pub text: String,
    pub mime_type: &'static str,
}

/// The rule, query, function and test files of the rules folder, sorted
/// by path. A missing or unreadable folder lists nothing: the catalogs are
/// still worth listing.
pub fn list(context: &Context) -> Vec<Resource> {
    let Ok(root) = context.readable(&context.rules_folder().to_string_lossy()) else {
        return Vec::new();
    };
    let Ok(folder) = Folder::load(&root) else {
        return Vec::new();
    };
    let documents = folder.documents.iter().map(|document| {
        let name = document.display_name();
        let description = match &document.function {
            Some(function) => format!("{} `{}` ({}): {name}", document.kind.as_str(), function.name, function.params),
            None => format!("{}: {name}", document.kind.as_str()),
        };
        (document.path.as_path(), name, description)
    });
    let tests = folder.tests.iter().map(|path| {
        let stem = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let rule = stem.split(".test.").next().unwrap_or(&stem).to_string();
        let description = format!("rule tests of `{rule}` (cases with inputs and expectations, run by rules_test)");
        (path.as_path(), format!("{rule} tests"), description)
    });
    let mut resources: Vec<Resource> = documents
        .chain(tests)
        // Files that resolve outside the rules folder (symlinks) cannot be read, so they are not listed.
        .filter(|(path, _, _)| context.readable(&path.to_string_lossy()).is_ok_and(|real| real.starts_with(&root)))
        .map(|(path, title, description)| {
            let relative_path = relative(&root, path).to_string_lossy().replace('\\', "/");
            let mut resource = Resource::new(uri(&relative_path), relative_path)
                .with_title(title)
                .with_description(description)
                .with_mime_type(mime_type(path));
            if let Ok(metadata) = std::fs::metadata(path) {
                resource = resource.with_size(metadata.len());
            }
            resource
        })
        .collect();
    // A rule first, then its tests: `x.yaml` before `x.test.yaml`.
    resources.sort_by_cached_key(|resource| {
        let is_test = resource.name.contains(".test.");
        (resource.name.replace(".test.", "."), is_test)
    });
    resources
}

/// The URI of the file at `relative_path` (with `/`) in the rules folder.
pub fn uri(relative_path: &str) -> String {
    format!("{PREFIX}rules/{}", percent_encode_path(relative_path))
}

/// The text of `path` (relative to the rules folder). The path must stay
/// inside the rules folder once `..` and symlinks are resolved
/// ([`Context::readable`], then the rules folder only, not the samples).
pub fn read(context: &Context, path: &str) -> Result<RuleFile, String> {
    let resolved = resolve(context, path)?;
    let text = std::fs::read_to_string(&resolved).map_err(|error| format!("cannot read `{path}`: {error}"))?;
    Ok(RuleFile { text, mime_type: mime_type(&resolved) })
}

/// `path` (relative to the rules folder) resolved, if it is a file inside
/// the rules folder; shared with the prompts, which read rules the same way.
pub fn resolve(context: &Context, path: &str) -> Result<std::path::PathBuf, String> {
    let given = Path::new(path);
    if path.is_empty() || given.is_absolute() || given.components().any(|c| matches!(c, Component::Prefix(_))) {
        return Err(format!("`{path}` must be a path relative to the rules folder"));
    }
    let rules = context.rules_folder();
    let root = context.readable(&rules.to_string_lossy())?;
    let resolved = context.readable(&rules.join(given).to_string_lossy())?;
    if !resolved.starts_with(&root) {
        return Err(format!("`{path}` is outside the rules folder `{}`", rules.display()));
    }
    if !resolved.is_file() {
        return Err(format!("`{path}` is not a file"));
    }
    Ok(resolved)
}

fn mime_type(path: &Path) -> &'static str {
    if is_yaml(path) { YAML } else { TEXT }
}
