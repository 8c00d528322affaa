//! The coordinator uploads the force's call export (CSV or Excel) with one of the saved column
//! profiles. The same reader as `callaudit import calls`: every problem is listed with its line,
//! column, value and what was expected, and nothing is written unless the whole file is good.

use std::path::PathBuf;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{Profile, ReadFailure};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::{User, check_csrf};
use crate::error::{AppError, Result};
use crate::pages::user_force;
use crate::view::Nav;

/// Problems shown on the page; the count says how many more there were.
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "pool.html")]
struct Page {
    nav: Option<Nav>,
    csrf: String,
    calls: i64,
    profiles: Vec<String>,
    outcome: Option<String>,
    problems: Vec<String>,
    more: u64,
}

/// The saved profiles: the `.toml` files of the profiles folder, by name.
fn profiles(state: &AppState) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&state.config.profiles)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".toml").map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn render(
    state: &AppState,
    user: &User,
    outcome: Option<String>,
    problems: Vec<String>,
    more: u64,
) -> Result<Response> {
    let force = user_force(state, user).await?;
    let page = Page {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        calls: state.store.count_calls(force.id).await?,
        profiles: profiles(state),
        outcome,
        problems,
        more,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn page(State(state): State<AppState>, user: User) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    render(&state, &user, None, Vec::new(), 0).await
}

pub async fn upload(
    State(state): State<AppState>,
    user: User,
    mut form: Multipart,
) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    };
    let (mut csrf, mut profile, mut file) = (String::new(), String::new(), None);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(bad)?,
            "profile" => profile = field.text().await.map_err(bad)?,
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_string();
                file = Some((name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    check_csrf(&user, &csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render(
            &state,
            &user,
            Some("Choose the file to upload: it was empty or missing.".into()),
            Vec::new(),
            0,
        )
        .await;
    };
    let chosen = if profile.is_empty() {
        Profile::default()
    } else {
        if !profiles(&state).contains(&profile) {
            return Err(AppError::BadRequest(format!(
                "There is no saved profile {profile:?}."
            )));
        }
        Profile::load(&state.config.profiles.join(format!("{profile}.toml"))).map_err(|e| {
            AppError::BadRequest(format!("The profile {profile:?} cannot be used: {e}"))
        })?
    };
    let sha = hex::encode(Sha256::digest(&bytes));
    // The reader takes a path for spreadsheets, so the upload is kept in a private temporary file
    // for the length of the read.
    let read = tokio::task::spawn_blocking(move || -> std::result::Result<_, String> {
        let path: PathBuf = std::env::temp_dir().join(format!(
            "callaudit-upload-{}",
            crate::auth::token().map_err(|_| "no randomness".to_string())?
        ));
        std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        let result = read_pool_vec(Input::Path(&path), &chosen);
        let _ = std::fs::remove_file(&path);
        Ok(result)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(AppError::Internal)?;
    let calls = match read {
        Ok(c) => c,
        Err(ReadFailure::File(e)) => {
            return render(
                &state,
                &user,
                Some(format!("Nothing was imported: {e}")),
                Vec::new(),
                0,
            )
            .await;
        }
        Err(ReadFailure::Rows(r)) => {
            let problems: Vec<String> =
                r.errors.iter().take(SHOWN).map(|e| e.to_string()).collect();
            let more = r.total.saturating_sub(problems.len() as u64);
            return render(
                &state,
                &user,
                Some(format!("Nothing was imported: {} problem(s) in {name}. Correct them and upload the file again.", r.total)),
                problems,
                more,
            )
            .await;
        }
    };
    let force = user_force(&state, &user).await?;
    let mut tx = state.store.begin(&user.person.email).await?;
    let o = tx.import_pool(force.id, &name, &sha, &calls).await?;
    if !o.conflicts.is_empty() {
        tx.rollback().await?;
        let problems: Vec<String> = o
            .conflicts
            .iter()
            .take(SHOWN)
            .map(|c| c.to_string())
            .collect();
        let more = (o.conflicts.len() - problems.len()) as u64;
        return render(
            &state,
            &user,
            Some(format!(
                "Nothing was imported: {} call(s) differ from the pool.",
                o.conflicts.len()
            )),
            problems,
            more,
        )
        .await;
    }
    tx.commit().await?;
    render(
        &state,
        &user,
        Some(format!(
            "{name} imported: {} added, {} unchanged.",
            o.added, o.unchanged
        )),
        Vec::new(),
        0,
    )
    .await
}
