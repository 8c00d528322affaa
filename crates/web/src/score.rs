//! The auditor's page for one call: the recording, the call's details (never the caller's), the
//! question set, and the auditor's proposed category and areas. Answers are saved as they are
//! given (by the page's script) or with the button (without it); only what changed is written.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use callaudit_domain::template::{Answer, Category, Template as AuditTemplate};
use callaudit_storage::export::SessionOutcomeRow;
use callaudit_storage::recordings::CallRecording;
use callaudit_storage::sessions::StoredProposal;
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use axum::body::Bytes;
use callaudit_storage::sessions::SessionAccess;

use crate::AppState;
use crate::access::{access, allow};
use crate::auth::{Posted, User};
use crate::cache::Key;
use crate::error::{AppError, Result};
use crate::recordings::{self, local_path};
use crate::view::{Nav, channel_label, local_time};

/// The call at position `n` of session `id`, and how many calls the session has.
pub async fn session_call(state: &AppState, id: i64, n: i64) -> Result<(SessionOutcomeRow, usize)> {
    let calls = state.session_calls(id).await?;
    let call = calls
        .iter()
        .find(|c| c.position == n)
        .ok_or_else(|| AppError::NotFound(format!("Session {id} has no call {n}.")))?;
    Ok((call.clone(), calls.len()))
}

/// Whether those who score session `a` under `template` also propose a category and areas: a
/// Crime Data Integrity record is judged by its checks alone (seed 002), and a calibration
/// session compares the answers alone; a call audit asks the panel's view too.
fn proposes(template: &callaudit_domain::template::Template, a: &SessionAccess) -> bool {
    template.kind != callaudit_domain::template::ProgrammeKind::CrimeDataIntegrity && !a.calibration
}

/// Refuses a change once this auditor has finished calibration session `a`: their comparison
/// is of the answers they gave before seeing the agreed ones.
pub async fn still_answering(state: &AppState, a: &SessionAccess, person_id: i64) -> Result<()> {
    if a.calibration
        && state
            .store
            .calibration_finishes(a.session_id)
            .await?
            .iter()
            .any(|(p, _)| *p == person_id)
    {
        return Err(AppError::Conflict(format!(
            "You have finished this calibration session, so your answers are fixed. See how they compare with the agreed answers: /sessions/{}/comparison",
            a.session_id
        )));
    }
    Ok(())
}

/// One auditor's answers to a call so far: question code → (answer, note).
async fn own_answers(
    state: &AppState,
    session_call_id: i64,
    auditor_id: i64,
) -> Result<HashMap<String, (String, String)>> {
    Ok(state
        .answers(session_call_id)
        .await?
        .iter()
        .filter(|a| a.auditor_id == auditor_id)
        .map(|a| {
            (
                a.question_code.clone(),
                (a.answer.code().to_string(), a.note.clone()),
            )
        })
        .collect())
}

/// One auditor's proposed category and areas for a call, if given yet.
async fn own_proposal(
    state: &AppState,
    session_call_id: i64,
    auditor_id: i64,
) -> Result<Option<StoredProposal>> {
    Ok(state
        .proposals(session_call_id)
        .await?
        .iter()
        .find(|p| p.auditor_id == auditor_id)
        .cloned())
}

pub struct Question {
    pub code: String,
    pub text: String,
    pub answer: String,
    pub note: String,
}

pub struct Choice {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "score.html")]
struct Page {
    nav: Option<Nav>,
    id: i64,
    n: i64,
    total: usize,
    call_ref: String,
    date: String,
    channel: String,
    incident_type: String,
    has_recording: bool,
    csrf: String,
    questions: Vec<Question>,
    answers: &'static [(&'static str, &'static str)],
    categories: Vec<Choice>,
    areas: Vec<Choice>,
    saved: bool,
    transcript: Arc<Option<recordings::TranscriptView>>,
    prev: Option<i64>,
    next: Option<i64>,
    /// Questions this auditor has answered on this call.
    answered: usize,
    /// What is left unanswered, when the auditor tried to move on with some.
    unanswered: Option<Unanswered>,
    /// The first category's code, for the link to the category question.
    first_category: &'static str,
    /// Whether the scorer proposes a category and areas (not for a Crime Data Integrity record).
    judges: bool,
    /// What the control room wrote about the call, under the programme's rule.
    log: crate::incident::CallLog,
}

/// What an auditor left unanswered on a call they asked to leave, and where they were going.
struct Unanswered {
    /// The questions without an answer: (code, text).
    questions: Vec<(String, String)>,
    no_category: bool,
    /// Whether they asked to finish (the last call) rather than go to the next call.
    finish: bool,
    /// Where "anyway" goes.
    onward: String,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
    /// Set when the auditor asked to move on with questions unanswered: `next` or `finish`.
    #[serde(default)]
    unanswered: Option<String>,
}

