//! The force's side of the loop: the facilitator escalates an issue to the force lead; the force
//! lead's page gathers what awaits them (escalations to answer, issues left without a response,
//! the actions they own with overdue ones first) and they answer there; and the texts of the
//! annual report that people write: the coordinator's introduction and year ahead, the force
//! lead's management response.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::text::clean_note;
use serde::Deserialize;

use crate::AppState;
use crate::access::{access, allow};
use crate::actions::ActionLine;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{FieldError, Problems, SECTION_CHARS, error_for};
use crate::panel::{Returned, returned};
use crate::shared::today;
use crate::shared::user_force;
use crate::view::{Nav, local_time};

/// Days after which an issue the force has not answered is put before the force lead.
pub const ANSWER_WITHIN_DAYS: i64 = 28;

/// An issue as the force lead's page lists it.
pub struct IssueLine {
    pub id: i64,
    pub session_id: i64,
    pub where_: String,
    pub description: String,
    pub escalation_note: String,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "force.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    escalated: Vec<IssueLine>,
    unanswered: Vec<IssueLine>,
    actions: Vec<ActionLine>,
    days: i64,
    year: i32,
    year_label: String,
    response_written: bool,
    errors: Vec<FieldError>,
    /// An answer that came back with a problem: the issue, and what was typed.
    typed: Option<(i64, String)>,
    /// Whether an answer was just sent, for the banner.
    answered: bool,
}

impl Page {
    fn error_for(&self, field: impl AsRef<str>) -> Option<&str> {
        error_for(&self.errors, field.as_ref())
    }

