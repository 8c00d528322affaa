//! The harness the route tests share: a store with one force's people in every role, each signed
//! in, two sessions, an issue, an action and a message, and the requests the tests send.
// Each test file uses its own part of the harness.
#![allow(dead_code)]

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use callaudit_domain::audit::Role;
use callaudit_domain::call::{CallRef, Channel, PoolCall};
use callaudit_domain::sampling::DrawSpec;
use callaudit_storage::Store;
use callaudit_web::{Config, app, auth};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "a long test password";

pub struct World {
    pub app: Router,
    pub store: Store,
    /// Session cookie and CSRF token per person key.
    pub logins: HashMap<&'static str, (String, String)>,
    pub ids: HashMap<&'static str, i64>,
    pub open: i64,
    pub other: i64,
    /// A Crime Data Integrity dip sample, open, checked by "registrar" (record 1 answered).
    pub dip: i64,
    pub programme: i64,
    /// An issue raised in `open`, escalated to the force lead.
    pub issue: i64,
    /// An action the force lead owns.
    pub action: i64,
    /// A message queued for the force lead.
    pub mail: i64,
    pub _dir: tempfile::TempDir,
}

impl World {
    pub async fn get(&self, who: Option<&str>, path: &str) -> axum::response::Response {
        self.get_with(who.map(|w| self.logins[w].0.as_str()), path)
            .await
    }

