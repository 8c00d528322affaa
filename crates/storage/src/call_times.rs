//! What the performance figures read of a period's calls: one small record per call, a year of a
//! busy force (a million calls) in about a second.
//!
//! On SQLite the rows are read through connections of their own on blocking threads, not through
//! the pool: the pool's driver hands every row (and every text value in it) from its worker
//! thread to the async side, which at a million rows costs several seconds in thread wake-ups and
//! allocations; read where SQLite produces them, the same rows cost little more than SQLite's own
//! scan, and the table is split between the cores. Each call is counted as it is read (a
//! [`Tally`]), so memory stays small whatever the period. An in-memory database has no file to
//! open another connection to, so it (and PostgreSQL) goes through the pool.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use callaudit_domain::call::{Channel, Resolution, Satisfaction};
use callaudit_domain::performance::{CallTimes, Tally, uk_month};
use callaudit_domain::time::uk_day_start;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::{Result, Store, StoreError, Watch};

/// The calls of a force in `[$2, $3)`, in no order: every figure groups or sorts what it needs,
/// and sorting a million rows here would cost more than all the figures. The same text runs on
/// both engines and on the direct SQLite connection.
const SQL: &str = "SELECT c.id, c.started_at, c.channel, c.answer_s, c.abandoned, c.duration_s, c.grade, c.arrived_at, c.resolution, c.caller, c.satisfaction
     FROM calls c WHERE c.force_id = $1 AND c.started_at >= $2 AND c.started_at < $3 AND c.training = $4";

/// The force's calls the scheme sampled for a panel: a few hundred, looked up by id as the calls
/// are read, rather than joined against every one of a million rows.
const SAMPLED_SQL: &str =
    "SELECT DISTINCT c.id FROM calls c JOIN session_calls sc ON sc.call_ref = c.call_ref
     JOIN sessions s ON s.id = sc.session_id JOIN programmes g ON g.id = s.programme_id
     WHERE g.force_id = $1 AND c.force_id = $1";

/// One row as read, its text borrowed from the driver.
struct Raw<'a> {
    sampled: bool,
    started_at: DateTime<Utc>,
    channel: &'a str,
    answer_s: Option<i64>,
    abandoned: Option<bool>,
    duration_s: Option<i64>,
    grade: Option<&'a str>,
    arrived_at: Option<DateTime<Utc>>,
    resolution: Option<&'a str>,
    caller: Option<&'a str>,
    satisfaction: Option<&'a str>,
}

/// Turns rows into the figures' records, sharing what repeats.
#[derive(Default)]
struct Converter {
    /// A period holds a handful of grades: each is kept once and shared by its calls.
    grades: HashMap<String, Arc<str>>,
    /// The UTC instants the last call's UK month runs between, and the month: a part's calls
    /// come nearly in time order, so the zone's rules are looked up once a month, not per call.
    month: Option<(DateTime<Utc>, DateTime<Utc>, u32)>,
}

impl Converter {
    fn month_of(&mut self, t: DateTime<Utc>) -> u32 {
        if let Some((from, to, month)) = self.month
            && from <= t
            && t < to
        {
            return month;
        }
        let month = uk_month(t);
        let first = chrono::NaiveDate::from_ymd_opt((month / 100) as i32, month % 100, 1);
        if let Some(first) = first {
            let next = first + chrono::Months::new(1);
            self.month = Some((uk_day_start(first), uk_day_start(next), month));
        }
        month
    }

