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

/// The force's volunteer auditors as a panel form offers them: id, name, and why they cannot sit
/// on `day`, if they cannot.
pub async fn panel_choices(
    state: &AppState,
    force_id: i64,
    day: NaiveDate,
) -> Result<Vec<(i64, String, Option<String>)>> {
    let training = state.store.training_records(force_id).await?;
    Ok(state
        .store
        .people_with_role(force_id, "auditor")
        .await?
        .into_iter()
        .map(|p| {
            let t = training.get(&p.id).cloned().unwrap_or_default();
            (p.id, p.display_name, barred(&t, day))
        })
        .collect())
}

/// The boxes ticked on a panel form among `members` (the values as the form sent them), and
/// where a problem with the panel links to: the first box to tick.
pub fn ticked(typed: &[String], members: &[i64]) -> (Vec<i64>, String) {
    let panel = typed
        .iter()
        .filter_map(|v| v.parse::<i64>().ok())
        .filter(|id| members.contains(id))
        .collect();
    let first_box = members
        .first()
        .map_or("panel".to_string(), |id| format!("panel-{id}"));
    (panel, first_box)
}

/// A problem, linked to the volunteer's box, for each of `panel` who cannot sit on `day`: a
/// volunteer sits only once they have accepted the confidentiality agreement, and only while
/// their vetting holds on the day (seed 000).
pub async fn check_panel(
    state: &AppState,
    force_id: i64,
    panel: &[i64],
    day: NaiveDate,
    problems: &mut Problems,
) -> Result<()> {
    let training = state.store.training_records(force_id).await?;
    for id in panel {
        let t = training.get(id).cloned().unwrap_or_default();
        if let Some(why) = barred(&t, day) {
            let name = state.store.person(*id).await?.display_name;
            problems.add(
                format!("panel-{id}"),
                format!(
                    "{name} cannot sit on a panel on {}: {why}. Update their training record on the Auditors page first",
                    long_date(day)
                ),
            );
        }
    }
    Ok(())
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
        (
            "Calibration sessions taken",
            match sat.calibrations {
                0 => "None yet".to_string(),
                n => n.to_string(),
            },
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
    code: String,
    text: String,
    alpha: String,
    interval: String,
    calls: usize,
    low: bool,
    quarters: Vec<String>,
    /// For a reworded question: each wording, from when, and the year's alpha under it.
    versions: Vec<VersionLine>,
}

struct VersionLine {
    version: i64,
    text: String,
    from: String,
    alpha: String,
    calls: usize,
}

/// One volunteer's calibration in the year.
struct CalibrationLine {
    id: i64,
    name: String,
    matching: String,
    /// Session by session, oldest first: "12 January 2027: 3 of 4".
    sessions: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    nav: Option<Nav>,
    year_label: String,
    years: Vec<(i32, String, bool)>,
    auditors: Vec<AuditorLine>,
    questions: Vec<QuestionLine>,
    calibrations: Vec<CalibrationLine>,
    /// The programme whose questions are reworded.
    programme_id: i64,
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
    let days: std::collections::HashMap<i64, NaiveDate> = state
        .store
        .session_call_days_between(force.id, ProgrammeKind::CallAudit, from, to)
        .await?
        .into_iter()
        .collect();
    // A force with no call audit programme yet has no wordings, and nothing to reword.
    let programme_id =
        crate::sessions::call_audit_programme(&state.store.programmes(force.id).await?)
            .unwrap_or(0);
    let wordings = state.store.question_versions(programme_id).await?;
    // The bootstrap runs thousands of alphas: off the threads that answer requests.
    let (r, by_version) = tokio::task::spawn_blocking(move || {
        let by_version = version_alphas(&template, &answers, &days, &wordings);
        (
            volunteers::agreements(&template, &answers, &days, true),
            by_version,
        )
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
            code: q.code.clone(),
            versions: by_version
                .iter()
                .filter(|(code, _)| *code == q.code)
                .map(|(_, v)| VersionLine {
                    version: v.0,
                    text: v.1.clone(),
                    from: v.2.map_or("the start".into(), long_date),
                    alpha: v.3.alpha_text(),
                    calls: v.3.calls,
                })
                .collect(),
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
        calibrations: calibration_lines(&state, &force, from, to, &names).await?,
        programme_id,
        low: LOW,
        good: GOOD,
        few: FEW_CALLS,
    };
    Ok(Html(page.render()?).into_response())
}

/// A question's wording and the year's agreement under it: (version, text, in use from, alpha).
type VersionAlpha = (
    i64,
    String,
    Option<NaiveDate>,
    callaudit_reports::volunteers::Reading,
);

/// For each reworded question, the year's agreement under each of its wordings: the answers of
/// sessions held while that wording was in use, so that a rewording can be seen to help or not.
fn version_alphas(
    template: &callaudit_domain::template::Template,
    answers: &[(i64, i64, String, callaudit_domain::template::Answer)],
    days: &std::collections::HashMap<i64, NaiveDate>,
    wordings: &[callaudit_storage::programmes::QuestionVersion],
) -> Vec<(String, VersionAlpha)> {
    let mut out = Vec::new();
    for (i, v) in wordings.iter().enumerate() {
        let Some(q) = template
            .questions
            .iter()
            .find(|q| q.code == v.question_code)
        else {
            continue;
        };
        // In use from its day (or the start) until the next wording of the same question.
        let until = wordings
            .get(i + 1)
            .filter(|n| n.question_code == v.question_code)
            .and_then(|n| n.from_on);
        let within =
            |d: &NaiveDate| v.from_on.is_none_or(|f| *d >= f) && until.is_none_or(|u| *d < u);
        let theirs: Vec<_> = answers
            .iter()
            .filter(|(sc, _, code, _)| *code == q.code && days.get(sc).is_some_and(within))
            .cloned()
            .collect();
        let one = callaudit_domain::template::Template {
            questions: vec![q.clone()],
            ..template.clone()
        };
        let reading = callaudit_reports::volunteers::agreements(&one, &theirs, days, false)
            .questions
            .remove(0)
            .year;
        out.push((
            v.question_code.clone(),
            (v.version, v.text.clone(), v.from_on, reading),
        ));
    }
    out
}

/// Each volunteer's calibration sessions held from `from` to `to`: their answers matching the
/// agreed ones, over the period and session by session.
async fn calibration_lines(
    state: &AppState,
    force: &callaudit_storage::Force,
    from: NaiveDate,
    to: NaiveDate,
    names: &std::collections::HashMap<i64, String>,
) -> Result<Vec<CalibrationLine>> {
    let rows = callaudit_reports::load::calibration(&state.store, force, from, to).await?;
    let mut lines: Vec<CalibrationLine> = callaudit_reports::volunteers::calibrations(&rows)
        .into_iter()
        .map(|c| CalibrationLine {
            id: c.auditor_id,
            name: names
                .get(&c.auditor_id)
                .cloned()
                .unwrap_or_else(|| format!("Person {}", c.auditor_id)),
            matching: c.all.text(),
            sessions: c
                .sessions
                .iter()
                .map(|(s, day, m)| {
                    (
                        *s,
                        format!("{}: {} of {}", long_date(*day), m.matched, m.answered),
                    )
                })
                .collect(),
        })
        .collect();
    lines.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(lines)
}
