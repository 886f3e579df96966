//! The syntax tree. Every node carries the byte span of its source text;
//! `Error` nodes stand where the input was malformed.

pub mod operators;

use crate::text::Span;

pub use crate::syntax::ast::operators::{Operator, OperatorKind};

/// A whole query text: statements separated by `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub statements: Vec<Statement>,
    pub span: Span,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

/// The kinds of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// `let name = expr` or `let name = (params) { body }`.
    Let(Let),
    /// `set name [= value]`.
    Set { name: Ident, value: Option<Expr> },
    /// `alias database name = expr`.
    Alias { name: Ident, value: Expr },
    /// `declare query_parameters (params)`.
    QueryParameters(Vec<Parameter>),
    /// `declare pattern name [= (params)[path] { entries }]`.
    Pattern(Pattern),
    /// `restrict access to (entities)`.
    Restrict(Vec<Expr>),
    /// A query (tabular or scalar expression) whose result is returned.
    Query(Expr),
    /// Input that could not be parsed as a statement.
    Error,
}

/// `let name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: Ident,
    pub value: LetValue,
}

/// What a `let` binds.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar or tabular expression (including `materialize(...)`).
    Expr(Expr),
    /// A user function or view.
    Function(FunctionDef),
}

/// `[view] (params) { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub is_view: bool,
    pub params: Vec<Parameter>,
    /// Statements of the body; the last one (a `Query`) is the result.
    pub body: Vec<Statement>,
    pub span: Span,
}

/// A function or query parameter: `name: type [= default]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: Ident,
    pub ty: ParameterType,
    pub default: Option<Expr>,
    pub span: Span,
}

/// The declared type of a parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterType {
    Scalar(TypeName),
    /// `(*)` (any columns) when `columns` is empty and `open` is true, or
    /// `(col:type, ...)`, or `(col:type, *)`.
    Tabular {
        columns: Vec<ColumnDecl>,
        open: bool,
    },
}

/// A column declaration `name: type`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: Ident,
    pub ty: TypeName,
    pub span: Span,
}

/// The scalar types of KQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarType {
    Bool,
    Int,
    Long,
    Real,
    Decimal,
    String,
    DateTime,
    TimeSpan,
    Guid,
    Dynamic,
}

impl ScalarType {
    /// Looks a type name up, including the documented synonyms
    /// (`boolean`, `double`, `date`, `time`, `uniqueid`, `int64`, ...).
    pub fn from_name(name: &str) -> Option<ScalarType> {
        Some(match name {
            "bool" | "boolean" => ScalarType::Bool,
            "int" | "int32" => ScalarType::Int,
            "long" | "int64" => ScalarType::Long,
            "real" | "double" => ScalarType::Real,
            "decimal" => ScalarType::Decimal,
            "string" => ScalarType::String,
            "datetime" | "date" => ScalarType::DateTime,
            "timespan" | "time" => ScalarType::TimeSpan,
            "guid" | "uniqueid" => ScalarType::Guid,
            "dynamic" => ScalarType::Dynamic,
            _ => return None,
        })
    }

    /// The canonical name, as Kusto prints it.
    pub fn name(self) -> &'static str {
        match self {
            ScalarType::Bool => "bool",
            ScalarType::Int => "int",
            ScalarType::Long => "long",
            ScalarType::Real => "real",
            ScalarType::Decimal => "decimal",
            ScalarType::String => "string",
            ScalarType::DateTime => "datetime",
            ScalarType::TimeSpan => "timespan",
            ScalarType::Guid => "guid",
            ScalarType::Dynamic => "dynamic",
        }
    }
}

/// A type name as written, resolved to a scalar type when known.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeName {
    pub ty: Option<ScalarType>,
    pub span: Span,
}

/// An identifier (or a bracketed name such as `['Column Name']`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `declare pattern`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub name: Ident,
    pub params: Vec<Parameter>,
    pub path_params: Vec<Parameter>,
    pub entries: Vec<PatternEntry>,
}

