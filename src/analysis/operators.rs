//! Tabular operators: the output schema of each operator from its input,
//! and the checks on its operands.

use std::sync::Arc;

use crate::analysis::functions::open_table;
use crate::analysis::names::{expression_name, generated_name, push_unique, rebuilt_columns};
use crate::analysis::scope::{Binder, InferredColumns, Row, Symbol, declared_type};
use crate::analysis::types::{Column, ExprType, TableType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::operators::{Assignment, ExpandItem, NamedParameter, ParsePart, SeriesRange};
use crate::syntax::ast::{self, Expr, ExprKind, Literal, Operator, OperatorKind};

impl<'a> Binder<'a> {
    /// Binds `input | operator` and returns the operator's output.
    ///
    /// When the operator uses names an open input does not declare,
    /// Kusto.Language infers an `unknown` column for each and treats them as
    /// columns of the input (`where x == 1` on an open table outputs `x`);
    /// the operator is then bound again, quietly, over the input with them.
    pub fn bind_operator(&mut self, operator: &'a Operator, input: &Arc<TableType>) -> Arc<TableType> {
        self.inferred.push(InferredColumns::default());
        let output = self.bind_operator_on(operator, input);
        let frame = self.inferred.pop().expect("pushed above");
        if !input.open {
            return output;
        }
        if frame.input.is_empty() {
            return keep_open(operator, output);
        }
        let mut columns = input.columns.clone();
        for name in frame.input {
            if input.column(&name).is_none() {
                columns.push(Column::new(name, Type::Unknown));
            }
        }
        let widened = Arc::new(TableType { columns, open: true });
        self.quiet += 1;
        self.inferred.push(InferredColumns::default());
        let output = self.bind_operator_on(operator, &widened);
        self.inferred.pop();
        self.quiet -= 1;
        keep_open(operator, output)
    }

    fn bind_operator_on(&mut self, operator: &'a Operator, input: &Arc<TableType>) -> Arc<TableType> {
        let row = Row::of(input);
        match &operator.kind {
            OperatorKind::Where(predicate) => {
                self.bind_predicate(predicate, row);
                input.clone()
            }
            OperatorKind::Extend(assignments) => self.bind_extend(input, assignments),
            OperatorKind::Serialize(assignments) => self.bind_extend(input, assignments),
            OperatorKind::Project(assignments) => self.bind_project(input, assignments),
            OperatorKind::ProjectAway(patterns) => self.bind_project_away(input, patterns, false),
            OperatorKind::ProjectKeep(patterns) => self.bind_project_away(input, patterns, true),
            OperatorKind::ProjectByNames(items) => {
                // Names are values: the schema is known when they are literals.
                let mut names: Option<Vec<String>> = Some(Vec::new());
                for item in items {
                    self.bind_scalar(item, row);
                    let literal: Option<Vec<String>> = match &item.kind {
                        ExprKind::Literal(Literal::String(text)) => Some(vec![text.clone()]),
                        ExprKind::Literal(Literal::Dynamic(ast::Dynamic::Array(values))) => values
                            .iter()
                            .map(|v| match v {
                                ast::Dynamic::String(text) => Some(text.clone()),
                                _ => None,
                            })
                            .collect(),
                        _ => None,
                    };
                    names = names.zip(literal).map(|(mut names, more)| {
                        names.extend(more);
                        names
                    });
                }
                match names {
                    Some(names) if !input.open => {
                        let mut columns: Vec<Column> = Vec::new();
                        for pattern in &names {
                            for column in &input.columns {
                                if wildcard_match(pattern, &column.name)
                                    && columns.iter().all(|c| c.name != column.name)
                                {
                                    columns.push(column.clone());
                                }
                            }
                        }
                        Arc::new(TableType::new(columns))
                    }
                    _ => open_table(),
                }
            }
            OperatorKind::ProjectRename(renames) => self.bind_project_rename(&rebuilt_input(input), renames),
            OperatorKind::ProjectReorder(items) => {
                let input = &rebuilt_input(input);
                let mut front: Vec<Column> = Vec::new();
                for (pattern, _) in items {
                    let matched = self.match_columns(input, pattern);
                    for column in matched {
                        if front.iter().all(|c| c.name != column.name) {
                            front.push(column);
                        }
                    }
                }
                let rest: Vec<Column> =
                    input.columns.iter().filter(|c| front.iter().all(|f| f.name != c.name)).cloned().collect();
                front.extend(rest);
                Arc::new(TableType { columns: front, open: input.open })
            }
            OperatorKind::Summarize { aggregates, by, .. } => {
                if aggregates.is_empty() && by.is_empty() {
                    self.error(
                        Code::SummarizeWithoutAggregate,
                        operator.span,
                        "`summarize` needs at least one aggregation or `by` column",
                    );
                }
                self.bind_summarize(input, aggregates, by)
            }
            OperatorKind::Count => single_column("Count", Type::LONG),
            OperatorKind::Distinct { columns, .. } => {
                if matches!(columns.first().map(|c| &c.kind), Some(ExprKind::Star)) {
                    return input.clone();
                }
                let mut out: Vec<Column> = Vec::new();
                let mut counter = 0;
                for column in columns {
                    let ty = self.bind_scalar(column, row);
                    let name = expression_name(column, false)
                        .unwrap_or_else(|| generated_name("Column", &TableType::new(out.clone()), &mut counter));
                    push_unique(&mut out, Column::new(name, ty));
                }
                Arc::new(TableType::new(out))
            }
            OperatorKind::Take { count, .. } | OperatorKind::Sample { count, .. } => {
                self.bind_scalar(count, Row::default());
                input.clone()
            }
            OperatorKind::SampleDistinct { count, column, .. } => {
                self.bind_scalar(count, Row::default());
                let ty = self.bind_scalar(column, row);
                let name = expression_name(column, false).unwrap_or_else(|| "Column1".into());
                single_column(&name, ty)
            }
            OperatorKind::Top { count, key, .. } => {
                self.bind_scalar(count, Row::default());
                self.bind_scalar(&key.expr, row);
                input.clone()
            }
            OperatorKind::Sort { keys, .. } => {
                for key in keys {
                    self.bind_scalar(&key.expr, row);
                }
                input.clone()
            }
            OperatorKind::As { name, .. } => {
                self.define(&name.name, Symbol::Table(input.clone()));
                input.clone()
            }
            OperatorKind::Render { .. } | OperatorKind::Consume { .. } => input.clone(),
            OperatorKind::GetSchema => Arc::new(TableType::new(vec![
                Column::new("ColumnName", Type::STRING),
                Column::new("ColumnOrdinal", Type::LONG),
                Column::new("DataType", Type::STRING),
                Column::new("ColumnType", Type::STRING),
            ])),
            OperatorKind::MvExpand { params, items, limit } => {
                if let Some(limit) = limit {
                    self.bind_scalar(limit, Row::default());
                }
                self.bind_mv_expand(input, params, items)
            }
            OperatorKind::MvApply { params, items, limit, subquery } => {
                let input = &rebuilt_input(input);
                if let Some(limit) = limit {
                    self.bind_scalar(limit, Row::default());
                }
                let expanded = self.bind_mv_expand(input, params, items);
                let result = self.bind_table(subquery, Row::of(&expanded)).unwrap_or_else(open_table);
                // The input's other columns, then what the subquery produces.
                let item_names: Vec<String> = items
                    .iter()
                    .filter_map(|item| match &item.name {
                        Some(name) => Some(name.name.clone()),
                        None => expression_name(&item.expr, false),
                    })
                    .collect();
                let mut columns: Vec<Column> =
                    input.columns.iter().filter(|c| !item_names.contains(&c.name)).cloned().collect();
                for column in &result.columns {
                    if columns.iter().all(|c| c.name != column.name) {
                        columns.push(column.clone());
                    }
                }
                Arc::new(TableType { columns, open: input.open || result.open })
            }
            OperatorKind::Parse { source, pattern, .. } => {
                self.bind_scalar(source, row);
                let mut columns = input.columns.clone();
                for part in pattern {
                    match part {
                        // Kusto.Language appends parsed columns even when the
                        // name exists (the later one is a second column).
                        ParsePart::Column(decl) => {
                            columns.push(Column::new(&decl.name.name, declared_type(&decl.ty)));
                        }
                        ParsePart::ColumnUntyped(ident) => columns.push(Column::new(&ident.name, Type::STRING)),
                        ParsePart::Text(expr) => {
                            self.bind_scalar(expr, Row::default());
                        }
                        ParsePart::Wildcard(_) => {}
                    }
                }
                Arc::new(TableType { columns, open: input.open })
            }
            OperatorKind::ParseKv { source, keys, .. } => {
                self.bind_scalar(source, row);
                let mut columns = input.columns.clone();
                for key in keys {
                    set_column(&mut columns, &key.name.name, declared_type(&key.ty));
                }
                Arc::new(TableType { columns, open: input.open })
            }
            OperatorKind::MakeSeries { aggregates, on, range, by, .. } => {
                let mut columns: Vec<Column> = Vec::new();
                let mut counter = 0;
                for assignment in by {
                    let ty = self.bind_scalar(&assignment.value, row);
                    let name = self.assignment_name(assignment, false, &columns, &mut counter);
                    push_unique(&mut columns, Column::new(name, ty));
                }
                for aggregate in aggregates {
                    self.bind_scalar(&aggregate.assignment.value, row.with_aggregates());
                    if let Some(default) = &aggregate.default {
                        self.bind_scalar(default, Row::default());
                    }
                    let name = self.assignment_name(&aggregate.assignment, true, &columns, &mut counter);
                    push_unique(&mut columns, Column::new(name, Type::DYNAMIC));
                }
                self.bind_scalar(on, row);
                match range {
                    Some(SeriesRange::InRange { start, stop, step }) => {
                        for expr in [start, stop, step] {
                            self.bind_scalar(expr, Row::default());
                        }
                    }
                    Some(SeriesRange::FromTo { from, to, step }) => {
                        for expr in [from.as_ref(), to.as_ref(), Some(step)].into_iter().flatten() {
                            self.bind_scalar(expr, Row::default());
                        }
                    }
                    None => {}
                }
                let axis = expression_name(on, false).unwrap_or_else(|| "Column1".into());
                push_unique(&mut columns, Column::new(axis, Type::DYNAMIC));
                Arc::new(TableType::new(columns))
            }
            OperatorKind::TopNested(clauses) => {
                let mut columns: Vec<Column> = Vec::new();
                let mut counter = 0;
                for clause in clauses {
                    if let Some(count) = &clause.count {
                        self.bind_scalar(count, Row::default());
                    }
                    let of_ty = self.bind_scalar(&clause.of.value, row);
                    let of_name = self.assignment_name(&clause.of, false, &columns, &mut counter);
                    if let Some(others) = &clause.others {
                        self.bind_scalar(others, Row::default());
                    }
                    push_unique(&mut columns, Column::new(of_name.clone(), of_ty));
                    let by_ty = self.bind_scalar(&clause.by.value, row.with_aggregates());
                    let by_name = match clause.by.names.first() {
                        Some(name) => name.name.clone(),
                        None => format!("aggregated_{of_name}"),
                    };
                    push_unique(&mut columns, Column::new(by_name, by_ty));
                }
                Arc::new(TableType::new(columns))
            }
            OperatorKind::Join { params, right, on, where_ } => {
                self.bind_join(input, params, right, on, where_.as_ref())
            }
            OperatorKind::Lookup { params, right, on } => self.bind_lookup(input, params, right, on),
            OperatorKind::Union { params, tables } => self.bind_union(Some(input), params, tables),
            OperatorKind::Evaluate { call, schema, .. } => self.bind_evaluate(Some(input), call, schema.as_ref()),
            OperatorKind::Invoke(call) => self.bind_invoke(input, call),
            OperatorKind::Fork(branches) => {
                let mut first = None;
                for branch in branches {
                    let out = self.bind_table(&branch.query, row);
                    first = first.or(out);
                }
                first.unwrap_or_else(|| input.clone())
            }
            // `facet` returns the `with` table first, then `Col, count_Col`
            // per column; its first table stands for its output.
            OperatorKind::Facet { columns, with } => {
                let mut first = None;
                if let Some(with) = with {
                    first = self.bind_table(with, row);
                }
                for column in columns {
                    let ty = self.bind_scalar(column, row);
                    if first.is_none()
                        && let Some(name) = expression_name(column, false)
                    {
                        first = Some(Arc::new(TableType::new(vec![
                            Column::new(name.clone(), ty),
                            Column::new(format!("count_{name}"), Type::LONG),
                        ])));
                    }
                }
                first.unwrap_or_else(|| input.clone())
            }
            OperatorKind::Partition { subquery, .. } => self.bind_table(subquery, row).unwrap_or_else(|| input.clone()),
            OperatorKind::Scan { params, declare, steps } => {
                let mut columns = input.columns.clone();
                for (decl, default) in declare {
                    if let Some(default) = default {
                        self.bind_scalar(default, Row::default());
                    }
                    set_column(&mut columns, &decl.name.name, declared_type(&decl.ty));
                }
                let table = Arc::new(TableType { columns: columns.clone(), open: input.open });
                // `StepName.Column` reads the scan's state: every step name
                // stands for a row of the extended input.
                self.push_scope();
                for step in steps {
                    self.define(&step.name.name, Symbol::Table(table.clone()));
                }
                for step in steps {
                    self.bind_predicate(&step.condition, Row::of(&table));
                    for assignment in &step.assignments {
                        self.bind_expr(&assignment.value, Row::of(&table));
                    }
                }
                self.pop_scope();
                let match_id = params.iter().find(|p| p.name.name == "with_match_id");
                match match_id.map(|p| &p.value.kind) {
                    Some(ExprKind::Name(name)) => {
                        set_column(&mut columns, &name.name, Type::LONG);
                        Arc::new(TableType { columns, open: input.open })
                    }
                    _ => table,
                }
            }
            OperatorKind::Reduce { params, by, .. } => {
                self.bind_scalar(by, row);
                // `kind=source` keeps the input rows and adds their `Pattern`.
                if params.iter().any(|p| {
                    p.name.name.eq_ignore_ascii_case("kind")
                        && matches!(&p.value.kind, ExprKind::Name(kind) if kind.name.eq_ignore_ascii_case("source"))
                }) {
                    let mut columns = input.columns.clone();
                    push_unique(&mut columns, Column::new("Pattern", Type::STRING));
                    return Arc::new(TableType { columns, open: input.open });
                }
                Arc::new(TableType::new(vec![
                    Column::new("Pattern", Type::STRING),
                    Column::new("Count", Type::LONG),
                    Column::new("Representative", Type::STRING),
                ]))
            }
            OperatorKind::TopHitters { count, of, by } => {
                self.bind_scalar(count, Row::default());
                let of_ty = self.bind_scalar(of, row);
                let of_name = expression_name(of, false).unwrap_or_else(|| "Column1".into());
                let mut columns = vec![Column::new(of_name.clone(), of_ty)];
                match by {
                    Some(by) => {
                        let by_ty = self.bind_scalar(by, row);
                        // Kusto.Language names it `approximate_sum_Weight`; the sum
                        // of an `int` is a `long`, as with `sum()`.
                        let name = format!("approximate_sum_{}", expression_name(by, false).unwrap_or_default());
                        let ty = if by_ty == Type::INT { Type::LONG } else { by_ty };
                        columns.push(Column::new(name, ty));
                    }
                    None => columns.push(Column::new("approximate_count_".to_string() + &of_name, Type::LONG)),
                }
                Arc::new(TableType::new(columns))
            }
            OperatorKind::Search { predicate, .. } => {
                self.bind_search_predicate(predicate, Row { table: Some(input), ..Row::default() });
                input.clone()
            }
            // Sources used after a pipe (`T | union ...` is handled above).
            OperatorKind::Print(_)
            | OperatorKind::DataTable { .. }
            | OperatorKind::ExternalData { .. }
            | OperatorKind::Range { .. }
            | OperatorKind::Find { .. } => self.bind_source(operator, row),
            OperatorKind::MakeGraph { partition: Some(_), .. } => self.bind_partitioned_graph(operator, input),
            OperatorKind::MakeGraph { .. } => {
                self.bind_make_graph(operator, input);
                self.report_graph_result(operator);
                open_table()
            }
            OperatorKind::GraphMatch { .. }
            | OperatorKind::GraphShortestPaths { .. }
            | OperatorKind::GraphToTable(_)
            | OperatorKind::GraphMarkComponents { .. } => {
                self.report(
                    Diagnostic::new(
                        Code::GraphExpected,
                        operator.span,
                        "a graph operator needs a graph as its input, found a table",
                    )
                    .with_help("build a graph first: `T | make-graph Source --> Target`"),
                );
                open_table()
            }
            OperatorKind::Other { .. } | OperatorKind::Block(_) | OperatorKind::Error => open_table(),
        }
    }

    /// Binds an operator that starts a query (`print`, `range`, `datatable`, `union`, ...).
    pub fn bind_source(&mut self, operator: &'a Operator, row: Row<'_>) -> Arc<TableType> {
        // Names a source operator uses are not columns of an enclosing operator's input.
        self.inferred.push(InferredColumns::default());
        let output = self.bind_source_on(operator, row);
        self.inferred.pop();
        output
    }

    fn bind_source_on(&mut self, operator: &'a Operator, row: Row<'_>) -> Arc<TableType> {
        match &operator.kind {
            OperatorKind::Print(assignments) => {
                let mut columns: Vec<Column> = Vec::new();
                for (index, assignment) in assignments.iter().enumerate() {
                    let ty = self.bind_scalar(&assignment.value, Row::default());
                    if let Some(tuple) = tuple_columns(&assignment.value) {
                        for (position, (default, ty)) in tuple.into_iter().enumerate() {
                            let name = assignment.names.get(position).map_or(default, |n| n.name.clone());
                            push_unique(&mut columns, Column::new(name, ty));
                        }
                        continue;
                    }
                    // Unnamed `print` columns are `print_0`, `print_1`, ... even for plain names.
                    let name = match assignment.names.first() {
                        Some(name) => name.name.clone(),
                        None => format!("print_{index}"),
                    };
                    push_unique(&mut columns, Column::new(name, ty));
                }
                Arc::new(TableType::new(columns))
            }
            OperatorKind::DataTable { columns, values, .. } => {
                for value in values {
                    self.bind_scalar(value, Row::default());
                }
                Arc::new(TableType::new(
                    columns.iter().map(|c| Column::new(&c.name.name, declared_type(&c.ty))).collect(),
                ))
            }
            OperatorKind::ExternalData { columns, uris, .. } => {
                for uri in uris {
                    self.bind_scalar(uri, Row::default());
                }
                Arc::new(TableType::new(
                    columns.iter().map(|c| Column::new(&c.name.name, declared_type(&c.ty))).collect(),
                ))
            }
            OperatorKind::Range { column, from, to, step } => {
                let ty = self.bind_scalar(from, Row::default());
                self.bind_scalar(to, Row::default());
                self.bind_scalar(step, Row::default());
                let ty = if ty == Type::INT { Type::LONG } else { ty };
                single_column(&column.name, ty)
            }
            OperatorKind::Union { params, tables } => self.bind_union(None, params, tables),
            OperatorKind::Evaluate { call, schema, .. } => self.bind_evaluate(None, call, schema.as_ref()),
            OperatorKind::Find { params, tables, predicate, project, project_smart } => {
                self.bind_find(params, tables.as_deref(), predicate, project, *project_smart)
            }
            OperatorKind::Search { predicate, .. } => {
                self.bind_search_predicate(
                    predicate,
                    Row { table: Some(&TableType { columns: Vec::new(), open: true }), ..row },
                );
                open_table()
            }
            _ => open_table(),
        }
    }

    /// `extend` (and `serialize`): new columns at the end, existing names replaced in place.
    fn bind_extend(&mut self, input: &Arc<TableType>, assignments: &'a [Assignment]) -> Arc<TableType> {
        let input = &rebuilt_input(input);
        if assignments.is_empty() {
            return input.clone();
        }
        let mut table = TableType { columns: input.columns.clone(), open: input.open };
        // Later assignments see the columns earlier ones add, but a column an
        // earlier assignment replaces keeps its input type until the operator ends.
        let mut visible = table.clone();
        let mut counter = 0;
        for assignment in assignments {
            let ty = self.bind_expr(&assignment.value, Row::of(&visible));
            if let ExprType::Table(_) = ty
                && assignment.names.len() <= 1
            {
                self.report(
                    Diagnostic::new(
                        Code::ScalarExpected,
                        assignment.value.span,
                        "expected a scalar value, found a table",
                    )
                    .with_help("wrap the sub-query in `toscalar(...)`"),
                );
            }
            let add = |table: &mut TableType, visible: &mut TableType, name: &str, ty: Type| {
                set_column(&mut table.columns, name, ty);
                if visible.column(name).is_none() {
                    visible.columns.push(Column::new(name, ty));
                }
            };
            // A function with several results: `(a, b) =` names the first
            // ones, the rest keep their default names.
            if let Some(columns) = tuple_columns(&assignment.value) {
                for (index, (default, ty)) in columns.into_iter().enumerate() {
                    let name = assignment.names.get(index).map_or(default, |n| n.name.clone());
                    add(&mut table, &mut visible, &name, ty);
                }
                continue;
            }
            if assignment.names.len() > 1 {
                for (name, ty) in assignment.names.iter().zip(self.tuple_types(assignment, &ty)) {
                    add(&mut table, &mut visible, &name.name, ty);
                }
                continue;
            }
            let types = self.tuple_types(assignment, &ty);
            let name = match assignment.names.first() {
                Some(name) => name.name.clone(),
                None => expression_name(&assignment.value, false)
                    .unwrap_or_else(|| generated_name("Column", &table, &mut counter)),
            };
            add(&mut table, &mut visible, &name, types[0]);
        }
        Arc::new(table)
    }

    /// The column types of an assignment's value (several for a tuple `(a, b) = ...`).
    fn tuple_types(&mut self, assignment: &Assignment, ty: &ExprType) -> Vec<Type> {
        let n = assignment.names.len().max(1);
        match ty {
            ExprType::Table(table) if n > 1 => {
                (0..n).map(|i| table.columns.get(i).map(|c| c.ty).unwrap_or(Type::Unknown)).collect()
            }
            ExprType::Table(table) => vec![table.columns.first().map(|c| c.ty).unwrap_or(Type::Unknown)],
            ExprType::Scalar(ty) => vec![*ty; n],
            ExprType::Error => vec![Type::Unknown; n],
        }
    }

    fn bind_project(&mut self, input: &Arc<TableType>, assignments: &'a [Assignment]) -> Arc<TableType> {
        let mut columns: Vec<Column> = Vec::new();
        let mut counter = 0;
        let row = Row::of(input);
        for assignment in assignments {
            // `project Col*` keeps matching columns.
            if let ExprKind::NamePattern(_) = assignment.value.kind {
                for column in self.match_columns(input, &assignment.value) {
                    columns.push(column);
                }
                continue;
            }
            let ty = self.bind_expr(&assignment.value, row);
            let mut types = self.tuple_types(assignment, &ty);
            let names: Vec<(String, crate::text::Span)> = if let Some(tuple) = tuple_columns(&assignment.value) {
                types = tuple.iter().map(|(_, ty)| *ty).collect();
                tuple
                    .into_iter()
                    .enumerate()
                    .map(|(index, (default, _))| match assignment.names.get(index) {
                        Some(name) => (name.name.clone(), name.span),
                        None => (default, assignment.value.span),
                    })
                    .collect()
            } else if assignment.names.is_empty() {
                let name = expression_name(&assignment.value, false)
                    .unwrap_or_else(|| generated_name("Column", &TableType::new(columns.clone()), &mut counter));
                vec![(name, assignment.value.span)]
            } else {
                assignment.names.iter().map(|n| (n.name.clone(), n.span)).collect()
            };
            for ((name, span), ty) in names.into_iter().zip(types) {
                if columns.iter().any(|c| c.name == name) {
                    self.report(
                        Diagnostic::new(Code::DuplicateColumn, span, format!("column `{name}` is already projected"))
                            .with_help("give one of them a different name with `NewName = ...`"),
                    );
                    continue;
                }
                columns.push(Column::new(name, ty));
            }
        }
        Arc::new(TableType::new(columns))
    }

    fn bind_project_away(&mut self, input: &Arc<TableType>, patterns: &'a [Expr], keep: bool) -> Arc<TableType> {
        let mut matched: Vec<String> = Vec::new();
        for pattern in patterns {
            matched.extend(self.match_columns(input, pattern).into_iter().map(|c| c.name));
        }
        let columns = input.columns.iter().filter(|c| matched.contains(&c.name) == keep).cloned().collect();
        Arc::new(TableType { columns, open: input.open && keep })
    }

    /// The input columns a name or wildcard pattern selects; a plain name
    /// that matches nothing is reported.
    fn match_columns(&mut self, input: &TableType, pattern: &'a Expr) -> Vec<Column> {
        match &pattern.kind {
            ExprKind::Name(ident) => match input.column(&ident.name) {
                Some(column) => vec![column.clone()],
                None => {
                    if !input.open {
                        self.report_unknown_name(&ident.name, pattern, Row::of(input));
                    }
                    Vec::new()
                }
            },
            ExprKind::NamePattern(ident) => {
                input.columns.iter().filter(|c| wildcard_match(&ident.name, &c.name)).cloned().collect()
            }
            ExprKind::Star => input.columns.clone(),
            _ => {
                self.bind_expr(pattern, Row::of(input));
                Vec::new()
            }
        }
    }

    fn bind_project_rename(
        &mut self,
        input: &Arc<TableType>,
        renames: &'a [(crate::syntax::ast::Ident, Expr)],
    ) -> Arc<TableType> {
        let mut columns = input.columns.clone();
        for (new_name, old) in renames {
            let ExprKind::Name(old_name) = &old.kind else {
                self.report(
                    Diagnostic::new(Code::ColumnNameExpected, old.span, "`project-rename` takes a column name here")
                        .with_help("use `extend NewName = <expression>` to compute a new column"),
                );
                continue;
            };
            match columns.iter().position(|c| c.name == old_name.name) {
                Some(position) => {
                    // Renaming onto an existing name (even the column's own) is an error.
                    if columns.iter().any(|c| c.name == new_name.name) {
                        self.report(Diagnostic::new(
                            Code::DuplicateColumn,
                            new_name.span,
                            format!("a column named `{}` already exists", new_name.name),
                        ));
                    }
                    columns[position].name = new_name.name.clone();
                }
                None if input.open => columns.push(Column::new(&new_name.name, Type::Unknown)),
                None => self.report_unknown_name(&old_name.name, old, Row::of(input)),
            }
        }
        Arc::new(TableType { columns, open: input.open })
    }

    fn bind_summarize(
        &mut self,
        input: &Arc<TableType>,
        aggregates: &'a [Assignment],
        by: &'a [Assignment],
    ) -> Arc<TableType> {
        let row = Row::of(input);
        let mut columns: Vec<Column> = Vec::new();
        let mut counter = 0;
        // The input columns the `by` clause groups by as they are: `arg_max(T, *)`
        // leaves these out, but keeps an input column a `by` expression merely
        // shares its name with (`by Name = tostring(Name)` on a dynamic `Name`).
        let mut by_columns: Vec<String> = Vec::new();
        for assignment in by {
            let ty = self.bind_scalar(&assignment.value, row);
            if let Some(column) = grouped_column(&assignment.value, ty, input) {
                by_columns.push(column);
            }
            if ty == Type::DYNAMIC {
                self.report(
                    Diagnostic::new(
                        Code::DynamicNotAllowed,
                        assignment.value.span,
                        "`summarize ... by` cannot group by a `dynamic` value",
                    )
                    .with_help("convert it first, e.g. `by tostring(Column)`"),
                );
            }
            let name = self.assignment_name(assignment, false, &columns, &mut counter);
            push_unique(&mut columns, Column::new(name, ty));
        }
        for assignment in aggregates {
            self.bind_aggregate(input, assignment, &by_columns, &mut columns, &mut counter);
        }
        Arc::new(TableType::new(columns))
    }

    /// One aggregation of `summarize`, which may produce several columns
    /// (`arg_max(T, *)`, `take_any(a, b)`, `percentiles(x, 50, 95)`).
    fn bind_aggregate(
        &mut self,
        input: &Arc<TableType>,
        assignment: &'a Assignment,
        by_columns: &[String],
        columns: &mut Vec<Column>,
        counter: &mut usize,
    ) {
        let row = Row::of(input).with_aggregates();
        let value = &assignment.value;
        let ty = self.bind_expr(value, row);
        if let ExprKind::Call { target: None, name, args } = &value.kind
            && self.globals.catalog.aggregate(&name.name).is_some()
            && let Some(multi) = self.multi_column_aggregate(input, &name.name, args, by_columns)
        {
            let explicit = &assignment.names;
            for (index, mut column) in multi.into_iter().enumerate() {
                if let Some(name) = explicit.get(index) {
                    column.name = name.name.clone();
                }
                push_unique(columns, column);
            }
            return;
        }
        // A value that failed to bind (`count` without `()`, an unknown
        // column) already has its diagnostic; Kusto.Language adds no other.
        if !matches!(ty, ExprType::Error) && !contains_aggregate(value, self) {
            self.report(
                Diagnostic::new(
                    Code::AggregateExpected,
                    value.span,
                    "`summarize` needs an aggregation function here, e.g. `count()` or `max(Column)`",
                )
                .with_help("move plain expressions to `by`, or compute them with `extend` after `summarize`"),
            );
        }
        let types = self.tuple_types(assignment, &ty);
        if assignment.names.len() > 1 {
            for (name, ty) in assignment.names.iter().zip(types) {
                push_unique(columns, Column::new(&name.name, ty));
            }
            return;
        }
        let name = self.assignment_name(assignment, true, columns, counter);
        push_unique(columns, Column::new(name, types[0]));
    }

    /// The columns of an aggregation that yields several, or `None`.
    fn multi_column_aggregate(
        &mut self,
        input: &TableType,
        function: &str,
        args: &'a [Expr],
        by_columns: &[String],
    ) -> Option<Vec<Column>> {
        let row = Row::of(input);
        let type_of = |binder: &mut Binder<'a>, expr: &'a Expr| binder.bind_quiet_scalar(expr, row);
        let name_of = |expr: &Expr| expression_name(expr, false).unwrap_or_else(|| "Column1".into());
        match function {
            "arg_max" | "arg_min" | "argmax" | "argmin" | "take_any" | "any" => {
                let mut out: Vec<Column> = Vec::new();
                for arg in args {
                    if let ExprKind::Star = arg.kind {
                        for column in &input.columns {
                            let taken = by_columns.contains(&column.name) || out.iter().any(|c| c.name == column.name);
                            if !taken {
                                out.push(column.clone());
                            }
                        }
                        continue;
                    }
                    let (name, value) = match &arg.kind {
                        ExprKind::NamedArg { name, value } => (name.name.clone(), &**value),
                        _ => (name_of(arg), arg),
                    };
                    let name = if function == "any" { format!("any_{name}") } else { name };
                    let ty = type_of(self, value);
                    out.push(Column::new(name, ty));
                }
                Some(out)
            }
            "percentiles" | "percentilesw" => {
                let value = args.first()?;
                let ty = type_of(self, value);
                let ty = if ty == Type::INT { Type::LONG } else { ty };
                let base = expression_name(value, false).unwrap_or_default();
                let weighted = function == "percentilesw";
                let skip = if weighted { 2 } else { 1 };
                let mut out = Vec::new();
                for percent in args.iter().skip(skip) {
                    let text = crate::analysis::names::percent_text(percent).unwrap_or_default();
                    // Weighted or not, the columns are `percentile_x_50`, as Kusto.Language names them.
                    out.push(Column::new(format!("percentile_{base}_{text}"), ty));
                }
                Some(out)
            }
            _ => None,
        }
    }

    /// Binds without reporting (the expression was already bound once).
    fn bind_quiet_scalar(&mut self, expr: &'a Expr, row: Row<'_>) -> Type {
        self.quiet += 1;
        let ty = self.bind_expr(expr, row).scalar();
        self.quiet -= 1;
        ty
    }

    /// The column name of an assignment: explicit, from the expression, or generated.
    fn assignment_name(
        &self,
        assignment: &Assignment,
        aggregate: bool,
        columns: &[Column],
        counter: &mut usize,
    ) -> String {
        if let Some(name) = assignment.names.first() {
            return name.name.clone();
        }
        expression_name(&assignment.value, aggregate)
            .unwrap_or_else(|| generated_name("Column", &TableType::new(columns.to_vec()), counter))
    }

    /// `mv-expand` / the expansion part of `mv-apply`.
    fn bind_mv_expand(
        &mut self,
        input: &Arc<TableType>,
        params: &'a [NamedParameter],
        items: &'a [ExpandItem],
    ) -> Arc<TableType> {
        let input = &rebuilt_input(input);
        let mut table = TableType { columns: input.columns.clone(), open: input.open };
        for item in items {
            let ty = self.bind_scalar(&item.expr, Row::of(input));
            if !(ty == Type::DYNAMIC || ty.is_unknown()) {
                self.report(
                    Diagnostic::new(
                        Code::ArgumentTypeMismatch,
                        item.expr.span,
                        format!("`mv-expand` expands `dynamic` arrays or bags, found `{ty}`"),
                    )
                    .with_help("parse the value first, e.g. `parse_json(Column)`"),
                );
            }
            let expanded = match &item.to_type {
                Some(Expr { kind: ExprKind::TypeOf { scalar: Some(name), .. }, .. }) => declared_type(name),
                _ => Type::DYNAMIC,
            };
            let name = match &item.name {
                Some(name) => name.name.clone(),
                None => expression_name(&item.expr, false).unwrap_or_else(|| "Column1".into()),
            };
            set_column(&mut table.columns, &name, expanded);
        }
        for param in params {
            if param.name.name == "with_itemindex"
                && let ExprKind::Name(index) = &param.value.kind
            {
                set_column(&mut table.columns, &index.name, Type::LONG);
            }
        }
        Arc::new(table)
    }
}

/// The columns of an unnamed call to a function that returns several
/// (`series_stats(x)` → `series_stats_x_min`, `series_stats_x_max`, ...;
/// `array_sort_asc(x, y)` → `x_sorted`, `y_sorted`). The engine names its
/// columns with this too.
pub fn tuple_columns(expr: &Expr) -> Option<Vec<(String, Type)>> {
    let ExprKind::Call { target: None, name, args } = &expr.kind else { return None };
    let (suffixes, ty): (&[&str], Type) = match name.name.as_str() {
        "array_sort_asc" | "array_sort_desc" => return sorted_array_columns(args),
        "series_stats" => (&["min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"], Type::REAL),
        "series_stats_dynamic" => return None,
        "series_fit_line" => {
            (&["rsquare", "slope", "variance", "rvariance", "interception", "line_fit"], Type::Unknown)
        }
        "series_fit_2lines" => (
            &[
                "rsquare",
                "split_idx",
                "variance",
                "rvariance",
                "line_fit",
                "right_rsquare",
                "right_slope",
                "right_interception",
                "right_variance",
                "right_rvariance",
                "left_rsquare",
                "left_slope",
                "left_interception",
                "left_variance",
                "left_rvariance",
            ],
            Type::Unknown,
        ),
        "series_decompose" => (&["baseline", "seasonal", "trend", "residual"], Type::DYNAMIC),
        "series_decompose_anomalies" => (&["ad_flag", "ad_score", "baseline"], Type::DYNAMIC),
        "series_periods_detect" | "series_periods_validate" => (&["periods", "scores"], Type::DYNAMIC),
        "series_fft" | "series_ifft" => (&["real", "imag"], Type::DYNAMIC),
        "series_fit_poly" => (&["rsquare", "coefficients", "variance", "rvariance", "poly_fit"], Type::Unknown),
        _ => return None,
    };
    // `series_fit_line_y_slope`; an argument without a name leaves it empty (`series_fit_line__slope`).
    let base = format!("{}_{}", name.name, args.first().and_then(|a| expression_name(a, false)).unwrap_or_default());
    Some(
        suffixes
            .iter()
            .map(|suffix| {
                let ty = match (name.name.as_str(), *suffix) {
                    (_, "line_fit" | "poly_fit" | "coefficients") => Type::DYNAMIC,
                    ("series_stats", "min_idx" | "max_idx") => Type::LONG,
                    ("series_fit_2lines", "split_idx") => Type::LONG,
                    (_, _) if ty.is_unknown() => Type::REAL,
                    _ => ty,
                };
                (format!("{base}_{suffix}"), ty)
            })
            .collect(),
    )
}

/// `array_sort_asc(a1, a2, ..., [nulls_last])` with several arrays: one
/// column per array, `NAME_sorted` after an argument with a name and
/// `arrayN_sorted` (0-based) otherwise, as Kusto.Language names them.
fn sorted_array_columns(args: &[Expr]) -> Option<Vec<(String, Type)>> {
    let arrays = match args.split_last() {
        Some((last, rest)) if matches!(last.kind, ExprKind::Literal(crate::syntax::ast::Literal::Bool(_))) => rest,
        _ => args,
    };
    if arrays.len() < 2 {
        return None;
    }
    let mut columns: Vec<(String, Type)> = Vec::with_capacity(arrays.len());
    for (index, array) in arrays.iter().enumerate() {
        let base = expression_name(array, false).unwrap_or_else(|| format!("array{index}"));
        let mut name = format!("{base}_sorted");
        let mut suffix = 1;
        while columns.iter().any(|(taken, _)| *taken == name) {
            name = format!("{base}_sorted{suffix}");
            suffix += 1;
        }
        columns.push((name, Type::DYNAMIC));
    }
    Some(columns)
}

/// A one-column table.
fn single_column(name: &str, ty: Type) -> Arc<TableType> {
    Arc::new(TableType::new(vec![Column::new(name, ty)]))
}

/// Sets a column's type in place, or appends it.
/// The input column a `summarize ... by` expression stands for, as
/// Kusto.Language's `GetResultColumn` sees it: a column reference, or a
/// conversion of one to the type it already has (`tostring(StringColumn)`).
fn grouped_column(expr: &Expr, ty: Type, input: &TableType) -> Option<String> {
    const CONVERSIONS: [&str; 12] = [
        "tobool",
        "todatetime",
        "todecimal",
        "todouble",
        "todynamic",
        "toguid",
        "toint",
        "tolong",
        "toreal",
        "tostring",
        "totime",
        "totimespan",
    ];
    match &expr.kind {
        ExprKind::Paren(inner) => grouped_column(inner, ty, input),
        ExprKind::Name(ident) => input.column(&ident.name).map(|column| column.name.clone()),
        ExprKind::Call { target: None, name, args } if args.len() == 1 && CONVERSIONS.contains(&name.name.as_str()) => {
            match &args[0].kind {
                ExprKind::Name(ident) => {
                    input.column(&ident.name).filter(|column| column.ty == ty).map(|column| column.name.clone())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The output of an operator over an open input: open too, as in
/// Kusto.Language, where nearly every operator inherits its input's
/// openness (`summarize`, `project`, `distinct` included); `count`,
/// `getschema`, `reduce`, plugins and the operators that combine tables
/// decide for themselves.
fn keep_open(operator: &Operator, output: Arc<TableType>) -> Arc<TableType> {
    let inherits = !matches!(
        operator.kind,
        OperatorKind::Count
            | OperatorKind::GetSchema
            | OperatorKind::Reduce { .. }
            | OperatorKind::Evaluate { .. }
            | OperatorKind::Invoke(_)
            | OperatorKind::Join { .. }
            | OperatorKind::Lookup { .. }
            | OperatorKind::Union { .. }
            | OperatorKind::Print(_)
            | OperatorKind::DataTable { .. }
            | OperatorKind::ExternalData { .. }
            | OperatorKind::Range { .. }
            | OperatorKind::Find { .. }
    );
    if !inherits || output.open {
        return output;
    }
    Arc::new(TableType { columns: output.columns.clone(), open: true })
}

/// The input of an operator that rebuilds its columns (`extend`,
/// `project-rename`, `mv-expand`, ...): repeated names get numeric suffixes,
/// as in Kusto.Language.
fn rebuilt_input(input: &Arc<TableType>) -> Arc<TableType> {
    let mut seen = std::collections::HashSet::new();
    if input.columns.iter().all(|column| seen.insert(column.name.as_str())) {
        return input.clone();
    }
    Arc::new(TableType { columns: rebuilt_columns(&input.columns), open: input.open })
}

fn set_column(columns: &mut Vec<Column>, name: &str, ty: Type) {
    match columns.iter_mut().find(|c| c.name == name) {
        Some(column) => column.ty = ty,
        None => columns.push(Column::new(name, ty)),
    }
}

/// True when the expression calls an aggregation function somewhere.
fn contains_aggregate(expr: &Expr, binder: &Binder<'_>) -> bool {
    match &expr.kind {
        ExprKind::Call { target: None, name, args } => {
            binder.globals.catalog.aggregate(&name.name).is_some()
                || matches!(binder.lookup(&name.name), Some(Symbol::Function(_)))
                || args.iter().any(|a| contains_aggregate(a, binder))
        }
        ExprKind::Paren(inner) => contains_aggregate(inner, binder),
        ExprKind::Unary { operand, .. } => contains_aggregate(operand, binder),
        ExprKind::Binary { left, right, .. } => contains_aggregate(left, binder) || contains_aggregate(right, binder),
        ExprKind::Member { target, .. } | ExprKind::Index { target, .. } => contains_aggregate(target, binder),
        ExprKind::NamedArg { value, .. } => contains_aggregate(value, binder),
        ExprKind::List { left, items, .. } => {
            contains_aggregate(left, binder) || items.iter().any(|i| contains_aggregate(i, binder))
        }
        ExprKind::Between { expr, low, high, .. } => {
            contains_aggregate(expr, binder) || contains_aggregate(low, binder) || contains_aggregate(high, binder)
        }
        // Constants are allowed as aggregation values (`summarize x = 1 by y` is an error
        // in Kusto, but `summarize count() + 1` is fine).
        _ => false,
    }
}

/// Matches `Sec*Event`-style patterns (`*` is any run of characters).
pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(stripped) = rest.strip_prefix(part) else { return false };
            rest = stripped;
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(found) = rest.find(part) else { return false };
            rest = &rest[found + part.len()..];
        }
    }
    true
}
