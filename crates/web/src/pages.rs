//! The pages around the sessions: home, the action log, reports, and "not found".

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_reports::{annual, html, load, pdf, render};
use callaudit_storage::Force;
use callaudit_storage::export::ActionRow;
use serde::Deserialize;

use crate::AppState;
use crate::auth::User;
use crate::error::{AppError, Result};
use crate::sessions::{SessionRow, visible_sessions};
use crate::view::Nav;

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
    links: Vec<(&'static str, &'static str, &'static str)>,
}

pub async fn home(State(state): State<AppState>, user: User) -> Result<Response> {
    let (intro, heading, empty, links): (_, _, _, Vec<(&str, &str, &str)>) = match user.role {
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
                    "/actions",
                    "Action log",
                    "Actions raised from the sessions' findings.",
                ),
                (
                    "/reports",
                    "Reports",
                    "The annual report as a web page, PDF, JSON or CSV.",
                ),
            ],
        ),
        Role::ForceLead | Role::Viewer => (
            "The panel's findings, the force's actions and the published reports. This view is read-only.",
            "Sessions",
            "No session has been held yet.",
            vec![
                (
                    "/actions",
                    "Action log",
                    "Actions raised from the sessions' findings.",
                ),
                (
                    "/reports",
                    "Reports",
                    "The annual report as a web page, PDF, JSON or CSV.",
                ),
            ],
        ),
        Role::Admin => (
            "Manage who can sign in, their roles, and password resets. Audit data is not shown to administrators.",
            "",
            "",
            vec![(
                "/admin/users",
                "Users",
                "Add people, change roles, reset passwords.",
            )],
        ),
    };
    let show_sessions = user.role != Role::Admin;
    let sessions = if show_sessions {
        visible_sessions(&state, &user).await?
    } else {
        Vec::new()
    };
    let page = Home {
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
#[template(path = "actions.html")]
struct Actions {
    nav: Option<Nav>,
    actions: Vec<ActionRow>,
}

pub async fn actions(State(state): State<AppState>, user: User) -> Result<Response> {
    user.require(&[
        Role::Coordinator,
        Role::Facilitator,
        Role::ForceLead,
        Role::Viewer,
    ])?;
    let force = user_force(&state, &user).await?;
    let page = Actions {
        nav: Some(user.nav("/actions")),
        actions: state.store.actions(force.id).await?,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "reports.html")]
struct Reports {
    nav: Option<Nav>,
    years: Vec<(i32, String)>,
}

const REPORT_ROLES: [Role; 3] = [Role::Coordinator, Role::ForceLead, Role::Viewer];

pub async fn reports(State(state): State<AppState>, user: User) -> Result<Response> {
    user.require(&REPORT_ROLES)?;
    let force = user_force(&state, &user).await?;
    let mut years: Vec<i32> = state
        .store
        .sessions(force.id)
        .await?
        .iter()
        .map(|s| callaudit_domain::time::financial_year(s.held_on))
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let page = Reports {
        nav: Some(user.nav("/reports")),
        years: years
            .into_iter()
            .map(|y| (y, format!("{y}/{:02}", (y + 1) % 100)))
            .collect(),
    };
    Ok(Html(page.render()?).into_response())
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
    if !(2000..=2100).contains(&q.year) {
        return Err(AppError::BadRequest(
            "The year must be a financial year such as 2025 (for 2025/26).".into(),
        ));
    }
    let force = user_force(&state, &user).await?;
    let report = annual::compute(&load::year_data(&state.store, &force, q.year).await?);
    let name = format!("annual-report-{}", q.year);
    match q.format.as_deref().unwrap_or("html") {
        "html" => {
            let body = html::annual(&report)?;
            let mut res = Html(body).into_response();
            // The report is one self-contained document with its own inline style.
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ),
            );
            Ok(res)
        }
        "json" => Ok(download(
            render::json(&report),
            "application/json",
            &format!("{name}.json"),
        )),
        "md" => Ok(download(
            render::markdown(&report),
            "text/markdown; charset=utf-8",
            &format!("{name}.md"),
        )),
        "pdf" => {
            let bytes = tokio::task::spawn_blocking(move || pdf::annual(&report))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?
                .map_err(AppError::Internal)?;
            Ok(download(bytes, "application/pdf", &format!("{name}.pdf")))
        }
        other => Err(AppError::BadRequest(format!(
            "There is no {other:?} format: choose html, pdf, json or md."
        ))),
    }
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

pub async fn not_found() -> AppError {
    AppError::NotFound("Check the address, or go back to the home page.".into())
}
