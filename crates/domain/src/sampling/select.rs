//! The draw in passes over a pool read in order, keeping only what the draw can still take: how a
//! store holding ten million calls commits, draws and verifies without loading them.
//!
//! The draw takes eligible calls in ascending key order. Every call counts towards one
//! *signature*: the channel quota it falls under (if any) and the strata that count it, or
//! neither (an open place). Calls of one signature can be taken only while one of its quotas (or
//! the open places) has room, and that room only ever shrinks. So a pass keeps, per signature,
//! the calls with the smallest keys, a few times as many as its room; the selection then runs on
//! those in key order. Where a signature's kept calls ran out while it still had room, calls left
//! out might have been taken, and the pass is made again with more kept; otherwise every call
//! left out would have been skipped, and the result is the one the whole pool gives. The
//! algorithm is unchanged: `docs/sampling.md` describes it, and every record made before verifies.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{ALGORITHM, DrawRecord, DrawSpec, Stratum, StratumBy};
use crate::call::{Channel, PoolCall};
use crate::text::same_key;
use crate::time::canonical_utc;

/// A call given to [`PoolDigest::add`] after one with a greater reference: the pool's reader did
/// not read in reference order, and the digest would not be the pool's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the pool was read out of order: {after:?} came after {before:?}; expected byte order of call reference"
)]
pub struct OutOfOrder {
    pub before: String,
    pub after: String,
}

/// The pool digest ([`super::pool_digest`]) built one eligible call at a time, in byte order of
/// call reference, with the count of calls it covers.
pub struct PoolDigest {
    dims: BTreeSet<StratumBy>,
    hasher: Sha256,
    line: String,
    last: String,
    count: usize,
}

impl PoolDigest {
    pub fn new(spec: &DrawSpec) -> Self {
        Self::with_dimensions(spec.stratum_dimensions())
    }

    pub(super) fn with_dimensions(dims: BTreeSet<StratumBy>) -> Self {
        PoolDigest {
            dims,
            hasher: Sha256::new(),
            line: String::with_capacity(128),
            last: String::new(),
            count: 0,
        }
    }

    /// Adds the next eligible call; refused when its reference sorts before the last one's.
    pub fn add(&mut self, c: &PoolCall) -> Result<(), OutOfOrder> {
        let r = c.call_ref.as_str();
        if self.count > 0 && r.as_bytes() < self.last.as_bytes() {
            return Err(OutOfOrder {
                before: self.last.clone(),
                after: r.to_string(),
            });
        }
        self.last.clear();
        self.last.push_str(r);
        self.add_sorted(c);
        Ok(())
    }

    /// Adds a call known to be in order (a list this module sorted itself).
    pub(super) fn add_sorted(&mut self, c: &PoolCall) {
        let line = &mut self.line;
        line.clear();
        line.push_str(c.call_ref.as_str());
        line.push('\t');
        line.push_str(&canonical_utc(&c.started_at));
        line.push('\t');
        line.push_str(c.channel.code());
        line.push('\t');
        line.push_str(&c.incident_type);
        line.push('\t');
        line.push_str(c.handler.as_deref().unwrap_or(""));
        for by in &self.dims {
            line.push('\t');
            line.push_str(match by {
                StratumBy::Area => c.area.as_deref().unwrap_or(""),
                StratumBy::Grade => c.grade.as_deref().unwrap_or(""),
                StratumBy::Satisfaction => c.details.satisfaction.map_or("", |s| s.code()),
                StratumBy::RepeatCallers => c.details.caller.as_deref().unwrap_or(""),
                // Never dimensions: see `DrawSpec::stratum_dimensions`.
                StratumBy::IncidentType | StratumBy::LogPrompts => "",
            });
        }
        line.push('\n');
        self.hasher.update(line.as_bytes());
        self.count += 1;
    }

    /// The digest in hex and the number of calls it covers.
    pub fn finish(self) -> (String, usize) {
        (hex::encode(self.hasher.finalize()), self.count)
    }
}

/// The callers who rang three or more times within 28 days (the performance report's rule), found
/// from each caller's calls given together: all of one caller's, then the next caller's.
#[derive(Default)]
pub struct RepeatCallers {
    caller: String,
    times: Vec<i64>,
    found: HashSet<String>,
}

impl RepeatCallers {
    /// Adds one call of an eligible call's caller; a caller's calls must come one after another.
    pub fn add(&mut self, caller: &str, at: DateTime<Utc>) {
        if caller != self.caller {
            self.close();
            self.caller.clear();
            self.caller.push_str(caller);
        }
        self.times.push(at.timestamp());
    }