/// The categories as radio choices, `chosen` checked.
pub fn category_choices(chosen: Option<&str>) -> Vec<Choice> {
    Category::ALL
        .iter()
        .map(|c| Choice {
            code: c.code().into(),
            label: c.label().into(),
            checked: chosen == Some(c.code()),
        })
        .collect()
}

/// The template's areas as checkboxes, those in `ticked` checked.
pub fn area_choices(template: &AuditTemplate, ticked: &[&str]) -> Vec<Choice> {
    template
        .areas
        .iter()
        .map(|a| Choice {
            code: a.code.clone(),
            label: a.name.clone(),
            checked: ticked.contains(&a.code.as_str()),
        })
        .collect()
}

pub const ANSWERS: [(&str, &str); 4] = [
    ("yes", "Yes"),
    ("partly", "Partly"),
    ("no", "No"),
    ("na", "Not applicable"),
];

/// An answer in the words the scoring page gives it.
pub fn answer_words(a: Answer) -> &'static str {
    ANSWERS
        .iter()
        .find(|(code, _)| *code == a.code())
        .map_or("", |(_, words)| words)
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Path((id, n)): Path<(i64, i64)>,
    Query(q): Query<SavedQuery>,
    uri: axum::http::Uri,
) -> Result<Response> {
    let (a, r) = access(&state, &user, id).await?;
    allow(r.score, "the calls of this session")?;
    // An auditor moves between calls and back: the page as last rendered for this sign-in is
    // served again until anything is committed (see `cache`).
    let key = Key::Page(user.sign_in_key().to_string(), uri.to_string());
    let html = state
        .cached(key, render_page(&state, &user, &a, id, n, q))
        .await?;
    Ok(Html(axum::body::Body::from((*html).clone())).into_response())
}

async fn render_page(
    state: &AppState,
    user: &User,
    a: &SessionAccess,
    id: i64,
    n: i64,
    q: SavedQuery,
) -> Result<Bytes> {
    let (call, total) = session_call(state, id, n).await?;
    // A question reworded since is asked as it was worded on the session's day.
    let template = state.session_template(a).await?;
    let mine = own_answers(state, call.session_call_id, user.person.id).await?;
    let proposal = own_proposal(state, call.session_call_id, user.person.id).await?;
    let my_areas: Vec<&str> = proposal
        .as_ref()
        .map(|p| p.areas.split(';').filter(|a| !a.is_empty()).collect())
        .unwrap_or_default();
    let left: Vec<(String, String)> = template
        .questions
        .iter()
        .filter(|qn| !mine.contains_key(&qn.code))
        .map(|qn| (qn.code.clone(), qn.text.clone()))
        .collect();
    let answered = template.questions.len() - left.len();
    let judges = proposes(&template, a);
    let no_category = judges && proposal.is_none();
    let unanswered = q
        .unanswered
        .as_deref()
        .filter(|_| !left.is_empty() || no_category)
        .map(|go| {
            let finish = go == "finish";
            Unanswered {
                questions: left,
                no_category,
                finish,
                onward: if finish {
                    format!("/sessions/{id}/answers")
                } else {
                    format!("/sessions/{id}/calls/{}", n + 1)
                },
            }
        });
    let transcript = recordings::transcript_view(state, call.session_call_id, &template).await?;
    let heard = transcript.as_ref().as_ref().map(|t| t.words());
    let page = Page {
        nav: Some(user.nav("/sessions")),
        id,
        n,
        total,
        call_ref: call.call_ref.clone(),
        date: local_time(call.started_at, "%-d %B %Y at %H:%M"),
        channel: channel_label(&call.channel),
        incident_type: call.incident_type.clone(),
        has_recording: state.recording(call.session_call_id).await?.is_some(),
        csrf: user.csrf.clone(),
        questions: template
            .questions
            .iter()
            .map(|qn| {
                let (answer, note) = mine.get(&qn.code).cloned().unwrap_or_default();
                Question {
                    code: qn.code.clone(),
                    text: qn.text.clone(),
                    answer,
                    note,
                }
            })
            .collect(),
        answers: &ANSWERS,
        categories: category_choices(proposal.as_ref().map(|p| p.category.code())),
        areas: area_choices(&template, &my_areas),
        saved: q.saved.is_some(),
        transcript: transcript.clone(),
        prev: (n > 1).then_some(n - 1),
        next: (usize::try_from(n).unwrap_or(usize::MAX) < total).then_some(n + 1),
        answered,
        unanswered,
        first_category: Category::ALL[0].code(),
        judges,
        log: crate::incident::call_log(state, a.force_id, a.programme_id, &call, heard.as_deref())
            .await?,
    };
    Ok(Bytes::from(page.render()?))
}

