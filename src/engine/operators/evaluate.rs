//! `evaluate plugin(...)`: the plugins that run locally (`narrow`, `pivot`,
//! `ipv4_lookup` here; the others, such as `bag_unpack`, `sequence_detect`
//! or `rolling_percentile`, in their own files), and helpers for their
//! arguments; other plugins report "not supported locally".

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators;
use crate::engine::scope::Env;
use crate::engine::table::{Field, NamedTable, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::OutputSchema;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

/// The plugins the engine runs (the support matrix lists the others as not
/// supported locally).
pub const PLUGINS: &[&str] = &[
    "active_users_count",
    "activity_counts_metrics",
    "activity_engagement",
    "activity_metrics",
    "autocluster",
    "bag_unpack",
    "basket",
    "dcount_intersect",
    "diffpatterns",
    "funnel_sequence",
    "funnel_sequence_completion",
    "geo_line_lookup",
    "geo_polygon_lookup",
    "identity",
    "ipv4_lookup",
    "ipv6_lookup",
    "narrow",
    "new_activity_metrics",
    "pivot",
    "preview",
    "rolling_percentile",
    "rows_near",
    "schema_merge",
    "sequence_detect",
    "session_count",
    "sliding_window_counts",
];

pub fn run<'q>(
    exec: &Executor<'q>,
    call: &'q Expr,
    schema: Option<&OutputSchema>,
    input: Option<Arc<Table>>,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let ExprKind::Call { target: None, name, args } = &call.kind else {
        return Err(ExecError::runtime("`evaluate` needs a plugin call"));
    };
    match (name.name.as_str(), input) {
        ("bag_unpack", Some(input)) => crate::engine::operators::bag_unpack::run(exec, args, schema, &input, env),
        ("narrow", Some(input)) => Ok(narrow(&input)),
        ("pivot", Some(input)) => pivot(exec, args, &input, env),
        ("ipv4_lookup", Some(input)) => ipv4_lookup(exec, args, &input, env),
        ("sequence_detect", Some(input)) => crate::engine::operators::sequence_detect::run(exec, args, &input, env),
        ("autocluster", Some(input)) => crate::engine::operators::autocluster::run(exec, args, &input, env),
        ("basket", Some(input)) => crate::engine::operators::basket::run(exec, args, &input, env),
        ("diffpatterns", Some(input)) => operators::diffpatterns::run(exec, call.span, args, &input, env),
        ("rows_near", Some(input)) => operators::rows_near::run(exec, call.span, args, &input, env),
        ("schema_merge", Some(input)) => operators::schema_merge::run(exec, args, &input, env),
        ("rolling_percentile", Some(input)) => operators::rolling_percentile::run(exec, call.span, args, &input, env),
        ("geo_polygon_lookup", Some(input)) => operators::geo_polygon_lookup::run(exec, call.span, args, &input, env),
        ("geo_line_lookup", Some(input)) => operators::geo_line_lookup::run(exec, call.span, args, &input, env),
        ("ipv6_lookup", Some(input)) => operators::ipv6_lookup::run(exec, call.span, args, &input, env),
        ("session_count", Some(input)) => operators::session_count::run(exec, call.span, args, &input, env),
        ("sliding_window_counts", Some(input)) => {
            operators::sliding_window_counts::run(exec, call.span, args, &input, env)
        }
        ("activity_counts_metrics", Some(input)) => {
            operators::activity_counts_metrics::run(exec, call.span, args, &input, env)
        }
        ("active_users_count", Some(input)) => operators::active_users_count::run(exec, call.span, args, &input, env),
        ("activity_metrics", Some(input)) => operators::activity_metrics::run(exec, call.span, args, &input, env),
        ("new_activity_metrics", Some(input)) => {
            operators::new_activity_metrics::run(exec, call.span, args, &input, env)
        }
        ("activity_engagement", Some(input)) => operators::activity_engagement::run(exec, call.span, args, &input, env),
        ("dcount_intersect", Some(input)) => operators::dcount_intersect::run(exec, call.span, args, &input, env),
        ("funnel_sequence_completion", Some(input)) => {
            operators::funnel_sequence::run_completion(exec, call.span, args, &input, env)
        }
        // Where one table is expected, `preview` and `funnel_sequence` give their first one.
        ("funnel_sequence", Some(input)) => {
            let mut tables = operators::funnel_sequence::run_sequence(exec, call.span, args, &input, env)?;
            Ok(Arc::unwrap_or_clone(tables.swap_remove(0).table))
        }
        ("preview", Some(input)) => {
            let mut tables = preview(exec, call.span, args, input, env)?;
            Ok(Arc::unwrap_or_clone(tables.swap_remove(0).table))
        }
        ("identity", Some(input)) => Ok(Arc::unwrap_or_clone(input)),
        (plugin, _) => Err(match crate::engine::support::offline_reason(plugin) {
            Some(reason) => ExecError::unsupported_offline(format!("the `{plugin}` plugin"), reason),
            None => ExecError::unsupported(format!("the `{plugin}` plugin")),
        }),
    }
}

