//! A force's pool read one call at a time in the order a draw needs it, never held whole: how
//! the commitment, the draw and its check run on ten million calls in bounded memory.
//!
//! Each row is read into one [`PoolCall`] that is reused (its text buffers refilled), and handed
//! to a [`Visit`]. On a SQLite file the rows are read straight from the file on a blocking thread,
//! as the performance figures are (see `call_times.rs`); on PostgreSQL they stream through the
//! pool with their text borrowed from the driver. An in-memory SQLite database (tests) is small
//! and read whole.

use std::path::Path;
use std::sync::Arc;

use callaudit_domain::call::{CallRef, Channel, PoolCall, Resolution, Satisfaction};
use chrono::{DateTime, Utc};

use crate::call_times::{Cells, code_or_parse, open_reader, read_failed};
use crate::{Pool, Result, Store, StoreError, Watch};

/// The columns of a call, in the order [`Borrowed`] reads them.
const COLUMNS: &str = "call_ref, started_at, channel, incident_type, handler, answer_s, duration_s, abandoned, grade, area, training, recording, arrived_at, resolution, caller, incident_ref, satisfaction";

/// The order a scan gives calls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrder {
    /// Byte order of call reference: the pool digest's. On PostgreSQL the column's collation is
    /// "C" (migration 0015), so the unique index gives that order.
    Reference,
    /// The calls that have a caller, one caller's after another: what finding repeat callers
    /// needs. Their order within a caller is not given.
    Caller,
}

impl ScanOrder {
    fn sql(self) -> String {
        match self {
            ScanOrder::Reference => {
                format!("SELECT {COLUMNS} FROM calls WHERE force_id = $1 ORDER BY call_ref")
            }
            ScanOrder::Caller => format!(
                "SELECT {COLUMNS} FROM calls WHERE force_id = $1 AND caller IS NOT NULL ORDER BY caller"
            ),
        }
    }
}

/// What a scan hands each call to. It owns its state, so that it can run on the reading thread.
pub trait Visit: Send + 'static {
    fn visit(&mut self, call: &PoolCall) -> Result<()>;
}

/// One row as read, its text borrowed from the driver.
struct Borrowed<'a> {
    call_ref: &'a str,
    started_at: DateTime<Utc>,
    channel: &'a str,
    incident_type: &'a str,
    handler: Option<&'a str>,
    answer_s: Option<i64>,
    duration_s: Option<i64>,
    abandoned: Option<bool>,
    grade: Option<&'a str>,
    area: Option<&'a str>,
    training: bool,
    recording: Option<&'a str>,
    arrived_at: Option<DateTime<Utc>>,
    resolution: Option<&'a str>,
    caller: Option<&'a str>,
    incident_ref: Option<&'a str>,
    satisfaction: Option<&'a str>,
}

fn set(dst: &mut String, v: &str) {
    dst.clear();
    dst.push_str(v);
}

fn set_opt(dst: &mut Option<String>, v: Option<&str>) {
    match v {
        Some(v) => set(dst.get_or_insert_with(String::new), v),
        None => *dst = None,
    }
}

/// A call to be filled again and again.
fn blank() -> PoolCall {
    PoolCall::new(
        CallRef::parse("-").expect("a plain reference"),
        DateTime::<Utc>::UNIX_EPOCH,
        Channel::Other,
        String::new(),
    )
}

/// Fills `call` from a row; `false` for a row the pool could not hold (a reference or channel
/// this version cannot read), which is passed over as [`Store::pool`] passes over it.
fn fill(call: &mut PoolCall, r: Borrowed<'_>) -> bool {
    let secs = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    if call.call_ref.assign(r.call_ref).is_err() {
        return false;
    }
    let Some(channel) = code_or_parse(&Channel::ALL, Channel::code, r.channel, |v| {
        Channel::parse(v).ok()
    }) else {
        return false;
    };
    call.started_at = r.started_at;
    call.channel = channel;
    set(&mut call.incident_type, r.incident_type);
    set_opt(&mut call.handler, r.handler);
    call.answer_s = secs(r.answer_s);
    call.duration_s = secs(r.duration_s);
    call.abandoned = r.abandoned;
    set_opt(&mut call.grade, r.grade);
    set_opt(&mut call.area, r.area);
    call.training = r.training;
    set_opt(&mut call.recording, r.recording);
    let d = &mut call.details;
    d.arrived_at = r.arrived_at;
    // A word this version does not know reads as not given, as in `Store::pool`.
    d.resolution = r.resolution.and_then(|v| {
        code_or_parse(
            Resolution::ALL,
            |x| x.code(),
            v,
            |v| Resolution::parse_optional(v).ok().flatten(),
        )
    });
    set_opt(&mut d.caller, r.caller);
    set_opt(&mut d.incident_ref, r.incident_ref);
    d.satisfaction = r.satisfaction.and_then(|v| {
        code_or_parse(
            Satisfaction::ALL,
            |x| x.code(),
            v,
            |v| Satisfaction::parse_optional(v).ok().flatten(),
        )
    });
    true
}

