//! Publishing for the public: the coordinator reviews every mask the redaction step proposes on
//! a year's annual report and session summaries, undoes the wrong ones, and publishes; the
//! public reads the latest publication without signing in. Call and handler references are never
//! in what is published.

use std::collections::HashSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_reports::publish::{self, MaskView};
use callaudit_storage::publications::NewPublication;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::shared::{download, report_page, user_force};
use crate::view::{Nav, local_time};

#[derive(Template)]
#[template(path = "publish.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    year: i32,
    year_label: String,
    masks: Vec<MaskView>,
    sessions: usize,
    /// (when, by whom, masks applied, masks undone) of the latest publication.
    latest: Option<(String, String, i64, i64)>,
    public_path: String,
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: i32,
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    let year = crate::pages::checked_year(q.year)?;
    let force = user_force(&state, &user).await?;
    let draft = publish::load(&state.store, &force, year).await?;
    let latest = state.store.publication(force.id, year).await?.map(|p| {
        (
            local_time(Some(p.published_at), "%-d %B %Y at %H:%M"),
            p.published_by,
            p.masks_applied,
            p.masks_undone,
        )
    });
    let page = Page {
        nav: Some(user.nav("/reports")),
        csrf: user.csrf.clone(),
        year,
        year_label: callaudit_domain::time::year_label(year),
        masks: publish::masks(&draft),
        sessions: draft.sessions.len(),
        latest,
        public_path: format!("/public/{}/{year}", force.code),
    };
    Ok(Html(page.render()?).into_response())
}

/// Publishes the year with every mask applied except the ones the coordinator unticked.
pub async fn publish(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let f = &p.fields;
    let year = crate::pages::checked_year(
        f.text("year")
            .parse()
            .map_err(|_| AppError::BadRequest("The year must be a year such as 2025.".into()))?,
    )?;
    let force = user_force(&state, &p.user).await?;
    let draft = publish::load(&state.store, &force, year).await?;
    let kept: HashSet<String> = f.all("mask").into_iter().collect();
    let undone: HashSet<String> = publish::masks(&draft)
        .into_iter()
        .map(|m| m.id)
        .filter(|id| !kept.contains(id))
        .collect();
    let (public, applied, undone) = publish::redacted(draft, &undone);
    let markdown = publish::markdown(&public);
    let html = publish::html(&public)?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.publish(
        force.id,
        &NewPublication {
            year,
            markdown: &markdown,
            html: &html,
            masks_applied: applied,
            masks_undone: undone,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/reports/publish?year={year}#published")).into_response())
}

#[derive(Deserialize)]
pub struct FormatQuery {
    #[serde(default)]
    format: Option<String>,
}

/// The latest publication of a force's year, for anyone: a web page, or Markdown.
pub async fn public(
    State(state): State<AppState>,
    Path((code, year)): Path<(String, i32)>,
    Query(q): Query<FormatQuery>,
) -> Result<Response> {
    let nothing = || AppError::NotFound("Nothing has been published at this address.".into());
    let force = state
        .store
        .forces()
        .await?
        .into_iter()
        .find(|f| f.code == code)
        .ok_or_else(nothing)?;
    let p = state
        .store
        .publication(force.id, year)
        .await?
        .ok_or_else(nothing)?;
    match q.format.as_deref().unwrap_or("html") {
        "html" => Ok(report_page(p.html)),
        "md" => Ok(download(
            p.markdown,
            "text/markdown; charset=utf-8",
            &format!("{code}-annual-report-{year}.md"),
        )),
        other => Err(AppError::BadRequest(format!(
            "There is no {other:?} format: choose html or md."
        ))),
    }
}
