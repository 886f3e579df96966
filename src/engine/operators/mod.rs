//! Tabular operators, one file per KQL operator. [`run`] applies an
//! operator after `|` to its input table; [`run_source`] runs the operators
//! that produce a table by themselves (`print`, `range`, `datatable`, `union`, ...).

mod active_users_count;
mod activity_counts_metrics;
mod activity_engagement;
mod activity_metrics;
mod autocluster;
mod bag_unpack;
mod basket;
mod count;
mod datatable;
mod dcount_intersect;
mod diffpatterns;
mod distinct;
pub mod evaluate;
mod extend;
mod facet;
mod find;
mod fork;
mod funnel_sequence;
mod geo_line_lookup;
mod geo_polygon_lookup;
mod getschema;
pub mod graph;
mod graph_mark_components;
mod graph_match;
mod graph_pattern;
mod graph_shortest_paths;
mod graph_to_table;
mod ipv6_lookup;
pub mod join;
mod lookup;
mod make_series;
mod mv_apply;
mod mv_expand;
mod new_activity_metrics;
mod parse;
mod parse_kv;
mod partition;
mod print;
mod project;
mod range;
mod reduce;
mod rolling_percentile;
mod rows_near;
pub mod sample;
mod sample_distinct;
pub mod scan;
mod schema_merge;
mod search;
mod segments;
mod sequence_detect;
mod session_count;
mod sliding_window_counts;
mod sort;
pub mod summarize;
mod take;
mod timeline;
mod top;
mod top_hitters;
mod top_nested;
mod union;
mod where_;

use std::sync::Arc;

use crate::analysis::names::{expression_name, unique_name};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::scope::{Binding, Env, INPUT, bind};
use crate::engine::table::{Field, NamedTable, Table};
use crate::syntax::ast::operators::{Assignment, NamedParameter};
use crate::syntax::ast::{Expr, ExprKind, Operator, OperatorKind, ScalarType};

