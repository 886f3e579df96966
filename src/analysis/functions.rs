//! Function calls: built-in scalar and aggregate functions (overload
//! resolution against the catalog), user functions, stored functions, and
//! the special forms `materialize`, `toscalar`, `table`.

use std::sync::Arc;

use crate::analysis::catalog::{Function, ParamKind, ParamType, ReturnRule, Returns, Signature};
use crate::analysis::names::suggest;
use crate::analysis::schema::WATCHLIST_FUNCTION;
use crate::analysis::scope::{Binder, CallArg, Row, Symbol};
use crate::analysis::types::{Column, ExprType, TableType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, Ident};

/// A bound argument.
pub(crate) struct Arg<'a> {
    pub expr: &'a Expr,
    /// The name of a named argument (`f(x = 1)`).
    pub name: Option<&'a str>,
    pub ty: ExprType,
}

/// How well an argument fits a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    Exact,
    Promoted,
    No,
}

impl<'a> Binder<'a> {
    pub(crate) fn bind_call(
        &mut self,
        target: Option<&'a Expr>,
        name: &'a Ident,
        args: &'a [Expr],
        expr: &'a Expr,
        row: Row<'_>,
    ) -> ExprType {
        if target.is_none()
            && let Some(result) = self.bind_graph_call(name, args, expr)
        {
            return result;
        }
        if let Some(target) = target {
            // `cluster("x").database("y")`: remote entities are not known locally.
            self.bind_expr(target, row);
            return ExprType::Table(open_table());
        }
        let function = name.name.as_str();
        // Aggregation functions take row arguments but cannot nest.
        let is_aggregate_call = row.aggregates && self.globals.catalog.aggregate(function).is_some();
        let arg_row = if is_aggregate_call { Row { aggregates: false, ..row } } else { row };
        let bound: Vec<Arg<'a>> = args.iter().map(|arg| self.bind_arg(arg, arg_row)).collect();

        match function {
            "materialize" => return bound.into_iter().next().map(|a| a.ty).unwrap_or(ExprType::Error),
            "toscalar" => {
                return match bound.into_iter().next().map(|a| a.ty) {
                    Some(ExprType::Table(table)) => {
                        ExprType::Scalar(table.columns.first().map(|c| c.ty).unwrap_or(Type::Unknown))
                    }
                    Some(other) => other,
                    None => ExprType::Error,
                };
            }
            "table" => return self.bind_table_function(args),
            "database"
            | "cluster"
            | "external_table"
            | "materialized_view"
            | "stored_query_result"
            | "entity_group"
            | "graph" => return ExprType::Table(open_table()),
            _ => {}
        }
        if let Some(Symbol::Function(definition)) = self.lookup(function) {
            let definition = *definition;
            let args: Vec<CallArg<'a>> = bound
                .into_iter()
                .map(|a| {
                    let text = self.constant_text(a.expr);
                    CallArg { name: a.name, ty: a.ty, text }
                })
                .collect();
            return self.bind_user_call(definition, &args, expr.span);
        }
        if function == WATCHLIST_FUNCTION
            && let Some(alias) = bound.first().and_then(|arg| self.constant_text(arg.expr))
            && let Some(watchlist) = self.globals.schemas.watchlist(&alias)
        {
            return ExprType::Table(watchlist.clone());
        }
        if let Some(stored) = self.globals.schemas.function(function) {
            let stored = stored.clone();
            let most = stored.params.len();
            if bound.len() > most {
                self.error(
                    Code::WrongArgumentCount,
                    expr.span,
                    format!("`{function}` takes {most} argument{} at most, found {}", plural(most), bound.len()),
                );
            }
            return ExprType::Table(stored.output.clone());
        }
        let catalog = self.globals.catalog;
        if is_aggregate_call {
            let entry = catalog.aggregate(function).expect("checked above");
            return self.bind_builtin(entry, &bound, expr);
        }
        if let Some(entry) = catalog.scalar(function) {
            return self.bind_builtin(entry, &bound, expr);
        }
        if let Some(entry) = catalog.aggregate(function) {
            self.report(
                Diagnostic::new(
                    Code::AggregateOutsideSummarize,
                    name.span,
                    format!("aggregation function `{function}` used outside an aggregation"),
                )
                .with_help(
                    "aggregation functions belong in `summarize`, `make-series`, `top-nested` or `evaluate pivot`",
                ),
            );
            return self.bind_builtin(entry, &bound, expr);
        }
        // Inside `union isfuzzy=true` Kusto.Language only warns (KS205).
        if self.fuzzy {
            return match row.table {
                None => ExprType::Table(open_table()),
                Some(_) => ExprType::Scalar(Type::Unknown),
            };
        }
        let mut diagnostic =
            Diagnostic::new(Code::UnknownFunction, name.span, format!("unknown function `{function}`"));
        let symbols = self.symbol_names();
        let candidates = catalog.names().chain(symbols.iter().copied()).chain(self.globals.schemas.function_names());
        if let Some(best) = suggest(function, candidates) {
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
        }
        self.report(diagnostic);
        ExprType::Error
    }

