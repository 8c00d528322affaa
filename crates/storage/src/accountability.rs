//! The force's half of the scheme: drafted issues the facilitator drops, escalations to the force
//! lead and their answers, the action log's updates and its progress notes, and the reads the
//! force lead's page and the board pack are made from. Every change goes into the history.

use callaudit_domain::audit::{ActionStatus, Rag};
use chrono::{DateTime, NaiveDate, Utc};

use crate::export::{ACTION_SELECT, ActionRow};
use crate::{Result, Store, StoreError, Tx};

/// An issue of a force as the force lead sees it: where it came from and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ForceIssue {
    pub id: i64,
    pub session_id: i64,
    pub held_on: NaiveDate,
    /// The call's place in its session (call 1, call 2, …).
    pub position: i64,
    pub area_code: Option<String>,
    pub description: String,
    pub raised_at: DateTime<Utc>,
    pub response: Option<String>,
    pub escalation_note: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalation_answer: Option<String>,
    /// Who facilitates the session it was raised in.
    pub facilitator_id: Option<i64>,
}

impl ForceIssue {
    /// Escalated to the force lead and not yet answered.
    pub fn awaits_answer(&self) -> bool {
        self.escalated_at.is_some() && self.escalation_answer.is_none()
    }

    /// No response from the force `days` days or more after it was raised.
    pub fn unanswered_after(&self, days: i64, now: DateTime<Utc>) -> bool {
        self.response.is_none() && now - self.raised_at >= chrono::Duration::days(days)
    }
}

/// A progress note on an action, as written.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActionNote {
    pub note: String,
    pub author: String,
    pub written_at: DateTime<Utc>,
}

/// A change to where an action stands; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionUpdate {
    pub status: Option<ActionStatus>,
    pub rag: Option<Rag>,
    /// A progress note to add (never replaces an earlier one).
    pub note: Option<String>,
}

impl Tx {
    /// The facilitator dropped the issue drafted for `draft` (an area code, or "" for a negative
    /// category) on a call, so it is not offered again.
    pub async fn drop_draft(&mut self, session_call_id: i64, draft: &str) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO dropped_drafts (session_call_id, draft, dropped_at) VALUES ($1, $2, $3)
             ON CONFLICT (session_call_id, draft) DO NOTHING"
        )
        .bind(session_call_id)
        .bind(draft)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        self.record(
            "issue-draft",
            Some(session_call_id),
            "drop",
            serde_json::json!({ "draft": draft }),
        )
        .await
    }

    /// Escalates an issue to the force lead with a note of what is asked. Escalating again asks
    /// afresh: the note is replaced and an earlier answer cleared (the history keeps both).
    pub async fn escalate(&mut self, issue_id: i64, note: &str, by: i64) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO escalations (issue_id, note, escalated_by, escalated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (issue_id) DO UPDATE SET note = excluded.note, escalated_by = excluded.escalated_by,
             escalated_at = excluded.escalated_at, answer = NULL, answered_by = NULL, answered_at = NULL")
            .bind(issue_id).bind(note).bind(by).bind(now).execute(c).await?.rows_affected()
        });
        self.record(
            "issue",
            Some(issue_id),
            "escalate",
            serde_json::json!({ "note": note }),
        )
        .await
    }

    /// The force lead's answer to an escalated issue.
    pub async fn answer_escalation(&mut self, issue_id: i64, answer: &str, by: i64) -> Result<()> {
        let now = Utc::now();
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE escalations SET answer = $1, answered_by = $2, answered_at = $3 WHERE issue_id = $4")
            .bind(answer).bind(by).bind(now).bind(issue_id).execute(c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "issue {issue_id} has not been escalated"
            )));
        }
        self.record(
            "issue",
            Some(issue_id),
            "answer-escalation",
            serde_json::json!({ "answer": answer }),
        )
        .await
    }

    /// Moves an action on: its status, its RAG rating, and a progress note signed by `author`.
    /// Done and dropped actions get the day they closed; reopening one clears it.
    pub async fn update_action(
        &mut self,
        force_id: i64,
        action_id: i64,
        u: &ActionUpdate,
        author: &str,
        today: NaiveDate,
    ) -> Result<()> {
        let found: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM actions WHERE id = $1 AND force_id = $2"
        )
        .bind(action_id)
        .bind(force_id)
        .fetch_optional(c)
        .await?);
        if found.is_none() {
            return Err(StoreError::NotFound(format!(
                "there is no action {action_id}"
            )));
        }
        if let Some(status) = u.status {
            let closed_on = (!status.is_live()).then_some(today);
            on_tx!(self, |c| sqlx::query(
                "UPDATE actions SET status = $1, closed_on = $2 WHERE id = $3"
            )
            .bind(status.code())
            .bind(closed_on)
            .bind(action_id)
            .execute(c)
            .await?
            .rows_affected());
        }
        if let Some(rag) = u.rag {
            on_tx!(self, |c| sqlx::query(
                "UPDATE actions SET rag = $1 WHERE id = $2"
            )
            .bind(rag.code())
            .bind(action_id)
            .execute(c)
            .await?
            .rows_affected());
        }
        if let Some(note) = u.note.as_deref().filter(|n| !n.is_empty()) {
            self.insert_note(action_id, note, author, Utc::now())
                .await?;
        }
        self.record(
            "action",
            Some(action_id),
            "update",
            serde_json::json!({
                "status": u.status.map(|s| s.code()),
                "rag": u.rag.map(|r| r.code()),
                "note": u.note,
            }),
        )
        .await
    }
}

