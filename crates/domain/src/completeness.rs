//! Is the force's export whole? Before a panel trusts a draw it should know whether the pool it
//! is drawn from is missing calls: a day with far fewer calls than the same weekday usually has,
//! or a run of missing numbers in references the force issues in sequence. Pure functions over
//! what the pool holds for the draw's window; each finding is a sentence a panel reads.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
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
