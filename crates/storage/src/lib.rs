//! Storage of everything callaudit keeps, on SQLite (the embedded default: one file) or PostgreSQL
//! (a force- or nation-wide server), chosen at start-up from the database URL.
//!
//! There is one implementation, written once and compiled once per backend: the `on_pool!` and
//! `on_tx!` macros expand each method body into a `match` with one arm per engine, so every query
//! runs through that engine's native sqlx driver with its own types. The SQL is written to run on
//! both (`$1` placeholders, `ON CONFLICT`, `RETURNING`); the migrations differ only in column
//! types, and a test proves both schemas have the same tables and columns.
//!
//! Reads are methods of [`Store`]. Writes are methods of [`Tx`], a transaction that records each
//! change in the append-only history with the actor who made it, and changes nothing until
//! [`Tx::commit`].

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Postgres, Sqlite, Transaction};

/// Runs `$body` with `$p` bound to the concrete pool of whichever engine the store uses.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the concrete connection of the open transaction.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub mod accountability;
pub mod accounts;
pub mod audits;
pub mod calibration;
pub mod call_times;
pub mod draws;
pub mod export;
pub mod history;
pub mod logs;
pub mod outbox;
pub mod pool;
pub mod pool_scan;
pub mod programmes;
pub mod publications;
pub mod recordings;
pub mod references;
pub mod retention;
pub mod sessions;
pub mod summary;
pub mod training;
pub mod validations;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// What a caller sees when storage fails.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no engine callaudit can use.
    #[error(
        "the database URL {0:?} is not supported; expected sqlite://FILE or postgres://HOST/DB"
    )]
    UnsupportedUrl(String),
    /// The database could not be reached or a query failed; the cause chain says why.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the database schema could not be brought up to date: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Something asked for does not exist; the text says what.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what is stored; the text says what to do.
    #[error("{0}")]
    Conflict(String),
    /// Reading straight from the SQLite file failed (the performance figures read that way).
    #[error("database error while reading the calls: {0}")]
    Read(String),
    /// A stored row holds a code its type does not know (a database changed by hand, or by a
    /// newer version): an error, never a row skipped.
    #[error("the database holds a value this version cannot read: {0}")]
    Undecodable(#[from] callaudit_domain::audit::UnknownCode),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection pool to the one database of a deployment.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Transactions committed through this store and its clones: readers that keep copies in
    /// memory compare them to know when their copies may be out of date.
    commits: Arc<Commits>,
    /// Where a [`Watcher`] connects to notice commits made by other processes.
    watch: Watch,
}

/// Commits counted, all of them and those that changed a programme (its settings or template).
#[derive(Default)]
struct Commits {
    all: AtomicU64,
    programmes: AtomicU64,
}

#[derive(Clone)]
enum Watch {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
    /// An in-memory database: no other process can reach it.
    Nothing,
}

/// How many more times a SQLite writer asks for the lock after waiting the whole busy timeout.
const BUSY_RETRIES: u64 = 3;

/// Whether SQLite answered "busy" (5) or one of its extended forms (261, 517, ...).
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .and_then(|c| c.parse::<i64>().ok())
        .is_some_and(|c| c & 0xff == 5)
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://callaudit.sqlite";

