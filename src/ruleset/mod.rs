//! Rules as code: a folder of Sentinel analytics rules, hunting queries,
//! functions, watchlists and rule tests, read, checked and tested.
//!
//! - [`folder`] finds the files and [`document`] reads each one;
//! - [`checks`] analyses each query behind the folder's [`functions`] and
//!   checks the rule metadata against [`attack`] and [`entities`];
//! - [`runner`] runs each rule's [`test_file`] cases and [`expect`] compares results;
//! - [`yaml_map`] points diagnostics at the right YAML line;
//! - [`report`] (JUnit) and [`sarif`] (SARIF 2.1.0) write the findings for CI;
//! - [`coverage`] maps the rules onto the ATT&CK matrix.

pub mod attack;
pub mod checks;
pub mod config;
pub mod coverage;
pub mod document;
pub mod entities;
pub mod expect;
pub mod folder;
pub mod functions;
pub mod query;
pub mod report;
pub mod runner;
pub mod sarif;
pub mod test_file;
pub mod watch;
pub mod yaml_map;
