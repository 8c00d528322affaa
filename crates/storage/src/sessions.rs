//! Sessions (audits) and everything that happens in one: the committed pool, the draw, each
//! auditor's answers and proposals, the panel's outcome, issues raised, the facilitator's
//! responses, and the action log that follows them up.

use callaudit_domain::audit::SessionStatus;
use callaudit_domain::call::PoolCall;
use callaudit_domain::sampling::{Commitment, DrawRecord, DrawSpec};
use callaudit_domain::template::{Answer, Category, ProgrammeKind};
use chrono::{DateTime, NaiveDate, Utc};

use crate::accounts::{PERSON, Person};
use crate::{Result, Store, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub programme_id: i64,
    pub held_on: NaiveDate,
    pub focus: String,
    #[sqlx(try_from = "String")]
    pub status: SessionStatus,
    pub source: String,
    /// A calibration session: reference calls scored for training, left out of every figure.
    pub calibration: bool,
}

/// A session's commitment and, once the seed is given, its draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraw {
    pub commitment: Commitment,
    pub record: Option<DrawRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionCall {
    pub id: i64,
    pub position: i64,
    pub call_ref: String,
    pub channel: String,
    pub incident_type: String,
}

/// The panel's agreed outcome of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub category: Category,
    pub areas: Vec<String>,
    pub comments: String,
    pub learning_points: String,
    pub good_practice: bool,
}

/// A facilitator's answer to an issue raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub response: String,
    pub action_taken: String,
    pub escalated_to: String,
    pub feedback_kind: Option<String>,
    pub feedback_relayed_on: Option<NaiveDate>,
    pub responded_by: Option<i64>,
}

/// A new entry of the action log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAction {
    pub text: String,
    /// The owner as the board names them ("Head of the Force Control Centre").
    pub owner: String,
    /// The person who signs in to update it, when the owner has an account.
    pub owner_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub rag: Option<callaudit_domain::audit::Rag>,
    /// Part 2 (private) with the reason, or `None` for Part 1 (public).
    pub private_reason: Option<String>,
    pub session_id: Option<i64>,
    pub session_call_id: Option<i64>,
    pub issue_id: Option<i64>,
}

fn bad_json(e: serde_json::Error) -> StoreError {
    StoreError::Conflict(format!(
        "a stored draw could not be read back ({e}); the database was changed by hand"
    ))
}

