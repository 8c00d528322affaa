//! The control-room performance report (`callaudit report performance`): answer times,
//! abandonment and call length per channel and per month, attendance per grade, resolution
//! without deployment, repeat callers and satisfaction, from the pool alone, for any period.
//! Every figure comes from [`callaudit_domain::performance`]; this module loads the period's
//! calls, and the panel's findings for the same months, and writes the same figures as JSON,
//! Markdown, CSV, HTML and a PDF board performance pack. Every format's tables come from
//! [`tables`], so they cannot disagree.

use std::fmt::Write as _;

use callaudit_domain::performance::{
    Attendance, ChannelFigures, Figures, MonthFigures, REPEAT_CALLS, REPEAT_DAYS, RepeatCallers,
    ResolutionFigures, SatisfactionFigures, Tally,
};
use callaudit_domain::template::Category;
use callaudit_domain::template::ProgrammeKind;
use callaudit_domain::time::uk_day_start;
use callaudit_storage::{Force, Result, Store};
use chrono::NaiveDate;
use serde::Serialize;

/// The Home Office's expectation for 999 calls: answered within 10 seconds.
pub const TARGET_999_WITHIN_10S: f64 = 90.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceReport {
    pub scheme: String,
    /// The first and last days of the period (UK dates), both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub calls: u64,
    pub channels: Vec<ChannelFigures>,
    pub months: Vec<MonthFigures>,
    /// Per grade, most urgent first; empty when the pool gives no grades.
    pub attendance: Vec<Attendance>,
    /// The period (`all`) then each month; empty when the pool gives no resolutions.
    pub resolution: Vec<ResolutionFigures>,
    /// `null` when the pool gives no caller references.
    pub repeat_callers: Option<RepeatCallers>,
    /// Per channel for the period (`all`) then per month; empty without survey answers.
    pub satisfaction: Vec<SatisfactionFigures>,
    /// What the panel found in the sessions held in the period, month by month.
    pub panel: Vec<PanelMonth>,
}

/// The panel's findings in the sessions held in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub sessions: u64,
    /// Calls with an agreed outcome.
    pub calls: u64,
    pub positive: u64,
    pub suggestions: u64,
    pub negative: u64,
    /// The areas for improvement raised most, most first (at most three), with how many calls.
    pub areas: Vec<(String, u64)>,
}

/// One agreed outcome, as the panel months need it: the session, when it sat, the category and
/// the areas raised.
pub struct Finding<'a> {
    pub session: i64,
    pub held_on: NaiveDate,
    pub category: Category,
    pub areas: Vec<&'a str>,
}

