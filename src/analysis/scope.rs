//! The binder's state: `let`-bound names in nested scopes, the row context
//! an expression is evaluated in, and the statement walk.

use std::collections::HashMap;
use std::sync::Arc;

use crate::analysis::types::{ExprType, TableType, Type};
use crate::analysis::{Globals, Output};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{self, Expr, ExprKind, LetValue, Literal, StatementKind};
use crate::text::Span;

/// How deep user-function calls may nest before the binder stops.
const MAX_CALL_DEPTH: usize = 32;

/// What a `let` name stands for.
#[derive(Debug, Clone)]
pub(crate) enum Symbol<'a> {
    /// A scalar value.
    Scalar(Type),
    /// A constant string (`let name = "SigninLogs";`, or a string literal
    /// passed to a user function), so `table(name)` can resolve it.
    Text(String),
    /// A tabular value (`let T = ...;`, `materialize(...)`).
    Table(Arc<TableType>),
    /// A user function or view.
    Function(&'a ast::FunctionDef),
    /// A `declare pattern`.
    Pattern(&'a ast::Pattern),
}

/// The rows an expression is evaluated against.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Row<'r> {
    /// The input table's columns (none outside a tabular operator).
    pub table: Option<&'r TableType>,
    /// `$left` and `$right` inside a join condition.
    pub left: Option<&'r TableType>,
    pub right: Option<&'r TableType>,
    /// Aggregation functions are allowed (summarize, make-series, ...).
    pub aggregates: bool,
}

impl<'r> Row<'r> {
    /// A row context over `table`.
    pub fn of(table: &'r TableType) -> Row<'r> {
        Row { table: Some(table), ..Row::default() }
    }

    /// The same rows, with aggregation functions allowed.
    pub fn with_aggregates(self) -> Row<'r> {
        Row { aggregates: true, ..self }
    }
}

/// Walks statements and expressions, collecting diagnostics.
pub(crate) struct Binder<'a> {
    pub globals: &'a Globals,
    scopes: Vec<HashMap<&'a str, Symbol<'a>>>,
    diagnostics: Vec<Diagnostic>,
    pub call_depth: usize,
    /// Set while binding a user function's body at a call site: problems in
    /// the body are reported once, at its declaration, not per call.
    pub quiet: usize,
    /// One entry per operator being bound (innermost last): the names its
    /// expressions used that an open input does not declare.
    pub inferred: Vec<InferredColumns>,
    /// Inside `union isfuzzy=true`: an unknown table name is an empty open
    /// table, not an error (Kusto.Language only warns, KS205).
    pub fuzzy: bool,
    /// The pattern variables while a `graph-match` or `graph-shortest-paths`
    /// predicate and projection are bound.
    pub graph_vars: Vec<crate::analysis::graph::GraphVar>,
    /// Tables named by `graph-to-table ... as Name` in the statement being
    /// bound; defined for the statements after it.
    pub graph_tables: Vec<(&'a str, Arc<TableType>)>,
}

/// Names an operator uses that its open input (or the open right side of a
/// `join`) does not declare. Kusto.Language infers an `unknown` column for
/// each, and the operator's output has them as columns of its input.
#[derive(Debug, Default)]
pub(crate) struct InferredColumns {
    pub input: Vec<String>,
    pub right: Vec<String>,
}

impl<'a> Binder<'a> {
    pub fn new(globals: &'a Globals) -> Binder<'a> {
        Binder {
            globals,
            scopes: vec![HashMap::new()],
            diagnostics: Vec::new(),
            call_depth: 0,
            quiet: 0,
            inferred: Vec::new(),
            fuzzy: false,
            graph_vars: Vec::new(),
            graph_tables: Vec::new(),
        }
    }

    /// The diagnostics found, in source order.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        self.diagnostics.dedup();
        self.diagnostics
    }

    /// Reports a diagnostic (unless inside a function body bound at a call site).
    pub fn report(&mut self, diagnostic: Diagnostic) {
        if self.quiet == 0 {
            self.diagnostics.push(diagnostic);
        }
    }

    /// Records that the operator being bound used `name`, which its open
    /// input (or, with `right`, the open right side of a join) does not declare.
    pub fn infer_column(&mut self, name: &str, right: bool) {
        if let Some(frame) = self.inferred.last_mut() {
            let names = if right { &mut frame.right } else { &mut frame.input };
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }

    /// Reports `code` at `span`.
    pub fn error(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.report(Diagnostic::new(code, span, message));
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    pub fn define(&mut self, name: &'a str, symbol: Symbol<'a>) {
        self.scopes.last_mut().expect("there is always a scope").insert(name, symbol);
    }

    /// The innermost symbol named `name`.
    pub fn lookup(&self, name: &str) -> Option<&Symbol<'a>> {
        self.scopes.iter().rev().find_map(|scope| scope.get(name))
    }

    /// Every `let` name in scope (for did-you-mean).
    pub fn symbol_names(&self) -> Vec<&'a str> {
        self.scopes.iter().flat_map(|scope| scope.keys().copied()).collect()
    }

    /// Binds a statement list (a query or a function body); returns the
    /// type of the last query statement.
    pub fn bind_statements(&mut self, statements: &'a [ast::Statement]) -> Option<Output> {
        let mut output = None;
        for statement in statements {
            match &statement.kind {
                StatementKind::Let(binding) => self.bind_let(binding),
                StatementKind::Query(expr) => {
                    output = match self.bind_expr(expr, Row::default()) {
                        ExprType::Table(table) => Some(Output::Table(table)),
                        ExprType::Scalar(ty) => Some(Output::Scalar(ty)),
                        ExprType::Error => None,
                    };
                    for (name, table) in std::mem::take(&mut self.graph_tables) {
                        self.define(name, Symbol::Table(table));
                    }
                }
                StatementKind::QueryParameters(params) => {
                    for param in params {
                        let symbol = self.parameter_symbol(param);
                        self.define(&param.name.name, symbol);
                    }
                }
                StatementKind::Alias { value, .. } => {
                    self.bind_expr(value, Row::default());
                }
                StatementKind::Restrict(items) => {
                    for item in items {
                        self.bind_expr(item, Row::default());
                    }
                }
                StatementKind::Pattern(pattern) => self.define(&pattern.name.name, Symbol::Pattern(pattern)),
                StatementKind::Set { .. } | StatementKind::Error => {}
            }
        }
        output
    }

