//! Crime Data Integrity results confirmed by a second registrar (seed 002: the designated
//! decision makers check, the deputy Force Crime Registrar validates): a record counts in the
//! report only once validated, and never by the person who checked it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::{Result, Store, StoreError, Tx};

impl Tx {
    /// Confirms the result of a checked record (a session call) as validated by `person_id`.
    /// Refused when nobody has checked it yet, or when `person_id` checked it: a result is
    /// validated by a second person. Returns whether it was validated now (false: already).
    pub async fn validate_record(&mut self, session_call_id: i64, person_id: i64) -> Result<bool> {
        let checkers: Vec<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT auditor_id FROM answers WHERE session_call_id = $1"
        )
        .bind(session_call_id)
        .fetch_all(c)
        .await?);
        if checkers.is_empty() {
            return Err(StoreError::Conflict(
                "nobody has checked this record yet; it can be validated once its checks are answered".into(),
            ));
        }
        if checkers.contains(&person_id) {
            return Err(StoreError::Conflict(
                "you checked this record yourself; a result is validated by a second registrar"
                    .into(),
            ));
        }
        let now = Utc::now();
        let added = on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO validations (session_call_id, validated_by, validated_at) VALUES ($1, $2, $3)
             ON CONFLICT (session_call_id) DO NOTHING"
        )
        .bind(session_call_id)
        .bind(person_id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
        });
        if added == 0 {
            return Ok(false);
        }
        self.record(
            "record",
            Some(session_call_id),
            "validate",
            serde_json::json!({ "validated_by": person_id }),
        )
        .await?;
        Ok(true)
    }
}

impl Store {
    /// The validated records of a session: session call id → (the validator's name, when).
    pub async fn validations(
        &self,
        session_id: i64,
    ) -> Result<HashMap<i64, (String, DateTime<Utc>)>> {
        let rows: Vec<(i64, String, DateTime<Utc>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT v.session_call_id, p.display_name, v.validated_at FROM validations v
             JOIN session_calls sc ON sc.id = v.session_call_id
             JOIN people p ON p.id = v.validated_by
             WHERE sc.session_id = $1"
        )
        .bind(session_id)
        .fetch_all(p)
        .await?);
        Ok(rows.into_iter().map(|(id, n, at)| (id, (n, at))).collect())
    }

    /// Every validated record of force `force_id`, by session call id.
    pub async fn validated_records(&self, force_id: i64) -> Result<HashSet<i64>> {
        let ids: Vec<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT v.session_call_id FROM validations v
             JOIN session_calls sc ON sc.id = v.session_call_id
             JOIN sessions s ON s.id = sc.session_id
             JOIN programmes g ON g.id = s.programme_id
             WHERE g.force_id = $1"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?);
        Ok(ids.into_iter().collect())
    }
}