impl Pattern {
    /// The entry for the invocation `name(args).path`: the one whose
    /// arguments and path are the same strings (the documentation: "no
    /// special treatment given to wildcards").
    pub fn entry(&self, args: &[String], path: Option<&str>) -> Option<&PatternEntry> {
        self.entries.iter().find(|entry| {
            entry.args.len() == args.len()
                && entry.args.iter().zip(args).all(|(arg, wanted)| string_literal(arg) == Some(wanted.as_str()))
                && entry.path.as_ref().and_then(string_literal) == path
        })
    }
}

/// The text of a string literal (in parentheses or not).
pub fn string_literal(expr: &Expr) -> Option<&str> {
    match &expr.kind {
        ExprKind::Literal(Literal::String(text)) => Some(text),
        ExprKind::Paren(inner) => string_literal(inner),
        _ => None,
    }
}

/// A pattern invocation, `name(args)` or `name(args).path` (also
/// `name(args).["path"]`): the pattern's name, the arguments and the path.
pub fn pattern_invocation(expr: &Expr) -> Option<(&Ident, &[Expr], Option<&str>)> {
    match &expr.kind {
        ExprKind::Call { target: None, name, args } => Some((name, args, None)),
        ExprKind::Member { target, name: path } => match &target.kind {
            ExprKind::Call { target: None, name, args } => Some((name, args, Some(path.name.as_str()))),
            _ => None,
        },
        _ => None,
    }
}

/// `(args).[path] = { query };` inside a pattern declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternEntry {
    pub args: Vec<Expr>,
    pub path: Option<Expr>,
    pub body: Vec<Statement>,
    pub span: Span,
}

/// An expression: scalar or tabular (KQL has one expression grammar for both).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// A name: column, table, variable or function without a call.
    Name(Ident),
    /// A name pattern with `*` wildcards, e.g. `Sec*` in `union` or `project-away`.
    NamePattern(Ident),
    /// `*` (all columns), as in `arg_max(T, *)` or `where * has "x"`.
    Star,
    /// `( expr )`.
    Paren(Box<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `left in (items)`, `left has_any (items)`, ...
    List {
        op: ListOp,
        left: Box<Expr>,
        items: Vec<Expr>,
    },
    /// `expr [!]between (low .. high)`.
    Between {
        negated: bool,
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `name(args)`, or `target.name(args)` for `cluster(..).database(..)`.
    Call {
        target: Option<Box<Expr>>,
        name: Ident,
        args: Vec<Expr>,
    },
    /// `name = value` inside a call's argument list.
    NamedArg {
        name: Ident,
        value: Box<Expr>,
    },
    /// `target.name` (also `target.['name']`).
    Member {
        target: Box<Expr>,
        name: Ident,
    },
    /// `target[index]`.
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
    },
    /// `typeof(type)` or `typeof(col:type, ..., *)`.
    TypeOf {
        columns: Vec<ColumnDecl>,
        scalar: Option<TypeName>,
        open: bool,
    },
    /// `input | operator`.
    Pipe {
        input: Box<Expr>,
        operator: Box<Operator>,
    },
    /// An operator that produces a table by itself: `print`, `range`,
    /// `datatable`, `union`, `find`, `search`, `externaldata`, `evaluate`.
    Source(Box<Operator>),
    /// The implicit input of a sub-query inside `fork`, `facet`, `mv-apply`,
    /// `partition` or a `scan`/`as` context (zero-width).
    ContextualInput,
    /// `search` predicate `Column:"term"`.
    SearchField {
        column: Ident,
        term: Box<Expr>,
    },
    /// Input that could not be parsed as an expression.
    Error,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(Option<bool>),
    Int(Option<i32>),
    Long(Option<i64>),
    Real(Option<f64>),
    /// Kept as text; the engine parses it with its decimal type.
    Decimal(Option<String>),
    String(String),
    /// Ticks since 0001-01-01; `None` is `datetime(null)`.
    DateTime(Option<i64>),
    /// `datetime()` / `datetime(now)`: the query's `now()`.
    DateTimeNow,
    /// `datetime("8:00 AM")`: the query's day (UTC) at this time of day, in ticks.
    DateTimeTimeOfDay(i64),
    TimeSpan(Option<i64>),
    Guid(Option<u128>),
    Dynamic(Dynamic),
}

