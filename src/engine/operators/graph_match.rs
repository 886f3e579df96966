//! `graph-match [cycles=all|none|unique_edges] pattern [where predicate]
//! project columns`: every match of the pattern, filtered and projected.
//!
//! The matches become a table whose columns are what the predicate and
//! the projection read: `n.Property` (node and single-edge properties,
//! arrays of them for variable-length edges), the graph functions
//! (`node_degree_in`, `node_id`, `labels`, ...) and `all`/`any`/`map` over
//! the edges or inner nodes of a variable-length edge. The expressions are
//! rewritten to read those columns, and then run like any other.

use std::sync::Arc;

use crate::analysis::names::expression_name;
use crate::diagnostics::Code;
use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::operators::graph::Graph;
use crate::engine::operators::graph_pattern::{self, Cycles, Match, Pattern};
use crate::engine::operators::{generated_name, param_text, push_unique};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::operators::{Assignment, GraphPatternPart, NamedParameter};
use crate::syntax::ast::{Expr, ExprKind, Ident, ScalarType};

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &'q [NamedParameter],
    patterns: &'q [Vec<GraphPatternPart>],
    where_: Option<&'q Expr>,
    project: &'q [Assignment],
    graph: &Graph,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let cycles = Cycles::parse(param_text(params, "cycles").as_deref())
        .map_err(|e| e.at(params.first().map_or(crate::text::Span::empty(0), |p| p.span)))?;
    let pattern = graph_pattern::compile(exec, patterns, env)?;
    let matches = graph_pattern::find_matches(exec, graph, &pattern, cycles)?;
    let matches = filter(exec, graph, &pattern, matches, where_, env)?;
    project_matches(exec, graph, &pattern, &matches, project, env)
}

/// The matches for which `where_` is true.
pub fn filter<'q>(
    exec: &Executor<'q>,
    graph: &Graph,
    pattern: &Pattern,
    matches: Vec<Match>,
    where_: Option<&'q Expr>,
    env: &Env<'q>,
) -> ExecResult<Vec<Match>> {
    let Some(predicate) = where_ else { return Ok(matches) };
    let mut lowering = Lowering::new(graph, pattern, &matches);
    let lowered = lowering.lower(exec, predicate, env)?;
    let table = lowering.table();
    let mask = exec.eval_mask(&lowered, &table, env)?;
    Ok(matches.into_iter().zip(mask).filter_map(|(m, keep)| keep.then_some(m)).collect())
}

/// One row per match with the `project` columns.
pub fn project_matches<'q>(
    exec: &Executor<'q>,
    graph: &Graph,
    pattern: &Pattern,
    matches: &[Match],
    project: &'q [Assignment],
    env: &Env<'q>,
) -> ExecResult<Table> {
    if project.is_empty() {
        return Err(ExecError::runtime("a graph pattern needs a `project` clause")
            .with_help("list the output columns: `project a.Name, b.Name`"));
    }
    let mut lowering = Lowering::new(graph, pattern, matches);
    let mut lowered = Vec::with_capacity(project.len());
    for assignment in project {
        if assignment.names.len() > 1 {
            return Err(ExecError::unsupported("tuple assignments in a graph `project`").at(assignment.span));
        }
        lowered.push(lowering.lower(exec, &assignment.value, env)?);
    }
    let table = lowering.table();
    let mut fields: Vec<Field> = Vec::with_capacity(project.len());
    let mut counter = 0;
    for (assignment, expr) in project.iter().zip(&lowered) {
        let name = match assignment.names.first() {
            Some(name) => name.name.clone(),
            None => output_name(&assignment.value).unwrap_or_else(|| generated_name("Column", &fields, &mut counter)),
        };
        let column = exec.eval_column(expr, &table, env)?.into_column(table.rows);
        push_unique(&mut fields, Field { name, column: Arc::new(column) });
    }
    Ok(Table::from_fields(fields, matches.len()))
}

/// The name of an unnamed `project` column: graph functions are named
/// after themselves (`node_degree_out`), other expressions as in `project`.
fn output_name(expr: &Expr) -> Option<String> {
    if let ExprKind::Call { target: None, name, .. } = &expr.kind
        && is_graph_function(&name.name)
    {
        return Some(name.name.clone());
    }
    expression_name(expr, false)
}

fn is_graph_function(name: &str) -> bool {
    matches!(name, "all" | "any" | "map" | "inner_nodes" | "node_degree_in" | "node_degree_out" | "node_id" | "labels")
}

/// What a pattern variable is.
#[derive(Clone, Copy)]
enum Variable {
    Node(usize),
    Edge(usize),
}

