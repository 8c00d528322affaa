//! Sessions: the list each role sees, planning one, and the verifiable draw made in front of the
//! panel (commit the pool, show the digests, then draw with the seed the panel chose).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::{Role, SessionStatus};
use callaudit_domain::template::ProgrammeKind;
use callaudit_reports::output::Format;
use callaudit_reports::session as session_report;
use serde::Deserialize;

use crate::AppState;
use crate::access::{Rights, access, allow};
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{CommitTyped, DateTyped, FieldError, Problems, date_error, error_for};
use crate::shared::{download, report_response, user_force};
use crate::view::{Nav, category_label, channel_label, digest_groups, digest_short, local_time};

/// A session as a line of a list.
pub struct SessionRow {
    pub id: i64,
    pub held_on: String,
    pub focus: String,
    pub status: String,
    pub status_label: &'static str,
    pub calls: i64,
    pub can_open: bool,
    pub note: &'static str,
}

/// A session's focus as pages name it: a Crime Data Integrity dip sample checks incident records,
/// and a call audit planned without a focus takes every incident type.
fn focus_label(focus: &str, kind: Option<ProgrammeKind>) -> String {
    match (focus.is_empty(), kind) {
        (false, _) => focus.to_string(),
        (true, Some(ProgrammeKind::CrimeDataIntegrity)) => "Dip sample of incident records".into(),
        (true, _) => "No focus: all incident types".into(),
    }
}

pub async fn visible_sessions(state: &AppState, user: &User) -> Result<Vec<SessionRow>> {
    let sessions = match user.role {
        Role::Admin => return Ok(Vec::new()),
        Role::Auditor => state.store.sessions_on_panel(user.person.id).await?,
        _ => {
            let force = user_force(state, user).await?;
            let mut all = state.store.sessions(force.id).await?;
            all.reverse();
            all
        }
    };
    let counts = state.store.session_call_counts().await?;
    let kinds: std::collections::HashMap<i64, ProgrammeKind> = match user.person.force_id {
        Some(f) => state
            .store
            .programmes(f)
            .await?
            .into_iter()
            .map(|p| (p.id, p.kind))
            .collect(),
        None => Default::default(),
    };
    let mut rows = Vec::new();
    for s in sessions {
        let (_, r) = access(state, user, s.id).await?;
        let on_panel_only = user.role == Role::Auditor;
        if !r.view && !on_panel_only {
            continue;
        }
        let note = match (user.role, s.status) {
            (Role::Auditor, SessionStatus::Closed) if s.calibration => {
                "Closed: see how your answers compared"
            }
            (Role::Auditor, SessionStatus::Planned) => "Opens when the sample has been drawn",
            (Role::Auditor, SessionStatus::Closed) => {
                "Closed: read what the panel agreed and the force's answers"
            }
            _ => "",
        };
        rows.push(SessionRow {
            id: s.id,
            held_on: s.held_on.format("%-d %B %Y").to_string(),
            focus: match s.calibration {
                true => "Calibration: reference calls".into(),
                false => focus_label(&s.focus, kinds.get(&s.programme_id).copied()),
            },
            status_label: s.status.label(),
            status: s.status.code().to_string(),
            calls: counts.get(&s.id).copied().unwrap_or(0),
            can_open: r.view,
            note,
        });
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct List {
    nav: Option<Nav>,
    sessions_heading: &'static str,
    sessions: Vec<SessionRow>,
    empty: &'static str,
    plan: Option<PlanForm>,
    /// Problems of the plan just sent, for the summary at the top.
    errors: Vec<FieldError>,
}

impl List {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    /// The panel's problems, each linked to the box it is about.
    fn panel_errors(&self) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field.starts_with("panel"))
            .map(|e| e.message.as_str())
            .collect()
    }

    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }
}

struct PlanForm {
    csrf: String,
    /// The force's programmes (id, name), the call audit first; chosen from when there are more.
    programmes: Vec<(i64, String)>,
    /// Each programme's focus themes, under its name.
    focus: Vec<(String, Vec<String>)>,
    facilitators: Vec<(i64, String)>,
    /// Who may be put on the panel: id, name, and why they cannot sit today, if they cannot.
    auditors: Vec<(i64, String, Option<String>)>,
    typed: PlanTyped,
}

