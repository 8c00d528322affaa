//! Properties of the verifiable draw: it is reproducible, it commits to the pool, it honours every
//! constraint, and it favours no call.

use std::collections::{BTreeMap, HashMap, HashSet};

use callaudit_domain::call::{CallRef, Channel, PoolCall, Satisfaction};
use callaudit_domain::sampling::{DrawSpec, Stratum, StratumBy, VerifyError, commit, draw, verify};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;

const TYPES: [&str; 4] = ["HATE CRIME", "BURGLARY", "ASB", "ROBBERY"];

fn call(i: usize, channel: Channel, kind: &str, handler: Option<&str>, training: bool) -> PoolCall {
    let start: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    PoolCall {
        call_ref: CallRef::parse(&format!("C{i:05}")).unwrap(),
        started_at: start + Duration::hours(i as i64 * 7),
        channel,
        incident_type: kind.into(),
        handler: handler.map(String::from),
        answer_s: None,
        duration_s: None,
        abandoned: None,
        grade: None,
        area: None,
        training,
        recording: None,
        details: Default::default(),
    }
}

fn arb_pool() -> impl Strategy<Value = Vec<PoolCall>> {
    prop::collection::vec(
        (
            0..3usize,
            0..4usize,
            prop::option::of(0..5usize),
            prop::bool::weighted(0.1),
        ),
        0..80,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (ch, ty, h, tr))| {
                let channel = [Channel::Emergency, Channel::NonEmergency, Channel::Online][ch];
                let handler = h.map(|h| format!("H{h}"));
                call(i, channel, TYPES[ty], handler.as_deref(), tr)
            })
            .collect()
    })
}

