//! Fuzzes the recording decoder's entry point and the analyses that follow it: any bytes must
//! give an error or an analysis, never a crash.
#![no_main]

use callaudit_audio::{Settings, analyse, decode_bytes, waveform};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(levels) = decode_bytes(data.to_vec(), None) {
        let _ = analyse(&levels, &Settings::default());
        let _ = waveform(&levels, 1000);
    }
});
