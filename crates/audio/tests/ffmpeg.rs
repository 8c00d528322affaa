//! The compressed formats (MP3, FLAC, Ogg Vorbis) and agreement with `ffmpeg -af silencedetect`,
//! the tool a force's analyst would otherwise reach for. Fixtures are made in the test and
//! transcoded by ffmpeg; without ffmpeg these tests say so and stop, except in CI, where they fail.

use std::{path::Path, process::Command};

use callaudit_audio::{
    Settings, analyse, decode_file,
    synth::{Encoding, render, wav},
};

mod common;
use common::{assert_near, pairs, quiet, tone};

fn ffmpeg_present() -> bool {
    let found = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "ffmpeg is required in CI; .ci/run installs it"
        );
        eprintln!("skipping: ffmpeg is not installed (apt-get install -y ffmpeg)");
    }
    found
}

/// Talk, 4 s silence, talk, 5 s silence, talk, a 1 s pause, talk — with line noise at −54 dBFS.
fn call(rate: u32, seed: u64) -> Vec<f32> {
    render(
        &[
            tone(2.0, 440.0),
            quiet(4.0),
            tone(3.0, 330.0),
            quiet(5.0),
            tone(2.0, 550.0),
            quiet(1.0),
            tone(1.0, 440.0),
        ],
        rate,
        0.002,
        seed,
    )
}

const EXPECTED: [(f64, f64); 2] = [(2.0, 6.0), (9.0, 14.0)];
const TOLERANCE_S: f64 = 0.05;

fn ffmpeg(args: &[&str]) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ffmpeg {args:?} failed:\n{stderr}");
    stderr
}

/// The intervals `silencedetect` prints; a silence still open at the end closes at `duration`.
fn ffmpeg_silences(file: &Path, duration: f64) -> Vec<(f64, f64)> {
    let log = ffmpeg(&[
        "-i",
        file.to_str().unwrap(),
        "-af",
        "silencedetect=noise=-40dB:d=3",
        "-f",
        "null",
        "-",
    ]);
    let value = |line: &str, key: &str| -> Option<f64> {
        let rest = &line[line.find(key)? + key.len()..];
        rest.split_whitespace().next()?.parse().ok()
    };
    let mut found = Vec::new();
    let mut open = None;
    for line in log.lines() {
        if let Some(start) = value(line, "silence_start: ") {
            open = Some(start.max(0.0));
        }
        if let Some(end) = value(line, "silence_end: ") {
            found.push((open.take().expect("end without start"), end));
        }
    }
    if let Some(start) = open {
        found.push((start, duration));
    }
    found
}

fn ours(file: &Path) -> (Vec<(f64, f64)>, f64) {
    let levels = decode_file(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let analysis = analyse(&levels, &Settings::default());
    (pairs(&analysis), analysis.duration_s)
}

/// Every fixture: WAV in each encoding, then MP3, FLAC and Ogg Vorbis made from the 16-bit WAV,
/// mono at 8 kHz and stereo at 44.1 kHz.
fn fixtures(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for (rate, channels) in [(8000u32, 1usize), (44_100, 2)] {
        let signal: Vec<Vec<f32>> = (0..channels).map(|c| call(rate, c as u64 + 1)).collect();
        for encoding in Encoding::ALL {
            let path = dir.join(format!("call-{rate}-{encoding:?}.wav"));
            std::fs::write(&path, wav(&signal, rate, encoding)).unwrap();
            files.push(path);
        }
        let source = dir.join(format!("call-{rate}-S16.wav"));
        let source = source.to_str().unwrap();
        for (ext, codec) in [
            ("mp3", &["-c:a", "libmp3lame", "-b:a", "64k"][..]),
            ("flac", &["-c:a", "flac"][..]),
            ("ogg", &["-c:a", "libvorbis", "-q:a", "4"][..]),
        ] {
            let path = dir.join(format!("call-{rate}.{ext}"));
            let mut args = vec!["-i", source];
            args.extend_from_slice(codec);
            args.push(path.to_str().unwrap());
            ffmpeg(&args);
            files.push(path);
        }
    }
    files
}

#[test]
fn every_format_is_decoded_and_agrees_with_ffmpeg_silencedetect() {
    if !ffmpeg_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for file in fixtures(dir.path()) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (found, duration) = ours(&file);
        assert!(
            (duration - 18.0).abs() < 0.1,
            "{name}: lasts {duration} s, expected 18 s"
        );
        assert_near(
            &found,
            &EXPECTED,
            TOLERANCE_S,
            &format!("{name} against the fixture"),
        );
        let theirs = ffmpeg_silences(&file, duration);
        assert_near(
            &found,
            &theirs,
            TOLERANCE_S,
            &format!("{name} against ffmpeg"),
        );
    }
}

#[test]
fn a_silence_running_to_the_end_agrees_with_ffmpeg() {
    if !ffmpeg_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let samples = render(&[quiet(3.5), tone(2.0, 440.0), quiet(4.0)], 8000, 0.0, 9);
    let path = dir.path().join("ends-quiet.wav");
    std::fs::write(&path, wav(&[samples], 8000, Encoding::MuLaw)).unwrap();
    let (found, duration) = ours(&path);
    assert_near(&found, &[(0.0, 3.5), (5.5, 9.5)], TOLERANCE_S, "fixture");
    assert_near(
        &found,
        &ffmpeg_silences(&path, duration),
        TOLERANCE_S,
        "ffmpeg",
    );
}
