//! The `callaudit` binary as a user drives it, reporting: the annual, session, CDI and performance
//! reports in every format, reconciled and typeset.

use std::process::Command;

mod support;
use support::*;

#[test]
fn the_annual_report_reconciles_across_formats() {
    let r = Run::new();
    r.cmd(&["demo"]);
    let json = r.cmd(&["report", "annual", "--year", "2025", "--format", "json"]);
    assert!(json.status.success(), "{}", err(&json));
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let summary = out(&r.cmd(&["summary"]));
    let calls = j["calls"].as_u64().unwrap();
    assert_eq!(j["audits"], 17);
    assert!(
        summary.contains(&format!("calls audited    {calls} (")),
        "the summary and the report agree: {summary}"
    );
    let categories: u64 = column_sum(&j["categories"], "calls");
    let focus: u64 = column_sum(&j["focus_by_month"], "calls");
    let types: u64 = column_sum(&j["by_incident_type"], "calls");
    assert_eq!(
        (categories, focus, types),
        (calls, calls, calls),
        "every table accounts for every call"
    );

    let md = out(&r.cmd(&["report", "annual", "--year", "2025"]));
    assert!(md.contains(&format!(
        "17 call audits were carried out with a total of {calls} calls audited"
    )));
    let top = &j["areas"][0];
    assert!(md.contains(&format!(
        "- {} ({} calls = {}% of all calls audited)",
        top["area"].as_str().unwrap(),
        top["calls"],
        top["percent"]
    )));
    assert!(md.contains("## Looking forward to 2026/27\n\n- Audit more 101 calls"));

    let html = r.path("annual.html");
    r.cmd(&[
        "report",
        "annual",
        "--year",
        "2025",
        "--format",
        "html",
        "--output",
        html.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.contains(&format!(
        "17 call audits were carried out with a total of {calls} calls audited"
    )));
    assert!(html.contains(&format!(
        "<li>{} ({} calls = {}% of all calls audited)</li>",
        top["area"].as_str().unwrap(),
        top["calls"],
        top["percent"]
    )));

    let dir = r.path("csv");
    let o = r.cmd(&[
        "report",
        "annual",
        "--year",
        "2025",
        "--format",
        "csv",
        "--output",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out(&o),
        format!(
            "wrote 10 tables of the 2025/26 report to {}\n",
            dir.display()
        )
    );
    let summary_csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert_eq!(
        summary_csv,
        format!("year,audits,calls\n2025/26,17,{calls}\n")
    );

    let o = r.cmd(&[
        "report",
        "text",
        "--year",
        "2025",
        "--section",
        "force-response",
        "--text",
        "We accept every finding.",
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&r.cmd(&["report", "annual", "--year", "2025"]))
            .ends_with("## The force's response\n\nWe accept every finding.\n")
    );
    let empty = out(&r.cmd(&["report", "annual", "--year", "2019"]));
    assert!(empty.contains("No calls were audited in 2019/20."));
    let bad = r.cmd(&["report", "annual", "--year", "25"]);
    assert!(err(&bad).contains("expected the year it starts in, e.g. 2025 for 2025/26"));
}

#[test]
fn a_session_report_shows_the_draw_the_outcomes_and_the_responses() {
    let r = Run::new();
    r.cmd(&["demo"]);
    let md = r.cmd(&["report", "session", "1"]);
    assert!(md.status.success(), "{}", err(&md));
    let md = out(&md);
    assert!(
        md.starts_with("# Demoshire Police call audit scheme: session report, 9 April 2025\n"),
        "{md}"
    );
    assert!(md.contains(
        "Session 1 (focus HATE CRIME); a panel of 4 auditors; 10 calls audited; the session is closed."
    ));
    assert!(md.contains("The calls were drawn at random from"));
    let j: serde_json::Value = serde_json::from_slice(
        &r.cmd(&["report", "session", "1", "--format", "json"])
            .stdout,
    )
    .unwrap();
    let calls = j["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 10);
    let seed = j["draw"]["seed"].as_str().unwrap();
    assert!(md.contains(&format!("the seed \"{seed}\"")));
    let issues = j["issues"].as_array().unwrap();
    assert_eq!(j["unanswered_issues"], 0);
    for i in issues {
        assert!(md.contains(i["call_ref"].as_str().unwrap()));
    }
    let first = &calls[0];
    // The open-data form carries the ISO date; the Markdown reads it as people write it.
    let day =
        chrono::NaiveDate::parse_from_str(first["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert!(md.contains(&format!(
        "| 1 | {} | {} | {} |",
        first["call_ref"].as_str().unwrap(),
        callaudit_domain::time::long_date(day),
        first["channel"].as_str().unwrap()
    )));
    // Counted the same way in both forms.
    let sum = j["positive"].as_u64().unwrap()
        + j["suggestions"].as_u64().unwrap()
        + j["negative"].as_u64().unwrap();
    assert_eq!(sum, 10);
    assert!(md.contains("## Open actions\n\n| Ref | Action | Owner | Due | Status |"));
    let missing = r.cmd(&["report", "session", "999"]);
    assert_eq!(
        err(&missing).trim(),
        "callaudit: there is no session 999; `callaudit session list` shows them"
    );
}

#[test]
fn the_annual_report_typesets_as_a_pdf_that_carries_the_figures() {
    let Ok(probe) = Command::new("pdftotext").arg("-v").output() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have pdftotext (poppler-utils)"
        );
        eprintln!("skipped: pdftotext (poppler-utils) is not installed");
        return;
    };
    assert!(probe.status.success() || !probe.stderr.is_empty());
    let r = Run::new();
    r.cmd(&["demo"]);
    let pdf = r.path("annual.pdf");
    let o = r.cmd(&[
        "report",
        "annual",
        "--year",
        "2025",
        "--format",
        "pdf",
        "--output",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    // The same report typeset twice is the same file, byte for byte.
    let again = r.path("again.pdf");
    r.cmd(&[
        "report",
        "annual",
        "--year",
        "2025",
        "--format",
        "pdf",
        "--output",
        again.to_str().unwrap(),
    ]);
    assert_eq!(
        bytes,
        std::fs::read(&again).unwrap(),
        "typesetting is reproducible"
    );

    let text = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let j: serde_json::Value = serde_json::from_slice(
        &r.cmd(&["report", "annual", "--year", "2025", "--format", "json"])
            .stdout,
    )
    .unwrap();
    let calls = j["calls"].as_u64().unwrap();
    assert!(text.contains("Annual report 2025/26"), "{text}");
    assert!(
        text.contains(&format!(
            "17 call audits were carried out with a total of {calls} calls audited"
        )),
        "{text}"
    );
    let top = &j["areas"][0];
    assert!(
        text.contains(&format!(
            "{} ({} calls = {}% of all calls audited)",
            top["area"].as_str().unwrap(),
            top["calls"],
            top["percent"]
        )),
        "{text}"
    );
    assert!(
        text.contains("Recruit two more volunteers"),
        "the coordinator's section is carried"
    );
    assert!(text.contains("Page 1 of"), "pages are numbered");

    // Real pages: rasterise the first two and check they have ink on them.
    let out_prefix = r.path("page");
    let st = Command::new("pdftoppm")
        .args([
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "2",
            "-png",
            pdf.to_str().unwrap(),
            out_prefix.to_str().unwrap(),
        ])
        .status();
    if let Ok(st) = st {
        assert!(st.success());
        let pages: Vec<_> = std::fs::read_dir(r.dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("page"))
            .collect();
        assert_eq!(pages.len(), 2);
        for p in pages {
            assert!(
                std::fs::metadata(p.path()).unwrap().len() > 2_000,
                "a rendered page is not blank"
            );
        }
    }
}

#[test]
fn crime_data_integrity_runs_beside_the_call_audits_without_mixing_with_them() {
    let r = Run::new();
    let summary = out(&r.cmd(&["demo"]));
    assert!(
        summary.contains("data integrity   12 dip samples, 537 incident records"),
        "{summary}"
    );
    let j: serde_json::Value = serde_json::from_slice(
        &r.cmd(&["report", "cdi", "--year", "2025", "--format", "json"])
            .stdout,
    )
    .unwrap();
    // The last month's 43 results await the deputy registrar's validation: not counted yet.
    assert_eq!(
        (
            j["records"].as_u64(),
            j["unchecked"].as_u64(),
            j["awaiting_validation"].as_u64()
        ),
        (Some(494), Some(0), Some(43))
    );
    let types: Vec<(&str, &str)> = j["by_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["incident_type"].as_str().unwrap(),
                t["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("DOMESTIC VIOLENCE", "SE"),
            ("RAPE & SERIOUS SEXUAL OFFENCES", "C20"),
            ("VIOLENCE", "C10")
        ],
        "only the dip sample's categories, with seed 002's codes"
    );
    let by_month: u64 = column_sum(&j["by_type_month"], "records");
    assert_eq!(by_month, 494, "every record is in one category-month");
    // 15 of each type a month (seed 002), fewer only where the month had fewer such incidents.
    let months = j["by_type_month"].as_array().unwrap();
    assert!(months.iter().all(|m| m["records"].as_u64().unwrap() <= 15));
    let full = months
        .iter()
        .filter(|m| m["records"].as_u64() == Some(15))
        .count();
    assert!(full >= 28, "{full} category-months of 15");
    let md = out(&r.cmd(&["report", "cdi", "--year", "2025"]));
    assert!(
        md.contains(&format!(
            "{} of 494 incident records checked met the crime recording rules",
            j["compliant"]
        )),
        "{md}"
    );
    // The HTML and the PDF word every figure as the Markdown does.
    let first_row = md
        .lines()
        .find(|l| l.starts_with("| ") && !l.starts_with("| Category"))
        .unwrap()
        .to_string();
    let cells: Vec<&str> = first_row
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect();
    let html = out(&r.cmd(&["report", "cdi", "--year", "2025", "--format", "html"]));
    let html_row = format!(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
        cells[0], cells[1], cells[2], cells[3], cells[4]
    );
    assert!(html.contains(&html_row), "{html_row} in {html}");
    if Command::new("pdftotext").arg("-v").output().is_ok() {
        let pdf = r.path("cdi.pdf");
        let o = r.cmd(&[
            "report",
            "cdi",
            "--year",
            "2025",
            "--format",
            "pdf",
            "--output",
            pdf.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", err(&o));
        let text = Command::new("pdftotext")
            .args(["-layout", pdf.to_str().unwrap(), "-"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(&text).contains(&format!(
                "{} of 494 incident records checked met the crime recording rules",
                j["compliant"]
            )),
            "{text}"
        );
        assert!(
            words(&text).contains(&cells.join(" ")),
            "{cells:?} in {text}"
        );
        assert!(text.contains("Page 1 of"));
        assert!(
            words(&text).contains("43 checked records await a second registrar's validation"),
            "{text}"
        );
    } else {
        assert!(std::env::var("CI").is_err(), "CI must have pdftotext");
    }
    // The call-audit figures are unchanged by the dip samples.
    let annual: serde_json::Value = serde_json::from_slice(
        &r.cmd(&["report", "annual", "--year", "2025", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(annual["audits"], 17);
    // A new programme, and a session planned in it.
    let added = out(&r.cmd(&[
        "programme",
        "add",
        "--kind",
        "crime-data-integrity",
        "--name",
        "CDI dip sample 2",
    ]));
    assert!(
        added.starts_with("added programme 3: CDI dip sample 2 (crime-data-integrity)"),
        "{added}"
    );
    assert!(
        out(&r.cmd(&[
            "session",
            "plan",
            "--date",
            "2026-04-15",
            "--programme",
            "3"
        ]))
        .starts_with("planned session 31"),
        "the demo has 17 audits, a calibration session and 12 dip samples before it"
    );
}

#[test]
fn a_session_report_typesets_as_pdf_and_html_with_the_markdowns_content() {
    let r = Run::new();
    r.cmd(&["demo"]);
    let j: serde_json::Value = serde_json::from_slice(
        &r.cmd(&["report", "session", "1", "--format", "json"])
            .stdout,
    )
    .unwrap();
    let first = j["calls"][0]["call_ref"].as_str().unwrap().to_string();
    let issue = j["issues"][0]["issue"].as_str().unwrap().to_string();

    let html = r.cmd(&["report", "session", "1", "--format", "html"]);
    assert!(html.status.success(), "{}", err(&html));
    let html = out(&html);
    assert!(html.starts_with("<!doctype html>"));
    assert!(
        html.contains("<h1>Session report, 9 April 2025</h1>"),
        "{html}"
    );
    assert!(html.contains(&format!("<td>{first}</td>")));
    assert!(html.contains("<caption>Issues, responses and feedback to call handlers</caption>"));

    let Ok(_) = Command::new("pdftotext").arg("-v").output() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have pdftotext (poppler-utils)"
        );
        eprintln!("skipped the PDF half: pdftotext (poppler-utils) is not installed");
        return;
    };
    let pdf = r.path("session.pdf");
    let o = r.cmd(&[
        "report",
        "session",
        "1",
        "--format",
        "pdf",
        "--output",
        pdf.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("wrote the report of session 1 to"));
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    // Table cells wrap, so the text is compared with its whitespace squeezed.
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Session report, 9 April 2025"), "{text}");
    assert!(text.contains(
        "Session 1 (focus HATE CRIME); a panel of 4 auditors; 10 calls audited; the session is closed."
    ));
    assert!(text.contains(&first), "{text}");
    let issue_start: String = issue
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&issue_start), "{issue_start} in {text}");
    assert!(text.contains("Page 1 of"), "pages are numbered");
    let o = r.cmd(&["report", "session", "1", "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("give a file with --output FILE.pdf"));

    // CSV: a table a file, the same rows as the JSON.
    let dir = r.path("session-csv");
    let o = r.cmd(&[
        "report",
        "session",
        "1",
        "--format",
        "csv",
        "--output",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out(&o),
        format!(
            "wrote 3 tables of the report of session 1 to {}\n",
            dir.display()
        )
    );
    let calls = std::fs::read_to_string(dir.join("calls.csv")).unwrap();
    assert_eq!(calls.lines().count(), 11, "a header and ten calls");
    assert!(
        calls
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("1,{first},"))
    );
    let issues = std::fs::read_to_string(dir.join("issues.csv")).unwrap();
    assert_eq!(
        issues.lines().count(),
        1 + j["issues"].as_array().unwrap().len()
    );
}

#[test]
fn the_performance_report_says_the_same_in_every_format_for_any_period() {
    let r = Run::new();
    // A pool whose figures are known: four 999 calls answered in 4, 8, 12 and 70 seconds, and
    // two 101 calls, one abandoned, in April 2026; one 999 call in May.
    let csv = "call_id,started_at,channel,incident_type,answer_s,abandoned,duration_s\n\
               A1,2026-04-02 10:00,999,ASB,4,false,100\n\
               A2,2026-04-03 10:00,999,ASB,8,false,200\n\
               A3,2026-04-04 10:00,999,ASB,12,false,300\n\
               A4,2026-04-05 10:00,999,ASB,70,false,400\n\
               B1,2026-04-06 10:00,101,ASB,300,false,600\n\
               B2,2026-04-07 10:00,101,ASB,,true,\n\
               C1,2026-05-02 10:00,999,ASB,3,false,50\n";
    let file = r.write("pool.csv", csv);
    let imported = r.cmd(&[
        "import",
        "calls",
        file.to_str().unwrap(),
        "--force",
        "t",
        "--force-name",
        "Testshire Police",
    ]);
    assert!(imported.status.success(), "{}", err(&imported));
    let april = [
        "report",
        "performance",
        "--from",
        "2026-04-01",
        "--to",
        "2026-04-30",
    ];
    let json = r.cmd(&[&april[..], &["--format", "json"]].concat());
    assert!(json.status.success(), "{}", err(&json));
    let j: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(j["calls"], 6, "May's call is outside the period");
    let e = &j["channels"][0];
    assert_eq!(
        (e["channel"].as_str(), e["calls"].as_u64()),
        (Some("999"), Some(4))
    );
    // 2 of 4 within 10 s; 1 of 4 from 11 to 60 s; 1 of 4 over 60 s; median (8 + 12) / 2.
    assert_eq!(e["within_10s_percent"], 50.0);
    assert_eq!(e["from_11_to_60s_percent"], 25.0);
    assert_eq!(e["over_60s_percent"], 25.0);
    assert_eq!(e["median_answer_s"], 10.0);
    assert_eq!(e["p90_answer_s"], 70.0);
    assert_eq!(e["mean_duration_s"], 250.0);
    let n = &j["channels"][1];
    assert_eq!(
        (n["abandoned"].as_u64(), n["abandoned_percent"].as_f64()),
        (Some(1), Some(50.0))
    );
    let md = out(&r.cmd(&april));
    assert!(md.contains("50.0% of answered 999 calls were answered within 10 seconds, below the national expectation of 90%."), "{md}");
    assert!(md.contains("50.0% of 101 callers hung up"));
    assert!(md.contains("| 999 (emergency) | 4 | 4 | 0 (0.0%) | 50.0% | 25.0% | 25.0% | 0 | 10.0 | 70.0 | 250.0 |"), "{md}");
    let csv = out(&r.cmd(&[&april[..], &["--format", "csv"]].concat()));
    assert!(
        csv.contains("all,999,4,4,0,0.0,50.0,25.0,25.0,0,10.0,70.0,250.0"),
        "{csv}"
    );
    assert!(csv.contains("2026-04,101,2,1,1,50.0,"), "{csv}");
    // The HTML page and the board pack carry the same headline and rows.
    let html = out(&r.cmd(&[&april[..], &["--format", "html"]].concat()));
    assert!(html.contains("50.0% of answered 999 calls were answered within 10 seconds, below the national expectation of 90%."));
    assert!(
        html.contains("<th scope=\"row\">999 (emergency)</th><td class=\"n\">4</td><td class=\"n\">4</td><td class=\"n\">0 (0.0%)</td><td class=\"n\">50.0%</td>"),
        "{html}"
    );
    let no_file = r.cmd(&[&april[..], &["--format", "pdf"]].concat());
    assert!(err(&no_file).contains("give a file with --output FILE.pdf"));
    let pdf = r.cmd(&[&april[..], &["--format", "pdf", "--output", "pack.pdf"]].concat());
    assert!(pdf.status.success(), "{}", err(&pdf));
    let bytes = std::fs::read(r.path("pack.pdf")).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    if let Ok(t) = Command::new("pdftotext")
        .arg(r.path("pack.pdf"))
        .arg("-")
        .output()
    {
        let t = String::from_utf8_lossy(&t.stdout);
        assert!(
            t.contains("50.0% of answered 999 calls were answered within 10 seconds"),
            "{t}"
        );
        assert!(
            t.contains("The panel held no session in this period."),
            "{t}"
        );
    }
    // The financial year takes both months; a period backwards is refused.
    let year = r.cmd(&[
        "report",
        "performance",
        "--year",
        "2026",
        "--format",
        "json",
    ]);
    let y: serde_json::Value = serde_json::from_slice(&year.stdout).unwrap();
    assert_eq!(y["calls"], 7);
    assert_eq!(
        y["months"].as_array().unwrap().len(),
        3,
        "April 999 and 101, May 999"
    );
    // A later export that adds arrivals, outcomes, callers and survey answers fills them in, and
    // the report gains its further figures; grades, which the draw may use, cannot be added so.
    // Worked by hand: A1, A2 and B1 were deployed, A3, A4 and B2 resolved without deployment (3
    // of 6 = 50.0%); caller X made A1, A3 and B2 within a week: one repeat caller, 3 calls, none
    // heard by a panel; of 999 callers, A1 answered the survey, satisfied.
    let later = "call_id,started_at,channel,incident_type,answer_s,abandoned,duration_s,grade,arrived_at,resolution,caller,satisfaction\n\
               A1,2026-04-02 10:00,999,ASB,4,false,100,IMMEDIATE,2026-04-02 10:09,deployed,X,satisfied\n\
               A2,2026-04-03 10:00,999,ASB,8,false,200,IMMEDIATE,2026-04-03 10:20,deployed,,\n\
               A3,2026-04-04 10:00,999,ASB,12,false,300,,,RWD,X,\n\
               A4,2026-04-05 10:00,999,ASB,70,false,400,,,rwd,,\n\
               B1,2026-04-06 10:00,101,ASB,300,false,600,PRIORITY,2026-04-06 10:45,deployed,,dissatisfied\n\
               B2,2026-04-07 10:00,101,ASB,,true,,,,resolved without deployment,X,\n";
    let file = r.write("later.csv", later);
    let refused = r.cmd(&["import", "calls", file.to_str().unwrap()]);
    assert!(
        err(&refused).contains("line 2, column grade: \"IMMEDIATE\" differs from the call A1"),
        "a grade is part of the call the draw knows, and is never changed: {}",
        err(&refused)
    );
    let later = later
        .replace(",IMMEDIATE,", ",,")
        .replace(",PRIORITY,", ",,");
    let file = r.write("later.csv", &later);
    let filled = r.cmd(&["import", "calls", file.to_str().unwrap()]);
    assert_eq!(
        out(&filled),
        "imported later.csv: 6 rows read, 0 added, 0 unchanged, 6 already held given details they lacked\n",
        "{}",
        err(&filled)
    );
    let j: serde_json::Value =
        serde_json::from_slice(&r.cmd(&[&april[..], &["--format", "json"]].concat()).stdout)
            .unwrap();
    assert_eq!(
        j["attendance"],
        serde_json::json!([]),
        "no grades: no attendance"
    );
    assert_eq!(j["resolution"][0]["without_deployment_percent"], 50.0);
    assert_eq!(j["resolution"][0]["deployed"], 3);
    assert_eq!(
        j["repeat_callers"],
        serde_json::json!({"callers": 1, "calls": 3, "sampled": 0, "most_calls": 3})
    );
    assert_eq!(j["satisfaction"][0]["channel"], "999");
    assert_eq!(j["satisfaction"][0]["satisfied_percent"], 100.0);
    let md = out(&r.cmd(&april));
    assert!(
        md.contains("50.0% of calls with a recorded outcome were resolved without sending an officer.")
            && md.contains("1 caller rang 3 or more times within 28 days; they made 3 calls in the period (at most 3 from one caller), and the panel heard 0 of them."),
        "{md}"
    );

    let backwards = r.cmd(&[
        "report",
        "performance",
        "--from",
        "2026-05-01",
        "--to",
        "2026-04-01",
    ]);
    assert!(!backwards.status.success() && err(&backwards).contains("is after --to"));
}
