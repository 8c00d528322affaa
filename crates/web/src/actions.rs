//! The board's action log in the browser: the coordinator raises actions (from an issue or on the
//! board's own account) with an owner, due date, RAG rating and Part 1 or Part 2 marking; the
//! owner and the coordinator move them on with dated, signed progress notes; everyone with the
//! log downloads the board pack. Part 2 (private) actions are seen only by the coordinator and
//! the force lead; to anyone else they do not exist.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::{ActionStatus, Rag, Role, is_overdue};
use callaudit_reports::board;
use callaudit_reports::output::Format;
use callaudit_storage::accountability::{ActionNote, ActionUpdate};
use callaudit_storage::export::ActionRow;
use callaudit_storage::sessions::NewAction;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{DateTyped, FieldError, Problems, date_error, error_for, query_value};
use crate::shared::{report_response, today, user_force};
use crate::view::{Nav, local_time};

/// Everyone who reads the action log.
const READERS: [Role; 4] = [
    Role::Coordinator,
    Role::Facilitator,
    Role::ForceLead,
    Role::Viewer,
];

/// Whether `user` sees Part 2 (private) actions.
fn sees_private(user: &User) -> bool {
    matches!(user.role, Role::Coordinator | Role::ForceLead)
}

/// Whether `user` may move action `a` on: the coordinator, or the person who owns it.
fn may_update(user: &User, a: &ActionRow) -> bool {
    user.role == Role::Coordinator
        || (user.role == Role::ForceLead && a.owner_id == Some(user.person.id))
}

/// A line of the log as a page shows it.
pub struct ActionLine {
    pub id: i64,
    pub reference: String,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub status: &'static str,
    pub rag: Option<Rag>,
    pub private_reason: Option<String>,
    pub origin: String,
    pub mine: bool,
}

impl ActionLine {
    pub fn new(a: &ActionRow, user: &User, today: chrono::NaiveDate) -> ActionLine {
        let status = ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open);
        ActionLine {
            id: a.id,
            reference: a.reference.clone(),
            text: a.text.clone(),
            owner: a.owner.clone(),
            due: a
                .due_on
                .map(callaudit_domain::time::long_date)
                .unwrap_or_default(),
            overdue: is_overdue(status, a.due_on, today),
            status: status.label(),
            rag: a.rag.as_deref().and_then(Rag::parse),
            private_reason: a.private_reason.clone(),
            origin: board::origin(a),
            mine: a.owner_id == Some(user.person.id),
        }
    }
}

/// Someone who may own an action: (person id, name).
type Owner = (i64, String);

#[derive(Template)]
#[template(path = "actions.html")]
struct Log {
    nav: Option<Nav>,
    actions: Vec<ActionLine>,
    /// The CSRF token when the viewer may add to the log (the coordinator).
    edit: Option<String>,
    owners: Vec<Owner>,
    /// The issue an action is being raised from, with its words.
    from_issue: Option<(i64, String)>,
    full_pack: bool,
    /// The new action as typed, and its problems, when it came back.
    typed: ActionTyped,
    errors: Vec<FieldError>,
    /// The reference of the action just added, for the banner.
    added: Option<String>,
}

impl Log {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }

    fn owner_hint(&self) -> &'static str {
        if self.owners.is_empty() {
            "For example, Head of the Force Control Centre."
        } else {
            "For example, Head of the Force Control Centre. Leave empty to use the name of the person chosen above."
        }
    }
}

/// A new action as typed, kept when the form comes back with its problems.
#[derive(Default)]
struct ActionTyped {
    text: String,
    owner_id: String,
    owner: String,
    due: DateTyped,
    rag: String,
    part: String,
    private_reason: String,
}

impl ActionTyped {
    fn from_fields(f: &crate::forms::Fields) -> ActionTyped {
        ActionTyped {
            text: f.get("text").unwrap_or("").to_string(),
            owner_id: f.text("owner_id"),
            owner: f.text("owner"),
            due: DateTyped::from_fields(f, "due"),
            rag: f.text("rag"),
            part: f.text("part"),
            private_reason: f.text("private_reason"),
        }
    }
}

#[derive(Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    issue: Option<i64>,
    /// The reference of an action just added.
    #[serde(default)]
    added: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<LogQuery>,
) -> Result<Response> {
    let page = log_page(&state, &user, q, ActionTyped::default(), Vec::new()).await?;
    Ok(Html(page.render()?).into_response())
}

