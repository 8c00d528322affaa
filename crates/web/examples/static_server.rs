//! The yardstick of the web benchmark (scripts/bench-web): the plainest axum server, returning a
//! fixed page of the same size as the auditor's scoring page, on the same runtime settings.
//!
//! Usage: static_server ADDR BYTES

use axum::Router;
use axum::response::Html;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8182".into());
    let size: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let body: &'static str = Box::leak("x".repeat(size).into_boxed_str());
    let app = Router::new().route("/", get(move || async move { Html(body) }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
