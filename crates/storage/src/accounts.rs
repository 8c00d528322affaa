//! People and how they sign in: accounts, password hashes (computed by the caller; storage never
//! sees a password), the web application's sessions, and the count of sign-in attempts.

use callaudit_domain::audit::Role;
use chrono::{DateTime, Utc};

use crate::{Result, Store, StoreError, Tx};

/// Someone with a login or a seat on a panel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub force_id: Option<i64>,
    pub display_name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub active: bool,
}

/// A live browser session: who is signed in, the session's CSRF token, and when it ends.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub person: Person,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

pub(crate) const PERSON: &str =
    "SELECT id, force_id, display_name, email, role, active FROM people";

impl Store {
    /// The person with this email (compared without regard to case) and their password hash.
    pub async fn login_candidate(&self, email: &str) -> Result<Option<(Person, Option<String>)>> {
        let sql = sqlx::AssertSqlSafe(format!("{PERSON} WHERE lower(email) = lower($1)"));
        let person: Option<Person> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(email)
            .fetch_optional(p)
            .await?);
        let Some(person) = person else {
            return Ok(None);
        };
        let hash: Option<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT password_hash FROM people WHERE id = $1"
        )
        .bind(person.id)
        .fetch_one(p)
        .await?);
        Ok(Some((person, hash)))
    }

    pub async fn person(&self, id: i64) -> Result<Person> {
        let sql = sqlx::AssertSqlSafe(format!("{PERSON} WHERE id = $1"));
        let person: Option<Person> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(p)
            .await?);
        person.ok_or_else(|| StoreError::NotFound(format!("there is no person {id}")))
    }

    /// The people of one force, by role then name; with no force, everyone on the server.
    pub async fn people(&self, force_id: Option<i64>) -> Result<Vec<Person>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{PERSON} WHERE $1 IS NULL OR force_id = $1 ORDER BY role, display_name"
        ));
        Ok(on_pool!(self, |p| sqlx::query_as(sql)
            .bind(force_id)
            .fetch_all(p)
            .await?))
    }

    /// The person signed in with this session token hash, with the session's CSRF token and
    /// expiry, if the session exists, has not expired, and the person is still active.
    pub async fn web_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<WebSession>> {
        type Row = (
            i64,
            Option<i64>,
            String,
            String,
            String,
            bool,
            String,
            DateTime<Utc>,
        );
        let row: Option<Row> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT p.id, p.force_id, p.display_name, p.email, p.role, p.active, w.csrf, w.expires_at
             FROM web_sessions w JOIN people p ON p.id = w.person_id WHERE w.token_hash = $1")
            .bind(token_hash).fetch_optional(p).await?
        });
        let Some((id, force_id, display_name, email, role, active, csrf, expires_at)) = row else {
            return Ok(None);
        };
        let role = Role::try_from(role)?;
        Ok((active && expires_at > now).then_some(WebSession {
            person: Person {
                id,
                force_id,
                display_name,
                email,
                role,
                active,
            },
            csrf,
            expires_at,
        }))
    }
}

