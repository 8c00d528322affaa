//! What the audio tests share: the parts of a synthetic call, and comparing the silences found
//! with the silences expected.

use callaudit_audio::{Analysis, synth::Part};

/// A tone standing in for speech, at half full scale.
pub fn tone(seconds: f64, hz: f64) -> Part {
    Part::Tone {
        seconds,
        hz,
        amplitude: 0.5,
    }
}

pub fn quiet(seconds: f64) -> Part {
    Part::Silence { seconds }
}

/// The silences of an analysis as (start, end) pairs.
pub fn pairs(a: &Analysis) -> Vec<(f64, f64)> {
    a.silences.iter().map(|s| (s.start_s, s.end_s)).collect()
}

/// The same number of silences, each boundary within `tolerance` seconds.
pub fn assert_near(found: &[(f64, f64)], expected: &[(f64, f64)], tolerance: f64, what: &str) {
    assert_eq!(
        found.len(),
        expected.len(),
        "{what}: found {found:?}, expected {expected:?}"
    );
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f.0 - e.0).abs() <= tolerance && (f.1 - e.1).abs() <= tolerance,
            "{what}: found {f:?}, expected {e:?} within {tolerance} s"
        );
    }
}