/// The panel's findings per month of the sessions' dates, months in order. Areas are named as
/// `name` names them; ties between areas go to the name first in byte order.
pub fn panel_months<'a>(
    findings: &[Finding<'a>],
    name: impl Fn(&'a str) -> String,
) -> Vec<PanelMonth> {
    let mut months: std::collections::BTreeMap<String, Vec<&Finding<'a>>> =
        std::collections::BTreeMap::new();
    for f in findings {
        months
            .entry(f.held_on.format("%Y-%m").to_string())
            .or_default()
            .push(f);
    }
    months
        .into_iter()
        .map(|(month, fs)| {
            let sessions: std::collections::BTreeSet<i64> = fs.iter().map(|f| f.session).collect();
            let count = |c: Category| fs.iter().filter(|f| f.category == c).count() as u64;
            let mut areas: std::collections::BTreeMap<String, u64> =
                std::collections::BTreeMap::new();
            for a in fs.iter().flat_map(|f| f.areas.iter()) {
                *areas.entry(name(a)).or_default() += 1;
            }
            let mut areas: Vec<(String, u64)> = areas.into_iter().collect();
            areas.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            areas.truncate(3);
            PanelMonth {
                month,
                sessions: sessions.len() as u64,
                calls: fs.len() as u64,
                positive: count(Category::Positive),
                suggestions: count(Category::Suggestions),
                negative: count(Category::Negative),
                areas,
            }
        })
        .collect()
}

/// The report of the calls a force received from `from` to `to` (UK days, both included).
pub async fn load(
    store: &Store,
    force: &Force,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PerformanceReport> {
    let mut calls: Tally = store
        .call_times(
            force.id,
            uk_day_start(from),
            uk_day_start(to.succ_opt().unwrap_or(to)),
        )
        .await?;
    let targets = store.attendance_targets(force.id).await?;
    let template = crate::annual::template(store, force).await?;
    let outcomes = store
        .outcomes_between(force.id, ProgrammeKind::CallAudit, from, to)
        .await?;
    let findings: Vec<Finding> = outcomes
        .iter()
        .map(|o| Finding {
            session: o.session_id,
            held_on: o.held_on,
            category: o.category,
            areas: o.areas.split(';').filter(|a| !a.is_empty()).collect(),
        })
        .collect();
    let panel = panel_months(&findings, |code| {
        template
            .find_area(code)
            .map_or_else(|_| code.to_string(), |a| a.name.clone())
    });
    Ok(PerformanceReport {
        scheme: force.name.clone(),
        from,
        to,
        calls: calls.calls(),
        channels: calls.by_channel(),
        months: calls.by_month(),
        attendance: calls.attendance(&targets),
        resolution: calls.resolution(),
        repeat_callers: calls.repeat_callers(),
        satisfaction: calls.satisfaction(),
        panel,
    })
}

pub fn json(r: &PerformanceReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn one(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.1}%"))
}

pub fn channel_name(code: &str) -> String {
    match code {
        "999" => "999 (emergency)".into(),
        "101" => "101 (non-emergency)".into(),
        other => other.replace('-', " "),
    }
}

/// The figures' column names, in table order.
pub const HEADS: [&str; 10] = [
    "Calls",
    "Answered",
    "Abandoned",
    "Within 10 s",
    "11–60 s",
    "Over 60 s",
    "Over 2 min",
    "Median answer (s)",
    "90th percentile (s)",
    "Mean length (s)",
];

/// One row of figures as table cells, in [`HEADS`] order.
pub fn cells(f: &Figures) -> Vec<String> {
    vec![
        f.calls.to_string(),
        f.answered.to_string(),
        format!("{} ({})", f.abandoned, pct(f.abandoned_percent)),
        pct(f.within_10s_percent),
        pct(f.from_11_to_60s_percent),
        pct(f.over_60s_percent),
        f.over_2min.to_string(),
        one(f.median_answer_s),
        one(f.p90_answer_s),
        one(f.mean_duration_s),
    ]
}

/// The headline sentences: the 999 share within 10 seconds beside the national expectation, and
/// how many 101 callers hung up.
pub fn headlines(r: &PerformanceReport) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = r
        .channels
        .iter()
        .find(|c| c.channel == "999")
        .and_then(|e| e.figures.within_10s_percent)
    {
        let verdict = if p >= TARGET_999_WITHIN_10S {
            "meeting"
        } else {
            "below"
        };
        out.push(format!(
            "{p:.1}% of answered 999 calls were answered within 10 seconds, {verdict} the national expectation of {TARGET_999_WITHIN_10S:.0}%."
        ));
    }
    if let Some(p) = r
        .channels
        .iter()
        .find(|c| c.channel == "101")
        .and_then(|n| n.figures.abandoned_percent)
    {
        out.push(format!(
            "{p:.1}% of 101 callers hung up before their call was answered. For comparison, the inspectorate found 43% of 101 calls unanswered in Sussex Police over the year to March 2019, and about 20% of 101 callers hanging up in Essex Police in 2017–18 (HMICFRS, A call for help)."
        ));
    }
    for a in &r.attendance {
        if let (Some(t), Some(p)) = (a.target_minutes, a.within_target_percent) {
            out.push(format!(
                "{p:.1}% of the {} incidents officers attended were reached within the force's target of {t} minutes.",
                a.grade
            ));
        }
    }
    if let Some(p) = r
        .resolution
        .first()
        .and_then(|x| x.without_deployment_percent)
    {
        out.push(format!(
            "{p:.1}% of calls with a recorded outcome were resolved without sending an officer."
        ));
    }
    if let Some(rc) = &r.repeat_callers {
        out.push(repeat_sentence(rc));
    }
    out
}

/// The repeat callers in words.
pub fn repeat_sentence(rc: &RepeatCallers) -> String {
    if rc.callers == 0 {
        return format!("No caller rang {REPEAT_CALLS} or more times within {REPEAT_DAYS} days.");
    }
    format!(
        "{} {} rang {REPEAT_CALLS} or more times within {REPEAT_DAYS} days; they made {} calls in the period (at most {} from one caller), and the panel heard {} of them.",
        rc.callers,
        if rc.callers == 1 { "caller" } else { "callers" },
        rc.calls,
        rc.most_calls,
        rc.sampled
    )
}

/// Attendance's column names, in table order.
pub const ATTENDANCE_HEADS: [&str; 6] = [
    "Grade",
    "Target",
    "Incidents",
    "Attended",
    "Within target",
    "Median (min)",
];

/// One grade's attendance as table cells, in [`ATTENDANCE_HEADS`] order.
pub fn attendance_cells(a: &Attendance) -> Vec<String> {
    vec![
        a.grade.clone(),
        a.target_minutes
            .map_or_else(|| "none set".to_string(), |t| format!("{t} min")),
        a.incidents.to_string(),
        a.attended.to_string(),
        match (a.within_target, a.within_target_percent) {
            (Some(n), Some(p)) => format!("{n} ({p:.1}%)"),
            _ => "–".into(),
        },
        one(a.median_minutes),
    ]
}

/// Resolution's column names, in table order.
pub const RESOLUTION_HEADS: [&str; 8] = [
    "Period",
    "Recorded outcome",
    "Deployed",
    "Without deployment",
    "Appointment",
    "Referred",
    "No further action",
    "Without deployment (%)",
];

pub fn resolution_cells(r: &ResolutionFigures) -> Vec<String> {
    vec![
        period_name(&r.month),
        r.resolved.to_string(),
        r.deployed.to_string(),
        r.without_deployment.to_string(),
        r.appointment.to_string(),
        r.referred.to_string(),
        r.no_action.to_string(),
        pct(r.without_deployment_percent),
    ]
}

/// Satisfaction's column names, in table order.
pub const SATISFACTION_HEADS: [&str; 6] = [
    "Period",
    "Channel",
    "Responses",
    "Satisfied",
    "Neutral",
    "Dissatisfied",
];

pub fn satisfaction_cells(s: &SatisfactionFigures) -> Vec<String> {
    vec![
        period_name(&s.month),
        channel_name(&s.channel),
        s.responses.to_string(),
        pct(s.satisfied_percent),
        pct(s.neutral_percent),
        pct(s.dissatisfied_percent),
    ]
}

/// `all` as "Whole period", a month as its name.
pub fn period_name(month: &str) -> String {
    if month == "all" {
        "Whole period".into()
    } else {
        crate::render::month_name(month)
    }
}

/// One of the report's tables as every format shows it: a heading, a sentence on what it counts,
/// and cells already worded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub title: &'static str,
    pub intro: String,
    pub heads: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Per column: whether it holds figures (set right-aligned), i.e. every cell is a number,
    /// a share, a count with its share, or a dash.
    pub numeric: Vec<bool>,
}