pub async fn save(
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
    p: Posted,
) -> Result<Response> {
    let (a, r) = access(&state, &p.user, id).await?;
    allow(r.score, "the calls of this session")?;
    still_answering(&state, &a, p.user.person.id).await?;
    let (call, total) = session_call(&state, id, n).await?;
    let template = state.template(a.programme_id).await?;
    let me = p.user.person.id;
    let mine = own_answers(&state, call.session_call_id, me).await?;
    let mut changes = Vec::new();
    for qn in &template.questions {
        let Some(given) = p.fields.get(&format!("q_{}", qn.code)) else {
            continue;
        };
        let answer = Answer::parse(given)
            .map_err(|e| AppError::BadRequest(format!("The answer to {:?} {e}", qn.text)))?;
        let note = p.fields.note(
            &format!("n_{}", qn.code),
            &format!("The note on {:?}", qn.text),
        )?;
        let before = mine.get(&qn.code);
        if before.is_none_or(|(a, n)| a != answer.code() || *n != note) {
            changes.push((qn.code.clone(), answer, note));
        }
    }
    let proposal = match p.fields.get("category").filter(|c| !c.is_empty()) {
        Some(c) => {
            let category = Category::parse(c)
                .map_err(|e| AppError::BadRequest(format!("The category {e}")))?;
            let areas = p.fields.areas(&template)?;
            let before = own_proposal(&state, call.session_call_id, me).await?;
            let same = before.is_some_and(|b| b.category == category && b.areas == areas.join(";"));
            (!same).then_some((category, areas))
        }
        None => None,
    };
    let written = changes.len() + usize::from(proposal.is_some());
    if written > 0 {
        let mut tx = state
            .store
            .begin_in(p.user.person.force_id, &p.user.person.email)
            .await?;
        for (code, answer, note) in &changes {
            tx.save_answer(call.session_call_id, me, code, *answer, note)
                .await?;
        }
        if let Some((category, areas)) = &proposal {
            tx.save_proposal(call.session_call_id, me, *category, areas)
                .await?;
        }
        tx.commit().await?;
    }
    if p.wants_json {
        return Ok(Json(serde_json::json!({ "saved": written })).into_response());
    }
    let last = usize::try_from(n).unwrap_or(usize::MAX) >= total;
    let go = match p.fields.get("go") {
        Some("next") if !last => "next",
        Some("finish") | Some("next") => "finish",
        _ => "stay",
    };
    // Moving on with questions left asks first: the page again, the gaps listed.
    let complete = template
        .questions
        .iter()
        .all(|qn| mine.contains_key(&qn.code) || changes.iter().any(|(c, ..)| *c == qn.code))
        && (!proposes(&template, &a)
            || proposal.is_some()
            || own_proposal(&state, call.session_call_id, me)
                .await?
                .is_some());
    let to = match go {
        "stay" => format!("/sessions/{id}/calls/{n}?saved=1"),
        _ if !complete => format!("/sessions/{id}/calls/{n}?saved=1&unanswered={go}#unanswered"),
        "next" => format!("/sessions/{id}/calls/{}", n + 1),
        _ => format!("/sessions/{id}/answers"),
    };
    Ok(Redirect::to(&to).into_response())
}

/// One call as the auditor's summary lists it.
struct MyCall {
    n: i64,
    call_ref: String,
    incident_type: String,
    answered: usize,
    category: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "answers.html")]
struct Summary {
    nav: Option<Nav>,
    id: i64,
    held_on: String,
    questions: usize,
    calls: Vec<MyCall>,
    /// Whether a category is proposed as well (not for a Crime Data Integrity record).
    judges: bool,
    /// For a calibration session: whether this auditor has said they finished, and the form's
    /// token to say so.
    calibration: Option<(bool, String)>,
}

impl Summary {
    /// Calls with every question answered and, where one is proposed, a category.
    fn finished(&self) -> usize {
        self.calls
            .iter()
            .filter(|c| c.answered == self.questions && (!self.judges || c.category.is_some()))
            .count()
    }
}