impl Store {
    /// Connects and brings the schema up to date. A SQLite file is created if it does not exist.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with_schema(url, None).await
    }

    /// Connects to PostgreSQL with a `search_path`, so that tests can each have a fresh schema.
    pub async fn connect_with_schema(url: &str, pg_schema: Option<&str>) -> Result<Store> {
        let (pool, watch) = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // WAL with NORMAL sync is durable across application crashes, and loses at most the
                // last commits on power loss; it is what makes bulk imports fast.
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // A 64 MiB page cache (the default is 2 MiB) keeps a large import's index pages in
                // memory instead of spilling them to the WAL again and again.
                .pragma("cache_size", "-65536")
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let watch = if in_memory {
                Watch::Nothing
            } else {
                Watch::Sqlite(opts_for_watch(url)?)
            };
            (Pool::Sqlite(pool), watch)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut opts = PgConnectOptions::from_str(url)?;
            if let Some(schema) = pg_schema {
                opts = opts.options([("search_path", schema)]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(opts.clone())
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            (Pool::Postgres(pool), Watch::Postgres(opts))
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let store = Store {
            pool,
            commits: Arc::default(),
            watch,
        };
        store.seal_history().await?;
        Ok(store)
    }

    /// How many transactions have been committed through this store (and its clones) since it
    /// connected. It only grows.
    pub fn commits(&self) -> u64 {
        self.commits.all.load(Ordering::Acquire)
    }

    /// How many of those changed a programme. Templates change seldom while answers change all
    /// the time, so a copy of a template can outlive every other kind of commit.
    pub fn programme_commits(&self) -> u64 {
        self.commits.programmes.load(Ordering::Acquire)
    }

    /// A separate connection that tells when anything at all has been committed to the database
    /// since it last looked, by this process or any other; `None` for an in-memory database, which
    /// no other process can change.
    pub async fn watcher(&self) -> Result<Option<Watcher>> {
        Ok(match &self.watch {
            Watch::Sqlite(o) => Some(Watcher::new(WatchConnection::Sqlite(o.connect().await?))),
            Watch::Postgres(o) => Some(Watcher::new(WatchConnection::Postgres(o.connect().await?))),
            Watch::Nothing => None,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens a transaction; every change made through it is recorded in the history as `actor`'s,
    /// in the server's own chain (see [`history`]).
    pub async fn begin(&self, actor: &str) -> Result<Tx> {
        self.begin_in(None, actor).await
    }

    /// Opens a transaction whose changes are recorded in the history chain of force `force`.
    ///
    /// On SQLite the transaction takes the write lock at once (`BEGIN IMMEDIATE`): one that read
    /// first and wrote later could not wait for another writer (SQLite answers "database is
    /// locked" at once in that case), while one that asks first waits its turn, up to the busy
    /// timeout, and is tried again a bounded number of times after that.
    pub async fn begin_in(&self, force: Option<i64>, actor: &str) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => {
                let mut tries = 0;
                loop {
                    match p.begin_with("BEGIN IMMEDIATE").await {
                        Ok(t) => break TxInner::Sqlite(t),
                        Err(e) if is_busy(&e) && tries < BUSY_RETRIES => {
                            tries += 1;
                            tokio::time::sleep(Duration::from_millis(50 * tries)).await;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            actor: actor.to_string(),
            commits: self.commits.clone(),
            changes_programmes: false,
            force,
            tip: None,
            staged: false,
            analysed: false,
        })
    }

    /// Writes a consistent copy of a SQLite database to `path` (a new file) while others go on
    /// using it. PostgreSQL has its own tools for this (`pg_dump`).
    pub async fn backup_to(&self, path: &str) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1").bind(path).execute(p).await?;
                Ok(())
            }
            Pool::Postgres(_) => Err(StoreError::Conflict(
                "a PostgreSQL database is backed up with pg_dump".into(),
            )),
        }
    }

    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }

    /// Every table of the schema with its columns (the migrations' own bookkeeping excluded).
    pub async fn table_columns(&self) -> Result<BTreeMap<String, BTreeSet<String>>> {
        let rows: Vec<(String, String)> = match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
            Pool::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns
                     WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
                )
                .fetch_all(p)
                .await?
            }
        };
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (t, c) in rows {
            out.entry(t).or_default().insert(c);
        }
        Ok(out)
    }

    /// The forces held, by code.
    pub async fn forces(&self) -> Result<Vec<Force>> {
        on_pool!(self, |p| Ok(sqlx::query_as::<_, Force>(
            "SELECT id, code, name FROM forces ORDER BY code"
        )
        .fetch_all(p)
        .await?))
    }

    /// The force to work on: the one named, or the only one there is.
    pub async fn resolve_force(&self, code: Option<&str>) -> Result<Force> {
        let forces = self.forces().await?;
        match code {
            Some(c) => forces.into_iter().find(|f| f.code == c).ok_or_else(|| {
                StoreError::NotFound(format!("there is no force {c:?}; import a pool with --force {c} to create it"))
            }),
            None => match forces.len() {
                1 => Ok(forces.into_iter().next().expect("one force")),
                0 => Err(StoreError::NotFound(
                    "the database holds no force yet; import a call pool or run `callaudit demo` first".into(),
                )),
                _ => Err(StoreError::NotFound(format!(
                    "the database holds {} forces ({}); name one with --force",
                    forces.len(),
                    forces.iter().map(|f| f.code.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            },
        }
    }

    /// The history, newest first.
    pub async fn history(&self, limit: i64) -> Result<Vec<HistoryEntry>> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, HistoryEntry>(
            "SELECT id, at, actor, entity, entity_id, action, detail FROM history ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(p)
        .await?)
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Force {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub action: String,
    pub detail: String,
}

/// The options for the watcher's own connection: the pool's file, without the pragmas that only
/// the pool's connections need (and without creating the file, which the pool has done).
fn opts_for_watch(url: &str) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .busy_timeout(Duration::from_secs(10)))
}

/// The history's name for programme changes; counting them tells another process's programme
/// changes from the rest.
pub(crate) const PROGRAMME_ENTITY: &str = "programme";

/// What a [`Watcher`] saw committed since it last looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Changes {
    /// Anything at all.
    pub any: bool,
    /// A programme's settings or template.
    pub programmes: bool,
}

enum WatchConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// A connection of its own that notices commits to the database from anywhere: SQLite's
/// `data_version` changes when another connection commits; PostgreSQL's current snapshot (oldest
/// running transaction, next transaction id, those in progress) changes when a transaction that
/// writes starts and again when it ends, so a commit is never missed even if the watcher looked
/// while it was under way. When something changed, the number of programme entries in the
/// (append-only) history says whether a programme did.
pub struct Watcher {
    conn: WatchConnection,
    last: Option<String>,
    programme_entries: Option<i64>,
}

impl Watcher {
    fn new(conn: WatchConnection) -> Watcher {
        Watcher {
            conn,
            last: None,
            programme_entries: None,
        }
    }

    /// What has been committed since the last call (the first call says nothing has).
    pub async fn changed(&mut self) -> Result<Changes> {
        let now: String = match &mut self.conn {
            WatchConnection::Sqlite(c) => sqlx::query_scalar::<_, i64>("PRAGMA data_version")
                .fetch_one(&mut *c)
                .await?
                .to_string(),
            WatchConnection::Postgres(c) => {
                sqlx::query_scalar("SELECT pg_current_snapshot()::text")
                    .fetch_one(&mut *c)
                    .await?
            }
        };
        let first = self.last.is_none();
        if self.last.as_ref() == Some(&now) {
            return Ok(Changes::default());
        }
        self.last = Some(now);
        let sql = "SELECT COUNT(*) FROM history WHERE entity = $1";
        let entries: i64 = match &mut self.conn {
            WatchConnection::Sqlite(c) => {
                sqlx::query_scalar(sql)
                    .bind(PROGRAMME_ENTITY)
                    .fetch_one(&mut *c)
                    .await?
            }
            WatchConnection::Postgres(c) => {
                sqlx::query_scalar(sql)
                    .bind(PROGRAMME_ENTITY)
                    .fetch_one(&mut *c)
                    .await?
            }
        };
        let programmes = self
            .programme_entries
            .replace(entries)
            .is_some_and(|e| e != entries);
        Ok(Changes {
            any: !first,
            programmes,
        })
    }
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A transaction: all of its writes land together at [`Tx::commit`], or none do.
pub struct Tx {
    inner: TxInner,
    actor: String,
    commits: Arc<Commits>,
    /// Whether this transaction changed a programme (every such change is recorded in the
    /// history under the entity "programme").
    changes_programmes: bool,
    /// The history chain this transaction's entries join.
    force: Option<i64>,
    /// The chain's last place (seq, hash) once known, so each entry after the first in a
    /// transaction needs no query.
    tip: Option<(i64, String)>,
    /// Whether this transaction has made its staging table for bulk pool writes on PostgreSQL.
    staged: bool,
    /// Whether this transaction has had PostgreSQL analyse the pool before looking calls up in it.
    analysed: bool,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        // Counted after the commit, so that a reader who sees the new count reads the new data.
        if self.changes_programmes {
            self.commits.programmes.fetch_add(1, Ordering::AcqRel);
        }
        self.commits.all.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.rollback().await?,
            TxInner::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Runs a statement given as a constant: for maintenance commands and for tests that prove
    /// the database itself refuses what the application never attempts.
    pub async fn execute_raw(&mut self, sql: &'static str) -> Result<u64> {
        Ok(on_tx!(self, |c| sqlx::query(sql)
            .execute(c)
            .await?
            .rows_affected()))
    }

    /// Records this transaction's later entries in force `force`'s history chain (for a
    /// transaction that learns its force as it goes, such as an import that creates it).
    pub fn join_chain(&mut self, force: Option<i64>) {
        if self.force != force {
            self.force = force;
            self.tip = None;
        }
    }

    fn is_sqlite(&self) -> bool {
        matches!(self.inner, TxInner::Sqlite(_))
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Appends to the history. Called by every write method, inside the same transaction.
    pub async fn record(
        &mut self,
        entity: &str,
        entity_id: Option<i64>,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<()> {
        // Microseconds are what both engines keep, and what the entry's hash is taken over.
        let now = chrono::Utc::now();
        let now = chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
        let actor = self.actor.clone();
        let detail = detail.to_string();
        self.changes_programmes |= entity == PROGRAMME_ENTITY;
        let (seq, prev) = match self.tip.take() {
            Some(tip) => tip,
            None => self.chain_tip(self.force).await?,
        };
        let seq = seq + 1;
        let force = self.force;
        let hash = history::entry_hash(
            &prev, force, seq, &now, &actor, entity, entity_id, action, &detail,
        );
        on_tx!(self, |c| {
            sqlx::query("INSERT INTO history (at, actor, entity, entity_id, action, detail, force_id, seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(now)
                .bind(&actor)
                .bind(entity)
                .bind(entity_id)
                .bind(action)
                .bind(&detail)
                .bind(force)
                .bind(seq)
                .bind(&prev)
                .bind(&hash)
                .execute(c)
                .await?
                .rows_affected()
        });
        self.tip = Some((seq, hash));
        Ok(())
    }

    /// The force with this code, created with `name` if it does not exist.
    pub async fn ensure_force(&mut self, code: &str, name: &str) -> Result<i64> {
        let found: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM forces WHERE code = $1"
        )
        .bind(code)
        .fetch_optional(c)
        .await?);
        if let Some(id) = found {
            return Ok(id);
        }
        let now = chrono::Utc::now();
        let id: i64 = on_tx!(self, |c| sqlx::query_scalar(
            "INSERT INTO forces (code, name, created_at) VALUES ($1, $2, $3) RETURNING id"
        )
        .bind(code)
        .bind(name)
        .bind(now)
        .fetch_one(c)
        .await?);
        self.record(
            "force",
            Some(id),
            "create",
            serde_json::json!({ "code": code, "name": name }),
        )
        .await?;
        Ok(id)
    }

    /// Adds a person. Emails are unique: adding one twice is a conflict, not a second account.
    pub async fn add_person(
        &mut self,
        force_id: Option<i64>,
        display_name: &str,
        email: &str,
        role: callaudit_domain::audit::Role,
    ) -> Result<i64> {
        let now = chrono::Utc::now();
        let taken: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM people WHERE email = $1"
        )
        .bind(email)
        .fetch_optional(c)
        .await?);
        if taken.is_some() {
            // Emails are unique across the server; the answer never says in which force.
            return Err(StoreError::Conflict(format!(
                "{email} is already in use on this server; give another address, or ask the administrator about the existing account"
            )));
        }
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO people (force_id, display_name, email, role, active, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(force_id).bind(display_name).bind(email).bind(role.code()).bind(true).bind(now).fetch_one(c).await?
        });
        self.record(
            "person",
            Some(id),
            "create",
            serde_json::json!({ "email": email, "role": role.code() }),
        )
        .await?;
        Ok(id)
    }
}
