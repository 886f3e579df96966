//! Scalar expressions: lowered ("compiled") against the input table's
//! columns and the scope into a [`Compiled`] tree — names resolved to column
//! indexes or constants, functions to kernels, constant patterns to regexes —
//! and then evaluated over whole columns.

use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;

use crate::engine::column::{Column, Prim};
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::operators::{binary, compare_op, equals, like_regex};
use crate::engine::functions::text_match::{self, Match};
use crate::engine::functions::{self, EvalCtx, ScalarKernel, map_rows};
use crate::engine::operators::scan::state_column;
use crate::engine::scope::{Binding, Env, bind, lookup, match_arguments};
use crate::engine::table::Table;
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::{self, BinaryOp, Expr, ExprKind, ListOp, Literal, ScalarType, StatementKind, UnaryOp};
use crate::text::Span;

/// A lowered scalar expression.
#[derive(Debug, Clone)]
pub enum Compiled {
    Const(Value, ScalarType),
    Column(usize),
    Negate(Box<Compiled>),
    Binary { op: BinaryOp, left: Box<Compiled>, right: Box<Compiled>, regex: Option<regex::Regex>, span: Span },
    List { op: ListOp, left: Box<Compiled>, items: Vec<Compiled>, set: Option<Rc<HashSet<String>>> },
    Between { negated: bool, expr: Box<Compiled>, low: Box<Compiled>, high: Box<Compiled> },
    Call { name: String, kernel: ScalarKernel, args: Vec<Compiled>, span: Span },
    Member { target: Box<Compiled>, name: String },
    Index { target: Box<Compiled>, index: Box<Compiled> },
}

/// Lowers expressions in one row context.
pub struct Compiler<'a, 'q> {
    pub exec: &'a Executor<'q>,
    pub env: &'a Env<'q>,
    pub input: &'a Table,
    /// Sub-expressions (by span) already computed as columns of `input`,
    /// e.g. the aggregates inside `summarize x = round(avg(a), 2)`.
    pub computed: &'a [(Span, usize)],
}

impl<'a, 'q> Compiler<'a, 'q> {
    pub fn new(exec: &'a Executor<'q>, env: &'a Env<'q>, input: &'a Table) -> Compiler<'a, 'q> {
        Compiler { exec, env, input, computed: &[] }
    }

    /// Lowers `expr`.
    pub fn compile(&self, expr: &'q Expr) -> ExecResult<Compiled> {
        self.compile_in(expr, self.env).map_err(|e| e.at(expr.span))
    }

