//! What names mean while a query runs: `let` bindings (scalars, tables,
//! functions), function parameters and the implicit input of sub-queries.
//! Scopes are immutable linked lists, so closures (functions) capture the
//! scope they were defined in.

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;

use crate::engine::error::{ExecError, ExecResult};
use crate::engine::expr::Compiled;
use crate::engine::table::Table;
use crate::engine::value::Value;
use crate::syntax::ast::{self as ast, Expr, ExprKind, FunctionDef, ScalarType};

/// A tabular `let`, evaluated the first time it is used.
#[derive(Debug)]
pub struct LazyTable<'q> {
    pub expr: &'q Expr,
    pub env: Env<'q>,
    pub cell: OnceCell<ExecResult<Arc<Table>>>,
}

/// What a name is bound to.
#[derive(Debug, Clone)]
pub enum Binding<'q> {
    Scalar(Value, ScalarType),
    Table(Rc<LazyTable<'q>>),
    /// An already evaluated table (a tabular parameter, `as` names).
    Evaluated(Arc<Table>),
    Function(&'q FunctionDef, Env<'q>),
    /// A scalar parameter (or body `let`) of a function called per row.
    Row(Rc<Compiled>),
    /// A `declare pattern`, with the scope its entries' bodies run in.
    Pattern(&'q ast::Pattern, Env<'q>),
}

/// One binding and the scope around it.
#[derive(Debug)]
pub struct Scope<'q> {
    pub name: String,
    pub binding: Binding<'q>,
    pub parent: Env<'q>,
}

/// A scope: `None` is the empty (global) scope.
pub type Env<'q> = Option<Rc<Scope<'q>>>;

/// The name under which sub-queries find their implicit input.
pub const INPUT: &str = "$input";

/// A new scope with `name` bound in front of `env`.
pub fn bind<'q>(env: &Env<'q>, name: &str, binding: Binding<'q>) -> Env<'q> {
    Some(Rc::new(Scope { name: name.to_string(), binding, parent: env.clone() }))
}

/// The innermost binding of `name`.
pub fn lookup<'a, 'q>(env: &'a Env<'q>, name: &str) -> Option<&'a Binding<'q>> {
    let mut current = env.as_ref();
    while let Some(scope) = current {
        if scope.name == name {
            return Some(&scope.binding);
        }
        current = scope.parent.as_ref();
    }
    None
}

/// Matches call arguments to `params` (after the first `skip` ones):
/// positional arguments in order, then `name = value` arguments by name,
/// then defaults. `None` for a parameter with no argument and no default.
pub fn match_arguments<'q>(
    params: &'q [ast::Parameter],
    skip: usize,
    args: &'q [Expr],
) -> ExecResult<Vec<(&'q ast::Parameter, Option<&'q Expr>)>> {
    let params = &params[skip.min(params.len())..];
    let mut matched: Vec<Option<&'q Expr>> = vec![None; params.len()];
    let mut position = 0;
    for arg in args {
        match &arg.kind {
            ExprKind::NamedArg { name, value } => {
                let Some(index) = params.iter().position(|p| p.name.name == name.name) else {
                    return Err(ExecError::runtime(format!("the function has no parameter `{}`", name.name))
                        .with_help(format!(
                            "its parameters are: {}",
                            params.iter().map(|p| p.name.name.as_str()).collect::<Vec<_>>().join(", ")
                        ))
                        .at(arg.span));
                };
                matched[index] = Some(value);
            }
            // A positional argument takes the next parameter that no named
            // argument before it has taken (`f(len=3, input)` binds `input`
            // to the second parameter).
            _ => {
                while position < params.len() && matched[position].is_some() {
                    position += 1;
                }
                if position >= params.len() {
                    return Err(ExecError::runtime("too many arguments").at(arg.span));
                }
                matched[position] = Some(arg);
                position += 1;
            }
        }
    }
    Ok(params.iter().zip(matched).map(|(p, arg)| (p, arg.or(p.default.as_ref()))).collect())
}
