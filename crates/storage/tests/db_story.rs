//! The storage suite, told as stories. Every story runs against SQLite (a fresh file) and, when
//! `CALLAUDIT_TEST_POSTGRES_URL` names a server, against PostgreSQL in a fresh schema.

use std::collections::BTreeMap;

use callaudit_domain::audit::{AuditedCall, Role, SessionStatus};
use callaudit_domain::call::{CallRef, Channel, PoolCall, Resolution, Satisfaction};
use callaudit_domain::performance::CallTimes;
use callaudit_domain::sampling::{self, DrawSpec, commit, draw};
use callaudit_domain::template::{Answer, Category, ProgrammeKind};
use callaudit_storage::sessions::{NewAction, Outcome, Response};
use callaudit_storage::{Backend, Store, StoreError};
use chrono::NaiveDate;

/// A store per backend, each empty. The temp dir keeps the SQLite file alive for the test.
async fn stores() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
    let mut out = vec![(Store::connect(&url).await.unwrap(), Some(dir))];
    if let Ok(pg) = std::env::var("CALLAUDIT_TEST_POSTGRES_URL") {
        let schema = format!(
            "t_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let admin = sqlx::PgPool::connect(&pg)
            .await
            .expect("CALLAUDIT_TEST_POSTGRES_URL must name a reachable server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        out.push((
            Store::connect_with_schema(&pg, Some(&schema))
                .await
                .unwrap(),
            None,
        ));
    } else if std::env::var("CI").is_ok() {
        panic!("CI must set CALLAUDIT_TEST_POSTGRES_URL so that PostgreSQL is tested too");
    }
    out
}

fn call(id: &str, channel: Channel, kind: &str) -> PoolCall {
    PoolCall {
        call_ref: CallRef::parse(id).unwrap(),
        started_at: "2024-05-01T09:30:00Z".parse().unwrap(),
        channel,
        incident_type: kind.into(),
        handler: Some("H1".into()),
        answer_s: Some(4),
        duration_s: Some(300),
        abandoned: Some(false),
        grade: Some("PRIORITY".into()),
        area: None,
        training: false,
        recording: Some("2024/05/a.wav".into()),
        details: Default::default(),
    }
}

async fn import(
    store: &Store,
    force: i64,
    calls: &[PoolCall],
) -> Result<(u64, u64, usize), StoreError> {
    let mut tx = store.begin("test").await?;
    let o = tx.import_pool(force, "pool.csv", "00", calls).await?;
    if o.conflicts.is_empty() {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok((o.added, o.unchanged, o.conflicts.len()))
}

async fn force(store: &Store) -> i64 {
    let mut tx = store.begin("test").await.unwrap();
    let id = tx.ensure_force("demo", "Demoshire Police").await.unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let stores = stores().await;
    let schemas: Vec<BTreeMap<_, _>> = {
        let mut v = Vec::new();
        for (s, _) in &stores {
            v.push(s.table_columns().await.unwrap());
        }
        v
    };
    assert!(schemas[0].contains_key("calls") && schemas[0].contains_key("history"));
    assert_eq!(
        schemas[0].len(),
        41,
        "tables: {:?}",
        schemas[0].keys().collect::<Vec<_>>()
    );
    for other in &schemas[1..] {
        assert_eq!(
            &schemas[0], other,
            "SQLite and PostgreSQL schemas have drifted apart"
        );
    }
}

#[tokio::test]
async fn importing_the_same_pool_twice_changes_nothing_and_a_changed_call_is_refused() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let calls = vec![
            call("A1", Channel::Emergency, "ASB"),
            call("A2", Channel::NonEmergency, "BURGLARY"),
        ];
        assert_eq!(import(&store, f, &calls).await.unwrap(), (2, 0, 0));
        assert_eq!(
            import(&store, f, &calls).await.unwrap(),
            (0, 2, 0),
            "{:?}",
            store.backend()
        );

        let mut changed = calls.clone();
        changed[1].incident_type = "ROBBERY".into();
        changed.push(call("A3", Channel::Emergency, "ASB"));
        assert_eq!(import(&store, f, &changed).await.unwrap(), (1, 1, 1));
        assert_eq!(
            store.count_calls(f).await.unwrap(),
            2,
            "the refused import left nothing behind"
        );

        let pool = store.pool(f).await.unwrap();
        let a1 = pool.iter().find(|c| c.call_ref.as_str() == "A1").unwrap();
        assert_eq!(a1, &calls[0], "a call reads back exactly as imported");
    }
}

#[tokio::test]
async fn text_the_bulk_path_must_escape_comes_back_as_it_went_in() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let mut odd = call("C\\1", Channel::Emergency, r"ASB \N \\ \t");
        odd.area = Some("Bishop's \"Old\" Town, é".into());
        odd.handler = None;
        odd.details.caller = Some(r"\".into());
        let plain = call("C2", Channel::NonEmergency, "ASB");
        import(&store, f, &[odd.clone(), plain.clone()])
            .await
            .unwrap();
        let mut back = store.pool(f).await.unwrap();
        back.sort_by(|a, b| a.call_ref.cmp(&b.call_ref));
        assert_eq!(back, vec![plain, odd.clone()]);
        // The same again is unchanged, found by the comparison path.
        assert_eq!(import(&store, f, &[odd]).await.unwrap(), (0, 1, 0));
    }
}

#[tokio::test]
async fn a_later_export_fills_in_what_an_earlier_one_left_empty_and_never_changes_it() {
    use callaudit_domain::call::{CallDetails, Resolution, Satisfaction};
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let mut first = call("D1", Channel::Emergency, "ASB");
        first.details.caller = Some("c-1".into());
        import(&store, f, std::slice::from_ref(&first))
            .await
            .unwrap();

        // The arrival and the survey came in after the first export was taken; the second export
        // leaves the caller out.
        let mut later = first.clone();
        later.details = CallDetails {
            arrived_at: Some("2024-05-01T09:41:00Z".parse().unwrap()),
            resolution: Some(Resolution::Deployed),
            caller: None,
            incident_ref: Some("INC-9".into()),
            satisfaction: Some(Satisfaction::Neutral),
        };
        let mut tx = store.begin("test").await.unwrap();
        let o = tx
            .import_pool(f, "later.csv", "01", std::slice::from_ref(&later))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((o.added, o.filled, o.unchanged), (0, 1, 0));
        let held = store.pool(f).await.unwrap().remove(0);
        assert_eq!(
            held.details,
            CallDetails {
                caller: Some("c-1".into()),
                ..later.details.clone()
            },
            "{:?}: filled in, and the caller the later file left out kept",
            store.backend()
        );
        assert_eq!(
            import(&store, f, &[later.clone()]).await.unwrap(),
            (0, 1, 0)
        );

        let mut changed = later.clone();
        changed.details.arrived_at = Some("2024-05-01T09:50:00Z".parse().unwrap());
        let mut tx = store.begin("test").await.unwrap();
        let o = tx
            .import_pool(f, "changed.csv", "02", &[changed])
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(o.conflicts.len(), 1);
        assert_eq!(o.conflicts[0].field, "arrived_at");
        assert_eq!(
            store.pool(f).await.unwrap()[0].details.arrived_at,
            later.details.arrived_at
        );
    }
}

#[tokio::test]
async fn a_day_below_the_forces_own_total_is_found_and_totals_are_replaced() {
    use callaudit_domain::completeness::Gap;
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        // One call on 1 May 2024 (10:30 UK time).
        import(&store, f, &[call("T1", Channel::Emergency, "ASB")])
            .await
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let mut tx = store.begin("test").await.unwrap();
        tx.set_published_totals(f, &[(day, 4)]).await.unwrap();
        tx.set_published_totals(f, &[(day, 3)]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.published_totals(f).await.unwrap(), [(day, 3)]);
        let gaps = store.completeness(f, day, day).await.unwrap();
        assert_eq!(
            gaps,
            [Gap::BelowPublished {
                day,
                calls: 1,
                published: 3
            }],
            "{:?}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn the_history_is_append_only() {
    for (store, _keep) in stores().await {
        force(&store).await;
        let entries = store.history(10).await.unwrap();
        assert_eq!(entries[0].entity, "force");
        assert_eq!(entries[0].actor, "test");
        let tx = store.begin("vandal").await.unwrap();
        let err = tx.rollback_after(sqlx_update_history()).await;
        assert!(
            err.contains("history is append-only"),
            "{:?}: {err}",
            store.backend()
        );
    }
}

fn sqlx_update_history() -> &'static str {
    "UPDATE history SET actor = 'someone else'"
}