    fn bind_let(&mut self, binding: &'a ast::Let) {
        let symbol = match &binding.value {
            LetValue::Expr(Expr { kind: ExprKind::Literal(Literal::String(text)), .. }) => Symbol::Text(text.clone()),
            LetValue::Expr(expr) => match self.bind_expr(expr, Row::default()) {
                ExprType::Table(table) => Symbol::Table(table),
                ExprType::Scalar(ty) => Symbol::Scalar(ty),
                ExprType::Error => Symbol::Scalar(Type::Unknown),
            },
            LetValue::Function(function) => {
                self.check_function_body(function);
                Symbol::Function(function)
            }
        };
        self.define(&binding.name.name, symbol);
    }

    /// Binds a function body once with its declared parameter types, so
    /// mistakes in it are reported at the declaration.
    fn check_function_body(&mut self, function: &'a ast::FunctionDef) {
        self.push_scope();
        for param in &function.params {
            let symbol = self.parameter_symbol(param);
            self.define(&param.name.name, symbol);
        }
        self.call_depth += 1;
        if self.call_depth <= MAX_CALL_DEPTH {
            self.bind_statements(&function.body);
        }
        self.call_depth -= 1;
        self.pop_scope();
    }

    /// The symbol a parameter declares, from its declared type.
    pub fn parameter_symbol(&mut self, param: &'a ast::Parameter) -> Symbol<'a> {
        if let Some(default) = &param.default {
            self.bind_expr(default, Row::default());
        }
        match &param.ty {
            ast::ParameterType::Scalar(name) => Symbol::Scalar(name.ty.map(Type::Scalar).unwrap_or(Type::Unknown)),
            ast::ParameterType::Tabular { columns, open } => {
                let columns = columns
                    .iter()
                    .map(|c| crate::analysis::types::Column::new(&c.name.name, declared_type(&c.ty)))
                    .collect();
                Symbol::Table(Arc::new(TableType { columns, open: *open }))
            }
        }
    }

    /// Binds a user function's body for one call, with the arguments' types
    /// in place of the declared ones (tabular parameters take the argument's
    /// columns). Problems inside the body were reported at the declaration.
    pub fn bind_user_call(&mut self, function: &'a ast::FunctionDef, args: &[CallArg<'a>], span: Span) -> ExprType {
        if self.call_depth >= MAX_CALL_DEPTH {
            // Reported once, even inside a quietly bound body: it is the
            // reason the outer call has no type.
            if self.diagnostics.iter().any(|d| d.code == Code::FunctionNestingTooDeep) {
                return ExprType::Error;
            }
            self.diagnostics.push(Diagnostic::new(
                Code::FunctionNestingTooDeep,
                span,
                format!("user functions are nested more than {MAX_CALL_DEPTH} calls deep"),
            ));
            return ExprType::Error;
        }
        self.push_scope();
        for (position, param) in function.params.iter().enumerate() {
            // Named arguments (`f(b = 2)`) bind by name, the rest by position.
            let by_name = args.iter().find(|arg| arg.name == Some(param.name.name.as_str()));
            let by_position = args.get(position).filter(|arg| arg.name.is_none());
            let arg = by_name.or(by_position);
            let symbol = match arg.map(|arg| (&arg.ty, &arg.text)) {
                Some((ExprType::Table(table), _)) => Symbol::Table(table.clone()),
                Some((_, Some(text))) => Symbol::Text(text.clone()),
                Some((ExprType::Scalar(ty), _)) if matches!(param.ty, ast::ParameterType::Scalar(_)) => {
                    Symbol::Scalar(*ty)
                }
                _ => {
                    self.quiet += 1;
                    let symbol = self.parameter_symbol(param);
                    self.quiet -= 1;
                    symbol
                }
            };
            self.define(&param.name.name, symbol);
        }
        self.call_depth += 1;
        self.quiet += 1;
        let output = self.bind_statements(&function.body);
        self.quiet -= 1;
        self.call_depth -= 1;
        self.pop_scope();
        match output {
            Some(Output::Table(table)) => ExprType::Table(table),
            Some(Output::Scalar(ty)) => ExprType::Scalar(ty),
            None => ExprType::Error,
        }
    }

    /// Binds an expression that must be tabular.
    pub fn bind_table(&mut self, expr: &'a Expr, row: Row<'_>) -> Option<Arc<TableType>> {
        match self.bind_expr(expr, row) {
            ExprType::Table(table) => Some(table),
            ExprType::Error => None,
            ExprType::Scalar(_) => {
                self.error(Code::TabularExpected, expr.span, "expected a tabular expression, found a scalar");
                None
            }
        }
    }
}

/// An argument of a user-function call.
pub(crate) struct CallArg<'a> {
    /// The name of a named argument (`f(x = 1)`).
    pub name: Option<&'a str>,
    pub ty: ExprType,
    /// The value of a constant string argument.
    pub text: Option<String>,
}

/// A declared type name as a type (`Unknown` if the name was not recognised).
pub(crate) fn declared_type(name: &ast::TypeName) -> Type {
    name.ty.map(Type::Scalar).unwrap_or(Type::Unknown)
}
