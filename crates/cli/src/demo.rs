//! `callaudit demo`: a realistic year of one scheme, so that a newcomer sees a living database.
//! Demoshire Police's financial year 2025/26: a pool of calls across the crime and incident types
//! schemes audit, and 17 sessions three weeks apart. Every session's sample is drawn the real way
//! (committed pool, then a seed), then scored by a panel of four volunteers, agreed, answered by the
//! facilitator and followed up in the action log. The year is a pure function of `--seed`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use callaudit_domain::audit::{Role, SessionStatus};
use callaudit_domain::call::{CallRef, Channel, PoolCall, Resolution, Satisfaction};
use callaudit_domain::incident::{LogEntry, LogKind};
use callaudit_domain::sampling::{self, DrawSpec};
use callaudit_domain::template::{Answer, Category, Template};
use callaudit_domain::training::Training;
use callaudit_storage::sessions::{NewAction, Outcome, Response};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::Context_;
use crate::cli::DemoArgs;

pub const FORCE_CODE: &str = "demo";
pub const FORCE_NAME: &str = "Demoshire Police";

/// Incident types with their share of the pool and the share of their calls made on 999.
///
/// VIOLENCE and PUBLIC ORDER share what was once PUBLIC ORDER's share, side by side, so that every
/// random number picks what it picked before and only the name of half those calls changed.
const TYPES: [(&str, f64, f64); 14] = [
    ("HATE CRIME", 4.0, 0.35),
    ("PUBLIC ORDER", 4.0, 0.55),
    ("VIOLENCE", 4.0, 0.55),
    ("DOMESTIC VIOLENCE", 12.0, 0.7),
    ("ROAD TRAFFIC COLLISIONS", 8.0, 0.6),
    ("RAPE & SERIOUS SEXUAL OFFENCES", 3.0, 0.5),
    ("ASB", 14.0, 0.25),
    ("BURGLARY", 8.0, 0.45),
    ("VEHICLE CRIME", 7.0, 0.2),
    ("CRIMINAL DAMAGE", 7.0, 0.25),
    ("CONCERN FOR SAFETY", 14.0, 0.65),
    ("FIREARMS", 2.0, 0.85),
    ("ROBBERY", 3.0, 0.6),
    ("ANIMAL WELFARE", 3.0, 0.3),
];

/// The focus of each of the year's sessions, as a scheme following its Police and Crime Plan:
/// every theme of the reference template once, then the four that drew most attention again.
fn session_focuses() -> Vec<String> {
    let mut focus = Template::reference().focus_themes;
    focus.extend(["BURGLARY", "HATE CRIME", "ASB", "ROBBERY"].map(String::from));
    focus
}

const POOL_CALLS: usize = 7_000;

/// What the panel writes about each area for improvement.
fn area_comment(code: &str) -> (&'static str, &'static str) {
    match code {
        "command" => (
            "The handler let the caller lead and lost control of the call.",
            "Take command early: structure the call with closed questions.",
        ),
        "empathy" => (
            "Little acknowledgement of how distressed the caller was.",
            "Acknowledge the caller's feelings before moving on to questions.",
        ),
        "reassurance" => (
            "The caller was not reassured that help was coming.",
            "Tell the caller what is being done while they wait.",
        ),
        "logging" => (
            "Details given by the caller were missing from the log.",
            "Read back key details and check the log before closing.",
        ),
        "questioning" => (
            "Questions were unfocused and missed the caller's location at first.",
            "Establish location and safety before anything else.",
        ),
        "vulnerability" => (
            "Signs that the caller was vulnerable were not explored.",
            "Ask about vulnerability when cues are heard.",
        ),
        "safety" => (
            "The caller's immediate safety was not checked.",
            "Always ask whether the caller is safe now.",
        ),
        "advice" => (
            "Advice on preserving evidence was unclear.",
            "Give clear, simple advice and check it was understood.",
        ),
        "language" => (
            "The handler called the caller 'mate'.",
            "Keep language professional throughout.",
        ),
        "silence" => (
            "Long silences while typing were not explained.",
            "Explain silences: 'I'm just updating the log'.",
        ),
        "next-steps" => (
            "The caller was not told what would happen next.",
            "Close every call by setting expectations.",
        ),
        _ => (
            "Questions were repeated.",
            "Listen and record answers to avoid repetition.",
        ),
    }
}

