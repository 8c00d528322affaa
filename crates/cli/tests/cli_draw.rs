//! The `callaudit` binary as a user drives it, drawing: quotas and filters checked by the
//! independent verifier, session draws, programme caps and what the export may be missing.

use std::process::Command;

mod support;
use support::*;

#[test]
fn a_draw_with_quotas_by_grade_satisfaction_type_and_repeat_callers_verifies_independently() {
    let r = Run::new();
    let mut csv =
        String::from("call_id,started_at,channel,incident_type,grade,area,satisfaction,caller\n");
    for i in 0..80 {
        // Caller K7 rings on 1, 2 and 3 April; everyone else once.
        let caller = if i < 3 {
            "K7".to_string()
        } else {
            format!("U{i}")
        };
        csv.push_str(&format!(
            "S{i:03},2024-04-{:02}T10:00:00Z,{},{},{},{},{},{caller}\n",
            1 + i % 28,
            ["999", "101"][i % 2],
            if i % 5 == 4 { "VIOLENCE" } else { "ASB" },
            ["IMMEDIATE", "PRIORITY", "STANDARD", "SCHEDULED"][i % 4],
            ["North", "South"][i % 2],
            ["Satisfied", "neutral", "DISSATISFIED", ""][(i / 2) % 4],
        ));
    }
    let pool = r.write("pool.csv", &csv);
    let p = pool.to_str().unwrap();
    let drawn = r.cmd(&[
        "sample",
        "draw",
        "--pool",
        p,
        "--size",
        "10",
        "--quota",
        "999=2",
        "--quota",
        "grade:immediate=2",
        "--quota",
        "satisfaction:dissatisfied=3",
        "--quota",
        "repeat-callers=2",
        "--quota",
        "type:Violence=1",
        "--seed",
        "strata",
        "--format",
        "json",
        "--output",
        "rec.json",
    ]);
    assert!(drawn.status.success(), "{}", err(&drawn));
    let rec: serde_json::Value = serde_json::from_slice(&drawn.stdout).unwrap();
    assert_eq!(rec["calls"].as_array().unwrap().len(), 10);
    assert_eq!(
        rec["spec"]["strata"],
        serde_json::json!([
            {"by": "grade", "value": "immediate", "calls": 2},
            {"by": "repeat-callers", "calls": 2},
            {"by": "satisfaction", "value": "dissatisfied", "calls": 3},
            {"by": "type", "value": "Violence", "calls": 1},
        ])
    );
    let ok = r.cmd(&["sample", "verify", "rec.json", "--pool", p]);
    assert!(ok.status.success(), "{}", err(&ok));
    python_verifies(&r.path("rec.json"), p);
    // A force's own export, not in the pool format, is named as such rather than a crash.
    let foreign = r.write("foreign.csv", "Ref,When\nS000,2024-04-01\n");
    if let Ok(py) = Command::new("python3")
        .arg(repo("scripts/verify_draw.py"))
        .arg(r.path("rec.json"))
        .arg(&foreign)
        .output()
    {
        assert_eq!(py.status.code(), Some(2), "{}{}", out(&py), err(&py));
        assert!(
            out(&py).contains("has no column call_id, started_at, channel, incident_type"),
            "{}",
            out(&py)
        );
    }
    // Changing the caller of a call after the draw changes what the repeat-caller quota counts:
    // both checks say the pool changed.
    let changed = r.write("changed.csv", &csv.replace("U40", "K7"));
    let c = changed.to_str().unwrap();
    let bad = r.cmd(&["sample", "verify", "rec.json", "--pool", c]);
    assert!(
        !bad.status.success() && err(&bad).contains("pool changed"),
        "{}",
        err(&bad)
    );
    let mistakes = r.cmd(&[
        "sample",
        "draw",
        "--pool",
        p,
        "--quota",
        "colour:red=2",
        "--quota",
        "grade:=1",
    ]);
    assert!(
        err(&mistakes).contains("\"colour\" is not something a quota counts by")
            && err(&mistakes).contains("a grade quota needs the grade it counts"),
        "{}",
        err(&mistakes)
    );
}

