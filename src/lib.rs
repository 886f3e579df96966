//! kqlab: write, test and verify Microsoft Sentinel KQL detections offline.
//!
//! The pipeline, one module per stage (each uses only the ones above it):
//!
//! ```text
//! text         source files, spans, line/column
//! diagnostics  Diagnostic, the code table, renderers
//! syntax       lexer → tokens → parser → syntax tree (never fails)
//! analysis     schemas + catalog → types, names, output schema
//! engine       analyzed query → columnar tables (local execution)
//! cli          the `kqlab` command line (I/O lives here)
//! ```
//!
//! The entry points are [`syntax::parse`], [`analysis::analyze`] and [`engine::execute`].

pub mod analysis;
pub mod cache;
pub mod cli;
pub mod diagnostics;
pub mod engine;
pub mod import;
pub mod mcp;
pub mod remote;
pub mod ruleset;
pub mod stack;
pub mod syntax;
pub mod text;

pub use crate::analysis::analyze;
pub use crate::syntax::parse;
