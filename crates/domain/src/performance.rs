//! Control-room performance from the call pool: how fast calls are answered, how many callers give
//! up, how long calls last, per channel and per month; how soon officers arrive per grade; how
//! many calls are resolved without sending anyone; who calls again and again; how satisfied
//! callers are. Pure functions over the calls of a period, so each figure is tested on numbers
//! worked out by hand.
//!
//! Definitions (shared with the report's text): a call is *answered* when the pool gives its
//! answer time; percentages of answered calls fall in the Home Office's 999 bands (up to 10 s,
//! 11 to 60 s, over 60 s); `over_2min` counts answer times over 120 s. The median of an even count
//! is the mean of the two middle values; the 90th percentile is the nearest rank (the smallest
//! answer time that at least 90% of answered calls do not exceed). Figures are given to one
//! decimal place, halves rounded up, computed from whole counts so no float rounding decides a
//! figure.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::call::{Channel, Resolution, Satisfaction};

/// What the figures need of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallTimes {
    pub started_at: DateTime<Utc>,
    pub channel: Channel,
    pub answer_s: Option<u32>,
    pub abandoned: Option<bool>,
    pub duration_s: Option<u32>,
    /// Shared between the calls of one grade: a period holds a handful of grades and a million
    /// calls.
    pub grade: Option<std::sync::Arc<str>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    pub satisfaction: Option<Satisfaction>,
    /// The caller's reference as a key: equal references give equal keys.
    pub caller: Option<u64>,
    /// Whether the scheme sampled the call for a panel.
    pub sampled: bool,
    /// The call's month in UK time as `YYYYMM`, worked out once: every table groups by it.
    pub month: u32,
}

/// The UK month of an instant as `YYYYMM`.
pub fn uk_month(t: DateTime<Utc>) -> u32 {
    use chrono::Datelike;
    let local = t.with_timezone(&crate::time::DEFAULT_TZ);
    u32::try_from(local.year()).unwrap_or(0) * 100 + local.month()
}

impl CallTimes {
    /// A call with nothing known beyond when and how it came in.
    pub fn new(started_at: DateTime<Utc>, channel: Channel) -> Self {
        Self::in_month(started_at, channel, uk_month(started_at))
    }

    /// The same, its UK month (`YYYYMM`) already known to the caller.
    pub fn in_month(started_at: DateTime<Utc>, channel: Channel, month: u32) -> Self {
        CallTimes {
            started_at,
            channel,
            answer_s: None,
            abandoned: None,
            duration_s: None,
            grade: None,
            arrived_at: None,
            resolution: None,
            satisfaction: None,
            caller: None,
            sampled: false,
            month,
        }
    }
}

/// The figures of a set of calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub calls: u64,
    pub answered: u64,
    pub abandoned: u64,
    /// Of all calls.
    pub abandoned_percent: Option<f64>,
    /// Of answered calls.
    pub within_10s_percent: Option<f64>,
    pub from_11_to_60s_percent: Option<f64>,
    pub over_60s_percent: Option<f64>,
    /// Answered after more than two minutes: a count.
    pub over_2min: u64,
    pub median_answer_s: Option<f64>,
    pub p90_answer_s: Option<f64>,
    pub mean_duration_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelFigures {
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    /// `YYYY-MM`, in UK time.
    pub month: String,
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// `part / whole` as a percentage to one decimal place, halves up; `None` of nothing.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| {
        // Tenths of a percent, rounded half up in whole numbers: (2·1000·part + whole) / (2·whole).
        let tenths = (2 * 1000 * u128::from(part) + u128::from(whole)) / (2 * u128::from(whole));
        tenths as f64 / 10.0
    })
}

/// `sum / n` to one decimal place, halves up.
fn mean_tenths(sum: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| {
        let tenths = (2 * 10 * u128::from(sum) + u128::from(n)) / (2 * u128::from(n));
        tenths as f64 / 10.0
    })
}

/// Values counted: how many calls had each number of seconds. A median or a percentile then needs
/// no list of a million numbers, and gives exactly what the sorted list would.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(BTreeMap<u32, u64>);

impl Counts {
    pub fn add(&mut self, v: u32) {
        *self.0.entry(v).or_default() += 1;
    }

    fn merge(&mut self, other: &Counts) {
        for (v, n) in &other.0 {
            *self.0.entry(*v).or_default() += n;
        }
    }

