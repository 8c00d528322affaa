//! Copies of the reads the busiest pages make, kept in memory until anything is committed.
//!
//! A copy is good only for the "generation" it was read in. The generation moves on the moment
//! this process commits a transaction (the store counts them), and within a tenth of a second of a
//! commit by any other process (the command line, a second server), which a watcher on its own
//! connection notices. A read that started before a commit is filed under the generation before
//! it, so it can never be served after the commit. Expiry of a sign-in is checked on every use.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use callaudit_storage::{Changes, Store};

use crate::error::AppError;

/// How often the watcher asks the database whether another process has committed.
pub const WATCH_EVERY: Duration = Duration::from_millis(100);

/// More entries than this in one generation and new reads are not kept: a bound on memory that a
/// stream of made-up URLs cannot push past.
const MAX_ENTRIES: usize = 20_000;

/// Of which at most this many rendered pages (about 20 KB each: 40 MB at most).
const MAX_PAGES: usize = 2_000;

/// What was read, and for which row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A browser session, by the hash of its token.
    SignIn(String),
    /// A planning session's access record (status, force, panel, facilitator).
    Access(i64),
    /// A planning session's calls with their outcomes.
    Calls(i64),
    /// The answers given to a session call.
    Answers(i64),
    /// The category and areas proposed for a session call.
    Proposals(i64),
    /// The recording of a session call, if any.
    Recording(i64),
    /// The transcript of a session call, if any.
    Transcript(i64),
    /// A programme's template.
    Template(i64),
    /// A page as rendered for one sign-in (by the hash of its token) at one address. Pages hold
    /// only what the reads above hold, so they go out of date with them.
    Page(String, String),
}

type Value = Arc<dyn Any + Send + Sync>;

/// The copies kept for one generation.
#[derive(Default)]
struct Shelf {
    generation: u64,
    map: HashMap<Key, Value>,
    pages: usize,
}

impl Shelf {
    fn lookup(&self, generation: u64, key: &Key) -> Option<Value> {
        (self.generation == generation)
            .then(|| self.map.get(key).cloned())
            .flatten()
    }

    fn keep(&mut self, generation: u64, key: Key, value: Value) {
        if self.generation < generation {
            self.map.clear();
            self.pages = 0;
            self.generation = generation;
        }
        // A read from an older generation than the shelf's is already out of date.
        let page = matches!(key, Key::Page(..));
        if self.generation != generation
            || self.map.len() >= MAX_ENTRIES
            || (page && self.pages >= MAX_PAGES)
        {
            return;
        }
        if self.map.insert(key, value).is_none() && page {
            self.pages += 1;
        }
    }

    fn len(&self, generation: u64) -> usize {
        if self.generation == generation {
            self.map.len()
        } else {
            0
        }
    }
}

#[derive(Default)]
pub struct ReadCache {
    /// Commits noticed by the watcher (made by this process or others).
    seen_elsewhere: AtomicU64,
    /// Programme changes noticed by the watcher.
    programmes_seen_elsewhere: AtomicU64,
    /// Everything but templates: out of date at every commit.
    often: Mutex<Shelf>,
    /// Templates: out of date only when a programme changes, so that a stream of answers (each a
    /// commit) does not read the template again each time.
    seldom: Mutex<Shelf>,
}

fn lock(m: &Mutex<Shelf>) -> std::sync::MutexGuard<'_, Shelf> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ReadCache {
    /// The shelf `key` belongs on, and its current generation. Both counters of a shelf only
    /// grow, so their sum grows whenever either does.
    fn shelf(&self, store: &Store, key: &Key) -> (&Mutex<Shelf>, u64) {
        if matches!(key, Key::Template(_)) {
            let g =
                store.programme_commits() + self.programmes_seen_elsewhere.load(Ordering::Acquire);
            (&self.seldom, g)
        } else {
            let g = store.commits() + self.seen_elsewhere.load(Ordering::Acquire);
            (&self.often, g)
        }
    }

    /// The value kept for `key` in the current generation, or what `load` reads (then kept).
    pub async fn get<T, F>(&self, store: &Store, key: Key, load: F) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, AppError>>,
    {
        let (shelf, generation) = self.shelf(store, &key);
        if let Some(v) = lock(shelf).lookup(generation, &key)
            && let Ok(v) = v.downcast::<T>()
        {
            return Ok(v);
        }
        let value = Arc::new(load.await?);
        lock(shelf).keep(generation, key, value.clone());
        Ok(value)
    }

    /// Moves to a new generation: everything kept so far is out of date, templates included
    /// when `programmes`.
    pub fn forget(&self, programmes: bool) {
        if programmes {
            self.programmes_seen_elsewhere
                .fetch_add(1, Ordering::AcqRel);
        }
        self.seen_elsewhere.fetch_add(1, Ordering::AcqRel);
    }

    /// How many entries the current generations hold (for tests).
    pub fn len(&self, store: &Store) -> usize {
        [Key::Access(0), Key::Template(0)]
            .iter()
            .map(|k| {
                let (shelf, generation) = self.shelf(store, k);
                lock(shelf).len(generation)
            })
            .sum()
    }
}

