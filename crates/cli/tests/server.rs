//! `callaudit serve` as a service manager runs it: the health check, one JSON log line per request
//! naming who made it, and a clean stop on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

mod support;
use support::{get, http, set_cookie};

#[cfg(unix)]
#[test]
fn the_server_answers_its_health_check_logs_who_asked_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .arg("--database")
        .arg(format!(
            "sqlite://{}",
            dir.path().join("s.sqlite").display()
        ))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--recordings"])
        .arg(dir.path().join("recordings"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    std::thread::spawn(move || for _ in lines {});
    let log = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut all = String::new();
        BufReader::new(log).read_to_string(&mut all).unwrap();
        all
    });

    let health = get(&addr, "/healthz", "");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");

    // Sign in as the demo coordinator, then ask for the home page.
    let form = get(&addr, "/login", "");
    let token = set_cookie(&form, "callaudit_login");
    let body = format!(
        "csrf={token}&email=casey.coordinator%40demo.callaudit.invalid&password=callaudit-demo"
    );
    let signed = http(
        &addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nCookie: callaudit_login={token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
    let session = set_cookie(&signed, "callaudit_session");
    let home = get(&addr, "/", &format!("callaudit_session={session}"));
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");

    // A request in flight when SIGTERM arrives: its headers and half its body sent before, the
    // rest after. The server stops taking connections but answers it.
    let body = "email=late%40example.org&password=sent+in+two+halves";
    let mut late = TcpStream::connect(&addr).unwrap();
    write!(
        late,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    late.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    late.read_to_string(&mut answer).unwrap();
    // Without the sign-in form's token it is refused, but it is answered.
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "SIGTERM ends the server cleanly: {status}"
    );
    let log = log.join().unwrap();
    assert!(log.contains("callaudit stopped"), "{log}");

    let requests: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["target"] == "callaudit::request")
        .collect();
    let health_line = requests
        .iter()
        .find(|v| v["fields"]["path"] == "/healthz")
        .unwrap_or_else(|| panic!("no log line for /healthz in {log}"));
    assert_eq!(health_line["fields"]["method"], "GET");
    assert_eq!(health_line["fields"]["status"], 200);
    assert!(health_line["fields"]["ms"].is_number());
    let home_line = requests
        .iter()
        .find(|v| v["fields"]["path"] == "/" && v["fields"]["status"] == 200)
        .unwrap_or_else(|| panic!("no log line for / in {log}"));
    assert!(home_line["fields"]["person"].is_number(), "{home_line}");
    // The password never reaches the log.
    assert!(!log.contains("callaudit-demo"), "{log}");
}