impl Tx {
    /// Plans a session. The natural key is (programme, date, focus): planning it twice is a conflict.
    pub async fn create_session(
        &mut self,
        programme_id: i64,
        held_on: NaiveDate,
        focus: &str,
        status: SessionStatus,
        source: &str,
    ) -> Result<i64> {
        let now = Utc::now();
        let exists: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM sessions WHERE programme_id = $1 AND held_on = $2 AND focus = $3"
        )
        .bind(programme_id)
        .bind(held_on)
        .bind(focus)
        .fetch_optional(c)
        .await?);
        if let Some(id) = exists {
            return Err(StoreError::Conflict(format!(
                "session {id} is already planned for {held_on} with this focus"
            )));
        }
        // A session recorded as already closed (an imported or demo one) closed the day it sat.
        let closed_at = (status == SessionStatus::Closed)
            .then(|| held_on.and_hms_opt(23, 59, 59).map(|t| t.and_utc()))
            .flatten();
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO sessions (programme_id, held_on, focus, status, source, created_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(programme_id).bind(held_on).bind(focus).bind(status.code()).bind(source).bind(now).bind(closed_at).fetch_one(c).await?
        });
        self.record(
            "session",
            Some(id),
            "create",
            serde_json::json!({ "held_on": held_on, "focus": focus, "status": status.code() }),
        )
        .await?;
        Ok(id)
    }

    pub async fn set_session_status(
        &mut self,
        session_id: i64,
        status: SessionStatus,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE sessions SET status = $1 WHERE id = $2"
        )
        .bind(status.code())
        .bind(session_id)
        .execute(c)
        .await?
        .rows_affected());
        // The retention clock starts when a session first closes.
        if status == SessionStatus::Closed {
            on_tx!(self, |c| sqlx::query(
                "UPDATE sessions SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL"
            )
            .bind(Utc::now())
            .bind(session_id)
            .execute(c)
            .await?
            .rows_affected());
        }
        self.record(
            "session",
            Some(session_id),
            "status",
            serde_json::json!({ "status": status.code() }),
        )
        .await
    }

    /// Dates a session's closing to the end of the day it sat, for sessions recorded after the
    /// fact (the demonstration year): their retention periods run from then.
    pub async fn set_closed_on(&mut self, session_id: i64, day: NaiveDate) -> Result<()> {
        let at = day.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
        on_tx!(self, |c| sqlx::query(
            "UPDATE sessions SET closed_at = $1 WHERE id = $2 AND status = 'closed'"
        )
        .bind(at)
        .bind(session_id)
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn set_facilitator(&mut self, session_id: i64, person_id: i64) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "UPDATE sessions SET facilitator_id = $1 WHERE id = $2"
        )
        .bind(person_id)
        .bind(session_id)
        .execute(c)
        .await?
        .rows_affected());
        self.record(
            "session",
            Some(session_id),
            "facilitator",
            serde_json::json!({ "person_id": person_id }),
        )
        .await
    }

    pub async fn add_panel_member(&mut self, session_id: i64, person_id: i64) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO session_panel (session_id, person_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(session_id).bind(person_id).execute(c).await?.rows_affected()
        });
        self.record(
            "session",
            Some(session_id),
            "panel-add",
            serde_json::json!({ "person_id": person_id }),
        )
        .await
    }

    /// Records the pool and specification digests before any seed exists. Once a draw has been
    /// made the commitment can no longer change.
    pub async fn commit_pool(&mut self, session_id: i64, c: &Commitment) -> Result<()> {
        let now = Utc::now();
        let actor = self.actor.clone();
        let drawn: Option<Option<String>> = on_tx!(self, |x| sqlx::query_scalar(
            "SELECT seed FROM draws WHERE session_id = $1"
        )
        .bind(session_id)
        .fetch_optional(x)
        .await?);
        if let Some(Some(_)) = drawn {
            return Err(StoreError::Conflict(format!(
                "session {session_id} has already been drawn; its commitment cannot change"
            )));
        }
        let spec = serde_json::to_string(&c.spec).map_err(bad_json)?;
        let eligible = i64::try_from(c.eligible_calls).unwrap_or(i64::MAX);
        on_tx!(self, |x| {
            sqlx::query("DELETE FROM draws WHERE session_id = $1")
                .bind(session_id)
                .execute(&mut *x)
                .await?;
            sqlx::query("INSERT INTO draws (session_id, pool_digest, spec_digest, spec_json, eligible_calls, committed_by, committed_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(session_id).bind(&c.pool_digest).bind(&c.spec_digest).bind(&spec).bind(eligible).bind(&actor).bind(now)
                .execute(x).await?.rows_affected()
        });
        self.record(
            "draw",
            Some(session_id),
            "commit",
            serde_json::json!({ "pool_digest": c.pool_digest, "spec_digest": c.spec_digest, "eligible_calls": c.eligible_calls }),
        )
        .await
    }

    /// Records the draw and puts the drawn calls into the session, in draw order.
    pub async fn record_draw(
        &mut self,
        session_id: i64,
        force_id: i64,
        record: &DrawRecord,
        pool: &[PoolCall],
    ) -> Result<()> {
        let now = Utc::now();
        let actor = self.actor.clone();
        let json = serde_json::to_string(record).map_err(bad_json)?;
        let updated = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE draws SET seed = $1, record_json = $2, drawn_by = $3, drawn_at = $4 WHERE session_id = $5 AND seed IS NULL")
            .bind(&record.seed).bind(&json).bind(&actor).bind(now).bind(session_id).execute(c).await?.rows_affected()
        });
        if updated != 1 {
            return Err(StoreError::Conflict(format!(
                "session {session_id} has no open commitment to draw from; commit the pool first, or it was drawn already"
            )));
        }
        for (i, r) in record.calls.iter().enumerate() {
            let call = pool.iter().find(|c| &c.call_ref == r).ok_or_else(|| {
                StoreError::NotFound(format!("drawn call {r} is not in the pool"))
            })?;
            let call_id: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
                "SELECT id FROM calls WHERE force_id = $1 AND call_ref = $2"
            )
            .bind(force_id)
            .bind(r.as_str())
            .fetch_optional(c)
            .await?);
            self.add_session_call(session_id, i as i64 + 1, call, call_id)
                .await?;
        }
        self.record(
            "draw",
            Some(session_id),
            "draw",
            serde_json::json!({ "seed": record.seed, "calls": record.calls }),
        )
        .await
    }

    /// Puts a call into a session (drawn, or brought over from a past audit).
    pub async fn add_session_call(
        &mut self,
        session_id: i64,
        position: i64,
        call: &PoolCall,
        call_id: Option<i64>,
    ) -> Result<i64> {
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO session_calls (session_id, position, call_ref, call_id, started_at, channel, incident_type)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(session_id).bind(position).bind(call.call_ref.as_str()).bind(call_id).bind(call.started_at)
            .bind(call.channel.code()).bind(&call.incident_type).fetch_one(c).await?
        });
        Ok(id)
    }

    /// An auditor's answer to one question; answering again replaces the earlier answer.
    pub async fn save_answer(
        &mut self,
        session_call_id: i64,
        auditor_id: i64,
        question: &str,
        answer: Answer,
        note: &str,
    ) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO answers (session_call_id, auditor_id, question_code, answer, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (session_call_id, auditor_id, question_code) DO UPDATE SET answer = excluded.answer, note = excluded.note, updated_at = excluded.updated_at")
            .bind(session_call_id).bind(auditor_id).bind(question).bind(answer.code()).bind(note).bind(now).execute(c).await?.rows_affected()
        });
        self.record(
            "answer",
            Some(session_call_id),
            "save",
            // The note's digest, not its text: the history is never changed, and the text must
            // be removable when its retention period ends.
            serde_json::json!({ "auditor_id": auditor_id, "question": question, "answer": answer.code(), "note_sha256": text_digest(note), "note_chars": note.chars().count() }),
        )
        .await
    }

    /// An auditor's proposed category and areas for a call.
    pub async fn save_proposal(
        &mut self,
        session_call_id: i64,
        auditor_id: i64,
        category: Category,
        areas: &[String],
    ) -> Result<()> {
        let now = Utc::now();
        let joined = areas.join(";");
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO proposals (session_call_id, auditor_id, category, areas, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (session_call_id, auditor_id) DO UPDATE SET category = excluded.category, areas = excluded.areas, updated_at = excluded.updated_at")
            .bind(session_call_id).bind(auditor_id).bind(category.code()).bind(&joined).bind(now).execute(c).await?.rows_affected()
        });
        self.record(
            "proposal",
            Some(session_call_id),
            "save",
            serde_json::json!({ "auditor_id": auditor_id, "category": category.code(), "areas": areas }),
        )
        .await
    }

    /// The panel's agreed outcome; agreeing again replaces it, and the history keeps both.
    pub async fn save_outcome(&mut self, session_call_id: i64, o: &Outcome) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM outcome_areas WHERE session_call_id = $1")
                .bind(session_call_id)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO outcomes (session_call_id, category, comments, learning_points, good_practice, agreed_at) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (session_call_id) DO UPDATE SET category = excluded.category, comments = excluded.comments,
                 learning_points = excluded.learning_points, good_practice = excluded.good_practice, agreed_at = excluded.agreed_at")
                .bind(session_call_id).bind(o.category.code()).bind(&o.comments).bind(&o.learning_points).bind(o.good_practice).bind(now)
                .execute(&mut *c).await?;
            for a in &o.areas {
                sqlx::query(
                    "INSERT INTO outcome_areas (session_call_id, area_code) VALUES ($1, $2)",
                )
                .bind(session_call_id)
                .bind(a)
                .execute(&mut *c)
                .await?;
            }
        });
        self.record(
            "outcome",
            Some(session_call_id),
            "save",
            serde_json::json!({ "category": o.category.code(), "areas": o.areas, "good_practice": o.good_practice }),
        )
        .await
    }

    pub async fn raise_issue(
        &mut self,
        session_call_id: i64,
        area_code: Option<&str>,
        description: &str,
    ) -> Result<i64> {
        let now = Utc::now();
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO issues_raised (session_call_id, area_code, description, raised_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(session_call_id).bind(area_code).bind(description).bind(now).fetch_one(c).await?
        });
        self.record(
            "issue",
            Some(id),
            "raise",
            serde_json::json!({ "session_call_id": session_call_id, "area": area_code }),
        )
        .await?;
        Ok(id)
    }

    pub async fn respond(&mut self, issue_id: i64, r: &Response) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO responses (issue_id, response, action_taken, escalated_to, feedback_kind, feedback_relayed_on, responded_by, responded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (issue_id) DO UPDATE SET response = excluded.response, action_taken = excluded.action_taken,
             escalated_to = excluded.escalated_to, feedback_kind = excluded.feedback_kind,
             feedback_relayed_on = excluded.feedback_relayed_on, responded_by = excluded.responded_by, responded_at = excluded.responded_at")
            .bind(issue_id).bind(&r.response).bind(&r.action_taken).bind(&r.escalated_to).bind(&r.feedback_kind)
            .bind(r.feedback_relayed_on).bind(r.responded_by).bind(now).execute(c).await?.rows_affected()
        });
        self.record(
            "response",
            Some(issue_id),
            "save",
            serde_json::json!({ "escalated_to": r.escalated_to, "feedback_relayed_on": r.feedback_relayed_on }),
        )
        .await
    }

    /// Adds an action to the log with the next reference of its year, e.g. `2024/07`.
    pub async fn add_action(
        &mut self,
        force_id: i64,
        created_on: NaiveDate,
        a: &NewAction,
    ) -> Result<String> {
        use chrono::Datelike;
        let year = created_on.year();
        let prefix = format!("{year}/");
        let refs: Vec<String> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT reference FROM actions WHERE force_id = $1 AND reference LIKE $2"
        )
        .bind(force_id)
        .bind(format!("{prefix}%"))
        .fetch_all(c)
        .await?);
        let next = refs
            .iter()
            .filter_map(|r| r.strip_prefix(&prefix)?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let reference = callaudit_domain::audit::action_reference(year, next);
        let created_at: DateTime<Utc> = created_on
            .and_hms_opt(12, 0, 0)
            .expect("noon exists")
            .and_utc();
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO actions (force_id, reference, text, owner, due_on, status, session_id, created_at,
                                  owner_id, rag, private_reason, issue_id, session_call_id)
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11, $12) RETURNING id")
            .bind(force_id).bind(&reference).bind(&a.text).bind(&a.owner).bind(a.due_on).bind(a.session_id).bind(created_at)
            .bind(a.owner_id).bind(a.rag.map(|r| r.code())).bind(&a.private_reason).bind(a.issue_id).bind(a.session_call_id)
            .fetch_one(c).await?
        });
        self.record(
            "action",
            Some(id),
            "create",
            serde_json::json!({
                "reference": reference, "owner": a.owner, "owner_id": a.owner_id, "due_on": a.due_on,
                "rag": a.rag.map(|r| r.code()), "private_reason": a.private_reason,
                "session_id": a.session_id, "session_call_id": a.session_call_id, "issue_id": a.issue_id,
            }),
        )
        .await?;
        Ok(reference)
    }

    pub async fn set_action_status(
        &mut self,
        force_id: i64,
        reference: &str,
        status: &str,
        closed_on: Option<NaiveDate>,
    ) -> Result<()> {
        let id: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(
            "UPDATE actions SET status = $1, closed_on = $2 WHERE force_id = $3 AND reference = $4 RETURNING id")
            .bind(status).bind(closed_on).bind(force_id).bind(reference).fetch_optional(c).await?
        });
        let id =
            id.ok_or_else(|| StoreError::NotFound(format!("there is no action {reference}")))?;
        self.record(
            "action",
            Some(id),
            "status",
            serde_json::json!({ "status": status, "closed_on": closed_on }),
        )
        .await
    }
}

