//! `[T |] search [kind=case_sensitive] [in (T1, T2, A*)] predicate`: rows
//! where a term occurs, with the search predicate syntax: a bare `"term"`
//! is `* has "term"` (`"*term"` hassuffix, `"term*"` hasprefix, `"*term*"`
//! contains, `"a*b"` the regex `\ba.*b\b`, `*` every row), `Col:"term"`
//! restricts a term to one column, and `* has "x"`-style comparisons test
//! every column. Other conditions are ordinary predicates.
//!
//! Without a piped input or `in (...)`, `search` (and `find`) look in every
//! table loaded with `--table`; the empty tables of `--empty-tables` are not
//! searched (they have no rows, and 1,251 known schemas would bury the
//! result in columns). The output starts with `$table`, the table each row
//! comes from, followed by the columns of the tables that have matches (all
//! searched tables when none has). `T | search` keeps `T`'s columns, as the
//! analyzer (Kusto.Language) types it. "All columns" means every column,
//! compared as its text (numbers, datetimes and dynamic values as JSON).

use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::error::{ExecError, ExecResult};
use crate::engine::exec::Executor;
use crate::engine::functions::operators::binary;
use crate::engine::functions::text_match::{Match, matches};
use crate::engine::operators::param_text;
use crate::engine::operators::union::{resolve_tables, union_tables};
use crate::engine::output::cell_text;
use crate::engine::scope::{Env, lookup};
use crate::engine::table::{Field, Table};
use crate::syntax::ast::operators::NamedParameter;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, ScalarType};

/// The name of the column that says where a `search` row comes from.
pub const TABLE_COLUMN: &str = "$table";

/// `T | search predicate`: the rows of `T` the predicate accepts.
pub fn run_piped<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    predicate: &'q Expr,
    input: &Table,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let case_sensitive = case_sensitivity(params)?;
    let mask = search_mask(exec, predicate, input, env, case_sensitive)?;
    Ok(input.filter(&mask))
}

/// `search [in (...)] predicate`: matching rows of several tables, with `$table`.
pub fn run_source<'q>(
    exec: &Executor<'q>,
    params: &[NamedParameter],
    tables: Option<&'q [Expr]>,
    predicate: &'q Expr,
    env: &Env<'q>,
) -> ExecResult<Table> {
    let case_sensitive = case_sensitivity(params)?;
    let inputs = searched_tables(exec, tables, env)?;
    let filtered = filter_tables(exec, &inputs, predicate, env, case_sensitive)?;
    let with_rows: Vec<(String, Arc<Table>)> = filtered.iter().filter(|(_, t)| t.rows > 0).cloned().collect();
    let shown = if with_rows.is_empty() { &filtered } else { &with_rows };
    union_tables(exec, shown, false, Some(TABLE_COLUMN))
}

/// `kind=case_sensitive` (true) or `default`/`case_insensitive` (false).
fn case_sensitivity(params: &[NamedParameter]) -> ExecResult<bool> {
    match param_text(params, "kind").map(|k| k.to_ascii_lowercase()).as_deref() {
        None | Some("default" | "case_insensitive") => Ok(false),
        Some("case_sensitive") => Ok(true),
        Some(other) => Err(ExecError::runtime(format!("unknown `search` kind `{other}`"))
            .with_help("use `default`, `case_insensitive` or `case_sensitive`")),
    }
}

/// The tables `search`/`find` look in: the `in (...)` list, else every loaded table (by name).
pub fn searched_tables<'q>(
    exec: &Executor<'q>,
    tables: Option<&'q [Expr]>,
    env: &Env<'q>,
) -> ExecResult<Vec<(String, Arc<Table>)>> {
    let mut inputs = Vec::new();
    match tables {
        Some(list) => resolve_tables(exec, list, env, false, &mut inputs)?,
        None => {
            let mut names: Vec<&str> = exec.database.names().collect();
            names.sort_unstable();
            for name in names {
                inputs.push((name.to_string(), exec.table_by_name(name, env)?));
            }
        }
    }
    Ok(inputs)
}

/// Each table's rows the predicate accepts. Tables without any column the
/// predicate names are left out (unless it searches every column); a column
/// a table lacks reads as null there (`A == 1 or B == 2` over tables with
/// only `A` or only `B`).
pub fn filter_tables<'q>(
    exec: &Executor<'q>,
    inputs: &[(String, Arc<Table>)],
    predicate: &'q Expr,
    env: &Env<'q>,
    case_sensitive: bool,
) -> ExecResult<Vec<(String, Arc<Table>)>> {
    let mut referenced = Vec::new();
    referenced_columns(predicate, env, &mut referenced);
    let every_column = searches_every_column(predicate);
    let mut out = Vec::new();
    for (name, table) in inputs {
        if !every_column
            && inputs.len() > 1
            && !referenced.is_empty()
            && !referenced.iter().any(|column| table.index_of(column).is_some())
        {
            continue;
        }
        let mut extended = (**table).clone();
        for column in &referenced {
            if extended.index_of(column).is_none() {
                let ty = inputs
                    .iter()
                    .find_map(|(_, other)| other.column(column).map(|c| c.ty()))
                    .unwrap_or(ScalarType::String);
                extended.fields.push(Field { name: column.clone(), column: Arc::new(Column::nulls(ty, table.rows)) });
            }
        }
        let mask = search_mask(exec, predicate, &extended, env, case_sensitive)?;
        out.push((name.clone(), Arc::new(table.filter(&mask))));
    }
    Ok(out)
}

