//! No input makes a reader panic: random bytes, random profiles and mangled real files all end in
//! either calls or a report of what is wrong. (The fuzz targets in `fuzz/` search far deeper; this
//! runs on the stable toolchain in every test run.)

use callaudit_domain::template::Template;
use callaudit_ingest::audits::read_audits_from;
use callaudit_ingest::mapper::{Draft, survey};
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
        let _ = callaudit_ingest::logs::read_logs(Input::CsvBytes(&bytes), &Profile::default());
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

    /// Whatever an upload holds, the column mapper's guesses make a profile that reads back: a
    /// header or value with quotes, brackets or line breaks can never produce broken TOML.
    #[test]
    fn any_upload_surveys_and_its_guesses_make_a_valid_profile(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(s) = survey(Input::CsvBytes(&bytes), &Default::default()) {
            let d = Draft::guess(&s);
            let text = d.to_toml("upload \"x\"\n[columns]");
            prop_assert!(d.profile().is_ok(), "{}", text);
            let _ = read_pool_vec(Input::CsvBytes(&bytes), &d.profile().unwrap());
        }
    }

    #[test]
    fn headers_and_values_of_any_text_make_a_profile_that_maps_them(header in "\\PC{1,12}", value in "\\PC{1,12}") {
        let csv = format!("{},started_at\n{},2026-04-01 10:00\n", quote(&header), quote(&value));
        let s = survey(Input::CsvBytes(csv.as_bytes()), &Default::default()).unwrap();
        let mut d = Draft::guess(&s);
        let header = s.columns[0].header.clone();
        d.columns.insert("channel".into(), header.clone());
        d.values.insert("channel".into(), [(value.trim().to_string(), "999".to_string())].into());
        let p = d.profile().unwrap_or_else(|e| panic!("{e}: {}", d.to_toml("")));
        prop_assert_eq!(&p.columns["channel"], &header);
        if !value.trim().is_empty() {
            prop_assert_eq!(p.map_value("channel", value.trim()), "999");
        }
    }

    #[test]
    fn random_profiles_never_panic(text in "[a-z_\\[\\]=\" .%\n]{0,120}") {
        if let Ok(p) = Profile::parse(&text) {
            let _ = read_pool_vec(Input::CsvBytes(GOOD.as_bytes()), &p);
        }
    }
}

/// A CSV field, quoted.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
