//! How alike the panel's volunteers read calls: each auditor's agreement with the rest of the
//! panel and each question's agreement, over the year and by quarter, with how much each figure
//! rests on (calls, and a bootstrap interval). The coordinator sees it per auditor; the annual
//! report gives it only as aggregates, never naming a volunteer.

use std::collections::{BTreeMap, HashMap};

use callaudit_domain::stats::{
    bootstrap95, bootstrap95_each, krippendorff_by_coder, krippendorff_nominal,
};
use callaudit_domain::template::{Answer, Template};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// Below this alpha, Krippendorff (2004) advises against drawing even tentative conclusions.
pub const LOW: f64 = 0.667;
/// From this alpha on, Krippendorff (2004) counts agreement as reliable.
pub const GOOD: f64 = 0.8;
/// A figure resting on fewer calls shared with others is not read at all.
pub const FEW_CALLS: usize = 5;
/// Bootstrap draws per interval: enough for the second decimal to settle.
const ROUNDS: usize = 500;

/// One agreement figure and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// Krippendorff's alpha, rounded to 2 decimals; `None` where it cannot be computed.
    pub alpha: Option<f64>,
    /// The 95% bootstrap interval (resampling calls), rounded as the alpha is.
    pub interval: Option<(f64, f64)>,
    /// Calls answered by at least two auditors (for an auditor: by them and someone else).
    pub calls: usize,
}

