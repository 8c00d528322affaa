//! Verifiable random sampling of calls: the answer to a panel's complaint that the force chose the
//! calls. A draw is a pure function of three things, each fixed before the next exists:
//!
//! 1. the *pool*: the eligible calls, committed by a SHA-256 digest of their canonical form;
//! 2. the *specification*: size, focus, quotas, window, handler cap, exclusions; also digested;
//! 3. the *seed*: text the panel chooses at the session, after both digests are shown.
//!
//! Every call gets a key `SHA-256(algorithm, pool digest, spec digest, seed, call reference)`; the
//! calls are taken in ascending key order, skipping any that would break a quota or the handler cap,
//! until the sample is full. Nobody can steer that order without knowing the seed, and anybody with
//! the pool file, the record and this description can recompute it. `docs/sampling.md` gives the
//! byte-exact description.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Problem;
use crate::call::{CallRef, Channel, PoolCall, Resolution};
use crate::text::{clean_text, match_key};
use crate::time::canonical_utc;

/// The name of this algorithm, hashed into every key so that a future version can never be
/// mistaken for this one.
pub const ALGORITHM: &str = "callaudit-draw-v1";
pub const DEFAULT_SIZE: u32 = 10;
pub const DEFAULT_MAX_SIZE: u32 = 50;

/// What to draw. Serialised into every draw record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawSpec {
    pub size: u32,
    /// Incident types to draw from; empty means every type.
    #[serde(default)]
    pub focus: Vec<String>,
    /// Channel → number of calls from that channel.
    #[serde(default)]
    pub quotas: BTreeMap<Channel, u32>,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub max_per_handler: Option<u32>,
    /// The zone in which `from` and `to` are calendar dates.
    pub timezone: String,
    /// Calls never eligible because they were audited already.
    #[serde(default)]
    pub exclude: Vec<CallRef>,
    /// Only calls in these areas (compared by match key); empty means every area. The filters
    /// below are left out of the record when unset, so records made before they existed read
    /// and digest exactly as they did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<String>,
    /// Only calls of these grades (compared by match key); empty means every grade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<String>,
    /// Only calls resolved in one of these ways; empty means any (or none recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolutions: Vec<Resolution>,
    /// Only calls that lasted at least this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration_s: Option<u32>,
    /// Only calls with a recording: a panel that listens has nothing to hear without one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recording_required: bool,
}

/// What a specification's eligibility rules need, worked out once for a whole pool.
struct Rules<'a> {
    spec: &'a DrawSpec,
    focus: BTreeSet<String>,
    excluded: BTreeSet<&'a str>,
    areas: BTreeSet<String>,
    grades: BTreeSet<String>,
}

impl DrawSpec {
    pub fn new(size: u32) -> Self {
        DrawSpec {
            size,
            focus: Vec::new(),
            quotas: BTreeMap::new(),
            from: None,
            to: None,
            max_per_handler: None,
            timezone: crate::time::DEFAULT_TZ.name().to_string(),
            exclude: Vec::new(),
            areas: Vec::new(),
            grades: Vec::new(),
            resolutions: Vec::new(),
            min_duration_s: None,
            recording_required: false,
        }
    }