    pub fn len(&self) -> u64 {
        self.0.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `k`-th smallest value, counting from 0.
    fn nth(&self, k: u64) -> Option<u32> {
        let mut seen = 0;
        for (v, n) in &self.0 {
            seen += n;
            if k < seen {
                return Some(*v);
            }
        }
        None
    }

    /// How many values lie in `range`.
    fn within(&self, range: impl std::ops::RangeBounds<u32>) -> u64 {
        self.0.range(range).map(|(_, n)| n).sum()
    }

    /// Twice the median (the sum of the middle two, or twice the middle one), so that it stays a
    /// whole number.
    fn median_twice(&self) -> Option<u64> {
        let n = self.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => self.nth(n / 2).map(|v| 2 * u64::from(v)),
            _ => Some(u64::from(self.nth(n / 2 - 1)?) + u64::from(self.nth(n / 2)?)),
        }
    }

    /// The median; an even count gives the mean of the middle two (to a half).
    pub fn median(&self) -> Option<f64> {
        self.median_twice().map(|t| t as f64 / 2.0)
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 100).
    pub fn nearest_rank(&self, p: u32) -> Option<f64> {
        let n = self.len();
        let rank = (u64::from(p) * n).div_ceil(100).max(1);
        self.nth(rank - 1).map(f64::from)
    }
}

impl FromIterator<u32> for Counts {
    fn from_iter<I: IntoIterator<Item = u32>>(values: I) -> Self {
        let mut c = Counts::default();
        for v in values {
            c.add(v);
        }
        c
    }
}

/// The median of values; an even count gives the mean of the middle two (to a half).
pub fn median(values: &[u32]) -> Option<f64> {
    values.iter().copied().collect::<Counts>().median()
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of values.
pub fn nearest_rank(values: &[u32], p: u32) -> Option<f64> {
    values.iter().copied().collect::<Counts>().nearest_rank(p)
}

/// The answer-time figures' counts for one set of calls (a channel in a month, or merged).
#[derive(Debug, Clone, Default)]
struct Cell {
    calls: u64,
    abandoned: u64,
    /// Calls whose export said whether they were abandoned.
    abandonment_known: u64,
    answers: Counts,
    duration_sum: u64,
    durations: u64,
}

impl Cell {
    fn add(&mut self, c: &CallTimes) {
        self.calls += 1;
        self.abandoned += u64::from(c.abandoned == Some(true));
        self.abandonment_known += u64::from(c.abandoned.is_some());
        if let Some(a) = c.answer_s {
            self.answers.add(a);
        }
        if let Some(d) = c.duration_s {
            self.duration_sum += u64::from(d);
            self.durations += 1;
        }
    }

    fn merge(&mut self, o: &Cell) {
        self.calls += o.calls;
        self.abandoned += o.abandoned;
        self.abandonment_known += o.abandonment_known;
        self.answers.merge(&o.answers);
        self.duration_sum += o.duration_sum;
        self.durations += o.durations;
    }

    fn figures(&self) -> Figures {
        let answered = self.answers.len();
        let within_10 = self.answers.within(..=10);
        let to_60 = self.answers.within(11..=60);
        Figures {
            calls: self.calls,
            answered,
            abandoned: self.abandoned,
            // An export with no abandonment column says nothing of it: no share, rather than 0%.
            abandoned_percent: if self.abandonment_known == 0 {
                None
            } else {
                percent(self.abandoned, self.calls)
            },
            within_10s_percent: percent(within_10, answered),
            from_11_to_60s_percent: percent(to_60, answered),
            over_60s_percent: percent(answered - within_10 - to_60, answered),
            over_2min: self.answers.within(121..),
            median_answer_s: self.answers.median(),
            p90_answer_s: self.answers.nearest_rank(90),
            mean_duration_s: mean_tenths(self.duration_sum, self.durations),
        }
    }
}

/// The figures of `calls`.
pub fn figures<'a>(calls: impl IntoIterator<Item = &'a CallTimes>) -> Figures {
    let mut cell = Cell::default();
    for c in calls {
        cell.add(c);
    }
    cell.figures()
}

/// Adds counts kept in a fixed order (resolutions, survey answers) to a running total.
fn add_counts<const N: usize>(total: &mut [u64; N], more: &[u64; N]) {
    for (t, n) in total.iter_mut().zip(more) {
        *t += n;
    }
}

/// `YYYY-MM` of a month key `YYYYMM`.
fn month_label(month: u32) -> String {
    format!("{:04}-{:02}", month / 100, month % 100)
}

