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

/// Groups `rows` rows by the values of `columns` (all nulls of a type are one key).
pub fn group_rows(columns: &[&Column], rows: usize) -> Groups {
    if columns.is_empty() {
        return Groups { group_of_row: vec![0; rows], first_rows: if rows > 0 { vec![0] } else { Vec::new() } };
    }
    if let [Column::String(strings)] = columns {
        let mut map: HashMap<&str, u32> = HashMap::new();
        let mut groups = Groups { group_of_row: Vec::with_capacity(rows), first_rows: Vec::new() };
        for (row, text) in strings.iter().enumerate() {
            let next = groups.first_rows.len() as u32;
            let group = *map.entry(text).or_insert_with(|| {
                groups.first_rows.push(row);
                next
            });
            groups.group_of_row.push(group);
        }
        return groups;
    }
    let mut map: HashMap<Box<[u8]>, u32> = HashMap::new();
    let mut groups = Groups { group_of_row: Vec::with_capacity(rows), first_rows: Vec::new() };
    let mut key = Vec::new();
    for row in 0..rows {
        key.clear();
        for column in columns {
            encode_key(column, row, &mut key);
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
