//! Tabular operators: one variant per KQL operator, in the reference's words.

use crate::syntax::ast::{ColumnDecl, Expr, Ident, Statement};
use crate::text::Span;

/// A tabular operator after `|` (or at the start of a query for source operators).
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub kind: OperatorKind,
    pub span: Span,
}

/// `name = value` parameters written before an operator's operands:
/// `kind=inner`, `hint.strategy=shuffle`, `withsource=T`, `isfuzzy=true`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct NamedParameter {
    /// As written, e.g. `kind` or `hint.strategy`.
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `[name =] value` or `(a, b) = value` in extend, project, summarize, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Empty when no name is given; several for a tuple assignment.
    pub names: Vec<Ident>,
    pub value: Expr,
    pub span: Span,
}

/// A sort key: `expr [asc|desc] [nulls first|last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
    pub span: Span,
}

/// `asc` / `desc` (and project-reorder's `granny-asc` / `granny-desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
    GrannyAsc,
    GrannyDesc,
}

/// `nulls first` / `nulls last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

/// One element of a `parse` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// `*`
    Wildcard(Span),
    /// A string constant (or a `let`-bound name used as one).
    Text(Expr),
    /// `Column [: type]`
    Column(ColumnDecl),
    /// `Column` without a type.
    ColumnUntyped(Ident),
}

/// An item of `mv-expand` / `mv-apply`: `[name =] expr [to typeof(type)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandItem {
    pub name: Option<Ident>,
    pub expr: Expr,
    pub to_type: Option<Expr>,
    pub span: Span,
}

/// The axis range of `make-series`.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesRange {
    /// `in range(start, stop, step)`
    InRange { start: Expr, stop: Expr, step: Expr },
    /// `[from start] [to end] step step`
    FromTo { from: Option<Expr>, to: Option<Expr>, step: Expr },
}

/// One aggregate of `make-series`: `[name =] agg [default = value]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesAggregate {
    pub assignment: Assignment,
    pub default: Option<Expr>,
}

/// One clause of `top-nested`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopNestedClause {
    pub count: Option<Expr>,
    pub of: Assignment,
    pub others: Option<Expr>,
    pub by: Assignment,
    pub order: Option<SortOrder>,
    pub span: Span,
}

/// A step of `scan`: `step name [output=all|last|none]: condition [=> assignments];`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanStep {
    pub name: Ident,
    pub optional: bool,
    pub output: Option<Ident>,
    pub condition: Expr,
    pub assignments: Vec<Assignment>,
    pub span: Span,
}

/// A branch of `fork`: `[name =] (subquery)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForkBranch {
    pub name: Option<Ident>,
    pub query: Expr,
}

/// A graph pattern element of `graph-match` and `graph-shortest-paths`.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphPatternPart {
    /// `(name)` or `(name:Label)`.
    Node { name: Option<Ident>, labels: Vec<Ident>, span: Span },
    /// `-[name*min..max]->`, `<-[e]-`, `-[e:Label]-`, `-->`, `--`.
    Edge { name: Option<Ident>, labels: Vec<Ident>, direction: EdgeDirection, range: Option<(Expr, Expr)>, span: Span },
}

/// `partitioned-by Column (graph operator)` of `make-graph`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphPartition {
    pub column: Expr,
    /// The graph operator applied to each partition's graph, with the
    /// partition's graph as its (contextual) input.
    pub operator: Box<Operator>,
    pub span: Span,
}

/// What one `graph-to-table` output exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphElementKind {
    Nodes,
    Edges,
}

/// One output of `graph-to-table`: `nodes [as N] [with_node_id=C]` or
/// `edges [as E] [with_source_id=C] [with_target_id=C]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphTableOutput {
    pub kind: GraphElementKind,
    /// `as Name`: binds the table to a name for the following statements.
    pub name: Option<Ident>,
    /// `with_node_id=`, `with_source_id=`, `with_target_id=`.
    pub params: Vec<NamedParameter>,
    pub span: Span,
}

/// Direction of a graph edge in a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeDirection {
    Forward,
    Backward,
    Any,
}