/// The calls of a period, counted as each arrives: every figure of the report is worked out from
/// this, so a year of a busy force is never held in memory whole. Only the callers' keys and
/// times are kept call by call, for the repeat-caller rule.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    calls: u64,
    /// Per month (`YYYYMM`, UK time) and channel.
    cells: BTreeMap<(u32, Channel), Cell>,
    /// Per grade: the calls (those an officer raised left out), and the seconds to the first
    /// arrival of each attended one.
    grades: BTreeMap<std::sync::Arc<str>, (u64, Counts)>,
    /// Per month: calls of each resolution, in `Resolution::ALL`'s order.
    resolutions: BTreeMap<u32, [u64; 5]>,
    /// Per month and channel: survey answers, in `Satisfaction::ALL`'s order.
    satisfaction: BTreeMap<(u32, Channel), [u64; 3]>,
    /// The caller's key, start and whether sampled, of each call that gives a caller.
    /// The start is in Unix seconds, as 32 bits (good to 2106): 16 bytes a call, not 24.
    callers: Vec<(u64, u32, bool)>,
}

impl Extend<CallTimes> for Tally {
    fn extend<I: IntoIterator<Item = CallTimes>>(&mut self, calls: I) {
        for c in calls {
            self.add(&c);
        }
    }
}

impl Tally {
    /// The tally of a list of calls.
    pub fn of<'a>(calls: impl IntoIterator<Item = &'a CallTimes>) -> Tally {
        let mut t = Tally::default();
        for c in calls {
            t.add(c);
        }
        t
    }

    pub fn add(&mut self, c: &CallTimes) {
        self.calls += 1;
        self.cells.entry((c.month, c.channel)).or_default().add(c);
        if let (Some(grade), true) = (&c.grade, c.channel != Channel::Officer) {
            let entry = match self.grades.get_mut(grade) {
                Some(e) => e,
                None => self.grades.entry(grade.clone()).or_default(),
            };
            entry.0 += 1;
            if let Some(arrived) = c.arrived_at {
                let secs = (arrived - c.started_at).num_seconds().max(0);
                entry.1.add(u32::try_from(secs).unwrap_or(u32::MAX));
            }
        }
        if let Some(r) = c.resolution {
            let i = Resolution::ALL.iter().position(|x| *x == r).unwrap_or(0);
            self.resolutions.entry(c.month).or_default()[i] += 1;
        }
        if let Some(s) = c.satisfaction {
            let i = Satisfaction::ALL.iter().position(|x| *x == s).unwrap_or(0);
            self.satisfaction.entry((c.month, c.channel)).or_default()[i] += 1;
        }
        if let Some(k) = c.caller {
            let at = u32::try_from(c.started_at.timestamp()).unwrap_or(0);
            self.callers.push((k, at, c.sampled));
        }
    }

    /// Adds another tally's calls to this one's, as if they had been counted here.
    pub fn merge(&mut self, other: Tally) {
        self.calls += other.calls;
        for (k, cell) in other.cells {
            self.cells.entry(k).or_default().merge(&cell);
        }
        for (grade, (incidents, secs)) in other.grades {
            let e = self.grades.entry(grade).or_default();
            e.0 += incidents;
            e.1.merge(&secs);
        }
        for (m, counts) in other.resolutions {
            add_counts(self.resolutions.entry(m).or_default(), &counts);
        }
        for (k, counts) in other.satisfaction {
            add_counts(self.satisfaction.entry(k).or_default(), &counts);
        }
        self.callers.extend(other.callers);
    }

    /// How many calls were counted.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Figures per channel, in the channels' order (999, 101, then the rest), channels with no
    /// call left out.
    pub fn by_channel(&self) -> Vec<ChannelFigures> {
        let mut merged: BTreeMap<Channel, Cell> = BTreeMap::new();
        for ((_, ch), cell) in &self.cells {
            merged.entry(*ch).or_default().merge(cell);
        }
        merged
            .into_iter()
            .map(|(ch, cell)| ChannelFigures {
                channel: ch.code().to_string(),
                figures: cell.figures(),
            })
            .collect()
    }

    /// Figures per month (UK time) and channel, months in order.
    pub fn by_month(&self) -> Vec<MonthFigures> {
        self.cells
            .iter()
            .map(|((month, ch), cell)| MonthFigures {
                month: month_label(*month),
                channel: ch.code().to_string(),
                figures: cell.figures(),
            })
            .collect()
    }

    /// Attendance per grade: minutes from the call's start to the first officer's arrival, over
    /// the calls of each grade except those an officer raised (they start where the officer
    /// already is). A call is within target when it was attended at most the target's minutes
    /// after it started.
    pub fn attendance(&self, targets: &Targets) -> Vec<Attendance> {
        let rank = |g: &str| {
            GRADE_ORDER
                .iter()
                .position(|o| *o == g)
                .unwrap_or(GRADE_ORDER.len())
        };
        let mut out: Vec<Attendance> = self
            .grades
            .iter()
            .map(|(grade, (incidents, secs))| {
                let attended = secs.len();
                let target = targets.get(&**grade).copied();
                let within = target.map(|t| secs.within(..=t.saturating_mul(60)));
                Attendance {
                    grade: grade.to_string(),
                    target_minutes: target,
                    incidents: *incidents,
                    attended,
                    within_target: within,
                    within_target_percent: within.and_then(|w| percent(w, attended)),
                    median_minutes: secs
                        .median_twice()
                        .and_then(|twice| mean_tenths(twice, 120)),
                }
            })
            .collect();
        out.sort_by_key(|a| rank(&a.grade));
        out
    }

    /// Resolution for the whole period (first, `all`) and per month; months with no resolution
    /// given are left out, and an export without resolutions gives nothing.
    pub fn resolution(&self) -> Vec<ResolutionFigures> {
        if self.resolutions.is_empty() {
            return Vec::new();
        }
        let mut all = [0u64; 5];
        for counts in self.resolutions.values() {
            add_counts(&mut all, counts);
        }
        let mut out = vec![resolution_figures("all".into(), all)];
        out.extend(
            self.resolutions
                .iter()
                .map(|(m, counts)| resolution_figures(month_label(*m), *counts)),
        );
        out
    }

    /// Repeat callers, by the caller's reference; `None` when the export gives no caller
    /// references. Sorts the tally's callers in place, hence `mut`.
    pub fn repeat_callers(&mut self) -> Option<RepeatCallers> {
        if self.callers.is_empty() {
            return None;
        }
        // Sorted by caller, then time: each caller's calls are one run, in order. A sort of small
        // records beats a map of lists at a million calls.
        let by_caller = &mut self.callers;
        by_caller.sort_unstable_by_key(|&(k, t, _)| (k, t));
        let mut out = RepeatCallers {
            callers: 0,
            calls: 0,
            sampled: 0,
            most_calls: 0,
        };
        for theirs in by_caller.chunk_by(|a, b| a.0 == b.0) {
            if calls_again(theirs, |c| i64::from(c.1)) {
                out.callers += 1;
                out.calls += theirs.len() as u64;
                out.sampled += theirs.iter().filter(|c| c.2).count() as u64;
                out.most_calls = out.most_calls.max(theirs.len() as u64);
            }
        }
        Some(out)
    }

    /// Satisfaction per channel for the whole period (`all`) and then per month and channel;
    /// only where callers answered the survey.
    pub fn satisfaction(&self) -> Vec<SatisfactionFigures> {
        let one = |month: String, ch: Channel, n: &[u64; 3]| {
            let responses: u64 = n.iter().sum();
            SatisfactionFigures {
                month,
                channel: ch.code().to_string(),
                responses,
                satisfied_percent: percent(n[0], responses),
                neutral_percent: percent(n[1], responses),
                dissatisfied_percent: percent(n[2], responses),
            }
        };
        let mut all: BTreeMap<Channel, [u64; 3]> = BTreeMap::new();
        for ((_, ch), n) in &self.satisfaction {
            add_counts(all.entry(*ch).or_default(), n);
        }
        let mut out: Vec<SatisfactionFigures> = all
            .iter()
            .map(|(ch, n)| one("all".into(), *ch, n))
            .collect();
        out.extend(
            self.satisfaction
                .iter()
                .map(|((m, ch), n)| one(month_label(*m), *ch, n)),
        );
        out
    }
}