impl Store {
    /// Hands every call of the force's pool to `visit`, in `order`, and gives `visit` back.
    pub async fn scan_pool<V: Visit>(
        &self,
        force_id: i64,
        order: ScanOrder,
        visit: V,
    ) -> Result<V> {
        match (&self.watch, &self.pool) {
            (Watch::Sqlite(opts), _) => {
                let path: Arc<Path> = opts.get_filename().into();
                tokio::task::spawn_blocking(move || scan_sqlite(&path, force_id, order, visit))
                    .await
                    .map_err(|e| StoreError::Read(e.to_string()))?
            }
            (_, Pool::Postgres(p)) => scan_postgres(p, force_id, order, visit).await,
            (_, Pool::Sqlite(_)) => {
                let mut pool = self.pool(force_id).await?;
                match order {
                    ScanOrder::Reference => {
                        pool.sort_unstable_by(|a, b| a.call_ref.as_str().cmp(b.call_ref.as_str()))
                    }
                    ScanOrder::Caller => {
                        pool.retain(|c| c.details.caller.is_some());
                        pool.sort_by(|a, b| a.details.caller.cmp(&b.details.caller));
                    }
                }
                let mut visit = visit;
                for c in &pool {
                    visit.visit(c)?;
                }
                Ok(visit)
            }
        }
    }
}

async fn scan_postgres<V: Visit>(
    p: &sqlx::PgPool,
    force_id: i64,
    order: ScanOrder,
    mut visit: V,
) -> Result<V> {
    use futures_util::TryStreamExt;
    use sqlx::Row;
    let sql = order.sql();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(force_id)
        .fetch(p);
    let mut call = blank();
    while let Some(row) = rows.try_next().await? {
        let r = Borrowed {
            call_ref: row.try_get(0)?,
            started_at: row.try_get(1)?,
            channel: row.try_get(2)?,
            incident_type: row.try_get(3)?,
            handler: row.try_get(4)?,
            answer_s: row.try_get(5)?,
            duration_s: row.try_get(6)?,
            abandoned: row.try_get(7)?,
            grade: row.try_get(8)?,
            area: row.try_get(9)?,
            training: row.try_get(10)?,
            recording: row.try_get(11)?,
            arrived_at: row.try_get(12)?,
            resolution: row.try_get(13)?,
            caller: row.try_get(14)?,
            incident_ref: row.try_get(15)?,
            satisfaction: row.try_get(16)?,
        };
        if fill(&mut call, r) {
            visit.visit(&call)?;
        }
    }
    Ok(visit)
}

/// Reads the force's calls straight from the SQLite file, on the calling (blocking) thread.
fn scan_sqlite<V: Visit>(path: &Path, force_id: i64, order: ScanOrder, mut visit: V) -> Result<V> {
    let db = open_reader(path)?;
    let mut stmt = db.prepare(&order.sql()).map_err(read_failed)?;
    let mut rows = stmt.query([force_id]).map_err(read_failed)?;
    let mut call = blank();
    while let Some(row) = rows.next().map_err(read_failed)? {
        let c = Cells(row);
        let missing = |what: &str| StoreError::Read(format!("a call without its {what}"));
        let r = Borrowed {
            call_ref: c.text(0)?.ok_or_else(|| missing("reference"))?,
            started_at: c.time(1)?.ok_or_else(|| missing("start time"))?,
            channel: c.text(2)?.unwrap_or(""),
            incident_type: c.text(3)?.unwrap_or(""),
            handler: c.text(4)?,
            answer_s: c.int(5)?,
            duration_s: c.int(6)?,
            abandoned: c.int(7)?.map(|v| v != 0),
            grade: c.text(8)?,
            area: c.text(9)?,
            training: c.int(10)?.is_some_and(|v| v != 0),
            recording: c.text(11)?,
            arrived_at: c.time(12)?,
            resolution: c.text(13)?,
            caller: c.text(14)?,
            incident_ref: c.text(15)?,
            satisfaction: c.text(16)?,
        };
        if fill(&mut call, r) {
            visit.visit(&call)?;
        }
    }
    Ok(visit)
}