/// The operators.
#[derive(Debug, Clone, PartialEq)]
pub enum OperatorKind {
    As {
        params: Vec<NamedParameter>,
        name: Ident,
    },
    Consume {
        params: Vec<NamedParameter>,
    },
    Count,
    DataTable {
        params: Vec<NamedParameter>,
        columns: Vec<ColumnDecl>,
        values: Vec<Expr>,
    },
    /// `distinct *` has a single `Star` expression.
    Distinct {
        params: Vec<NamedParameter>,
        columns: Vec<Expr>,
    },
    /// `evaluate plugin(...)`, with an optional output schema
    /// (`: (*, Name: string)`).
    Evaluate {
        params: Vec<NamedParameter>,
        call: Expr,
        schema: Option<OutputSchema>,
    },
    Extend(Vec<Assignment>),
    ExternalData {
        columns: Vec<ColumnDecl>,
        uris: Vec<Expr>,
        properties: Vec<NamedParameter>,
    },
    Facet {
        columns: Vec<Expr>,
        with: Option<Expr>,
    },
    Find {
        params: Vec<NamedParameter>,
        tables: Option<Vec<Expr>>,
        predicate: Expr,
        /// `project-smart` when `project_smart`, else the listed columns.
        project: Vec<Expr>,
        project_smart: bool,
    },
    Fork(Vec<ForkBranch>),
    GetSchema,
    Invoke(Expr),
    Join {
        params: Vec<NamedParameter>,
        right: Expr,
        on: Vec<Expr>,
        where_: Option<Expr>,
    },
    Lookup {
        params: Vec<NamedParameter>,
        right: Expr,
        on: Vec<Expr>,
    },
    MakeGraph {
        params: Vec<NamedParameter>,
        source: Expr,
        direction: EdgeDirection,
        target: Expr,
        /// `with T1 on Id1, T2 on Id2`
        nodes: Vec<(Expr, Expr)>,
        /// `with_node_id = name`
        node_id: Option<Ident>,
        /// `partitioned-by Column (graph operator)`
        partition: Option<GraphPartition>,
    },
    /// `graph-match [cycles=...] pattern [where ...] project ...`
    GraphMatch {
        params: Vec<NamedParameter>,
        patterns: Vec<Vec<GraphPatternPart>>,
        where_: Option<Expr>,
        project: Vec<Assignment>,
    },
    /// `graph-shortest-paths [output=any|all] pattern [where ...] project ...`
    GraphShortestPaths {
        params: Vec<NamedParameter>,
        patterns: Vec<Vec<GraphPatternPart>>,
        where_: Option<Expr>,
        project: Vec<Assignment>,
    },
    /// `graph-to-table nodes ..., edges ...`
    GraphToTable(Vec<GraphTableOutput>),
    /// `graph-mark-components [kind=weak|strong] [with_component_id=Name]`
    GraphMarkComponents {
        params: Vec<NamedParameter>,
    },
    MakeSeries {
        params: Vec<NamedParameter>,
        aggregates: Vec<SeriesAggregate>,
        on: Expr,
        range: Option<SeriesRange>,
        by: Vec<Assignment>,
    },
    MvApply {
        params: Vec<NamedParameter>,
        items: Vec<ExpandItem>,
        limit: Option<Expr>,
        /// `on (subquery)`
        subquery: Expr,
    },
    MvExpand {
        params: Vec<NamedParameter>,
        items: Vec<ExpandItem>,
        limit: Option<Expr>,
    },
    Parse {
        is_where: bool,
        params: Vec<NamedParameter>,
        source: Expr,
        pattern: Vec<ParsePart>,
    },
    ParseKv {
        source: Expr,
        keys: Vec<ColumnDecl>,
        with: Vec<NamedParameter>,
    },
    Partition {
        params: Vec<NamedParameter>,
        by: Expr,
        subquery: Expr,
        legacy_braces: bool,
    },
    Print(Vec<Assignment>),
    Project(Vec<Assignment>),
    ProjectAway(Vec<Expr>),
    ProjectKeep(Vec<Expr>),
    /// `new = old` pairs; `old` should be a column name (the analyzer checks).
    ProjectRename(Vec<(Ident, Expr)>),
    ProjectReorder(Vec<(Expr, Option<SortOrder>)>),
    Range {
        column: Ident,
        from: Expr,
        to: Expr,
        step: Expr,
    },
    Reduce {
        params: Vec<NamedParameter>,
        by: Expr,
        with: Vec<NamedParameter>,
    },
    Render {
        chart: Ident,
        with: Vec<NamedParameter>,
    },
    Sample {
        params: Vec<NamedParameter>,
        count: Expr,
    },
    SampleDistinct {
        params: Vec<NamedParameter>,
        count: Expr,
        column: Expr,
    },
    Scan {
        params: Vec<NamedParameter>,
        declare: Vec<(ColumnDecl, Option<Expr>)>,
        steps: Vec<ScanStep>,
    },
    Search {
        params: Vec<NamedParameter>,
        tables: Option<Vec<Expr>>,
        predicate: Expr,
    },
    Serialize(Vec<Assignment>),
    Sort {
        params: Vec<NamedParameter>,
        keys: Vec<SortKey>,
    },
    Summarize {
        params: Vec<NamedParameter>,
        aggregates: Vec<Assignment>,
        by: Vec<Assignment>,
    },
    Take {
        params: Vec<NamedParameter>,
        count: Expr,
    },
    Top {
        params: Vec<NamedParameter>,
        count: Expr,
        key: SortKey,
    },
    TopHitters {
        count: Expr,
        of: Expr,
        by: Option<Expr>,
    },
    TopNested(Vec<TopNestedClause>),
    Union {
        params: Vec<NamedParameter>,
        tables: Vec<Expr>,
    },
    Where(Expr),
    /// `macro-expand`, `assert-schema`, `project-by-names`:
    /// recognised and kept as text.
    Other {
        name: Ident,
        text: String,
    },
    /// `project-by-names "Name", dynamic(["A*"]), column_names_of(T), ...`
    ProjectByNames(Vec<Expr>),
    /// A body of statements in braces, used by the legacy `partition` form.
    Block(Vec<Statement>),
    /// An operator that could not be parsed.
    Error,
}

/// The output schema after a plugin call: `evaluate bag_unpack(d) : (*, Name: string)`.
/// `wildcard` is the leading `*`, which keeps the input's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSchema {
    pub columns: Vec<ColumnDecl>,
    pub wildcard: bool,
    pub span: Span,
}