impl Store {
    pub async fn session(&self, id: i64) -> Result<Session> {
        let s: Option<Session> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, programme_id, held_on, focus, status, source, purpose = 'calibration' AS calibration FROM sessions WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?
        });
        s.ok_or_else(|| {
            StoreError::NotFound(format!(
                "there is no session {id}; `callaudit session list` shows them"
            ))
        })
    }

    pub async fn sessions(&self, force_id: i64) -> Result<Vec<Session>> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, Session>(
            "SELECT s.id, s.programme_id, s.held_on, s.focus, s.status, s.source, s.purpose = 'calibration' AS calibration FROM sessions s
             JOIN programmes g ON g.id = s.programme_id WHERE g.force_id = $1 ORDER BY s.held_on, s.id")
            .bind(force_id).fetch_all(p).await?)
        })
    }

    pub async fn session_calls(&self, session_id: i64) -> Result<Vec<SessionCall>> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, SessionCall>(
            "SELECT id, position, call_ref, channel, incident_type FROM session_calls WHERE session_id = $1 ORDER BY position")
            .bind(session_id).fetch_all(p).await?)
        })
    }

    /// The session's commitment and draw, if any.
    pub async fn draw(&self, session_id: i64) -> Result<Option<StoredDraw>> {
        type Row = (String, String, String, i64, Option<String>);
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT pool_digest, spec_digest, spec_json, eligible_calls, record_json FROM draws WHERE session_id = $1")
            .bind(session_id).fetch_optional(p).await?
        });
        let Some((pool_digest, spec_digest, spec_json, eligible, record_json)) = row else {
            return Ok(None);
        };
        let spec: DrawSpec = serde_json::from_str(&spec_json).map_err(bad_json)?;
        let record = record_json
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(bad_json)?;
        Ok(Some(StoredDraw {
            commitment: Commitment {
                algorithm: callaudit_domain::sampling::ALGORITHM.into(),
                pool_digest,
                eligible_calls: usize::try_from(eligible).unwrap_or(0),
                spec_digest,
                spec,
            },
            record,
        }))
    }
}

