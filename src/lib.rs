//! kqlab: write, test and verify Microsoft Sentinel KQL detections offline.
//!
//! The pipeline, one module per stage (each uses only the ones above it):
//!
//! ```text
//! text         source files, spans, line/column
//! diagnostics  Diagnostic, the code table, renderers
//! syntax       lexer → tokens → parser → syntax tree (never fails)
//! cli          the `kqlab` command line (I/O lives here)
//! ```
//!
//! The entry point today is [`syntax::parse`].

pub mod cli;
pub mod diagnostics;
pub mod syntax;
pub mod text;

pub use crate::syntax::parse;
