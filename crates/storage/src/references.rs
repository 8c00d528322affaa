//! Reference calls: calls from closed sessions kept, with the panel's agreed answers and why, as
//! examples of good and poor handling for the training library.

use callaudit_domain::template::Answer;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Store, StoreError, Tx};

/// A reference call as the library shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Reference {
    pub session_call_id: i64,
    pub session_id: i64,
    pub programme_id: i64,
    pub position: i64,
    pub held_on: NaiveDate,
    pub channel: String,
    pub incident_type: String,
    /// "good" or "poor".
    pub example: String,
    pub commentary: String,
    pub marked_at: DateTime<Utc>,
    /// Whether its session's recordings are still kept under the retention period, so that it
    /// can be heard again (in a calibration session, or the library where the programme allows).
    pub recording_kept: bool,
}

/// One agreed answer of a reference call, with the reason for it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReferenceAnswer {
    pub session_call_id: i64,
    pub question_code: String,
    #[sqlx(try_from = "String")]
    pub answer: Answer,
    pub note: String,
}

impl Store {
    /// A force's reference calls, good examples first, then by the day they were heard.
    pub async fn references(&self, force_id: i64) -> Result<Vec<Reference>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as::<_, Reference>(
            "SELECT r.session_call_id, sc.session_id, s.programme_id, sc.position, s.held_on, sc.channel,
                    sc.incident_type, r.example, r.commentary, r.marked_at,
                    s.recordings_removed_at IS NULL AS recording_kept
             FROM reference_calls r JOIN session_calls sc ON sc.id = r.session_call_id
             JOIN sessions s ON s.id = sc.session_id JOIN programmes g ON g.id = s.programme_id
             WHERE g.force_id = $1 ORDER BY r.example, s.held_on, sc.position"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?
        }))
    }

    /// The agreed answers of a force's reference calls.
    pub async fn reference_answers(&self, force_id: i64) -> Result<Vec<ReferenceAnswer>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as::<_, ReferenceAnswer>(
            "SELECT a.session_call_id, a.question_code, a.answer, a.note FROM reference_answers a
             JOIN session_calls sc ON sc.id = a.session_call_id JOIN sessions s ON s.id = sc.session_id
             JOIN programmes g ON g.id = s.programme_id WHERE g.force_id = $1
             ORDER BY a.session_call_id, a.question_code"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?
        }))
    }
}

impl Tx {
    /// Keeps session call `session_call_id` as a reference (or replaces what was kept): the kind
    /// of example, the commentary, and the agreed answer with its reason for each question.
    /// Refused unless the session is closed and its recordings are still kept: a reference is
    /// heard again in training, so it must outlive neither its panel's decision nor its recording.
    pub async fn mark_reference(
        &mut self,
        session_call_id: i64,
        example: &str,
        commentary: &str,
        marked_by: i64,
        answers: &[(String, Answer, String)],
    ) -> Result<()> {
        let state: Option<(String, bool)> = on_tx!(self, |c| sqlx::query_as(
            "SELECT s.status, s.recordings_removed_at IS NOT NULL FROM session_calls sc
             JOIN sessions s ON s.id = sc.session_id WHERE sc.id = $1"
        )
        .bind(session_call_id)
        .fetch_optional(c)
        .await?);
        match state {
            None => {
                return Err(StoreError::NotFound(format!(
                    "there is no session call {session_call_id}"
                )));
            }
            Some((status, _)) if status != "closed" => {
                return Err(StoreError::Conflict(
                    "only a call from a closed session can be a reference: its panel has decided"
                        .into(),
                ));
            }
            Some((_, true)) => {
                return Err(StoreError::Conflict(
                    "this session's recordings have been removed under the retention period, so its calls cannot be heard in training".into(),
                ));
            }
            Some(_) => {}
        }
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM reference_answers WHERE session_call_id = $1")
                .bind(session_call_id)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO reference_calls (session_call_id, example, commentary, marked_by, marked_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (session_call_id) DO UPDATE SET example = excluded.example,
                   commentary = excluded.commentary, marked_by = excluded.marked_by, marked_at = excluded.marked_at",
            )
            .bind(session_call_id)
            .bind(example)
            .bind(commentary)
            .bind(marked_by)
            .bind(now)
            .execute(&mut *c)
            .await?;
            for (code, answer, note) in answers {
                sqlx::query(
                    "INSERT INTO reference_answers (session_call_id, question_code, answer, note) VALUES ($1, $2, $3, $4)",
                )
                .bind(session_call_id)
                .bind(code)
                .bind(answer.code())
                .bind(note)
                .execute(&mut *c)
                .await?;
            }
        });
        self.record(
            "reference",
            Some(session_call_id),
            "mark",
            serde_json::json!({
                "example": example,
                "answers": answers.iter().map(|(q, a, _)| (q.clone(), a.code())).collect::<std::collections::BTreeMap<_, _>>(),
            }),
        )
        .await
    }
}
