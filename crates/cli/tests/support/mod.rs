//! The harness the command-line tests share: a run with its own SQLite file and folder, the
//! binary's output, small pools, and the independent Python check of a draw.
// Each test file uses its own part of the harness.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub dir: tempfile::TempDir,
}

impl Run {
    pub fn new() -> Run {
        Run {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs the binary against this run's own SQLite file.
    pub fn cmd(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_callaudit"))
            .args(args)
            .env(
                "CALLAUDIT_DATABASE_URL",
                format!("sqlite://{}", self.path("db.sqlite").display()),
            )
            .env_remove("CALLAUDIT_FORCE")
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }
}

/// Checks a draw record with the independent re-implementation (scripts/verify_draw.py, written
/// from docs/sampling.md) when Python is there to run it, and gives what it printed.
pub fn python_verifies(record: &Path, pool: &str) -> Option<String> {
    let py = Command::new("python3")
        .arg(repo("scripts/verify_draw.py"))
        .arg(record)
        .arg(pool)
        .output()
        .ok()?;
    assert!(
        py.status.success(),
        "python check: {}{}",
        out(&py),
        err(&py)
    );
    Some(out(&py))
}

pub fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A pool of `n` calls `C000…`, one a day in April 2024, alternately 999 and 101 unless `channel`
/// fixes it.
pub fn pool_csv(n: usize, channel: Option<&str>, kind: &str) -> String {
    let mut csv = String::from("call_id,started_at,channel,incident_type\n");
    for i in 0..n {
        let ch = channel.unwrap_or(if i % 2 == 0 { "999" } else { "101" });
        csv.push_str(&format!(
            "C{i:03},2024-04-{:02} 10:00,{ch},{kind}\n",
            1 + i % 28
        ));
    }
    csv
}

/// The sum of one numeric field over a JSON array of rows.
pub fn column_sum(rows: &serde_json::Value, field: &str) -> u64 {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_u64().unwrap())
        .sum()
}

pub fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(p)
        .display()
        .to_string()
}