/// What this auditor answered on each call of the session, with a link back to each, and what
/// happens next: the page after the last call.
pub async fn summary(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (a, r) = access(&state, &user, id).await?;
    allow(r.score, "the calls of this session")?;
    let template = state.template(a.programme_id).await?;
    let me = user.person.id;
    let mut calls = Vec::new();
    for c in state.session_calls(id).await?.iter() {
        let mine = own_answers(&state, c.session_call_id, me).await?;
        let proposal = own_proposal(&state, c.session_call_id, me).await?;
        calls.push(MyCall {
            n: c.position,
            call_ref: c.call_ref.clone(),
            incident_type: c.incident_type.clone(),
            answered: template
                .questions
                .iter()
                .filter(|q| mine.contains_key(&q.code))
                .count(),
            category: proposal.map(|p| p.category.short()),
        });
    }
    let session = state.store.session(id).await?;
    let page = Summary {
        nav: Some(user.nav("/sessions")),
        id,
        held_on: session.held_on.format("%-d %B %Y").to_string(),
        questions: template.questions.len(),
        calls,
        judges: proposes(&template, &a),
        calibration: match a.calibration {
            true => Some((
                still_answering(&state, &a, me).await.is_err(),
                user.csrf.clone(),
            )),
            false => None,
        },
    };
    Ok(Html(page.render()?).into_response())
}

/// A session's call and its recording, for someone entitled to hear it at this moment.
async fn playable_call(
    state: &AppState,
    user: &User,
    id: i64,
    n: i64,
) -> Result<(SessionOutcomeRow, CallRecording)> {
    let (_, r) = access(state, user, id).await?;
    allow(r.play, "the recordings of this session")?;
    if state.store.recordings_removed(id).await? {
        return Err(AppError::Gone(
            "This session's recordings were removed when the programme's retention period ended; they can no longer be played.".into(),
        ));
    }
    let (call, _) = session_call(state, id, n).await?;
    let stored = (*state.recording(call.session_call_id).await?)
        .clone()
        .ok_or_else(|| AppError::NotFound("The pool holds no recording for this call.".into()))?;
    Ok((call, stored))
}

/// Streams a recording, with HTTP range requests so the player can seek, to those entitled to
/// hear it at this moment (an auditor on the panel while the session is open, the facilitator).
pub async fn recording(
    State(state): State<AppState>,
    user: User,
    Path((id, n)): Path<(i64, i64)>,
    req: Request,
) -> Result<Response> {
    let (call, stored) = playable_call(&state, &user, id, n).await?;
    stream(
        &state,
        &user,
        call.session_call_id,
        &stored,
        serde_json::json!({ "session": id, "call": n }),
        req,
    )
    .await
}

/// Streams `stored`, the recording of session call `session_call_id`, to `user`, whose right to
/// hear it the caller has checked; the first request of a playing is written to the history with
/// `details`.
pub async fn stream(
    state: &AppState,
    user: &User,
    session_call_id: i64,
    stored: &CallRecording,
    details: serde_json::Value,
    req: Request,
) -> Result<Response> {
    let path = local_path(&state.config.recordings, &stored.recording).ok_or_else(|| {
        AppError::NotFound(
            "This call's recording is held on the force's recorder, not in this server's recordings folder."
                .into(),
        )
    })?;
    if !path.is_file() {
        return Err(AppError::NotFound(
            "The recording file is missing from the recordings folder. Tell the scheme coordinator."
                .into(),
        ));
    }
    // Access to recordings is logged; a player's follow-up range requests are not each recorded.
    let first = req
        .headers()
        .get(axum::http::header::RANGE)
        .is_none_or(|v| v.as_bytes().starts_with(b"bytes=0-"));
    if first {
        let mut tx = state
            .store
            .begin_in(user.person.force_id, &user.person.email)
            .await?;
        tx.record("recording", Some(session_call_id), "play", details)
            .await?;
        tx.commit().await?;
    }
    let res = ServeFile::new(path)
        .oneshot(req)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(res.into_response())
}

/// The silences and waveform of a call's recording for the player, to those entitled to hear the
/// recording. The first request analyses the recording and keeps the result.
pub async fn recording_analysis(
    State(state): State<AppState>,
    user: User,
    Path((id, n)): Path<(i64, i64)>,
) -> Result<Response> {
    let (_, stored) = playable_call(&state, &user, id, n).await?;
    let found = recordings::analysis(
        &state.store,
        &user.person.email,
        &state.config.recordings,
        stored.call_id,
        &stored.recording,
        false,
    )
    .await?;
    match found {
        // The stored documents are this program's own JSON; they are sent as they are.
        Ok((kept, _)) => Ok((
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            format!(
                "{{\"analysis\":{},\"waveform\":{}}}",
                kept.analysis, kept.waveform
            ),
        )
            .into_response()),
        Err(why) => Ok((
            axum::http::StatusCode::NOT_FOUND,
            Json(serde_json::json!({ "error": format!("No silences can be shown: {why}.") })),
        )
            .into_response()),
    }
}