/// Figures per channel, in the channels' order (999, 101, then the rest), channels with no call
/// left out.
pub fn by_channel(calls: &[CallTimes]) -> Vec<ChannelFigures> {
    Tally::of(calls).by_channel()
}

/// Figures per month (UK time) and channel, months in order.
pub fn by_month(calls: &[CallTimes]) -> Vec<MonthFigures> {
    Tally::of(calls).by_month()
}

/// Minutes within which an officer should arrive, per grade: the force's setting.
pub type Targets = BTreeMap<String, u32>;

/// The targets a force starts with: an officer within 15 minutes for an IMMEDIATE call and
/// within an hour for a PRIORITY one, as forces in England and Wales commonly set them.
pub fn default_targets() -> Targets {
    BTreeMap::from([("IMMEDIATE".into(), 15), ("PRIORITY".into(), 60)])
}

/// Reads one target as typed: `GRADE=MINUTES`, e.g. `IMMEDIATE=15`; the grade is kept in capitals,
/// as the pool keeps grades.
pub fn parse_target(s: &str) -> Result<(String, u32), crate::Problem> {
    let expected = "GRADE=MINUTES, e.g. IMMEDIATE=15, with minutes from 1 to 10080 (a week)";
    let (grade, minutes) = s
        .split_once('=')
        .ok_or_else(|| crate::Problem::new("has no =", expected))?;
    let grade = crate::text::clean_text(grade, 32)?.to_uppercase();
    let minutes = minutes
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=10_080).contains(m));
    match (grade.is_empty(), minutes) {
        (false, Some(m)) => Ok((grade, m)),
        (true, _) => Err(crate::Problem::new("names no grade", expected)),
        (false, None) => Err(crate::Problem::new("gives no number of minutes", expected)),
    }
}