    fn compile_in(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<Compiled> {
        let compile = |e: &'q Expr| self.compile_in(e, env).map_err(|err| err.at(e.span));
        if let Some((_, index)) = self.computed.iter().find(|(span, _)| *span == expr.span) {
            return Ok(Compiled::Column(*index));
        }
        Ok(match &expr.kind {
            ExprKind::Literal(literal) => {
                let (value, ty) = self.literal(literal);
                Compiled::Const(value, ty)
            }
            ExprKind::Name(ident) => self.name(&ident.name, env, expr)?,
            ExprKind::Paren(inner) => compile(inner)?,
            ExprKind::Unary { op, operand } => {
                let operand = compile(operand)?;
                match op {
                    UnaryOp::Plus => operand,
                    UnaryOp::Minus => Compiled::Negate(Box::new(operand)),
                }
            }
            ExprKind::Binary { op, left, right } => {
                let left_c = compile(left)?;
                let right_c = compile(right)?;
                let regex = match (op, &right_c) {
                    (BinaryOp::MatchesRegex, Compiled::Const(value, _)) => Some(
                        crate::engine::functions::string::compile_regex(&value.to_kql_string())
                            .map_err(|e| e.at(right.span))?,
                    ),
                    (BinaryOp::Like | BinaryOp::NotLike, Compiled::Const(value, _)) => {
                        Some(like_regex(&value.to_kql_string(), false)?)
                    }
                    (BinaryOp::LikeCs | BinaryOp::NotLikeCs, Compiled::Const(value, _)) => {
                        Some(like_regex(&value.to_kql_string(), true)?)
                    }
                    _ => None,
                };
                Compiled::Binary { op: *op, left: Box::new(left_c), right: Box::new(right_c), regex, span: expr.span }
            }
            ExprKind::List { op, left, items } => {
                let left = compile(left)?;
                let mut compiled = Vec::new();
                for item in items {
                    if self.exec.is_tabular(item, env) {
                        let table = self.exec.eval_table(item, env)?;
                        if let Some(field) = table.fields.first() {
                            let ty = field.column.ty();
                            for row in 0..table.rows {
                                compiled.push(Compiled::Const(field.column.get(row), ty));
                            }
                        }
                    } else {
                        compiled.push(compile(item)?);
                    }
                }
                let set = string_set(*op, &compiled);
                Compiled::List { op: *op, left: Box::new(left), items: compiled, set }
            }
            ExprKind::Between { negated, expr: inner, low, high } => Compiled::Between {
                negated: *negated,
                expr: Box::new(compile(inner)?),
                low: Box::new(compile(low)?),
                high: Box::new(compile(high)?),
            },
            ExprKind::Call { target: None, name, args } => self.call(&name.name, args, env, expr.span)?,
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(ident) = &target.kind
                    && let Some(index) = self.input.index_of(&state_column(&ident.name, &name.name))
                {
                    // `Step.Column` inside `scan`.
                    return Ok(Compiled::Column(index));
                }
                if let ExprKind::Name(ident) = &target.kind
                    && self.input.index_of(&ident.name).is_none()
                    && lookup(env, &ident.name).is_none()
                    && let Some(index) = self.input.index_of(&name.name)
                {
                    // `Table.Column` (a qualified column name).
                    return Ok(Compiled::Column(index));
                }
                Compiled::Member { target: Box::new(compile(target)?), name: name.name.clone() }
            }
            ExprKind::Index { target, index } => {
                Compiled::Index { target: Box::new(compile(target)?), index: Box::new(compile(index)?) }
            }
            ExprKind::Pipe { .. } | ExprKind::Source(_) => {
                return Err(ExecError::runtime("a tabular expression is used where a scalar is expected")
                    .with_help("wrap it in `toscalar(...)`"));
            }
            ExprKind::Call { target: Some(_), .. } => return Err(ExecError::unsupported("cross-cluster references")),
            ExprKind::Star => return Err(ExecError::unsupported("`*` in this position")),
            ExprKind::NamePattern(_) => return Err(ExecError::unsupported("a column name pattern here")),
            ExprKind::NamedArg { .. } => return Err(ExecError::unsupported("a named argument here")),
            // `typeof(long)` as an argument (extract, mv-expand ... to): the type's name.
            ExprKind::TypeOf { scalar: Some(type_name), .. } => {
                Compiled::Const(Value::str(type_name.ty.map_or("string", ScalarType::name)), ScalarType::String)
            }
            ExprKind::TypeOf { .. } => return Err(ExecError::unsupported("`typeof` with columns here")),
            ExprKind::ContextualInput | ExprKind::SearchField { .. } | ExprKind::Error => {
                return Err(ExecError::runtime("this expression cannot be evaluated"));
            }
        })
    }

    /// A literal's value and type.
    pub fn literal(&self, literal: &Literal) -> (Value, ScalarType) {
        literal_value(literal, self.exec.options.now)
    }

