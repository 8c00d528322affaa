//! Retention: removing what a programme keeps no longer once a session has been closed for its
//! period, and recording in the history what was removed and why. Recordings stop being playable
//! (their transcripts and kept analyses are deleted; the recording files belong to the force and
//! are not touched); free text people wrote about the calls (auditors' notes, proposal notes, the
//! panel's comments and learning points) is emptied. The agreed categories and areas, the issues
//! raised and the force's responses are the scheme's public record and are kept.

use chrono::{DateTime, Duration, Utc};

use crate::{Result, Store, Tx};

/// One removal made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Removal {
    pub session_id: i64,
    /// "recordings" or "free text".
    pub what: &'static str,
    /// Rows removed or emptied.
    pub items: u64,
    pub policy_days: i64,
}

/// A session's retention clock and the programme's periods.
#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    force_id: i64,
    closed_at: DateTime<Utc>,
    recording_days: Option<i64>,
    free_text_days: Option<i64>,
    recordings_removed: bool,
    free_text_removed: bool,
}

impl Store {
    /// Whether session `id`'s recordings have been removed under the retention policy. A
    /// calibration session plays its reference calls' recordings, so it loses them when any
    /// reference's own session does.
    pub async fn recordings_removed(&self, session_id: i64) -> Result<bool> {
        let removed: Option<bool> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT s.recordings_removed_at IS NOT NULL OR EXISTS (
                 SELECT 1 FROM session_calls c JOIN session_calls o ON o.id = c.reference_of
                 JOIN sessions os ON os.id = o.session_id
                 WHERE c.session_id = s.id AND os.recordings_removed_at IS NOT NULL)
             FROM sessions s WHERE s.id = $1"
        )
        .bind(session_id)
        .fetch_optional(p)
        .await?);
        Ok(removed.unwrap_or(false))
    }
}

impl Tx {
    /// Sets (or with `None` clears) one of a programme's retention periods, in days after a
    /// session closes: `what` is "recordings" or "free text".
    pub async fn set_retention(
        &mut self,
        programme_id: i64,
        what: &str,
        days: Option<i64>,
    ) -> Result<()> {
        let column = match what {
            "recordings" => "recording_days",
            "free text" => "free_text_days",
            other => {
                return Err(crate::StoreError::NotFound(format!(
                    "there is no retention period for {other:?}; expected recordings or free text"
                )));
            }
        };
        let details = serde_json::json!({ "what": what, "days": days });
        self.set_setting(programme_id, column, days, "retention", details)
            .await
    }

    /// Removes everything due at `now` in every force, and returns what was removed.
    pub async fn apply_retention(&mut self, now: DateTime<Utc>) -> Result<Vec<Removal>> {
        let due: Vec<Due> = on_tx!(self, |c| sqlx::query_as(
            "SELECT s.id, g.force_id, s.closed_at, g.recording_days, g.free_text_days,
                    s.recordings_removed_at IS NOT NULL AS recordings_removed,
                    s.free_text_removed_at IS NOT NULL AS free_text_removed
             FROM sessions s JOIN programmes g ON g.id = s.programme_id
             WHERE s.status = 'closed' AND s.closed_at IS NOT NULL
               AND ((g.recording_days IS NOT NULL AND s.recordings_removed_at IS NULL)
                 OR (g.free_text_days IS NOT NULL AND s.free_text_removed_at IS NULL))
             ORDER BY s.id"
        )
        .fetch_all(c)
        .await?);
        let mut removed = Vec::new();
        for s in due {
            // Each removal joins the history chain of the session's force.
            self.join_chain(Some(s.force_id));
            let past = |days: Option<i64>| days.filter(|d| s.closed_at + Duration::days(*d) <= now);
            if let (Some(days), false) = (past(s.recording_days), s.recordings_removed) {
                let calls = "SELECT call_id FROM session_calls WHERE session_id = $1";
                let mut items = 0;
                for table in ["transcripts", "recording_analyses"] {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "DELETE FROM {table} WHERE call_id IN ({calls})"
                    ));
                    items += on_tx!(self, |c| sqlx::query(sql)
                        .bind(s.id)
                        .execute(c)
                        .await?
                        .rows_affected());
                }
                let r = self
                    .mark_removed(&s, "recordings", "playable", items, days, now)
                    .await?;
                removed.push(r);
            }
            if let (Some(days), false) = (past(s.free_text_days), s.free_text_removed) {
                let calls = "SELECT id FROM session_calls WHERE session_id = $1";
                let mut items = 0;
                for (table, column) in [
                    ("answers", "note"),
                    ("proposals", "note"),
                    ("outcomes", "comments"),
                    ("outcomes", "learning_points"),
                ] {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "UPDATE {table} SET {column} = '' WHERE {column} <> '' AND session_call_id IN ({calls})"
                    ));
                    items += on_tx!(self, |c| sqlx::query(sql)
                        .bind(s.id)
                        .execute(c)
                        .await?
                        .rows_affected());
                }
                let r = self
                    .mark_removed(&s, "free text", "about calls", items, days, now)
                    .await?;
                removed.push(r);
            }
        }
        Ok(removed)
    }

    /// Marks `what` ("recordings" or "free text") removed from session `s` at `now` and records
    /// in the history what was removed and why.
    async fn mark_removed(
        &mut self,
        s: &Due,
        what: &'static str,
        kept: &str,
        items: u64,
        days: i64,
        now: DateTime<Utc>,
    ) -> Result<Removal> {
        let column = if what == "recordings" {
            "recordings_removed_at"
        } else {
            "free_text_removed_at"
        };
        let sql = sqlx::AssertSqlSafe(format!("UPDATE sessions SET {column} = $1 WHERE id = $2"));
        on_tx!(self, |c| sqlx::query(sql)
            .bind(now)
            .bind(s.id)
            .execute(c)
            .await?
            .rows_affected());
        self.record(
            "session",
            Some(s.id),
            "retention",
            serde_json::json!({
                "removed": what,
                "items": items,
                "policy_days": days,
                "closed_at": s.closed_at,
                "why": format!("the programme keeps {what} {kept} for {days} days after a session closes"),
            }),
        )
        .await?;
        Ok(Removal {
            session_id: s.id,
            what,
            items,
            policy_days: days,
        })
    }
}
