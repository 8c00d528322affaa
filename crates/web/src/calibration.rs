//! Calibration sessions: the coordinator plans one from the reference calls (chosen, or drawn at
//! random among them); each volunteer on it scores the calls as usual, says when they have
//! finished, and then sees their answers beside the agreed ones with the reason for each. Only
//! they and the coordinator see that comparison.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::{Role, SessionStatus};
use callaudit_domain::time::long_date;
use callaudit_reports::volunteers::Matching;
use callaudit_storage::calibration::CalibrationAnswer;
use serde::Deserialize;

use crate::AppState;
use crate::access::{Rights, access, allow};
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{DateTyped, FieldError, Problems, date_error, error_for};
use crate::score::answer_words;
use crate::shared::{today, user_force};
use crate::view::{Nav, channel_label};

/// A reference call as the plan form offers it.
struct Choice {
    id: i64,
    label: String,
}

/// The plan as typed, kept when it is shown again with its problems.
#[derive(Default)]
struct Typed {
    held_on: DateTyped,
    panel: Vec<String>,
    /// "chosen" or "random".
    how: String,
    chosen: Vec<String>,
    count: String,
}

impl Typed {
    fn from_fields(f: &crate::forms::Fields) -> Typed {
        Typed {
            held_on: DateTyped::from_fields(f, "held_on"),
            panel: f.all("panel"),
            how: f.text("how"),
            chosen: f.all("reference"),
            count: f.text("count"),
        }
    }

    fn has_auditor(&self, id: &i64) -> bool {
        self.panel.contains(&id.to_string())
    }

    fn has_reference(&self, id: &i64) -> bool {
        self.chosen.contains(&id.to_string())
    }
}

#[derive(Template)]
#[template(path = "calibration_plan.html")]
struct Plan {
    nav: Option<Nav>,
    csrf: String,
    auditors: Vec<(i64, String, Option<String>)>,
    references: Vec<Choice>,
    /// Reference calls left out because their recordings are no longer kept.
    unplayable: usize,
    typed: Typed,
    errors: Vec<FieldError>,
}

impl Plan {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }

    /// Whether a reference call box has a problem.
    fn reference_error(&self) -> bool {
        self.errors
            .iter()
            .any(|e| e.field.starts_with("reference-"))
    }

    /// The panel's problems, each linked to the box it is about.
    fn panel_errors(&self) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field.starts_with("panel"))
            .map(|e| e.message.as_str())
            .collect()
    }
}

/// The force's call audit programme, whose reference calls a calibration session is drawn from.
async fn programme(state: &AppState, force_id: i64) -> Result<i64> {
    crate::sessions::call_audit_programme(&state.store.programmes(force_id).await?)
}

async fn plan_page(
    state: &AppState,
    user: &User,
    typed: Typed,
    errors: Vec<FieldError>,
) -> Result<Plan> {
    let force = user_force(state, user).await?;
    // A force with no call audit programme has no reference calls: the page says so.
    let programme = programme(state, force.id).await.ok();
    let refs: Vec<_> = state
        .store
        .references(force.id)
        .await?
        .into_iter()
        .filter(|r| Some(r.programme_id) == programme)
        .collect();
    let unplayable = refs.iter().filter(|r| !r.recording_kept).count();
    Ok(Plan {
        nav: Some(user.nav("/auditors")),
        csrf: user.csrf.clone(),
        auditors: crate::training::panel_choices(state, force.id, today()).await?,
        references: refs
            .into_iter()
            .filter(|r| r.recording_kept)
            .map(|r| Choice {
                id: r.session_call_id,
                label: format!(
                    "{}, a {} call heard on {} (an example of {} handling)",
                    r.incident_type,
                    channel_label(&r.channel),
                    r.held_on.format("%-d %B %Y"),
                    r.example
                ),
            })
            .collect(),
        unplayable,
        typed,
        errors,
    })
}

