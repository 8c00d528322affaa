//! The mail outbox: notices queued once per person and key, sent by the server's mailer, retried
//! with a growing delay when the mail server fails, and kept as failed (never dropped) for the
//! administrator once the attempts run out. Also the facts notices are made from: who sits on
//! which panel, and who facilitates.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{Result, Store, StoreError, Tx};

/// How many times a message is tried before it is kept as failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// Minutes a server holds a message it is sending, so that two servers never send it both.
pub const CLAIM_MINUTES: i64 = 5;

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Mail {
    pub id: i64,
    pub person_id: i64,
    pub email: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// A message as the administrator sees it: to whom, about what, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MailRow {
    pub id: i64,
    pub person: String,
    pub email: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A session as notices need it: when, where it stands, who facilitates, who sits on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPeople {
    pub session_id: i64,
    pub held_on: NaiveDate,
    pub status: String,
    pub facilitator_id: Option<i64>,
    pub panel: Vec<i64>,
}

/// A session and one person on its panel (none for a session with no panel yet).
type PanelSeat = (i64, NaiveDate, String, Option<i64>, Option<i64>);

/// The delay before attempt `attempts + 1`: a minute, doubling, at most six hours.
pub fn retry_delay(attempts: i64) -> chrono::Duration {
    let minutes = 1i64 << attempts.clamp(0, 9);
    chrono::Duration::minutes(minutes.min(360))
}

impl Tx {
    /// Queues a message for a notice; `false` when that notice was already queued for the person.
    pub async fn queue_mail(
        &mut self,
        person_id: i64,
        key: &str,
        email: &str,
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO outbox (person_id, notice_key, email, subject, body, created_at, status, attempts, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6) ON CONFLICT (person_id, notice_key) DO NOTHING")
            .bind(person_id).bind(key).bind(email).bind(subject).bind(body).bind(now)
            .execute(c).await?.rows_affected()
        });
        Ok(n == 1)
    }

    /// Takes a due message for sending: `false` when another server took it first. The claim
    /// lasts [`CLAIM_MINUTES`]; a server that stops mid-send leaves it to be sent again then.
    pub async fn claim_mail(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let until = now + chrono::Duration::minutes(CLAIM_MINUTES);
        let n = on_tx!(self, |c| {
            sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at <= $3")
            .bind(until).bind(id).bind(now).execute(c).await?.rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn mail_sent(&mut self, id: i64, now: DateTime<Utc>) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2")
            .bind(now).bind(id).execute(c).await?.rows_affected()
        });
        Ok(())
    }

    /// Records a failed attempt: tried again after [`retry_delay`], or kept as failed after
    /// [`MAX_ATTEMPTS`].
    pub async fn mail_failed(&mut self, m: &Mail, error: &str, now: DateTime<Utc>) -> Result<()> {
        let attempts = m.attempts + 1;
        let status = if attempts >= MAX_ATTEMPTS {
            "failed"
        } else {
            "pending"
        };
        let next = now + retry_delay(attempts - 1);
        on_tx!(self, |c| {
            sqlx::query(
            "UPDATE outbox SET status = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5")
            .bind(status).bind(attempts).bind(error).bind(next).bind(m.id).execute(c).await?.rows_affected()
        });
        Ok(())
    }

    /// The administrator sends a message again now (a failed one gets its attempts back).
    pub async fn retry_mail(&mut self, id: i64, force_id: Option<i64>) -> Result<()> {
        let now = Utc::now();
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1
             WHERE id = $2 AND status <> 'sent'
               AND ($3 IS NULL OR person_id IN (SELECT id FROM people WHERE force_id = $3))"
        )
        .bind(now)
        .bind(id)
        .bind(force_id)
        .execute(c)
        .await?
        .rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "there is no unsent message {id}"
            )));
        }
        self.record("mail", Some(id), "retry", serde_json::json!({}))
            .await
    }
}

impl Store {
    /// Messages due to be sent at `now`, oldest first.
    pub async fn due_mail(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<Mail>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, person_id, email, subject, body, attempts FROM outbox
             WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        )
        .bind(now)
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    /// The messages to people of a force (all forces with `None`), those with a problem first:
    /// failed, then pending after a failed attempt, then the rest, newest first.
    pub async fn outbox(&self, force_id: Option<i64>, limit: i64) -> Result<Vec<MailRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT o.id, p.display_name AS person, o.email, o.subject, o.status, o.attempts, o.created_at,
                    o.next_attempt_at, o.last_error, o.sent_at
             FROM outbox o JOIN people p ON p.id = o.person_id
             WHERE ($1 IS NULL OR p.force_id = $1)
             ORDER BY CASE WHEN o.status = 'failed' THEN 0 WHEN o.last_error IS NOT NULL AND o.status = 'pending' THEN 1 ELSE 2 END,
                      o.id DESC
             LIMIT $2")
            .bind(force_id).bind(limit).fetch_all(p).await?
        }))
    }

    /// A force's sessions with their facilitator and panel, for notices.
    pub async fn session_people(&self, force_id: i64) -> Result<Vec<SessionPeople>> {
        let rows: Vec<PanelSeat> = on_pool!(self, |p| sqlx::query_as(
            "SELECT s.id, s.held_on, s.status, s.facilitator_id, sp.person_id
             FROM sessions s JOIN programmes g ON g.id = s.programme_id
             LEFT JOIN session_panel sp ON sp.session_id = s.id
             WHERE g.force_id = $1 ORDER BY s.id, sp.person_id"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?);
        let mut out: Vec<SessionPeople> = Vec::new();
        for (id, held_on, status, facilitator_id, person) in rows {
            if out.last().is_none_or(|s| s.session_id != id) {
                out.push(SessionPeople {
                    session_id: id,
                    held_on,
                    status,
                    facilitator_id,
                    panel: Vec::new(),
                });
            }
            if let (Some(s), Some(p)) = (out.last_mut(), person) {
                s.panel.push(p);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_a_minute_to_six_hours() {
        let m = |a| retry_delay(a).num_minutes();
        assert_eq!((m(0), m(1), m(2), m(5)), (1, 2, 4, 32));
        assert_eq!((m(9), m(30)), (360, 360));
    }
}
