//! The annual report written out: JSON (the open-data form, documented in docs/reports.md),
//! Markdown (readable as it is, and the source of the typeset report to come) and CSV (one table
//! a file, for people who live in spreadsheets). All three are written from one `AnnualReport`.

use std::fmt::Write as _;

use crate::annual::AnnualReport;

pub fn json(r: &AnnualReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `2025-06` as `June 2025`.
/// The months as people write them.
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn month_name(m: &str) -> String {
    match m
        .split_once('-')
        .and_then(|(y, mm)| Some((y, mm.parse::<usize>().ok()?)))
    {
        Some((y, mm)) if (1..=12).contains(&mm) => format!("{} {y}", MONTHS[mm - 1]),
        _ => m.to_string(),
    }
}

/// `2025-04` as `Apr 25`, for a chart's axis where twelve months must fit.
pub fn short_month(m: &str) -> String {
    match m
        .split_once('-')
        .and_then(|(y, mm)| Some((y, mm.parse::<usize>().ok()?)))
    {
        Some((y, mm)) if (1..=12).contains(&mm) => {
            format!("{} {}", &MONTHS[mm - 1][..3], y.get(2..).unwrap_or(y))
        }
        _ => m.to_string(),
    }
}

/// Text placed in a Markdown table cell: no line breaks, no column separators.
pub(crate) fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// What people typed (comments, issues, responses, actions, the coordinator's sections), made
/// to read as the words typed and nothing else: HTML tags cannot open (`<` and `>` become
/// entities) and Markdown cannot turn it into links, images, emphasis or headings (its
/// punctuation is escaped), so `<script>` or `[x](javascript:…)` reach no reader's renderer.
/// Line breaks are kept; use [`typed_cell`] inside a table.
pub(crate) fn typed(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut line_start = true;
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Links and images need brackets; code, emphasis and tables need these.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(ch);
            }
            '#' if line_start => out.push_str("\\#"),
            _ => out.push(ch),
        }
        if ch == '\n' {
            line_start = true;
        } else if !ch.is_whitespace() {
            line_start = false;
        }
    }
    out
}

/// [`typed`] text in a table cell: on one line.
pub(crate) fn typed_cell(s: &str) -> String {
    typed(s).replace(['\n', '\r'], " ")
}

