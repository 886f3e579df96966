//! `find [withsource=Name] [in (T1, T2, ...)] [where] predicate
//! [project-smart | project Col[:type], ..., pack_all()]`: matching rows
//! of several tables, reshaped to one schema.
//!
//! The predicate uses `search`'s syntax (bare terms search every column).
//! Tables without any column the predicate names are left out (unless it
//! searches every column or only one table is listed); a column a table
//! lacks is null there. The output starts with `source_` (or the
//! `withsource` name), then:
//! - `project-smart` (the default): the columns all searched tables share,
//!   then the columns the predicate names, then `pack_`, a property bag of
//!   each row's other columns (null and empty values left out). A column
//!   with several types becomes `Name_type` columns, as in `union`.
//! - `project a, b:type, pack_all()`: the listed columns (null where a
//!   table lacks one, converted to the declared type), and with `pack_all()`
//!   `pack_` with the unlisted columns, as in the documentation's examples.
//!
//! Without `in (...)`, `find` looks in every loaded table (see `search`).

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder, concat};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::conversion::convert;
use crate::engine::operators::param_text;
use crate::engine::operators::search::{filter_tables, referenced_columns, searched_tables};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::{Dyn, Value};
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{Expr, ExprKind, ScalarType};

/// The bag of unprojected columns.
const PACK_COLUMN: &str = "pack_";

/// One output column: its name, the source column it reads, its type, and
/// whether values of other types are converted (a declared `Col:type`).
struct OutputColumn {
    name: String,
    source: String,
    ty: ScalarType,
    convert: bool,
}

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    tables: Option<&'q [Expr]>,
    predicate: &'q Expr,
    project: &'q [Expr],
    project_smart: bool,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let source_name = param_text(params, "withsource").unwrap_or_else(|| "source_".to_string());
    let inputs = searched_tables(exec, tables, env)?;
    let found = filter_tables(exec, &inputs, predicate, env, false)?;
    let (columns, pack) = if project.is_empty() || project_smart {
        smart_columns(&found, predicate, env)
    } else {
        listed_columns(&found, project)?
    };
    let total: usize = found.iter().map(|(_, t)| t.rows).sum();
    exec.check_rows(total)?;
    let mut source = ColumnBuilder::new(ScalarType::String, total);
    for (name, table) in &found {
        for _ in 0..table.rows {
            source.push_str(name);
        }
    }
    let mut fields = vec![Field { name: source_name, column: Arc::new(source.finish()) }];
    for output in &columns {
        let mut parts = Vec::with_capacity(found.len());
        for (_, table) in &found {
            parts.push(match table.column(&output.source) {
                Some(column) if column.ty() == output.ty => (**column).clone(),
                Some(column) if output.convert => Column::from_values(
                    output.ty,
                    &(0..table.rows).map(|row| convert(&column.get(row), output.ty)).collect::<Vec<_>>(),
                ),
                _ => Column::nulls(output.ty, table.rows),
            });
        }
        let refs: Vec<&Column> = parts.iter().collect();
        fields.push(Field { name: output.name.clone(), column: Arc::new(concat(output.ty, &refs)) });
    }
    if pack {
        let shown: Vec<&str> = columns.iter().map(|c| c.source.as_str()).collect();
        let mut bags = ColumnBuilder::new(ScalarType::Dynamic, total);
        for (_, table) in &found {
            let rest: Vec<&Field> = table.fields.iter().filter(|f| !shown.contains(&f.name.as_str())).collect();
            for row in 0..table.rows {
                let entries: Vec<(Arc<str>, Dyn)> = rest
                    .iter()
                    .filter_map(|field| {
                        let value = field.column.get(row);
                        let empty = value.is_null() || matches!(&value, Value::String(s) if s.is_empty());
                        (!empty).then(|| (Arc::from(field.name.as_str()), value.to_dyn()))
                    })
                    .collect();
                bags.push(&Value::Dynamic(Dyn::bag(entries)));
            }
        }
        fields.push(Field { name: PACK_COLUMN.to_string(), column: Arc::new(bags.finish()) });
    }
    Ok(Table::from_fields(fields, total))
}

/// `project-smart`: shared columns, then the predicate's columns; `pack_`
/// when some table has more.
fn smart_columns(found: &[(String, Arc<Table>)], predicate: &Expr, env: &Env<'_>) -> (Vec<OutputColumn>, bool) {
    let mut names: Vec<String> = match found.first() {
        Some((_, first)) => first
            .fields
            .iter()
            .filter(|f| found.iter().all(|(_, t)| t.index_of(&f.name).is_some()))
            .map(|f| f.name.clone())
            .collect(),
        None => Vec::new(),
    };
    let mut referenced = Vec::new();
    referenced_columns(predicate, env, &mut referenced);
    for name in referenced {
        if !names.contains(&name) && found.iter().any(|(_, t)| t.index_of(&name).is_some()) {
            names.push(name);
        }
    }
    let mut columns = Vec::new();
    for name in &names {
        let mut types: Vec<ScalarType> = Vec::new();
        for (_, table) in found {
            if let Some(column) = table.column(name)
                && !types.contains(&column.ty())
            {
                types.push(column.ty());
            }
        }
        for ty in &types {
            let output = if types.len() > 1 { format!("{name}_{}", ty.name()) } else { name.clone() };
            columns.push(OutputColumn { name: output, source: name.clone(), ty: *ty, convert: false });
        }
    }
    let pack = found.iter().any(|(_, t)| t.fields.iter().any(|f| !names.contains(&f.name)));
    (columns, pack)
}

/// `project a, b:type, pack_all()`.
fn listed_columns(found: &[(String, Arc<Table>)], project: &[Expr]) -> ExecResult<(Vec<OutputColumn>, bool)> {
    let mut columns = Vec::new();
    let mut pack = false;
    for expr in project {
        match &expr.kind {
            ExprKind::TypeOf { columns: declared, .. } => {
                for column in declared {
                    let ty = column.ty.ty.unwrap_or(ScalarType::Dynamic);
                    let name = column.name.name.clone();
                    columns.push(OutputColumn { name: name.clone(), source: name, ty, convert: true });
                }
            }
            ExprKind::Call { target: None, name, .. } if name.name == "pack_all" => pack = true,
            ExprKind::Name(ident) => {
                let mut types: Vec<ScalarType> = Vec::new();
                for (_, table) in found {
                    if let Some(column) = table.column(&ident.name)
                        && !types.contains(&column.ty())
                    {
                        types.push(column.ty());
                    }
                }
                if types.len() > 1 {
                    return Err(ExecError::runtime(format!(
                        "column `{}` has several types in the searched tables",
                        ident.name
                    ))
                    .with_help(format!("give it a type: `project {}:string`", ident.name))
                    .at(expr.span));
                }
                let ty = types.first().copied().unwrap_or(ScalarType::String);
                columns.push(OutputColumn { name: ident.name.clone(), source: ident.name.clone(), ty, convert: false });
            }
            _ => {
                return Err(ExecError::runtime("`find ... project` takes column names, `Name:type` and `pack_all()`")
                    .at(expr.span));
            }
        }
    }
    Ok((columns, pack))
}
