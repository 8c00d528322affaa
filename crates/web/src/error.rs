//! Errors as the browser sees them: a page that says what went wrong and what to do next, with
//! the status code that matches. Nothing internal leaks into the page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use callaudit_storage::StoreError;

use crate::view::Nav;

#[derive(Debug)]
pub enum AppError {
    /// Not signed in, or the session expired: go to the sign-in page.
    SignIn,
    /// Signed in, but this is not for you.
    Forbidden(String),
    NotFound(String),
    /// The request cannot be carried out as sent; the text says why.
    BadRequest(String),
    /// The request conflicts with what is stored; the text says what to do.
    Conflict(String),
    /// It was here and has been removed for good (under a retention period); the text says why.
    Gone(String),
    /// The server is too busy for this now; the text says when to try again.
    Busy(String),
    /// A failure of the machinery; logged, and shown only as a generic message.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Internal(crate::log::chain(&other)),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Option<Nav>,
    title: &'static str,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            AppError::SignIn => return Redirect::to("/login").into_response(),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "You cannot see this page", m),
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, "Page not found", m),
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, "There is a problem", m),
            AppError::Conflict(m) => (StatusCode::CONFLICT, "This cannot be done now", m),
            AppError::Gone(m) => (StatusCode::GONE, "This is no longer kept", m),
            AppError::Busy(m) => (StatusCode::SERVICE_UNAVAILABLE, "The service is busy", m),
            AppError::Internal(m) => {
                tracing::error!(target: "callaudit::error", error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Sorry, there is a problem with the service",
                    "Try again later. If it keeps happening, tell the scheme's administrator."
                        .to_string(),
                )
            }
        };
        let page = ErrorPage {
            nav: None,
            title,
            message,
        };
        match page.render() {
            Ok(html) => (status, axum::response::Html(html)).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_internal_error_shows_a_plain_sentence_and_never_its_cause() {
        let res =
            AppError::Internal("database error: password authentication failed for user x".into())
                .into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("Try again later"), "{body}");
        assert!(!body.contains("password authentication") && !body.contains("database error"));
    }
}
