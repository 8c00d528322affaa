//! Bringing a scheme's past audits into the database: each (date, focus) becomes a closed session
//! whose calls carry the panel's outcome. Importing the same file again changes nothing; a row
//! that contradicts what is stored is a conflict, and the caller rolls back.

use std::collections::BTreeMap;

use callaudit_domain::audit::AuditedCall;
use chrono::NaiveDate;

use callaudit_domain::audit::SessionStatus;

use crate::pool::Conflict;
use crate::{Result, Tx};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditImportOutcome {
    pub sessions_added: u64,
    pub calls_added: u64,
    pub unchanged: u64,
    pub conflicts: Vec<Conflict>,
}

type StoredOutcome = (String, String, bool, String);

impl Tx {
    pub async fn import_audits(
        &mut self,
        force_id: i64,
        programme_id: i64,
        rows: &[(u64, AuditedCall)],
    ) -> Result<AuditImportOutcome> {
        let mut out = AuditImportOutcome::default();
        let mut groups: BTreeMap<(NaiveDate, String), Vec<&(u64, AuditedCall)>> = BTreeMap::new();
        for r in rows {
            groups
                .entry((r.1.audit_date, r.1.focus.clone().unwrap_or_default()))
                .or_default()
                .push(r);
        }
        for ((date, focus), calls) in groups {
            let existing: Option<i64> = on_tx!(self, |c| {
                sqlx::query_scalar(
                "SELECT id FROM sessions WHERE programme_id = $1 AND held_on = $2 AND focus = $3")
                .bind(programme_id).bind(date).bind(&focus).fetch_optional(c).await?
            });
            let session_id = match existing {
                Some(id) => id,
                None => {
                    out.sessions_added += 1;
                    self.create_session(programme_id, date, &focus, SessionStatus::Closed, "import")
                        .await?
                }
            };
            for (line, a) in calls {
                let stored: Option<(i64, Option<StoredOutcome>)> = on_tx!(self, |c| {
                    let sc: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM session_calls WHERE session_id = $1 AND call_ref = $2",
                    )
                    .bind(session_id)
                    .bind(a.call_ref.as_str())
                    .fetch_optional(&mut *c)
                    .await?;
                    match sc {
                        None => None,
                        Some(id) => {
                            let o: Option<(String, String, bool)> = sqlx::query_as(
                                "SELECT category, comments, good_practice FROM outcomes WHERE session_call_id = $1")
                                .bind(id).fetch_optional(&mut *c).await?;
                            let areas: Vec<String> = sqlx::query_scalar(
                                "SELECT area_code FROM outcome_areas WHERE session_call_id = $1 ORDER BY area_code")
                                .bind(id).fetch_all(&mut *c).await?;
                            Some((id, o.map(|(cat, com, gp)| (cat, com, gp, areas.join(";")))))
                        }
                    }
                });
                if let Some((_, stored)) = stored {
                    let mut areas = a.areas.clone();
                    areas.sort();
                    let new: StoredOutcome = (
                        a.category.code().into(),
                        a.comments.clone().unwrap_or_default(),
                        a.good_practice,
                        areas.join(";"),
                    );
                    let stored = stored.unwrap_or_default();
                    let diff = [
                        ("category", stored.0.clone(), new.0.clone()),
                        ("comments", stored.1.clone(), new.1.clone()),
                        ("good_practice", stored.2.to_string(), new.2.to_string()),
                        ("areas", stored.3.clone(), new.3.clone()),
                    ]
                    .into_iter()
                    .find(|(_, x, y)| x != y);
                    match diff {
                        None => out.unchanged += 1,
                        Some((field, stored, new)) => out.conflicts.push(Conflict {
                            line: *line,
                            call_ref: a.call_ref.to_string(),
                            field,
                            stored,
                            new,
                        }),
                    }
                    continue;
                }
                let sc_id: i64 = on_tx!(self, |c| {
                    let call_id: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM calls WHERE force_id = $1 AND call_ref = $2",
                    )
                    .bind(force_id)
                    .bind(a.call_ref.as_str())
                    .fetch_optional(&mut *c)
                    .await?;
                    let position: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM session_calls WHERE session_id = $1",
                    )
                    .bind(session_id)
                    .fetch_one(&mut *c)
                    .await?;
                    sqlx::query_scalar(
                        "INSERT INTO session_calls (session_id, position, call_ref, call_id, channel, incident_type) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                        .bind(session_id).bind(position + 1).bind(a.call_ref.as_str()).bind(call_id).bind(a.channel.code()).bind(&a.incident_type)
                        .fetch_one(&mut *c).await?
                });
                self.save_outcome(
                    sc_id,
                    &crate::sessions::Outcome {
                        category: a.category,
                        areas: a.areas.clone(),
                        comments: a.comments.clone().unwrap_or_default(),
                        learning_points: String::new(),
                        good_practice: a.good_practice,
                    },
                )
                .await?;
                out.calls_added += 1;
            }
        }
        Ok(out)
    }
}