/// Evaluates a search predicate over `table`: true rows.
pub fn search_mask<'q>(
    exec: &Executor<'q>,
    predicate: &'q Expr,
    table: &Table,
    env: &Env<'q>,
    case_sensitive: bool,
) -> ExecResult<Vec<bool>> {
    if !has_search_syntax(predicate) {
        return exec.eval_mask(predicate, table, env);
    }
    let mask = |expr: &'q Expr| search_mask(exec, expr, table, env, case_sensitive);
    match &predicate.kind {
        ExprKind::Paren(inner) => mask(inner),
        ExprKind::Binary { op: op @ (BinaryOp::And | BinaryOp::Or), left, right } => {
            let (left, right) = (mask(left)?, mask(right)?);
            let both = left.iter().zip(&right);
            Ok(if *op == BinaryOp::And {
                both.map(|(a, b)| *a && *b).collect()
            } else {
                both.map(|(a, b)| *a || *b).collect()
            })
        }
        ExprKind::Call { target: None, name, args } if name.name == "not" && args.len() == 1 => {
            Ok(mask(&args[0])?.into_iter().map(|keep| !keep).collect())
        }
        ExprKind::Star => Ok(vec![true; table.rows]),
        ExprKind::Literal(Literal::String(term)) => {
            let matcher = TermMatcher::new(term, case_sensitive)?;
            let columns: Vec<&Column> = table.fields.iter().map(|f| f.column.as_ref()).collect();
            Ok(matcher.mask(&columns, table.rows))
        }
        ExprKind::SearchField { column, term } => {
            let ExprKind::Literal(Literal::String(text)) = &term.kind else {
                return Err(ExecError::runtime("a `Column:term` search needs a string term").at(term.span));
            };
            let Some(found) = table.column(&column.name) else {
                return Ok(vec![false; table.rows]);
            };
            Ok(TermMatcher::new(text, case_sensitive)?.mask(&[found.as_ref()], table.rows))
        }
        ExprKind::Binary { op, left, right } if matches!(left.kind, ExprKind::Star) => {
            every_column_mask(exec, *op, right, table, env)
        }
        _ => Err(ExecError::unsupported("this search predicate").at(predicate.span)),
    }
}

/// `* op value`: the comparison holds in some column (for a negated
/// operator such as `!has`: in every column).
fn every_column_mask<'q>(
    exec: &Executor<'q>,
    op: BinaryOp,
    right: &'q Expr,
    table: &Table,
    env: &Env<'q>,
) -> ExecResult<Vec<bool>> {
    let value = exec.eval_column(right, table, env)?;
    let regex = match (op, value.as_scalar()) {
        (BinaryOp::MatchesRegex, Some(pattern)) => Some(
            crate::engine::functions::string::compile_regex(&pattern.to_kql_string()).map_err(|e| e.at(right.span))?,
        ),
        (BinaryOp::MatchesRegex, None) => {
            return Err(ExecError::unsupported("a non-constant pattern for `* matches regex`").at(right.span));
        }
        _ => None,
    };
    let negated = op.as_str().starts_with('!');
    let mut result = vec![negated; table.rows];
    let ctx = exec.eval_ctx(table.rows);
    for field in &table.fields {
        // Every column is compared as text, like a search term.
        let text = Datum::Column(text_column(&field.column, table.rows));
        let outcome = binary(op, &text, &value, regex.as_ref(), &ctx)?;
        for (row, slot) in result.iter_mut().enumerate() {
            let hit = matches!(outcome.get(row), crate::engine::value::Value::Bool(true));
            *slot = if negated { *slot && hit } else { *slot || hit };
        }
    }
    Ok(result)
}

/// A column as strings (itself when it is one).
fn text_column(column: &Column, rows: usize) -> Column {
    if let Column::String(_) = column {
        return column.clone();
    }
    let mut builder = crate::engine::column::ColumnBuilder::new(ScalarType::String, rows);
    for row in 0..rows {
        builder.push_str(&cell_text(&column.get(row)));
    }
    builder.finish()
}

/// How a search term matches a value.
enum TermMatcher {
    Everything,
    Text { kind: Match, needle: String, case_sensitive: bool },
    Regex(regex::Regex),
}

