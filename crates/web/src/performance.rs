//! The Performance page: the control-room figures of `callaudit report performance` for any
//! period, as accessible tables, with the same figures as JSON and CSV downloads. For the
//! coordinator, the force lead and the viewer.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::time::long_date;
use callaudit_reports::output::Format;
use callaudit_reports::performance::{self, PerformanceReport};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::AppState;
use crate::auth::User;
use crate::error::{AppError, Result};
use crate::forms::{DateTyped, FieldError, Problems, date_error};
use crate::shared::{report_response, user_force};
use crate::view::Nav;

const ROLES: [Role; 3] = [Role::Coordinator, Role::ForceLead, Role::Viewer];

/// The period asked for: `from` and `to` as YYYY-MM-DD (the downloads' links), or typed in the
/// page's three-field dates.
#[derive(Deserialize, Default)]
pub struct Period {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default, rename = "from-day")]
    from_day: Option<String>,
    #[serde(default, rename = "from-month")]
    from_month: Option<String>,
    #[serde(default, rename = "from-year")]
    from_year: Option<String>,
    #[serde(default, rename = "to-day")]
    to_day: Option<String>,
    #[serde(default, rename = "to-month")]
    to_month: Option<String>,
    #[serde(default, rename = "to-year")]
    to_year: Option<String>,
}

impl Period {
    /// The two dates as typed in the page's fields, when the page's form sent them.
    fn typed(&self) -> Option<(DateTyped, DateTyped)> {
        let part = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_string();
        let from = DateTyped {
            day: part(&self.from_day),
            month: part(&self.from_month),
            year: part(&self.from_year),
        };
        let to = DateTyped {
            day: part(&self.to_day),
            month: part(&self.to_month),
            year: part(&self.to_year),
        };
        (self.from_day.is_some() || self.to_day.is_some()).then_some((from, to))
    }
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
                .unwrap_or_else(crate::shared::today);
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
    /// The period's dates in the form: as typed, or the period shown.
    from: DateTyped,
    to: DateTyped,
    errors: Vec<FieldError>,
}

impl Page {
    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(mut q): Query<Period>,
) -> Result<Response> {
    // Dates typed in the form: read as a person writes them, every problem shown on the page
    // over the default period, the dates kept as typed.
    let mut problems = Problems::default();
    let typed = q.typed();
    if let Some((from, to)) = &typed {
        let f = problems.required_date(from, "from", "The first day");
        let t = problems.required_date(to, "to", "The last day");
        if let (Some(f), Some(t)) = (f, t) {
            if f > t {
                problems.add(
                    "from-day",
                    format!(
                        "The first day ({}) must be before the last ({})",
                        long_date(f),
                        long_date(t)
                    ),
                );
            } else {
                q.from = Some(f.to_string());
                q.to = Some(t.to_string());
            }
        }
        if !problems.is_empty() {
            q = Period::default();
        }
    }
    let r = report(&state, &user, &q).await?;
    let (from, to) = match typed.filter(|_| !problems.is_empty()) {
        Some(kept) => kept,
        None => (DateTyped::of(r.from), DateTyped::of(r.to)),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Page {
        nav: Some(user.nav("/performance")),
        v: performance::view(&r),
        from,
        to,
        errors: problems.into_vec(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The board performance pack for the period, as a PDF.
pub async fn pdf(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    download_as(&state, &user, &q, Format::Pdf).await
}

pub async fn json(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    download_as(&state, &user, &q, Format::Json).await
}

pub async fn csv(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<Period>,
) -> Result<Response> {
    download_as(&state, &user, &q, Format::Csv).await
}

/// The period's report downloaded in `format`.
async fn download_as(
    state: &AppState,
    user: &User,
    q: &Period,
    format: Format,
) -> Result<Response> {
    let r = report(state, user, q).await?;
    let stem = format!("performance-{}-{}", r.from, r.to);
    report_response(r, Some(format.code()), &[format], &stem).await
}
