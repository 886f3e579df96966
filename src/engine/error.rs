//! Errors raised while executing a query: a stable code, the span of the
//! construct when known, a message and a hint.

use crate::diagnostics::{Code, Diagnostic};
use crate::text::Span;

/// An execution error.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecError {
    pub code: Code,
    pub span: Option<Span>,
    pub message: String,
    pub help: Option<String>,
}

impl ExecError {
    pub fn new(code: Code, message: impl Into<String>) -> ExecError {
        ExecError { code, span: None, message: message.into(), help: None }
    }

    /// A construct the local engine does not run yet.
    pub fn unsupported(what: impl Into<String>) -> ExecError {
        let what = what.into();
        ExecError::new(Code::NotSupportedLocally, format!("{what} is not supported locally yet"))
            .with_help("run the query in Log Analytics (`kqlab verify`) or rewrite it without this construct")
    }

    /// A construct that can never run offline, and why (see
    /// `engine::support::offline_reason`).
    pub fn unsupported_offline(what: impl Into<String>, reason: &str) -> ExecError {
        let what = what.into();
        ExecError::new(Code::NotSupportedLocally, format!("{what} cannot run locally: {reason}"))
            .with_help("run the query in Log Analytics or Azure Data Explorer (`kqlab verify` checks it there)")
    }

    /// A runtime failure (bad argument value, invalid regex, ...).
    pub fn runtime(message: impl Into<String>) -> ExecError {
        ExecError::new(Code::RuntimeError, message)
    }

    /// Sets the span unless one is already set (the innermost span wins).
    pub fn at(mut self, span: Span) -> ExecError {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> ExecError {
        self.help = Some(help.into());
        self
    }

    /// The error as a diagnostic (at `fallback` when it has no span).
    pub fn to_diagnostic(&self, fallback: Span) -> Diagnostic {
        let diagnostic = Diagnostic::new(self.code, self.span.unwrap_or(fallback), self.message.clone());
        match &self.help {
            Some(help) => diagnostic.with_help(help.clone()),
            None => diagnostic,
        }
    }
}

/// Result of an execution step.
pub type ExecResult<T> = Result<T, ExecError>;
