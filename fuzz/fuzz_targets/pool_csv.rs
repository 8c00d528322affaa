//! Fuzzes the call-pool CSV reader and the past-audits reader with arbitrary bytes.
#![no_main]

use callaudit_domain::template::Template;
use callaudit_ingest::audits::read_audits_from;
use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_pool_vec(Input::CsvBytes(data), &Profile::default());
    let _ = read_audits_from(Input::CsvBytes(data), &Template::reference());
});
