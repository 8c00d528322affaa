//! Every route for every role, in memory: what each may see and do, and what each is refused.
//! Also the sign-in rules (argon2id, throttling, cookie flags), CSRF, the security headers and
//! range requests on recordings.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use callaudit_domain::audit::Role;
use callaudit_storage::Store;
use callaudit_web::{Config, app};
use http_body_util::BodyExt;
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
            ],
        ),
        (
            format!("/sessions/{s}"),
            vec!["coordinator", "auditor", "facilitator", "lead", "viewer"],
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
        ("/pool".into(), vec!["coordinator", "stranger"]),
        ("/pool/totals".into(), vec!["coordinator", "stranger"]),
        ("/pool/map".into(), vec!["coordinator", "stranger"]),
        ("/programmes".into(), vec!["coordinator", "stranger"]),
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
            // Another force's session is "not found", as a missing one is; the rest is 403.
            let refusal = if who == "stranger" && path.starts_with("/sessions/") {
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
async fn an_auditor_keeps_only_the_outcome_when_the_session_closes() {
    let w = world().await;
    let path = format!("/sessions/{}/calls/1/recording", w.open);
    assert!(w.get(Some("auditor"), &path).await.status().is_success());
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{}/status", w.open),
            "status=closed&confirm=yes",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        w.get(Some("auditor"), &path).await.status(),
        StatusCode::FORBIDDEN
    );
    let scoring = format!("/sessions/{}/calls/1", w.open);
    assert_eq!(
        w.get(Some("auditor"), &scoring).await.status(),
        StatusCode::FORBIDDEN
    );
    // They read what came of it: the session and its report with the issues and responses.
    let session = format!("/sessions/{}", w.open);
    assert_eq!(
        w.get(Some("auditor"), &session).await.status(),
        StatusCode::OK
    );
    let report = format!("/sessions/{}/report?format=html", w.open);
    let res = w.get(Some("auditor"), &report).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(text(res).await.contains("Issues raised and the force"));
    // Another session's auditor does not.
    assert_eq!(
        w.get(Some("auditor2"), &session).await.status(),
        StatusCode::FORBIDDEN
    );
    // The facilitator still answers the findings after the session.
    assert!(
        w.get(Some("facilitator"), &path)
            .await
            .status()
            .is_success()
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
async fn answers_are_saved_once_with_who_and_when() {
    let w = world().await;
    let path = format!("/sessions/{}/calls/2", w.open);
    let form = "q_greeting=partly&n_greeting=Slow+to+answer&category=suggestions&area=empathy&area=silence";
    assert_eq!(
        w.post("auditor", &path, form, true).await.status(),
        StatusCode::SEE_OTHER
    );
    // The page's script asks for JSON; an unchanged form writes nothing.
    let req = Request::post(&path)
        .header(header::COOKIE, &w.logins["auditor"].0)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("csrf={}&{form}", w.logins["auditor"].1)))
        .unwrap();
    let res = w.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(text(res).await, r#"{"saved":0}"#);
    let page = text(w.get(Some("auditor"), &path).await).await;
    assert!(page.contains(r#"value="partly" checked"#), "{page}");
    assert!(page.contains("Slow to answer"));
    let history = w.store.history(50).await.unwrap();
    let answers: Vec<_> = history.iter().filter(|h| h.entity == "answer").collect();
    assert_eq!(answers.len(), 1, "one answer saved once");
    assert_eq!(answers[0].actor, "auditor@test.invalid");
    assert!(
        history
            .iter()
            .any(|h| h.entity == "proposal" && h.actor == "auditor@test.invalid")
    );
    // The panel view shows it to the facilitator.
    let panel = text(
        w.get(
            Some("facilitator"),
            &format!("/sessions/{}/panel/2", w.open),
        )
        .await,
    )
    .await;
    assert!(panel.contains("Slow to answer"));
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
async fn recordings_seek_with_range_requests_and_plays_are_logged() {
    let w = world().await;
    let path = format!("/sessions/{}/calls/1/recording", w.open);
    let req = Request::get(&path)
        .header(header::COOKIE, &w.logins["auditor"].0)
        .header(header::RANGE, "bytes=100-199")
        .body(Body::empty())
        .unwrap();
    let res = w.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    let whole = recording_bytes();
    assert_eq!(
        res.headers()[header::CONTENT_RANGE],
        format!("bytes 100-199/{}", whole.len()).as_str()
    );
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.as_ref(), &whole[100..200]);
    let res = w.get(Some("auditor"), &path).await;
    assert_eq!(res.status(), StatusCode::OK);
    let history = w.store.history(50).await.unwrap();
    let plays = history.iter().filter(|h| h.entity == "recording").count();
    assert_eq!(plays, 1, "a seek is not logged again; the first play is");
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
async fn the_coordinator_keeps_the_action_log() {
    let w = world().await;
    let res = w
        .post(
            "coordinator",
            "/actions",
            "text=Brief+the+panel+on+101+waits&owner=FCC+lead&due-day=1&due-month=8&due-year=2024&rag=red&part=2&private_reason=Section+31",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let actions = w.store.actions(force).await.unwrap();
    assert_eq!(actions.len(), 2);
    let new = &actions[0];
    assert_eq!(
        (new.rag.as_deref(), new.private_reason.as_deref()),
        (Some("red"), Some("Section 31"))
    );
    let path = format!("/actions/{}", new.id);
    // Part 2 is for the coordinator and the force lead; to anyone else it does not exist.
    for (who, status) in [
        ("coordinator", StatusCode::OK),
        ("lead", StatusCode::OK),
        ("viewer", StatusCode::NOT_FOUND),
        ("facilitator", StatusCode::NOT_FOUND),
        ("stranger", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(w.get(Some(who), &path).await.status(), status, "{who}");
    }
    let page = text(w.get(Some("viewer"), "/actions").await).await;
    assert!(!page.contains("Brief the panel on 101 waits") && !page.contains("Add an action"));
    let public = text(w.get(Some("viewer"), "/actions/pack?format=md").await).await;
    assert!(
        public.contains("1 Part 2 (private) action is left out"),
        "{public}"
    );
    assert!(!public.contains("101 waits"));
    let full = text(
        w.get(Some("lead"), "/actions/pack?format=md&part=full")
            .await,
    )
    .await;
    assert!(full.contains("101 waits") && full.contains("Part 2 (private): Section 31"));
    // The force lead does not own this one: only the coordinator moves it on.
    assert_eq!(
        w.post("lead", &path, "status=done", true).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.post("coordinator", &path, "status=done&note=Briefed", true)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(w.store.action(force, new.id).await.unwrap().status, "done");
    for bad in ["status=finished", "rag=purple", "status=done"] {
        assert_eq!(
            w.post("coordinator", &path, bad, true).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad} (the last changes nothing)"
        );
    }
    // Every mistake of a new action at once, linked to its field, the form as typed.
    let res = w
        .post(
            "coordinator",
            "/actions",
            "text=&owner=&part=2&due-day=30&due-month=2&due-year=2026",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    for link in [
        "<a href=\"#text\">Enter what is to be done</a>",
        "<a href=\"#owner\">Enter the owner as the board names them",
        "<a href=\"#private_reason\">Enter why the action is Part 2",
        "<a href=\"#due-day\">The due date must be a real date</a>",
    ] {
        assert!(page.contains(link), "{link} in {page}");
    }
    assert!(
        page.contains("value=\"2\" checked"),
        "Part 2 stays chosen: {page}"
    );
    for bad in [
        "text=x&owner=y&part=2",
        "text=x&owner=y&part=3",
        "text=&owner=y",
        "text=x&owner_id=999",
        "text=x&owner=y&due-day=tomorrow&due-month=8&due-year=2024",
        "text=x&owner=y&rag=purple",
    ] {
        assert_eq!(
            w.post("coordinator", "/actions", bad, true).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let pdf = w
        .get(Some("coordinator"), "/actions/pack?format=pdf&part=full")
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    let bytes = pdf.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"%PDF"));
}

#[tokio::test]
async fn an_agreed_area_becomes_an_issue_the_force_lead_answers_and_acts_on() {
    let w = world().await;
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let ok = StatusCode::SEE_OTHER;
    // The panel agrees call 2: negative, two areas.
    let outcome =
        "category=negative&area=empathy&area=silence&learning_points=Explain+every+silence";
    let s = w.open;
    assert_eq!(
        w.post(
            "facilitator",
            &format!("/sessions/{s}/calls/2/outcome"),
            outcome,
            true
        )
        .await
        .status(),
        ok
    );
    let panel = format!("/sessions/{s}/panel/2");
    let page = text(w.get(Some("facilitator"), &panel).await).await;
    let call2 = &page[page.find(r#"id="call-2""#).unwrap()..];
    assert!(call2.contains("Issues drafted from the agreed outcome"));
    assert!(call2.contains("The panel judged the handling of call 2"));
    assert!(
        call2.contains("the panel agreed &#34;Empathy")
            || call2.contains("the panel agreed &quot;Empathy"),
        "{call2}"
    );
    assert!(call2.contains("The panel noted: Explain every silence"));
    // Keep the empathy draft as edited, drop the negative one; the silence draft stays.
    let drafts = format!("/sessions/{s}/calls/2/drafts");
    assert_eq!(
        w.post(
            "facilitator",
            &drafts,
            "draft=empathy&decision=keep&description=Caller%27s+distress+not+acknowledged",
            true
        )
        .await
        .status(),
        ok
    );
    assert_eq!(
        w.post("facilitator", &drafts, "draft=&decision=drop", true)
            .await
            .status(),
        ok
    );
    for bad in [
        "draft=nonsense&decision=keep&description=x",
        "draft=silence&decision=keep&description=",
        "draft=silence&decision=maybe",
    ] {
        assert_eq!(
            w.post("facilitator", &drafts, bad, true).await.status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let page = text(w.get(Some("facilitator"), &panel).await).await;
    let call2 = &page[page.find(r#"id="call-2""#).unwrap()..];
    let call2 = &call2[..call2.find("</section>").unwrap()];
    assert!(
        call2.contains("Caller&#39;s distress not acknowledged")
            || call2.contains("Caller&#x27;s distress not acknowledged"),
        "{call2}"
    );
    assert!(!call2.contains("judged the handling of call 2"), "dropped");
    assert!(call2.contains("Silences explained"), "still offered");
    let issues = w.store.session_issues(s).await.unwrap();
    let kept = issues
        .iter()
        .find(|i| i.description == "Caller's distress not acknowledged")
        .unwrap();
    assert_eq!(kept.area_code.as_deref(), Some("empathy"));

    // The facilitator escalates it; the force lead sees it on their page and answers.
    assert_eq!(
        w.post(
            "facilitator",
            &format!("/issues/{}/escalate", kept.id),
            "note=Is+this+in+training%3F",
            true
        )
        .await
        .status(),
        ok
    );
    let lead = text(w.get(Some("lead"), "/force").await).await;
    assert!(
        lead.contains("Caller&#39;s distress not acknowledged")
            || lead.contains("Caller&#x27;s distress not acknowledged")
    );
    assert!(lead.contains("Is this in training?"));
    assert!(
        lead.contains("Refresher on empathy") && lead.contains("Overdue"),
        "their action, overdue"
    );
    assert_eq!(
        w.post(
            "lead",
            &format!("/issues/{}/escalation", kept.id),
            "answer=It+is+now",
            true
        )
        .await
        .status(),
        ok
    );
    let responses = text(
        w.get(Some("facilitator"), &format!("/sessions/{s}/responses"))
            .await,
    )
    .await;
    assert!(
        responses.contains("The force lead's answer:</strong> It is now"),
        "{responses}"
    );
    assert_eq!(
        w.post(
            "lead",
            &format!("/issues/{}/escalation", kept.id + 1000),
            "answer=x",
            true
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    // The coordinator raises an action from the issue; it links back to the session and call.
    let form = text(
        w.get(Some("coordinator"), &format!("/actions?issue={}", kept.id))
            .await,
    )
    .await;
    assert!(form.contains("Raised from this issue"));
    let add = format!(
        "text=Empathy+refresher+for+all+teams&owner_id={}&due-day=31&due-month=1&due-year=2030&issue={}",
        w.ids["lead"], kept.id
    );
    assert_eq!(
        w.post("coordinator", "/actions", &add, true).await.status(),
        ok
    );
    let action = w.store.actions(force).await.unwrap().remove(0);
    assert_eq!(
        (
            action.owner.as_str(),
            action.issue_id,
            action.session_id,
            action.call_position
        ),
        ("lead", Some(kept.id), Some(s), Some(2))
    );
    // The force lead moves it on with a note; the note is dated and signed.
    let path = format!("/actions/{}", action.id);
    assert_eq!(
        w.post(
            "lead",
            &path,
            "status=in-progress&rag=green&note=Sessions+booked+for+March",
            true
        )
        .await
        .status(),
        ok
    );
    let page = text(w.get(Some("lead"), &path).await).await;
    assert!(
        page.contains("Sessions booked for March") && page.contains(">lead</"),
        "{page}"
    );
    assert!(page.contains("session of 1 June 2024, call 2"), "{page}");
    // The force's response for the annual report, written by the force lead, read by the viewer.
    assert_eq!(
        w.post(
            "lead",
            "/reports/texts",
            "year=2024&section=force-response&text=The+force+accepts+every+finding.",
            true
        )
        .await
        .status(),
        ok
    );
    assert_eq!(
        w.post(
            "lead",
            "/reports/texts",
            "year=2024&section=introduction&text=x",
            true
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let texts = text(w.get(Some("viewer"), "/reports/texts?year=2024").await).await;
    assert!(texts.contains("The force accepts every finding.") && !texts.contains("<textarea"));
}

#[tokio::test]
async fn the_player_gets_the_silences_measured_once_and_again_when_the_file_changes() {
    let w = world().await;
    let path = format!("/sessions/{}/calls/1/recording/analysis", w.open);
    let json = |res: axum::response::Response| async move {
        let body = res.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()
    };
    let analysed = |w: &World| {
        let store = w.store.clone();
        async move {
            store
                .history(200)
                .await
                .unwrap()
                .iter()
                .filter(|h| h.action == "recording-analysed")
                .count()
        }
    };

    let res = w.get(Some("auditor"), &path).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    let body = json(res).await;
    assert_eq!(body["analysis"]["duration_s"], 5.5);
    assert_eq!(body["analysis"]["silences"][0]["start_s"], 1.0);
    assert_eq!(body["analysis"]["silences"][0]["end_s"], 4.5);
    assert_eq!(body["waveform"]["peaks"].as_array().unwrap().len(), 550);
    assert_eq!(analysed(&w).await, 1);

    // The facilitator's request finds it kept.
    let res = w.get(Some("facilitator"), &path).await;
    assert_eq!(json(res).await["analysis"]["silences"][0]["end_s"], 4.5);
    assert_eq!(analysed(&w).await, 1, "a kept analysis is not redone");

    // The recording is replaced on disk with one holding no long silence: analysed again.
    let file = w._dir.path().join("recordings/2024/05");
    let sc = w.store.session_outcomes(w.open).await.unwrap();
    let call_ref = &sc.iter().find(|c| c.position == 1).unwrap().call_ref;
    let file = file.join(format!("{call_ref}.wav"));
    {
        use callaudit_audio::synth::{Encoding, Part, render, wav};
        let talk = Part::Tone {
            seconds: 2.0,
            hz: 300.0,
            amplitude: 0.5,
        };
        std::fs::write(
            &file,
            wav(&[render(&[talk], 8000, 0.0, 1)], 8000, Encoding::S16),
        )
        .unwrap();
    }
    let body = json(w.get(Some("auditor"), &path).await).await;
    assert_eq!(body["analysis"]["silences"].as_array().unwrap().len(), 0);
    assert_eq!(analysed(&w).await, 2);

    // A file that is not audio, and a missing file: a 404 that says why, in JSON for the player.
    std::fs::write(&file, "not audio").unwrap();
    let res = w.get(Some("auditor"), &path).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let error = json(res).await["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("not a recording this tool can read"),
        "{error}"
    );
    std::fs::remove_file(&file).unwrap();
    let res = w.get(Some("auditor"), &path).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let error = json(res).await["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("missing from the recordings folder"),
        "{error}"
    );
}

#[tokio::test]
async fn a_transcript_shows_its_prompts_to_the_auditor_and_the_panel_escaped() {
    use callaudit_audio::transcript::{Format, parse};
    use callaudit_storage::recordings::StoredTranscript;
    let w = world().await;
    let page_path = format!("/sessions/{}/calls/1", w.open);
    let before = text(w.get(Some("auditor"), &page_path).await).await;
    assert!(!before.contains("Prompts from the transcript"));

    let vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Handler>Hello, police, how can I help?\n\n00:02.500 --> 00:04.000\n<v Handler>Alright mate &lt;script&gt;x()&lt;/script&gt;\n";
    let segments = parse(vtt, Format::WebVtt).unwrap();
    let call = w.store.session_outcomes(w.open).await.unwrap();
    let call = call.iter().find(|c| c.position == 1).unwrap();
    let rec = w
        .store
        .call_recording(call.session_call_id)
        .await
        .unwrap()
        .unwrap();
    let mut tx = w.store.begin("test").await.unwrap();
    tx.put_transcript(&StoredTranscript {
        call_id: rec.call_id,
        source: "call.vtt".into(),
        segments: serde_json::to_string(&segments).unwrap(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let page = text(w.get(Some("auditor"), &page_path).await).await;
    assert!(page.contains("Prompts from the transcript"), "{page}");
    assert!(
        page.contains("A greeting (&#34;how can I help&#34;) at 0:00.")
            || page.contains("A greeting (&quot;how can I help&quot;) at 0:00."),
        "{page}"
    );
    assert!(
        page.contains("No &#34;what happens next&#34; language")
            || page.contains("No &quot;what happens next&quot; language")
    );
    assert!(page.contains("at 0:03, said by Handler: was the language appropriate?"));
    assert!(!page.contains("<script>x()"), "transcript text is escaped");
    assert!(page.contains("data-seek=\"2.500\""));

    let panel = text(
        w.get(
            Some("facilitator"),
            &format!("/sessions/{}/panel/1", w.open),
        )
        .await,
    )
    .await;
    assert!(panel.contains("was the language appropriate?"), "{panel}");
}

#[tokio::test]
async fn the_session_report_reads_as_a_page_and_downloads_as_a_pdf() {
    let w = world().await;
    let res = w
        .get(
            Some("coordinator"),
            &format!("/sessions/{}/report?format=html", w.open),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        !csp.contains("script-src"),
        "no script may run in a report: {csp}"
    );
    assert!(csp.starts_with("default-src 'none'; style-src 'unsafe-inline'"));
    let page = text(res).await;
    assert!(page.contains("<h1>Session report,"), "{page}");

    let res = w
        .get(
            Some("lead"),
            &format!("/sessions/{}/report?format=pdf", w.open),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert!(body.starts_with(b"%PDF-"));
    assert_eq!(
        w.get(
            Some("auditor"),
            &format!("/sessions/{}/report?format=pdf", w.open)
        )
        .await
        .status(),
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
    assert_eq!(dee.role, "auditor");
    let page = text(w.get(Some("coordinator"), "/auditors?added=1").await).await;
    assert!(page.contains("Dee Volunteer") && page.contains("The auditor is added"));
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

/// The auditor's scoring page is served from memory between commits: these prove that a change
/// reaches it at once when made through the server, and soon when made by another process.
#[tokio::test]
async fn pages_kept_in_memory_follow_every_change() {
    let w = world().await;
    let page = format!("/sessions/{}/calls/1", w.open);
    assert_eq!(w.get(Some("auditor"), &page).await.status(), StatusCode::OK);
    assert_eq!(w.get(Some("auditor"), &page).await.status(), StatusCode::OK);

    // An answer saved through the server shows on the very next read.
    let res = w
        .post(
            "auditor",
            &page,
            "q_greeting=partly&n_greeting=kept+note",
            true,
        )
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let body = text(w.get(Some("auditor"), &page).await).await;
    assert!(body.contains("kept note"), "the saved note is shown");
    // Rendered pages are kept per sign-in: another auditor on the panel sees their own page.
    let mut tx = w.store.begin("test").await.unwrap();
    tx.add_panel_member(w.open, w.ids["auditor2"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        text(w.get(Some("auditor"), &page).await)
            .await
            .contains("kept note")
    );
    let theirs = text(w.get(Some("auditor2"), &page).await).await;
    assert!(theirs.contains("Call 1 of"), "{theirs}");
    assert!(
        !theirs.contains("kept note"),
        "one auditor's notes never reach another"
    );
    assert!(
        !theirs.contains(&w.logins["auditor"].1),
        "nor their CSRF token"
    );

    // Another process (here a second connection with its own counters) closes the session: the
    // auditor is refused once the watcher has seen the commit.
    let url = format!("sqlite://{}", w._dir.path().join("t.sqlite").display());
    let elsewhere = Store::connect(&url).await.unwrap();

    // Templates outlive answers, but not a programme's change made elsewhere.
    assert!(
        !text(w.get(Some("coordinator"), "/programmes").await)
            .await
            .contains("ZEBRA")
    );
    let mut tx = elsewhere.begin("another process").await.unwrap();
    tx.set_focus_themes(w.programme, &["ZEBRA CROSSINGS".to_string()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let wr = &w;
    let body = poll(
        || async move { text(wr.get(Some("coordinator"), "/programmes").await).await },
        |b| b.contains("ZEBRA"),
    )
    .await;
    assert!(
        body.contains("ZEBRA"),
        "a programme changed elsewhere is shown"
    );
    let mut tx = elsewhere.begin("another process").await.unwrap();
    tx.set_session_status(w.open, callaudit_domain::audit::SessionStatus::Closed)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let status = poll(
        || async { w.get(Some("auditor"), &page).await.status() },
        |s| *s != StatusCode::OK,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "closed elsewhere, refused here"
    );

    // A change of role ends the person's sign-ins, and a kept sign-in goes with them at once.
    assert_eq!(
        w.get(Some("viewer"), "/sessions").await.status(),
        StatusCode::OK
    );
    let mut tx = w.store.begin("test").await.unwrap();
    tx.set_role(w.ids["viewer"], Role::ForceLead).await.unwrap();
    tx.commit().await.unwrap();
    let res = w.get(Some("viewer"), "/sessions").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/login");
}

/// The coordinator sees each programme's template and changes its settings in the browser; a
/// mistake comes back with what was typed and saves nothing; the history says who changed what.
#[tokio::test]
async fn the_coordinator_keeps_the_programmes_settings() {
    let w = world().await;
    let body = text(w.get(Some("coordinator"), "/programmes").await).await;
    assert!(body.contains("Call handling audit"), "{body}");
    assert!(body.contains("Correct greeting given") || body.contains("greeting"));
    assert!(
        body.contains("what is your emergency"),
        "the reference phrases are shown"
    );
    let path = format!("/programmes/{}", w.programme);

    // A sample size out of range, and a phrase with a control character: refused, nothing saved,
    // the form shown again as typed.
    for (form, expect) in [
        ("max_sample=500&focus=ASB", "Largest sample"),
        (
            "max_sample=12&focus=ASB&greeting=hello%0Agood%07day",
            "Greeting phrases: item 2",
        ),
    ] {
        let res = w.post("coordinator", &path, form, true).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{form}");
        let body = text(res).await;
        assert!(body.contains(expect), "{form}: {body}");
        assert!(body.contains("were not saved"));
    }
    let res = w
        .post(
            "coordinator",
            &path,
            "max_sample=500&focus=Typed+theme",
            true,
        )
        .await;
    assert!(text(res).await.contains("Typed theme</textarea>"));
    assert_eq!(w.store.programme(w.programme).await.unwrap().max_sample, 10);

    let form = "max_sample=12&focus=HATE+CRIME%0D%0AASB%0D%0A%0D%0AASB&greeting=Hello+there&next_steps=an+officer+will&inappropriate=mate%0Apal";
    let res = w.post("coordinator", &path, form, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let t = w.store.template(w.programme).await.unwrap();
    assert_eq!(w.store.programme(w.programme).await.unwrap().max_sample, 12);
    assert_eq!(t.focus_themes, ["ASB", "HATE CRIME"]);
    assert_eq!(t.phrases.greeting, ["Hello there"]);
    assert_eq!(t.phrases.inappropriate, ["mate", "pal"]);
    let saved = format!("/programmes?saved={}", w.programme);
    let body = text(w.get(Some("coordinator"), &saved).await).await;
    assert!(body.contains("Call handling audit is saved"), "{body}");
    let history = w.store.history(10_000).await.unwrap();
    let changes: Vec<_> = history
        .iter()
        .rev()
        .filter(|h| h.entity == "programme" && h.actor == "coordinator@test.invalid")
        .map(|h| h.action.as_str())
        .collect();
    assert_eq!(
        changes,
        [
            "max-sample",
            "focus-themes",
            "phrases",
            "phrases",
            "phrases"
        ]
    );

    // Saving the same settings again writes nothing.
    let res = w.post("coordinator", &path, form, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(w.store.history(10_000).await.unwrap().len(), history.len());

    // A new programme gets the reference template of its kind; a name in use is refused.
    let res = w
        .post(
            "coordinator",
            "/programmes",
            "kind=crime-data-integrity&name=Dip+sample",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = w
        .post(
            "coordinator",
            "/programmes",
            "kind=call-audit&name=Dip+sample",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(text(res).await.contains("already has a programme named"));
    let res = w
        .post("coordinator", "/programmes", "kind=other&name=X", true)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

/// Questions and areas can be reworded until the first answer under the programme, then they are
/// fixed: answers and outcomes name them by code.
#[tokio::test]
async fn questions_and_areas_change_only_until_the_first_answer() {
    let w = world().await;
    let path = format!("/programmes/{}", w.programme);
    let before = w.store.template(w.programme).await.unwrap();
    let body = text(w.get(Some("coordinator"), "/programmes").await).await;
    assert!(
        body.contains("name=\"questions\""),
        "unused: the questions are in the form"
    );

    let res = w
        .post(
            "coordinator",
            &path,
            "max_sample=10&questions=+%0A&areas=",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(text(res).await.contains("Questions: there are none"));

    let first = &before.questions[0];
    let empathy = before.areas.iter().find(|a| a.code == "empathy").unwrap();
    let form = format!(
        "max_sample=10&questions={}%0AWas+the+caller%27s+name+checked%3F&areas={}%0AFollow-up+promised",
        first.text.replace(' ', "+"),
        empathy.name.replace(' ', "+")
    );
    let res = w.post("coordinator", &path, &form, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let t = w.store.template(w.programme).await.unwrap();
    let codes: Vec<&str> = t.questions.iter().map(|q| q.code.as_str()).collect();
    assert_eq!(codes, [first.code.as_str(), "was-the-callers-name"]);
    assert_eq!(t.areas.len(), 2);
    assert_eq!(t.areas[0], *empathy, "kept with its code and other names");
    assert_eq!(t.areas[1].code, "follow-up-promised");
    // The scoring page asks the new question.
    let page = format!("/sessions/{}/calls/1", w.open);
    assert!(
        text(w.get(Some("auditor"), &page).await)
            .await
            .contains("caller&#39;s name checked")
    );

    // Once an auditor answers, the questions are fixed.
    let res = w
        .post("auditor", &page, "q_was-the-callers-name=yes", true)
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let body = text(w.get(Some("coordinator"), "/programmes").await).await;
    assert!(
        !body.contains("name=\"questions\""),
        "in use: no longer in the form"
    );
    assert!(body.contains("Fixed: answers or outcomes have been recorded"));
    let res = w
        .post(
            "coordinator",
            &path,
            "max_sample=10&questions=Other&areas=",
            true,
        )
        .await;
    assert_ne!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        w.store.template(w.programme).await.unwrap(),
        t,
        "nothing changed"
    );
}

/// With a second programme, the plan form offers a choice of programme, and a focus must be one of
/// the chosen programme's themes.
#[tokio::test]
async fn a_session_is_planned_under_the_programme_chosen() {
    let w = world().await;
    let body = text(w.get(Some("coordinator"), "/sessions").await).await;
    assert!(
        !body.contains("id=\"programme\""),
        "one programme: no choice to make"
    );
    let res = w
        .post(
            "coordinator",
            "/programmes",
            "kind=crime-data-integrity&name=Dip+sample",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let cdi = w
        .store
        .programmes(force)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == "Dip sample")
        .unwrap()
        .id;
    let body = text(w.get(Some("coordinator"), "/sessions").await).await;
    assert!(body.contains("id=\"programme\""), "{body}");
    assert!(body.contains("<optgroup label=\"Dip sample\">"), "{body}");

    let theme = w.store.template(cdi).await.unwrap().focus_themes[0].clone();
    let plan = |programme: i64, focus: &str| {
        format!(
            "programme={programme}&held_on-day=1&held_on-month=8&held_on-year=2024&focus={}&facilitator={}&panel={}",
            focus.replace(' ', "+"),
            w.ids["facilitator"],
            w.ids["auditor"]
        )
    };
    // A theme of the other programme, and a programme of another force: refused.
    let res = w
        .post("coordinator", "/sessions", &plan(cdi, "ASB"), true)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let stranger_force = w.store.resolve_force(Some("o")).await.unwrap().id;
    let mut tx = w.store.begin("test").await.unwrap();
    let theirs = tx
        .ensure_call_audit_programme(stranger_force)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let res = w
        .post("coordinator", "/sessions", &plan(theirs, ""), true)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let res = w
        .post("coordinator", "/sessions", &plan(cdi, &theme), true)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = planned_session(&res);
    assert_eq!(w.store.session_access(id).await.unwrap().programme_id, cdi);

    // A dip sample with no focus reads as one, and a call audit with none says so.
    let res = w
        .post("coordinator", "/sessions", &plan(cdi, ""), true)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let body = text(w.get(Some("coordinator"), "/sessions").await).await;
    assert!(
        body.contains("<td>Dip sample of incident records</td>"),
        "{body}"
    );
    assert!(
        body.contains("<td>No focus: all incident types</td>"),
        "the world's first session"
    );
}

#[tokio::test]
async fn an_administrator_sees_and_changes_only_their_own_forces_people() {
    let mut w = world().await;
    add_signed_in(&mut w, "admin2", Role::Admin, "o").await;
    let page = text(w.get(Some("admin2"), "/admin/users").await).await;
    assert!(page.contains("stranger@test.invalid"), "their own force");
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
    assert_eq!(w.store.person(viewer).await.unwrap().role, "viewer");
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
    assert_eq!(w.store.person(stranger).await.unwrap().role, "viewer");
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
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = text(res).await;
    assert!(body.contains("is already in use on this server"), "{body}");
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
async fn recordings_removed_under_retention_are_gone_even_for_the_facilitator() {
    let w = world().await;
    let path = format!("/sessions/{}/calls/1/recording", w.open);
    assert_eq!(
        w.get(Some("facilitator"), &path).await.status(),
        StatusCode::OK
    );
    let mut tx = w.store.begin("test").await.unwrap();
    tx.set_session_status(w.open, callaudit_domain::audit::SessionStatus::Closed)
        .await
        .unwrap();
    tx.set_retention(w.programme, "recordings", Some(0))
        .await
        .unwrap();
    let removed = tx
        .apply_retention(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(removed.len(), 1);
    let res = w.get(Some("facilitator"), &path).await;
    assert_eq!(res.status(), StatusCode::GONE);
    assert!(
        text(res)
            .await
            .contains("removed when the programme&#39;s retention period ended")
    );
    let analysis = format!("{path}/analysis");
    assert_eq!(
        w.get(Some("facilitator"), &analysis).await.status(),
        StatusCode::GONE
    );
    // Those who could never hear it are still refused as before, not told it is gone.
    assert_eq!(
        w.get(Some("viewer"), &path).await.status(),
        StatusCode::FORBIDDEN
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_auditors_saving_while_the_coordinator_adds_actions_get_no_error() {
    let w = world().await;
    let post = |who: &str, path: String, form: String| {
        let (cookie, csrf) = &w.logins[who];
        Request::post(path)
            .header(header::COOKIE, cookie.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={csrf}&{form}")))
            .unwrap()
    };
    let mut load = tokio::task::JoinSet::new();
    for i in 0..10 {
        let answer = if i % 2 == 0 { "yes" } else { "no" };
        for req in [
            post(
                "auditor",
                format!("/sessions/{}/calls/1", w.open),
                format!("q_greeting={answer}&n_greeting=note+{i}"),
            ),
            post(
                "auditor2",
                format!("/sessions/{}/calls/1", w.other),
                format!("q_greeting={answer}&n_greeting=note+{i}"),
            ),
            post(
                "coordinator",
                "/actions".into(),
                format!("text=Action+{i}&owner=FCC+lead&due_on=2024-08-01"),
            ),
        ] {
            let app = w.app.clone();
            load.spawn(async move { app.oneshot(req).await.unwrap().status() });
        }
    }
    let mut statuses = Vec::new();
    while let Some(s) = load.join_next().await {
        statuses.push(s.unwrap());
    }
    assert_eq!(statuses.len(), 30);
    assert!(
        statuses.iter().all(|s| *s == StatusCode::SEE_OTHER),
        "{statuses:?}"
    );
    assert_eq!(w.store.verify_history().await.unwrap().broken, None);
}

#[tokio::test]
async fn the_panel_view_judges_agreement_only_over_answers_given_and_shows_progress() {
    let w = world().await;
    let mut tx = w.store.begin("test").await.unwrap();
    tx.add_panel_member(w.open, w.ids["auditor2"])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let panel = format!("/sessions/{}/panel", w.open);
    let call1 = text(w.get(Some("facilitator"), &format!("{panel}/1")).await).await;
    assert!(
        call1.contains("Not answered by 2"),
        "nobody has answered yet"
    );
    assert!(
        !call1.contains("<td>Same</td>"),
        "unfinished scoring is never agreement"
    );
    let page = text(w.get(Some("facilitator"), &panel).await).await;
    assert!(
        !page.contains("<td>Same</td>"),
        "unfinished scoring is never agreement"
    );
    assert!(page.contains("<td>0 of 4</td><td>0 of 48</td>"), "{page}");

    let call = format!("/sessions/{}/calls/1", w.open);
    let ok = StatusCode::SEE_OTHER;
    let one = "q_greeting=yes&q_listened=yes&q_empathy=no&category=suggestions&area=silence&area=next-steps";
    let two = "q_greeting=yes&q_listened=partly&category=suggestions&area=silence";
    assert_eq!(w.post("auditor", &call, one, true).await.status(), ok);
    assert_eq!(w.post("auditor2", &call, two, true).await.status(), ok);
    let overview = text(w.get(Some("facilitator"), &panel).await).await;
    assert!(
        overview.contains("<td>0 of 4</td><td>3 of 48</td>")
            && overview.contains("<td>0 of 4</td><td>2 of 48</td>"),
        "{overview}"
    );
    assert!(
        overview.contains("<td>1</td>") && overview.contains(">To do</span>"),
        "the list of calls counts the rows that differ and shows what is to do: {overview}"
    );
    let page = text(w.get(Some("facilitator"), &format!("{panel}/1")).await).await;
    let row = |question: &str| {
        let at = page.find(&format!(">{question}</th>")).unwrap();
        let end = at + page[at..].find("</tr>").unwrap();
        page[at..end].to_string()
    };
    assert!(row("Correct greeting given").contains("<td>Same</td>"));
    assert!(row("Caller listened to appropriately").contains("Differ"));
    assert!(row("Empathy, understanding and support shown").contains("Not answered by 1"));
    // Areas read as the template words them, never as codes.
    assert!(
        page.contains("Told what happens next, Silences explained"),
        "{page}"
    );
    assert!(!page.contains("next-steps, silence"));
    // Both proposed "suggestions" and both ticked silences: offered to the facilitator, pre-ticked.
    assert!(page.contains(r#"value="suggestions" checked"#), "{page}");
    assert!(page.contains(r#"value="silence" checked"#));
    assert!(
        !page.contains(r#"value="next-steps" checked"#),
        "only one auditor ticked it"
    );
    assert!(page.contains("Panel view: call 1 of 4") && page.contains("Next call"));
    // An outcome with no category comes back on the call's page, what was typed kept.
    let res = w
        .post(
            "facilitator",
            &format!("/sessions/{}/calls/1/outcome", w.open),
            "comments=Warm+but+slow&issue=Greeting+took+20+seconds",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(
        page.contains("<a href=\"#c1-cat-positive\">Select the category the panel agreed</a>"),
        "{page}"
    );
    assert!(
        page.contains(">Warm but slow</textarea>")
            && page.contains(">Greeting took 20 seconds</textarea>"),
        "{page}"
    );
}

#[tokio::test]
async fn the_coordinator_sets_the_retention_periods_in_the_browser() {
    let w = world().await;
    let path = format!("/programmes/{}", w.programme);
    let page = text(w.get(Some("coordinator"), "/programmes").await).await;
    assert!(page.contains("Keep recordings playable for (days after a session closes)"));
    let res = w
        .post(
            "coordinator",
            &path,
            "max_sample=10&keep_recordings=90&keep_free_text=a+year",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains("Keep notes and comments for: &#34;a year&#34; is not a period; expected whole days from 0 to 3653, or none."),
        "{body}"
    );
    assert!(body.contains(r#"name="keep_free_text" type="number" min="0" max="3653" inputmode="numeric" value="a year""#), "kept as typed");
    let p = w.store.programme(w.programme).await.unwrap();
    assert_eq!(
        (p.recording_days, p.free_text_days),
        (None, None),
        "nothing saved"
    );

    let res = w
        .post(
            "coordinator",
            &path,
            "max_sample=10&keep_recordings=90&keep_free_text=365",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let p = w.store.programme(w.programme).await.unwrap();
    assert_eq!((p.recording_days, p.free_text_days), (Some(90), Some(365)));
    let h = w.store.history(5).await.unwrap();
    assert!(
        h.iter()
            .any(|e| e.action == "retention" && e.detail.contains("90"))
    );
    // Emptied again: no period set.
    let res = w
        .post(
            "coordinator",
            &path,
            "max_sample=10&keep_recordings=&keep_free_text=365",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        w.store.programme(w.programme).await.unwrap().recording_days,
        None
    );
}

#[tokio::test]
async fn each_home_page_says_what_needs_that_person() {
    let w = world().await;
    let lead = text(w.get(Some("lead"), "/").await).await;
    assert!(lead.contains("What needs you"));
    assert!(
        lead.contains("call 1 of the session of 1 June 2024 has been escalated to you."),
        "{lead}"
    );
    assert!(
        lead.contains("Action 2024/01 was due on 1 July 2024 and is overdue."),
        "{lead}"
    );
    let fran = text(w.get(Some("facilitator"), "/").await).await;
    assert!(
        fran.contains("awaits the force&#39;s response")
            || fran.contains("awaits the force&#x27;s response"),
        "{fran}"
    );
    assert!(!fran.contains("escalated to you"));
    // Nobody else is told about another's work.
    for who in ["viewer", "auditor", "facilitator2", "stranger"] {
        assert!(
            !text(w.get(Some(who), "/").await)
                .await
                .contains("What needs you"),
            "{who}"
        );
    }
    // The administrator sees the outbox: who, about what, where it stands.
    let mail = text(w.get(Some("admin"), "/admin/mail").await).await;
    assert!(
        mail.contains("lead &#60;lead@test.invalid&#62;") && mail.contains("A notice"),
        "{mail}"
    );
    assert!(mail.contains("started without a mail server"));
}

#[tokio::test]
async fn the_coordinator_publishes_the_year_with_every_mask_shown_and_the_public_reads_it() {
    let w = world().await;
    let s = w.open;
    let ok = StatusCode::SEE_OTHER;
    // Nothing is published yet: the public address is not found, like any other.
    assert_eq!(
        w.get(None, "/public/t/2024").await.status(),
        StatusCode::NOT_FOUND
    );
    // An issue whose words name the caller and give a number; its response names a team.
    let call1 = format!("/sessions/{s}/calls/1/outcome");
    let outcome = "category=negative&issue=Mrs+Okafor+gave+07700+900123+and+was+not+called+back";
    assert_eq!(
        w.post("facilitator", &call1, outcome, true).await.status(),
        ok
    );
    assert_eq!(
        w.post(
            "coordinator",
            &format!("/sessions/{s}/status"),
            "status=closed&confirm=yes",
            true
        )
        .await
        .status(),
        ok
    );
    for who in ["facilitator", "lead", "viewer", "admin", "auditor"] {
        assert_eq!(
            w.get(Some(who), "/reports/publish?year=2024")
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    let page = text(
        w.get(Some("coordinator"), "/reports/publish?year=2024")
            .await,
    )
    .await;
    assert!(page.contains("<mark>Mrs Okafor</mark>"), "{page}");
    assert!(page.contains("<mark>07700 900123</mark>"));
    // The coordinator keeps the name's mask and undoes the number's (say it was a switchboard).
    let id = |hidden: &str| {
        let at = page.find(&format!("<mark>{hidden}</mark>")).unwrap();
        let before = &page[..at];
        let v = before.rfind("value=\"").unwrap() + 7;
        before[v..v + before[v..].find('"').unwrap()].to_string()
    };
    let keep = id("Mrs Okafor");
    assert_ne!(keep, id("07700 900123"));
    let form = format!("year=2024&mask={keep}");
    assert_eq!(
        w.post("viewer", "/reports/publish", &form, true)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.post("coordinator", "/reports/publish", &form, true)
            .await
            .status(),
        ok
    );
    let public = w.get(None, "/public/t/2024").await;
    assert_eq!(public.status(), StatusCode::OK);
    let html = text(public).await;
    assert!(html.contains("[name removed] gave 07700 900123"), "{html}");
    assert!(!html.contains("Okafor"));
    assert!(!html.contains("T-00"), "no call reference is published");
    assert!(html.contains("The sessions held") && html.contains("Session of 1 June 2024"));
    let md = text(w.get(None, "/public/t/2024?format=md").await).await;
    assert!(
        md.contains(r"\[name removed\] gave 07700 900123") && !md.contains("Okafor"),
        "{md}"
    );
    let page = text(
        w.get(Some("coordinator"), "/reports/publish?year=2024")
            .await,
    )
    .await;
    assert!(page.contains("with 1 mask applied and 1 undone"), "{page}");
    // Another force's address publishes nothing of this one.
    assert_eq!(
        w.get(None, "/public/o/2024").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_coordinator_brings_over_past_audits_in_the_browser_all_or_nothing() {
    let w = world().await;
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let before = w.store.sessions(force).await.unwrap().len();
    let head =
        "audit_date,focus,call_id,channel,incident_type,category,areas,comments,good_practice\n";
    let bad = format!(
        "{head}2023-05-10,ASB,P-1,999,ASB,positive,,,no\n2023-05-10,ASB,P-2,pigeon,ASB,sometimes,,,no\n"
    );
    let page = text(upload_to(&w, "/pool/audits", "coordinator", &bad, true, "").await).await;
    assert!(
        page.contains("Nothing was imported: 2 problem(s)"),
        "{page}"
    );
    assert!(
        page.contains("line 3, column channel") && page.contains("line 3, column category"),
        "{page}"
    );
    assert_eq!(
        w.store.sessions(force).await.unwrap().len(),
        before,
        "nothing written"
    );
    let good = format!(
        "{head}2023-05-10,ASB,P-1,999,ASB,positive,,,no\n2023-05-10,ASB,P-2,101,ASB,Good call but with suggestions for improvement/development,Call lacked empathy,Kind but rushed,no\n"
    );
    let page = text(upload_to(&w, "/pool/audits", "coordinator", &good, true, "").await).await;
    assert!(
        page.contains("2 rows read, 2 audited calls added in 1 new sessions, 0 unchanged"),
        "{page}"
    );
    let sessions = w.store.sessions(force).await.unwrap();
    assert_eq!(sessions.len(), before + 1);
    let s = sessions
        .iter()
        .find(|s| s.held_on.to_string() == "2023-05-10")
        .unwrap();
    assert_eq!((s.status.code(), s.focus.as_str()), ("closed", "ASB"));
    // Again: nothing changes. A different outcome for a stored call: refused, nothing written.
    let page = text(upload_to(&w, "/pool/audits", "coordinator", &good, true, "").await).await;
    assert!(
        page.contains("0 audited calls added in 0 new sessions, 2 unchanged"),
        "{page}"
    );
    let changed = good.replace(
        "Good call but with suggestions for improvement/development",
        "negative",
    );
    let page = text(upload_to(&w, "/pool/audits", "coordinator", &changed, true, "").await).await;
    assert!(
        page.contains("Nothing was imported: 1 audited call(s) differ"),
        "{page}"
    );
    // The year's report counts them.
    let report = text(
        w.get(Some("coordinator"), "/reports/annual?year=2023&format=md")
            .await,
    )
    .await;
    assert!(
        report.contains("1 call audit was carried out with a total of 2 calls audited"),
        "{report}"
    );
    // Only the coordinator, and only with the form's token.
    for who in ["auditor", "facilitator", "lead", "viewer", "admin"] {
        assert_eq!(
            upload_to(&w, "/pool/audits", who, &good, true, "")
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        upload_to(&w, "/pool/audits", "coordinator", &good, false, "")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_performance_page_shows_the_pools_figures_for_the_period_asked() {
    let w = world().await;
    // Forty calls on 1 May 2024, all answered in 4 s: every 999 call within 10 seconds.
    let page = text(w.get(Some("viewer"), "/performance").await).await;
    assert!(
        page.contains("Calls received from 1 April 2024 to 31 March 2025: 40."),
        "{page}"
    );
    assert!(page.contains("100.0% of answered 999 calls were answered within 10 seconds, meeting the national expectation of 90%."));
    assert!(page.contains("<th scope=\"row\">May 2024</th>"));
    // Both charts, each pointing at the table of its figures.
    assert!(page.contains("<figure class=\"chart\" aria-describedby=\"t2\">\n  <svg"));
    assert!(page.contains("<table class=\"table\" id=\"t2\">"));
    assert!(
        page.contains("The panel held no session in this period."),
        "{page}"
    );
    // Every call is PRIORITY and none has an arrival: the grade is counted, nothing attended.
    assert!(page.contains("<h2>Attendance</h2>"), "{page}");
    assert!(
        page.contains("<th scope=\"row\">PRIORITY</th><td class=\"n\">60 min</td><td class=\"n\">40</td><td class=\"n\">0</td><td class=\"n\">–</td><td class=\"n\">–</td>"),
        "{page}"
    );
    assert!(
        !page.contains("Repeat callers") && !page.contains("<h2>Satisfaction</h2>"),
        "a pool without callers or survey answers shows neither"
    );
    let empty = text(
        w.get(Some("viewer"), "/performance?from=2025-01-01&to=2025-01-31")
            .await,
    )
    .await;
    assert!(empty.contains("The pool holds no call in this period"));
    // The page's own form: dates typed as people write them, a mistake shown on the page.
    let typed = text(
        w.get(
            Some("viewer"),
            "/performance?from-day=1&from-month=jan&from-year=2025&to-day=31&to-month=1&to-year=2025",
        )
        .await,
    )
    .await;
    assert!(
        typed.contains("The pool holds no call in this period"),
        "{typed}"
    );
    assert!(
        typed.contains("name=\"from-month\" type=\"text\" class=\"width-2\" value=\"1\""),
        "{typed}"
    );
    let res = w
        .get(
            Some("viewer"),
            "/performance?from-day=1&from-month=3&from-year=2025&to-day=1&to-month=2&to-year=2025",
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused = text(res).await;
    assert!(
        refused.contains("<a href=\"#from-day\">The first day (1 March 2025) must be before the last (1 February 2025)</a>"),
        "{refused}"
    );
    for bad in [
        "?from=2025-02-01&to=2025-01-01",
        "?from=yesterday&to=2025-01-01",
    ] {
        assert_eq!(
            w.get(Some("viewer"), &format!("/performance{bad}"))
                .await
                .status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let json = text(
        w.get(
            Some("lead"),
            "/performance.json?from=2024-05-01&to=2024-05-01",
        )
        .await,
    )
    .await;
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["calls"], 40);
    let pdf = w
        .get(
            Some("coordinator"),
            "/performance.pdf?from=2024-05-01&to=2024-05-31",
        )
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"%PDF"));
}

#[tokio::test]
async fn a_blank_response_or_escalation_comes_back_with_what_was_typed() {
    let w = world().await;
    let issue = w.issue;
    let res = w
        .post(
            "facilitator",
            &format!("/issues/{issue}/response"),
            "response=++&action_taken=Briefing+planned&feedback_kind=developmental&r{issue}-date-day=31&r{issue}-date-month=2&r{issue}-date-year=2026"
                .replace("{issue}", &issue.to_string())
                .as_str(),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains(&format!(
            "<a href=\"#r{issue}-response\">Enter the force&#x27;s response to the issue</a>"
        )) || body.contains(&format!(
            "<a href=\"#r{issue}-response\">Enter the force&#39;s response to the issue</a>"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "<a href=\"#r{issue}-date-day\">The date the feedback was relayed must be a real date</a>"
        )),
        "{body}"
    );
    assert!(body.contains(">Briefing planned</textarea>"), "{body}");
    assert!(body.contains("value=\"developmental\" checked"), "{body}");
    let stored = w.store.session_issues(w.open).await.unwrap();
    assert!(
        stored
            .iter()
            .find(|i| i.id == issue)
            .unwrap()
            .response
            .is_none(),
        "nothing is saved"
    );
    let res = w
        .post(
            "facilitator",
            &format!("/issues/{issue}/escalate"),
            "note=",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains(&format!(
            "<a href=\"#e{issue}-note\">Enter what you ask the force lead to look at or decide</a>"
        )),
        "{body}"
    );
}

#[tokio::test]
async fn moving_on_with_questions_unanswered_asks_first_and_the_last_call_leads_to_a_summary() {
    let w = world().await;
    let s = w.open;
    let res = w
        .post(
            "auditor",
            &format!("/sessions/{s}/calls/1"),
            "q_greeting=yes&go=next",
            true,
        )
        .await;
    let to = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        to,
        format!("/sessions/{s}/calls/1?saved=1&unanswered=next#unanswered")
    );
    let page = text(
        w.get(Some("auditor"), to.trim_end_matches("#unanswered"))
            .await,
    )
    .await;
    assert!(page.contains("id=\"unanswered\""), "{page}");
    assert!(
        !page.contains("href=\"#q-greeting-yes\""),
        "the answered one is not listed: {page}"
    );
    assert!(
        page.contains(&format!(
            "href=\"/sessions/{s}/calls/2\">go on to call 2 anyway"
        )),
        "{page}"
    );
    assert!(
        page.contains("1 of "),
        "the save state counts the answers: {page}"
    );
    // Every question answered and a category proposed: on to the next call without a word.
    let template = w.store.template(w.programme).await.unwrap();
    let all: Vec<String> = template
        .questions
        .iter()
        .map(|q| format!("q_{}=yes", q.code))
        .collect();
    let res = w
        .post(
            "auditor",
            &format!("/sessions/{s}/calls/1"),
            &format!("{}&category=positive&go=next", all.join("&")),
            true,
        )
        .await;
    assert_eq!(
        res.headers()[header::LOCATION].to_str().unwrap(),
        format!("/sessions/{s}/calls/2")
    );
    let summary = text(
        w.get(Some("auditor"), &format!("/sessions/{s}/answers"))
            .await,
    )
    .await;
    assert!(summary.contains("You have finished 1 of"), "{summary}");
    assert!(summary.contains("What happens next"), "{summary}");
}