const GOOD_PRACTICE: [&str; 6] = [
    "The handler stayed on the line with a frightened caller until officers arrived, giving calm safety advice throughout.",
    "Clear, practical advice on preserving evidence, and the caller was told exactly what would happen next.",
    "The handler recognised the caller's vulnerability from small cues and arranged a welfare check.",
    "Excellent control of a chaotic call: location and safety established in the first thirty seconds.",
    "Warm and patient with an elderly caller; information was recapped so she understood the outcome.",
    "The handler explained every silence and kept the caller reassured while units were dispatched.",
];

pub async fn run(ctx: &Context_, a: DemoArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    if let Some(f) = store
        .forces()
        .await?
        .into_iter()
        .find(|f| f.code == FORCE_CODE)
    {
        say!("The demo year is already loaded in {}.\n", ctx.database);
        crate::summary::print(&store, &f).await?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "Generating a year of {FORCE_NAME}'s call audit scheme (seed {})…",
        a.seed
    );
    let (calls, actions) = generate(&store, a.seed).await?;
    eprintln!("Done: {calls} pool calls, 17 sessions, {actions} follow-up actions.\n");
    let f = store.resolve_force(Some(FORCE_CODE)).await?;
    crate::summary::print(&store, &f).await?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the demo force is in the database already.
pub async fn loaded(store: &callaudit_storage::Store) -> anyhow::Result<bool> {
    Ok(store.forces().await?.iter().any(|f| f.code == FORCE_CODE))
}

/// Writes the demo year into an empty database; returns (pool calls, actions raised).
pub async fn generate(
    store: &callaudit_storage::Store,
    seed: u64,
) -> anyhow::Result<(usize, usize)> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let pool = generate_pool(&mut rng);
    let mut tx = store.begin("demo").await?;
    let force = tx.ensure_force(FORCE_CODE, FORCE_NAME).await?;
    tx.join_chain(Some(force));
    let programme = tx.ensure_call_audit_programme(force).await?;
    let template = Template::reference();

    tx.import_pool(force, "demo-pool.csv", "generated", &pool)
        .await?;
    tx.insert_log_entries(force, &demo_logs(&pool)).await?;

    let person = |name: &str| {
        format!(
            "{}@demo.callaudit.invalid",
            name.to_lowercase().replace(' ', ".")
        )
    };
    let mut tx_people = Vec::new();
    for (name, role) in [
        ("Casey Coordinator", Role::Coordinator),
        ("Fran Facilitator", Role::Facilitator),
        ("Sam Supervisor", Role::Facilitator),
        ("Lee Lead", Role::ForceLead),
        ("Val Viewer", Role::Viewer),
        ("Ada Admin", Role::Admin),
    ] {
        tx_people.push((
            tx.add_person(Some(force), name, &person(name), role)
                .await?,
            role,
        ));
    }
    let facilitators: Vec<i64> = tx_people
        .iter()
        .filter(|(_, r)| *r == Role::Facilitator)
        .map(|(id, _)| *id)
        .collect();
    let mut auditors = Vec::new();
    for name in [
        "Alex Auditor",
        "Bea Auditor",
        "Chris Auditor",
        "Dee Auditor",
        "Eli Auditor",
        "Gus Auditor",
    ] {
        auditors.push(
            tx.add_person(Some(force), name, &person(name), Role::Auditor)
                .await?,
        );
    }

    // The demo's volunteers have all accepted the agreement and been vetted; Gus's vetting
    // ended a month ago, so the planning form shows why he cannot be put on a panel until it is
    // renewed. Expiry is set from today, so the demo stays usable whenever it is loaded.
    let today = Utc::now().date_naive();
    for (k, id) in auditors.iter().enumerate() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let gus = k + 1 == auditors.len();
        let t = Training {
            induction_on: day(2025, 1, 20 + k as u32),
            agreement_on: day(2025, 1, 20 + k as u32),
            vetted_on: day(2023, 11, 1 + k as u32),
            vetting_expires_on: Some(match gus {
                true => today - Duration::days(30),
                false => today + Duration::days(730),
            }),
        };
        tx.set_training(*id, &t).await?;
    }

    let lead = tx_people
        .iter()
        .find(|(_, r)| *r == Role::ForceLead)
        .map(|(id, _)| *id)
        .expect("the demo has a force lead");
    let mut audited: Vec<CallRef> = Vec::new();
    let first = NaiveDate::from_ymd_opt(2025, 4, 9).expect("valid date");
    let mut actions_raised = 0;
    let mut first_session = None;
    for (n, focus) in session_focuses().iter().enumerate() {
        let day = first + Duration::days(21 * n as i64);
        let session = tx
            .create_session(programme, day, focus, SessionStatus::Planned, "demo")
            .await?;
        first_session.get_or_insert(session);
        let facilitator = facilitators[n % facilitators.len()];
        tx.set_facilitator(session, facilitator).await?;
        let panel: Vec<i64> = (0..4).map(|k| auditors[(n + k) % auditors.len()]).collect();
        for p in &panel {
            tx.add_panel_member(session, *p).await?;
        }
        let mut spec = DrawSpec::new(10);
        spec.focus = vec![focus.to_string()];
        spec.quotas = BTreeMap::from([(Channel::Emergency, 5), (Channel::NonEmergency, 5)]);
        spec.from = Some(day - Duration::days(42));
        spec.to = Some(day - Duration::days(1));
        spec.max_per_handler = Some(2);
        spec.exclude = audited.clone();
        let spec = spec
            .validate(10)
            .map_err(|e| anyhow::anyhow!(sampling::problems_text(&e, "; ")))?;
        tx.commit_pool(session, &sampling::commit(&pool, &spec))
            .await?;
        let seed = format!(
            "{} {} {}",
            ["red", "blue", "green", "amber"][rng.random_range(0..4)],
            rng.random_range(1..7),
            rng.random_range(1..7)
        );
        let record = sampling::draw(&pool, &spec, &seed);
        tx.record_draw(session, force, &record, &pool).await?;
        audited.extend(record.calls.iter().cloned());

        let session_calls: Vec<(i64, CallRef)> = tx
            .session_call_refs(session)
            .await?
            .into_iter()
            .filter_map(|(id, r)| CallRef::parse(&r).ok().map(|r| (id, r)))
            .collect();
        let mut issues_in_session = 0;
        let mut negative_issues = Vec::new();
        for (sc, call_ref) in session_calls {
            let call = pool
                .iter()
                .find(|c| c.call_ref == call_ref)
                .expect("drawn from the pool");
            let raised = score_call(
                &mut tx,
                &mut rng,
                &template,
                sc,
                call,
                &panel,
                auditors.last(),
                facilitator,
                day,
            )
            .await?;
            issues_in_session += raised.len();
            negative_issues.extend(raised.iter().filter(|(_, neg)| *neg).map(|(id, _)| *id));
        }
        // A negative call goes to the force lead; they have answered all but the last session's.
        for issue in negative_issues.into_iter().take(1) {
            tx.escalate(
                issue,
                "A negative call: is this handler's supervisor aware, and is it a pattern?",
                facilitator,
            )
            .await?;
            if n + 1 < session_focuses().len() {
                tx.answer_escalation(
                    issue,
                    "The supervisor has listened to the call with the handler. Not a pattern: no other call by this handler was criticised this year.",
                    lead,
                )
                .await?;
            }
        }
        tx.set_session_status(session, SessionStatus::Closed)
            .await?;
        tx.set_closed_on(session, day).await?;
        // A scheme follows up what a session found; hate crime drew more criticism, as in the
        // published report this demo is modelled on.
        if issues_in_session >= 4 || (*focus == "HATE CRIME" && issues_in_session > 0) {
            let text = format!(
                "Control room QA team to run a dip sample of {} calls and report findings to the panel",
                focus.to_lowercase()
            );
            let reference = tx
                .add_action(
                    force,
                    day,
                    &NewAction {
                        text,
                        owner: "FCC Quality Assurance".into(),
                        owner_id: Some(lead),
                        due_on: Some(day + Duration::days(42)),
                        rag: Some(callaudit_domain::audit::Rag::Amber),
                        session_id: Some(session),
                        ..Default::default()
                    },
                )
                .await?;
            actions_raised += 1;
            if day + Duration::days(42) < NaiveDate::from_ymd_opt(2026, 2, 1).expect("valid date") {
                tx.set_action_status(force, &reference, "done", Some(day + Duration::days(35)))
                    .await?;
            }
            let noted = (day + Duration::days(7))
                .and_hms_opt(10, 0, 0)
                .expect("valid time")
                .and_utc();
            tx.add_action_note(
                force,
                &reference,
                "Dip sample booked with the QA team.",
                "Lee Lead",
                noted,
            )
            .await?;
        }
    }
    if let Some(session) = first_session {
        calibration(
            &mut tx,
            programme,
            &template,
            session,
            &auditors[..3],
            tx_people[0].0,
        )
        .await?;
    }
    let text =
        "Chief Inspector, Force Control Centre, to brief the panel on 101 abandonment figures"
            .to_string();
    tx.add_action(
        force,
        NaiveDate::from_ymd_opt(2026, 3, 11).expect("valid date"),
        &NewAction {
            text,
            owner: "FCC leadership".into(),
            owner_id: Some(lead),
            due_on: NaiveDate::from_ymd_opt(2026, 5, 1),
            rag: Some(callaudit_domain::audit::Rag::Green),
            ..Default::default()
        },
    )
    .await?;
    // A board also follows actions it cannot discuss in public (seed 002's Part 2 items).
    tx.add_action(
        force,
        NaiveDate::from_ymd_opt(2026, 3, 11).expect("valid date"),
        &NewAction {
            text: "Review how intelligence markers on addresses are shown to call handlers".into(),
            owner: "Head of the Force Control Centre".into(),
            owner_id: Some(lead),
            due_on: NaiveDate::from_ymd_opt(2026, 6, 30),
            rag: Some(callaudit_domain::audit::Rag::Red),
            private_reason: Some(
                "Section 31 of the Freedom of Information Act: law enforcement".into(),
            ),
            ..Default::default()
        },
    )
    .await?;
    tx.set_report_text(
        force,
        2025,
        "introduction",
        "The panel had six volunteer auditors at the end of the year. It sat every three weeks, \
         each time with four auditors and a facilitator from the Force Control Centre, and listened to \
         ten calls drawn at random in front of it.\n\n\
         This year the panel moved from paper forms to callaudit: the draw of the calls can now be \
         checked by anyone, and the force answers every issue in the same place.",
    )
    .await?;
    crime_data_integrity(&mut tx, &mut rng, force, &pool, &person).await?;
    tx.set_report_text(
        force,
        2025,
        "year-ahead",
        "- Audit more 101 calls that were abandoned and called back.\n\
         - Recruit two more volunteers, so that every session has a panel of four.\n\
         - Add Crime Data Integrity dip samples of domestic abuse incidents.",
    )
    .await?;
    tx.set_report_text(
        force,
        2025,
        "force-response",
        "The Force Control Centre welcomes the panel's findings. The Quality Assurance team now audits hate crime calls \
         monthly, and call handlers have had refresher training on explaining silences and telling callers what will \
         happen next.",
    )
    .await?;
    tx.commit().await?;
    Ok((pool.len(), actions_raised + 2))
}

