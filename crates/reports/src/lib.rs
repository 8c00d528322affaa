//! The reports of a call audit scheme. Each report's module is laid out the same way: `load` fills
//! its plain data from storage, `compute` makes every figure from that data (a pure function tested
//! on exact figures), and `markdown`, JSON and CSV write the same report, so that figures reconcile
//! across formats by construction; [`html`] and [`pdf`] typeset each from the same computed report.
//! [`output`] is the one way every report is written in a format, for the command line and the web
//! alike. [`render`] holds what their writing shares.

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
pub mod volunteers;
