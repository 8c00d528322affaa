//! The call pool in the browser, route by route: uploads all or nothing, column profiles typed or
//! made with the column mapper, the force's daily totals, and a draw committed with quotas.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use callaudit_domain::audit::Role;
use tower::ServiceExt;

mod support;
use support::*;

#[tokio::test]
async fn the_coordinator_uploads_a_pool_all_or_nothing() {
    let w = world().await;
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let before = w.store.count_calls(force).await.unwrap();
    let good = "call_id,started_at,channel,incident_type\nU-1,2024-05-02 10:00,999,ASB\nU-2,2024-05-02 11:00,101,BURGLARY\n";
    let bad = "call_id,started_at,channel,incident_type\nU-3,2024-05-02 10:00,999,ASB\nU-4,2024-13-40 11:00,carrier pigeon,BURGLARY\n";
    for who in ["auditor", "facilitator", "viewer", "admin"] {
        assert_eq!(
            upload(&w, who, good, true).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        upload(&w, "coordinator", good, false).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(w.store.count_calls(force).await.unwrap(), before);

    let page = text(upload(&w, "coordinator", bad, true).await).await;
    assert!(
        page.contains("Nothing was imported: 2 problem(s)"),
        "{page}"
    );
    assert!(page.contains("line 3, column started_at"), "{page}");
    assert!(page.contains("line 3, column channel"), "{page}");
    assert_eq!(
        w.store.count_calls(force).await.unwrap(),
        before,
        "a bad file writes nothing"
    );

    let page = text(upload(&w, "coordinator", good, true).await).await;
    assert!(
        page.contains("export.csv imported: 2 added, 0 unchanged"),
        "{page}"
    );
    assert_eq!(w.store.count_calls(force).await.unwrap(), before + 2);
    let page = text(upload(&w, "coordinator", good, true).await).await;
    assert!(page.contains("0 added, 2 unchanged"), "{page}");
}

/// A column profile saved in the browser is checked by the import's own parser first, never
/// leaves the profiles folder, replaces another only when asked, and then reads an export.
#[tokio::test]
async fn the_coordinator_saves_a_column_profile_and_imports_with_it() {
    let w = world().await;
    let folder = w._dir.path().join("profiles");
    let w = &w;
    let save = |name: &str, text: &str, replace: bool| {
        let form = format!(
            "name={}&text={}{}",
            form_encode(name),
            form_encode(text),
            if replace { "&replace=1" } else { "" }
        );
        async move { w.post("coordinator", "/pool/profiles", &form, true).await }
    };
    let page = text(w.get(Some("coordinator"), "/pool").await).await;
    assert!(page.contains("No profiles are saved yet"), "{page}");

    // Not TOML, a column that does not exist, a name that could leave the folder: each refused
    // with its reason, the form kept as typed, nothing written.
    let good = "[columns]\ncall_id = \"Ref\"\nstarted_at = \"When\"\n\n[values.channel]\n\"Emergency\" = \"999\"\n";
    for (name, text_, expect) in [
        ("ours", "[columns\ncall_id = 1", "line 1"),
        (
            "ours",
            "[columns]\ncaller_name = \"Name\"",
            "\"caller_name\" is not a call-pool column",
        ),
        ("../evil", good, "cannot name a profile"),
        ("ours", "  ", "it is empty"),
    ] {
        let res = save(name, text_, false).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{name} {text_}");
        let body = text(res).await;
        assert!(body.contains("The profile was not saved"), "{body}");
        assert!(
            body.contains(&expect.replace('"', "&#34;")) || body.contains(expect),
            "{expect}: {body}"
        );
    }
    assert!(!folder.exists() || std::fs::read_dir(&folder).unwrap().count() == 0);
    assert!(!w._dir.path().join("evil.toml").exists());

    let res = save("ours", good, false).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[header::LOCATION], "/pool?saved=ours#profiles");
    let page = text(w.get(Some("coordinator"), "/pool?saved=ours").await).await;
    assert!(page.contains("The profile ours is saved"), "{page}");
    assert_eq!(
        std::fs::read_to_string(folder.join("ours.toml")).unwrap(),
        good
    );

    // The same name again: refused unless replacing is asked for.
    let other = "[columns]\ncall_id = \"Reference\"\n";
    let res = save("ours", other, false).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(text(res).await.contains("already saved"));
    assert_eq!(
        std::fs::read_to_string(folder.join("ours.toml")).unwrap(),
        good
    );
    let history = w.store.history(10_000).await.unwrap();
    let saves: Vec<_> = history.iter().filter(|h| h.entity == "profile").collect();
    assert_eq!(saves.len(), 1);
    assert_eq!(saves[0].actor, "coordinator@test.invalid");
    assert!(saves[0].detail.contains("\"ours\""), "{}", saves[0].detail);

    // The export in the force's own shape imports with the saved profile.
    let csv = "Ref,When,channel,incident_type\nP-1,2024-05-03 10:00,Emergency,ASB\n";
    let page = text(upload_with(w, "coordinator", csv, true, "ours").await).await;
    assert!(page.contains("export.csv imported: 1 added"), "{page}");
    assert!(
        page.contains("<summary>ours</summary>"),
        "the saved profile is listed"
    );

    let res = save("ours", other, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        std::fs::read_to_string(folder.join("ours.toml")).unwrap(),
        other
    );
}

#[tokio::test]
async fn the_draw_is_committed_with_quotas_by_grade_satisfaction_and_repeat_callers() {
    let w = world().await;
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let programme = w.store.programmes(force).await.unwrap()[0].id;
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
    let body = text(w.get(Some("coordinator"), &format!("/sessions/{id}")).await).await;
    assert!(body.contains("id=\"quota_repeat\""), "{body}");
    let commit = |quotas: &str| {
        format!(
            "size=6&quota_999=0&quota_101=0&from-day=1&from-month=4&from-year=2024&to-day=31&to-month=5&to-year=2024&max_per_handler=&{quotas}"
        )
    };
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/commit"),
            &commit("quota_grades=PRIORITY&quota_dissatisfied=1"),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains("<a href=\"#quota_grades\">“PRIORITY”")
            && body.contains("like IMMEDIATE=3, PRIORITY=2"),
        "{body}"
    );
    assert!(
        body.contains("id=\"quota_grades\" name=\"quota_grades\" type=\"text\" class=\"input-error\" value=\"PRIORITY\""),
        "the form is kept as typed: {body}"
    );
    assert!(
        w.store.draw(id).await.unwrap().is_none(),
        "nothing committed"
    );
    // Calls whose log tripped a check need the logs: said beside that field.
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/commit"),
            &commit("quota_logs=1"),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains("<a href=\"#quota_logs\">No incident logs are imported for this force yet"),
        "{body}"
    );
    assert!(w.store.draw(id).await.unwrap().is_none());
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/commit"),
            &commit("quota_grades=PRIORITY%3D2&quota_dissatisfied=1&quota_repeat=1&quota_areas="),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let spec = w.store.draw(id).await.unwrap().unwrap().commitment.spec;
    let strata: Vec<String> = spec
        .strata
        .iter()
        .map(|s| format!("{:?} {:?} {}", s.by, s.value, s.calls))
        .collect();
    assert_eq!(
        strata,
        [
            "Grade Some(\"PRIORITY\") 2",
            "RepeatCallers None 1",
            "Satisfaction Some(\"dissatisfied\") 1"
        ]
    );
    let body = text(w.get(Some("coordinator"), &format!("/sessions/{id}")).await).await;
    assert!(
        body.contains("<dd>2 calls of grade PRIORITY; 1 call from repeat callers; 1 call from dissatisfied callers</dd>"),
        "the panel sees what the quotas reserve: {body}"
    );
    // A seed of spaces: the page again, the problem linked to the field, the seed as typed.
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/draw"),
            "seed=+++",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains("<title>Error: Session of")
            && body.contains("<a href=\"#seed\">Enter the seed the panel chose")
            && body.contains(
                "id=\"seed\" name=\"seed\" type=\"text\" autocomplete=\"off\" value=\"   \""
            )
            && body.contains("aria-current=\"page\""),
        "the session page with its menu, not a dead end: {body}"
    );
    assert!(w.store.draw(id).await.unwrap().unwrap().record.is_none());
    // The seed is checked on a page of its own before the draw, which cannot be undone.
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/draw"),
            "seed=green+4+2",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = text(res).await;
    assert!(
        body.contains("Check the seed before drawing")
            && body.contains("<code>green 4 2</code>")
            && body.contains(&format!("href=\"/sessions/{id}?seed=green%204%202#seed\"")),
        "{body}"
    );
    assert!(w.store.draw(id).await.unwrap().unwrap().record.is_none());
    let body = text(
        w.get(
            Some("coordinator"),
            &format!("/sessions/{id}?seed=green%204%202"),
        )
        .await,
    )
    .await;
    assert!(
        body.contains("value=\"green 4 2\""),
        "Change keeps the seed: {body}"
    );
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/draw"),
            "seed=green+4+2&confirm=yes",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[axum::http::header::LOCATION],
        format!("/sessions/{id}?done=drawn#calls").as_str()
    );
    let body = text(
        w.get(Some("coordinator"), &format!("/sessions/{id}?done=drawn"))
            .await,
    )
    .await;
    assert!(body.contains("The sample is drawn."), "{body}");
}

