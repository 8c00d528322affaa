//! The verifiable draw in the browser: the coordinator commits the pool under the rules typed on
//! the session page (every problem shown at once, linked to its field, the form kept as typed),
//! the panel sees the digests, and the seed they chose is checked on a page of its own before the
//! draw, which cannot be undone, is made.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::call::Channel;
use callaudit_domain::sampling::{self, DrawSpec, Quota, SpecPart, Stratum, StratumBy};
use callaudit_storage::StoreError;

use crate::AppState;
use crate::access::{access, allow};
use crate::auth::Posted;
use crate::error::{AppError, Result};
use crate::forms::{CommitTyped, Fields, Problems, query_value, sentence};
use crate::sessions::show_page;
use crate::view::Nav;

/// The field of the commit form that a problem of the specification is about.
fn field_of(part: SpecPart) -> &'static str {
    match part {
        SpecPart::Size | SpecPart::Timezone | SpecPart::Focus => "size",
        SpecPart::Window => "from-day",
        SpecPart::MaxPerHandler => "max_per_handler",
        SpecPart::Areas => "areas",
        SpecPart::Grades => "grades",
        SpecPart::Stratum(StratumBy::Grade) => "quota_grades",
        SpecPart::Stratum(StratumBy::IncidentType) => "quota_types",
        SpecPart::Stratum(StratumBy::Area) => "quota_areas",
        SpecPart::Stratum(StratumBy::Satisfaction) => "quota_dissatisfied",
        SpecPart::Stratum(StratumBy::RepeatCallers) => "quota_repeat",
        SpecPart::Stratum(StratumBy::LogPrompts) => "quota_logs",
    }
}

/// A comma-separated list as typed.
fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Reads the commit form into a draw specification, collecting every problem.
fn read_spec(f: &Fields, focus: &str, max: u32) -> std::result::Result<DrawSpec, Problems> {
    let typed = CommitTyped::from_fields(f);
    let mut p = Problems::default();
    let size = p.count(f, "size", "The number of calls");
    if typed.size.is_empty() {
        p.add("size", "Enter the number of calls to draw");
    }
    let mut spec = DrawSpec::new(size.unwrap_or(10));
    if !focus.is_empty() {
        spec.focus = vec![focus.to_string()];
    }
    let mut quotas = BTreeMap::new();
    for (name, channel, what) in [
        ("quota_999", Channel::Emergency, "The number of 999 calls"),
        (
            "quota_101",
            Channel::NonEmergency,
            "The number of 101 calls",
        ),
    ] {
        if let Some(n) = p.count(f, name, what).filter(|n| *n > 0) {
            quotas.insert(channel, n);
        }
    }
    spec.quotas = quotas;
    spec.from = p.date(&typed.from, "from", "The first date");
    spec.to = p.date(&typed.to, "to", "The last date");
    spec.max_per_handler = p.count(f, "max_per_handler", "The most calls per call handler");
    for (name, by, value, what) in [
        (
            "quota_dissatisfied",
            StratumBy::Satisfaction,
            Some("dissatisfied"),
            "The number of calls from dissatisfied callers",
        ),
        (
            "quota_repeat",
            StratumBy::RepeatCallers,
            None,
            "The number of calls from repeat callers",
        ),
        (
            "quota_logs",
            StratumBy::LogPrompts,
            None,
            "The number of calls whose log tripped a check",
        ),
    ] {
        if let Some(calls) = p.count(f, name, what).filter(|n| *n > 0) {
            spec.strata.push(Stratum {
                by,
                value: value.map(String::from),
                calls,
            });
        }
    }
    for (name, by, typed, example) in [
        (
            "quota_grades",
            StratumBy::Grade,
            &typed.quota_grades,
            "IMMEDIATE=3, PRIORITY=2",
        ),
        (
            "quota_types",
            StratumBy::IncidentType,
            &typed.quota_types,
            "VIOLENCE=15, SEXUAL OFFENCES=15",
        ),
        (
            "quota_areas",
            StratumBy::Area,
            &typed.quota_areas,
            "North=3, South=3",
        ),
    ] {
        for item in list(typed) {
            match sampling::parse_quota(&format!("{}:{item}", by.code())) {
                Ok(Quota::Stratum(st)) => spec.strata.push(st),
                Ok(Quota::Channel(..)) => {}
                Err(e) => p.add(
                    name,
                    format!("“{item}” {e}: write each as NAME=CALLS, like {example}"),
                ),
            }
        }
    }
    spec.grades = list(&typed.grades);
    spec.areas = list(&typed.areas);
    spec.min_duration_s = p.count(f, "min_duration", "The shortest call");
    spec.recording_required = typed.recording;
    if !p.is_empty() {
        return Err(p);
    }
    spec.validate(max).map_err(|list| {
        let mut p = Problems::default();
        for problem in list {
            p.add(field_of(problem.part), sentence(&problem.message));
        }
        p
    })
}