/// Whether `call` is a plugin with several result tables (`preview`,
/// `funnel_sequence`).
pub fn has_several_results(call: &Expr) -> bool {
    matches!(&call.kind, ExprKind::Call { target: None, name, .. } if matches!(name.name.as_str(), "preview" | "funnel_sequence"))
}

/// Runs a plugin with several result tables on `input`.
pub fn run_several<'q>(
    exec: &Executor<'q>,
    call: &'q Expr,
    input: Arc<Table>,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    match &call.kind {
        ExprKind::Call { target: None, name, args } if name.name == "preview" => {
            preview(exec, call.span, args, input, env)
        }
        ExprKind::Call { target: None, name, args } if name.name == "funnel_sequence" => {
            operators::funnel_sequence::run_sequence(exec, call.span, args, &input, env)
        }
        _ => Err(ExecError::runtime("this plugin has a single result")),
    }
}

/// `preview(NumberOfRows)`: as documented (preview-plugin.md), two result
/// tables: up to `NumberOfRows` rows of the input (`T | take N`) and the
/// input's row count in a `Count` column (`T | count`).
fn preview<'q>(
    exec: &Executor<'q>,
    span: crate::text::Span,
    args: &'q [Expr],
    input: Arc<Table>,
    env: &Env<'q>,
) -> ExecResult<Vec<NamedTable>> {
    let [rows_arg] = args else {
        return Err(ExecError::new(
            crate::diagnostics::Code::WrongArgumentCount,
            format!("`preview` takes the number of rows, got {} arguments", args.len()),
        )
        .at(span)
        .with_help("write `evaluate preview(NumberOfRows)`"));
    };
    let (rows, _) = exec.eval_scalar(rows_arg, env)?;
    let Some(rows) = rows.as_i64().filter(|n| *n >= 0) else {
        return Err(ExecError::runtime("`preview` takes a non-negative number of rows").at(rows_arg.span));
    };
    let kept: Vec<usize> = (0..input.rows.min(usize::try_from(rows).unwrap_or(usize::MAX))).collect();
    let first = if kept.len() == input.rows { input.clone() } else { Arc::new(input.take(&kept)) };
    let mut count = ColumnBuilder::new(ScalarType::Long, 1);
    count.push_long(Some(input.rows as i64));
    let second = Table::new(vec![("Count".to_string(), count.finish())]);
    Ok(vec![NamedTable::unnamed(first), NamedTable::unnamed(Arc::new(second))])
}

/// `narrow()`: one row per (row, column) with `Row`, `Column`, `Value`.
fn narrow(input: &Table) -> Table {
    let mut row_builder = ColumnBuilder::new(ScalarType::Int, 0);
    let mut column_builder = ColumnBuilder::new(ScalarType::String, 0);
    let mut value_builder = ColumnBuilder::new(ScalarType::String, 0);
    for row in 0..input.rows {
        for field in &input.fields {
            row_builder.push(&Value::Int(row as i32));
            column_builder.push_str(&field.name);
            value_builder.push_str(&field.column.get(row).to_kql_string());
        }
    }
    Table::new(vec![
        ("Row".to_string(), row_builder.finish()),
        ("Column".to_string(), column_builder.finish()),
        ("Value".to_string(), value_builder.finish()),
    ])
}