    fn name(&self, name: &str, env: &Env<'q>, expr: &'q Expr) -> ExecResult<Compiled> {
        if let Some(binding) = lookup(env, name)
            && let Binding::Row(compiled) = binding
        {
            return Ok((**compiled).clone());
        }
        if let Some(index) = self.input.index_of(name) {
            return Ok(Compiled::Column(index));
        }
        match lookup(env, name) {
            Some(Binding::Scalar(value, ty)) => Ok(Compiled::Const(value.clone(), *ty)),
            Some(Binding::Function(def, _)) if def.params.is_empty() && !self.exec.is_tabular(expr, env) => {
                self.call(name, &[], env, expr.span)
            }
            Some(_) => Err(ExecError::runtime(format!("`{name}` is a table, not a scalar value"))
                .with_help("use `toscalar(...)` to take a single value from a table")),
            None => Err(ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("unknown name `{name}`"))),
        }
    }

    fn call(&self, name: &str, args: &'q [Expr], env: &Env<'q>, span: Span) -> ExecResult<Compiled> {
        if let Some(Binding::Function(def, closure)) = lookup(env, name) {
            return self.user_call(def, closure, args, env);
        }
        match name {
            "toscalar" => {
                let Some(arg) = args.first() else { return Err(ExecError::runtime("`toscalar` needs an argument")) };
                let (value, ty) = self.exec.eval_toscalar(arg, env)?;
                return Ok(Compiled::Const(value, ty));
            }
            "column_names_of" => {
                let Some(arg) = args.first() else {
                    return Err(ExecError::runtime("`column_names_of` needs a table"));
                };
                let table = self.exec.eval_table(arg, env)?;
                let names = table.fields.iter().map(|f| Dyn::String(f.name.as_str().into())).collect();
                return Ok(Compiled::Const(Value::Dynamic(Dyn::Array(Arc::new(names))), ScalarType::Dynamic));
            }
            // `bin_auto(x)`: `bin_at(x, size, at)` with the bin size and
            // fixed point from `set query_bin_auto_size/at`.
            "bin_auto" => {
                let [value] = args else { return Err(ExecError::runtime("`bin_auto` takes one argument")) };
                let option = |name: &str| match lookup(env, &crate::engine::exec::set_option_name(name)) {
                    Some(Binding::Scalar(value, ty)) => Some(Compiled::Const(value.clone(), *ty)),
                    _ => None,
                };
                let Some(size) = option("query_bin_auto_size") else {
                    return Err(ExecError::runtime("`bin_auto` needs the bin size from `set query_bin_auto_size`")
                        .with_help("start the query with `set query_bin_auto_size=1h;`"));
                };
                let value = self.compile_in(value, env)?;
                let (name, args) = match option("query_bin_auto_at") {
                    Some(at) => ("bin_at", vec![value, size, at]),
                    None => ("bin", vec![value, size]),
                };
                let kernel = functions::scalar(name).expect("bin and bin_at are built in");
                return Ok(Compiled::Call { name: name.to_string(), kernel, args, span });
            }
            // `estimate_data_size(*)` sizes every column of the row.
            "estimate_data_size" => {
                let mut compiled = Vec::new();
                for arg in args {
                    if matches!(arg.kind, ExprKind::Star) {
                        compiled.extend((0..self.input.fields.len()).map(Compiled::Column));
                    } else {
                        compiled.push(self.compile_in(arg, env).map_err(|e| e.at(arg.span))?);
                    }
                }
                let kernel = functions::data_size::estimate_data_size as ScalarKernel;
                return Ok(Compiled::Call { name: name.to_string(), kernel, args: compiled, span });
            }
            // `columnifexists` is the deprecated name.
            "column_ifexists" | "columnifexists" => {
                let (Some(column), Some(default)) = (args.first(), args.get(1)) else {
                    return Err(ExecError::runtime("`column_ifexists` needs a column name and a default"));
                };
                let column_name = self.constant_string(column, env)?;
                return match self.input.index_of(&column_name) {
                    Some(index) => Ok(Compiled::Column(index)),
                    None => self.compile_in(default, env),
                };
            }
            // `bag_pack_columns(A, B)`: `bag_pack("A", A, "B", B)`; the
            // arguments must be column names, whose names become the keys.
            "bag_pack_columns" => {
                let mut packed = Vec::with_capacity(args.len() * 2);
                for arg in args {
                    let ExprKind::Name(ident) = &arg.kind else {
                        return Err(ExecError::runtime("`bag_pack_columns` takes column names").at(arg.span));
                    };
                    packed.push(Compiled::Const(Value::str(&ident.name), ScalarType::String));
                    packed.push(self.compile_in(arg, env).map_err(|e| e.at(arg.span))?);
                }
                let kernel = functions::dynamic::bag_pack as ScalarKernel;
                return Ok(Compiled::Call { name: name.to_string(), kernel, args: packed, span });
            }
            "pack_all" => {
                let mut packed = Vec::new();
                for (index, field) in self.input.fields.iter().enumerate() {
                    packed.push(Compiled::Const(Value::str(&field.name), ScalarType::String));
                    packed.push(Compiled::Column(index));
                }
                let ignore_nulls = match args.first() {
                    Some(arg) => matches!(self.constant(arg, env)?.0, Value::Bool(true)),
                    None => false,
                };
                let kernel = if ignore_nulls {
                    functions::dynamic::bag_pack_skip_nulls as ScalarKernel
                } else {
                    functions::dynamic::bag_pack as ScalarKernel
                };
                return Ok(Compiled::Call { name: name.to_string(), kernel, args: packed, span });
            }
            _ => {}
        }
        let Some(kernel) = functions::scalar(name) else {
            if crate::analysis::catalog::Catalog::builtin().aggregate(name).is_some() {
                return Err(ExecError::runtime(format!("aggregate function `{name}` used outside summarize"))
                    .with_help("aggregates belong in `summarize`, `make-series` or `top-nested`"));
            }
            if crate::analysis::catalog::Catalog::builtin().scalar(name).is_some() {
                return Err(match crate::engine::support::offline_reason(name) {
                    Some(reason) => ExecError::unsupported_offline(format!("the function `{name}()`"), reason),
                    None => ExecError::unsupported(format!("the function `{name}()`")),
                });
            }
            return Err(ExecError::new(
                crate::diagnostics::Code::UnknownFunction,
                format!("unknown function `{name}`"),
            ));
        };
        let mut compiled = Vec::with_capacity(args.len());
        for arg in positional_args(name, args)? {
            compiled.push(self.compile_in(arg, env).map_err(|e| e.at(arg.span))?);
        }
        Ok(Compiled::Call { name: name.to_string(), kernel, args: compiled, span })
    }

    /// Inlines a call of a user function whose result is a scalar.
    fn user_call(
        &self,
        def: &'q ast::FunctionDef,
        closure: &Env<'q>,
        args: &'q [Expr],
        env: &Env<'q>,
    ) -> ExecResult<Compiled> {
        let mut body_env = closure.clone();
        for (param, arg) in match_arguments(&def.params, 0, args)? {
            let Some(arg) = arg else {
                return Err(ExecError::runtime(format!("missing argument `{}`", param.name.name)));
            };
            let binding = match &param.ty {
                ast::ParameterType::Tabular { .. } => Binding::Evaluated(self.exec.eval_table(arg, env)?),
                ast::ParameterType::Scalar(_) => Binding::Row(Rc::new(self.compile_in(arg, env)?)),
            };
            body_env = bind(&body_env, &param.name.name, binding);
        }
        self.exec.check_depth()?;
        let mut result = None;
        for statement in &def.body {
            match &statement.kind {
                StatementKind::Let(ast::Let { name, value: ast::LetValue::Expr(value) }) => {
                    let binding = if self.exec.is_tabular(value, &body_env) {
                        self.exec.lazy_table(value, &body_env)
                    } else {
                        Binding::Row(Rc::new(self.compile_in(value, &body_env)?))
                    };
                    body_env = bind(&body_env, &name.name, binding);
                }
                StatementKind::Let(ast::Let { name, value: ast::LetValue::Function(inner) }) => {
                    let captured = body_env.clone();
                    body_env = bind(&body_env, &name.name, Binding::Function(inner, captured));
                }
                StatementKind::Query(query) => result = Some(self.compile_in(query, &body_env)?),
                _ => {}
            }
        }
        self.exec.leave_depth();
        result.ok_or_else(|| ExecError::runtime("the function body has no result expression"))
    }

    /// Evaluates an expression that must be constant (no columns).
    pub fn constant(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<(Value, ScalarType)> {
        let compiled = self.compile_in(expr, env)?;
        if reads_a_column(&compiled) {
            return Err(ExecError::runtime("a constant value is expected here, not a column").at(expr.span));
        }
        let ctx = self.exec.eval_ctx(1);
        match eval(&compiled, &Table::default(), &ctx)? {
            Datum::Scalar(value, ty) => Ok((value, ty)),
            Datum::Column(column) if column.len() == 1 => Ok((column.get(0), column.ty())),
            Datum::Column(_) => Err(ExecError::runtime("a constant value is expected here").at(expr.span)),
        }
    }

    fn constant_string(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<String> {
        Ok(self.constant(expr, env)?.0.to_kql_string())
    }
}

/// A built-in call's arguments in parameter order: a named argument
/// (`make_set(x, MaxSize = 8)`) goes to its parameter's position, found by
/// the catalog's parameter names (ignoring case); the others keep theirs.
pub fn positional_args<'e>(name: &str, args: &'e [Expr]) -> ExecResult<Vec<&'e Expr>> {
    if !args.iter().any(|arg| matches!(arg.kind, ExprKind::NamedArg { .. })) {
        return Ok(args.iter().collect());
    }
    let catalog = crate::analysis::catalog::Catalog::builtin();
    let params: Vec<&str> = catalog
        .scalar(name)
        .or_else(|| catalog.aggregate(name))
        .and_then(|function| function.signatures.iter().max_by_key(|signature| signature.params.len()))
        .map(|signature| signature.params.iter().map(|param| param.name.as_str()).collect())
        .unwrap_or_default();
    let mut slots: Vec<Option<&Expr>> = vec![None; args.len().max(params.len())];
    let mut next = 0;
    for arg in args {
        // A name the catalog does not know (its names can differ from the
        // reference's) keeps the argument's position.
        let named = match &arg.kind {
            ExprKind::NamedArg { name: param, value } => {
                params.iter().position(|p| p.eq_ignore_ascii_case(&param.name)).map(|slot| (slot, &**value))
            }
            _ => None,
        };
        let (slot, value) = match (named, &arg.kind) {
            (Some(named), _) => named,
            (None, ExprKind::NamedArg { value, .. }) => {
                next += 1;
                (next - 1, &**value)
            }
            (None, _) => {
                next += 1;
                (next - 1, arg)
            }
        };
        if slots[slot].replace(value).is_some() {
            return Err(ExecError::runtime(format!("`{name}` gets its argument {} twice", slot + 1)).at(arg.span));
        }
    }
    let given = slots.iter().rposition(Option::is_some).map_or(0, |last| last + 1);
    slots[..given]
        .iter()
        .map(|slot| {
            slot.ok_or_else(|| {
                ExecError::unsupported(format!("a named argument to `{name}` that skips an earlier optional parameter"))
            })
        })
        .collect()
}

