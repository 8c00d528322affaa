//! What people type into the draw's quotas and a three-field date: any text at all is either read
//! or refused with words, never a panic.

use callaudit_domain::sampling::{DrawSpec, Quota, parse_quota};
use callaudit_domain::time::date_from_parts;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_quota_text_is_read_or_refused_and_a_read_one_validates_or_says_why(text in "\\PC{0,40}|[a-z-]{0,14}:[A-Za-z ]{0,8}=[0-9]{0,11}") {
        match parse_quota(&text) {
            Ok(Quota::Stratum(st)) => {
                let mut spec = DrawSpec::new(50);
                spec.strata.push(st);
                if let Err(errors) = spec.validate(50) {
                    prop_assert!(errors.iter().all(|e| !e.message.is_empty()));
                }
            }
            Ok(Quota::Channel(_, _)) => {}
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }

    #[test]
    fn any_date_typed_is_read_or_refused_with_a_message(day in "\\PC{0,6}", month in "\\PC{0,10}", year in "\\PC{0,6}") {
        if let Err((_, message)) = date_from_parts(&day, &month, &year, "The day") {
            prop_assert!(!message.is_empty());
        }
    }
}
