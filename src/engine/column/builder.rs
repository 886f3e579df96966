//! Building a column one value at a time, converting to its type.

use rust_decimal::Decimal;

use crate::engine::column::{Column, Dyns, Prim, StringsBuilder};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// Builds a column of a fixed type from values pushed one at a time,
/// converting each to the column's type (a value that does not convert
/// becomes null).
#[derive(Debug)]
pub struct ColumnBuilder {
    building: Building,
}

/// Growing buffers, one variant per column type.
#[derive(Debug)]
enum Building {
    Bool(PrimBuilder<bool>),
    Int(PrimBuilder<i32>),
    Long(PrimBuilder<i64>),
    Real(PrimBuilder<f64>),
    Decimal(PrimBuilder<Decimal>),
    DateTime(PrimBuilder<i64>),
    TimeSpan(PrimBuilder<i64>),
    Guid(PrimBuilder<u128>),
    String(StringsBuilder),
    Dynamic(Vec<Dyn>),
}

/// Values and validity being appended to (plain vectors: no sharing yet).
#[derive(Debug)]
struct PrimBuilder<T> {
    values: Vec<T>,
    valid: Option<Vec<bool>>,
}

impl<T: Copy + Default> PrimBuilder<T> {
    fn with_capacity(capacity: usize) -> PrimBuilder<T> {
        PrimBuilder { values: Vec::with_capacity(capacity), valid: None }
    }

    fn push(&mut self, value: Option<T>) {
        match value {
            Some(value) => {
                self.values.push(value);
                if let Some(valid) = &mut self.valid {
                    valid.push(true);
                }
            }
            None => {
                let len = self.values.len();
                self.valid.get_or_insert_with(|| {
                    let mut valid = Vec::with_capacity(self.values.capacity());
                    valid.resize(len, true);
                    valid
                });
                if let Some(valid) = &mut self.valid {
                    valid.push(false);
                }
                self.values.push(T::default());
            }
        }
    }

    fn finish(self) -> Prim<T> {
        Prim::with_validity(self.values, self.valid)
    }
}

impl ColumnBuilder {
    pub fn new(ty: ScalarType, capacity: usize) -> ColumnBuilder {
        let building = match ty {
            ScalarType::Bool => Building::Bool(PrimBuilder::with_capacity(capacity)),
            ScalarType::Int => Building::Int(PrimBuilder::with_capacity(capacity)),
            ScalarType::Long => Building::Long(PrimBuilder::with_capacity(capacity)),
            ScalarType::Real => Building::Real(PrimBuilder::with_capacity(capacity)),
            ScalarType::Decimal => Building::Decimal(PrimBuilder::with_capacity(capacity)),
            ScalarType::DateTime => Building::DateTime(PrimBuilder::with_capacity(capacity)),
            ScalarType::TimeSpan => Building::TimeSpan(PrimBuilder::with_capacity(capacity)),
            ScalarType::Guid => Building::Guid(PrimBuilder::with_capacity(capacity)),
            ScalarType::String => Building::String(StringsBuilder::with_capacity(capacity, 0)),
            ScalarType::Dynamic => Building::Dynamic(Vec::with_capacity(capacity)),
        };
        ColumnBuilder { building }
    }