/// Rewrites predicate and projection expressions over the matches.
struct Lowering<'m> {
    graph: &'m Graph,
    pattern: &'m Pattern,
    matches: &'m [Match],
    fields: Vec<Field>,
}

impl<'m> Lowering<'m> {
    fn new(graph: &'m Graph, pattern: &'m Pattern, matches: &'m [Match]) -> Lowering<'m> {
        Lowering { graph, pattern, matches, fields: Vec::new() }
    }

    /// The table of the columns the lowered expressions read.
    fn table(&self) -> Table {
        Table::from_fields(self.fields.clone(), self.matches.len())
    }

    fn variable(&self, name: &str) -> Option<Variable> {
        if let Some(index) = self.pattern.nodes.iter().position(|n| n.name == name) {
            return Some(Variable::Node(index));
        }
        self.pattern.edges.iter().position(|e| e.name == name).map(Variable::Edge)
    }

    /// A column of the match table; returns the name reading it.
    fn add(&mut self, key: String, make: impl FnOnce(&Self) -> Column, span: crate::text::Span) -> Expr {
        if !self.fields.iter().any(|f| f.name == key) {
            let column = make(self);
            self.fields.push(Field { name: key.clone(), column: Arc::new(column) });
        }
        Expr::new(ExprKind::Name(Ident { name: key, span }), span)
    }

    fn lower<'q>(&mut self, exec: &Executor<'q>, expr: &Expr, env: &Env<'q>) -> ExecResult<Expr> {
        match &expr.kind {
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(var) = &target.kind
                    && let Some(variable) = self.variable(&var.name)
                {
                    return self.property(variable, &var.name, name, expr);
                }
            }
            ExprKind::Name(ident) if self.variable(&ident.name).is_some() => {
                return Err(ExecError::runtime(format!("`{}` is a graph pattern variable, not a value", ident.name))
                    .with_help(format!("read one of its properties: `{}.Property`", ident.name))
                    .at(expr.span));
            }
            ExprKind::Call { target: None, name, args } if is_graph_function(&name.name) => {
                return self.graph_function(exec, &name.name, args, expr, env);
            }
            _ => {}
        }
        map_children(expr, |child| self.lower(exec, child, env))
    }

    /// `var.Property`: a node or single edge property, or the array of a
    /// variable-length edge's property.
    fn property(&mut self, variable: Variable, var: &str, property: &Ident, expr: &Expr) -> ExecResult<Expr> {
        let (source, is_node) = match variable {
            Variable::Node(_) => (&self.graph.nodes, true),
            Variable::Edge(_) => (&self.graph.edges, false),
        };
        let Some(position) = source.index_of(&property.name) else {
            let what = if is_node { "nodes" } else { "edges" };
            return Err(ExecError::new(
                Code::UnknownColumn,
                format!("unknown property `{}` of `{var}`", property.name),
            )
            .with_help(format!(
                "the {what} have: {}",
                source.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .at(property.span));
        };
        let key = format!("{var}.{}", property.name);
        Ok(self.add(
            key,
            |this| {
                let column = &source.fields[position].column;
                match variable {
                    Variable::Node(index) => {
                        let rows: Vec<usize> = this.matches.iter().map(|m| m.nodes[index]).collect();
                        column.take(&rows)
                    }
                    Variable::Edge(index) if !this.pattern.edges[index].variable => {
                        let rows: Vec<usize> = this.matches.iter().map(|m| m.edges[index][0]).collect();
                        column.take(&rows)
                    }
                    Variable::Edge(index) => {
                        let mut builder = ColumnBuilder::new(ScalarType::Dynamic, this.matches.len());
                        for m in this.matches {
                            let items = m.edges[index].iter().map(|&edge| column.get(edge).to_dyn()).collect();
                            builder.push(&Value::Dynamic(Dyn::array(items)));
                        }
                        builder.finish()
                    }
                }
            },
            expr.span,
        ))
    }

    fn graph_function<'q>(
        &mut self,
        exec: &Executor<'q>,
        function: &str,
        args: &[Expr],
        expr: &Expr,
        env: &Env<'q>,
    ) -> ExecResult<Expr> {
        let variable_arg = |index: usize| -> ExecResult<(Variable, String)> {
            let arg = args.get(index).ok_or_else(|| {
                ExecError::new(Code::WrongArgumentCount, format!("`{function}` needs a graph variable argument"))
                    .at(expr.span)
            })?;
            match &arg.kind {
                ExprKind::Name(ident) => match self.variable(&ident.name) {
                    Some(variable) => Ok((variable, ident.name.clone())),
                    None => Err(ExecError::new(
                        Code::UnknownColumn,
                        format!("`{}` is not a variable of the graph pattern", ident.name),
                    )
                    .at(arg.span)),
                },
                _ => Err(ExecError::runtime(format!("the argument of `{function}` must be a graph pattern variable"))
                    .at(arg.span)),
            }
        };
        match function {
            "node_degree_in" | "node_degree_out" | "node_id" => {
                let (variable, name) = variable_arg(0)?;
                let Variable::Node(index) = variable else {
                    return Err(ExecError::runtime(format!("`{function}` takes a node variable; `{name}` is an edge"))
                        .at(expr.span));
                };
                let key = format!("{function}({name})");
                Ok(self.add(
                    key,
                    |this| {
                        let nodes: Vec<usize> = this.matches.iter().map(|m| m.nodes[index]).collect();
                        node_function_column(this.graph, function, &nodes)
                    },
                    expr.span,
                ))
            }
            "labels" => {
                variable_arg(0)?;
                let empty = Value::Dynamic(Dyn::array(Vec::new()));
                Ok(self.add(
                    "labels()".to_string(),
                    |this| Column::repeat(ScalarType::Dynamic, &empty, this.matches.len()),
                    expr.span,
                ))
            }
            "inner_nodes" => {
                Err(ExecError::runtime("`inner_nodes()` can only be the first argument of `all`, `any` or `map`")
                    .at(expr.span))
            }
            _ => self.element_function(exec, function, args, expr, env),
        }
    }

    /// `all`/`any`/`map(edge or inner_nodes(edge), expression)`: the
    /// expression over every element, per match.
    fn element_function<'q>(
        &mut self,
        exec: &Executor<'q>,
        function: &str,
        args: &[Expr],
        expr: &Expr,
        env: &Env<'q>,
    ) -> ExecResult<Expr> {
        if args.len() != 2 {
            return Err(ExecError::new(
                Code::WrongArgumentCount,
                format!("`{function}` takes a variable-length edge and an expression"),
            )
            .at(expr.span));
        }
        let (edge_arg, inner_nodes) = match &args[0].kind {
            ExprKind::Call { target: None, name, args: inner } if name.name == "inner_nodes" && inner.len() == 1 => {
                (&inner[0], true)
            }
            _ => (&args[0], false),
        };
        let edge = match &edge_arg.kind {
            ExprKind::Name(ident) => match self.variable(&ident.name) {
                Some(Variable::Edge(index)) => index,
                _ => {
                    return Err(ExecError::runtime(format!(
                        "`{}` is not an edge variable of the graph pattern",
                        ident.name
                    ))
                    .with_help(format!("`{function}` takes a variable-length edge, as in `{function}(e, ...)`"))
                    .at(edge_arg.span));
                }
            },
            _ => {
                return Err(
                    ExecError::runtime(format!("`{function}` takes a variable-length edge variable")).at(edge_arg.span)
                );
            }
        };
        // The elements of every match, in order, and the match each belongs to.
        let mut elements = Vec::new();
        let mut owner = Vec::new();
        for (row, m) in self.matches.iter().enumerate() {
            let items: &[usize] = if inner_nodes {
                let path = &m.paths[edge];
                if path.len() > 2 { &path[1..path.len() - 1] } else { &[] }
            } else {
                &m.edges[edge]
            };
            elements.extend_from_slice(items);
            owner.extend(std::iter::repeat_n(row, items.len()));
        }
        exec.check_rows(elements.len())?;
        let mut element_table =
            if inner_nodes { self.graph.nodes.take(&elements) } else { self.graph.edges.take(&elements) };
        let body = lower_element(&args[1], inner_nodes)?;
        if inner_nodes {
            for function in ["node_degree_in", "node_degree_out", "node_id"] {
                let column = node_function_column(self.graph, function, &elements);
                element_table.fields.push(Field { name: format!("{function}()"), column: Arc::new(column) });
            }
        }
        let empty = Value::Dynamic(Dyn::array(Vec::new()));
        element_table.fields.push(Field {
            name: "labels()".to_string(),
            column: Arc::new(Column::repeat(ScalarType::Dynamic, &empty, elements.len())),
        });
        let values = exec.eval_column(&body, &element_table, env)?.into_column(elements.len());
        let rows = self.matches.len();
        let column = match function {
            "map" => {
                let mut items: Vec<Vec<Dyn>> = vec![Vec::new(); rows];
                for (element, &row) in owner.iter().enumerate() {
                    items[row].push(values.get(element).to_dyn());
                }
                let mut builder = ColumnBuilder::new(ScalarType::Dynamic, rows);
                for list in items {
                    builder.push(&Value::Dynamic(Dyn::array(list)));
                }
                builder.finish()
            }
            _ => {
                // `all` is true for no elements, `any` false; null counts as false.
                let is_all = function == "all";
                let mut result = vec![is_all; rows];
                for (element, &row) in owner.iter().enumerate() {
                    let holds = matches!(values.get(element).to_dyn(), Dyn::Bool(true));
                    if is_all {
                        result[row] &= holds;
                    } else {
                        result[row] |= holds;
                    }
                }
                let mut builder = ColumnBuilder::new(ScalarType::Bool, rows);
                for value in result {
                    builder.push_bool(Some(value));
                }
                builder.finish()
            }
        };
        let key = format!("#{function}{}", self.fields.len());
        Ok(self.add(key, |_| column, expr.span))
    }
}