impl Tx {
    /// The calls of a session as this transaction sees them: (session call id, reference).
    pub async fn session_call_refs(&mut self, session_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(on_tx!(self, |c| sqlx::query_as(
            "SELECT id, call_ref FROM session_calls WHERE session_id = $1 ORDER BY position"
        )
        .bind(session_id)
        .fetch_all(c)
        .await?))
    }
}

/// The SHA-256 (hex) of a text written about a call, or "" for no text: what the history keeps in
/// place of the text itself.
fn text_digest(text: &str) -> String {
    use sha2::Digest;
    if text.is_empty() {
        String::new()
    } else {
        hex::encode(sha2::Sha256::digest(text.as_bytes()))
    }
}

/// What decides who may see an audit session: its force, its state, its facilitator and panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAccess {
    pub session_id: i64,
    pub programme_id: i64,
    /// The programme's kind: a Crime Data Integrity dip sample is the Crime Registrar team's.
    pub kind: ProgrammeKind,
    pub force_id: i64,
    pub status: SessionStatus,
    pub facilitator_id: Option<i64>,
    pub panel: Vec<i64>,
    /// A calibration session, whose answers only their auditor and the coordinator see.
    pub calibration: bool,
}

/// One auditor's answer as stored, for the panel view.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAnswer {
    pub auditor_id: i64,
    pub question_code: String,
    #[sqlx(try_from = "String")]
    pub answer: Answer,
    pub note: String,
}