/// The form to plan a calibration session.
pub async fn new(State(state): State<AppState>, user: User) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    let typed = Typed {
        how: "chosen".into(),
        ..Typed::default()
    };
    let page = plan_page(&state, &user, typed, Vec::new()).await?;
    Ok(Html(page.render()?).into_response())
}

/// Plans a calibration session: open at once, its calls the reference calls chosen or drawn.
pub async fn plan(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let force = user_force(&state, &p.user).await?;
    let programme = programme(&state, force.id).await?;
    let typed = Typed::from_fields(&p.fields);
    let mut problems = Problems::default();
    let held_on = problems.required_date(&typed.held_on, "held_on", "The date of the session");
    // One calibration session a day: the natural key of a session is its programme, day and focus.
    if let Some(day) = held_on {
        let taken = state
            .store
            .sessions(force.id)
            .await?
            .into_iter()
            .find(|s| s.calibration && s.held_on == day && s.programme_id == programme);
        if let Some(s) = taken {
            problems.add(
                "held_on-day",
                format!(
                    "A calibration session is already planned for {} (session {}): choose another day",
                    long_date(day),
                    s.id
                ),
            );
        }
    }
    let auditors: Vec<i64> = state
        .store
        .people_with_role(force.id, "auditor")
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let (panel, first_box) = crate::training::ticked(&typed.panel, &auditors);
    if auditors.is_empty() {
        problems.add(
            first_box,
            "The force has no auditors yet: add them on the Auditors page first",
        );
    } else if panel.len() != typed.panel.len() {
        problems.add(first_box, "Select volunteer auditors only");
    } else if panel.is_empty() {
        problems.add(first_box, "Select at least one auditor to take part");
    } else if let Some(day) = held_on {
        crate::training::check_panel(&state, force.id, &panel, day, &mut problems).await?;
    }
    let playable: Vec<i64> = state
        .store
        .references(force.id)
        .await?
        .into_iter()
        .filter(|r| r.programme_id == programme && r.recording_kept)
        .map(|r| r.session_call_id)
        .collect();
    let first_ref = playable
        .first()
        .map_or("how-chosen".to_string(), |id| format!("reference-{id}"));
    let references: Vec<i64> = if playable.is_empty() {
        problems.add(
            "how-chosen",
            "There are no reference calls to hear yet: keep one from a closed session first (open the session and choose Keep as a reference)",
        );
        Vec::new()
    } else {
        match typed.how.as_str() {
            "random" => match typed.count.trim().parse::<usize>() {
                Ok(n) if (1..=playable.len()).contains(&n) => {
                    let mut seed = [0u8; 8];
                    getrandom::fill(&mut seed)
                        .map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
                    callaudit_domain::training::pick(&playable, n, u64::from_le_bytes(seed))
                }
                _ => {
                    problems.add(
                        "count",
                        format!(
                            "Enter how many calls to draw, a whole number from 1 to {}",
                            playable.len()
                        ),
                    );
                    Vec::new()
                }
            },
            "chosen" => {
                let chosen: Vec<i64> = typed
                    .chosen
                    .iter()
                    .filter_map(|v| v.parse::<i64>().ok())
                    .filter(|id| playable.contains(id))
                    .collect();
                if chosen.is_empty() || chosen.len() != typed.chosen.len() {
                    problems.add(
                        first_ref,
                        "Select at least one reference call from the list",
                    );
                }
                chosen
            }
            _ => {
                problems.add(
                    "how-chosen",
                    "Select whether to choose the calls or draw them at random",
                );
                Vec::new()
            }
        }
    };
    let (Some(held_on), true) = (held_on, problems.is_empty()) else {
        let page = plan_page(&state, &p.user, typed, problems.into_vec()).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    let id = tx
        .plan_calibration(programme, held_on, &panel, &references)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}?done=planned")).into_response())
}

/// One call of a calibration session as its page lists it.
struct CallLine {
    n: i64,
    heading: String,
    progress: String,
}

