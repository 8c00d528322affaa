//! The panel view on the facilitator's screen (every auditor's answers side by side, where they
//! disagree marked), the panel's agreed outcome, and the facilitator's answers to issues raised.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::template::Category;
use callaudit_storage::export::IssueRow;
use callaudit_storage::sessions::{Outcome, Response as IssueResponse};

use serde::Deserialize;

use crate::AppState;
use crate::access::{access, allow};
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{DateTyped, FieldError, Fields, Problems, date_error, error_for};
use crate::score::{Choice, area_choices, category_choices, session_call};
use crate::view::{Nav, answer_label, category_label, channel_label, digest_groups, digest_short};

pub struct Row {
    pub label: String,
    pub cells: Vec<(String, String)>,
    pub agreement: Agreement,
}

/// Whether the panel's answers to one question agree, judged only over answers given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// Every auditor on the panel answered, alike.
    Same,
    /// Two auditors who answered gave different answers.
    Differ,
    /// No answers differ, but this many auditors have not answered yet.
    NotAnswered(usize),
}

impl Agreement {
    pub fn differ(&self) -> bool {
        *self == Agreement::Differ
    }

    pub fn label(&self) -> String {
        match self {
            Agreement::Same => "Same".into(),
            Agreement::Differ => "Differ".into(),
            Agreement::NotAnswered(n) => format!("Not answered by {n}"),
        }
    }
}

/// How far one auditor has got with the session.
pub struct Progress {
    pub name: String,
    /// Calls with every question answered.
    pub calls_done: usize,
    pub questions_answered: usize,
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
    /// Issues drafted from the agreed outcome, for the facilitator to keep or drop.
    pub drafts: Vec<Draft>,
    pub prompts: Vec<crate::recordings::PromptView>,
    /// An issue typed with an outcome that came back with a problem.
    pub issue_typed: String,
    /// The call as the session holds it, to read its transcript and log when it is shown.
    row: callaudit_storage::export::SessionOutcomeRow,
    /// What the control room wrote about the call, under the programme's rule.
    pub log: crate::incident::CallLog,
}

impl CallPanel {
    /// Rows where the auditors' answers differ.
    fn differ(&self) -> usize {
        self.rows.iter().filter(|r| r.agreement.differ()).count()
    }

    /// Whether any auditor has answered anything on this call yet.
    fn any_answer(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.cells.iter().any(|(a, _)| a != "–"))
    }

    /// Whether the panel has recorded its outcome.
    fn is_agreed(&self) -> bool {
        self.agreed != "Not agreed"
    }
}

/// An issue drafted from what the panel agreed: one per agreed area, and one for a negative
/// category, until the facilitator keeps it (it becomes an issue) or drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The area's code, or "" for the negative category.
    pub key: String,
    /// What it is about, as the template words it.
    pub about: String,
    pub text: String,
}

/// The drafts still to decide for one call: an agreed area or a negative category with no issue
/// raised for it yet and not dropped. An issue raised by hand (no area) answers the negative
/// category's draft.
pub fn drafts(
    template: &callaudit_domain::template::Template,
    call: &callaudit_storage::export::SessionOutcomeRow,
    issues: &[&IssueRow],
    dropped: &[&str],
) -> Vec<Draft> {
    let Some(category) = call.category.as_deref() else {
        return Vec::new();
    };
    let detail = [call.learning_points.as_deref(), call.comments.as_deref()]
        .into_iter()
        .flatten()
        .find(|t| !t.trim().is_empty())
        .map(|t| format!(" The panel noted: {}", t.trim()))
        .unwrap_or_default();
    let taken = |key: &str| {
        dropped.contains(&key)
            || issues
                .iter()
                .any(|i| i.area_code.as_deref().unwrap_or("") == key)
    };
    let mut out = Vec::new();
    if category == "negative" && !taken("") {
        out.push(Draft {
            key: String::new(),
            about: "The negative category".into(),
            text: format!(
                "The panel judged the handling of call {} ({}) negative.{detail}",
                call.position,
                call.incident_type.to_lowercase()
            ),
        });
    }
    for code in call.areas.split(';').filter(|a| !a.is_empty()) {
        if taken(code) {
            continue;
        }
        let name = area_names(template, code);
        out.push(Draft {
            key: code.to_string(),
            about: name.clone(),
            text: format!(
                "Call {}: the panel agreed \"{name}\" needs improvement.{detail}",
                call.position
            ),
        });
    }
    out
}

