//! Typed columns: one vector of values per column plus validity (which rows
//! are null). Strings have no null in KQL: a missing string is "".

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::ScalarType;

/// Values of a fixed-width type and which of them are null. The buffers
/// are shared: cloning a column (e.g. to pass it to a function) is cheap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Prim<T> {
    pub values: Arc<Vec<T>>,
    /// `None` when no value is null; otherwise `valid[i]` is false for nulls.
    pub valid: Option<Arc<Vec<bool>>>,
}

impl<T: Copy + Default> Prim<T> {
    /// A column without nulls.
    pub fn new(values: Vec<T>) -> Prim<T> {
        Prim { values: Arc::new(values), valid: None }
    }

    /// Values with validity (`None`: no nulls).
    pub fn with_validity(values: Vec<T>, valid: Option<Vec<bool>>) -> Prim<T> {
        Prim { values: Arc::new(values), valid: valid.map(Arc::new) }
    }

    pub fn with_capacity(capacity: usize) -> Prim<T> {
        Prim::new(Vec::with_capacity(capacity))
    }

    /// `n` nulls.
    pub fn nulls(n: usize) -> Prim<T> {
        Prim::with_validity(vec![T::default(); n], Some(vec![false; n]))
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn is_valid(&self, row: usize) -> bool {
        self.valid.as_ref().is_none_or(|valid| valid[row])
    }

    pub fn get(&self, row: usize) -> Option<T> {
        if self.is_valid(row) { Some(self.values[row]) } else { None }
    }

    pub fn push(&mut self, value: Option<T>) {
        match value {
            Some(value) => {
                Arc::make_mut(&mut self.values).push(value);
                if let Some(valid) = &mut self.valid {
                    Arc::make_mut(valid).push(true);
                }
            }
            None => {
                let len = self.values.len();
                Arc::make_mut(self.valid.get_or_insert_with(|| Arc::new(vec![true; len]))).push(false);
                Arc::make_mut(&mut self.values).push(T::default());
            }
        }
    }

    /// Rows at `indexes`, in that order.
    pub fn take(&self, indexes: &[usize]) -> Prim<T> {
        Prim::with_validity(
            indexes.iter().map(|&i| self.values[i]).collect(),
            self.valid.as_ref().map(|valid| indexes.iter().map(|&i| valid[i]).collect()),
        )
    }

    /// Rows at dictionary `codes`, in that order.
    pub fn take_codes(&self, codes: &[u32]) -> Prim<T> {
        Prim::with_validity(
            codes.iter().map(|&code| self.values[code as usize]).collect(),
            self.valid.as_ref().map(|valid| codes.iter().map(|&code| valid[code as usize]).collect()),
        )
    }

    /// Rows where `mask` is true.
    pub fn filter(&self, mask: &[bool]) -> Prim<T> {
        let values = self.values.iter().zip(mask).filter(|(_, keep)| **keep).map(|(v, _)| *v).collect();
        let valid = self
            .valid
            .as_ref()
            .map(|valid| valid.iter().zip(mask).filter(|(_, keep)| **keep).map(|(v, _)| *v).collect());
        Prim::with_validity(values, valid)
    }

    /// Iterates over the values (`None` for nulls).
    pub fn iter(&self) -> impl Iterator<Item = Option<T>> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }
}

impl<T: Copy + Default> FromIterator<Option<T>> for Prim<T> {
    fn from_iter<I: IntoIterator<Item = Option<T>>>(iter: I) -> Prim<T> {
        let iter = iter.into_iter();
        let mut prim = Prim::with_capacity(iter.size_hint().0);
        for value in iter {
            prim.push(value);
        }
        prim
    }
}

/// A string column: all bytes in one buffer, with row boundaries. A
/// column with few distinct values can be dictionary-encoded: `offsets` and
/// `bytes` then hold the distinct values and `codes` the value of each row,
/// so filters, grouping and functions of the column work per distinct value.
#[derive(Debug, Clone)]
pub struct Strings {
    codes: Option<Arc<Vec<u32>>>,
    offsets: Arc<Vec<usize>>,
    bytes: Arc<String>,
}

impl Default for Strings {
    fn default() -> Strings {
        Strings { codes: None, offsets: Arc::new(vec![0]), bytes: Arc::new(String::new()) }
    }
}

