//! The coordinator uploads the force's call export (CSV or Excel) with one of the saved column
//! profiles. The same reader as `callaudit import calls`: every problem is listed with its line,
//! column, value and what was expected, and nothing is written unless the whole file is good.
//! Profiles are saved here too, checked by the same parser first.

use std::path::Path;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_ingest::mapper::header_fits;
use callaudit_ingest::{FileError, Profile, ReadFailure};

use crate::AppState;
use crate::auth::{Posted, User};
use crate::error::{AppError, Result};
use crate::forms::sentence;
use crate::import::{Imported, read_into_pool};
use crate::mapper::Begun;
use crate::shared::user_force;
use crate::uploads::{profile_name_ok, receive, store_profile};
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
        Some(sentence(&e.to_string()))
    } else if existed && !form.replace {
        Some(format!(
            "Name: a profile named {:?} is already saved; tick \"Replace\" to replace it.",
            form.name
        ))
    } else {
        None
    };
    if form.error.is_none() {
        store_profile(&state, &p.user, &form.name, &form.text).await?;
        let to = format!("/pool?saved={}#profiles", form.name);
        return Ok(axum::response::Redirect::to(&to).into_response());
    }
    render_with(&state, &p.user, None, Vec::new(), 0, form).await
}

/// The coordinator brings over the scheme's past audits (the spreadsheet kept before this
/// system): each date and focus becomes a closed session with the panel's outcomes, all or
/// nothing, as `callaudit import audits` does.
pub async fn upload_audits(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    user: User,
    mut form: Multipart,
) -> Result<Response> {
    use crate::import::{AuditsImported, audit_conflict, read_past_audits};
    let received = receive(&headers, &user, &mut form).await?;
    let Some((name, kept, sha)) = received.file else {
        return render(
            &state,
            &user,
            Some("Choose the file of past audits to upload: it was empty or missing.".into()),
            Vec::new(),
            0,
        )
        .await;
    };
    let force = user_force(&state, &user).await?;
    let mut tx = state
        .store
        .begin_in(user.person.force_id, &user.person.email)
        .await?;
    let result = read_past_audits(
        &state.store,
        &mut tx,
        force.id,
        &name,
        kept.path().to_path_buf(),
        &sha,
    )
    .await?;
    drop(kept);
    let (outcome, problems, more) = match result {
        AuditsImported::Done(rows, o) => {
            tx.commit().await?;
            (
                format!(
                    "{name} imported: {rows} rows read, {} audited calls added in {} new sessions, {} unchanged.",
                    o.calls_added, o.sessions_added, o.unchanged
                ),
                Vec::new(),
                0,
            )
        }
        AuditsImported::Refused(ReadFailure::File(e)) => {
            tx.rollback().await?;
            (format!("Nothing was imported: {e}"), Vec::new(), 0)
        }
        AuditsImported::Refused(ReadFailure::Rows(r)) => {
            tx.rollback().await?;
            let problems: Vec<String> =
                r.errors.iter().take(SHOWN).map(|e| e.to_string()).collect();
            let more = r.total.saturating_sub(problems.len() as u64);
            (
                format!(
                    "Nothing was imported: {} problem(s) in {name}. Correct them and upload the file again.",
                    r.total
                ),
                problems,
                more,
            )
        }
        AuditsImported::Conflicts(c) => {
            tx.rollback().await?;
            let problems: Vec<String> = c.iter().take(SHOWN).map(audit_conflict).collect();
            let more = (c.len() - problems.len()) as u64;
            (
                format!(
                    "Nothing was imported: {} audited call(s) differ from what is stored.",
                    c.len()
                ),
                problems,
                more,
            )
        }
    };
    render(&state, &user, Some(outcome), problems, more).await
}

