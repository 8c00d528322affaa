//! Recordings and transcripts: where a call's recording is, what its analysis found, and the
//! transcript a force's speech system made of it. The documents are stored as the audio crate
//! writes them; storage does not look inside.

use chrono::Utc;

use crate::{Result, Store, StoreError, Tx};

/// A stored analysis of one call's recording.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAnalysis {
    pub call_id: i64,
    /// Size and modification time of the file analysed.
    pub fingerprint: String,
    pub analysis: String,
    pub waveform: String,
}

/// A stored transcript of one call.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredTranscript {
    pub call_id: i64,
    pub source: String,
    pub segments: String,
}

/// A call of the pool that has a recording.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRecording {
    pub call_id: i64,
    pub call_ref: String,
    pub recording: String,
}

impl Store {
    /// A force's calls that have a recording, in reference order.
    pub async fn calls_with_recordings(&self, force_id: i64) -> Result<Vec<CallRecording>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id AS call_id, call_ref, recording FROM calls
             WHERE force_id = $1 AND recording IS NOT NULL AND recording <> '' ORDER BY call_ref"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?))
    }

    /// A force's call by its reference.
    pub async fn call_id_by_ref(&self, force_id: i64, call_ref: &str) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM calls WHERE force_id = $1 AND call_ref = $2"
        )
        .bind(force_id)
        .bind(call_ref)
        .fetch_optional(p)
        .await?))
    }

    pub async fn recording_analysis(&self, call_id: i64) -> Result<Option<StoredAnalysis>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT call_id, fingerprint, analysis, waveform FROM recording_analyses WHERE call_id = $1")
            .bind(call_id).fetch_optional(p).await?
        }))
    }

    /// The transcript of a session's call, if one is attached.
    pub async fn session_call_transcript(
        &self,
        session_call_id: i64,
    ) -> Result<Option<StoredTranscript>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT t.call_id, t.source, t.segments FROM session_calls sc
             JOIN transcripts t ON t.call_id = sc.call_id WHERE sc.id = $1"
        )
        .bind(session_call_id)
        .fetch_optional(p)
        .await?))
    }

    pub async fn transcript(&self, call_id: i64) -> Result<Option<StoredTranscript>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT call_id, source, segments FROM transcripts WHERE call_id = $1"
        )
        .bind(call_id)
        .fetch_optional(p)
        .await?))
    }
}

impl Tx {
    /// Keeps a recording's analysis, replacing any earlier one of the same call.
    pub async fn put_recording_analysis(&mut self, a: &StoredAnalysis) -> Result<()> {
        let now = Utc::now().to_rfc3339();
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO recording_analyses (call_id, fingerprint, analysis, waveform, analysed_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (call_id) DO UPDATE SET fingerprint = excluded.fingerprint,
               analysis = excluded.analysis, waveform = excluded.waveform,
               analysed_at = excluded.analysed_at"
        )
        .bind(a.call_id)
        .bind(&a.fingerprint)
        .bind(&a.analysis)
        .bind(&a.waveform)
        .bind(&now)
        .execute(c)
        .await?
        .rows_affected());
        self.record(
            "call",
            Some(a.call_id),
            "recording-analysed",
            serde_json::json!({ "fingerprint": a.fingerprint }),
        )
        .await
    }

    /// Attaches a transcript to a call, replacing any earlier one.
    pub async fn put_transcript(&mut self, t: &StoredTranscript) -> Result<()> {
        let now = Utc::now().to_rfc3339();
        let n = on_tx!(self, |c| sqlx::query(
            "INSERT INTO transcripts (call_id, source, segments, imported_at)
             SELECT id, $2, $3, $4 FROM calls WHERE id = $1
             ON CONFLICT (call_id) DO UPDATE SET source = excluded.source,
               segments = excluded.segments, imported_at = excluded.imported_at"
        )
        .bind(t.call_id)
        .bind(&t.source)
        .bind(&t.segments)
        .bind(&now)
        .execute(c)
        .await?
        .rows_affected());
        if n != 1 {
            return Err(StoreError::NotFound(format!(
                "there is no call {}",
                t.call_id
            )));
        }
        self.record(
            "call",
            Some(t.call_id),
            "transcript",
            serde_json::json!({ "source": t.source }),
        )
        .await
    }
}
