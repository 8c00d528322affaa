//! The annual report on a small fixed year, every figure checked against values worked out by
//! hand (the statistics independently, with exact binomial coefficients).

use callaudit_domain::template::{Answer, Category, Template};
use callaudit_reports::annual;
use callaudit_reports::annual::{Audit, Outcome, YearData, compute};
use chrono::NaiveDate;

/// (type, calls, issues, rate, interval low, interval high, p, flagged).
type TypeFigures<'a> = (&'a str, u64, u64, f64, f64, f64, f64, bool);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn outcome(
    id: i64,
    (audit, on): (i64, NaiveDate),
    ch: &str,
    kind: &str,
    cat: Category,
    areas: &[&str],
    gp: bool,
) -> Outcome {
    Outcome {
        session_call_id: id,
        audit_id: audit,
        held_on: on,
        channel: ch.into(),
        incident_type: kind.into(),
        category: cat,
        areas: areas.iter().map(|s| s.to_string()).collect(),
        comments: if gp {
            "Calm, clear | and kind.".into()
        } else {
            String::new()
        },
        good_practice: gp,
    }
}

/// Four audits, one of them after the year ends; ten calls in the year.
fn year() -> YearData {
    use Category::*;
    let (a, b, c, d) = (
        day(2024, 4, 10),
        day(2024, 5, 1),
        day(2024, 5, 22),
        day(2025, 4, 2),
    );
    let outcomes = vec![
        outcome(
            1,
            (1, a),
            "999",
            "HATE CRIME",
            Suggestions,
            &["empathy"],
            false,
        ),
        outcome(
            2,
            (1, a),
            "101",
            "HATE CRIME",
            Negative,
            &["empathy", "command"],
            false,
        ),
        outcome(
            3,
            (1, a),
            "999",
            "HATE CRIME",
            Suggestions,
            &["reassurance"],
            false,
        ),
        outcome(4, (1, a), "101", "HATE CRIME", Positive, &[], true),
        outcome(5, (2, b), "999", "ASB", Positive, &[], false),
        outcome(6, (2, b), "101", "ASB", Positive, &[], false),
        outcome(7, (2, b), "101", "ASB", Suggestions, &["command"], false),
        outcome(8, (2, b), "999", "ASB", Positive, &[], false),
        outcome(9, (3, c), "999", "BURGLARY", Positive, &[], false),
        outcome(10, (3, c), "101", "BURGLARY", Positive, &[], false),
        outcome(11, (4, d), "999", "ASB", Negative, &["command"], false),
    ];
    let mut answers = Vec::new();
    for (call, x, y) in [
        (1, "yes", "yes"),
        (2, "yes", "no"),
        (3, "yes", "yes"),
        (4, "yes", "yes"),
        (5, "no", "no"),
    ] {
        answers.push((call, 1, "greeting".to_string(), Answer::parse(x).unwrap()));
        answers.push((call, 2, "greeting".to_string(), Answer::parse(y).unwrap()));
    }
    answers.push((6, 1, "greeting".to_string(), Answer::Yes)); // one auditor only: not pairable
    let proposals = vec![
        (1, 1, Suggestions),
        (1, 2, Suggestions),
        (2, 1, Negative),
        (2, 2, Suggestions),
        (3, 1, Suggestions),
        (3, 2, Suggestions),
        (4, 1, Positive),
        (4, 2, Positive),
        (11, 1, Negative),
        (11, 2, Positive), // after the year: not counted
    ];
    YearData {
        scheme: "Testshire call audit scheme".into(),
        year: 2024,
        template: Template::reference(),
        audits: vec![
            Audit {
                id: 1,
                held_on: a,
                focus: "HATE CRIME".into(),
            },
            Audit {
                id: 2,
                held_on: b,
                focus: "ASB".into(),
            },
            Audit {
                id: 3,
                held_on: c,
                focus: String::new(),
            },
            Audit {
                id: 4,
                held_on: d,
                focus: "ASB".into(),
            },
        ],
        outcomes,
        answers,
        proposals,
        cdi_sessions: 0,
        cdi_records: 0,
        cdi: None,
        log_review: None,
        auditors_at_year_end: 7,
        ready_at_year_end: 6,
        calibration: Vec::new(),
        introduction: String::new(),
        year_ahead: "More 999 calls.".into(),
        force_response: String::new(),
    }
}