pub async fn upload(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    user: User,
    mut form: Multipart,
) -> Result<Response> {
    let received = receive(&headers, &user, &mut form).await?;
    let profile = received.field("profile");
    let Some((name, kept, sha)) = received.file else {
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
        // An export with headers of its own goes to the column mapper, the file kept.
        let path = kept.path().to_path_buf();
        let fits = tokio::task::spawn_blocking(move || header_fits(&path, &Profile::default()))
            .await
            .map_err(|e| AppError::Internal(format!("the header check failed: {e}")))?;
        if let Err(FileError::MissingColumns { .. } | FileError::DuplicateColumn { .. }) = fits {
            return match crate::mapper::begin(&user, &name, kept, &sha, true).await {
                Ok(r) => Ok(r),
                Err(Begun::Unreadable(e)) => {
                    render(
                        &state,
                        &user,
                        Some(format!("Nothing was imported: {e}")),
                        Vec::new(),
                        0,
                    )
                    .await
                }
                Err(Begun::Failed(e)) => Err(e),
            };
        }
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
    import_kept(&state, &user, &name, kept.path(), &sha, chosen).await
}

/// Imports a kept upload into the coordinator's pool with `profile`, all or nothing, and shows
/// the call pool page with what became of it: for the upload form and the column mapper alike.
pub(crate) async fn import_kept(
    state: &AppState,
    user: &User,
    name: &str,
    path: &Path,
    sha: &str,
    profile: Profile,
) -> Result<Response> {
    let force = user_force(state, user).await?;
    let mut tx = state
        .store
        .begin_in(user.person.force_id, &user.person.email)
        .await?;
    let read = read_into_pool(&mut tx, force.id, name, path.to_path_buf(), profile, |_| {}).await?;
    let read = match read {
        Imported::Refused(ReadFailure::File(e)) => {
            tx.rollback().await?;
            return render(
                state,
                user,
                Some(format!("Nothing was imported: {e}")),
                Vec::new(),
                0,
            )
            .await;
        }
        Imported::Refused(ReadFailure::Rows(r)) => {
            tx.rollback().await?;
            let problems: Vec<String> =
                r.errors.iter().take(SHOWN).map(|e| e.to_string()).collect();
            let more = r.total.saturating_sub(problems.len() as u64);
            return render(
                state,
                user,
                Some(format!("Nothing was imported: {} problem(s) in {name}. Correct them and upload the file again.", r.total)),
                problems,
                more,
            )
            .await;
        }
        Imported::Conflicts(conflicts) => {
            tx.rollback().await?;
            let problems: Vec<String> = conflicts
                .iter()
                .take(SHOWN)
                .map(|c| c.to_string())
                .collect();
            let more = (conflicts.len() - problems.len()) as u64;
            return render(
                state,
                user,
                Some(format!(
                    "Nothing was imported: {} call(s) differ from the pool.",
                    conflicts.len()
                )),
                problems,
                more,
            )
            .await;
        }
        Imported::Read(read) => read,
    };
    read.finish(&mut tx, sha).await?;
    tx.commit().await?;
    render(
        state,
        user,
        Some(format!("{name} imported: {}.", read.counts.summary())),
        Vec::new(),
        0,
    )
    .await
}

/// Imports a mapping's file with the profile saved from it, then forgets the mapping.
pub async fn import_mapped(
    State(state): State<AppState>,
    axum::extract::Path(t): axum::extract::Path<String>,
    p: Posted,
) -> Result<Response> {
    let (file_name, sha256, file) = crate::mapper::kept(&p.user, &t)?;
    let name = p.fields.text("name");
    if !profile_name_ok(&name) {
        return Err(AppError::BadRequest(
            "Save the profile before importing the file with it.".into(),
        ));
    }
    let profile = Profile::load(&state.config.profiles.join(format!("{name}.toml")))
        .map_err(|e| AppError::BadRequest(format!("The profile {name:?} cannot be used: {e}")))?;
    let response = import_kept(&state, &p.user, &file_name, &file, &sha256, profile).await;
    crate::mapper::forget(&t);
    response
}
