//! The MCP tools, one file per tool: its parameters (typed, documented for
//! the model), its structured output and the work it does.

pub mod attack_coverage;
pub mod diagnostic_explain;
pub mod functions_search;
pub mod kql_fixture;
pub mod kql_run;
pub mod kql_validate;
pub mod markdown_templates;
pub mod rule_check;
pub mod rules_test;
pub mod schema_table_get;
pub mod schema_tables_list;
pub mod sentinel_logs_search_with_dummy_data;
pub mod tool_docs;

pub(crate) use crate::stack::with_large_stack;