/// Everything the panel compares, for every call of the session.
struct Panel {
    id: i64,
    force_id: i64,
    programme_id: i64,
    csrf: String,
    can_record: bool,
    can_play: bool,
    auditors: Vec<String>,
    calls: Vec<CallPanel>,
    progress: Vec<Progress>,
    /// Calls in the session, and questions over all of them.
    total_calls: usize,
    total_questions: usize,
}

/// The panel view's first page: how far each auditor has got, and the calls with their state.
#[derive(Template)]
#[template(path = "panel.html")]
struct Overview {
    nav: Option<Nav>,
    p: Panel,
    /// The draw's digests in groups of four and their short forms, and the panel's seed.
    digests: Option<(String, String, String)>,
    /// The call shown (none here), for the list of calls.
    current: i64,
}

/// One call at a time, as the panel discusses it.
#[derive(Template)]
#[template(path = "panel_call.html")]
struct OneCall {
    nav: Option<Nav>,
    p: Panel,
    /// The call shown, by its place in `p.calls`.
    at: usize,
    errors: Vec<FieldError>,
    /// What was just done, for the banner.
    done: Option<String>,
    /// The call shown, for the list of calls.
    current: i64,
}

impl OneCall {
    fn this(&self) -> &CallPanel {
        &self.p.calls[self.at]
    }

    fn prev(&self) -> Option<i64> {
        self.at.checked_sub(1).map(|i| self.p.calls[i].n)
    }

    fn next(&self) -> Option<i64> {
        self.p.calls.get(self.at + 1).map(|c| c.n)
    }

    fn error_for(&self, field: impl AsRef<str>) -> Option<&str> {
        error_for(&self.errors, field.as_ref())
    }

    fn category_field(&self) -> String {
        let c = self.this();
        format!(
            "c{}-cat-{}",
            c.n,
            c.categories.first().map_or("", |k| k.code.as_str())
        )
    }
}

