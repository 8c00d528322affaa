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

/// One HTTP/1.1 request over a fresh connection; the whole response as text.
pub fn http(addr: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

pub fn get(addr: &str, path: &str, cookie: &str) -> String {
    http(
        addr,
        &format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
        ),
    )
}

/// A form posted as a browser posts it.
pub fn post(addr: &str, path: &str, cookie: &str, body: &str) -> String {
    http(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The value of cookie `name` set by a response.
pub fn set_cookie(response: &str, name: &str) -> String {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no cookie {name} in {response}"))
        .to_string()
}

/// Signs in through the form, as a browser does; the `Cookie` header value of the sign-in.
pub fn sign_in(addr: &str, email: &str, password: &str) -> String {
    let form = get(addr, "/login", "");
    let token = set_cookie(&form, "callaudit_login");
    let body = format!(
        "csrf={token}&email={}&password={password}",
        email.replace('@', "%40")
    );
    let signed = post(addr, "/login", &format!("callaudit_login={token}"), &body);
    assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
    format!(
        "callaudit_session={}",
        set_cookie(&signed, "callaudit_session")
    )
}

/// The CSRF token a page's forms carry.
pub fn csrf(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no form token in {page}"));
    let rest = &page[at + 19..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// `callaudit serve` in a process of its own on a free loopback port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    pub addr: String,
    /// Where the server writes its errors, read when it fails to start.
    _log: tempfile::NamedTempFile,
}

impl Server {
    pub fn start(database: &str, args: &[&str]) -> Server {
        use std::io::BufRead;
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_callaudit"))
            .args(["--database", database, "serve", "--bind", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let Some(Ok(first)) = lines.next() else {
            let _ = child.wait();
            panic!(
                "the server did not start on {database}: {}",
                std::fs::read_to_string(log.path()).unwrap_or_default()
            );
        };
        let addr = first
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .trim_end_matches('/')
            .to_string();
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            addr,
            _log: log,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asks `check` again every 20 ms until it holds or `within` has passed; whether it held, and
/// after how long.
pub fn within(
    within: std::time::Duration,
    mut check: impl FnMut() -> bool,
) -> (bool, std::time::Duration) {
    let start = std::time::Instant::now();
    loop {
        if check() {
            return (true, start.elapsed());
        }
        if start.elapsed() > within {
            return (false, start.elapsed());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
