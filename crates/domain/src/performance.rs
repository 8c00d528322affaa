//! Control-room performance from the call pool: how fast calls are answered, how many callers give
//! up, how long calls last; per channel and per month. Pure functions over the calls of a period,
//! so each figure is tested on numbers worked out by hand.
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

use crate::call::Channel;

/// What the figures need of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimes {
    pub started_at: DateTime<Utc>,
    pub channel: Channel,
    pub answer_s: Option<u32>,
    pub abandoned: Option<bool>,
    pub duration_s: Option<u32>,
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

/// The median of sorted values; an even count gives the mean of the middle two (to a half).
pub fn median(sorted: &[u32]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(sorted[n / 2])),
        _ => Some((f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0),
    }
}

/// The nearest-rank percentile `p` (0 < p ≤ 100) of sorted values.
pub fn nearest_rank(sorted: &[u32], p: u32) -> Option<f64> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    Some(f64::from(sorted[(rank - 1) as usize]))
}

/// The figures of `calls`.
pub fn figures<'a>(calls: impl IntoIterator<Item = &'a CallTimes>) -> Figures {
    let (mut n, mut abandoned, mut over_2min, mut known) = (0u64, 0u64, 0u64, 0u64);
    let (mut within_10, mut to_60) = (0u64, 0u64);
    let mut answers: Vec<u32> = Vec::new();
    let (mut duration_sum, mut durations) = (0u64, 0u64);
    for c in calls {
        n += 1;
        abandoned += u64::from(c.abandoned == Some(true));
        known += u64::from(c.abandoned.is_some());
        if let Some(a) = c.answer_s {
            answers.push(a);
            match a {
                0..=10 => within_10 += 1,
                11..=60 => to_60 += 1,
                _ => {}
            }
            over_2min += u64::from(a > 120);
        }
        if let Some(d) = c.duration_s {
            duration_sum += u64::from(d);
            durations += 1;
        }
    }
    answers.sort_unstable();
    let answered = answers.len() as u64;
    Figures {
        calls: n,
        answered,
        abandoned,
        // An export with no abandonment column says nothing of it: no share, rather than 0%.
        abandoned_percent: if known == 0 {
            None
        } else {
            percent(abandoned, n)
        },
        within_10s_percent: percent(within_10, answered),
        from_11_to_60s_percent: percent(to_60, answered),
        over_60s_percent: percent(answered - within_10 - to_60, answered),
        over_2min,
        median_answer_s: median(&answers),
        p90_answer_s: nearest_rank(&answers, 90),
        mean_duration_s: mean_tenths(duration_sum, durations),
    }
}

/// Figures per channel, in the channels' order (999, 101, then the rest), channels with no call
/// left out.
pub fn by_channel(calls: &[CallTimes]) -> Vec<ChannelFigures> {
    Channel::ALL
        .iter()
        .filter_map(|ch| {
            let mine: Vec<&CallTimes> = calls.iter().filter(|c| c.channel == *ch).collect();
            (!mine.is_empty()).then(|| ChannelFigures {
                channel: ch.code().to_string(),
                figures: figures(mine),
            })
        })
        .collect()
}

/// Figures per month (UK time) and channel, months in order.
pub fn by_month(calls: &[CallTimes]) -> Vec<MonthFigures> {
    let mut months: BTreeMap<String, Vec<CallTimes>> = BTreeMap::new();
    for c in calls {
        let month = c
            .started_at
            .with_timezone(&crate::time::DEFAULT_TZ)
            .format("%Y-%m")
            .to_string();
        months.entry(month).or_default().push(*c);
    }
    months
        .into_iter()
        .flat_map(|(month, calls)| {
            by_channel(&calls)
                .into_iter()
                .map(move |c| MonthFigures {
                    month: month.clone(),
                    channel: c.channel,
                    figures: c.figures,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(at: &str, channel: Channel, answer: Option<u32>, abandoned: bool) -> CallTimes {
        CallTimes {
            started_at: at.parse().unwrap(),
            channel,
            answer_s: answer,
            abandoned: Some(abandoned),
            duration_s: answer.map(|a| a * 10),
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