/// The plan as typed, kept when it is shown again with its problems.
#[derive(Default)]
struct PlanTyped {
    held_on: DateTyped,
    programme: String,
    focus: String,
    facilitator: String,
    panel: Vec<String>,
}

impl PlanTyped {
    fn from_fields(f: &crate::forms::Fields) -> PlanTyped {
        PlanTyped {
            held_on: DateTyped::from_fields(f, "held_on"),
            programme: f.text("programme"),
            focus: f.text("focus"),
            facilitator: f.text("facilitator"),
            panel: f.all("panel"),
        }
    }

    fn has_auditor(&self, id: &i64) -> bool {
        self.panel.contains(&id.to_string())
    }
}

pub async fn list(State(state): State<AppState>, user: User) -> Result<Response> {
    let page = list_page(&state, &user, PlanTyped::default(), Vec::new()).await?;
    Ok(Html(page.render()?).into_response())
}

/// The sessions the user may see and, for a coordinator, the form to plan one as typed.
async fn list_page(
    state: &AppState,
    user: &User,
    typed: PlanTyped,
    errors: Vec<FieldError>,
) -> Result<List> {
    user.require(&[
        Role::Coordinator,
        Role::Auditor,
        Role::Facilitator,
        Role::ForceLead,
        Role::Viewer,
        Role::Registrar,
    ])?;
    let force = user_force(state, user).await?;
    // A coordinator can plan once the force has a call audit programme (made by the first import).
    let mut programmes = if user.role == Role::Coordinator {
        state.store.programmes(force.id).await?
    } else {
        Vec::new()
    };
    let plan = if let Ok(programme) = call_audit_programme(&programmes) {
        let names = |v: Vec<callaudit_storage::accounts::Person>| {
            v.into_iter().map(|p| (p.id, p.display_name)).collect()
        };
        // The call audit programme comes first: it is the one chosen when no other is.
        programmes.sort_by_key(|p| p.id != programme);
        let mut focus = Vec::new();
        for p in &programmes {
            focus.push((
                p.name.clone(),
                state.template(p.id).await?.focus_themes.clone(),
            ));
        }
        Some(PlanForm {
            csrf: user.csrf.clone(),
            programmes: programmes.into_iter().map(|p| (p.id, p.name)).collect(),
            focus,
            facilitators: names(
                state
                    .store
                    .people_with_role(force.id, "facilitator")
                    .await?,
            ),
            auditors: {
                crate::training::panel_choices(state, force.id, crate::shared::today())
                    .await?
                    .into_iter()
                    .chain(
                        names(state.store.people_with_role(force.id, "registrar").await?)
                            .into_iter()
                            .map(|(id, name)| (id, format!("{name} (crime registrar)"), None)),
                    )
                    .collect()
            },
            typed,
        })
    } else {
        None
    };
    Ok(List {
        nav: Some(user.nav("/sessions")),
        sessions_heading: "Sessions",
        sessions: visible_sessions(state, user).await?,
        empty: "There are no sessions to show you yet.",
        plan,
        errors,
    })
}

/// The force's call audit programme among `ours`, the one a session belongs to unless another is
/// chosen.
pub(crate) fn call_audit_programme(
    ours: &[callaudit_storage::programmes::Programme],
) -> Result<i64> {
    ours.iter()
        .find(|p| p.kind == ProgrammeKind::CallAudit)
        .map(|p| p.id)
        .ok_or_else(|| {
            AppError::NotFound(
                "This force has no call audit programme yet: import a call pool first.".into(),
            )
        })
}

