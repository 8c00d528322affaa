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

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Problem;
use crate::call::{CallRef, Channel, PoolCall, Resolution, Satisfaction};
use crate::text::{clean_text, match_key, same_key};

mod select;
pub use select::{Drawer, Drawn, Keep, OutOfOrder, PoolDigest, RepeatCallers};

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
    /// The calls whose incident log tripped a check when the pool was committed, for a
    /// `log-prompts` stratum. The store works it out from the logs, as it works out
    /// [`DrawSpec::exclude`]; being part of the specification, it is digested with it, so that
    /// the draw stays a function of the pool, the specification and the seed, and anyone can
    /// check it from the pool file alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_prompted: Vec<CallRef>,
    /// Only calls resolved in one of these ways; empty means any (or none recorded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolutions: Vec<Resolution>,
    /// Only calls that lasted at least this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_duration_s: Option<u32>,
    /// Only calls with a recording: a panel that listens has nothing to hear without one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recording_required: bool,
    /// Quotas on what a call says besides its channel: a grade, an area, the caller's
    /// satisfaction, or calls from repeat callers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strata: Vec<Stratum>,
}

/// One thing wrong with a draw specification: the part of it at fault and why, in words that
/// name no command-line flag, so the command line and the browser each point at their own field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    pub part: SpecPart,
    pub message: String,
}

impl std::fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Problems of a specification as one text, `sep` between them.
pub fn problems_text(problems: &[SpecProblem], sep: &str) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(sep)
}

/// The part of a draw specification a [`SpecProblem`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecPart {
    /// The sample size, or the quotas' total against it.
    Size,
    /// The first and last dates.
    Window,
    MaxPerHandler,
    Timezone,
    Focus,
    Areas,
    Grades,
    /// A quota by area, grade, satisfaction or repeat callers.
    Stratum(StratumBy),
}

/// What a stratum counts calls by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StratumBy {
    Area,
    Grade,
    Satisfaction,
    /// Calls from callers who rang three or more times within 28 days, among the eligible calls.
    RepeatCallers,
    /// Calls of one incident type: seed 002's dip samples of "15 records of each incident type".
    #[serde(rename = "type")]
    IncidentType,
    /// Calls whose incident log tripped a check ([`crate::incident::rules`]): the specification's
    /// [`DrawSpec::log_prompted`] list, fixed when the pool is committed.
    LogPrompts,
}

impl StratumBy {
    pub const ALL: [StratumBy; 6] = [
        StratumBy::Area,
        StratumBy::Grade,
        StratumBy::Satisfaction,
        StratumBy::RepeatCallers,
        StratumBy::IncidentType,
        StratumBy::LogPrompts,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StratumBy::Area => "area",
            StratumBy::Grade => "grade",
            StratumBy::Satisfaction => "satisfaction",
            StratumBy::RepeatCallers => "repeat-callers",
            StratumBy::IncidentType => "type",
            StratumBy::LogPrompts => "log-prompts",
        }
    }

    /// Whether a quota of this kind counts calls with a value of their own (`area:North`) or,
    /// as for repeat callers and logs that tripped a check, takes none.
    pub fn takes_value(self) -> bool {
        !matches!(self, StratumBy::RepeatCallers | StratumBy::LogPrompts)
    }

    pub fn parse(s: &str) -> Option<Self> {
        let key = match_key(s);
        Self::ALL.into_iter().find(|b| match_key(b.code()) == key)
    }
}

/// A quota of calls sharing one value of `by` (for repeat callers, no value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stratum {
    pub by: StratumBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub calls: u32,
}

impl Stratum {
    /// The value compared with a call's: a match key for area and grade, the canonical code for
    /// satisfaction, empty for repeat callers.
    fn key(&self) -> String {
        let v = self.value.as_deref().unwrap_or("");
        match self.by {
            StratumBy::Area | StratumBy::Grade | StratumBy::IncidentType => match_key(v),
            StratumBy::Satisfaction => Satisfaction::parse_optional(v)
                .ok()
                .flatten()
                .map(|s| s.code().to_string())
                .unwrap_or_default(),
            StratumBy::RepeatCallers | StratumBy::LogPrompts => String::new(),
        }
    }

    /// The line of the canonical text: `stratum=BY:KEY:N`, or `stratum=BY:N` for a quota that
    /// takes no value (`stratum=repeat-callers:N`).
    fn canonical(&self) -> String {
        if self.by.takes_value() {
            format!("stratum={}:{}:{}", self.by.code(), self.key(), self.calls)
        } else {
            format!("stratum={}:{}", self.by.code(), self.calls)
        }
    }

