//! The coordinator's record of each volunteer's training (induction, confidentiality agreement,
//! vetting, sessions sat), and the standing it gives them: whether they may sit on a panel.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::time::long_date;
use callaudit_domain::training::{Bar, Training};
use callaudit_storage::accounts::Person;
use callaudit_storage::training::Sat;
use chrono::NaiveDate;

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{DateTyped, FieldError, Problems, date_error};
use crate::shared::{today, user_force};
use crate::view::Nav;

/// Why a volunteer cannot sit on a panel on `day`, in one sentence after their name; `None` when
/// they may.
pub fn barred(t: &Training, day: NaiveDate) -> Option<String> {
    let bars = t.bars(day);
    (!bars.is_empty()).then(|| {
        bars.iter()
            .map(Bar::reason)
            .collect::<Vec<_>>()
            .join(" and ")
    })
}

/// A volunteer as the list of auditors shows them.
pub struct Standing {
    pub person: Person,
    /// "Can sit on a panel", or why not.
    pub standing: String,
    pub ready: bool,
    pub sat: Sat,
}

/// The force's volunteers with their standing today.
pub async fn standings(state: &AppState, force_id: i64) -> Result<Vec<Standing>> {
    let records = state.store.training_records(force_id).await?;
    let sat = state.store.sessions_sat(force_id).await?;
    let day = today();
    Ok(state
        .store
        .people_with_role(force_id, Role::Auditor.code())
        .await?
        .into_iter()
        .map(|p| {
            let t = records.get(&p.id).cloned().unwrap_or_default();
            let why = barred(&t, day);
            Standing {
                ready: why.is_none(),
                standing: why.map_or("Can sit on a panel".into(), |w| {
                    format!("Cannot sit on a panel: {w}")
                }),
                sat: sat.get(&p.id).copied().unwrap_or_default(),
                person: p,
            }
        })
        .collect())
}

#[derive(Template)]
#[template(path = "training.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    person: Person,
    /// (label, value) rows of the record as it stands.
    rows: Vec<(&'static str, String)>,
    standing: String,
    ready: bool,
    saved: bool,
    typed: Typed,
    errors: Vec<FieldError>,
}

impl Page {
    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }
}

/// The record's four dates as typed.
#[derive(Default)]
struct Typed {
    induction_on: DateTyped,
    agreement_on: DateTyped,
    vetted_on: DateTyped,
    vetting_expires_on: DateTyped,
}

impl Typed {
    fn of(t: &Training) -> Typed {
        let of = |d: Option<NaiveDate>| d.map(DateTyped::of).unwrap_or_default();
        Typed {
            induction_on: of(t.induction_on),
            agreement_on: of(t.agreement_on),
            vetted_on: of(t.vetted_on),
            vetting_expires_on: of(t.vetting_expires_on),
        }
    }
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<u8>,
}

/// The volunteer `id` of the coordinator's own force; anyone else is "not found", so that other
/// forces' people and other roles are not disclosed.
async fn volunteer(state: &AppState, user: &User, id: i64) -> Result<Person> {
    user.require(&[Role::Coordinator])?;
    let force = user_force(state, user).await?;
    let person = state.store.person(id).await.ok();
    person
        .filter(|p| p.force_id == Some(force.id) && p.role == Role::Auditor)
        .ok_or_else(|| AppError::NotFound(format!("There is no auditor {id} in your force.")))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
    user: User,
) -> Result<Response> {
    let person = volunteer(&state, &user, id).await?;
    let t = state.store.training(id).await?;
    let page = page(
        &state,
        &user,
        person,
        &t,
        Typed::of(&t),
        Vec::new(),
        q.saved.is_some(),
    )
    .await?;
    Ok(Html(page.render()?).into_response())
}