trait RawExec {
    async fn rollback_after(self, sql: &'static str) -> String;
}

impl RawExec for callaudit_storage::Tx {
    async fn rollback_after(mut self, sql: &'static str) -> String {
        let r = self.execute_raw(sql).await;
        let _ = self.rollback().await;
        match r {
            Ok(_) => "the update went through".into(),
            Err(e) => e.to_string(),
        }
    }
}

#[tokio::test]
async fn a_draw_is_committed_before_the_seed_and_made_once() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let calls: Vec<PoolCall> = (0..30)
            .map(|i| call(&format!("C{i:02}"), Channel::Emergency, "ASB"))
            .collect();
        import(&store, f, &calls).await.unwrap();
        // Read on every session page: on PostgreSQL it once failed to decode.
        assert!(store.pool_has_recordings(f).await.unwrap());
        let mut tx = store.begin("coordinator@example.org").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let session = tx
            .create_session(
                prog,
                NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
                "",
                SessionStatus::Planned,
                "live",
            )
            .await
            .unwrap();
        let pool = store.pool(f).await.unwrap();
        let spec = DrawSpec::new(10).validate(10).unwrap();
        let c = commit(&pool, &spec);
        // Drawing before committing is refused.
        let record = draw(&pool, &spec, "panel seed");
        assert!(matches!(
            tx.record_draw(session, f, &record, &pool).await,
            Err(StoreError::Conflict(_))
        ));
        tx.commit_pool(session, &c).await.unwrap();
        tx.record_draw(session, f, &record, &pool).await.unwrap();
        assert!(
            matches!(
                tx.record_draw(session, f, &record, &pool).await,
                Err(StoreError::Conflict(_))
            ),
            "only one draw"
        );
        assert!(
            matches!(
                tx.commit_pool(session, &c).await,
                Err(StoreError::Conflict(_))
            ),
            "the commitment is frozen"
        );
        tx.commit().await.unwrap();

        let stored = store.draw(session).await.unwrap().unwrap();
        assert_eq!(stored.commitment.pool_digest, c.pool_digest);
        assert_eq!(stored.record.as_ref(), Some(&record));
        let in_session: Vec<String> = store
            .session_calls(session)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.call_ref)
            .collect();
        let drawn: Vec<String> = record.calls.iter().map(|c| c.to_string()).collect();
        assert_eq!(in_session, drawn);
        assert_eq!(store.audited_refs(f).await.unwrap().len(), 10);
    }
}

#[tokio::test]
async fn a_stored_pool_is_committed_drawn_and_verified_in_passes_as_the_whole_pool_is() {
    use callaudit_domain::sampling::{Stratum, StratumBy};
    use callaudit_storage::draws::StoredDraw;
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let other = {
            let mut tx = store.begin("test").await.unwrap();
            let id = tx.ensure_force("other", "OtherSHIRE").await.unwrap();
            tx.commit().await.unwrap();
            id
        };
        // References whose byte order is not a locale's (capitals before small letters, a
        // punctuation mark first), callers who ring again, few handlers, some training calls.
        let start: chrono::DateTime<chrono::Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
        let calls: Vec<PoolCall> = (0..3000)
            .map(|i| {
                let prefix = ["a", "B", "b", "_", "Z"][i % 5];
                let mut c = call(&format!("{prefix}{i}"), Channel::Emergency, "ASB");
                c.channel = [Channel::Emergency, Channel::NonEmergency][i % 2];
                c.started_at = start + chrono::Duration::hours(i as i64 % 700);
                c.handler = Some(format!("H{}", i % 7));
                c.grade = Some(["IMMEDIATE", "PRIORITY"][i % 3 % 2].into());
                c.training = i % 97 == 0;
                c.details.caller = Some(format!("K{}", i % 900));
                c
            })
            .collect();
        import(&store, f, &calls).await.unwrap();
        import(&store, other, &calls[..50]).await.unwrap();
        let mut spec = DrawSpec::new(20);
        spec.max_per_handler = Some(2);
        spec.quotas = BTreeMap::from([(Channel::NonEmergency, 4)]);
        spec.strata = vec![
            Stratum {
                by: StratumBy::RepeatCallers,
                value: None,
                calls: 3,
            },
            Stratum {
                by: StratumBy::Grade,
                value: Some("immediate".into()),
                calls: 2,
            },
        ];
        let spec = spec.validate(50).unwrap();
        let c = store.commit_stored(f, &spec).await.unwrap();
        assert_eq!(c, commit(&calls, &spec));
        let whole = draw(&calls, &spec, "seed");
        // Seven handlers at two calls each leave places unfilled, so the first pass runs out of
        // kept calls and is made again.
        assert_eq!(whole.calls.len(), 11, "{:?}", whole.shortfalls);
        assert!(whole.shortfalls[0].contains("11 places were open but only 2"));
        let drawn = match store
            .draw_stored(f, &spec, &c.pool_digest, "seed")
            .await
            .unwrap()
        {
            StoredDraw::Drawn(d) => d,
            StoredDraw::Changed { .. } => panic!("the pool did not change"),
        };
        assert_eq!(drawn.record, whole);
        assert_eq!(store.verify_stored(f, &whole).await.unwrap(), Ok(()));
        let mut edited = whole.clone();
        edited.calls.swap(0, 1);
        assert!(matches!(
            store.verify_stored(f, &edited).await.unwrap(),
            Err(sampling::VerifyError::SelectionDiffers { .. })
        ));
        // A call added after the commitment: the pool digests differently and nothing is drawn.
        import(&store, f, &[call("a99999", Channel::Emergency, "ASB")])
            .await
            .unwrap();
        assert!(matches!(
            store
                .draw_stored(f, &spec, &c.pool_digest, "seed")
                .await
                .unwrap(),
            StoredDraw::Changed { eligible: 2970, .. }
        ));
        assert!(matches!(
            store.verify_stored(f, &whole).await.unwrap(),
            Err(sampling::VerifyError::PoolChanged { .. })
        ));
    }
}