/// A literal's value and type; `now` resolves `datetime(now)` and friends.
pub fn literal_value(literal: &Literal, now: i64) -> (Value, ScalarType) {
    use crate::syntax::literal::TICKS_PER_DAY;
    match literal {
        Literal::Bool(b) => (b.map_or(Value::Null, Value::Bool), ScalarType::Bool),
        Literal::Int(i) => (i.map_or(Value::Null, Value::Int), ScalarType::Int),
        Literal::Long(i) => (i.map_or(Value::Null, Value::Long), ScalarType::Long),
        Literal::Real(r) => (r.map_or(Value::Null, Value::Real), ScalarType::Real),
        Literal::Decimal(text) => (
            text.as_deref()
                .and_then(|t| {
                    t.parse::<rust_decimal::Decimal>().ok().or_else(|| rust_decimal::Decimal::from_scientific(t).ok())
                })
                .map_or(Value::Null, Value::Decimal),
            ScalarType::Decimal,
        ),
        Literal::String(s) => (Value::str(s), ScalarType::String),
        Literal::DateTime(t) => (t.map_or(Value::Null, Value::DateTime), ScalarType::DateTime),
        Literal::DateTimeNow => (Value::DateTime(now), ScalarType::DateTime),
        Literal::DateTimeTimeOfDay(time) => {
            (Value::DateTime(now.div_euclid(TICKS_PER_DAY) * TICKS_PER_DAY + time), ScalarType::DateTime)
        }
        Literal::TimeSpan(t) => (t.map_or(Value::Null, Value::TimeSpan), ScalarType::TimeSpan),
        Literal::Guid(g) => (g.map_or(Value::Null, Value::Guid), ScalarType::Guid),
        Literal::Dynamic(d) => (Value::Dynamic(dynamic_literal(d)), ScalarType::Dynamic),
    }
}

