//! The coordinator uploads the force's call export (CSV or Excel) with one of the saved column
//! profiles. The same reader as `callaudit import calls`: every problem is listed with its line,
//! column, value and what was expected, and nothing is written unless the whole file is good.
//! Profiles are saved here too, checked by the same parser first.

use std::path::{Path, PathBuf};

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use callaudit_domain::audit::Role;
use callaudit_ingest::mapper::header_fits;
use callaudit_ingest::{FileError, Profile, ReadFailure};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::AppState;
use crate::auth::{Posted, User, check_csrf, refuse_cross_site};
use crate::error::{AppError, Result};
use crate::import::{Imported, read_into_pool};
use crate::mapper::Begun;
use crate::shared::user_force;
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
pub(crate) fn profile_name_ok(name: &str) -> bool {
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
        store_profile(&state, &p.user, &form.name, &form.text).await?;
        let to = format!("/pool?saved={}#profiles", form.name);
        return Ok(axum::response::Redirect::to(&to).into_response());
    }
    render_with(&state, &p.user, None, Vec::new(), 0, form).await
}

/// Saves profile `name` (already checked) to the profiles folder and records in the history who
/// saved or replaced it, with its digest: for the profile form and the column mapper alike.
pub(crate) async fn store_profile(
    state: &AppState,
    user: &User,
    name: &str,
    text: &str,
) -> Result<()> {
    let path = state.config.profiles.join(format!("{name}.toml"));
    let existed = path.exists();
    write_profile(&state.config.profiles, &path, text)
        .map_err(|e| AppError::Internal(format!("the profile could not be saved: {e}")))?;
    let mut tx = state
        .store
        .begin_in(user.person.force_id, &user.person.email)
        .await?;
    tx.record(
        "profile",
        None,
        if existed { "replace" } else { "save" },
        serde_json::json!({
            "name": name,
            "sha256": hex::encode(Sha256::digest(text.as_bytes())),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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

/// Where uploads are kept while they are read: a folder only this account can enter.
pub(crate) fn upload_dir() -> PathBuf {
    std::env::temp_dir().join("callaudit-uploads")
}

/// The prefix of this process's upload files: the process id tells, at the next start, which
/// files were left by a server that stopped in the middle of a read.
pub(crate) fn upload_prefix(pid: u32) -> String {
    format!("upload-{pid}-")
}

/// Removes the uploads left behind by servers that are no longer running (one killed while it
/// read a file); returns how many. Called when a server starts.
pub fn clear_stale_uploads() -> usize {
    let Ok(dir) = std::fs::read_dir(upload_dir()) else {
        return 0;
    };
    let mut removed = 0;
    for entry in dir.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix("upload-")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok());
        let running = pid
            .is_some_and(|p| p == std::process::id() || Path::new(&format!("/proc/{p}")).exists());
        if pid.is_some() && !running && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A new upload file, readable and writable by this account alone (0600) in a folder of its own
/// (0700), removed when it is dropped, whatever path the request takes.
fn upload_file() -> std::io::Result<tempfile::NamedTempFile> {
    let dir = upload_dir();
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    tempfile::Builder::new()
        .prefix(&upload_prefix(std::process::id()))
        .tempfile_in(dir)
}

/// A multipart form as received: its text fields, and its file (name, the kept copy, SHA-256)
/// when one was sent and was not empty. The CSRF token is checked before anything is used.
pub(crate) struct Received {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) file: Option<(String, tempfile::NamedTempFile, String)>,
}

impl Received {
    fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Reads an upload of the coordinator's: refused when sent from another site or by anyone else.
pub(crate) async fn receive(
    headers: &axum::http::HeaderMap,
    user: &User,
    form: &mut Multipart,
) -> Result<Received> {
    refuse_cross_site(headers)?;
    user.require(&[Role::Coordinator])?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    };
    let internal =
        |e: std::io::Error| AppError::Internal(format!("the upload could not be kept: {e}"));
    let (mut fields, mut file) = (Vec::new(), None);
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                // Written to disk as it arrives, never held whole in memory.
                let name = field.file_name().unwrap_or("upload").to_string();
                let kept = upload_file().map_err(internal)?;
                let mut out = tokio::fs::File::from_std(kept.reopen().map_err(internal)?);
                let (mut sha, mut size) = (Sha256::new(), 0u64);
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    sha.update(&chunk);
                    size += chunk.len() as u64;
                    out.write_all(&chunk).await.map_err(internal)?;
                }
                out.flush().await.map_err(internal)?;
                if size > 0 {
                    file = Some((name, kept, hex::encode(sha.finalize())));
                }
            }
            other => {
                let name = other.to_string();
                // Text fields are short; a long one is a mistake or an attack.
                let text = field.text().await.map_err(bad)?;
                if text.len() > 4096 {
                    return Err(AppError::BadRequest(format!(
                        "The form's field {name:?} is too long."
                    )));
                }
                fields.push((name, text));
            }
        }
    }
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    check_csrf(user, csrf)?;
    Ok(Received { fields, file })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_private_and_those_of_a_stopped_server_are_cleared() {
        let kept = upload_file().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(
                mode(kept.path()),
                0o600,
                "the upload is this account's alone"
            );
            assert_eq!(mode(&upload_dir()), 0o700);
        }
        // A file left by a server killed while it read it: no process has that id.
        let left = upload_dir().join(format!("{}abandoned", upload_prefix(u32::MAX - 1)));
        std::fs::write(&left, "call_id\n").unwrap();
        assert!(clear_stale_uploads() >= 1);
        assert!(!left.exists(), "the stopped server's upload is removed");
        assert!(kept.path().exists(), "this server's own are not");
        let path = kept.path().to_path_buf();
        drop(kept);
        assert!(
            !path.exists(),
            "an upload is removed when its request is done"
        );
    }
}
