//! Calibration sessions: reference calls scored again by volunteers for training, when each
//! auditor finished, and their answers set beside the agreed ones.

use callaudit_domain::audit::SessionStatus;
use callaudit_domain::template::Answer;
use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Store, StoreError, Tx};

/// A calibration session's focus. The natural key of a session is (programme, date, focus), so
/// a calibration session may sit on the day of an ordinary one.
pub const FOCUS: &str = "calibration";

/// One auditor's answer in a calibration session beside the agreed answer of its reference.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalibrationAnswer {
    pub session_id: i64,
    pub held_on: NaiveDate,
    pub auditor_id: i64,
    /// The call's place in the calibration session.
    pub position: i64,
    /// The reference call it was copied from.
    pub reference_of: i64,
    pub question_code: String,
    #[sqlx(try_from = "String")]
    pub answer: Answer,
    /// The agreed answer, if the reference has one for this question.
    pub agreed: Option<String>,
    /// Why the agreed answer is what it is.
    pub agreed_note: Option<String>,
}

impl CalibrationAnswer {
    /// The agreed answer, when the reference has one this version can read.
    pub fn agreed_answer(&self) -> Option<Answer> {
        self.agreed.as_deref().and_then(|a| Answer::parse(a).ok())
    }
}

impl Tx {
    /// Plans a calibration session of programme `programme_id` on `held_on`, open at once (there
    /// is nothing to draw), with `panel` on it and a copy of each reference call in `references`
    /// in the order given. Refused unless every reference is of this programme and its recording
    /// is still kept.
    pub async fn plan_calibration(
        &mut self,
        programme_id: i64,
        held_on: NaiveDate,
        panel: &[i64],
        references: &[i64],
    ) -> Result<i64> {
        if references.is_empty() {
            return Err(StoreError::Conflict(
                "a calibration session needs at least one reference call".into(),
            ));
        }
        for r in references {
            let found: Option<(i64, bool)> = on_tx!(self, |c| {
                sqlx::query_as(
                "SELECT s.programme_id, s.recordings_removed_at IS NULL FROM reference_calls r
                 JOIN session_calls sc ON sc.id = r.session_call_id JOIN sessions s ON s.id = sc.session_id
                 WHERE r.session_call_id = $1"
            )
            .bind(r)
            .fetch_optional(c)
            .await?
            });
            match found {
                Some((p, true)) if p == programme_id => {}
                Some((p, _)) if p != programme_id => {
                    return Err(StoreError::Conflict(format!(
                        "reference call {r} is of another programme, whose questions differ"
                    )));
                }
                Some(_) => {
                    return Err(StoreError::Conflict(format!(
                        "reference call {r}'s recording has been removed under the retention period"
                    )));
                }
                None => {
                    return Err(StoreError::NotFound(format!(
                        "there is no reference call {r}"
                    )));
                }
            }
        }
        let id = self
            .create_session(programme_id, held_on, FOCUS, SessionStatus::Open, "live")
            .await?;
        on_tx!(self, |c| sqlx::query(
            "UPDATE sessions SET purpose = 'calibration' WHERE id = $1"
        )
        .bind(id)
        .execute(c)
        .await?
        .rows_affected());
        for person in panel {
            self.add_panel_member(id, *person).await?;
        }
        for (n, r) in references.iter().enumerate() {
            let position = i64::try_from(n).unwrap_or(i64::MAX - 1) + 1;
            on_tx!(self, |c| {
                sqlx::query(
                "INSERT INTO session_calls (session_id, position, call_ref, call_id, started_at, channel, incident_type, reference_of)
                 SELECT $1, $2, call_ref, call_id, started_at, channel, incident_type, id FROM session_calls WHERE id = $3"
            )
            .bind(id)
            .bind(position)
            .bind(r)
            .execute(c)
            .await?
            .rows_affected()
            });
        }
        self.record(
            "session",
            Some(id),
            "calibration",
            serde_json::json!({ "references": references }),
        )
        .await?;
        Ok(id)
    }

    /// Records that `person_id` has finished calibration session `session_id`: their answers
    /// are fixed from now. Finishing twice changes nothing.
    pub async fn finish_calibration(&mut self, session_id: i64, person_id: i64) -> Result<()> {
        let added = on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO calibration_finishes (session_id, person_id, finished_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING"
        )
        .bind(session_id)
        .bind(person_id)
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
        });
        if added == 0 {
            return Ok(());
        }
        self.record(
            "session",
            Some(session_id),
            "finish",
            serde_json::json!({ "person_id": person_id }),
        )
        .await
    }
}

impl Store {
    /// Who has finished calibration session `session_id`, and when.
    pub async fn calibration_finishes(&self, session_id: i64) -> Result<Vec<(i64, DateTime<Utc>)>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT person_id, finished_at FROM calibration_finishes WHERE session_id = $1 ORDER BY person_id"
        )
        .bind(session_id)
        .fetch_all(p)
        .await?
        }))
    }

    /// The answers of a force's calibration sessions that are settled (the auditor finished, or
    /// the session closed), each beside its reference's agreed answer: by session, auditor, call
    /// and question.
    pub async fn calibration_answers(&self, force_id: i64) -> Result<Vec<CalibrationAnswer>> {
        self.settled_answers("g.force_id = $1", force_id).await
    }

    /// The settled answers of calibration session `session_id` alone, as
    /// [`Store::calibration_answers`] gives them.
    pub async fn session_calibration_answers(
        &self,
        session_id: i64,
    ) -> Result<Vec<CalibrationAnswer>> {
        self.settled_answers("s.id = $1", session_id).await
    }

    /// The settled calibration answers of the sessions `scope` (a condition on `$1`) selects.
    async fn settled_answers(
        &self,
        scope: &'static str,
        id: i64,
    ) -> Result<Vec<CalibrationAnswer>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT s.id AS session_id, s.held_on, a.auditor_id, sc.position, sc.reference_of,
                    a.question_code, a.answer, ra.answer AS agreed, ra.note AS agreed_note
             FROM answers a JOIN session_calls sc ON sc.id = a.session_call_id
             JOIN sessions s ON s.id = sc.session_id JOIN programmes g ON g.id = s.programme_id
             LEFT JOIN reference_answers ra ON ra.session_call_id = sc.reference_of AND ra.question_code = a.question_code
             WHERE {scope} AND s.purpose = 'calibration' AND sc.reference_of IS NOT NULL
               AND (s.status = 'closed' OR EXISTS (SELECT 1 FROM calibration_finishes f
                    WHERE f.session_id = s.id AND f.person_id = a.auditor_id))
             ORDER BY s.held_on, s.id, a.auditor_id, sc.position, a.question_code"
        ));
        Ok(on_pool!(self, |p| sqlx::query_as::<_, CalibrationAnswer>(
            sql
        )
        .bind(id)
        .fetch_all(p)
        .await?))
    }
}