/// Converts a `dynamic(...)` literal body.
pub fn dynamic_literal(d: &ast::Dynamic) -> Dyn {
    match d {
        ast::Dynamic::Null => Dyn::Null,
        ast::Dynamic::Bool(b) => Dyn::Bool(*b),
        ast::Dynamic::Long(i) => Dyn::Long(*i),
        ast::Dynamic::Real(r) => Dyn::Real(*r),
        ast::Dynamic::String(s) => Dyn::str(s),
        ast::Dynamic::DateTime(t) => Dyn::DateTime(*t),
        ast::Dynamic::TimeSpan(t) => Dyn::TimeSpan(*t),
        ast::Dynamic::Guid(g) => Dyn::Guid(*g),
        ast::Dynamic::Array(items) => Dyn::array(items.iter().map(dynamic_literal).collect()),
        ast::Dynamic::Object(entries) => {
            Dyn::bag(entries.iter().map(|(k, v)| (Arc::from(k.as_str()), dynamic_literal(v))).collect())
        }
    }
}

/// For `in`/`!in`/`in~`/`has_any` over constant strings: the set to probe.
fn string_set(op: ListOp, items: &[Compiled]) -> Option<Rc<HashSet<String>>> {
    if !matches!(op, ListOp::In | ListOp::NotIn | ListOp::InCi | ListOp::NotInCi) {
        return None;
    }
    let mut set = HashSet::new();
    for item in items {
        match item {
            Compiled::Const(Value::String(s), _) => {
                set.insert(if matches!(op, ListOp::InCi | ListOp::NotInCi) { s.to_lowercase() } else { s.to_string() });
            }
            _ => return None,
        }
    }
    Some(Rc::new(set))
}