    /// A GET with the given cookie header, or none.
    pub async fn get_with(&self, cookie: Option<&str>, path: &str) -> axum::response::Response {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    pub async fn post(
        &self,
        who: &str,
        path: &str,
        form: &str,
        with_csrf: bool,
    ) -> axum::response::Response {
        let (cookie, csrf) = &self.logins[who];
        let body = if with_csrf {
            format!("csrf={csrf}&{form}")
        } else {
            form.to_string()
        };
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.app.clone().oneshot(req).await.unwrap()
    }
}

pub fn call(n: usize, channel: Channel) -> PoolCall {
    PoolCall {
        call_ref: CallRef::parse(&format!("T-{n:04}")).unwrap(),
        started_at: "2024-05-01T09:30:00Z".parse().unwrap(),
        channel,
        incident_type: if n.is_multiple_of(2) {
            "BURGLARY"
        } else {
            "ASB"
        }
        .into(),
        handler: Some(format!("H{}", n % 7)),
        answer_s: Some(4),
        duration_s: Some(300),
        abandoned: Some(false),
        grade: Some("PRIORITY".into()),
        area: None,
        training: false,
        recording: Some(format!("2024/05/T-{n:04}.wav")),
        details: Default::default(),
    }
}

/// Every call's recording: 1 s of talk, a 3.5 s silence from 1 s, 1 s of talk; G.711 µ-law.
pub fn recording_bytes() -> Vec<u8> {
    use callaudit_audio::synth::{Encoding, Part, render, wav};
    let talk = Part::Tone {
        seconds: 1.0,
        hz: 300.0,
        amplitude: 0.5,
    };
    let parts = [talk, Part::Silence { seconds: 3.5 }, talk];
    wav(&[render(&parts, 8000, 0.0, 1)], 8000, Encoding::MuLaw)
}

pub async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&format!(
        "sqlite://{}",
        dir.path().join("t.sqlite").display()
    ))
    .await
    .unwrap();
    let recordings = dir.path().join("recordings");
    let pool: Vec<PoolCall> = (1..=40)
        .map(|n| {
            call(
                n,
                if n.is_multiple_of(3) {
                    Channel::Emergency
                } else {
                    Channel::NonEmergency
                },
            )
        })
        .collect();
    std::fs::create_dir_all(recordings.join("2024/05")).unwrap();
    let bytes = recording_bytes();
    for c in &pool {
        std::fs::write(recordings.join(c.recording.as_ref().unwrap()), &bytes).unwrap();
    }
    let mut tx = store.begin("test").await.unwrap();
    let force = tx.ensure_force("t", "Testshire Police").await.unwrap();
    let other_force = tx.ensure_force("o", "Othershire Police").await.unwrap();
    let programme = tx.ensure_call_audit_programme(force).await.unwrap();
    tx.import_pool(force, "pool.csv", "x", &pool).await.unwrap();
    let people: [(&str, Role, i64); 11] = [
        ("coordinator", Role::Coordinator, force),
        ("auditor", Role::Auditor, force),
        ("auditor2", Role::Auditor, force),
        ("facilitator", Role::Facilitator, force),
        ("facilitator2", Role::Facilitator, force),
        ("lead", Role::ForceLead, force),
        ("viewer", Role::Viewer, force),
        ("admin", Role::Admin, force),
        ("stranger", Role::Coordinator, other_force),
        ("registrar", Role::Registrar, force),
        ("registrar2", Role::Registrar, force),
    ];
    let hash = auth::hash_password(PASSWORD).unwrap();
    let mut ids = HashMap::new();
    for (key, role, f) in people {
        let id = tx
            .add_person(Some(f), key, &format!("{key}@test.invalid"), role)
            .await
            .unwrap();
        tx.set_password_hash(id, &hash).await.unwrap();
        ids.insert(key, id);
    }
    // The volunteers have accepted the agreement and are vetted, so they can be put on panels.
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day);
    for key in ["auditor", "auditor2"] {
        let t = callaudit_domain::training::Training {
            induction_on: d(2024, 1, 10),
            agreement_on: d(2024, 1, 10),
            vetted_on: d(2023, 12, 1),
            vetting_expires_on: None,
        };
        tx.set_training(ids[key], &t).await.unwrap();
    }
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let open = tx
        .create_session(
            programme,
            day,
            "",
            callaudit_domain::audit::SessionStatus::Planned,
            "live",
        )
        .await
        .unwrap();
    tx.set_facilitator(open, ids["facilitator"]).await.unwrap();
    tx.add_panel_member(open, ids["auditor"]).await.unwrap();
    let other = tx
        .create_session(
            programme,
            day,
            "ASB",
            callaudit_domain::audit::SessionStatus::Planned,
            "live",
        )
        .await
        .unwrap();
    tx.set_facilitator(other, ids["facilitator2"])
        .await
        .unwrap();
    tx.add_panel_member(other, ids["auditor2"]).await.unwrap();
    let cdi = tx
        .create_programme(
            force,
            "Crime Data Integrity",
            &callaudit_domain::template::Template::crime_data_integrity(),
            15,
        )
        .await
        .unwrap();
    let dip = tx
        .create_session(
            cdi,
            day,
            "",
            callaudit_domain::audit::SessionStatus::Planned,
            "live",
        )
        .await
        .unwrap();
    tx.add_panel_member(dip, ids["registrar"]).await.unwrap();
    tx.commit().await.unwrap();
    for (s, seed) in [(open, "red 4 2"), (other, "blue 1 6"), (dip, "green 3")] {
        let mut spec = DrawSpec::new(4);
        if s == other {
            spec.focus = vec!["ASB".into()];
        }
        store.commit_session("test", s, spec).await.unwrap();
        let seed = callaudit_domain::sampling::parse_seed(seed).unwrap();
        store.draw_session("test", s, &seed).await.unwrap();
    }
    // An issue on the open session's first call, escalated to the force lead, and an action the
    // force lead owns: what the force's half of the loop works on.
    let first = store.session_calls(open).await.unwrap()[0].id;
    let mut tx = store.begin_in(Some(force), "test").await.unwrap();
    let record = store.session_calls(dip).await.unwrap()[0].id;
    for check in ["recorded", "classified", "timely"] {
        tx.save_answer(
            record,
            ids["registrar"],
            check,
            callaudit_domain::template::Answer::Yes,
            "",
        )
        .await
        .unwrap();
    }
    let issue = tx
        .raise_issue(first, Some("empathy"), "Distress not acknowledged")
        .await
        .unwrap();
    tx.escalate(issue, "Is this a pattern?", ids["facilitator"])
        .await
        .unwrap();
    tx.add_action(
        force,
        day,
        &callaudit_storage::sessions::NewAction {
            text: "Refresher on empathy".into(),
            owner: "FCC lead".into(),
            owner_id: Some(ids["lead"]),
            due_on: chrono::NaiveDate::from_ymd_opt(2024, 7, 1),
            issue_id: Some(issue),
            session_call_id: Some(first),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.queue_mail(
        ids["lead"],
        "test",
        "lead@test.invalid",
        "A notice",
        "b",
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let action = store.actions(force).await.unwrap()[0].id;
    let mail = store.outbox(None, 1).await.unwrap()[0].id;
    let app = app(
        store.clone(),
        Config {
            recordings,
            profiles: dir.path().join("profiles"),
            ..Config::default()
        },
    );
    // Sessions are started directly here (the sign-in form has tests of its own below), so that
    // the matrix does not spend its time hashing.
    let mut logins = HashMap::new();
    let mut tx = store.begin("test").await.unwrap();
    for (key, id) in &ids {
        let token = auth::token().unwrap();
        let csrf = auth::token().unwrap();
        tx.start_web_session(
            &auth::sha256_hex(&token),
            *id,
            &csrf,
            chrono::Utc::now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        logins.insert(*key, (format!("{}={token}", auth::SESSION_COOKIE), csrf));
    }
    tx.commit().await.unwrap();
    World {
        app,
        store,
        logins,
        ids,
        open,
        other,
        dip,
        programme,
        issue,
        action,
        mail,
        _dir: dir,
    }
}

/// The id of the session a plan created, from where the answer sends the browser.
pub fn planned_session(res: &axum::response::Response) -> i64 {
    res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .trim_start_matches("/sessions/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

pub async fn text(res: axum::response::Response) -> String {
    String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

pub const EVERYONE: [&str; 11] = [
    "coordinator",
    "auditor",
    "auditor2",
    "facilitator",
    "facilitator2",
    "lead",
    "viewer",
    "admin",
    "stranger",
    "registrar",
    "registrar2",
];

pub async fn sign_in(w: &World, email: &str, password: &str) -> axum::response::Response {
    let res = w.get(None, "/login").await;
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let req = Request::post("/login")
        .header(header::COOKIE, format!("callaudit_login={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={token}&email={email}&password={}",
            password.replace(' ', "+")
        )))
        .unwrap();
    w.app.clone().oneshot(req).await.unwrap()
}

pub async fn upload(w: &World, who: &str, csv: &str, with_csrf: bool) -> axum::response::Response {
    upload_with(w, who, csv, with_csrf, "").await
}

pub async fn upload_with(
    w: &World,
    who: &str,
    csv: &str,
    with_csrf: bool,
    profile: &str,
) -> axum::response::Response {
    upload_to(w, "/pool", who, csv, with_csrf, profile).await
}

pub async fn upload_to(
    w: &World,
    path: &str,
    who: &str,
    csv: &str,
    with_csrf: bool,
    profile: &str,
) -> axum::response::Response {
    let (cookie, csrf) = &w.logins[who];
    let b = "XBOUNDARYX";
    let mut body = String::new();
    if with_csrf {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"profile\"\r\n\r\n{profile}\r\n"
    ));
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    ));
    let req = Request::post(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from(body))
        .unwrap();
    w.app.clone().oneshot(req).await.unwrap()
}

/// A sign-in request with its own fresh form token, ready to send.
pub async fn sign_in_request(w: &World, email: &str, password: &str) -> Request<Body> {
    let res = w.get(None, "/login").await;
    let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    Request::post("/login")
        .header(header::COOKIE, format!("callaudit_login={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "csrf={token}&email={email}&password={}",
            password.replace(' ', "+")
        )))
        .unwrap()
}

/// Adds a person to `force` with a live sign-in under `key`, as the world's people have.
pub async fn add_signed_in(w: &mut World, key: &'static str, role: Role, force: &str) -> i64 {
    let force_id = w
        .store
        .forces()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.code == force)
        .unwrap()
        .id;
    let mut tx = w.store.begin("test").await.unwrap();
    let id = tx
        .add_person(Some(force_id), key, &format!("{key}@test.invalid"), role)
        .await
        .unwrap();
    let token = auth::token().unwrap();
    let csrf = auth::token().unwrap();
    tx.start_web_session(
        &auth::sha256_hex(&token),
        id,
        &csrf,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    w.logins
        .insert(key, (format!("{}={token}", auth::SESSION_COOKIE), csrf));
    w.ids.insert(key, id);
    id
}

/// `probe`'s answer once `done` holds of it, asking again for up to five seconds (a change by
/// another process reaches the server when its watcher next looks); the last answer if never.
pub async fn poll<T, F: std::future::Future<Output = T>>(
    probe: impl Fn() -> F,
    done: impl Fn(&T) -> bool,
) -> T {
    let mut last = probe().await;
    for _ in 0..200 {
        if done(&last) {
            break;
        }
        tokio::time::sleep(callaudit_web::cache::WATCH_EVERY / 4).await;
        last = probe().await;
    }
    last
}

/// A value as a urlencoded form carries it.
pub fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
