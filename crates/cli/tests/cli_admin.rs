//! The `callaudit` binary as a user drives it, keeping the scheme: recordings' silences,
//! transcript phrases, the history, administrators and retention.

use std::process::Command;

mod support;
use support::*;

#[test]
fn audio_silences_reports_each_silence_and_refuses_a_file_that_is_not_audio() {
    use callaudit_audio::synth::{Encoding, Part, render, wav};
    let run = Run::new();
    let tone = |seconds| Part::Tone {
        seconds,
        hz: 440.0,
        amplitude: 0.4,
    };
    let samples = render(
        &[tone(1.0), Part::Silence { seconds: 7.5 }, tone(2.0)],
        8000,
        0.0,
        1,
    );
    let file = run.path("call.wav");
    std::fs::write(&file, wav(&[samples], 8000, Encoding::ALaw)).unwrap();
    let path = file.to_str().unwrap();

    let o = run.cmd(&["audio", "silences", path, "--format", "json"]);
    assert!(o.status.success(), "{}", err(&o));
    let json: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(json["duration_s"], 10.5);
    assert_eq!(json["silences"][0]["start_s"], 1.0);
    assert_eq!(json["silences"][0]["end_s"], 8.5);
    assert_eq!(json["silences"].as_array().unwrap().len(), 1);
    assert_eq!(json["longest_silence_s"], 7.5);

    let o = run.cmd(&["audio", "silences", path, "--min-seconds", "8"]);
    assert!(o.status.success());
    assert!(
        out(&o).contains("silences of 8 s or more: 0"),
        "{}",
        out(&o)
    );
    let o = run.cmd(&["audio", "silences", path]);
    assert!(out(&o).contains("0:01.0 to 0:08.5  7.5 s"), "{}", out(&o));

    let text = run.write("notes.wav", "not a recording");
    let o = run.cmd(&["audio", "silences", text.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("expected WAV"), "{}", err(&o));
    let o = run.cmd(&["audio", "silences", path, "--threshold-db", "6"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("expected a level from -120 to 0 dBFS"));
}

#[test]
fn audio_analyse_keeps_each_recordings_silences_and_says_which_it_could_not_read() {
    use callaudit_audio::synth::{Encoding, Part, render, wav};
    let r = Run::new();
    let csv = "call_id,started_at,channel,incident_type,recording\n\
        A1,2024-04-02 10:15,999,ASB,a1.wav\n\
        A2,2024-04-03 11:00,101,ASB,sub/a2.wav\n\
        A3,2024-04-04 11:00,101,ASB,gone.wav\n\
        A4,2024-04-05 11:00,101,ASB,\n";
    let pool = r.write("pool.csv", csv);
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
    let o = r.cmd(&["audio", "analyse"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));

    let talk = Part::Tone {
        seconds: 2.0,
        hz: 300.0,
        amplitude: 0.5,
    };
    let rec = r.path("recordings");
    std::fs::create_dir_all(rec.join("sub")).unwrap();
    let one = render(&[talk, Part::Silence { seconds: 4.0 }, talk], 8000, 0.0, 1);
    std::fs::write(rec.join("a1.wav"), wav(&[one], 8000, Encoding::MuLaw)).unwrap();
    std::fs::write(rec.join("sub/a2.wav"), b"not a recording").unwrap();

    let o = r.cmd(&["audio", "analyse"]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}{}", err(&o));
    assert!(
        text.contains("[1/3] A1: 1 silence, longest 4.0 s, talk 0:04.0"),
        "{text}"
    );
    assert!(
        text.contains("[2/3] A2: not analysed: not a recording this tool can read"),
        "{text}"
    );
    assert!(
        text.contains("[3/3] A3: not analysed: gone.wav is missing from the recordings folder"),
        "{text}"
    );
    assert!(text.contains("1 analysed, 0 unchanged since their last analysis, 2 not analysed"));

    // Unchanged files are not decoded again; --again does.
    let text = out(&r.cmd(&["audio", "analyse"]));
    assert!(
        text.contains("A1: 1 silence, longest 4.0 s, talk 0:04.0 (kept)"),
        "{text}"
    );
    let text = out(&r.cmd(&["audio", "analyse", "--again"]));
    assert!(text.contains("1 analysed, 0 unchanged"), "{text}");
}

#[test]
fn a_programmes_transcript_phrases_are_set_from_the_command_line() {
    let r = Run::new();
    let pool = r.write("pool.csv", &pool_csv(3, Some("999"), "ASB"));
    r.cmd(&["import", "calls", pool.to_str().unwrap()]);
    r.cmd(&["session", "plan", "--date", "2024-05-01"]);
    let list = out(&r.cmd(&["programme", "list"]));
    let id = list.split_whitespace().next().unwrap();
    let o = r.cmd(&[
        "programme",
        "set",
        id,
        "--inappropriate",
        "mate; pal ;;mate",
    ]);
    assert!(
        out(&o).ends_with("now looks for 2 inappropriate phrases: mate; pal\n"),
        "{}{}",
        out(&o),
        err(&o)
    );
    let o = r.cmd(&["programme", "set", id]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("nothing to change"), "{}", err(&o));
}

#[test]
fn the_history_verifies_backs_up_and_names_an_edited_entry() {
    let r = Run::new();
    let pool = r.write("pool.csv", &pool_csv(20, None, "ASB"));
    assert!(
        r.cmd(&["import", "calls", pool.to_str().unwrap()])
            .status
            .success()
    );
    let o = r.cmd(&["history", "verify"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).starts_with("the history holds: 2 entries in 2 chain(s) recomputed"),
        "{}",
        out(&o)
    );
    let head = r.cmd(&["history", "head", "--format", "json"]);
    let heads: serde_json::Value = serde_json::from_slice(&head.stdout).unwrap();
    // The force's creation is the server's entry; the import is the force's.
    assert_eq!(heads[0]["force"], serde_json::Value::Null);
    assert_eq!(heads[1]["force"], "local");
    assert_eq!(heads[1]["entries"], 1);
    let noted = heads[1]["hash"].as_str().unwrap().to_string();
    assert_eq!(noted.len(), 64);

    // A backup while the database is in use, opened and verified by the command itself.
    let o = r.cmd(&["backup", "copy.sqlite"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("its history holds: 2 entries verified"),
        "{}",
        out(&o)
    );
    assert!(
        out(&o).contains(&noted),
        "the copy ends where the original does"
    );
    let again = r.cmd(&["backup", "copy.sqlite"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(err(&again).contains("already exists"), "{}", err(&again));
    // The copy restores: the same commands work on it.
    let restored = Command::new(env!("CARGO_BIN_EXE_callaudit"))
        .args(["history", "verify", "--database"])
        .arg(format!("sqlite://{}", r.path("copy.sqlite").display()))
        .output()
        .unwrap();
    assert!(restored.status.success(), "{}", err(&restored));

    // An edit made around the application, with the guard set aside and put back.
    let db = r.path("db.sqlite");
    let sql = "DROP TRIGGER history_no_update;
        UPDATE history SET actor = 'someone else' WHERE entity = 'import';
        CREATE TRIGGER history_no_update BEFORE UPDATE ON history BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;";
    let edited = Command::new("sqlite3").arg(&db).arg(sql).output();
    let Ok(edited) = edited else {
        eprintln!("sqlite3 is not installed: the edit by hand is not tried");
        return;
    };
    assert!(edited.status.success(), "{}", err(&edited));
    let id = String::from_utf8(
        Command::new("sqlite3")
            .arg(&db)
            .arg("SELECT id FROM history WHERE entity = 'import'")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let o = r.cmd(&["history", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).starts_with(&format!(
            "the history does not hold: entry {} does not match (its content is not what was written",
            id.trim()
        )),
        "{}",
        err(&o)
    );
    // REPLACE, which SQLite runs without the delete trigger, is refused outright.
    let replace = Command::new("sqlite3")
        .arg(&db)
        .arg("INSERT OR REPLACE INTO history (id, at, actor, entity, action, detail, seq, prev_hash, hash) SELECT id, at, 'x', entity, action, detail, seq, prev_hash, hash FROM history WHERE entity = 'force'")
        .output()
        .unwrap();
    assert!(!replace.status.success());
    assert!(
        err(&replace).contains("an entry cannot be replaced"),
        "{}",
        err(&replace)
    );
}

#[test]
fn a_super_administrator_is_added_from_the_command_line_only() {
    let r = Run::new();
    let add = |password: &str| {
        Command::new(env!("CARGO_BIN_EXE_callaudit"))
            .args(["account", "add-super-admin", "--name", "Nat"])
            .args(["--email", "nat@example.org"])
            .env(
                "CALLAUDIT_DATABASE_URL",
                format!("sqlite://{}", r.path("db.sqlite").display()),
            )
            .env("CALLAUDIT_PASSWORD", password)
            .output()
            .unwrap()
    };
    let weak = add("short");
    assert_eq!(weak.status.code(), Some(1));
    assert!(
        err(&weak).contains("at least 12 characters"),
        "{}",
        err(&weak)
    );
    let ok = add("three random words");
    assert!(ok.status.success(), "{}", err(&ok));
    assert!(
        out(&ok).contains("administrator of every force"),
        "{}",
        out(&ok)
    );
    let again = add("three random words");
    assert_eq!(again.status.code(), Some(1));
    assert!(
        err(&again).contains("already in use on this server"),
        "{}",
        err(&again)
    );
}

#[test]
fn retention_periods_are_set_per_programme_and_applied_once() {
    let r = Run::new();
    r.cmd(&["demo"]);
    let o = r.cmd(&["programme", "set", "1", "--keep-recordings", "forever"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("--keep-recordings \"forever\" is not a period; expected whole days from 0 to 3653, or none"),
        "{}",
        err(&o)
    );
    let o = r.cmd(&["programme", "set", "1", "--keep-free-text", "30"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("now keeps free text for 30 days after a session closes"),
        "{}",
        out(&o)
    );
    // Every demo session (and the demo's calibration session) sat more than 30 days ago: each
    // has its notes and comments emptied.
    let o = r.cmd(&["retention", "apply"]);
    assert!(o.status.success(), "{}", err(&o));
    let printed = out(&o);
    let removed: Vec<&str> = printed
        .lines()
        .filter(|l| l.contains(": free text removed ("))
        .collect();
    assert_eq!(removed.len(), 18, "{}", out(&o));
    assert!(
        !out(&o).contains("recordings removed"),
        "no recordings period is set"
    );
    let o = r.cmd(&["retention", "apply"]);
    assert_eq!(
        out(&o),
        "nothing is due for removal under the programmes' retention periods\n"
    );
    assert!(r.cmd(&["history", "verify"]).status.success());
}