    /// What was typed as the answer to issue `id`, when it came back.
    fn typed_for(&self, id: &i64) -> &str {
        self.typed
            .as_ref()
            .filter(|(i, _)| i == id)
            .map_or("", |(_, t)| t.as_str())
    }
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    answered: Option<u8>,
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Response> {
    let mut page = force_page(&state, &user, Vec::new(), None).await?;
    page.answered = q.answered.is_some();
    Ok(Html(page.render()?).into_response())
}

/// The force lead's page, with an answer that came back shown as typed.
async fn force_page(
    state: &AppState,
    user: &User,
    errors: Vec<FieldError>,
    typed: Option<(i64, String)>,
) -> Result<Page> {
    user.require(&[Role::ForceLead])?;
    let force = user_force(state, user).await?;
    let now = chrono::Utc::now();
    let issues = state.store.force_issues(force.id).await?;
    let line = |i: &callaudit_storage::accountability::ForceIssue| IssueLine {
        id: i.id,
        session_id: i.session_id,
        where_: format!(
            "Session of {}, call {}",
            callaudit_domain::time::long_date(i.held_on),
            i.position
        ),
        description: i.description.clone(),
        escalation_note: i.escalation_note.clone().unwrap_or_default(),
        raised: local_time(Some(i.raised_at), "%-d %B %Y"),
    };
    let escalated = issues
        .iter()
        .filter(|i| i.awaits_answer())
        .map(line)
        .collect();
    let unanswered = issues
        .iter()
        .filter(|i| !i.awaits_answer() && i.unanswered_after(ANSWER_WITHIN_DAYS, now))
        .map(line)
        .collect();
    let today = today();
    let mut actions: Vec<ActionLine> = state
        .store
        .actions(force.id)
        .await?
        .iter()
        .filter(|a| a.owner_id == Some(user.person.id))
        .filter(|a| {
            callaudit_domain::audit::ActionStatus::parse(&a.status).is_some_and(|s| s.is_live())
        })
        .map(|a| ActionLine::new(a, user, today))
        .collect();
    // Overdue first; the log's order (newest first) otherwise.
    actions.sort_by_key(|a| !a.overdue);
    let year = report_year(state, force.id).await?;
    Ok(Page {
        nav: Some(user.nav("/force")),
        csrf: user.csrf.clone(),
        escalated,
        unanswered,
        actions,
        days: ANSWER_WITHIN_DAYS,
        year,
        year_label: callaudit_domain::time::year_label(year),
        response_written: !state
            .store
            .report_text(force.id, year, "force-response")
            .await?
            .is_empty(),
        errors,
        typed,
        answered: false,
    })
}

/// The financial year whose report is being written: the year of the latest session held, or
/// this year before the first.
async fn report_year(state: &AppState, force_id: i64) -> Result<i32> {
    let latest = state
        .store
        .sessions(force_id)
        .await?
        .iter()
        .map(|s| s.held_on)
        .filter(|d| *d <= today())
        .max();
    Ok(callaudit_domain::time::financial_year(
        latest.unwrap_or_else(today),
    ))
}

/// The facilitator escalates an issue to the force lead, saying what is asked of them.
pub async fn escalate(
    State(state): State<AppState>,
    Path(issue): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let id = state.store.issue_session(issue).await?;
    let (_, r) = access(&state, &p.user, id).await?;
    allow(r.facilitate, "escalating this issue")?;
    let field = format!("e{issue}-note");
    let mut problems = Problems::default();
    let note = problems.note(&p.fields, "note", &field, "What you ask the force lead");
    if note.is_empty() && problems.is_empty() {
        problems.add(
            field,
            "Enter what you ask the force lead to look at or decide",
        );
    }
    if !problems.is_empty() {
        let typed = p.fields.get("note").unwrap_or("").to_string();
        return returned(
            &state,
            &p.user,
            id,
            Returned::Escalation(issue, typed),
            problems,
        )
        .await;
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.escalate(issue, &note, p.user.person.id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}/responses#issue-{issue}")).into_response())
}

/// The force lead answers an issue escalated to them.
pub async fn answer(
    State(state): State<AppState>,
    Path(issue): Path<i64>,
    p: Posted,
) -> Result<Response> {
    p.user.require(&[Role::ForceLead])?;
    let id = state.store.issue_session(issue).await?;
    let (_, r) = access(&state, &p.user, id).await?;
    allow(r.view, "this issue")?;
    let field = format!("answer-{issue}");
    let mut problems = Problems::default();
    let answer = problems.note(&p.fields, "answer", &field, "The answer");
    if answer.is_empty() && problems.is_empty() {
        problems.add(field, "Enter the force's answer to the escalation");
    }
    if !problems.is_empty() {
        let typed = p.fields.get("answer").unwrap_or("").to_string();
        let page = force_page(&state, &p.user, problems.into_vec(), Some((issue, typed))).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.answer_escalation(issue, &answer, p.user.person.id)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to("/force?answered=1").into_response())
}

/// A section of the annual report that people write, and who writes it.
struct Section {
    code: &'static str,
    title: &'static str,
    hint: &'static str,
    writer: Role,
}

const SECTIONS: [Section; 3] = [
    Section {
        code: "introduction",
        title: "Introduction",
        hint: "How many auditors the panel had at the year's end, how often it sits, and what changed this year.",
        writer: Role::Coordinator,
    },
    Section {
        code: "year-ahead",
        title: "The year ahead",
        hint: "What the panel will look at next year, and any change to how it works.",
        writer: Role::Coordinator,
    },
    Section {
        code: "force-response",
        title: "The force's management response",
        hint: "The force's answer to this year's findings: what it accepts, what it has done and what it will do.",
        writer: Role::ForceLead,
    },
];

pub struct SectionView {
    pub code: &'static str,
    pub title: &'static str,
    pub hint: &'static str,
    pub text: String,
    pub editable: bool,
}

#[derive(Template)]
#[template(path = "texts.html")]
struct Texts {
    nav: Option<Nav>,
    csrf: String,
    year: i32,
    year_label: String,
    sections: Vec<SectionView>,
    errors: Vec<FieldError>,
    /// The section just saved, for the banner.
    saved: Option<&'static str>,
}

impl Texts {
    fn error_for(&self, field: impl AsRef<str>) -> Option<&str> {
        error_for(&self.errors, field.as_ref())
    }
}

#[derive(Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
    /// The section just saved.
    #[serde(default)]
    saved: Option<String>,
}

const TEXT_ROLES: [Role; 3] = [Role::Coordinator, Role::ForceLead, Role::Viewer];

/// The written sections of a year's annual report: each role edits its own, and reads the rest.
pub async fn texts(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    user.require(&TEXT_ROLES)?;
    let force = user_force(&state, &user).await?;
    let year = match q.year {
        Some(y) => crate::pages::checked_year(y)?,
        None => report_year(&state, force.id).await?,
    };
    let mut page = texts_page(&state, &user, year, None, Vec::new()).await?;
    page.saved = SECTIONS
        .iter()
        .find(|s| q.saved.as_deref() == Some(s.code))
        .map(|s| s.title);
    Ok(Html(page.render()?).into_response())
}

/// The year's written sections, with one that came back shown as typed: (its code, the text).
async fn texts_page(
    state: &AppState,
    user: &User,
    year: i32,
    typed: Option<(&str, String)>,
    errors: Vec<FieldError>,
) -> Result<Texts> {
    let force = user_force(state, user).await?;
    let mut sections = Vec::new();
    for s in &SECTIONS {
        let text = match &typed {
            Some((code, t)) if *code == s.code => t.clone(),
            _ => state.store.report_text(force.id, year, s.code).await?,
        };
        sections.push(SectionView {
            code: s.code,
            title: s.title,
            hint: s.hint,
            text,
            editable: s.writer == user.role,
        });
    }
    Ok(Texts {
        nav: Some(user.nav("/reports")),
        csrf: user.csrf.clone(),
        year,
        year_label: callaudit_domain::time::year_label(year),
        sections,
        errors,
        saved: None,
    })
}

/// Saves one written section; only the role that writes it may.
pub async fn save_text(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator, Role::ForceLead])?;
    let f = &p.fields;
    let year = crate::pages::checked_year(f.text("year").parse().map_err(|_| {
        AppError::BadRequest("The year must be a financial year such as 2025.".into())
    })?)?;
    let code = f.text("section");
    let section = SECTIONS
        .iter()
        .find(|s| s.code == code)
        .ok_or_else(|| AppError::BadRequest(format!("There is no section {code:?}.")))?;
    if section.writer != p.user.role {
        return Err(AppError::Forbidden(format!(
            "{} is written by the {}.",
            section.title,
            crate::view::role_label(section.writer).to_lowercase()
        )));
    }
    let field = format!("text-{code}");
    let text = match clean_note(f.get("text").unwrap_or(""), SECTION_CHARS) {
        Ok(t) => t,
        Err(e) => {
            // The page again with the section as typed: a long text is never lost.
            let typed = f.get("text").unwrap_or("").to_string();
            let errors = vec![FieldError::new(field, format!("{} {e}", section.title))];
            let page =
                texts_page(&state, &p.user, year, Some((section.code, typed)), errors).await?;
            return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
        }
    };
    let force = user_force(&state, &p.user).await?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.set_report_text(force.id, year, code.as_str(), &text)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/reports/texts?year={year}&saved={code}#{code}")).into_response())
}