    /// `None` for a row the pool could not hold (an unknown channel).
    fn convert(&mut self, r: Raw<'_>) -> Option<CallTimes> {
        use std::hash::{Hash, Hasher};
        let secs = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
        let grade = r.grade.map(|g| match self.grades.get(g) {
            Some(shared) => shared.clone(),
            None => self
                .grades
                .entry(g.to_string())
                .or_insert(Arc::from(g))
                .clone(),
        });
        // Only equality of callers matters, so a 64-bit key stands for the reference.
        let caller = r.caller.map(|c| {
            let mut h = std::hash::DefaultHasher::new();
            c.hash(&mut h);
            h.finish()
        });
        Some(CallTimes {
            channel: code_or_parse(&Channel::ALL, Channel::code, r.channel, |v| {
                Channel::parse(v).ok()
            })?,
            answer_s: secs(r.answer_s),
            abandoned: r.abandoned,
            duration_s: secs(r.duration_s),
            grade,
            arrived_at: r.arrived_at,
            resolution: r.resolution.and_then(|v| {
                code_or_parse(
                    Resolution::ALL,
                    |x| x.code(),
                    v,
                    |v| Resolution::parse_optional(v).ok().flatten(),
                )
            }),
            satisfaction: r.satisfaction.and_then(|v| {
                code_or_parse(
                    Satisfaction::ALL,
                    |x| x.code(),
                    v,
                    |v| Satisfaction::parse_optional(v).ok().flatten(),
                )
            }),
            caller,
            sampled: r.sampled,
            ..CallTimes::in_month(r.started_at, Channel::Other, self.month_of(r.started_at))
        })
    }
}

/// The value whose code is `v`, as the pool stores it; anything else read the long way. The pool
/// holds codes only, so the short way is nearly always taken, and it spares a million rows the
/// lower-casing that parsing does.
pub(crate) fn code_or_parse<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    v: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    all.iter()
        .copied()
        .find(|x| code(*x) == v)
        .or_else(|| parse(v))
}

/// Where the calls' records go: counted as they come (`Tally`) or kept (`Vec`), and how the
/// parts read side by side join up.
pub trait CallSink: Extend<CallTimes> + Default + Send + 'static {
    fn join(&mut self, other: Self);
}

impl CallSink for Vec<CallTimes> {
    fn join(&mut self, other: Self) {
        self.extend(other);
    }
}

impl CallSink for Tally {
    fn join(&mut self, other: Self) {
        self.merge(other);
    }
}

/// The most parts a SQLite read is split into: one per core, up to this.
const MOST_PARTS: usize = 4;

impl Store {
    /// What the performance figures need of each call a force received in `[from, to)`, in no
    /// particular order, given to a [`CallSink`] one by one; rows the pool could not hold (an
    /// unknown channel) are left out.
    ///
    /// On SQLite the table is read in parts by row id, one connection and thread per core, and
    /// the parts joined: each part is a scan of its own stretch of the table. The parts are read
    /// at nearly the same moment; an import committed between their starts would show in some
    /// and not others, as a report run a moment earlier or later would.
    pub async fn call_times<C: CallSink>(
        &self,
        force_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<C> {
        let sampled: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(SAMPLED_SQL)
            .bind(force_id)
            .fetch_all(p)
            .await?);
        let sampled: Arc<HashSet<i64>> = Arc::new(sampled.into_iter().map(|(id,)| id).collect());
        let Watch::Sqlite(opts) = &self.watch else {
            return self.call_times_pooled(force_id, from, to, &sampled).await;
        };
        let path: Arc<Path> = opts.get_filename().into();
        let (low, high): (Option<i64>, Option<i64>) = on_pool!(self, |p| {
            // Two lookups at the ends of the row-id tree; min and max in one SELECT would scan.
            sqlx::query_as("SELECT (SELECT min(id) FROM calls), (SELECT max(id) FROM calls)")
                .fetch_one(p)
                .await?
        });
        let (Some(low), Some(high)) = (low, high) else {
            return Ok(C::default());
        };
        let parts = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MOST_PARTS) as i64;
        let step = (high - low) / parts + 1;
        let mut readers = Vec::new();
        for i in 0..parts {
            let (path, sampled) = (path.clone(), sampled.clone());
            let ids = (low + i * step, low + (i + 1) * step);
            readers.push(tokio::task::spawn_blocking(move || {
                read_sqlite::<C>(&path, force_id, from, to, ids, &sampled)
            }));
        }
        let mut out = C::default();
        for r in readers {
            out.join(r.await.map_err(|e| StoreError::Read(e.to_string()))??);
        }
        Ok(out)
    }

    /// The same rows through the pool, streamed: only the small record is kept of each.
    async fn call_times_pooled<C: CallSink>(
        &self,
        force_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        sampled: &HashSet<i64>,
    ) -> Result<C> {
        let mut out = C::default();
        use futures_util::TryStreamExt;
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            started_at: DateTime<Utc>,
            channel: String,
            answer_s: Option<i64>,
            abandoned: Option<bool>,
            duration_s: Option<i64>,
            grade: Option<String>,
            arrived_at: Option<DateTime<Utc>>,
            resolution: Option<String>,
            caller: Option<String>,
            satisfaction: Option<String>,
        }
        let mut converter = Converter::default();
        on_pool!(self, |p| {
            let mut rows = sqlx::query_as::<_, Row>(SQL)
                .bind(force_id)
                .bind(from)
                .bind(to)
                .bind(false)
                .fetch(p);
            while let Some(r) = rows.try_next().await? {
                out.extend(converter.convert(Raw {
                    sampled: sampled.contains(&r.id),
                    started_at: r.started_at,
                    channel: &r.channel,
                    answer_s: r.answer_s,
                    abandoned: r.abandoned,
                    duration_s: r.duration_s,
                    grade: r.grade.as_deref(),
                    arrived_at: r.arrived_at,
                    resolution: r.resolution.as_deref(),
                    caller: r.caller.as_deref(),
                    satisfaction: r.satisfaction.as_deref(),
                }));
            }
        });
        Ok(out)
    }
}

