//! The pages around the sessions: home, the action log, reports, and "not found".

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_reports::annual;
use callaudit_reports::output::Format;
use serde::Deserialize;

use crate::AppState;
use crate::auth::User;
use crate::error::{AppError, Result};
use crate::sessions::{SessionRow, visible_sessions};
use crate::shared::{report_response, user_force};
use crate::view::Nav;

/// A link of the home page: where, its label, and what is there.
type Card = (&'static str, &'static str, &'static str);

const ACTION_LOG_CARD: Card = (
    "/actions",
    "Action log",
    "Actions raised from the sessions' findings.",
);
const REPORTS_CARD: Card = (
    "/reports",
    "Reports",
    "The annual report as a web page, PDF, JSON or Markdown.",
);

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    nav: Option<Nav>,
    name: String,
    intro: &'static str,
    show_sessions: bool,
    sessions_heading: &'static str,
    sessions: Vec<SessionRow>,
    empty: &'static str,
    links: Vec<Card>,
    /// What needs this person now: (text, link).
    notices: Vec<(String, String)>,
}

pub async fn home(State(state): State<AppState>, user: User) -> Result<Response> {
    let (intro, heading, empty, links): (_, _, _, Vec<Card>) = match user.role {
        Role::Auditor => (
            "Your sessions are listed below. A session's calls can be scored while it is open.",
            "Your sessions",
            "You are not on the panel of any session yet. The scheme coordinator will add you.",
            vec![],
        ),
        Role::Facilitator => (
            "The sessions you facilitate: play the calls, record what the panel agreed, and answer the issues raised.",
            "Sessions you facilitate",
            "You are not the facilitator of any session yet.",
            vec![(
                "/actions",
                "Action log",
                "What the force has promised to do, and where each action stands.",
            )],
        ),
        Role::Coordinator => (
            "Plan sessions, draw their samples in front of the panel, and publish the findings.",
            "Sessions",
            "No session is planned yet. Plan the first one from the Sessions page.",
            vec![
                (
                    "/sessions",
                    "Plan a session",
                    "Choose the date, focus, panel and facilitator; then commit the pool and draw with the panel's seed.",
                ),
                (
                    "/programmes",
                    "Programmes",
                    "Each programme's questions and areas; its largest sample, focus themes and transcript phrases.",
                ),
                ACTION_LOG_CARD,
                REPORTS_CARD,
            ],
        ),
        Role::ForceLead => (
            "The panel's findings and what the force has been asked to do: answer escalations, update the actions you own and write the force's response.",
            "Sessions",
            "No session has been held yet.",
            vec![
                (
                    "/force",
                    "What awaits you",
                    "Issues escalated to you, issues without a response, and your actions, overdue first.",
                ),
                ACTION_LOG_CARD,
                REPORTS_CARD,
            ],
        ),
        Role::Viewer => (
            "The panel's findings, the force's actions and the published reports. This view is read-only.",
            "Sessions",
            "No session has been held yet.",
            vec![ACTION_LOG_CARD, REPORTS_CARD],
        ),
        Role::Registrar => (
            "The Crime Data Integrity dip samples: check the records of the samples you sit on, and validate another registrar's results. A result counts in the report once validated.",
            "Dip samples",
            "No dip sample has been planned yet.",
            vec![(
                "/reports/cdi",
                "Crime Data Integrity report",
                "Compliance with the crime recording rules by incident category and month, from validated results.",
            )],
        ),
        Role::Admin => (
            "Manage who can sign in, their roles, and password resets. Audit data is not shown to administrators.",
            "",
            "",
            vec![
                (
                    "/admin/users",
                    "Users",
                    "Add people, change roles, reset passwords.",
                ),
                (
                    "/admin/mail",
                    "Email notifications",
                    "What was sent, what is waiting, and what the mail server refused.",
                ),
            ],
        ),
    };
    let show_sessions = user.role != Role::Admin;
    let sessions = if show_sessions {
        visible_sessions(&state, &user).await?
    } else {
        Vec::new()
    };
    let notices = if show_sessions {
        let force = user_force(&state, &user).await?;
        crate::notify::force_notices(&state.store, force.id, crate::shared::today())
            .await?
            .into_iter()
            .filter(|n| n.person_id == user.person.id)
            .map(|n| (n.text, n.link))
            .collect()
    } else {
        Vec::new()
    };
    let page = Home {
        notices,
        nav: Some(user.nav("/")),
        name: user.person.display_name.clone(),
        intro,
        show_sessions,
        sessions_heading: heading,
        sessions,
        empty,
        links,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "reports.html")]
