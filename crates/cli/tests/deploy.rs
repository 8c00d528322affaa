//! The deployment files in `deploy/` stay true to the program: the systemd unit passes systemd's
//! own checks and its hardening score, the command it runs is one the program accepts, and every
//! setting in the environment file is one the program reads.

use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../deploy")
        .join(file)
}

/// The unit's `ExecStart` command, split into words.
fn exec_start(unit: &str) -> Vec<String> {
    unit.lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart line")
        .split_whitespace()
        .map(String::from)
        .collect()
}

#[test]
fn the_units_command_is_one_the_program_accepts() {
    let unit = std::fs::read_to_string(deploy("callaudit.service")).unwrap();
    let words = exec_start(&unit);
    assert_eq!(words[0], "/usr/local/bin/callaudit");
    // Clap reads the flags in order and stops at the first it does not know, before `--help`.
    let out = Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .args(&words[1..])
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_setting_of_the_environment_file_is_one_the_program_reads() {
    let env = std::fs::read_to_string(deploy("callaudit.env")).unwrap();
    let help = Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let names: Vec<&str> = env
        .lines()
        .map(|l| l.trim_start_matches("# "))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| k.starts_with("CALLAUDIT_"))
        .collect();
    assert!(names.len() >= 6, "{names:?}");
    for name in names {
        assert!(
            help.contains(&format!("[env: {name}")),
            "{name} is not a setting of `callaudit serve`"
        );
    }
}

#[test]
fn the_unit_passes_systemds_checks_and_is_hardened() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").is_err(),
            "CI machines have systemd-analyze; the unit must be checked there"
        );
        eprintln!("SKIPPED: no systemd-analyze");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(deploy("callaudit.service"))
        .unwrap()
        .replace("/usr/local/bin/callaudit", env!("CARGO_BIN_EXE_callaudit"));
    let path = dir.path().join("callaudit.service");
    std::fs::write(&path, unit).unwrap();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // Exposure is scored 0 (locked down) to 10; the threshold is in tenths.
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=20"])
        .arg(&path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&security.stdout);
    assert!(security.status.success(), "{report}");
    assert!(report.contains("Overall exposure level"), "{report}");
}