/// Applies `operator` to `input`.
pub fn run<'q>(
    exec: &Executor<'q>,
    operator: &'q Operator,
    input: Arc<Table>,
    env: &Env<'q>,
) -> ExecResult<Arc<Table>> {
    let table = match &operator.kind {
        OperatorKind::Where(predicate) => where_::run(exec, predicate, &input, env)?,
        OperatorKind::Extend(assignments) => extend::run(exec, assignments, &input, env)?,
        OperatorKind::Project(assignments) => project::run(exec, assignments, &input, env)?,
        OperatorKind::ProjectAway(patterns) => project::away(patterns, &input, false)?,
        OperatorKind::ProjectKeep(patterns) => project::away(patterns, &input, true)?,
        OperatorKind::ProjectByNames(items) => project::by_names(exec, items, &input, env)?,
        OperatorKind::ProjectRename(pairs) => project::rename(pairs, &input)?,
        OperatorKind::ProjectReorder(items) => project::reorder(items, &input)?,
        OperatorKind::Summarize { params: _, aggregates, by } => summarize::run(exec, aggregates, by, &input, env)?,
        OperatorKind::Count => count::run(&input),
        OperatorKind::Distinct { columns, .. } => distinct::run(exec, columns, &input, env)?,
        OperatorKind::Take { count, .. } => take::run(exec, count, &input, env)?,
        OperatorKind::Sort { keys, .. } => sort::run(exec, keys, &input, env)?,
        OperatorKind::Top { count, key, .. } => top::run(exec, count, key, &input, env)?,
        OperatorKind::Join { params, right, on, where_ } => {
            join::run(exec, params, right, on, where_.as_ref(), &input, env)?
        }
        OperatorKind::Lookup { params, right, on } => lookup::run(exec, params, right, on, &input, env)?,
        OperatorKind::Union { params, tables } => {
            let input_env = bind(env, INPUT, Binding::Evaluated(input.clone()));
            union::run(exec, params, Some(&operator_input_expr(operator)), tables, &input_env, Some(input.clone()))?
        }
        OperatorKind::MvExpand { params, items, limit } => {
            mv_expand::run(exec, params, items, limit.as_ref(), &input, env)?
        }
        OperatorKind::MvApply { params, items, limit, subquery } => {
            mv_apply::run(exec, params, items, limit.as_ref(), subquery, &input, env)?
        }
        OperatorKind::Parse { is_where, params, source, pattern } => {
            parse::run(exec, *is_where, params, source, pattern, &input, env)?
        }
        OperatorKind::ParseKv { source, keys, with } => parse_kv::run(exec, source, keys, with, &input, env)?,
        OperatorKind::Serialize(assignments) => extend::run(exec, assignments, &input, env)?,
        OperatorKind::As { name, .. } => {
            // `as` names the input for later references; the input passes through.
            let _ = name;
            (*input).clone()
        }
        OperatorKind::GetSchema => getschema::run(&input),
        OperatorKind::MakeSeries { params, aggregates, on, range, by } => {
            let nonempty = param_text(params, "kind").is_some_and(|kind| kind.eq_ignore_ascii_case("nonempty"));
            let spec = make_series::Spec { aggregates, on, range: range.as_ref(), by, nonempty };
            make_series::run(exec, spec, &input, env)?
        }
        OperatorKind::Evaluate { call, schema, .. } => evaluate::run(exec, call, schema.as_ref(), Some(input), env)?,
        OperatorKind::Render { .. } => (*input).clone(),
        OperatorKind::TopNested(clauses) => top_nested::run(exec, clauses, &input, env)?,
        OperatorKind::Scan { params, declare, steps } => scan::run(exec, params, declare, steps, &input, env)?,
        OperatorKind::Partition { params, by, subquery, .. } => {
            partition::run(exec, params, by, subquery, &input, env)?
        }
        OperatorKind::Invoke(call) => return invoke(exec, call, input, env),
        OperatorKind::Sample { count, .. } => sample::run(exec, count, &input, env)?,
        OperatorKind::SampleDistinct { count, column, .. } => sample_distinct::run(exec, count, column, &input, env)?,
        OperatorKind::TopHitters { count, of, by } => top_hitters::run(exec, count, of, by.as_ref(), &input, env)?,
        OperatorKind::Reduce { params, by, with } => reduce::run(exec, params, by, with, &input, env)?,
        // `consume` swallows its input: the result has the input's columns and no rows.
        OperatorKind::Consume { .. } => input.take(&[]),
        OperatorKind::Search { params, tables: None, predicate } => {
            search::run_piped(exec, params, predicate, &input, env)?
        }
        OperatorKind::Search { tables: Some(_), .. } => {
            return Err(ExecError::runtime("`search in (...)` cannot also have a piped input")
                .with_help("drop the `in (...)` list or the input before `|`"));
        }
        OperatorKind::MakeGraph { partition: Some(_), .. } => graph::run_partitioned(exec, operator, &input, env)?,
        OperatorKind::MakeGraph { .. } | OperatorKind::GraphMarkComponents { .. } => {
            return Err(graph::graph_result_error(&operator.kind));
        }
        OperatorKind::GraphMatch { .. } | OperatorKind::GraphShortestPaths { .. } | OperatorKind::GraphToTable(_) => {
            return Err(ExecError::new(
                crate::diagnostics::Code::GraphExpected,
                format!("`{}` needs a graph as its input, found a table", operator_name(&operator.kind)),
            )
            .with_help("build a graph first: `T | make-graph Source --> Target`"));
        }
        OperatorKind::Fork(_) | OperatorKind::Facet { .. } => {
            return Err(ExecError::runtime(format!(
                "`{}` returns several tables, so it must be the last operator of a query statement",
                operator_name(&operator.kind)
            )));
        }
        other => return Err(ExecError::unsupported(format!("the `{}` operator", operator_name(other)))),
    };
    Ok(Arc::new(table))
}