    /// `n` of this stratum's calls in words: "1 call of grade IMMEDIATE", "3 calls from area North".
    fn counted(&self, n: u32) -> String {
        let what = self.describe();
        match n {
            1 => format!("1 {}", what.replacen("calls", "call", 1)),
            n => format!("{n} {what}"),
        }
    }

    /// Words for a shortfall: "calls of grade IMMEDIATE".
    fn describe(&self) -> String {
        let v = self.value.as_deref().unwrap_or("");
        match self.by {
            StratumBy::Area => format!("calls from area {v}"),
            StratumBy::Grade => format!("calls of grade {v}"),
            StratumBy::Satisfaction => format!("calls from {} callers", self.key()),
            StratumBy::RepeatCallers => "calls from repeat callers".into(),
            StratumBy::IncidentType => format!("calls of type {v}"),
            StratumBy::LogPrompts => "calls whose incident log tripped a check".into(),
        }
    }
}

/// A specification's eligibility rules, worked out once for a whole pool:
/// [`Eligibility::admits`] says whether a call may be drawn at all.
/// It owns what it reads, so that a store can run it beside the database on a thread of its own.
pub struct Eligibility {
    spec: DrawSpec,
    focus: BTreeSet<String>,
    excluded: HashSet<String>,
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
            log_prompted: Vec::new(),
            resolutions: Vec::new(),
            min_duration_s: None,
            recording_required: false,
            strata: Vec::new(),
        }
    }

    /// Every place a quota reserves, by channel or by stratum.
    fn reserved(&self) -> u32 {
        self.quotas.values().sum::<u32>() + self.strata.iter().map(|s| s.calls).sum::<u32>()
    }

    /// The places the quotas reserve, in words for the panel: "5 calls from 999", "3 calls of
    /// grade IMMEDIATE", in the canonical order.
    pub fn reserved_places(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .quotas
            .iter()
            .map(|(ch, n)| match n {
                1 => format!("1 call from {ch}"),
                n => format!("{n} calls from {ch}"),
            })
            .collect();
        let mut strata: Vec<&Stratum> = self.strata.iter().collect();
        strata.sort_by_cached_key(|s| s.canonical());
        out.extend(strata.into_iter().map(|s| s.counted(s.calls)));
        out
    }

    /// The strata's dimensions, in the fixed order their values join the pool digest's lines.
    /// A `type` stratum adds none (the incident type is on every line already), nor does a
    /// `log-prompts` one (the calls it counts are in the specification).
    fn stratum_dimensions(&self) -> BTreeSet<StratumBy> {
        self.strata
            .iter()
            .map(|s| s.by)
            .filter(|by| !matches!(by, StratumBy::IncidentType | StratumBy::LogPrompts))
            .collect()
    }

    /// Checks the specification makes sense before any draw is made, and puts its lists into the
    /// canonical order (sorted, no repeats) so that equal specifications have equal digests.
    pub fn validate(mut self, max_size: u32) -> Result<Self, Vec<SpecProblem>> {
        let mut errors = Vec::new();
        let mut problem =
            |part: SpecPart, message: String| errors.push(SpecProblem { part, message });
        if self.size == 0 || self.size > max_size {
            problem(
                SpecPart::Size,
                format!(
                    "sample size {} is out of range; expected 1 to {max_size}",
                    self.size
                ),
            );
        }
        let quota_total = self.reserved();
        if quota_total > self.size {
            problem(
                SpecPart::Size,
                format!(
                    "the quotas add up to {quota_total}, more than the sample size {}; lower a quota or raise the sample size",
                    self.size
                ),
            );
        }
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            problem(
                SpecPart::Window,
                format!(
                    "the window starts ({}) after it ends ({}); swap the first and last dates",
                    crate::time::long_date(f),
                    crate::time::long_date(t)
                ),
            );
        }
        if self.max_per_handler == Some(0) {
            problem(
                SpecPart::MaxPerHandler,
                "at most 0 calls per handler would draw nothing; expected 1 or more".into(),
            );
        }
        if crate::time::parse_tz(&self.timezone).is_err() {
            problem(
                SpecPart::Timezone,
                format!(
                    "time zone {:?} is unknown; expected an IANA name such as Europe/London",
                    self.timezone
                ),
            );
        }
        for (part, what, list) in [
            (SpecPart::Focus, "focus", &self.focus),
            (SpecPart::Areas, "area", &self.areas),
            (SpecPart::Grades, "grade", &self.grades),
        ] {
            for f in list {
                if let Err(p) = clean_text(f, 120) {
                    problem(part, format!("{what} {f:?} {p}"));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for st in &self.strata {
            let value = st.value.as_deref().map(str::trim).unwrap_or("");
            let by = st.by.code();
            let part = SpecPart::Stratum(st.by);
            match (st.by, value.is_empty()) {
                (by, false) if !by.takes_value() => problem(
                    part,
                    format!(
                        "the {} quota takes no value, but {value:?} was given",
                        by.code()
                    ),
                ),
                (by, true) if !by.takes_value() => {}
                (_, true) => problem(
                    part,
                    format!(
                        "a {by} quota needs the {by} it counts, e.g. {}",
                        match st.by {
                            StratumBy::Satisfaction => "satisfaction:dissatisfied=4",
                            StratumBy::Grade => "grade:IMMEDIATE=3",
                            StratumBy::IncidentType => "type:VIOLENCE=15",
                            _ => "area:North=3",
                        }
                    ),
                ),
                (StratumBy::Satisfaction, false) => {
                    if let Err(p) = Satisfaction::parse_optional(value) {
                        problem(part, format!("satisfaction quota {value:?} {p}"));
                    }
                }
                (_, false) => {
                    if let Err(p) = clean_text(value, 120) {
                        problem(part, format!("{by} quota {value:?} {p}"));
                    }
                }
            }
            if st.calls == 0 {
                problem(
                    part,
                    format!(
                        "a quota of 0 {} reserves nothing; expected 1 or more, or leave it out",
                        st.describe()
                    ),
                );
            }
            if !seen.insert((st.by, st.key())) {
                problem(
                    part,
                    format!("two quotas count {}; give one", st.describe()),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for st in &mut self.strata {
            st.value = match st.by.takes_value() {
                false => None,
                true => st.value.as_deref().map(|v| v.trim().to_string()),
            };
        }
        self.strata.sort_by_cached_key(Stratum::canonical);
        self.exclude.sort();
        self.exclude.dedup();
        self.log_prompted.sort();
        self.log_prompted.dedup();
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
        let strata: BTreeSet<String> = self.strata.iter().map(Stratum::canonical).collect();
        for line in strata {
            s.push_str(&line);
            s.push('\n');
        }
        let exclude: BTreeSet<&str> = self.exclude.iter().map(CallRef::as_str).collect();
        for e in exclude {
            s.push_str(&format!("exclude={e}\n"));
        }
        let prompted: BTreeSet<&str> = self.log_prompted.iter().map(CallRef::as_str).collect();
        for c in prompted {
            s.push_str(&format!("log_prompted={c}\n"));
        }
        s
    }

    /// Whether a stratum counts calls from repeat callers, which must be found among the eligible
    /// calls before the draw ([`RepeatCallers`]).
    pub fn needs_repeat_callers(&self) -> bool {
        self.strata.iter().any(|s| s.by == StratumBy::RepeatCallers)
    }

    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }

    pub fn eligibility(&self) -> Eligibility {
        let keys = |list: &[String]| list.iter().map(|f| match_key(f)).collect();
        Eligibility {
            spec: self.clone(),
            focus: keys(&self.focus),
            excluded: self
                .exclude
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            areas: keys(&self.areas),
            grades: keys(&self.grades),
        }
    }

    /// The eligible calls of a pool, sorted by call reference (the canonical order).
    pub fn eligible<'a>(&self, pool: &'a [PoolCall]) -> Vec<&'a PoolCall> {
        let rules = self.eligibility();
        let mut calls: Vec<&PoolCall> = pool.iter().filter(|c| rules.admits(c)).collect();
        calls.sort_unstable_by(|a, b| {
            a.call_ref
                .as_str()
                .as_bytes()
                .cmp(b.call_ref.as_str().as_bytes())
        });
        calls
    }
}

impl Eligibility {
    /// Whether a call may be drawn at all under the specification.
    pub fn admits(&self, call: &PoolCall) -> bool {
        let spec = &self.spec;
        if call.training || self.excluded.contains(call.call_ref.as_str()) {
            return false;
        }
        // A handful of keys at most: compared in place, so that a pool of millions allocates
        // nothing here.
        let within = |set: &BTreeSet<String>, value: Option<&str>| {
            set.is_empty() || value.is_some_and(|v| set.iter().any(|k| same_key(v, k)))
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
/// `started_at` as `YYYY-MM-DDTHH:MM:SSZ` in UTC and an absent handler as empty text. A
/// specification with strata adds, before the LF, a TAB and the call's value for each dimension
/// its strata count by (area, grade, satisfaction code, caller, in that order; empty when absent),
/// so that a value changed after the commitment changes the digest.
pub fn pool_digest(eligible: &[&PoolCall], strata: &BTreeSet<StratumBy>) -> String {
    let mut d = PoolDigest::with_dimensions(strata.clone());
    for c in eligible {
        d.add_sorted(c);
    }
    d.finish().0
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
        pool_digest: pool_digest(&eligible, &spec.stratum_dimensions()),
        eligible_calls: eligible.len(),
        spec_digest: spec.digest(),
        spec: spec.clone(),
    }
}

/// Says why a pool yields no eligible call, naming its commonest incident types so that a
/// mistyped focus is easy to spot.
pub fn nothing_eligible<'a>(pool: impl Iterator<Item = &'a PoolCall>) -> String {
    let mut types: BTreeMap<&str, usize> = BTreeMap::new();
    for call in pool {
        *types.entry(call.incident_type.as_str()).or_default() += 1;
    }
    nothing_eligible_among(types.into_iter().map(|(t, n)| (t.to_string(), n)).collect())
}

/// [`nothing_eligible`] from the pool's count of calls per incident type.
pub fn nothing_eligible_among(mut types: Vec<(String, usize)>) -> String {
    let total: usize = types.iter().map(|(_, n)| n).sum();
    types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown: Vec<String> = types
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

/// The seed a panel chose, as it will be hashed: trimmed, one line, not empty. A type of its own so
/// that it is never confused with the other text beside it (who drew, the digests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed(String);

impl Seed {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a seed typed by the panel: any non-empty text on one line, as it is (not trimmed further).
pub fn parse_seed(s: &str) -> Result<Seed, Problem> {
    let t = clean_text(s, 200)?;
    if t.is_empty() {
        return Err(Problem::new(
            "is empty",
            "a seed the panel chooses, e.g. two dice rolls and a word",
        ));
    }
    Ok(Seed(t))
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
    let pool_digest = pool_digest(&eligible, &spec.stratum_dimensions());
    let repeat = std::sync::Arc::new(match spec.needs_repeat_callers() {
        true => select::repeat_callers(&eligible),
        false => HashSet::new(),
    });
    let spec = std::sync::Arc::new(spec.clone());
    // The same passes a store makes over a pool it cannot hold, so that both ways are one.
    let mut keep = Keep::FIRST;
    loop {
        let mut pass = Drawer::new(spec.clone(), &pool_digest, seed, repeat.clone(), keep);
        for c in &eligible {
            pass.add(c);
        }
        if let Some(drawn) = pass.finish() {
            return drawn.record;
        }
        keep = keep.more();
    }
}

/// One quota as a person writes it: by channel, or a stratum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quota {
    Channel(Channel, u32),
    Stratum(Stratum),
}

/// Reads a quota written `999=5`, `grade:IMMEDIATE=3`, `area:North=2`,
/// `satisfaction:dissatisfied=4`, `type:VIOLENCE=15`, `repeat-callers=2` or `log-prompts=2`. The value itself is checked by
/// [`DrawSpec::validate`], with the rest of the specification.
pub fn parse_quota(text: &str) -> Result<Quota, String> {
    const FORMS: &str = "999=5, grade:IMMEDIATE=3, area:North=2, satisfaction:dissatisfied=4, type:VIOLENCE=15, repeat-callers=2 or log-prompts=2";
    let Some((what, n)) = text.split_once('=') else {
        return Err(format!("no '='; expected one of {FORMS}"));
    };
    let Ok(calls) = n.trim().parse::<u32>() else {
        return Err(format!(
            "{n:?} is not a number of calls; expected e.g. {what}=3"
        ));
    };
    let stratum = |by, value| Ok(Quota::Stratum(Stratum { by, value, calls }));
    match what.split_once(':') {
        Some((by, value)) => match StratumBy::parse(by) {
            Some(by) => stratum(by, Some(value.to_string())),
            None => Err(format!(
                "{by:?} is not something a quota counts by; expected area, grade, satisfaction or type before the ':'"
            )),
        },
        None => match StratumBy::parse(what).filter(|by| !by.takes_value()) {
            Some(by) => stratum(by, None),
            None => match Channel::parse(what) {
                Ok(ch) => Ok(Quota::Channel(ch, calls)),
                Err(p) => Err(format!("{what:?} {p}; or write one of {FORMS}")),
            },
        },
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
    check_record(record)?;
    compare(record, &draw(pool, &record.spec, &record.seed))
}

/// What can be checked of a record without its pool: the algorithm and the specification's digest.
pub fn check_record(record: &DrawRecord) -> Result<(), VerifyError> {
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
    Ok(())
}

/// Compares a record with the draw made again from its pool, specification and seed.
pub fn compare(record: &DrawRecord, again: &DrawRecord) -> Result<(), VerifyError> {
    if again.pool_digest != record.pool_digest {
        return Err(VerifyError::PoolChanged {
            recorded: record.pool_digest.clone(),
            actual: again.pool_digest.clone(),
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