    /// Checks the specification makes sense before any draw is made, and puts its lists into the
    /// canonical order (sorted, no repeats) so that equal specifications have equal digests.
    pub fn validate(mut self, max_size: u32) -> Result<Self, Vec<String>> {
        let mut errors = Vec::new();
        if self.size == 0 || self.size > max_size {
            errors.push(format!(
                "sample size {} is out of range; expected 1 to {max_size}",
                self.size
            ));
        }
        let quota_total: u32 = self.quotas.values().sum();
        if quota_total > self.size {
            errors.push(format!(
                "the quotas add up to {quota_total}, more than the sample size {}; lower a quota or raise --size",
                self.size
            ));
        }
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            errors.push(format!(
                "the window starts ({f}) after it ends ({t}); swap --from and --to"
            ));
        }
        if self.max_per_handler == Some(0) {
            errors
                .push("at most 0 calls per handler would draw nothing; expected 1 or more".into());
        }
        if crate::time::parse_tz(&self.timezone).is_err() {
            errors.push(format!(
                "time zone {:?} is unknown; expected an IANA name such as Europe/London",
                self.timezone
            ));
        }
        for (what, list) in [
            ("focus", &self.focus),
            ("area", &self.areas),
            ("grade", &self.grades),
        ] {
            for f in list {
                if let Err(p) = clean_text(f, 120) {
                    errors.push(format!("{what} {f:?} {p}"));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        self.exclude.sort();
        self.exclude.dedup();
        for list in [&mut self.focus, &mut self.areas, &mut self.grades] {
            *list = list
                .iter()
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
        }
        self.resolutions.sort();
        self.resolutions.dedup();
        Ok(self)
    }

    fn tz(&self) -> Tz {
        crate::time::parse_tz(&self.timezone).unwrap_or(crate::time::DEFAULT_TZ)
    }

    /// The canonical text of the specification, one `name=value` line each, lists one line per
    /// item in byte order. This text, not the JSON, is what is digested.
    pub fn canonical(&self) -> String {
        let mut s = format!("{ALGORITHM}\nsize={}\n", self.size);
        let focus: BTreeSet<String> = self.focus.iter().map(|f| match_key(f)).collect();
        for f in focus {
            s.push_str(&format!("focus={f}\n"));
        }
        let quotas: BTreeMap<&str, u32> = self.quotas.iter().map(|(c, n)| (c.code(), *n)).collect();
        for (c, n) in quotas {
            s.push_str(&format!("quota={c}:{n}\n"));
        }
        let opt = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        s.push_str(&format!("from={}\nto={}\n", opt(self.from), opt(self.to)));
        let cap = self
            .max_per_handler
            .map(|n| n.to_string())
            .unwrap_or_default();
        s.push_str(&format!(
            "max_per_handler={cap}\ntimezone={}\n",
            self.timezone
        ));
        // The filters added after the first version: a line only when set, so that every
        // earlier specification keeps its canonical text and digest.
        for (name, list) in [("area", &self.areas), ("grade", &self.grades)] {
            let keys: BTreeSet<String> = list.iter().map(|f| match_key(f)).collect();
            for k in keys {
                s.push_str(&format!("{name}={k}\n"));
            }
        }
        let resolutions: BTreeSet<&str> = self.resolutions.iter().map(|r| r.code()).collect();
        for r in resolutions {
            s.push_str(&format!("resolution={r}\n"));
        }
        if let Some(n) = self.min_duration_s {
            s.push_str(&format!("min_duration_s={n}\n"));
        }
        if self.recording_required {
            s.push_str("recording_required=yes\n");
        }
        let exclude: BTreeSet<&str> = self.exclude.iter().map(CallRef::as_str).collect();
        for e in exclude {
            s.push_str(&format!("exclude={e}\n"));
        }
        s
    }

    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }

    fn rules(&self) -> Rules<'_> {
        let keys = |list: &[String]| list.iter().map(|f| match_key(f)).collect();
        Rules {
            spec: self,
            focus: keys(&self.focus),
            excluded: self.exclude.iter().map(CallRef::as_str).collect(),
            areas: keys(&self.areas),
            grades: keys(&self.grades),
        }
    }

    /// The eligible calls of a pool, sorted by call reference (the canonical order).
    pub fn eligible<'a>(&self, pool: &'a [PoolCall]) -> Vec<&'a PoolCall> {
        let rules = self.rules();
        let mut calls: Vec<&PoolCall> = pool.iter().filter(|c| rules.admit(c)).collect();
        calls.sort_unstable_by(|a, b| {
            a.call_ref
                .as_str()
                .as_bytes()
                .cmp(b.call_ref.as_str().as_bytes())
        });
        calls
    }
}