    fn close(&mut self) {
        self.times.sort_unstable();
        if crate::performance::calls_again(&self.times, |t| *t) {
            self.found.insert(self.caller.clone());
        }
        self.times.clear();
    }

    pub fn finish(mut self) -> HashSet<String> {
        self.close();
        self.found
    }
}

/// The repeat callers among eligible calls held in memory.
pub(super) fn repeat_callers(eligible: &[&PoolCall]) -> HashSet<String> {
    let mut by_caller: Vec<(&str, DateTime<Utc>)> = eligible
        .iter()
        .filter_map(|c| Some((c.details.caller.as_deref()?, c.started_at)))
        .collect();
    by_caller.sort_unstable();
    let mut r = RepeatCallers::default();
    for (caller, at) in by_caller {
        r.add(caller, at);
    }
    r.finish()
}

/// What a call counts towards: the channel quota it falls under, and the strata that count it
/// (their places in canonical order). Neither: an open place.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Signature {
    channel: Option<Channel>,
    strata: Vec<usize>,
}

/// The rules of the selection, worked out once: the strata in canonical order with their keys,
/// and the sets they look calls up in. It owns what it reads, so that a pass can run on a thread
/// of its own beside the database.
struct Rules {
    spec: Arc<DrawSpec>,
    strata: Vec<(Stratum, String)>,
    repeat: Arc<HashSet<String>>,
    prompted: HashSet<String>,
    open_places: u32,
}

impl Rules {
    fn new(spec: Arc<DrawSpec>, repeat: Arc<HashSet<String>>) -> Self {
        // In the order of their canonical lines, whatever order a record lists them in.
        let mut strata: Vec<(Stratum, String)> =
            spec.strata.iter().map(|s| (s.clone(), s.key())).collect();
        strata.sort_by_cached_key(|(s, _)| s.canonical());
        Rules {
            strata,
            repeat,
            prompted: spec
                .log_prompted
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            open_places: spec.size - spec.reserved().min(spec.size),
            spec,
        }
    }

    fn signature(&self, c: &PoolCall) -> Signature {
        Signature {
            channel: self
                .spec
                .quotas
                .contains_key(&c.channel)
                .then_some(c.channel),
            strata: self
                .strata
                .iter()
                .enumerate()
                .filter(|(_, (st, key))| self.counts(st, key, c))
                .map(|(i, _)| i)
                .collect(),
        }
    }

    /// Whether a stratum counts a call; `key` is the stratum's own key, worked out once.
    fn counts(&self, st: &Stratum, key: &str, c: &PoolCall) -> bool {
        let same = |v: Option<&str>| v.is_some_and(|v| same_key(v, key));
        match st.by {
            StratumBy::Area => same(c.area.as_deref()),
            StratumBy::Grade => same(c.grade.as_deref()),
            StratumBy::Satisfaction => c.details.satisfaction.is_some_and(|s| s.code() == key),
            StratumBy::RepeatCallers => c
                .details
                .caller
                .as_deref()
                .is_some_and(|k| self.repeat.contains(k)),
            StratumBy::IncidentType => same_key(&c.incident_type, key),
            StratumBy::LogPrompts => self.prompted.contains(c.call_ref.as_str()),
        }
    }

    /// The most calls of a signature the draw could take: its quotas' places, or the open ones.
    fn room(&self, sig: &Signature) -> u32 {
        if sig.channel.is_none() && sig.strata.is_empty() {
            return self.open_places;
        }
        let channel = sig.channel.map_or(0, |ch| self.spec.quotas[&ch]);
        channel
            + sig
                .strata
                .iter()
                .map(|&i| self.strata[i].0.calls)
                .sum::<u32>()
    }
}

/// The selection as it goes: what is taken so far against each quota.
struct Selection<'r, 'c> {
    rules: &'r Rules,
    by_channel: HashMap<Channel, u32>,
    by_stratum: Vec<u32>,
    open: u32,
    by_handler: HashMap<&'c str, u32>,
    taken: Vec<&'c PoolCall>,
}

impl<'r, 'c> Selection<'r, 'c> {
    fn new(rules: &'r Rules) -> Self {
        Selection {
            rules,
            by_channel: HashMap::new(),
            by_stratum: vec![0; rules.strata.len()],
            open: 0,
            by_handler: HashMap::new(),
            taken: Vec::new(),
        }
    }

    fn full(&self) -> bool {
        self.taken.len() as u32 >= self.rules.spec.size
    }

