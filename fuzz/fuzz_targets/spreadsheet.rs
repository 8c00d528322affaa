//! Fuzzes the spreadsheet reader: arbitrary bytes as a workbook file (zip, xlsx, xlsb or .xls
//! signatures included), which must be read or refused without a panic and within its limits.
#![no_main]

use callaudit_ingest::pool::{Input, read_pool_vec};
use callaudit_ingest::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The reader takes a path for spreadsheets; one file per fuzzing process.
    let path = std::env::temp_dir().join(format!("callaudit-fuzz-{}.xlsx", std::process::id()));
    if std::fs::write(&path, data).is_ok() {
        let _ = read_pool_vec(Input::Path(&path), &Profile::default());
    }
});