/// The body of a `dynamic(...)` literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    String(String),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    Array(Vec<Dynamic>),
    Object(Vec<(String, Dynamic)>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Minus,
    Plus,
}

/// Binary operators, from lowest to highest precedence group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    EqCi,
    NotEqCi,
    Lt,
    Le,
    Gt,
    Ge,
    Has,
    NotHas,
    HasCs,
    NotHasCs,
    HasPrefix,
    NotHasPrefix,
    HasPrefixCs,
    NotHasPrefixCs,
    HasSuffix,
    NotHasSuffix,
    HasSuffixCs,
    NotHasSuffixCs,
    Contains,
    NotContains,
    ContainsCs,
    NotContainsCs,
    StartsWith,
    NotStartsWith,
    StartsWithCs,
    NotStartsWithCs,
    EndsWith,
    NotEndsWith,
    EndsWithCs,
    NotEndsWithCs,
    MatchesRegex,
    /// Legacy, undocumented `like` family (SQL-style `%` patterns).
    Like,
    NotLike,
    LikeCs,
    NotLikeCs,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    /// The operator as written in KQL.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::EqCi => "=~",
            BinaryOp::NotEqCi => "!~",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Has => "has",
            BinaryOp::NotHas => "!has",
            BinaryOp::HasCs => "has_cs",
            BinaryOp::NotHasCs => "!has_cs",
            BinaryOp::HasPrefix => "hasprefix",
            BinaryOp::NotHasPrefix => "!hasprefix",
            BinaryOp::HasPrefixCs => "hasprefix_cs",
            BinaryOp::NotHasPrefixCs => "!hasprefix_cs",
            BinaryOp::HasSuffix => "hassuffix",
            BinaryOp::NotHasSuffix => "!hassuffix",
            BinaryOp::HasSuffixCs => "hassuffix_cs",
            BinaryOp::NotHasSuffixCs => "!hassuffix_cs",
            BinaryOp::Contains => "contains",
            BinaryOp::NotContains => "!contains",
            BinaryOp::ContainsCs => "contains_cs",
            BinaryOp::NotContainsCs => "!contains_cs",
            BinaryOp::StartsWith => "startswith",
            BinaryOp::NotStartsWith => "!startswith",
            BinaryOp::StartsWithCs => "startswith_cs",
            BinaryOp::NotStartsWithCs => "!startswith_cs",
            BinaryOp::EndsWith => "endswith",
            BinaryOp::NotEndsWith => "!endswith",
            BinaryOp::EndsWithCs => "endswith_cs",
            BinaryOp::NotEndsWithCs => "!endswith_cs",
            BinaryOp::MatchesRegex => "matches regex",
            BinaryOp::Like => "like",
            BinaryOp::NotLike => "notlike",
            BinaryOp::LikeCs => "likecs",
            BinaryOp::NotLikeCs => "notlikecs",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }

    /// The string operator spelled `word` (`has`, `!contains_cs`, ...).
    pub fn from_word(word: &str) -> Option<BinaryOp> {
        Some(match word {
            "has" => BinaryOp::Has,
            "!has" => BinaryOp::NotHas,
            "has_cs" => BinaryOp::HasCs,
            "!has_cs" => BinaryOp::NotHasCs,
            "hasprefix" => BinaryOp::HasPrefix,
            "!hasprefix" => BinaryOp::NotHasPrefix,
            "hasprefix_cs" => BinaryOp::HasPrefixCs,
            "!hasprefix_cs" => BinaryOp::NotHasPrefixCs,
            "hassuffix" => BinaryOp::HasSuffix,
            "!hassuffix" => BinaryOp::NotHasSuffix,
            "hassuffix_cs" => BinaryOp::HasSuffixCs,
            "!hassuffix_cs" => BinaryOp::NotHasSuffixCs,
            "contains" => BinaryOp::Contains,
            "!contains" => BinaryOp::NotContains,
            "contains_cs" => BinaryOp::ContainsCs,
            "!contains_cs" => BinaryOp::NotContainsCs,
            "startswith" => BinaryOp::StartsWith,
            "!startswith" => BinaryOp::NotStartsWith,
            "startswith_cs" => BinaryOp::StartsWithCs,
            "!startswith_cs" => BinaryOp::NotStartsWithCs,
            "endswith" => BinaryOp::EndsWith,
            "!endswith" => BinaryOp::NotEndsWith,
            "endswith_cs" => BinaryOp::EndsWithCs,
            "!endswith_cs" => BinaryOp::NotEndsWithCs,
            // Legacy spellings that Kusto still accepts.
            "containscs" => BinaryOp::ContainsCs,
            "notcontains" => BinaryOp::NotContains,
            "notcontainscs" => BinaryOp::NotContainsCs,
            "like" => BinaryOp::Like,
            "notlike" => BinaryOp::NotLike,
            "likecs" => BinaryOp::LikeCs,
            "notlikecs" => BinaryOp::NotLikeCs,
            _ => return None,
        })
    }
}

