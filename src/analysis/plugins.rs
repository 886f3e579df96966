//! `evaluate` plugins and `invoke`: the output schema of each plugin
//! Kusto.Language knows the columns of (`bag_unpack`, `pivot`, `basket`,
//! `sequence_detect`, ...), open tables for the rest.

use std::sync::Arc;

use crate::analysis::functions::open_table;
use crate::analysis::names::{expression_name, push_unique, suggest};
use crate::analysis::scope::{Binder, CallArg, Row, Symbol, declared_type};
use crate::analysis::types::{Column, ExprType, TableType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::operators::OutputSchema;
use crate::syntax::ast::{Expr, ExprKind};

impl<'a> Binder<'a> {
    /// `evaluate plugin(...)`.
    pub(crate) fn bind_evaluate(
        &mut self,
        input: Option<&Arc<TableType>>,
        call: &'a Expr,
        schema: Option<&OutputSchema>,
    ) -> Arc<TableType> {
        let ExprKind::Call { target: None, name, args } = &call.kind else {
            self.bind_expr(call, Row::default());
            return open_table();
        };
        let plugin_name = name.name.as_str();
        let row = match input {
            Some(table) => Row::of(table),
            None => Row::default(),
        };
        if self.globals.catalog.plugin(plugin_name).is_none() {
            let mut diagnostic =
                Diagnostic::new(Code::UnknownPlugin, name.span, format!("unknown plugin `{plugin_name}`"));
            let names: Vec<&str> = self
                .globals
                .catalog
                .all()
                .iter()
                .filter(|f| f.kind == crate::analysis::catalog::FunctionKind::Plugin)
                .map(|f| f.name.as_str())
                .collect();
            if let Some(best) = suggest(plugin_name, names.into_iter()) {
                diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
            }
            self.report(diagnostic);
            return open_table();
        }
        let mut arg_types: Vec<ExprType> = Vec::new();
        for (index, arg) in args.iter().enumerate() {
            let value = match &arg.kind {
                ExprKind::NamedArg { value, .. } => value,
                _ => arg,
            };
            // `ipv4_lookup(Lookup, SourceKey, LookupKey, ...)`: keys after the
            // source key name the lookup table's columns;
            // `geo_polygon_lookup(Lookup, LookupKey, Longitude, Latitude, ...)`:
            // the second argument does.
            // Their radius may be a lookup column too.
            let names_lookup_column = match plugin_name {
                "geo_polygon_lookup" | "geo_line_lookup" => index == 1 || is_geo_lookup_radius(arg, index),
                _ => plugin_name.ends_with("_lookup") && index >= 2,
            };
            let lookup = match arg_types.first() {
                Some(ExprType::Table(table)) if names_lookup_column => Some(table.clone()),
                _ => None,
            };
            let ty = match &lookup {
                Some(table) => {
                    let merged = TableType {
                        columns: table
                            .columns
                            .iter()
                            .chain(row.table.map(|t| t.columns.iter()).into_iter().flatten())
                            .cloned()
                            .collect(),
                        open: table.open,
                    };
                    self.bind_expr(value, Row::of(&merged))
                }
                None => self.bind_expr(value, if plugin_name == "pivot" { row.with_aggregates() } else { row }),
            };
            arg_types.push(ty);
        }
        let input_columns = input.map(|t| t.columns.clone()).unwrap_or_default();
        if let Some(schema) = schema {
            // The declared columns, after the input's (but the unpacked
            // column) when the schema starts with `*`.
            let unpacked =
                if plugin_name == "bag_unpack" { args.first().and_then(|a| expression_name(a, false)) } else { None };
            let mut columns: Vec<Column> = if schema.wildcard {
                input_columns.into_iter().filter(|c| Some(&c.name) != unpacked.as_ref()).collect()
            } else {
                Vec::new()
            };
            for declared in &schema.columns {
                columns.retain(|c| c.name != declared.name.name);
                columns.push(Column::new(&declared.name.name, declared_type(&declared.ty)));
            }
            return Arc::new(TableType::new(columns));
        }
        // The named input columns among `args` (a plugin's dimensions).
        let referenced = |args: &[Expr]| -> Vec<Column> {
            args.iter()
                .filter_map(|arg| match &arg.kind {
                    ExprKind::Name(ident) => input.and_then(|table| table.column(&ident.name)).cloned(),
                    _ => None,
                })
                .collect()
        };
        match plugin_name {
            "rows_near" => Arc::new(TableType { columns: input_columns, open: input.is_none_or(|t| t.open) }),
            "schema_merge" => Arc::new(TableType::new(vec![
                Column::new("ColumnName", Type::STRING),
                Column::new("ColumnOrdinal", Type::INT),
                Column::new("DataType", Type::STRING),
                Column::new("ColumnType", Type::STRING),
            ])),
            "rolling_percentile" => {
                let mut columns = referenced(args.get(2..3).unwrap_or_default());
                columns.extend(referenced(args.get(5..).unwrap_or_default()));
                let value = referenced(args.get(..1).unwrap_or_default()).pop();
                let text = |index: usize| args.get(index).and_then(number_text).unwrap_or_else(|| "0".to_string());
                let name = format!(
                    "rolling_{}_percentile_{}_{}",
                    text(4),
                    value.as_ref().map_or("value", |c| c.name.as_str()),
                    text(1)
                );
                columns.push(Column::new(name, value.map_or(Type::LONG, |c| c.ty)));
                Arc::new(TableType::new(columns))
            }
            "active_users_count" | "activity_counts_metrics" | "sliding_window_counts" | "session_count" => {
                // The timeline, the dimensions after the fixed arguments, the counts.
                let (fixed, counts): (usize, &[&str]) = match plugin_name {
                    "active_users_count" => (8, &["dcount"]),
                    "activity_counts_metrics" => (5, &["count", "dcount", "new_dcount", "aggregated_dcount"]),
                    "sliding_window_counts" => (6, &["Count", "dcount"]),
                    _ => (6, &["count_sessions"]),
                };
                let mut columns = referenced(args.get(1..2).unwrap_or_default());
                columns.extend(referenced(args.get(fixed..).unwrap_or_default()));
                columns.extend(counts.iter().map(|name| Column::new(*name, Type::LONG)));
                Arc::new(TableType::new(columns))
            }
            // The timeline, the dimensions (the input columns among the
            // arguments after it: `Start`, `End` and the windows are
            // constants), then the metrics, as Kusto.Language declares them.
            "activity_metrics" | "activity_engagement" => {
                let metrics: &[(&str, Type)] = if plugin_name == "activity_metrics" {
                    &[
                        ("dcount_values", Type::LONG),
                        ("dcount_newvalues", Type::LONG),
                        ("retention_rate", Type::REAL),
                        ("churn_rate", Type::REAL),
                    ]
                } else {
                    &[
                        ("dcount_activities_inner", Type::LONG),
                        ("dcount_activities_outer", Type::LONG),
                        ("activity_ratio", Type::REAL),
                    ]
                };
                let mut columns = referenced(args.get(1..2).unwrap_or_default());
                columns.extend(referenced(args.get(2..).unwrap_or_default()));
                columns.extend(metrics.iter().map(|(name, ty)| Column::new(*name, *ty)));
                Arc::new(TableType::new(columns))
            }
            "new_activity_metrics" => {
                let mut columns = Vec::new();
                if let Some(timeline) = referenced(args.get(1..2).unwrap_or_default()).pop() {
                    columns.push(Column::new(format!("from_{}", timeline.name), timeline.ty));
                    columns.push(Column::new(format!("to_{}", timeline.name), timeline.ty));
                }
                columns.extend(referenced(args.get(5..).unwrap_or_default()));
                for name in ["dcount_new_values", "dcount_retained_values", "dcount_churn_values"] {
                    columns.push(Column::new(name, Type::LONG));
                }
                columns.push(Column::new("retention_rate", Type::REAL));
                columns.push(Column::new("churn_rate", Type::REAL));
                Arc::new(TableType::new(columns))
            }
            // The input's columns, then `s0` to `s<n-1>`.
            "dcount_intersect" => {
                let mut columns = input_columns;
                for index in 0..args.len() {
                    push_unique(&mut columns, Column::new(format!("s{index}"), Type::LONG));
                }
                Arc::new(TableType { columns, open: input.is_some_and(|t| t.open) })
            }
            // The window (an `int` timeline gives `long` windows), then
            // `funnel_sequence`'s first table (prev, next, dcount, samples)
            // or `funnel_sequence_completion`'s (state, Period, dcount).
            "funnel_sequence" | "funnel_sequence_completion" => {
                let timeline = referenced(args.get(1..2).unwrap_or_default()).pop().map(|mut column| {
                    if column.ty == Type::INT {
                        column.ty = Type::LONG;
                    }
                    column
                });
                let time_line = timeline.as_ref().is_some_and(|c| c.ty == Type::DATETIME || c.ty == Type::TIMESPAN);
                let mut columns: Vec<Column> = timeline.into_iter().collect();
                if plugin_name == "funnel_sequence" {
                    columns.push(Column::new("prev", Type::STRING));
                    columns.push(Column::new("next", Type::STRING));
                    columns.push(Column::new("dcount", Type::LONG));
                    columns.push(Column::new("samples", Type::DYNAMIC));
                } else {
                    if let Some(state) = referenced(args.get(5..6).unwrap_or_default()).pop() {
                        columns.push(Column::new(state.name, Type::STRING));
                    }
                    columns.push(Column::new("Period", if time_line { Type::TIMESPAN } else { Type::LONG }));
                    columns.push(Column::new("dcount", Type::LONG));
                }
                Arc::new(TableType::new(columns))
            }
            // The first of its two result tables: the input's rows.
            "preview" => Arc::new(TableType { columns: input_columns, open: input.is_none_or(|t| t.open) }),
            "bag_unpack" => {
                let column = args.first().and_then(|a| expression_name(a, false));
                let columns = input_columns.into_iter().filter(|c| Some(&c.name) != column.as_ref()).collect();
                Arc::new(TableType { columns, open: true })
            }
            "ipv6_lookup" => {
                // The lookup table's columns first, as in the documented output.
                let mut columns = match arg_types.first() {
                    Some(ExprType::Table(lookup)) => lookup.columns.clone(),
                    _ => Vec::new(),
                };
                for column in input_columns {
                    push_unique(&mut columns, column);
                }
                Arc::new(TableType { columns, open: false })
            }
            "ipv4_lookup" | "geo_polygon_lookup" | "geo_line_lookup" => {
                // The geo lookups leave the key column out unless
                // `return_lookup_key` is a true literal (Kusto.Language).
                let left_out = match plugin_name {
                    "ipv4_lookup" => None,
                    _ if returns_geo_lookup_key(args) => None,
                    _ => args.get(1).and_then(|a| expression_name(a, false)),
                };
                let mut columns = input_columns;
                if let Some(ExprType::Table(lookup)) = arg_types.first() {
                    for column in &lookup.columns {
                        if left_out.as_ref().is_some_and(|key| key.eq_ignore_ascii_case(&column.name)) {
                            continue;
                        }
                        push_unique(&mut columns, column.clone());
                    }
                }
                Arc::new(TableType { columns, open: false })
            }
            "pivot" => {
                // The listed columns (or, when none is listed, every input
                // column but the pivot and aggregated ones), then one column
                // per pivot value, which the open table stands for.
                let referenced = |arg: &Expr| match &arg.kind {
                    ExprKind::Name(ident) => input.and_then(|table| table.column(&ident.name)).cloned(),
                    _ => None,
                };
                let mut columns: Vec<Column> = args.iter().skip(2).filter_map(referenced).collect();
                if columns.is_empty() {
                    let pivoted = args.first().and_then(referenced).map(|c| c.name);
                    let aggregated = match args.get(1).map(|arg| &arg.kind) {
                        Some(ExprKind::Call { args: inner, .. }) => inner.first().and_then(referenced).map(|c| c.name),
                        _ => None,
                    };
                    columns = input_columns
                        .into_iter()
                        .filter(|c| Some(&c.name) != pivoted.as_ref() && Some(&c.name) != aggregated.as_ref())
                        .collect();
                }
                Arc::new(TableType { columns, open: true })
            }
            // The segment columns, then the input's columns as they are.
            "basket" | "autocluster" => {
                let mut columns = vec![
                    Column::new("SegmentId", Type::LONG),
                    Column::new("Count", Type::LONG),
                    Column::new("Percent", Type::REAL),
                ];
                columns.extend(input_columns);
                Arc::new(TableType::new(columns))
            }
            "diffpatterns" => {
                let mut columns = vec![
                    Column::new("SegmentId", Type::LONG),
                    Column::new("CountA", Type::LONG),
                    Column::new("CountB", Type::LONG),
                    Column::new("PercentA", Type::REAL),
                    Column::new("PercentB", Type::REAL),
                    Column::new("PercentDiffAB", Type::REAL),
                ];
                // The input's columns without the split column (the documented example).
                let split = args.first().and_then(|a| expression_name(a, false));
                columns.extend(input_columns.into_iter().filter(|c| Some(&c.name) != split.as_ref()));
                Arc::new(TableType::new(columns))
            }
            "sequence_detect" => sequence_detect_columns(input, args, &arg_types),
            "narrow" => Arc::new(TableType::new(vec![
                Column::new("Row", Type::INT),
                Column::new("Column", Type::STRING),
                Column::new("Value", Type::STRING),
            ])),
            _ => Arc::new(TableType { columns: Vec::new(), open: true }),
        }
    }

    /// `T | invoke f(args)`: calls `f` with `T` as its first argument.
    pub(crate) fn bind_invoke(&mut self, input: &Arc<TableType>, call: &'a Expr) -> Arc<TableType> {
        let ExprKind::Call { target: None, name, args } = &call.kind else {
            return open_table();
        };
        let mut bound = vec![CallArg { name: None, ty: ExprType::Table(input.clone()), text: None }];
        for arg in args {
            let ty = self.bind_expr(arg, Row::default());
            bound.push(CallArg { name: None, ty, text: self.constant_text(arg) });
        }
        match self.lookup(&name.name) {
            Some(Symbol::Function(function)) => {
                let function = *function;
                match self.bind_user_call(function, &bound, call.span) {
                    ExprType::Table(table) => table,
                    _ => open_table(),
                }
            }
            _ => match self.globals.schemas.function(&name.name) {
                Some(function) => function.output.clone(),
                None => {
                    self.error(Code::UnknownFunction, name.span, format!("unknown function `{}`", name.name));
                    // Kusto.Language continues with an empty closed table, so
                    // the columns used after it are reported too.
                    Arc::new(TableType::default())
                }
            },
        }
    }
}

/// `sequence_detect(Timeline, MaxStepWindow, MaxSequenceSpan, Expr1, Expr2, ..., Dimension1, ...)`:
/// the dimension columns, one `<expr>_<Timeline>` column per step expression
/// (the boolean arguments after the third) typed like the timeline, and
/// `Duration`. A name taken already (two unnamed steps both give
/// `<Timeline>`) gets a numeric suffix, as the engine's columns do.
fn sequence_detect_columns(input: Option<&Arc<TableType>>, args: &[Expr], arg_types: &[ExprType]) -> Arc<TableType> {
    let step_count = arg_types.iter().skip(4).take_while(|ty| ty.scalar() == Type::BOOL).count() + 1;
    let steps = args.iter().skip(3).take(step_count);
    let mut columns: Vec<Column> = Vec::new();
    let dimensions = args.iter().skip(3 + step_count).filter_map(|arg| match &arg.kind {
        ExprKind::Name(ident) => input?.column(&ident.name).cloned(),
        _ => None,
    });
    for dimension in dimensions {
        push_unique(&mut columns, dimension);
    }
    if let (Some(timeline), Some(timeline_type)) = (args.first(), arg_types.first()) {
        let timeline_name = expression_name(timeline, false);
        for step in steps {
            let name = [expression_name(step, false), timeline_name.clone()].into_iter().flatten().collect::<Vec<_>>();
            push_unique(&mut columns, Column::new(name.join("_"), timeline_type.scalar()));
        }
    }
    push_unique(&mut columns, Column::new("Duration", Type::TIMESPAN));
    Arc::new(TableType::new(columns))
}

/// Whether a geo lookup argument is the radius: the fifth, or named `radius`.
fn is_geo_lookup_radius(arg: &Expr, index: usize) -> bool {
    match &arg.kind {
        ExprKind::NamedArg { name, .. } => name.name.eq_ignore_ascii_case("radius"),
        _ => index == 4,
    }
}

/// Whether a geo lookup's `return_lookup_key` (the eighth argument, or
/// named) is the literal `true`.
fn returns_geo_lookup_key(args: &[Expr]) -> bool {
    use crate::syntax::ast::Literal;
    let is_true = |expr: &Expr| matches!(expr.kind, ExprKind::Literal(Literal::Bool(Some(true))));
    args.iter().enumerate().any(|(index, arg)| match &arg.kind {
        ExprKind::NamedArg { name, value } => name.name.eq_ignore_ascii_case("return_lookup_key") && is_true(value),
        _ => index == 7 && is_true(arg),
    })
}

/// The text of a number literal (`3`, `50`, `99.5`), as Kusto.Language puts
/// it in `rolling_percentile`'s column name.
fn number_text(expr: &Expr) -> Option<String> {
    use crate::syntax::ast::Literal;
    match &expr.kind {
        ExprKind::Literal(Literal::Int(Some(value))) => Some(value.to_string()),
        ExprKind::Literal(Literal::Long(Some(value))) => Some(value.to_string()),
        ExprKind::Literal(Literal::Real(Some(value))) => Some(value.to_string()),
        ExprKind::Paren(inner) => number_text(inner),
        _ => None,
    }
}
