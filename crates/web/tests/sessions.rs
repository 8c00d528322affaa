//! Audit sessions in the browser, route by route: planning, scoring with the recording and its
//! transcript, the panel view, the session report, and what an auditor keeps once it closes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use callaudit_domain::audit::Role;
use callaudit_storage::Store;
use http_body_util::BodyExt;
use tower::ServiceExt;

mod support;
use support::*;

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
    let answers: Vec<_> = history
        .iter()
        .filter(|h| h.entity == "answer" && h.actor != "test")
        .collect();
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

/// With a second programme, the plan form offers a choice of programme, and a focus must be one of
/// the chosen programme's themes.
#[tokio::test]
async fn a_session_is_planned_under_the_programme_chosen() {
    let w = world().await;
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
            "programme={programme}&held_on-day=1&held_on-month=8&held_on-year=2024&focus={}&facilitator=none&panel={}",
            focus.replace(' ', "+"),
            w.ids[if programme == cdi {
                "registrar"
            } else {
                "auditor"
            }]
        )
    };
    // A dip sample is the Crime Registrar team's: a volunteer auditor is refused, with the reason.
    let volunteers = plan(cdi, &theme).replace(
        &format!("panel={}", w.ids["registrar"]),
        &format!("panel={}", w.ids["auditor"]),
    );
    let res = w.post("coordinator", "/sessions", &volunteers, true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        text(res)
            .await
            .contains("checked by the Crime Registrar team: select crime registrars only"),
        "refused"
    );
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
    // 4 calls of the reference template's 18 questions.
    assert!(page.contains("<td>0 of 4</td><td>0 of 72</td>"), "{page}");

    let call = format!("/sessions/{}/calls/1", w.open);
    let ok = StatusCode::SEE_OTHER;
    let one = "q_greeting=yes&q_listened=yes&q_empathy=no&category=suggestions&area=silence&area=next-steps";
    let two = "q_greeting=yes&q_listened=partly&category=suggestions&area=silence";
    assert_eq!(w.post("auditor", &call, one, true).await.status(), ok);
    assert_eq!(w.post("auditor2", &call, two, true).await.status(), ok);
    let overview = text(w.get(Some("facilitator"), &panel).await).await;
    assert!(
        overview.contains("<td>0 of 4</td><td>3 of 72</td>")
            && overview.contains("<td>0 of 4</td><td>2 of 72</td>"),
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
async fn the_incident_log_sits_beside_the_recording_under_the_programmes_rule() {
    use callaudit_domain::call::CallRef;
    use callaudit_domain::incident::{LogEntry, LogKind};
    let w = world().await;
    let s = w.open;
    let page = text(
        w.get(Some("auditor"), &format!("/sessions/{s}/calls/1"))
            .await,
    )
    .await;
    assert!(
        !page.contains("The incident log"),
        "no log imported, no section"
    );
    let call = &w.store.session_outcomes(s).await.unwrap()[0];
    let start = call.started_at.unwrap();
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let entry = |secs: i64, kind, value: Option<&str>, text: Option<&str>| {
        (
            0,
            LogEntry {
                incident_ref: "INC-42".into(),
                call_ref: Some(CallRef::parse(&call.call_ref).unwrap()),
                at: start + chrono::Duration::seconds(secs),
                kind,
                value: value.map(String::from),
                text: text.map(String::from),
                by: None,
            },
        )
    };
    let mut tx = w.store.begin("test").await.unwrap();
    tx.insert_log_entries(
        force,
        &[
            entry(
                5,
                LogKind::Opened,
                Some("CONCERN FOR SAFETY"),
                Some("Son not home"),
            ),
            entry(40, LogKind::RiskMarker, Some("VIOLENCE"), None),
            entry(70, LogKind::Check, Some("PNC"), Some("Known to police")),
            entry(900, LogKind::Arrived, None, None),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let page = text(
        w.get(Some("auditor"), &format!("/sessions/{s}/calls/1"))
            .await,
    )
    .await;
    assert!(page.contains("The incident log"), "{page}");
    assert!(
        page.contains("<span class=\"time\" data-seek=\"5\">0:05</span> <strong>Opened</strong>: CONCERN FOR SAFETY"),
        "{page}"
    );
    assert!(
        page.contains("Son not home") && page.contains("15:00"),
        "{page}"
    );
    assert!(
        !page.contains("VIOLENCE") && !page.contains("Known to police"),
        "a volunteer does not read intelligence by default"
    );
    assert!(page.contains("(what it says is not shown)"), "{page}");
    // The checks on the log prompt the panel, from the seed cases they were written from.
    assert!(
        page.contains("Prompts from the log")
            && page.contains("the log describes a missing person")
            && page.contains("No THRIVE risk assessment is recorded"),
        "{page}"
    );
    // The panel sees the same, under the same rule.
    let panel = text(
        w.get(Some("facilitator"), &format!("/sessions/{s}/panel/1"))
            .await,
    )
    .await;
    assert!(
        panel.contains("The incident log") && !panel.contains("VIOLENCE"),
        "{panel}"
    );
    // A programme that allows it shows its auditors what the entries say.
    let mut tx = w.store.begin("test").await.unwrap();
    tx.set_log_details(w.programme, true).await.unwrap();
    tx.commit().await.unwrap();
    let page = text(
        w.get(Some("auditor"), &format!("/sessions/{s}/calls/1"))
            .await,
    )
    .await;
    assert!(
        page.contains("Risk marker</strong>: VIOLENCE") && page.contains("Known to police"),
        "{page}"
    );
}

/// Seed 002: a registrar checks, a second one validates, and only then does the result count.
#[tokio::test]
async fn a_dip_samples_results_count_once_a_second_registrar_validates_them() {
    let w = world().await;
    let page = format!("/sessions/{}/validate", w.dip);
    let theirs = text(w.get(Some("registrar2"), &page).await).await;
    assert!(
        theirs.contains("Confirm<span class=\"visually-hidden\"> record 1's result</span>"),
        "{theirs}"
    );
    assert!(theirs.contains("0 of 1 checked records are validated; 4 records were drawn"));
    let own = text(w.get(Some("registrar"), &page).await).await;
    assert!(
        own.contains("You checked it: another registrar validates it"),
        "{own}"
    );
    let report = |who: &'static str| {
        let w = &w;
        async move {
            let res = w.get(Some(who), "/reports/cdi?year=2024&format=json").await;
            serde_json::from_str::<serde_json::Value>(&text(res).await).unwrap()
        }
    };
    let before = report("registrar").await;
    assert_eq!(
        (
            before["records"].as_u64(),
            before["awaiting_validation"].as_u64()
        ),
        (Some(0), Some(1))
    );

    let confirm = format!("/sessions/{}/calls/1/validate", w.dip);
    let res = w.post("registrar", &confirm, "", true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains("<a href=\"#record-1\">Record 1: you checked this record yourself; a result is validated by a second registrar</a>"),
        "{body}"
    );
    let res = w
        .post(
            "registrar2",
            &format!("/sessions/{}/calls/2/validate", w.dip),
            "",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        text(res)
            .await
            .contains("nobody has checked this record yet")
    );

    let res = w.post("registrar2", &confirm, "", true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = text(
        w.get(Some("registrar2"), &format!("{page}?validated=1"))
            .await,
    )
    .await;
    assert!(after.contains("Record 1 is validated"), "{after}");
    assert!(after.contains("Validated by registrar2"), "{after}");
    let history = w.store.history(50).await.unwrap();
    assert!(
        history.iter().any(|h| h.entity == "record"
            && h.action == "validate"
            && h.actor == "registrar2@test.invalid"),
        "in the history"
    );
    // Validating again changes nothing.
    assert_eq!(
        w.post("registrar2", &confirm, "", true).await.status(),
        StatusCode::SEE_OTHER
    );
    let counted = report("lead").await;
    assert_eq!(
        (
            counted["records"].as_u64(),
            counted["compliant"].as_u64(),
            counted["awaiting_validation"].as_u64()
        ),
        (Some(1), Some(1), Some(0))
    );
}

/// Issue: an incident-log programme can be planned, drawn from the logs that tripped a check,
/// scored and reported.
#[tokio::test]
async fn an_incident_log_review_is_drawn_from_tripped_logs_scored_and_reported() {
    use callaudit_domain::call::CallRef;
    use callaudit_domain::incident::{LogEntry, LogKind};
    let w = world().await;
    let res = w
        .post(
            "coordinator",
            "/programmes",
            "kind=incident-log&name=Log+review",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let programme = w
        .store
        .programmes(force)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name == "Log review")
        .unwrap()
        .id;
    // Calls 1-5: silent 999 calls closed with no call-back (seed 003); 6-10 handled well.
    let start: chrono::DateTime<chrono::Utc> = "2024-05-01T09:30:00Z".parse().unwrap();
    let mut entries = Vec::new();
    for n in 1..=10 {
        let entry = |s: i64, kind, value: Option<&str>, text: Option<&str>| LogEntry {
            incident_ref: format!("INC-{n}"),
            call_ref: Some(CallRef::parse(&format!("T-{n:04}")).unwrap()),
            at: start + chrono::Duration::seconds(s),
            kind,
            value: value.map(String::from),
            text: text.map(String::from),
            by: Some("H1".into()),
        };
        entries.push(entry(5, LogKind::Opened, Some("BURGLARY"), None));
        if n <= 5 {
            entries.push(entry(10, LogKind::SilentCall, Some("NO-RESPONSE"), None));
        }
        entries.push(entry(
            30,
            LogKind::Thrive,
            None,
            Some("Threat low, no harm now, caller safe at home with a neighbour, no vulnerability"),
        ));
        entries.push(entry(300, LogKind::Closed, Some("NFA"), None));
    }
    let numbered: Vec<(u64, LogEntry)> =
        entries.into_iter().zip(1..).map(|(e, i)| (i, e)).collect();
    let mut tx = w.store.begin("test").await.unwrap();
    tx.insert_log_entries(force, &numbered).await.unwrap();
    tx.commit().await.unwrap();

    let res = w
        .post(
            "coordinator",
            "/sessions",
            &format!(
                "programme={programme}&held_on-day=1&held_on-month=8&held_on-year=2024&focus=&facilitator={}&panel={}",
                w.ids["facilitator"], w.ids["auditor"]
            ),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = planned_session(&res);
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/commit"),
            "size=4&quota_999=0&quota_101=0&quota_logs=2&max_per_handler=",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let seed = callaudit_domain::sampling::parse_seed("logs 7").unwrap();
    let record = w.store.draw_session("test", id, &seed).await.unwrap();
    let prompted: Vec<&str> = record
        .spec
        .log_prompted
        .iter()
        .map(CallRef::as_str)
        .collect();
    assert_eq!(prompted, ["T-0001", "T-0002", "T-0003", "T-0004", "T-0005"]);
    let from_tripped = record
        .calls
        .iter()
        .filter(|c| prompted.contains(&c.as_str()))
        .count();
    assert_eq!((record.calls.len(), from_tripped), (4, 2));

    // The auditor reviews a log with the template's own questions, the log beside them.
    let call = format!("/sessions/{id}/calls/1");
    let page = text(w.get(Some("auditor"), &call).await).await;
    assert!(
        page.contains("The opening code fits what the caller described"),
        "{page}"
    );
    assert_eq!(
        w.post("auditor", &call, "q_opening-code=no&q_thrive=yes", true)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let annual: serde_json::Value = serde_json::from_str(
        &text(
            w.get(Some("coordinator"), "/reports/annual?year=2024&format=json")
                .await,
        )
        .await,
    )
    .unwrap();
    let section = annual["programmes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "Incident log review")
        .expect("a section for the log reviews");
    assert!(
        section["summary"]
            .as_str()
            .unwrap()
            .contains("1 incident log review looked at 4 logs"),
        "{section}"
    );
    let rows = section["rows"].as_array().unwrap();
    assert_eq!(
        rows[0],
        serde_json::json!([
            "The opening code fits what the caller described",
            "1",
            "1",
            "100%"
        ])
    );
    assert!(
        annual["programmes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["title"] == "Crime Data Integrity"),
        "the world's dip sample has its section too"
    );
}

/// A Crime Data Integrity record is judged by its checks alone: the registrar is never asked for
/// a category, and a record with every check answered is finished.
#[tokio::test]
async fn a_registrar_checks_a_record_without_proposing_a_category() {
    let w = world().await;
    let call = format!("/sessions/{}/calls/2", w.dip);
    let page = text(w.get(Some("registrar"), &call).await).await;
    assert!(
        page.contains("The crime was correctly classified"),
        "{page}"
    );
    assert!(!page.contains("Category you propose"), "{page}");
    let res = w
        .post(
            "registrar",
            &call,
            "q_recorded=yes&q_classified=yes&q_timely=no&go=next",
            true,
        )
        .await;
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/sessions/{}/calls/3", w.dip),
        "every check answered: on to the next record, nothing asked"
    );
    let summary = text(
        w.get(Some("registrar"), &format!("/sessions/{}/answers", w.dip))
            .await,
    )
    .await;
    assert!(
        summary.contains("You have finished 2 of 4 calls")
            && !summary.contains("Category you propose"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_volunteer_is_put_on_a_panel_only_once_agreed_and_vetted_for_the_day() {
    let mut w = world().await;
    let id = add_signed_in(&mut w, "newcomer", Role::Auditor, "t").await;
    let plan = |day: u32, month: u32| {
        format!(
            "held_on-day={day}&held_on-month={month}&held_on-year=2024&facilitator={}&panel={id}&panel={}",
            w.ids["facilitator"], w.ids["auditor"]
        )
    };
    // The planning form says who cannot sit today, beside their name.
    let form = text(w.get(Some("coordinator"), "/sessions").await).await;
    assert!(
        form.contains(&format!("id=\"panel-{id}-hint\">Cannot sit today: they have not accepted the confidentiality agreement and they have no vetting recorded.")),
        "{form}"
    );
    // Put on a panel anyway: refused, naming them and why, linked to their box; nothing planned.
    let before = w
        .store
        .sessions(w.store.resolve_force(Some("t")).await.unwrap().id)
        .await
        .unwrap()
        .len();
    let res = w.post("coordinator", "/sessions", &plan(1, 8), true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(
        page.contains(&format!("<a href=\"#panel-{id}\">newcomer cannot sit on a panel on 1 August 2024: they have not accepted the confidentiality agreement and they have no vetting recorded.")),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "id=\"panel-{id}\" name=\"panel\" value=\"{id}\" checked"
        )),
        "the panel as ticked is kept"
    );
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    assert_eq!(w.store.sessions(force).await.unwrap().len(), before);

    // The coordinator records the training: a date in the future is refused, as typed.
    let path = format!("/auditors/{id}");
    let page = text(w.get(Some("coordinator"), &path).await).await;
    assert!(
        page.contains("Not accepted") && page.contains("Cannot sit on a panel today"),
        "{page}"
    );
    let future = (chrono::Utc::now() + chrono::Duration::days(40)).date_naive();
    let res = w
        .post(
            "coordinator",
            &path,
            &format!(
                "agreement_on-day={}&agreement_on-month={}&agreement_on-year={}&vetted_on-day=1&vetted_on-month=12&vetted_on-year=2023",
                chrono::Datelike::day(&future),
                chrono::Datelike::month(&future),
                chrono::Datelike::year(&future)
            ),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(
        page.contains("<a href=\"#agreement_on-day\">The date the agreement was accepted must be today or in the past</a>"),
        "{page}"
    );
    assert!(
        page.contains(&format!("value=\"{}\"", chrono::Datelike::year(&future))),
        "kept as typed"
    );
    assert!(
        w.store.training(id).await.unwrap().agreement_on.is_none(),
        "nothing saved"
    );
    let res = w
        .post(
            "coordinator",
            &path,
            "agreement_on-day=2&agreement_on-month=1&agreement_on-year=2024&vetted_on-day=1&vetted_on-month=12&vetted_on-year=2023&vetting_expires_on-day=31&vetting_expires_on-month=7&vetting_expires_on-year=2024",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/auditors/{id}?saved=1")
    );
    let page = text(w.get(Some("coordinator"), &format!("{path}?saved=1")).await).await;
    assert!(
        page.contains("Training record saved") && page.contains("Accepted on 2 January 2024"),
        "{page}"
    );
    // The acceptance is in the history, with who recorded it.
    let entry = w
        .store
        .history(50)
        .await
        .unwrap()
        .into_iter()
        .find(|h| h.entity == "training" && h.entity_id == Some(id))
        .expect("a history entry");
    assert_eq!(entry.actor, "coordinator@test.invalid");
    assert!(
        entry.detail.contains("\"agreement_on\":\"2024-01-02\""),
        "{}",
        entry.detail
    );
    // The same record sent again changes nothing, and writes nothing.
    let entries = |h: Vec<callaudit_storage::HistoryEntry>| {
        h.iter()
            .filter(|h| h.entity == "training" && h.entity_id == Some(id))
            .count()
    };
    let before = entries(w.store.history(100).await.unwrap());
    let again = w
        .post(
            "coordinator",
            &path,
            "agreement_on-day=2&agreement_on-month=1&agreement_on-year=2024&vetted_on-day=1&vetted_on-month=12&vetted_on-year=2023&vetting_expires_on-day=31&vetting_expires_on-month=7&vetting_expires_on-year=2024",
            true,
        )
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(entries(w.store.history(100).await.unwrap()), before);
    assert_eq!(before, 1);

    // Vetting must hold on the day the panel sits, not only today.
    let res = w.post("coordinator", "/sessions", &plan(1, 8), true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(text(res).await.contains(
        "newcomer cannot sit on a panel on 1 August 2024: their vetting ended on 31 July 2024."
    ));
    let res = w.post("coordinator", "/sessions", &plan(31, 7), true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let session = planned_session(&res);
    let panel: Vec<i64> = w
        .store
        .panel(session)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert!(panel.contains(&id));
    // The list of auditors shows each one's standing today and the sessions sat.
    let list = text(w.get(Some("coordinator"), "/auditors").await).await;
    assert!(
        list.contains("Cannot sit on a panel: their vetting ended on 31 July 2024"),
        "{list}"
    );
}

#[tokio::test]
async fn the_coordinator_sees_how_alike_each_auditor_reads_calls() {
    use callaudit_domain::template::Answer;
    let w = world().await;
    // Two auditors answer the greeting on the eight calls of two sessions; they differ on one.
    let mut calls = w.store.session_calls(w.open).await.unwrap();
    calls.extend(w.store.session_calls(w.other).await.unwrap());
    assert_eq!(calls.len(), 8);
    let mut units = Vec::new();
    let mut tx = w.store.begin("test").await.unwrap();
    for (i, c) in calls.iter().enumerate() {
        let a = if i % 2 == 0 { Answer::Yes } else { Answer::No };
        let b = if i == 3 { Answer::Yes } else { a };
        tx.save_answer(c.id, w.ids["auditor"], "greeting", a, "")
            .await
            .unwrap();
        tx.save_answer(c.id, w.ids["auditor2"], "greeting", b, "")
            .await
            .unwrap();
        units.push(vec![(w.ids["auditor"], a), (w.ids["auditor2"], b)]);
    }
    tx.commit().await.unwrap();
    let page = text(
        w.get(Some("coordinator"), "/auditors/agreement?year=2024")
            .await,
    )
    .await;
    let by = callaudit_domain::stats::krippendorff_by_coder(&units).unwrap();
    let alpha = format!("{:.2}", by[&w.ids["auditor"]].alpha);
    assert!(
        page.contains(&format!(
            "<a href=\"/auditors/{}\">auditor</a></td><td class=\"n\">{alpha}</td>",
            w.ids["auditor"]
        )),
        "{page}"
    );
    // With two auditors each one's figure is the panel's: a question's alpha is the same.
    assert!(
        page.contains(&format!("<td class=\"n\">{alpha}</td><td>")),
        "{page}"
    );
    // 1 − 15·2 / (2·9·7) = 0.76: between 0.667 and 0.8, on 8 calls.
    assert_eq!(alpha, "0.76");
    assert!(
        page.contains("Some difference from the rest of the panel"),
        "{page}"
    );
    // A year nobody scored in says so.
    let empty = text(
        w.get(Some("coordinator"), "/auditors/agreement?year=2023")
            .await,
    )
    .await;
    assert!(
        empty.contains("No auditor answered a call alongside someone else in 2023/24"),
        "{empty}"
    );
    // Another force's coordinator sees their own force's volunteers only.
    let theirs = text(
        w.get(Some("stranger"), "/auditors/agreement?year=2024")
            .await,
    )
    .await;
    assert!(!theirs.contains(">auditor</a>"), "{theirs}");
}

#[tokio::test]
async fn the_coordinator_keeps_a_closed_sessions_call_as_a_reference_for_the_library() {
    use callaudit_domain::template::Answer;
    let w = world().await;
    let path = format!("/sessions/{}/calls/1/reference", w.open);
    // While the session is open its calls cannot be kept: the panel has not decided.
    let res = w.get(Some("coordinator"), &path).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let calls = w.store.session_calls(w.open).await.unwrap();
    let mut tx = w.store.begin("test").await.unwrap();
    tx.save_answer(
        calls[0].id,
        w.ids["auditor"],
        "greeting",
        Answer::Partly,
        "",
    )
    .await
    .unwrap();
    tx.set_session_status(w.open, callaudit_domain::audit::SessionStatus::Closed)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The library is empty, and says how it fills.
    let empty = text(w.get(Some("auditor"), "/references").await).await;
    assert!(
        empty.contains("There are no reference calls yet"),
        "{empty}"
    );
    // The session page offers each call to the coordinator, and to nobody else.
    let session = text(
        w.get(Some("coordinator"), &format!("/sessions/{}", w.open))
            .await,
    )
    .await;
    assert!(session.contains(&format!("href=\"{path}\"")), "{session}");
    let theirs = text(
        w.get(Some("auditor"), &format!("/sessions/{}", w.open))
            .await,
    )
    .await;
    assert!(!theirs.contains("Keep as a reference"));
    for who in ["auditor", "facilitator", "lead", "viewer"] {
        assert_eq!(
            w.get(Some(who), &path).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    // The form starts from what the auditors answered.
    let form = text(w.get(Some("coordinator"), &path).await).await;
    assert!(form.contains("The auditors answered: Partly ×1."), "{form}");
    assert!(
        form.contains("id=\"a_greeting-partly\" name=\"a_greeting\" value=\"partly\" checked"),
        "{form}"
    );
    // Every problem at once, linked to its field, as typed; nothing kept.
    let res = w
        .post(
            "coordinator",
            &path,
            "commentary=&a_greeting=yes&n_greeting=Named+the+force",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(page.contains("<a href=\"#example-good\">Select whether the call is an example of good or of poor handling</a>"), "{page}");
    assert!(
        page.contains("<a href=\"#a_listened-yes\">Select the agreed answer to"),
        "{page}"
    );
    assert!(
        page.contains(">Named the force</textarea>"),
        "kept as typed"
    );
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    assert!(w.store.references(force).await.unwrap().is_empty());
    // Kept: into the library, with the agreed answers and why, for the volunteers to read.
    let template = w.store.template(w.programme).await.unwrap();
    let mut form = String::from("example=good&commentary=Calm+and+clear+throughout");
    for q in &template.questions {
        form.push_str(&format!("&a_{}=yes", q.code));
    }
    form.push_str("&n_greeting=Named+the+force+and+asked+how+to+help");
    let res = w.post("coordinator", &path, &form, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    let library = text(w.get(Some("auditor"), "/references").await).await;
    assert!(
        library.contains("Examples of good handling")
            && !library.contains("Examples of poor handling"),
        "{library}"
    );
    assert!(library.contains("Calm and clear throughout"), "{library}");
    assert!(
        library.contains("<td>Yes</td><td>Named the force and asked how to help</td>"),
        "{library}"
    );
    assert!(
        !library.contains("The session it came from"),
        "volunteers are not sent to the session"
    );
    // In the template's order.
    let at = |q: &str| library.find(q).unwrap();
    assert!(at(&template.questions[0].text) < at(&template.questions[1].text));
    assert!(at(&template.questions[1].text) < at(&template.questions[2].text));
    let history = w.store.history(20).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.entity == "reference" && h.entity_id == Some(calls[0].id))
    );
    // Another force's coordinator sees none of it.
    let theirs = text(w.get(Some("stranger"), "/references").await).await;
    assert!(theirs.contains("There are no reference calls yet"));
}

#[tokio::test]
async fn vetting_about_to_end_is_on_the_volunteers_and_the_coordinators_home_pages() {
    let w = world().await;
    let ends = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    let mut t = w.store.training(w.ids["auditor"]).await.unwrap();
    t.vetting_expires_on = Some(ends);
    let mut tx = w.store.begin("test").await.unwrap();
    tx.set_training(w.ids["auditor"], &t).await.unwrap();
    tx.commit().await.unwrap();
    let date = callaudit_domain::time::long_date(ends);
    let theirs = text(w.get(Some("auditor"), "/").await).await;
    assert!(
        theirs.contains(&format!("Your vetting ends on {date}.")),
        "{theirs}"
    );
    let coordinator = text(w.get(Some("coordinator"), "/").await).await;
    assert!(
        coordinator.contains(&format!("auditor&#39;s vetting ends on {date}.")),
        "{coordinator}"
    );
    // Nobody else's, and not another force's coordinator.
    let other = text(w.get(Some("auditor2"), "/").await).await;
    assert!(!other.contains("vetting ends"));
    let stranger = text(w.get(Some("stranger"), "/").await).await;
    assert!(!stranger.contains("vetting ends"));
}