#[tokio::test]
async fn a_plan_or_a_commit_with_mistakes_comes_back_as_typed_with_each_linked() {
    let w = world().await;
    // A date that does not exist and no panel: both in the summary, the rest kept.
    let res = w
        .post(
            "coordinator",
            "/sessions",
            &format!(
                "held_on-day=31&held_on-month=feb&held_on-year=2026&facilitator={}",
                w.ids["facilitator"]
            ),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(body.contains("<title>Error: Sessions"), "{body}");
    assert!(
        body.contains("<a href=\"#held_on-day\">The date of the session must be a real date</a>"),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "<a href=\"#panel-{}\">Select at least one auditor for the panel</a>",
            w.ids["auditor"]
        )),
        "{body}"
    );
    assert!(
        body.contains("name=\"held_on-month\" type=\"text\" class=\"width-2\" value=\"feb\""),
        "{body}"
    );
    // A commit whose quotas exceed its size and whose dates are swapped.
    let s = w.open;
    let _ = s;
    let res = w
        .post(
            "coordinator",
            "/sessions",
            &format!(
                "held_on-day=1&held_on-month=9&held_on-year=2024&facilitator={}&panel={}",
                w.ids["facilitator"], w.ids["auditor"]
            ),
            true,
        )
        .await;
    let id = planned_session(&res);
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/commit"),
            "size=4&quota_999=3&quota_101=3&from-day=1&from-month=6&from-year=2024&to-day=1&to-month=5&to-year=2024&max_per_handler=x",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(
        body.contains(
            "<a href=\"#max_per_handler\">The most calls per call handler must be a whole number"
        ),
        "{body}"
    );
    let res = w
        .post(
            "coordinator",
            &format!("/sessions/{id}/commit"),
            "size=4&quota_999=3&quota_101=3&from-day=1&from-month=6&from-year=2024&to-day=1&to-month=5&to-year=2024&max_per_handler=2",
            true,
        )
        .await;
    let body = text(res).await;
    assert!(
        body.contains("<a href=\"#size\">The quotas add up to 6, more than the sample size 4; lower a quota or raise the sample size</a>"),
        "{body}"
    );
    assert!(
        body.contains("<a href=\"#from-day\">The window starts (1 June 2024) after it ends (1 May 2024); swap the first and last dates</a>"),
        "{body}"
    );
    assert!(
        !body.contains("--"),
        "no command-line flag is named to a browser user"
    );
    assert!(
        body.contains("name=\"from-month\" type=\"text\" class=\"width-2\" value=\"6\""),
        "{body}"
    );
    assert!(w.store.draw(id).await.unwrap().is_none());
}