/// `node_degree_in`, `node_degree_out` or `node_id` of each of `nodes`.
fn node_function_column(graph: &Graph, function: &str, nodes: &[usize]) -> Column {
    let (ty, value): (ScalarType, &dyn Fn(usize) -> Value) = match function {
        "node_degree_in" => (ScalarType::Long, &|node| Value::Long(graph.in_edges[node].len() as i64)),
        "node_degree_out" => (ScalarType::Long, &|node| Value::Long(graph.out_edges[node].len() as i64)),
        _ => (ScalarType::String, &|node| Value::str(&graph.node_ids[node].to_kql_string())),
    };
    let mut builder = ColumnBuilder::new(ty, nodes.len());
    for &node in nodes {
        builder.push(&value(node));
    }
    builder.finish()
}

/// The body of `all`/`any`/`map`, evaluated over the element table:
/// properties are plain names; `node_degree_in()`, `node_id()`, ... without
/// arguments read the element's own values.
fn lower_element(expr: &Expr, inner_nodes: bool) -> ExecResult<Expr> {
    if let ExprKind::Call { target: None, name, args } = &expr.kind
        && is_graph_function(&name.name)
    {
        return match (name.name.as_str(), args.is_empty()) {
            ("node_degree_in" | "node_degree_out" | "node_id", true) if inner_nodes => {
                Ok(Expr::new(ExprKind::Name(Ident { name: format!("{}()", name.name), span: expr.span }), expr.span))
            }
            ("labels", true) => {
                Ok(Expr::new(ExprKind::Name(Ident { name: "labels()".to_string(), span: expr.span }), expr.span))
            }
            ("node_degree_in" | "node_degree_out" | "node_id", true) => Err(ExecError::runtime(format!(
                "`{}()` without an argument needs the inner nodes: `map(inner_nodes(e), {}())`",
                name.name, name.name
            ))
            .at(expr.span)),
            _ => Err(ExecError::unsupported(format!("`{}` inside `all`, `any` or `map`", name.name)).at(expr.span)),
        };
    }
    map_children(expr, |child| lower_element(child, inner_nodes))
}

