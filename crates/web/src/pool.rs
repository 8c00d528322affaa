//! The coordinator uploads the force's call export (CSV or Excel) with one of the saved column
//! profiles. The same reader as `callaudit import calls`: every problem is listed with its line,
//! column, value and what was expected, and nothing is written unless the whole file is good.
//! Profiles are saved here too, checked by the same parser first.

use std::path::PathBuf;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{Profile, ReadFailure};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::{Posted, User, check_csrf};
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
    /// The saved profiles' texts, by name.
    texts: Vec<(String, String)>,
    profile: ProfileForm,
}

/// The profile form as last posted, and what became of it.
#[derive(Default)]
struct ProfileForm {
    name: String,
    text: String,
    replace: bool,
    /// Why it was not saved.
    error: Option<String>,
    /// The name it was saved under.
    saved: Option<String>,
}

/// The longest profile text accepted: real ones are a few hundred bytes.
const PROFILE_LIMIT: usize = 64 * 1024;

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
    render_with(state, user, outcome, problems, more, ProfileForm::default()).await
}

async fn render_with(
    state: &AppState,
    user: &User,
    outcome: Option<String>,
    problems: Vec<String>,
    more: u64,
    profile: ProfileForm,
) -> Result<Response> {
    let force = user_force(state, user).await?;
    let profiles = profiles(state);
    let texts = profiles
        .iter()
        .map(|name| {
            let path = state.config.profiles.join(format!("{name}.toml"));
            let text = std::fs::read_to_string(path)
                .unwrap_or_else(|e| format!("(this profile cannot be read: {e})"));
            (name.clone(), text)
        })
        .collect();
    let status = if profile.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = Page {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        calls: state.store.count_calls(force.id).await?,
        profiles,
        outcome,
        problems,
        more,
        texts,
        profile,
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    /// The profile just saved, to say so.
    #[serde(default)]
    saved: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    user: User,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    let form = ProfileForm {
        saved: q.saved.filter(|n| profiles(&state).contains(n)),
        ..ProfileForm::default()
    };
    render_with(&state, &user, None, Vec::new(), 0, form).await
}

/// Whether `name` can be a profile's file name: lower-case letters, digits and hyphens, starting
/// with a letter or digit, so it can never leave the profiles folder or hide as a dot file.
fn profile_name_ok(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
}

/// Saves a column profile to the profiles folder after the same checks an import makes. A saved
/// profile of the same name is replaced only when asked.
pub async fn save_profile(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let mut form = ProfileForm {
        name: p.fields.text("name"),
        text: p.fields.get("text").unwrap_or("").replace("\r\n", "\n"),
        replace: p.fields.get("replace").is_some(),
        ..ProfileForm::default()
    };
    let path = state.config.profiles.join(format!("{}.toml", form.name));
    let existed = profile_name_ok(&form.name) && path.exists();
    form.error = if !profile_name_ok(&form.name) {
        Some(format!(
            "Name: {:?} cannot name a profile; expected lower-case letters, digits and hyphens, e.g. \"our-force\".",
            form.name
        ))
    } else if form.text.trim().is_empty() {
        Some("Profile: it is empty; expected the profile's TOML, e.g. a [columns] section.".into())
    } else if form.text.len() > PROFILE_LIMIT {
        Some(format!(
            "Profile: it is {} bytes long; expected at most {PROFILE_LIMIT}.",
            form.text.len()
        ))
    } else if let Err(e) = Profile::parse(&form.text) {
        // "the profile is not valid: …", as a sentence.
        let e = e.to_string();
        let mut chars = e.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().collect::<String>() + chars.as_str())
    } else if existed && !form.replace {
        Some(format!(
            "Name: a profile named {:?} is already saved; tick \"Replace\" to replace it.",
            form.name
        ))
    } else {
        None
    };
    if form.error.is_none() {
        write_profile(&state.config.profiles, &path, &form.text)
            .map_err(|e| AppError::Internal(format!("the profile could not be saved: {e}")))?;
        let mut tx = state.store.begin(&p.user.person.email).await?;
        tx.record(
            "profile",
            None,
            if existed { "replace" } else { "save" },
            serde_json::json!({
                "name": form.name,
                "sha256": hex::encode(Sha256::digest(form.text.as_bytes())),
            }),
        )
        .await?;
        tx.commit().await?;
        let to = format!("/pool?saved={}#profiles", form.name);
        return Ok(axum::response::Redirect::to(&to).into_response());
    }
    render_with(&state, &p.user, None, Vec::new(), 0, form).await
}

/// Writes the profile whole or not at all: a temporary file in the same folder, then a rename.
fn write_profile(
    folder: &std::path::Path,
    path: &std::path::Path,
    text: &str,
) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let token = crate::auth::token().map_err(|_| std::io::Error::other("no randomness"))?;
    let tmp = folder.join(format!(".saving-{token}"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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
