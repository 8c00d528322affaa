//! Recording analyses kept beside the calls: a recording is decoded once, the silences and the
//! waveform stored, and decoded again only when the file changes. Shared by the player's route
//! and `callaudit audio analyse`.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use callaudit_audio::transcript::{Phrases, Segment, clock, prompts};
use callaudit_audio::{DEFAULT_PEAKS, Settings, analyse, decode_file, waveform};
use callaudit_storage::{Store, StoreError, recordings::StoredAnalysis};

/// A recording path from the pool as a file inside the recordings folder, or `None` when it is
/// held elsewhere (a URI) or could climb out of the folder.
pub fn local_path(root: &Path, stored: &str) -> Option<PathBuf> {
    if stored.contains("://") {
        return None;
    }
    let rel = Path::new(stored);
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

/// Why a call's recording has no analysis, in words for the person looking at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// Held on the force's recorder (a URI), not in the recordings folder.
    Elsewhere,
    /// The file named in the pool is not in the recordings folder.
    Missing(PathBuf),
    /// The file is there but could not be decoded.
    Unreadable(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::Elsewhere => write!(
                f,
                "the recording is held on the force's recorder, not in the recordings folder"
            ),
            Unavailable::Missing(p) => write!(
                f,
                "{} is missing from the recordings folder; copy it there or correct the pool",
                p.display()
            ),
            Unavailable::Unreadable(why) => write!(f, "{why}"),
        }
    }
}

/// The file's size and modification time: a recording replaced on disk is analysed again.
fn fingerprint(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    let modified = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(format!("{}:{modified}", meta.len()))
}

/// The analysis of a call's recording: the stored one while the file is unchanged, otherwise a
/// fresh one, stored (as `actor`) before it is returned. `Ok(Err(_))` says why there is none.
pub async fn analysis(
    store: &Store,
    actor: &str,
    root: &Path,
    call_id: i64,
    stored_path: &str,
    again: bool,
) -> Result<Result<(StoredAnalysis, bool), Unavailable>, StoreError> {
    let Some(path) = local_path(root, stored_path) else {
        return Ok(Err(Unavailable::Elsewhere));
    };
    let Ok(print) = fingerprint(&path) else {
        return Ok(Err(Unavailable::Missing(PathBuf::from(stored_path))));
    };
    if !again
        && let Some(kept) = store.recording_analysis(call_id).await?
        && kept.fingerprint == print
    {
        return Ok(Ok((kept, false)));
    }
    // Decoding an hour-long recording takes a fraction of a second of CPU: keep it off the
    // threads that answer requests.
    let decoded = tokio::task::spawn_blocking(move || {
        decode_file(&path).map(|levels| {
            let found = analyse(&levels, &Settings::default());
            let peaks = waveform(&levels, DEFAULT_PEAKS);
            (found, peaks)
        })
    })
    .await;
    let (found, peaks) = match decoded {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return Ok(Err(Unavailable::Unreadable(e.to_string()))),
        Err(e) => {
            return Ok(Err(Unavailable::Unreadable(format!(
                "the analysis stopped: {e}"
            ))));
        }
    };
    // Plain structs of numbers and strings: serialising them cannot fail.
    let kept = StoredAnalysis {
        call_id,
        fingerprint: print,
        analysis: serde_json::to_string(&found).unwrap_or_default(),
        waveform: serde_json::to_string(&peaks).unwrap_or_default(),
    };
    let mut tx = store.begin(actor).await?;
    tx.put_recording_analysis(&kept).await?;
    tx.commit().await?;
    Ok(Ok((kept, true)))
}

/// A call's transcript as the scoring page and the panel view show it.
pub struct TranscriptView {
    pub source: String,
    pub lines: Vec<TranscriptLine>,
    pub prompts: Vec<PromptView>,
}

impl TranscriptView {
    /// Everything said on the call, for the checks that look at the caller's words.
    pub fn words(&self) -> String {
        let lines: Vec<&str> = self.lines.iter().map(|l| l.text.as_str()).collect();
        lines.join("\n")
    }
}

pub struct TranscriptLine {
    pub at: String,
    pub start_s: String,
    pub speaker: String,
    pub text: String,
}

#[derive(Clone)]
pub struct PromptView {
    /// `found`, `missing` or `doubt`, for the marker shown beside it.
    pub kind: &'static str,
    pub message: String,
}

/// The transcript of a session's call with the template's phrase prompts, if one is attached;
/// kept in memory until anything is committed.
pub async fn transcript_view(
    state: &crate::Inner,
    session_call_id: i64,
    template: &callaudit_domain::template::Template,
) -> Result<Arc<Option<TranscriptView>>, crate::AppError> {
    let key = crate::cache::Key::Transcript(session_call_id);
    let load = build_transcript_view(&state.store, session_call_id, template);
    state.cached(key, load).await
}

async fn build_transcript_view(
    store: &Store,
    session_call_id: i64,
    template: &callaudit_domain::template::Template,
) -> Result<Option<TranscriptView>, StoreError> {
    let Some(stored) = store.session_call_transcript(session_call_id).await? else {
        return Ok(None);
    };
    // Stored transcripts were validated on import; one that no longer reads is shown as empty
    // rather than failing the page.
    let segments: Vec<Segment> = serde_json::from_str(&stored.segments).unwrap_or_default();
    let p = &template.phrases;
    let prompts = prompts(
        &segments,
        Phrases {
            greeting: &p.greeting,
            next_steps: &p.next_steps,
            inappropriate: &p.inappropriate,
        },
    )
    .into_iter()
    .map(|x| PromptView {
        kind: match (x.check.as_str(), x.found) {
            ("language", _) => "doubt",
            (_, true) => "found",
            (_, false) => "missing",
        },
        message: x.message,
    })
    .collect();
    let lines = segments
        .into_iter()
        .map(|s| TranscriptLine {
            at: clock(s.start_s),
            start_s: format!("{:.3}", s.start_s),
            speaker: s.speaker.unwrap_or_default(),
            text: s.text,
        })
        .collect();
    Ok(Some(TranscriptView {
        source: stored.source,
        lines,
        prompts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_stay_inside_their_folder() {
        let root = Path::new("/rec");
        assert_eq!(
            local_path(root, "2025/04/a.wav"),
            Some(PathBuf::from("/rec/2025/04/a.wav"))
        );
        for outside in [
            "../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "https://rec/a.wav",
            "./a",
        ] {
            assert_eq!(local_path(root, outside), None, "{outside}");
        }
    }
}
