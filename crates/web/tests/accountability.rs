//! The force's half and the coordinator's settings in the browser, route by route: issues, the
//! force lead's answers, the action log, publishing, performance figures, programmes and retention.

use axum::http::StatusCode;
use http_body_util::BodyExt;

mod support;
use support::*;

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
    let page = text(
        w.post("coordinator", &path, "status=done&note=+", true)
            .await,
    )
    .await;
    assert!(
        page.contains("<a href=\"#note\">Nothing changed: enter a progress note"),
        "an update that changes nothing says so beside the note: {page}"
    );
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
    // Kept blank: the call's page again, the problem linked to the draft.
    let res = w
        .post(
            "facilitator",
            &drafts,
            "draft=empathy&decision=keep&description=+",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains("<a href=\"#c2-draft-empathy\">Enter the issue for the force to answer"),
        "{body}"
    );
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
    // A section too long to keep comes back with every word typed, and the problem linked.
    let long = "word ".repeat(5000);
    let res = w
        .post(
            "lead",
            "/reports/texts",
            &format!(
                "year=2024&section=force-response&text={}",
                long.replace(' ', "+")
            ),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(
        page.contains("<a href=\"#text-force-response\">The force"),
        "{page}"
    );
    assert!(
        page.contains(long.trim_end()),
        "the text typed is kept whole"
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
    // The force lead's answer to an escalation, sent blank: the page again, linked to the box.
    let res = w
        .post(
            "lead",
            &format!("/issues/{issue}/escalation"),
            "answer=+",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains(&format!("<a href=\"#answer-{issue}\">Enter the force")),
        "{body}"
    );
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
    assert_eq!(
        t.phrases.domestic,
        callaudit_domain::template::Phrases::reference().domestic,
        "a form without the domestic-abuse words leaves the reference list"
    );
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
    let res = w
        .post(
            "coordinator",
            "/programmes",
            "kind=incident-log&name=Log+review",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = to
        .trim_start_matches("/programmes?saved=")
        .split('#')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let logs = w.store.template(id).await.unwrap();
    assert_eq!(
        logs.kind,
        callaudit_domain::template::ProgrammeKind::IncidentLog
    );
    assert!(logs.question("questions-answered").is_some(), "{logs:?}");
    // The words the log's domestic-abuse check looks for are the programme's own.
    let res = w
        .post(
            "coordinator",
            &path,
            &format!("{form}&domestic=her+fella%0Adomestic&missing_person=AWOL%0Amissing"),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let t = w.store.template(w.programme).await.unwrap();
    assert_eq!(t.phrases.domestic, ["her fella", "domestic"]);
    assert_eq!(t.phrases.missing_person, ["AWOL", "missing"]);
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