/// Where an issue was raised: what an action raised from it links to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssueOrigin {
    pub issue_id: i64,
    pub session_call_id: i64,
    pub session_id: i64,
    pub force_id: i64,
    pub description: String,
}

impl Tx {
    async fn insert_note(
        &mut self,
        action_id: i64,
        note: &str,
        author: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "INSERT INTO action_notes (action_id, note, author, written_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(action_id)
        .bind(note)
        .bind(author)
        .bind(at)
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// A progress note written at a given time, on the action with a reference (for bringing an
    /// action log over from paper, and for the demo's past year).
    pub async fn add_action_note(
        &mut self,
        force_id: i64,
        reference: &str,
        note: &str,
        author: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let id: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM actions WHERE force_id = $1 AND reference = $2"
        )
        .bind(force_id)
        .bind(reference)
        .fetch_optional(c)
        .await?);
        let id =
            id.ok_or_else(|| StoreError::NotFound(format!("there is no action {reference}")))?;
        self.insert_note(id, note, author, at).await?;
        self.record(
            "action",
            Some(id),
            "note",
            serde_json::json!({ "note": note, "written_at": at }),
        )
        .await
    }
}

impl Store {
    /// Where issue `issue_id` was raised.
    pub async fn issue_origin(&self, issue_id: i64) -> Result<IssueOrigin> {
        let row: Option<IssueOrigin> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT i.id AS issue_id, i.session_call_id, sc.session_id, g.force_id, i.description
             FROM issues_raised i JOIN session_calls sc ON sc.id = i.session_call_id
             JOIN sessions s ON s.id = sc.session_id JOIN programmes g ON g.id = s.programme_id
             WHERE i.id = $1")
            .bind(issue_id).fetch_optional(p).await?
        });
        row.ok_or_else(|| StoreError::NotFound(format!("there is no issue {issue_id}")))
    }

    /// The drafts dropped on a session's calls: (session call, area code or "").
    pub async fn dropped_drafts(&self, session_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT d.session_call_id, d.draft FROM dropped_drafts d
             JOIN session_calls sc ON sc.id = d.session_call_id WHERE sc.session_id = $1"
        )
        .bind(session_id)
        .fetch_all(p)
        .await?))
    }

    /// Every issue raised in a force's sessions, oldest first.
    pub async fn force_issues(&self, force_id: i64) -> Result<Vec<ForceIssue>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT i.id, s.id AS session_id, s.held_on, sc.position, i.area_code, i.description, i.raised_at,
                    r.response, e.note AS escalation_note, e.escalated_at, e.answer AS escalation_answer,
                    s.facilitator_id
             FROM issues_raised i
             JOIN session_calls sc ON sc.id = i.session_call_id
             JOIN sessions s ON s.id = sc.session_id
             JOIN programmes g ON g.id = s.programme_id
             LEFT JOIN responses r ON r.issue_id = i.id
             LEFT JOIN escalations e ON e.issue_id = i.id
             WHERE g.force_id = $1 ORDER BY i.raised_at, i.id")
            .bind(force_id).fetch_all(p).await?
        }))
    }

    /// One action of a force's log.
    pub async fn action(&self, force_id: i64, action_id: i64) -> Result<ActionRow> {
        let sql = format!("{ACTION_SELECT} WHERE a.id = $1 AND a.force_id = $2");
        let row: Option<ActionRow> = on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(action_id)
            .bind(force_id)
            .fetch_optional(p)
            .await?);
        row.ok_or_else(|| StoreError::NotFound(format!("there is no action {action_id}")))
    }

    /// An action's progress notes, oldest first.
    pub async fn action_notes(&self, action_id: i64) -> Result<Vec<ActionNote>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT note, author, written_at FROM action_notes WHERE action_id = $1 ORDER BY id"
        )
        .bind(action_id)
        .fetch_all(p)
        .await?))
    }

    /// The progress notes of many actions at once, by action, oldest first.
    pub async fn notes_of_actions(
        &self,
        force_id: i64,
    ) -> Result<std::collections::HashMap<i64, Vec<ActionNote>>> {
        let rows: Vec<(i64, String, String, DateTime<Utc>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT n.action_id, n.note, n.author, n.written_at FROM action_notes n
             JOIN actions a ON a.id = n.action_id WHERE a.force_id = $1 ORDER BY n.id"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?);
        let mut by_action: std::collections::HashMap<i64, Vec<ActionNote>> = Default::default();
        for (id, note, author, written_at) in rows {
            by_action.entry(id).or_default().push(ActionNote {
                note,
                author,
                written_at,
            });
        }
        Ok(by_action)
    }
}

impl Store {
    /// The force's whole action log, newest first.
    pub async fn actions(&self, force_id: i64) -> Result<Vec<crate::export::ActionRow>> {
        let sql = format!(
            "{} WHERE a.force_id = $1 ORDER BY a.created_at DESC, a.reference DESC",
            crate::export::ACTION_SELECT
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(force_id)
            .fetch_all(p)
            .await?))
    }
}
