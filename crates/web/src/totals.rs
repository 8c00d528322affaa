//! The force's own daily call totals, entered by the coordinator one day at a time: the
//! completeness check warns of a day the pool holds fewer calls of than the force says it took.
//! The same figures `callaudit totals` enters; a day entered again is replaced.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::time::long_date;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::Result;
use crate::forms::{DateTyped, FieldError, Problems, date_error, error_for};
use crate::shared::user_force;
use crate::view::Nav;

/// More calls than any force takes in a day, to catch a figure typed with extra digits.
const MOST_CALLS: u64 = 1_000_000;

/// The form as typed, kept when it is shown again with its problems.
#[derive(Default)]
struct Typed {
    date: DateTyped,
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
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn date_error(&self) -> Option<&FieldError> {
        date_error(&self.errors, "date")
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
    let mut problems = Problems::default();
    let day = problems.required_date(&typed.date, "date", "The day");
    let calls = match typed.calls.replace(',', "").parse::<u64>() {
        _ if typed.calls.is_empty() => {
            problems.add("calls", "Enter the number of calls the force took that day");
            None
        }
        Ok(n) if n <= MOST_CALLS => Some(n),
        Ok(_) => {
            problems.add(
                "calls",
                format!("The number of calls must be {MOST_CALLS} or fewer"),
            );
            None
        }
        Err(_) => {
            problems.add(
                "calls",
                "The number of calls must be a whole number, like 312",
            );
            None
        }
    };
    match (day, calls) {
        (Some(d), Some(n)) => Ok((d, n)),
        _ => Err(problems.into_vec()),
    }
}

pub async fn save(State(state): State<AppState>, p: Posted) -> Result<Response> {
    let f = &p.fields;
    let typed = Typed {
        date: DateTyped::from_fields(f, "date"),
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
