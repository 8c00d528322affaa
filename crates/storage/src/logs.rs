//! Incident logs: the entries a force's control room wrote, imported from its export and read
//! back beside the call they belong to (by the call's own reference, or the incident reference
//! the pool gives the call).

use callaudit_domain::audit::UnknownCode;
use callaudit_domain::call::CallRef;
use callaudit_domain::incident::{LogEntry, LogKind, rules};
use chrono::{DateTime, Utc};

use crate::{Result, Store, StoreError, Tx};

/// What an import of log entries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogCounts {
    pub added: u64,
    /// Entries already stored (the same incident, time, kind, value and text).
    pub unchanged: u64,
}

#[derive(sqlx::FromRow)]
struct Row {
    incident_ref: String,
    call_ref: Option<String>,
    at: DateTime<Utc>,
    kind: String,
    value: String,
    text: String,
    written_by: String,
}

impl Row {
    fn entry(self) -> Result<LogEntry> {
        let undecodable =
            |what, code: &str, p| StoreError::Undecodable(UnknownCode::refused(what, code, p));
        let kind = LogKind::parse_optional(&self.kind)
            .map_err(|p| undecodable("log entry kind", &self.kind, p))?
            .ok_or_else(|| {
                undecodable(
                    "log entry kind",
                    &self.kind,
                    callaudit_domain::Problem::new("is empty", "a kind"),
                )
            })?;
        let call_ref = match self.call_ref.as_deref() {
            None => None,
            Some(r) => Some(CallRef::parse(r).map_err(|p| undecodable("call reference", r, p))?),
        };
        let some = |s: String| (!s.is_empty()).then_some(s);
        Ok(LogEntry {
            incident_ref: self.incident_ref,
            call_ref,
            at: self.at,
            kind,
            value: some(self.value),
            text: some(self.text),
            by: some(self.written_by),
        })
    }
}

/// Entries per INSERT: 7 values each, well under both engines' limit on bound values.
const LOG_BATCH_ROWS: usize = 500;

/// The values an entry binds, in the order of [`log_insert_sql`]'s columns after the force.
const LOG_BOUND: usize = 7;

/// The bulk INSERT of `rows` entries. The force id is written into the text as an integer literal
/// (the database's own number, never user input), as the pool's bulk INSERT does.
fn log_insert_sql(sqlite: bool, rows: usize, force_id: i64) -> String {
    let mut sql = String::from(
        "INSERT INTO log_entries (force_id, incident_ref, call_ref, at, kind, value, text, written_by) VALUES ",
    );
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        sql.push_str(&force_id.to_string());
        for c in 0..LOG_BOUND {
            sql.push(',');
            sql.push_str(&crate::pool::param(sqlite, r * LOG_BOUND + c + 1));
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (force_id, incident_ref, at, kind, value, text) DO NOTHING");
    sql
}

impl Tx {
    /// Stores a file's entries for force `force_id`, many to a statement; an entry already stored
    /// (or repeated in the file) is left as it is.
    pub async fn insert_log_entries(
        &mut self,
        force_id: i64,
        entries: &[(u64, LogEntry)],
    ) -> Result<LogCounts> {
        let sqlite = self.is_sqlite();
        let full = log_insert_sql(sqlite, LOG_BATCH_ROWS, force_id);
        let mut added = 0;
        for chunk in entries.chunks(LOG_BATCH_ROWS) {
            let last;
            let sql = if chunk.len() == LOG_BATCH_ROWS {
                full.as_str()
            } else {
                last = log_insert_sql(sqlite, chunk.len(), force_id);
                last.as_str()
            };
            added += on_tx!(self, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (_, e) in chunk {
                    q = q
                        .bind(&e.incident_ref)
                        .bind(e.call_ref.as_ref().map(|r| r.as_str()))
                        .bind(e.at)
                        .bind(e.kind.code())
                        .bind(e.value.as_deref().unwrap_or(""))
                        .bind(e.text.as_deref().unwrap_or(""))
                        .bind(e.by.as_deref().unwrap_or(""));
                }
                q.execute(c).await?.rows_affected()
            });
        }
        Ok(LogCounts {
            added,
            unchanged: entries.len() as u64 - added,
        })
    }
}

