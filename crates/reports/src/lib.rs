//! The reports of a call audit scheme. Every figure is computed by [`annual::compute`] from a
//! plain [`annual::YearData`], a pure function tested on exact figures; [`load`] fills that data
//! from storage, and [`render`] writes the same report as JSON, Markdown or CSV, so that figures
//! reconcile across formats by construction.

pub mod annual;
pub mod board;
pub mod cdi;
pub mod chart;
pub mod html;
pub mod load;
pub mod pdf;
pub mod performance;
pub mod publish;
pub mod redact;
pub mod render;
pub mod session;