fn arb_spec() -> impl Strategy<Value = DrawSpec> {
    (
        1..15u32,
        prop::collection::vec(0..4usize, 0..2),
        prop::option::of((0..6u32, 0..6u32)),
        prop::option::of(1..4u32),
        prop::option::of((0..200i64, 0..200i64)),
        prop::collection::vec(0..80usize, 0..5),
    )
        .prop_map(|(size, focus, quotas, cap, window, exclude)| {
            let mut spec = DrawSpec::new(size);
            spec.focus = focus.into_iter().map(|i| TYPES[i].to_lowercase()).collect();
            if let Some((a, b)) = quotas {
                let mut q = BTreeMap::new();
                q.insert(Channel::Emergency, a.min(size));
                q.insert(Channel::NonEmergency, b.min(size - a.min(size)));
                spec.quotas = q;
            }
            spec.max_per_handler = cap;
            if let Some((a, len)) = window {
                let d0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
                spec.from = Some(d0 + Duration::days(a / 4));
                spec.to = Some(d0 + Duration::days(a / 4 + len / 4));
            }
            spec.exclude = exclude
                .into_iter()
                .map(|i| CallRef::parse(&format!("C{i:05}")).unwrap())
                .collect();
            spec.validate(50).expect("generated specs are valid")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn same_inputs_give_the_same_draw(pool in arb_pool(), spec in arb_spec(), seed in "[a-z0-9 ]{1,12}") {
        let a = draw(&pool, &spec, &seed);
        let mut shuffled = pool.clone();
        shuffled.reverse();
        let b = draw(&shuffled, &spec, &seed);
        prop_assert_eq!(&a, &b, "the order of rows in the export must not matter");
        prop_assert!(verify(&a, &pool).is_ok());
    }

    #[test]
    fn every_constraint_holds(pool in arb_pool(), spec in arb_spec(), seed in "[a-z0-9]{1,12}") {
        let rec = draw(&pool, &spec, &seed);
        let by_ref: HashMap<&str, &PoolCall> = pool.iter().map(|c| (c.call_ref.as_str(), c)).collect();
        prop_assert!(rec.calls.len() as u32 <= spec.size);
        let unique: HashSet<&CallRef> = rec.calls.iter().collect();
        prop_assert_eq!(unique.len(), rec.calls.len(), "no call twice");
        let mut per_handler: HashMap<&str, u32> = HashMap::new();
        let mut per_channel: HashMap<Channel, u32> = HashMap::new();
        for r in &rec.calls {
            let c = by_ref[r.as_str()];
            prop_assert!(!c.training, "training calls are never drawn");
            prop_assert!(!spec.exclude.contains(r), "audited calls are never drawn");
            if !spec.focus.is_empty() {
                prop_assert!(spec.focus.iter().any(|f| f.eq_ignore_ascii_case(&c.incident_type)));
            }
            let day = c.started_at.with_timezone(&chrono_tz::Europe::London).date_naive();
            prop_assert!(spec.from.is_none_or(|f| day >= f) && spec.to.is_none_or(|t| day <= t));
            if let Some(h) = c.handler.as_deref() {
                *per_handler.entry(h).or_default() += 1;
            }
            *per_channel.entry(c.channel).or_default() += 1;
        }
        if let Some(cap) = spec.max_per_handler {
            prop_assert!(per_handler.values().all(|n| *n <= cap));
        }
        for (ch, q) in &spec.quotas {
            prop_assert!(per_channel.get(ch).copied().unwrap_or(0) <= *q);
        }
        // The sample is as full as the pool allows: it falls short only with a reason given.
        if (rec.calls.len() as u32) < spec.size {
            prop_assert!(!rec.shortfalls.is_empty());
        }
    }

    #[test]
    fn any_change_to_an_eligible_call_changes_the_digest(pool in arb_pool(), which in 0..80usize, field in 0..4usize) {
        let spec = DrawSpec::new(10);
        let eligible: Vec<usize> = (0..pool.len()).filter(|i| !pool[*i].training).collect();
        prop_assume!(!eligible.is_empty());
        let i = eligible[which % eligible.len()];
        let before = commit(&pool, &spec).pool_digest;
        let mut changed = pool.clone();
        let c = &mut changed[i];
        match field {
            0 => c.started_at += Duration::seconds(1),
            1 => c.channel = if c.channel == Channel::Text { Channel::Email } else { Channel::Text },
            2 => c.incident_type.push('X'),
            _ => c.handler = Some(format!("{}X", c.handler.clone().unwrap_or_default())),
        }
        prop_assert_ne!(before, commit(&changed, &spec).pool_digest);
        let mut removed = pool.clone();
        removed.remove(i);
        prop_assert_ne!(commit(&pool, &spec).pool_digest, commit(&removed, &spec).pool_digest);
    }
}

#[test]
fn every_eligible_call_is_equally_likely_over_many_seeds() {
    // 20 calls, samples of 5, 4,000 fixed seeds: each call is expected 1,000 times. The seeds are
    // fixed, so this is deterministic; the bound is chi-square's 0.1% point for 19 degrees of freedom.
    let pool: Vec<PoolCall> = (0..20)
        .map(|i| {
            call(
                i,
                if i % 2 == 0 {
                    Channel::Emergency
                } else {
                    Channel::NonEmergency
                },
                "ASB",
                None,
                false,
            )
        })
        .collect();
    let spec = DrawSpec::new(5);
    let mut counts = vec![0u32; 20];
    for s in 0..4000 {
        for r in draw(&pool, &spec, &format!("seed {s}")).calls {
            counts[r.as_str()[1..].parse::<usize>().unwrap()] += 1;
        }
    }
    let expected = 4000.0 * 5.0 / 20.0;
    let chi2: f64 = counts
        .iter()
        .map(|&n| (f64::from(n) - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 43.82, "chi-square {chi2:.2} over counts {counts:?}");
    assert!(counts.iter().all(|&n| n > 0));
}

#[test]
fn a_quota_that_cannot_be_met_is_said_plainly_and_what_exists_is_drawn() {
    let mut pool: Vec<PoolCall> = (0..8)
        .map(|i| call(i, Channel::NonEmergency, "ASB", None, false))
        .collect();
    pool.push(call(8, Channel::Emergency, "ASB", None, false));
    pool.push(call(9, Channel::Emergency, "ASB", None, true));
    let mut spec = DrawSpec::new(10);
    spec.quotas = BTreeMap::from([(Channel::Emergency, 5), (Channel::NonEmergency, 5)]);
    let rec = draw(&pool, &spec, "panel seed");
    assert_eq!(rec.calls.len(), 6);
    assert_eq!(
        rec.shortfalls,
        ["the quota asked for 5 999 calls but only 1 eligible 999 calls could be drawn"]
    );
}

#[test]
fn verify_names_what_changed() {
    let pool: Vec<PoolCall> = (0..30)
        .map(|i| call(i, Channel::Emergency, "ASB", None, false))
        .collect();
    let rec = draw(&pool, &DrawSpec::new(10), "42 and blue");
    assert_eq!(verify(&rec, &pool), Ok(()));

    let mut other = pool.clone();
    other[3].incident_type = "BURGLARY".into();
    assert!(matches!(
        verify(&rec, &other),
        Err(VerifyError::PoolChanged { .. })
    ));

    let mut spec_edited = rec.clone();
    spec_edited.spec.size = 9;
    assert!(matches!(
        verify(&spec_edited, &pool),
        Err(VerifyError::SpecChanged { .. })
    ));

    let mut picked = rec.clone();
    picked.calls[0] = CallRef::parse("C00029").unwrap();
    if rec.calls[0].as_str() != "C00029" {
        let e = verify(&picked, &pool).unwrap_err();
        assert!(e.to_string().starts_with("selection differs"), "{e}");
    }
}

#[test]
fn the_draw_is_stable_across_versions() {
    // A published record must verify with every later build: this pins the algorithm's output.
    let pool: Vec<PoolCall> = (0..12)
        .map(|i| call(i, Channel::Emergency, "ASB", Some("H1"), false))
        .collect();
    let rec = draw(&pool, &DrawSpec::new(3), "stable");
    let refs: Vec<&str> = rec.calls.iter().map(CallRef::as_str).collect();
    assert_eq!(rec.spec_digest.len(), 64);
    insta_like(&format!("{} {:?}", rec.pool_digest, refs));
}

/// Compares against the value recorded when the algorithm was written down in docs/sampling.md.
fn insta_like(got: &str) {
    let want = include_str!("sampling_pinned.txt").trim();
    assert_eq!(
        got, want,
        "the draw algorithm's output changed: old records would no longer verify"
    );
}

#[test]
fn a_specification_without_the_later_filters_digests_and_reads_as_before_them() {
    let mut spec = DrawSpec::new(10);
    spec.focus = vec!["Hate Crime".into()];
    spec.quotas = BTreeMap::from([(Channel::Emergency, 5)]);
    spec.from = NaiveDate::from_ymd_opt(2024, 4, 1);
    spec.max_per_handler = Some(2);
    spec.exclude = vec![CallRef::parse("X1").unwrap()];
    // Written out by hand from docs/sampling.md, as it stood before filters existed.
    assert_eq!(
        spec.canonical(),
        "callaudit-draw-v1\nsize=10\nfocus=hatecrime\nquota=999:5\nfrom=2024-04-01\nto=\nmax_per_handler=2\ntimezone=Europe/London\nexclude=X1\n"
    );
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(
        json,
        r#"{"size":10,"focus":["Hate Crime"],"quotas":{"999":5},"from":"2024-04-01","to":null,"max_per_handler":2,"timezone":"Europe/London","exclude":["X1"]}"#
    );
    let back: DrawSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back, spec,
        "an old record's specification reads back unchanged"
    );
}

#[test]
fn filters_admit_only_the_calls_they_name_and_are_committed_to() {
    use callaudit_domain::call::Resolution;
    let mut pool: Vec<PoolCall> = (0..6)
        .map(|i| call(i, Channel::Emergency, "ASB", None, false))
        .collect();
    for (i, c) in pool.iter_mut().enumerate() {
        c.area = Some(["North", "South"][i % 2].into());
        c.grade = Some(["IMMEDIATE", "PRIORITY", "STANDARD"][i % 3].into());
        c.duration_s = Some(60 * i as u32);
        c.recording = (i != 4).then(|| format!("r/{i}.wav"));
        c.details.resolution = Some(if i < 3 {
            Resolution::Deployed
        } else {
            Resolution::WithoutDeployment
        });
    }
    let admitted = |f: &dyn Fn(&mut DrawSpec)| -> Vec<usize> {
        let mut spec = DrawSpec::new(6);
        f(&mut spec);
        let spec = spec.validate(50).unwrap();
        spec.eligible(&pool)
            .iter()
            .map(|c| c.call_ref.as_str()[1..].parse().unwrap())
            .collect()
    };
    assert_eq!(admitted(&|s| s.areas = vec!["north ".into()]), [0, 2, 4]);
    assert_eq!(admitted(&|s| s.grades = vec!["Priority".into()]), [1, 4]);
    assert_eq!(
        admitted(&|s| s.resolutions = vec![Resolution::WithoutDeployment]),
        [3, 4, 5]
    );
    assert_eq!(admitted(&|s| s.min_duration_s = Some(180)), [3, 4, 5]);
    assert_eq!(admitted(&|s| s.recording_required = true), [0, 1, 2, 3, 5]);
    let mut spec = DrawSpec::new(6);
    spec.grades = vec!["priority".into(), "IMMEDIATE".into()];
    spec.resolutions = vec![Resolution::WithoutDeployment];
    spec.min_duration_s = Some(30);
    spec.recording_required = true;
    let spec = spec.validate(50).unwrap();
    assert!(
        spec.canonical().ends_with(
            "timezone=Europe/London\ngrade=immediate\ngrade=priority\nresolution=resolved-without-deployment\nmin_duration_s=30\nrecording_required=yes\n"
        ),
        "{}",
        spec.canonical()
    );
    let rec = draw(&pool, &spec, "seed");
    assert_eq!(
        rec.eligible_calls, 1,
        "call 3 alone: IMMEDIATE, RWD, 180 s, recorded"
    );
    assert!(verify(&rec, &pool).is_ok());
    // A record travels as JSON and verifies after the trip.
    let back: callaudit_domain::sampling::DrawRecord =
        serde_json::from_str(&serde_json::to_string(&rec).unwrap()).unwrap();
    assert!(verify(&back, &pool).is_ok());
}

/// A pool whose calls carry the values strata count by: grade, area, satisfaction, caller.
fn stratified_pool() -> Vec<PoolCall> {
    (0..40)
        .map(|i| {
            let mut c = call(i, Channel::NonEmergency, "ASB", None, false);
            c.grade = Some(["IMMEDIATE", "PRIORITY", "STANDARD", "SCHEDULED"][i % 4].into());
            c.area = Some(["North", "South"][i % 2].into());
            c.details.satisfaction = Some(
                [
                    Satisfaction::Satisfied,
                    Satisfaction::Neutral,
                    Satisfaction::Dissatisfied,
                ][i % 3],
            );
            // Calls are 7 hours apart: caller K1 rings at calls 0, 1, 2 (within a day), caller K2
            // at calls 10 and 30 only (not a repeat caller), everyone else once.
            c.details.caller = Some(match i {
                0..=2 => "K1".into(),
                10 | 30 => "K2".into(),
                _ => format!("U{i}"),
            });
            c
        })
        .collect()
}

fn strata_spec(size: u32, strata: &[(StratumBy, Option<&str>, u32)]) -> DrawSpec {
    let mut spec = DrawSpec::new(size);
    spec.strata = strata
        .iter()
        .map(|(by, value, calls)| Stratum {
            by: *by,
            value: value.map(String::from),
            calls: *calls,
        })
        .collect();
    spec.validate(50).expect("valid strata")
}

#[test]
fn strata_reserve_exactly_their_calls_and_are_written_into_both_digests() {
    let pool = stratified_pool();
    let spec = strata_spec(
        12,
        &[
            (StratumBy::Satisfaction, Some("Dissatisfied"), 4),
            (StratumBy::Grade, Some("immediate"), 3),
            (StratumBy::RepeatCallers, None, 2),
        ],
    );
    assert!(
        spec.canonical().ends_with(
            "timezone=Europe/London\nstratum=grade:immediate:3\nstratum=repeat-callers:2\nstratum=satisfaction:dissatisfied:4\n"
        ),
        "{}",
        spec.canonical()
    );
    let by_ref: HashMap<&str, &PoolCall> = pool.iter().map(|c| (c.call_ref.as_str(), c)).collect();
    for seed in ["a", "b", "c", "green 4 2"] {
        let rec = draw(&pool, &spec, seed);
        assert_eq!(rec.calls.len(), 12, "{:?}", rec.shortfalls);
        assert!(rec.shortfalls.is_empty());
        let drawn: Vec<&PoolCall> = rec.calls.iter().map(|r| by_ref[r.as_str()]).collect();
        let repeat = drawn
            .iter()
            .filter(|c| c.details.caller.as_deref() == Some("K1"))
            .count();
        // K1's calls may also be counted by the grade or satisfaction quota first; at least the
        // quota's two come from K1, and no other caller is a repeat caller.
        assert!(
            repeat >= 2,
            "seed {seed}: {repeat} calls from the repeat caller"
        );
        let immediate = drawn
            .iter()
            .filter(|c| c.grade.as_deref() == Some("IMMEDIATE"))
            .count();
        let dissatisfied = drawn
            .iter()
            .filter(|c| {
                c.details
                    .satisfaction
                    .is_some_and(|s| s.code() == "dissatisfied")
            })
            .count();
        assert!(immediate >= 3, "seed {seed}: {immediate}");
        assert!(dissatisfied >= 4, "seed {seed}: {dissatisfied}");
        // A call some quota counts is never taken in an open place: the open places (12 less
        // the 9 reserved) hold exactly the calls no quota counts.
        let uncounted = drawn
            .iter()
            .filter(|c| {
                c.grade.as_deref() != Some("IMMEDIATE")
                    && c.details.satisfaction != Some(Satisfaction::Dissatisfied)
                    && c.details.caller.as_deref() != Some("K1")
            })
            .count();
        assert_eq!(uncounted, 3, "seed {seed}");
        assert!(verify(&rec, &pool).is_ok());
        let back: callaudit_domain::sampling::DrawRecord =
            serde_json::from_str(&serde_json::to_string(&rec).unwrap()).unwrap();
        assert!(verify(&back, &pool).is_ok());
    }

    // The values a stratum counts by are committed to: a grade changed after the commitment
    // changes the pool digest when grade is counted, and not otherwise.
    let mut regraded = pool.clone();
    regraded[5].grade = Some("IMMEDIATE".into());
    assert_ne!(
        commit(&pool, &spec).pool_digest,
        commit(&regraded, &spec).pool_digest
    );
    let plain = DrawSpec::new(12);
    assert_eq!(
        commit(&pool, &plain).pool_digest,
        commit(&regraded, &plain).pool_digest
    );
    let mut recalled = pool.clone();
    recalled[20].details.caller = Some("K2".into());
    assert_ne!(
        commit(&pool, &spec).pool_digest,
        commit(&recalled, &spec).pool_digest,
        "the caller is committed to when repeat callers are counted"
    );
}

#[test]
fn a_stratum_the_pool_cannot_fill_is_said_plainly() {
    let pool = stratified_pool();
    let spec = strata_spec(
        10,
        &[
            (StratumBy::RepeatCallers, None, 5),
            (StratumBy::Area, Some("Nowhere"), 1),
        ],
    );
    let rec = draw(&pool, &spec, "x");
    assert_eq!(
        rec.shortfalls,
        [
            "the quota asked for 1 call from area Nowhere but only 0 eligible ones could be drawn",
            "the quota asked for 5 calls from repeat callers but only 3 eligible ones could be drawn",
        ]
    );
    assert_eq!(rec.calls.len(), 3 + 4, "the open places are filled");
}

#[test]
fn a_log_prompts_stratum_draws_from_the_listed_calls_and_the_list_is_in_the_spec_digest() {
    let pool = stratified_pool();
    let mut spec = strata_spec(6, &[(StratumBy::LogPrompts, None, 3)]);
    let listed: Vec<CallRef> = [20, 5, 11, 27, 5]
        .iter()
        .map(|&i| pool[i].call_ref.clone())
        .collect();
    spec.log_prompted = listed.clone();
    let spec = spec.validate(50).unwrap();
    assert_eq!(spec.log_prompted.len(), 4, "sorted and deduplicated");
    let canonical = spec.canonical();
    assert!(canonical.contains("stratum=log-prompts:3\n"), "{canonical}");
    let lines: Vec<&str> = canonical
        .lines()
        .filter(|l| l.starts_with("log_prompted="))
        .collect();
    assert_eq!(lines.len(), 4, "{canonical}");
    let mut sorted = lines.clone();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(lines, sorted, "in byte order");
    let without = strata_spec(6, &[]);
    assert_eq!(
        commit(&pool, &spec).pool_digest,
        commit(&pool, &without).pool_digest,
        "the stratum adds nothing to the pool's lines"
    );
    let prompted: HashSet<&str> = listed.iter().map(CallRef::as_str).collect();
    for seed in ["a", "b", "c", "d", "e"] {
        let rec = draw(&pool, &spec, seed);
        assert_eq!(rec.calls.len(), 6, "{:?}", rec.shortfalls);
        let taken = rec
            .calls
            .iter()
            .filter(|c| prompted.contains(c.as_str()))
            .count();
        assert_eq!(taken, 3, "seed {seed}: exactly the quota from the list");
        assert_eq!(verify(&rec, &pool), Ok(()));
    }
    // The list is committed to: another list is another specification.
    let mut other = spec.clone();
    other.log_prompted.pop();
    assert_ne!(spec.digest(), other.digest());
    assert_eq!(
        callaudit_domain::sampling::parse_quota("log-prompts=2"),
        Ok(callaudit_domain::sampling::Quota::Stratum(Stratum {
            by: StratumBy::LogPrompts,
            value: None,
            calls: 2
        }))
    );
    let mut valued = strata_spec(6, &[]);
    valued.strata.push(Stratum {
        by: StratumBy::LogPrompts,
        value: Some("x".into()),
        calls: 1,
    });
    let text = callaudit_domain::sampling::problems_text(&valued.validate(50).unwrap_err(), "\n");
    assert!(
        text.contains("the log-prompts quota takes no value"),
        "{text}"
    );
}

#[test]
fn a_dip_sample_takes_the_same_number_of_each_incident_type() {
    // Seed 002: "a small dip sample of 15 records of each incident type".
    let types = ["VIOLENCE", "SEXUAL OFFENCES", "DOMESTIC ABUSE", "ASB"];
    let pool: Vec<PoolCall> = (0..200)
        .map(|i| call(i, Channel::Emergency, types[i % 7 % 4], None, false))
        .collect();
    let spec = strata_spec(
        45,
        &[
            (StratumBy::IncidentType, Some("violence"), 15),
            (StratumBy::IncidentType, Some("Sexual Offences"), 15),
            (StratumBy::IncidentType, Some("DOMESTIC ABUSE"), 15),
        ],
    );
    assert!(
        spec.canonical()
            .contains("stratum=type:domesticabuse:15\nstratum=type:sexualoffences:15\nstratum=type:violence:15\n"),
        "{}",
        spec.canonical()
    );
    assert_eq!(
        commit(&pool, &spec).pool_digest,
        commit(&pool, &strata_spec(45, &[])).pool_digest,
        "the type is on the pool's lines already"
    );
    let kind: HashMap<&str, &str> = pool
        .iter()
        .map(|c| (c.call_ref.as_str(), c.incident_type.as_str()))
        .collect();
    for seed in ["july", "august"] {
        let rec = draw(&pool, &spec, seed);
        assert!(rec.shortfalls.is_empty(), "{:?}", rec.shortfalls);
        for t in &types[..3] {
            let n = rec.calls.iter().filter(|c| kind[c.as_str()] == *t).count();
            assert_eq!(n, 15, "seed {seed}: {t}");
        }
        assert_eq!(verify(&rec, &pool), Ok(()));
    }
}

#[test]
fn strata_that_make_no_sense_are_refused_with_every_reason() {
    let mut spec = DrawSpec::new(5);
    for (by, value, calls) in [
        (StratumBy::Grade, None, 2),
        (StratumBy::Satisfaction, Some("happy"), 2),
        (StratumBy::RepeatCallers, Some("yes"), 1),
        (StratumBy::Area, Some("North"), 0),
        (StratumBy::Area, Some("north "), 1),
    ] {
        spec.strata.push(Stratum {
            by,
            value: value.map(String::from),
            calls,
        });
    }
    let errors = spec.validate(50).unwrap_err();
    let text = callaudit_domain::sampling::problems_text(&errors, "\n");
    for want in [
        "a grade quota needs the grade it counts",
        "satisfaction quota \"happy\" is not a known satisfaction answer",
        "the repeat-callers quota takes no value",
        "a quota of 0 calls from area North reserves nothing",
        "two quotas count calls from area north",
        "the quotas add up to 6, more than the sample size 5",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// With quotas on one dimension only, each quota is met exactly when the pool holds enough
    /// of its calls, and no other call takes more than the open places.
    #[test]
    fn grade_strata_are_exact(immediate in 0..6u32, priority in 0..6u32, size in 1..15u32, seed in "[a-z]{1,8}") {
        let immediate = immediate.min(size);
        let priority = priority.min(size - immediate);
        let mut strata = Vec::new();
        if immediate > 0 { strata.push((StratumBy::Grade, Some("IMMEDIATE"), immediate)); }
        if priority > 0 { strata.push((StratumBy::Grade, Some("PRIORITY"), priority)); }
        let spec = strata_spec(size, &strata);
        let pool = stratified_pool();
        let rec = draw(&pool, &spec, &seed);
        let by_ref: HashMap<&str, &PoolCall> = pool.iter().map(|c| (c.call_ref.as_str(), c)).collect();
        let count = |g: &str| rec.calls.iter().filter(|r| by_ref[r.as_str()].grade.as_deref() == Some(g)).count() as u32;
        // Each grade has 10 calls in the pool: a grade with a quota has exactly its number, and
        // the open places go to the grades without one.
        if immediate > 0 {
            prop_assert_eq!(count("IMMEDIATE"), immediate);
        }
        if priority > 0 {
            prop_assert_eq!(count("PRIORITY"), priority);
        }
        if immediate > 0 && priority > 0 {
            prop_assert_eq!(count("STANDARD") + count("SCHEDULED"), size - immediate - priority);
        }
        prop_assert_eq!(rec.calls.len() as u32, size);
        prop_assert!(verify(&rec, &pool).is_ok());
    }
}