/// One volunteer on the panel, as the coordinator sees them.
struct Member {
    id: i64,
    name: String,
    finished: Option<String>,
    matching: String,
}

#[derive(Template)]
#[template(path = "calibration.html")]
struct Show {
    nav: Option<Nav>,
    id: i64,
    held_on: String,
    status: String,
    status_label: &'static str,
    r: Rights,
    csrf: String,
    calls: Vec<CallLine>,
    members: Vec<Member>,
    /// For a volunteer: whether they have finished.
    finished: bool,
    done: Option<&'static str>,
}

/// A calibration session's page: its calls and, for the coordinator, who has finished and how
/// their answers compare; for a volunteer, their progress and the way to their comparison.
pub async fn show(state: &AppState, user: &User, id: i64, done: Option<&str>) -> Result<Response> {
    let (a, r) = access(state, user, id).await?;
    allow(r.view, "this session")?;
    let session = state.store.session(id).await?;
    let template = state.template(a.programme_id).await?;
    let finishes: HashMap<i64, chrono::DateTime<chrono::Utc>> = state
        .store
        .calibration_finishes(id)
        .await?
        .into_iter()
        .collect();
    let mut calls = Vec::new();
    for c in state.session_calls(id).await?.iter() {
        let progress = if r.score || (user.role == Role::Auditor) {
            let mine = state
                .answers(c.session_call_id)
                .await?
                .iter()
                .filter(|x| x.auditor_id == user.person.id)
                .count();
            format!("{mine} of {} answered", template.questions.len())
        } else {
            String::new()
        };
        calls.push(CallLine {
            n: c.position,
            heading: format!("{}, a {} call", c.incident_type, channel_label(&c.channel)),
            progress,
        });
    }
    let mut members = Vec::new();
    if r.manage {
        let answers = state.store.session_calibration_answers(id).await?;
        for p in state.store.panel(id).await? {
            members.push(Member {
                finished: finishes.get(&p.id).map(|t| long_date(t.date_naive())),
                matching: match (finishes.contains_key(&p.id), a.status) {
                    (false, SessionStatus::Open) => "Not finished yet".into(),
                    _ => matching(&answers, p.id).text(),
                },
                id: p.id,
                name: p.display_name,
            });
        }
    }
    let page = Show {
        nav: Some(user.nav(if r.manage { "/auditors" } else { "/sessions" })),
        id,
        held_on: session.held_on.format("%-d %B %Y").to_string(),
        status: session.status.code().to_string(),
        status_label: session.status.label(),
        r,
        csrf: user.csrf.clone(),
        calls,
        members,
        finished: finishes.contains_key(&user.person.id),
        done: match done {
            Some("planned") => Some(
                "The calibration session is planned and open. Its volunteers can score its calls now; each sees how their answers compare once they say they have finished.",
            ),
            Some("closed") => Some("The calibration session is closed."),
            Some("reopened") => Some("The calibration session is open again."),
            _ => None,
        },
    };
    Ok(Html(page.render()?).into_response())
}

/// How many of `auditor`'s answers among `answers` match the agreed ones.
fn matching(answers: &[CalibrationAnswer], auditor: i64) -> Matching {
    let mut m = Matching::default();
    for x in answers.iter().filter(|x| x.auditor_id == auditor) {
        if let Some(agreed) = x.agreed_answer() {
            m.add(agreed == x.answer);
        }
    }
    m
}

