//! The coordinator's programmes: each programme's template shown in full, its settings (largest
//! sample, focus themes, transcript phrases, retention periods) changed in a form, and new
//! programmes added with the reference template of their kind.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::Problem;
use callaudit_domain::audit::Role;
use callaudit_domain::template::{
    Area, ITEM_CHARS, PHRASE_CHARS, ProgrammeKind, Question, Template as AuditTemplate, clean_list,
    code_for, parse_max_sample, parse_retention_days,
};
use callaudit_domain::training::LibraryShows;

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{DateTyped, FieldError, Problems, date_error, error_for};
use crate::view::Nav;

/// One programme as the page shows it; the settings are the text of their form fields, so that
/// a refused form comes back as it was typed.
struct ProgrammeView {
    id: i64,
    name: String,
    kind: &'static str,
    questions: Vec<Question>,
    areas: Vec<String>,
    /// Whether any session has answers or outcomes under it, after which its questions and
    /// areas are fixed; until then they are in the form, one per line.
    in_use: bool,
    questions_text: String,
    areas_text: String,
    max_sample: String,
    focus: String,
    greeting: String,
    next_steps: String,
    inappropriate: String,
    /// The words that suggest domestic abuse, one a line.
    domestic: String,
    /// The words that describe a missing person, one a line.
    missing_person: String,
    /// The words that suggest a death, one a line.
    death: String,
    /// Retention periods in days, "" when none is set.
    keep_recordings: String,
    keep_free_text: String,
    /// Whether auditors read the incident log's check results and risk markers.
    log_details: bool,
    /// The programme's kind as stored, for what only a call audit has.
    kind_code: &'static str,
    /// What the training library shows volunteers of a reference call (a code).
    library_shows: String,
    /// What is wrong with this programme's form as last posted.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "programmes.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    programmes: Vec<ProgrammeView>,
    saved: Option<String>,
    /// The library rules offered: (code, label).
    library_choices: Vec<(&'static str, &'static str)>,
    /// What is wrong with the add form as last posted, with the name typed.
    add_error: Option<String>,
    add_name: String,
}

fn lines(list: &[String]) -> String {
    list.join("\n")
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<i64>,
}

