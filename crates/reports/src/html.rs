//! The annual report as one self-contained HTML page: the same figures as every other format,
//! with the chart inline as SVG and every chart also given as a table. Text is escaped by the
//! template engine; only the SVG this crate drew itself is inserted as markup.

use askama::Template;

use crate::annual::AnnualReport;
use crate::render::{month_name, pct};

/// A block of the coordinator's prose: a paragraph, or a list of `- ` lines.
pub enum Prose {
    Paragraph(String),
    List(Vec<String>),
}

fn prose(s: &str) -> Vec<Prose> {
    s.split("\n\n")
        .filter_map(|para| {
            let lines: Vec<&str> = para
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if lines.is_empty() {
                None
            } else if lines.iter().all(|l| l.starts_with("- ")) {
                Some(Prose::List(
                    lines.iter().map(|l| l[2..].to_string()).collect(),
                ))
            } else {
                Some(Prose::Paragraph(lines.join(" ")))
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "annual.html")]
struct AnnualPage<'a> {
    r: &'a AnnualReport,
    chart: String,
    share_999: u64,
    share_101: u64,
    /// (month shown only on its first row, focus, calls, issues).
    months: Vec<(String, &'a str, u64, u64)>,
    flagged: Vec<&'a str>,
    /// (type, calls, issues, rate, interval, p, flagged).
    types: Vec<(&'a str, u64, u64, String, String, String, bool)>,
    /// (quarter, calls, issues, rate, interval).
    quarters: Vec<(&'a str, u64, u64, String, String)>,
    /// (item, alpha, calls, answers).
    agreement: Vec<(&'a str, String, usize, usize)>,
    /// (text, attribution).
    good: Vec<(&'a str, String)>,
    next_year: String,
    introduction: Vec<Prose>,
    year_ahead: Vec<Prose>,
    force_response: Vec<Prose>,
    /// The sessions' summaries of a published report (none in the report itself).
    sessions: &'a [crate::publish::PublicSession],
}

pub fn annual(r: &AnnualReport) -> Result<String, askama::Error> {
    annual_with(r, &[])
}

/// The annual report followed by a summary of each session held, as published.
pub fn annual_with(
    r: &AnnualReport,
    sessions: &[crate::publish::PublicSession],
) -> Result<String, askama::Error> {
    let share = |c: &str| {
        r.channels
            .iter()
            .find(|x| x.channel == c)
            .map_or(0, |x| x.percent)
    };
    let mut last = "";
    let months = r
        .focus_by_month
        .iter()
        .map(|f| {
            let shown = if f.month == last {
                String::new()
            } else {
                month_name(&f.month)
            };
            last = &f.month;
            (shown, f.focus.as_str(), f.calls, f.issues)
        })
        .collect();
    let range = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(l), Some(h)) => format!("{}–{}", pct(l), pct(h)),
        _ => "–".into(),
    };
    AnnualPage {
        chart: crate::chart::audits_svg(r),
        share_999: share("999"),
        share_101: share("101"),
        months,
        flagged: r
            .by_incident_type
            .iter()
            .filter(|t| t.flagged)
            .map(|t| t.incident_type.as_str())
            .collect(),
        types: r
            .by_incident_type
            .iter()
            .map(|t| {
                (
                    t.incident_type.as_str(),
                    t.calls,
                    t.issues,
                    pct(t.rate),
                    range(Some(t.ci_low), Some(t.ci_high)),
                    format!("{:.3}", t.p_value),
                    t.flagged,
                )
            })
            .collect(),
        quarters: r
            .quarters
            .iter()
            .map(|q| {
                (
                    q.quarter.as_str(),
                    q.calls,
                    q.issues,
                    q.rate.map_or("–".into(), pct),
                    range(q.ci_low, q.ci_high),
                )
            })
            .collect(),
        agreement: r
            .agreement
            .iter()
            .map(|a| {
                (
                    a.text.as_str(),
                    a.alpha.map_or("–".into(), |x| format!("{x:.2}")),
                    a.calls,
                    a.answers,
                )
            })
            .collect(),
        good: r
            .good_practice
            .iter()
            .map(|g| {
                (
                    g.text.as_str(),
                    format!(
                        "{}; {} call, {}",
                        month_name(&g.month),
                        g.incident_type.to_lowercase(),
                        g.channel
                    ),
                )
            })
            .collect(),
        next_year: format!("{}/{:02}", r.year + 1, (r.year + 2) % 100),
        introduction: prose(&r.introduction),
        year_ahead: prose(&r.year_ahead),
        force_response: prose(&r.force_response),
        sessions,
        r,
    }
    .render()
}

#[derive(Template)]
#[template(path = "session.html")]
struct SessionPage<'a> {
    r: &'a crate::session::SessionReport,
    /// (call, category label).
    calls: Vec<(&'a crate::session::CallLine, &'static str)>,
    noted: Vec<&'a crate::session::CallLine>,
    /// (issue, when feedback was relayed).
    issues: Vec<(&'a crate::session::IssueLine, String)>,
    /// Where the page was reached from (the session's page in the browser), for a way back.
    back: Option<&'a str>,
}

/// The report of one session as a self-contained HTML page, with the Markdown's content.
pub fn session(r: &crate::session::SessionReport) -> Result<String, askama::Error> {
    session_from(r, None)
}

/// The session report as a page with a way back to `back` at its head, for the browser.
pub fn session_from(
    r: &crate::session::SessionReport,
    back: Option<&str>,
) -> Result<String, askama::Error> {
    SessionPage {
        r,
        back,
        calls: r
            .calls
            .iter()
            .map(|c| (c, crate::session::label(c.category.as_deref())))
            .collect(),
        noted: r
            .calls
            .iter()
            .filter(|c| !c.comments.is_empty() || !c.learning_points.is_empty())
            .collect(),
        issues: r
            .issues
            .iter()
            .map(|i| (i, crate::session::relayed(i)))
            .collect(),
    }
    .render()
}

#[derive(Template)]
#[template(path = "cdi.html")]
struct CdiPage<'a> {
    v: &'a crate::cdi::CdiView,
}

/// The Crime Data Integrity report as a self-contained HTML page.
pub fn cdi(r: &crate::cdi::CdiReport) -> Result<String, askama::Error> {
    CdiPage {
        v: &crate::cdi::view(r),
    }
    .render()
}

/// The control-room performance report as a self-contained HTML page: the charts inline, each
/// beside the table of its figures.
pub fn performance(r: &crate::performance::PerformanceReport) -> Result<String, askama::Error> {
    crate::performance::view(r).render()
}
