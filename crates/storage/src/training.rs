//! Volunteers' training records (induction, confidentiality agreement, vetting) and the sessions
//! each has sat, which the coordinator keeps and the planning form checks.

use std::collections::HashMap;

use callaudit_domain::training::Training;
use chrono::{NaiveDate, Utc};

use crate::{Result, Store, Tx};

#[derive(sqlx::FromRow)]
struct Row {
    person_id: i64,
    induction_on: Option<NaiveDate>,
    agreement_on: Option<NaiveDate>,
    vetted_on: Option<NaiveDate>,
    vetting_expires_on: Option<NaiveDate>,
}

impl From<Row> for (i64, Training) {
    fn from(r: Row) -> Self {
        (
            r.person_id,
            Training {
                induction_on: r.induction_on,
                agreement_on: r.agreement_on,
                vetted_on: r.vetted_on,
                vetting_expires_on: r.vetting_expires_on,
            },
        )
    }
}

/// The sessions a volunteer has been on the panel of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sat {
    /// Closed sessions: those they sat.
    pub sat: i64,
    /// Planned or open ones still to come.
    pub to_come: i64,
    /// Calibration sessions taken: closed, or finished by them.
    pub calibrations: i64,
}

impl Store {
    /// The training records of a force's people, by person; someone with nothing recorded is
    /// missing (their record is the empty one).
    pub async fn training_records(&self, force_id: i64) -> Result<HashMap<i64, Training>> {
        let rows: Vec<Row> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT t.person_id, t.induction_on, t.agreement_on, t.vetted_on, t.vetting_expires_on
             FROM training_records t JOIN people p ON p.id = t.person_id WHERE p.force_id = $1"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?
        });
        Ok(rows.into_iter().map(<(i64, Training)>::from).collect())
    }

    /// One person's training record (the empty one when nothing is recorded).
    pub async fn training(&self, person_id: i64) -> Result<Training> {
        let row: Option<Row> = on_pool!(self, |p| sqlx::query_as(
            "SELECT person_id, induction_on, agreement_on, vetted_on, vetting_expires_on
             FROM training_records WHERE person_id = $1"
        )
        .bind(person_id)
        .fetch_optional(p)
        .await?);
        Ok(row
            .map(|r| <(i64, Training)>::from(r).1)
            .unwrap_or_default())
    }

    /// The force's volunteer auditors on the books at the end of `day`: active, and added on or
    /// before it. (An account's active flag has no dates, so someone made inactive since counts
    /// as never having been on the books.)
    pub async fn auditors_on(&self, force_id: i64, day: NaiveDate) -> Result<Vec<i64>> {
        let end = day
            .succ_opt()
            .unwrap_or(day)
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_else(Utc::now);
        Ok(on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT id FROM people WHERE force_id = $1 AND role = 'auditor' AND active AND created_at < $2 ORDER BY id"
        )
        .bind(force_id)
        .bind(end)
        .fetch_all(p)
        .await?
        }))
    }

    /// For each of a force's people who has been on a panel, the sessions sat and still to come,
    /// and the calibration sessions taken.
    pub async fn sessions_sat(&self, force_id: i64) -> Result<HashMap<i64, Sat>> {
        // One row a seat: a force has tens of volunteers and sessions, not thousands.
        let rows: Vec<(i64, String, bool, bool)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT sp.person_id, s.status, s.purpose = 'calibration', f.person_id IS NOT NULL
             FROM session_panel sp JOIN sessions s ON s.id = sp.session_id JOIN people p ON p.id = sp.person_id
             LEFT JOIN calibration_finishes f ON f.session_id = s.id AND f.person_id = sp.person_id
             WHERE p.force_id = $1"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?
        });
        let mut out: HashMap<i64, Sat> = HashMap::new();
        for (person, status, calibration, finished) in rows {
            let e = out.entry(person).or_default();
            match (calibration, status.as_str()) {
                (true, "closed") => e.calibrations += 1,
                (true, _) if finished => e.calibrations += 1,
                (true, _) => {}
                (false, "closed") => e.sat += 1,
                (false, _) => e.to_come += 1,
            }
        }
        Ok(out)
    }
}

impl Tx {
    /// Replaces a person's training record, and writes the whole new record to the history.
    pub async fn set_training(&mut self, person_id: i64, t: &Training) -> Result<()> {
        let now = Utc::now();
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO training_records (person_id, induction_on, agreement_on, vetted_on, vetting_expires_on, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (person_id) DO UPDATE SET induction_on = excluded.induction_on,
               agreement_on = excluded.agreement_on, vetted_on = excluded.vetted_on,
               vetting_expires_on = excluded.vetting_expires_on, updated_at = excluded.updated_at"
        )
        .bind(person_id)
        .bind(t.induction_on)
        .bind(t.agreement_on)
        .bind(t.vetted_on)
        .bind(t.vetting_expires_on)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
        });
        self.record(
            "training",
            Some(person_id),
            "save",
            serde_json::json!({
                "induction_on": t.induction_on,
                "agreement_on": t.agreement_on,
                "vetted_on": t.vetted_on,
                "vetting_expires_on": t.vetting_expires_on,
            }),
        )
        .await
    }
}