#[test]
fn a_draw_filtered_by_grade_length_and_outcome_takes_only_recorded_calls_and_verifies_independently()
 {
    let r = Run::new();
    let mut csv = String::from(
        "call_id,started_at,channel,incident_type,handler,area,grade,duration_s,resolution,recording\n",
    );
    for i in 0..60 {
        csv.push_str(&format!(
            "F{i:03},2024-04-{:02}T10:00:00Z,999,ASB,H{},{},{},{},{},{}\n",
            1 + i % 28,
            i % 5,
            ["North", "South"][i % 2],
            ["IMMEDIATE", "PRIORITY", "STANDARD"][i % 3],
            30 * (i % 7),
            ["deployed", "RWD"][i % 2],
            if i % 4 == 0 {
                String::new()
            } else {
                format!("2024/04/F{i:03}.wav")
            }
        ));
    }
    // Eligible by hand: i % 3 != 2 (IMMEDIATE or PRIORITY), 30 * (i % 7) >= 60, i odd (RWD) and
    // i % 4 != 0 (recorded; every odd i is).
    let expected = (0..60)
        .filter(|i| i % 3 != 2 && 30 * (i % 7) >= 60 && i % 2 == 1)
        .count();
    let pool = r.write("pool.csv", &csv);
    let p = pool.to_str().unwrap();
    let spec = [
        "sample",
        "draw",
        "--pool",
        p,
        "--grade",
        "immediate",
        "--grade",
        "PRIORITY",
        "--min-duration",
        "60",
        "--resolution",
        "rwd",
        "--size",
        "4",
    ];
    let committed = r.cmd(&spec);
    assert!(
        out(&committed).contains(&format!("pool committed: {expected} eligible calls"))
            && out(&committed).contains("only calls with a recording are eligible"),
        "{}{}",
        out(&committed),
        err(&committed)
    );
    let drawn = r.cmd(
        &[
            &spec[..],
            &[
                "--seed", "filters", "--format", "json", "--output", "rec.json",
            ],
        ]
        .concat(),
    );
    let rec: serde_json::Value = serde_json::from_slice(&drawn.stdout).unwrap();
    assert_eq!(rec["eligible_calls"], expected);
    assert_eq!(rec["spec"]["recording_required"], true);
    assert_eq!(
        rec["spec"]["resolutions"],
        serde_json::json!(["resolved-without-deployment"])
    );
    let ok = r.cmd(&["sample", "verify", "rec.json", "--pool", p]);
    assert!(ok.status.success(), "{}", err(&ok));
    python_verifies(&r.path("rec.json"), p);
    // Without the outcome filter, a quarter of the calls have no recording: left out by default,
    // back with --recording any.
    let by_grade = &spec[..10];
    let count = |recorded: bool| {
        (0..60)
            .filter(|i| i % 3 != 2 && 30 * (i % 7) >= 60 && (!recorded || i % 4 != 0))
            .count()
    };
    assert!(
        out(&r.cmd(by_grade)).contains(&format!("pool committed: {} eligible calls", count(true)))
    );
    let any = r.cmd(&[by_grade, &["--recording", "any"]].concat());
    assert!(
        out(&any).contains(&format!("pool committed: {} eligible calls", count(false)))
            && count(false) > count(true),
        "{}",
        out(&any)
    );
    let bad = r.cmd(&[&spec[..], &["--resolution", "arrested"]].concat());
    assert!(
        err(&bad).contains("--resolution \"arrested\" is not a known resolution"),
        "{}",
        err(&bad)
    );
}