/// Watches the database for commits by any process and moves the cache's generation on when it
/// sees one, until the cache is dropped. If the watcher's connection fails, the cache is emptied
/// and stays in step by moving on at every tick, which is always safe.
pub fn watch(store: Store, cache: Weak<ReadCache>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    handle.spawn(async move {
        let mut watcher = match store.watcher().await {
            Ok(Some(w)) => Some(w),
            Ok(None) => return,
            Err(e) => {
                eprintln!("callaudit serve: cannot watch the database for changes by other processes ({e}); pages will read it afresh every tenth of a second");
                None
            }
        };
        if let Some(w) = watcher.as_mut() {
            let _ = w.changed().await;
        }
        // A commit made elsewhere before that first look is in its baseline and would never be
        // seen as a change: what was kept until now is forgotten once, which is always safe.
        if let Some(cache) = cache.upgrade() {
            cache.forget(true);
        }
        let mut tick = tokio::time::interval(WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(cache) = cache.upgrade() else { return };
            // A failed look counts as a change of everything, which is always safe.
            let everything = Changes {
                any: true,
                programmes: true,
            };
            let changes = match watcher.as_mut() {
                Some(w) => w.changed().await.unwrap_or(everything),
                None => everything,
            };
            if changes.any {
                cache.forget(changes.programmes);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("c.sqlite").display());
        Store::connect(&url).await.unwrap()
    }

    #[tokio::test]
    async fn a_read_is_kept_only_for_the_generation_it_was_made_in() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let cache = ReadCache::default();
        let loads = AtomicU64::new(0);
        let load = || async { Ok::<_, AppError>(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        let get = |load| cache.get(&store, Key::Access(1), load);

        assert_eq!(*get(load()).await.unwrap(), 1);
        assert_eq!(*get(load()).await.unwrap(), 1, "kept");
        assert_eq!(cache.len(&store), 1);

        store.begin("t").await.unwrap().commit().await.unwrap();
        assert_eq!(
            cache.len(&store),
            0,
            "a commit makes every copy out of date"
        );
        assert_eq!(*get(load()).await.unwrap(), 2);

        // A read during which something is committed may hold the old data: it is used once and
        // not kept.
        let straddling = async {
            let v = loads.fetch_add(1, Ordering::SeqCst) + 1;
            store.begin("t").await?.commit().await?;
            Ok::<_, AppError>(v)
        };
        let v = cache.get(&store, Key::Calls(1), straddling).await.unwrap();
        assert_eq!(*v, 3);
        let v = cache.get(&store, Key::Calls(1), load()).await.unwrap();
        assert_eq!(*v, 4, "read again after the commit");

        cache.forget(false);
        assert_eq!(*get(load()).await.unwrap(), 5, "a change seen elsewhere");

        // A template outlives commits that change no programme.
        let template = |v: u64| cache.get(&store, Key::Template(1), async move { Ok(v) });
        assert_eq!(*template(10).await.unwrap(), 10);
        store.begin("t").await.unwrap().commit().await.unwrap();
        cache.forget(false);
        assert_eq!(
            *template(11).await.unwrap(),
            10,
            "kept across other commits"
        );
        cache.forget(true);
        assert_eq!(
            *template(12).await.unwrap(),
            12,
            "a programme changed elsewhere"
        );
        let mut tx = store.begin("t").await.unwrap();
        tx.record("programme", Some(1), "test", serde_json::json!({}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(*template(13).await.unwrap(), 13, "a programme changed here");
        cache.forget(false);
        assert_eq!(cache.len(&store), 1, "only the template is still kept");

        // A failed read is not kept.
        let failing = async { Err::<u64, _>(AppError::SignIn) };
        assert!(cache.get(&store, Key::Access(2), failing).await.is_err());
        assert_eq!(cache.len(&store), 1);
    }

    #[tokio::test]
    async fn rendered_pages_are_kept_only_up_to_their_bound() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let cache = ReadCache::default();
        for i in 0..MAX_PAGES + 10 {
            let key = Key::Page("sign-in".into(), format!("/made-up/{i}"));
            cache.get(&store, key, async { Ok(i) }).await.unwrap();
        }
        assert_eq!(cache.len(&store), MAX_PAGES);
        // Other reads are still kept.
        cache
            .get(&store, Key::Access(1), async { Ok(1) })
            .await
            .unwrap();
        assert_eq!(cache.len(&store), MAX_PAGES + 1);
        // A new generation starts the count again.
        cache.forget(false);
        cache
            .get(&store, Key::Page("s".into(), "/".into()), async { Ok(0) })
            .await
            .unwrap();
        assert_eq!(cache.len(&store), 1);
    }
}