async fn page(state: &AppState, user: &User, saved: Option<i64>) -> Result<Page> {
    let force = crate::shared::user_force(state, user).await?;
    let mut programmes = Vec::new();
    let mut saved_name = None;
    for p in state.store.programmes(force.id).await? {
        let t = state.template(p.id).await?;
        if saved == Some(p.id) {
            saved_name = Some(p.name.clone());
        }
        let areas: Vec<String> = t.areas.iter().map(|a| a.name.clone()).collect();
        programmes.push(ProgrammeView {
            id: p.id,
            kind: p.kind.label(),
            in_use: state.store.programme_in_use(p.id).await?,
            questions_text: t
                .questions
                .iter()
                .map(|q| q.text.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            areas_text: lines(&areas),
            questions: t.questions.clone(),
            areas,
            max_sample: p.max_sample.to_string(),
            focus: lines(&t.focus_themes),
            greeting: lines(&t.phrases.greeting),
            next_steps: lines(&t.phrases.next_steps),
            inappropriate: lines(&t.phrases.inappropriate),
            domestic: lines(&t.phrases.domestic),
            missing_person: lines(&t.phrases.missing_person),
            death: lines(&t.phrases.death),
            keep_recordings: p.recording_days.map(|d| d.to_string()).unwrap_or_default(),
            keep_free_text: p.free_text_days.map(|d| d.to_string()).unwrap_or_default(),
            log_details: p.log_details,
            kind_code: p.kind.code(),
            library_shows: p.library_shows.clone(),
            name: p.name,
            error: None,
        });
    }
    Ok(Page {
        nav: Some(user.nav("/programmes")),
        csrf: user.csrf.clone(),
        programmes,
        saved: saved_name,
        library_choices: LibraryShows::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        add_error: None,
        add_name: String::new(),
    })
}

/// The force's programmes and their templates.
pub async fn list(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    let page = page(&state, &user, q.saved).await?;
    Ok(Html(page.render()?).into_response())
}

/// The page again with what was typed and what is wrong with it, answered 400.
fn refused(page: Page) -> Result<Response> {
    Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
}

/// The settings as posted, each list one item per line.
struct Settings {
    max_sample: u32,
    focus: Vec<String>,
    /// The phrase lists the form had: (kind, phrases).
    phrases: Vec<(&'static str, Vec<String>)>,
    /// The wordings of the questions and areas, when the form had them.
    items: Option<(Vec<String>, Vec<String>)>,
    /// The retention periods ("recordings" and "free text"), when the form had them.
    retention: Vec<(&'static str, Option<i64>)>,
    /// Whether auditors read the log's check results and risk markers, when the form had it.
    log_details: Option<bool>,
    /// What the training library shows volunteers, when the form had it.
    library_shows: Option<LibraryShows>,
}

fn read_settings(p: &Posted) -> std::result::Result<Settings, String> {
    let field = |label: &str, r: std::result::Result<Vec<String>, Problem>| {
        r.map_err(|p| format!("{label}: {p}."))
    };
    let list = |name: &str| clean_list(p.fields.get(name).unwrap_or("").lines(), PHRASE_CHARS);
    let items = match (p.fields.get("questions"), p.fields.get("areas")) {
        (Some(q), Some(a)) => {
            let questions = field("Questions", clean_list(q.lines(), ITEM_CHARS))?;
            if questions.is_empty() {
                return Err(
                    "Questions: there are none; expected at least one, one per line.".into(),
                );
            }
            Some((
                questions,
                field("Areas for improvement", clean_list(a.lines(), ITEM_CHARS))?,
            ))
        }
        _ => None,
    };
    let mut retention = Vec::new();
    for (name, what, label) in [
        (
            "keep_recordings",
            "recordings",
            "Keep recordings playable for",
        ),
        ("keep_free_text", "free text", "Keep notes and comments for"),
    ] {
        if let Some(v) = p.fields.get(name) {
            let days = parse_retention_days(v).map_err(|p| format!("{label}: {p}."))?;
            retention.push((what, days));
        }
    }
    let library_shows = match p.fields.get("library_shows") {
        None => None,
        Some(code) => Some(LibraryShows::parse(code).ok_or_else(|| {
            format!(
                "What the training library shows: {code:?} is not one of the choices; choose one of them."
            )
        })?),
    };
    Ok(Settings {
        items,
        retention,
        library_shows,
        // A checkbox sends nothing when unticked: the form says it carries the question.
        log_details: p
            .fields
            .get("log_form")
            .map(|_| p.fields.get("log_details") == Some("yes")),
        max_sample: parse_max_sample(&p.fields.text("max_sample"))
            .map_err(|p| format!("Largest sample: {p}."))?,
        focus: field("Focus themes", list("focus"))?,
        phrases: {
            // (list, form field, label, always read): the incident log's lists came later, and a
            // form without their fields leaves them as they are.
            let mut lists = Vec::new();
            for (kind, name, label, always) in [
                ("greeting", "greeting", "Greeting phrases", true),
                ("next-steps", "next_steps", "Next-steps phrases", true),
                (
                    "inappropriate",
                    "inappropriate",
                    "Inappropriate terms",
                    true,
                ),
                (
                    "domestic",
                    "domestic",
                    "Words that suggest domestic abuse",
                    false,
                ),
                ("death", "death", "Words that suggest a death", false),
                (
                    "missing-person",
                    "missing_person",
                    "Words that describe a missing person",
                    false,
                ),
            ] {
                if always || p.fields.get(name).is_some() {
                    lists.push((kind, field(label, list(name))?));
                }
            }
            lists
        },
    })
}

/// Saves a programme's settings. Its questions, areas and categories stay as they are, so that
/// answers given across the year stay comparable.
pub async fn save(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let programme = ours(&state, &p.user, id).await?;
    let settings = match read_settings(&p) {
        Ok(s) => s,
        Err(message) => {
            let mut page = page(&state, &p.user, None).await?;
            if let Some(v) = page.programmes.iter_mut().find(|v| v.id == id) {
                let typed = |name: &str| p.fields.get(name).unwrap_or("").to_string();
                v.max_sample = typed("max_sample");
                v.focus = typed("focus");
                v.greeting = typed("greeting");
                v.next_steps = typed("next_steps");
                v.inappropriate = typed("inappropriate");
                v.domestic = typed("domestic");
                v.missing_person = typed("missing_person");
                v.death = typed("death");
                v.keep_recordings = typed("keep_recordings");
                v.keep_free_text = typed("keep_free_text");
                if !v.in_use {
                    v.questions_text = typed("questions");
                    v.areas_text = typed("areas");
                }
                v.error = Some(message);
            }
            return refused(page);
        }
    };
    let current = state.template(id).await?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    // Only what changed is written, so the history shows what the coordinator changed.
    if i64::from(settings.max_sample) != programme.max_sample {
        tx.set_max_sample(id, i64::from(settings.max_sample))
            .await?;
    }
    let mut focus_now = current.focus_themes.clone();
    let mut focus_new = settings.focus.clone();
    focus_now.sort();
    focus_new.sort();
    if focus_now != focus_new {
        tx.set_focus_themes(id, &settings.focus).await?;
    }
    let lists = current.phrases.lists();
    for (kind, list) in &settings.phrases {
        let now = lists.iter().find(|(k, _)| k == kind).map(|(_, l)| *l);
        if now != Some(list) {
            tx.set_phrases(id, kind, list).await?;
        }
    }
    for (what, days) in &settings.retention {
        let now = if *what == "recordings" {
            programme.recording_days
        } else {
            programme.free_text_days
        };
        if *days != now {
            tx.set_retention(id, what, *days).await?;
        }
    }
    if let Some(shown) = settings.log_details.filter(|s| *s != programme.log_details) {
        tx.set_log_details(id, shown).await?;
    }
    if let Some(shows) = settings
        .library_shows
        .filter(|s| s.code() != programme.library_shows)
    {
        tx.set_library_shows(id, shows.code()).await?;
    }
    if let Some((questions, areas)) = &settings.items {
        let (questions, areas) = items(&current, questions, areas);
        if questions != current.questions || areas != current.areas {
            // The store refuses this for a programme in use; the form only offers it otherwise.
            tx.set_questions_and_areas(id, &questions, &areas).await?;
        }
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/programmes?saved={id}#programme-{id}")).into_response())
}

/// Questions and areas from their wordings: one worded as before keeps its code (and an area its
/// other names); a new one gets a code of its own.
fn items(
    current: &AuditTemplate,
    questions: &[String],
    areas: &[String],
) -> (Vec<Question>, Vec<Area>) {
    let qs = codes(
        questions,
        &current.questions,
        |q| (&q.code, &q.text),
        "question",
    );
    let areas = codes(areas, &current.areas, |a| (&a.code, &a.name), "area");
    (
        qs.into_iter()
            .map(|(code, text, _)| Question { code, text })
            .collect(),
        areas
            .into_iter()
            .map(|(code, name, was)| Area {
                code,
                name,
                aliases: was.map(|a| a.aliases.clone()).unwrap_or_default(),
            })
            .collect(),
    )
}

/// Each wording with its code: the code of the item worded the same way before (which comes
/// along), or a new one that no kept code has.
fn codes<'a, T>(
    wordings: &[String],
    before: &'a [T],
    code_and_wording: impl Fn(&T) -> (&String, &String),
    fallback: &str,
) -> Vec<(String, String, Option<&'a T>)> {
    let kept: Vec<Option<&T>> = wordings
        .iter()
        .map(|w| before.iter().find(|t| code_and_wording(t).1 == w))
        .collect();
    let mut taken: Vec<String> = kept
        .iter()
        .flatten()
        .map(|t| code_and_wording(t).0.clone())
        .collect();
    wordings
        .iter()
        .zip(kept)
        .map(|(w, was)| {
            let code = match was {
                Some(t) => code_and_wording(t).0.clone(),
                None => {
                    let c = code_for(w, &taken, fallback);
                    taken.push(c.clone());
                    c
                }
            };
            (code, w.clone(), was)
        })
        .collect()
}

/// Adds a programme with the reference template of the kind chosen.
pub async fn add(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let force = crate::shared::user_force(&state, &p.user).await?;
    let kind = p.fields.text("kind");
    let Some(kind) = ProgrammeKind::parse(&kind) else {
        return Err(AppError::BadRequest(format!(
            "{kind:?} is not a kind of programme; expected call-audit, crime-data-integrity or incident-log."
        )));
    };
    let template = AuditTemplate::for_kind(kind);
    let typed = p.fields.text("name");
    let problem = match callaudit_domain::text::clean_text(&typed, 80) {
        Ok(name) if name.is_empty() => {
            Some("Name: give the programme a name, e.g. \"Crime Data Integrity\".".to_string())
        }
        Ok(name) => {
            let mut tx = state
                .store
                .begin_in(p.user.person.force_id, &p.user.person.email)
                .await?;
            match tx.create_programme(force.id, &name, &template, 10).await {
                Ok(id) => {
                    tx.commit().await?;
                    return Ok(
                        Redirect::to(&format!("/programmes?saved={id}#programme-{id}"))
                            .into_response(),
                    );
                }
                Err(callaudit_storage::StoreError::Conflict(_)) => Some(format!(
                    "Name: the force already has a programme named {name:?}; choose another name."
                )),
                Err(e) => return Err(e.into()),
            }
        }
        Err(problem) => Some(format!("Name: {problem}.")),
    };
    let mut page = page(&state, &p.user, None).await?;
    page.add_error = problem;
    page.add_name = typed;
    refused(page)
}

/// Programme `id`, for a coordinator of its force; another force's is refused.
async fn ours(
    state: &AppState,
    user: &User,
    id: i64,
) -> Result<callaudit_storage::programmes::Programme> {
    user.require(&[Role::Coordinator])?;
    let force = crate::shared::user_force(state, user).await?;
    let programme = state.store.programme(id).await?;
    if programme.force_id != force.id {
        return Err(AppError::Forbidden(
            "This programme belongs to another force.".into(),
        ));
    }
    Ok(programme)
}

/// The reword form as typed.
#[derive(Default)]
struct RewordTyped {
    text: String,
    reason: String,
    from_on: DateTyped,
}

#[derive(Template)]
#[template(path = "reword.html")]
struct RewordPage {
    nav: Option<Nav>,
    csrf: String,
    programme_id: i64,
    programme: String,
    code: String,
    current: String,
    /// Each wording so far: (version, in use from, text, reason).
    versions: Vec<(i64, String, String, String)>,
    typed: RewordTyped,
    errors: Vec<FieldError>,
    /// The version just made, for the confirmation.
    saved: Option<i64>,
}

impl RewordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn date_error(&self, name: &str) -> Option<&FieldError> {
        date_error(&self.errors, name)
    }
}

#[derive(serde::Deserialize)]
pub struct RewordQuery {
    #[serde(default)]
    saved: Option<i64>,
}

/// The coordinator's programme `id` and its question `code`, or not found.
async fn question(
    state: &AppState,
    user: &User,
    id: i64,
    code: &str,
) -> Result<(callaudit_storage::programmes::Programme, Question)> {
    let programme = ours(state, user, id).await?;
    let q = state
        .template(id)
        .await?
        .questions
        .iter()
        .find(|q| q.code == code)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("Programme {id} has no question {code:?}.")))?;
    Ok((programme, q))
}

