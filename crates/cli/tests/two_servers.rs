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

/// The test PostgreSQL server's address, or `None` (the test skips) when none is set; CI must
/// set one.
fn test_postgres() -> Option<String> {
    let url = std::env::var("CALLAUDIT_TEST_POSTGRES_URL").ok();
    if url.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set CALLAUDIT_TEST_POSTGRES_URL so that PostgreSQL is tested too"
        );
        eprintln!("SKIPPED: no CALLAUDIT_TEST_POSTGRES_URL");
    }
    url
}

/// A database of its own on the test server, dropped when done.
struct Database {
    admin: String,
    name: String,
    pub url: String,
}

impl Database {
    fn create(server_url: &str) -> Database {
        let base = server_url.rsplit_once('/').unwrap().0.to_string();
        // The tests of this file run at once: each database gets a number of its own.
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "two_servers_{}_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
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
        let out = psql(&self.admin, sql);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `sql` run by psql at `url`, stopping at the first error.
fn psql(url: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("psql is installed beside the server")
}

/// A login role of the test server's, dropped (with its grants) when done; declared before the
/// database it is granted in, so that the database goes first.
struct Role {
    admin: String,
    name: String,
}

impl Drop for Role {
    fn drop(&mut self) {
        let _ = psql(&self.admin, &format!("DROP ROLE IF EXISTS {}", self.name));
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
    let Some(pg) = test_postgres() else {
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

/// The grants docs/security.md tells an owner to run for the application role, as written there
/// (the role's name and password aside), so that the document is what is tested.
fn documented_grants(role: &str) -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/security.md"
    ))
    .unwrap();
    let start = doc
        .find("CREATE ROLE callaudit_app")
        .expect("security.md has the grants");
    let block = &doc[start..start + doc[start..].find("```").unwrap()];
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("--") && !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        .replace(" PASSWORD '…'", "")
        .replace("callaudit_app", role)
}

#[test]
fn the_server_runs_as_a_role_that_does_not_own_the_tables() {
    let Some(pg) = test_postgres() else {
        return;
    };
    let name = format!("app_{}", std::process::id());
    let _role = Role {
        admin: pg.clone(),
        name: name.clone(),
    };
    let db = Database::create(&pg);
    let dir = tempfile::tempdir().unwrap();
    let recordings = dir.path().join("recordings");
    let recordings = recordings.to_str().unwrap();
    // The owner makes the schema and the demo once, then grants as docs/security.md says.
    drop(Server::start(
        &db.url,
        &["--demo", "--recordings", recordings],
    ));
    let granted = psql(&db.url, &documented_grants(&name));
    assert!(
        granted.status.success(),
        "{}",
        String::from_utf8_lossy(&granted.stderr)
    );
    let (base, database) = db.url.rsplit_once('/').unwrap();
    let app_url = format!(
        "{}{name}@{}/{database}",
        &base[..base.find("//").unwrap() + 2],
        &base[base.find('@').unwrap() + 1..]
    );

    // As that role the server starts (the migration check included), signs people in and writes.
    let app = Server::start(&app_url, &["--recordings", recordings]);
    let coordinator = sign_in(&app.addr, COORDINATOR, PASSWORD);
    let list = get(&app.addr, "/auditors", &coordinator);
    let id: i64 = list
        .match_indices("href=\"/auditors/")
        .find_map(|(i, m)| {
            let rest = &list[i + m.len()..];
            rest[..rest.find('"')?].parse().ok()
        })
        .expect("the demo has auditors");
    let saved = post(
        &app.addr,
        &format!("/auditors/{id}"),
        &coordinator,
        &format!(
            "csrf={}&agreement_on-day=2&agreement_on-month=1&agreement_on-year=2026&vetted_on-day=1&vetted_on-month=1&vetted_on-year=2026",
            csrf(&list)
        ),
    );
    assert!(saved.starts_with("HTTP/1.1 303"), "{saved}");
    // And it cannot rewrite the history it appends to.
    let rewrite = psql(&app_url, "DELETE FROM history");
    assert!(!rewrite.status.success());
    assert!(
        String::from_utf8_lossy(&rewrite.stderr).contains("permission denied"),
        "{}",
        String::from_utf8_lossy(&rewrite.stderr)
    );
    drop(app);
}
