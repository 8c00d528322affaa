//! The control-room performance report (`callaudit report performance`): answer times,
//! abandonment and call length per channel and per month, attendance per grade, resolution
//! without deployment, repeat callers and satisfaction, from the pool alone, for any period.
//! Every figure comes from [`callaudit_domain::performance`]; this module loads the period's
//! calls and writes the same figures as JSON, Markdown and CSV.

use std::fmt::Write as _;

use callaudit_domain::performance::{
    Attendance, ChannelFigures, Figures, MonthFigures, REPEAT_CALLS, REPEAT_DAYS, RepeatCallers,
    ResolutionFigures, SatisfactionFigures, attendance, by_channel, by_month, repeat_callers,
    resolution, satisfaction,
};
use callaudit_storage::{Force, Result, Store};
use chrono::{NaiveDate, TimeZone};
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
}

/// Midnight at the start of a UK day, as an instant.
fn uk_midnight(d: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    callaudit_domain::time::DEFAULT_TZ
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&chrono::Utc))
}

/// The report of the calls a force received from `from` to `to` (UK days, both included).
pub async fn load(
    store: &Store,
    force: &Force,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PerformanceReport> {
    let calls = store
        .call_times(
            force.id,
            uk_midnight(from),
            uk_midnight(to.succ_opt().unwrap_or(to)),
        )
        .await?;
    let targets = store.attendance_targets(force.id).await?;
    Ok(PerformanceReport {
        scheme: force.name.clone(),
        from,
        to,
        calls: calls.len() as u64,
        channels: by_channel(&calls),
        months: by_month(&calls),
        attendance: attendance(&calls, &targets),
        resolution: resolution(&calls),
        repeat_callers: repeat_callers(&calls),
        satisfaction: satisfaction(&calls),
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

/// One of the report's further tables (attendance, resolution, satisfaction) as every format
/// shows it: a heading, a sentence on what it counts, and cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub title: &'static str,
    pub intro: &'static str,
    pub heads: &'static [&'static str],
    pub rows: Vec<Vec<String>>,
}

/// The further tables the pool has figures for, in the report's order.
pub fn tables(r: &PerformanceReport) -> Vec<Table> {
    let mut out = Vec::new();
    if !r.attendance.is_empty() {
        out.push(Table {
            title: "Attendance",
            intro: "Minutes from the start of the call to the first officer's arrival, per grade; calls officers raised themselves are left out. The share within target is of the incidents attended.",
            heads: &ATTENDANCE_HEADS,
            rows: r.attendance.iter().map(attendance_cells).collect(),
        });
    }
    if !r.resolution.is_empty() {
        out.push(Table {
            title: "Resolved without deployment",
            intro: "Of the calls whose outcome the export records.",
            heads: &RESOLUTION_HEADS,
            rows: r.resolution.iter().map(resolution_cells).collect(),
        });
    }
    if !r.satisfaction.is_empty() {
        out.push(Table {
            title: "Satisfaction",
            intro: "The answers of callers who took the force's survey.",
            heads: &SATISFACTION_HEADS,
            rows: r.satisfaction.iter().map(satisfaction_cells).collect(),
        });
    }
    out
}

const HEAD: &str = "| Calls | Answered | Abandoned | Within 10 s | 11–60 s | Over 60 s | Over 2 min | Median answer (s) | 90th percentile (s) | Mean length (s) |";

fn row(f: &Figures) -> String {
    format!("| {} |", cells(f).join(" | "))
}

/// The report in words and tables, for a board paper.
pub fn markdown(r: &PerformanceReport) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# {}: control-room performance\n", r.scheme);
    let _ = writeln!(
        w,
        "Calls received from {} to {}: {}.\n",
        r.from.format("%-d %B %Y"),
        r.to.format("%-d %B %Y"),
        r.calls
    );
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
    let _ = writeln!(w, "## By channel\n\n| Channel {HEAD}");
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in &r.channels {
        let _ = writeln!(w, "| {} {}", channel_name(&c.channel), row(&c.figures));
    }
    let _ = writeln!(w, "\n## By month\n\n| Month | Channel {HEAD}");
    let _ = writeln!(
        w,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for m in &r.months {
        let _ = writeln!(
            w,
            "| {} | {} {}",
            crate::render::month_name(&m.month),
            channel_name(&m.channel),
            row(&m.figures)
        );
    }
    let _ = writeln!(w);
    for t in tables(r) {
        let _ = writeln!(w, "## {}\n\n{}\n", t.title, t.intro);
        let _ = writeln!(w, "| {} |", t.heads.join(" | "));
        let _ = writeln!(w, "|{}", "---|".repeat(t.heads.len()));
        for row in &t.rows {
            let _ = writeln!(w, "| {} |", row.join(" | "));
        }
        let _ = writeln!(w);
    }
    if let Some(rc) = &r.repeat_callers {
        let _ = writeln!(w, "## Repeat callers\n\n{}\n", repeat_sentence(rc));
    }
    let _ = writeln!(
        w,
        "Answer-time shares are of answered calls; abandonment is of all calls. Medians of an even count are the mean of the two middle values; the 90th percentile is the nearest rank. Figures are given to one decimal place, halves rounded up."
    );
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