#[tokio::test]
async fn a_session_runs_from_answers_to_actions() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let calls = vec![call("S1", Channel::Emergency, "HATE CRIME")];
        import(&store, f, &calls).await.unwrap();
        let mut tx = store.begin("coordinator@example.org").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        tx.commit().await.unwrap();
        // Until the first answer, the questions and areas can be replaced.
        assert!(!store.programme_in_use(prog).await.unwrap());
        let reference = store.template(prog).await.unwrap();
        let mut tx = store.begin("coordinator@example.org").await.unwrap();
        tx.set_questions_and_areas(prog, &reference.questions[..3], &reference.areas)
            .await
            .unwrap();
        tx.set_questions_and_areas(prog, &reference.questions, &reference.areas)
            .await
            .unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 6, 21).unwrap();
        let s = tx
            .create_session(prog, day, "HATE CRIME", SessionStatus::Open, "live")
            .await
            .unwrap();
        let ann = tx
            .add_person(Some(f), "Ann", "ann@example.org", Role::Auditor)
            .await
            .unwrap();
        assert!(matches!(
            tx.add_person(Some(f), "Ann", "ann@example.org", Role::Auditor)
                .await,
            Err(StoreError::Conflict(_))
        ));
        tx.add_panel_member(s, ann).await.unwrap();
        let sc = tx.add_session_call(s, 1, &calls[0], None).await.unwrap();
        tx.save_answer(sc, ann, "empathy", Answer::Partly, "")
            .await
            .unwrap();
        tx.save_answer(sc, ann, "empathy", Answer::No, "rushed")
            .await
            .unwrap();
        tx.save_proposal(sc, ann, Category::Suggestions, &["empathy".into()])
            .await
            .unwrap();
        // From the first answer on, they are fixed.
        assert!(matches!(
            tx.set_questions_and_areas(prog, &reference.questions[..1], &[])
                .await,
            Err(StoreError::Conflict(_))
        ));
        let outcome = Outcome {
            category: Category::Suggestions,
            areas: vec!["empathy".into(), "reassurance".into()],
            comments: "Caller not reassured".into(),
            learning_points: "Acknowledge distress".into(),
            good_practice: false,
        };
        tx.save_outcome(sc, &outcome).await.unwrap();
        let issue = tx
            .raise_issue(sc, Some("empathy"), "Handler did not acknowledge distress")
            .await
            .unwrap();
        tx.respond(
            issue,
            &Response {
                response: "Reviewed with the handler".into(),
                action_taken: "Refresher on empathy".into(),
                escalated_to: "Control room leadership".into(),
                feedback_kind: Some("developmental".into()),
                feedback_relayed_on: Some(day),
                responded_by: None,
            },
        )
        .await
        .unwrap();
        let a1 = tx
            .add_action(
                f,
                day,
                &NewAction {
                    text: "Hate crime QA dip sample".into(),
                    owner: "FCC QA".into(),
                    due_on: None,
                    session_id: Some(s),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let a2 = tx
            .add_action(
                f,
                day,
                &NewAction {
                    text: "Report back".into(),
                    owner: "OPCC".into(),
                    due_on: None,
                    session_id: None,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((a1.as_str(), a2.as_str()), ("2024/01", "2024/02"));
        tx.set_action_status(f, "2024/01", "done", Some(day))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let sum = store.summary(f).await.unwrap();
        assert_eq!(sum.answers, 1, "the second answer replaced the first");
        assert_eq!(sum.outcomes, [("suggestions".to_string(), 1)]);
        assert_eq!(
            sum.areas,
            [("empathy".to_string(), 1), ("reassurance".to_string(), 1)]
        );
        assert_eq!((sum.issues, sum.issues_answered), (1, 1));
        assert_eq!(
            sum.actions_by_status,
            [("done".to_string(), 1), ("open".to_string(), 1)]
        );
        // What reports read, on both engines: the outcome with its areas joined, the answers, the
        // issue with its response, the open action, scoped by programme kind and date.
        let (from, to) = (
            NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(2025, 3, 31).unwrap(),
        );
        let outcomes = store
            .outcomes_between(f, ProgrammeKind::CallAudit, from, to)
            .await
            .unwrap();
        assert_eq!(outcomes.len(), 1);
        assert_eq!(
            (outcomes[0].category.code(), outcomes[0].areas.as_str()),
            ("suggestions", "empathy;reassurance")
        );
        assert_eq!(
            store
                .audits_between(f, ProgrammeKind::CallAudit, from, to)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .answers_between(f, ProgrammeKind::CallAudit, from, to)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .proposals_between(f, ProgrammeKind::CallAudit, from, to)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .records_between(f, ProgrammeKind::CallAudit, from, to)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            store
                .records_between(f, ProgrammeKind::CrimeDataIntegrity, from, to)
                .await
                .unwrap()
                .is_empty(),
            "other kinds stay out"
        );
        let later = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
        assert!(
            store
                .outcomes_between(f, ProgrammeKind::CallAudit, later, to)
                .await
                .unwrap()
                .is_empty(),
            "the date bounds hold"
        );
        let in_session = store.session_outcomes(s).await.unwrap();
        assert_eq!(in_session[0].areas, "empathy;reassurance");
        let issues = store.session_issues(s).await.unwrap();
        assert_eq!(
            (issues[0].response.as_deref(), issues[0].feedback_relayed_on),
            (Some("Reviewed with the handler"), Some(day))
        );
        let open = store.open_actions(f).await.unwrap();
        assert_eq!(
            open.iter()
                .map(|a| a.reference.as_str())
                .collect::<Vec<_>>(),
            ["2024/02"]
        );
        assert_eq!(store.panel_size(s).await.unwrap(), 1);
        let mut tx = store.begin("coordinator@example.org").await.unwrap();
        tx.set_report_text(f, 2024, "year-ahead", "First")
            .await
            .unwrap();
        tx.set_report_text(f, 2024, "year-ahead", "Second")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.report_text(f, 2024, "year-ahead").await.unwrap(),
            "Second"
        );
        assert_eq!(
            store.report_text(f, 2024, "force-response").await.unwrap(),
            ""
        );

        assert!(store.programme_in_use(prog).await.unwrap());
        assert_eq!(store.template(prog).await.unwrap(), reference);

        // Every change above is in the history, the replaced answer included.
        let h = store.history(100).await.unwrap();
        assert_eq!(h.iter().filter(|e| e.entity == "answer").count(), 2);
    }
}

#[tokio::test]
async fn an_issue_goes_to_the_force_lead_and_an_action_is_followed_to_the_end() {
    use callaudit_domain::audit::{ActionStatus, Rag};
    use callaudit_storage::accountability::ActionUpdate;
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let calls = vec![call("E1", Channel::Emergency, "DOMESTIC")];
        import(&store, f, &calls).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 6, 21).unwrap();
        let mut tx = store
            .begin_in(Some(f), "facilitator@example.org")
            .await
            .unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let s = tx
            .create_session(prog, day, "", SessionStatus::Open, "live")
            .await
            .unwrap();
        let lead = tx
            .add_person(Some(f), "Lee Lead", "lee@example.org", Role::ForceLead)
            .await
            .unwrap();
        let sc = tx.add_session_call(s, 1, &calls[0], None).await.unwrap();
        let issue = tx
            .raise_issue(sc, Some("risk"), "No risk assessment recorded")
            .await
            .unwrap();
        tx.drop_draft(sc, "empathy").await.unwrap();
        tx.drop_draft(sc, "empathy").await.unwrap();
        tx.escalate(issue, "Is THRIVE recorded on every 999 call?", lead)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.dropped_drafts(s).await.unwrap(),
            [(sc, "empathy".to_string())],
            "dropping twice keeps one"
        );
        let waiting = store.force_issues(f).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert!(waiting[0].awaits_answer());
        let now = waiting[0].raised_at;
        assert!(!waiting[0].unanswered_after(28, now + chrono::Duration::days(27)));
        assert!(waiting[0].unanswered_after(28, now + chrono::Duration::days(28)));

        let mut tx = store.begin_in(Some(f), "lee@example.org").await.unwrap();
        assert!(matches!(
            tx.answer_escalation(issue + 100, "x", lead).await,
            Err(StoreError::NotFound(_))
        ));
        tx.answer_escalation(issue, "Yes, from March; audited monthly.", lead)
            .await
            .unwrap();
        let reference = tx
            .add_action(
                f,
                day,
                &NewAction {
                    text: "Brief all call handlers on THRIVE".into(),
                    owner: "Head of the Force Control Centre".into(),
                    owner_id: Some(lead),
                    due_on: NaiveDate::from_ymd_opt(2024, 7, 31),
                    rag: Some(Rag::Amber),
                    private_reason: Some("Section 31: law enforcement".into()),
                    session_id: Some(s),
                    session_call_id: Some(sc),
                    issue_id: Some(issue),
                },
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let issues = store.session_issues(s).await.unwrap();
        assert_eq!(
            issues[0].escalation_answer.as_deref(),
            Some("Yes, from March; audited monthly.")
        );
        assert!(!store.force_issues(f).await.unwrap()[0].awaits_answer());
        let action = store.actions(f).await.unwrap().remove(0);
        assert_eq!(action.reference, reference);
        assert_eq!(
            (
                action.owner_id,
                action.rag.as_deref(),
                action.issue_id,
                action.session_call_id
            ),
            (Some(lead), Some("amber"), Some(issue), Some(sc))
        );
        assert_eq!(
            action.private_reason.as_deref(),
            Some("Section 31: law enforcement")
        );

        let later = NaiveDate::from_ymd_opt(2024, 8, 2).unwrap();
        let mut tx = store.begin_in(Some(f), "lee@example.org").await.unwrap();
        for (note, status, rag) in [
            ("Briefings booked", None, Some(Rag::Green)),
            ("All teams briefed", Some(ActionStatus::Done), None),
        ] {
            let u = ActionUpdate {
                status,
                rag,
                note: Some(note.into()),
            };
            tx.update_action(f, action.id, &u, "Lee Lead", later)
                .await
                .unwrap();
        }
        // Another force's action is not found, as a missing one is.
        assert!(matches!(
            tx.update_action(f + 1000, action.id, &ActionUpdate::default(), "x", later)
                .await,
            Err(StoreError::NotFound(_))
        ));
        tx.commit().await.unwrap();
        let done = store.action(f, action.id).await.unwrap();
        assert_eq!(
            (done.status.as_str(), done.rag.as_deref(), done.closed_on),
            ("done", Some("green"), Some(later))
        );
        let notes = store.action_notes(action.id).await.unwrap();
        assert_eq!(
            notes.iter().map(|n| n.note.as_str()).collect::<Vec<_>>(),
            ["Briefings booked", "All teams briefed"]
        );
        assert_eq!(notes[0].author, "Lee Lead");
        assert_eq!(store.notes_of_actions(f).await.unwrap()[&action.id], notes);
        // Notes are kept as written: the database refuses to change or remove one.
        let mut tx = store.begin("x").await.unwrap();
        assert!(
            tx.execute_raw("UPDATE action_notes SET note = 'rewritten'")
                .await
                .is_err()
        );
        tx.rollback().await.unwrap();
        let mut tx = store.begin("x").await.unwrap();
        assert!(tx.execute_raw("DELETE FROM action_notes").await.is_err());
        tx.rollback().await.unwrap();
        // And every step is in the force's history.
        let h = store.history(100).await.unwrap();
        for (entity, action) in [
            ("issue", "escalate"),
            ("issue", "answer-escalation"),
            ("issue-draft", "drop"),
            ("action", "update"),
        ] {
            assert!(
                h.iter().any(|e| e.entity == entity && e.action == action),
                "{entity} {action}"
            );
        }
        assert_eq!(store.verify_history().await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn the_outbox_queues_once_retries_and_keeps_what_failed() {
    use callaudit_storage::outbox::MAX_ATTEMPTS;
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let calls = vec![call("O1", Channel::Emergency, "ASB")];
        import(&store, f, &calls).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 6, 21).unwrap();
        let now = chrono::Utc::now();
        let mut tx = store.begin_in(Some(f), "test").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let s = tx
            .create_session(prog, day, "", SessionStatus::Planned, "live")
            .await
            .unwrap();
        let ann = tx
            .add_person(Some(f), "Ann", "ann@example.org", Role::Auditor)
            .await
            .unwrap();
        let bob = tx
            .add_person(Some(f), "Bob", "bob@example.org", Role::Facilitator)
            .await
            .unwrap();
        tx.set_facilitator(s, bob).await.unwrap();
        tx.add_panel_member(s, ann).await.unwrap();
        assert!(
            tx.queue_mail(ann, "panel:1", "ann@example.org", "S", "B", now)
                .await
                .unwrap()
        );
        assert!(
            !tx.queue_mail(ann, "panel:1", "ann@example.org", "S", "B", now)
                .await
                .unwrap(),
            "once"
        );
        tx.commit().await.unwrap();
        let seats = store.session_people(f).await.unwrap();
        assert_eq!(
            (
                seats[0].session_id,
                seats[0].facilitator_id,
                seats[0].panel.clone()
            ),
            (s, Some(bob), vec![ann])
        );
        let m = store.due_mail(now, 10).await.unwrap().remove(0);
        // Two servers see it due; only the first to claim it sends it.
        let mut tx = store.begin("mailer").await.unwrap();
        assert!(tx.claim_mail(m.id, now).await.unwrap());
        assert!(!tx.claim_mail(m.id, now).await.unwrap(), "already taken");
        tx.mail_failed(&m, "connection refused", now).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            store.due_mail(now, 10).await.unwrap().is_empty(),
            "not before the delay"
        );
        let row = store.outbox(Some(f), 10).await.unwrap().remove(0);
        assert_eq!(
            (row.status.as_str(), row.attempts, row.last_error.as_deref()),
            ("pending", 1, Some("connection refused"))
        );
        assert!(
            store.outbox(Some(f + 99), 10).await.unwrap().is_empty(),
            "another force's administrator sees none"
        );
        let mut tx = store.begin("admin").await.unwrap();
        tx.retry_mail(m.id, Some(f)).await.unwrap();
        tx.commit().await.unwrap();
        let mut m = store
            .due_mail(chrono::Utc::now(), 10)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(m.attempts, 0, "sent again from the start");
        for _ in 0..MAX_ATTEMPTS {
            let mut tx = store.begin("mailer").await.unwrap();
            tx.mail_failed(&m, "refused", now).await.unwrap();
            tx.commit().await.unwrap();
            m.attempts += 1;
        }
        assert_eq!(store.outbox(None, 10).await.unwrap()[0].status, "failed");
        let mut tx = store.begin("admin").await.unwrap();
        tx.retry_mail(m.id, None).await.unwrap();
        tx.mail_sent(m.id, now).await.unwrap();
        assert!(
            tx.retry_mail(m.id, None).await.is_err(),
            "a sent message is not sent again"
        );
        tx.commit().await.unwrap();
        assert_eq!(store.outbox(None, 10).await.unwrap()[0].status, "sent");
    }
}

