//! Rendering diagnostics: rustc-style text for people, JSON for machines.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Severity};
use crate::text::SourceFile;

/// Renders `diagnostic` against `source` in rustc style; `color` adds ANSI styles.
pub fn render_text(diagnostic: &Diagnostic, source: &SourceFile, color: bool) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    };
    let code = diagnostic.code.as_string();
    let text_len = source.text.len();
    let clamp = |start: u32, end: u32| {
        let mut start = (start as usize).min(text_len);
        let mut end = (end as usize).clamp(start, text_len);
        while !source.text.is_char_boundary(start) {
            start -= 1;
        }
        while !source.text.is_char_boundary(end) {
            end += 1;
        }
        start..end
    };
    let mut primary = AnnotationKind::Primary.span(clamp(diagnostic.span.start, diagnostic.span.end));
    if let Some(label) = &diagnostic.label {
        primary = primary.label(label.as_str());
    }
    let mut snippet = Snippet::source(source.text.as_str()).path(source.name.as_str()).annotation(primary);
    for label in &diagnostic.labels {
        snippet = snippet.annotation(
            AnnotationKind::Context.span(clamp(label.span.start, label.span.end)).label(label.message.as_str()),
        );
    }
    let mut report = vec![level.primary_title(diagnostic.message.as_str()).id(code.as_str()).element(snippet)];
    if let Some(help) = &diagnostic.help {
        report.push(Group::with_title(Level::HELP.secondary_title(help.as_str())));
    }
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    renderer.render(&report)
}

/// A diagnostic as serialised in `--format json` output.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Byte offsets into the query text.
    pub start: u32,
    pub end: u32,
    /// 1-based line and column of `start` (column in characters).
    pub line: u32,
    pub column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl JsonDiagnostic {
    /// Converts `diagnostic`, computing line and column in `source`.
    pub fn new(diagnostic: &Diagnostic, source: &SourceFile) -> JsonDiagnostic {
        let position = source.line_col(diagnostic.span.start);
        JsonDiagnostic {
            code: diagnostic.code.as_string(),
            name: diagnostic.code.info().name,
            severity: diagnostic.severity,
            message: diagnostic.message.clone(),
            start: diagnostic.span.start,
            end: diagnostic.span.end,
            line: position.line,
            column: position.column,
            help: diagnostic.help.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::text::Span;

    #[test]
    fn text_rendering_points_at_the_span() {
        let source = SourceFile::new("q.kql", "T\n| where (a > 1))\n");
        let diagnostic = Diagnostic::new(Code::UnexpectedToken, Span::new(17, 18), "unexpected `)`")
            .with_help("remove the extra `)`");
        let text = render_text(&diagnostic, &source, false);
        assert!(text.starts_with("error[KQL0012]: unexpected `)`"), "{text}");
        assert!(text.contains("q.kql:2:16"), "{text}");
        assert!(text.contains("help: remove the extra `)`"), "{text}");
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let source = SourceFile::new("q", "é");
        let diagnostic = Diagnostic::new(Code::ExpectedExpression, Span::new(1, 40), "expected an expression");
        let text = render_text(&diagnostic, &source, false);
        assert!(text.contains("KQL0011"));
    }
}
