//! Uploads as they arrive: written to disk (never held whole in memory) into files only the
//! server's account can read, in a folder of its own, with the form's other fields and its CSRF
//! token checked; and column profiles saved to the profiles folder whole or not at all.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use callaudit_domain::audit::Role;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::AppState;
use crate::auth::{User, check_csrf, refuse_cross_site};
use crate::error::{AppError, Result};

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
    pub(crate) fn field(&self, name: &str) -> String {
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

/// Whether `name` can be a profile's file name: lower-case letters, digits and hyphens, starting
/// with a letter or digit, so it can never leave the profiles folder or hide as a dot file.
pub(crate) fn profile_name_ok(name: &str) -> bool {
    (1..=40).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
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