    /// Whether a call of this signature could still be taken, its handler aside.
    fn has_room(&self, sig: &Signature) -> bool {
        let r = self.rules;
        if sig.channel.is_none() && sig.strata.is_empty() {
            return self.open < r.open_places;
        }
        sig.channel
            .is_some_and(|ch| self.by_channel.get(&ch).copied().unwrap_or(0) < r.spec.quotas[&ch])
            || sig
                .strata
                .iter()
                .any(|&i| self.by_stratum[i] < r.strata[i].0.calls)
    }

    /// Offers the next call in key order. It fills the first quota with room it counts towards
    /// (its channel's, then the strata in canonical order); a call some quota counts is never
    /// taken in an open place, so each quota's calls are exactly its number.
    fn offer(&mut self, c: &'c PoolCall, sig: &Signature) {
        let spec = &self.rules.spec;
        if let (Some(cap), Some(h)) = (spec.max_per_handler, c.handler.as_deref())
            && self.by_handler.get(h).copied().unwrap_or(0) >= cap
        {
            return;
        }
        if sig.channel.is_none() && sig.strata.is_empty() {
            if self.open >= self.rules.open_places {
                return;
            }
            self.open += 1;
        } else {
            let n = self.by_channel.entry(c.channel).or_default();
            if sig.channel.is_some_and(|ch| *n < spec.quotas[&ch]) {
                *n += 1;
            } else if let Some(&i) = sig
                .strata
                .iter()
                .find(|&&i| self.by_stratum[i] < self.rules.strata[i].0.calls)
            {
                self.by_stratum[i] += 1;
            } else {
                return;
            }
        }
        if let Some(h) = c.handler.as_deref() {
            *self.by_handler.entry(h).or_default() += 1;
        }
        self.taken.push(c);
    }

    /// Plain sentences for every quota or size the pool could not meet.
    fn shortfalls(&self) -> Vec<String> {
        let (spec, r) = (&self.rules.spec, self.rules);
        let mut out = Vec::new();
        for (ch, q) in &spec.quotas {
            let n = self.by_channel.get(ch).copied().unwrap_or(0);
            if n < *q {
                out.push(format!(
                    "the quota asked for {q} {ch} calls but only {n} eligible {ch} calls could be drawn"
                ));
            }
        }
        for ((st, _), n) in r.strata.iter().zip(&self.by_stratum) {
            if *n < st.calls {
                out.push(format!(
                    "the quota asked for {} but only {n} eligible ones could be drawn",
                    st.counted(st.calls)
                ));
            }
        }
        if self.open < r.open_places {
            let what = match (spec.quotas.is_empty(), spec.strata.is_empty()) {
                (true, true) => "calls",
                (false, true) => "calls from channels without a quota",
                _ => "calls that no quota counts",
            };
            out.push(format!(
                "{} places were open but only {} eligible {what} could be drawn",
                r.open_places, self.open
            ));
        }
        out
    }
}

/// A kept call with its key, ordered by key and then reference (keys are 256-bit hashes of
/// distinct references, so ties do not occur in practice; the order is total anyway).
struct Keyed {
    key: [u8; 32],
    call: PoolCall,
}

impl Keyed {
    fn cmp_parts(&self, key: &[u8; 32], call_ref: &str) -> Ordering {
        self.key
            .cmp(key)
            .then_with(|| self.call.call_ref.as_str().cmp(call_ref))
    }
}

impl PartialEq for Keyed {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Keyed {
    fn cmp(&self, o: &Self) -> Ordering {
        self.cmp_parts(&o.key, o.call.call_ref.as_str())
    }
}

/// The calls of one signature with the smallest keys, at most `keep` of them.
struct Bucket {
    keep: usize,
    heap: BinaryHeap<Keyed>,
    /// Whether some call of the signature was left out.
    cut: bool,
}

/// How many calls a pass keeps per signature: a multiple of the signature's room (counted as at
/// least 16, so that a signature with little room still keeps a few calls to skip past).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep(u64);

impl Keep {
    /// Four times the room: enough unless the handler cap skips many calls.
    pub const FIRST: Keep = Keep(4);
    /// Every call: one pass, as much memory as the eligible pool.
    pub const ALL: Keep = Keep(u64::MAX);

    /// `n` times the room.
    pub const fn times(n: u64) -> Keep {
        Keep(n)
    }

    /// The next pass's: eight times as many.
    pub fn more(self) -> Keep {
        Keep(self.0.saturating_mul(8))
    }