/// True for the operators that return several tables (`fork`, `facet`,
/// `graph-to-table` of nodes and edges).
pub fn has_several_results(operator: &Operator) -> bool {
    match &operator.kind {
        OperatorKind::Fork(_) | OperatorKind::Facet { .. } => true,
        OperatorKind::GraphToTable(outputs) => outputs.len() > 1,
        OperatorKind::Evaluate { call, .. } => evaluate::has_several_results(call),
        _ => false,
    }
}

/// Runs `fork` or `facet`, the operators with several result tables.
pub fn run_several<'q>(
    exec: &Executor<'q>,
    operator: &'q Operator,
    input: Arc<Table>,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    match &operator.kind {
        OperatorKind::Fork(branches) => fork::run(exec, branches, input, env),
        OperatorKind::Facet { columns, with } => facet::run(exec, columns, with.as_ref(), input, env),
        OperatorKind::Evaluate { call, .. } => evaluate::run_several(exec, call, input, env),
        other => Err(ExecError::runtime(format!("`{}` has a single result", operator_name(other)))),
    }
}

/// Runs an operator that starts a pipeline.
pub fn run_source<'q>(exec: &Executor<'q>, operator: &'q Operator, env: &Env<'q>) -> ExecResult<Arc<Table>> {
    let table = match &operator.kind {
        OperatorKind::Print(assignments) => print::run(exec, assignments, env)?,
        OperatorKind::Range { column, from, to, step } => range::run(exec, &column.name, from, to, step, env)?,
        OperatorKind::DataTable { columns, values, .. } => datatable::run(exec, columns, values, env)?,
        OperatorKind::Union { params, tables } => union::run(exec, params, None, tables, env, None)?,
        OperatorKind::Evaluate { call, schema, .. } => evaluate::run(exec, call, schema.as_ref(), None, env)?,
        OperatorKind::Search { params, tables, predicate } => {
            search::run_source(exec, params, tables.as_deref(), predicate, env)?
        }
        OperatorKind::Find { params, tables, predicate, project, project_smart } => {
            find::run(exec, params, tables.as_deref(), predicate, project, *project_smart, env)?
        }
        OperatorKind::ExternalData { columns, .. } => {
            // kqlab never fetches: the data is empty with `--empty-tables`.
            if exec.schemas.is_none() {
                return Err(ExecError::new(
                    crate::diagnostics::Code::MissingTableData,
                    "`externaldata` reads a URL, and kqlab runs offline",
                )
                .with_help("run with `--empty-tables` to get its declared columns with no rows, or load the file with `--table` and query that instead"));
            }
            let schema: Vec<(String, ScalarType)> =
                columns.iter().map(|c| (c.name.name.clone(), c.ty.ty.unwrap_or(ScalarType::String))).collect();
            Table::empty(&schema)
        }
        other => return Err(ExecError::unsupported(format!("the `{}` operator", operator_name(other)))),
    };
    Ok(Arc::new(table))
}

/// A zero-width expression standing for the piped input of `union`.
fn operator_input_expr(operator: &Operator) -> Expr {
    Expr::new(ExprKind::ContextualInput, operator.span)
}

fn invoke<'q>(exec: &Executor<'q>, call: &'q Expr, input: Arc<Table>, env: &Env<'q>) -> ExecResult<Arc<Table>> {
    let ExprKind::Call { target: None, name, args } = &call.kind else {
        return Err(ExecError::runtime("`invoke` needs a function call"));
    };
    match crate::engine::scope::lookup(env, &name.name) {
        Some(Binding::Function(def, closure)) => {
            if def.params.is_empty() {
                return Err(ExecError::runtime(format!("`{}` has no tabular parameter to invoke with", name.name)));
            }
            exec.call_function(def, closure, Some(input), args, env)
        }
        _ => Err(ExecError::unsupported(format!("invoking `{}`", name.name))),
    }
}

