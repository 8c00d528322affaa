//! The call pool in the database: the all-or-nothing import (in batches, inside one transaction)
//! and reading the pool back for sampling.

use std::collections::HashMap;
use std::sync::Arc;

use callaudit_domain::call::{CallDetails, CallRef, Channel, PoolCall, Resolution, Satisfaction};
use callaudit_domain::completeness::Tracker;
use callaudit_domain::performance::{Targets, default_targets};
use chrono::{DateTime, Utc};

use crate::{Result, Store, Tx};

/// Rows per INSERT: 17 parameters a row stays well inside both engines' parameter limits, and
/// larger batches stop paying off.
pub const BATCH_ROWS: usize = 250;

const CALL_COLUMNS: &str = "force_id, import_id, call_ref, started_at, channel, incident_type, handler, answer_s, duration_s, abandoned, grade, area, training, recording, arrived_at, resolution, caller, incident_ref, satisfaction";
/// Bound values a row: every column but the two ids, which are the same for the whole import.
const BOUND: usize = 17;

/// A pool call as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct CallRow {
    call_ref: String,
    started_at: DateTime<Utc>,
    channel: String,
    incident_type: String,
    handler: Option<String>,
    answer_s: Option<i64>,
    duration_s: Option<i64>,
    abandoned: Option<bool>,
    grade: Option<String>,
    area: Option<String>,
    training: bool,
    recording: Option<String>,
    arrived_at: Option<DateTime<Utc>>,
    resolution: Option<String>,
    caller: Option<String>,
    incident_ref: Option<String>,
    satisfaction: Option<String>,
}

impl CallRow {
    fn into_call(self) -> Option<PoolCall> {
        Some(PoolCall {
            call_ref: CallRef::parse(&self.call_ref).ok()?,
            started_at: self.started_at,
            channel: Channel::parse(&self.channel).ok()?,
            incident_type: self.incident_type,
            handler: self.handler,
            answer_s: self.answer_s.and_then(|n| u32::try_from(n).ok()),
            duration_s: self.duration_s.and_then(|n| u32::try_from(n).ok()),
            abandoned: self.abandoned,
            grade: self.grade,
            area: self.area,
            training: self.training,
            recording: self.recording,
            // A word this version does not know reads as not given, as an unknown channel
            // leaves the call out, rather than failing the whole pool.
            details: CallDetails {
                arrived_at: self.arrived_at,
                resolution: self
                    .resolution
                    .and_then(|r| Resolution::parse_optional(&r).ok().flatten()),
                caller: self.caller,
                incident_ref: self.incident_ref,
                satisfaction: self
                    .satisfaction
                    .and_then(|r| Satisfaction::parse_optional(&r).ok().flatten()),
            },
        })
    }
}

const SELECT_CALLS: &str = "SELECT call_ref, started_at, channel, incident_type, handler, answer_s, duration_s, abandoned, grade, area, training, recording, arrived_at, resolution, caller, incident_ref, satisfaction FROM calls";

/// A call of the file that is already in the pool with other details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub line: u64,
    pub call_ref: String,
    /// The first field that differs, with the stored and the new value.
    pub field: &'static str,
    pub stored: String,
    pub new: String,
}

/// Said as every reader problem is: where, what was found, what was expected.
impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {:?} differs from the call {} already in the pool ({:?}); expected the same details, or a new call reference",
            self.line, self.field, self.new, self.call_ref, self.stored
        )
    }
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub added: u64,
    /// Calls already in the pool to which the file added details they lacked.
    pub filled: u64,
    pub unchanged: u64,
    pub conflicts: Vec<Conflict>,
}

/// What an import did to its file's rows: read, added as new calls, filled in (details added to
/// calls already held), and found already there unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub read: u64,
    pub added: u64,
    pub filled: u64,
    pub unchanged: u64,
}

impl ImportCounts {
    /// What the import did, as a person reads it: `3 added, 1 unchanged`, and the calls filled in
    /// when there were any.
    pub fn summary(&self) -> String {
        let mut s = format!("{} added, {} unchanged", self.added, self.unchanged);
        if self.filled > 0 {
            s.push_str(&format!(
                ", {} already held given details they lacked",
                self.filled
            ));
        }
        s
    }
}