#[tokio::test]
async fn every_publication_is_kept_and_the_latest_is_read() {
    use callaudit_storage::publications::NewPublication;
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        assert_eq!(store.publication(f, 2025).await.unwrap(), None);
        for (md, applied) in [("first", 3), ("second", 2)] {
            let mut tx = store
                .begin_in(Some(f), "coordinator@example.org")
                .await
                .unwrap();
            tx.publish(
                f,
                &NewPublication {
                    year: 2025,
                    markdown: md,
                    html: "<p>x</p>",
                    masks_applied: applied,
                    masks_undone: 1,
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let p = store.publication(f, 2025).await.unwrap().unwrap();
        assert_eq!(
            (
                p.markdown.as_str(),
                p.masks_applied,
                p.masks_undone,
                p.published_by.as_str()
            ),
            ("second", 2, 1, "coordinator@example.org")
        );
        assert_eq!(store.publication(f, 2024).await.unwrap(), None);
        let h = store.history(10).await.unwrap();
        assert_eq!(h.iter().filter(|e| e.entity == "publication").count(), 2);
    }
}

/// What the performance figures read of April 2026 (UTC), in time order.
async fn april_2026(store: &Store, force: i64) -> Vec<CallTimes> {
    let mut got: Vec<CallTimes> = store
        .call_times(
            force,
            "2026-04-01T00:00:00Z".parse().unwrap(),
            "2026-05-01T00:00:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
    got.sort_by_key(|c| c.started_at);
    got
}

#[tokio::test]
async fn the_performance_figures_read_the_calls_of_a_period_only() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let mut calls = Vec::new();
        for (i, at) in [
            "2026-03-31T23:59:59Z",
            "2026-04-01T00:00:00Z",
            "2026-04-15T12:30:00.5Z",
            "2026-04-30T23:59:59Z",
            "2026-05-01T00:00:00Z",
        ]
        .iter()
        .enumerate()
        {
            let mut c = call(&format!("P{i}"), Channel::Emergency, "ASB");
            c.started_at = at.parse().unwrap();
            c.answer_s = Some(i as u32);
            if i == 2 {
                c.duration_s = Some(95);
                c.abandoned = Some(false);
                c.grade = Some("IMMEDIATE".into());
                c.details.arrived_at = Some("2026-04-15T12:41:00Z".parse().unwrap());
                c.details.resolution = Some(Resolution::WithoutDeployment);
                c.details.caller = Some("K-77".into());
                c.details.satisfaction = Some(Satisfaction::Dissatisfied);
            }
            calls.push(c);
        }
        let mut training = call("PT", Channel::Emergency, "ASB");
        training.started_at = "2026-04-10T10:00:00Z".parse().unwrap();
        training.training = true;
        calls.push(training);
        import(&store, f, &calls).await.unwrap();
        let got = april_2026(&store, f).await;
        assert_eq!(
            got.iter().map(|c| c.answer_s).collect::<Vec<_>>(),
            [Some(1), Some(2), Some(3)],
            "from the first instant, up to but not including the last; training calls left out"
        );
        // Every value the figures use comes back as stored, on either engine's reader.
        let full = &got[1];
        assert_eq!(
            full.started_at.timestamp(),
            "2026-04-15T12:30:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .timestamp()
        );
        assert_eq!(
            (
                full.channel,
                full.duration_s,
                full.abandoned,
                full.grade.as_deref()
            ),
            (Channel::Emergency, Some(95), Some(false), Some("IMMEDIATE"))
        );
        assert_eq!(
            full.arrived_at,
            Some("2026-04-15T12:41:00Z".parse().unwrap())
        );
        assert_eq!(
            (full.resolution, full.satisfaction, full.month, full.sampled),
            (
                Some(Resolution::WithoutDeployment),
                Some(Satisfaction::Dissatisfied),
                202604,
                false
            )
        );
        assert!(full.caller.is_some() && got[0].caller.is_none());
        assert_eq!(
            (got[0].arrived_at, got[0].resolution, got[0].satisfaction),
            (None, None, None),
            "what a call lacks stays absent"
        );
        // Once the scheme draws the calls for a panel, each reads as sampled.
        let mut tx = store.begin("test").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let session = tx
            .create_session(prog, day, "", SessionStatus::Planned, "live")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // April in UK time: P0 (00:59 on 1 April, BST) to P2; P3 falls on 1 May at 00:59.
        let mut spec = DrawSpec::new(3);
        spec.from = NaiveDate::from_ymd_opt(2026, 4, 1);
        spec.to = NaiveDate::from_ymd_opt(2026, 4, 30);
        store.commit_session("test", session, spec).await.unwrap();
        let rec = store
            .draw_session("test", session, &sampling::parse_seed("s").unwrap())
            .await
            .unwrap();
        assert_eq!(rec.calls.len(), 3, "{:?}", rec.calls);
        let got = april_2026(&store, f).await;
        assert_eq!(
            got.iter().map(|c| c.sampled).collect::<Vec<_>>(),
            [true, true, false],
            "P1 and P2 were drawn; P3 was not"
        );
    }
}

#[tokio::test]
async fn past_audits_import_once_and_conflicts_are_found() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let row = |id: &str, cat: Category| {
            (
                2,
                AuditedCall {
                    audit_date: NaiveDate::from_ymd_opt(2023, 4, 12).unwrap(),
                    focus: Some("HATE CRIME".into()),
                    call_ref: CallRef::parse(id).unwrap(),
                    channel: Channel::Emergency,
                    incident_type: "HATE CRIME".into(),
                    category: cat,
                    areas: vec!["empathy".into()],
                    comments: None,
                    good_practice: false,
                },
            )
        };
        let rows = vec![
            row("P1", Category::Suggestions),
            row("P2", Category::Positive),
        ];
        for expected in [(1, 2, 0), (0, 0, 2)] {
            let mut tx = store.begin("test").await.unwrap();
            let prog = tx.ensure_call_audit_programme(f).await.unwrap();
            let o = tx.import_audits(f, prog, &rows).await.unwrap();
            assert_eq!((o.sessions_added, o.calls_added, o.unchanged), expected);
            tx.commit().await.unwrap();
        }
        let mut tx = store.begin("test").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let o = tx
            .import_audits(f, prog, &[row("P1", Category::Negative)])
            .await
            .unwrap();
        assert_eq!(o.conflicts.len(), 1);
        assert_eq!(
            (o.conflicts[0].field, o.conflicts[0].stored.as_str()),
            ("category", "suggestions")
        );
        tx.rollback().await.unwrap();
        assert_eq!(store.audited_refs(f).await.unwrap().len(), 2);
        assert!(matches!(
            store.backend(),
            Backend::Sqlite | Backend::Postgres
        ));
    }
}

