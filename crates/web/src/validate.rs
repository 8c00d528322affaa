//! The second registrar's page for a Crime Data Integrity dip sample: each checked record's
//! result, confirmed one at a time before it counts in the report (seed 002: the designated
//! decision makers check, the deputy Force Crime Registrar validates).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::template::{Answer, with_cdi_code};
use callaudit_storage::StoreError;
use serde::Deserialize;

use crate::AppState;
use crate::access::{access, allow};
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::{FieldError, sentence};
use crate::view::{Nav, local_time};

/// Where a record stands.
enum Standing {
    /// No check answered yet.
    Unchecked,
    /// Checked by the person reading the page: someone else validates it.
    Yours,
    Awaiting,
    Validated {
        by: String,
        at: String,
    },
}

struct Record {
    n: i64,
    call_ref: String,
    category: String,
    /// The checks answered "no", in the template's words; empty when compliant.
    failed: Vec<String>,
    checked_by: String,
    standing: Standing,
}

#[derive(Template)]
#[template(path = "validate.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    id: i64,
    held_on: String,
    records: Vec<Record>,
    validated: usize,
    checked: usize,
    banner: Option<i64>,
    errors: Vec<FieldError>,
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    validated: Option<i64>,
}

async fn page(
    state: &AppState,
    user: &User,
    id: i64,
    banner: Option<i64>,
    errors: Vec<FieldError>,
) -> Result<Page> {
    let (a, r) = access(state, user, id).await?;
    allow(r.validate, "the validation of this dip sample")?;
    let template = state.template(a.programme_id).await?;
    let names: HashMap<i64, String> = state
        .store
        .panel(id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.display_name))
        .collect();
    let validations = state.store.validations(id).await?;
    let mut records = Vec::new();
    for c in state.session_calls(id).await?.iter() {
        let answers = state.answers(c.session_call_id).await?;
        let mut checkers: Vec<i64> = answers.iter().map(|a| a.auditor_id).collect();
        checkers.sort_unstable();
        checkers.dedup();
        let failed = template
            .questions
            .iter()
            .filter(|q| {
                answers
                    .iter()
                    .any(|a| a.question_code == q.code && a.answer == Answer::No)
            })
            .map(|q| q.text.clone())
            .collect();
        let standing = match validations.get(&c.session_call_id) {
            Some((by, at)) => Standing::Validated {
                by: by.clone(),
                at: local_time(Some(*at), "%-d %B %Y at %H:%M"),
            },
            None if checkers.is_empty() => Standing::Unchecked,
            None if checkers.contains(&user.person.id) => Standing::Yours,
            None => Standing::Awaiting,
        };
        records.push(Record {
            n: c.position,
            call_ref: c.call_ref.clone(),
            category: with_cdi_code(&c.incident_type),
            failed,
            checked_by: checkers
                .iter()
                .map(|p| names.get(p).map_or("a former registrar", String::as_str))
                .collect::<Vec<_>>()
                .join(", "),
            standing,
        });
    }
    let session = state.store.session(id).await?;
    Ok(Page {
        nav: Some(user.nav("/sessions")),
        csrf: user.csrf.clone(),
        id,
        held_on: session.held_on.format("%-d %B %Y").to_string(),
        validated: records
            .iter()
            .filter(|r| matches!(r.standing, Standing::Validated { .. }))
            .count(),
        checked: records
            .iter()
            .filter(|r| !matches!(r.standing, Standing::Unchecked))
            .count(),
        records,
        banner,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: User,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response> {
    let page = page(&state, &user, id, q.validated, Vec::new()).await?;
    Ok(Html(page.render()?).into_response())
}

/// Confirms record `n`'s result, as a second registrar.
pub async fn confirm(
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, i64)>,
    p: Posted,
) -> Result<Response> {
    let (_, r) = access(&state, &p.user, id).await?;
    allow(r.validate, "the validation of this dip sample")?;
    let (call, _) = crate::score::session_call(&state, id, n).await?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    match tx
        .validate_record(call.session_call_id, p.user.person.id)
        .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(
                Redirect::to(&format!("/sessions/{id}/validate?validated={n}#record-{n}"))
                    .into_response(),
            )
        }
        Err(StoreError::Conflict(m)) => {
            let errors = vec![FieldError {
                field: format!("record-{n}"),
                message: sentence(&format!("Record {n}: {m}")),
            }];
            let page = page(&state, &p.user, id, None, errors).await?;
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
        Err(e) => Err(AppError::from(e)),
    }
}