/// The first session's first two calls kept as references, one a good example and one a poor
/// one, and a calibration session on them in January 2026 that three volunteers took and
/// finished: so the training library, the training records, the agreement page and the annual
/// report's volunteer section have something to show on a fresh install.
async fn calibration(
    tx: &mut callaudit_storage::Tx,
    programme: i64,
    template: &Template,
    session: i64,
    volunteers: &[i64],
    coordinator: i64,
) -> anyhow::Result<()> {
    let references: Vec<i64> = tx
        .session_call_refs(session)
        .await?
        .into_iter()
        .take(2)
        .map(|(id, _)| id)
        .collect();
    // The poor example fell short on three questions; every other answer is "yes".
    let short = ["empathy", "silence", "next-steps"];
    for (k, sc) in references.iter().enumerate() {
        let poor = k == 1;
        let agreed: Vec<(String, Answer, String)> = template
            .questions
            .iter()
            .map(|q| match (poor, short.contains(&q.code.as_str())) {
                (true, true) => (
                    q.code.clone(),
                    Answer::No,
                    "The panel heard no acknowledgement here, and the caller was left unsure."
                        .into(),
                ),
                _ => (q.code.clone(), Answer::Yes, String::new()),
            })
            .collect();
        let (example, commentary) = match poor {
            false => (
                "good",
                "Calm and in command from the first words: a model greeting, clear questions and a recap before the call ended.",
            ),
            true => (
                "poor",
                "The facts were gathered, but the caller's distress went unacknowledged, a long silence went unexplained and the call ended without saying what would happen next.",
            ),
        };
        tx.mark_reference(*sc, example, commentary, coordinator, &agreed)
            .await?;
    }
    let day = NaiveDate::from_ymd_opt(2026, 1, 21).expect("valid date");
    let id = tx
        .plan_calibration(programme, day, volunteers, &references)
        .await?;
    let calls: Vec<i64> = tx
        .session_call_refs(id)
        .await?
        .into_iter()
        .map(|(sc, _)| sc)
        .collect();
    // Each volunteer gives the agreed answer most of the time, from a generator of its own so
    // the rest of the demo is what it always was.
    let mut rng = ChaCha20Rng::seed_from_u64(0x00ca_11b7);
    for v in volunteers {
        for (k, sc) in calls.iter().enumerate() {
            for q in &template.questions {
                let agreed = match k == 1 && short.contains(&q.code.as_str()) {
                    true => Answer::No,
                    false => Answer::Yes,
                };
                let given = match rng.random_bool(0.85) {
                    true => agreed,
                    false => Answer::Partly,
                };
                tx.save_answer(*sc, *v, &q.code, given, "").await?;
            }
        }
        tx.finish_calibration(id, *v).await?;
    }
    tx.set_session_status(id, SessionStatus::Closed).await?;
    tx.set_closed_on(id, day).await?;
    Ok(())
}