impl Table {
    fn new(
        title: &'static str,
        intro: impl Into<String>,
        heads: Vec<&'static str>,
        rows: Vec<Vec<String>>,
    ) -> Table {
        let numeric = (0..heads.len())
            .map(|i| {
                rows.iter().all(|r| {
                    r.get(i)
                        .is_some_and(|c| c == "–" || c.starts_with(|ch: char| ch.is_ascii_digit()))
                })
            })
            .collect();
        Table {
            title,
            intro: intro.into(),
            heads,
            rows,
            numeric,
        }
    }
}

/// The report's tables, in its order: by channel, by month, then those the pool has figures
/// for (attendance, resolution, satisfaction), then the panel's findings.
pub fn tables(r: &PerformanceReport) -> Vec<Table> {
    let with = |first: &[&'static str]| -> Vec<&'static str> {
        first.iter().chain(HEADS.iter()).copied().collect()
    };
    let mut out = vec![
        Table::new(
            "By channel",
            "Answer times and abandonment for the whole period.",
            with(&["Channel"]),
            r.channels
                .iter()
                .map(|c| {
                    let mut row = vec![channel_name(&c.channel)];
                    row.extend(cells(&c.figures));
                    row
                })
                .collect(),
        ),
        Table::new(
            "By month",
            "The same figures month by month, so the trend shows.",
            with(&["Month", "Channel"]),
            r.months
                .iter()
                .map(|m| {
                    let mut row = vec![
                        crate::render::month_name(&m.month),
                        channel_name(&m.channel),
                    ];
                    row.extend(cells(&m.figures));
                    row
                })
                .collect(),
        ),
    ];
    if !r.attendance.is_empty() {
        out.push(Table::new(
            "Attendance",
            "Minutes from the start of the call to the first officer's arrival, per grade; calls officers raised themselves are left out. The share within target is of the incidents attended.",
            ATTENDANCE_HEADS.to_vec(),
            r.attendance.iter().map(attendance_cells).collect(),
        ));
    }
    if !r.resolution.is_empty() {
        out.push(Table::new(
            "Resolved without deployment",
            "Of the calls whose outcome the export records.",
            RESOLUTION_HEADS.to_vec(),
            r.resolution.iter().map(resolution_cells).collect(),
        ));
    }
    if !r.satisfaction.is_empty() {
        out.push(Table::new(
            "Satisfaction",
            "The answers of callers who took the force's survey.",
            SATISFACTION_HEADS.to_vec(),
            r.satisfaction.iter().map(satisfaction_cells).collect(),
        ));
    }
    out.push(Table::new(
        "The panel's findings",
        if r.panel.is_empty() {
            "The panel held no session in this period.".to_string()
        } else {
            "What the panel found in the calls it heard at the sessions held in these months, beside the figures above.".to_string()
        },
        PANEL_HEADS.to_vec(),
        r.panel.iter().map(panel_cells).collect(),
    ));
    out
}

/// The panel table's column names, in table order.
pub const PANEL_HEADS: [&str; 7] = [
    "Month",
    "Sessions",
    "Calls heard",
    "Fully positive",
    "Suggestions",
    "Negative",
    "Areas raised most",
];

pub fn panel_cells(p: &PanelMonth) -> Vec<String> {
    let areas = p
        .areas
        .iter()
        .map(|(a, n)| format!("{a} ({n})"))
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        crate::render::month_name(&p.month),
        p.sessions.to_string(),
        p.calls.to_string(),
        p.positive.to_string(),
        p.suggestions.to_string(),
        p.negative.to_string(),
        if areas.is_empty() {
            "none".into()
        } else {
            areas
        },
    ]
}

