//! Grouping rows by key columns (for `summarize`, `distinct`, `join`,
//! `make-series`): each row gets a group number, in order of first appearance.

use std::collections::HashMap;

use crate::engine::column::Column;

/// Rows grouped by equal keys.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    /// The group of each row.
    pub group_of_row: Vec<u32>,
    /// The first row of each group, in group order.
    pub first_rows: Vec<usize>,
}

impl Groups {
    pub fn len(&self) -> usize {
        self.first_rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.first_rows.is_empty()
    }
}

/// A hash map with a fast (not DoS-resistant) hasher, for keys from the data.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// A hash set with a fast hasher.
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Groups `rows` rows by the values of `columns` (all nulls of a type are one key).
pub fn group_rows(columns: &[&Column], rows: usize) -> Groups {
    if columns.is_empty() {
        return Groups { group_of_row: vec![0; rows], first_rows: if rows > 0 { vec![0] } else { Vec::new() } };
    }
    // Dictionary-encoded columns: group by value ids, combined into one number.
    let ids: Vec<Option<(Vec<u32>, usize)>> = columns.iter().map(|column| value_ids(column)).collect();
    if ids.iter().all(Option::is_some) {
        let mut combined = vec![0u64; rows];
        let mut cardinality: u64 = 1;
        let mut fits = true;
        for (ids, distinct) in ids.iter().flatten() {
            for (key, id) in combined.iter_mut().zip(ids) {
                *key = *key * (*distinct as u64) + u64::from(*id);
            }
            match cardinality.checked_mul((*distinct as u64).max(1)) {
                Some(product) => cardinality = product,
                None => fits = false,
            }
        }
        if fits {
            return group_by_number(&combined, cardinality);
        }
    }
    match columns {
        [Column::String(strings)] => return group_by_key(rows, strings.iter()),
        [Column::Long(values) | Column::DateTime(values) | Column::TimeSpan(values)] => {
            return group_by_key(rows, (0..rows).map(|row| values.get(row)));
        }
        _ => {}
    }
    let mut map: FastMap<Box<[u8]>, u32> = FastMap::default();
    let mut groups = Groups { group_of_row: Vec::with_capacity(rows), first_rows: Vec::new() };
    let mut key = Vec::new();
    for row in 0..rows {
        key.clear();
        for (column, ids) in columns.iter().zip(&ids) {
            match ids {
                Some((ids, _)) => key.extend_from_slice(&ids[row].to_le_bytes()),
                None => encode_key(column, row, &mut key),
            }
        }
        let group = match map.get(key.as_slice()) {
            Some(group) => *group,
            None => {
                let group = groups.first_rows.len() as u32;
                groups.first_rows.push(row);
                map.insert(key.clone().into_boxed_slice(), group);
                group
            }
        };
        groups.group_of_row.push(group);
    }
    groups
}

/// For a dictionary-encoded column: an id per row, equal exactly when the
/// values are (distinct dictionary entries can hold equal values), and the
/// number of ids.
pub fn value_ids(column: &Column) -> Option<(Vec<u32>, usize)> {
    let (codes, distinct) = column.dictionary()?;
    if distinct.len() > codes.len() {
        return None;
    }
    let entries = group_rows(&[&distinct], distinct.len());
    let ids = codes.iter().map(|&code| entries.group_of_row[code as usize]).collect();
    Some((ids, entries.len()))
}

/// Groups rows by a number below `cardinality`, in order of first appearance.
fn group_by_number(keys: &[u64], cardinality: u64) -> Groups {
    if cardinality > (keys.len() as u64).max(1 << 16) * 4 {
        return group_by_key(keys.len(), keys.iter().copied());
    }
    // Few possible keys: a direct table from key to group.
    let mut groups = Groups { group_of_row: Vec::with_capacity(keys.len()), first_rows: Vec::new() };
    let mut group_of_key = vec![u32::MAX; cardinality as usize];
    for (row, key) in keys.iter().enumerate() {
        let slot = &mut group_of_key[*key as usize];
        if *slot == u32::MAX {
            *slot = groups.first_rows.len() as u32;
            groups.first_rows.push(row);
        }
        groups.group_of_row.push(*slot);
    }
    groups
}

/// Groups rows by a hashable key, numbering groups in order of first appearance.
fn group_by_key<K: std::hash::Hash + Eq>(rows: usize, keys: impl Iterator<Item = K>) -> Groups {
    let mut map: FastMap<K, u32> = FastMap::default();
    let mut groups = Groups { group_of_row: Vec::with_capacity(rows), first_rows: Vec::new() };
    for (row, key) in keys.enumerate() {
        let next = groups.first_rows.len() as u32;
        let group = *map.entry(key).or_insert_with(|| {
            groups.first_rows.push(row);
            next
        });
        groups.group_of_row.push(group);
    }
    groups
}

/// Appends a byte encoding of `column[row]` that is equal exactly when the values are.
pub fn encode_key(column: &Column, row: usize, out: &mut Vec<u8>) {
    if column.is_null(row) {
        out.push(0);
        return;
    }
    out.push(1);
    match column {
        Column::Bool(p) => out.push(p.values[row] as u8),
        // Widened to 8 bytes so that an `int` key matches the same `long` value (join keys).
        Column::Int(p) => out.extend_from_slice(&(p.values[row] as i64).to_le_bytes()),
        Column::Long(p) | Column::DateTime(p) | Column::TimeSpan(p) => {
            out.extend_from_slice(&p.values[row].to_le_bytes())
        }
        Column::Real(p) => {
            let value = p.values[row];
            // -0.0 equals 0.0, and every NaN is one key.
            let bits = if value == 0.0 {
                0
            } else if value.is_nan() {
                u64::MAX
            } else {
                value.to_bits()
            };
            out.extend_from_slice(&bits.to_le_bytes());
        }
        Column::Decimal(p) => out.extend_from_slice(p.values[row].normalize().to_string().as_bytes()),
        Column::Guid(p) => out.extend_from_slice(&p.values[row].to_le_bytes()),
        Column::String(s) => {
            let text = s.get(row);
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        Column::Dynamic(d) => {
            let text = d[row].to_json();
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}
