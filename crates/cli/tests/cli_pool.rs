//! The `callaudit` binary as a user drives it, importing: the demo year, call pools and real
//! exports through profiles, past audits, transcripts, and imports started at once.

use std::path::PathBuf;
use std::process::Command;

mod support;
use support::*;

#[test]
fn the_demo_is_a_deterministic_year_and_loading_it_twice_changes_nothing() {
    let (a, b) = (Run::new(), Run::new());
    let first = a.cmd(&["demo"]);
    assert!(first.status.success(), "{}", err(&first));
    let text = out(&first);
    assert!(text.contains("sessions         17: closed 17"), "{text}");
    assert!(text.contains("call pool        7000 calls"), "{text}");
    // The same seed gives the same year, figure for figure.
    assert_eq!(out(&b.cmd(&["demo"])), text);
    let again = a.cmd(&["demo"]);
    assert!(
        out(&again).starts_with("The demo year is already loaded"),
        "{}",
        out(&again)
    );
    assert!(out(&again).ends_with(text.as_str()));
    let sessions = out(&a.cmd(&["session", "list"]));
    assert_eq!(
        sessions.lines().count(),
        30,
        "17 call audits, a calibration session and 12 data-integrity dip samples"
    );
    assert_eq!(
        sessions
            .lines()
            .filter(|l| l.ends_with("Call handling audit"))
            .count(),
        17
    );
    assert_eq!(
        sessions
            .lines()
            .filter(|l| l.ends_with("Call handling audit (calibration)"))
            .count(),
        1
    );
    assert!(
        sessions
            .lines()
            .next()
            .unwrap()
            .contains("2025-04-09  closed"),
        "{sessions}"
    );
}

