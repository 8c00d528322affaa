//! Fuzzes profile parsing, then reads a small pool through whatever profile parsed.
#![no_main]

use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::Profile;
use libfuzzer_sys::fuzz_target;

const POOL: &[u8] = b"call_id,started_at,channel,incident_type\nA1,2024-04-02 10:15,999,ASB\n";

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(profile) = Profile::parse(text)
    {
        let _ = read_pool_vec(Input::CsvBytes(POOL), &profile);
    }
});