#[tokio::test]
async fn the_coordinator_enters_the_forces_daily_totals_with_every_mistake_linked_to_its_field() {
    let w = world().await;
    let body = text(w.get(Some("coordinator"), "/pool/totals").await).await;
    assert!(body.contains("No daily totals entered yet"), "{body}");
    // Two mistakes at once: both in the summary, each linked to its field, the form as typed.
    let res = w
        .post(
            "coordinator",
            "/pool/totals",
            "date-day=31&date-month=April&date-year=2024&calls=three+hundred",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = text(res).await;
    assert!(body.contains("<title>Error: "), "{body}");
    assert!(
        body.contains("<a href=\"#date-day\">The day must be a real date</a>")
            && body.contains("<a href=\"#calls\">The number of calls must be a whole number"),
        "{body}"
    );
    assert!(
        body.contains("value=\"April\"") && body.contains("value=\"three hundred\""),
        "what was typed is kept: {body}"
    );
    let res = w
        .post(
            "coordinator",
            "/pool/totals",
            "date-day=&date-month=&date-year=&calls=",
            true,
        )
        .await;
    let body = text(res).await;
    assert!(
        body.contains("Enter the day") && body.contains("Enter the number of calls"),
        "{body}"
    );
    // The month as a word, the number with a thousands comma.
    let res = w
        .post(
            "coordinator",
            "/pool/totals",
            "date-day=16&date-month=apr&date-year=2024&calls=1%2C312",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(location, "/pool/totals?saved=2024-04-16");
    let body = text(w.get(Some("coordinator"), &location).await).await;
    assert!(
        body.contains("<p>16 April 2024: 1312 calls.</p>")
            && body.contains("<td>16 April 2024</td>"),
        "{body}"
    );
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    assert_eq!(
        w.store.published_totals(force).await.unwrap(),
        [(chrono::NaiveDate::from_ymd_opt(2024, 4, 16).unwrap(), 1312)]
    );
    // The other force's coordinator sees none of it.
    let body = text(w.get(Some("stranger"), "/pool/totals").await).await;
    assert!(!body.contains("16 April 2024"), "{body}");
}

#[tokio::test]
async fn a_cross_site_upload_is_refused() {
    let w = world().await;
    let (cookie, csrf) = &w.logins["coordinator"];
    let b = "XBOUNDARYX";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\ncall_id\r\n--{b}--\r\n"
    );
    let req = Request::post("/pool")
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "cross-site")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from(body))
        .unwrap();
    assert_eq!(
        w.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

/// The real Seattle dispatch export the mapper is tried on.
fn seattle_export() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ingest/tests/data/seattle-cad-2018-2023.csv"),
    )
    .unwrap()
}

