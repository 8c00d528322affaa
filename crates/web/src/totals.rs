//! The force's own daily call totals, entered by the coordinator one day at a time: the
//! completeness check warns of a day the pool holds fewer calls of than the force says it took.
//! The same figures `callaudit totals` enters; a day entered again is replaced.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::time::{DatePart, date_from_parts, long_date};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::Result;
use crate::pages::user_force;
use crate::view::{FieldError, Nav};

/// More calls than any force takes in a day, to catch a figure typed with extra digits.
const MOST_CALLS: u64 = 1_000_000;

/// The form as typed, kept when it is shown again with its problems.
#[derive(Default)]
struct Typed {
    day: String,
    month: String,
    year: String,
    calls: String,
}

#[derive(Template)]
#[template(path = "totals.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    /// The day just saved, and its total, for the confirmation.
    saved: Option<(String, i64)>,
    errors: Vec<FieldError>,
    typed: Typed,
    /// Entered totals, newest first, the day as people write it.
    totals: Vec<(String, i64)>,
}

impl Page {
    /// The message for a field, if it has one.
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether the date's fields share a message (the day, month and year are one question).
    fn date_error(&self) -> Option<&str> {
        ["day", "month", "year"]
            .into_iter()
            .find_map(|f| self.error_for(f))
    }
}

#[derive(Deserialize)]
pub struct Saved {
    saved: Option<NaiveDate>,
}

/// The page, its totals read once: the day just saved (if any) is confirmed from them.
async fn page(
    state: &AppState,
    user: &User,
    saved: Option<NaiveDate>,
    errors: Vec<FieldError>,
    typed: Typed,
) -> Result<Page> {
    let force = user_force(state, user).await?;
    let all = state.store.published_totals(force.id).await?;
    let saved = saved.and_then(|day| {
        all.iter()
            .find(|(d, _)| *d == day)
            .map(|(d, n)| (long_date(*d), *n))
    });
    let totals = all
        .iter()
        .rev()
        .take(400)
        .map(|(d, n)| (long_date(*d), *n))
        .collect();
    Ok(Page {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        saved,
        errors,
        typed,
        totals,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Saved>,
) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    let p = page(&state, &user, q.saved, Vec::new(), Typed::default()).await?;
    Ok(Html(p.render()?).into_response())
}

/// Reads the form, collecting every problem for the summary.
fn read(typed: &Typed) -> std::result::Result<(NaiveDate, u64), Vec<FieldError>> {
    let mut errors = Vec::new();
    let day = match date_from_parts(&typed.day, &typed.month, &typed.year, "The day") {
        Ok(d) => Some(d),
        Err((part, message)) => {
            let field = match part {
                DatePart::Day => "day",
                DatePart::Month => "month",
                DatePart::Year => "year",
            };
            errors.push(FieldError::new(field, message));
            None
        }
    };
    let calls = match typed.calls.replace(',', "").parse::<u64>() {
        _ if typed.calls.is_empty() => {
            errors.push(FieldError::new(
                "calls",
                "Enter the number of calls the force took that day",
            ));
            None
        }
        Ok(n) if n <= MOST_CALLS => Some(n),
        Ok(_) => {
            errors.push(FieldError::new(
                "calls",
                format!("The number of calls must be {} or fewer", MOST_CALLS),
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "calls",
                "The number of calls must be a whole number, like 312",
            ));
            None
        }
    };
    match (day, calls) {
        (Some(d), Some(n)) => Ok((d, n)),
        _ => Err(errors),
    }
}

pub async fn save(State(state): State<AppState>, p: Posted) -> Result<Response> {
    let f = &p.fields;
    let typed = Typed {
        day: f.text("day"),
        month: f.text("month"),
        year: f.text("year"),
        calls: f.text("calls"),
    };
    p.user.require(&[Role::Coordinator])?;
    match read(&typed) {
        Ok((day, calls)) => {
            let force = user_force(&state, &p.user).await?;
            let mut tx = state
                .store
                .begin_in(Some(force.id), &p.user.person.email)
                .await?;
            tx.set_published_totals(force.id, &[(day, calls)]).await?;
            tx.commit().await?;
            Ok(Redirect::to(&format!("/pool/totals?saved={day}")).into_response())
        }
        Err(errors) => {
            let page = page(&state, &p.user, None, errors, typed).await?;
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}