impl Reading {
    /// The figure in words, for people who do not read alphas.
    pub fn meaning(&self) -> &'static str {
        match self.alpha {
            _ if self.calls < FEW_CALLS => "Too few calls shared with others to tell",
            None => "Too little variation in the answers to tell",
            Some(a) if a >= GOOD => "Reads calls as the rest of the panel does",
            Some(a) if a >= LOW => "Some difference from the rest of the panel",
            Some(_) => "Reads calls differently from the rest of the panel",
        }
    }

    /// Whether the figure rests on enough calls and is below [`LOW`].
    pub fn low(&self) -> bool {
        self.calls >= FEW_CALLS && self.alpha.is_some_and(|a| a < LOW)
    }

    /// "0.72", or "–".
    pub fn alpha_text(&self) -> String {
        self.alpha.map_or("–".into(), |a| format!("{a:.2}"))
    }

    /// "0.55 to 0.86", or "–".
    pub fn interval_text(&self) -> String {
        self.interval
            .map_or("–".into(), |(l, h)| format!("{l:.2} to {h:.2}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditorReading {
    pub auditor_id: i64,
    pub year: Reading,
    /// The four quarters of the financial year, April to March.
    pub quarters: Vec<Reading>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionReading {
    pub code: String,
    pub text: String,
    pub year: Reading,
    pub quarters: Vec<Reading>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreements {
    pub auditors: Vec<AuditorReading>,
    pub questions: Vec<QuestionReading>,
}

/// The quarter of the financial year (0 for April to June … 3 for January to March).
pub fn quarter(d: NaiveDate) -> usize {
    ((d.month() as usize + 8) % 12) / 3
}

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// One call's answers: (auditor, question code, answer).
type CallAnswers<'a> = Vec<(i64, &'a str, Answer)>;

/// Each auditor's agreement with the rest of the panel over `calls`, all questions together.
fn by_auditor(calls: &[&CallAnswers]) -> BTreeMap<i64, f64> {
    let mut units: Vec<Vec<(i64, Answer)>> = Vec::new();
    for call in calls {
        let mut by_question: BTreeMap<&str, Vec<(i64, Answer)>> = BTreeMap::new();
        for (auditor, q, a) in call.iter() {
            by_question.entry(q).or_default().push((*auditor, *a));
        }
        units.extend(by_question.into_values());
    }
    krippendorff_by_coder(&units)
        .map(|m| m.into_iter().map(|(k, a)| (k, a.alpha)).collect())
        .unwrap_or_default()
}

/// The calls each auditor shared with someone else, among `calls`.
fn shared_calls(calls: &[&CallAnswers]) -> HashMap<i64, usize> {
    let mut out = HashMap::new();
    for call in calls {
        let mut who: Vec<i64> = call.iter().map(|(a, _, _)| *a).collect();
        who.sort_unstable();
        who.dedup();
        if who.len() >= 2 {
            for a in who {
                *out.entry(a).or_default() += 1;
            }
        }
    }
    out
}

fn question_alpha(calls: &[&CallAnswers], code: &str) -> Option<f64> {
    let units: Vec<Vec<Answer>> = calls
        .iter()
        .map(|c| {
            c.iter()
                .filter(|(_, q, _)| *q == code)
                .map(|(_, _, a)| *a)
                .collect()
        })
        .collect();
    krippendorff_nominal(&units).map(|a| a.alpha)
}

fn question_calls(calls: &[&CallAnswers], code: &str) -> usize {
    calls
        .iter()
        .filter(|c| c.iter().filter(|(_, q, _)| *q == code).count() >= 2)
        .count()
}

/// Agreement per auditor and per question, over the year and by quarter. `answers` are
/// (session call, auditor, question code, answer); `held_on` gives each session call's day (calls
/// without one are left out). With `intervals`, the year's figures carry a bootstrap interval.
pub fn agreements(
    template: &Template,
    answers: &[(i64, i64, String, Answer)],
    held_on: &HashMap<i64, NaiveDate>,
    intervals: bool,
) -> Agreements {
    let mut calls: BTreeMap<i64, CallAnswers> = BTreeMap::new();
    for (sc, auditor, q, a) in answers {
        calls
            .entry(*sc)
            .or_default()
            .push((*auditor, q.as_str(), *a));
    }
    let all: Vec<(usize, &CallAnswers)> = calls
        .iter()
        .filter_map(|(sc, c)| held_on.get(sc).map(|d| (quarter(*d), c)))
        .collect();
    let in_quarter = |q: Option<usize>| -> Vec<&CallAnswers> {
        all.iter()
            .filter(|(k, _)| q.is_none_or(|q| q == *k))
            .map(|(_, c)| *c)
            .collect()
    };
    let periods: Vec<Vec<&CallAnswers>> = std::iter::once(in_quarter(None))
        .chain((0..4).map(|q| in_quarter(Some(q))))
        .collect();

    // Per auditor, in each period: the alpha, and the calls shared; over the year, the interval
    // (one bootstrap for every auditor at once).
    let per_period: Vec<(BTreeMap<i64, f64>, HashMap<i64, usize>)> = periods
        .iter()
        .map(|p| (by_auditor(p), shared_calls(p)))
        .collect();
    let auditor_intervals = match intervals {
        true => bootstrap95_each(&periods[0], ROUNDS, |draw| {
            let owned: Vec<&CallAnswers> = draw.iter().map(|c| **c).collect();
            by_auditor(&owned)
        }),
        false => BTreeMap::new(),
    };
    let reading_of = |period: usize, auditor: i64| {
        let (alphas, shared) = &per_period[period];
        let calls = shared.get(&auditor).copied().unwrap_or(0);
        let alpha = alphas.get(&auditor).copied();
        let interval = match (period, alpha) {
            (0, Some(_)) if calls >= FEW_CALLS => auditor_intervals.get(&auditor).copied(),
            _ => None,
        };
        Reading {
            alpha: alpha.map(r2),
            interval: interval.map(|(l, h)| (r2(l), r2(h))),
            calls,
        }
    };
    let auditors = per_period[0]
        .1
        .keys()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|a| AuditorReading {
            auditor_id: a,
            year: reading_of(0, a),
            quarters: (1..=4).map(|p| reading_of(p, a)).collect(),
        })
        .collect();

    let questions = template
        .questions
        .iter()
        .map(|q| {
            let reading = |p: &[&CallAnswers], interval: bool| {
                let calls = question_calls(p, &q.code);
                let alpha = question_alpha(p, &q.code);
                let interval = match (interval, alpha) {
                    (true, Some(_)) if calls >= FEW_CALLS => bootstrap95(p, ROUNDS, |draw| {
                        let owned: Vec<&CallAnswers> = draw.iter().map(|c| **c).collect();
                        question_alpha(&owned, &q.code)
                    }),
                    _ => None,
                };
                Reading {
                    alpha: alpha.map(r2),
                    interval: interval.map(|(l, h)| (r2(l), r2(h))),
                    calls,
                }
            };
            QuestionReading {
                code: q.code.clone(),
                text: q.text.clone(),
                year: reading(&periods[0], intervals),
                quarters: periods[1..].iter().map(|p| reading(p, false)).collect(),
            }
        })
        .collect();
    Agreements {
        auditors,
        questions,
    }
}

/// The annual report's volunteer section, in figures and sentences that name nobody.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolunteerSection {
    /// Volunteer auditors on the scheme's books at the year's end.
    pub auditors_at_year_end: u64,
    /// Of them, those who could sit on a panel that day (agreement accepted, vetting holding).
    pub ready_at_year_end: u64,
    pub sessions_held: u64,
    /// Auditors who answered at least one call in the year.
    pub auditors_who_scored: u64,
    /// "At the end of 2025/26 the scheme had 7 volunteer auditors …".
    pub summary: String,
    /// How alike they read calls, as a spread, or "" when nobody shared enough calls.
    pub agreement: String,
}

/// The volunteer section from the year's figures and the auditors' agreement.
pub fn section(
    year_label: &str,
    auditors_at_year_end: u64,
    ready_at_year_end: u64,
    sessions_held: u64,
    agreements: &Agreements,
) -> VolunteerSection {
    let scored = agreements.auditors.len() as u64;
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let summary = format!(
        "At the end of {year_label} the scheme had {}; the training records of {} of them showed the confidentiality agreement accepted and vetting in date that day. {} held in the year, and {} scored calls.",
        plural(
            auditors_at_year_end,
            "volunteer auditor",
            "volunteer auditors"
        ),
        ready_at_year_end,
        match sessions_held {
            1 => "1 session was".to_string(),
            n => format!("{n} sessions were"),
        },
        plural(scored, "auditor", "auditors"),
    );
    let read: Vec<f64> = agreements
        .auditors
        .iter()
        .filter(|a| a.year.calls >= FEW_CALLS)
        .filter_map(|a| a.year.alpha)
        .collect();
    let agreement = if read.is_empty() {
        String::new()
    } else {
        let lo = read.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = read.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let low = read.iter().filter(|a| **a < LOW).count() as u64;
        format!(
            "Each auditor's agreement with the rest of the panel (Krippendorff's alpha, counted over the calls they scored alongside others) ranged from {lo:.2} to {hi:.2} across the {} who shared at least {FEW_CALLS} calls; {} below {LOW}, where a calibration session against agreed reference calls helps. No volunteer is named.",
            plural(read.len() as u64, "auditor", "auditors"),
            match low {
                1 => "1 was".to_string(),
                n => format!("{n} were"),
            }
        )
    };
    VolunteerSection {
        auditors_at_year_end,
        ready_at_year_end,
        sessions_held,
        auditors_who_scored: scored,
        summary,
        agreement,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn quarters_follow_the_financial_year() {
        assert_eq!(quarter(d(2025, 4, 1)), 0);
        assert_eq!(quarter(d(2025, 6, 30)), 0);
        assert_eq!(quarter(d(2025, 7, 1)), 1);
        assert_eq!(quarter(d(2025, 12, 31)), 2);
        assert_eq!(quarter(d(2026, 1, 1)), 3);
        assert_eq!(quarter(d(2026, 3, 31)), 3);
    }

    /// Three auditors answer one question on `n` calls; auditor 3 differs on every fourth.
    fn panel(n: i64) -> (Vec<(i64, i64, String, Answer)>, HashMap<i64, NaiveDate>) {
        let mut answers = Vec::new();
        let mut days = HashMap::new();
        for call in 0..n {
            let a = if call % 2 == 0 {
                Answer::Yes
            } else {
                Answer::No
            };
            let odd = if call % 4 == 0 { Answer::No } else { a };
            for (auditor, answer) in [(1, a), (2, a), (3, odd)] {
                answers.push((call, auditor, "greeting".to_string(), answer));
            }
            days.insert(
                call,
                if call < n / 2 {
                    d(2025, 5, 1)
                } else {
                    d(2025, 11, 1)
                },
            );
        }
        (answers, days)
    }

    #[test]
    fn the_auditor_who_differs_comes_out_lowest_with_an_interval() {
        let (answers, days) = panel(40);
        let r = agreements(&Template::reference(), &answers, &days, true);
        assert_eq!(r.auditors.len(), 3);
        let third = &r.auditors[2];
        assert!(third.year.alpha < r.auditors[0].year.alpha, "{r:?}");
        assert!(third.year.low() && !r.auditors[0].year.low(), "{r:?}");
        assert_eq!(third.year.calls, 40);
        let (lo, hi) = third.year.interval.unwrap();
        let a = third.year.alpha.unwrap();
        assert!(lo <= a && a <= hi, "{lo} {a} {hi}");
        // Calls fall in the first and third quarters only.
        assert_eq!(
            third.quarters.iter().map(|q| q.calls).collect::<Vec<_>>(),
            vec![20, 0, 20, 0]
        );
        assert_eq!(
            third.quarters[1].meaning(),
            "Too few calls shared with others to tell"
        );
        // The question's own figure is the panel's alpha on it, the same as the domain's.
        let greeting = r.questions.iter().find(|q| q.code == "greeting").unwrap();
        let units: Vec<Vec<Answer>> = (0..40)
            .map(|c| answers.iter().filter(|a| a.0 == c).map(|a| a.3).collect())
            .collect();
        let expected = krippendorff_nominal(&units).unwrap().alpha;
        assert_eq!(greeting.year.alpha, Some(r2(expected)));
        assert!(greeting.year.interval.is_some());
        // A question nobody answered reads as nothing to tell.
        let other = r.questions.iter().find(|q| q.code != "greeting").unwrap();
        assert_eq!(other.year.calls, 0);
        assert_eq!(other.year.alpha_text(), "–");
    }

    #[test]
    fn the_annual_section_names_nobody_and_counts_those_below_the_threshold() {
        let (answers, days) = panel(40);
        let r = agreements(&Template::reference(), &answers, &days, true);
        let s = section("2025/26", 7, 6, 17, &r);
        assert_eq!(
            s.summary,
            "At the end of 2025/26 the scheme had 7 volunteer auditors; the training records of 6 of them showed the confidentiality agreement accepted and vetting in date that day. 17 sessions were held in the year, and 3 auditors scored calls."
        );
        assert!(
            s.agreement
                .contains("across the 3 auditors who shared at least 5 calls; 1 was below 0.667"),
            "{}",
            s.agreement
        );
        let empty = section(
            "2025/26",
            0,
            0,
            0,
            &agreements(&Template::reference(), &[], &HashMap::new(), false),
        );
        assert_eq!(empty.agreement, "");
    }
}
