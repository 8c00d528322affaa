//! The browser end-to-end and accessibility run (e2e/session.mjs) against a real server started
//! from this build with the demo data and a real SMTP server on loopback (Python's aiosmtpd), so
//! the notifications the run causes are checked as they arrive. Skipped, saying why, when
//! Chromium, Node.js, the e2e packages or aiosmtpd are missing, except under CI, where it must run.

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
    let aiosmtpd = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !aiosmtpd {
        return Some("Python's aiosmtpd is not installed (pip install aiosmtpd)".into());
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = dir.path().join("maildir");
    let _smtpd = Server(
        Command::new("python3")
            .args(["-u", "-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 30, "aiosmtpd did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
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
        .arg("--smtp")
        .arg(format!("smtp://127.0.0.1:{port}"))
        .args([
            "--mail-every",
            "1",
            "--public-url",
            "https://audit.demo.invalid",
        ])
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
    // The escalation made in the run reaches the force lead by email (the mailer runs every
    // second; the wait is bounded, and nothing is timed).
    let to_lead = |m: &String| {
        m.contains("To: lee.lead@demo.callaudit.invalid")
            && m.contains("call 1 of the session of 1 April 2026 has been escalated to you")
    };
    let mut mails = delivered(&maildir);
    while !mails.iter().any(to_lead) && started.elapsed().as_secs() < 600 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        mails = delivered(&maildir);
    }
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
    assert!(
        mails.iter().any(to_lead),
        "the force lead was not mailed about the escalation; {} messages arrived:\n{}\nthe server's log:\n{log}",
        mails.len(),
        mails
            .iter()
            .map(|m| m
                .lines()
                .filter(|l| l.starts_with("To:") || l.starts_with("Subject:"))
                .collect::<Vec<_>>()
                .join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("To: lee.lead@demo.callaudit.invalid")
                && m.contains("https://audit.demo.invalid/actions/")),
        "the force lead was mailed about the overdue actions they own, with a link"
    );
}

/// The messages delivered to a maildir, with folded headers and quoted-printable soft line
/// breaks joined back up.
fn delivered(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("new"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .map(|m| {
                    m.replace("\r\n", "\n")
                        .replace("=\n", "")
                        .replace("\n ", " ")
                })
                .collect()
        })
        .unwrap_or_default()
}
