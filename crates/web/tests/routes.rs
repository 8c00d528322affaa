//! Every route for every role, in memory: what each may see and do, and what each is refused.
//! Also the sign-in rules (argon2id, throttling, cookie flags), CSRF, the security headers and
//! people's accounts. The other route tests are by area, over the same harness.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use callaudit_domain::audit::Role;
use callaudit_web::{Config, app};
use tower::ServiceExt;

mod support;
use support::*;

#[tokio::test]
async fn every_get_route_admits_exactly_its_roles() {
    let w = world().await;
    let s = w.open;
    let routes: Vec<(String, Vec<&str>)> = vec![
        ("/".into(), EVERYONE.to_vec()),
        (
            "/sessions".into(),
            vec![
                "coordinator",
                "auditor",
                "auditor2",
                "facilitator",
                "facilitator2",
                "lead",
                "viewer",
                "stranger",
                "registrar",
                "registrar2",
            ],
        ),
        (
            format!("/sessions/{s}"),
            vec!["coordinator", "auditor", "facilitator", "lead", "viewer"],
        ),
        // The Crime Registrar team's dip sample: registrar checks it, registrar2 validates it;
        // volunteers and facilitators have no part in it.
        (
            format!("/sessions/{}", w.dip),
            vec!["coordinator", "lead", "viewer", "registrar", "registrar2"],
        ),
        (format!("/sessions/{}/calls/1", w.dip), vec!["registrar"]),
        (
            format!("/sessions/{}/validate", w.dip),
            vec!["registrar", "registrar2"],
        ),
        (format!("/sessions/{s}/validate"), vec![]),
        (
            "/reports/cdi?year=2024&format=json".into(),
            vec![
                "coordinator",
                "lead",
                "viewer",
                "stranger",
                "registrar",
                "registrar2",
            ],
        ),
        (format!("/sessions/{s}/calls/1"), vec!["auditor"]),
        (format!("/sessions/{s}/answers"), vec!["auditor"]),
        (
            format!("/sessions/{s}/calls/1/recording"),
            vec!["auditor", "facilitator"],
        ),
        (
            format!("/sessions/{s}/calls/1/recording/analysis"),
            vec!["auditor", "facilitator"],
        ),
        (
            format!("/sessions/{s}/panel"),
            vec!["coordinator", "facilitator"],
        ),
        (
            format!("/sessions/{s}/panel/1"),
            vec!["coordinator", "facilitator"],
        ),
        (
            format!("/sessions/{s}/responses"),
            vec!["coordinator", "facilitator"],
        ),
        (
            format!("/sessions/{s}/draw.json"),
            vec!["coordinator", "facilitator", "lead", "viewer"],
        ),
        (
            format!("/sessions/{s}/report?format=json"),
            vec!["coordinator", "facilitator", "lead", "viewer"],
        ),
        (
            "/actions".into(),
            vec![
                "coordinator",
                "facilitator",
                "facilitator2",
                "lead",
                "viewer",
                "stranger",
            ],
        ),
        (
            "/reports".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        (
            "/reports/annual?year=2024&format=json".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        ("/force".into(), vec!["lead"]),
        (
            "/performance".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        (
            "/performance.json?from=2024-04-01&to=2024-06-30".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        (
            "/performance.csv".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        (
            "/performance.pdf?from=2024-05-01&to=2024-05-31".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        (
            "/reports/publish?year=2024".into(),
            vec!["coordinator", "stranger"],
        ),
        (
            "/actions/pack?format=md".into(),
            vec![
                "coordinator",
                "facilitator",
                "facilitator2",
                "lead",
                "viewer",
                "stranger",
            ],
        ),
        (
            "/actions/pack?format=md&part=full".into(),
            vec!["coordinator", "lead", "stranger"],
        ),
        (
            "/reports/texts?year=2024".into(),
            vec!["coordinator", "lead", "viewer", "stranger"],
        ),
        ("/admin/users".into(), vec!["admin"]),
        ("/admin/mail".into(), vec!["admin"]),
        // The stranger coordinates another force: they see that force's auditors.
        ("/auditors".into(), vec!["coordinator", "stranger"]),
        (
            "/auditors/agreement?year=2024".into(),
            vec!["coordinator", "stranger"],
        ),
        // A volunteer's training record: their own force's coordinator only.
        (
            format!("/auditors/{}", w.ids["auditor"]),
            vec!["coordinator"],
        ),
        ("/pool".into(), vec!["coordinator", "stranger"]),
        ("/pool/totals".into(), vec!["coordinator", "stranger"]),
        ("/pool/map".into(), vec!["coordinator", "stranger"]),
        ("/programmes".into(), vec!["coordinator", "stranger"]),
        (
            format!("/programmes/{}/questions/greeting", w.programme),
            vec!["coordinator"],
        ),
        // The stranger's force has no reference calls: the form says so.
        ("/calibration/new".into(), vec!["coordinator", "stranger"]),
    ];
    let mut wrong = Vec::new();
    for (path, allowed) in &routes {
        // Nobody signed in: always to the sign-in page.
        let res = w.get(None, path).await;
        if res.status() != StatusCode::SEE_OTHER || res.headers()[header::LOCATION] != "/login" {
            wrong.push(format!("anonymous {path}: {}", res.status()));
        }
        for who in EVERYONE {
            let res = w.get(Some(who), path).await;
            let ok = res.status().is_success();
            if ok != allowed.contains(&who) {
                wrong.push(format!("{who} {path}: {}", res.status()));
            }
            // Another force's session or volunteer is "not found", as a missing one is; the rest
            // is 403.
            let theirs = path.starts_with("/sessions/") || path.starts_with("/auditors/");
            let refusal = if who == "stranger" && theirs {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            if !ok && res.status() != refusal {
                wrong.push(format!(
                    "{who} {path}: refused with {} instead of {refusal}",
                    res.status()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn an_auditor_cannot_reach_another_sessions_calls_by_guessing() {
    let w = world().await;
    let other = w.other;
    for path in [
        format!("/sessions/{other}"),
        format!("/sessions/{other}/calls/1"),
        format!("/sessions/{other}/calls/1/recording"),
        format!("/sessions/{other}/calls/2/recording"),
        format!("/sessions/{other}/calls/2/recording/analysis"),
    ] {
        assert_eq!(
            w.get(Some("auditor"), &path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert!(
            w.get(Some("auditor2"), &path).await.status().is_success(),
            "{path}"
        );
    }
    let res = w
        .post(
            "auditor",
            &format!("/sessions/{other}/calls/1"),
            "q_greeting=yes",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A session that does not exist is "not found", for everyone.
    assert_eq!(
        w.get(Some("auditor"), "/sessions/999/calls/1/recording")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_post_route_admits_exactly_its_roles_and_needs_the_csrf_token() {
    let w = world().await;
    let s = w.open;
    let posts: Vec<(String, String, Vec<&str>)> = vec![
        (
            format!("/sessions/{s}/calls/1"),
            "q_greeting=yes&n_greeting=fine".into(),
            vec!["auditor"],
        ),
        (
            format!("/sessions/{}/calls/2", w.dip),
            "q_recorded=yes&q_classified=no&q_timely=yes".into(),
            vec!["registrar"],
        ),
        // Record 1 was checked by registrar: a second registrar validates it.
        (
            format!("/sessions/{}/calls/1/validate", w.dip),
            String::new(),
            vec!["registrar2"],
        ),
        (
            format!("/sessions/{s}/calls/1/outcome"),
            "category=suggestions&area=empathy&comments=c&issue=Explain+silences".into(),
            vec!["facilitator"],
        ),
        (
            format!("/sessions/{s}/calls/1/drafts"),
            "draft=empathy&decision=drop".into(),
            vec!["facilitator"],
        ),
        (
            format!("/issues/{}/escalate", w.issue),
            "note=Is+THRIVE+recorded%3F".into(),
            vec!["facilitator"],
        ),
        (
            format!("/issues/{}/escalation", w.issue),
            "answer=Yes".into(),
            vec!["lead"],
        ),
        (
            "/actions".into(),
            "text=Brief+the+teams&owner=FCC".into(),
            vec!["coordinator", "stranger"],
        ),
        (
            format!("/actions/{}", w.action),
            "note=Booked".into(),
            vec!["coordinator", "lead"],
        ),
        (
            format!("/auditors/{}", w.ids["auditor2"]),
            "agreement_on-day=2&agreement_on-month=1&agreement_on-year=2024&vetted_on-day=1&vetted_on-month=12&vetted_on-year=2023".into(),
            vec!["coordinator"],
        ),
        (
            "/reports/texts".into(),
            "year=2024&section=introduction&text=Ten+auditors".into(),
            vec!["coordinator", "stranger"],
        ),
        (
            "/reports/publish".into(),
            "year=2024".into(),
            vec!["coordinator", "stranger"],
        ),
        (
            "/reports/texts".into(),
            "year=2024&section=force-response&text=We+accept".into(),
            vec!["lead"],
        ),
        (
            "/sessions".into(),
            format!(
                "held_on-day=1&held_on-month=7&held_on-year=2024&facilitator={}&panel={}",
                w.ids["facilitator"], w.ids["auditor"]
            ),
            vec!["coordinator"],
        ),
        (
            format!("/admin/users/{}", w.ids["viewer"]),
            "role=viewer".into(),
            vec!["admin"],
        ),
        (
            format!("/admin/mail/{}/retry", w.mail),
            String::new(),
            vec!["admin"],
        ),
        // The stranger coordinates another force: this force's programme is not theirs.
        (
            format!("/programmes/{}", w.programme),
            "max_sample=12&focus=ASB".into(),
            vec!["coordinator"],
        ),
        (
            "/programmes".into(),
            "kind=crime-data-integrity&name=Dip+sample".into(),
            vec!["coordinator", "stranger"],
        ),
        (
            format!("/programmes/{}/questions/greeting", w.programme),
            "text=Did+they+name+the+force%3F&from_on-day=1&from_on-month=1&from_on-year=2030"
                .into(),
            vec!["coordinator"],
        ),
        (
            "/pool/profiles".into(),
            "name=ours&replace=1&text=%5Bcolumns%5D%0Acall_id+%3D+%22Ref%22".into(),
            vec!["coordinator", "stranger"],
        ),
        (
            "/pool/totals".into(),
            "date-day=16&date-month=4&date-year=2024&calls=312".into(),
            vec!["coordinator", "stranger"],
        ),
    ];
    let mut wrong = Vec::new();
    for (path, form, allowed) in &posts {
        for who in EVERYONE {
            // Without the token: refused for everyone, before anything else is looked at.
            let res = w.post(who, path, form, false).await;
            if res.status() != StatusCode::FORBIDDEN {
                wrong.push(format!("{who} {path} without CSRF: {}", res.status()));
            }
        }
        for who in EVERYONE {
            let res = w.post(who, path, form, true).await;
            let ok = res.status() == StatusCode::SEE_OTHER;
            if ok != allowed.contains(&who) {
                let status = res.status();
                wrong.push(format!(
                    "{who} {path}: {status} {}",
                    text(res)
                        .await
                        .lines()
                        .filter(|l| l.contains("<p>"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn what_people_write_is_escaped() {
    let w = world().await;
    let path = format!("/sessions/{}/calls/1", w.open);
    let form = "q_greeting=no&n_greeting=%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    assert_eq!(
        w.post("auditor", &path, form, true).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = text(w.get(Some("auditor"), &path).await).await;
    assert!(!page.contains("<script>alert"), "raw script in the page");
    assert!(
        page.contains("&#60;script&#62;alert(1)") || page.contains("&lt;script&gt;alert(1)"),
        "{page}"
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let w = world().await;
    for (who, path) in [
        (None, "/login"),
        (Some("auditor"), "/"),
        (Some("auditor"), "/nope"),
    ] {
        let res = w.get(who, path).await;
        let h = res.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe"),
            "{csp}"
        );
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
    }
    assert_eq!(
        w.get(Some("auditor"), "/nope").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let w = world().await;
    let (cookie, csrf) = &w.logins["auditor"];
    let req = Request::post(format!("/sessions/{}/calls/1", w.open))
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "cross-site")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={csrf}&q_greeting=yes")))
        .unwrap();
    assert_eq!(
        w.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn signing_in_and_out() {
    let w = world().await;
    let res = sign_in(&w, "viewer@test.invalid", "wrong password here").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(text(res).await.contains("not right"));
    let res = sign_in(&w, "nobody@test.invalid", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let res = sign_in(&w, "Viewer@Test.invalid", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("callaudit_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session.contains(flag), "{session} lacks {flag}");
    }
    let cookie = session.split(';').next().unwrap().to_string();
    let home = w.get_with(Some(&cookie), "/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let page = text(home).await;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let out = Request::post("/logout")
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={csrf}")))
        .unwrap();
    assert_eq!(
        w.app.clone().oneshot(out).await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let after = w.get_with(Some(&cookie), "/").await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
    let history = w.store.history(20).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.action == "sign-in" && h.actor == "viewer@test.invalid")
    );
    assert!(history.iter().any(|h| h.action == "sign-out"));
    // The stored hash is argon2id, never the password.
    let (_, hash) = w
        .store
        .login_candidate("viewer@test.invalid")
        .await
        .unwrap()
        .unwrap();
    assert!(hash.unwrap().starts_with("$argon2id$"));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let w = world().await;
    for _ in 0..5 {
        assert_eq!(
            sign_in(&w, "lead@test.invalid", "not the password")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let res = sign_in(&w, "lead@test.invalid", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(text(res).await.contains("Too many failed attempts"));
    assert_eq!(
        sign_in(&w, "viewer@test.invalid", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_sign_in_form_without_its_token_is_refused() {
    let w = world().await;
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "email=viewer@test.invalid&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    assert_eq!(
        w.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_coordinator_adds_auditors_and_only_auditors() {
    let w = world().await;
    let before = text(w.get(Some("coordinator"), "/auditors").await).await;
    assert!(before.contains("<h1>Auditors</h1>"));
    // A role field is ignored: a coordinator can add auditors, never a coordinator or an admin.
    let res = w
        .post(
            "coordinator",
            "/auditors",
            "name=Dee+Volunteer&email=dee%40example.invalid&password=a+long+first+password&role=admin",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/auditors?added=1");
    let people = w.store.people(None).await.unwrap();
    let dee = people
        .iter()
        .find(|p| p.email == "dee@example.invalid")
        .unwrap();
    assert_eq!(dee.role, Role::Auditor);
    let page = text(w.get(Some("coordinator"), "/auditors?added=1").await).await;
    assert!(page.contains("Dee Volunteer") && page.contains("Auditor added"));
    // Every mistake at once, linked to its field, what was typed kept (never the password).
    let res = w
        .post(
            "coordinator",
            "/auditors",
            "name=&email=not-an-address&password=short",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    for link in [
        "<a href=\"#name\">Enter the person&#39;s name</a>",
        "<a href=\"#email\">Enter an email address in the correct format",
        "<a href=\"#password\">",
    ] {
        assert!(
            page.contains(link) || page.contains(&link.replace("&#39;", "&#x27;")),
            "{link} in {page}"
        );
    }
    assert!(page.contains("value=\"not-an-address\""), "{page}");
    assert!(
        !page.contains("value=\"short\""),
        "the password is never shown back"
    );
    // Another force's coordinator neither sees this force's auditors nor adds to them.
    let theirs = text(w.get(Some("stranger"), "/auditors").await).await;
    assert!(!theirs.contains("Dee Volunteer"));
    let res = w
        .post(
            "stranger",
            "/auditors",
            "name=Eve+Volunteer&email=eve%40example.invalid&password=a+long+first+password",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let eve = w.store.people(None).await.unwrap();
    let eve = eve
        .iter()
        .find(|p| p.email == "eve@example.invalid")
        .unwrap();
    assert_ne!(
        eve.force_id, dee.force_id,
        "added to the stranger's own force"
    );
    // Every other role is refused, and needs the CSRF token first.
    for (n, who) in EVERYONE.iter().enumerate() {
        if ["coordinator", "stranger"].contains(who) {
            continue;
        }
        let form = format!("name=X&email=x{n}%40example.invalid&password=a+long+first+password");
        assert_eq!(
            w.post(who, "/auditors", &form, true).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        assert_eq!(
            w.post(who, "/auditors", &form, false).await.status(),
            StatusCode::FORBIDDEN,
            "{who} without the token"
        );
    }
    // A short password is refused with the reason, and nobody is added.
    let res = w
        .post(
            "coordinator",
            "/auditors",
            "name=Short&email=short%40example.invalid&password=short",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        !w.store
            .people(None)
            .await
            .unwrap()
            .iter()
            .any(|p| p.email == "short@example.invalid")
    );
}

#[tokio::test]
async fn an_administrator_sees_and_changes_only_their_own_forces_people() {
    let mut w = world().await;
    add_signed_in(&mut w, "admin2", Role::Admin, "o").await;
    let page = text(w.get(Some("admin2"), "/admin/users").await).await;
    assert!(page.contains("stranger@test.invalid"), "their own force");
    // A new password too short for someone of their own force: the list again, the problem
    // beside that person's password box, nothing changed.
    let stranger = w.ids["stranger"];
    let res = w
        .post(
            "admin2",
            &format!("/admin/users/{stranger}"),
            "role=viewer&password=short",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused = text(res).await;
    assert!(
        refused.contains(&format!("<a href=\"#pw-{stranger}\">")),
        "{refused}"
    );
    assert!(
        !page.contains("viewer@test.invalid") && !page.contains("coordinator@test.invalid"),
        "no one of another force is listed"
    );
    // Making another force's viewer a coordinator (who would then read that force's panels):
    // refused as if the person did not exist, and nothing changes.
    let viewer = w.ids["viewer"];
    let res = w
        .post(
            "admin2",
            &format!("/admin/users/{viewer}"),
            "role=coordinator&password=a+brand+new+password",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let missing = w
        .post("admin2", "/admin/users/999999", "role=coordinator", true)
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(w.store.person(viewer).await.unwrap().role, Role::Viewer);
    // Their own force's people they do manage.
    let stranger = w.ids["stranger"];
    let res = w
        .post(
            "admin2",
            &format!("/admin/users/{stranger}"),
            "role=viewer",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.store.person(stranger).await.unwrap().role, Role::Viewer);
    // And the first force's administrator still sees their own people, not the other force's.
    let page = text(w.get(Some("admin"), "/admin/users").await).await;
    assert!(page.contains("viewer@test.invalid") && !page.contains("admin2@test.invalid"));
}

#[tokio::test]
async fn an_email_in_use_elsewhere_is_refused_without_saying_where() {
    let w = world().await;
    let res = w
        .post(
            "coordinator",
            "/auditors",
            "name=Sam&email=stranger%40test.invalid&password=a+long+enough+password",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(body.contains("is already in use on this server"), "{body}");
    assert!(
        body.contains("<a href=\"#email\">"),
        "beside the email field: {body}"
    );
    assert!(!body.contains("Othershire") && !body.contains("coordinator of"));
}

#[tokio::test]
async fn another_forces_session_is_not_found_like_a_missing_one() {
    let w = world().await;
    let theirs = w
        .get(Some("stranger"), &format!("/sessions/{}", w.open))
        .await;
    let missing = w.get(Some("stranger"), "/sessions/999999").await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let (a, b) = (text(theirs).await, text(missing).await);
    assert_eq!(
        a.replace(&format!("no session {}<", w.open), "no session N<"),
        b.replace("no session 999999<", "no session N<"),
        "the two answers differ only in the number asked for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_parallel_guesses_is_held_to_the_limit_and_the_lock_survives_a_restart() {
    let w = world().await;
    let mut requests = Vec::new();
    for i in 0..40 {
        requests.push(
            sign_in_request(&w, "lead@test.invalid", &format!("guess number {i} here")).await,
        );
    }
    requests.push(sign_in_request(&w, "lead@test.invalid", PASSWORD).await);
    let mut burst = tokio::task::JoinSet::new();
    for req in requests {
        let app = w.app.clone();
        burst.spawn(async move { app.oneshot(req).await.unwrap().status() });
    }
    let mut statuses: HashMap<StatusCode, usize> = HashMap::new();
    while let Some(s) = burst.join_next().await {
        *statuses.entry(s.unwrap()).or_default() += 1;
    }
    let hashed = statuses
        .get(&StatusCode::UNAUTHORIZED)
        .copied()
        .unwrap_or(0)
        + statuses.get(&StatusCode::SEE_OTHER).copied().unwrap_or(0);
    assert!(
        hashed <= 5,
        "at most five attempts reach the password check: {statuses:?}"
    );
    assert!(
        statuses
            .get(&StatusCode::TOO_MANY_REQUESTS)
            .copied()
            .unwrap_or(0)
            >= 36,
        "{statuses:?}"
    );
    // The count is in the database: a server started afresh on it still refuses.
    let restarted = app(w.store.clone(), Config::default());
    let req = sign_in_request(&w, "lead@test.invalid", PASSWORD).await;
    assert_eq!(
        restarted.oneshot(req).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // However many emails are tried, each is kept as a fixed-size key, never as typed.
    let long = format!("{}@test.invalid", "x".repeat(300));
    let res = w
        .app
        .clone()
        .oneshot(sign_in_request(&w, &long, "anything at all here").await)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let too_long = format!("{}@test.invalid", "x".repeat(400));
    let res = w
        .app
        .clone()
        .oneshot(sign_in_request(&w, &too_long, "anything at all here").await)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_health_check_answers_without_a_sign_in() {
    let w = world().await;
    let res = w.get(None, "/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(text(res).await, "ok\n");
    // The tab's icon too: a browser asks for it on every page.
    for path in ["/favicon.ico", "/static/favicon.svg"] {
        let res = w.get(None, path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "image/svg+xml");
    }
}
