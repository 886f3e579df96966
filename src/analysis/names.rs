//! Column names: the name an unnamed expression gives its column
//! (`LocationDetails.city` → `LocationDetails_city`, `count()` → `count_`),
//! unique names for new columns, and did-you-mean suggestions.

use crate::analysis::catalog::{Catalog, ResultName};
use crate::analysis::types::{Column, TableType};
use crate::syntax::ast::{Dynamic, Expr, ExprKind, Literal};
use crate::text::edit_distance;

/// The column name Kusto gives an unnamed expression, or `None` when it
/// gets a generated name (`Column1`, `print_0`, ...). `aggregate` selects
/// the aggregation-function naming rules (in `summarize`).
pub(crate) fn expression_name(expr: &Expr, aggregate: bool) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(ident) => Some(ident.name.clone()),
        // `round(Rate = x / y)`: Kusto names the column after the inner assignment.
        ExprKind::NamedArg { name, .. } => Some(name.name.clone()),
        ExprKind::Paren(inner) => expression_name(inner, aggregate),
        ExprKind::Member { target, name } => {
            if let ExprKind::Name(side) = &target.kind
                && (side.name == "$left" || side.name == "$right")
            {
                return Some(name.name.clone());
            }
            Some(format!("{}_{}", expression_name(target, aggregate)?, name.name))
        }
        ExprKind::Index { target, index } => {
            let key = match &index.kind {
                ExprKind::Literal(Literal::String(text)) => text.clone(),
                ExprKind::Literal(Literal::Long(Some(n))) => n.to_string(),
                ExprKind::Literal(Literal::Int(Some(n))) => n.to_string(),
                ExprKind::Literal(Literal::Dynamic(Dynamic::String(text))) => text.clone(),
                ExprKind::Unary { operand, .. } => match &operand.kind {
                    ExprKind::Literal(Literal::Long(Some(n))) => format!("{}", -n),
                    _ => return None,
                },
                _ => return None,
            };
            Some(format!("{}_{}", expression_name(target, aggregate)?, key))
        }
        ExprKind::Call { target: None, name, args } => call_name(&name.name, args, aggregate),
        _ => None,
    }
}

/// The result name of a built-in call, by the function's result-name rule.
fn call_name(function: &str, args: &[Expr], aggregate: bool) -> Option<String> {
    let catalog = Catalog::builtin();
    let entry = if aggregate {
        catalog.aggregate(function).or_else(|| catalog.scalar(function))
    } else {
        catalog.scalar(function).or_else(|| catalog.aggregate(function))
    }?;
    let first = args.first().and_then(|arg| expression_name(arg, false));
    let prefix = entry.result_prefix.as_deref().unwrap_or(&entry.name);
    match entry.result_name {
        ResultName::Default => None,
        ResultName::NameAndFirstArgument => Some(format!("{}_{}", entry.name, first?)),
        ResultName::NameAndOnlyArgument if args.len() == 1 => Some(format!("{}_{}", entry.name, first?)),
        ResultName::PrefixAndFirstArgument => Some(format!("{prefix}_{}", first.unwrap_or_default())),
        ResultName::PrefixAndOnlyArgument if args.len() <= 1 => Some(format!("{prefix}_{}", first.unwrap_or_default())),
        ResultName::PrefixAndOnlyArgument => Some(format!("{prefix}_")),
        ResultName::PrefixOnly => Some(prefix.to_string()),
        ResultName::FirstArgument => first,
        ResultName::OnlyArgument if args.len() == 1 => first,
        // `column_ifexists("Name", default)` is named after the column it reads.
        ResultName::FirstArgumentValueIfColumn => match args.first().map(|a| &a.kind) {
            Some(ExprKind::Literal(Literal::String(text))) => Some(text.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `name`, or `name1`, `name2`, ... — the first that `taken` does not contain.
pub(crate) fn unique_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    (1..).map(|n| format!("{name}{n}")).find(|candidate| !taken(candidate)).expect("some suffix is free")
}

/// The next generated name with `prefix` (`Column1`, `Column2`, ...) not in `table`.
pub(crate) fn generated_name(prefix: &str, table: &TableType, counter: &mut usize) -> String {
    loop {
        *counter += 1;
        let name = format!("{prefix}{counter}");
        if table.column(&name).is_none() {
            return name;
        }
    }
}

/// Appends `column` to `columns`, renaming it with a numeric suffix if its
/// name is taken.
pub(crate) fn push_unique(columns: &mut Vec<Column>, mut column: Column) {
    if columns.iter().any(|c| c.name == column.name) {
        column.name = unique_name(&column.name, |candidate| columns.iter().any(|c| c.name == candidate));
    }
    columns.push(column);
}

/// The closest candidate to `name` (for "did you mean"): case-insensitive
/// equality first, then the smallest edit distance within a third of the length.
pub(crate) fn suggest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 4);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if candidate.to_lowercase() == lower { 0 } else { edit_distance(name, candidate) };
        if distance <= limit && best.is_none_or(|(d, c)| distance < d || (distance == d && candidate < c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(text: &str, aggregate: bool) -> Option<String> {
        let parse = crate::syntax::parse(&format!("print {text}"));
        let crate::syntax::ast::StatementKind::Query(expr) = &parse.query.statements[0].kind else { panic!() };
        let ExprKind::Source(op) = &expr.kind else { panic!() };
        let crate::syntax::ast::OperatorKind::Print(items) = &op.kind else { panic!() };
        expression_name(&items[0].value, aggregate)
    }

    #[test]
    fn unnamed_expressions_are_named_like_kusto() {
        assert_eq!(name_of("LocationDetails.city", false).as_deref(), Some("LocationDetails_city"));
        assert_eq!(name_of("Status['errorCode']", false).as_deref(), Some("Status_errorCode"));
        assert_eq!(name_of("tostring(Status.code)", false).as_deref(), Some("Status_code"));
        assert_eq!(name_of("strlen(Name)", false).as_deref(), Some("strlen_Name"));
        assert_eq!(name_of("toupper(Name)", false), None);
        assert_eq!(name_of("count()", true).as_deref(), Some("count_"));
        assert_eq!(name_of("dcount(User)", true).as_deref(), Some("dcount_User"));
        assert_eq!(name_of("make_set(Ip)", true).as_deref(), Some("set_Ip"));
    }

    #[test]
    fn suggestions_prefer_case_matches_then_close_names() {
        let columns = ["Account", "AccountType", "Computer"];
        assert_eq!(suggest("account", columns.into_iter()), Some("Account"));
        assert_eq!(suggest("Acount", columns.into_iter()), Some("Account"));
        assert_eq!(suggest("Zebra", columns.into_iter()), None);
    }
}