/// The log as `user` may read it, with the form to add an action as typed.
async fn log_page(
    state: &AppState,
    user: &User,
    q: LogQuery,
    typed: ActionTyped,
    errors: Vec<FieldError>,
) -> Result<Log> {
    user.require(&READERS)?;
    let force = user_force(state, user).await?;
    let today = today();
    let actions = state
        .store
        .actions(force.id)
        .await?
        .iter()
        .filter(|a| sees_private(user) || a.private_reason.is_none())
        .map(|a| ActionLine::new(a, user, today))
        .collect::<Vec<_>>();
    let edit = (user.role == Role::Coordinator).then(|| user.csrf.clone());
    let from_issue = match (q.issue, &edit) {
        (Some(id), Some(_)) => {
            let o = state.store.issue_origin(id).await?;
            if o.force_id != force.id {
                return Err(AppError::NotFound(format!("There is no issue {id}.")));
            }
            Some((id, o.description))
        }
        _ => None,
    };
    let added = q
        .added
        .filter(|r| actions.iter().any(|a| a.reference == *r));
    Ok(Log {
        nav: Some(user.nav("/actions")),
        actions,
        owners: owners(state, force.id).await?,
        edit,
        from_issue,
        full_pack: sees_private(user),
        typed,
        errors,
        added,
    })
}

/// The force leads an action can be given to.
async fn owners(state: &AppState, force_id: i64) -> Result<Vec<Owner>> {
    Ok(state
        .store
        .people_with_role(force_id, Role::ForceLead.code())
        .await?
        .into_iter()
        .map(|p| (p.id, p.display_name))
        .collect())
}

