//! Email notifications against a real SMTP server on loopback: Python's aiosmtpd, started here,
//! writing what it receives to a maildir that the test reads. A round with the mail server down
//! keeps every message and says why; the administrator's "send again" and the next round deliver
//! them; a notice is mailed once however many rounds run. Skipped, saying why, when aiosmtpd is
//! missing, except under CI, where it must run.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use callaudit_domain::audit::Role;
use callaudit_domain::call::{CallRef, Channel, PoolCall};
use callaudit_storage::Store;
use callaudit_storage::outbox::MAX_ATTEMPTS;
use callaudit_web::notify::{MailSettings, Round, mail_round};

struct Smtpd(Child);

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn aiosmtpd_missing() -> Option<String> {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (!ok).then(|| "Python's aiosmtpd is not installed (pip install aiosmtpd)".to_string())
}

/// An SMTP server on `port` that keeps every message it accepts in the maildir `dir`.
fn smtpd(port: u16, dir: &Path) -> Smtpd {
    let child = Command::new("python3")
        .args(["-u", "-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Smtpd(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "aiosmtpd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// The messages delivered to the maildir so far, with folded headers and quoted-printable soft
/// line breaks joined back up.
fn delivered(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("new"))
        .map(|d| {
            d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .map(|m| {
                    m.replace("\r\n", "\n")
                        .replace("=\n", "")
                        .replace("\n ", " ")
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn call(n: usize) -> PoolCall {
    PoolCall {
        call_ref: CallRef::parse(&format!("M-{n}")).unwrap(),
        started_at: "2026-02-01T09:30:00Z".parse().unwrap(),
        channel: Channel::Emergency,
        incident_type: "DOMESTIC".into(),
        handler: Some("H1".into()),
        answer_s: Some(4),
        duration_s: Some(300),
        abandoned: Some(false),
        grade: Some("PRIORITY".into()),
        area: None,
        training: false,
        recording: None,
        details: Default::default(),
    }
}

#[tokio::test]
async fn notices_are_mailed_once_retried_when_the_server_fails_and_never_lost() {
    if let Some(why) = aiosmtpd_missing() {
        if std::env::var_os("CI").is_some() {
            panic!("the mail tests must run in CI, but {why}");
        }
        eprintln!("SKIPPED: the mail test, because {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("m.sqlite").display()
    ))
    .await
    .unwrap();
    // A force with a force lead, a facilitator, a session, and an issue escalated and unanswered.
    let mut tx = store.begin("test").await.unwrap();
    let force = tx.ensure_force("m", "Mailshire Police").await.unwrap();
    tx.commit().await.unwrap();
    let calls = vec![call(1)];
    let mut tx = store.begin_in(Some(force), "test").await.unwrap();
    tx.import_pool(force, "pool.csv", "x", &calls)
        .await
        .unwrap();
    let programme = tx.ensure_call_audit_programme(force).await.unwrap();
    let lead = tx
        .add_person(Some(force), "Lee Lead", "lee@test.invalid", Role::ForceLead)
        .await
        .unwrap();
    let fran = tx
        .add_person(Some(force), "Fran", "fran@test.invalid", Role::Facilitator)
        .await
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
    let s = tx
        .create_session(
            programme,
            day,
            "",
            callaudit_domain::audit::SessionStatus::Open,
            "live",
        )
        .await
        .unwrap();
    tx.set_facilitator(s, fran).await.unwrap();
    let sc = tx.add_session_call(s, 1, &calls[0], None).await.unwrap();
    let issue = tx
        .raise_issue(sc, None, "The caller's address was read out in full")
        .await
        .unwrap();
    tx.escalate(issue, "Is this a pattern?", fran)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The mail server is down: every message is kept, with why, for a later attempt.
    let from = "callaudit@test.invalid";
    let public = Some("https://audit.test.invalid".to_string());
    let down = MailSettings::new(
        &format!("smtp://127.0.0.1:{}", free_port()),
        from,
        public.clone(),
    )
    .unwrap();
    let now = chrono::Utc::now();
    let r = mail_round(&store, &down, now).await.unwrap();
    assert_eq!(
        r,
        Round {
            queued: 2,
            sent: 0,
            failed: 2
        },
        "the escalation for the lead, the unanswered issue for the facilitator"
    );
    let outbox = store.outbox(Some(force), 10).await.unwrap();
    assert!(
        outbox
            .iter()
            .all(|m| m.status == "pending" && m.attempts == 1 && m.last_error.is_some()),
        "{outbox:?}"
    );
    // Nothing is due again until the delay has passed, and nothing is queued twice.
    assert_eq!(
        mail_round(&store, &down, now).await.unwrap(),
        Round::default()
    );

    // The mail server is back; the administrator sends the messages again.
    let maildir = dir.path().join("maildir");
    let port = free_port();
    let _smtpd = smtpd(port, &maildir);
    let up = MailSettings::new(&format!("smtp://127.0.0.1:{port}"), from, public).unwrap();
    let mut tx = store.begin("admin@test.invalid").await.unwrap();
    for m in &outbox {
        tx.retry_mail(m.id, Some(force)).await.unwrap();
    }
    // Another force's administrator cannot.
    assert!(tx.retry_mail(outbox[0].id, Some(force + 99)).await.is_err());
    tx.commit().await.unwrap();
    let r = mail_round(&store, &up, chrono::Utc::now()).await.unwrap();
    assert_eq!((r.queued, r.sent, r.failed), (0, 2, 0));
    let mut mails = delivered(&maildir);
    let start = Instant::now();
    while mails.len() < 2 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
        mails = delivered(&maildir);
    }
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to_lead = mails
        .iter()
        .find(|m| m.contains("To: lee@test.invalid"))
        .expect("the force lead's message arrived");
    assert!(to_lead.contains("From: callaudit@test.invalid"));
    assert!(to_lead.contains("Subject: An issue on call 1 of the session of 10 February 2026 has been escalated to you."), "{to_lead}");
    assert!(to_lead.contains(&format!("https://audit.test.invalid/force#issue-{issue}")));
    let to_fran = mails
        .iter()
        .find(|m| m.contains("To: fran@test.invalid"))
        .expect("the facilitator's message arrived");
    assert!(to_fran.contains("awaits the force's response"));
    for m in &mails {
        assert!(
            !m.contains("address was read out") && !m.contains("Is this a pattern"),
            "a message never carries what people wrote: {m}"
        );
    }
    assert!(
        store
            .outbox(Some(force), 10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.status == "sent")
    );
    // A later round mails nothing again.
    assert_eq!(
        mail_round(&store, &up, chrono::Utc::now()).await.unwrap(),
        Round::default()
    );
    assert_eq!(delivered(&maildir).len(), 2);

    // After the last attempt a message is kept as failed, for the administrator to see.
    let mut tx = store.begin_in(Some(force), "test").await.unwrap();
    tx.queue_mail(
        lead,
        "test:give-up",
        "lee@test.invalid",
        "s",
        "b",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let far = chrono::Utc::now() + chrono::Duration::days(1);
    let mut m = store.due_mail(far, 10).await.unwrap().remove(0);
    for _ in 0..MAX_ATTEMPTS {
        let mut tx = store.begin("mailer").await.unwrap();
        tx.mail_failed(&m, "refused", far).await.unwrap();
        tx.commit().await.unwrap();
        m.attempts += 1;
    }
    let failed = store.outbox(Some(force), 10).await.unwrap().remove(0);
    assert_eq!(
        (failed.status.as_str(), failed.attempts),
        ("failed", MAX_ATTEMPTS),
        "failed messages come first"
    );
    assert!(
        store
            .due_mail(far + chrono::Duration::days(30), 10)
            .await
            .unwrap()
            .is_empty(),
        "a failed message waits for the administrator"
    );
}
