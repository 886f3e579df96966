//! Rendering result tables: the Log Analytics query API's JSON shape, CSV,
//! and an aligned text table for people.

use serde_json::{Value as Json, json};

use crate::engine::table::Table;
use crate::engine::time;
use crate::engine::value::{Value, format_real};
use crate::syntax::ast::ScalarType;

/// One cell the way the Log Analytics query API encodes it.
pub fn api_value(value: &Value, ty: ScalarType) -> Json {
    if value.is_null() && ty != ScalarType::String {
        return Json::Null;
    }
    match value {
        Value::Null => Json::String(String::new()),
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Long(i) => json!(i),
        Value::Real(r) if r.is_finite() => json!(r),
        Value::Real(r) => Json::String(format_real(*r)),
        Value::DateTime(t) => Json::String(time::format_datetime_api(*t)),
        Value::Dynamic(d) => Json::String(d.to_json()),
        other => Json::String(other.to_kql_string()),
    }
}

/// Tables as `{"tables":[{"name","columns":[{"name","type"}],"rows":[[...]]}]}`.
/// The first table is `PrimaryResult`; later ones are `Table_1`, `Table_2`, ...
pub fn api_json(tables: &[&Table]) -> Json {
    let named: Vec<(Option<&str>, &Table)> = tables.iter().map(|table| (None, *table)).collect();
    api_json_named(&named)
}

/// Like [`api_json`], with names for some tables (`fork` legs); an unnamed
/// table is named by its position.
pub fn api_json_named(tables: &[(Option<&str>, &Table)]) -> Json {
    let rendered: Vec<Json> =
        tables.iter().enumerate().map(|(index, (name, table))| table_json(&table_name(*name, index), table)).collect();
    json!({ "tables": rendered })
}

/// A result table's name: its own, else `PrimaryResult` for the first and
/// `Table_N` for the others.
pub fn table_name(name: Option<&str>, index: usize) -> String {
    match name {
        Some(name) => name.to_string(),
        None if index == 0 => "PrimaryResult".to_string(),
        None => format!("Table_{index}"),
    }
}

/// One table in the API's shape.
pub fn table_json(name: &str, table: &Table) -> Json {
    let columns: Vec<Json> =
        table.fields.iter().map(|f| json!({"name": f.name, "type": f.column.ty().name()})).collect();
    let rows: Vec<Json> = (0..table.rows)
        .map(|row| Json::Array(table.fields.iter().map(|f| api_value(&f.column.get(row), f.column.ty())).collect()))
        .collect();
    json!({ "name": name, "columns": columns, "rows": rows })
}

/// A cell as text (Kusto's rendering: ISO datetimes with 7 digits, dynamic
/// values as JSON except bare strings).
pub fn cell_text(value: &Value) -> String {
    match value {
        Value::Dynamic(d) => d.to_kql_string(),
        other => other.to_kql_string(),
    }
}

/// The table as CSV with a header row.
pub fn csv(table: &Table) -> String {
    let mut out = String::new();
    let quote = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    out.push_str(&table.fields.iter().map(|f| quote(&f.name)).collect::<Vec<_>>().join(","));
    out.push('\n');
    for row in 0..table.rows {
        let cells: Vec<String> = table.fields.iter().map(|f| quote(&cell_text(&f.column.get(row)))).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// The table as aligned text, at most `max_rows` rows, with a row count.
pub fn text(table: &Table, max_rows: usize) -> String {
    let shown = table.rows.min(max_rows);
    let header: Vec<String> = table.fields.iter().map(|f| f.name.clone()).collect();
    let rows: Vec<Vec<String>> = (0..shown)
        .map(|row| table.fields.iter().map(|f| cell_text(&f.column.get(row)).replace('\n', "\\n")).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count().min(60));
        }
    }
    let line = |cells: &[String]| -> String {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                let cell: String = if cell.chars().count() > 60 {
                    cell.chars().take(59).chain(['…']).collect()
                } else {
                    cell.clone()
                };
                format!("{cell:<width$}")
            })
            .collect();
        padded.join(" | ").trim_end().to_string()
    };
    let mut out = String::new();
    out.push_str(&line(&header));
    out.push('\n');
    out.push_str(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("-+-"));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    let plural = if table.rows == 1 { "" } else { "s" };
    if shown < table.rows {
        out.push_str(&format!("({} row{plural}, first {shown} shown)\n", table.rows));
    } else {
        out.push_str(&format!("({} row{plural})\n", table.rows));
    }
    out
}
