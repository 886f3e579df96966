//! KQL's types: the ten scalar types (plus `unknown` for names the analyzer
//! could not resolve), tables as ordered column lists, and the promotion
//! rules that decide which values fit where.

use std::sync::Arc;

use crate::syntax::ast::ScalarType;

/// The type of a scalar value, or `Unknown` when it could not be determined
/// (an unresolved name, a column of an open schema). `Unknown` fits anywhere,
/// so one mistake is reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Scalar(ScalarType),
    Unknown,
}

impl Type {
    pub const BOOL: Type = Type::Scalar(ScalarType::Bool);
    pub const INT: Type = Type::Scalar(ScalarType::Int);
    pub const LONG: Type = Type::Scalar(ScalarType::Long);
    pub const REAL: Type = Type::Scalar(ScalarType::Real);
    pub const DECIMAL: Type = Type::Scalar(ScalarType::Decimal);
    pub const STRING: Type = Type::Scalar(ScalarType::String);
    pub const DATETIME: Type = Type::Scalar(ScalarType::DateTime);
    pub const TIMESPAN: Type = Type::Scalar(ScalarType::TimeSpan);
    pub const GUID: Type = Type::Scalar(ScalarType::Guid);
    pub const DYNAMIC: Type = Type::Scalar(ScalarType::Dynamic);

    /// Looks a type name up (`string`, `long`, `double`, `unknown`, ...).
    pub fn from_name(name: &str) -> Option<Type> {
        if name == "unknown" {
            return Some(Type::Unknown);
        }
        ScalarType::from_name(name).map(Type::Scalar)
    }

    /// The name as Kusto prints it.
    pub fn name(self) -> &'static str {
        match self {
            Type::Scalar(scalar) => scalar.name(),
            Type::Unknown => "unknown",
        }
    }

    /// The scalar type, when known.
    pub fn scalar(self) -> Option<ScalarType> {
        match self {
            Type::Scalar(scalar) => Some(scalar),
            Type::Unknown => None,
        }
    }

    pub fn is_unknown(self) -> bool {
        self == Type::Unknown
    }

    /// `int` or `long`.
    pub fn is_integer(self) -> bool {
        matches!(self.scalar(), Some(ScalarType::Int | ScalarType::Long))
    }

    /// `int`, `long`, `real` or `decimal`.
    pub fn is_number(self) -> bool {
        matches!(self.scalar(), Some(ScalarType::Int | ScalarType::Long | ScalarType::Real | ScalarType::Decimal))
    }

    /// Types `sum`, `avg` and `range` accept: numbers, timespans and
    /// datetimes (Kusto.Language's summable scalar types).
    pub fn is_summable(self) -> bool {
        self.is_number() || self == Type::TIMESPAN || self == Type::DATETIME
    }

    /// Types `min`, `max`, `arg_max` and `sort` accept.
    pub fn is_orderable(self) -> bool {
        !matches!(self.scalar(), Some(ScalarType::Dynamic | ScalarType::Guid))
    }

    /// The rank of a number type in the widening order int < long < real < decimal.
    fn number_rank(self) -> Option<u8> {
        match self.scalar()? {
            ScalarType::Int => Some(0),
            ScalarType::Long => Some(1),
            ScalarType::Real => Some(2),
            ScalarType::Decimal => Some(3),
            _ => None,
        }
    }

    /// True when a value of this type can be passed where `target` is
    /// expected: the same type, or a number that widens to it.
    pub fn promotes_to(self, target: Type) -> bool {
        if self == target || self.is_unknown() || target.is_unknown() {
            return true;
        }
        match (self.number_rank(), target.number_rank()) {
            (Some(from), Some(to)) => from <= to,
            _ => false,
        }
    }

    /// The wider of two number types (`int` and `real` give `real`).
    pub fn widest(self, other: Type) -> Type {
        match (self.number_rank(), other.number_rank()) {
            (Some(a), Some(b)) => {
                if a >= b {
                    self
                } else {
                    other
                }
            }
            _ if self.is_unknown() => other,
            _ => self,
        }
    }

    /// The common type of two values (the wider number, or the same type);
    /// `None` when they have none.
    pub fn common(self, other: Type) -> Option<Type> {
        if self.is_unknown() {
            return Some(other);
        }
        if other.is_unknown() || self == other {
            return Some(self);
        }
        if self.is_number() && other.is_number() {
            return Some(self.widest(other));
        }
        None
    }
}

impl From<ScalarType> for Type {
    fn from(scalar: ScalarType) -> Type {
        Type::Scalar(scalar)
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A column: a name and a scalar type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: Type,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: Type) -> Column {
        Column { name: name.into(), ty }
    }
}

/// The type of a table: its columns in order. An open table (the result of
/// `bag_unpack`, `_GetWatchlist` or a `(*)` parameter) may have more columns
/// than listed; referring to one of those is not an error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableType {
    pub columns: Vec<Column>,
    pub open: bool,
}

impl TableType {
    /// A closed table with these columns.
    pub fn new(columns: Vec<Column>) -> TableType {
        TableType { columns, open: false }
    }

    /// The column named `name` (case-sensitive, as in Kusto).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// The position of the column named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| column.name == name)
    }

    /// Shared, for cheap copies through the pipeline.
    pub fn shared(self) -> Arc<TableType> {
        Arc::new(self)
    }
}

/// The type of an expression: a scalar, a table, or `Error` when binding
/// failed and was already reported.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprType {
    Scalar(Type),
    Table(Arc<TableType>),
    Error,
}

impl ExprType {
    /// The scalar type (`Unknown` for tables and errors).
    pub fn scalar(&self) -> Type {
        match self {
            ExprType::Scalar(ty) => *ty,
            _ => Type::Unknown,
        }
    }

    /// The table type, when tabular.
    pub fn table(&self) -> Option<&Arc<TableType>> {
        match self {
            ExprType::Table(table) => Some(table),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_widen_but_never_narrow() {
        assert!(Type::INT.promotes_to(Type::LONG));
        assert!(Type::LONG.promotes_to(Type::REAL));
        assert!(!Type::REAL.promotes_to(Type::LONG));
        assert!(!Type::STRING.promotes_to(Type::LONG));
        assert!(Type::Unknown.promotes_to(Type::GUID));
        assert_eq!(Type::INT.widest(Type::REAL), Type::REAL);
        assert_eq!(Type::LONG.common(Type::INT), Some(Type::LONG));
        assert_eq!(Type::STRING.common(Type::LONG), None);
        assert!(Type::DATETIME.is_summable() && !Type::STRING.is_summable());
    }
}