    fn of(self, room: u32) -> usize {
        usize::try_from(self.0.saturating_mul(u64::from(room.max(16)))).unwrap_or(usize::MAX)
    }
}

/// One pass of the draw over the eligible calls, in any order; it counts them as they come.
pub struct Drawer {
    rules: Rules,
    seed: String,
    pool_digest: String,
    spec_digest: String,
    eligible: usize,
    /// The key's hash state after everything but the call reference.
    prefix: Sha256,
    keep: Keep,
    signatures: HashMap<Signature, usize>,
    buckets: Vec<(Signature, Bucket)>,
}

/// What a pass that settled the draw found: the record and the drawn calls themselves.
pub struct Drawn {
    pub record: DrawRecord,
    pub calls: Vec<PoolCall>,
}

impl Drawer {
    /// A pass for the pool whose eligible calls digest to `pool_digest` (`eligible` of them),
    /// with the repeat callers found among them (empty when no stratum asks for them).
    pub fn new(
        spec: Arc<DrawSpec>,
        pool_digest: &str,
        seed: &str,
        repeat: Arc<HashSet<String>>,
        keep: Keep,
    ) -> Self {
        let spec_digest = spec.digest();
        let mut prefix = Sha256::new();
        for part in [ALGORITHM, pool_digest, &spec_digest, seed] {
            prefix.update(part.as_bytes());
            prefix.update(b"\n");
        }
        Drawer {
            rules: Rules::new(spec, repeat),
            seed: seed.to_string(),
            pool_digest: pool_digest.to_string(),
            spec_digest,
            eligible: 0,
            prefix,
            keep,
            signatures: HashMap::new(),
            buckets: Vec::new(),
        }
    }

    /// Offers an eligible call; it is kept (cloned) only while its key is among its signature's
    /// smallest.
    pub fn add(&mut self, c: &PoolCall) {
        self.eligible += 1;
        let sig = self.rules.signature(c);
        let i = match self.signatures.get(&sig) {
            Some(&i) => i,
            None => {
                let keep = self.keep.of(self.rules.room(&sig));
                self.signatures.insert(sig.clone(), self.buckets.len());
                let bucket = Bucket {
                    keep,
                    heap: BinaryHeap::new(),
                    cut: false,
                };
                self.buckets.push((sig, bucket));
                self.buckets.len() - 1
            }
        };
        let key: [u8; 32] = self
            .prefix
            .clone()
            .chain_update(c.call_ref.as_str().as_bytes())
            .finalize()
            .into();
        let b = &mut self.buckets[i].1;
        if b.heap.len() < b.keep {
            b.heap.push(Keyed {
                key,
                call: c.clone(),
            });
            return;
        }
        b.cut = true;
        let Some(mut largest) = b.heap.peek_mut() else {
            return;
        };
        if largest.cmp_parts(&key, c.call_ref.as_str()) == Ordering::Greater {
            *largest = Keyed {
                key,
                call: c.clone(),
            };
        }
    }

    /// The draw, or `None` when a signature's kept calls ran out while it still had room: make
    /// the pass again with [`Keep::more`].
    pub fn finish(self) -> Option<Drawn> {
        let Drawer {
            rules,
            seed,
            pool_digest,
            spec_digest,
            eligible,
            buckets,
            ..
        } = self;
        let mut kept: Vec<(Keyed, usize)> = Vec::new();
        let mut sigs = Vec::new();
        // Where a cut signature's kept calls end: past that key, its calls are missing.
        let mut cut_at: Vec<Option<[u8; 32]>> = Vec::new();
        for (i, (sig, b)) in buckets.into_iter().enumerate() {
            let last = b.heap.peek().map(|k| k.key);
            cut_at.push(if b.cut { last } else { None });
            kept.extend(b.heap.into_iter().map(|k| (k, i)));
            sigs.push(sig);
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut s = Selection::new(&rules);
        for (k, i) in &kept {
            if s.full() {
                break;
            }
            s.offer(&k.call, &sigs[*i]);
            if cut_at[*i] == Some(k.key) && !s.full() && s.has_room(&sigs[*i]) {
                return None;
            }
        }
        let shortfalls = s.shortfalls();
        let calls: Vec<PoolCall> = s.taken.iter().map(|c| (*c).clone()).collect();
        let spec = &rules.spec;
        Some(Drawn {
            record: DrawRecord {
                algorithm: ALGORITHM.into(),
                pool_digest,
                eligible_calls: eligible,
                spec_digest,
                spec: DrawSpec::clone(spec),
                seed,
                calls: calls.iter().map(|c| c.call_ref.clone()).collect(),
                shortfalls,
            },
            calls,
        })
    }
}