/// Operators whose right side is a parenthesised list (or tabular expression).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListOp {
    In,
    NotIn,
    InCi,
    NotInCi,
    HasAny,
    HasAll,
}

impl ListOp {
    /// The operator as written in KQL.
    pub fn as_str(self) -> &'static str {
        match self {
            ListOp::In => "in",
            ListOp::NotIn => "!in",
            ListOp::InCi => "in~",
            ListOp::NotInCi => "!in~",
            ListOp::HasAny => "has_any",
            ListOp::HasAll => "has_all",
        }
    }

    /// The list operator spelled `word`.
    pub fn from_word(word: &str) -> Option<ListOp> {
        Some(match word {
            "in" => ListOp::In,
            "!in" => ListOp::NotIn,
            "in~" => ListOp::InCi,
            "!in~" => ListOp::NotInCi,
            "has_any" => ListOp::HasAny,
            "has_all" => ListOp::HasAll,
            _ => return None,
        })
    }
}

impl Expr {
    /// A new expression node.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// Calls `visit` on each direct scalar sub-expression, in source order
    /// (the target and arguments of a call; not the input of a pipe nor
    /// the operands of tabular operators).
    pub fn for_each_child<'a>(&'a self, mut visit: impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Paren(inner)
            | ExprKind::Unary { operand: inner, .. }
            | ExprKind::NamedArg { value: inner, .. }
            | ExprKind::Member { target: inner, .. }
            | ExprKind::SearchField { term: inner, .. } => visit(inner),
            ExprKind::Binary { left, right, .. } | ExprKind::Index { target: left, index: right } => {
                visit(left);
                visit(right);
            }
            ExprKind::List { left, items, .. } => {
                visit(left);
                items.iter().for_each(visit);
            }
            ExprKind::Between { expr, low, high, .. } => {
                visit(expr);
                visit(low);
                visit(high);
            }
            ExprKind::Call { target, args, .. } => {
                if let Some(target) = target {
                    visit(target);
                }
                args.iter().for_each(visit);
            }
            ExprKind::Literal(_)
            | ExprKind::Name(_)
            | ExprKind::NamePattern(_)
            | ExprKind::Star
            | ExprKind::TypeOf { .. }
            | ExprKind::Pipe { .. }
            | ExprKind::Source(_)
            | ExprKind::ContextualInput
            | ExprKind::Error => {}
        }
    }

    /// An error node.
    pub fn error(span: Span) -> Expr {
        Expr { kind: ExprKind::Error, span }
    }
}
