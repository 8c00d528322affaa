//! How alike the panel's volunteers read calls: each auditor's agreement with the rest of the
//! panel and each question's agreement, over the year and by quarter, with how much each figure
//! rests on (calls, and a bootstrap interval). The coordinator sees it per auditor; the annual
//! report gives it only as aggregates, never naming a volunteer.

use std::collections::{BTreeMap, HashMap};

use callaudit_domain::stats::{CoderTally, Tally, bootstrap95_each};
use callaudit_domain::template::{Answer, Template};
use callaudit_domain::time::financial_quarter;
use chrono::NaiveDate;
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

fn r2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What one call adds to each figure: its tally over all questions together, each auditor's
/// share of it, and its tally per question of the template. Figures over any set of calls (a
/// quarter, a bootstrap draw) are sums of these, so a draw costs one addition per call.
#[derive(Default)]
struct CallTally {
    all: Tally,
    auditors: BTreeMap<i64, CoderTally>,
    questions: Vec<Tally>,
}

impl CallTally {
    /// `answers` are one call's (auditor, question code, answer).
    fn new(template: &Template, answers: &[(i64, &str, Answer)]) -> CallTally {
        let mut by_question: BTreeMap<&str, (Vec<i64>, Vec<usize>)> = BTreeMap::new();
        for (auditor, q, a) in answers {
            let e = by_question.entry(q).or_default();
            e.0.push(*auditor);
            e.1.push(Answer::ALL.iter().position(|x| x == a).unwrap_or(0));
        }
        let mut t = CallTally {
            questions: vec![Tally::default(); template.questions.len()],
            ..CallTally::default()
        };
        for (code, (who, values)) in &by_question {
            let (unit, shares) = Tally::with_coders(values);
            t.all.add(&unit);
            if let Some(i) = template.questions.iter().position(|q| q.code == *code) {
                t.questions[i] = unit;
            }
            for (auditor, share) in who.iter().zip(shares) {
                t.auditors.entry(*auditor).or_default().add(&share);
            }
        }
        t
    }
}

/// The sums over a set of calls.
#[derive(Default)]
struct Sums {
    all: Tally,
    auditors: BTreeMap<i64, CoderTally>,
    questions: Vec<Tally>,
    /// Per auditor, the calls they shared with someone else; per question, the calls two or
    /// more auditors answered it on.
    auditor_calls: BTreeMap<i64, usize>,
    question_calls: Vec<usize>,
}

impl Sums {
    fn of<'a>(questions: usize, calls: impl IntoIterator<Item = &'a CallTally>) -> Sums {
        let mut s = Sums {
            questions: vec![Tally::default(); questions],
            question_calls: vec![0; questions],
            ..Sums::default()
        };
        for c in calls {
            s.all.add(&c.all);
            let shared = c.auditors.len() >= 2;
            for (a, t) in &c.auditors {
                s.auditors.entry(*a).or_default().add(t);
                if shared {
                    *s.auditor_calls.entry(*a).or_default() += 1;
                }
            }
            for (i, q) in c.questions.iter().enumerate() {
                s.questions[i].add(q);
                s.question_calls[i] += usize::from(q.units() > 0);
            }
        }
        s
    }

    fn auditor_alpha(&self, auditor: i64) -> Option<f64> {
        self.auditors
            .get(&auditor)
            .and_then(|t| self.all.coder_alpha(t))
    }
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
    let mut by_call: BTreeMap<i64, Vec<(i64, &str, Answer)>> = BTreeMap::new();
    for (sc, auditor, q, a) in answers {
        by_call
            .entry(*sc)
            .or_default()
            .push((*auditor, q.as_str(), *a));
    }
    let calls: Vec<(usize, CallTally)> = by_call
        .iter()
        .filter_map(|(sc, c)| {
            held_on
                .get(sc)
                .map(|d| (financial_quarter(*d), CallTally::new(template, c)))
        })
        .collect();
    let nq = template.questions.len();
    let year = Sums::of(nq, calls.iter().map(|(_, c)| c));
    let quarters: Vec<Sums> = (0..4)
        .map(|q| Sums::of(nq, calls.iter().filter(|(k, _)| *k == q).map(|(_, c)| c)))
        .collect();
    let year_calls: Vec<&CallTally> = calls.iter().map(|(_, c)| c).collect();
    // One bootstrap for every auditor at once, and one for every question.
    let (auditor_intervals, question_intervals) = match intervals {
        true => (
            bootstrap95_each(&year_calls, ROUNDS, |draw| {
                let s = Sums::of(nq, draw.iter().map(|c| **c));
                s.auditors
                    .keys()
                    .filter_map(|a| s.auditor_alpha(*a).map(|x| (*a, x)))
                    .collect::<Vec<_>>()
            }),
            bootstrap95_each(&year_calls, ROUNDS, |draw| {
                let s = Sums::of(nq, draw.iter().map(|c| **c));
                s.questions
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| t.alpha().map(|a| (i, a.alpha)))
                    .collect::<Vec<_>>()
            }),
        ),
        false => (BTreeMap::new(), BTreeMap::new()),
    };
    let reading = |alpha: Option<f64>, calls: usize, interval: Option<(f64, f64)>| Reading {
        alpha: alpha.map(r2),
        interval: interval
            .filter(|_| alpha.is_some() && calls >= FEW_CALLS)
            .map(|(l, h)| (r2(l), r2(h))),
        calls,
    };
    let auditors = year
        .auditors
        .keys()
        .filter(|a| year.auditor_calls.contains_key(a))
        .map(|a| {
            let of = |s: &Sums, interval| {
                reading(
                    s.auditor_alpha(*a),
                    s.auditor_calls.get(a).copied().unwrap_or(0),
                    interval,
                )
            };
            AuditorReading {
                auditor_id: *a,
                year: of(&year, auditor_intervals.get(a).copied()),
                quarters: quarters.iter().map(|q| of(q, None)).collect(),
            }
        })
        .collect();
    let questions = template
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let of = |s: &Sums, interval| {
                reading(
                    s.questions[i].alpha().map(|a| a.alpha),
                    s.question_calls[i],
                    interval,
                )
            };
            QuestionReading {
                code: q.code.clone(),
                text: q.text.clone(),
                year: of(&year, question_intervals.get(&i).copied()),
                quarters: quarters.iter().map(|s| of(s, None)).collect(),
            }
        })
        .collect();
    Agreements {
        auditors,
        questions,
    }
}