/// Evaluates a lowered expression over `table`.
pub fn eval(compiled: &Compiled, table: &Table, ctx: &EvalCtx) -> ExecResult<Datum> {
    if !matches!(compiled, Compiled::Const(..) | Compiled::Column(_))
        && let Some(datum) = eval_on_dictionary(compiled, table, ctx)?
    {
        return Ok(datum);
    }
    match compiled {
        Compiled::Const(value, ty) => Ok(Datum::Scalar(value.clone(), *ty)),
        Compiled::Column(index) => Ok(Datum::Column((*table.fields[*index].column).clone())),
        Compiled::Negate(operand) => {
            let operand = eval(operand, table, ctx)?;
            let ty = match operand.ty() {
                ScalarType::Dynamic => ScalarType::Real,
                other => other,
            };
            map_rows(&[operand], ctx, ty, |v| {
                Ok(match &v[0] {
                    Value::Int(i) => Value::Int(i.wrapping_neg()),
                    Value::Long(i) => Value::Long(i.wrapping_neg()),
                    Value::Real(r) => Value::Real(-r),
                    Value::Decimal(d) => Value::Decimal(-*d),
                    Value::TimeSpan(t) => Value::TimeSpan(-t),
                    other => other.as_f64().map_or(Value::Null, |r| Value::Real(-r)),
                })
            })
        }
        Compiled::Binary { op, left, right, regex, span } => {
            let left = eval(left, table, ctx)?;
            let right = eval(right, table, ctx)?;
            binary(*op, &left, &right, regex.as_ref(), ctx).map_err(|e| e.at(*span))
        }
        Compiled::List { op, left, items, set } => eval_list(*op, left, items, set.as_deref(), table, ctx),
        Compiled::Between { negated, expr, low, high } => {
            let args = [eval(expr, table, ctx)?, eval(low, table, ctx)?, eval(high, table, ctx)?];
            let negated = *negated;
            map_rows(&args, ctx, ScalarType::Bool, |v| {
                let high = match (&v[0], &v[2]) {
                    (Value::DateTime(_), Value::TimeSpan(span)) => match &v[1] {
                        Value::DateTime(low) => Value::DateTime(low + span),
                        _ => Value::Null,
                    },
                    _ => v[2].clone(),
                };
                let inside = match (compare_op(BinaryOp::Ge, &v[0], &v[1]), compare_op(BinaryOp::Le, &v[0], &high)) {
                    (Some(a), Some(b)) => Some(a && b),
                    _ => None,
                };
                Ok(inside.map_or(Value::Null, |inside| Value::Bool(inside != negated)))
            })
        }
        Compiled::Call { name, kernel, args, span } => {
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                values.push(eval(arg, table, ctx)?);
            }
            kernel(&values, ctx).map_err(|e| {
                let e = e.at(*span);
                if e.message.starts_with('`') {
                    e
                } else {
                    ExecError { message: format!("{name}(): {}", e.message), ..e }
                }
            })
        }
        Compiled::Member { target, name } => {
            let target = eval(target, table, ctx)?;
            if let Datum::Column(Column::Dynamic(values)) = &target {
                let members = values.iter().map(|value| value.get(name).cloned().unwrap_or(Dyn::Null));
                return Ok(Datum::Column(Column::Dynamic(members.collect())));
            }
            map_rows(&[target], ctx, ScalarType::Dynamic, |v| Ok(member(&v[0], name)))
        }
        Compiled::Index { target, index } => {
            let args = [eval(target, table, ctx)?, eval(index, table, ctx)?];
            map_rows(&args, ctx, ScalarType::Dynamic, |v| {
                Ok(match &v[1] {
                    Value::String(key) => member(&v[0], key),
                    other => match (&v[0], other.as_i64()) {
                        (Value::Dynamic(d), Some(i)) => Value::Dynamic(d.at(i).cloned().unwrap_or(Dyn::Null)),
                        _ => Value::Null,
                    },
                })
            })
        }
    }
}

