//! Readers of outside data: a force's export of recent calls (CSV or Excel, mapped by a profile), its
//! incident logs, and a scheme's spreadsheet of past audits. Every reader validates every field, collects every
//! problem with its line, column, value and what was expected, and hands on rows only while the
//! file is still clean, so that a caller writing them can roll back and keep nothing.

pub mod audits;
pub mod columns;
pub mod error;
pub mod logs;
pub mod mapper;
pub mod pool;
pub mod profile;
pub mod table;

pub use error::{FileError, ReadFailure, RowError, RowErrors};
pub use profile::Profile;