/// The panel's comparison of every call of session `id`, for someone entitled to see it.
async fn build(state: &AppState, user: &User, id: i64) -> Result<Panel> {
    let (a, r) = access(state, user, id).await?;
    allow(r.panel_view, "the panel view of this session")?;
    let template = state.session_template(&a).await?;
    let panel = state.store.panel(id).await?;
    let issues = state.store.session_issues(id).await?;
    let dropped = state.store.dropped_drafts(id).await?;
    let mut calls = Vec::new();
    let mut progress: Vec<Progress> = panel
        .iter()
        .map(|p| Progress {
            name: p.display_name.clone(),
            calls_done: 0,
            questions_answered: 0,
        })
        .collect();
    let outcomes = state.store.session_outcomes(id).await?;
    for c in &outcomes {
        let answers = state.store.call_answers(c.session_call_id).await?;
        let proposals = state.store.call_proposals(c.session_call_id).await?;
        for (p, who) in progress.iter_mut().zip(&panel) {
            let given = template
                .questions
                .iter()
                .filter(|q| {
                    answers
                        .iter()
                        .any(|a| a.auditor_id == who.id && a.question_code == q.code)
                })
                .count();
            p.questions_answered += given;
            p.calls_done += usize::from(given == template.questions.len());
        }
        let mut rows = Vec::new();
        for q in &template.questions {
            let cells: Vec<(String, String)> = panel
                .iter()
                .map(|p| {
                    answers
                        .iter()
                        .find(|a| a.auditor_id == p.id && a.question_code == q.code)
                        .map(|a| (answer_label(a.answer.code()).to_string(), a.note.clone()))
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
                            x.category.short().to_string(),
                            area_names(&template, &x.areas),
                        )
                    })
                    .unwrap_or_else(|| ("–".into(), String::new()))
            })
            .collect();
        rows.push(disagreement("Proposed category".into(), cells));
        // Until the panel records its outcome, what every auditor proposed alike is offered.
        let unanimous =
            (c.category.is_none() && !panel.is_empty() && proposals.len() == panel.len())
                .then(|| unanimous_proposal(&proposals))
                .flatten();
        let (category, agreed_areas): (Option<&str>, Vec<&str>) = match &unanimous {
            Some((cat, areas)) => (
                Some(cat.as_str()),
                areas.iter().map(String::as_str).collect(),
            ),
            None => (
                c.category.as_deref(),
                c.areas.split(';').filter(|a| !a.is_empty()).collect(),
            ),
        };
        calls.push(CallPanel {
            n: c.position,
            call_ref: c.call_ref.clone(),
            incident_type: c.incident_type.clone(),
            channel: channel_label(&c.channel),
            rows,
            agreed: category_label(c.category.as_deref().unwrap_or("")).to_string(),
            categories: category_choices(category),
            areas: area_choices(&template, &agreed_areas),
            comments: c.comments.clone().unwrap_or_default(),
            learning_points: c.learning_points.clone().unwrap_or_default(),
            good_practice: c.good_practice.unwrap_or(false),
            issues: issues
                .iter()
                .filter(|i| i.session_call_id == c.session_call_id)
                .map(|i| i.description.clone())
                .collect(),
            drafts: drafts(
                &template,
                c,
                &issues
                    .iter()
                    .filter(|i| i.session_call_id == c.session_call_id)
                    .collect::<Vec<_>>(),
                &dropped
                    .iter()
                    .filter(|(sc, _)| *sc == c.session_call_id)
                    .map(|(_, d)| d.as_str())
                    .collect::<Vec<_>>(),
            ),
            // Read for the call shown alone (see `read_call`): the overview needs neither.
            prompts: Vec::new(),
            issue_typed: String::new(),
            log: Default::default(),
            row: c.clone(),
        });
    }
    Ok(Panel {
        id,
        force_id: a.force_id,
        programme_id: a.programme_id,
        csrf: user.csrf.clone(),
        can_record: r.facilitate,
        can_play: r.play,
        auditors: panel.into_iter().map(|p| p.display_name).collect(),
        total_calls: outcomes.len(),
        total_questions: outcomes.len() * template.questions.len(),
        calls,
        progress,
    })
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = build(&state, &user, id).await?;
    let digests = state.store.draw(id).await?.map(|d| {
        (
            digest_groups(&d.commitment.pool_digest),
            digest_short(&d.commitment.pool_digest),
            d.record.map(|r| r.seed).unwrap_or_default(),
        )
    });
    let page = Overview {
        nav: Some(user.nav("/sessions")),
        p,
        digests,
        current: 0,
    };
    Ok(Html(page.render()?).into_response())
}

/// What the panel view of one call is asked to say: the action just done.
#[derive(Deserialize)]
pub struct CallQuery {
    #[serde(default)]
    done: Option<String>,
}

/// One call of the panel view, with the calls before and after it.
pub async fn call(
    State(state): State<AppState>,
    user: User,
    Path((id, n)): Path<(i64, i64)>,
    Query(q): Query<CallQuery>,
) -> Result<Response> {
    let mut p = build(&state, &user, id).await?;
    let at = read_call(&state, &mut p, n).await?;
    let done = match q.done.as_deref() {
        Some("agreed") => Some(format!("The panel's outcome for call {n} is saved.")),
        Some("kept") => Some("The draft is kept as an issue for the force to answer.".into()),
        Some("dropped") => Some("The draft is dropped.".into()),
        _ => None,
    };
    let page = OneCall {
        nav: Some(user.nav("/sessions")),
        p,
        at,
        errors: Vec::new(),
        done,
        current: n,
    };
    Ok(Html(page.render()?).into_response())
}

/// The panel with call `n` read whole for its page: its transcript's prompts and its incident
/// log, read for that call alone. Returns where the call is among the panel's calls.
async fn read_call(state: &AppState, p: &mut Panel, n: i64) -> Result<usize> {
    let at = position(p, n)?;
    let template = state.template(p.programme_id).await?;
    let (force_id, programme_id) = (p.force_id, p.programme_id);
    let c = &mut p.calls[at];
    let transcript =
        crate::recordings::transcript_view(state, c.row.session_call_id, &template).await?;
    let transcript = transcript.as_ref().as_ref();
    c.prompts = transcript.map(|t| t.prompts.clone()).unwrap_or_default();
    let heard = transcript.map(|t| t.words());
    c.log =
        crate::incident::call_log(state, force_id, programme_id, &c.row, heard.as_deref()).await?;
    Ok(at)
}

