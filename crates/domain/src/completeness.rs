//! Is the force's export whole? Before a panel trusts a draw it should know whether the pool it
//! is drawn from is missing calls: a day with far fewer calls than the same weekday usually has,
//! or a run of missing numbers in references the force issues in sequence. Pure functions over
//! what the pool holds for the draw's window; each finding is a sentence a panel reads. A
//! [`Tracker`] gathers what they need from the calls one at a time, in any order, so that a pool
//! of millions is checked in the same pass that commits it.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// A day is short when it has under this share of its weekday's median (in percent).
pub const SHORT_DAY_PERCENT: u64 = 50;
/// Weekdays with a median under this many calls are too quiet to judge.
pub const QUIET_MEDIAN: u64 = 4;
/// References count as issued in sequence when the numbers held cover at least this share (in
/// percent) of the range from the lowest to the highest.
pub const SEQUENTIAL_PERCENT: u64 = 90;

/// Something the export may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// A day with fewer calls in the pool than the force says it received.
    BelowPublished {
        day: NaiveDate,
        calls: u64,
        published: u64,
    },
    /// A day with fewer calls than half its weekday's median (none at all included).
    ShortDay {
        day: NaiveDate,
        calls: u64,
        weekday_median: u64,
    },
    /// Numbers missing from references issued in sequence: the prefix, the first and last number
    /// of each missing run (at most ten runs), and how many numbers are missing in all.
    MissingReferences {
        prefix: String,
        /// Digits the numbers are written with (zero-padded), so they read as the force's own.
        width: usize,
        runs: Vec<(u64, u64)>,
        missing: u64,
    },
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gap::BelowPublished {
                day,
                calls,
                published,
            } => write!(
                f,
                "{} has {calls} {} in the pool, where the force's own total is {published}: {} missing",
                crate::time::long_date(*day),
                if *calls == 1 { "call" } else { "calls" },
                published - calls,
            ),
            Gap::ShortDay {
                day,
                calls,
                weekday_median,
            } => write!(
                f,
                "{} has {calls} {}, where a {} usually has {weekday_median}: the export may be missing part of that day",
                crate::time::long_date(*day),
                if *calls == 1 { "call" } else { "calls" },
                day.format("%A"),
            ),
            Gap::MissingReferences {
                prefix,
                width,
                runs,
                missing,
            } => {
                let w = *width;
                let shown: Vec<String> = runs
                    .iter()
                    .map(|(a, b)| {
                        if a == b {
                            format!("{prefix}{a:0w$}")
                        } else {
                            format!("{prefix}{a:0w$} to {prefix}{b:0w$}")
                        }
                    })
                    .collect();
                write!(
                    f,
                    "{missing} {} in the sequence {prefix}… {} missing ({}{})",
                    if *missing == 1 {
                        "reference"
                    } else {
                        "references"
                    },
                    if *missing == 1 { "is" } else { "are" },
                    shown.join(", "),
                    if (runs.len() as u64) < *missing && runs.len() == MAX_RUNS {
                        ", and more"
                    } else {
                        ""
                    }
                )
            }
        }
    }
}

const MAX_RUNS: usize = 10;

/// The median of whole numbers, the lower middle of an even count (a conservative yardstick).
fn lower_median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len().saturating_sub(1) / 2).copied().unwrap_or(0)
}

/// Days from `from` to `to` (both included) whose calls fall under half the median of the same
/// weekday over the window. `counts` gives the calls per day; a day it leaves out had none.
pub fn short_days(counts: &BTreeMap<NaiveDate, u64>, from: NaiveDate, to: NaiveDate) -> Vec<Gap> {
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    let calls = |d: &NaiveDate| counts.get(d).copied().unwrap_or(0);
    let mut medians = [0u64; 7];
    for (w, median) in medians.iter_mut().enumerate() {
        *median = lower_median(
            days.iter()
                .filter(|d| d.weekday().num_days_from_monday() as usize == w)
                .map(calls)
                .collect(),
        );
    }
    days.iter()
        .filter_map(|d| {
            let median = medians[d.weekday().num_days_from_monday() as usize];
            let n = calls(d);
            (median >= QUIET_MEDIAN && n * 100 < median * SHORT_DAY_PERCENT).then_some(
                Gap::ShortDay {
                    day: *d,
                    calls: n,
                    weekday_median: median,
                },
            )
        })
        .collect()
}