/// How many of someone's calibration answers matched the agreed answers of the reference calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Matching {
    pub matched: u64,
    /// Answers to questions the reference has an agreed answer for.
    pub answered: u64,
}

impl Matching {
    pub fn add(&mut self, matched: bool) {
        self.answered += 1;
        self.matched += u64::from(matched);
    }

    /// The two counts together.
    pub fn merge(&mut self, other: &Matching) {
        self.matched += other.matched;
        self.answered += other.answered;
    }

    /// The 95% Wilson interval of the share, in whole percent.
    pub fn interval(&self) -> Option<(u64, u64)> {
        callaudit_domain::stats::wilson(self.matched, self.answered, callaudit_domain::stats::Z95)
            .map(|(l, h)| ((l * 100.0).round() as u64, (h * 100.0).round() as u64))
    }

    /// "14 of 16 answers (88%; 95% interval 64% to 97%)", or "No answers to compare".
    pub fn text(&self) -> String {
        match self.interval() {
            None => "No answers to compare".into(),
            Some((l, h)) => format!(
                "{} of {} answers ({}%; 95% interval {l}% to {h}%)",
                self.matched,
                self.answered,
                callaudit_domain::stats::percent(self.matched, self.answered)
            ),
        }
    }
}

/// One auditor's calibration: over all their calibration sessions, and session by session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReading {
    pub auditor_id: i64,
    pub all: Matching,
    /// Each calibration session they took, oldest first: (session, day, matching).
    pub sessions: Vec<(i64, NaiveDate, Matching)>,
}

/// Each auditor's calibration record from their settled calibration answers, given as
/// (session, day, auditor, matched the agreed answer). Answers to questions the reference has no
/// agreed answer for are left out before this.
pub fn calibrations(rows: &[(i64, NaiveDate, i64, bool)]) -> Vec<CalibrationReading> {
    let mut by: BTreeMap<i64, BTreeMap<(NaiveDate, i64), Matching>> = BTreeMap::new();
    for (session, day, auditor, matched) in rows {
        by.entry(*auditor)
            .or_default()
            .entry((*day, *session))
            .or_default()
            .add(*matched);
    }
    by.into_iter()
        .map(|(auditor_id, sessions)| {
            let mut all = Matching::default();
            for m in sessions.values() {
                all.merge(m);
            }
            CalibrationReading {
                auditor_id,
                all,
                sessions: sessions
                    .into_iter()
                    .map(|((day, s), m)| (s, day, m))
                    .collect(),
            }
        })
        .collect()
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
    /// The year's calibration sessions against agreed reference calls, as a whole, or "" when
    /// none was taken.
    pub calibration: String,
}