#[test]
fn every_table_of_the_annual_report_on_a_fixed_year() {
    let r = compute(&year());
    assert_eq!(
        (r.year_label.as_str(), r.audits, r.calls),
        ("2024/25", 3, 10)
    );
    let ch: Vec<(&str, u64, u64)> = r
        .channels
        .iter()
        .map(|c| (c.channel.as_str(), c.calls, c.percent))
        .collect();
    assert_eq!(ch, [("101", 5, 50), ("999", 5, 50)]);
    let cat: Vec<(&str, u64, u64)> = r
        .categories
        .iter()
        .map(|c| (c.category.as_str(), c.calls, c.percent))
        .collect();
    assert_eq!(
        cat,
        [
            ("positive", 6, 60),
            ("suggestions", 3, 30),
            ("negative", 1, 10)
        ]
    );
    let fm: Vec<(&str, &str, u64, u64)> = r
        .focus_by_month
        .iter()
        .map(|f| (f.month.as_str(), f.focus.as_str(), f.calls, f.issues))
        .collect();
    assert_eq!(
        fm,
        [
            ("2024-04", "HATE CRIME", 4, 3),
            ("2024-05", "ASB", 4, 1),
            ("2024-05", "No focus (all incident types)", 2, 0)
        ]
    );
    let per_audit: Vec<(u64, u64, u64)> = r
        .by_audit
        .iter()
        .map(|a| (a.positive, a.suggestions, a.negative))
        .collect();
    assert_eq!(per_audit, [(1, 2, 1), (3, 1, 0), (2, 0, 0)]);
    let areas: Vec<(&str, &str, u64, u64)> = r
        .areas
        .iter()
        .map(|a| (a.code.as_str(), a.area.as_str(), a.calls, a.percent))
        .collect();
    assert_eq!(
        areas,
        [
            ("command", "Taking command / better handling of call", 2, 20),
            ("empathy", "Empathy", 2, 20),
            ("reassurance", "Reassurance", 1, 10)
        ]
    );
    assert_eq!(r.good_practice.len(), 1);
    assert_eq!(
        (
            r.good_practice[0].month.as_str(),
            r.good_practice[0].channel.as_str()
        ),
        ("2024-04", "101")
    );

    // Worked independently: rate, Wilson 95% interval, two-sided Fisher p against the rest.
    let t: Vec<TypeFigures> = r
        .by_incident_type
        .iter()
        .map(|t| {
            (
                t.incident_type.as_str(),
                t.calls,
                t.issues,
                t.rate,
                t.ci_low,
                t.ci_high,
                t.p_value,
                t.flagged,
            )
        })
        .collect();
    assert_eq!(
        t,
        [
            ("HATE CRIME", 4, 3, 0.75, 0.3006, 0.9544, 0.1905, false),
            ("ASB", 4, 1, 0.25, 0.0456, 0.6994, 0.5714, false),
            ("BURGLARY", 2, 0, 0.0, 0.0, 0.6576, 0.4667, false),
        ]
    );
    assert_eq!(
        (
            r.quarters[0].calls,
            r.quarters[0].issues,
            r.quarters[0].ci_low,
            r.quarters[0].ci_high
        ),
        (10, 4, Some(0.1682), Some(0.6873))
    );
    assert_eq!((r.quarters[3].calls, r.quarters[3].rate), (0, None));

    let cat_alpha = &r.agreement[0];
    assert_eq!(
        (cat_alpha.alpha, cat_alpha.calls, cat_alpha.answers),
        (Some(0.5882), 4, 8)
    );
    let greeting = r.agreement.iter().find(|a| a.item == "greeting").unwrap();
    assert_eq!(
        (greeting.alpha, greeting.calls, greeting.answers),
        (Some(0.5714), 5, 10)
    );
    let empathy = r.agreement.iter().find(|a| a.item == "empathy").unwrap();
    assert_eq!(
        (empathy.alpha, empathy.calls),
        (None, 0),
        "no answers: no alpha"
    );
}