/// What a new file says of a call already in the pool.
#[derive(Debug, PartialEq, Eq)]
enum Comparison {
    Same,
    /// Only details the stored call lacked: these, to be filled in.
    Fills(CallDetails),
    /// The first field that differs, with the stored and the new value.
    Differs(&'static str, String, String),
}

/// Compares a stored call with the same call in a new file. The draw's fields must match exactly;
/// a detail the stored call lacks may be added, and one the file leaves empty is kept.
fn compare(a: &PoolCall, b: &PoolCall) -> Comparison {
    if let Some((field, x, y)) = first_difference(a, b) {
        return Comparison::Differs(field, x, y);
    }
    let (old, new) = (&a.details, &b.details);
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let word = |w: Option<&'static str>| w.unwrap_or_default().to_string();
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let fields: [(&'static str, String, String); 5] = [
        ("arrived_at", time(old.arrived_at), time(new.arrived_at)),
        (
            "resolution",
            word(old.resolution.map(Resolution::code)),
            word(new.resolution.map(Resolution::code)),
        ),
        ("caller", opt(&old.caller), opt(&new.caller)),
        (
            "incident_ref",
            opt(&old.incident_ref),
            opt(&new.incident_ref),
        ),
        (
            "satisfaction",
            word(old.satisfaction.map(Satisfaction::code)),
            word(new.satisfaction.map(Satisfaction::code)),
        ),
    ];
    if let Some((field, x, y)) = fields
        .into_iter()
        .find(|(_, x, y)| !x.is_empty() && !y.is_empty() && x != y)
    {
        return Comparison::Differs(field, x, y);
    }
    let fills = CallDetails {
        arrived_at: old.arrived_at.or(new.arrived_at),
        resolution: old.resolution.or(new.resolution),
        caller: old.caller.clone().or_else(|| new.caller.clone()),
        incident_ref: old
            .incident_ref
            .clone()
            .or_else(|| new.incident_ref.clone()),
        satisfaction: old.satisfaction.or(new.satisfaction),
    };
    if &fills == old {
        Comparison::Same
    } else {
        Comparison::Fills(fills)
    }
}

/// The first of the draw's fields in which a stored call differs from the same call in a new file.
fn first_difference(a: &PoolCall, b: &PoolCall) -> Option<(&'static str, String, String)> {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let num = |o: Option<u32>| o.map(|n| n.to_string()).unwrap_or_default();
    let flag = |o: Option<bool>| o.map(|n| n.to_string()).unwrap_or_default();
    let fields: [(&'static str, String, String); 11] = [
        (
            "started_at",
            a.started_at.to_rfc3339(),
            b.started_at.to_rfc3339(),
        ),
        ("channel", a.channel.to_string(), b.channel.to_string()),
        (
            "incident_type",
            a.incident_type.clone(),
            b.incident_type.clone(),
        ),
        ("handler", opt(&a.handler), opt(&b.handler)),
        ("answer_s", num(a.answer_s), num(b.answer_s)),
        ("duration_s", num(a.duration_s), num(b.duration_s)),
        ("abandoned", flag(a.abandoned), flag(b.abandoned)),
        ("grade", opt(&a.grade), opt(&b.grade)),
        ("area", opt(&a.area), opt(&b.area)),
        ("training", a.training.to_string(), b.training.to_string()),
        ("recording", opt(&a.recording), opt(&b.recording)),
    ];
    fields.into_iter().find(|(_, x, y)| x != y)
}

/// The `n`th (1-based) bind parameter. SQLite finds a *named* parameter such as `$7` by a linear
/// scan, which makes binding the thousands of parameters of a bulk insert quadratic (it was 93% of
/// import time); its anonymous `?` costs nothing. PostgreSQL only has `$n`.
pub(crate) fn param(sqlite: bool, n: usize) -> String {
    if sqlite { "?".into() } else { format!("${n}") }
}

/// The bulk INSERT on SQLite (PostgreSQL copies: see `Tx::copy_calls`). The force and import ids
/// are written into the text as integer literals (they are the database's own numbers, never user
/// input): binding them would add two values to every row for nothing.
fn insert_sql(rows: usize, force_id: i64, import_id: i64) -> String {
    let mut sql = format!("INSERT INTO calls ({CALL_COLUMNS}) VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({force_id},{import_id}"));
        // SQLite's anonymous parameters: see `param`.
        sql.push_str(&",?".repeat(BOUND));
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT (force_id, call_ref) DO NOTHING");
    sql
}

impl Tx {
    /// Starts the record of an import; its digest and counts are filled in by
    /// [`Tx::finish_import`], once the file has been read.
    pub async fn begin_import(
        &mut self,
        force_id: i64,
        kind: &str,
        file_name: &str,
    ) -> Result<i64> {
        let now = Utc::now();
        let actor = self.actor.clone();
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO imports (force_id, kind, file_name, file_sha256, imported_by, imported_at) VALUES ($1, $2, $3, '', $4, $5) RETURNING id")
            .bind(force_id).bind(kind).bind(file_name).bind(&actor).bind(now).fetch_one(c).await?
        });
        Ok(id)
    }