    fn bind_arg(&mut self, arg: &'a Expr, row: Row<'_>) -> Arg<'a> {
        match &arg.kind {
            ExprKind::NamedArg { name, value } => {
                Arg { expr: value, name: Some(&name.name), ty: self.bind_expr(value, row) }
            }
            ExprKind::Star => Arg { expr: arg, name: None, ty: ExprType::Scalar(Type::Unknown) },
            ExprKind::TypeOf { scalar, .. } => Arg {
                expr: arg,
                name: None,
                ty: ExprType::Scalar(scalar.as_ref().and_then(|s| s.ty).map(Type::Scalar).unwrap_or(Type::Unknown)),
            },
            _ => Arg { expr: arg, name: None, ty: self.bind_expr(arg, row) },
        }
    }

    /// The value of a constant string expression (a literal or a name bound to one).
    pub(crate) fn constant_text(&self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Literal(crate::syntax::ast::Literal::String(text)) => Some(text.clone()),
            ExprKind::Name(ident) => match self.lookup(&ident.name) {
                Some(Symbol::Text(text)) => Some(text.clone()),
                _ => None,
            },
            ExprKind::Paren(inner) => self.constant_text(inner),
            _ => None,
        }
    }

    /// `table("Name")`: the named table when the name is a constant.
    fn bind_table_function(&mut self, args: &'a [Expr]) -> ExprType {
        let first = args.first();
        if let Some(name) = first.and_then(|arg| self.constant_text(arg)) {
            let span = first.map(|arg| arg.span).unwrap_or_default();
            let name = &name;
            if let Some(Symbol::Table(table)) = self.lookup(name) {
                return ExprType::Table(table.clone());
            }
            if let Some(table) = self.globals.schemas.table(name) {
                return ExprType::Table(table.clone());
            }
            let mut diagnostic = Diagnostic::new(Code::UnknownTable, span, format!("unknown table `{name}`"));
            if let Some(best) = suggest(name, self.globals.schemas.table_names()) {
                diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
            }
            self.report(diagnostic);
            return ExprType::Error;
        }
        ExprType::Table(open_table())
    }

    /// Resolves a built-in call against its signatures and returns its type.
    pub(crate) fn bind_builtin(&mut self, function: &Function, args: &[Arg<'a>], expr: &'a Expr) -> ExprType {
        if function.deprecated {
            let span = match &expr.kind {
                ExprKind::Call { name, .. } => name.span,
                _ => expr.span,
            };
            let mut diagnostic =
                Diagnostic::new(Code::DeprecatedFunction, span, format!("`{}` is deprecated", function.name));
            if let Some(alternative) = &function.alternative {
                diagnostic = diagnostic.with_help(format!("use `{}` instead", alternative.replace(" or ", "` or `")));
            }
            self.report(diagnostic);
        }
        // Every overload the argument count fits, with how well the arguments fit it.
        // A repeating parameter followed by optional ones (`array_sort_asc(arrays, ..., nulls_last)`)
        // can take the arguments in several ways: each is a candidate, the
        // one that fills the optional parameters first.
        let candidates: Vec<(&Signature, Vec<usize>, Fit)> = function
            .signatures
            .iter()
            .flat_map(|signature| {
                map_arguments(signature, args.len()).into_iter().map(move |mapping| {
                    let fit = signature_fit(signature, &mapping, args);
                    (signature, mapping, fit)
                })
            })
            .collect();
        // For messages, one mapping per signature: the first, as before.
        let mut arity_matches: Vec<(&Signature, Vec<usize>, Fit)> = Vec::new();
        for (signature, mapping, fit) in &candidates {
            if !arity_matches.iter().any(|(s, _, _)| std::ptr::eq(*s, *signature)) {
                arity_matches.push((signature, mapping.clone(), *fit));
            }
        }
        let best_fit = candidates.iter().map(|(_, _, fit)| *fit).filter(|fit| *fit != Fit::No).min();
        if let Some(best_fit) = best_fit {
            let mut best = candidates.iter().filter(|(_, _, fit)| *fit == best_fit);
            let (signature, mapping, _) = best.next().expect("the best fit comes from a candidate");
            let ty = return_type(function, signature, mapping, args);
            // With unknown arguments several overloads may fit equally well;
            // when they disagree on the result, it is unknown.
            let ambiguous = best.any(|(other, m, _)| return_type(function, other, m, args) != ty);
            return if ambiguous { ExprType::Scalar(Type::Unknown) } else { ty };
        }
        if arity_matches.is_empty() {
            let (least, most) = function.arity();
            let expected = if least == most {
                format!("{least}")
            } else if most > 1000 {
                format!("at least {least}")
            } else {
                format!("{least} to {most}")
            };
            self.error(
                Code::WrongArgumentCount,
                expr.span,
                format!("`{}` takes {expected} argument{}, found {}", function.name, plural(most), args.len()),
            );
            return ExprType::Scalar(fallback_type(function));
        }
        if arity_matches.len() == 1 {
            let (signature, mapping, _) = &arity_matches[0];
            for (index, arg) in args.iter().enumerate() {
                let param = &signature.params[mapping[index]];
                if argument_fit(&param.ty, index, mapping, args) == Fit::No {
                    self.error(
                        Code::ArgumentTypeMismatch,
                        arg.expr.span,
                        format!(
                            "argument `{}` of `{}` must be {}, found `{}`",
                            param.name,
                            function.name,
                            describe(&param.ty),
                            describe_arg(&arg.ty)
                        ),
                    );
                }
            }
            return return_type(function, signature, mapping, args);
        }
        let found: Vec<String> = args.iter().map(|a| describe_arg(&a.ty)).collect();
        self.error(
            Code::ArgumentTypeMismatch,
            expr.span,
            format!("no overload of `{}` accepts ({})", function.name, found.join(", ")),
        );
        ExprType::Scalar(Type::Unknown)
    }
}