/// The incident types the demo force's Crime Data Integrity programme dip-samples: its own names
/// for seed 002's violence (C10), sexual (C20) and domestic (SE) incidents.
const CDI_TYPES: [&str; 3] = [
    "VIOLENCE",
    "RAPE & SERIOUS SEXUAL OFFENCES",
    "DOMESTIC VIOLENCE",
];

/// A Crime Data Integrity programme beside the call audits, as seed 002 runs it: on the 15th of
/// every month a crime registrar checks a dip sample of 15 incidents of each type of the month
/// before, drawn the same verifiable way, and the deputy registrar validates the results (the
/// last month's still await validation).
async fn crime_data_integrity(
    tx: &mut callaudit_storage::Tx,
    rng: &mut ChaCha20Rng,
    force: i64,
    pool: &[PoolCall],
    email: &impl Fn(&str) -> String,
) -> anyhow::Result<()> {
    let template = Template {
        focus_themes: CDI_TYPES.map(String::from).to_vec(),
        ..Template::crime_data_integrity()
    };
    let per_type = 15;
    let size = per_type * CDI_TYPES.len() as u32;
    let programme = tx
        .create_programme(force, "Crime Data Integrity", &template, i64::from(size))
        .await?;
    let registrar = tx
        .add_person(
            Some(force),
            "Rita Registrar",
            &email("Rita Registrar"),
            Role::Registrar,
        )
        .await?;
    let deputy = tx
        .add_person(
            Some(force),
            "Dan Deputy",
            &email("Dan Deputy"),
            Role::Registrar,
        )
        .await?;
    let mut checked: Vec<CallRef> = Vec::new();
    for m in 0..12 {
        let (y, mo) = if m < 9 { (2025, m + 4) } else { (2026, m - 8) };
        let day = NaiveDate::from_ymd_opt(y, mo, 15).expect("valid date");
        let month_start = NaiveDate::from_ymd_opt(
            if mo == 1 { y - 1 } else { y },
            if mo == 1 { 12 } else { mo - 1 },
            1,
        )
        .expect("valid date");
        let session = tx
            .create_session(programme, day, "", SessionStatus::Planned, "demo")
            .await?;
        tx.add_panel_member(session, registrar).await?;
        let mut spec = DrawSpec::new(size);
        spec.focus = template.focus_themes.clone();
        spec.strata = CDI_TYPES
            .iter()
            .map(|t| sampling::Stratum {
                by: sampling::StratumBy::IncidentType,
                value: Some(t.to_string()),
                calls: per_type,
            })
            .collect();
        spec.from = Some(month_start);
        spec.to = Some(NaiveDate::from_ymd_opt(y, mo, 1).expect("valid date") - Duration::days(1));
        spec.exclude = checked.clone();
        let spec = spec
            .validate(size)
            .map_err(|e| anyhow::anyhow!(sampling::problems_text(&e, "; ")))?;
        tx.commit_pool(session, &sampling::commit(pool, &spec))
            .await?;
        let record = sampling::draw(
            pool,
            &spec,
            &format!("cdi {y}-{mo:02} {}", rng.random_range(1000..10000)),
        );
        tx.record_draw(session, force, &record, pool).await?;
        checked.extend(record.calls.iter().cloned());
        for (sc, _) in tx.session_call_refs(session).await? {
            for (check, pass_rate) in [("recorded", 0.92), ("classified", 0.94), ("timely", 0.88)] {
                let a = if rng.random_bool(pass_rate) {
                    Answer::Yes
                } else {
                    Answer::No
                };
                tx.save_answer(sc, registrar, check, a, "").await?;
            }
            if m < 11 {
                tx.validate_record(sc, deputy).await?;
            }
        }
        tx.set_session_status(session, SessionStatus::Closed)
            .await?;
        tx.set_closed_on(session, day).await?;
    }
    Ok(())
}