/// The volunteer section from the year's figures and the auditors' agreement.
pub fn section(
    year_label: &str,
    auditors_at_year_end: u64,
    ready_at_year_end: u64,
    sessions_held: u64,
    agreements: &Agreements,
    calibrations: &[CalibrationReading],
) -> VolunteerSection {
    let scored = agreements.auditors.len() as u64;
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let held = match sessions_held {
        1 => "1 session was".to_string(),
        n => format!("{n} sessions were"),
    };
    let summary = if auditors_at_year_end == 0 && scored == 0 {
        // A scheme that brought its past audits in from spreadsheets has their outcomes but not
        // its volunteers: "0 auditors" would be wrong, not merely unknown.
        format!(
            "{held} held in {year_label}. The scheme's volunteers for the year are not on record here: its audits came in without them (from a spreadsheet of outcomes, say). Once the auditors and their training records are added, the next report counts them."
        )
    } else {
        format!(
            "At the end of {year_label} the scheme had {}; the training records of {} of them showed the confidentiality agreement accepted and vetting in date that day. {held} held in the year, and {} scored calls.",
            plural(
                auditors_at_year_end,
                "volunteer auditor",
                "volunteer auditors"
            ),
            ready_at_year_end,
            plural(scored, "auditor", "auditors"),
        )
    };
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
    let mut all = Matching::default();
    let mut taken = std::collections::BTreeSet::new();
    for c in calibrations {
        all.merge(&c.all);
        taken.extend(c.sessions.iter().map(|(s, _, _)| *s));
    }
    let calibration = match all.interval() {
        None => String::new(),
        Some((l, h)) => format!(
            "{} scored reference calls in {} against the answers the panel had agreed for them; {}% of their answers matched (95% interval {l}% to {h}%). These training answers are not counted in any other figure.",
            plural(calibrations.len() as u64, "auditor", "auditors"),
            plural(
                taken.len() as u64,
                "calibration session",
                "calibration sessions"
            ),
            callaudit_domain::stats::percent(all.matched, all.answered),
        ),
    };
    VolunteerSection {
        auditors_at_year_end,
        ready_at_year_end,
        sessions_held,
        auditors_who_scored: scored,
        summary,
        agreement,
        calibration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callaudit_domain::stats::krippendorff_nominal;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Three auditors answer one question on `n` calls; auditor 3 differs on every fourth.
    /// (session call, auditor, question, answer), and each session call's day.
    type Panel = (Vec<(i64, i64, String, Answer)>, HashMap<i64, NaiveDate>);

    fn panel(n: i64) -> Panel {
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
        let calibrated = calibrations(&[
            (90, d(2025, 6, 1), 1, true),
            (90, d(2025, 6, 1), 1, false),
            (90, d(2025, 6, 1), 2, true),
            (91, d(2025, 9, 1), 2, true),
        ]);
        let s = section("2025/26", 7, 6, 17, &r, &calibrated);
        assert!(
            s.calibration.starts_with(
                "2 auditors scored reference calls in 2 calibration sessions against the answers the panel had agreed for them; 75% of their answers matched"
            ),
            "{}",
            s.calibration
        );
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
            &[],
        );
        assert_eq!(empty.agreement, "");
        assert_eq!(empty.calibration, "", "no calibration taken, nothing said");
        // Audits brought in from a spreadsheet of outcomes, with no volunteer on record: said so,
        // never "0 auditors".
        assert!(
            empty.summary.starts_with(
                "0 sessions were held in 2025/26. The scheme's volunteers for the year are not on record here"
            ),
            "{}",
            empty.summary
        );
    }

    #[test]
    fn calibration_counts_each_auditors_matches_session_by_session() {
        let (a, b) = (d(2026, 5, 1), d(2026, 9, 1));
        let mut rows = Vec::new();
        // Auditor 1: 3 of 4 in the first session, 4 of 4 in the second; auditor 2: 1 of 4.
        for m in [true, true, true, false] {
            rows.push((10, a, 1, m));
        }
        for _ in 0..4 {
            rows.push((20, b, 1, true));
        }
        for m in [false, true, false, false] {
            rows.push((10, a, 2, m));
        }
        let got = calibrations(&rows);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].auditor_id, 1);
        assert_eq!(
            got[0].all,
            Matching {
                matched: 7,
                answered: 8
            }
        );
        assert_eq!(
            got[0].sessions,
            vec![
                (
                    10,
                    a,
                    Matching {
                        matched: 3,
                        answered: 4
                    }
                ),
                (
                    20,
                    b,
                    Matching {
                        matched: 4,
                        answered: 4
                    }
                )
            ]
        );
        // Wilson's interval for 7 of 8 at 95%, worked by hand: centre (7 + 1.92) / 11.84 = 0.753,
        // half-width 1.96 * sqrt(7 * 1 / 8 + 0.96) / 11.84 = 0.224, so 53% to 98%.
        assert_eq!(got[0].all.interval(), Some((53, 98)));
        assert_eq!(
            got[0].all.text(),
            "7 of 8 answers (88%; 95% interval 53% to 98%)"
        );
        assert_eq!(got[1].all.matched, 1);
        assert_eq!(Matching::default().text(), "No answers to compare");
    }
}
