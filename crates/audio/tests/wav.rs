//! Decoding and silence detection on WAV fixtures made in the test, in every encoding call
//! recorders use, with silences at known places.

use callaudit_audio::{
    AudioError, Settings, analyse, decode_bytes,
    synth::{Encoding, Part, render, wav},
    waveform,
};

mod common;
use common::{assert_near, pairs, quiet, tone};

/// 2 s talk, 4 s silence, 3 s talk, 5 s silence, 2 s talk, 1 s pause, 1 s talk.
fn call() -> Vec<Part> {
    vec![
        tone(2.0, 440.0),
        quiet(4.0),
        tone(3.0, 440.0),
        quiet(5.0),
        tone(2.0, 440.0),
        quiet(1.0),
        tone(1.0, 440.0),
    ]
}

const EXPECTED: [(f64, f64); 2] = [(2.0, 6.0), (9.0, 14.0)];

#[test]
fn every_wav_encoding_decodes_and_finds_the_silences() {
    for rate in [8000, 44_100] {
        let samples = render(&call(), rate, 0.0, 7);
        for encoding in Encoding::ALL {
            let bytes = wav(std::slice::from_ref(&samples), rate, encoding);
            let levels = decode_bytes(bytes, Some("wav"))
                .unwrap_or_else(|e| panic!("{encoding:?} at {rate} Hz: {e}"));
            assert_eq!(levels.sample_rate, rate);
            assert_eq!(levels.channels(), 1);
            assert_eq!(levels.samples, samples.len() as u64, "{encoding:?}");
            // The tone's peak survives every encoding to within its quantisation.
            let peak = (0..levels.frames())
                .map(|f| levels.peak(0, f))
                .fold(0.0, f32::max);
            assert!((peak - 0.5).abs() < 0.02, "{encoding:?}: peak {peak}");

            let analysis = analyse(&levels, &Settings::default());
            assert_near(
                &pairs(&analysis),
                &EXPECTED,
                0.011,
                &format!("{encoding:?} at {rate} Hz"),
            );
            assert!((analysis.duration_s - 18.0).abs() < 0.001);
            assert!((analysis.silence_s - 9.0).abs() < 0.03);
            assert!((analysis.longest_silence_s - 5.0).abs() < 0.02);
            // Talk is the 8 s of tone; the 1 s pause counts as neither.
            assert!(
                (analysis.talk_s - 8.0).abs() < 0.05,
                "talk {}",
                analysis.talk_s
            );
        }
    }
}

#[test]
fn the_minimum_duration_and_threshold_are_honoured() {
    let samples = render(&call(), 8000, 0.0, 1);
    let levels = decode_bytes(wav(&[samples], 8000, Encoding::S16), None).unwrap();
    let longer = Settings {
        min_seconds: 4.5,
        ..Settings::default()
    };
    assert_near(
        &pairs(&analyse(&levels, &longer)),
        &[(9.0, 14.0)],
        0.011,
        "4.5 s",
    );
    let shorter = Settings {
        min_seconds: 0.9,
        ..Settings::default()
    };
    assert_near(
        &pairs(&analyse(&levels, &shorter)),
        &[(2.0, 6.0), (9.0, 14.0), (16.0, 17.0)],
        0.011,
        "0.9 s",
    );
    // A threshold above the tone's level (−6 dBFS) hears the whole call as silence.
    let deaf = Settings {
        threshold_db: -3.0,
        ..Settings::default()
    };
    assert_near(
        &pairs(&analyse(&levels, &deaf)),
        &[(0.0, 18.0)],
        0.011,
        "−3 dB",
    );
}

#[test]
fn quiet_line_noise_changes_nothing() {
    // Noise peaking at −50 dBFS, under the threshold.
    let samples = render(&call(), 8000, 0.00316, 3);
    let levels = decode_bytes(wav(&[samples], 8000, Encoding::MuLaw), None).unwrap();
    let analysis = analyse(&levels, &Settings::default());
    assert_near(&pairs(&analysis), &EXPECTED, 0.011, "noise at −50 dBFS");
    assert_eq!(analysis.effective_threshold_db, -40.0);
    assert!(
        analysis.noise_floor_db < -49.0,
        "floor {}",
        analysis.noise_floor_db
    );
}

#[test]
fn the_adaptive_floor_finds_silences_under_loud_line_noise() {
    // Hiss peaking at −30 dBFS hides every silence from a fixed −40 dBFS threshold.
    let samples = render(&call(), 8000, 0.0316, 5);
    let levels = decode_bytes(wav(&[samples], 8000, Encoding::S16), None).unwrap();
    let fixed = Settings {
        adaptive: false,
        ..Settings::default()
    };
    assert!(analyse(&levels, &fixed).silences.is_empty());
    let adaptive = analyse(&levels, &Settings::default());
    assert_near(&pairs(&adaptive), &EXPECTED, 0.011, "noise at −30 dBFS");
    assert!(
        (-27.0..=-20.0).contains(&adaptive.effective_threshold_db),
        "raised to {}",
        adaptive.effective_threshold_db
    );
}

