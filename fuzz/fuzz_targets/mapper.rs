//! Fuzzes the column mapper's survey of an upload, and checks that its guesses always make a
//! profile that reads back.
#![no_main]

use callaudit_ingest::mapper::{Draft, survey};
use callaudit_ingest::pool::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = survey(Input::CsvBytes(data), &Default::default()) {
        let d = Draft::guess(&s);
        assert!(d.profile().is_ok(), "{}", d.to_toml("fuzz"));
    }
});