#[tokio::test]
async fn recording_analyses_and_transcripts_are_kept_per_call_and_replaced() {
    use callaudit_storage::recordings::{StoredAnalysis, StoredTranscript};
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let mut silent = call("B2", Channel::NonEmergency, "ASB");
        silent.recording = None;
        import(&store, f, &[call("B1", Channel::Emergency, "ASB"), silent])
            .await
            .unwrap();
        let with = store.calls_with_recordings(f).await.unwrap();
        assert_eq!(with.len(), 1, "{:?}", store.backend());
        assert_eq!(with[0].call_ref, "B1");
        assert_eq!(with[0].recording, "2024/05/a.wav");
        let id = store.call_id_by_ref(f, "B1").await.unwrap().unwrap();
        assert_eq!(with[0].call_id, id);
        assert_eq!(store.call_id_by_ref(f, "NOPE").await.unwrap(), None);

        assert_eq!(store.recording_analysis(id).await.unwrap(), None);
        let mut a = StoredAnalysis {
            call_id: id,
            fingerprint: "100:1".into(),
            analysis: r#"{"silences":[]}"#.into(),
            waveform: "[]".into(),
        };
        for fingerprint in ["100:1", "200:2"] {
            a.fingerprint = fingerprint.into();
            let mut tx = store.begin("analyser").await.unwrap();
            tx.put_recording_analysis(&a).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(
                store.recording_analysis(id).await.unwrap().as_ref(),
                Some(&a)
            );
        }

        let t = StoredTranscript {
            call_id: id,
            source: "B1.vtt".into(),
            segments: "[]".into(),
        };
        let mut tx = store.begin("coordinator").await.unwrap();
        tx.put_transcript(&t).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.transcript(id).await.unwrap(), Some(t.clone()));
        let mut tx = store.begin("coordinator").await.unwrap();
        let missing = StoredTranscript {
            call_id: id + 1000,
            ..t
        };
        assert!(matches!(
            tx.put_transcript(&missing).await,
            Err(StoreError::NotFound(_))
        ));
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_programmes_transcript_phrases_are_kept_and_can_be_replaced_one_list_at_a_time() {
    use callaudit_domain::template::{Phrases, Template};
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let mut tx = store.begin("coordinator").await.unwrap();
        let audit = tx
            .create_programme(f, "Calls", &Template::reference(), 10)
            .await
            .unwrap();
        let cdi = tx
            .create_programme(f, "CDI", &Template::crime_data_integrity(), 10)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.template(audit).await.unwrap().phrases,
            Phrases::reference()
        );
        assert!(store.template(cdi).await.unwrap().phrases.is_empty());

        let mut tx = store.begin("coordinator").await.unwrap();
        tx.set_phrases(audit, "inappropriate", &["pal".into(), "mate".into()])
            .await
            .unwrap();
        assert!(tx.set_phrases(audit, "other", &[]).await.is_err());
        tx.commit().await.unwrap();
        let phrases = store.template(audit).await.unwrap().phrases;
        assert_eq!(phrases.inappropriate, vec!["pal", "mate"], "order kept");
        assert_eq!(
            phrases.greeting,
            Phrases::reference().greeting,
            "others kept"
        );
    }
}