#[test]
fn a_type_with_clearly_more_criticism_is_flagged() {
    let mut d = year();
    d.outcomes.clear();
    for i in 0..100 {
        let hate = i < 20;
        // Hate crime: 15 of 20 raised an issue; everything else: 20 of 80.
        let issue = if hate { i < 15 } else { i < 40 };
        let cat = if issue {
            Category::Suggestions
        } else {
            Category::Positive
        };
        let kind = if hate { "HATE CRIME" } else { "ASB" };
        d.outcomes.push(outcome(
            i,
            (1, day(2024, 4, 10)),
            "999",
            kind,
            cat,
            &[],
            false,
        ));
    }
    let r = compute(&d);
    let hate = r
        .by_incident_type
        .iter()
        .find(|t| t.incident_type == "HATE CRIME")
        .unwrap();
    assert!(hate.flagged && hate.p_value < 0.05, "{hate:?}");
    let asb = r
        .by_incident_type
        .iter()
        .find(|t| t.incident_type == "ASB")
        .unwrap();
    assert!(!asb.flagged, "a type below the rest is never flagged");
    assert!(annual::markdown(&r).contains("Flagged this year: HATE CRIME."));
}

#[test]
fn the_formats_carry_the_same_figures() {
    let r = compute(&year());
    let json: serde_json::Value = serde_json::from_str(&annual::json(&r)).unwrap();
    assert_eq!(json["calls"], 10);
    assert_eq!(
        json["channels"][0],
        serde_json::json!({"channel": "101", "calls": 5, "percent": 50})
    );
    assert_eq!(json["by_incident_type"][0]["ci_low"], 0.3006);
    let md = annual::markdown(&r);
    assert!(
        md.contains("In 2024/25, 3 call audits were carried out with a total of 10 calls audited.")
    );
    assert!(md.contains(
        "50% of audited calls were emergency (999) calls and 50% non-emergency (101) calls."
    ));
    assert!(md.contains("| April 2024 | HATE CRIME | 4 | 3 |"));
    assert!(md.contains(
        "- Taking command / better handling of call (2 calls = 20% of all calls audited)"
    ));
    assert!(md.contains("| HATE CRIME | 4 | 3 | 75% | 30%–95% | 0.191 |  |"));
    assert!(
        md.contains("- *Calm, clear \\| and kind.* (April 2024; hate crime call, 101)"),
        "table separators in text are escaped"
    );
    assert!(md.contains("## Looking forward to 2025/26\n\nMore 999 calls."));
    assert!(md.contains("(The force has not responded yet.)"));
    let csv = annual::csv_tables(&r).unwrap();
    let areas = &csv.iter().find(|(n, _)| *n == "areas.csv").unwrap().1;
    assert_eq!(
        areas,
        "code,area,calls,percent\ncommand,Taking command / better handling of call,2,20\nempathy,Empathy,2,20\nreassurance,Reassurance,1,10\n"
    );
    let gp = &csv
        .iter()
        .find(|(n, _)| *n == "good_practice.csv")
        .unwrap()
        .1;
    assert!(
        gp.contains("\"Calm, clear | and kind.\""),
        "CSV quotes text with commas"
    );
}

#[test]
fn an_empty_year_says_so() {
    let mut d = year();
    d.year = 2030;
    let r = compute(&d);
    assert_eq!((r.audits, r.calls), (0, 0));
    assert!(annual::markdown(&r).contains("No calls were audited in 2030/31."));
}