/// An open table with no known columns (remote or dynamic entities).
pub(crate) fn open_table() -> Arc<TableType> {
    Arc::new(TableType { columns: Vec::new(), open: true })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The ways to assign each of `n` arguments to a parameter index (none
/// when the count does not fit). Repeating parameters (`strcat(arg, ...)`,
/// `case(predicate, then, ..., else)`) form a block that repeats as a
/// group; when optional parameters follow the block, each split between
/// them is a candidate, the one that fills the optional parameters first.
fn map_arguments(signature: &Signature, n: usize) -> Vec<Vec<usize>> {
    let params = &signature.params;
    let block_start = params.iter().position(|p| p.max > 1);
    let Some(block_start) = block_start else {
        let required = params.iter().filter(|p| p.min > 0).count();
        return if n >= required && n <= params.len() { vec![(0..n).collect()] } else { Vec::new() };
    };
    let block_end = params[block_start..].iter().position(|p| p.max <= 1).map_or(params.len(), |i| block_start + i);
    let block_len = block_end - block_start;
    let block = &params[block_start];
    let after = &params[block_end..];
    let after_required = after.iter().filter(|p| p.min > 0).count();
    let mut mappings = Vec::new();
    if n < block_start {
        return mappings;
    }
    for after_count in (after_required..=after.len()).rev() {
        let Some(middle) = n.checked_sub(block_start + after_count) else { continue };
        if middle % block_len != 0 {
            continue;
        }
        let repeats = middle / block_len;
        if repeats < block.min as usize || repeats > block.max as usize {
            continue;
        }
        let mut mapping: Vec<usize> = (0..block_start).collect();
        for index in 0..middle {
            mapping.push(block_start + index % block_len);
        }
        mapping.extend(block_end..block_end + after_count);
        mappings.push(mapping);
    }
    mappings
}

fn signature_fit(signature: &Signature, mapping: &[usize], args: &[Arg<'_>]) -> Fit {
    let mut fit = Fit::Exact;
    for index in 0..args.len() {
        let param = &signature.params[mapping[index]];
        fit = fit.max(argument_fit(&param.ty, index, mapping, args));
        if fit == Fit::No {
            break;
        }
    }
    if fit != Fit::No && common_type(signature, mapping, args).is_none() {
        return Fit::No;
    }
    fit
}

/// How argument `index` fits its parameter's type.
fn argument_fit(param: &ParamType, index: usize, mapping: &[usize], args: &[Arg<'_>]) -> Fit {
    let ty = match &args[index].ty {
        ExprType::Error => return Fit::Exact,
        ExprType::Table(_) => {
            return if matches!(param, ParamType::Kind(ParamKind::Tabular | ParamKind::Any)) {
                Fit::Exact
            } else {
                Fit::No
            };
        }
        ExprType::Scalar(ty) => *ty,
    };
    if ty.is_unknown() {
        return Fit::Exact;
    }
    // A `dynamic` value's real type is only known at run time: Kusto.Language
    // lets it stand for any scalar parameter (and converts when it runs).
    if ty == Type::DYNAMIC
        && !matches!(param, ParamType::Kind(ParamKind::Tabular | ParamKind::Database | ParamKind::Cluster))
    {
        let exact = match param {
            // A declared type takes `dynamic` only when it is `dynamic` or
            // `string` (which Kusto.Language promotes `dynamic` to); `bool`,
            // `timespan`, ... parameters reject it ("a value of type bool expected").
            ParamType::Declared(types) if !types.contains(&Type::DYNAMIC) && !types.contains(&Type::STRING) => {
                return Fit::No;
            }
            ParamType::Declared(types) => types.contains(&Type::DYNAMIC),
            ParamType::Kind(kind) => matches!(
                kind,
                ParamKind::Any
                    | ParamKind::Scalar
                    | ParamKind::StringOrDynamic
                    | ParamKind::StringOrArray
                    | ParamKind::IntegerOrArray
                    | ParamKind::DynamicArray
                    | ParamKind::DynamicBag
                    | ParamKind::CommonScalar
                    | ParamKind::CommonScalarOrDynamic
            ),
        };
        return if exact { Fit::Exact } else { Fit::Promoted };
    }
    let yes = |ok: bool| if ok { Fit::Exact } else { Fit::No };
    match param {
        ParamType::Declared(types) => {
            if types.contains(&ty) {
                Fit::Exact
            } else if types.iter().any(|t| ty.promotes_to(*t)) {
                Fit::Promoted
            } else {
                Fit::No
            }
        }
        ParamType::Kind(kind) => match kind {
            ParamKind::Any | ParamKind::Scalar => Fit::Exact,
            ParamKind::Tabular | ParamKind::Database | ParamKind::Cluster => Fit::No,
            ParamKind::Integer => yes(ty.is_integer()),
            ParamKind::RealOrDecimal => {
                if ty == Type::REAL || ty == Type::DECIMAL {
                    Fit::Exact
                } else if ty.is_integer() {
                    Fit::Promoted
                } else {
                    Fit::No
                }
            }
            ParamKind::StringOrDynamic | ParamKind::StringOrArray => yes(ty == Type::STRING || ty == Type::DYNAMIC),
            ParamKind::IntegerOrArray => yes(ty.is_integer() || ty == Type::DYNAMIC),
            ParamKind::DynamicArray | ParamKind::DynamicBag => yes(ty == Type::DYNAMIC),
            ParamKind::Number | ParamKind::CommonNumber => yes(ty.is_number()),
            ParamKind::NumberOrBool => yes(ty.is_number() || ty == Type::BOOL),
            ParamKind::Summable | ParamKind::CommonSummable => yes(ty.is_summable()),
            ParamKind::Orderable | ParamKind::CommonOrderable => yes(ty.is_orderable()),
            ParamKind::NotRealOrBool => yes(ty != Type::REAL && ty != Type::BOOL),
            ParamKind::NotDynamic => yes(ty != Type::DYNAMIC),
            ParamKind::NotBool => yes(ty != Type::BOOL),
            ParamKind::Param0 | ParamKind::Param1 | ParamKind::Param2 => {
                let target_param = match kind {
                    ParamKind::Param0 => 0,
                    ParamKind::Param1 => 1,
                    _ => 2,
                };
                let Some(target) = mapping.iter().position(|&p| p == target_param) else { return Fit::Exact };
                let target_ty = args[target].ty.scalar();
                if target_ty == ty {
                    Fit::Exact
                } else if ty.promotes_to(target_ty) || target_ty.promotes_to(ty) {
                    Fit::Promoted
                } else {
                    Fit::No
                }
            }
            ParamKind::CommonScalar | ParamKind::CommonScalarOrDynamic => Fit::Exact,
        },
    }
}

/// The common type of the arguments of `Common*` parameters; `Some(Unknown)`
/// when there are none. With a `CommonScalarOrDynamic` parameter, no common
/// type gives `dynamic`.
fn common_type(signature: &Signature, mapping: &[usize], args: &[Arg<'_>]) -> Option<Type> {
    let mut common = Type::Unknown;
    let mut allows_dynamic = false;
    for (index, arg) in args.iter().enumerate() {
        let ParamType::Kind(kind) = &signature.params[mapping[index]].ty else { continue };
        if !matches!(
            kind,
            ParamKind::CommonScalar
                | ParamKind::CommonNumber
                | ParamKind::CommonSummable
                | ParamKind::CommonOrderable
                | ParamKind::CommonScalarOrDynamic
        ) {
            continue;
        }
        allows_dynamic |= *kind == ParamKind::CommonScalarOrDynamic;
        let ty = arg.ty.scalar();
        match common.common(ty) {
            Some(next) => common = next,
            None if allows_dynamic => return Some(Type::DYNAMIC),
            None => return None,
        }
    }
    Some(common)
}

/// `iff`/`case`: the common type of the non-`dynamic` branches (`dynamic`
/// when all are dynamic or they have no common type).
fn common_non_dynamic(signature: &Signature, mapping: &[usize], args: &[Arg<'_>]) -> Type {
    let mut common = Type::Unknown;
    let mut any = false;
    for (index, arg) in args.iter().enumerate() {
        if !matches!(&signature.params[mapping[index]].ty, ParamType::Kind(ParamKind::CommonScalarOrDynamic)) {
            continue;
        }
        let ty = arg.ty.scalar();
        if ty == Type::DYNAMIC || ty.is_unknown() {
            continue;
        }
        any = true;
        match common.common(ty) {
            Some(next) => common = next,
            None => return Type::DYNAMIC,
        }
    }
    if any {
        common
    } else if args.iter().any(|a| a.ty.scalar() == Type::DYNAMIC) {
        Type::DYNAMIC
    } else {
        common
    }
}

/// The result type of a resolved call.
fn return_type(function: &Function, signature: &Signature, mapping: &[usize], args: &[Arg<'_>]) -> ExprType {
    let arg_of = |param: usize| mapping.iter().position(|&p| p == param).map(|i| args[i].ty.clone());
    let scalar = |ty: Type| ExprType::Scalar(ty);
    match &signature.returns {
        Returns::Declared(ty) => scalar(*ty),
        Returns::Table(text) => ExprType::Table(Arc::new(parse_table_type(text))),
        Returns::Rule(rule) => match rule {
            ReturnRule::Param0 => arg_of(0).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::Param1 => arg_of(1).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::Param2 => arg_of(2).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::ParamN => args.last().map(|a| a.ty.clone()).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::Param0Literal => arg_of(0).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::Param1Literal => arg_of(1).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::ParamNLiteral => args.last().map(|a| a.ty.clone()).unwrap_or(scalar(Type::Unknown)),
            ReturnRule::Param0Promoted => {
                let ty = arg_of(0).map(|t| t.scalar()).unwrap_or(Type::Unknown);
                scalar(if ty == Type::INT { Type::LONG } else { ty })
            }
            ReturnRule::Param0Array => scalar(Type::DYNAMIC),
            ReturnRule::Common => scalar(common_type(signature, mapping, args).unwrap_or(Type::Unknown)),
            ReturnRule::CommonNonDynamic => scalar(common_non_dynamic(signature, mapping, args)),
            ReturnRule::Widest => {
                scalar(args.iter().map(|a| a.ty.scalar()).reduce(Type::widest).unwrap_or(Type::Unknown))
            }
            ReturnRule::Computed | ReturnRule::Custom => custom_return(function, args),
            ReturnRule::Param0Cluster
            | ReturnRule::Param0Database
            | ReturnRule::Param0Table
            | ReturnRule::Param0ExternalTable
            | ReturnRule::Param0MaterializedView
            | ReturnRule::Param0EntityGroup
            | ReturnRule::Param0StoredQueryResult
            | ReturnRule::Param0Graph => ExprType::Table(open_table()),
        },
    }
}

/// Return types Kusto.Language computes in code.
fn custom_return(function: &Function, args: &[Arg<'_>]) -> ExprType {
    let first = args.first().map(|a| a.ty.scalar()).unwrap_or(Type::Unknown);
    ExprType::Scalar(match function.name.as_str() {
        "bin_auto" => first,
        "percentile" | "percentilew" | "percentiles" | "percentilesw" => {
            if first == Type::INT {
                Type::LONG
            } else {
                first
            }
        }
        "take_any" | "any" | "arg_max" | "arg_min" | "argmax" | "argmin" => first,
        _ => Type::DYNAMIC,
    })
}

/// The type a call has when its arguments do not fit: the declared type
/// when all overloads agree, else unknown.
fn fallback_type(function: &Function) -> Type {
    let mut declared = function.signatures.iter().map(|s| match &s.returns {
        Returns::Declared(ty) => Some(*ty),
        _ => None,
    });
    let first = declared.next().flatten();
    if declared.all(|ty| ty == first) { first.unwrap_or(Type::Unknown) } else { Type::Unknown }
}

/// Parses a catalog table type `(name:type, ...)`.
fn parse_table_type(text: &str) -> TableType {
    let inner = text.trim_start_matches('(').trim_end_matches(')');
    let mut table = TableType::default();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "*" {
            table.open = true;
            continue;
        }
        let (name, ty) = part.split_once(':').unwrap_or((part, "unknown"));
        table.columns.push(Column::new(name.trim(), Type::from_name(ty.trim()).unwrap_or(Type::Unknown)));
    }
    table
}

fn describe(param: &ParamType) -> String {
    match param {
        ParamType::Declared(types) => {
            let names: Vec<String> = types.iter().map(|t| format!("`{t}`")).collect();
            names.join(" or ")
        }
        ParamType::Kind(kind) => match kind {
            ParamKind::Integer => "an integer (`int` or `long`)".into(),
            ParamKind::RealOrDecimal => "`real` or `decimal`".into(),
            ParamKind::StringOrDynamic | ParamKind::StringOrArray => "`string` or `dynamic`".into(),
            ParamKind::IntegerOrArray => "an integer or a `dynamic` array".into(),
            ParamKind::DynamicArray => "a `dynamic` array".into(),
            ParamKind::DynamicBag => "a `dynamic` property bag".into(),
            ParamKind::Number | ParamKind::CommonNumber => "a number".into(),
            ParamKind::NumberOrBool => "a number or `bool`".into(),
            ParamKind::Summable | ParamKind::CommonSummable => "a number, `timespan` or `datetime`".into(),
            ParamKind::Orderable | ParamKind::CommonOrderable => "an orderable value (not `dynamic` or `guid`)".into(),
            ParamKind::NotRealOrBool => "neither `real` nor `bool`".into(),
            ParamKind::NotDynamic => "not `dynamic`".into(),
            ParamKind::NotBool => "not `bool`".into(),
            ParamKind::Tabular => "a table".into(),
            ParamKind::Param0 | ParamKind::Param1 | ParamKind::Param2 => "the same type as the earlier argument".into(),
            _ => "a scalar".into(),
        },
    }
}

fn describe_arg(ty: &ExprType) -> String {
    match ty {
        ExprType::Scalar(ty) => ty.to_string(),
        ExprType::Table(_) => "table".to_string(),
        ExprType::Error => "unknown".to_string(),
    }
}