/// The KQL name of an operator, for messages.
pub fn operator_name(kind: &OperatorKind) -> String {
    match kind {
        OperatorKind::As { .. } => "as",
        OperatorKind::Consume { .. } => "consume",
        OperatorKind::Count => "count",
        OperatorKind::DataTable { .. } => "datatable",
        OperatorKind::Distinct { .. } => "distinct",
        OperatorKind::Evaluate { .. } => "evaluate",
        OperatorKind::Extend(_) => "extend",
        OperatorKind::ExternalData { .. } => "externaldata",
        OperatorKind::Facet { .. } => "facet",
        OperatorKind::Find { .. } => "find",
        OperatorKind::Fork(_) => "fork",
        OperatorKind::GetSchema => "getschema",
        OperatorKind::Invoke(_) => "invoke",
        OperatorKind::Join { .. } => "join",
        OperatorKind::Lookup { .. } => "lookup",
        OperatorKind::MakeGraph { .. } => "make-graph",
        OperatorKind::GraphMatch { .. } => "graph-match",
        OperatorKind::GraphShortestPaths { .. } => "graph-shortest-paths",
        OperatorKind::GraphToTable(_) => "graph-to-table",
        OperatorKind::GraphMarkComponents { .. } => "graph-mark-components",
        OperatorKind::Other { name, .. } => return name.name.clone(),
        OperatorKind::MakeSeries { .. } => "make-series",
        OperatorKind::MvApply { .. } => "mv-apply",
        OperatorKind::MvExpand { .. } => "mv-expand",
        OperatorKind::Parse { is_where: false, .. } => "parse",
        OperatorKind::Parse { is_where: true, .. } => "parse-where",
        OperatorKind::ParseKv { .. } => "parse-kv",
        OperatorKind::Partition { .. } => "partition",
        OperatorKind::Print(_) => "print",
        OperatorKind::Project(_) => "project",
        OperatorKind::ProjectAway(_) => "project-away",
        OperatorKind::ProjectByNames(_) => "project-by-names",
        OperatorKind::ProjectKeep(_) => "project-keep",
        OperatorKind::ProjectRename(_) => "project-rename",
        OperatorKind::ProjectReorder(_) => "project-reorder",
        OperatorKind::Range { .. } => "range",
        OperatorKind::Reduce { .. } => "reduce",
        OperatorKind::Render { .. } => "render",
        OperatorKind::Sample { .. } => "sample",
        OperatorKind::SampleDistinct { .. } => "sample-distinct",
        OperatorKind::Scan { .. } => "scan",
        OperatorKind::Search { .. } => "search",
        OperatorKind::Serialize(_) => "serialize",
        OperatorKind::Sort { .. } => "sort",
        OperatorKind::Summarize { .. } => "summarize",
        OperatorKind::Take { .. } => "take",
        OperatorKind::Top { .. } => "top",
        OperatorKind::TopHitters { .. } => "top-hitters",
        OperatorKind::TopNested(_) => "top-nested",
        OperatorKind::Union { .. } => "union",
        OperatorKind::Where(_) => "where",
        OperatorKind::Block(_) => "{ ... }",
        OperatorKind::Error => "(invalid)",
    }
    .to_string()
}

/// The value of named parameter `name` (`kind=inner`), as written.
pub fn param_text(params: &[NamedParameter], name: &str) -> Option<String> {
    params.iter().find(|p| p.name.name.eq_ignore_ascii_case(name)).map(|p| match &p.value.kind {
        ExprKind::Name(ident) => ident.name.clone(),
        ExprKind::Literal(crate::syntax::ast::Literal::String(s)) => s.clone(),
        ExprKind::Literal(crate::syntax::ast::Literal::Bool(Some(b))) => b.to_string(),
        ExprKind::Literal(crate::syntax::ast::Literal::Long(Some(n))) => n.to_string(),
        ExprKind::Literal(crate::syntax::ast::Literal::Int(Some(n))) => n.to_string(),
        _ => String::new(),
    })
}

/// The name of a new column: explicit, derived from the expression
/// (`Column`, `bag_a`, `count_`), or generated (`Column1`, ...).
pub fn column_name(assignment: &Assignment, aggregate: bool, taken: &[Field], counter: &mut usize) -> String {
    if let Some(name) = assignment.names.first() {
        return name.name.clone();
    }
    expression_name(&assignment.value, aggregate).unwrap_or_else(|| generated_name("Column", taken, counter))
}

