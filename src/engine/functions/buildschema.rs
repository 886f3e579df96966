//! `buildschema(DynamicExpr)`: the minimal schema that admits every value of
//! a group, in Kusto's encoding:
//!
//! ```text
//! Container  ::= '{' Named-type* '}'
//! Named-type ::= (name | '"`indexer`"') ':' Type
//! Type       ::= Primitive-type | Union-type | Container
//! Union-type ::= '[' Type* ']'
//! ```
//!
//! Arrays are containers whose only property is `` `indexer` `` (the type of
//! their items); a property that took several types is a union, listed in
//! the order the types first appeared. Null values admit nothing.

use std::sync::Arc;

use crate::engine::column::Column;
use crate::engine::datum::Datum;
use crate::engine::functions::aggregates::Grouping;
use crate::engine::value::{Dyn, Value};

/// The property an array's item type is kept under.
const INDEXER: &str = "`indexer`";

/// A schema being built: the primitive types seen, and the container's
/// properties (for bags, and for arrays under `INDEXER`) when one was seen.
#[derive(Debug, Default, Clone)]
struct Schema {
    primitives: Vec<&'static str>,
    container: Option<Vec<(Arc<str>, Schema)>>,
    /// Where the container came in among the primitives (for the union's order).
    container_position: usize,
}

impl Schema {
    fn admit(&mut self, value: &Dyn) {
        let primitive = match value {
            Dyn::Null => return,
            Dyn::Bool(_) => "bool",
            Dyn::Long(_) => "long",
            Dyn::Real(_) => "double",
            Dyn::Decimal(_) => "decimal",
            Dyn::String(_) => "string",
            Dyn::DateTime(_) => "datetime",
            Dyn::TimeSpan(_) => "timespan",
            Dyn::Guid(_) => "guid",
            Dyn::Array(items) => {
                let properties = self.container_properties();
                let slot = property(properties, INDEXER);
                for item in items.iter() {
                    slot.admit(item);
                }
                return;
            }
            Dyn::Bag(entries) => {
                let properties = self.container_properties();
                for (key, item) in entries.iter() {
                    property(properties, key).admit(item);
                }
                return;
            }
        };
        if !self.primitives.contains(&primitive) {
            self.primitives.push(primitive);
        }
    }

    fn container_properties(&mut self) -> &mut Vec<(Arc<str>, Schema)> {
        if self.container.is_none() {
            self.container_position = self.primitives.len();
        }
        self.container.get_or_insert_with(Vec::new)
    }

    fn is_empty(&self) -> bool {
        self.primitives.is_empty() && self.container.is_none()
    }

    /// The schema as a dynamic value: a type name, a container, or a union.
    fn to_dyn(&self) -> Dyn {
        let mut types: Vec<Dyn> = self.primitives.iter().map(|name| Dyn::str(name)).collect();
        if let Some(properties) = &self.container {
            let container = Dyn::bag(
                properties
                    .iter()
                    .filter(|(_, schema)| !schema.is_empty())
                    .map(|(key, schema)| (key.clone(), schema.to_dyn()))
                    .collect(),
            );
            types.insert(self.container_position, container);
        }
        match types.len() {
            1 => types.remove(0),
            _ => Dyn::array(types),
        }
    }
}

fn property<'a>(properties: &'a mut Vec<(Arc<str>, Schema)>, key: &str) -> &'a mut Schema {
    let index = match properties.iter().position(|(existing, _)| &**existing == key) {
        Some(index) => index,
        None => {
            properties.push((Arc::from(key), Schema::default()));
            properties.len() - 1
        }
    };
    &mut properties[index].1
}

/// `buildschema` per group (null for a group without non-null values).
pub fn buildschema(value: &Datum, grouping: &Grouping, included: &dyn Fn(usize) -> bool) -> Column {
    let mut schemas = vec![Schema::default(); grouping.groups];
    for row in 0..grouping.rows {
        if !included(row) {
            continue;
        }
        let cell = match value.get(row) {
            Value::Dynamic(d) => d,
            Value::String(text) => crate::engine::value::parse_json_text(&text).unwrap_or(Dyn::String(text)),
            other => other.to_dyn(),
        };
        schemas[grouping.group_of_row[row] as usize].admit(&cell);
    }
    let values: Vec<Dyn> =
        schemas.iter().map(|schema| if schema.is_empty() { Dyn::Null } else { schema.to_dyn() }).collect();
    Column::Dynamic(values.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example() {
        let rows = [
            r#"{"x":1, "y":3.5}"#,
            r#"{"x":"somevalue", "z":[1, 2, 3]}"#,
            r#"{"y":{"w":"zzz"}, "t":["aa", "bb"], "z":["foo"]}"#,
        ];
        let values: Vec<Dyn> = rows.iter().map(|text| Dyn::parse_json(text)).collect();
        let value = Datum::Column(Column::Dynamic(values.into()));
        let grouping = Grouping { group_of_row: &[0, 0, 0], groups: 1, rows: 3 };
        let schema = buildschema(&value, &grouping, &|_| true);
        assert_eq!(
            schema.get(0).to_kql_string(),
            r#"{"x":["long","string"],"y":["double",{"w":"string"}],"z":{"`indexer`":["long","string"]},"t":{"`indexer`":"string"}}"#
        );
    }

    #[test]
    fn nulls_admit_nothing() {
        let values = vec![Dyn::Null, Dyn::parse_json(r#"{"a":null}"#)];
        let value = Datum::Column(Column::Dynamic(values.into()));
        let grouping = Grouping { group_of_row: &[0, 1], groups: 2, rows: 2 };
        let schema = buildschema(&value, &grouping, &|_| true);
        assert!(schema.is_null(0));
        assert_eq!(schema.get(1).to_kql_string(), "{}");
    }
}