/// What a lowered expression reads from its input table.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reads {
    Nothing,
    Column(usize),
    /// Several columns, or something that depends on more than the row's values.
    More,
}

impl Reads {
    fn and(self, other: Reads) -> Reads {
        match (self, other) {
            (Reads::Nothing, other) | (other, Reads::Nothing) => other,
            (Reads::Column(a), Reads::Column(b)) if a == b => Reads::Column(a),
            _ => Reads::More,
        }
    }
}

impl Compiled {
    /// Calls `visit` on each direct sub-expression.
    fn for_each_child<'a>(&'a self, mut visit: impl FnMut(&'a Compiled)) {
        match self {
            Compiled::Const(..) | Compiled::Column(_) => {}
            Compiled::Negate(operand) | Compiled::Member { target: operand, .. } => visit(operand),
            Compiled::Binary { left, right, .. } | Compiled::Index { target: left, index: right } => {
                visit(left);
                visit(right);
            }
            Compiled::List { left, items, .. } => {
                visit(left);
                items.iter().for_each(visit);
            }
            Compiled::Between { expr, low, high, .. } => {
                visit(expr);
                visit(low);
                visit(high);
            }
            Compiled::Call { args, .. } => args.iter().for_each(visit),
        }
    }
}

/// True when `compiled` reads a column of its input.
fn reads_a_column(compiled: &Compiled) -> bool {
    if let Compiled::Column(_) = compiled {
        return true;
    }
    let mut found = false;
    compiled.for_each_child(|child| found = found || reads_a_column(child));
    found
}

fn reads(compiled: &Compiled) -> Reads {
    match compiled {
        Compiled::Column(index) => Reads::Column(*index),
        Compiled::Call { name, .. } if !functions::is_row_independent(name) => Reads::More,
        _ => {
            let mut all = Reads::Nothing;
            compiled.for_each_child(|child| all = all.and(reads(child)));
            all
        }
    }
}

/// An expression of a single dictionary-encoded column (`UserAgent has
/// "curl"`, `ipv4_is_private(IPAddress)`) computed once per distinct value
/// and spread to the rows by their codes. `None` when that does not apply.
fn eval_on_dictionary(compiled: &Compiled, table: &Table, ctx: &EvalCtx) -> ExecResult<Option<Datum>> {
    let Reads::Column(index) = reads(compiled) else { return Ok(None) };
    let column = &table.fields[index].column;
    let Some((codes, distinct)) = column.dictionary() else { return Ok(None) };
    if distinct.len() >= codes.len() {
        return Ok(None);
    }
    // Only the values some row holds are evaluated (a filter may have left
    // few), so a value no row has cannot raise an error.
    let mut slot_of_entry = vec![u32::MAX; distinct.len()];
    let mut used_entries: Vec<usize> = Vec::new();
    for &code in codes.iter() {
        let slot = &mut slot_of_entry[code as usize];
        if *slot == u32::MAX {
            *slot = used_entries.len() as u32;
            used_entries.push(code as usize);
        }
    }
    if used_entries.len() * 2 > codes.len() {
        return Ok(None);
    }
    let (values, codes) = if used_entries.len() == distinct.len() {
        (distinct, codes.clone())
    } else {
        let remapped: Vec<u32> = codes.iter().map(|&code| slot_of_entry[code as usize]).collect();
        (distinct.take(&used_entries), Arc::new(remapped))
    };
    let mut fields = table.fields.clone();
    fields[index].column = Arc::new(values);
    let rows = fields[index].column.len();
    let distinct_table = Table::from_fields(fields, rows);
    let distinct_ctx = EvalCtx { rows, ..*ctx };
    Ok(Some(match eval(compiled, &distinct_table, &distinct_ctx)? {
        Datum::Column(values) => Datum::Column(Column::from_dictionary(codes, &values)),
        scalar => scalar,
    }))
}