struct Reports {
    nav: Option<Nav>,
    can_publish: bool,
    years: Vec<(i32, String)>,
}

const REPORT_ROLES: [Role; 3] = [Role::Coordinator, Role::ForceLead, Role::Viewer];

pub async fn reports(State(state): State<AppState>, user: User) -> Result<Response> {
    user.require(&REPORT_ROLES)?;
    let force = user_force(&state, &user).await?;
    let years = session_years(&state, force.id).await?;
    let page = Reports {
        can_publish: user.role == Role::Coordinator,
        nav: Some(user.nav("/reports")),
        years: years
            .into_iter()
            .map(|y| (y, callaudit_domain::time::year_label(y)))
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// The financial years in which the force held sessions, newest first.
pub async fn session_years(state: &AppState, force_id: i64) -> Result<Vec<i32>> {
    let mut years: Vec<i32> = state
        .store
        .sessions(force_id)
        .await?
        .iter()
        .map(|s| callaudit_domain::time::financial_year(s.held_on))
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

#[derive(Deserialize)]
pub struct AnnualQuery {
    year: i32,
    #[serde(default)]
    format: Option<String>,
}

/// The annual report in the format asked for, for reading in the browser or downloading.
pub async fn annual(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<AnnualQuery>,
) -> Result<Response> {
    user.require(&REPORT_ROLES)?;
    checked_year(q.year)?;
    let force = user_force(&state, &user).await?;
    let report = annual::compute(&annual::load(&state.store, &force, q.year).await?);
    let stem = format!("annual-report-{}", q.year);
    report_response(
        report,
        q.format.as_deref(),
        &[Format::Html, Format::Pdf, Format::Json, Format::Markdown],
        &stem,
    )
    .await
}

/// Who reads the Crime Data Integrity report: those who read the annual report, and the Crime
/// Registrar team whose results it counts.
const CDI_ROLES: [Role; 4] = [
    Role::Coordinator,
    Role::ForceLead,
    Role::Viewer,
    Role::Registrar,
];

#[derive(Deserialize)]
pub struct CdiQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    format: Option<String>,
}

/// The Crime Data Integrity report for the year asked, or the current financial year.
pub async fn cdi(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<CdiQuery>,
) -> Result<Response> {
    user.require(&CDI_ROLES)?;
    let year = match q.year {
        Some(y) => checked_year(y)?,
        None => callaudit_domain::time::financial_year(crate::shared::today()),
    };
    let force = user_force(&state, &user).await?;
    let report = callaudit_reports::cdi::compute(
        &callaudit_reports::cdi::load(&state.store, &force, year).await?,
    );
    report_response(
        report,
        q.format.as_deref(),
        &[Format::Html, Format::Pdf, Format::Json, Format::Markdown],
        &format!("cdi-report-{year}"),
    )
    .await
}

/// A financial year a scheme can have held audits in; anything else is a typing mistake.
pub fn checked_year(y: i32) -> Result<i32> {
    if (2000..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(AppError::BadRequest(
            "The year must be a financial year such as 2025 (for 2025/26).".into(),
        ))
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound("Check the address, or go back to the home page.".into())
}

/// For a load balancer or a monitor: 200 "ok" when the database answers, 503 when it does not.
/// It says nothing else, and needs no sign-in.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.forces().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(target: "callaudit::error", error = %crate::log::chain(&e), "health check");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n",
            )
                .into_response()
        }
    }
}
