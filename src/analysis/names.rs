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
    // The engine names covariance after both series (`covarianceif_x_y` in
    // Microsoft's documented outputs); Kusto.Language names only the first.
    if entry.name.starts_with("covariance") {
        return Some(format!("{}_{}_{}", entry.name, first?, args.get(1).and_then(|a| expression_name(a, false))?));
    }
    // `percentile(x, 99.5)` → `percentile_x_99_5`; `percentiles_array(x, ...)` → `percentiles_x`.
    match entry.name.as_str() {
        "percentile" | "percentilew" if aggregate => {
            let percent = args.get(if entry.name == "percentilew" { 2 } else { 1 })?;
            return Some(format!("percentile_{}_{}", first.unwrap_or_default(), percent_text(percent)?));
        }
        "percentiles_array" | "percentilesw_array" => {
            return Some(format!("percentiles_{}", first.unwrap_or_default()));
        }
        _ => {}
    }
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

/// A literal percentage as column names show it: `50`, `99_5`.
pub(crate) fn percent_text(percent: &Expr) -> Option<String> {
    match &percent.kind {
        ExprKind::Literal(Literal::Long(Some(n))) => Some(n.to_string()),
        ExprKind::Literal(Literal::Int(Some(n))) => Some(n.to_string()),
        ExprKind::Literal(Literal::Real(Some(r))) => Some(r.to_string().replace('.', "_")),
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

/// Kusto.Language's `UniqueNameTable`: hands out each name once, then
/// `name1`, `name2`, ... for repeats, continuing from the last suffix given
/// for that name and skipping names already handed out.
#[derive(Debug, Default)]
pub(crate) struct UniqueNames {
    last_suffix: std::collections::HashMap<String, u32>,
}

impl UniqueNames {
    /// `name` the first time, else the next free `name<n>`.
    pub(crate) fn get_or_add(&mut self, name: &str) -> String {
        let Some(&last) = self.last_suffix.get(name) else {
            self.last_suffix.insert(name.to_string(), 0);
            return name.to_string();
        };
        let (suffix, candidate) = (last + 1..)
            .map(|suffix| (suffix, format!("{name}{suffix}")))
            .find(|(_, candidate)| !self.last_suffix.contains_key(candidate))
            .expect("some suffix is free");
        self.last_suffix.insert(name.to_string(), suffix);
        self.last_suffix.insert(candidate.clone(), 0);
        candidate
    }
}

/// The columns with repeated names renamed the way Kusto.Language's
/// projection builder renames them when an operator such as `extend`
/// rebuilds its input (after `parse` into an existing column the table has
/// two columns of one name): each name in turn through one [`UniqueNames`],
/// so `[b, b]` becomes `[b, b1]`.
pub(crate) fn rebuilt_columns(columns: &[Column]) -> Vec<Column> {
    let mut unique = UniqueNames::default();
    columns.iter().map(|column| Column::new(unique.get_or_add(&column.name), column.ty)).collect()
}

/// Kusto.Language's `MakeColumnNamesUnique` (`join`, `lookup`): every
/// name but its first occurrence gets the next numeric suffix no column
/// uses, so `[c, c, c1]` becomes `[c, c2, c1]`.
pub(crate) fn make_names_unique(columns: &mut [Column]) {
    let mut unique = UniqueNames::default();
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (index, column) in columns.iter().enumerate() {
        if !first.contains_key(&column.name) {
            first.insert(column.name.clone(), index);
            unique.get_or_add(&column.name);
        }
    }
    for (index, column) in columns.iter_mut().enumerate() {
        if first[&column.name] != index {
            column.name = unique.get_or_add(&column.name);
        }
    }
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

    fn names(columns: &[Column]) -> Vec<&str> {
        columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn repeated_names_get_suffixes_like_kusto() {
        let column = |name: &str| Column::new(name, crate::analysis::types::Type::STRING);
        // The projection builder renames in order, so a later `c1` becomes `c11`.
        let rebuilt = rebuilt_columns(&[column("c"), column("c"), column("c1")]);
        assert_eq!(names(&rebuilt), ["c", "c1", "c11"]);
        // `join` keeps every first occurrence and renames the repeats.
        let mut joined = vec![column("c"), column("c"), column("c1")];
        make_names_unique(&mut joined);
        assert_eq!(names(&joined), ["c", "c2", "c1"]);
    }

    #[test]
    fn suggestions_prefer_case_matches_then_close_names() {
        let columns = ["Account", "AccountType", "Computer"];
        assert_eq!(suggest("account", columns.into_iter()), Some("Account"));
        assert_eq!(suggest("Acount", columns.into_iter()), Some("Account"));
        assert_eq!(suggest("Zebra", columns.into_iter()), None);
    }
}