impl TermMatcher {
    /// `term` → has, `*term` → hassuffix, `term*` → hasprefix, `*term*` →
    /// contains, `a*b` → the regex `\ba.*b\b`, `*` → everything.
    fn new(term: &str, case_sensitive: bool) -> ExecResult<TermMatcher> {
        let inner = term.trim_matches('*');
        if inner.is_empty() {
            return Ok(TermMatcher::Everything);
        }
        let (leading, trailing) = (term.starts_with('*'), term.ends_with('*'));
        if inner.contains('*') {
            let body: Vec<String> = inner.split('*').map(regex::escape).collect();
            let pattern =
                format!("{}{}{}", if leading { "" } else { r"\b" }, body.join(".*"), if trailing { "" } else { r"\b" });
            let regex = regex::RegexBuilder::new(&pattern)
                .case_insensitive(!case_sensitive)
                .build()
                .map_err(|e| ExecError::runtime(format!("invalid search term `{term}`: {e}")))?;
            return Ok(TermMatcher::Regex(regex));
        }
        let kind = match (leading, trailing) {
            (true, true) => Match::Contains,
            (true, false) => Match::HasSuffix,
            (false, true) => Match::HasPrefix,
            (false, false) => Match::Has,
        };
        Ok(TermMatcher::Text { kind, needle: inner.to_string(), case_sensitive })
    }

    fn matches(&self, text: &str) -> bool {
        match self {
            TermMatcher::Everything => true,
            TermMatcher::Text { kind, needle, case_sensitive } => matches(*kind, text, needle, *case_sensitive),
            TermMatcher::Regex(regex) => regex.is_match(text),
        }
    }

    /// Rows where some of `columns` matches.
    fn mask(&self, columns: &[&Column], rows: usize) -> Vec<bool> {
        if let TermMatcher::Everything = self {
            return vec![true; rows];
        }
        let mut mask = vec![false; rows];
        for column in columns {
            for (row, hit) in mask.iter_mut().enumerate() {
                if *hit {
                    continue;
                }
                *hit = match column {
                    Column::String(strings) => self.matches(strings.get(row)),
                    other if other.is_null(row) => false,
                    other => self.matches(&cell_text(&other.get(row))),
                };
            }
        }
        mask
    }
}

/// True when the predicate uses search syntax (bare terms, `Col:term`, `*`).
pub fn has_search_syntax(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(Literal::String(_)) | ExprKind::Star | ExprKind::SearchField { .. } => true,
        ExprKind::Paren(inner) => has_search_syntax(inner),
        ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, left, right } => {
            has_search_syntax(left) || has_search_syntax(right)
        }
        ExprKind::Binary { left, .. } => matches!(left.kind, ExprKind::Star),
        ExprKind::Call { target: None, name, args } if name.name == "not" => args.iter().any(has_search_syntax),
        _ => false,
    }
}

/// True when the predicate looks at every column (a bare term, `*`, `* has ...`).
pub fn searches_every_column(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Literal(Literal::String(_)) | ExprKind::Star => true,
        ExprKind::Paren(inner) => searches_every_column(inner),
        ExprKind::Binary { op: BinaryOp::And | BinaryOp::Or, left, right } => {
            searches_every_column(left) || searches_every_column(right)
        }
        ExprKind::Binary { left, .. } => matches!(left.kind, ExprKind::Star),
        ExprKind::Call { target: None, name, args } if name.name == "not" => args.iter().any(searches_every_column),
        _ => false,
    }
}

/// The column names a predicate uses (names not bound by `let`), in order, once each.
pub fn referenced_columns(expr: &Expr, env: &Env<'_>, out: &mut Vec<String>) {
    let named = match &expr.kind {
        ExprKind::Name(ident) if lookup(env, &ident.name).is_none() => Some(&ident.name),
        ExprKind::SearchField { column, .. } => Some(&column.name),
        _ => None,
    };
    if let Some(name) = named
        && !out.contains(name)
    {
        out.push(name.clone());
    }
    expr.for_each_child(|child| referenced_columns(child, env, out));
}

#[cfg(test)]
mod tests {
    use super::TermMatcher;

    fn hit(term: &str, text: &str) -> bool {
        TermMatcher::new(term, false).expect("a valid term").matches(text)
    }

    #[test]
    fn search_terms_follow_the_wildcard_table() {
        assert!(hit("billg", "mail from BillG today"));
        assert!(!hit("billg", "billgates"));
        assert!(hit("billg*", "billgates"));
        assert!(hit("*gates", "billgates"));
        assert!(!hit("*gate", "billgates"));
        assert!(hit("*llga*", "billgates"));
        assert!(hit("Lab*PC", "the Lab42-PC host"));
        assert!(!hit("Lab*PC", "the Lab42-PCs host"));
        assert!(hit("*", ""));
    }

    #[test]
    fn case_sensitive_terms_respect_case() {
        let matcher = TermMatcher::new("blue", true).expect("a valid term");
        assert!(matcher.matches("a blue car"));
        assert!(!matcher.matches("a Blue car"));
    }
}