/// How soon officers arrived for the calls of one grade.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendance {
    pub grade: String,
    pub target_minutes: Option<u32>,
    /// Calls of the grade (those an officer raised left out).
    pub incidents: u64,
    /// Of those, calls with an arrival time.
    pub attended: u64,
    /// Attended within the target; `None` for a grade with no target.
    pub within_target: Option<u64>,
    /// Of `attended`.
    pub within_target_percent: Option<f64>,
    pub median_minutes: Option<f64>,
}

/// The usual order of grades, most urgent first; other grades follow in byte order.
const GRADE_ORDER: [&str; 4] = ["IMMEDIATE", "PRIORITY", "STANDARD", "SCHEDULED"];

/// Attendance per grade of a list of calls; see [`Tally::attendance`].
pub fn attendance(calls: &[CallTimes], targets: &Targets) -> Vec<Attendance> {
    Tally::of(calls).attendance(targets)
}

/// How the calls of a month were resolved, over the calls whose resolution the export gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolutionFigures {
    /// `YYYY-MM`, or `all` for the whole period.
    pub month: String,
    pub resolved: u64,
    pub deployed: u64,
    pub without_deployment: u64,
    pub appointment: u64,
    pub referred: u64,
    pub no_action: u64,
    /// Resolved without deployment, of `resolved`.
    pub without_deployment_percent: Option<f64>,
}

fn resolution_figures(month: String, counts: [u64; 5]) -> ResolutionFigures {
    let resolved = counts.iter().sum();
    let [
        deployed,
        without_deployment,
        appointment,
        referred,
        no_action,
    ] = counts;
    ResolutionFigures {
        month,
        resolved,
        deployed,
        without_deployment,
        appointment,
        referred,
        no_action,
        without_deployment_percent: percent(without_deployment, resolved),
    }
}

/// Resolution of a list of calls; see [`Tally::resolution`].
pub fn resolution(calls: &[CallTimes]) -> Vec<ResolutionFigures> {
    Tally::of(calls).resolution()
}

/// A caller who rang three or more times within 28 days counts as a repeat caller.
pub const REPEAT_CALLS: usize = 3;
pub const REPEAT_DAYS: i64 = 28;

/// Whether one caller's calls, in time order, make them a repeat caller: some three consecutive
/// calls fit within the 28 days. `started_at` gives a call's start in Unix seconds. The draw's
/// repeat-caller quota uses the same rule.
pub fn calls_again<T>(theirs: &[T], started_at: impl Fn(&T) -> i64) -> bool {
    let window = REPEAT_DAYS * 86_400;
    theirs
        .windows(REPEAT_CALLS)
        .any(|w| started_at(&w[REPEAT_CALLS - 1]) - started_at(&w[0]) < window)
}

/// Callers who called again and again, and how many of their calls the scheme heard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatCallers {
    /// Callers with three or more calls within some 28 days of the period.
    pub callers: u64,
    /// All their calls in the period.
    pub calls: u64,
    /// Of those, calls sampled for a panel.
    pub sampled: u64,
    /// The most calls one of them made.
    pub most_calls: u64,
}

/// Repeat callers of a list of calls; see [`Tally::repeat_callers`].
pub fn repeat_callers(calls: &[CallTimes]) -> Option<RepeatCallers> {
    Tally::of(calls).repeat_callers()
}

/// The satisfaction survey's answers for one channel over a month (or `all`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionFigures {
    pub month: String,
    pub channel: String,
    pub responses: u64,
    pub satisfied_percent: Option<f64>,
    pub neutral_percent: Option<f64>,
    pub dissatisfied_percent: Option<f64>,
}