/// A connection of its own to the SQLite file, for a read straight from it on a blocking thread.
pub(crate) fn open_reader(path: &Path) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    // Read-write without create: a reader of a WAL database may need to set up its shared
    // memory; it only ever runs the one SELECT.
    let db = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(read_failed)?;
    db.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(read_failed)?;
    Ok(db)
}

pub(crate) fn read_failed(e: rusqlite::Error) -> StoreError {
    StoreError::Read(e.to_string())
}

/// The values of a row read straight from the SQLite file, text borrowed from it.
pub(crate) struct Cells<'r, 's>(pub(crate) &'r rusqlite::Row<'s>);

impl<'r> Cells<'r, '_> {
    pub(crate) fn text(&self, i: usize) -> Result<Option<&'r str>> {
        self.0
            .get_ref(i)
            .map_err(read_failed)?
            .as_str_or_null()
            .map_err(|e| StoreError::Read(e.to_string()))
    }

    pub(crate) fn int(&self, i: usize) -> Result<Option<i64>> {
        self.0
            .get_ref(i)
            .map_err(read_failed)?
            .as_i64_or_null()
            .map_err(|e| StoreError::Read(e.to_string()))
    }

    /// A time as the pool's driver writes it (RFC 3339 text).
    pub(crate) fn time(&self, i: usize) -> Result<Option<DateTime<Utc>>> {
        self.text(i)?
            .map(|t| {
                DateTime::parse_from_rfc3339(t)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::Read(format!("a stored time {t:?}: {e}")))
            })
            .transpose()
    }
}

/// Reads the rows whose ids are in `[ids.0, ids.1)` straight from the SQLite file, on the calling
/// (blocking) thread.
fn read_sqlite<C: CallSink>(
    path: &Path,
    force_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    ids: (i64, i64),
    sampled: &HashSet<i64>,
) -> Result<C> {
    let mut out = C::default();
    let db = open_reader(path)?;
    let mut stmt = db
        .prepare(&format!("{SQL} AND c.id >= $5 AND c.id < $6"))
        .map_err(read_failed)?;
    // Times are compared as the text the pool's driver writes them in.
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    let mut rows = stmt
        .query(rusqlite::params![
            force_id,
            at(from),
            at(to),
            false,
            ids.0,
            ids.1
        ])
        .map_err(read_failed)?;
    let mut converter = Converter::default();
    while let Some(row) = rows.next().map_err(read_failed)? {
        let c = Cells(row);
        let started_at = c
            .time(1)?
            .ok_or_else(|| StoreError::Read("a call without its start time".into()))?;
        out.extend(converter.convert(Raw {
            sampled: c.int(0)?.is_some_and(|id| sampled.contains(&id)),
            started_at,
            channel: c.text(2)?.unwrap_or(""),
            answer_s: c.int(3)?,
            abandoned: c.int(4)?.map(|v| v != 0),
            duration_s: c.int(5)?,
            grade: c.text(6)?,
            arrived_at: c.time(7)?,
            resolution: c.text(8)?,
            caller: c.text(9)?,
            satisfaction: c.text(10)?,
        }));
    }
    Ok(out)
}