#[test]
fn stereo_reports_each_channel_and_where_both_are_quiet() {
    // Caller on the left talks for 0–2 s and 8–10 s; handler on the right talks for 4–5 s.
    let left = render(
        &[tone(2.0, 440.0), quiet(6.0), tone(2.0, 440.0)],
        8000,
        0.0,
        1,
    );
    let right = render(&[quiet(4.0), tone(1.0, 440.0), quiet(5.0)], 8000, 0.0, 2);
    let levels = decode_bytes(wav(&[left, right], 8000, Encoding::S16), None).unwrap();
    assert_eq!(levels.channels(), 2);
    let analysis = analyse(&levels, &Settings::default());
    assert_near(&pairs(&analysis), &[(5.0, 8.0)], 0.011, "both quiet");
    assert_eq!(analysis.per_channel.len(), 2);
    let left: Vec<_> = analysis.per_channel[0]
        .silences
        .iter()
        .map(|s| (s.start_s, s.end_s))
        .collect();
    assert_near(&left, &[(2.0, 8.0)], 0.011, "left");
    let right: Vec<_> = analysis.per_channel[1]
        .silences
        .iter()
        .map(|s| (s.start_s, s.end_s))
        .collect();
    assert_near(&right, &[(0.0, 4.0), (5.0, 10.0)], 0.011, "right");
}

#[test]
fn the_waveform_has_the_asked_number_of_bars_and_shows_the_silences() {
    let samples = render(&call(), 8000, 0.0, 1);
    let levels = decode_bytes(wav(&[samples], 8000, Encoding::S16), None).unwrap();
    let wave = waveform(&levels, 180);
    assert_eq!(wave.peaks.len(), 180);
    assert!((wave.seconds_per_peak - 0.1).abs() < 1e-9);
    // Bar 30 is 3 s in, inside the first silence; bar 5 is in the first tone.
    assert_eq!(wave.peaks[30], [0.0, 0.0]);
    assert!(wave.peaks[5][1] > 0.45 && wave.peaks[5][0] < -0.45);
    // A short recording gives one bar per frame rather than empty bars.
    assert_eq!(waveform(&levels, 1_000_000).peaks.len(), levels.frames());
}

#[test]
fn damaged_files_are_refused_with_a_reason() {
    let samples = render(&call(), 8000, 0.0, 1);
    let whole = wav(&[samples], 8000, Encoding::S16);

    let cut = whole[..whole.len() / 2].to_vec();
    match decode_bytes(cut, Some("wav")) {
        Err(AudioError::Truncated {
            expected_s,
            found_s,
        }) => {
            assert!((expected_s - 18.0).abs() < 0.01);
            assert!((found_s - 9.0).abs() < 0.1);
        }
        other => panic!("expected a cut-short error, got {other:?}"),
    }
    for garbage in [
        Vec::new(),
        b"RIFF".to_vec(),
        whole[..44].to_vec(),
        b"this is not audio at all, just a text file".repeat(50),
    ] {
        let err = decode_bytes(garbage, Some("wav")).expect_err("garbage must be refused");
        assert!(!err.to_string().is_empty());
    }
    // Every prefix and every single-byte corruption of the header: an error or a result, never
    // a panic.
    for len in 0..200 {
        let _ = decode_bytes(whole[..len].to_vec(), None);
    }
    for at in 0..60 {
        let mut bad = whole.clone();
        bad[at] ^= 0xFF;
        let _ = decode_bytes(bad, None);
    }
}

#[test]
fn settings_out_of_range_are_refused() {
    for bad in [
        Settings {
            threshold_db: 3.0,
            ..Settings::default()
        },
        Settings {
            threshold_db: f64::NAN,
            ..Settings::default()
        },
        Settings {
            min_seconds: 0.0,
            ..Settings::default()
        },
    ] {
        assert!(bad.check().is_err());
    }
    assert!(Settings::default().check().is_ok());
}

#[test]
fn a_long_recording_decoded_in_parallel_parts_matches_one_decoded_whole() {
    // 150 s: long enough to be split across cores (a part per minute, at most one per core).
    let mut parts = Vec::new();
    for i in 0..10 {
        parts.push(tone(10.0 + f64::from(i) * 0.37, 440.0));
        parts.push(quiet(3.0 + f64::from(i % 3)));
    }
    for encoding in [Encoding::S16, Encoding::MuLaw] {
        let stereo = [
            render(&parts, 8000, 0.001, 1),
            render(&parts, 8000, 0.001, 2),
        ];
        let bytes = wav(&stereo, 8000, encoding);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.wav");
        std::fs::write(&path, &bytes).unwrap();
        let split = callaudit_audio::decode_file(&path).unwrap();
        let whole = decode_bytes(bytes.clone(), None).unwrap();
        assert_eq!(split, whole, "{encoding:?}");
        assert_eq!(
            analyse(&split, &Settings::default()).silences.len(),
            10,
            "{encoding:?}"
        );

        // Cut short: refused whichever way it is decoded.
        std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
        assert!(matches!(
            callaudit_audio::decode_file(&path),
            Err(AudioError::Truncated { .. })
        ));
    }
}
