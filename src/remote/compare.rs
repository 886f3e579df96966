//! `kqlab verify --compare`: the local and the remote result side by side.
//!
//! Both tables go through the query API's JSON encoding (the remote one
//! came that way; the local one is written that way), so a difference is a
//! difference in values, not in how they were carried. Rows are compared as
//! a sorted list: KQL does not promise an order without `sort`.

use crate::engine::output::{cell_text, table_json};
use crate::engine::table::Table;

/// The diff of the two results (`-` local, `+` remote), or `None` when they agree.
pub fn compare_tables(local: &Table, remote: &Table) -> Option<String> {
    let local = canonical(local);
    let remote = canonical(remote);
    if local == remote {
        return None;
    }
    let mut out = String::from("--- local\n+++ remote\n");
    out.push_str(&crate::ruleset::expect::unified_body(&local, &remote));
    Some(out.trim_end().to_string())
}

/// A header line of `name:type` columns, then one line per row, sorted.
pub fn canonical(table: &Table) -> String {
    let table = round_trip(table);
    let header: Vec<String> =
        table.fields.iter().map(|field| format!("{}:{}", field.name, field.column.ty().name())).collect();
    let mut rows: Vec<String> = (0..table.rows)
        .map(|row| {
            let cells: Vec<String> = table.fields.iter().map(|field| cell_text(&field.column.get(row))).collect();
            cells.join(" | ")
        })
        .collect();
    rows.sort();
    let mut out = header.join(" | ");
    out.push('\n');
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// The table after the query API's JSON encoding and back.
fn round_trip(table: &Table) -> Table {
    let text = serde_json::json!({ "tables": [table_json("PrimaryResult", table)] }).to_string();
    match crate::import::json::import_json("<result>", &text, None) {
        Ok(imported) => imported.table,
        Err(_) => table.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::column::Column;
    use crate::engine::value::Value;
    use crate::syntax::ast::ScalarType;

    fn table(values: &[i64]) -> Table {
        let values: Vec<Value> = values.iter().map(|v| Value::Long(*v)).collect();
        Table::new(vec![("n".to_string(), Column::from_values(ScalarType::Long, values.iter()))])
    }

    #[test]
    fn the_same_rows_in_another_order_agree() {
        assert_eq!(compare_tables(&table(&[1, 2]), &table(&[2, 1])), None);
    }

    #[test]
    fn different_rows_show_as_a_diff() {
        let diff = compare_tables(&table(&[1, 2]), &table(&[1, 3])).unwrap();
        assert_eq!(diff, "--- local\n+++ remote\n  n:long\n  1\n- 2\n+ 3");
    }
}
