//! Column pruning: which input columns an operator reads, given which of its
//! output columns are needed later. The executor drops the other columns
//! before running the operator, so `T | where A == 1 | summarize count() by B`
//! filters two columns of `T`, not all of them.

use std::collections::HashSet;

use crate::syntax::ast::operators::{Assignment, Operator, OperatorKind};
use crate::syntax::ast::{Expr, ExprKind};

/// Column names (a set of names; unknown names in it are harmless).
pub type Needed = HashSet<String>;

/// The input columns `operator` reads to produce `needed` of its output
/// columns (`None`: all output columns). `None` when it may read any column
/// (`*`, `pack_all()`, a user function, an operator not analysed here).
pub fn input_columns(
    operator: &Operator,
    needed: Option<&Needed>,
    is_user_function: &dyn Fn(&str) -> bool,
) -> Option<Needed> {
    let mut names = Needed::new();
    let mut read = |expr: &Expr, names: &mut Needed| collect_names(expr, names, is_user_function);
    match &operator.kind {
        // Pass-through operators: what comes after needs, plus what they read.
        OperatorKind::Where(predicate) => {
            names.extend(needed?.iter().cloned());
            read(predicate, &mut names)?;
        }
        OperatorKind::Extend(assignments) => {
            names.extend(needed?.iter().cloned());
            read_assignments(assignments, &mut names, &mut read)?;
        }
        OperatorKind::Sort { keys, .. } => {
            names.extend(needed?.iter().cloned());
            for key in keys {
                read(&key.expr, &mut names)?;
            }
        }
        OperatorKind::Top { count, key, .. } => {
            names.extend(needed?.iter().cloned());
            read(count, &mut names)?;
            read(&key.expr, &mut names)?;
        }
        OperatorKind::Take { count, .. } => {
            names.extend(needed?.iter().cloned());
            read(count, &mut names)?;
        }
        // Operators whose output is made only of what they read.
        OperatorKind::Project(assignments) => read_assignments(assignments, &mut names, &mut read)?,
        OperatorKind::Summarize { aggregates, by, .. } => {
            read_assignments(aggregates, &mut names, &mut read)?;
            read_assignments(by, &mut names, &mut read)?;
        }
        OperatorKind::Distinct { columns, .. } => {
            for column in columns {
                read(column, &mut names)?;
            }
        }
        OperatorKind::Count => {}
        _ => return None,
    }
    Some(names)
}

fn read_assignments(
    assignments: &[Assignment],
    names: &mut Needed,
    read: &mut impl FnMut(&Expr, &mut Needed) -> Option<()>,
) -> Option<()> {
    for assignment in assignments {
        read(&assignment.value, names)?;
    }
    Some(())
}

/// Every name `expr` mentions; `None` when it can read columns not named.
pub fn referenced_names(expr: &Expr, is_user_function: &dyn Fn(&str) -> bool) -> Option<Needed> {
    let mut names = Needed::new();
    collect_names(expr, &mut names, is_user_function)?;
    Some(names)
}

/// Adds every name `expr` mentions; `None` when it can read columns not named.
fn collect_names(expr: &Expr, names: &mut Needed, is_user_function: &dyn Fn(&str) -> bool) -> Option<()> {
    match &expr.kind {
        // A function named without `()` can read any column.
        ExprKind::Name(ident) if is_user_function(&ident.name) => return None,
        ExprKind::Name(ident) => {
            names.insert(ident.name.clone());
        }
        ExprKind::Call { target: None, name, .. }
            if is_user_function(&name.name)
                || matches!(name.name.as_str(), "pack_all" | "column_ifexists" | "bag_pack_columns") =>
        {
            return None;
        }
        ExprKind::Star
        | ExprKind::NamePattern(_)
        | ExprKind::Call { target: Some(_), .. }
        | ExprKind::SearchField { .. }
        | ExprKind::Error => return None,
        // Sub-queries read other tables; the names they mention are harmless extras.
        ExprKind::Pipe { input, .. } => collect_names(input, names, is_user_function)?,
        _ => {}
    }
    let mut complete = true;
    expr.for_each_child(|child| {
        if complete && collect_names(child, names, is_user_function).is_none() {
            complete = false;
        }
    });
    complete.then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needed_by(query: &str) -> Option<Vec<String>> {
        let parsed = crate::parse(query);
        let crate::syntax::ast::StatementKind::Query(expr) = &parsed.query.statements[0].kind else { panic!() };
        let ExprKind::Pipe { operator, .. } = &expr.kind else { panic!() };
        let mut names: Vec<String> = input_columns(operator, None, &|_| false)?.into_iter().collect();
        names.sort();
        Some(names)
    }

    #[test]
    fn summarize_reads_its_keys_and_arguments() {
        assert_eq!(needed_by("T | summarize count(), max(B) by C"), Some(vec!["B".into(), "C".into()]));
        assert_eq!(needed_by("T | count"), Some(vec![]));
    }

    #[test]
    fn star_and_pass_through_operators_need_everything() {
        assert_eq!(needed_by("T | summarize arg_max(A, *) by C"), None);
        assert_eq!(needed_by("T | where A > 1"), None);
        assert_eq!(needed_by("T | project pack_all()"), None);
    }
}