/// `pivot(PivotColumn [, Aggregation [, Column1, ...]])`: one row per
/// distinct value of the key columns (by default every column but the
/// pivoted and aggregated ones), one column per distinct value of the
/// pivoted column (in ascending order), holding the aggregation (default
/// `count()`) over the rows with that key and value.
fn pivot<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    use crate::engine::functions::aggregates::{Grouping, aggregate};
    use crate::engine::keys::group_rows;
    let Some(pivot_expr) = args.first() else {
        return Err(ExecError::runtime("`pivot` needs the column to rotate"));
    };
    let ExprKind::Name(pivot_name) = &pivot_expr.kind else {
        return Err(ExecError::runtime("`pivot` rotates a column: give its name").at(pivot_expr.span));
    };
    let pivot_column = input.column(&pivot_name.name).ok_or_else(|| {
        ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("unknown column `{}`", pivot_name.name))
            .at(pivot_expr.span)
    })?;
    // The aggregation, and the columns it reads (not keys by default).
    let (function, aggregate_args): (String, &'q [Expr]) = match args.get(1).map(|a| &a.kind) {
        Some(ExprKind::Call { target: None, name, args }) => (name.name.clone(), args),
        Some(_) => return Err(ExecError::runtime("the second `pivot` argument is an aggregation, e.g. `sum(x)`")),
        None => ("count".to_string(), &[]),
    };
    let mut used: Vec<String> = vec![pivot_name.name.clone()];
    for arg in aggregate_args {
        collect_names(arg, &mut used);
    }
    let key_names: Vec<String> = if args.len() > 2 {
        args[2..]
            .iter()
            .map(|a| match &a.kind {
                ExprKind::Name(ident) => Ok(ident.name.clone()),
                _ => Err(ExecError::runtime("`pivot` key columns are column names").at(a.span)),
            })
            .collect::<ExecResult<_>>()?
    } else {
        input.fields.iter().map(|f| f.name.clone()).filter(|n| !used.contains(n)).collect()
    };
    let mut keys: Vec<Field> = Vec::new();
    for name in &key_names {
        let column = input.column(name).ok_or_else(|| {
            ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("unknown column `{name}`"))
        })?;
        keys.push(Field { name: name.clone(), column: column.clone() });
    }
    // Pivot values as column names, in ascending order.
    let labels: Vec<String> = (0..input.rows).map(|row| pivot_column.get(row).to_kql_string()).collect();
    let mut names: Vec<String> = labels.clone();
    names.sort();
    names.dedup();
    let key_columns: Vec<&Column> = keys.iter().map(|f| f.column.as_ref()).collect();
    let key_groups = group_rows(&key_columns, input.rows);
    // One aggregation group per (key, pivot value).
    let width = names.len().max(1);
    let label_index: std::collections::HashMap<&str, usize> =
        names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let cell_of_row: Vec<u32> = (0..input.rows)
        .map(|row| (key_groups.group_of_row[row] as usize * width + label_index[labels[row].as_str()]) as u32)
        .collect();
    let cells = key_groups.len() * width;
    exec.check_rows(cells)?;
    let mut datums = Vec::with_capacity(aggregate_args.len());
    for arg in aggregate_args {
        datums.push(exec.eval_column(arg, input, env)?);
    }
    let values =
        aggregate(&function, &datums, &Grouping { group_of_row: &cell_of_row, groups: cells, rows: input.rows })
            .map_err(|e| e.at(args[1].span))?;
    let mut fields: Vec<Field> = keys
        .iter()
        .map(|f| Field { name: f.name.clone(), column: Arc::new(f.column.take(&key_groups.first_rows)) })
        .collect();
    for (index, name) in names.iter().enumerate() {
        let cells: Vec<usize> = (0..key_groups.len()).map(|group| group * width + index).collect();
        crate::engine::operators::push_unique(
            &mut fields,
            Field { name: name.clone(), column: Arc::new(values.take(&cells)) },
        );
    }
    Ok(Table::from_fields(fields, key_groups.len()))
}

/// Column names an expression reads.
fn collect_names(expr: &Expr, out: &mut Vec<String>) {
    match &expr.kind {
        ExprKind::Name(ident) => out.push(ident.name.clone()),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| collect_names(a, out)),
        ExprKind::Binary { left, right, .. } => {
            collect_names(left, out);
            collect_names(right, out);
        }
        ExprKind::Paren(inner) | ExprKind::Unary { operand: inner, .. } => collect_names(inner, out),
        _ => {}
    }
}

