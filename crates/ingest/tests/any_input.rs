//! No input makes a reader panic: random bytes, random profiles and mangled real files all end in
//! either calls or a report of what is wrong. (The fuzz targets in `fuzz/` search far deeper; this
//! runs on the stable toolchain in every test run.)

use callaudit_domain::template::Template;
use callaudit_ingest::audits::read_audits_from;
use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::{Profile, ReadFailure};
use proptest::prelude::*;

const GOOD: &str = "call_id,started_at,channel,incident_type,handler,answer_s,abandoned,training,recording\n\
                    A1,2024-04-02 10:15,999,HATE CRIME,H7,4,no,no,a.wav\n\
                    A2,02/04/2024 11:00,101,ASB,,,,yes,\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_pool_vec(Input::CsvBytes(&bytes), &Profile::default());
        let _ = read_audits_from(Input::CsvBytes(&bytes), &Template::reference());
    }

    #[test]
    fn mangled_pools_never_panic_and_never_half_succeed(pos in 0..GOOD.len(), byte in any::<u8>(), cut in 0..GOOD.len()) {
        let mut bytes = GOOD.as_bytes()[..cut.max(pos + 1).min(GOOD.len())].to_vec();
        bytes[pos] = byte;
        match read_pool_vec(Input::CsvBytes(&bytes), &Profile::default()) {
            Ok(calls) => prop_assert!(calls.len() <= 2),
            Err(ReadFailure::Rows(e)) => prop_assert!(e.total > 0 && !e.errors.is_empty()),
            Err(ReadFailure::File(_)) => {}
        }
    }

    #[test]
    fn random_profiles_never_panic(text in "[a-z_\\[\\]=\" .%\n]{0,120}") {
        if let Ok(p) = Profile::parse(&text) {
            let _ = read_pool_vec(Input::CsvBytes(GOOD.as_bytes()), &p);
        }
    }
}