async fn reword_page(
    state: &AppState,
    user: &User,
    programme: callaudit_storage::programmes::Programme,
    q: Question,
    typed: RewordTyped,
    errors: Vec<FieldError>,
    saved: Option<i64>,
) -> Result<RewordPage> {
    let versions = state
        .store
        .question_versions(programme.id)
        .await?
        .into_iter()
        .filter(|v| v.question_code == q.code)
        .map(|v| {
            (
                v.version,
                v.from_on
                    .map_or("the start".into(), callaudit_domain::time::long_date),
                v.text,
                v.reason,
            )
        })
        .collect();
    Ok(RewordPage {
        nav: Some(user.nav("/programmes")),
        csrf: user.csrf.clone(),
        programme_id: programme.id,
        programme: programme.name,
        code: q.code,
        current: q.text,
        versions,
        typed,
        errors,
        saved,
    })
}

/// The form to reword one question of a programme, with its wordings so far.
pub async fn reword_form(
    State(state): State<AppState>,
    user: User,
    Path((id, code)): Path<(i64, String)>,
    Query(q): Query<RewordQuery>,
) -> Result<Response> {
    let (programme, question) = question(&state, &user, id, &code).await?;
    let typed = RewordTyped {
        text: question.text.clone(),
        from_on: DateTyped::of(crate::shared::today()),
        ..RewordTyped::default()
    };
    let page = reword_page(
        &state,
        &user,
        programme,
        question,
        typed,
        Vec::new(),
        q.saved,
    )
    .await?;
    Ok(Html(page.render()?).into_response())
}