#[test]
fn a_file_draw_verifies_and_any_change_to_the_pool_is_caught() {
    let r = Run::new();
    let mut csv = String::from("call_id,started_at,channel,incident_type,handler,training\n");
    for i in 0..40 {
        let ch = if i % 2 == 0 { "999" } else { "101" };
        let kind = if i % 3 == 0 { "HATE CRIME" } else { "ASB" };
        csv.push_str(&format!(
            "C{i:03},2024-04-{:02}T10:00:00Z,{ch},{kind},H{},{}\n",
            1 + i % 28,
            i % 4,
            i == 7
        ));
    }
    let pool = r.write("pool.csv", &csv);
    let p = pool.to_str().unwrap();
    let spec = [
        "sample",
        "draw",
        "--pool",
        p,
        "--quota",
        "999=3",
        "--quota",
        "101=3",
        "--max-per-handler",
        "2",
    ];
    let committed = r.cmd(&[&spec[..], &["--format", "json"]].concat());
    let c: serde_json::Value = serde_json::from_slice(&committed.stdout).unwrap();
    assert_eq!(c["eligible_calls"], 39, "the training call is not eligible");

    let drawn = r.cmd(
        &[
            &spec[..],
            &[
                "--seed",
                "dice 3 5 1",
                "--format",
                "json",
                "--output",
                "rec.json",
            ],
        ]
        .concat(),
    );
    let rec: serde_json::Value = serde_json::from_slice(&drawn.stdout).unwrap();
    assert_eq!(
        rec["pool_digest"], c["pool_digest"],
        "the digest shown before the seed is the one drawn from"
    );
    assert_eq!(rec["calls"].as_array().unwrap().len(), 6);
    let ok = r.cmd(&["sample", "verify", "rec.json", "--pool", p]);
    assert!(ok.status.success(), "{}", err(&ok));
    assert!(out(&ok).starts_with("verified: the pool (39 eligible calls"));

    // The independent re-implementation agrees, when Python is there to run it.
    if let Some(said) = python_verifies(&r.path("rec.json"), p) {
        assert!(said.starts_with("reproduces: 6 calls from 39 eligible"));
    }

    let tampered = r.write("tampered.csv", &csv.replace("C005,", "C005X,"));
    let bad = r.cmd(&[
        "sample",
        "verify",
        "rec.json",
        "--pool",
        tampered.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        err(&bad).starts_with("not verified: pool changed:"),
        "{}",
        err(&bad)
    );

    let mut edited: serde_json::Value = rec.clone();
    edited["calls"][0] = serde_json::Value::String("C038".into());
    std::fs::write(r.path("edited.json"), edited.to_string()).unwrap();
    let bad = r.cmd(&["sample", "verify", "edited.json", "--pool", p]);
    if rec["calls"][0] != "C038" {
        assert!(
            err(&bad).starts_with("not verified: selection differs"),
            "{}",
            err(&bad)
        );
    }
}

#[test]
fn a_session_draw_needs_a_commitment_and_an_unchanged_pool() {
    let r = Run::new();
    let csv = pool_csv(30, None, "BURGLARY");
    let pool = r.write("pool.csv", &csv);
    r.cmd(&["import", "calls", pool.to_str().unwrap()]);
    assert!(
        out(&r.cmd(&[
            "session",
            "plan",
            "--date",
            "2024-05-01",
            "--focus",
            "burglary"
        ]))
        .starts_with("planned session 1")
    );

    let early = r.cmd(&["sample", "draw", "--session", "1", "--seed", "too soon"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(
        err(&early).contains("has no committed pool"),
        "{}",
        err(&early)
    );

    let wrong = r.cmd(&["sample", "draw", "--session", "1", "--focus", "BURGLRY"]);
    assert!(
        err(&wrong).contains("The pool's commonest incident types are: BURGLARY (30)"),
        "{}",
        err(&wrong)
    );

    let commit = r.cmd(&["sample", "draw", "--session", "1"]);
    assert!(
        out(&commit).starts_with("pool committed: 30 eligible calls"),
        "{}",
        err(&commit)
    );

    // The force adds a call after the commitment: the draw is refused.
    let more = r.write(
        "more.csv",
        "call_id,started_at,channel,incident_type\nC999,2024-04-20 10:00,999,BURGLARY\n",
    );
    r.cmd(&["import", "calls", more.to_str().unwrap()]);
    let changed = r.cmd(&["sample", "draw", "--session", "1", "--seed", "panel"]);
    assert!(
        err(&changed).contains("the pool has changed since it was committed"),
        "{}",
        err(&changed)
    );

    r.cmd(&["sample", "draw", "--session", "1"]);
    let drawn = r.cmd(&[
        "sample",
        "draw",
        "--session",
        "1",
        "--seed",
        "panel",
        "--format",
        "json",
        "--output",
        "rec.json",
    ]);
    assert!(drawn.status.success(), "{}", err(&drawn));
    let twice = r.cmd(&["sample", "draw", "--session", "1", "--seed", "another"]);
    assert!(err(&twice).contains("was drawn already"), "{}", err(&twice));
    assert!(
        r.cmd(&["sample", "verify", "rec.json", "--session", "1"])
            .status
            .success()
    );
    let list = out(&r.cmd(&["session", "list"]));
    assert!(list.contains("open     10 calls  burglary"), "{list}");
}

#[test]
fn a_programme_caps_its_samples_and_the_cap_can_be_changed() {
    let r = Run::new();
    let csv = pool_csv(30, Some("999"), "ASB");
    let pool = r.write("pool.csv", &csv);
    r.cmd(&["import", "calls", pool.to_str().unwrap()]);
    r.cmd(&["session", "plan", "--date", "2024-05-01"]);
    let list = out(&r.cmd(&["programme", "list"]));
    assert!(
        list.contains("call-audit") && list.ends_with("samples of at most 10\n"),
        "{list}"
    );
    let big = r.cmd(&["sample", "draw", "--session", "1", "--size", "12"]);
    assert_eq!(
        err(&big).trim(),
        "callaudit: sample size 12 is out of range; expected 1 to 10 (see --size or --quota)"
    );
    let id = list.split_whitespace().next().unwrap();
    assert!(
        out(&r.cmd(&["programme", "set", id, "--max-sample", "12"]))
            .ends_with("now draws samples of at most 12\n")
    );
    assert!(
        out(&r.cmd(&["sample", "draw", "--session", "1", "--size", "12"]))
            .starts_with("pool committed: 30 eligible calls")
    );
    // File mode takes its cap from the command line.
    let capped = r.cmd(&[
        "sample",
        "draw",
        "--pool",
        pool.to_str().unwrap(),
        "--size",
        "20",
        "--max-size",
        "15",
    ]);
    assert!(
        err(&capped).contains("sample size 20 is out of range; expected 1 to 15"),
        "{}",
        err(&capped)
    );
}

#[test]
fn a_commitment_says_what_the_export_may_be_missing() {
    let r = Run::new();
    // Five weeks of twelve calls a day, numbered in sequence; the export has lost most of
    // Tuesday 16 April (2 calls left) and, on 3 April, the calls numbered 30 to 32.
    let mut csv = String::from("call_id,started_at,channel,incident_type\n");
    let mut n = 0;
    for day in 1..=35 {
        let date =
            chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap() + chrono::Duration::days(day - 1);
        for h in 0..12 {
            n += 1;
            if (date.to_string() == "2024-04-16" && h >= 2) || (30..=32).contains(&n) {
                continue;
            }
            csv.push_str(&format!("INC-{n:06},{date} {:02}:00,999,ASB\n", 8 + h));
        }
    }
    let pool = r.write("pool.csv", &csv);
    r.cmd(&["import", "calls", pool.to_str().unwrap()]);
    r.cmd(&["session", "plan", "--date", "2024-05-10"]);
    // The force's own figures say 17 April had 13 calls; the export holds 12.
    let totals = r.cmd(&["totals", "2024-04-17=13", "2024-04-18=12"]);
    assert_eq!(
        out(&totals),
        "2024-04-17: 13 calls\n2024-04-18: 12 calls\n",
        "{}",
        err(&totals)
    );
    let bad = r.cmd(&["totals", "17/04=13"]);
    assert!(err(&bad).contains("\"17/04=13\" is not a day and its total"));
    let c = r.cmd(&[
        "sample",
        "draw",
        "--session",
        "1",
        "--from",
        "2024-04-01",
        "--to",
        "2024-05-05",
    ]);
    assert!(c.status.success(), "{}", err(&c));
    let missing_day = n_after("2024-04-16");
    assert_eq!(
        err(&c),
        format!(
            "warning: 17 April 2024 has 12 calls in the pool, where the force's own total is 13: 1 missing\n\
             warning: 16 April 2024 has 2 calls, where a Tuesday usually has 12: the export may be missing part of that day\n\
             warning: {} references in the sequence INC-… are missing (INC-000030 to INC-000032, INC-{:06} to INC-{:06})\n",
            3 + 10,
            missing_day.0,
            missing_day.1
        )
    );
}

/// The numbers the test pool leaves out on a day, first and last (12 calls a day from 1 April,
/// of which the first two are kept).
fn n_after(day: &str) -> (u32, u32) {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let index = (d - chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()).num_days() as u32;
    (index * 12 + 3, index * 12 + 12)
}

/// Incident logs for calls `C000…C0nn` of [`pool_csv`]: the first `tripped` are silent 999 calls
/// closed with no call-back (seed 003's Silent Solution case), the rest well handled.
fn logs_csv(calls: std::ops::Range<usize>, tripped: usize) -> String {
    let mut csv = String::from("incident_ref,call_id,at,kind,value,text,by\n");
    for i in calls.clone() {
        let day = 1 + i % 28;
        let at = |m: u32| format!("2024-04-{day:02} 10:{m:02}");
        let row = |m, kind: &str, value: &str, text: &str| {
            format!("INC-{i},C{i:03},{},{kind},{value},{text},H1\n", at(m))
        };
        csv.push_str(&row(1, "opened", "BURGLARY", ""));
        if i - calls.start < tripped {
            csv.push_str(&row(2, "silent-call", "NO-RESPONSE", ""));
        }
        csv.push_str(&row(
            3,
            "thrive",
            "",
            "\"Threat low, no harm now, caller safe at home with a neighbour, no vulnerability\"",
        ));
        csv.push_str(&row(9, "closed", "NFA", ""));
    }
    csv
}

#[test]
fn a_log_prompts_quota_draws_from_logs_that_tripped_a_check_and_verifies_independently() {
    let r = Run::new();
    // In the canonical form (UTC times), which the independent verifier reads.
    let csv = pool_csv(30, None, "BURGLARY").replace(" 10:00", "T10:00:00Z");
    let pool = r.write("pool.csv", &csv);
    let p = pool.to_str().unwrap();
    r.cmd(&["import", "calls", p]);
    assert!(
        out(&r.cmd(&["session", "plan", "--date", "2024-05-01"])).starts_with("planned session 1")
    );
    let quota = [
        "sample",
        "draw",
        "--session",
        "1",
        "--quota",
        "log-prompts=3",
    ];
    let no_logs = r.cmd(&quota);
    assert_eq!(no_logs.status.code(), Some(1));
    assert!(
        err(&no_logs).contains("this force has none imported. Import them first"),
        "{}",
        err(&no_logs)
    );
    // A pool file does not hold the logs: said, not drawn wrong.
    let file = r.cmd(&["sample", "draw", "--pool", p, "--quota", "log-prompts=3"]);
    assert!(
        err(&file).contains("which a pool file does not hold"),
        "{}",
        err(&file)
    );

    let logs = r.write("logs.csv", &logs_csv(0..12, 5));
    assert!(
        r.cmd(&["import", "logs", logs.to_str().unwrap()])
            .status
            .success()
    );
    let commit = r.cmd(&quota);
    assert!(commit.status.success(), "{}", err(&commit));
    // Another log trips a check after the commitment: the draw is refused.
    let later = r.write("later.csv", &logs_csv(20..21, 1));
    assert!(
        r.cmd(&["import", "logs", later.to_str().unwrap()])
            .status
            .success()
    );
    let seeded = [
        "sample",
        "draw",
        "--session",
        "1",
        "--seed",
        "panel",
        "--format",
        "json",
        "--output",
        "rec.json",
    ];
    let changed = r.cmd(&seeded);
    assert!(
        err(&changed).contains("the incident logs have changed since the pool was committed (5 calls' logs tripped a check then, 6 now)"),
        "{}",
        err(&changed)
    );
    assert!(r.cmd(&quota).status.success());
    let drawn = r.cmd(&seeded);
    assert!(drawn.status.success(), "{}", err(&drawn));
    let rec: serde_json::Value = serde_json::from_slice(&drawn.stdout).unwrap();
    let prompted = ["C000", "C001", "C002", "C003", "C004", "C020"];
    assert_eq!(rec["spec"]["log_prompted"], serde_json::json!(prompted));
    let calls: Vec<&str> = rec["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(calls.len(), 10);
    assert_eq!(
        calls.iter().filter(|c| prompted.contains(c)).count(),
        3,
        "exactly the quota from the tripped logs: {calls:?}"
    );
    let ok = r.cmd(&["sample", "verify", "rec.json", "--session", "1"]);
    assert!(ok.status.success(), "{}", err(&ok));
    let ok = r.cmd(&["sample", "verify", "rec.json", "--pool", p]);
    assert!(ok.status.success(), "{}", err(&ok));
    python_verifies(&r.path("rec.json"), p);
}
