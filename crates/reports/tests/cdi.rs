//! The Crime Data Integrity report on a fixed dip sample, with intervals worked out independently.

use callaudit_domain::template::{Answer, Template};
use callaudit_reports::cdi::{CdiData, Record, compute, markdown};

/// (category, month, records, compliant, interval low, interval high).
type MonthFigures<'a> = (&'a str, &'a str, u64, u64, Option<f64>, Option<f64>);

fn rec(id: i64, month: &str, kind: &str) -> Record {
    Record {
        id,
        month: month.into(),
        incident_type: kind.into(),
    }
}

#[test]
fn compliance_per_category_and_month_with_intervals() {
    use Answer::*;
    let mut answers = Vec::new();
    let mut check = |id: i64, recorded: Answer, classified: Answer, timely: Answer| {
        for (q, a) in [
            ("recorded", recorded),
            ("classified", classified),
            ("timely", timely),
        ] {
            answers.push((id, 1, q.to_string(), a));
        }
    };
    check(1, Yes, Yes, Yes);
    check(2, Yes, No, Yes); // misclassified
    check(3, Na, Yes, Yes); // a check that does not apply is not a failure
    check(4, Yes, Yes, Yes);
    check(5, Yes, Yes, No); // late
    check(6, Yes, Yes, Yes);
    check(8, No, No, No); // checked, but nobody has validated the result yet
    let d = CdiData {
        scheme: "Testshire Crime Data Integrity audit".into(),
        year: 2024,
        template: Template::crime_data_integrity(),
        records: vec![
            rec(1, "2024-05", "VIOLENCE"),
            rec(2, "2024-05", "VIOLENCE"),
            rec(3, "2024-05", "VIOLENCE"),
            rec(4, "2024-06", "VIOLENCE"),
            rec(5, "2024-06", "DOMESTIC ABUSE"),
            rec(6, "2024-06", "DOMESTIC ABUSE"),
            rec(7, "2024-06", "DOMESTIC ABUSE"), // drawn, not yet checked
            rec(8, "2024-06", "VIOLENCE"),
        ],
        answers,
        validated: (1..=7).collect(),
    };
    let r = compute(&d);
    assert_eq!(
        (
            r.records,
            r.compliant,
            r.unchecked,
            r.awaiting_validation,
            r.rate
        ),
        (6, 4, 1, 1, Some(0.6667))
    );
    let t: Vec<MonthFigures> = r
        .by_type_month
        .iter()
        .map(|x| {
            (
                x.incident_type.as_str(),
                x.month.as_str(),
                x.records,
                x.compliant,
                x.ci_low,
                x.ci_high,
            )
        })
        .collect();
    assert_eq!(
        t,
        [
            (
                "DOMESTIC ABUSE",
                "2024-06",
                2,
                1,
                Some(0.0945),
                Some(0.9055)
            ),
            ("VIOLENCE", "2024-05", 3, 2, Some(0.2077), Some(0.9385)),
            ("VIOLENCE", "2024-06", 1, 1, Some(0.2065), Some(1.0)),
        ]
    );
    let v = r
        .by_type
        .iter()
        .find(|x| x.incident_type == "VIOLENCE")
        .unwrap();
    assert_eq!(
        (v.records, v.compliant, v.ci_low, v.ci_high),
        (4, 3, Some(0.3006), Some(0.9544))
    );
    let failed: Vec<(&str, u64, u64)> = r
        .checks
        .iter()
        .map(|c| (c.check.as_str(), c.answered, c.failed))
        .collect();
    assert_eq!(
        failed,
        [("recorded", 6, 0), ("classified", 6, 1), ("timely", 6, 1)]
    );
    let md = markdown(&r);
    assert!(md.contains("4 of 6 incident records checked met the crime recording rules: 67% (95% interval 30%–90%)"), "{md}");
    assert!(
        md.contains("Besides, 1 record has been drawn and awaits checking; 1 checked record awaits a second registrar's validation; they are not counted."),
        "{md}"
    );
    assert!(
        md.contains("| VIOLENCE (C10) | May 2024 | 3 | 2 | 67% | 21%–94% |"),
        "{md}"
    );
    assert!(md.contains("| DOMESTIC ABUSE (SE) | 2 | 1 |"), "{md}");
}
