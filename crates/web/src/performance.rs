//! The Performance page: the control-room figures of `callaudit report performance` for any
//! period, as accessible tables, with the same figures as JSON and CSV downloads. For the
//! coordinator, the force lead and the viewer.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_reports::performance::{self, PerformanceReport};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::auth::User;
use crate::error::{AppError, Result};
use crate::pages::{download, user_force};
use crate::view::Nav;

const ROLES: [Role; 3] = [Role::Coordinator, Role::ForceLead, Role::Viewer];

#[derive(Deserialize)]
pub struct Period {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// The period asked for, or the financial year of the newest call in the pool.
async fn report(state: &AppState, user: &User, q: &Period) -> Result<PerformanceReport> {
    user.require(&ROLES)?;
    let force = user_force(state, user).await?;
    let day = |v: &Option<String>, what: &str| -> Result<Option<NaiveDate>> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    AppError::BadRequest(format!(
                        "{what} {s:?} is not a date: give it as YYYY-MM-DD, e.g. 2026-04-01."
                    ))
                }),
        }
    };
    let (from, to) = match (day(&q.from, "The first day")?, day(&q.to, "The last day")?) {
        (Some(f), Some(t)) if f <= t => (f, t),
        (Some(f), Some(t)) => {
            return Err(AppError::BadRequest(format!(
                "The first day ({f}) is after the last ({t}): give the first day, then the last."
            )));
        }
        _ => {
            let newest = state
                .store
                .latest_call(force.id)
                .await?
                .map(|t| {
                    t.with_timezone(&callaudit_domain::time::DEFAULT_TZ)
                        .date_naive()
                })
                .unwrap_or_else(crate::actions::today);
            callaudit_reports::annual::year_bounds(callaudit_domain::time::financial_year(newest))
        }
    };
    Ok(performance::load(&state.store, &force, from, to).await?)
}

#[derive(Template)]
#[template(path = "performance.html")]
struct Page {
    nav: Option<Nav>,
    v: performance::View,
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    let r = report(&state, &user, &q).await?;
    let page = Page {
        nav: Some(user.nav("/performance")),
        v: performance::view(&r),
    };
    Ok(Html(page.render()?).into_response())
}

/// The board performance pack for the period, as a PDF.
pub async fn pdf(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    let r = report(&state, &user, &q).await?;
    let name = format!("performance-{}-{}.pdf", r.from, r.to);
    Ok(download(
        crate::pages::typeset(move || callaudit_reports::pdf::performance(&r)).await?,
        "application/pdf",
        &name,
    ))
}

pub async fn json(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    let r = report(&state, &user, &q).await?;
    Ok(download(
        performance::json(&r),
        "application/json",
        &format!("performance-{}-{}.json", r.from, r.to),
    ))
}

pub async fn csv(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    let r = report(&state, &user, &q).await?;
    let body = performance::csv(&r).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(
        body,
        "text/csv; charset=utf-8",
        &format!("performance-{}-{}.csv", r.from, r.to),
    ))
}
