//! The pure core of callaudit: what a call, a template, an audit and a random draw *are*, and the
//! rules that hold between them. No I/O, no async, no database: every other crate builds on these
//! types, and the rules here are the ones the documentation promises.

pub mod audit;
pub mod call;
pub mod completeness;
pub mod incident;
pub mod performance;
pub mod problem;
pub mod sampling;
pub mod stats;
pub mod template;
pub mod text;
pub mod time;
pub mod training;

pub use problem::Problem;