/// The two charts of the pack and the web page, as SVG: the monthly trend (999 calls answered
/// within 10 seconds, beside the national expectation, and 101 calls abandoned), and the
/// answer-time bands per channel. The "By month" and "By channel" tables hold the same figures.
/// `None` when the export gives no answer times (a dispatch export, say): nothing to draw.
pub fn charts(r: &PerformanceReport) -> Option<(String, String)> {
    use crate::chart::{NEGATIVE, POSITIVE, Trend, bands_svg, trend_svg};
    if r.channels.iter().all(|c| c.figures.answered == 0) {
        return None;
    }
    // The month rows come in month order, a row per channel: each month once.
    let mut keys: Vec<&str> = r.months.iter().map(|m| m.month.as_str()).collect();
    keys.dedup();
    let months: Vec<String> = keys.iter().map(|k| crate::render::short_month(k)).collect();
    let series = |channel: &str, pick: fn(&Figures) -> Option<f64>| -> Vec<Option<f64>> {
        keys.iter()
            .map(|k| {
                r.months
                    .iter()
                    .find(|m| m.month == *k && m.channel == channel)
                    .and_then(|m| pick(&m.figures))
            })
            .collect()
    };
    let trend = trend_svg(
        &months,
        &[
            Trend {
                name: "999 answered within 10 s".into(),
                colour: POSITIVE,
                values: series("999", |f| f.within_10s_percent),
            },
            Trend {
                name: "101 calls abandoned".into(),
                colour: NEGATIVE,
                values: series("101", |f| f.abandoned_percent),
            },
        ],
        Some((TARGET_999_WITHIN_10S, "999 expectation (90%)")),
    );
    let bands: Vec<(String, [f64; 3])> = r
        .channels
        .iter()
        .filter_map(|c| {
            let f = &c.figures;
            Some((
                channel_name(&c.channel),
                [
                    f.within_10s_percent?,
                    f.from_11_to_60s_percent?,
                    f.over_60s_percent?,
                ],
            ))
        })
        .collect();
    Some((trend, bands_svg(&bands)))
}

