//! Analysing a document's query behind the folder's functions, with
//! diagnostics mapped back to the document's own lines.

use crate::analysis::{Globals, Output};
use crate::diagnostics::{Code, Diagnostic, has_errors};
use crate::ruleset::document::{Document, Kind};
use crate::ruleset::functions::{Functions, Prelude};
use crate::syntax::ast;
use crate::text::Span;

/// A document's query, parsed and analysed.
pub struct Analyzed {
    /// The full text analysed: the prelude, then the query (or function definition).
    pub text: String,
    /// Where the document's own text starts in `text`.
    pub offset: u32,
    /// The functions the prelude defines.
    pub prelude: Prelude,
    pub query: ast::Query,
    /// Parse and analysis diagnostics, spans in the document's file.
    pub diagnostics: Vec<Diagnostic>,
    /// The output type (of the query; of the function's body for functions).
    pub output: Option<Output>,
}

/// Parses and analyses the query of `document` with the folder functions it
/// uses defined before it. `None` when the document has no query.
///
/// Run it on a thread with a large stack (the parser's nesting bounds are
/// the first defence, this the second).
pub fn analyze_document(document: &Document, functions: &Functions, globals: &Globals) -> Option<Analyzed> {
    let query = document.query.as_ref()?;
    let own_name = document.function.as_ref().map(|f| f.name.as_str());
    let mut roots = functions.used_by(&query.text);
    roots.retain(|name| Some(name.as_str()) != own_name);
    let prelude = functions.prelude(&roots);
    let mut text = prelude.text.clone();
    let (offset, body_len) = match (&document.kind, &document.function) {
        (Kind::Function, Some(function)) => {
            text.push_str(&format!("let {} = ({}) {{\n", function.name, function.params));
            let offset = text.len() as u32;
            let body = query.text.trim_end().trim_end_matches(';').trim_end();
            text.push_str(body);
            text.push_str(&format!("\n}};\n{}", call_with_defaults(&function.name)));
            (offset, body.len() as u32)
        }
        _ => {
            let offset = text.len() as u32;
            text.push_str(&query.text);
            (offset, query.text.len() as u32)
        }
    };
    let parse = crate::syntax::parse(&text);
    let mut raw = parse.diagnostics;
    let mut output = None;
    if !has_errors(&raw) {
        let analysis = crate::analysis::analyze(&parse.query, globals);
        raw.extend(analysis.diagnostics);
        output = analysis.output;
    }
    let whole_query = query.map_span(Span::new(0, query.text.len() as u32));
    let mut diagnostics = Vec::new();
    for mut diagnostic in raw {
        let start = diagnostic.span.start;
        if start < prelude.text.len() as u32 || start > offset + body_len {
            // Problems in a function the query calls are reported on that
            // function's file; the trial call after a function's body is ours.
            continue;
        }
        if start < offset {
            // The `let` head a function file's parameters become.
            diagnostic.span = Span::empty(whole_query.start);
            diagnostics.push(diagnostic);
            continue;
        }
        let start = diagnostic.span.start - offset;
        let end = diagnostic.span.end.saturating_sub(offset).clamp(start, body_len);
        diagnostic.span = query.map_span(Span::new(start, end));
        for label in &mut diagnostic.labels {
            let start = label.span.start.saturating_sub(offset).min(body_len);
            let end = label.span.end.saturating_sub(offset).clamp(start, body_len);
            label.span = query.map_span(Span::new(start, end));
        }
        diagnostics.push(diagnostic);
    }
    if let Some(cycle) = &prelude.cycle {
        diagnostics.push(
            Diagnostic::new(
                Code::RecursiveFunction,
                whole_query,
                format!("the folder's functions call each other in a cycle: {}", cycle.join(" → ")),
            )
            .with_help("KQL functions cannot be recursive; break the cycle"),
        );
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Some(Analyzed { text, offset, prelude, query: parse.query, diagnostics, output })
}

/// `Name()`: a call that gives a function's output type with its defaults.
/// Functions with required parameters still bind: the analyzer reports the
/// missing arguments at the call, which is outside the body and dropped.
fn call_with_defaults(name: &str) -> String {
    format!("{name}()")
}