/// Where a response sends the browser.
fn location(res: &axum::response::Response) -> String {
    res.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_export_with_headers_of_its_own_is_mapped_checked_saved_and_imported() {
    let w = world().await;
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let before = w.store.count_calls(force).await.unwrap();
    let csv = seattle_export();

    // Uploaded with the standard columns, the file is kept and goes to the mapper; nothing is
    // imported.
    let res = upload(&w, "coordinator", &csv, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = location(&res);
    assert!(to.ends_with("/columns?unmatched=1"), "{to}");
    let base = to.trim_end_matches("/columns?unmatched=1").to_string();
    assert_eq!(w.store.count_calls(force).await.unwrap(), before);
    let page = text(w.get(Some("coordinator"), &to).await).await;
    assert!(page.contains("names its columns in its own way"), "{page}");
    assert!(
        page.contains(r#"<option value="CAD Event Number" selected>"#),
        "the call reference is guessed: {page}"
    );

    // A required column left unanswered: the summary links to it, the other answers are kept.
    let columns = |call_id: &str, area: &str| {
        format!(
            "call_id={}&started_at=Original+Time+Queued&channel=Call+Type&incident_type=Initial+Call+Type&grade=Priority&area={area}&arrived_at=Arrived+Time&incident_ref=CAD+Event+Number",
            form_encode(call_id)
        )
    };
    let res = w
        .post(
            "coordinator",
            &format!("{base}/columns"),
            &columns("", "Sector"),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = text(res).await;
    assert!(
        page.contains(
            r##"<a href="#call_id">Select the column that holds the call reference</a>"##
        ),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="Sector" selected>"#),
        "{page}"
    );
    // A header the file does not have is refused the same way.
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/columns"),
            &columns("Nope", "Precinct"),
            true,
        )
        .await,
    )
    .await;
    assert!(
        page.contains(r##"<a href="#call_id">Select one of the export"##),
        "{page}"
    );

    let res = w
        .post(
            "coordinator",
            &format!("{base}/columns"),
            &columns("CAD Event Number", "Precinct"),
            true,
        )
        .await;
    assert_eq!(location(&res), format!("{base}/values"));

    // The values: channel guessed from the words; grades 1-3 guessed, Seattle's own 4, 5 and 7
    // answered here. A channel value left unanswered is refused.
    let page = text(w.get(Some("coordinator"), &format!("{base}/values")).await).await;
    assert!(
        page.contains("“TELEPHONE OTHER, NOT 911” (66 calls)"),
        "{page}"
    );
    let index = |column: &str, value: &str| -> String {
        let label = format!("“{value}” (");
        let at = page
            .find(&label)
            .unwrap_or_else(|| panic!("{value} listed"));
        let before = &page[..at];
        let id_at = before.rfind(&format!("for=\"{column}-")).unwrap();
        before[id_at + 5..].split('"').next().unwrap().to_string()
    };
    let mut answers = vec![
        (index("channel", "911"), "999"),
        (index("channel", "TELEPHONE OTHER, NOT 911"), "101"),
        (index("channel", "ALARM CALL (NOT POLICE ALARM)"), "alarm"),
        (index("channel", "ONVIEW"), ""),
        (index("grade", "1"), "IMMEDIATE"),
        (index("grade", "2"), "PRIORITY"),
        (index("grade", "3"), "STANDARD"),
        (index("grade", "4"), "STANDARD"),
        (index("grade", "5"), "SCHEDULED"),
        (index("grade", "7"), "SCHEDULED"),
    ];
    let form = |a: &[(String, &str)]| {
        a.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/values"),
            &form(&answers),
            true,
        )
        .await,
    )
    .await;
    let onview = index("channel", "ONVIEW");
    assert!(
        page.contains(&format!(
            "<a href=\"#{onview}\">Select how a call marked “ONVIEW” came in</a>"
        )),
        "{page}"
    );
    answers[3].1 = "officer";
    let res = w
        .post(
            "coordinator",
            &format!("{base}/values"),
            &form(&answers),
            true,
        )
        .await;
    assert_eq!(location(&res), format!("{base}/dates"));

    // The layout is detected and chosen; a time zone that does not exist is refused.
    let page = text(w.get(Some("coordinator"), &format!("{base}/dates")).await).await;
    assert!(
        page.contains("Only this layout reads every time in the file"),
        "{page}"
    );
    assert!(
        page.contains("11/04/2023 6:08:26 PM reads as 4 November 2023, 18:08:26"),
        "{page}"
    );
    let layout = form_encode("%m/%d/%Y %I:%M:%S %p");
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/dates"),
            &format!("layout={layout}&timezone=Pacific"),
            true,
        )
        .await,
    )
    .await;
    assert!(
        page.contains(r##"<a href="#timezone">“Pacific” is not a time zone name"##),
        "{page}"
    );
    let res = w
        .post(
            "coordinator",
            &format!("{base}/dates"),
            &format!("layout={layout}&timezone=America%2FLos_Angeles"),
            true,
        )
        .await;
    assert_eq!(location(&res), format!("{base}/check"));

    // The check reads the whole file with the answers; the profile is saved and reads the file
    // exactly as the hand-written Seattle profile does.
    let page = text(w.get(Some("coordinator"), &format!("{base}/check")).await).await;
    assert!(
        page.contains("All 222 rows read without a problem"),
        "{page}"
    );
    assert!(
        page.contains("id=\"name\" name=\"name\" value=\"export\""),
        "a name is suggested: {page}"
    );
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/check"),
            "name=..%2Fetc",
            true,
        )
        .await,
    )
    .await;
    assert!(
        page.contains(r##"<a href="#name">The name must use lower-case letters"##),
        "{page}"
    );
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/check"),
            "name=seattle",
            true,
        )
        .await,
    )
    .await;
    assert!(page.contains("The profile seattle is saved"), "{page}");
    let saved = w._dir.path().join("profiles/seattle.toml");
    let made = callaudit_ingest::Profile::load(&saved).unwrap();
    let hand = callaudit_ingest::Profile::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/seattle-cad.toml"),
    )
    .unwrap();
    let read = |p: &callaudit_ingest::Profile| {
        callaudit_ingest::pool::read_pool_vec(
            callaudit_ingest::pool::Input::CsvBytes(csv.as_bytes()),
            p,
        )
        .unwrap()
    };
    assert_eq!(read(&made), read(&hand));
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/check"),
            "name=seattle",
            true,
        )
        .await,
    )
    .await;
    assert!(
        page.contains(r##"<a href="#name">A profile of this name is saved already"##),
        "{page}"
    );

    // Imported with it: every call, and the mapping is then forgotten.
    let page = text(
        w.post(
            "coordinator",
            &format!("{base}/import"),
            "name=seattle",
            true,
        )
        .await,
    )
    .await;
    assert!(
        page.contains("export.csv imported: 222 added, 0 unchanged"),
        "{page}"
    );
    assert_eq!(w.store.count_calls(force).await.unwrap(), before + 222);
    assert_eq!(
        w.get(Some("coordinator"), &format!("{base}/check"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_mapping_is_its_coordinators_alone() {
    let mut w = world().await;
    let res = upload_to(&w, "/pool/map", "coordinator", &seattle_export(), true, "").await;
    let base = location(&res).trim_end_matches("/columns").to_string();
    assert!(base.starts_with("/pool/map/"), "{base}");
    add_signed_in(&mut w, "coordinator2", Role::Coordinator, "t").await;
    for step in ["columns", "values", "dates", "check"] {
        let path = format!("{base}/{step}");
        assert_eq!(
            w.get(Some("coordinator"), &path).await.status(),
            StatusCode::OK,
            "{step}"
        );
        // Another coordinator of the same force, or of another, finds nothing there.
        for who in ["coordinator2", "stranger"] {
            assert_eq!(
                w.get(Some(who), &path).await.status(),
                StatusCode::NOT_FOUND,
                "{who} {step}"
            );
        }
        for who in ["auditor", "facilitator", "lead", "viewer", "admin"] {
            assert_eq!(
                w.get(Some(who), &path).await.status(),
                StatusCode::FORBIDDEN,
                "{who} {step}"
            );
        }
        // Without the form's token nothing is changed.
        assert_eq!(
            w.post("coordinator", &path, "name=x", false).await.status(),
            StatusCode::FORBIDDEN,
            "{step}"
        );
    }
    for who in ["auditor", "facilitator", "viewer", "admin"] {
        assert_eq!(
            upload_to(&w, "/pool/map", who, "a,b\n1,2\n", true, "")
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    // A token that is not one, or names another file, is not found.
    for path in [
        "/pool/map/abc/columns",
        "/pool/map/..%2F..%2Fetc%2Fpasswd/columns",
    ] {
        assert_eq!(
            w.get(Some("coordinator"), path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // An upload that is no table is refused on the first page with its reason, as typed.
    let page = text(upload_to(&w, "/pool/map", "coordinator", "", true, "").await).await;
    assert!(
        page.contains(r##"<a href="#file">Select the export file"##),
        "{page}"
    );
}