#[tokio::test]
async fn a_watcher_notices_every_commit_even_one_under_way_when_it_looks() {
    for (store, _dir) in stores().await {
        let backend = store.backend();
        let mut w = store
            .watcher()
            .await
            .unwrap()
            .expect("a database on disk can be watched");
        let nothing = callaudit_storage::Changes::default();
        assert_eq!(
            w.changed().await.unwrap(),
            nothing,
            "the first look sets the mark"
        );
        // PostgreSQL's snapshot is the whole server's, which other tests write to meanwhile, so
        // only SQLite can show that nothing is noticed when nothing happens.
        let alone = backend == Backend::Sqlite;
        if alone {
            assert_eq!(w.changed().await.unwrap(), nothing, "nothing committed");
        }
        let (before, programmes_before) = (store.commits(), store.programme_commits());

        let mut tx = store.begin("t").await.unwrap();
        let force = tx.ensure_force("x", "Xshire Police").await.unwrap();
        // Looking while the write is under way (PostgreSQL already shows it running) must not
        // use up the change that its commit makes.
        w.changed().await.unwrap();
        tx.commit().await.unwrap();
        let seen = w.changed().await.unwrap();
        assert!(seen.any, "{backend:?}: the commit is noticed");
        assert!(!seen.programmes, "{backend:?}: no programme changed");
        if alone {
            assert_eq!(w.changed().await.unwrap(), nothing);
        }
        assert_eq!(
            store.commits(),
            before + 1,
            "this process's commits are counted"
        );
        assert_eq!(store.programme_commits(), programmes_before);

        // A programme's change is told apart, here and elsewhere.
        let mut tx = store.begin("t").await.unwrap();
        let programme = tx.ensure_call_audit_programme(force).await.unwrap();
        tx.commit().await.unwrap();
        let seen = w.changed().await.unwrap();
        assert!(seen.any && seen.programmes, "{backend:?}: {seen:?}");
        assert_eq!(store.programme_commits(), programmes_before + 1);
        let mut tx = store.begin("t").await.unwrap();
        tx.set_max_sample(programme, 12).await.unwrap();
        tx.commit().await.unwrap();
        assert!(w.changed().await.unwrap().programmes);
        assert_eq!(store.programme_commits(), programmes_before + 2);

        // A transaction that is dropped commits nothing.
        let mut tx = store.begin("t").await.unwrap();
        tx.ensure_force("y", "Yshire Police").await.unwrap();
        drop(tx);
        assert_eq!(store.commits(), before + 3);
    }
}

#[tokio::test]
async fn the_history_is_a_chain_and_verify_names_the_first_entry_changed() {
    for (store, _keep) in stores().await {
        let engine = store.backend();
        let f = force(&store).await;
        for n in 1..=3 {
            let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
            tx.record("note", Some(n), "create", serde_json::json!({ "n": n }))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let v = store.verify_history().await.unwrap();
        assert_eq!(v.broken, None, "{engine:?}");
        assert_eq!(v.entries, 4);
        let chains: Vec<(Option<String>, i64)> = v
            .heads
            .iter()
            .map(|h| (h.force.clone(), h.entries))
            .collect();
        assert_eq!(
            chains,
            [(None, 1), (Some("demo".to_string()), 3)],
            "{engine:?}"
        );
        assert_eq!(store.history_heads().await.unwrap(), v.heads);

        // Replacing an entry in place is refused by the database itself.
        let replace = match engine {
            Backend::Sqlite => {
                "INSERT OR REPLACE INTO history (id, at, actor, entity, entity_id, action, detail, force_id, seq, prev_hash, hash)
                 SELECT id, at, 'someone else', entity, entity_id, action, detail, force_id, seq, prev_hash, hash FROM history WHERE entity = 'note' AND entity_id = 2"
            }
            Backend::Postgres => {
                "INSERT INTO history (id, at, actor, entity, entity_id, action, detail, force_id, seq, prev_hash, hash) OVERRIDING SYSTEM VALUE
                 SELECT id, at, 'someone else', entity, entity_id, action, detail, force_id, seq, prev_hash, hash FROM history WHERE entity = 'note' AND entity_id = 2
                 ON CONFLICT (id) DO UPDATE SET actor = 'someone else'"
            }
        };
        let err = store
            .begin("vandal")
            .await
            .unwrap()
            .rollback_after(replace)
            .await;
        assert!(err.contains("history is append-only"), "{engine:?}: {err}");

        // Someone with the database's keys sets the triggers aside, edits an entry and puts them
        // back: nothing in the database notices, but the chain does.
        let mut tx = store.begin("vandal").await.unwrap();
        let edits: [&'static str; 3] = match engine {
            Backend::Sqlite => [
                "DROP TRIGGER history_no_update",
                "UPDATE history SET detail = '{\"n\":99}' WHERE entity = 'note' AND entity_id = 2",
                "CREATE TRIGGER history_no_update BEFORE UPDATE ON history BEGIN SELECT RAISE(ABORT, 'history is append-only'); END",
            ],
            Backend::Postgres => [
                "ALTER TABLE history DISABLE TRIGGER history_no_update",
                "UPDATE history SET detail = '{\"n\":99}' WHERE entity = 'note' AND entity_id = 2",
                "ALTER TABLE history ENABLE TRIGGER history_no_update",
            ],
        };
        for sql in edits {
            tx.execute_raw(sql).await.unwrap();
        }
        tx.commit().await.unwrap();
        let edited = store
            .history(10)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.entity == "note" && e.entity_id == Some(2))
            .unwrap();
        let v = store.verify_history().await.unwrap();
        let broken = v.broken.expect("the edit is found");
        assert_eq!(broken.id, edited.id, "{engine:?}");
        assert!(
            broken.reason.contains("changed after the fact"),
            "{}",
            broken.reason
        );
    }
}