/// Days whose count in the pool falls below the force's own total for the day. Days without a
/// total are not judged; a day the pool holds more of is not a gap (totals may leave out
/// channels the export includes).
pub fn below_published(
    counts: &BTreeMap<NaiveDate, u64>,
    published: &BTreeMap<NaiveDate, u64>,
) -> Vec<Gap> {
    published
        .iter()
        .filter_map(|(day, total)| {
            let calls = counts.get(day).copied().unwrap_or(0);
            (calls < *total).then_some(Gap::BelowPublished {
                day: *day,
                calls,
                published: *total,
            })
        })
        .collect()
}

/// A reference split into the text before its trailing digits, their count and their value
/// (`DS-20250401-00017` is `DS-20250401-`, 5 and 17); `None` without trailing digits.
fn split_reference(r: &str) -> Option<(&str, usize, u64)> {
    let digits = r.len() - r.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, number) = r.split_at(r.len() - digits);
    Some((prefix, digits, number.parse().ok()?))
}

/// Missing numbers in each family of references (same prefix) that looks issued in sequence:
/// at least ten references whose numbers cover nine tenths of their range.
pub fn missing_references<'a>(refs: impl IntoIterator<Item = &'a str>) -> Vec<Gap> {
    let mut families: BTreeMap<(&str, usize), Vec<u64>> = BTreeMap::new();
    for r in refs {
        if let Some((prefix, width, n)) = split_reference(r) {
            families.entry((prefix, width)).or_default().push(n);
        }
    }
    family_gaps(families)
}

/// [`missing_references`] from the numbers held of each family, in the families' order.
fn family_gaps(families: BTreeMap<(&str, usize), Vec<u64>>) -> Vec<Gap> {
    let mut out = Vec::new();
    for ((prefix, width), mut numbers) in families {
        numbers.sort_unstable();
        numbers.dedup();
        let (Some(&lo), Some(&hi)) = (numbers.first(), numbers.last()) else {
            continue;
        };
        let span = hi - lo + 1;
        let held = numbers.len() as u64;
        if held < 10 || held == span || held * 100 < span * SEQUENTIAL_PERCENT {
            continue;
        }
        let mut runs = Vec::new();
        for w in numbers.windows(2) {
            if w[1] > w[0] + 1 && runs.len() < MAX_RUNS {
                runs.push((w[0] + 1, w[1] - 1));
            }
        }
        out.push(Gap::MissingReferences {
            prefix: prefix.to_string(),
            width,
            runs,
            missing: span - held,
        });
    }
    out
}

/// Days a window reaches back from its last day when the specification gives no first day.
const WINDOW_DAYS: i64 = 41;

/// What the completeness checks need of a force's calls, gathered from them one at a time in any
/// order, for the window of a draw: its dates, or where it leaves them open, up to the newest
/// call and six weeks back (a year at most). It keeps a count per day, and the reference numbers
/// of the calls that can still fall in the window (with an open end, those within six weeks of
/// the newest call seen so far): a pool of ten million costs the window's calls, not the pool's.
pub struct Tracker {
    tz: chrono_tz::Tz,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    newest: Option<NaiveDate>,
    oldest: Option<NaiveDate>,
    counts: BTreeMap<NaiveDate, u64>,
    families: Vec<(String, usize)>,
    numbers: BTreeMap<NaiveDate, Vec<(usize, u64)>>,
    /// The family of the last reference: a pool's references nearly all share one.
    last: Option<usize>,
    added: u64,
}