impl Rules<'_> {
    /// Whether a call may be drawn at all under the specification.
    fn admit(&self, call: &PoolCall) -> bool {
        let spec = self.spec;
        if call.training || self.excluded.contains(call.call_ref.as_str()) {
            return false;
        }
        let within = |set: &BTreeSet<String>, value: Option<&str>| {
            set.is_empty() || value.is_some_and(|v| set.contains(&match_key(v)))
        };
        if !within(&self.focus, Some(&call.incident_type))
            || !within(&self.areas, call.area.as_deref())
            || !within(&self.grades, call.grade.as_deref())
        {
            return false;
        }
        if !spec.resolutions.is_empty()
            && !call
                .details
                .resolution
                .is_some_and(|r| spec.resolutions.contains(&r))
        {
            return false;
        }
        if spec
            .min_duration_s
            .is_some_and(|min| call.duration_s.is_none_or(|d| d < min))
        {
            return false;
        }
        if spec.recording_required && call.recording.is_none() {
            return false;
        }
        if spec.from.is_some() || spec.to.is_some() {
            let day = call.started_at.with_timezone(&spec.tz()).date_naive();
            if spec.from.is_some_and(|f| day < f) || spec.to.is_some_and(|t| day > t) {
                return false;
            }
        }
        true
    }
}

/// The digest of the eligible pool: SHA-256 over one line per call, in byte order of call
/// reference: `call_ref TAB started_at TAB channel TAB incident_type TAB handler LF`, with
/// `started_at` as `YYYY-MM-DDTHH:MM:SSZ` in UTC and an absent handler as empty text.
pub fn pool_digest(eligible: &[&PoolCall]) -> String {
    let mut h = Sha256::new();
    let mut line = String::with_capacity(128);
    for c in eligible {
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
        line.push('\n');
        h.update(line.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What is shown to the panel before the seed exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub algorithm: String,
    pub pool_digest: String,
    pub eligible_calls: usize,
    pub spec_digest: String,
    pub spec: DrawSpec,
}

/// Everything needed to check a draw again: publish it with the session report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub algorithm: String,
    pub pool_digest: String,
    pub eligible_calls: usize,
    pub spec_digest: String,
    pub spec: DrawSpec,
    pub seed: String,
    pub calls: Vec<CallRef>,
    /// Plain sentences for every quota or size that the pool could not meet.
    pub shortfalls: Vec<String>,
}

/// Fixes the pool and specification: the digests the panel sees before choosing a seed.
pub fn commit(pool: &[PoolCall], spec: &DrawSpec) -> Commitment {
    let eligible = spec.eligible(pool);
    Commitment {
        algorithm: ALGORITHM.into(),
        pool_digest: pool_digest(&eligible),
        eligible_calls: eligible.len(),
        spec_digest: spec.digest(),
        spec: spec.clone(),
    }
}

/// Says why a pool yields no eligible call, naming its commonest incident types so that a
/// mistyped focus is easy to spot.
pub fn nothing_eligible<'a>(pool: impl Iterator<Item = &'a PoolCall>) -> String {
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0;
    for call in pool {
        total += 1;
        *types.entry(call.incident_type.as_str()).or_default() += 1;
    }
    let mut common: Vec<(&str, usize)> = types.into_iter().collect();
    common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<String> = common
        .iter()
        .take(12)
        .map(|(t, n)| format!("{t} ({n})"))
        .collect();
    format!(
        "no call of the pool ({total} calls) is eligible under this specification: check the focus, the dates and any filter (area, grade, resolution, length, recording required). The pool's commonest incident types are: {}",
        if shown.is_empty() {
            "none".into()
        } else {
            shown.join(", ")
        }
    )
}

/// Checks a seed typed by the panel: any non-empty text on one line, as it is (not trimmed further).
pub fn parse_seed(s: &str) -> Result<String, Problem> {
    let t = clean_text(s, 200)?;
    if t.is_empty() {
        return Err(Problem::new(
            "is empty",
            "a seed the panel chooses, e.g. two dice rolls and a word",
        ));
    }
    Ok(t)
}

/// The key that orders a call in the draw.
pub fn draw_key(pool_digest: &str, spec_digest: &str, seed: &str, call_ref: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [ALGORITHM, pool_digest, spec_digest, seed] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    h.update(call_ref.as_bytes());
    h.finalize().into()
}