fn member(target: &Value, name: &str) -> Value {
    match target {
        Value::Dynamic(d) => Value::Dynamic(d.get(name).cloned().unwrap_or(Dyn::Null)),
        // A JSON string used as dynamic (e.g. a string column) is parsed first.
        Value::String(text) => Value::Dynamic(Dyn::parse_json(text).get(name).cloned().unwrap_or(Dyn::Null)),
        _ => Value::Null,
    }
}

fn eval_list(
    op: ListOp,
    left: &Compiled,
    items: &[Compiled],
    set: Option<&HashSet<String>>,
    table: &Table,
    ctx: &EvalCtx,
) -> ExecResult<Datum> {
    let left = eval(left, table, ctx)?;
    let negate = matches!(op, ListOp::NotIn | ListOp::NotInCi);
    if let (Some(set), Datum::Column(Column::String(strings))) = (set, &left) {
        let lower = matches!(op, ListOp::InCi | ListOp::NotInCi);
        let values = strings
            .iter()
            .map(|text| if lower { set.contains(&text.to_lowercase()) } else { set.contains(text) } != negate)
            .collect();
        return Ok(Datum::Column(Column::Bool(Prim::new(values))));
    }
    // Expand dynamic arrays among the items into their elements.
    let mut datums = Vec::with_capacity(items.len());
    for item in items {
        match eval(item, table, ctx)? {
            Datum::Scalar(Value::Dynamic(Dyn::Array(elements)), _) => {
                for element in elements.iter() {
                    let value = element.to_value();
                    let ty = value.scalar_type().unwrap_or(ScalarType::Dynamic);
                    datums.push(Datum::Scalar(value, ty));
                }
            }
            other => datums.push(other),
        }
    }
    let mut args = vec![left];
    args.extend(datums);
    map_rows(&args, ctx, ScalarType::Bool, |v| {
        let (needle, candidates) = (&v[0], &v[1..]);
        let found = match op {
            ListOp::In | ListOp::NotIn => candidates.iter().any(|c| list_contains(needle, c, false)),
            ListOp::InCi | ListOp::NotInCi => candidates.iter().any(|c| list_contains(needle, c, true)),
            ListOp::HasAny => {
                let text = needle.to_kql_string();
                candidates.iter().any(|c| text_match::matches(Match::Has, &text, &c.to_kql_string(), false))
            }
            ListOp::HasAll => {
                let text = needle.to_kql_string();
                candidates.iter().all(|c| text_match::matches(Match::Has, &text, &c.to_kql_string(), false))
            }
        };
        Ok(Value::Bool(found != negate))
    })
}

fn list_contains(needle: &Value, candidate: &Value, case_insensitive: bool) -> bool {
    if let Value::Dynamic(Dyn::Array(elements)) = candidate {
        return elements.iter().any(|e| list_contains(needle, &e.to_value(), case_insensitive));
    }
    if case_insensitive {
        return needle.to_kql_string().to_lowercase() == candidate.to_kql_string().to_lowercase();
    }
    match (needle, candidate) {
        (Value::String(a), other) | (other, Value::String(a)) if !matches!(other, Value::String(_)) => {
            **a == other.to_kql_string()
        }
        _ => equals(needle, candidate) == Some(true),
    }
}
