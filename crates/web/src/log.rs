//! One structured line per request (method, path, status, milliseconds, the person's id) and every
//! internal error with its causes, through `tracing`. Where the lines go is the binary's choice
//! (`callaudit serve` writes JSON lines to standard error); without a subscriber they cost nothing.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// A slot the sign-in check fills with the person's id, for the request's log line.
#[derive(Clone, Default)]
pub struct Who(Arc<OnceLock<i64>>);

impl Who {
    pub fn set(&self, person_id: i64) {
        let _ = self.0.set(person_id);
    }
}

pub async fn requests(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    // The path only: query strings can carry what people typed.
    let path = req.uri().path().to_owned();
    let who = Who::default();
    req.extensions_mut().insert(who.clone());
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    let person = who.0.get().copied();
    if status >= 500 {
        tracing::warn!(target: "callaudit::request", %method, path, status, ms, person);
    } else {
        tracing::info!(target: "callaudit::request", %method, path, status, ms, person);
    }
    res
}

/// An error and its causes, outermost first, as one line: "a: b: c".
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        // Some errors repeat their source's text in their own; say it once.
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