pub async fn plan(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let force = user_force(&state, &p.user).await?;
    let ours = state.store.programmes(force.id).await?;
    let typed = PlanTyped::from_fields(&p.fields);
    let mut problems = Problems::default();
    let programme = if typed.programme.is_empty() {
        Some(call_audit_programme(&ours)?)
    } else {
        let id = typed.programme.parse::<i64>().ok();
        let known = id.filter(|id| ours.iter().any(|p| p.id == *id));
        if known.is_none() {
            problems.add("programme", "Select a programme from the list");
        }
        known
    };
    let held_on = problems.required_date(&typed.held_on, "held_on", "The date of the session");
    if let Some(programme) = programme {
        let template = state.template(programme).await?;
        if !typed.focus.is_empty() && !template.focus_themes.contains(&typed.focus) {
            problems.add(
                "focus",
                format!(
                    "“{}” is not one of the programme's focus themes: select one from the list",
                    typed.focus
                ),
            );
        }
    }
    let eligible = |role: &'static str| {
        let state = state.clone();
        async move {
            Ok::<_, AppError>(
                state
                    .store
                    .people_with_role(force.id, role)
                    .await?
                    .into_iter()
                    .map(|p| p.id)
                    .collect::<Vec<_>>(),
            )
        }
    };
    // A Crime Data Integrity dip sample is checked by the force's Crime Registrar team (seed
    // 002), with nobody facilitating; a call audit by volunteers, with a facilitator.
    let cdi = programme.is_some_and(|id| {
        ours.iter()
            .any(|p| p.id == id && p.kind == ProgrammeKind::CrimeDataIntegrity)
    });
    let facilitators = eligible("facilitator").await?;
    let facilitator = typed
        .facilitator
        .parse::<i64>()
        .ok()
        .filter(|id| facilitators.contains(id));
    if facilitator.is_none() && !cdi {
        problems.add("facilitator", "Select the facilitator from the list");
    }
    let (members, who) = match cdi {
        true => (eligible("registrar").await?, "crime registrar"),
        false => (eligible("auditor").await?, "auditor"),
    };
    // The summary's link goes to the first box to tick.
    let (panel, first_box) = crate::training::ticked(&typed.panel, &members);
    if members.is_empty() {
        problems.add(
            first_box,
            match cdi {
                true => "The force has no crime registrars yet: an administrator adds them on the Users page",
                false => "The force has no auditors yet: add them on the Auditors page first",
            },
        );
    } else if panel.len() != typed.panel.len() {
        problems.add(
            first_box,
            match cdi {
                true => "A Crime Data Integrity dip sample is checked by the Crime Registrar team: select crime registrars only, not volunteer auditors",
                false => "A call audit's panel is volunteer auditors: select auditors only",
            },
        );
    } else if panel.is_empty() {
        problems.add(
            first_box,
            format!("Select at least one {who} for the panel"),
        );
    } else if let (false, Some(day)) = (cdi, held_on) {
        crate::training::check_panel(&state, force.id, &panel, day, &mut problems).await?;
    }
    let (Some(programme), Some(held_on), true) = (programme, held_on, problems.is_empty()) else {
        let page = list_page(&state, &p.user, typed, problems.into_vec()).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    let id = tx
        .create_session(
            programme,
            held_on,
            &typed.focus,
            SessionStatus::Planned,
            "live",
        )
        .await?;
    if let Some(facilitator) = facilitator {
        tx.set_facilitator(id, facilitator).await?;
    }
    for a in panel {
        tx.add_panel_member(id, a).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}")).into_response())
}

struct CallLine {
    n: i64,
    call_ref: String,
    date: String,
    channel: String,
    incident_type: String,
    category: &'static str,
    progress: String,
}

struct DrawView {
    /// The digests in groups of four, and their short forms to read aloud.
    pool_groups: String,
    pool_short: String,
    spec_groups: String,
    spec_short: String,
    eligible: usize,
    size: u32,
    seed: Option<String>,
    shortfalls: Vec<String>,
    /// The places the quotas reserve, in words.
    reserved: Vec<String>,
    /// What the export may be missing in the draw's window, for the panel to weigh.
    gaps: Vec<String>,
}

