//! Semantic analysis: binds a parsed query against table schemas and the
//! built-in catalog, infers the type of every expression and the output
//! schema of every tabular operator, and reports unknown names, wrong
//! arguments and type errors as diagnostics.
//!
//! Like the parser, [`analyze`] never fails: it returns the query's output
//! schema (as far as it could be determined) and the diagnostics.

pub mod catalog;
mod expr;
mod functions;
mod names;
mod operators;
pub mod schema;
mod scope;
mod sources;
pub mod types;

use std::sync::Arc;

use crate::analysis::catalog::Catalog;
use crate::analysis::schema::Schemas;
use crate::analysis::scope::Binder;
use crate::analysis::types::{TableType, Type};
use crate::diagnostics::Diagnostic;
use crate::syntax::ast;

/// What the analyzer checks a query against: table and function schemas
/// and the built-in catalog.
#[derive(Debug, Clone)]
pub struct Globals {
    pub schemas: Arc<Schemas>,
    pub catalog: &'static Catalog,
}

impl Globals {
    /// The built-in Log Analytics / Sentinel schemas and catalog.
    pub fn builtin() -> Globals {
        Globals::with_schemas(Schemas::builtin().clone())
    }

    /// Custom schemas and the built-in catalog.
    pub fn with_schemas(schemas: Schemas) -> Globals {
        Globals { schemas: Arc::new(schemas), catalog: Catalog::builtin() }
    }
}

/// The result of analysing a query.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The type of the query's result (its last query statement), when it has one.
    pub output: Option<Output>,
    /// Semantic diagnostics, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result type of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Table(Arc<TableType>),
    Scalar(Type),
}

/// Analyses a parsed query.
///
/// ```
/// use kqlab::analysis::{Globals, Output, analyze};
/// let parse = kqlab::syntax::parse("SigninLogs | summarize n = count() by UserPrincipalName");
/// let analysis = analyze(&parse.query, &Globals::builtin());
/// assert!(analysis.diagnostics.is_empty());
/// let Some(Output::Table(table)) = analysis.output else { panic!("tabular") };
/// let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
/// assert_eq!(names, ["UserPrincipalName", "n"]);
/// ```
pub fn analyze(query: &ast::Query, globals: &Globals) -> Analysis {
    let mut binder = Binder::new(globals);
    let output = binder.bind_statements(&query.statements);
    Analysis { output, diagnostics: binder.finish() }
}
