//! Calibration, route by route: a session planned from the reference calls, scored, finished and
//! compared with the agreed answers; who may see it; what it leaves out of the figures; the
//! library's rule; and rewording a question as a new version.

use axum::http::{StatusCode, header};
use callaudit_domain::audit::SessionStatus;
use callaudit_domain::template::{Answer, ProgrammeKind};
use http_body_util::BodyExt;

mod support;
use support::*;

/// Closes the open session and keeps its first two calls as references, every question agreed
/// "yes" and the greeting with a reason. Returns the reference ids.
async fn references(w: &World) -> Vec<i64> {
    let calls = w.store.session_calls(w.open).await.unwrap();
    let template = w.store.template(w.programme).await.unwrap();
    let mut tx = w.store.begin("test").await.unwrap();
    tx.set_session_status(w.open, SessionStatus::Closed)
        .await
        .unwrap();
    let agreed: Vec<(String, Answer, String)> = template
        .questions
        .iter()
        .map(|q| {
            let why = match q.code.as_str() {
                "greeting" => "Named the force and asked how to help",
                _ => "",
            };
            (q.code.clone(), Answer::Yes, why.to_string())
        })
        .collect();
    for c in &calls[..2] {
        tx.mark_reference(
            c.id,
            "good",
            "Calm throughout",
            w.ids["coordinator"],
            &agreed,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    calls[..2].iter().map(|c| c.id).collect()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn date_fields(name: &str, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{name}-day={}&{name}-month={}&{name}-year={}",
        d.day(),
        d.month(),
        d.year()
    )
}

#[tokio::test]
async fn a_calibration_session_is_scored_finished_and_compared_by_its_volunteer_alone() {
    let w = world().await;
    let refs = references(&w).await;
    let force = w.store.resolve_force(Some("t")).await.unwrap().id;
    let year = callaudit_domain::time::financial_year(today());
    let (from, to) = callaudit_reports::annual::year_bounds(year);
    let before = w
        .store
        .answers_between(force, ProgrammeKind::CallAudit, from, to)
        .await
        .unwrap()
        .len();

    // The form is the coordinator's, and offers each reference that can still be heard.
    let form = text(w.get(Some("coordinator"), "/calibration/new").await).await;
    for r in &refs {
        assert!(form.contains(&format!("id=\"reference-{r}\"")), "{form}");
    }
    for who in ["auditor", "facilitator", "lead", "viewer", "registrar"] {
        assert_eq!(
            w.get(Some(who), "/calibration/new").await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        let body = format!("how=chosen&reference={}", refs[0]);
        assert_eq!(
            w.post(who, "/calibration/new", &body, true).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    // Every problem at once, each linked to its field; nothing planned.
    let res = w
        .post(
            "coordinator",
            "/calibration/new",
            "how=random&count=9",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(page.contains("<a href=\"#held_on-day\">"), "{page}");
    assert!(
        page.contains(&format!(
            "<a href=\"#panel-{}\">Select at least one auditor to take part</a>",
            w.ids["auditor"]
        )),
        "{page}"
    );
    assert!(
        page.contains(
            "<a href=\"#count\">Enter how many calls to draw, a whole number from 1 to 2</a>"
        ),
        "{page}"
    );
    assert!(page.contains("value=\"9\""), "kept as typed");
    let sessions_before = w.store.sessions(force).await.unwrap().len();
    // Planned from the chosen references, open at once.
    let body = format!(
        "{}&panel={}&how=chosen&reference={}&reference={}",
        date_fields("held_on", today()),
        w.ids["auditor"],
        refs[1],
        refs[0]
    );
    let res = w.post("coordinator", "/calibration/new", &body, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    let id = planned_session(&res);
    assert_eq!(
        w.store.sessions(force).await.unwrap().len(),
        sessions_before + 1
    );
    let session = w.store.session(id).await.unwrap();
    assert!(session.calibration);
    assert_eq!(session.status, SessionStatus::Open);
    let calls = w.store.session_calls(id).await.unwrap();
    assert_eq!(calls.len(), 2);
    let originals = w.store.session_calls(w.open).await.unwrap();
    assert_eq!(
        calls[0].call_ref, originals[1].call_ref,
        "in the order ticked on the form, refs[1] first"
    );

    // Only the coordinator and the volunteer on it see it.
    let page = text(w.get(Some("auditor"), &format!("/sessions/{id}")).await).await;
    assert!(page.contains(": calibration</h1>"), "{page}");
    for who in [
        "auditor2",
        "facilitator",
        "lead",
        "viewer",
        "registrar",
        "stranger",
    ] {
        let status = w.get(Some(who), &format!("/sessions/{id}")).await.status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{who}: {status}"
        );
    }
    let listed = text(w.get(Some("auditor"), "/sessions").await).await;
    assert!(listed.contains("Calibration: reference calls"), "{listed}");

    // Finishing with questions unanswered is refused, saying what to do.
    let res = w
        .post("auditor", &format!("/sessions/{id}/finish"), "", true)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(text(res).await.contains("still unanswered"));
    // Before finishing, the comparison sends the volunteer to their answers.
    let res = w
        .get(Some("auditor"), &format!("/sessions/{id}/comparison"))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/sessions/{id}/answers").as_str()
    );
    // The scoring page asks the questions but no category.
    let score = text(
        w.get(Some("auditor"), &format!("/sessions/{id}/calls/1"))
            .await,
    )
    .await;
    assert!(score.contains("name=\"q_greeting\""), "{score}");
    assert!(!score.contains("name=\"category\""), "{score}");
    // Every question answered "yes", but the greeting on the first call "no".
    let template = w.store.template(w.programme).await.unwrap();
    for n in 1..=2 {
        let mut form = String::from("go=stay");
        for q in &template.questions {
            let a = if n == 1 && q.code == "greeting" {
                "no"
            } else {
                "yes"
            };
            form.push_str(&format!("&q_{}={a}", q.code));
        }
        let res = w
            .post("auditor", &format!("/sessions/{id}/calls/{n}"), &form, true)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    }
    let answers = text(
        w.get(Some("auditor"), &format!("/sessions/{id}/answers"))
            .await,
    )
    .await;
    assert!(
        answers.contains("I have finished: show my comparison"),
        "{answers}"
    );
    let res = w
        .post("auditor", &format!("/sessions/{id}/finish"), "", true)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[header::LOCATION],
        format!("/sessions/{id}/comparison").as_str()
    );
    let n = 2 * template.questions.len();
    let mine = text(
        w.get(Some("auditor"), &format!("/sessions/{id}/comparison"))
            .await,
    )
    .await;
    assert!(
        mine.contains(&format!("{} of {n} answers (", n - 1)),
        "{mine}"
    );
    assert!(
        mine.contains("<td>No</td><td>Yes</td>\n    <td><strong class=\"tag tag-red\">Different</strong></td>\n    <td>Named the force and asked how to help</td>"),
        "{mine}"
    );
    // Once finished, the answers are fixed.
    let res = w
        .post(
            "auditor",
            &format!("/sessions/{id}/calls/1"),
            "go=stay&q_greeting=yes",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The coordinator sees each volunteer's, and nobody else does.
    let theirs = text(
        w.get(
            Some("coordinator"),
            &format!("/sessions/{id}/comparison?auditor={}", w.ids["auditor"]),
        )
        .await,
    )
    .await;
    assert!(
        theirs.contains("auditor's answers beside the agreed answers"),
        "{theirs}"
    );
    let overview = text(w.get(Some("coordinator"), &format!("/sessions/{id}")).await).await;
    assert!(
        overview.contains(&format!("{} of {n} answers (", n - 1)),
        "{overview}"
    );
    for who in ["auditor2", "facilitator", "lead", "viewer"] {
        let status = w
            .get(Some(who), &format!("/sessions/{id}/comparison"))
            .await
            .status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{who}: {status}"
        );
    }
    // A volunteer asking for someone else's gets their own.
    let asked = text(
        w.get(
            Some("auditor"),
            &format!("/sessions/{id}/comparison?auditor={}", w.ids["auditor2"]),
        )
        .await,
    )
    .await;
    assert!(
        asked.contains("Your answers beside the agreed answers"),
        "{asked}"
    );

    // Training: counted on the record, left out of every audit figure.
    let record = text(
        w.get(
            Some("coordinator"),
            &format!("/auditors/{}", w.ids["auditor"]),
        )
        .await,
    )
    .await;
    assert!(
        record.contains("<dt>Calibration sessions taken</dt><dd>1</dd>"),
        "{record}"
    );
    assert_eq!(
        w.store
            .answers_between(force, ProgrammeKind::CallAudit, from, to)
            .await
            .unwrap()
            .len(),
        before,
        "no calibration answer among the year's audit answers"
    );
    let summary = w.store.summary(force).await.unwrap();
    assert_eq!(summary.sessions, 2, "the two audit sessions only");
    // The agreement page has the volunteer's calibration, linked to the comparison.
    let agreement = text(
        w.get(
            Some("coordinator"),
            &format!("/auditors/agreement?year={year}"),
        )
        .await,
    )
    .await;
    assert!(
        agreement.contains(&format!(
            "href=\"/sessions/{id}/comparison?auditor={}\"",
            w.ids["auditor"]
        )),
        "{agreement}"
    );
    // And the annual report's volunteer section says it as a whole, naming nobody.
    let report = callaudit_reports::annual::compute(
        &callaudit_reports::annual::load(
            &w.store,
            &w.store.resolve_force(Some("t")).await.unwrap(),
            year,
        )
        .await
        .unwrap(),
    );
    assert!(
        report
            .volunteers
            .calibration
            .starts_with("1 auditor scored reference calls in 1 calibration session"),
        "{}",
        report.volunteers.calibration
    );
    let history = w.store.history(50).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.entity == "session" && h.entity_id == Some(id) && h.action == "finish")
    );
}

#[tokio::test]
async fn a_calibration_session_is_drawn_at_random_among_references_still_heard() {
    let w = world().await;
    let refs = references(&w).await;
    let body = format!(
        "{}&panel={}&panel={}&how=random&count=1",
        date_fields("held_on", today()),
        w.ids["auditor"],
        w.ids["auditor2"]
    );
    let res = w.post("coordinator", "/calibration/new", &body, true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    let id = planned_session(&res);
    let calls = w.store.session_calls(id).await.unwrap();
    assert_eq!(calls.len(), 1);
    let originals = w.store.session_calls(w.open).await.unwrap();
    assert!(
        originals[..2]
            .iter()
            .any(|o| o.call_ref == calls[0].call_ref),
        "drawn among {refs:?}"
    );
    // Once the references' recordings are removed under retention, none can be heard again.
    let mut tx = w.store.begin("test").await.unwrap();
    tx.set_retention(w.programme, "recordings", Some(0))
        .await
        .unwrap();
    tx.apply_retention(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        w.store.recordings_removed(id).await.unwrap(),
        "the calibration session's too"
    );
    let form = text(w.get(Some("coordinator"), "/calibration/new").await).await;
    assert!(
        form.contains("There are no reference calls to hear yet")
            && form.contains("2 kept reference calls can no longer be heard"),
        "{form}"
    );
    let res = w.post("coordinator", "/calibration/new", &body, true).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_library_shows_what_the_programme_allows_and_plays_only_then() {
    let w = world().await;
    let refs = references(&w).await;
    let path = format!("/references/{}/recording", refs[0]);
    // By default: text only, and the recording is refused.
    let library = text(w.get(Some("auditor"), "/references").await).await;
    assert!(!library.contains("<audio"), "{library}");
    assert_eq!(
        w.get(Some("auditor"), &path).await.status(),
        StatusCode::FORBIDDEN
    );
    // The coordinator allows the recording on the programme page.
    let programmes = text(w.get(Some("coordinator"), "/programmes").await).await;
    assert!(
        programmes.contains("name=\"library_shows\" value=\"text\" checked"),
        "{programmes}"
    );
    let res = w
        .post(
            "coordinator",
            &format!("/programmes/{}", w.programme),
            "max_sample=10&library_shows=recording",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    assert_eq!(
        w.store.programme(w.programme).await.unwrap().library_shows,
        "recording"
    );
    let library = text(w.get(Some("auditor"), "/references").await).await;
    assert!(library.contains(&format!("src=\"{path}\"")), "{library}");
    let res = w.get(Some("auditor"), &path).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        body.as_ref(),
        recording_bytes().as_slice(),
        "the recording itself"
    );
    for who in ["facilitator", "lead", "viewer"] {
        assert_eq!(
            w.get(Some(who), &path).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
    }
    assert_eq!(
        w.get(Some("stranger"), &path).await.status(),
        StatusCode::NOT_FOUND
    );
    // A volunteer whose vetting has ended reads the text only, and is refused the recording.
    let mut tx = w.store.begin("test").await.unwrap();
    let lapsed = callaudit_domain::training::Training {
        agreement_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 10),
        vetted_on: chrono::NaiveDate::from_ymd_opt(2023, 12, 1),
        vetting_expires_on: chrono::NaiveDate::from_ymd_opt(2024, 12, 1),
        ..Default::default()
    };
    tx.set_training(w.ids["auditor2"], &lapsed).await.unwrap();
    tx.commit().await.unwrap();
    let theirs = text(w.get(Some("auditor2"), "/references").await).await;
    assert!(
        theirs.contains("Calm throughout") && !theirs.contains("<audio"),
        "{theirs}"
    );
    assert_eq!(
        w.get(Some("auditor2"), &path).await.status(),
        StatusCode::FORBIDDEN
    );
    // A made-up rule is refused with the reason.
    let res = w
        .post(
            "coordinator",
            &format!("/programmes/{}", w.programme),
            "max_sample=10&library_shows=everything",
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_reworded_question_is_a_new_version_asked_from_its_day() {
    let w = world().await;
    let path = format!("/programmes/{}/questions/greeting", w.programme);
    let form = text(w.get(Some("coordinator"), &path).await).await;
    assert!(form.contains("In use now:"), "{form}");
    for who in ["auditor", "facilitator", "lead", "stranger"] {
        let status = w.get(Some(who), &path).await.status();
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{who}: {status}"
        );
    }
    // Unchanged, and no date: both said, linked; nothing changed.
    let old = w.store.template(w.programme).await.unwrap().questions[0]
        .text
        .clone();
    let res = w
        .post(
            "coordinator",
            &path,
            &format!("text={}", form_encode(&old)),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = text(res).await;
    assert!(
        page.contains("<a href=\"#text\">The new wording is the same"),
        "{page}"
    );
    assert!(page.contains("<a href=\"#from_on-day\">"), "{page}");
    // Reworded from tomorrow: the open session of 2024 keeps asking the old wording.
    let tomorrow = today() + chrono::Duration::days(1);
    let res = w
        .post(
            "coordinator",
            &path,
            &format!(
                "text=Did+the+call+handler+greet+the+caller+by+naming+the+force%3F&reason=Read+unalike&{}",
                date_fields("from_on", tomorrow)
            ),
            true,
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", text(res).await);
    let saved = text(w.get(Some("coordinator"), &format!("{path}?saved=2")).await).await;
    assert!(saved.contains("version 2"), "{saved}");
    assert!(saved.contains("Read unalike"), "{saved}");
    let versions = w.store.question_versions(w.programme).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].text, old);
    assert_eq!(versions[1].from_on, Some(tomorrow));
    let score = text(
        w.get(Some("auditor"), &format!("/sessions/{}/calls/1", w.open))
            .await,
    )
    .await;
    assert!(score.contains(&old), "{score}");
    assert!(!score.contains("by naming the force?"), "{score}");
    // So do the panel view and the session report of that session.
    let panel = text(
        w.get(
            Some("facilitator"),
            &format!("/sessions/{}/panel/1", w.open),
        )
        .await,
    )
    .await;
    assert!(
        panel.contains(&old) && !panel.contains("by naming the force?"),
        "{panel}"
    );
    let force = w.store.resolve_force(Some("t")).await.unwrap();
    let data = callaudit_reports::session::load(&w.store, &force, w.open)
        .await
        .unwrap();
    assert_eq!(data.template.questions[0].text, old);
    // A session held from the new wording's day asks the new one.
    let later = w.store.template_on(w.programme, tomorrow).await.unwrap();
    assert!(later.questions[0].text.ends_with("by naming the force?"));
    assert!(
        w.store
            .history(10)
            .await
            .unwrap()
            .iter()
            .any(|h| h.action == "reword")
    );
}
