//! `join kind=... (right) on keys`: Kusto's join kinds, including the default
//! `innerunique` (the left side is first deduplicated on the join key).

use std::sync::Arc;

use crate::engine::column::{Column, ColumnBuilder, Strings};
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::keys::{FastMap, encode_key};
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
    let (left_ids, right_ids, distinct) = key_ids(&left_keys, &right_keys, left.rows, right.rows);
    // The right rows of each key, in order: `first_right[key]`, then `next_right[row]`.
    let mut first_right = vec![NO_ROW; distinct];
    let mut next_right = vec![NO_ROW; right.rows];
    for row in (0..right.rows).rev() {
        let id = right_ids[row];
        if id != NULL_KEY {
            next_right[row] = first_right[id as usize];
            first_right[id as usize] = row as u32;
        }
    }
    let matches_of = |id: u32| -> Option<u32> {
        if id == NULL_KEY {
            return None;
        }
        Some(first_right[id as usize]).filter(|first| *first != NO_ROW)
    };
    // The output rows as (left row, right row) pairs; `MISSING` on the side without a row.
    let mut left_rows: Vec<usize> = Vec::new();
    let mut right_rows: Vec<usize> = Vec::new();
    let tracks_right =
        matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter | JoinKind::RightSemi | JoinKind::RightAnti);
    let keeps_pairs = matches!(
        kind,
        JoinKind::InnerUnique | JoinKind::Inner | JoinKind::LeftOuter | JoinKind::RightOuter | JoinKind::FullOuter
    );
    let mut right_matched = vec![false; if tracks_right { right.rows } else { 0 }];
    let mut seen_left = vec![false; if kind == JoinKind::InnerUnique { distinct } else { 0 }];
    for (row, &id) in left_ids.iter().enumerate() {
        let matches = matches_of(id);
        if kind == JoinKind::InnerUnique && matches.is_some() {
            if seen_left[id as usize] {
                continue;
            }
            seen_left[id as usize] = true;
        }
        match (kind, matches) {
            (JoinKind::LeftSemi, Some(_)) | (JoinKind::LeftAnti, None) => left_rows.push(row),
            (JoinKind::LeftSemi | JoinKind::LeftAnti, _) => {}
            (_, Some(first)) => {
                let mut r = first;
                while r != NO_ROW {
                    if tracks_right {
                        right_matched[r as usize] = true;
                    }
                    if keeps_pairs {
                        // Checked as it grows, so a runaway join stops before it allocates.
                        if left_rows.len() == exec.options.max_rows {
                            exec.check_rows(left_rows.len() + 1)?;
                        }
                        left_rows.push(row);
                        right_rows.push(r as usize);
                    }
                    r = next_right[r as usize];
                }
            }
            (JoinKind::LeftOuter | JoinKind::FullOuter, None) => {
                left_rows.push(row);
                right_rows.push(MISSING);
            }
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
                    left_rows.push(MISSING);
                    right_rows.push(row);
                }
            }
        }
        JoinKind::RightSemi | JoinKind::RightAnti => {
            let want = kind == JoinKind::RightSemi;
            right_rows = (0..right.rows).filter(|r| right_matched[*r] == want).collect();
        }
        _ => {}
    }
    let (left_side, right_side) = match kind {
        JoinKind::LeftSemi | JoinKind::LeftAnti => (true, false),
        JoinKind::RightSemi | JoinKind::RightAnti => (false, true),
        _ => (true, true),
    };
    let rows = if left_side { left_rows.len() } else { right_rows.len() };
    exec.check_rows(rows)?;
    let mut fields: Vec<Field> = Vec::new();
    if left_side {
        let missing = left_rows.contains(&MISSING);
        for field in &left.fields {
            let column = take_rows(&field.column, &left_rows, missing);
            fields.push(Field { name: field.name.clone(), column: Arc::new(column) });
        }
    }
    if right_side {
        let missing = right_rows.contains(&MISSING);
        for field in &right.fields {
            if drop_right_keys && keys.iter().any(|(_, r)| *r == field.name) {
                continue;
            }
            let column = take_rows(&field.column, &right_rows, missing);
            push_unique(&mut fields, Field { name: field.name.clone(), column: Arc::new(column) });
        }
    }
    Ok(Table::from_fields(fields, rows))
}

/// The row index standing for "no row" (a null row of an outer join).
const MISSING: usize = usize::MAX;

/// Rows at `rows`, with nulls where the index is [`MISSING`].
fn take_rows(column: &Column, rows: &[usize], any_missing: bool) -> Column {
    if !any_missing {
        return column.take(rows);
    }
    let mut builder = ColumnBuilder::new(column.ty(), rows.len());
    for &row in rows {
        builder.push(&if row == MISSING { Value::Null } else { column.get(row) });
    }
    builder.finish()
}

/// No row (end of a chain of right rows).
const NO_ROW: u32 = u32::MAX;
/// The id of a key with a null part: it matches nothing.
const NULL_KEY: u32 = u32::MAX;

/// Numbers the join keys of both sides: two rows get the same id exactly
/// when their keys are equal (numbers of different widths compare equal);
/// a key with a null part gets [`NULL_KEY`]. Returns the ids of the left
/// and right rows and how many ids there are.
fn key_ids(left: &[&Column], right: &[&Column], left_rows: usize, right_rows: usize) -> (Vec<u32>, Vec<u32>, usize) {
    if let ([left_column], [right_column]) = (left, right)
        && let Some(ids) = string_key_ids(left_column, right_column)
    {
        return ids;
    }
    let mut interner: FastMap<Vec<u8>, u32> = FastMap::default();
    let mut key = Vec::new();
    let mut ids_of = |columns: &[&Column], rows: usize| -> Vec<u32> {
        (0..rows)
            .map(|row| {
                key.clear();
                for column in columns {
                    if column.is_null(row) {
                        return NULL_KEY;
                    }
                    encode_key(column, row, &mut key);
                }
                let next = interner.len() as u32;
                match interner.get(&key) {
                    Some(id) => *id,
                    None => {
                        interner.insert(key.clone(), next);
                        next
                    }
                }
            })
            .collect()
    };
    let left_ids = ids_of(left, left_rows);
    let right_ids = ids_of(right, right_rows);
    (left_ids, right_ids, interner.len())
}

/// [`key_ids`] for one string key on each side, per distinct value when the
/// columns are dictionary-encoded. `None` for other types.
fn string_key_ids<'a>(left: &'a Column, right: &'a Column) -> Option<(Vec<u32>, Vec<u32>, usize)> {
    let (Column::String(left), Column::String(right)) = (left, right) else { return None };
    let mut interner: FastMap<&'a str, u32> = FastMap::default();
    let mut intern = |text: &'a str| {
        let next = interner.len() as u32;
        *interner.entry(text).or_insert(next)
    };
    let mut ids_of = |strings: &'a Strings| -> Vec<u32> {
        match (strings.codes(), strings.dictionary_len()) {
            (Some(codes), Some(distinct)) if distinct <= codes.len() => {
                let entry_ids: Vec<u32> = (0..distinct).map(|entry| intern(strings.dictionary_entry(entry))).collect();
                codes.iter().map(|&code| entry_ids[code as usize]).collect()
            }
            _ => strings.iter().map(&mut intern).collect(),
        }
    };
    let left_ids = ids_of(left);
    let right_ids = ids_of(right);
    Some((left_ids, right_ids, interner.len()))
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