impl Store {
    /// The log of a call of force `force_id`, in time order: the entries of every incident the
    /// call made an entry in, or the pool links it to.
    pub async fn call_log(&self, force_id: i64, call_ref: &str) -> Result<Vec<LogEntry>> {
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(
            "SELECT incident_ref, call_ref, at, kind, value, text, written_by FROM log_entries
             WHERE force_id = $1 AND incident_ref IN (
                 SELECT incident_ref FROM log_entries WHERE force_id = $1 AND call_ref = $2
                 UNION SELECT incident_ref FROM calls
                     WHERE force_id = $1 AND call_ref = $2 AND incident_ref IS NOT NULL)
             ORDER BY incident_ref, at, id"
        )
        .bind(force_id)
        .bind(call_ref)
        .fetch_all(p)
        .await?);
        rows.into_iter().map(Row::entry).collect()
    }

    /// The other calls of force `force_id` from the same caller as call `call_ref`, with when they
    /// started and the incident each fed: (call reference, start, incident reference).
    pub async fn same_caller_calls(
        &self,
        force_id: i64,
        call_ref: &str,
    ) -> Result<Vec<(String, DateTime<Utc>, Option<String>)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT o.call_ref, o.started_at, o.incident_ref FROM calls c
             JOIN calls o ON o.force_id = c.force_id AND o.caller = c.caller AND o.id <> c.id
             WHERE c.force_id = $1 AND c.call_ref = $2 AND c.caller IS NOT NULL
             ORDER BY o.started_at"
        )
        .bind(force_id)
        .bind(call_ref)
        .fetch_all(p)
        .await?))
    }

    /// The calls of force `force_id` whose incident log trips a check under programme
    /// `programme_id`'s words (for domestic abuse, a missing person) and the force's attendance
    /// targets: what a
    /// `log-prompts` stratum counts. A call counts when an incident it wrote an entry in, or the
    /// pool links it to, trips one. Each incident's entries are checked on their own, as the
    /// scoring page checks them; the repeat-call check, which looks at the caller's other calls
    /// rather than the log, is left out.
    pub async fn log_prompted_calls(
        &self,
        force_id: i64,
        programme_id: i64,
    ) -> Result<Vec<CallRef>> {
        let targets = self.attendance_targets(force_id).await?;
        let terms = self.template(programme_id).await?.phrases;
        let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(
            "SELECT incident_ref, call_ref, at, kind, value, text, written_by FROM log_entries
             WHERE force_id = $1 ORDER BY incident_ref, at, id"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?);
        let entries = rows
            .into_iter()
            .map(Row::entry)
            .collect::<Result<Vec<LogEntry>>>()?;
        let mut tripped = std::collections::HashSet::new();
        let mut calls = std::collections::BTreeSet::new();
        for incident in entries.chunk_by(|a, b| a.incident_ref == b.incident_ref) {
            if rules::check_with(incident, &targets, &terms).is_empty() {
                continue;
            }
            tripped.insert(incident[0].incident_ref.as_str());
            calls.extend(incident.iter().filter_map(|e| e.call_ref.clone()));
        }
        let linked: Vec<(String, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT call_ref, incident_ref FROM calls WHERE force_id = $1 AND incident_ref IS NOT NULL"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?
        });
        for (call_ref, incident_ref) in linked {
            if tripped.contains(incident_ref.as_str()) {
                calls.insert(CallRef::parse(&call_ref).map_err(|p| {
                    StoreError::Undecodable(UnknownCode::refused("call reference", &call_ref, p))
                })?);
            }
        }
        Ok(calls.into_iter().collect())
    }

    /// How many incidents force `force_id`'s logs hold, and how many of them a call in the pool
    /// is linked to.
    pub async fn log_coverage(&self, force_id: i64) -> Result<(i64, i64)> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT COUNT(DISTINCT l.incident_ref),
                    COUNT(DISTINCT CASE WHEN c.id IS NOT NULL OR k.id IS NOT NULL THEN l.incident_ref END)
             FROM log_entries l
             LEFT JOIN calls c ON c.force_id = l.force_id AND c.incident_ref = l.incident_ref
             LEFT JOIN calls k ON k.force_id = l.force_id AND k.call_ref = l.call_ref
             WHERE l.force_id = $1"
        )
        .bind(force_id)
        .fetch_one(p)
        .await?
        }))
    }
}