#[derive(Template)]
#[template(path = "session.html")]
pub(crate) struct Show {
    nav: Option<Nav>,
    id: i64,
    held_on: String,
    focus: String,
    status: String,
    status_label: &'static str,
    r: Rights,
    csrf: String,
    facilitator: String,
    panel: Vec<String>,
    draw: Option<DrawView>,
    calls: Vec<CallLine>,
    /// The draw's rules as typed (or their defaults), for the commit form.
    pub(crate) commit: CommitTyped,
    max_sample: i64,
    /// Whether "only calls with a recording" starts ticked: for a call audit whose pool has
    /// recordings.
    recordings: bool,
    /// Problems of the form just sent, for the summary at the top.
    pub(crate) errors: Vec<FieldError>,
    /// The seed as typed, kept when it is refused or changed after its check.
    pub(crate) typed_seed: String,
    /// What was just done, for the confirmation banner.
    pub(crate) done: Option<&'static str>,
    /// Whether the coordinator may keep this session's calls as references: a call audit,
    /// closed, its recordings still kept.
    keep_references: bool,
}

impl Show {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }

    fn size_hint(&self) -> String {
        format!("At most {}", self.max_sample)
    }
}

/// What the session page is asked to say or keep: the action just done, or a seed to change.
#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    seed: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response> {
    if state.session_access(id).await?.calibration {
        return crate::calibration::show(&state, &user, id, q.done.as_deref()).await;
    }
    let mut page = show_page(&state, &user, id).await?;
    page.done = match q.done.as_deref() {
        Some("committed") => Some(
            "The pool is committed. Show the panel the two digests below before they choose a seed.",
        ),
        Some("drawn") => Some(
            "The sample is drawn. Its calls are listed below, and the panel's auditors can score them now.",
        ),
        Some("closed") => Some(
            "The session is closed. Its auditors now read the session report instead of scoring.",
        ),
        Some("reopened") => Some("The session is open again."),
        _ => None,
    };
    if let Some(seed) = q.seed {
        page.typed_seed = seed.chars().take(200).collect();
    }
    Ok(Html(page.render()?).into_response())
}

/// The session's page as its reader sees it, with no problems to show.
pub(crate) async fn show_page(state: &AppState, user: &User, id: i64) -> Result<Show> {
    let (a, r) = access(state, user, id).await?;
    allow(r.view, "this session")?;
    let session = state.store.session(id).await?;
    let programme = state.store.programme(session.programme_id).await?;
    let template = state.store.template(programme.id).await?;
    let facilitator = match a.facilitator_id {
        Some(f) => state.store.person(f).await?.display_name,
        None => "Not chosen yet".into(),
    };
    let panel = state
        .store
        .panel(id)
        .await?
        .into_iter()
        .map(|p| p.display_name)
        .collect();
    let draw = match state.store.draw(id).await? {
        None => None,
        Some(d) => Some(DrawView {
            gaps: state
                .store
                .completeness_of(programme.force_id, &d.commitment.spec)
                .await?
                .iter()
                .map(ToString::to_string)
                .collect(),
            pool_groups: digest_groups(&d.commitment.pool_digest),
            pool_short: digest_short(&d.commitment.pool_digest),
            spec_groups: digest_groups(&d.commitment.spec_digest),
            spec_short: digest_short(&d.commitment.spec_digest),
            eligible: d.commitment.eligible_calls,
            size: d.commitment.spec.size,
            reserved: d.commitment.spec.reserved_places(),
            seed: d.record.as_ref().map(|r| r.seed.clone()),
            shortfalls: d.record.map(|r| r.shortfalls).unwrap_or_default(),
        }),
    };
    let mut calls = Vec::new();
    for c in state.store.session_outcomes(id).await? {
        let progress = if r.score {
            let mine = state
                .store
                .call_answers(c.session_call_id)
                .await?
                .into_iter()
                .filter(|x| x.auditor_id == user.person.id)
                .count();
            format!("{mine} of {} answered", template.questions.len())
        } else {
            String::new()
        };
        calls.push(CallLine {
            n: c.position,
            call_ref: c.call_ref,
            date: local_time(c.started_at, "%-d %b %Y %H:%M"),
            channel: channel_label(&c.channel),
            incident_type: c.incident_type,
            category: category_label(c.category.as_deref().unwrap_or("")),
            progress,
        });
    }
    let recordings = programme.kind == ProgrammeKind::CallAudit
        && state.store.pool_has_recordings(programme.force_id).await?;
    let page = Show {
        nav: Some(user.nav("/sessions")),
        id,
        held_on: session.held_on.format("%-d %B %Y").to_string(),
        focus: focus_label(&session.focus, Some(programme.kind)),
        status_label: session.status.label(),
        status: session.status.code().to_string(),
        r,
        csrf: user.csrf.clone(),
        facilitator,
        panel,
        draw,
        calls,
        commit: CommitTyped::defaults(session.held_on, recordings),
        max_sample: programme.max_sample,
        recordings,
        errors: Vec::new(),
        typed_seed: String::new(),
        done: None,
        keep_references: r.manage
            && programme.kind == ProgrammeKind::CallAudit
            && session.status == SessionStatus::Closed
            && !state.store.recordings_removed(id).await?,
    };
    Ok(page)
}

pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let (a, r) = access(&state, &p.user, id).await?;
    allow(r.manage, "this session's status")?;
    let typed = p.fields.text("status");
    let to = SessionStatus::parse(&typed)
        .filter(|to| {
            matches!(
                (a.status, *to),
                (SessionStatus::Open, SessionStatus::Closed)
                    | (SessionStatus::Closed, SessionStatus::Open)
            )
        })
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "A {} session cannot be made {typed:?}. A session opens when its sample is drawn, and can then be closed and reopened.",
                a.status.label().to_lowercase()
            ))
        })?;
    // A calibration session has no outcomes to agree, so closing it asks nothing first.
    if to == SessionStatus::Closed && !a.calibration && p.fields.get("confirm") != Some("yes") {
        let session = state.store.session(id).await?;
        let outcomes = state.store.session_outcomes(id).await?;
        let page = CloseCheck {
            nav: Some(p.user.nav("/sessions")),
            csrf: p.user.csrf.clone(),
            id,
            held_on: session.held_on.format("%-d %B %Y").to_string(),
            calls: outcomes.len(),
            unagreed: outcomes.iter().filter(|c| c.category.is_none()).count(),
        };
        return Ok(Html(page.render()?).into_response());
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.set_session_status(id, to).await?;
    tx.commit().await?;
    let done = if to == SessionStatus::Closed {
        "closed"
    } else {
        "reopened"
    };
    Ok(Redirect::to(&format!("/sessions/{id}?done={done}")).into_response())
}

/// What closing a session means, checked before it is closed.
#[derive(Template)]
#[template(path = "close_check.html")]
struct CloseCheck {
    nav: Option<Nav>,
    csrf: String,
    id: i64,
    held_on: String,
    calls: usize,
    /// Calls the panel has not yet agreed an outcome for.
    unagreed: usize,
}

/// The draw record, for anybody entitled to the report to verify with `callaudit sample verify`.
pub async fn draw_record(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (_, r) = access(&state, &user, id).await?;
    allow(r.report, "this session's draw record")?;
    let record = state
        .store
        .draw(id)
        .await?
        .and_then(|d| d.record)
        .ok_or_else(|| AppError::NotFound("This session has not been drawn yet.".into()))?;
    let json =
        serde_json::to_string_pretty(&record).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(download(
        json + "\n",
        "application/json",
        &format!("draw-session-{id}.json"),
    ))
}

#[derive(Deserialize)]
pub struct FormatQuery {
    #[serde(default)]
    format: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> Result<Response> {
    let (a, r) = access(&state, &user, id).await?;
    allow(r.report, "this session's report")?;
    let force = state
        .store
        .forces()
        .await?
        .into_iter()
        .find(|f| f.id == a.force_id)
        .ok_or_else(|| AppError::NotFound("The session's force is missing.".into()))?;
    let report = session_report::compute(&session_report::load(&state.store, &force, id).await?);
    // Read in the browser, the report has a way back to the session.
    if q.format.as_deref() == Some("html") {
        return Ok(crate::shared::report_page(
            callaudit_reports::html::session_from(&report, Some(&format!("/sessions/{id}")))?,
        ));
    }
    report_response(
        report,
        q.format.as_deref(),
        &[Format::Markdown, Format::Html, Format::Pdf, Format::Json],
        &format!("session-{id}-report"),
    )
    .await
}
