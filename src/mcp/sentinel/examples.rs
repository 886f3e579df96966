//! The documented API examples of `tests/data/azure/`, for the unit tests.

use serde_json::Value as Json;

/// A file of `tests/data/azure/`: a spec example's `responses.200.body`, else the whole file.
pub fn body(path: &str) -> Json {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/azure").join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("{}: {error}", full.display()));
    let json: Json = serde_json::from_str(&text).expect("example JSON");
    json.pointer("/responses/200/body").cloned().unwrap_or(json)
}