/// One auditor's proposal as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredProposal {
    pub auditor_id: i64,
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub areas: String,
}

/// Who sits on a session and what they have answered.
impl Store {
    /// Who may see session `id`, or `NotFound`.
    pub async fn session_access(&self, id: i64) -> Result<SessionAccess> {
        type Row = (i64, i64, String, Option<i64>, String, bool);
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT s.programme_id, g.force_id, s.status, s.facilitator_id, g.kind, s.purpose = 'calibration' FROM sessions s JOIN programmes g ON g.id = s.programme_id WHERE s.id = $1")
            .bind(id).fetch_optional(p).await?
        });
        let (programme_id, force_id, status, facilitator_id, kind, calibration) =
            row.ok_or_else(|| StoreError::NotFound(format!("there is no session {id}")))?;
        let panel: Vec<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT person_id FROM session_panel WHERE session_id = $1 ORDER BY person_id"
        )
        .bind(id)
        .fetch_all(p)
        .await?);
        Ok(SessionAccess {
            session_id: id,
            programme_id,
            kind: ProgrammeKind::try_from(kind)?,
            force_id,
            status: SessionStatus::try_from(status)?,
            facilitator_id,
            panel,
            calibration,
        })
    }

    /// The panel of a session, by name.
    pub async fn panel(&self, session_id: i64) -> Result<Vec<Person>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{PERSON} WHERE id IN (SELECT person_id FROM session_panel WHERE session_id = $1) ORDER BY display_name"
        ));
        Ok(on_pool!(self, |p| sqlx::query_as(sql)
            .bind(session_id)
            .fetch_all(p)
            .await?))
    }

    /// The sessions a person sits on as an auditor, newest first.
    pub async fn sessions_on_panel(&self, person_id: i64) -> Result<Vec<crate::sessions::Session>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT s.id, s.programme_id, s.held_on, s.focus, s.status, s.source, s.purpose = 'calibration' AS calibration FROM sessions s
             JOIN session_panel sp ON sp.session_id = s.id WHERE sp.person_id = $1 ORDER BY s.held_on DESC, s.id DESC")
            .bind(person_id).fetch_all(p).await?
        }))
    }

    /// Every auditor's answers for a call.
    pub async fn call_answers(&self, session_call_id: i64) -> Result<Vec<StoredAnswer>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT auditor_id, question_code, answer, note FROM answers WHERE session_call_id = $1 ORDER BY auditor_id, question_code")
            .bind(session_call_id).fetch_all(p).await?
        }))
    }

    /// Every auditor's proposal for a call.
    pub async fn call_proposals(&self, session_call_id: i64) -> Result<Vec<StoredProposal>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT auditor_id, category, areas FROM proposals WHERE session_call_id = $1 ORDER BY auditor_id")
            .bind(session_call_id).fetch_all(p).await?
        }))
    }

    /// The pool call behind a session's call and its recording path, if the pool holds one.
    pub async fn call_recording(
        &self,
        session_call_id: i64,
    ) -> Result<Option<crate::recordings::CallRecording>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT c.id AS call_id, c.call_ref, c.recording FROM session_calls sc
             JOIN calls c ON c.id = sc.call_id
             WHERE sc.id = $1 AND c.recording IS NOT NULL AND c.recording <> ''"
        )
        .bind(session_call_id)
        .fetch_optional(p)
        .await?))
    }

    /// The session an issue was raised in.
    pub async fn issue_session(&self, issue_id: i64) -> Result<i64> {
        let id: Option<i64> = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT sc.session_id FROM issues_raised i JOIN session_calls sc ON sc.id = i.session_call_id WHERE i.id = $1")
            .bind(issue_id).fetch_optional(p).await?
        });
        id.ok_or_else(|| StoreError::NotFound(format!("there is no issue {issue_id}")))
    }

    /// How many calls each session holds.
    pub async fn session_call_counts(&self) -> Result<std::collections::HashMap<i64, i64>> {
        let rows: Vec<(i64, i64)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT session_id, COUNT(*) FROM session_calls GROUP BY session_id"
        )
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().collect())
    }
}
