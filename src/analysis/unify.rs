//! How Kusto.Language merges the columns of several tables into one list:
//! by name and type (`union`, `find`'s output), or by name alone (the row
//! `find`'s predicate sees, the columns `find`'s tables share).

use std::collections::HashMap;

use crate::analysis::names::UniqueNames;
use crate::analysis::types::{Column, Type};

/// The types a column name was seen with, as Kusto.Language's `ColumnMap`
/// records them.
enum NameGroup {
    /// One column.
    Once(Type),
    /// Several columns of one type. Kusto.Language's column map drops later
    /// columns of another type once a name is in this state, so
    /// `(long, long, string)` is one `long` column.
    Repeated(Type),
    /// Several types, in order of first appearance.
    Types(Vec<Type>),
}

/// The column names in order of first appearance, with their types.
fn group_by_name<'c>(columns: &[&'c Column]) -> Vec<(&'c str, NameGroup)> {
    let mut groups: Vec<(&str, NameGroup)> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for column in columns {
        let Some(&index) = position.get(column.name.as_str()) else {
            position.insert(&column.name, groups.len());
            groups.push((&column.name, NameGroup::Once(column.ty)));
            continue;
        };
        let group = &mut groups[index].1;
        match group {
            NameGroup::Once(ty) if *ty == column.ty => *group = NameGroup::Repeated(column.ty),
            NameGroup::Once(ty) => *group = NameGroup::Types(vec![*ty, column.ty]),
            NameGroup::Repeated(_) => {}
            NameGroup::Types(types) => {
                if !types.contains(&column.ty) {
                    types.push(column.ty);
                }
            }
        }
    }
    groups
}

/// Kusto.Language's `UnifyColumnsWithSameNameAndType` (`union`): one
/// column per name, in order of first appearance; a name seen with several
/// types becomes one column per type, `Name_type` (but see
/// [`NameGroup::Repeated`]: `(long, string, long)` gives `Name_long` and
/// `Name_string`, `(long, long, string)` one `long` column).
pub(crate) fn unify_by_name_and_type(columns: &[&Column]) -> Vec<Column> {
    let mut unique = UniqueNames::default();
    let mut out = Vec::new();
    for (name, group) in group_by_name(columns) {
        match group {
            NameGroup::Once(ty) | NameGroup::Repeated(ty) => out.push(Column::new(unique.get_or_add(name), ty)),
            NameGroup::Types(types) => {
                for ty in types {
                    out.push(Column::new(unique.get_or_add(&format!("{name}_{ty}")), ty));
                }
            }
        }
    }
    out
}

/// Kusto.Language's `UnifyColumnsWithSameName`: one column per name; a name
/// with several types gets their common type (the widest number), else `dynamic`.
pub(crate) fn unify_by_name(columns: &[&Column]) -> Vec<Column> {
    group_by_name(columns)
        .into_iter()
        .map(|(name, group)| match group {
            NameGroup::Once(ty) | NameGroup::Repeated(ty) => Column::new(name, ty),
            NameGroup::Types(types) => {
                let common = types.iter().skip(1).try_fold(types[0], |common, ty| common.common(*ty));
                Column::new(name, common.unwrap_or(Type::DYNAMIC))
            }
        })
        .collect()
}
