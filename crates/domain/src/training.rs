//! A volunteer's training record and the rule it sets: who may be put on a panel on a given day;
//! and what the training library may show volunteers of a reference call.
//!
//! A scheme seats only volunteers who have accepted its confidentiality agreement and whose
//! vetting holds on the day the panel sits (seed 000: vetted, trained and bound by the
//! agreement). The induction is recorded but does not bar anyone: a scheme may let a new
//! volunteer sit beside others as part of it.

use chrono::NaiveDate;

use crate::time::long_date;

/// What a programme lets volunteers have of a reference call in the training library, outside
/// any session. A sitting (an audit or a calibration session) plays the recording as always; the
/// library is read at home, so each scheme decides how much of a real call leaves the room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LibraryShows {
    /// The agreed answers and the panel's commentary only.
    #[default]
    Text,
    /// Those and the call's transcript.
    Transcript,
    /// Those, the transcript and the recording.
    Recording,
}

impl LibraryShows {
    pub const ALL: [LibraryShows; 3] = [
        LibraryShows::Text,
        LibraryShows::Transcript,
        LibraryShows::Recording,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LibraryShows::Text => "text",
            LibraryShows::Transcript => "transcript",
            LibraryShows::Recording => "recording",
        }
    }

    /// The stored code read back, or `None` for one this version does not know.
    pub fn parse(code: &str) -> Option<Self> {
        LibraryShows::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The rule in a form's words.
    pub fn label(self) -> &'static str {
        match self {
            LibraryShows::Text => "The agreed answers and the panel's commentary only",
            LibraryShows::Transcript => "Those and the transcript",
            LibraryShows::Recording => "Those, the transcript and the recording",
        }
    }

    pub fn transcript(self) -> bool {
        self != LibraryShows::Text
    }

    pub fn recording(self) -> bool {
        self == LibraryShows::Recording
    }
}

/// `n` of `items` drawn at random from `seed` (all of them, in a random order, when there are
/// fewer): the reference calls of a calibration session drawn among them. Nobody need verify this
/// draw, unlike an audit's, so the seed is simply fresh randomness.
pub fn pick<T: Clone>(items: &[T], n: usize, seed: u64) -> Vec<T> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut v = items.to_vec();
    let n = n.min(v.len());
    // The first n steps of a Fisher–Yates shuffle.
    for i in 0..n {
        let j = rng.random_range(i..v.len());
        v.swap(i, j);
    }
    v.truncate(n);
    v
}

/// What a scheme has recorded of one volunteer's preparation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Training {
    pub induction_on: Option<NaiveDate>,
    /// The day the volunteer accepted the confidentiality agreement.
    pub agreement_on: Option<NaiveDate>,
    pub vetted_on: Option<NaiveDate>,
    pub vetting_expires_on: Option<NaiveDate>,
}

/// Why a volunteer cannot sit on a panel on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bar {
    /// The confidentiality agreement has not been accepted.
    NoAgreement,
    /// No vetting is recorded.
    NotVetted,
    /// The vetting ends before the day (it holds up to and including its expiry day).
    VettingExpired(NaiveDate),
}

impl Bar {
    /// The reason in words ("Sam cannot sit on this panel: they have not accepted …").
    pub fn reason(&self) -> String {
        match self {
            Bar::NoAgreement => "they have not accepted the confidentiality agreement".into(),
            Bar::NotVetted => "they have no vetting recorded".into(),
            Bar::VettingExpired(d) => format!("their vetting ended on {}", long_date(*d)),
        }
    }
}

impl Training {
    /// Everything that stops the volunteer sitting on a panel on `day`; empty when they may.
    pub fn bars(&self, day: NaiveDate) -> Vec<Bar> {
        let mut bars = Vec::new();
        if self.agreement_on.is_none() {
            bars.push(Bar::NoAgreement);
        }
        match (self.vetted_on, self.vetting_expires_on) {
            (None, _) => bars.push(Bar::NotVetted),
            (Some(_), Some(expiry)) if expiry < day => bars.push(Bar::VettingExpired(expiry)),
            _ => {}
        }
        bars
    }