/// Each auditor answers and proposes; the panel agrees; issues are raised and answered.
/// Returns the issues raised, each with whether the call was judged negative.
#[allow(clippy::too_many_arguments)]
async fn score_call(
    tx: &mut callaudit_storage::Tx,
    rng: &mut ChaCha20Rng,
    template: &Template,
    sc: i64,
    call: &PoolCall,
    panel: &[i64],
    gus: Option<&i64>,
    facilitator: i64,
    day: NaiveDate,
) -> anyhow::Result<Vec<(i64, bool)>> {
    let issue_rate = if call.incident_type == "HATE CRIME" {
        0.6
    } else {
        0.3
    };
    let category = if rng.random_bool(issue_rate) {
        if rng.random_bool(0.25) {
            Category::Negative
        } else {
            Category::Suggestions
        }
    } else {
        Category::Positive
    };
    let weights: [(&str, u32); 12] = [
        ("command", 9),
        ("empathy", 6),
        ("reassurance", 5),
        ("logging", 3),
        ("questioning", 3),
        ("vulnerability", 3),
        ("safety", 2),
        ("advice", 2),
        ("language", 1),
        ("silence", 3),
        ("next-steps", 3),
        ("repetition", 1),
    ];
    let mut areas: Vec<String> = Vec::new();
    if category.raises_issue() {
        let n = if category == Category::Negative { 2 } else { 1 };
        while areas.len() < n {
            let total: u32 = weights.iter().map(|w| w.1).sum();
            let mut pick = rng.random_range(0..total);
            let code = weights
                .iter()
                .find(|(_, w)| {
                    if pick < *w {
                        true
                    } else {
                        pick -= w;
                        false
                    }
                })
                .map(|w| w.0)
                .unwrap_or("command");
            if !areas.iter().any(|a| a == code) {
                areas.push(code.to_string());
            }
        }
    }
    // The panel mostly hears a call alike: each answer is, most of the time, the one the first
    // auditor gave; Gus (the last of the demo's volunteers) strays more often, so the agreement
    // page has someone to show. The straying is drawn from a generator of its own, so the rest of
    // the demo (seeds, draws, outcomes) is what it always was.
    let mut stray = ChaCha20Rng::seed_from_u64(sc as u64);
    let mut heard: Vec<Answer> = Vec::new();
    for (k, auditor) in panel.iter().enumerate() {
        let alike = if Some(auditor) == gus { 0.55 } else { 0.85 };
        for (i, q) in template.questions.iter().enumerate() {
            let weak = areas
                .iter()
                .any(|a| a == &q.code || (a == "next-steps" && q.code == "next-steps"));
            let answer = if ["silence", "thrive", "vulnerability"].contains(&q.code.as_str())
                && rng.random_bool(0.3)
            {
                Answer::Na
            } else if weak {
                *[Answer::No, Answer::No, Answer::Partly, Answer::Yes]
                    .choose(rng)
                    .expect("non-empty")
            } else {
                match category {
                    Category::Positive => {
                        if rng.random_bool(0.9) {
                            Answer::Yes
                        } else {
                            Answer::Partly
                        }
                    }
                    Category::Suggestions => {
                        *[Answer::Yes, Answer::Yes, Answer::Yes, Answer::Partly]
                            .choose(rng)
                            .expect("non-empty")
                    }
                    Category::Negative => *[Answer::Yes, Answer::Partly, Answer::No]
                        .choose(rng)
                        .expect("non-empty"),
                }
            };
            let answer = match heard.get(i) {
                Some(first) if k > 0 && stray.random_bool(alike) => *first,
                _ => answer,
            };
            if k == 0 {
                heard.push(answer);
            }
            tx.save_answer(sc, *auditor, &q.code, answer, "").await?;
        }
        // Volunteers mostly see the call as the panel later agrees, not always.
        let proposed = if rng.random_bool(0.8) {
            category
        } else {
            *Category::ALL.choose(rng).expect("non-empty")
        };
        tx.save_proposal(
            sc,
            *auditor,
            proposed,
            if proposed.raises_issue() { &areas } else { &[] },
        )
        .await?;
    }
    let good_practice = category == Category::Positive && rng.random_bool(0.15);
    let (comments, learning) = match areas.first() {
        Some(a) => {
            let (c, l) = area_comment(a);
            (c.to_string(), l.to_string())
        }
        None if good_practice => (
            GOOD_PRACTICE.choose(rng).expect("non-empty").to_string(),
            "Share as an example of good practice.".into(),
        ),
        None => ("A well handled call.".into(), String::new()),
    };
    tx.save_outcome(
        sc,
        &Outcome {
            category,
            areas: areas.clone(),
            comments,
            learning_points: learning,
            good_practice,
        },
    )
    .await?;
    let negative = category == Category::Negative;
    let mut raised = Vec::new();
    for a in &areas {
        let issue = tx.raise_issue(sc, Some(a), area_comment(a).0).await?;
        raised.push((issue, negative));
        tx.respond(
            issue,
            &Response {
                response: format!("Listened to the call with the handler's supervisor; the panel's point on {} is accepted.", template.find_area(a).map(|x| x.name.to_lowercase()).unwrap_or_default()),
                action_taken: "Discussed at the handler's one-to-one; refresher guidance given.".into(),
                escalated_to: if negative { "FCC leadership team".into() } else { String::new() },
                feedback_kind: Some("developmental".into()),
                feedback_relayed_on: Some(day + Duration::days(rng.random_range(3..15))),
                responded_by: Some(facilitator),
            },
        )
        .await?;
    }
    Ok(raised)
}