/// Said where the charts would be when the export gives no answer times.
pub const NO_CHARTS: &str = "The export gives no answer times, so there are no answer-time charts; the tables below give what it does hold.";

/// The report worded for reading: the HTML page is this rendered, the PDF pack is typeset from it
/// and the web page shows it, so they say the same.
#[derive(Debug, Clone, Serialize, askama::Template)]
#[template(path = "performance.html")]
pub struct View {
    pub scheme: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: String,
    pub calls: u64,
    pub headlines: Vec<String>,
    /// The trend and the bands as SVG, when there are answer times to draw. Typst reads the
    /// pictures as files beside the text, so the text says only whether there are any.
    #[serde(serialize_with = "present")]
    pub charts: Option<(String, String)>,
    pub no_charts: &'static str,
    pub tables: Vec<Table>,
    pub repeat: Option<String>,
    pub note: &'static str,
}

fn present<S: serde::Serializer>(
    charts: &Option<(String, String)>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_bool(charts.is_some())
}

pub fn view(r: &PerformanceReport) -> View {
    View {
        scheme: r.scheme.clone(),
        from: r.from,
        to: r.to,
        period: period(r),
        calls: r.calls,
        headlines: headlines(r),
        charts: charts(r),
        no_charts: NO_CHARTS,
        tables: tables(r),
        repeat: r.repeat_callers.as_ref().map(repeat_sentence),
        note: NOTE,
    }
}

/// The note on definitions every format ends with.
pub const NOTE: &str = "Answer-time shares are of answered calls; abandonment is of all calls. Medians of an even count are the mean of the two middle values; the 90th percentile is the nearest rank. Figures are given to one decimal place, halves rounded up.";

/// The period in words: "1 April 2025 to 31 March 2026".
pub fn period(r: &PerformanceReport) -> String {
    format!(
        "{} to {}",
        callaudit_domain::time::long_date(r.from),
        callaudit_domain::time::long_date(r.to)
    )
}