impl Tx {
    /// Stores a new password hash for a person. The history records that it changed, never the hash.
    pub async fn set_password_hash(&mut self, person_id: i64, hash: &str) -> Result<()> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE people SET password_hash = $1 WHERE id = $2"
        )
        .bind(hash)
        .bind(person_id)
        .execute(c)
        .await?
        .rows_affected());
        if n != 1 {
            return Err(StoreError::NotFound(format!(
                "there is no person {person_id}"
            )));
        }
        // A new password ends every session signed in with the old one.
        self.end_web_sessions_of(person_id).await?;
        self.record("person", Some(person_id), "password", serde_json::json!({}))
            .await
    }

    pub async fn set_role(
        &mut self,
        person_id: i64,
        role: callaudit_domain::audit::Role,
    ) -> Result<()> {
        let n = on_tx!(self, |c| sqlx::query(
            "UPDATE people SET role = $1 WHERE id = $2"
        )
        .bind(role.code())
        .bind(person_id)
        .execute(c)
        .await?
        .rows_affected());
        if n != 1 {
            return Err(StoreError::NotFound(format!(
                "there is no person {person_id}"
            )));
        }
        // The sessions signed in under the old role would keep its rights until they expired.
        self.end_web_sessions_of(person_id).await?;
        self.record(
            "person",
            Some(person_id),
            "role",
            serde_json::json!({ "role": role.code() }),
        )
        .await
    }

    /// Signs a person out everywhere.
    async fn end_web_sessions_of(&mut self, person_id: i64) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM web_sessions WHERE person_id = $1"
        )
        .bind(person_id)
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Starts a signed-in session, and drops the person's sessions that have expired.
    pub async fn start_web_session(
        &mut self,
        token_hash: &str,
        person_id: i64,
        csrf: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM web_sessions WHERE person_id = $1 AND expires_at < $2")
                .bind(person_id)
                .bind(now)
                .execute(&mut *c)
                .await?;
            sqlx::query("INSERT INTO web_sessions (token_hash, person_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash).bind(person_id).bind(csrf).bind(now).bind(expires_at).execute(c).await?.rows_affected()
        });
        self.record("person", Some(person_id), "sign-in", serde_json::json!({}))
            .await
    }

    /// Ends a signed-in session (signing out).
    pub async fn end_web_session(&mut self, token_hash: &str, person_id: i64) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM web_sessions WHERE token_hash = $1"
        )
        .bind(token_hash)
        .execute(c)
        .await?
        .rows_affected());
        self.record("person", Some(person_id), "sign-out", serde_json::json!({}))
            .await
    }
}

impl Store {
    /// Everyone of a force (or of no force) with the given role, by name.
    pub async fn people_with_role(&self, force_id: i64, role: &str) -> Result<Vec<Person>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{PERSON} WHERE role = $1 AND active = $2 AND (force_id = $3 OR force_id IS NULL) ORDER BY display_name"
        ));
        Ok(on_pool!(self, |p| sqlx::query_as(sql)
            .bind(role)
            .bind(true)
            .bind(force_id)
            .fetch_all(p)
            .await?))
    }
}

/// The most sign-in keys kept at once; beyond it the oldest windows are forgotten first, so a
/// flood of made-up emails cannot grow the table without bound.
const MAX_SIGN_IN_KEYS: i64 = 100_000;

impl Store {
    /// Counts a sign-in attempt for `key` (the caller hashes the email) in the window of `window`
    /// seconds that began at its first attempt, before any password is checked, and returns the
    /// attempts in that window and when it began (Unix seconds). Windows that have ended are
    /// removed as it goes.
    pub async fn count_sign_in_attempt(
        &self,
        key: &str,
        now: i64,
        window: i64,
    ) -> Result<(i64, i64)> {
        let expired = now - window;
        let row: (i64, i64) = on_pool!(self, |p| {
            sqlx::query("DELETE FROM sign_in_attempts WHERE window_start < $1")
                .bind(expired)
                .execute(p)
                .await?;
            let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_attempts")
                .fetch_one(p)
                .await?;
            if kept >= MAX_SIGN_IN_KEYS {
                sqlx::query("DELETE FROM sign_in_attempts WHERE key IN (SELECT key FROM sign_in_attempts ORDER BY window_start LIMIT $1)")
                    .bind(kept - MAX_SIGN_IN_KEYS + 1).execute(p).await?;
            }
            sqlx::query_as(
                "INSERT INTO sign_in_attempts (key, window_start, attempts) VALUES ($1, $2, 1)
                 ON CONFLICT (key) DO UPDATE SET
                   attempts = CASE WHEN sign_in_attempts.window_start < $3 THEN 1 ELSE sign_in_attempts.attempts + 1 END,
                   window_start = CASE WHEN sign_in_attempts.window_start < $3 THEN $2 ELSE sign_in_attempts.window_start END
                 RETURNING attempts, window_start")
                .bind(key).bind(now).bind(expired).fetch_one(p).await?
        });
        Ok(row)
    }

    /// Forgets the attempts for `key`, after a successful sign-in.
    pub async fn clear_sign_in_attempts(&self, key: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "DELETE FROM sign_in_attempts WHERE key = $1"
        )
        .bind(key)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }
}