/// Makes the draw. The pool may hold ineligible calls; they are filtered here by the spec.
pub fn draw(pool: &[PoolCall], spec: &DrawSpec, seed: &str) -> DrawRecord {
    let eligible = spec.eligible(pool);
    let pool_digest = pool_digest(&eligible);
    let spec_digest = spec.digest();
    let mut keyed: Vec<([u8; 32], &PoolCall)> = eligible
        .iter()
        .map(|c| {
            (
                draw_key(&pool_digest, &spec_digest, seed, c.call_ref.as_str()),
                *c,
            )
        })
        .collect();
    // Keys are 256-bit hashes of distinct references, so ties do not occur in practice; the
    // reference breaks one anyway so that the order is total.
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.call_ref.cmp(&b.1.call_ref)));

    let quota_total: u32 = spec.quotas.values().sum();
    let open_places = spec.size - quota_total.min(spec.size);
    let mut taken_by_channel: HashMap<Channel, u32> = HashMap::new();
    let mut taken_open = 0u32;
    let mut taken_by_handler: HashMap<&str, u32> = HashMap::new();
    let mut calls = Vec::new();
    for (_, c) in &keyed {
        if calls.len() as u32 == spec.size {
            break;
        }
        if let (Some(cap), Some(h)) = (spec.max_per_handler, c.handler.as_deref())
            && taken_by_handler.get(h).copied().unwrap_or(0) >= cap
        {
            continue;
        }
        match spec.quotas.get(&c.channel) {
            Some(q) => {
                let n = taken_by_channel.entry(c.channel).or_default();
                if *n >= *q {
                    continue;
                }
                *n += 1;
            }
            None => {
                if taken_open >= open_places {
                    continue;
                }
                taken_open += 1;
            }
        }
        if let Some(h) = c.handler.as_deref() {
            *taken_by_handler.entry(h).or_default() += 1;
        }
        calls.push(c.call_ref.clone());
    }

    let mut shortfalls = Vec::new();
    for (ch, q) in &spec.quotas {
        let n = taken_by_channel.get(ch).copied().unwrap_or(0);
        if n < *q {
            shortfalls.push(format!(
                "the quota asked for {q} {ch} calls but only {n} eligible {ch} calls could be drawn"
            ));
        }
    }
    if taken_open < open_places {
        let what = if spec.quotas.is_empty() {
            "calls"
        } else {
            "calls from channels without a quota"
        };
        shortfalls.push(format!(
            "{open_places} places were open but only {taken_open} eligible {what} could be drawn"
        ));
    }

    DrawRecord {
        algorithm: ALGORITHM.into(),
        pool_digest,
        eligible_calls: eligible.len(),
        spec_digest,
        spec: spec.clone(),
        seed: seed.to_string(),
        calls,
        shortfalls,
    }
}

/// Why a record does not reproduce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the record was made with {0:?}, which this version cannot check; expected {ALGORITHM}"
    )]
    UnknownAlgorithm(String),
    #[error(
        "spec changed: the record's specification digests to {actual}, but the record says {recorded}"
    )]
    SpecChanged { recorded: String, actual: String },
    #[error(
        "pool changed: the eligible calls of this pool digest to {actual} ({actual_calls} calls), but the record says {recorded} ({recorded_calls} calls)"
    )]
    PoolChanged {
        recorded: String,
        actual: String,
        recorded_calls: usize,
        actual_calls: usize,
    },
    #[error(
        "selection differs: the record lists {recorded:?} but this pool, specification and seed draw {actual:?}"
    )]
    SelectionDiffers {
        recorded: Vec<String>,
        actual: Vec<String>,
    },
}

/// Recomputes a draw from its record and the pool, and says exactly what, if anything, differs.
pub fn verify(record: &DrawRecord, pool: &[PoolCall]) -> Result<(), VerifyError> {
    if record.algorithm != ALGORITHM {
        return Err(VerifyError::UnknownAlgorithm(record.algorithm.clone()));
    }
    let actual_spec = record.spec.digest();
    if actual_spec != record.spec_digest {
        return Err(VerifyError::SpecChanged {
            recorded: record.spec_digest.clone(),
            actual: actual_spec,
        });
    }
    let again = draw(pool, &record.spec, &record.seed);
    if again.pool_digest != record.pool_digest {
        return Err(VerifyError::PoolChanged {
            recorded: record.pool_digest.clone(),
            actual: again.pool_digest,
            recorded_calls: record.eligible_calls,
            actual_calls: again.eligible_calls,
        });
    }
    if again.calls != record.calls {
        let names = |v: &[CallRef]| v.iter().map(|c| c.as_str().to_string()).collect();
        return Err(VerifyError::SelectionDiffers {
            recorded: names(&record.calls),
            actual: names(&again.calls),
        });
    }
    Ok(())
}