/// Where call `n` is among the panel's calls.
fn position(p: &Panel, n: i64) -> Result<usize> {
    p.calls
        .iter()
        .position(|c| c.n == n)
        .ok_or_else(|| AppError::NotFound(format!("Session {} has no call {n}.", p.id)))
}

/// A row's agreement over the answers given ("–" is no answer): answers that differ are a
/// disagreement whoever else has answered; otherwise it is the same only when everyone answered.
fn disagreement(label: String, cells: Vec<(String, String)>) -> Row {
    let given: Vec<&String> = cells.iter().map(|c| &c.0).filter(|a| *a != "–").collect();
    let missing = cells.len() - given.len();
    let agreement = if given.windows(2).any(|w| w[0] != w[1]) {
        Agreement::Differ
    } else if missing > 0 {
        Agreement::NotAnswered(missing)
    } else {
        Agreement::Same
    };
    Row {
        label,
        cells,
        agreement,
    }
}

/// Area codes (`;`-separated) as the template words them.
fn area_names(template: &callaudit_domain::template::Template, codes: &str) -> String {
    codes
        .split(';')
        .filter(|c| !c.is_empty())
        .map(|c| {
            template
                .areas
                .iter()
                .find(|a| a.code == c)
                .map_or_else(|| c.to_string(), |a| a.name.clone())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The category and the areas every auditor proposed, when they all proposed the same category.
fn unanimous_proposal(
    proposals: &[callaudit_storage::sessions::StoredProposal],
) -> Option<(String, Vec<String>)> {
    let first = proposals.first()?;
    if proposals.iter().any(|p| p.category != first.category) {
        return None;
    }
    let areas = first
        .areas
        .split(';')
        .filter(|a| !a.is_empty())
        .filter(|a| {
            proposals
                .iter()
                .all(|p| p.areas.split(';').any(|b| b == *a))
        })
        .map(str::to_string)
        .collect();
    Some((first.category.code().to_string(), areas))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(answers: &[&str]) -> Agreement {
        let cells = answers
            .iter()
            .map(|a| (a.to_string(), String::new()))
            .collect();
        disagreement("q".into(), cells).agreement
    }

    #[test]
    fn unfinished_scoring_never_reads_as_agreement() {
        assert_eq!(row(&["Yes", "Yes"]), Agreement::Same);
        assert_eq!(row(&["Yes", "No"]), Agreement::Differ);
        assert_eq!(row(&["Yes", "–"]), Agreement::NotAnswered(1));
        assert_eq!(row(&["–", "–"]), Agreement::NotAnswered(2));
        assert_eq!(row(&["Yes", "No", "–"]), Agreement::Differ);
        assert_eq!(Agreement::NotAnswered(2).label(), "Not answered by 2");
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
    let mut problems = Problems::default();
    let category = Category::parse(&f.text("category"))
        .map_err(|_| {
            problems.add(
                format!(
                    "c{n}-cat-{}",
                    Category::ALL.first().map_or("", |c| c.code())
                ),
                "Select the category the panel agreed",
            )
        })
        .ok();
    let comments = problems.note(f, "comments", &format!("c{n}-comments"), "The comments");
    let learning_points = problems.note(
        f,
        "learning_points",
        &format!("c{n}-learning"),
        "The learning points",
    );
    let issue_text = problems.note(f, "issue", &format!("c{n}-issue"), "The issue");
    let areas = f.areas(&template)?;
    let Some(category) = category.filter(|_| problems.is_empty()) else {
        // The call again, the outcome as typed and each problem linked to its field.
        let mut panel = build(&state, &p.user, id).await?;
        let at = read_call(&state, &mut panel, n).await?;
        let ticked: Vec<&str> = areas.iter().map(String::as_str).collect();
        let c = &mut panel.calls[at];
        c.categories = category_choices(Some(f.text("category").as_str()));
        c.areas = area_choices(&template, &ticked);
        c.comments = f.get("comments").unwrap_or("").to_string();
        c.learning_points = f.get("learning_points").unwrap_or("").to_string();
        c.good_practice = f.get("good_practice") == Some("yes");
        c.issue_typed = f.get("issue").unwrap_or("").to_string();
        let page = OneCall {
            nav: Some(p.user.nav("/sessions")),
            p: panel,
            at,
            errors: problems.into_vec(),
            done: None,
            current: n,
        };
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let outcome = Outcome {
        category,
        areas,
        comments,
        learning_points,
        good_practice: f.get("good_practice") == Some("yes"),
    };
    let issue = issue_text;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.save_outcome(call.session_call_id, &outcome).await?;
    if !issue.is_empty() {
        tx.raise_issue(call.session_call_id, None, &issue).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}/panel/{n}?done=agreed")).into_response())
}

/// The facilitator keeps a drafted issue (as edited) or drops it.
pub async fn decide_draft(
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
    p: Posted,
) -> Result<Response> {
    let (a, r) = access(&state, &p.user, id).await?;
    allow(r.facilitate, "deciding the drafted issues")?;
    let (call, _) = session_call(&state, id, n).await?;
    let template = state.template(a.programme_id).await?;
    let f = &p.fields;
    let key = f.text("draft");
    if !key.is_empty() && !template.areas.iter().any(|a| a.code == key) {
        return Err(AppError::BadRequest(format!(
            "{key:?} is not an area of this programme."
        )));
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    let decision = f.text("decision");
    match decision.as_str() {
        "keep" => {
            let mut problems = Problems::default();
            let field = format!("c{n}-draft-{key}");
            let text = problems.note(f, "description", &field, "The issue");
            if text.is_empty() && problems.is_empty() {
                problems.add(
                    field,
                    "Enter the issue for the force to answer, or drop the draft",
                );
            }
            if !problems.is_empty() {
                // The call again, the draft as typed and the problem linked to it.
                let mut panel = build(&state, &p.user, id).await?;
                let at = read_call(&state, &mut panel, n).await?;
                let place = panel.calls[at].drafts.iter().position(|d| d.key == key);
                if let Some(i) = place {
                    panel.calls[at].drafts[i].text = f.get("description").unwrap_or("").to_string();
                }
                let page = OneCall {
                    nav: Some(p.user.nav("/sessions")),
                    p: panel,
                    at,
                    errors: problems.into_vec(),
                    done: None,
                    current: n,
                };
                return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
            }
            let area = (!key.is_empty()).then_some(key.as_str());
            tx.raise_issue(call.session_call_id, area, &text).await?;
        }
        "drop" => tx.drop_draft(call.session_call_id, &key).await?,
        other => {
            return Err(AppError::BadRequest(format!(
                "{other:?} is not a decision: keep or drop."
            )));
        }
    }
    tx.commit().await?;
    let done = if decision == "keep" {
        "kept"
    } else {
        "dropped"
    };
    Ok(Redirect::to(&format!("/sessions/{id}/panel/{n}?done={done}")).into_response())
}

pub struct IssueView {
    pub row: IssueRow,
    pub call: i64,
    /// The response form as stored, or as typed when it came back with problems.
    form: ResponseTyped,
    /// What was typed to escalate, when that came back with a problem.
    escalation: String,
    /// Whether the forms start open: no response yet, or one of them came back.
    open: bool,
    escalate_open: bool,
}

impl IssueView {
    /// The id of a field of this issue's forms, as the template and the error summary name it.
    fn field(&self, name: &str) -> String {
        format!("r{}-{name}", self.row.id)
    }

    fn escalate_field(&self) -> String {
        format!("e{}-note", self.row.id)
    }
}

/// The response to an issue as typed.
#[derive(Default, Clone)]
pub struct ResponseTyped {
    response: String,
    action_taken: String,
    escalated_to: String,
    feedback_kind: String,
    relayed: DateTyped,
}

impl ResponseTyped {
    fn of(row: &IssueRow) -> ResponseTyped {
        ResponseTyped {
            response: row.response.clone().unwrap_or_default(),
            action_taken: row.action_taken.clone().unwrap_or_default(),
            escalated_to: row.escalated_to.clone().unwrap_or_default(),
            feedback_kind: row.feedback_kind.clone().unwrap_or_default(),
            relayed: row
                .feedback_relayed_on
                .map(DateTyped::of)
                .unwrap_or_default(),
        }
    }

    fn from_fields(f: &Fields, issue: i64) -> ResponseTyped {
        ResponseTyped {
            response: f.get("response").unwrap_or("").to_string(),
            action_taken: f.get("action_taken").unwrap_or("").to_string(),
            escalated_to: f.text("escalated_to"),
            feedback_kind: f.text("feedback_kind"),
            relayed: DateTyped::from_fields(f, &format!("r{issue}-date")),
        }
    }
}

/// A form of the responses page that came back with problems: the issue, and what was typed.
pub enum Returned {
    Response(i64, ResponseTyped),
    Escalation(i64, String),
}

#[derive(Template)]
#[template(path = "responses.html")]
struct Responses {
    nav: Option<Nav>,
    id: i64,
    csrf: String,
    can_respond: bool,
    can_raise_action: bool,
    issues: Vec<IssueView>,
    errors: Vec<FieldError>,
}

impl Responses {
    fn error_for(&self, field: impl AsRef<str>) -> Option<&str> {
        error_for(&self.errors, field.as_ref())
    }

    fn date_error(&self, name: impl AsRef<str>) -> Option<&FieldError> {
        date_error(&self.errors, name.as_ref())
    }
}

pub async fn responses(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response> {
    let page = responses_page(&state, &user, id, None, Vec::new()).await?;
    Ok(Html(page.render()?).into_response())
}

/// The session's issues with their responses, and a form that came back shown as it was typed.
async fn responses_page(
    state: &AppState,
    user: &User,
    id: i64,
    returned: Option<Returned>,
    errors: Vec<FieldError>,
) -> Result<Responses> {
    let (_, r) = access(state, user, id).await?;
    allow(r.facilitate || r.manage, "the responses of this session")?;
    let calls = state.store.session_calls(id).await?;
    let issues = state
        .store
        .session_issues(id)
        .await?
        .into_iter()
        .map(|row| {
            let (form, escalation, open, escalate_open) = match &returned {
                Some(Returned::Response(issue, typed)) if *issue == row.id => {
                    (typed.clone(), String::new(), true, false)
                }
                Some(Returned::Escalation(issue, typed)) if *issue == row.id => (
                    ResponseTyped::of(&row),
                    typed.clone(),
                    row.response.is_none(),
                    true,
                ),
                _ => (
                    ResponseTyped::of(&row),
                    String::new(),
                    row.response.is_none(),
                    false,
                ),
            };
            IssueView {
                call: calls
                    .iter()
                    .find(|c| c.id == row.session_call_id)
                    .map(|c| c.position)
                    .unwrap_or(0),
                row,
                form,
                escalation,
                open,
                escalate_open,
            }
        })
        .collect();
    Ok(Responses {
        nav: Some(user.nav("/sessions")),
        id,
        csrf: user.csrf.clone(),
        can_respond: r.facilitate,
        can_raise_action: r.manage,
        issues,
        errors,
    })
}

/// The responses page again, with the form that came back and its problems.
pub async fn returned(
    state: &AppState,
    user: &User,
    id: i64,
    form: Returned,
    problems: Problems,
) -> Result<Response> {
    let page = responses_page(state, user, id, Some(form), problems.into_vec()).await?;
    Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
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
    let field = |name: &str| format!("r{issue}-{name}");
    let mut problems = Problems::default();
    let response = problems.note(f, "response", &field("response"), "The response");
    if response.is_empty() && problems.is_empty() {
        problems.add(field("response"), "Enter the force's response to the issue");
    }
    let action_taken = problems.note(f, "action_taken", &field("action"), "The action taken");
    let escalated_to = problems.note(f, "escalated_to", &field("esc"), "The escalation");
    let typed = ResponseTyped::from_fields(f, issue);
    let feedback_kind = match typed.feedback_kind.as_str() {
        "" => None,
        k @ ("positive" | "developmental") => Some(k.to_string()),
        _ => {
            problems.add(field("fpos"), "Select positive or developmental feedback");
            None
        }
    };
    let feedback_relayed_on = problems.date(
        &typed.relayed,
        &field("date"),
        "The date the feedback was relayed",
    );
    if !problems.is_empty() {
        return returned(
            &state,
            &p.user,
            id,
            Returned::Response(issue, typed),
            problems,
        )
        .await;
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.respond(
        issue,
        &IssueResponse {
            response,
            action_taken,
            escalated_to,
            feedback_kind,
            feedback_relayed_on,
            responded_by: Some(p.user.person.id),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}/responses#issue-{issue}")).into_response())
}
