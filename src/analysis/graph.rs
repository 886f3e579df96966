//! Graph operators: the graph type of `make-graph` (node and edge
//! properties), the pattern variables of `graph-match` and
//! `graph-shortest-paths` with the graph functions over them, and the
//! output schemas of the graph operators.

use std::sync::Arc;

use crate::analysis::functions::open_table;
use crate::analysis::names::{expression_name, generated_name, push_unique, suggest};
use crate::analysis::scope::{Binder, Row};
use crate::analysis::types::{Column, ExprType, TableType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::ast::operators::{Assignment, GraphElementKind, GraphPatternPart, GraphTableOutput, NamedParameter};
use crate::syntax::ast::{Expr, ExprKind, Ident, Literal, Operator, OperatorKind};

/// The type of a graph: the properties of its nodes and of its edges.
#[derive(Debug, Clone)]
pub(crate) struct GraphType {
    pub nodes: Arc<TableType>,
    pub edges: Arc<TableType>,
}

impl GraphType {
    /// A graph whose properties are not known (after an error).
    fn open() -> GraphType {
        GraphType { nodes: open_table(), edges: open_table() }
    }
}

/// A pattern variable in scope while a graph pattern's predicate and
/// projection are bound.
#[derive(Debug, Clone)]
pub(crate) struct GraphVar {
    pub name: String,
    pub properties: Arc<TableType>,
    pub is_node: bool,
    /// A variable-length edge: its properties are arrays.
    pub variable: bool,
}

/// True for the operators that take a graph as their input.
pub(crate) fn is_graph_consumer(operator: &Operator) -> bool {
    matches!(
        operator.kind,
        OperatorKind::GraphMatch { .. }
            | OperatorKind::GraphShortestPaths { .. }
            | OperatorKind::GraphToTable(_)
            | OperatorKind::GraphMarkComponents { .. }
    )
}

const GRAPH_FUNCTIONS: &[&str] =
    &["all", "any", "map", "inner_nodes", "node_degree_in", "node_degree_out", "node_id", "labels"];

impl<'a> Binder<'a> {
    /// Binds `input | operator` for a graph operator. `graph-mark-components`
    /// returns a graph, so reaching here (as a table) it is reported.
    pub(crate) fn bind_graph_pipe(&mut self, input: &'a Expr, operator: &'a Operator) -> Arc<TableType> {
        if let OperatorKind::GraphMarkComponents { .. } = operator.kind {
            self.bind_graph(input);
            self.report_graph_result(operator);
            return open_table();
        }
        let graph = self.bind_graph(input);
        self.bind_on_graph(operator, &graph)
    }

    /// Reports a graph that reaches a tabular operator or the end of a query.
    pub(crate) fn report_graph_result(&mut self, operator: &Operator) {
        let name = match operator.kind {
            OperatorKind::GraphMarkComponents { .. } => "graph-mark-components",
            _ => "make-graph",
        };
        self.report(
            Diagnostic::new(Code::GraphExpected, operator.span, format!("`{name}` returns a graph, not a table"))
                .with_help("follow it with `graph-match`, `graph-shortest-paths` or `graph-to-table`"),
        );
    }

    /// The graph an expression denotes: `T | make-graph ...`, optionally
    /// followed by `graph-mark-components`.
    fn bind_graph(&mut self, expr: &'a Expr) -> GraphType {
        match &expr.kind {
            ExprKind::Paren(inner) => self.bind_graph(inner),
            ExprKind::Pipe { input, operator } => match &operator.kind {
                OperatorKind::MakeGraph { partition: None, .. } => {
                    let edges = match self.bind_expr(input, Row::default()) {
                        ExprType::Table(table) => table,
                        _ => open_table(),
                    };
                    self.bind_make_graph(operator, &edges)
                }
                OperatorKind::GraphMarkComponents { params } => {
                    let graph = self.bind_graph(input);
                    mark_components(graph, params)
                }
                _ => {
                    self.bind_expr(expr, Row::default());
                    self.report_not_a_graph(expr);
                    GraphType::open()
                }
            },
            _ => {
                self.bind_expr(expr, Row::default());
                self.report_not_a_graph(expr);
                GraphType::open()
            }
        }
    }

    fn report_not_a_graph(&mut self, expr: &Expr) {
        self.report(
            Diagnostic::new(
                Code::GraphExpected,
                expr.span,
                "a graph operator needs a graph as its input, found a table",
            )
            .with_help("build a graph first: `T | make-graph Source --> Target`"),
        );
    }

    /// The graph of `make-graph` over `edges`: the edges' columns, and the
    /// nodes tables' columns (or the `with_node_id` column).
    pub(crate) fn bind_make_graph(&mut self, operator: &'a Operator, edges: &Arc<TableType>) -> GraphType {
        let OperatorKind::MakeGraph { source, target, nodes, node_id, .. } = &operator.kind else {
            return GraphType::open();
        };
        let source_ty = self.bind_scalar(source, Row::of(edges));
        self.bind_scalar(target, Row::of(edges));
        let mut columns: Vec<Column> = Vec::new();
        let mut open = false;
        for (table, id) in nodes {
            let table = match self.bind_expr(table, Row::default()) {
                ExprType::Table(table) => table,
                ExprType::Scalar(_) => {
                    self.error(Code::TabularExpected, table.span, "expected a nodes table, found a scalar");
                    open_table()
                }
                ExprType::Error => open_table(),
            };
            self.bind_scalar(id, Row::of(&table));
            open |= table.open;
            for column in &table.columns {
                if columns.iter().all(|c| c.name != column.name) {
                    columns.push(column.clone());
                }
            }
        }
        if let Some(name) = node_id {
            columns.push(Column::new(name.name.clone(), source_ty));
        }
        GraphType { nodes: Arc::new(TableType { columns, open }), edges: edges.clone() }
    }

    /// `make-graph ... partitioned-by Column (operator)`: the operator's output.
    pub(crate) fn bind_partitioned_graph(&mut self, operator: &'a Operator, edges: &Arc<TableType>) -> Arc<TableType> {
        let OperatorKind::MakeGraph { partition: Some(partition), .. } = &operator.kind else {
            return open_table();
        };
        self.bind_scalar(&partition.column, Row::of(edges));
        let graph = self.bind_make_graph(operator, edges);
        if let OperatorKind::GraphMarkComponents { .. } = partition.operator.kind {
            self.report_graph_result(&partition.operator);
            return open_table();
        }
        self.bind_on_graph(&partition.operator, &graph)
    }

    /// The output of a graph operator that returns a table.
    fn bind_on_graph(&mut self, operator: &'a Operator, graph: &GraphType) -> Arc<TableType> {
        match &operator.kind {
            OperatorKind::GraphMatch { params, patterns, where_, project } => {
                self.check_graph_params(params, "cycles", &["all", "none", "unique_edges"]);
                self.bind_graph_query(graph, patterns, where_.as_ref(), project, false)
            }
            OperatorKind::GraphShortestPaths { params, patterns, where_, project } => {
                self.check_graph_params(params, "output", &["any", "all"]);
                self.bind_graph_query(graph, patterns, where_.as_ref(), project, true)
            }
            OperatorKind::GraphToTable(outputs) => self.bind_graph_to_table(graph, outputs),
            _ => open_table(),
        }
    }

    fn check_graph_params(&mut self, params: &[NamedParameter], name: &str, allowed: &[&str]) {
        for param in params.iter().filter(|p| p.name.name == name) {
            let value = match &param.value.kind {
                ExprKind::Name(ident) => ident.name.clone(),
                ExprKind::Literal(Literal::String(text)) => text.clone(),
                _ => String::new(),
            };
            if !allowed.contains(&value.as_str()) {
                self.report(
                    Diagnostic::new(
                        Code::InvalidParameterValue,
                        param.value.span,
                        format!("`{value}` is not a valid `{name}` value"),
                    )
                    .with_help(format!("valid values: {}", allowed.join(", "))),
                );
            }
        }
    }

    fn bind_graph_to_table(&mut self, graph: &GraphType, outputs: &'a [GraphTableOutput]) -> Arc<TableType> {
        let mut first = None;
        for output in outputs {
            let mut columns = Vec::new();
            for param in &output.params {
                if let ExprKind::Name(ident) = &param.value.kind {
                    columns.push(Column::new(ident.name.clone(), Type::LONG));
                }
            }
            let properties = match output.kind {
                GraphElementKind::Nodes => &graph.nodes,
                GraphElementKind::Edges => &graph.edges,
            };
            for column in &properties.columns {
                push_unique(&mut columns, column.clone());
            }
            let table = Arc::new(TableType { columns, open: properties.open });
            if let Some(name) = &output.name {
                self.graph_tables.push((&name.name, table.clone()));
            }
            first.get_or_insert(table);
        }
        first.unwrap_or_else(open_table)
    }

    /// Binds a pattern's predicate and projection with its variables in scope.
    fn bind_graph_query(
        &mut self,
        graph: &GraphType,
        patterns: &'a [Vec<GraphPatternPart>],
        where_: Option<&'a Expr>,
        project: &'a [Assignment],
        shortest: bool,
    ) -> Arc<TableType> {
        let vars = self.check_pattern(graph, patterns, shortest);
        let saved = std::mem::replace(&mut self.graph_vars, vars);
        let empty = TableType::new(Vec::new());
        if let Some(predicate) = where_ {
            self.bind_predicate(predicate, Row::of(&empty));
        }
        let mut columns: Vec<Column> = Vec::new();
        let mut counter = 0;
        for assignment in project {
            let ty = self.bind_scalar(&assignment.value, Row::of(&empty));
            let name = match assignment.names.first() {
                Some(name) => name.name.clone(),
                None => match &assignment.value.kind {
                    ExprKind::Call { target: None, name, .. } if GRAPH_FUNCTIONS.contains(&name.name.as_str()) => {
                        name.name.clone()
                    }
                    _ => expression_name(&assignment.value, false)
                        .unwrap_or_else(|| generated_name("Column", &TableType::new(columns.clone()), &mut counter)),
                },
            };
            push_unique(&mut columns, Column::new(name, ty));
        }
        self.graph_vars = saved;
        Arc::new(TableType::new(columns))
    }

    /// The pattern's variables; reports malformed patterns.
    fn check_pattern(
        &mut self,
        graph: &GraphType,
        patterns: &'a [Vec<GraphPatternPart>],
        shortest: bool,
    ) -> Vec<GraphVar> {
        let mut vars: Vec<GraphVar> = Vec::new();
        let mut has_variable_edge = false;
        for parts in patterns {
            let mut expect_node = true;
            for part in parts {
                match part {
                    GraphPatternPart::Node { name, span, .. } => {
                        if !expect_node {
                            self.pattern_error(*span, "two nodes in a row; connect them with an edge such as `-->`");
                        }
                        expect_node = false;
                        if let Some(name) = name {
                            match vars.iter().find(|v| v.name == name.name) {
                                Some(var) if !var.is_node => {
                                    self.pattern_error(
                                        name.span,
                                        format!("`{}` is already an edge variable", name.name),
                                    );
                                }
                                Some(_) => {}
                                None => vars.push(GraphVar {
                                    name: name.name.clone(),
                                    properties: graph.nodes.clone(),
                                    is_node: true,
                                    variable: false,
                                }),
                            }
                        }
                    }
                    GraphPatternPart::Edge { name, range, span, .. } => {
                        if expect_node {
                            self.pattern_error(*span, "an edge must connect two nodes, as in `(a)-[e]->(b)`");
                        }
                        expect_node = true;
                        if let Some((low, high)) = range {
                            has_variable_edge = true;
                            for bound in [low, high] {
                                self.bind_scalar(bound, Row::default());
                            }
                            if let (Some(low_value), Some(high_value)) = (literal_count(low), literal_count(high))
                                && high_value < low_value
                            {
                                self.pattern_error(*span, format!("the edge range {low_value}..{high_value} is empty"));
                            }
                        }
                        if let Some(name) = name {
                            if vars.iter().any(|v| v.name == name.name) {
                                self.pattern_error(name.span, format!("the variable `{}` is used twice", name.name));
                            } else {
                                vars.push(GraphVar {
                                    name: name.name.clone(),
                                    properties: graph.edges.clone(),
                                    is_node: false,
                                    variable: range.is_some(),
                                });
                            }
                        }
                    }
                }
            }
            if expect_node && let Some(last) = parts.last() {
                let span = match last {
                    GraphPatternPart::Node { span, .. } | GraphPatternPart::Edge { span, .. } => *span,
                };
                self.pattern_error(span, "a pattern must end with a node, as in `(a)-[e]->(b)`");
            }
        }
        if shortest {
            let span = patterns.first().and_then(|p| p.first()).map(|part| match part {
                GraphPatternPart::Node { span, .. } | GraphPatternPart::Edge { span, .. } => *span,
            });
            if let Some(span) = span {
                if patterns.len() > 1 {
                    self.pattern_error(span, "`graph-shortest-paths` takes a single path pattern");
                } else if !has_variable_edge {
                    self.report(
                        Diagnostic::new(
                            Code::InvalidGraphPattern,
                            span,
                            "a `graph-shortest-paths` pattern needs a variable-length edge",
                        )
                        .with_help("write the path's edge with a range, as in `(a)-[e*1..5]->(b)`"),
                    );
                }
            }
        }
        vars
    }

    fn pattern_error(&mut self, span: crate::text::Span, message: impl Into<String>) {
        self.error(Code::InvalidGraphPattern, span, message);
    }

    fn graph_var(&self, name: &str) -> Option<&GraphVar> {
        self.graph_vars.iter().find(|v| v.name == name)
    }

    /// `var.Property` inside a graph pattern's clauses; `None` when `target`
    /// is not a pattern variable.
    pub(crate) fn bind_graph_member(&mut self, target: &'a Expr, member: &'a Ident) -> Option<ExprType> {
        let ExprKind::Name(ident) = &target.kind else { return None };
        let var = self.graph_var(&ident.name)?.clone();
        let ty = match var.properties.column(&member.name) {
            Some(_) if var.variable => Type::DYNAMIC,
            Some(column) => column.ty,
            None if var.properties.open => Type::Unknown,
            None => {
                let mut diagnostic = Diagnostic::new(
                    Code::UnknownColumn,
                    member.span,
                    format!("unknown property `{}` of `{}`", member.name, var.name),
                );
                if let Some(best) = suggest(&member.name, var.properties.columns.iter().map(|c| c.name.as_str())) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
                }
                self.report(diagnostic);
                return Some(ExprType::Error);
            }
        };
        Some(ExprType::Scalar(ty))
    }

    /// A bare pattern variable (as a graph function argument).
    pub(crate) fn is_graph_var(&self, name: &str) -> bool {
        self.graph_var(name).is_some()
    }

    /// The graph functions inside a graph pattern's clauses; `None` for
    /// other calls (or outside a pattern).
    pub(crate) fn bind_graph_call(&mut self, name: &'a Ident, args: &'a [Expr], expr: &'a Expr) -> Option<ExprType> {
        if self.graph_vars.is_empty() || !GRAPH_FUNCTIONS.contains(&name.name.as_str()) {
            return None;
        }
        let ty = match name.name.as_str() {
            "all" | "any" | "map" => {
                let [edge_arg, body] = args else {
                    self.error(
                        Code::WrongArgumentCount,
                        expr.span,
                        format!("`{}` takes a variable-length edge and an expression", name.name),
                    );
                    return Some(ExprType::Error);
                };
                let (edge_arg, inner_nodes) = match &edge_arg.kind {
                    ExprKind::Call { target: None, name, args } if name.name == "inner_nodes" && args.len() == 1 => {
                        (&args[0], true)
                    }
                    _ => (edge_arg, false),
                };
                let var = match &edge_arg.kind {
                    ExprKind::Name(ident) => self.graph_var(&ident.name).filter(|v| !v.is_node).cloned(),
                    _ => None,
                };
                let Some(var) = var else {
                    self.error(
                        Code::ArgumentTypeMismatch,
                        edge_arg.span,
                        format!("`{}` takes an edge variable of the pattern, or `inner_nodes(edge)`", name.name),
                    );
                    return Some(ExprType::Error);
                };
                let elements = if inner_nodes {
                    self.graph_vars.iter().find(|v| v.is_node).map_or_else(open_table, |v| v.properties.clone())
                } else {
                    var.properties.clone()
                };
                // The body reads the element's properties as plain names.
                let saved = std::mem::take(&mut self.graph_vars);
                let body_ty = self.bind_scalar(body, Row::of(&elements));
                self.graph_vars = saved;
                if name.name == "map" {
                    Type::DYNAMIC
                } else {
                    if !(body_ty == Type::BOOL || body_ty == Type::DYNAMIC || body_ty.is_unknown()) {
                        self.error(
                            Code::PredicateNotBool,
                            body.span,
                            format!("the condition of `{}` must be `bool`, found `{body_ty}`", name.name),
                        );
                    }
                    Type::BOOL
                }
            }
            "inner_nodes" => {
                self.error(
                    Code::ArgumentTypeMismatch,
                    expr.span,
                    "`inner_nodes()` can only be the first argument of `all`, `any` or `map`",
                );
                return Some(ExprType::Error);
            }
            function => {
                if let Some(arg) = args.first() {
                    let is_node = matches!(&arg.kind, ExprKind::Name(ident)
                        if self.graph_var(&ident.name).is_some_and(|v| v.is_node || function == "labels"));
                    if !is_node || args.len() > 1 {
                        self.error(
                            Code::ArgumentTypeMismatch,
                            arg.span,
                            format!("`{function}` takes a node variable of the pattern"),
                        );
                    }
                } else {
                    self.error(
                        Code::WrongArgumentCount,
                        expr.span,
                        format!("`{function}()` without an argument is only valid inside `all`, `any` or `map` over `inner_nodes`"),
                    );
                }
                match function {
                    "node_id" => Type::STRING,
                    "labels" => Type::DYNAMIC,
                    _ => Type::LONG,
                }
            }
        };
        Some(ExprType::Scalar(ty))
    }
}

/// The graph with the component property of `graph-mark-components`.
fn mark_components(graph: GraphType, params: &[NamedParameter]) -> GraphType {
    let name = params
        .iter()
        .find(|p| p.name.name == "with_component_id")
        .and_then(|p| match &p.value.kind {
            ExprKind::Name(ident) => Some(ident.name.clone()),
            ExprKind::Literal(Literal::String(text)) => Some(text.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "ComponentId".to_string());
    let mut columns: Vec<Column> = graph.nodes.columns.iter().filter(|c| c.name != name).cloned().collect();
    columns.push(Column::new(name, Type::LONG));
    GraphType { nodes: Arc::new(TableType { columns, open: graph.nodes.open }), edges: graph.edges }
}

fn literal_count(expr: &Expr) -> Option<i64> {
    match &expr.kind {
        ExprKind::Literal(Literal::Long(Some(n))) => Some(*n),
        ExprKind::Literal(Literal::Int(Some(n))) => Some(i64::from(*n)),
        _ => None,
    }
}
