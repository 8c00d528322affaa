//! The panel view on the facilitator's screen (every auditor's answers side by side, where they
//! disagree marked), the panel's agreed outcome, and the facilitator's answers to issues raised.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::template::Category;
use callaudit_storage::export::IssueRow;
use callaudit_storage::sessions::{Outcome, Response as IssueResponse};

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::score::{Choice, area_choices, category_choices, session_call};
use crate::sessions::{access, allow};
use crate::view::{Nav, answer_label, category_label, channel_label};

pub struct Row {
    pub label: String,
    pub cells: Vec<(String, String)>,
    pub disagree: bool,
}

pub struct CallPanel {
    pub n: i64,
    pub call_ref: String,
    pub incident_type: String,
    pub channel: String,
    pub rows: Vec<Row>,
    pub agreed: String,
    pub categories: Vec<Choice>,
    pub areas: Vec<Choice>,
    pub comments: String,
    pub learning_points: String,
    pub good_practice: bool,
    pub issues: Vec<String>,
    pub prompts: Vec<crate::recordings::PromptView>,
}

#[derive(Template)]
#[template(path = "panel.html")]
struct Page {
    nav: Option<Nav>,
    id: i64,
    csrf: String,
    can_record: bool,
    can_play: bool,
    auditors: Vec<String>,
    calls: Vec<CallPanel>,
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (a, r) = access(&state, &user, id).await?;
    allow(r.panel_view, "the panel view of this session")?;
    let template = state.template(a.programme_id).await?;
    let panel = state.store.panel(id).await?;
    let issues = state.store.session_issues(id).await?;
    let mut calls = Vec::new();
    for c in state.store.session_outcomes(id).await? {
        let answers = state.store.call_answers(c.session_call_id).await?;
        let proposals = state.store.call_proposals(c.session_call_id).await?;
        let mut rows = Vec::new();
        for q in &template.questions {
            let cells: Vec<(String, String)> = panel
                .iter()
                .map(|p| {
                    answers
                        .iter()
                        .find(|a| a.auditor_id == p.id && a.question_code == q.code)
                        .map(|a| (answer_label(&a.answer).to_string(), a.note.clone()))
                        .unwrap_or_else(|| ("–".into(), String::new()))
                })
                .collect();
            rows.push(disagreement(q.text.clone(), cells));
        }
        let cells = panel
            .iter()
            .map(|p| {
                proposals
                    .iter()
                    .find(|x| x.auditor_id == p.id)
                    .map(|x| {
                        (
                            category_label(&x.category).to_string(),
                            x.areas.replace(';', ", "),
                        )
                    })
                    .unwrap_or_else(|| ("–".into(), String::new()))
            })
            .collect();
        rows.push(disagreement("Proposed category".into(), cells));
        let agreed_areas: Vec<&str> = c.areas.split(';').filter(|a| !a.is_empty()).collect();
        calls.push(CallPanel {
            n: c.position,
            call_ref: c.call_ref.clone(),
            incident_type: c.incident_type.clone(),
            channel: channel_label(&c.channel),
            rows,
            agreed: category_label(c.category.as_deref().unwrap_or("")).to_string(),
            categories: category_choices(c.category.as_deref()),
            areas: area_choices(&template, &agreed_areas),
            comments: c.comments.clone().unwrap_or_default(),
            learning_points: c.learning_points.clone().unwrap_or_default(),
            good_practice: c.good_practice.unwrap_or(false),
            issues: issues
                .iter()
                .filter(|i| i.session_call_id == c.session_call_id)
                .map(|i| i.description.clone())
                .collect(),
            prompts: crate::recordings::transcript_view(&state, c.session_call_id, &template)
                .await?
                .as_ref()
                .as_ref()
                .map(|t| t.prompts.clone())
                .unwrap_or_default(),
        });
    }
    let page = Page {
        nav: Some(user.nav("/sessions")),
        id,
        csrf: user.csrf.clone(),
        can_record: r.facilitate,
        can_play: r.play,
        auditors: panel.into_iter().map(|p| p.display_name).collect(),
        calls,
    };
    Ok(Html(page.render()?).into_response())
}

/// A row is a disagreement when two auditors who answered gave different answers.
fn disagreement(label: String, cells: Vec<(String, String)>) -> Row {
    let mut given = cells.iter().map(|c| &c.0).filter(|a| *a != "–");
    let first = given.next();
    let disagree = first.is_some_and(|f| given.any(|a| a != f));
    Row {
        label,
        cells,
        disagree,
    }
}

pub async fn agree(
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
    p: Posted,
) -> Result<Response> {
    let (a, r) = access(&state, &p.user, id).await?;
    allow(r.facilitate, "recording the panel's outcome")?;
    let (call, _) = session_call(&state, id, n).await?;
    let template = state.template(a.programme_id).await?;
    let f = &p.fields;
    let category = Category::parse(&f.text("category")).map_err(|e| {
        AppError::BadRequest(format!(
            "Choose the category the panel agreed: the category {e}"
        ))
    })?;
    let outcome = Outcome {
        category,
        areas: f.areas(&template)?,
        comments: f.note("comments", "The comments")?,
        learning_points: f.note("learning_points", "The learning points")?,
        good_practice: f.get("good_practice") == Some("yes"),
    };
    let issue = f.note("issue", "The issue")?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.save_outcome(call.session_call_id, &outcome).await?;
    if !issue.is_empty() {
        tx.raise_issue(call.session_call_id, None, &issue).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}/panel#call-{n}")).into_response())
}

pub struct IssueView {
    pub row: IssueRow,
    pub call: i64,
}

#[derive(Template)]
#[template(path = "responses.html")]
struct Responses {
    nav: Option<Nav>,
    id: i64,
    csrf: String,
    can_respond: bool,
    issues: Vec<IssueView>,
}

pub async fn responses(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (_, r) = access(&state, &user, id).await?;
    allow(r.facilitate || r.manage, "the responses of this session")?;
    let calls = state.store.session_calls(id).await?;
    let issues = state
        .store
        .session_issues(id)
        .await?
        .into_iter()
        .map(|row| IssueView {
            call: calls
                .iter()
                .find(|c| c.id == row.session_call_id)
                .map(|c| c.position)
                .unwrap_or(0),
            row,
        })
        .collect();
    let page = Responses {
        nav: Some(user.nav("/sessions")),
        id,
        csrf: user.csrf.clone(),
        can_respond: r.facilitate,
        issues,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn respond(
    State(state): State<AppState>,
    Path(issue): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let id = state.store.issue_session(issue).await?;
    let (_, r) = access(&state, &p.user, id).await?;
    allow(r.facilitate, "answering this issue")?;
    let f = &p.fields;
    let response = f.note("response", "The response")?;
    if response.is_empty() {
        return Err(AppError::BadRequest(
            "Write the force's response to the issue.".into(),
        ));
    }
    let feedback_kind = match f.text("feedback_kind").as_str() {
        "" => None,
        k @ ("positive" | "developmental") => Some(k.to_string()),
        other => {
            return Err(AppError::BadRequest(format!(
                "The feedback {other:?} is not positive or developmental."
            )));
        }
    };
    let feedback_relayed_on = f.date("feedback_relayed_on", "The date feedback was relayed")?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.respond(
        issue,
        &IssueResponse {
            response,
            action_taken: f.note("action_taken", "The action taken")?,
            escalated_to: f.note("escalated_to", "The escalation")?,
            feedback_kind,
            feedback_relayed_on,
            responded_by: Some(p.user.person.id),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}/responses#issue-{issue}")).into_response())
}
