//! Fuzzes the incident-log reader with arbitrary bytes.
#![no_main]

use callaudit_ingest::Profile;
use callaudit_ingest::logs::read_logs;
use callaudit_ingest::pool::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_logs(Input::CsvBytes(data), &Profile::default());
});