/// A fraction as a whole percentage, e.g. 0.75 as `75%`.
pub(crate) fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub fn markdown(r: &AnnualReport) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# {}: annual report {}\n", r.scheme, r.year_label);
    let _ = writeln!(
        w,
        "This report covers the audits held from {} to {}.\n",
        r.from.format("%-d %B %Y"),
        r.to.format("%-d %B %Y")
    );
    if !r.introduction.is_empty() {
        let _ = writeln!(w, "## Introduction\n\n{}\n", typed(&r.introduction));
    }
    let _ = writeln!(w, "## Call auditing data\n");
    if r.calls == 0 {
        let _ = writeln!(w, "No calls were audited in {}.\n", r.year_label);
        return s;
    }
    let _ = writeln!(w, "{}", r.summary);
    let share = |c: &str| {
        r.channels
            .iter()
            .find(|x| x.channel == c)
            .map_or(0, |x| x.percent)
    };
    let _ = writeln!(
        w,
        "{}% of audited calls were emergency (999) calls and {}% non-emergency (101) calls.\n",
        share("999"),
        share("101")
    );
    if !r.cdi_summary.is_empty() {
        let _ = writeln!(w, "{}\n", r.cdi_summary);
    }
    let _ = writeln!(
        w,
        "| Channel | Calls | % of calls audited |\n|---|---:|---:|"
    );
    for c in &r.channels {
        let _ = writeln!(w, "| {} | {} | {}% |", cell(&c.channel), c.calls, c.percent);
    }
    let _ = writeln!(
        w,
        "\n### Crime and incident types audited, and issues arising\n"
    );
    let _ = writeln!(
        w,
        "A call *raised an issue* when the panel's feedback was not fully positive.\n"
    );
    let _ = writeln!(
        w,
        "| Month | Crime/incident type | Calls | Issues arising |\n|---|---|---:|---:|"
    );
    let mut last = String::new();
    for f in &r.focus_by_month {
        let m = if f.month == last {
            String::new()
        } else {
            month_name(&f.month)
        };
        last = f.month.clone();
        let _ = writeln!(
            w,
            "| {m} | {} | {} | {} |",
            cell(&f.focus),
            f.calls,
            f.issues
        );
    }
    let _ = writeln!(w, "\n## Findings\n\n### Categorisation of calls\n");
    let _ = writeln!(
        w,
        "| Category | Calls | % of calls audited |\n|---|---:|---:|"
    );
    for c in &r.categories {
        let _ = writeln!(w, "| {} | {} | {}% |", c.label, c.calls, c.percent);
    }
    let _ = writeln!(w, "\n### Categorisation per audit\n");
    let _ = writeln!(
        w,
        "| Audit | Focus | Calls | Positive | Suggestions | Negative |\n|---|---|---:|---:|---:|---:|"
    );
    for a in &r.by_audit {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            a.date,
            cell(&a.focus),
            a.calls,
            a.positive,
            a.suggestions,
            a.negative
        );
    }
    let _ = writeln!(w, "\n### Areas for improvement\n");
    if r.areas.is_empty() {
        let _ = writeln!(w, "No area for improvement was recorded.");
    }
    for a in &r.areas {
        let n = if a.calls == 1 { "call" } else { "calls" };
        let _ = writeln!(
            w,
            "- {} ({} {n} = {}% of all calls audited)",
            a.area, a.calls, a.percent
        );
    }
    let _ = writeln!(w, "\n### Which call types drew more criticism\n");
    let flagged: Vec<&str> = r
        .by_incident_type
        .iter()
        .filter(|t| t.flagged)
        .map(|t| t.incident_type.as_str())
        .collect();
    let _ = writeln!(
        w,
        "For each crime or incident type, the share of its calls that raised an issue, with a 95% interval: the range the true rate \
         plausibly lies in, given how few calls a panel hears. A type is **flagged** when its rate is above that of all the year's other \
         calls and a Fisher exact test puts the chance of so large a difference arising by luck below 5% (p < 0.05). With a handful of \
         calls per type, most differences are not flagged: that means the evidence is thin, not that the calls were handled equally well.\n"
    );
    let _ = writeln!(
        w,
        "{}\n",
        if flagged.is_empty() {
            "No type was flagged this year.".to_string()
        } else {
            format!(
                "Flagged this year: {}. The force's quality assurance team should audit these calls more.",
                flagged.join(", ")
            )
        }
    );
    let _ = writeln!(
        w,
        "| Crime/incident type | Calls | Issues | Rate | 95% interval | p | Flagged |\n|---|---:|---:|---:|---|---:|---|"
    );
    for t in &r.by_incident_type {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {}–{} | {:.3} | {} |",
            cell(&t.incident_type),
            t.calls,
            t.issues,
            pct(t.rate),
            pct(t.ci_low),
            pct(t.ci_high),
            t.p_value,
            if t.flagged { "yes" } else { "" }
        );
    }
    let _ = writeln!(w, "\n### Trend across the year\n");
    let _ = writeln!(
        w,
        "| Quarter | Calls | Issues | Rate | 95% interval |\n|---|---:|---:|---:|---|"
    );
    for q in &r.quarters {
        let (rate, ci) = match (q.rate, q.ci_low, q.ci_high) {
            (Some(x), Some(l), Some(h)) => (pct(x), format!("{}–{}", pct(l), pct(h))),
            _ => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {rate} | {ci} |",
            q.quarter, q.calls, q.issues
        );
    }
    let _ = writeln!(w, "\n### Agreement between auditors\n");
    let _ = writeln!(
        w,
        "How far auditors agreed in their own answers, before the panel discussed each call, measured by Krippendorff's alpha: \
         1 is full agreement, 0 is no more than chance would give. Questions with low alpha are where the panel may wish to \
         calibrate its reading of the question.\n"
    );
    let _ = writeln!(
        w,
        "| Item | Alpha | Calls | Answers |\n|---|---:|---:|---:|"
    );
    for a in &r.agreement {
        let alpha = a.alpha.map_or("–".to_string(), |x| format!("{x:.2}"));
        let _ = writeln!(
            w,
            "| {} | {alpha} | {} | {} |",
            cell(&a.text),
            a.calls,
            a.answers
        );
    }
    let _ = writeln!(w, "\n### Case studies: examples of good practice\n");
    if r.good_practice.is_empty() {
        let _ = writeln!(w, "No call was marked as an example of good practice.");
    }
    for g in &r.good_practice {
        let _ = writeln!(
            w,
            "- *{}* ({}; {} call, {})",
            typed_cell(&g.text),
            month_name(&g.month),
            g.incident_type.to_lowercase(),
            g.channel
        );
    }
    let next = format!("{}/{:02}", r.year + 1, (r.year + 2) % 100);
    let _ = writeln!(w, "\n## Looking forward to {next}\n");
    let _ = writeln!(
        w,
        "{}\n",
        if r.year_ahead.is_empty() {
            "(The coordinator has not written this section yet.)".to_string()
        } else {
            typed(&r.year_ahead)
        }
    );
    let _ = writeln!(w, "## The force's response\n");
    let _ = writeln!(
        w,
        "{}",
        if r.force_response.is_empty() {
            "(The force has not responded yet.)".to_string()
        } else {
            typed(&r.force_response)
        }
    );
    s
}

