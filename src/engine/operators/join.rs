//! `join kind=... (right) on keys`: Kusto's join kinds, including the default
//! `innerunique` (the left side is first deduplicated on the join key).

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::encode_key;
use crate::engine::operators::{param_text, push_unique};
use crate::engine::scope::Env;
use crate::engine::table::{Field, Table};
use crate::engine::value::Value;
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind};

/// The join kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    InnerUnique,
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    RightSemi,
    RightAnti,
}

impl JoinKind {
    /// Parses `kind=...` (absent means `innerunique`).
    pub fn parse(text: Option<&str>) -> ExecResult<JoinKind> {
        Ok(match text.map(str::to_ascii_lowercase).as_deref() {
            None | Some("innerunique") => JoinKind::InnerUnique,
            Some("inner") => JoinKind::Inner,
            Some("leftouter") => JoinKind::LeftOuter,
            Some("rightouter") => JoinKind::RightOuter,
            Some("fullouter" | "outer") => JoinKind::FullOuter,
            Some("leftsemi") => JoinKind::LeftSemi,
            Some("leftanti" | "anti" | "leftantisemi") => JoinKind::LeftAnti,
            Some("rightsemi") => JoinKind::RightSemi,
            Some("rightanti" | "rightantisemi") => JoinKind::RightAnti,
            Some(other) => return Err(ExecError::runtime(format!("unknown join kind `{other}`"))),
        })
    }
}

/// The key column pairs of `on ...`.
pub fn join_keys(on: &[Expr]) -> ExecResult<Vec<(String, String)>> {
    let mut keys = Vec::new();
    for expr in on {
        collect_keys(expr, &mut keys)?;
    }
    Ok(keys)
}

fn collect_keys(expr: &Expr, keys: &mut Vec<(String, String)>) -> ExecResult<()> {
    match &expr.kind {
        ExprKind::Name(ident) => keys.push((ident.name.clone(), ident.name.clone())),
        ExprKind::Paren(inner) => collect_keys(inner, keys)?,
        ExprKind::Binary { op: BinaryOp::And, left, right } => {
            collect_keys(left, keys)?;
            collect_keys(right, keys)?;
        }
        ExprKind::Binary { op: BinaryOp::Eq, left, right } => {
            let (Some((left_side, left_name)), Some((right_side, right_name))) = (side(left), side(right)) else {
                return Err(not_an_equality().at(expr.span));
            };
            match (left_side.as_str(), right_side.as_str()) {
                ("$left", "$right") => keys.push((left_name, right_name)),
                ("$right", "$left") => keys.push((right_name, left_name)),
                _ => return Err(ExecError::runtime("a join condition compares `$left` with `$right`").at(expr.span)),
            }
        }
        _ => return Err(not_an_equality().at(expr.span)),
    }
    Ok(())
}

/// The documentation allows only equalities in join conditions.
fn not_an_equality() -> ExecError {
    ExecError::runtime("a join condition must be an equality: `Column` or `$left.A == $right.B`, joined by `and`")
        .with_help("filter on other comparisons with `where` after the join")
}

/// `$left.Name` → ("$left", "Name").
fn side(expr: &Expr) -> Option<(String, String)> {
    match &expr.kind {
        ExprKind::Member { target, name } => match &target.kind {
            ExprKind::Name(side) if side.name == "$left" || side.name == "$right" => {
                Some((side.name.clone(), name.name.clone()))
            }
            _ => None,
        },
        ExprKind::Paren(inner) => side(inner),
        _ => None,
    }
}

pub fn run<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    right: &'q Expr,
    on: &[Expr],
    where_: Option<&'q Expr>,
    left: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let kind = JoinKind::parse(param_text(params, "kind").as_deref())?;
    let right = exec.eval_table(right, env)?;
    let mut keys = join_keys(on)?;
    // `join ... where` is not in the documentation; Kusto.Language parses it
    // after `on`. kqlab accepts it only with the same equalities as `on`,
    // whose meaning is unambiguous, and adds them to the keys.
    if let Some(condition) = where_ {
        let extra = join_keys(std::slice::from_ref(condition)).map_err(|_| {
            ExecError::unsupported("`join ... where` with conditions other than `$left.A == $right.B`")
                .at(condition.span)
        })?;
        keys.extend(extra);
    }
    join_tables(exec, kind, left, &right, &keys, false)
}

/// Key columns of one side.
fn key_columns<'t>(
    table: &'t Table,
    names: impl Iterator<Item = &'t String>,
    side: &str,
) -> ExecResult<Vec<&'t Column>> {
    names
        .map(|name| {
            table
                .column(name)
                .map(|c| c.as_ref())
                .ok_or_else(|| ExecError::runtime(format!("the {side} side of the join has no column `{name}`")))
        })
        .collect()
}