#[test]
fn a_pool_imports_once_and_a_bad_file_writes_nothing() {
    let r = Run::new();
    let csv = "call_id,started_at,channel,incident_type,handler\nA1,2024-04-02 10:15,999,HATE CRIME,H1\nA2,2024-04-03 11:00,101,ASB,H2\n";
    let file = r.write("pool.csv", csv);
    let f = file.to_str().unwrap();
    let o = r.cmd(&["import", "calls", f]);
    assert_eq!(
        out(&o),
        "imported pool.csv: 2 rows read, 2 added, 0 unchanged\n",
        "{}",
        err(&o)
    );
    assert_eq!(
        out(&r.cmd(&["import", "calls", f])),
        "imported pool.csv: 2 rows read, 0 added, 2 unchanged\n"
    );

    // One good new row and one bad one: the good row must not be written either.
    let bad = r.write("bad.csv", "call_id,started_at,channel,incident_type\nA3,2024-04-04 09:00,999,ASB\nA4,31/02/2024 10:00,999,ASB\n");
    let o = r.cmd(&["import", "calls", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        "line 3, column started_at: \"31/02/2024 10:00\" is not a date and time; expected YYYY-MM-DD HH:MM[:SS], DD/MM/YYYY HH:MM[:SS] or RFC 3339\n\
         import refused: 1 problem on 1 line; nothing was imported\n"
    );
    // A call that changed since the last import is refused with both values.
    let changed = r.write(
        "changed.csv",
        &csv.replace(
            "A2,2024-04-03 11:00,101,ASB",
            "A2,2024-04-03 11:00,101,BURGLARY",
        ),
    );
    let o = r.cmd(&["import", "calls", changed.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).starts_with("line 3, column incident_type: \"BURGLARY\" differs from the call A2 already in the pool (\"ASB\")"), "{}", err(&o));
    assert!(out(&r.cmd(&["summary"])).contains("call pool        2 calls"));
}

#[test]
fn the_seattle_export_imports_through_its_profile() {
    let r = Run::new();
    let data = repo("crates/ingest/tests/data/seattle-cad-2018-2023.csv");
    let profile = repo("profiles/seattle-cad.toml");
    let o = r.cmd(&[
        "import",
        "calls",
        &data,
        "--profile",
        &profile,
        "--force",
        "spd",
        "--force-name",
        "Seattle Police",
    ]);
    assert_eq!(
        out(&o),
        "imported seattle-cad-2018-2023.csv: 222 rows read, 222 added, 0 unchanged\n",
        "{}",
        err(&o)
    );
    // Attendance per grade, checked by hand (a spreadsheet over the export's "Original Time
    // Queued" and "Arrived Time", ONVIEW events left out): IMMEDIATE (priority 1) 33 events, 28
    // attended, all within 15 minutes, median 498 s = 8.3 min; PRIORITY (2) 64, 51 attended, 40
    // within 60 minutes = 78.4%, median 27.23 min; STANDARD (3, 4) 96, 78, median 82.575 min;
    // SCHEDULED (5 to 7) 16, 16, median 17.47 min.
    let perf = r.cmd(&[
        "report",
        "performance",
        "--from",
        "2018-01-01",
        "--to",
        "2023-12-31",
        "--format",
        "json",
    ]);
    let j: serde_json::Value =
        serde_json::from_slice(&perf.stdout).unwrap_or_else(|_| panic!("{}", err(&perf)));
    let rows: Vec<String> = j["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {} {} {}",
                a["grade"],
                a["target_minutes"],
                a["incidents"],
                a["attended"],
                a["within_target"],
                a["within_target_percent"],
                a["median_minutes"]
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "\"IMMEDIATE\" 15 33 28 28 100.0 8.3",
            "\"PRIORITY\" 60 64 51 40 78.4 27.2",
            "\"STANDARD\" null 96 78 null null 82.6",
            "\"SCHEDULED\" null 16 16 null null 17.5",
        ]
    );
    // A dispatch export has no answer times: no empty charts, a sentence instead.
    let html = out(&r.cmd(&[
        "report",
        "performance",
        "--from",
        "2018-01-01",
        "--to",
        "2023-12-31",
        "--format",
        "html",
    ]));
    assert!(
        html.contains("The export gives no answer times, so there are no answer-time charts")
            && !html.contains("<svg"),
        "{html}"
    );
    // A force sets its own targets; the report measures against them.
    let set = r.cmd(&["targets", "IMMEDIATE=10", "priority=30", "STANDARD=120"]);
    assert_eq!(
        out(&set),
        "IMMEDIATE: an officer within 10 minutes\nPRIORITY: an officer within 30 minutes\nSTANDARD: an officer within 120 minutes\n",
        "{}",
        err(&set)
    );
    let bad = r.cmd(&["targets", "IMMEDIATE=soon", "=4"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        err(&bad).contains("\"IMMEDIATE=soon\" gives no number of minutes")
            && err(&bad).contains("\"=4\" names no grade")
            && err(&bad).contains("nothing was changed"),
        "{}",
        err(&bad)
    );
    let md = out(&r.cmd(&[
        "report",
        "performance",
        "--from",
        "2018-01-01",
        "--to",
        "2023-12-31",
    ]));
    assert!(
        md.contains("| STANDARD | 120 min | 96 | 78 |"),
        "STANDARD now has a target: {md}"
    );

    let without = r.cmd(&["import", "calls", &data]);
    assert_eq!(without.status.code(), Some(1));
    assert!(
        err(&without)
            .contains("Name them so in the header row, or map them in a profile's [columns]")
    );
}

#[test]
fn past_audits_move_off_the_spreadsheet_once() {
    let r = Run::new();
    r.cmd(&["demo"]);
    let csv = "audit_date,focus,call_id,channel,incident_type,category,areas,comments,good_practice\n\
               2024-04-12,HATE CRIME,OLD-1,999,HATE CRIME,2,Call lacked empathy;next steps,Rushed,no\n\
               2024-04-12,HATE CRIME,OLD-2,101,HATE CRIME,1,,Excellent,yes\n\
               2024-05-03,,OLD-3,101,ASB,negative,command,,\n";
    let f = r.write("past.csv", csv);
    let o = r.cmd(&["import", "audits", f.to_str().unwrap()]);
    assert_eq!(
        out(&o),
        "imported past.csv: 3 rows read, 3 audited calls added in 2 new sessions, 0 unchanged\n",
        "{}",
        err(&o)
    );
    let o = r.cmd(&["import", "audits", f.to_str().unwrap()]);
    assert_eq!(
        out(&o),
        "imported past.csv: 3 rows read, 0 audited calls added in 0 new sessions, 3 unchanged\n"
    );
    let bad = r.write(
        "bad.csv",
        "audit_date,call_id,channel,incident_type,category,areas\n2024-13-01,X,999,ASB,4,tone\n",
    );
    let o = r.cmd(&["import", "audits", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("line 2, column audit_date: \"2024-13-01\" is not a date; expected YYYY-MM-DD"),
        "{e}"
    );
    assert!(e.contains("line 2, column areas: \"tone\""), "{e}");
    assert!(
        e.ends_with("import refused: 3 problems on 1 line; nothing was imported\n"),
        "{e}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    // Regression: `callaudit report annual … | head -1` panicked on the broken pipe.
    let r = Run::new();
    r.cmd(&["demo"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .args(["report", "annual", "--year", "2025"])
        .env(
            "CALLAUDIT_DATABASE_URL",
            format!("sqlite://{}", r.path("db.sqlite").display()),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(!err(&o).contains("panicked"), "{}", err(&o));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn transcripts_attach_to_their_calls_all_or_nothing() {
    let r = Run::new();
    let pool = r.write(
        "pool.csv",
        "call_id,started_at,channel,incident_type\nA1,2024-04-02 10:15,999,ASB\nA2,2024-04-03 11:00,101,ASB\n",
    );
    assert!(
        r.cmd(&[
            "import",
            "calls",
            pool.to_str().unwrap(),
            "--force-name",
            "Testshire Police"
        ])
        .status
        .success()
    );
    let good = r.write(
        "A1.vtt",
        "WEBVTT\n\n00:00.000 --> 00:02.500\n<v Handler>Police, what's your emergency?\n\n00:03.000 --> 00:05.000\n<v Caller>My car.\n",
    );
    let srt = r.write(
        "other-name.srt",
        "1\n00:00:00,000 --> 00:00:01,000\nHello\n",
    );
    let bad = r.write("A2.srt", "1\n00:00:00,000 --> 00:00:0x,000\nHello\n");
    let stranger = r.write("ZZ9.json", "[{\"start\": 0, \"end\": 1, \"text\": \"hi\"}]");
    let (g, b, z) = (
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        stranger.to_str().unwrap(),
    );

    let o = r.cmd(&["import", "transcripts", g, b, z]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    assert!(
        e.contains("A2.srt: line 2, column 18: \"00:00:0x,000\"; expected a time as HH:MM:SS,mmm"),
        "{e}"
    );
    assert!(
        e.contains("\"ZZ9\" is not a call in Testshire Police's pool"),
        "{e}"
    );
    assert!(out(&o).is_empty(), "nothing attached: {}", out(&o));

    let o = r.cmd(&["import", "transcripts", g]);
    assert_eq!(
        out(&o),
        "attached A1.vtt to call A1: 2 segments\n",
        "{}",
        err(&o)
    );
    let o = r.cmd(&[
        "import",
        "transcripts",
        srt.to_str().unwrap(),
        "--call",
        "A2",
    ]);
    assert_eq!(
        out(&o),
        "attached other-name.srt to call A2: 1 segments\n",
        "{}",
        err(&o)
    );
}

#[test]
fn two_imports_started_at_once_both_land() {
    let r = Run::new();
    let second = r.write(
        "second.csv",
        &pool_csv(20_000, None, "BURGLARY").replace("\nC", "\nD"),
    );
    let third = r.write(
        "third.csv",
        &pool_csv(20_000, None, "ASB").replace("\nC", "\nE"),
    );
    // The database exists, with no force yet: each import looks for the force and creates it
    // if it is missing, reading before it writes. Without IMMEDIATE transactions the second
    // failed at once with "database is locked".
    assert!(r.cmd(&["history", "verify"]).status.success());
    let spawn = |f: &PathBuf| {
        Command::new(env!("CARGO_BIN_EXE_callaudit"))
            .args(["import", "calls", f.to_str().unwrap()])
            .env(
                "CALLAUDIT_DATABASE_URL",
                format!("sqlite://{}", r.path("db.sqlite").display()),
            )
            .env_remove("CALLAUDIT_FORCE")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(&second), spawn(&third));
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", err(&o));
        assert!(out(&o).contains("20000 added"), "{}", out(&o));
    }
    let o = r.cmd(&["history", "verify"]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn a_new_coordinator_starts_from_last_years_spreadsheet_alone() {
    let r = Run::new();
    let csv = "audit_date,focus,call_id,channel,incident_type,category,areas,comments,good_practice\n\
               2025-04-12,HATE CRIME,OLD-1,999,HATE CRIME,2,Call lacked empathy;next steps,Rushed,no\n";
    let f = r.write("past.csv", csv);
    let o = r.cmd(&[
        "--force",
        "dem",
        "import",
        "audits",
        f.to_str().unwrap(),
        "--force-name",
        "Demoshire Police",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(
        out(&o),
        "imported past.csv: 1 rows read, 1 audited calls added in 1 new sessions, 0 unchanged\n"
    );
    let o = r.cmd(&["summary"]);
    assert!(out(&o).starts_with("Demoshire Police"), "{}", out(&o));
}

#[test]
fn incident_logs_import_all_or_nothing_and_once() {
    let r = Run::new();
    let pool = r.write(
        "pool.csv",
        "call_id,started_at,channel,incident_type,incident_ref\n\
         C-1,2024-04-02 10:00,999,CONCERN FOR SAFETY,INC-1\n\
         C-2,2024-04-02 11:00,101,ASB,\n",
    );
    assert!(
        r.cmd(&["import", "calls", pool.to_str().unwrap()])
            .status
            .success()
    );
    let bad = r.write(
        "bad.csv",
        "incident_ref,call_id,at,kind,value,text,by\n\
         INC-1,,2024-04-02 10:01,opened,CONCERN FOR SAFETY,,H7\n\
         INC-1,,2024-04-02 10:00,graded,,,H7\n\
         INC-2,C-2,2024-04-02 11:01,gossip,,,\n",
    );
    let o = r.cmd(&["import", "logs", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let e = err(&o);
    for want in [
        "line 3, column value",
        "line 3, column at",
        "line 4, column kind",
        "\"2024-04-02 10:00:00\" is before the incident's previous entry (2024-04-02 10:01:00)",
    ] {
        assert!(e.contains(want), "{want} in {e}");
    }
    let good = r.write(
        "logs.csv",
        "incident_ref,call_id,at,kind,value,text,by\n\
         INC-1,,2024-04-02 10:01,opened,CONCERN FOR SAFETY,Mother worried: son not home,H7\n\
         INC-1,,2024-04-02 10:02,graded,PRIORITY,,H7\n\
         INC-2,C-2,2024-04-02 11:01,opened,ASB,,H3\n\
         INC-3,,2024-04-02 12:00,opened,THEFT,,H3\n",
    );
    let o = r.cmd(&["import", "logs", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("4 entries read, 4 added, 0 unchanged; the logs hold 3 incidents, 2 of them linked to calls in the pool"),
        "{}",
        out(&o)
    );
    let o = r.cmd(&["import", "logs", good.to_str().unwrap()]);
    assert!(
        out(&o).contains("4 entries read, 0 added, 4 unchanged"),
        "importing again adds nothing: {}",
        out(&o)
    );
}