/// The session page again with the commit form as typed and its problems.
async fn refused(state: &AppState, p: &Posted, id: i64, problems: Problems) -> Result<Response> {
    let mut page = show_page(state, &p.user, id).await?;
    page.commit = CommitTyped::from_fields(&p.fields);
    page.errors = problems.into_vec();
    Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
}

pub async fn commit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let (_, r) = access(&state, &p.user, id).await?;
    allow(r.manage, "the draw of this session")?;
    let session = state.store.session(id).await?;
    let programme = state.store.programme(session.programme_id).await?;
    let max = u32::try_from(programme.max_sample).unwrap_or(sampling::DEFAULT_MAX_SIZE);
    let spec = match read_spec(&p.fields, &session.focus, max) {
        Ok(spec) => spec,
        Err(problems) => return refused(&state, &p, id, problems).await,
    };
    // The store refuses it too; said here beside the field that asked for it.
    if spec.strata.iter().any(|s| s.by == StratumBy::LogPrompts)
        && state.store.log_coverage(programme.force_id).await?.0 == 0
    {
        let mut problems = Problems::default();
        problems.add(
            "quota_logs",
            "No incident logs are imported for this force yet: import them (callaudit import logs FILE), or leave this empty",
        );
        return refused(&state, &p, id, problems).await;
    }
    match state
        .store
        .commit_session(&p.user.person.email, id, spec)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/sessions/{id}?done=committed#draw")).into_response()),
        // Nothing eligible, most often: said beside the number of calls, the form kept.
        Err(StoreError::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.add("size", sentence(&m));
            refused(&state, &p, id, problems).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The seed checked before the draw, which cannot be undone.
#[derive(Template)]
#[template(path = "draw_check.html")]
struct Check {
    nav: Option<Nav>,
    csrf: String,
    id: i64,
    held_on: String,
    seed: String,
    /// The session page with the seed kept, to change it.
    change: String,
    eligible: usize,
    size: u32,
}

pub async fn draw(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    let (_, r) = access(&state, &p.user, id).await?;
    allow(r.manage, "the draw of this session")?;
    let typed = p.fields.get("seed").unwrap_or("");
    let seed = match sampling::parse_seed(typed) {
        Ok(seed) => seed,
        Err(e) => {
            // The page again, the seed as typed and the problem linked to it.
            let message = if typed.trim().is_empty() {
                "Enter the seed the panel chose, for example two dice rolls and a word".to_string()
            } else {
                format!("The seed {}: expected {}", e.what, e.expected)
            };
            let mut page = show_page(&state, &p.user, id).await?;
            page.errors
                .push(crate::forms::FieldError::new("seed", message));
            page.typed_seed = typed.to_string();
            return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
        }
    };
    if p.fields.get("confirm") != Some("yes") {
        let session = state.store.session(id).await?;
        let committed = state.store.draw(id).await?.ok_or_else(|| {
            AppError::Conflict(
                "Commit the pool before drawing: the panel sees its digests first.".into(),
            )
        })?;
        let page = Check {
            nav: Some(p.user.nav("/sessions")),
            csrf: p.user.csrf.clone(),
            id,
            held_on: session.held_on.format("%-d %B %Y").to_string(),
            seed: typed.to_string(),
            change: format!("/sessions/{id}?seed={}#seed", query_value(typed)),
            eligible: committed.commitment.eligible_calls,
            size: committed.commitment.spec.size,
        };
        return Ok(Html(page.render()?).into_response());
    }
    state
        .store
        .draw_session(&p.user.person.email, id, &seed)
        .await?;
    Ok(Redirect::to(&format!("/sessions/{id}?done=drawn#calls")).into_response())
}