/// The pool: calls from mid-February 2025 (so the first session has six weeks to draw from) to
/// the end of the financial year.
/// The incident log of each demo call, made from the call alone (no draw from the random
/// stream, so the demo year is the same with or without it): opened, graded, a THRIVE rationale,
/// now and then a risk marker and a check, the officer's arrival and the closing.
fn demo_logs(pool: &[PoolCall]) -> Vec<(u64, LogEntry)> {
    let mut out = Vec::new();
    for (i, c) in pool.iter().enumerate() {
        let Some(incident) = c.details.incident_ref.clone() else {
            continue;
        };
        let mut entry = |secs: i64, kind: LogKind, value: Option<String>, text: Option<&str>| {
            out.push((
                0,
                LogEntry {
                    incident_ref: incident.clone(),
                    call_ref: Some(c.call_ref.clone()),
                    at: c.started_at + Duration::seconds(secs),
                    kind,
                    value,
                    text: text.map(String::from),
                    by: c.handler.clone(),
                },
            ))
        };
        entry(8, LogKind::Opened, Some(c.incident_type.clone()), None);
        if let Some(g) = &c.grade {
            entry(45, LogKind::Graded, Some(g.clone()), None);
        }
        entry(
            60,
            LogKind::Thrive,
            None,
            Some(
                "Threat: none stated. Harm: none stated. Risk: low. Vulnerability: checked with the caller.",
            ),
        );
        if i % 37 == 5 {
            entry(75, LogKind::RiskMarker, Some("VIOLENCE".into()), None);
            entry(
                90,
                LogKind::Check,
                Some("PNC".into()),
                Some("Previous incidents at the address"),
            );
        }
        let end = c
            .details
            .arrived_at
            .map_or(1800, |a| (a - c.started_at).num_seconds().max(120));
        if c.details.arrived_at.is_some() {
            entry(end, LogKind::Arrived, None, None);
        }
        let closing = c
            .details
            .resolution
            .map_or("NO-FURTHER-ACTION", |r| r.code());
        entry(
            end + 1200,
            LogKind::Closed,
            Some(closing.to_uppercase()),
            None,
        );
    }
    out
}

