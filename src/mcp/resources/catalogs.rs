//! `kqlab://support`, `kqlab://diagnostics` and `kqlab://diagnostics/{code}`:
//! the support matrix and the diagnostic code table as Markdown.

use crate::diagnostics::codes::TABLE;
use crate::engine::support::{render_markdown, support_matrix};
use crate::mcp::tools::diagnostic_explain;

pub const SUPPORT_URI: &str = "kqlab://support";
pub const DIAGNOSTICS_URI: &str = "kqlab://diagnostics";
pub const DIAGNOSTIC_TEMPLATE: &str = "kqlab://diagnostics/{code}";

/// The support matrix, the same page as `kqlab functions --format markdown`.
pub fn support() -> String {
    render_markdown(&support_matrix())
}

/// Every code with its name, default severity and the first sentence of
/// its documentation.
pub fn diagnostics() -> String {
    let mut out = String::from(
        "# kqlab diagnostic codes\n\n\
         Codes are stable: `KQL` and four digits. Blocks: 0001–0999 lexing and parsing, 1000–1999 names and \
         schemas, 2000–2999 types and functions, 3000–3999 rule-folder checks, 4000–4999 local execution, \
         5000–5999 remote verification. `kqlab://diagnostics/{code}` (or the diagnostic_explain tool) has a \
         code's full explanation.\n\n\
         | code | name | severity | flags |\n|---|---|---|---|\n",
    );
    for info in TABLE {
        let summary = first_sentence(info.doc).replace('|', "\\|");
        out.push_str(&format!(
            "| KQL{:04} | `{}` | {} | {summary} |\n",
            info.number,
            info.name,
            info.severity.as_str()
        ));
    }
    out
}

/// One code's explanation; `code` as `KQL1002`, `1002` or `unknown-column`.
pub fn diagnostic(code: &str) -> Result<String, String> {
    let output = diagnostic_explain::run(diagnostic_explain::Params { code: code.to_string() })?;
    Ok(format!("# {} {} ({})\n\n{}\n", output.code, output.name, output.severity, output.explanation))
}

/// The doc comment's first sentence (up to the first period that ends a
/// word, or the first blank line), on one line.
fn first_sentence(doc: &str) -> String {
    let paragraph: Vec<&str> = doc.lines().map(str::trim).take_while(|line| !line.is_empty()).collect();
    let paragraph = paragraph.join(" ");
    match paragraph.find(". ") {
        Some(end) => paragraph[..=end].to_string(),
        None => paragraph,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_row() {
        let page = diagnostics();
        assert_eq!(page.lines().filter(|line| line.starts_with("| KQL")).count(), TABLE.len());
    }

    #[test]
    fn first_sentence_stops_at_a_period_or_blank_line() {
        assert_eq!(first_sentence(" A column is unknown. It is\n more.\n"), "A column is unknown.");
        assert_eq!(first_sentence(" No period\n\n Example"), "No period");
    }
}
