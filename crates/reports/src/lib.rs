//! The reports of a call audit scheme. Every figure is computed by [`annual::compute`] from a
//! plain [`annual::YearData`], a pure function tested on exact figures; [`load`] fills that data
//! from storage, and [`render`] writes the same report as JSON, Markdown or CSV, so that figures
//! reconcile across formats by construction. [`output`] is the one way every report is written in
//! a format, for the command line and the web alike.

pub mod annual;
pub mod board;
pub mod cdi;
pub mod chart;
pub mod html;
pub mod load;
pub mod output;
pub mod pdf;
pub mod performance;
pub mod publish;
pub mod redact;
pub mod render;
pub mod session;