fn generate_pool(rng: &mut ChaCha20Rng) -> Vec<PoolCall> {
    let start = Utc
        .with_ymd_and_hms(2025, 2, 15, 0, 0, 0)
        .single()
        .expect("valid time");
    let span = (Utc
        .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .single()
        .expect("valid time")
        - start)
        .num_seconds();
    let total: f64 = TYPES.iter().map(|t| t.1).sum();
    let mut calls: Vec<PoolCall> = (0..POOL_CALLS)
        .map(|_| {
            let mut pick = rng.random::<f64>() * total;
            let (kind, _, p999) = *TYPES
                .iter()
                .find(|t| {
                    if pick < t.1 {
                        true
                    } else {
                        pick -= t.1;
                        false
                    }
                })
                .unwrap_or(&TYPES[0]);
            let started_at = start + Duration::seconds(rng.random_range(0..span));
            let channel = if rng.random_bool(p999) {
                Channel::Emergency
            } else if rng.random_bool(0.92) {
                Channel::NonEmergency
            } else {
                *[Channel::Online, Channel::Text, Channel::Email]
                    .choose(rng)
                    .expect("non-empty")
            };
            let emergency = channel == Channel::Emergency;
            let abandoned = !emergency && rng.random_bool(0.12);
            let grade = if emergency {
                if rng.random_bool(0.6) {
                    "IMMEDIATE"
                } else {
                    "PRIORITY"
                }
            } else {
                *["PRIORITY", "STANDARD", "STANDARD", "SCHEDULED", "RWD"]
                    .choose(rng)
                    .expect("non-empty")
            };
            PoolCall {
                call_ref: CallRef::parse("placeholder").expect("valid"),
                started_at,
                channel,
                incident_type: kind.to_string(),
                handler: Some(format!("CH-{:03}", rng.random_range(1..61))),
                answer_s: Some(if emergency {
                    rng.random_range(1..12)
                } else {
                    rng.random_range(20..900)
                }),
                duration_s: (!abandoned).then(|| rng.random_range(90..1400)),
                abandoned: Some(abandoned),
                grade: Some(grade.to_string()),
                area: Some(
                    ["North", "South", "East", "West", "Central"]
                        .choose(rng)
                        .expect("non-empty")
                        .to_string(),
                ),
                training: rng.random_bool(0.015),
                recording: None,
                details: Default::default(),
            }
        })
        .collect();
    calls.sort_by_key(|c| c.started_at);
    for (i, c) in calls.iter_mut().enumerate() {
        let d = c.started_at.with_timezone(&chrono_tz::Europe::London);
        c.call_ref = CallRef::parse(&format!("DS-{}-{:05}", d.format("%Y%m%d"), i + 1))
            .expect("valid reference");
        if !c.abandoned.unwrap_or(false) {
            c.recording = Some(format!("{}/{}.wav", d.format("%Y/%m"), c.call_ref));
        }
    }
    add_control_room_detail(&mut calls);
    calls
}