/// The coordinator adds an action to the log; it gets the next reference of the year.
pub async fn add(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let force = user_force(&state, &p.user).await?;
    let f = &p.fields;
    let typed = ActionTyped::from_fields(f);
    let mut problems = Problems::default();
    let text = problems.note(f, "text", "text", "What is to be done");
    if text.is_empty() && problems.is_empty() {
        problems.add("text", "Enter what is to be done");
    }
    let leads = owners(&state, force.id).await?;
    let owner_id = match typed.owner_id.as_str() {
        "" => None,
        id => {
            let found = id
                .parse::<i64>()
                .ok()
                .and_then(|id| leads.iter().find(|(p, _)| *p == id).cloned());
            if found.is_none() {
                problems.add("owner_id", "Select a force lead from the list, or nobody");
            }
            found
        }
    };
    let mut owner = typed.owner.clone();
    if owner.is_empty()
        && let Some((_, name)) = &owner_id
    {
        owner = name.clone();
    }
    if owner.is_empty() {
        problems.add(
            "owner",
            "Enter the owner as the board names them, or choose the force lead who owns it",
        );
    }
    let private_reason = match typed.part.as_str() {
        "" | "1" => None,
        "2" => {
            let reason = problems.note(
                f,
                "private_reason",
                "private_reason",
                "The reason for Part 2",
            );
            if reason.is_empty() {
                problems.add(
                    "private_reason",
                    "Enter why the action is Part 2 (private), for example the exemption that applies",
                );
            }
            Some(reason)
        }
        _ => {
            problems.add("part-1", "Select Part 1 (public) or Part 2 (private)");
            None
        }
    };
    let due_on = problems.date(&typed.due, "due", "The due date");
    let rag = rag(typed.rag.as_str()).unwrap_or_else(|_| {
        problems.add("rag", "Select red, amber or green, or not rated yet");
        None
    });
    let issue = match f.text("issue").as_str() {
        "" => None,
        id => {
            let id: i64 = id
                .parse()
                .map_err(|_| AppError::BadRequest(format!("{id:?} is not an issue.")))?;
            let o = state.store.issue_origin(id).await?;
            if o.force_id != force.id {
                return Err(AppError::NotFound(format!("There is no issue {id}.")));
            }
            Some(o)
        }
    };
    if !problems.is_empty() {
        let q = LogQuery {
            issue: issue.as_ref().map(|o| o.issue_id),
            added: None,
        };
        let page = log_page(&state, &p.user, q, typed, problems.into_vec()).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    let reference = tx
        .add_action(
            force.id,
            today(),
            &NewAction {
                text,
                owner,
                owner_id: owner_id.map(|(id, _)| id),
                due_on,
                rag,
                private_reason,
                session_id: issue.as_ref().map(|o| o.session_id),
                session_call_id: issue.as_ref().map(|o| o.session_call_id),
                issue_id: issue.as_ref().map(|o| o.issue_id),
            },
        )
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/actions?added={}", query_value(&reference))).into_response())
}

fn rag(code: &str) -> Result<Option<Rag>> {
    match code {
        "" => Ok(None),
        c => Rag::parse(c)
            .map(Some)
            .ok_or_else(|| AppError::BadRequest(format!("{c:?} is not red, amber or green."))),
    }
}

/// One action and its notes, readable by `user`, or "not found".
async fn visible_action(state: &AppState, user: &User, id: i64) -> Result<(ActionRow, i64)> {
    user.require(&READERS)?;
    let force = user_force(state, user).await?;
    let a = state.store.action(force.id, id).await?;
    if a.private_reason.is_some() && !sees_private(user) {
        return Err(AppError::NotFound(format!("There is no action {id}.")));
    }
    Ok((a, force.id))
}

pub struct NoteLine {
    pub when: String,
    pub author: String,
    pub note: String,
}

fn note_lines(notes: &[ActionNote]) -> Vec<NoteLine> {
    notes
        .iter()
        .map(|n| NoteLine {
            when: local_time(Some(n.written_at), "%-d %B %Y"),
            author: n.author.clone(),
            note: n.note.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "action.html")]
struct One {
    nav: Option<Nav>,
    a: ActionLine,
    status_code: String,
    rag_code: String,
    session_id: Option<i64>,
    issue_id: Option<i64>,
    notes: Vec<NoteLine>,
    edit: Option<String>,
    statuses: Vec<(&'static str, &'static str)>,
    rags: Vec<(&'static str, &'static str)>,
    /// The note as typed, when the update came back with a problem.
    note: String,
    errors: Vec<FieldError>,
    /// Whether an update was just saved, for the banner.
    updated: bool,
}

impl One {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(Deserialize)]
pub struct OneQuery {
    #[serde(default)]
    updated: Option<u8>,
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<OneQuery>,
) -> Result<Response> {
    let mut page = one_page(&state, &user, id).await?;
    page.updated = q.updated.is_some();
    Ok(Html(page.render()?).into_response())
}

/// One action and its notes, with the form to move it on for those who may.
async fn one_page(state: &AppState, user: &User, id: i64) -> Result<One> {
    let (a, _) = visible_action(state, user, id).await?;
    let notes = state.store.action_notes(a.id).await?;
    Ok(One {
        nav: Some(user.nav("/actions")),
        status_code: a.status.clone(),
        rag_code: a.rag.clone().unwrap_or_default(),
        session_id: a.session_id,
        issue_id: a.issue_id,
        edit: may_update(user, &a).then(|| user.csrf.clone()),
        a: ActionLine::new(&a, user, today()),
        notes: note_lines(&notes),
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        rags: Rag::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        note: String::new(),
        errors: Vec::new(),
        updated: false,
    })
}

/// The owner or the coordinator moves an action on: status, RAG and a progress note.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let (a, force_id) = visible_action(&state, &p.user, id).await?;
    if !may_update(&p.user, &a) {
        return Err(AppError::Forbidden(
            "Only the action's owner and the coordinator update it.".into(),
        ));
    }
    let f = &p.fields;
    let status = match f.text("status").as_str() {
        "" => None,
        s => Some(ActionStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{s:?} is not a status: open, in-progress, done or dropped."
            ))
        })?),
    };
    let mut problems = Problems::default();
    let note = problems.note(f, "note", "note", "The progress note");
    let update = ActionUpdate {
        status: status.filter(|s| s.code() != a.status),
        rag: rag(f.text("rag").as_str())?.filter(|r| Some(r.code()) != a.rag.as_deref()),
        note: (!note.is_empty()).then_some(note),
    };
    if update == ActionUpdate::default() && problems.is_empty() {
        problems.add(
            "note",
            "Nothing changed: enter a progress note, or change the status or the RAG rating",
        );
    }
    if !problems.is_empty() {
        let mut page = one_page(&state, &p.user, id).await?;
        page.note = f.get("note").unwrap_or("").to_string();
        page.status_code = f.text("status");
        page.rag_code = f.text("rag");
        page.errors = problems.into_vec();
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.update_action(
        force_id,
        a.id,
        &update,
        &p.user.person.display_name,
        today(),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/actions/{id}?updated=1")).into_response())
}

#[derive(Deserialize)]
pub struct PackQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    part: Option<String>,
}

/// The board pack: the open actions, overdue first, as Markdown or PDF. The full pack (with Part
/// 2) is for the coordinator and the force lead; everyone else gets the public pack.
pub async fn pack(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<PackQuery>,
) -> Result<Response> {
    user.require(&READERS)?;
    let public = match q.part.as_deref().unwrap_or("public") {
        "public" => true,
        "full" if sees_private(&user) => false,
        "full" => {
            return Err(AppError::Forbidden(
                "The full pack, with Part 2, is for the coordinator and the force lead.".into(),
            ));
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "There is no {other:?} pack: choose public or full."
            )));
        }
    };
    let force = user_force(&state, &user).await?;
    let actions = state.store.actions(force.id).await?;
    let notes = state.store.notes_of_actions(force.id).await?;
    let pack = board::compute(&force.name, &actions, &notes, today(), public);
    let stem = format!(
        "action-log-{}-{}",
        pack.as_of,
        if public { "public" } else { "full" }
    );
    report_response(
        pack,
        q.format.as_deref(),
        &[Format::Pdf, Format::Markdown],
        &stem,
    )
    .await
}
