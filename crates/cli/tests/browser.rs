//! The browser end-to-end and accessibility run (e2e/session.mjs) against a real server started
//! from this build with the demo data. Skipped, saying why, when Chromium, Node.js or the e2e
//! packages are missing, except under CI, where it must run.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn missing(root: &Path) -> Option<String> {
    if !Path::new("/usr/bin/chromium").exists() {
        return Some("Chromium is not installed (apt-get install chromium)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("Node.js is not installed".into());
    }
    if !root.join("e2e/node_modules/playwright-core").exists()
        || !root.join("e2e/node_modules/axe-core").exists()
    {
        return Some("the e2e packages are not installed (npm ci --prefix e2e)".into());
    }
    None
}

#[test]
fn a_whole_session_runs_in_the_browser_and_every_page_passes_axe() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    if let Some(why) = missing(&root) {
        if std::env::var_os("CI").is_some() {
            panic!("the browser tests must run in CI, but {why}");
        }
        eprintln!("SKIPPED: the browser end-to-end test, because {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .arg("--database")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("e2e.sqlite").display()
        ))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--recordings"])
        .arg(dir.path().join("recordings"))
        .arg("--profiles")
        .arg(dir.path().join("profiles"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // The server's log (a JSON line per request) is kept, and shown only if the run fails.
    let stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut all);
        all
    });
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .expect("the server printed its address")
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("an address")
        .trim_end_matches('/')
        .to_string();
    // Keep draining the server's output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let shots = root.join("target/e2e-screens");
    let out = Command::new("node")
        .arg(root.join("e2e/session.mjs"))
        .arg(&url)
        .arg(&shots)
        .output()
        .unwrap();
    drop(server);
    let log = log.join().unwrap_or_default();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(
        out.status.success(),
        "the browser run failed:\n{text}\nthe server's log:\n{log}"
    );
}