    /// Completes the record of an import with the file's digest and the counts.
    pub async fn finish_import(
        &mut self,
        import_id: i64,
        file_sha256: &str,
        counts: ImportCounts,
    ) -> Result<()> {
        let ImportCounts {
            read,
            added,
            filled,
            unchanged,
        } = counts;
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        on_tx!(self, |c| {
            sqlx::query("UPDATE imports SET rows_read = $1, rows_added = $2, rows_unchanged = $3, rows_filled = $4, file_sha256 = $5 WHERE id = $6")
            .bind(n(read)).bind(n(added)).bind(n(unchanged)).bind(n(filled)).bind(file_sha256).bind(import_id).execute(c).await?.rows_affected()
        });
        let kind: String = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT kind FROM imports WHERE id = $1"
        )
        .bind(import_id)
        .fetch_one(c)
        .await?);
        self.record(
            "import",
            Some(import_id),
            "create",
            serde_json::json!({ "kind": kind, "file_sha256": file_sha256, "rows_read": read, "rows_added": added, "rows_filled": filled, "rows_unchanged": unchanged }),
        )
        .await
    }

    /// Imports a pool held in memory (the demo's, a test's) as one import, its lines numbered as
    /// in a file with a header row. With conflicts the import is left unfinished for the caller
    /// to roll back.
    pub async fn import_pool(
        &mut self,
        force_id: i64,
        name: &str,
        file_sha256: &str,
        calls: &[PoolCall],
    ) -> Result<BatchOutcome> {
        let import = self.begin_import(force_id, "calls", name).await?;
        let batch: Vec<(u64, PoolCall)> = (2..).zip(calls.iter().cloned()).collect();
        let o = self.insert_calls(force_id, import, &batch).await?;
        if o.conflicts.is_empty() {
            self.finish_import(
                import,
                file_sha256,
                ImportCounts {
                    read: calls.len() as u64,
                    added: o.added,
                    filled: o.filled,
                    unchanged: o.unchanged,
                },
            )
            .await?;
        }
        Ok(o)
    }

    /// Inserts a batch of calls (each with its line in the file). Calls already in the pool with
    /// the same details count as unchanged; with other details they are conflicts, and the caller
    /// must roll back.
    pub async fn insert_calls(
        &mut self,
        force_id: i64,
        import_id: i64,
        batch: &[(u64, PoolCall)],
    ) -> Result<BatchOutcome> {
        if !self.is_sqlite() {
            return self.copy_calls(force_id, import_id, batch).await;
        }
        let mut outcome = BatchOutcome::default();
        let full: Arc<str> = insert_sql(BATCH_ROWS, force_id, import_id).into();
        let last: Arc<str> = insert_sql(batch.len() % BATCH_ROWS, force_id, import_id).into();
        let affected: Vec<u64> = on_tx!(self, |c| {
            let build = |chunk: &[(u64, PoolCall)]| {
                let sql = if chunk.len() == BATCH_ROWS {
                    full.clone()
                } else {
                    last.clone()
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for (_, call) in chunk {
                    q = q
                        .bind(call.call_ref.as_str())
                        .bind(call.started_at)
                        .bind(call.channel.code())
                        .bind(&call.incident_type)
                        .bind(&call.handler)
                        .bind(call.answer_s.map(i64::from))
                        .bind(call.duration_s.map(i64::from))
                        .bind(call.abandoned)
                        .bind(&call.grade)
                        .bind(&call.area)
                        .bind(call.training)
                        .bind(&call.recording)
                        .bind(call.details.arrived_at)
                        .bind(call.details.resolution.map(Resolution::code))
                        .bind(&call.details.caller)
                        .bind(&call.details.incident_ref)
                        .bind(call.details.satisfaction.map(Satisfaction::code));
                }
                q
            };
            // Binding encodes every value; doing it for the next chunk while the database runs
            // the current one keeps both cores busy.
            let mut chunks = batch.chunks(BATCH_ROWS);
            let mut counts = Vec::new();
            let mut next = chunks.next().map(build);
            while let Some(q) = next.take() {
                let (done, built) =
                    tokio::join!(q.execute(&mut *c), async { chunks.next().map(build) });
                counts.push(done?.rows_affected());
                next = built;
            }
            counts
        });
        for (chunk, affected) in batch.chunks(BATCH_ROWS).zip(affected) {
            outcome.added += affected;
            if affected as usize == chunk.len() {
                continue;
            }
            // Some calls were there before this import: compare them with the file.
            self.compare_with_held(force_id, import_id, chunk, &mut outcome)
                .await?;
        }
        Ok(outcome)
    }

    /// Compares the calls of `chunk` (at most [`BATCH_ROWS`]) that the pool held before this
    /// import with the file's: the same, details to fill in (filled here), or a conflict.
    async fn compare_with_held(
        &mut self,
        force_id: i64,
        import_id: i64,
        chunk: &[(u64, PoolCall)],
        outcome: &mut BatchOutcome,
    ) -> Result<()> {
        let existing: Vec<CallRow> = match &mut self.inner {
            crate::TxInner::Sqlite(c) => {
                let mut sql = format!(
                    "{SELECT_CALLS} WHERE force_id = $1 AND (import_id IS NULL OR import_id <> $2) AND call_ref IN ("
                );
                for i in 0..chunk.len() {
                    sql.push_str(if i == 0 { "" } else { "," });
                    sql.push_str(&format!("${}", i + 3));
                }
                sql.push(')');
                let mut q = sqlx::query_as::<_, CallRow>(sqlx::AssertSqlSafe(sql))
                    .bind(force_id)
                    .bind(import_id);
                for (_, call) in chunk {
                    q = q.bind(call.call_ref.as_str());
                }
                q.fetch_all(&mut **c).await?
            }
            // One lookup per reference on the whole unique key, the references bound as one
            // array (a statement of 250 parameters would be planned anew for every batch). The
            // pool is analysed before the first comparison (see `copy_calls`): without
            // statistics the planner scanned every call of the force for each batch instead.
            crate::TxInner::Postgres(c) => {
                let refs: Vec<&str> = chunk.iter().map(|(_, c)| c.call_ref.as_str()).collect();
                let columns = SELECT_CALLS.trim_end_matches(" FROM calls");
                let sql = format!(
                    "SELECT c.* FROM unnest($3::text[]) AS r(call_ref)
                     JOIN LATERAL ({columns}, import_id FROM calls WHERE force_id = $1 AND call_ref = r.call_ref COLLATE \"C\") c ON true
                     WHERE c.import_id IS NULL OR c.import_id <> $2"
                );
                sqlx::query_as::<_, CallRow>(sqlx::AssertSqlSafe(sql))
                    .bind(force_id)
                    .bind(import_id)
                    .bind(refs)
                    .fetch_all(&mut **c)
                    .await?
            }
        };
        let by_ref: HashMap<String, CallRow> = existing
            .into_iter()
            .map(|r| (r.call_ref.clone(), r))
            .collect();
        let mut fills = Vec::new();
        for (line, call) in chunk {
            let Some(row) = by_ref.get(call.call_ref.as_str()) else {
                continue;
            };
            let Some(stored) = row.clone().into_call() else {
                continue;
            };
            match compare(&stored, call) {
                Comparison::Same => outcome.unchanged += 1,
                Comparison::Fills(details) => {
                    fills.push((call.call_ref.as_str(), details));
                }
                Comparison::Differs(field, stored, new) => outcome.conflicts.push(Conflict {
                    line: *line,
                    call_ref: call.call_ref.to_string(),
                    field,
                    stored,
                    new,
                }),
            }
        }
        outcome.filled += fills.len() as u64;
        for (call_ref, d) in fills {
            on_tx!(self, |c| {
                sqlx::query(
                "UPDATE calls SET arrived_at = $1, resolution = $2, caller = $3, incident_ref = $4, satisfaction = $5 WHERE force_id = $6 AND call_ref = $7")
                .bind(d.arrived_at)
                .bind(d.resolution.map(Resolution::code))
                .bind(&d.caller)
                .bind(&d.incident_ref)
                .bind(d.satisfaction.map(Satisfaction::code))
                .bind(force_id)
                .bind(call_ref)
                .execute(c).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// [`Tx::insert_calls`] on PostgreSQL: the batch goes by one `COPY … FROM STDIN` (the
    /// server's own bulk path) into a staging table private to this transaction, and from there
    /// into the pool with `ON CONFLICT DO NOTHING`, which names the calls it added; the others were
    /// held already and are compared as on SQLite. Every lookup goes through the unique index
    /// (asking first which references were held was planned, after a few batches, as a scan of
    /// the whole table for each batch).
    async fn copy_calls(
        &mut self,
        force_id: i64,
        import_id: i64,
        batch: &[(u64, PoolCall)],
    ) -> Result<BatchOutcome> {
        let mut outcome = BatchOutcome::default();
        let staged = std::mem::replace(&mut self.staged, true);
        let crate::TxInner::Postgres(t) = &mut self.inner else {
            unreachable!("copy_calls is called on PostgreSQL only");
        };
        if !staged {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE TEMP TABLE calls_in ON COMMIT DROP AS SELECT {CALL_COLUMNS} FROM calls WITH NO DATA"
            )))
            .execute(&mut **t)
            .await?;
        } else {
            sqlx::query("TRUNCATE calls_in").execute(&mut **t).await?;
        }
        let mut data = Vec::with_capacity(batch.len() * 192);
        for (_, call) in batch {
            copy_row(&mut data, force_id, import_id, call);
        }
        let mut copy = t
            .copy_in_raw(&format!("COPY calls_in ({CALL_COLUMNS}) FROM STDIN"))
            .await?;
        if let Err(e) = copy.send(data).await {
            // The server must be told the copy is over before the connection is used again.
            let _ = copy.abort(e.to_string()).await;
            return Err(e.into());
        }
        copy.finish().await?;
        let added: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "INSERT INTO calls ({CALL_COLUMNS}) SELECT {CALL_COLUMNS} FROM calls_in
             ON CONFLICT (force_id, call_ref) DO NOTHING RETURNING call_ref"
        )))
        .fetch_all(&mut **t)
        .await?;
        outcome.added = added.len() as u64;
        if added.len() < batch.len() {
            if !std::mem::replace(&mut self.analysed, true) {
                // The held calls are looked up by reference; without statistics (a pool imported
                // moments ago and not yet analysed) the planner scans every call of the force
                // instead, for every batch.
                on_tx!(self, |c| sqlx::query("ANALYZE calls")
                    .execute(c)
                    .await?
                    .rows_affected());
            }
            let added: std::collections::HashSet<&str> = added.iter().map(String::as_str).collect();
            let held: Vec<(u64, PoolCall)> = batch
                .iter()
                .filter(|(_, c)| !added.contains(c.call_ref.as_str()))
                .cloned()
                .collect();
            for chunk in held.chunks(BATCH_ROWS) {
                self.compare_with_held(force_id, import_id, chunk, &mut outcome)
                    .await?;
            }
        }
        Ok(outcome)
    }
}