/// A comparable key for one row (numbers of different widths compare equal).
fn row_key(columns: &[&Column], row: usize, out: &mut Vec<u8>) -> bool {
    out.clear();
    for column in columns {
        if column.is_null(row) {
            return false;
        }
        encode_key(column, row, out);
    }
    true
}

/// Joins two tables on key column pairs. `lookup` drops the right key columns.
pub fn join_tables(
    exec: &Executor<'_>,
    kind: JoinKind,
    left: &Table,
    right: &Table,
    keys: &[(String, String)],
    drop_right_keys: bool,
) -> ExecResult<Table> {
    let left_keys = key_columns(left, keys.iter().map(|(l, _)| l), "left")?;
    let right_keys = key_columns(right, keys.iter().map(|(_, r)| r), "right")?;
    let mut index: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    let mut key = Vec::new();
    for row in 0..right.rows {
        if row_key(&right_keys, row, &mut key) {
            index.entry(key.clone()).or_default().push(row);
        }
    }
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut right_matched = vec![false; right.rows];
    let mut seen_left: HashMap<Vec<u8>, ()> = HashMap::new();
    for row in 0..left.rows {
        let matches = if row_key(&left_keys, row, &mut key) { index.get(&key) } else { None };
        if kind == JoinKind::InnerUnique {
            if seen_left.contains_key(&key) && matches.is_some() {
                continue;
            }
            if matches.is_some() {
                seen_left.insert(key.clone(), ());
            }
        }
        match (kind, matches) {
            (JoinKind::LeftSemi, Some(_)) => pairs.push((Some(row), None)),
            (JoinKind::LeftAnti, None) => pairs.push((Some(row), None)),
            (JoinKind::LeftSemi | JoinKind::LeftAnti, _) => {}
            (_, Some(rows)) => {
                // Checked before growing, so a runaway join stops before it allocates.
                exec.check_rows(pairs.len() + rows.len())?;
                for &r in rows {
                    right_matched[r] = true;
                    if matches!(
                        kind,
                        JoinKind::InnerUnique
                            | JoinKind::Inner
                            | JoinKind::LeftOuter
                            | JoinKind::RightOuter
                            | JoinKind::FullOuter
                    ) {
                        pairs.push((Some(row), Some(r)));
                    }
                }
            }
            (JoinKind::LeftOuter | JoinKind::FullOuter, None) => pairs.push((Some(row), None)),
            _ => {}
        }
        if row % 4_096 == 0 {
            exec.check_cancelled()?;
        }
    }
    match kind {
        JoinKind::RightOuter | JoinKind::FullOuter => {
            for (row, matched) in right_matched.iter().enumerate() {
                if !matched {
                    pairs.push((None, Some(row)));
                }
            }
        }
        JoinKind::RightSemi | JoinKind::RightAnti => {
            let want = kind == JoinKind::RightSemi;
            pairs = (0..right.rows).filter(|r| right_matched[*r] == want).map(|r| (None, Some(r))).collect();
        }
        _ => {}
    }
    exec.check_rows(pairs.len())?;
    let (left_side, right_side) = match kind {
        JoinKind::LeftSemi | JoinKind::LeftAnti => (true, false),
        JoinKind::RightSemi | JoinKind::RightAnti => (false, true),
        _ => (true, true),
    };
    let mut fields: Vec<Field> = Vec::new();
    if left_side {
        let rows: Vec<Option<usize>> = pairs.iter().map(|p| p.0).collect();
        for field in &left.fields {
            fields.push(Field { name: field.name.clone(), column: Arc::new(take_optional(&field.column, &rows)) });
        }
    }
    if right_side {
        let rows: Vec<Option<usize>> = pairs.iter().map(|p| p.1).collect();
        for field in &right.fields {
            if drop_right_keys && keys.iter().any(|(_, r)| *r == field.name) {
                continue;
            }
            push_unique(
                &mut fields,
                Field { name: field.name.clone(), column: Arc::new(take_optional(&field.column, &rows)) },
            );
        }
    }
    Ok(Table::from_fields(fields, pairs.len()))
}

/// Rows at `rows`, with nulls where the index is `None`.
pub fn take_optional(column: &Column, rows: &[Option<usize>]) -> Column {
    if rows.iter().all(Option::is_some) {
        let indexes: Vec<usize> = rows.iter().map(|r| r.unwrap_or(0)).collect();
        return column.take(&indexes);
    }
    let mut builder = ColumnBuilder::new(column.ty(), rows.len());
    for row in rows {
        builder.push(&row.map_or(Value::Null, |r| column.get(r)));
    }
    builder.finish()
}
