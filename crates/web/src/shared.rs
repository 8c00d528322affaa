//! What the handlers share: the signed-in person's force, today where the scheme is, a file for
//! the browser to save, and a report answered in the format asked for.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use callaudit_reports::output::{Format, Output, Report};
use callaudit_storage::Force;

use crate::AppState;
use crate::auth::User;
use crate::error::{AppError, Result};

/// The force a person works for; office staff without one work on the only force there is.
pub async fn user_force(state: &AppState, user: &User) -> Result<Force> {
    let forces = state.store.forces().await?;
    match user.person.force_id {
        Some(id) => forces
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| AppError::NotFound("Your force is not in the database.".into())),
        None => Ok(state.store.resolve_force(None).await?),
    }
}

/// A report as a page of its own: one self-contained document with its own inline style, so it
/// gets a policy of its own that allows that style and nothing else.
pub fn report_page(body: String) -> Response {
    let mut res = Html(body).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    );
    res
}

/// A report in the format asked for, as every report route answers: HTML read in the browser
/// (with the report pages' own narrow policy), anything else downloaded as `stem.EXT`. `offered`
/// are the formats the route gives; a report is written off the threads that answer requests
/// (typesetting a PDF takes a fraction of a second of CPU).
pub async fn report_response<R: Report + Send + 'static>(
    report: R,
    format: Option<&str>,
    offered: &[Format],
    stem: &str,
) -> Result<Response> {
    let words = || {
        offered
            .iter()
            .map(|f| f.code())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let format = match format {
        None => offered[0],
        Some(code) => Format::parse(code)
            .filter(|f| offered.contains(f))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "There is no {code:?} version of the {}: choose {}.",
                    R::NAME,
                    words()
                ))
            })?,
    };
    let out = tokio::task::spawn_blocking(move || report.render(format))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let file = format!("{stem}.{}", format.code());
    Ok(match (format, out) {
        (Format::Html, Output::Text(page)) => report_page(page),
        (_, Output::Text(text)) => download(text, format.media_type(), &file),
        (_, Output::Bytes(bytes)) => download(bytes, format.media_type(), &file),
        (_, Output::Tables(_)) => {
            return Err(AppError::BadRequest(format!(
                "The {} as CSV is several tables: download it with the command line.",
                R::NAME
            )));
        }
    })
}

/// A file for the browser to save.
pub fn download(body: impl Into<axum::body::Body>, mime: &'static str, file: &str) -> Response {
    let mut res = Response::new(body.into());
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Today where the scheme is.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&callaudit_domain::time::DEFAULT_TZ)
        .date_naive()
}