#[test]
fn the_html_report_escapes_what_people_wrote_and_carries_the_figures() {
    let mut d = year();
    d.outcomes[3].comments = "<script>alert('x')</script> & \"quotes\"".into();
    d.year_ahead = "First paragraph.\n\n- one\n- two".into();
    let r = compute(&d);
    let html = callaudit_reports::html::annual(&r).unwrap();
    assert!(!html.contains("<script>alert"), "comments are escaped");
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "{html}"
    );
    assert!(
        html.contains(
            "In 2024/25, 3 call audits were carried out with a total of 10 calls audited."
        )
    );
    assert!(html.contains("<td>HATE CRIME</td><td class=\"n\">4</td><td class=\"n\">3</td><td class=\"n\">75%</td><td>30%–95%</td><td class=\"n\">0.191</td>"));
    assert!(html.contains("<svg"), "the chart is inline");
    assert!(
        html.contains("<p>First paragraph.</p><ul><li>one</li><li>two</li></ul>"),
        "{html}"
    );
}

#[test]
fn the_introduction_opens_the_report_once_written_in_every_format() {
    let mut d = year();
    let r = compute(&d);
    assert!(
        !annual::markdown(&r).contains("## Introduction"),
        "left out while empty"
    );
    d.introduction =
        "The panel had 9 auditors at the year's end and sat monthly.\n\nIt moved online.".into();
    let r = compute(&d);
    let md = annual::markdown(&r);
    let intro = md.find("## Introduction").unwrap();
    assert!(
        intro < md.find("## Call auditing data").unwrap(),
        "it opens the report"
    );
    assert!(md.contains("sat monthly.\n\nIt moved online."));
    let html = callaudit_reports::html::annual(&r).unwrap();
    assert!(
        html.contains("<h2>Introduction</h2>\n<p>The panel had 9 auditors"),
        "{html}"
    );
    let json: serde_json::Value = serde_json::from_str(&annual::json(&r)).unwrap();
    assert_eq!(
        json["introduction"],
        "The panel had 9 auditors at the year's end and sat monthly.\n\nIt moved online."
    );
}

#[test]
fn one_audit_reads_in_the_singular_and_dip_samples_are_counted_apart() {
    let mut d = year();
    d.audits.truncate(1);
    let first = d.outcomes.iter().find(|o| o.audit_id == 1).unwrap().clone();
    d.outcomes = vec![first];
    d.cdi_sessions = 12;
    d.cdi_records = 180;
    let r = compute(&d);
    assert_eq!(
        r.summary,
        "In 2024/25, 1 call audit was carried out with a total of 1 call audited."
    );
    assert_eq!(
        r.cdi_summary,
        "Beside them, 12 Crime Data Integrity dip samples checked 180 incident records; their compliance is reported apart, in the Crime Data Integrity section."
    );
    let md = annual::markdown(&r);
    assert!(
        md.contains(&r.summary) && md.contains(&r.cdi_summary),
        "{md}"
    );
}

#[test]
fn incident_log_reviews_have_a_section_of_their_own() {
    let mut d = year();
    let template = Template::incident_log();
    // Logs 1 and 2 reviewed by two people: one finds log 1's opening code wanting.
    let answers = vec![
        (1, 1, "opening-code".to_string(), Answer::No),
        (1, 2, "opening-code".to_string(), Answer::Yes),
        (2, 1, "opening-code".to_string(), Answer::Yes),
        (2, 1, "thrive".to_string(), Answer::Na),
    ];
    d.log_review = Some(annual::LogReview {
        sessions: 1,
        logs: 3,
        template,
        answers,
    });
    let r = compute(&d);
    let s = r
        .programmes
        .iter()
        .find(|p| p.title == "Incident log review")
        .unwrap();
    assert_eq!(
        s.summary,
        "In 2024/25, 1 incident log review looked at 3 logs. A log is found wanting on a question when a reviewer answered it \"no\"."
    );
    assert_eq!(
        s.rows[0],
        [
            "The opening code fits what the caller described",
            "2",
            "1",
            "50%"
        ]
    );
    assert_eq!(
        s.rows[1][1..],
        ["0", "0", "–"],
        "nothing answered: no share"
    );
    assert_eq!(s.rows[2][1..], ["1", "0", "0%"], "n/a is not wanting");
    let md = annual::markdown(&r);
    assert!(
        md.contains("## Incident log review")
            && md.contains("| The opening code fits what the caller described | 2 | 1 | 50% |"),
        "{md}"
    );
}
