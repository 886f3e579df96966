//! The executor: runs statements, tabular expressions and operator
//! pipelines, and keeps every intermediate result within the limits.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::analysis::schema::{Schemas, WATCHLIST_FUNCTION};
use crate::diagnostics::Code;
use crate::engine::Options;
use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::expr::{Compiler, eval};
use crate::engine::functions::EvalCtx;
use crate::engine::operators;
use crate::engine::pruning::{self, Needed};
use crate::engine::scope::{Binding, Env, INPUT, LazyTable, bind, lookup, match_arguments};
use crate::engine::table::{Database, NamedTable, Table};
use crate::engine::value::Value;
use crate::syntax::ast::{self, Expr, ExprKind, LetValue, ScalarType, Statement, StatementKind};

/// Deepest nesting of user function calls.
const MAX_CALL_DEPTH: usize = 64;

/// Runs one query.
pub struct Executor<'q> {
    pub database: &'q Database,
    pub options: &'q Options,
    /// Table schemas for `--empty-tables`.
    pub schemas: Option<&'q Schemas>,
    depth: Cell<usize>,
}

impl<'q> Executor<'q> {
    pub fn new(database: &'q Database, options: &'q Options, schemas: Option<&'q Schemas>) -> Executor<'q> {
        Executor { database, options, schemas, depth: Cell::new(0) }
    }

    /// The evaluation context for `rows` rows.
    pub fn eval_ctx(&self, rows: usize) -> EvalCtx {
        EvalCtx { rows, now: self.options.now }
    }

    /// Runs statements; returns the result of each query statement (several
    /// tables for one ending in `fork` or `facet`).
    pub fn run_statements(&self, statements: &'q [Statement], env: &Env<'q>) -> ExecResult<Vec<NamedTable>> {
        let mut env = env.clone();
        let mut results = Vec::new();
        for statement in statements {
            match &statement.kind {
                StatementKind::Let(ast::Let { name, value }) => {
                    let binding = match value {
                        LetValue::Function(def) => Binding::Function(def, env.clone()),
                        LetValue::Expr(expr) => {
                            if self.is_tabular(expr, &env) {
                                self.lazy_table(expr, &env)
                            } else {
                                let (value, ty) = self.eval_scalar(expr, &env).map_err(|e| e.at(expr.span))?;
                                Binding::Scalar(value, ty)
                            }
                        }
                    };
                    env = bind(&env, &name.name, binding);
                }
                StatementKind::Query(expr) => {
                    if let Some(tables) = self.eval_multi_table(expr, &env)? {
                        // `graph-to-table nodes as N, edges as E` names its results for later statements.
                        for table in &tables {
                            if let Some(name) = &table.name
                                && graph_to_table_names(expr).contains(&name.as_str())
                            {
                                env = bind(&env, name, Binding::Evaluated(table.table.clone()));
                            }
                        }
                        results.extend(tables);
                        continue;
                    }
                    // A query that is only a name bound to nothing names a
                    // table (`Heartbeat`): without data for it, that is
                    // KQL4002 with its hint, not an unknown scalar.
                    let unbound_name =
                        matches!(&expr.kind, ExprKind::Name(ident) if lookup(&env, &ident.name).is_none());
                    let table = if unbound_name || self.is_tabular(expr, &env) {
                        self.eval_table(expr, &env)?
                    } else {
                        let (value, ty) = self.eval_scalar(expr, &env).map_err(|e| e.at(expr.span))?;
                        Arc::new(Table::new(vec![("print_0".to_string(), Column::repeat(ty, &value, 1))]))
                    };
                    if let Some(name) = graph_to_table_names(expr).first() {
                        env = bind(&env, name, Binding::Evaluated(table.clone()));
                    }
                    results.push(NamedTable::unnamed(table));
                }
                // Query parameters take their declared defaults (null without one).
                StatementKind::QueryParameters(params) => {
                    for param in params {
                        let binding = match (&param.ty, &param.default) {
                            (ast::ParameterType::Scalar(_), Some(default)) => {
                                let (value, ty) = self.eval_scalar(default, &env).map_err(|e| e.at(default.span))?;
                                Binding::Scalar(value, ty)
                            }
                            (ast::ParameterType::Scalar(ty), None) => {
                                Binding::Scalar(Value::Null, ty.ty.unwrap_or(ScalarType::Dynamic))
                            }
                            (ast::ParameterType::Tabular { .. }, _) => {
                                return Err(ExecError::unsupported("tabular query parameters").at(param.span));
                            }
                        };
                        env = bind(&env, &param.name.name, binding);
                    }
                }
                // `set` options are kept for the functions that read them
                // (`bin_auto`); the others, and `restrict`, do not change
                // local results.
                StatementKind::Set { name, value } => {
                    if let Some(value) = value {
                        let (value, ty) = self.eval_scalar(value, &env).map_err(|e| e.at(value.span))?;
                        env = bind(&env, &set_option_name(&name.name), Binding::Scalar(value, ty));
                    }
                }
                StatementKind::Restrict(_) => {}
                StatementKind::Alias { .. } => {
                    return Err(ExecError::unsupported("`alias database`").at(statement.span));
                }
                StatementKind::Pattern(pattern) => {
                    env = bind(&env, &pattern.name.name, Binding::Pattern(pattern, env.clone()));
                }
                StatementKind::Error => {
                    return Err(ExecError::runtime("the statement has syntax errors").at(statement.span));
                }
            }
        }
        Ok(results)
    }

    /// A query statement ending in `fork` or `facet`: its result tables.
    /// `None` for any other statement.
    fn eval_multi_table(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<Option<Vec<NamedTable>>> {
        let ExprKind::Pipe { input, operator } = &expr.kind else {
            return match &expr.kind {
                ExprKind::Paren(inner) => self.eval_multi_table(inner, env),
                _ => Ok(None),
            };
        };
        if !operators::has_several_results(operator) {
            return Ok(None);
        }
        if operators::graph::is_graph_operator(operator) {
            let graph = operators::graph::eval_graph(self, input, env)?;
            let tables =
                operators::graph::run_on_graph(self, operator, &graph, env).map_err(|e| e.at(operator.span))?;
            for result in &tables {
                self.check_limits(&result.table)?;
            }
            return Ok(Some(tables));
        }
        let input = self.eval_table(input, env)?;
        let tables = operators::run_several(self, operator, input, env).map_err(|e| e.at(operator.span))?;
        for result in &tables {
            self.check_limits(&result.table)?;
        }
        Ok(Some(tables))
    }

    /// A lazily evaluated tabular `let`.
    pub fn lazy_table(&self, expr: &'q Expr, env: &Env<'q>) -> Binding<'q> {
        Binding::Table(Rc::new(LazyTable { expr, env: env.clone(), cell: OnceCell::new() }))
    }

    /// Evaluates a scalar expression outside any row (a `let` value).
    pub fn eval_scalar(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<(Value, ScalarType)> {
        let empty = Table { fields: Vec::new(), rows: 1 };
        Compiler::new(self, env, &empty).constant(expr, env)
    }

    /// `toscalar(T)`: the first column of the first row (null when empty).
    pub fn eval_toscalar(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<(Value, ScalarType)> {
        if !self.is_tabular(expr, env) {
            return self.eval_scalar(expr, env);
        }
        let table = self.eval_table(expr, env)?;
        let Some(field) = table.fields.first() else {
            return Err(ExecError::runtime("`toscalar` got a table without columns").at(expr.span));
        };
        let ty = field.column.ty();
        let value = if table.rows > 0 { field.column.get(0) } else { Value::Null };
        Ok((value, ty))
    }

    /// True when `expr` denotes a table (rather than a scalar).
    pub fn is_tabular(&self, expr: &Expr, env: &Env<'q>) -> bool {
        if is_pattern_invocation(expr, env) {
            return true;
        }
        match &expr.kind {
            ExprKind::Pipe { .. } | ExprKind::Source(_) | ExprKind::ContextualInput => true,
            ExprKind::Paren(inner) => self.is_tabular(inner, env),
            ExprKind::Name(ident) => match lookup(env, &ident.name) {
                Some(Binding::Table(_) | Binding::Evaluated(_)) => true,
                Some(Binding::Function(def, _)) => def.params.is_empty() && function_is_tabular(def),
                Some(_) => false,
                None => {
                    self.database.get(&ident.name).is_some()
                        || self.schemas.is_some_and(|s| s.table(&ident.name).is_some())
                }
            },
            ExprKind::Call { target: None, name, .. } => match name.name.as_str() {
                "materialize" | "table" | "view" => true,
                other => match lookup(env, other) {
                    Some(Binding::Function(def, _)) => function_is_tabular(def),
                    _ => false,
                },
            },
            _ => false,
        }
    }

    /// Evaluates a tabular expression.
    pub fn eval_table(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<Arc<Table>> {
        self.eval_table_needing(expr, env, None)
    }

    /// Evaluates a tabular expression of which only the columns `needed` are
    /// read later (`None`: all): operators get only the columns they use.
    fn eval_table_needing(&self, expr: &'q Expr, env: &Env<'q>, needed: Option<&Needed>) -> ExecResult<Arc<Table>> {
        self.check_cancelled()?;
        if is_pattern_invocation(expr, env) {
            let table = self.invoke_pattern(expr, env).map_err(|e| e.at(expr.span))?;
            self.check_limits(&table)?;
            return Ok(table);
        }
        let table = match &expr.kind {
            ExprKind::Paren(inner) => return self.eval_table_needing(inner, env, needed),
            ExprKind::Name(ident) => self.table_by_name(&ident.name, env).map_err(|e| e.at(expr.span))?,
            ExprKind::ContextualInput => match lookup(env, INPUT) {
                Some(Binding::Evaluated(table)) => table.clone(),
                _ => return Err(ExecError::runtime("this sub-query has no input").at(expr.span)),
            },
            ExprKind::Pipe { input, operator } if operators::graph::is_graph_operator(operator) => {
                let graph = operators::graph::eval_graph(self, input, env)?;
                let mut tables =
                    operators::graph::run_on_graph(self, operator, &graph, env).map_err(|e| e.at(operator.span))?;
                tables.swap_remove(0).table
            }
            ExprKind::Pipe { input, operator } => {
                if let Some(table) = self.eval_where_after_innerunique_join(input, operator, env)? {
                    self.check_limits(&table)?;
                    return Ok(table);
                }
                let is_user_function = |name: &str| matches!(lookup(env, name), Some(Binding::Function(..)));
                let input_needed = pruning::input_columns(operator, needed, &is_user_function);
                let mut input = self.eval_table_needing(input, env, input_needed.as_ref())?;
                if let Some(input_needed) = &input_needed
                    && input.fields.iter().any(|field| !input_needed.contains(&field.name))
                {
                    let fields =
                        input.fields.iter().filter(|field| input_needed.contains(&field.name)).cloned().collect();
                    input = Arc::new(Table::from_fields(fields, input.rows));
                }
                operators::run(self, operator, input, env).map_err(|e| e.at(operator.span))?
            }
            ExprKind::Source(operator) => {
                operators::run_source(self, operator, env).map_err(|e| e.at(operator.span))?
            }
            ExprKind::Call { target: None, name, args } => {
                self.call_table(&name.name, args, env).map_err(|e| e.at(expr.span))?
            }
            _ => return Err(ExecError::runtime("a table is expected here").at(expr.span)),
        };
        self.check_limits(&table)?;
        Ok(table)
    }

    /// `L | join kind=innerunique R on ... | where P`, where `P` reads only
    /// columns of `L` (and scalar variables): Kusto applies `P` to `L` before
    /// the join removes duplicate keys from it, so which left row a key
    /// keeps depends on the filter. The documentation shows this
    /// (join-innerunique, "filter pushdown"); this does the same. `None`
    /// for any other shape.
    fn eval_where_after_innerunique_join(
        &self,
        input: &'q Expr,
        operator: &'q ast::operators::Operator,
        env: &Env<'q>,
    ) -> ExecResult<Option<Arc<Table>>> {
        let ast::operators::OperatorKind::Where(predicate) = &operator.kind else { return Ok(None) };
        let ExprKind::Pipe { input: left, operator: join } = &input.kind else { return Ok(None) };
        let ast::operators::OperatorKind::Join { params, .. } = &join.kind else { return Ok(None) };
        let kind = operators::param_text(params, "kind");
        if !matches!(operators::join::JoinKind::parse(kind.as_deref()), Ok(operators::join::JoinKind::InnerUnique)) {
            return Ok(None);
        }
        let is_user_function = |name: &str| matches!(lookup(env, name), Some(Binding::Function(..)));
        let Some(names) = pruning::referenced_names(predicate, &is_user_function) else { return Ok(None) };
        let left_table = self.eval_table(left, env)?;
        let reads_left_only = names
            .iter()
            .all(|name| left_table.index_of(name).is_some() || matches!(lookup(env, name), Some(Binding::Scalar(..))));
        let left_table = if reads_left_only {
            operators::run(self, operator, left_table, env).map_err(|e| e.at(operator.span))?
        } else {
            left_table
        };
        let joined = operators::run(self, join, left_table, env).map_err(|e| e.at(join.span))?;
        operators::run(self, operator, joined, env).map_err(|e| e.at(operator.span)).map(Some)
    }

    /// `name(args).path` for a `declare pattern`: the body of the entry with
    /// the same argument and path strings. A missing entry is an error, with
    /// the invocation in the message as Kusto reports it.
    fn invoke_pattern(&self, expr: &'q Expr, env: &Env<'q>) -> ExecResult<Arc<Table>> {
        let Some((name, args, path)) = ast::pattern_invocation(expr) else {
            return Err(ExecError::runtime("not a pattern invocation"));
        };
        let Some(Binding::Pattern(pattern, closure)) = lookup(env, &name.name) else {
            return Err(ExecError::runtime(format!("`{}` is not a pattern", name.name)));
        };
        let mut texts = Vec::with_capacity(args.len());
        for arg in args {
            let (value, _) = self.eval_scalar(arg, env).map_err(|e| e.at(arg.span))?;
            texts.push(value.to_kql_string());
        }
        let Some(entry) = pattern.entry(&texts, path) else {
            let quoted: Vec<String> = texts.iter().map(|t| format!("'{t}'")).collect();
            let path = path.map(|p| format!(".['{p}']")).unwrap_or_default();
            return Err(ExecError::runtime(format!(
                "one or more pattern references were not declared. Detected pattern references: [\"{}({}){path}\"]",
                name.name,
                quoted.join(",")
            ))
            .with_help(format!("add an entry for these values to `declare pattern {}`", name.name)));
        };
        self.check_depth()?;
        let result = self.run_statements(&entry.body, closure);
        self.leave_depth();
        result?.pop().map(|result| result.table).ok_or_else(|| ExecError::runtime("the pattern entry has no result"))
    }

    /// The table `name`: a `let`, a loaded table, or a known one with `--empty-tables`.
    pub fn table_by_name(&self, name: &str, env: &Env<'q>) -> ExecResult<Arc<Table>> {
        match lookup(env, name) {
            Some(Binding::Table(lazy)) => return self.force(lazy),
            Some(Binding::Evaluated(table)) => return Ok(table.clone()),
            Some(Binding::Function(def, closure)) if def.params.is_empty() => {
                return self.call_function(def, closure, None, &[], env);
            }
            Some(_) => return Err(ExecError::runtime(format!("`{name}` is a scalar, not a table"))),
            None => {}
        }
        if let Some(table) = self.database.get(name) {
            return Ok(table.clone());
        }
        if let Some(table) = self.empty_table(name) {
            return Ok(table);
        }
        Err(ExecError::new(Code::MissingTableData, format!("no data for table `{name}`")).with_help(format!(
            "pass `--table {name}=FILE` (CSV, JSON, XML, CEF, syslog or text), or `--empty-tables` to run on an empty table"
        )))
    }

    /// With `--empty-tables`: an empty table with the schema of the known
    /// table or stored function (ASIM parsers, `_GetWatchlist`) `name`.
    fn empty_table(&self, name: &str) -> Option<Arc<Table>> {
        let schemas = self.schemas?;
        let schema = match schemas.table(name) {
            Some(table) => table.clone(),
            None => schemas.function(name)?.output.clone(),
        };
        let columns: Vec<(String, ScalarType)> =
            schema.columns.iter().map(|c| (c.name.clone(), c.ty.scalar().unwrap_or(ScalarType::Dynamic))).collect();
        Some(Arc::new(Table::empty(&columns)))
    }

    /// Forces a lazy `let` table.
    pub fn force(&self, lazy: &LazyTable<'q>) -> ExecResult<Arc<Table>> {
        lazy.cell.get_or_init(|| self.eval_table(lazy.expr, &lazy.env)).clone()
    }

    fn call_table(&self, name: &str, args: &'q [Expr], env: &Env<'q>) -> ExecResult<Arc<Table>> {
        match name {
            "materialize" => {
                let arg = args.first().ok_or_else(|| ExecError::runtime("`materialize` needs a table"))?;
                return self.eval_table(arg, env);
            }
            "table" => {
                let arg = args.first().ok_or_else(|| ExecError::runtime("`table` needs a table name"))?;
                let (value, _) = self.eval_scalar(arg, env)?;
                return self.table_by_name(&value.to_kql_string(), env);
            }
            _ => {}
        }
        match lookup(env, name) {
            Some(Binding::Function(def, closure)) => self.call_function(def, closure, None, args, env),
            _ if name == WATCHLIST_FUNCTION && self.database.get(name).is_none() && !args.is_empty() => {
                let (alias, _) = self.eval_scalar(&args[0], env)?;
                let alias = alias.to_kql_string();
                if let Some(table) = self.database.watchlist(&alias) {
                    return Ok(table.clone());
                }
                if let Some(table) = self.empty_table(name) {
                    return Ok(table);
                }
                let loaded = self.database.watchlist_aliases();
                let help = if loaded.is_empty() {
                    format!(
                        "pass `--watchlist {alias}=FILE.csv` (its search key column: `--watchlist {alias}:COLUMN=FILE.csv`), or `--empty-tables`"
                    )
                } else {
                    format!("loaded watchlists: {}; aliases are case-sensitive", loaded.join(", "))
                };
                Err(ExecError::new(Code::MissingTableData, format!("no watchlist `{alias}` was loaded"))
                    .with_help(help))
            }
            _ => {
                if let Some(table) = self.database.get(name) {
                    return Ok(table.clone());
                }
                if let Some(table) = self.empty_table(name) {
                    return Ok(table);
                }
                match self.schemas.map(|s| s.function(name).is_some()) {
                    Some(true) | None => Err(ExecError::new(
                        Code::MissingTableData,
                        format!("no data for the stored function `{name}()`"),
                    )
                    .with_help(format!(
                        "pass `--table {name}=FILE` with its rows, or `--empty-tables` to run on an empty result"
                    ))),
                    Some(false) => Err(match crate::engine::support::offline_reason(name) {
                        Some(reason) => ExecError::unsupported_offline(format!("`{name}()`"), reason),
                        None => ExecError::unsupported(format!("calling `{name}()` as a table")),
                    }),
                }
            }
        }
    }

    /// Calls a user function whose result is a table. With `input` (the
    /// piped table of `invoke`), the first parameter is bound to it and
    /// `args` fill the remaining ones.
    pub fn call_function(
        &self,
        def: &'q ast::FunctionDef,
        closure: &Env<'q>,
        input: Option<Arc<Table>>,
        args: &'q [Expr],
        env: &Env<'q>,
    ) -> ExecResult<Arc<Table>> {
        let mut body_env = closure.clone();
        let skip = usize::from(input.is_some());
        if let Some(input) = input {
            let Some(first) = def.params.first() else {
                return Err(ExecError::runtime("the function has no tabular parameter to invoke with"));
            };
            body_env = bind(&body_env, &first.name.name, Binding::Evaluated(input));
        }
        for (param, arg) in match_arguments(&def.params, skip, args)? {
            let Some(arg) = arg else {
                return Err(ExecError::runtime(format!("missing argument `{}`", param.name.name)));
            };
            let binding = match &param.ty {
                ast::ParameterType::Tabular { .. } => Binding::Evaluated(self.eval_table(arg, env)?),
                ast::ParameterType::Scalar(_) => {
                    let (value, ty) = self.eval_scalar(arg, env)?;
                    Binding::Scalar(value, ty)
                }
            };
            body_env = bind(&body_env, &param.name.name, binding);
        }
        self.check_depth()?;
        let result = self.run_statements(&def.body, &body_env);
        self.leave_depth();
        result?.pop().map(|result| result.table).ok_or_else(|| ExecError::runtime("the function body has no result"))
    }

    /// Counts one more nested call; errors past the limit.
    pub fn check_depth(&self) -> ExecResult<()> {
        let depth = self.depth.get() + 1;
        if depth > MAX_CALL_DEPTH {
            return Err(ExecError::new(Code::FunctionNestingTooDeep, "functions call each other too deeply")
                .with_help("look for a function that calls itself"));
        }
        self.depth.set(depth);
        Ok(())
    }

    pub fn leave_depth(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    /// Errors when the query was cancelled (timeout or client request).
    pub fn check_cancelled(&self) -> ExecResult<()> {
        if self.options.cancel.as_ref().is_some_and(|flag| flag.load(Ordering::Relaxed)) {
            return Err(ExecError::new(Code::QueryCancelled, "the query was cancelled (time limit reached)")
                .with_help("raise `--timeout`, or narrow the query's input"));
        }
        Ok(())
    }

    /// Errors when a result exceeds the row or memory budget.
    pub fn check_limits(&self, table: &Table) -> ExecResult<()> {
        self.check_cancelled()?;
        self.check_rows(table.rows)?;
        let bytes = table.byte_size();
        if bytes > self.options.max_memory {
            return Err(ExecError::new(
                Code::MemoryLimitExceeded,
                format!(
                    "an intermediate result needs about {:.1} MB, over the {:.1} MB budget",
                    bytes as f64 / (1u64 << 20) as f64,
                    self.options.max_memory as f64 / (1u64 << 20) as f64
                ),
            )
            .with_help("filter earlier, or raise `--max-memory`"));
        }
        Ok(())
    }

    /// Errors when `rows` exceeds the row budget (checked before building big results).
    pub fn check_rows(&self, rows: usize) -> ExecResult<()> {
        if rows > self.options.max_rows {
            return Err(ExecError::new(
                Code::RowLimitExceeded,
                format!("an intermediate result reaches {rows} rows, over the limit of {}", self.options.max_rows),
            )
            .with_help("filter earlier, or raise `--max-rows`"));
        }
        Ok(())
    }

    /// Evaluates a scalar expression for every row of `table`.
    pub fn eval_column(&self, expr: &'q Expr, table: &Table, env: &Env<'q>) -> ExecResult<Datum> {
        let compiled = Compiler::new(self, env, table).compile(expr)?;
        eval(&compiled, table, &self.eval_ctx(table.rows)).map_err(|e| e.at(expr.span))
    }

    /// Evaluates a predicate: true rows (null counts as false).
    pub fn eval_mask(&self, expr: &'q Expr, table: &Table, env: &Env<'q>) -> ExecResult<Vec<bool>> {
        let datum = self.eval_column(expr, table, env)?;
        Ok(match datum {
            Datum::Scalar(value, _) => vec![matches!(value, Value::Bool(true)); table.rows],
            Datum::Column(Column::Bool(prim)) => match &prim.valid {
                None => Arc::try_unwrap(prim.values).unwrap_or_else(|shared| shared.to_vec()),
                Some(valid) => prim.values.iter().zip(valid.iter()).map(|(v, ok)| *v && *ok).collect(),
            },
            Datum::Column(other) => (0..other.len())
                .map(|row| matches!(other.get(row).to_dyn(), crate::engine::value::Dyn::Bool(true)))
                .collect(),
        })
    }
}

/// The `as` names of a statement ending in `graph-to-table`.
fn graph_to_table_names(expr: &Expr) -> Vec<&str> {
    match &expr.kind {
        ExprKind::Paren(inner) => graph_to_table_names(inner),
        ExprKind::Pipe { operator, .. } => match &operator.kind {
            ast::OperatorKind::GraphToTable(outputs) => {
                outputs.iter().filter_map(|output| output.name.as_ref().map(|name| name.name.as_str())).collect()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// True for `name(args)` or `name(args).path` where `name` is a `declare pattern`.
fn is_pattern_invocation(expr: &Expr, env: &Env<'_>) -> bool {
    ast::pattern_invocation(expr)
        .is_some_and(|(name, _, _)| matches!(lookup(env, &name.name), Some(Binding::Pattern(..))))
}

/// True when a function's body ends in a tabular expression.
/// Whether a user function returns a table: its result expression is a
/// pipeline, or names a tabular parameter or a tabular `let` of its body.
fn function_is_tabular(def: &ast::FunctionDef) -> bool {
    let mut tabular: Vec<(&str, bool)> =
        def.params.iter().map(|p| (p.name.name.as_str(), matches!(p.ty, ast::ParameterType::Tabular { .. }))).collect();
    let mut result = false;
    for statement in &def.body {
        match &statement.kind {
            StatementKind::Let(ast::Let { name, value: LetValue::Expr(value) }) => {
                let is_table = expr_looks_tabular(value, &tabular);
                tabular.push((&name.name, is_table));
            }
            StatementKind::Let(ast::Let { name, value: LetValue::Function(inner) }) => {
                tabular.push((&name.name, inner.params.is_empty() && function_is_tabular(inner)));
            }
            StatementKind::Query(expr) => result = expr_looks_tabular(expr, &tabular),
            _ => {}
        }
    }
    result
}

fn expr_looks_tabular(expr: &Expr, known: &[(&str, bool)]) -> bool {
    match &expr.kind {
        ExprKind::Pipe { .. } | ExprKind::Source(_) => true,
        ExprKind::Paren(inner) => expr_looks_tabular(inner, known),
        ExprKind::Call { target: None, name, .. } => {
            matches!(name.name.as_str(), "materialize" | "table" | "view" | "union")
                || known.iter().rev().find(|(n, _)| *n == name.name).is_some_and(|(_, t)| *t)
        }
        ExprKind::Name(ident) => match known.iter().rev().find(|(n, _)| *n == ident.name) {
            Some((_, is_table)) => *is_table,
            // Outside names: tables are capitalized by convention.
            None => ident.name.chars().next().is_some_and(char::is_uppercase),
        },
        _ => false,
    }
}

/// The scope name under which `set NAME = value` keeps its value; the space
/// keeps it apart from every user name.
pub fn set_option_name(option: &str) -> String {
    format!("set {}", option.to_ascii_lowercase())
}