#[tokio::test]
async fn entries_from_before_the_chain_are_sealed_when_the_database_is_next_opened() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.sqlite").display());
    let store = Store::connect(&url).await.unwrap();
    force(&store).await;
    // An entry as an older version wrote it: no place in the chain.
    let mut tx = store.begin("old version").await.unwrap();
    for sql in [
        "DROP TRIGGER history_insert_sealed",
        "INSERT INTO history (at, actor, entity, action, detail) VALUES ('2025-01-01T10:00:00Z', 'old', 'note', 'create', '{}')",
        "CREATE TRIGGER history_insert_sealed BEFORE INSERT ON history WHEN NEW.hash IS NULL OR NEW.seq IS NULL BEGIN SELECT RAISE(ABORT, 'history entries are written with their place in the chain'); END",
    ] {
        tx.execute_raw(sql).await.unwrap();
    }
    tx.commit().await.unwrap();
    let broken = store.verify_history().await.unwrap().broken.unwrap();
    assert!(
        broken.reason.contains("no place in the chain"),
        "{}",
        broken.reason
    );
    store.close().await;
    let reopened = Store::connect(&url).await.unwrap();
    let v = reopened.verify_history().await.unwrap();
    assert_eq!(v.broken, None);
    assert_eq!(v.entries, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_at_once_both_land() {
    for (store, _keep) in stores().await {
        let f = force(&store).await;
        let mut jobs = Vec::new();
        for part in 0..2 {
            let store = store.clone();
            jobs.push(tokio::spawn(async move {
                let calls: Vec<PoolCall> = (0..2_000)
                    .map(|i| call(&format!("P{part}-{i:05}"), Channel::Emergency, "ASB"))
                    .collect();
                // Each reads before it writes, as the import command does: on SQLite a
                // transaction that began with a read could not wait for the other writer.
                let mut tx = store.begin_in(Some(f), "importer").await?;
                let same = tx.ensure_force("demo", "Demoshire Police").await?;
                let o = tx.import_pool(same, "pool.csv", "00", &calls).await?;
                tokio::task::yield_now().await;
                tx.commit().await?;
                Ok::<_, StoreError>((o.added, o.unchanged, o.conflicts.len()))
            }));
        }
        for j in jobs {
            assert_eq!(
                j.await.unwrap().unwrap(),
                (2_000, 0, 0),
                "{:?}",
                store.backend()
            );
        }
        assert_eq!(store.count_calls(f).await.unwrap(), 4_000);
        assert_eq!(store.verify_history().await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn retention_removes_what_is_due_once_and_says_why() {
    use callaudit_storage::recordings::StoredTranscript;
    for (store, _keep) in stores().await {
        let engine = store.backend();
        let f = force(&store).await;
        let calls = vec![call("R1", Channel::Emergency, "ASB")];
        import(&store, f, &calls).await.unwrap();
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 6, 21).unwrap();
        let s = tx
            .create_session(prog, day, "", SessionStatus::Open, "live")
            .await
            .unwrap();
        let ann = tx
            .add_person(Some(f), "Ann", "ann@example.org", Role::Auditor)
            .await
            .unwrap();
        let call_id = store.call_id_by_ref(f, "R1").await.unwrap().unwrap();
        let sc = tx
            .add_session_call(s, 1, &calls[0], Some(call_id))
            .await
            .unwrap();
        tx.save_answer(sc, ann, "empathy", Answer::No, "caller named a neighbour")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        tx.put_transcript(&StoredTranscript {
            call_id,
            source: "R1.vtt".into(),
            segments: "[]".into(),
        })
        .await
        .unwrap();
        tx.set_session_status(s, SessionStatus::Closed)
            .await
            .unwrap();
        tx.set_retention(prog, "recordings", Some(30))
            .await
            .unwrap();
        tx.set_retention(prog, "free text", Some(0)).await.unwrap();
        tx.commit().await.unwrap();
        // The note's text never reached the history: only its digest did.
        let h = store.history(50).await.unwrap();
        assert!(
            h.iter().all(|e| !e.detail.contains("neighbour")),
            "{engine:?}"
        );

        let now = chrono::Utc::now() + chrono::Duration::seconds(5);
        let mut tx = store.begin("callaudit:retention").await.unwrap();
        let removed = tx.apply_retention(now).await.unwrap();
        tx.commit().await.unwrap();
        // Free text at once (0 days); recordings only after 30.
        assert_eq!(removed.len(), 1, "{engine:?}: {removed:?}");
        assert_eq!((removed[0].what, removed[0].items), ("free text", 1));
        assert_eq!(store.call_answers(sc).await.unwrap()[0].note, "");
        assert!(store.transcript(call_id).await.unwrap().is_some());
        assert!(!store.recordings_removed(s).await.unwrap());

        let later = now + chrono::Duration::days(31);
        let mut tx = store.begin("callaudit:retention").await.unwrap();
        let removed = tx.apply_retention(later).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(removed.len(), 1, "{engine:?}: {removed:?}");
        assert_eq!(
            (removed[0].what, removed[0].items, removed[0].policy_days),
            ("recordings", 1, 30)
        );
        assert!(store.transcript(call_id).await.unwrap().is_none());
        assert!(store.recordings_removed(s).await.unwrap());
        let why = store.history(1).await.unwrap().remove(0);
        assert_eq!(
            (why.entity.as_str(), why.action.as_str()),
            ("session", "retention")
        );
        assert!(
            why.detail.contains("keeps recordings playable for 30 days"),
            "{}",
            why.detail
        );

        // Done once: nothing more is due, and the history still holds.
        let mut tx = store.begin("callaudit:retention").await.unwrap();
        assert!(tx.apply_retention(later).await.unwrap().is_empty());
        tx.commit().await.unwrap();
        assert_eq!(store.verify_history().await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn on_postgresql_a_role_that_does_not_own_the_history_cannot_rewrite_or_drop_it() {
    for (store, _keep) in stores().await {
        if store.backend() != Backend::Postgres {
            continue;
        }
        force(&store).await;
        // The grants docs/security.md gives a deployment, in this test's own schema.
        let mut tx = store.begin("owner").await.unwrap();
        for sql in [
            "DO $$ BEGIN CREATE ROLE callaudit_test_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO callaudit_test_app', current_schema()); END $$",
            "GRANT SELECT, INSERT ON history TO callaudit_test_app",
            "REVOKE UPDATE, DELETE, TRUNCATE ON history FROM callaudit_test_app",
        ] {
            tx.execute_raw(sql).await.unwrap();
        }
        tx.commit().await.unwrap();
        for attack in [
            "DROP TABLE history",
            "ALTER TABLE history DISABLE TRIGGER history_no_update",
            "DELETE FROM history",
            "TRUNCATE history",
        ] {
            let mut tx = store.begin("app").await.unwrap();
            tx.execute_raw("SET LOCAL ROLE callaudit_test_app")
                .await
                .unwrap();
            let err = match tx.execute_raw(attack).await {
                Ok(_) => "it went through".to_string(),
                Err(e) => e.to_string(),
            };
            tx.rollback().await.unwrap();
            assert!(
                err.contains("must be owner") || err.contains("permission denied"),
                "{attack}: {err}"
            );
        }
        // What the application does, appending, it still may.
        let mut tx = store.begin("app").await.unwrap();
        tx.execute_raw("SET LOCAL ROLE callaudit_test_app")
            .await
            .unwrap();
        tx.record("note", None, "create", serde_json::json!({}))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.verify_history().await.unwrap().broken, None);
    }
}

#[tokio::test]
async fn incident_logs_import_once_and_come_back_beside_their_call() {
    use callaudit_domain::incident::{LogEntry, LogKind};
    for (store, _dir) in stores().await {
        let f = force(&store).await;
        // C-1 is linked to INC-9 by the pool; C-2 made an entry of INC-7 itself.
        let mut linked = call("C-1", Channel::Emergency, "ASB");
        linked.details.incident_ref = Some("INC-9".into());
        linked.details.caller = Some("c-7".into());
        let mut again = call("C-2", Channel::NonEmergency, "ASB");
        again.details.caller = Some("c-7".into());
        import(&store, f, &[linked, again]).await.unwrap();
        let same = store.same_caller_calls(f, "C-1").await.unwrap();
        assert_eq!(
            same.iter()
                .map(|(r, _, i)| (r.as_str(), i.clone()))
                .collect::<Vec<_>>(),
            [("C-2", None)],
            "the caller's other call"
        );
        let at = |m: u32| -> chrono::DateTime<chrono::Utc> {
            format!("2024-05-01T09:{m:02}:00Z").parse().unwrap()
        };
        let entry = |inc: &str, call: Option<&str>, m: u32, kind: LogKind, value: Option<&str>| {
            (
                0u64,
                LogEntry {
                    incident_ref: inc.into(),
                    call_ref: call.map(|c| CallRef::parse(c).unwrap()),
                    at: at(m),
                    kind,
                    value: value.map(String::from),
                    text: None,
                    by: Some("H1".into()),
                },
            )
        };
        let entries = vec![
            entry("INC-9", None, 31, LogKind::Opened, Some("ASB")),
            entry("INC-9", None, 32, LogKind::Graded, Some("PRIORITY")),
            entry("INC-7", Some("C-2"), 40, LogKind::Opened, Some("NOISE")),
            entry("INC-5", None, 45, LogKind::Opened, Some("THEFT")),
        ];
        let mut tx = store.begin("test").await.unwrap();
        let counts = tx.insert_log_entries(f, &entries).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((counts.added, counts.unchanged), (4, 0));
        let mut tx = store.begin("test").await.unwrap();
        let again = tx.insert_log_entries(f, &entries).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (again.added, again.unchanged),
            (0, 4),
            "importing again adds nothing"
        );
        let log = store.call_log(f, "C-1").await.unwrap();
        assert_eq!(
            log.iter()
                .map(|e| (e.kind, e.value.clone()))
                .collect::<Vec<_>>(),
            [
                (LogKind::Opened, Some("ASB".to_string())),
                (LogKind::Graded, Some("PRIORITY".to_string()))
            ],
            "the pool's incident reference links the call to its log"
        );
        assert_eq!(log[0].by.as_deref(), Some("H1"));
        let log = store.call_log(f, "C-2").await.unwrap();
        assert_eq!(log.len(), 1, "the call's own entry links it");
        assert_eq!(log[0].call_ref.as_ref().unwrap().as_str(), "C-2");
        assert!(store.call_log(f, "C-3").await.unwrap().is_empty());
        assert_eq!(store.log_coverage(f).await.unwrap(), (3, 2));
    }
}

#[tokio::test]
async fn a_calibration_session_copies_its_references_and_stays_out_of_every_figure() {
    for (store, _keep) in stores().await {
        let engine = store.backend();
        let f = force(&store).await;
        let calls = vec![
            call("K1", Channel::Emergency, "ASB"),
            call("K2", Channel::NonEmergency, "ASB"),
        ];
        import(&store, f, &calls).await.unwrap();
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 6, 21).unwrap();
        let s = tx
            .create_session(prog, day, "", SessionStatus::Open, "live")
            .await
            .unwrap();
        let ann = tx
            .add_person(Some(f), "Ann", "ann@example.org", Role::Auditor)
            .await
            .unwrap();
        tx.add_panel_member(s, ann).await.unwrap();
        let mut scs = Vec::new();
        for (n, c) in calls.iter().enumerate() {
            let id = store.call_id_by_ref(f, c.call_ref.as_str()).await.unwrap();
            scs.push(tx.add_session_call(s, n as i64 + 1, c, id).await.unwrap());
        }
        tx.save_answer(scs[0], ann, "empathy", Answer::Yes, "")
            .await
            .unwrap();
        // Not yet: a reference comes from a closed session.
        assert!(matches!(
            tx.mark_reference(scs[0], "good", "c", ann, &[]).await,
            Err(StoreError::Conflict(_))
        ));
        tx.set_session_status(s, SessionStatus::Closed)
            .await
            .unwrap();
        let agreed = [
            ("empathy".to_string(), Answer::Yes, "Warm".to_string()),
            ("greeting".to_string(), Answer::No, String::new()),
        ];
        for sc in &scs {
            tx.mark_reference(*sc, "good", "Calm", ann, &agreed)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let year = callaudit_domain::time::financial_year(day);
        let (from, to) = (
            NaiveDate::from_ymd_opt(year, 4, 1).unwrap(),
            NaiveDate::from_ymd_opt(year + 1, 3, 31).unwrap(),
        );
        let audit_answers = store
            .answers_between(f, ProgrammeKind::CallAudit, from, to)
            .await
            .unwrap()
            .len();
        let summary = store.summary(f).await.unwrap();

        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        let cal = tx
            .plan_calibration(
                prog,
                day + chrono::Duration::days(1),
                &[ann],
                &[scs[1], scs[0]],
            )
            .await
            .unwrap();
        let copied = tx.session_call_refs(cal).await.unwrap();
        assert_eq!(
            copied.iter().map(|(_, r)| r.as_str()).collect::<Vec<_>>(),
            ["K2", "K1"],
            "{engine:?}: in the order given"
        );
        tx.save_answer(copied[1].0, ann, "empathy", Answer::Yes, "")
            .await
            .unwrap();
        tx.save_answer(copied[1].0, ann, "greeting", Answer::Yes, "")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let session = store.session(cal).await.unwrap();
        assert!(session.calibration && session.status == SessionStatus::Open);
        assert!(store.session_access(cal).await.unwrap().calibration);
        // Unsettled until she finishes: nothing to compare yet.
        assert!(store.calibration_answers(f).await.unwrap().is_empty());
        let mut tx = store.begin_in(Some(f), "ann").await.unwrap();
        tx.finish_calibration(cal, ann).await.unwrap();
        tx.finish_calibration(cal, ann).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.calibration_finishes(cal).await.unwrap().len(), 1);
        let settled = store.calibration_answers(f).await.unwrap();
        assert_eq!(settled.len(), 2, "{engine:?}");
        let matched: Vec<(String, bool)> = settled
            .iter()
            .map(|x| (x.question_code.clone(), x.agreed_answer() == Some(x.answer)))
            .collect();
        assert_eq!(
            matched,
            [("empathy".into(), true), ("greeting".into(), false)],
            "{engine:?}"
        );
        assert_eq!(settled[0].agreed_note.as_deref(), Some("Warm"));
        assert_eq!(settled[0].reference_of, scs[0]);
        assert_eq!(
            store.session_calibration_answers(cal).await.unwrap(),
            settled,
            "{engine:?}: the one session's read gives the same rows"
        );
        assert!(
            store
                .session_calibration_answers(s)
                .await
                .unwrap()
                .is_empty()
        );
        let sat = store.sessions_sat(f).await.unwrap()[&ann];
        assert_eq!((sat.sat, sat.calibrations), (1, 1), "{engine:?}");
        // Training, not audit: the year's answers and the summary are as they were.
        assert_eq!(
            store
                .answers_between(f, ProgrammeKind::CallAudit, from, to)
                .await
                .unwrap()
                .len(),
            audit_answers,
            "{engine:?}"
        );
        let after = store.summary(f).await.unwrap();
        assert_eq!(
            (after.sessions, after.audited_calls, after.answers),
            (summary.sessions, summary.audited_calls, summary.answers),
            "{engine:?}"
        );
        // Once a reference's own session loses its recordings, so does the calibration session.
        assert!(!store.recordings_removed(cal).await.unwrap());
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        tx.set_retention(prog, "recordings", Some(0)).await.unwrap();
        tx.apply_retention(chrono::Utc::now()).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.recordings_removed(cal).await.unwrap(), "{engine:?}");
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        assert!(matches!(
            tx.plan_calibration(prog, day + chrono::Duration::days(2), &[ann], &[scs[0]])
                .await,
            Err(StoreError::Conflict(_))
        ));
    }
}

#[tokio::test]
async fn a_question_is_reworded_as_a_new_version_and_the_wording_of_a_day_is_found() {
    use callaudit_storage::programmes::wording_on;
    for (store, _keep) in stores().await {
        let engine = store.backend();
        let f = force(&store).await;
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        let prog = tx.ensure_call_audit_programme(f).await.unwrap();
        let coordinator = tx
            .add_person(Some(f), "Cas", "cas@example.org", Role::Coordinator)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let first = store.template(prog).await.unwrap().questions[0].clone();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        assert!(matches!(
            tx.reword_question(prog, &first.code, &first.text, "", d(5, 1), coordinator)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            tx.reword_question(prog, "no-such", "x", "", d(5, 1), coordinator)
                .await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(
            tx.reword_question(
                prog,
                &first.code,
                "Second",
                "Read unalike",
                d(5, 1),
                coordinator
            )
            .await
            .unwrap(),
            2
        );
        assert_eq!(
            tx.reword_question(prog, &first.code, "Third", "", d(9, 1), coordinator)
                .await
                .unwrap(),
            3
        );
        tx.commit().await.unwrap();
        let versions = store.question_versions(prog).await.unwrap();
        assert_eq!(versions.len(), 3, "{engine:?}");
        assert_eq!(versions[0].text, first.text);
        assert_eq!(versions[1].reason, "Read unalike");
        assert_eq!(
            store.template(prog).await.unwrap().questions[0].text,
            "Third"
        );
        assert_eq!(
            wording_on(&versions, &first.code, d(4, 30)),
            Some(first.text.as_str())
        );
        assert_eq!(wording_on(&versions, &first.code, d(5, 1)), Some("Second"));
        assert_eq!(wording_on(&versions, &first.code, d(12, 1)), Some("Third"));
        assert_eq!(wording_on(&versions, "other", d(12, 1)), None);
        let mut tx = store.begin_in(Some(f), "coordinator").await.unwrap();
        tx.set_library_shows(prog, "transcript").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            store.programme(prog).await.unwrap().library_shows,
            "transcript"
        );
    }
}