async fn page(
    state: &AppState,
    user: &User,
    person: Person,
    t: &Training,
    typed: Typed,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<Page> {
    let force = user_force(state, user).await?;
    let sat = state
        .store
        .sessions_sat(force.id)
        .await?
        .get(&person.id)
        .copied()
        .unwrap_or_default();
    let day = |d: Option<NaiveDate>, none: &str| d.map_or(none.to_string(), long_date);
    let vetting = match (t.vetted_on, t.vetting_expires_on) {
        (None, _) => "Not recorded".to_string(),
        (Some(on), None) => format!("Vetted on {}; no expiry recorded", long_date(on)),
        (Some(on), Some(end)) => {
            format!("Vetted on {}; expires on {}", long_date(on), long_date(end))
        }
    };
    let rows = vec![
        ("Induction", day(t.induction_on, "Not recorded")),
        (
            "Confidentiality agreement",
            t.agreement_on.map_or("Not accepted".into(), |d| {
                format!("Accepted on {}", long_date(d))
            }),
        ),
        ("Vetting", vetting),
        (
            "Sessions sat",
            format!("{} (and {} planned or open)", sat.sat, sat.to_come),
        ),
    ];
    let why = barred(t, today());
    Ok(Page {
        nav: Some(user.nav("/auditors")),
        csrf: user.csrf.clone(),
        person,
        rows,
        ready: why.is_none(),
        standing: why.map_or("Can sit on a panel today".into(), |w| {
            format!("Cannot sit on a panel today: {w}.")
        }),
        saved,
        typed,
        errors,
    })
}

pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let person = volunteer(&state, &p.user, id).await?;
    let typed = Typed {
        induction_on: DateTyped::from_fields(&p.fields, "induction_on"),
        agreement_on: DateTyped::from_fields(&p.fields, "agreement_on"),
        vetted_on: DateTyped::from_fields(&p.fields, "vetted_on"),
        vetting_expires_on: DateTyped::from_fields(&p.fields, "vetting_expires_on"),
    };
    let mut problems = Problems::default();
    let t = Training {
        induction_on: problems.date(&typed.induction_on, "induction_on", "The induction date"),
        agreement_on: problems.date(
            &typed.agreement_on,
            "agreement_on",
            "The date the agreement was accepted",
        ),
        vetted_on: problems.date(&typed.vetted_on, "vetted_on", "The vetting date"),
        vetting_expires_on: problems.date(
            &typed.vetting_expires_on,
            "vetting_expires_on",
            "The vetting's expiry date",
        ),
    };
    if problems.is_empty() {
        for (field, message) in t.problems(today()) {
            // Linked to the day, the first box of the date.
            problems.add(format!("{field}-day"), message);
        }
    }
    if !problems.is_empty() {
        let before = state.store.training(id).await?;
        let page = page(
            &state,
            &p.user,
            person,
            &before,
            typed,
            problems.into_vec(),
            false,
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    // Only a change is written, so the history holds one entry per change.
    if state.store.training(id).await? != t {
        let mut tx = state
            .store
            .begin_in(p.user.person.force_id, &p.user.person.email)
            .await?;
        tx.set_training(id, &t).await?;
        tx.commit().await?;
    }
    Ok(Redirect::to(&format!("/auditors/{id}?saved=1")).into_response())
}

/// One auditor's row on the agreement page.
struct AuditorLine {
    id: i64,
    name: String,
    alpha: String,
    interval: String,
    calls: usize,
    meaning: &'static str,
    low: bool,
    /// Each quarter's alpha, "–" where there is none.
    quarters: Vec<String>,
}

/// One question's row on the agreement page.
struct QuestionLine {
    text: String,
    alpha: String,
    interval: String,
    calls: usize,
    low: bool,
    quarters: Vec<String>,
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    nav: Option<Nav>,
    year_label: String,
    years: Vec<(i32, String, bool)>,
    auditors: Vec<AuditorLine>,
    questions: Vec<QuestionLine>,
    low: f64,
    good: f64,
    few: usize,
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    year: Option<i32>,
}

/// How alike the force's volunteers read calls in a financial year: each auditor's agreement
/// with the rest of the panel and each question's, over the year and by quarter. The coordinator
/// alone sees it: it names volunteers.
pub async fn agreement(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
    user: User,
) -> Result<Response> {
    use callaudit_domain::template::ProgrammeKind;
    use callaudit_reports::volunteers::{self, FEW_CALLS, GOOD, LOW};
    user.require(&[Role::Coordinator])?;
    let force = user_force(&state, &user).await?;
    let year = match q.year {
        Some(y) => crate::pages::checked_year(y)?,
        None => callaudit_domain::time::financial_year(today()),
    };
    let (from, to) = callaudit_reports::annual::year_bounds(year);
    let template = callaudit_reports::annual::template(&state.store, &force).await?;
    let answers =
        callaudit_reports::load::answers(&state.store, &force, ProgrammeKind::CallAudit, from, to)
            .await?;
    let days = state
        .store
        .session_call_days_between(force.id, ProgrammeKind::CallAudit, from, to)
        .await?
        .into_iter()
        .collect();
    // The bootstrap runs thousands of alphas: off the threads that answer requests.
    let r = tokio::task::spawn_blocking(move || {
        volunteers::agreements(&template, &answers, &days, true)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let names: std::collections::HashMap<i64, String> = state
        .store
        .people(Some(force.id))
        .await?
        .into_iter()
        .map(|p| (p.id, p.display_name))
        .collect();
    let quarters = |qs: &[volunteers::Reading]| qs.iter().map(|q| q.alpha_text()).collect();
    let mut auditors: Vec<AuditorLine> = r
        .auditors
        .iter()
        .map(|a| AuditorLine {
            id: a.auditor_id,
            name: names
                .get(&a.auditor_id)
                .cloned()
                .unwrap_or_else(|| format!("Person {}", a.auditor_id)),
            alpha: a.year.alpha_text(),
            interval: a.year.interval_text(),
            calls: a.year.calls,
            meaning: a.year.meaning(),
            low: a.year.low(),
            quarters: quarters(&a.quarters),
        })
        .collect();
    auditors.sort_by(|a, b| a.name.cmp(&b.name));
    let questions = r
        .questions
        .iter()
        .map(|q| QuestionLine {
            text: q.text.clone(),
            alpha: q.year.alpha_text(),
            interval: q.year.interval_text(),
            calls: q.year.calls,
            low: q.year.low(),
            quarters: quarters(&q.quarters),
        })
        .collect();
    // The year shown is among them even when no session was held in it.
    let mut years = crate::pages::session_years(&state, force.id).await?;
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    let page = AgreementPage {
        nav: Some(user.nav("/auditors")),
        year_label: callaudit_domain::time::year_label(year),
        years: years
            .into_iter()
            .map(|y| (y, callaudit_domain::time::year_label(y), y == year))
            .collect(),
        auditors,
        questions,
        low: LOW,
        good: GOOD,
        few: FEW_CALLS,
    };
    Ok(Html(page.render()?).into_response())
}