impl Tracker {
    /// For a window from `from` to `to` (UK calendar days, both included); either may be open.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Self {
        Tracker {
            tz: crate::time::DEFAULT_TZ,
            from,
            to,
            newest: None,
            oldest: None,
            counts: BTreeMap::new(),
            families: Vec::new(),
            numbers: BTreeMap::new(),
            last: None,
            added: 0,
        }
    }

    /// The window as it stands: its first and last day, once a last day is known. Where the
    /// specification leaves the first day open, the window starts no earlier than the pool's
    /// oldest call: days before a force's first export are not missing from it.
    pub fn window(&self) -> Option<(NaiveDate, NaiveDate)> {
        let (from, to) = self.reach()?;
        match (self.from, self.oldest) {
            (None, Some(oldest)) => Some((from.max(oldest).min(to), to)),
            _ => Some((from, to)),
        }
    }

    /// The earliest and last day the window can still cover: the first only moves later as
    /// calls come, so the days before it may be let go.
    fn reach(&self) -> Option<(NaiveDate, NaiveDate)> {
        let to = self.to.or(self.newest)?;
        let year_back = to - chrono::Duration::days(365);
        let from = self
            .from
            .unwrap_or(to - chrono::Duration::days(WINDOW_DAYS))
            .max(year_back);
        Some((from, to))
    }

    pub fn add(&mut self, call_ref: &str, at: DateTime<Utc>) {
        let day = at.with_timezone(&self.tz).date_naive();
        *self.counts.entry(day).or_default() += 1;
        if self.oldest.is_none_or(|o| day < o) {
            self.oldest = Some(day);
        }
        if self.to.is_none() && self.newest.is_none_or(|n| day > n) {
            self.newest = Some(day);
        }
        if self
            .reach()
            .is_some_and(|(from, to)| day < from || day > to)
        {
            return;
        }
        let Some((prefix, width, n)) = split_reference(call_ref) else {
            return;
        };
        let family = match self.last.filter(|&i| {
            let (p, w) = &self.families[i];
            p == prefix && *w == width
        }) {
            Some(i) => i,
            None => match self
                .families
                .iter()
                .position(|(p, w)| p == prefix && *w == width)
            {
                Some(i) => i,
                None => {
                    self.families.push((prefix.to_string(), width));
                    self.families.len() - 1
                }
            },
        };
        self.last = Some(family);
        self.numbers.entry(day).or_default().push((family, n));
        self.added += 1;
        // Now and then the days the window has moved past are let go.
        if self.added.is_multiple_of(1 << 16)
            && let Some((from, _)) = self.reach()
        {
            self.numbers = self.numbers.split_off(&from);
        }
    }

    /// What the export may be missing over the window, beside the force's own daily totals.
    pub fn gaps(self, published: &[(NaiveDate, u64)]) -> Vec<Gap> {
        let Some((from, to)) = self.window() else {
            return Vec::new();
        };
        let counts: BTreeMap<NaiveDate, u64> = self
            .counts
            .range(from..=to)
            .map(|(d, n)| (*d, *n))
            .collect();
        let published: BTreeMap<NaiveDate, u64> = published
            .iter()
            .filter(|(d, _)| (from..=to).contains(d))
            .copied()
            .collect();
        let mut gaps = below_published(&counts, &published);
        gaps.extend(short_days(&counts, from, to));
        let mut families: BTreeMap<(&str, usize), Vec<u64>> = BTreeMap::new();
        for (_, numbers) in self.numbers.range(from..=to) {
            for (f, n) in numbers {
                let (prefix, width) = &self.families[*f];
                families.entry((prefix, *width)).or_default().push(*n);
            }
        }
        gaps.extend(family_gaps(families));
        gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The tracker, given calls in no order (newest first here, so that it lets go of days as
    /// the window moves), finds what the functions find over the window's calls alone.
    #[test]
    fn the_tracker_finds_what_the_window_holds_whatever_the_order() {
        let start: DateTime<Utc> = "2026-01-01T12:00:00Z".parse().unwrap();
        // 100 days of 700 calls, numbered in sequence; day 80 has 100; numbers 69,000 to 69,009
        // (day 98) are missing; a second family only on day 10, long before the window.
        let mut calls: Vec<(String, DateTime<Utc>)> = Vec::new();
        for d in 0..100i64 {
            let n = if d == 80 { 100 } else { 700 };
            for i in 0..n {
                let number = d * 700 + i;
                if (69_000..69_010).contains(&number) {
                    continue;
                }
                let at = start + chrono::Duration::days(d) + chrono::Duration::seconds(i);
                calls.push((format!("DS-{number:06}"), at));
            }
        }
        for i in (0..50).step_by(2) {
            calls.push((format!("OLD-{i:03}"), start + chrono::Duration::days(10)));
        }
        calls.reverse();
        let mut t = Tracker::new(None, None);
        for (r, at) in &calls {
            t.add(r, *at);
        }
        let (from, to) = t.window().unwrap();
        assert_eq!((from, to), (day("2026-02-28"), day("2026-04-10")));
        let day_of = |at: &DateTime<Utc>| at.with_timezone(&crate::time::DEFAULT_TZ).date_naive();
        let inside: Vec<&(String, DateTime<Utc>)> = calls
            .iter()
            .filter(|(_, at)| (from..=to).contains(&day_of(at)))
            .collect();
        let mut counts = BTreeMap::new();
        for (_, at) in &inside {
            *counts.entry(day_of(at)).or_insert(0u64) += 1;
        }
        let published = [(day("2026-03-01"), 800), (day("2025-03-01"), 5)];
        let mut expected = below_published(&counts, &BTreeMap::from([published[0]]));
        expected.extend(short_days(&counts, from, to));
        expected.extend(missing_references(inside.iter().map(|(r, _)| r.as_str())));
        assert_eq!(expected.len(), 3, "{expected:?}");
        assert_eq!(t.gaps(&published), expected);
    }

    /// A force's first export, three weeks long: the open window does not reach back to days
    /// before its first call and call them missing; a window the panel set does.
    #[test]
    fn days_before_the_first_call_are_not_missing_unless_the_window_asks_for_them() {
        let start: DateTime<Utc> = "2026-03-02T12:00:00Z".parse().unwrap();
        let feed = |t: &mut Tracker| {
            for d in 0..21 {
                for i in 0..20 {
                    let at = start + chrono::Duration::days(d) + chrono::Duration::minutes(i);
                    t.add(&format!("C{d}-{i}"), at);
                }
            }
        };
        let mut open = Tracker::new(None, None);
        feed(&mut open);
        assert_eq!(open.window(), Some((day("2026-03-02"), day("2026-03-22"))));
        assert_eq!(open.gaps(&[]), []);
        let mut asked = Tracker::new(Some(day("2026-02-23")), None);
        feed(&mut asked);
        let gaps = asked.gaps(&[]);
        assert_eq!(gaps.len(), 7, "{gaps:?}");
        assert!(
            gaps.iter()
                .all(|g| matches!(g, Gap::ShortDay { calls: 0, .. }))
        );
    }

    /// Four weeks of 20 calls a day, except Tuesday 14 April with 6 (under half of 20) and
    /// Wednesday 22 April with none; Thursday 9 April has 11 (over half: not flagged).
    #[test]
    fn a_day_well_under_its_weekday_is_found() {
        let (from, to) = (day("2026-04-06"), day("2026-05-03"));
        let mut counts: BTreeMap<NaiveDate, u64> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .map(|d| (d, 20))
            .collect();
        counts.insert(day("2026-04-14"), 6);
        counts.remove(&day("2026-04-22"));
        counts.insert(day("2026-04-09"), 11);
        let gaps = short_days(&counts, from, to);
        assert_eq!(
            gaps,
            [
                Gap::ShortDay {
                    day: day("2026-04-14"),
                    calls: 6,
                    weekday_median: 20
                },
                Gap::ShortDay {
                    day: day("2026-04-22"),
                    calls: 0,
                    weekday_median: 20
                },
            ]
        );
        assert_eq!(
            gaps[1].to_string(),
            "22 April 2026 has 0 calls, where a Wednesday usually has 20: the export may be missing part of that day"
        );
        // A quiet force (a median of 2 a day) is not judged.
        let quiet: BTreeMap<NaiveDate, u64> = counts.keys().map(|d| (*d, 2)).collect();
        assert!(short_days(&quiet, from, to).is_empty());
    }

    #[test]
    fn a_day_below_the_forces_own_total_is_found() {
        let counts = BTreeMap::from([(day("2026-04-01"), 300), (day("2026-04-02"), 310)]);
        let published = BTreeMap::from([
            (day("2026-04-01"), 300),
            (day("2026-04-02"), 312),
            (day("2026-04-03"), 5),
        ]);
        let gaps = below_published(&counts, &published);
        assert_eq!(gaps.len(), 2, "{gaps:?}");
        assert_eq!(
            gaps[0].to_string(),
            "2 April 2026 has 310 calls in the pool, where the force's own total is 312: 2 missing"
        );
        assert_eq!(
            gaps[1],
            Gap::BelowPublished {
                day: day("2026-04-03"),
                calls: 0,
                published: 5
            }
        );
    }

    #[test]
    fn gaps_in_sequential_references_are_found_and_scattered_ones_are_not() {
        let mut refs: Vec<String> = (1..=40)
            .filter(|n| !(17..=19).contains(n) && *n != 33)
            .map(|n| format!("INC-{n:05}"))
            .collect();
        refs.push("CAD Event".into());
        let gaps = missing_references(refs.iter().map(String::as_str));
        assert_eq!(
            gaps,
            [Gap::MissingReferences {
                prefix: "INC-".into(),
                width: 5,
                runs: vec![(17, 19), (33, 33)],
                missing: 4
            }]
        );
        assert_eq!(
            gaps[0].to_string(),
            "4 references in the sequence INC-… are missing (INC-00017 to INC-00019, INC-00033)"
        );
        // Every third number: not a sequence the force issues one by one.
        let scattered: Vec<String> = (1..=60).step_by(3).map(|n| format!("X{n}")).collect();
        assert!(missing_references(scattered.iter().map(String::as_str)).is_empty());
    }
}