/// Equal when the rows are equal, however they are encoded.
impl PartialEq for Strings {
    fn eq(&self, other: &Strings) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Strings {
    pub fn with_capacity(rows: usize, bytes: usize) -> Strings {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Strings { codes: None, offsets: Arc::new(offsets), bytes: Arc::new(String::with_capacity(bytes)) }
    }

    /// `n` empty strings.
    pub fn empty(n: usize) -> Strings {
        Strings { codes: None, offsets: Arc::new(vec![0; n + 1]), bytes: Arc::new(String::new()) }
    }

    /// Rows `codes` of `dictionary` (each code an index into it), kept encoded.
    pub fn from_dictionary(codes: Arc<Vec<u32>>, dictionary: &Strings) -> Strings {
        match &dictionary.codes {
            // A dictionary that is itself encoded: compose the codes.
            Some(inner) => {
                let codes = codes.iter().map(|&code| inner[code as usize]).collect();
                Strings { codes: Some(Arc::new(codes)), ..dictionary.clone() }
            }
            None => Strings { codes: Some(codes), ..dictionary.clone() },
        }
    }

    pub fn len(&self) -> usize {
        match &self.codes {
            Some(codes) => codes.len(),
            None => self.offsets.len() - 1,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> &str {
        match &self.codes {
            Some(codes) => self.entry(codes[row] as usize),
            None => self.entry(row),
        }
    }

    fn entry(&self, index: usize) -> &str {
        &self.bytes[self.offsets[index]..self.offsets[index + 1]]
    }

    /// With dictionary encoding: the code of each row and the distinct values.
    pub fn dictionary(&self) -> Option<(&Arc<Vec<u32>>, Strings)> {
        let codes = self.codes.as_ref()?;
        Some((codes, Strings { codes: None, offsets: self.offsets.clone(), bytes: self.bytes.clone() }))
    }

    /// Distinct values held by the dictionary (`None` when not encoded).
    pub fn dictionary_len(&self) -> Option<usize> {
        self.codes.as_ref().map(|_| self.offsets.len() - 1)
    }

    /// Each row's dictionary code (`None` when not encoded).
    pub fn codes(&self) -> Option<&Arc<Vec<u32>>> {
        self.codes.as_ref()
    }

    /// Dictionary entry `index` (with [`Strings::codes`]).
    pub fn dictionary_entry(&self, index: usize) -> &str {
        self.entry(index)
    }

    /// Appends a row (a dictionary-encoded column is decoded first).
    pub fn push(&mut self, text: &str) {
        if self.codes.is_some() {
            *self = self.iter().collect();
        }
        let bytes = Arc::make_mut(&mut self.bytes);
        bytes.push_str(text);
        let end = bytes.len();
        Arc::make_mut(&mut self.offsets).push(end);
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// Bytes held (for memory accounting).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
            + self.offsets.len() * std::mem::size_of::<usize>()
            + self.codes.as_ref().map_or(0, |codes| codes.len() * 4)
    }

    pub fn take(&self, indexes: &[usize]) -> Strings {
        if let Some(codes) = &self.codes {
            let codes = indexes.iter().map(|&i| codes[i]).collect();
            return Strings { codes: Some(Arc::new(codes)), ..self.clone() };
        }
        let total: usize = indexes.iter().map(|&i| self.offsets[i + 1] - self.offsets[i]).sum();
        let mut out = StringsBuilder::with_capacity(indexes.len(), total);
        for &i in indexes {
            out.push(self.entry(i));
        }
        out.finish()
    }

    pub fn filter(&self, mask: &[bool]) -> Strings {
        if let Some(codes) = &self.codes {
            let codes = codes.iter().zip(mask).filter(|(_, keep)| **keep).map(|(code, _)| *code).collect();
            return Strings { codes: Some(Arc::new(codes)), ..self.clone() };
        }
        let (rows, total) = mask
            .iter()
            .enumerate()
            .filter(|(_, keep)| **keep)
            .fold((0, 0), |(rows, total), (row, _)| (rows + 1, total + self.offsets[row + 1] - self.offsets[row]));
        let mut out = StringsBuilder::with_capacity(rows, total);
        for (row, keep) in mask.iter().enumerate() {
            if *keep {
                out.push(self.entry(row));
            }
        }
        out.finish()
    }
}

impl<'a> FromIterator<&'a str> for Strings {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Strings {
        let iter = iter.into_iter();
        let mut out = StringsBuilder::with_capacity(iter.size_hint().0, 0);
        for text in iter {
            out.push(text);
        }
        out.finish()
    }
}

/// Builds a plain string column one row at a time.
#[derive(Debug)]
pub struct StringsBuilder {
    offsets: Vec<usize>,
    bytes: String,
}

impl Default for StringsBuilder {
    fn default() -> StringsBuilder {
        StringsBuilder::with_capacity(0, 0)
    }
}

impl StringsBuilder {
    pub fn with_capacity(rows: usize, bytes: usize) -> StringsBuilder {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StringsBuilder { offsets, bytes: String::with_capacity(bytes) }
    }

    pub fn push(&mut self, text: &str) {
        self.bytes.push_str(text);
        self.offsets.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn finish(self) -> Strings {
        Strings { codes: None, offsets: Arc::new(self.offsets), bytes: Arc::new(self.bytes) }
    }
}

/// A `dynamic` column: a value tree per row, optionally dictionary-encoded
/// like [`Strings`] (rows with the same JSON text share one tree).
#[derive(Debug, Clone, Default)]
pub struct Dyns {
    codes: Option<Arc<Vec<u32>>>,
    values: Arc<Vec<Dyn>>,
}

/// Equal when the rows are equal, however they are encoded.
impl PartialEq for Dyns {
    fn eq(&self, other: &Dyns) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Dyns {
    pub fn new(values: Vec<Dyn>) -> Dyns {
        Dyns { codes: None, values: Arc::new(values) }
    }

    /// Rows `codes` of `dictionary`, kept encoded.
    pub fn from_dictionary(codes: Arc<Vec<u32>>, dictionary: &Dyns) -> Dyns {
        match &dictionary.codes {
            Some(inner) => {
                let codes = codes.iter().map(|&code| inner[code as usize]).collect();
                Dyns { codes: Some(Arc::new(codes)), values: dictionary.values.clone() }
            }
            None => Dyns { codes: Some(codes), values: dictionary.values.clone() },
        }
    }

    pub fn len(&self) -> usize {
        match &self.codes {
            Some(codes) => codes.len(),
            None => self.values.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> &Dyn {
        match &self.codes {
            Some(codes) => &self.values[codes[row] as usize],
            None => &self.values[row],
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Dyn> + '_ {
        (0..self.len()).map(|row| self.get(row))
    }

    /// With dictionary encoding: the code of each row and the distinct values.
    pub fn dictionary(&self) -> Option<(&Arc<Vec<u32>>, Dyns)> {
        let codes = self.codes.as_ref()?;
        Some((codes, Dyns { codes: None, values: self.values.clone() }))
    }

    /// Distinct values held by the dictionary (`None` when not encoded).
    pub fn dictionary_len(&self) -> Option<usize> {
        self.codes.as_ref().map(|_| self.values.len())
    }

    /// Approximate bytes held by the row handles and codes (not the trees).
    pub fn byte_len(&self) -> usize {
        self.values.len() * std::mem::size_of::<Dyn>() + self.codes.as_ref().map_or(0, |codes| codes.len() * 4)
    }

    pub fn take(&self, indexes: &[usize]) -> Dyns {
        match &self.codes {
            Some(codes) => {
                Dyns { codes: Some(Arc::new(indexes.iter().map(|&i| codes[i]).collect())), values: self.values.clone() }
            }
            None => Dyns::new(indexes.iter().map(|&i| self.values[i].clone()).collect()),
        }
    }

    pub fn filter(&self, mask: &[bool]) -> Dyns {
        match &self.codes {
            Some(codes) => Dyns {
                codes: Some(Arc::new(
                    codes.iter().zip(mask).filter(|(_, keep)| **keep).map(|(code, _)| *code).collect(),
                )),
                values: self.values.clone(),
            },
            None => Dyns::new(
                self.values.iter().zip(mask).filter(|(_, keep)| **keep).map(|(value, _)| value.clone()).collect(),
            ),
        }
    }
}

impl std::ops::Index<usize> for Dyns {
    type Output = Dyn;
    fn index(&self, row: usize) -> &Dyn {
        self.get(row)
    }
}

impl From<Vec<Dyn>> for Dyns {
    fn from(values: Vec<Dyn>) -> Dyns {
        Dyns::new(values)
    }
}

impl FromIterator<Dyn> for Dyns {
    fn from_iter<I: IntoIterator<Item = Dyn>>(iter: I) -> Dyns {
        Dyns::new(iter.into_iter().collect())
    }
}

/// A column of one KQL type.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Bool(Prim<bool>),
    Int(Prim<i32>),
    Long(Prim<i64>),
    Real(Prim<f64>),
    Decimal(Prim<Decimal>),
    DateTime(Prim<i64>),
    TimeSpan(Prim<i64>),
    Guid(Prim<u128>),
    String(Strings),
    /// `Dyn::Null` is the null.
    Dynamic(Dyns),
}

/// Applies `$body` to the inner vector of whichever variant `$column` is,
/// rebuilding the same variant.
macro_rules! map_column {
    ($column:expr, $inner:ident => $body:expr) => {
        match $column {
            Column::Bool($inner) => Column::Bool($body),
            Column::Int($inner) => Column::Int($body),
            Column::Long($inner) => Column::Long($body),
            Column::Real($inner) => Column::Real($body),
            Column::Decimal($inner) => Column::Decimal($body),
            Column::DateTime($inner) => Column::DateTime($body),
            Column::TimeSpan($inner) => Column::TimeSpan($body),
            Column::Guid($inner) => Column::Guid($body),
            Column::String($inner) => Column::String($body),
            Column::Dynamic($inner) => Column::Dynamic($body),
        }
    };
}

impl Column {
    /// An empty column of type `ty`.
    pub fn empty(ty: ScalarType) -> Column {
        Column::nulls(ty, 0)
    }

    /// `n` nulls (empty strings for `string`).
    pub fn nulls(ty: ScalarType, n: usize) -> Column {
        match ty {
            ScalarType::Bool => Column::Bool(Prim::nulls(n)),
            ScalarType::Int => Column::Int(Prim::nulls(n)),
            ScalarType::Long => Column::Long(Prim::nulls(n)),
            ScalarType::Real => Column::Real(Prim::nulls(n)),
            ScalarType::Decimal => Column::Decimal(Prim::nulls(n)),
            ScalarType::DateTime => Column::DateTime(Prim::nulls(n)),
            ScalarType::TimeSpan => Column::TimeSpan(Prim::nulls(n)),
            ScalarType::Guid => Column::Guid(Prim::nulls(n)),
            ScalarType::String => Column::String(Strings::empty(n)),
            ScalarType::Dynamic => Column::Dynamic(Dyns::new(vec![Dyn::Null; n])),
        }
    }

    /// `n` copies of `value`, as a column of type `ty`.
    pub fn repeat(ty: ScalarType, value: &Value, n: usize) -> Column {
        let mut builder = ColumnBuilder::new(ty, n);
        for _ in 0..n {
            builder.push(value);
        }
        builder.finish()
    }

    /// A column of type `ty` from values (converted where they differ).
    pub fn from_values<'a>(ty: ScalarType, values: impl IntoIterator<Item = &'a Value>) -> Column {
        let mut builder = ColumnBuilder::new(ty, 0);
        for value in values {
            builder.push(value);
        }
        builder.finish()
    }

    pub fn ty(&self) -> ScalarType {
        match self {
            Column::Bool(_) => ScalarType::Bool,
            Column::Int(_) => ScalarType::Int,
            Column::Long(_) => ScalarType::Long,
            Column::Real(_) => ScalarType::Real,
            Column::Decimal(_) => ScalarType::Decimal,
            Column::DateTime(_) => ScalarType::DateTime,
            Column::TimeSpan(_) => ScalarType::TimeSpan,
            Column::Guid(_) => ScalarType::Guid,
            Column::String(_) => ScalarType::String,
            Column::Dynamic(_) => ScalarType::Dynamic,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Bool(p) => p.len(),
            Column::Int(p) => p.len(),
            Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => p.len(),
            Column::Real(p) => p.len(),
            Column::Decimal(p) => p.len(),
            Column::Guid(p) => p.len(),
            Column::String(s) => s.len(),
            Column::Dynamic(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when row `row` is null (never for strings).
    pub fn is_null(&self, row: usize) -> bool {
        match self {
            Column::Bool(p) => !p.is_valid(row),
            Column::Int(p) => !p.is_valid(row),
            Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => !p.is_valid(row),
            Column::Real(p) => !p.is_valid(row),
            Column::Decimal(p) => !p.is_valid(row),
            Column::Guid(p) => !p.is_valid(row),
            Column::String(_) => false,
            Column::Dynamic(d) => d[row].is_null(),
        }
    }

    /// The value at `row`.
    pub fn get(&self, row: usize) -> Value {
        match self {
            Column::Bool(p) => p.get(row).map_or(Value::Null, Value::Bool),
            Column::Int(p) => p.get(row).map_or(Value::Null, Value::Int),
            Column::Long(p) => p.get(row).map_or(Value::Null, Value::Long),
            Column::Real(p) => p.get(row).map_or(Value::Null, Value::Real),
            Column::Decimal(p) => p.get(row).map_or(Value::Null, Value::Decimal),
            Column::DateTime(p) => p.get(row).map_or(Value::Null, Value::DateTime),
            Column::TimeSpan(p) => p.get(row).map_or(Value::Null, Value::TimeSpan),
            Column::Guid(p) => p.get(row).map_or(Value::Null, Value::Guid),
            Column::String(s) => Value::str(s.get(row)),
            Column::Dynamic(d) => Value::Dynamic(d[row].clone()),
        }
    }

    /// Rows at `indexes`, in that order.
    pub fn take(&self, indexes: &[usize]) -> Column {
        map_column!(self, inner => take_inner(inner, indexes))
    }

    /// Rows where `mask` is true.
    pub fn filter(&self, mask: &[bool]) -> Column {
        map_column!(self, inner => filter_inner(inner, mask))
    }

    /// Rows `codes` of `dictionary` (a code is an index into it). `string`
    /// and `dynamic` columns stay encoded; other types are gathered.
    pub fn from_dictionary(codes: Arc<Vec<u32>>, dictionary: &Column) -> Column {
        match dictionary {
            Column::String(strings) => Column::String(Strings::from_dictionary(codes, strings)),
            Column::Dynamic(values) => Column::Dynamic(Dyns::from_dictionary(codes, values)),
            Column::Bool(values) => Column::Bool(values.take_codes(&codes)),
            Column::Int(values) => Column::Int(values.take_codes(&codes)),
            Column::Long(values) => Column::Long(values.take_codes(&codes)),
            Column::Real(values) => Column::Real(values.take_codes(&codes)),
            Column::Decimal(values) => Column::Decimal(values.take_codes(&codes)),
            Column::DateTime(values) => Column::DateTime(values.take_codes(&codes)),
            Column::TimeSpan(values) => Column::TimeSpan(values.take_codes(&codes)),
            Column::Guid(values) => Column::Guid(values.take_codes(&codes)),
        }
    }

    /// The column dictionary-encoded (`string` by text, `dynamic` by JSON
    /// text) when at most half of its rows are distinct; otherwise as it is.
    pub fn with_dictionary(self) -> Column {
        self.dictionary_encoded().unwrap_or(self)
    }

    fn dictionary_encoded(&self) -> Option<Column> {
        let limit = (self.len() / 2).max(16);
        Some(match self {
            Column::String(strings) if strings.codes.is_none() => {
                let mut index: std::collections::HashMap<&str, u32, foldhash::fast::RandomState> = Default::default();
                let mut distinct = StringsBuilder::default();
                let mut codes = Vec::with_capacity(strings.len());
                for text in strings.iter() {
                    let next = index.len() as u32;
                    let code = *index.entry(text).or_insert_with(|| {
                        distinct.push(text);
                        next
                    });
                    if index.len() > limit {
                        return None;
                    }
                    codes.push(code);
                }
                Column::String(Strings::from_dictionary(Arc::new(codes), &distinct.finish()))
            }
            Column::Dynamic(values) if values.codes.is_none() => {
                let mut index: std::collections::HashMap<String, u32, foldhash::fast::RandomState> = Default::default();
                let mut distinct = Vec::new();
                let mut codes = Vec::with_capacity(values.len());
                for value in values.iter() {
                    let next = index.len() as u32;
                    let code = *index.entry(value.to_json()).or_insert_with(|| {
                        distinct.push(value.clone());
                        next
                    });
                    if index.len() > limit {
                        return None;
                    }
                    codes.push(code);
                }
                Column::Dynamic(Dyns::from_dictionary(Arc::new(codes), &Dyns::new(distinct)))
            }
            _ => return None,
        })
    }

    /// With dictionary encoding: each row's code and the distinct values.
    pub fn dictionary(&self) -> Option<(&Arc<Vec<u32>>, Column)> {
        match self {
            Column::String(strings) => strings.dictionary().map(|(codes, values)| (codes, Column::String(values))),
            Column::Dynamic(dyns) => dyns.dictionary().map(|(codes, values)| (codes, Column::Dynamic(values))),
            _ => None,
        }
    }

    /// Distinct values of a dictionary-encoded column.
    pub fn dictionary_len(&self) -> Option<usize> {
        match self {
            Column::String(strings) => strings.dictionary_len(),
            Column::Dynamic(dyns) => dyns.dictionary_len(),
            _ => None,
        }
    }

    /// Approximate bytes held, for the memory budget.
    pub fn byte_size(&self) -> usize {
        match self {
            Column::Bool(p) => p.len(),
            Column::Int(p) => p.len() * 4,
            Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => p.len() * 8,
            Column::Real(p) => p.len() * 8,
            Column::Decimal(p) => p.len() * 16,
            Column::Guid(p) => p.len() * 16,
            Column::String(s) => s.byte_len(),
            Column::Dynamic(d) => d.byte_len(),
        }
    }
}

/// Gathering and filtering, implemented for every inner vector type.
trait Gather: Sized {
    fn take_rows(&self, indexes: &[usize]) -> Self;
    fn filter_rows(&self, mask: &[bool]) -> Self;
}

impl<T: Copy + Default> Gather for Prim<T> {
    fn take_rows(&self, indexes: &[usize]) -> Self {
        self.take(indexes)
    }
    fn filter_rows(&self, mask: &[bool]) -> Self {
        self.filter(mask)
    }
}

impl Gather for Strings {
    fn take_rows(&self, indexes: &[usize]) -> Self {
        self.take(indexes)
    }
    fn filter_rows(&self, mask: &[bool]) -> Self {
        self.filter(mask)
    }
}

impl Gather for Dyns {
    fn take_rows(&self, indexes: &[usize]) -> Self {
        self.take(indexes)
    }
    fn filter_rows(&self, mask: &[bool]) -> Self {
        self.filter(mask)
    }
}

fn take_inner<G: Gather>(inner: &G, indexes: &[usize]) -> G {
    inner.take_rows(indexes)
}

fn filter_inner<G: Gather>(inner: &G, mask: &[bool]) -> G {
    inner.filter_rows(mask)
}

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

/// A shared, immutable column.
pub type ColumnRef = Arc<Column>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_have_no_null() {
        let column = Column::from_values(ScalarType::String, &[Value::Null, Value::str("a")]);
        assert_eq!(column.get(0), Value::str(""));
        assert!(!column.is_null(0));
    }

    #[test]
    fn builder_converts_numbers_and_nulls() {
        let column = Column::from_values(ScalarType::Long, &[Value::Int(3), Value::Null, Value::Real(2.9)]);
        assert_eq!(column.get(0), Value::Long(3));
        assert!(column.is_null(1));
        assert_eq!(column.get(2), Value::Long(2));
    }

    #[test]
    fn repetitive_columns_get_a_dictionary_and_keep_their_values() {
        let values: Vec<Value> = (0..40).map(|i| Value::str(["a", "b", "c"][i % 3])).collect();
        let column = Column::from_values(ScalarType::String, &values).with_dictionary();
        assert_eq!(column.dictionary_len(), Some(3));
        assert_eq!((0..40).map(|row| column.get(row)).collect::<Vec<_>>(), values);
        let unique: Vec<Value> = (0..40).map(|i| Value::str(&i.to_string())).collect();
        assert_eq!(Column::from_values(ScalarType::String, &unique).with_dictionary().dictionary_len(), None);
    }

    #[test]
    fn take_and_filter_keep_validity() {
        let column = Column::from_values(ScalarType::Int, &[Value::Int(1), Value::Null, Value::Int(3)]);
        assert_eq!(column.take(&[2, 1]).get(1), Value::Null);
        assert_eq!(column.filter(&[true, false, true]).get(1), Value::Int(3));
    }
}