/// A copy of `expr` with each direct sub-expression replaced by `lower(child)`.
fn map_children(expr: &Expr, mut lower: impl FnMut(&Expr) -> ExecResult<Expr>) -> ExecResult<Expr> {
    let mut boxed = |child: &Expr| lower(child).map(Box::new);
    let kind = match &expr.kind {
        ExprKind::Paren(inner) => ExprKind::Paren(boxed(inner)?),
        ExprKind::Unary { op, operand } => ExprKind::Unary { op: *op, operand: boxed(operand)? },
        ExprKind::Binary { op, left, right } => ExprKind::Binary { op: *op, left: boxed(left)?, right: boxed(right)? },
        ExprKind::List { op, left, items } => {
            let left = boxed(left)?;
            let items = items.iter().map(|item| boxed(item).map(|b| *b)).collect::<ExecResult<_>>()?;
            ExprKind::List { op: *op, left, items }
        }
        ExprKind::Between { negated, expr: value, low, high } => {
            ExprKind::Between { negated: *negated, expr: boxed(value)?, low: boxed(low)?, high: boxed(high)? }
        }
        ExprKind::Call { target, name, args } => {
            let target = match target {
                Some(target) => Some(boxed(target)?),
                None => None,
            };
            let args = args.iter().map(|arg| boxed(arg).map(|b| *b)).collect::<ExecResult<_>>()?;
            ExprKind::Call { target, name: name.clone(), args }
        }
        ExprKind::NamedArg { name, value } => ExprKind::NamedArg { name: name.clone(), value: boxed(value)? },
        ExprKind::Member { target, name } => ExprKind::Member { target: boxed(target)?, name: name.clone() },
        ExprKind::Index { target, index } => ExprKind::Index { target: boxed(target)?, index: boxed(index)? },
        other => other.clone(),
    };
    Ok(Expr::new(kind, expr.span))
}