/// One call as a line of `COPY`'s text format, in [`CALL_COLUMNS`] order: tab between values,
/// `\N` for none, and a backslash before any backslash, tab or line break in a value (the
/// readers refuse control characters in the pool's text, but a backslash is allowed).
fn copy_row(out: &mut Vec<u8>, force_id: i64, import_id: i64, c: &PoolCall) {
    use std::io::Write;
    fn text(out: &mut Vec<u8>, v: Option<&str>) {
        out.push(b'\t');
        let Some(v) = v else {
            out.extend_from_slice(b"\\N");
            return;
        };
        for b in v.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b => out.push(b),
            }
        }
    }
    fn num(out: &mut Vec<u8>, v: Option<u32>) {
        out.push(b'\t');
        match v {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => out.extend_from_slice(b"\\N"),
        }
    }
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    let flag = |b: Option<bool>| b.map(|b| if b { "t" } else { "f" });
    let _ = write!(out, "{force_id}\t{import_id}");
    let d = &c.details;
    text(out, Some(c.call_ref.as_str()));
    text(out, time(Some(c.started_at)).as_deref());
    text(out, Some(c.channel.code()));
    text(out, Some(&c.incident_type));
    text(out, c.handler.as_deref());
    num(out, c.answer_s);
    num(out, c.duration_s);
    text(out, flag(c.abandoned));
    text(out, c.grade.as_deref());
    text(out, c.area.as_deref());
    text(out, flag(Some(c.training)));
    text(out, c.recording.as_deref());
    text(out, time(d.arrived_at).as_deref());
    text(out, d.resolution.map(Resolution::code));
    text(out, d.caller.as_deref());
    text(out, d.incident_ref.as_deref());
    text(out, d.satisfaction.map(Satisfaction::code));
    out.push(b'\n');
}