/// What the control-room figures need, shaped like a real force's year: 999 calls mostly answered
/// within 10 seconds and 101 callers waiting minutes (abandoned calls have no answer time);
/// officers reaching most IMMEDIATE calls within 15 minutes and PRIORITY ones within the hour;
/// outcomes by grade; a dozen callers who ring again and again; and a survey of some callers,
/// less satisfied the longer they waited. Drawn from its own generator, so the rest of the demo
/// (the sessions, their draws and answers) is the same as before this detail was added.
fn add_control_room_detail(calls: &mut [PoolCall]) {
    let rng = &mut ChaCha20Rng::seed_from_u64(0x0015_c0de);
    let minutes = |rng: &mut ChaCha20Rng, lo: i64, hi: i64| {
        Duration::seconds(rng.random_range(lo * 60..hi * 60))
    };
    for (i, c) in calls.iter_mut().enumerate() {
        let abandoned = c.abandoned == Some(true);
        c.answer_s = if abandoned {
            None
        } else if c.channel == Channel::Emergency {
            Some(match rng.random_range(0..100) {
                0..88 => rng.random_range(1..=10),
                88..98 => rng.random_range(11..=60),
                _ => rng.random_range(61..=180),
            })
        } else {
            Some(match rng.random_range(0..100) {
                0..40 => rng.random_range(15..120),
                40..85 => rng.random_range(120..600),
                _ => rng.random_range(600..1800),
            })
        };
        if abandoned {
            continue;
        }
        let grade = c.grade.as_deref().unwrap_or("");
        let (arrival, resolution) = match grade {
            "IMMEDIATE" => (
                Some(if rng.random_bool(0.82) {
                    minutes(rng, 3, 15)
                } else {
                    minutes(rng, 15, 40)
                }),
                Resolution::Deployed,
            ),
            "PRIORITY" => (
                rng.random_bool(0.95).then(|| {
                    if rng.random_bool(0.76) {
                        minutes(rng, 10, 60)
                    } else {
                        minutes(rng, 60, 240)
                    }
                }),
                Resolution::Deployed,
            ),
            "STANDARD" if rng.random_bool(0.45) => {
                (Some(minutes(rng, 60, 48 * 60)), Resolution::Deployed)
            }
            "STANDARD" => (None, Resolution::WithoutDeployment),
            "SCHEDULED" => (None, Resolution::Appointment),
            _ => (
                None,
                *[
                    Resolution::WithoutDeployment,
                    Resolution::WithoutDeployment,
                    Resolution::WithoutDeployment,
                    Resolution::Referred,
                    Resolution::NoAction,
                ]
                .choose(rng)
                .expect("non-empty"),
            ),
        };
        c.details.arrived_at = arrival.map(|a| c.started_at + a);
        c.details.resolution = Some(resolution);
        c.details.incident_ref = Some(format!("INC-{:06}", i + 1));
        // A keyed hash in a real export; here a dozen frequent callers and everyone else once.
        c.details.caller = Some(if rng.random_bool(0.02) {
            format!("c-r{:02}", rng.random_range(0..12))
        } else {
            format!("c-{:016x}", rng.random::<u64>())
        });
        if rng.random_bool(0.15) {
            let waited = f64::from(c.answer_s.unwrap_or(0));
            let unhappy = 0.06 + (waited / 1800.0).min(0.45);
            let roll = rng.random::<f64>();
            c.details.satisfaction = Some(if roll < unhappy {
                Satisfaction::Dissatisfied
            } else if roll < unhappy + 0.14 {
                Satisfaction::Neutral
            } else {
                Satisfaction::Satisfied
            });
        }
    }
}
