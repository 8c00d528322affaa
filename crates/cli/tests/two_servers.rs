//! Two `callaudit serve` processes on one PostgreSQL database, as a national service runs them:
//! a sign-in made through one works on the other, and what each keeps in memory follows every
//! change made through the other within the watcher's round (docs/deploy.md).

use std::process::Command;
use std::time::Duration;

mod support;
use support::{Server, csrf, get, post, sign_in, within};

const PASSWORD: &str = "callaudit-demo";
const COORDINATOR: &str = "casey.coordinator@demo.callaudit.invalid";
const AUDITOR: &str = "alex.auditor@demo.callaudit.invalid";
/// Generous beside the watcher's tenth of a second: the machines are shared.
const WAIT: Duration = Duration::from_secs(10);

/// A database of its own on the test server, dropped when done.
struct Database {
    admin: String,
    name: String,
    pub url: String,
}

impl Database {
    fn create(server_url: &str) -> Database {
        let base = server_url.rsplit_once('/').unwrap().0.to_string();
        let name = format!(
            "two_servers_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        );
        let db = Database {
            admin: server_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        };
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    fn psql(&self, sql: &str) {
        let out = Command::new("psql")
            .args([&self.admin, "-qc", sql])
            .output()
            .expect("psql is installed beside the server");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        self.psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

/// The planned session's id, from the coordinator's list of sessions.
fn planned_session(addr: &str, cookie: &str) -> i64 {
    let page = get(addr, "/sessions", cookie);
    page.match_indices("href=\"/sessions/")
        .filter_map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find(|c: char| !c.is_ascii_digit())?]
                .parse()
                .ok()
        })
        .max()
        .expect("the demo plans a session")
}

#[test]
fn two_servers_on_one_database_see_each_others_changes() {
    let Ok(pg) = std::env::var("CALLAUDIT_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set CALLAUDIT_TEST_POSTGRES_URL so that PostgreSQL is tested too"
        );
        eprintln!("SKIPPED: no CALLAUDIT_TEST_POSTGRES_URL");
        return;
    };
    let db = Database::create(&pg);
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let recordings = recordings.to_str().unwrap();
    let a = Server::start(&db.url, &["--demo", "--recordings", recordings]);
    let b = Server::start(&db.url, &["--recordings", recordings]);

    // The coordinator draws the demo's planned session through A.
    let coordinator = sign_in(&a.addr, COORDINATOR, PASSWORD);
    let session = planned_session(&a.addr, &coordinator);
    let page = get(&a.addr, &format!("/sessions/{session}"), &coordinator);
    let token = csrf(&page);
    let committed = post(
        &a.addr,
        &format!("/sessions/{session}/commit"),
        &coordinator,
        &format!("csrf={token}&size=2"),
    );
    assert!(committed.starts_with("HTTP/1.1 303"), "{committed}");
    let drawn = post(
        &a.addr,
        &format!("/sessions/{session}/draw"),
        &coordinator,
        &format!("csrf={token}&seed=two+servers&confirm=yes"),
    );
    assert!(drawn.starts_with("HTTP/1.1 303"), "{drawn}");

    // The auditor signs in through B; the same sign-in works through A.
    let auditor = sign_in(&b.addr, AUDITOR, PASSWORD);
    let call = format!("/sessions/{session}/calls/1");
    let on_b = get(&b.addr, &call, &auditor);
    assert!(on_b.starts_with("HTTP/1.1 200"), "{on_b}");
    assert!(!on_b.contains("saved through A"));
    let on_a = get(&a.addr, &call, &auditor);
    assert!(on_a.starts_with("HTTP/1.1 200"), "{on_a}");

    // An answer saved through A reaches B's page, which B had read and kept.
    let saved = post(
        &a.addr,
        &call,
        &auditor,
        &format!(
            "csrf={}&q_greeting=partly&n_greeting=saved+through+A",
            csrf(&on_a)
        ),
    );
    assert!(saved.starts_with("HTTP/1.1 303"), "{saved}");
    let (seen, after) = within(WAIT, || {
        get(&b.addr, &call, &auditor).contains("saved through A")
    });
    assert!(seen, "B never showed the answer saved through A");
    eprintln!("B showed A's answer after {after:?}");

    // The coordinator closes the session through B: A refuses the auditor.
    let closed = post(
        &b.addr,
        &format!("/sessions/{session}/status"),
        &coordinator,
        &format!("csrf={token}&status=closed&confirm=yes"),
    );
    assert!(closed.starts_with("HTTP/1.1 303"), "{closed}");
    let (refused, after) = within(WAIT, || {
        get(&a.addr, &call, &auditor).starts_with("HTTP/1.1 403")
    });
    assert!(refused, "A still served a session closed through B");
    eprintln!("A refused the closed session after {after:?}");

    // Signing out through B ends the sign-in that A had kept.
    let home = get(&a.addr, "/", &auditor);
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    let out = post(
        &b.addr,
        "/logout",
        &auditor,
        &format!("csrf={}", csrf(&home)),
    );
    assert!(out.starts_with("HTTP/1.1 303"), "{out}");
    let (ended, after) = within(WAIT, || {
        !get(&a.addr, "/", &auditor).starts_with("HTTP/1.1 200")
    });
    assert!(ended, "A still honoured a sign-in ended through B");
    eprintln!("A ended the sign-in after {after:?}");
}