/// One CSV file a table: (file name, contents).
/// One CSV table. Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, and not a number) is prefixed with `'`, so a comment typed by
/// a volunteer can never become a formula in the coordinator's spreadsheet.
pub fn csv_table<const N: usize>(
    header: [&str; N],
    rows: Vec<[String; N]>,
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.trim().parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

pub fn csv_tables(r: &AnnualReport) -> Result<Vec<(&'static str, String)>, csv::Error> {
    let s = |x: &dyn ToString| x.to_string();
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    Ok(vec![
        (
            "summary.csv",
            csv_table(
                ["year", "audits", "calls"],
                vec![[s(&r.year_label), s(&r.audits), s(&r.calls)]],
            )?,
        ),
        (
            "channels.csv",
            csv_table(
                ["channel", "calls", "percent"],
                r.channels
                    .iter()
                    .map(|c| [s(&c.channel), s(&c.calls), s(&c.percent)])
                    .collect(),
            )?,
        ),
        (
            "categories.csv",
            csv_table(
                ["category", "calls", "percent"],
                r.categories
                    .iter()
                    .map(|c| [s(&c.category), s(&c.calls), s(&c.percent)])
                    .collect(),
            )?,
        ),
        (
            "by_audit.csv",
            csv_table(
                [
                    "date",
                    "focus",
                    "calls",
                    "positive",
                    "suggestions",
                    "negative",
                ],
                r.by_audit
                    .iter()
                    .map(|a| {
                        [
                            s(&a.date),
                            s(&a.focus),
                            s(&a.calls),
                            s(&a.positive),
                            s(&a.suggestions),
                            s(&a.negative),
                        ]
                    })
                    .collect(),
            )?,
        ),
        (
            "focus_by_month.csv",
            csv_table(
                ["month", "focus", "calls", "issues"],
                r.focus_by_month
                    .iter()
                    .map(|f| [s(&f.month), s(&f.focus), s(&f.calls), s(&f.issues)])
                    .collect(),
            )?,
        ),
        (
            "areas.csv",
            csv_table(
                ["code", "area", "calls", "percent"],
                r.areas
                    .iter()
                    .map(|a| [s(&a.code), s(&a.area), s(&a.calls), s(&a.percent)])
                    .collect(),
            )?,
        ),
        (
            "good_practice.csv",
            csv_table(
                ["month", "incident_type", "channel", "text"],
                r.good_practice
                    .iter()
                    .map(|g| [s(&g.month), s(&g.incident_type), s(&g.channel), s(&g.text)])
                    .collect(),
            )?,
        ),
        (
            "by_incident_type.csv",
            csv_table(
                [
                    "incident_type",
                    "calls",
                    "issues",
                    "rate",
                    "ci_low",
                    "ci_high",
                    "p_value",
                    "flagged",
                ],
                r.by_incident_type
                    .iter()
                    .map(|t| {
                        [
                            s(&t.incident_type),
                            s(&t.calls),
                            s(&t.issues),
                            s(&t.rate),
                            s(&t.ci_low),
                            s(&t.ci_high),
                            s(&t.p_value),
                            s(&t.flagged),
                        ]
                    })
                    .collect(),
            )?,
        ),
        (
            "quarters.csv",
            csv_table(
                ["quarter", "calls", "issues", "rate", "ci_low", "ci_high"],
                r.quarters
                    .iter()
                    .map(|q| {
                        [
                            s(&q.quarter),
                            s(&q.calls),
                            s(&q.issues),
                            opt(q.rate),
                            opt(q.ci_low),
                            opt(q.ci_high),
                        ]
                    })
                    .collect(),
            )?,
        ),
        (
            "agreement.csv",
            csv_table(
                ["item", "text", "alpha", "calls", "answers"],
                r.agreement
                    .iter()
                    .map(|a| {
                        [
                            s(&a.item),
                            s(&a.text),
                            opt(a.alpha),
                            s(&a.calls),
                            s(&a.answers),
                        ]
                    })
                    .collect(),
            )?,
        ),
    ])
}

#[cfg(test)]
mod csv_tests {
    use super::{csv_table, typed, typed_cell};

    #[test]
    fn what_people_typed_cannot_become_html_or_a_link_in_markdown() {
        assert_eq!(
            typed(
                "<script>alert(1)</script> see [the log](javascript:alert(1)) and <javascript:x>"
            ),
            "&lt;script&gt;alert(1)&lt;/script&gt; see \\[the log\\](javascript:alert(1)) and &lt;javascript:x&gt;"
        );
        assert_eq!(
            typed("# not a heading\n  # nor this, but 3 # 4"),
            "\\# not a heading\n  \\# nor this, but 3 # 4"
        );
        assert_eq!(
            typed("call_ref *urgent* `x` a|b"),
            "call\\_ref \\*urgent\\* \\`x\\` a\\|b"
        );
        assert_eq!(typed_cell("two\nlines"), "two lines");
        assert_eq!(
            typed("Caller reassured (twice)! Good."),
            "Caller reassured (twice)! Good."
        );
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_kept_as_text() {
        let out = csv_table(
            ["a", "b", "c", "d", "e"],
            vec![[
                "=HYPERLINK(\"http://x\")".into(),
                "-3.5".into(),
                "- a note".into(),
                "@cmd".into(),
                "plain".into(),
            ]],
        )
        .unwrap();
        assert_eq!(
            out.lines().nth(1).unwrap(),
            "\"'=HYPERLINK(\"\"http://x\"\")\",-3.5,'- a note,'@cmd,plain"
        );
    }
}