/// The next `prefix1`, `prefix2`, ... not among `taken`.
pub fn generated_name(prefix: &str, taken: &[Field], counter: &mut usize) -> String {
    loop {
        *counter += 1;
        let name = format!("{prefix}{counter}");
        if !taken.iter().any(|f| f.name == name) {
            return name;
        }
    }
}

/// Appends a field, renaming it (`Name1`, ...) if the name is taken.
pub fn push_unique(fields: &mut Vec<Field>, mut field: Field) {
    if fields.iter().any(|f| f.name == field.name) {
        field.name = unique_name(&field.name, |candidate| fields.iter().any(|f| f.name == candidate));
    }
    fields.push(field);
}

/// The columns of a function with several results (`series_fit_line`, ...)
/// assigned in `extend`/`project`: named by `(a, b, ...) =` in order, the
/// rest `function_argument_result` (e.g. `series_fit_line_y_slope`).
/// `None` when the expression is not such a call.
pub fn multi_columns<'q>(
    exec: &Executor<'q>,
    assignment: &'q Assignment,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Option<Vec<Field>>> {
    let ExprKind::Call { target: None, name, args } = &assignment.value.kind else { return Ok(None) };
    let Some(kernel) = crate::engine::functions::series_model::multi(&name.name) else { return Ok(None) };
    // The analyzer decides which calls give several columns, and names them.
    let Some(names) = crate::analysis::operators::tuple_columns(&assignment.value) else { return Ok(None) };
    if matches!(crate::engine::scope::lookup(env, &name.name), Some(Binding::Function(..))) {
        return Ok(None);
    }
    let mut datums = Vec::with_capacity(args.len());
    for arg in args {
        datums.push(exec.eval_column(arg, input, env)?);
    }
    let columns = kernel(&datums, &exec.eval_ctx(input.rows)).map_err(|e| e.at(assignment.value.span))?;
    Ok(Some(
        columns
            .into_iter()
            .zip(names)
            .enumerate()
            .map(|(index, ((_, column), (default, _)))| Field {
                name: assignment.names.get(index).map_or(default, |n| n.name.clone()),
                column: Arc::new(column),
            })
            .collect(),
    ))
}

/// Runs whole queries for the operators' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::engine::output::cell_text;
    use crate::engine::table::{Database, Table};

    fn execute_all(text: &str) -> Result<Vec<std::sync::Arc<Table>>, String> {
        let parse = crate::syntax::parse(text);
        assert!(parse.diagnostics.is_empty(), "{:?}", parse.diagnostics);
        let (database, options) = (Database::new(), crate::engine::Options::default());
        crate::engine::execute(&parse.query, &database, &options, None).map_err(|e| e.message)
    }

    fn execute(text: &str) -> Result<std::sync::Arc<Table>, String> {
        Ok(execute_all(text)?.pop().expect("a query statement"))
    }

    /// `table` as `name:type,...` and one line of cells per row.
    fn table_text(table: &Table) -> String {
        let header: Vec<String> = table.fields.iter().map(|f| format!("{}:{}", f.name, f.column.ty().name())).collect();
        let mut out = header.join(",");
        out.push('\n');
        for row in 0..table.rows {
            let cells: Vec<String> = table.fields.iter().map(|f| cell_text(&f.column.get(row))).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// The result of `text` as `name:type,...` and one line of cells per row.
    pub fn run_query(text: &str) -> String {
        table_text(&execute(text).unwrap_or_else(|message| panic!("{message}")))
    }

    /// Every result table of `text` (a plugin may return several), each as
    /// [`run_query`] prints one.
    pub fn run_tables(text: &str) -> Vec<String> {
        let tables = execute_all(text).unwrap_or_else(|message| panic!("{message}"));
        tables.iter().map(|table| table_text(table)).collect()
    }

    /// The message of the error `text` fails with.
    pub fn run_error(text: &str) -> String {
        match execute(text) {
            Ok(_) => panic!("`{text}` ran without an error"),
            Err(message) => message,
        }
    }
}