/// Satisfaction of a list of calls; see [`Tally::satisfaction`].
pub fn satisfaction(calls: &[CallTimes]) -> Vec<SatisfactionFigures> {
    Tally::of(calls).satisfaction()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(at: &str, channel: Channel, answer: Option<u32>, abandoned: bool) -> CallTimes {
        CallTimes {
            answer_s: answer,
            abandoned: Some(abandoned),
            duration_s: answer.map(|a| a * 10),
            ..CallTimes::new(at.parse().unwrap(), channel)
        }
    }

    /// Eight 999 calls and three 101 calls, the figures worked out by hand:
    /// 999 answer times 3, 5, 8, 10, 12, 45, 90, 130 (sorted); none abandoned.
    ///   within 10 s: 4 of 8 = 50.0%; 11–60 s: 2 of 8 = 25.0%; over 60 s: 2 of 8 = 25.0%;
    ///   over 2 min: 1 (130 s); median (10 + 12) / 2 = 11.0; p90: rank ⌈0.9 × 8⌉ = 8 → 130;
    ///   mean duration (30+50+80+100+120+450+900+1300) / 8 = 3030 / 8 = 378.75 → 378.8.
    /// 101: answered 200 s, and two abandoned without an answer time:
    ///   abandoned 2 of 3 = 66.666…% → 66.7%; over 60 s 1 of 1 = 100.0%; median 200; p90 200.
    #[test]
    fn figures_match_those_worked_out_by_hand() {
        let mut calls = Vec::new();
        for (i, a) in [10, 3, 130, 8, 45, 5, 90, 12].into_iter().enumerate() {
            let at = format!("2026-04-{:02}T10:00:00Z", i + 1);
            calls.push(call(&at, Channel::Emergency, Some(a), false));
        }
        calls.push(call(
            "2026-04-02T09:00:00Z",
            Channel::NonEmergency,
            Some(200),
            false,
        ));
        calls.push(call(
            "2026-04-03T09:00:00Z",
            Channel::NonEmergency,
            None,
            true,
        ));
        calls.push(call(
            "2026-05-01T09:00:00Z",
            Channel::NonEmergency,
            None,
            true,
        ));
        let ch = by_channel(&calls);
        assert_eq!(ch.len(), 2);
        let e = &ch[0].figures;
        assert_eq!(ch[0].channel, "999");
        assert_eq!(
            (e.calls, e.answered, e.abandoned, e.over_2min),
            (8, 8, 0, 1)
        );
        assert_eq!(e.abandoned_percent, Some(0.0));
        assert_eq!(
            (
                e.within_10s_percent,
                e.from_11_to_60s_percent,
                e.over_60s_percent
            ),
            (Some(50.0), Some(25.0), Some(25.0))
        );
        assert_eq!(
            (e.median_answer_s, e.p90_answer_s),
            (Some(11.0), Some(130.0))
        );
        assert_eq!(e.mean_duration_s, Some(378.8));
        let n = &ch[1].figures;
        assert_eq!((n.calls, n.answered, n.abandoned), (3, 1, 2));
        assert_eq!(n.abandoned_percent, Some(66.7));
        assert_eq!(n.over_60s_percent, Some(100.0));
        assert_eq!(
            (n.median_answer_s, n.p90_answer_s),
            (Some(200.0), Some(200.0))
        );
        // Per month: April has all the 999 calls and two 101 calls; May one abandoned 101 call.
        let m = by_month(&calls);
        let keys: Vec<(&str, &str, u64)> = m
            .iter()
            .map(|m| (m.month.as_str(), m.channel.as_str(), m.figures.calls))
            .collect();
        assert_eq!(
            keys,
            [
                ("2026-04", "999", 8),
                ("2026-04", "101", 2),
                ("2026-05", "101", 1)
            ]
        );
        assert_eq!(m[1].figures.abandoned_percent, Some(50.0));
        assert_eq!(
            m[2].figures.within_10s_percent, None,
            "no call answered: no share"
        );
    }

    #[test]
    fn rounding_is_half_up_from_whole_counts() {
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(1, 16), Some(6.3), "6.25 rounds up");
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(0, 0), None);
        assert_eq!(median(&[1, 2]), Some(1.5));
        assert_eq!(median(&[]), None);
        assert_eq!(
            nearest_rank(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90),
            Some(9.0)
        );
        assert_eq!(nearest_rank(&[7], 90), Some(7.0));
    }

    #[test]
    fn an_export_without_abandonment_gives_no_share_of_it() {
        let mut c = call("2026-04-01T10:00:00Z", Channel::NonEmergency, None, false);
        c.abandoned = None;
        let f = figures(&[c]);
        assert_eq!((f.abandoned, f.abandoned_percent), (0, None));
    }

    fn at(day_hour: &str) -> DateTime<Utc> {
        format!("2026-{day_hour}:00:00Z").parse().unwrap()
    }

    fn graded(start: &str, grade: &str, channel: Channel, after_s: Option<i64>) -> CallTimes {
        let started_at = at(start);
        CallTimes {
            grade: Some(grade.into()),
            arrived_at: after_s.map(|s| started_at + chrono::Duration::seconds(s)),
            ..CallTimes::new(started_at, channel)
        }
    }

    /// Worked by hand, with the default targets (IMMEDIATE 15 min, PRIORITY 60 min):
    /// IMMEDIATE: arrivals after 5, 12, 15 (exactly the target: within) and 20 minutes, one never
    ///   attended; an officer's own IMMEDIATE call is left out. Incidents 5, attended 4, within
    ///   3 of 4 = 75.0%, median (12 + 15) / 2 = 13.5 min.
    /// PRIORITY: 30 and 90 minutes: 1 of 2 = 50.0%, median 60.0 min.
    /// STANDARD (no target): one arrival after 7,520 s = 125.33… min → 125.3; no share.
    /// A call with no grade counts nowhere.
    #[test]
    fn attendance_matches_what_was_worked_out_by_hand() {
        let e = Channel::Emergency;
        let calls = vec![
            graded("04-01T10", "IMMEDIATE", e, Some(300)),
            graded("04-02T10", "IMMEDIATE", e, Some(720)),
            graded("04-03T10", "IMMEDIATE", e, Some(900)),
            graded("04-04T10", "IMMEDIATE", e, Some(1200)),
            graded("04-05T10", "IMMEDIATE", e, None),
            graded("04-05T11", "IMMEDIATE", Channel::Officer, Some(0)),
            graded("04-06T10", "PRIORITY", Channel::NonEmergency, Some(5400)),
            graded("04-07T10", "PRIORITY", e, Some(1800)),
            graded("04-08T10", "STANDARD", Channel::NonEmergency, Some(7520)),
            CallTimes::new(at("04-09T10"), e),
        ];
        let a = attendance(&calls, &default_targets());
        let got: Vec<_> = a
            .iter()
            .map(|a| {
                (
                    a.grade.as_str(),
                    a.target_minutes,
                    a.incidents,
                    a.attended,
                    a.within_target,
                    a.within_target_percent,
                    a.median_minutes,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("IMMEDIATE", Some(15), 5, 4, Some(3), Some(75.0), Some(13.5)),
                ("PRIORITY", Some(60), 2, 2, Some(1), Some(50.0), Some(60.0)),
                ("STANDARD", None, 1, 1, None, None, Some(125.3)),
            ]
        );
        // 61 s and 62 s: a median of 61.5 s is 1.025 minutes, shown as 1.0.
        let two = [
            graded("04-01T10", "X", e, Some(61)),
            graded("04-01T11", "X", e, Some(62)),
        ];
        assert_eq!(
            attendance(&two, &Targets::new())[0].median_minutes,
            Some(1.0)
        );
    }

    /// April: deployed 2, RWD 3, referred 1 and one with no resolution → resolved 6, RWD 50.0%.
    /// May: RWD 1, no further action 2 → 3, 33.3%. The period: 9 resolved, RWD 4 → 44.4%.
    #[test]
    fn resolution_matches_what_was_worked_out_by_hand() {
        use Resolution::*;
        let mut calls = Vec::new();
        for (day, r) in [
            ("04-01T10", Some(Deployed)),
            ("04-02T10", Some(Deployed)),
            ("04-03T10", Some(WithoutDeployment)),
            ("04-04T10", Some(WithoutDeployment)),
            ("04-05T10", Some(WithoutDeployment)),
            ("04-06T10", Some(Referred)),
            ("04-07T10", None),
            ("05-01T10", Some(WithoutDeployment)),
            ("05-02T10", Some(NoAction)),
            ("05-03T10", Some(NoAction)),
        ] {
            calls.push(CallTimes {
                resolution: r,
                ..CallTimes::new(at(day), Channel::NonEmergency)
            });
        }
        let r = resolution(&calls);
        let got: Vec<_> = r
            .iter()
            .map(|r| {
                (
                    r.month.as_str(),
                    r.resolved,
                    [
                        r.deployed,
                        r.without_deployment,
                        r.appointment,
                        r.referred,
                        r.no_action,
                    ],
                    r.without_deployment_percent,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("all", 9, [2, 4, 0, 1, 2], Some(44.4)),
                ("2026-04", 6, [2, 3, 0, 1, 0], Some(50.0)),
                ("2026-05", 3, [0, 1, 0, 0, 2], Some(33.3)),
            ]
        );
        assert!(resolution(&[CallTimes::new(at("04-01T10"), Channel::Emergency)]).is_empty());
    }

    /// Caller 1: 1, 10 and 28 April (27 days): a repeat caller, 3 calls, one heard by a panel.
    /// Caller 2: 1, 15 and 29 April are exactly 28 days apart (not within), but 15 April, 29 April
    /// and 2 May are: a repeat caller, 4 calls, one heard. Caller 3 rang twice. 2 callers, 7 calls,
    /// 2 sampled, at most 4 calls.
    #[test]
    fn repeat_callers_match_what_was_worked_out_by_hand() {
        let mut calls = Vec::new();
        for (caller, day, sampled) in [
            (1, "04-01T10", false),
            (1, "04-10T10", true),
            (1, "04-28T10", false),
            (2, "04-01T10", false),
            (2, "04-15T10", false),
            (2, "04-29T10", true),
            (2, "05-02T10", false),
            (3, "04-01T10", true),
            (3, "04-02T10", false),
        ] {
            calls.push(CallTimes {
                caller: Some(caller),
                sampled,
                ..CallTimes::new(at(day), Channel::NonEmergency)
            });
        }
        calls.push(CallTimes::new(at("04-03T10"), Channel::Emergency));
        assert_eq!(
            repeat_callers(&calls),
            Some(RepeatCallers {
                callers: 2,
                calls: 7,
                sampled: 2,
                most_calls: 4
            })
        );
        // Without caller 2's call on 2 May, their calls are 28 days apart: not a repeat caller.
        calls.retain(|c| !(c.caller == Some(2) && c.started_at == at("05-02T10")));
        assert_eq!(repeat_callers(&calls).map(|r| r.callers), Some(1));
        assert_eq!(
            repeat_callers(&[CallTimes::new(at("04-01T10"), Channel::Emergency)]),
            None,
            "an export without caller references says nothing of repeat callers"
        );
    }

    /// 999 in April: satisfied 2, neutral 1 → 66.7%, 33.3%, 0.0%. 101: dissatisfied in April,
    /// satisfied in May → 50.0%, 0.0%, 50.0% over the period.
    #[test]
    fn satisfaction_matches_what_was_worked_out_by_hand() {
        use Satisfaction::*;
        let mut calls = Vec::new();
        for (day, ch, s) in [
            ("04-01T10", Channel::Emergency, Some(Satisfied)),
            ("04-02T10", Channel::Emergency, Some(Satisfied)),
            ("04-03T10", Channel::Emergency, Some(Neutral)),
            ("04-04T10", Channel::Emergency, None),
            ("04-05T10", Channel::NonEmergency, Some(Dissatisfied)),
            ("05-01T10", Channel::NonEmergency, Some(Satisfied)),
        ] {
            calls.push(CallTimes {
                satisfaction: s,
                ..CallTimes::new(at(day), ch)
            });
        }
        let got: Vec<_> = satisfaction(&calls)
            .into_iter()
            .map(|s| {
                (
                    s.month,
                    s.channel,
                    s.responses,
                    [
                        s.satisfied_percent,
                        s.neutral_percent,
                        s.dissatisfied_percent,
                    ],
                )
            })
            .collect();
        let row = |m: &str, c: &str, n, p: [f64; 3]| (m.to_string(), c.to_string(), n, p.map(Some));
        assert_eq!(
            got,
            [
                row("all", "999", 3, [66.7, 33.3, 0.0]),
                row("all", "101", 2, [50.0, 0.0, 50.0]),
                row("2026-04", "999", 3, [66.7, 33.3, 0.0]),
                row("2026-04", "101", 1, [0.0, 0.0, 100.0]),
                row("2026-05", "101", 1, [100.0, 0.0, 0.0]),
            ]
        );
    }

    #[test]
    fn targets_are_read_as_typed() {
        assert_eq!(
            parse_target(" immediate = 15").unwrap(),
            ("IMMEDIATE".into(), 15)
        );
        assert_eq!(parse_target("PRIORITY").unwrap_err().what, "has no =");
        assert_eq!(parse_target("=5").unwrap_err().what, "names no grade");
        assert_eq!(
            parse_target("PRIORITY=0").unwrap_err().what,
            "gives no number of minutes"
        );
    }

    #[test]
    fn a_month_is_the_uk_month() {
        // 23:30 UTC on 31 May is 00:30 on 1 June in British Summer Time.
        let m = by_month(&[call(
            "2026-05-31T23:30:00Z",
            Channel::Emergency,
            Some(4),
            false,
        )]);
        assert_eq!(m[0].month, "2026-06");
    }
}