    pub fn ty(&self) -> ScalarType {
        match &self.building {
            Building::Bool(_) => ScalarType::Bool,
            Building::Int(_) => ScalarType::Int,
            Building::Long(_) => ScalarType::Long,
            Building::Real(_) => ScalarType::Real,
            Building::Decimal(_) => ScalarType::Decimal,
            Building::DateTime(_) => ScalarType::DateTime,
            Building::TimeSpan(_) => ScalarType::TimeSpan,
            Building::Guid(_) => ScalarType::Guid,
            Building::String(_) => ScalarType::String,
            Building::Dynamic(_) => ScalarType::Dynamic,
        }
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        match &self.building {
            Building::Bool(p) => p.values.len(),
            Building::Int(p) => p.values.len(),
            Building::Long(p) | Building::DateTime(p) | Building::TimeSpan(p) => p.values.len(),
            Building::Real(p) => p.values.len(),
            Building::Decimal(p) => p.values.len(),
            Building::Guid(p) => p.values.len(),
            Building::String(s) => s.len(),
            Building::Dynamic(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, value: &Value) {
        match &mut self.building {
            Building::Bool(p) => p.push(match value {
                Value::Bool(b) => Some(*b),
                Value::Dynamic(Dyn::Bool(b)) => Some(*b),
                _ => None,
            }),
            Building::Int(p) => p.push(match value {
                Value::Int(i) => Some(*i),
                Value::Bool(b) => Some(*b as i32),
                other => other.as_i64().map(|i| i as i32),
            }),
            Building::Long(p) => p.push(match value {
                Value::Bool(b) => Some(*b as i64),
                Value::Real(r) if r.is_finite() => Some(*r as i64),
                Value::DateTime(_) | Value::TimeSpan(_) | Value::Real(_) => None,
                other => other.as_i64(),
            }),
            Building::Real(p) => p.push(value.as_f64()),
            Building::Decimal(p) => p.push(match value {
                Value::Decimal(d) => Some(*d),
                Value::Int(i) => Some(Decimal::from(*i)),
                Value::Long(i) => Some(Decimal::from(*i)),
                Value::Real(r) => Decimal::try_from(*r).ok(),
                Value::Dynamic(Dyn::Decimal(d)) => Some(*d),
                Value::Dynamic(Dyn::Long(i)) => Some(Decimal::from(*i)),
                Value::Dynamic(Dyn::Real(r)) => Decimal::try_from(*r).ok(),
                _ => None,
            }),
            Building::DateTime(p) => p.push(match value {
                Value::DateTime(t) | Value::Dynamic(Dyn::DateTime(t)) => Some(*t),
                _ => None,
            }),
            Building::TimeSpan(p) => p.push(match value {
                Value::TimeSpan(t) | Value::Dynamic(Dyn::TimeSpan(t)) => Some(*t),
                _ => None,
            }),
            Building::Guid(p) => p.push(match value {
                Value::Guid(g) | Value::Dynamic(Dyn::Guid(g)) => Some(*g),
                _ => None,
            }),
            Building::String(s) => match value {
                Value::String(text) => s.push(text),
                Value::Null => s.push(""),
                other => s.push(&other.to_kql_string()),
            },
            Building::Dynamic(d) => d.push(value.to_dyn()),
        }
    }

    /// Appends a string (fast path for string columns).
    pub fn push_str(&mut self, text: &str) {
        match &mut self.building {
            Building::String(s) => s.push(text),
            _ => self.push(&Value::str(text)),
        }
    }

    /// Appends a `dynamic` value (fast path for dynamic columns).
    pub fn push_dyn(&mut self, value: Dyn) {
        match &mut self.building {
            Building::Dynamic(d) => d.push(value),
            _ => self.push(&Value::Dynamic(value)),
        }
    }

    /// Appends a `long` (or null), converting for other column types.
    pub fn push_long(&mut self, value: Option<i64>) {
        match &mut self.building {
            Building::Long(p) => p.push(value),
            _ => self.push(&value.map_or(Value::Null, Value::Long)),
        }
    }

    /// Appends a `bool` (or null), converting for other column types.
    pub fn push_bool(&mut self, value: Option<bool>) {
        match &mut self.building {
            Building::Bool(p) => p.push(value),
            _ => self.push(&value.map_or(Value::Null, Value::Bool)),
        }
    }

    pub fn finish(self) -> Column {
        match self.building {
            Building::Bool(p) => Column::Bool(p.finish()),
            Building::Int(p) => Column::Int(p.finish()),
            Building::Long(p) => Column::Long(p.finish()),
            Building::Real(p) => Column::Real(p.finish()),
            Building::Decimal(p) => Column::Decimal(p.finish()),
            Building::DateTime(p) => Column::DateTime(p.finish()),
            Building::TimeSpan(p) => Column::TimeSpan(p.finish()),
            Building::Guid(p) => Column::Guid(p.finish()),
            Building::String(s) => Column::String(s.finish()),
            Building::Dynamic(d) => Column::Dynamic(Dyns::new(d)),
        }
    }
}

/// Concatenates columns of the same type.
pub fn concat(ty: ScalarType, parts: &[&Column]) -> Column {
    let total = parts.iter().map(|c| c.len()).sum();
    let mut builder = ColumnBuilder::new(ty, total);
    for part in parts {
        if part.ty() == ty
            && let (Building::String(out), Column::String(input)) = (&mut builder.building, part)
        {
            for text in input.iter() {
                out.push(text);
            }
            continue;
        }
        for row in 0..part.len() {
            builder.push(&part.get(row));
        }
    }
    builder.finish()
}