/// A volunteer says they have finished: every question of every call must be answered. Their
/// answers are fixed from then, and their comparison is shown.
pub async fn finish(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let (a, r) = access(&state, &p.user, id).await?;
    if !a.calibration {
        return Err(AppError::NotFound(
            "Only a calibration session is finished this way.".into(),
        ));
    }
    allow(r.score, "the calls of this session")?;
    let template = state.template(a.programme_id).await?;
    let mut left = 0;
    for c in state.session_calls(id).await?.iter() {
        let answers = state.answers(c.session_call_id).await?;
        left += template
            .questions
            .iter()
            .filter(|q| {
                !answers
                    .iter()
                    .any(|x| x.auditor_id == p.user.person.id && x.question_code == q.code)
            })
            .count();
    }
    if left > 0 {
        return Err(AppError::Conflict(format!(
            "{left} questions are still unanswered. Answer every question on every call first: Your answers (/sessions/{id}/answers) lists what is left."
        )));
    }
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.finish_calibration(id, p.user.person.id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sessions/{id}/comparison")).into_response())
}

#[derive(Deserialize)]
pub struct ComparisonQuery {
    #[serde(default)]
    auditor: Option<i64>,
}

/// One question of one call in a comparison.
struct Row {
    question: String,
    yours: &'static str,
    agreed: &'static str,
    same: bool,
    why: String,
}

struct CallComparison {
    n: i64,
    heading: String,
    rows: Vec<Row>,
}

#[derive(Template)]
#[template(path = "comparison.html")]
struct Comparison {
    nav: Option<Nav>,
    id: i64,
    held_on: String,
    /// The volunteer's name, for the coordinator; `None` for the volunteer themself.
    whose: Option<String>,
    matching: String,
    calls: Vec<CallComparison>,
}

/// A volunteer's answers in a calibration session beside the agreed ones: their own, once they
/// have finished (or the session closed); any volunteer's of it for the coordinator.
pub async fn comparison(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<ComparisonQuery>,
) -> Result<Response> {
    let (a, r) = access(&state, &user, id).await?;
    allow(r.view && a.calibration, "this comparison")?;
    let auditor = match (r.manage, q.auditor) {
        (true, Some(x)) if a.panel.contains(&x) => x,
        (true, _) => {
            return Err(AppError::NotFound(
                "Choose a volunteer on this session's panel from the session page.".into(),
            ));
        }
        // A volunteer sees their own comparison only, whatever is asked for.
        (false, _) => user.person.id,
    };
    let answers = state.store.session_calibration_answers(id).await?;
    let finished = a.status == SessionStatus::Closed
        || state
            .store
            .calibration_finishes(id)
            .await?
            .iter()
            .any(|(p, _)| *p == auditor);
    if !finished {
        if r.manage {
            return Err(AppError::Conflict(
                "This volunteer has not finished yet: their comparison is shown once they have, or when the session closes.".into(),
            ));
        }
        return Ok(Redirect::to(&format!("/sessions/{id}/answers")).into_response());
    }
    let template = state.template(a.programme_id).await?;
    let session = state.store.session(id).await?;
    let mut calls = Vec::new();
    for c in state.session_calls(id).await?.iter() {
        let rows = template
            .questions
            .iter()
            .filter_map(|qn| {
                let x = answers.iter().find(|x| {
                    x.auditor_id == auditor
                        && x.position == c.position
                        && x.question_code == qn.code
                })?;
                let agreed = x.agreed_answer();
                Some(Row {
                    question: qn.text.clone(),
                    yours: answer_words(x.answer),
                    agreed: agreed.map_or("None agreed", answer_words),
                    same: agreed == Some(x.answer),
                    why: x.agreed_note.clone().unwrap_or_default(),
                })
            })
            .collect();
        calls.push(CallComparison {
            n: c.position,
            heading: format!("{}, a {} call", c.incident_type, channel_label(&c.channel)),
            rows,
        });
    }
    let page = Comparison {
        nav: Some(user.nav(if r.manage { "/auditors" } else { "/sessions" })),
        id,
        held_on: session.held_on.format("%-d %B %Y").to_string(),
        whose: match r.manage {
            true => Some(state.store.person(auditor).await?.display_name),
            false => None,
        },
        matching: matching(&answers, auditor).text(),
        calls,
    };
    Ok(Html(page.render()?).into_response())
}