impl Store {
    /// What the force's export may be missing from `from` to `to` (UK days, both included):
    /// days far under their weekday's usual count, days under the force's own totals, and gaps
    /// in references issued in sequence. Read before a panel trusts a draw from that window.
    pub async fn completeness(
        &self,
        force_id: i64,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<callaudit_domain::completeness::Gap>> {
        self.gaps(force_id, Tracker::new(Some(from), Some(to)))
            .await
    }

    /// The gaps a [`Tracker`] finds in one pass over the force's pool, beside the force's totals.
    pub(crate) async fn gaps(
        &self,
        force_id: i64,
        tracker: Tracker,
    ) -> Result<Vec<callaudit_domain::completeness::Gap>> {
        struct Tracking(Tracker);
        impl crate::pool_scan::Visit for Tracking {
            fn visit(&mut self, call: &PoolCall) -> Result<()> {
                self.0.add(call.call_ref.as_str(), call.started_at);
                Ok(())
            }
        }
        let Tracking(tracker) = self
            .scan_pool(
                force_id,
                crate::pool_scan::ScanOrder::Reference,
                Tracking(tracker),
            )
            .await?;
        self.gaps_of(force_id, tracker).await
    }

    /// The gaps a [`Tracker`] fed elsewhere has found, beside the force's own totals.
    pub(crate) async fn gaps_of(
        &self,
        force_id: i64,
        tracker: Tracker,
    ) -> Result<Vec<callaudit_domain::completeness::Gap>> {
        let published: Vec<(chrono::NaiveDate, u64)> = self
            .published_totals(force_id)
            .await?
            .into_iter()
            .map(|(d, n)| (d, u64::try_from(n).unwrap_or(0)))
            .collect();
        Ok(tracker.gaps(&published))
    }

    /// The force's own daily totals, in date order.
    pub async fn published_totals(&self, force_id: i64) -> Result<Vec<(chrono::NaiveDate, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT day, calls FROM published_totals WHERE force_id = $1 ORDER BY day"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?))
    }

    /// [`Store::completeness`] over a draw's window: its dates, or up to the newest call and
    /// six weeks back where it leaves them open (a year at most).
    pub async fn completeness_of(
        &self,
        force_id: i64,
        spec: &callaudit_domain::sampling::DrawSpec,
    ) -> Result<Vec<callaudit_domain::completeness::Gap>> {
        self.gaps(force_id, Tracker::new(spec.from, spec.to)).await
    }

    /// Whether any call of the force's pool has a recording: a scheme that listens in this
    /// program then draws only calls it can hear.
    pub async fn pool_has_recordings(&self, force_id: i64) -> Result<bool> {
        let found: Option<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT id FROM calls WHERE force_id = $1 AND recording IS NOT NULL LIMIT 1"
        )
        .bind(force_id)
        .fetch_optional(p)
        .await?);
        Ok(found.is_some())
    }

    /// When the newest call of a force's pool started, if it has any.
    pub async fn latest_call(&self, force_id: i64) -> Result<Option<DateTime<Utc>>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT started_at FROM calls WHERE force_id = $1 ORDER BY started_at DESC LIMIT 1"
        )
        .bind(force_id)
        .fetch_optional(p)
        .await?))
    }

    /// The whole pool of a force.
    pub async fn pool(&self, force_id: i64) -> Result<Vec<PoolCall>> {
        let sql = format!("{SELECT_CALLS} WHERE force_id = $1");
        let rows: Vec<CallRow> =
            on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(force_id)
                .fetch_all(p)
                .await?);
        Ok(rows.into_iter().filter_map(CallRow::into_call).collect())
    }

    /// References of every call already audited in a session of this programme: a call heard in
    /// a call audit may still be dip-sampled for Crime Data Integrity, but not twice for either.
    pub async fn audited_refs_in(&self, programme_id: i64) -> Result<Vec<CallRef>> {
        let refs: Vec<String> = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT DISTINCT sc.call_ref FROM session_calls sc JOIN sessions s ON s.id = sc.session_id WHERE s.programme_id = $1")
            .bind(programme_id).fetch_all(p).await?
        });
        Ok(refs.iter().filter_map(|r| CallRef::parse(r).ok()).collect())
    }

    /// References of every call of the force already audited in some session.
    pub async fn audited_refs(&self, force_id: i64) -> Result<Vec<CallRef>> {
        let refs: Vec<String> = on_pool!(self, |p| {
            sqlx::query_scalar(
            "SELECT DISTINCT sc.call_ref FROM session_calls sc JOIN sessions s ON s.id = sc.session_id
             JOIN programmes g ON g.id = s.programme_id WHERE g.force_id = $1")
            .bind(force_id).fetch_all(p).await?
        });
        Ok(refs.iter().filter_map(|r| CallRef::parse(r).ok()).collect())
    }

    pub async fn count_calls(&self, force_id: i64) -> Result<i64> {
        on_pool!(self, |p| Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM calls WHERE force_id = $1"
        )
        .bind(force_id)
        .fetch_one(p)
        .await?))
    }
}

