//! A volunteer's training record and the rule it sets: who may be put on a panel on a given day.
//!
//! A scheme seats only volunteers who have accepted its confidentiality agreement and whose
//! vetting holds on the day the panel sits (seed 000: vetted, trained and bound by the
//! agreement). The induction is recorded but does not bar anyone: a scheme may let a new
//! volunteer sit beside others as part of it.

use chrono::NaiveDate;

use crate::time::long_date;

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
}