/// The report in words and tables, for a board paper.
pub fn markdown(r: &PerformanceReport) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# {}: control-room performance\n", r.scheme);
    let _ = writeln!(w, "Calls received from {}: {}.\n", period(r), r.calls);
    if r.calls == 0 {
        let _ = writeln!(
            w,
            "The pool holds no call in this period: import the control room's export first."
        );
        return s;
    }
    for h in headlines(r) {
        let _ = writeln!(w, "{h}\n");
    }
    for t in tables(r) {
        let _ = writeln!(w, "## {}\n\n{}\n", t.title, t.intro);
        if t.rows.is_empty() {
            continue;
        }
        let _ = writeln!(w, "| {} |", t.heads.join(" | "));
        let rule: String = t
            .numeric
            .iter()
            .map(|n| if *n { "---:|" } else { "---|" })
            .collect();
        let _ = writeln!(w, "|{rule}");
        for row in &t.rows {
            let _ = writeln!(w, "| {} |", row.join(" | "));
        }
        let _ = writeln!(w);
    }
    if let Some(rc) = &r.repeat_callers {
        let _ = writeln!(w, "## Repeat callers\n\n{}\n", repeat_sentence(rc));
    }
    let _ = writeln!(w, "{NOTE}");
    s
}

/// One CSV table: a row per channel for the whole period (`period` = `all`), then per month.
pub fn csv(r: &PerformanceReport) -> std::result::Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "period",
        "channel",
        "calls",
        "answered",
        "abandoned",
        "abandoned_percent",
        "within_10s_percent",
        "from_11_to_60s_percent",
        "over_60s_percent",
        "over_2min",
        "median_answer_s",
        "p90_answer_s",
        "mean_duration_s",
    ])?;
    let opt = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.1}"));
    let rows = r
        .channels
        .iter()
        .map(|c| ("all".to_string(), &c.channel, &c.figures))
        .chain(
            r.months
                .iter()
                .map(|m| (m.month.clone(), &m.channel, &m.figures)),
        );
    for (period, channel, f) in rows {
        out.write_record([
            period,
            channel.clone(),
            f.calls.to_string(),
            f.answered.to_string(),
            f.abandoned.to_string(),
            opt(f.abandoned_percent),
            opt(f.within_10s_percent),
            opt(f.from_11_to_60s_percent),
            opt(f.over_60s_percent),
            f.over_2min.to_string(),
            opt(f.median_answer_s),
            opt(f.p90_answer_s),
            opt(f.mean_duration_s),
        ])?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Two sessions in April (three calls: positive, suggestions raising empathy and questioning,
    /// negative raising empathy) and one in May (one positive call): April has 2 sessions, 3
    /// calls, 1/1/1, empathy raised twice and questioning once; May 1 session, 1 call, none.
    #[test]
    fn the_panels_findings_are_counted_per_month_of_the_session() {
        let f = |session, held: &str, category, areas: Vec<&'static str>| Finding {
            session,
            held_on: day(held),
            category,
            areas,
        };
        let findings = [
            f(1, "2026-04-03", Category::Positive, vec![]),
            f(
                1,
                "2026-04-03",
                Category::Suggestions,
                vec!["empathy", "questioning"],
            ),
            f(2, "2026-04-20", Category::Negative, vec!["empathy"]),
            f(3, "2026-05-02", Category::Positive, vec![]),
        ];
        let months = panel_months(&findings, |c| c.to_uppercase());
        assert_eq!(
            months[0],
            PanelMonth {
                month: "2026-04".into(),
                sessions: 2,
                calls: 3,
                positive: 1,
                suggestions: 1,
                negative: 1,
                areas: vec![("EMPATHY".into(), 2), ("QUESTIONING".into(), 1)],
            }
        );
        assert_eq!(
            panel_cells(&months[1]),
            ["May 2026", "1", "1", "1", "0", "0", "none"]
        );
    }

    #[test]
    fn a_column_is_figures_when_every_cell_is_a_number_a_share_or_a_dash() {
        let t = Table::new(
            "t",
            "",
            vec!["Grade", "Target", "Within"],
            vec![
                vec!["IMMEDIATE".into(), "15 min".into(), "3 (75.0%)".into()],
                vec!["STANDARD".into(), "none set".into(), "–".into()],
            ],
        );
        assert_eq!(t.numeric, [false, false, true]);
    }
}