/// `ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey...] [, return_unmatched])`:
/// joins each row to the lookup rows whose IPv4 range (CIDR prefix
/// notation) contains its address and whose extra keys are equal; the
/// schema is the input's columns and then the lookup table's others, as
/// with `lookup`. Unmatched rows are dropped unless `return_unmatched`.
fn ipv4_lookup<'q>(exec: &Executor<'q>, args: &'q [Expr], input: &Table, env: &Env<'q>) -> ExecResult<Table> {
    use crate::engine::functions::ip::parse_ipv4;
    use crate::engine::operators::join::take_optional;
    if args.len() < 3 {
        return Err(ExecError::runtime(
            "`ipv4_lookup` needs a lookup table, the input's IP column and the lookup's range column",
        ));
    }
    let lookup = exec.eval_table(&args[0], env)?;
    let column_name = |expr: &Expr| match &expr.kind {
        ExprKind::Name(ident) => Ok(ident.name.clone()),
        _ => Err(ExecError::runtime("a column name is expected here").at(expr.span)),
    };
    let source_key = column_name(&args[1])?;
    let lookup_key = column_name(&args[2])?;
    let mut extra_keys = Vec::new();
    let mut return_unmatched = false;
    for arg in &args[3..] {
        match &arg.kind {
            ExprKind::Name(ident) => extra_keys.push(ident.name.clone()),
            // `return_unmatched = true` or a plain boolean.
            ExprKind::NamedArg { value, .. } => {
                return_unmatched = matches!(exec.eval_scalar(value, env)?.0, Value::Bool(true));
            }
            _ => return_unmatched = matches!(exec.eval_scalar(arg, env)?.0, Value::Bool(true)),
        }
    }
    let missing = |table: &str, name: &str| {
        ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("the {table} has no column `{name}`"))
    };
    let source = input.column(&source_key).ok_or_else(|| missing("input", &source_key))?;
    let ranges = lookup.column(&lookup_key).ok_or_else(|| missing("lookup table", &lookup_key))?;
    let mut extra = Vec::new();
    for key in &extra_keys {
        extra.push((
            input.column(key).ok_or_else(|| missing("input", key))?,
            lookup.column(key).ok_or_else(|| missing("lookup table", key))?,
        ));
    }
    // Lookup rows by prefix length, then by masked network.
    let mut by_prefix: std::collections::BTreeMap<u8, std::collections::HashMap<u32, Vec<usize>>> =
        std::collections::BTreeMap::new();
    for row in 0..lookup.rows {
        if let Some((network, prefix)) = parse_ipv4(&ranges.get(row).to_kql_string()) {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            by_prefix.entry(prefix).or_default().entry(network & mask).or_default().push(row);
        }
    }
    let (left_rows, right_rows) = lookup_pairs(exec, input.rows, return_unmatched, |row, matches| {
        let Some((address, _)) = parse_ipv4(&source.get(row).to_kql_string()) else { return };
        for (prefix, networks) in by_prefix.iter().rev() {
            let mask = if *prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            for &candidate in networks.get(&(address & mask)).into_iter().flatten() {
                if extra.iter().all(|(left, right)| left.get(row) == right.get(candidate)) {
                    matches.push(candidate);
                }
            }
        }
    })?;
    let mut fields: Vec<Field> = input
        .fields
        .iter()
        .map(|f| Field { name: f.name.clone(), column: Arc::new(f.column.take(&left_rows)) })
        .collect();
    for field in &lookup.fields {
        if fields.iter().all(|f| f.name != field.name) {
            fields
                .push(Field { name: field.name.clone(), column: Arc::new(take_optional(&field.column, &right_rows)) });
        }
    }
    Ok(Table::from_fields(fields, left_rows.len()))
}

/// The (input row, lookup row) pairs of a lookup plugin: each of the
/// `rows` input rows with every lookup row `matches` adds for it, in that
/// order, or once with `None` when it adds none and `return_unmatched` is
/// set. The row budget is checked as the pairs grow.
pub(crate) fn lookup_pairs(
    exec: &Executor,
    rows: usize,
    return_unmatched: bool,
    mut matches: impl FnMut(usize, &mut Vec<usize>),
) -> ExecResult<(Vec<usize>, Vec<Option<usize>>)> {
    let (mut input_rows, mut lookup_rows) = (Vec::new(), Vec::new());
    let mut found = Vec::new();
    for row in 0..rows {
        found.clear();
        matches(row, &mut found);
        if found.is_empty() && return_unmatched {
            input_rows.push(row);
            lookup_rows.push(None);
        }
        for &candidate in &found {
            input_rows.push(row);
            lookup_rows.push(Some(candidate));
        }
        if row % 4096 == 0 {
            exec.check_rows(input_rows.len())?;
        }
    }
    exec.check_rows(input_rows.len())?;
    Ok((input_rows, lookup_rows))
}

/// A plugin argument that names an input column: its name and values.
pub(crate) fn column_argument(input: &Table, arg: &Expr, plugin: &str) -> ExecResult<(String, Arc<Column>)> {
    let arg = match &arg.kind {
        ExprKind::NamedArg { value, .. } => value.as_ref(),
        _ => arg,
    };
    let ExprKind::Name(ident) = &arg.kind else {
        return Err(ExecError::runtime(format!("a `{plugin}` argument here is a column name")).at(arg.span));
    };
    let column = input.column(&ident.name).ok_or_else(|| {
        ExecError::new(crate::diagnostics::Code::UnknownColumn, format!("unknown column `{}`", ident.name)).at(arg.span)
    })?;
    Ok((ident.name.clone(), column.clone()))
}

/// Checks a plugin's argument count.
pub(crate) fn check_arity(
    args: &[Expr],
    min: usize,
    plugin: &str,
    syntax: &str,
    span: crate::text::Span,
) -> ExecResult<()> {
    if args.len() < min {
        return Err(ExecError::new(
            crate::diagnostics::Code::WrongArgumentCount,
            format!("`{plugin}` needs at least {min} arguments, got {}", args.len()),
        )
        .at(span)
        .with_help(format!("write `evaluate {syntax}`")));
    }
    Ok(())
}
