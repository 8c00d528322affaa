//! Reference calls and the training library: the coordinator keeps a call from a closed session
//! as an example of good or poor handling, with the agreed answer to each question and why; new
//! volunteers read the library before their first session.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::template::{Answer, ProgrammeKind};
use callaudit_domain::training::LibraryShows;

use crate::AppState;
use crate::access::{access, allow};
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{FieldError, Problems, error_for};
use crate::score::{ANSWERS, answer_words, session_call};
use crate::shared::user_force;
use crate::view::Nav;

/// One question of the form: the auditors' answers in words, and the agreed answer and reason as
/// typed (or, at first, the answer most auditors gave).
struct QuestionForm {
    code: String,
    text: String,
    given: String,
    answer: String,
    note: String,
}

#[derive(Template)]
#[template(path = "reference.html")]
struct Form {
    nav: Option<Nav>,
    csrf: String,
    id: i64,
    n: i64,
    heading: String,
    example: String,
    commentary: String,
    questions: Vec<QuestionForm>,
    answers: &'static [(&'static str, &'static str)],
    errors: Vec<FieldError>,
}

impl Form {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// The coordinator's right to keep session `id`'s calls: a call audit, closed, its recordings
/// still kept (the store checks again when the reference is kept). Gives the session's force.
async fn keepable(state: &AppState, user: &User, id: i64) -> Result<i64> {
    let (a, r) = access(state, user, id).await?;
    allow(r.manage, "keeping this session's calls as references")?;
    if a.kind != ProgrammeKind::CallAudit
        || a.status != callaudit_domain::audit::SessionStatus::Closed
    {
        return Err(AppError::Conflict(
            "Only a call from a closed call audit session can be kept as a reference: its panel has decided on it.".into(),
        ));
    }
    if state.store.recordings_removed(id).await? {
        return Err(AppError::Conflict(
            "This session's recordings have been removed under the retention period, so its calls cannot be heard in training.".into(),
        ));
    }
    Ok(a.force_id)
}

async fn form(
    state: &AppState,
    user: &User,
    force_id: i64,
    id: i64,
    n: i64,
    typed: Option<(&crate::forms::Fields, Vec<FieldError>)>,
) -> Result<Form> {
    let (call, _) = session_call(state, id, n).await?;
    let session = state.store.session(id).await?;
    let template = state.template(session.programme_id).await?;
    let answers = state.answers(call.session_call_id).await?;
    let kept: HashMap<String, (Answer, String)> = state
        .store
        .reference_answers(force_id)
        .await?
        .into_iter()
        .filter(|a| a.session_call_id == call.session_call_id)
        .map(|a| (a.question_code, (a.answer, a.note)))
        .collect();
    let reference = state
        .store
        .references(force_id)
        .await?
        .into_iter()
        .find(|r| r.session_call_id == call.session_call_id);
    let questions = template
        .questions
        .iter()
        .map(|q| {
            let mut counts: Vec<(Answer, usize)> = Answer::ALL
                .iter()
                .map(|a| {
                    let n = answers
                        .iter()
                        .filter(|x| x.question_code == q.code && x.answer == *a)
                        .count();
                    (*a, n)
                })
                .filter(|(_, n)| *n > 0)
                .collect();
            counts.sort_by_key(|c| std::cmp::Reverse(c.1));
            let given = match counts.is_empty() {
                true => "Nobody answered it".to_string(),
                false => counts
                    .iter()
                    .map(|(a, n)| format!("{} ×{n}", answer_words(*a)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let (answer, note) = match typed {
                Some((f, _)) => (
                    f.text(&format!("a_{}", q.code)),
                    f.text(&format!("n_{}", q.code)),
                ),
                None => match kept.get(&q.code) {
                    Some((a, note)) => (a.code().to_string(), note.clone()),
                    None => (
                        counts
                            .first()
                            .map_or(String::new(), |(a, _)| a.code().to_string()),
                        String::new(),
                    ),
                },
            };
            QuestionForm {
                code: q.code.clone(),
                text: q.text.clone(),
                given,
                answer,
                note,
            }
        })
        .collect();
    let (example, commentary, errors) = match typed {
        Some((f, errors)) => (f.text("example"), f.text("commentary"), errors),
        None => match reference {
            Some(r) => (r.example, r.commentary, Vec::new()),
            None => (String::new(), String::new(), Vec::new()),
        },
    };
    Ok(Form {
        nav: Some(user.nav("/sessions")),
        csrf: user.csrf.clone(),
        id,
        n,
        heading: format!(
            "Call {n} of {}: {}, {}",
            session.held_on.format("%-d %B %Y"),
            call.incident_type,
            call.channel
        ),
        example,
        commentary,
        questions,
        answers: &ANSWERS,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
    user: User,
) -> Result<Response> {
    let force_id = keepable(&state, &user, id).await?;
    let page = form(&state, &user, force_id, id, n, None).await?;
    Ok(Html(page.render()?).into_response())
}

pub async fn keep(
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
    p: Posted,
) -> Result<Response> {
    let force_id = keepable(&state, &p.user, id).await?;
    let (call, _) = session_call(&state, id, n).await?;
    let session = state.store.session(id).await?;
    let template = state.template(session.programme_id).await?;
    let mut problems = Problems::default();
    let example = p.fields.text("example");
    if !["good", "poor"].contains(&example.as_str()) {
        problems.add(
            "example-good",
            "Select whether the call is an example of good or of poor handling",
        );
    }
    let commentary = problems.note(&p.fields, "commentary", "commentary", "The commentary");
    if commentary.is_empty() && problems.is_empty() {
        problems.add(
            "commentary",
            "Enter the commentary: what a new volunteer should learn from this call",
        );
    }
    let mut answers = Vec::new();
    for q in &template.questions {
        let field = format!("a_{}", q.code);
        let note = problems.note(
            &p.fields,
            &format!("n_{}", q.code),
            &format!("n_{}", q.code),
            &format!("The reason for “{}”", q.text),
        );
        match Answer::parse(&p.fields.text(&field)) {
            Ok(a) => answers.push((q.code.clone(), a, note)),
            Err(_) => problems.add(
                format!("{field}-yes"),
                format!("Select the agreed answer to “{}”", q.text),
            ),
        }
    }
    if !problems.is_empty() {
        let page = form(
            &state,
            &p.user,
            force_id,
            id,
            n,
            Some((&p.fields, problems.into_vec())),
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.mark_reference(
        call.session_call_id,
        &example,
        &commentary,
        p.user.person.id,
        &answers,
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/references?kept=1").into_response())
}

/// A reference call as the library shows it.
struct Entry {
    heading: String,
    commentary: String,
    /// (question, agreed answer, why).
    answers: Vec<(String, &'static str, String)>,
    session: Option<i64>,
    /// The transcript, where the programme lets the library show it.
    transcript: std::sync::Arc<Option<crate::recordings::TranscriptView>>,
    /// The address of the recording, where the programme lets the library play it and the
    /// retention period still keeps it.
    recording: Option<String>,
}

#[derive(Template)]
#[template(path = "references.html")]
struct Library {
    nav: Option<Nav>,
    kept: bool,
    coordinator: bool,
    /// What the programme lets the library show, in words, for the coordinator.
    rule: &'static str,
    /// (heading, the entries under it): good examples, then poor, each only when there are some.
    sections: Vec<(&'static str, Vec<Entry>)>,
}

#[derive(serde::Deserialize)]
pub struct KeptQuery {
    #[serde(default)]
    kept: Option<u8>,
}

/// The training library: the force's reference calls, good examples then poor, each with the
/// panel's commentary and the agreed answer to each question with its reason. For the coordinator
/// and the volunteers.
pub async fn library(
    State(state): State<AppState>,
    Query(q): Query<KeptQuery>,
    user: User,
) -> Result<Response> {
    user.require(&[Role::Coordinator, Role::Auditor])?;
    let force = user_force(&state, &user).await?;
    let mut answers: HashMap<i64, Vec<(String, Answer, String)>> = HashMap::new();
    for a in state.store.reference_answers(force.id).await? {
        answers
            .entry(a.session_call_id)
            .or_default()
            .push((a.question_code, a.answer, a.note));
    }
    let coordinator = user.role == Role::Coordinator;
    let mut good = Vec::new();
    let mut poor = Vec::new();
    let mut rule = LibraryShows::Text;
    let cleared = cleared(&state, &user).await?;
    for r in state.store.references(force.id).await? {
        let template = state.template(r.programme_id).await?;
        rule = shows(&state, r.programme_id).await?;
        // A volunteer not cleared today reads the text only, whatever the programme allows.
        let heard = if cleared { rule } else { LibraryShows::Text };
        let text = |code: &str| {
            template
                .questions
                .iter()
                .find(|q| q.code == code)
                .map_or(code.to_string(), |q| q.text.clone())
        };
        let entry = Entry {
            heading: format!(
                "{}, a {} call heard on {}",
                r.incident_type,
                r.channel,
                r.held_on.format("%-d %B %Y")
            ),
            commentary: r.commentary,
            // In the template's order, as the auditors met the questions.
            answers: {
                let mut given = answers.remove(&r.session_call_id).unwrap_or_default();
                given.sort_by_key(|(code, _, _)| {
                    template.questions.iter().position(|q| &q.code == code)
                });
                given
                    .into_iter()
                    .map(|(code, a, note)| (text(&code), answer_words(a), note))
                    .collect()
            },
            session: coordinator.then_some(r.session_id),
            transcript: match heard.transcript() && r.recording_kept {
                true => {
                    crate::recordings::transcript_view(&state, r.session_call_id, &template).await?
                }
                false => std::sync::Arc::new(None),
            },
            recording: (heard.recording()
                && r.recording_kept
                && state.recording(r.session_call_id).await?.is_some())
            .then(|| format!("/references/{}/recording", r.session_call_id)),
        };
        match r.example.as_str() {
            "good" => good.push(entry),
            _ => poor.push(entry),
        }
    }
    let page = Library {
        // The coordinator reaches the library from the Auditors page; a volunteer from the menu.
        nav: Some(user.nav(if coordinator {
            "/auditors"
        } else {
            "/references"
        })),
        kept: q.kept.is_some(),
        coordinator,
        rule: rule.label(),
        sections: [
            ("Examples of good handling", good),
            ("Examples of poor handling", poor),
        ]
        .into_iter()
        .filter(|(_, e)| !e.is_empty())
        .collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// Whether `user` may have a real call's transcript or recording outside a session: the
/// coordinator, or a volunteer whose training record shows today the confidentiality agreement
/// accepted and vetting in date (the rule that seats them on a panel).
async fn cleared(state: &AppState, user: &User) -> Result<bool> {
    Ok(match user.role {
        Role::Coordinator => true,
        _ => state
            .store
            .training(user.person.id)
            .await?
            .bars(crate::shared::today())
            .is_empty(),
    })
}

/// What programme `id` lets the library show.
async fn shows(state: &AppState, id: i64) -> Result<LibraryShows> {
    let p = state.store.programme(id).await?;
    Ok(LibraryShows::parse(&p.library_shows).unwrap_or_default())
}

/// A reference call's recording, for the force's coordinator and volunteers, where its
/// programme lets the library play it and the retention period still keeps it.
pub async fn recording(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> Result<Response> {
    user.require(&[Role::Coordinator, Role::Auditor])?;
    let force = user_force(&state, &user).await?;
    let r = state
        .store
        .references(force.id)
        .await?
        .into_iter()
        .find(|r| r.session_call_id == id)
        .ok_or_else(|| AppError::NotFound(format!("There is no reference call {id}.")))?;
    if !cleared(&state, &user).await? {
        return Err(AppError::Forbidden(
            "Your training record does not show the confidentiality agreement accepted and vetting in date today, so the library shows you the text only. Ask the scheme coordinator.".into(),
        ));
    }
    if !shows(&state, r.programme_id).await?.recording() {
        return Err(AppError::Forbidden(
            "The programme does not let the training library play recordings: volunteers hear them in a session.".into(),
        ));
    }
    if !r.recording_kept {
        return Err(AppError::Gone(
            "This call's recording was removed when the programme's retention period ended.".into(),
        ));
    }
    let stored = (*state.recording(id).await?)
        .clone()
        .ok_or_else(|| AppError::NotFound("The pool holds no recording for this call.".into()))?;
    crate::score::stream(
        &state,
        &user,
        id,
        &stored,
        serde_json::json!({ "library": true }),
        req,
    )
    .await
}
