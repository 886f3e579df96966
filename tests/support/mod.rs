//! Helpers shared by the golden tests (`golden.rs`, `analyze.rs`).

use kqlab::diagnostics::Diagnostic;
use kqlab::text::SourceFile;

/// One snapshot line for a diagnostic: `severity CODE line:col span: message`.
pub fn diagnostic_line(source: &SourceFile, diagnostic: &Diagnostic) -> String {
    let position = source.line_col(diagnostic.span.start);
    format!(
        "{} {} {}:{} {:?}: {}",
        diagnostic.severity.as_str(),
        diagnostic.code,
        position.line,
        position.column,
        diagnostic.span,
        diagnostic.message
    )
}