impl Store {
    /// The force's attendance targets, or the defaults while it has set none.
    pub async fn attendance_targets(&self, force_id: i64) -> Result<Targets> {
        let rows: Vec<(String, i64)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT grade, minutes FROM attendance_targets WHERE force_id = $1"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?);
        if rows.is_empty() {
            return Ok(default_targets());
        }
        Ok(rows
            .into_iter()
            .filter_map(|(g, m)| Some((g, u32::try_from(m).ok()?)))
            .collect())
    }
}

impl Tx {
    /// Replaces the force's attendance targets.
    pub async fn set_attendance_targets(&mut self, force_id: i64, targets: &Targets) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM attendance_targets WHERE force_id = $1"
        )
        .bind(force_id)
        .execute(c)
        .await?
        .rows_affected());
        for (grade, minutes) in targets {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO attendance_targets (force_id, grade, minutes) VALUES ($1, $2, $3)"
            )
            .bind(force_id)
            .bind(grade)
            .bind(i64::from(*minutes))
            .execute(c)
            .await?
            .rows_affected());
        }
        self.record(
            "force",
            Some(force_id),
            "attendance-targets",
            serde_json::json!({ "targets": targets }),
        )
        .await
    }
}

impl Tx {
    /// Enters the force's own totals for some days, replacing any given before for those days.
    pub async fn set_published_totals(
        &mut self,
        force_id: i64,
        totals: &[(chrono::NaiveDate, u64)],
    ) -> Result<()> {
        for (day, calls) in totals {
            let calls = i64::try_from(*calls).unwrap_or(i64::MAX);
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO published_totals (force_id, day, calls) VALUES ($1, $2, $3)
                 ON CONFLICT (force_id, day) DO UPDATE SET calls = excluded.calls"
            )
            .bind(force_id)
            .bind(day)
            .bind(calls)
            .execute(c)
            .await?
            .rows_affected());
        }
        let days: Vec<String> = totals.iter().map(|(d, n)| format!("{d}={n}")).collect();
        self.record(
            "force",
            Some(force_id),
            "published-totals",
            serde_json::json!({ "totals": days }),
        )
        .await
    }
}