/// Rewords a question as a new version, in use for sessions from the day given.
pub async fn reword(
    State(state): State<AppState>,
    Path((id, code)): Path<(i64, String)>,
    p: Posted,
) -> Result<Response> {
    let (programme, question) = question(&state, &p.user, id, &code).await?;
    let typed = RewordTyped {
        text: p.fields.text("text"),
        reason: p.fields.text("reason"),
        from_on: DateTyped::from_fields(&p.fields, "from_on"),
    };
    let mut problems = Problems::default();
    let text = match callaudit_domain::text::clean_text(&typed.text, ITEM_CHARS) {
        Ok(t) if t.is_empty() => {
            problems.add("text", "Enter the new wording of the question");
            None
        }
        Ok(t) if t == question.text => {
            problems.add(
                "text",
                "The new wording is the same as the one in use: change it, or go back",
            );
            None
        }
        Ok(t) => Some(t),
        Err(e) => {
            problems.add("text", format!("The new wording {e}"));
            None
        }
    };
    let reason = problems.note(&p.fields, "reason", "reason", "The reason");
    let from_on = problems.required_date(&typed.from_on, "from_on", "The first day it is used");
    let (Some(text), Some(from_on), true) = (text, from_on, problems.is_empty()) else {
        let page = reword_page(
            &state,
            &p.user,
            programme,
            question,
            typed,
            problems.into_vec(),
            None,
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    };
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    let version = tx
        .reword_question(id, &code, &text, &reason, from_on, p.user.person.id)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/programmes/{id}/questions/{code}?saved={version}"
    ))
    .into_response())
}