    /// The problems of a record as entered on `today`: events cannot lie in the future, and the
    /// vetting cannot expire before it was done. Each is (field, message).
    pub fn problems(&self, today: NaiveDate) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, day, what) in [
            ("induction_on", self.induction_on, "The induction date"),
            (
                "agreement_on",
                self.agreement_on,
                "The date the agreement was accepted",
            ),
            ("vetted_on", self.vetted_on, "The vetting date"),
        ] {
            if day.is_some_and(|d| d > today) {
                out.push((field, format!("{what} must be today or in the past")));
            }
        }
        match (self.vetted_on, self.vetting_expires_on) {
            (Some(done), Some(expiry)) if expiry <= done => out.push((
                "vetting_expires_on",
                "The vetting's expiry date must be after the vetting date".into(),
            )),
            (None, Some(_)) => out.push((
                "vetted_on",
                "Enter the vetting date as well as its expiry date".into(),
            )),
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ready() -> Training {
        Training {
            induction_on: Some(d(2026, 1, 10)),
            agreement_on: Some(d(2026, 1, 10)),
            vetted_on: Some(d(2025, 12, 1)),
            vetting_expires_on: Some(d(2028, 12, 1)),
        }
    }

    #[test]
    fn a_volunteer_sits_while_agreed_and_vetted() {
        assert!(ready().bars(d(2026, 6, 1)).is_empty());
        // Vetting holds up to and including its expiry day, not after it.
        assert!(ready().bars(d(2028, 12, 1)).is_empty());
        assert_eq!(
            ready().bars(d(2028, 12, 2)),
            vec![Bar::VettingExpired(d(2028, 12, 1))]
        );
        // Vetting with no expiry recorded holds.
        let open = Training {
            vetting_expires_on: None,
            ..ready()
        };
        assert!(open.bars(d(2040, 1, 1)).is_empty());
        // Without an induction a volunteer may still sit.
        let new = Training {
            induction_on: None,
            ..ready()
        };
        assert!(new.bars(d(2026, 6, 1)).is_empty());
    }

    #[test]
    fn every_bar_is_given_at_once() {
        assert_eq!(
            Training::default().bars(d(2026, 6, 1)),
            vec![Bar::NoAgreement, Bar::NotVetted]
        );
        let lapsed = Training {
            agreement_on: None,
            ..ready()
        };
        assert_eq!(
            lapsed.bars(d(2029, 1, 1)),
            vec![Bar::NoAgreement, Bar::VettingExpired(d(2028, 12, 1))]
        );
        assert_eq!(
            Bar::VettingExpired(d(2028, 12, 1)).reason(),
            "their vetting ended on 1 December 2028"
        );
    }

    #[test]
    fn a_record_cannot_run_ahead_of_today_or_expire_before_it_began() {
        let today = d(2026, 3, 1);
        assert!(ready().problems(today).is_empty());
        let ahead = Training {
            agreement_on: Some(d(2026, 3, 2)),
            ..ready()
        };
        assert_eq!(ahead.problems(today)[0].0, "agreement_on");
        let backwards = Training {
            vetting_expires_on: Some(d(2025, 12, 1)),
            ..ready()
        };
        assert_eq!(backwards.problems(today)[0].0, "vetting_expires_on");
        let half = Training {
            vetted_on: None,
            ..ready()
        };
        assert_eq!(half.problems(today)[0].0, "vetted_on");
    }

    #[test]
    fn pick_draws_each_item_at_most_once_and_no_more_than_there_are() {
        let items: Vec<i64> = (1..=10).collect();
        for seed in 0..50 {
            let got = pick(&items, 4, seed);
            assert_eq!(got.len(), 4);
            let mut sorted = got.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 4, "no item twice: {got:?}");
            assert!(got.iter().all(|x| items.contains(x)));
        }
        let all = pick(&items, 99, 7);
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(sorted, items, "asking for more gives every item once");
        // Every item can be drawn first: the draw is not stuck on the front of the list.
        let firsts: std::collections::BTreeSet<i64> =
            (0..200).map(|s| pick(&items, 1, s)[0]).collect();
        assert_eq!(firsts.len(), 10);
        assert!(pick::<i64>(&[], 3, 1).is_empty());
    }
}
