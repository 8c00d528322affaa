//! The annual report, structured as published schemes write theirs: audits and calls, emergency
//! and non-emergency shares, month × focus × issues arising, categorisation per audit and
//! overall, areas for improvement, good practice, which incident types drew more criticism, the
//! trend by quarter, and how far auditors agreed before the panel did. Loaded from storage by
//! [`load`], computed by [`compute`], written as JSON (the open-data form, documented in
//! docs/reports.md), Markdown and CSV (one table a file) here.

use std::collections::{BTreeMap, HashMap};

use callaudit_domain::stats::{Z95, fisher_exact_two_sided, krippendorff_nominal, percent, wilson};
use std::fmt::Write as _;

use callaudit_domain::template::{Answer, Category, ProgrammeKind, Template};
use callaudit_storage::{Force, Store};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::render::{cell, csv_table, month_name, pct, typed, typed_cell};

/// A session held in the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub id: i64,
    pub held_on: NaiveDate,
    pub focus: String,
}

/// An audited call with the panel's agreed outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub session_call_id: i64,
    pub audit_id: i64,
    pub held_on: NaiveDate,
    pub channel: String,
    pub incident_type: String,
    pub category: Category,
    pub areas: Vec<String>,
    pub comments: String,
    pub good_practice: bool,
}

/// Everything an annual report is computed from.
#[derive(Debug, Clone)]
pub struct YearData {
    pub scheme: String,
    /// The financial year, named by the year it starts in.
    pub year: i32,
    pub template: Template,
    pub audits: Vec<Audit>,
    pub outcomes: Vec<Outcome>,
    /// (session call, auditor, question code, answer).
    pub answers: Vec<(i64, i64, String, Answer)>,
    /// (session call, auditor, proposed category).
    pub proposals: Vec<(i64, i64, Category)>,
    /// What the coordinator wrote to open the report: the panel at the year's end, how often it
    /// sat, what changed. Left out of the report while empty.
    pub introduction: String,
    pub year_ahead: String,
    pub force_response: String,
    /// Crime Data Integrity dip samples held in the year, and the incident records they checked:
    /// counted apart from the call audits, which they are not.
    pub cdi_sessions: u64,
    pub cdi_records: u64,
    /// The year's Crime Data Integrity report, when dip samples were held.
    pub cdi: Option<crate::cdi::CdiReport>,
    /// The year's incident log reviews, when any were held.
    pub log_review: Option<LogReview>,
    /// Volunteer auditors on the books at the year's end, and of them those who could sit on a
    /// panel that day (agreement accepted, vetting holding).
    pub auditors_at_year_end: u64,
    pub ready_at_year_end: u64,
    /// The year's settled calibration answers: (session, day, auditor, matched the agreed
    /// answer). Training, never counted among the audit figures.
    pub calibration: Vec<(i64, NaiveDate, i64, bool)>,
}

/// What the year's incident log reviews found: the template's questions, and the panel's answers
/// on each log reviewed.
#[derive(Debug, Clone)]
pub struct LogReview {
    pub sessions: u64,
    pub logs: u64,
    pub template: Template,
    /// (session call, auditor, question code, answer).
    pub answers: Vec<(i64, i64, String, Answer)>,
}

/// A programme other than the call audits, in a section of its own: every figure worded once, so
/// that the Markdown, the web page and the PDF cannot differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeSection {
    pub title: String,
    pub summary: String,
    pub caption: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelRow {
    pub channel: String,
    pub calls: u64,
    pub percent: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRow {
    pub category: String,
    pub label: String,
    pub calls: u64,
    pub percent: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub date: NaiveDate,
    pub focus: String,
    pub calls: u64,
    pub positive: u64,
    pub suggestions: u64,
    pub negative: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FocusMonth {
    /// `YYYY-MM` of the audit.
    pub month: String,
    pub focus: String,
    pub calls: u64,
    /// Calls that raised an issue (suggestions or negative).
    pub issues: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaRow {
    pub code: String,
    pub area: String,
    pub calls: u64,
    /// Of all calls audited in the year.
    pub percent: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoodPractice {
    /// `YYYY-MM`: case studies are anonymised to month, incident type and channel.
    pub month: String,
    pub incident_type: String,
    pub channel: String,
    pub text: String,
}

/// Issue rate of one incident type, with a 95% Wilson interval and the comparison with the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeRow {
    pub incident_type: String,
    pub calls: u64,
    pub issues: u64,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Two-sided Fisher exact test of this type against all the year's other calls.
    pub p_value: f64,
    /// Rate above the rest's with p < 0.05.
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarterRow {
    /// `Q1` (April–June) to `Q4` (January–March).
    pub quarter: String,
    pub calls: u64,
    pub issues: u64,
    pub rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlphaRow {
    /// `category`, or a question code.
    pub item: String,
    pub text: String,
    /// Krippendorff's alpha (nominal); `None` where it cannot be computed.
    pub alpha: Option<f64>,
    pub calls: usize,
    pub answers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnualReport {
    pub scheme: String,
    pub year: i32,
    /// `2025/26`.
    pub year_label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub audits: u64,
    pub calls: u64,
    /// The opening sentence, worded once for every format: "In 2025/26, 17 call audits were
    /// carried out with a total of 166 calls audited."
    pub summary: String,
    /// What the Crime Data Integrity dip samples of the year checked, or "" when there were none.
    pub cdi_summary: String,
    pub channels: Vec<ChannelRow>,
    pub categories: Vec<CategoryRow>,
    pub by_audit: Vec<AuditRow>,
    pub focus_by_month: Vec<FocusMonth>,
    pub areas: Vec<AreaRow>,
    pub good_practice: Vec<GoodPractice>,
    pub by_incident_type: Vec<TypeRow>,
    pub quarters: Vec<QuarterRow>,
    pub agreement: Vec<AlphaRow>,
    pub introduction: String,
    pub year_ahead: String,
    pub force_response: String,
    /// The Crime Data Integrity dip samples and the incident log reviews, each a section.
    pub programmes: Vec<ProgrammeSection>,
    /// The panel's volunteers: how many, how many sat, how alike they read calls (no names).
    pub volunteers: crate::volunteers::VolunteerSection,
}

/// The Crime Data Integrity report's findings as a section of the annual report.
fn cdi_section(r: &crate::cdi::CdiReport) -> ProgrammeSection {
    let v = crate::cdi::view(r);
    let mut summary = if r.records == 0 {
        v.nothing_counted.clone()
    } else {
        format!(
            "{} of {} incident records checked met the crime recording rules: {} (95% interval {}). A result counts once a second registrar has validated it.",
            v.compliant, v.records, v.rate, v.interval
        )
    };
    if !v.pending.is_empty() {
        summary = format!("{summary} {}", v.pending);
    }
    ProgrammeSection {
        title: "Crime Data Integrity".into(),
        summary,
        caption: "Compliance per incident category, with 95% Wilson intervals".into(),
        headers: ["Category", "Records", "Compliant", "Rate", "95% interval"]
            .map(String::from)
            .to_vec(),
        rows: v
            .by_type
            .into_iter()
            .map(|(t, n, c, rate, ci)| vec![t, n.to_string(), c.to_string(), rate, ci])
            .collect(),
    }
}

/// The incident log reviews as a section: for each question, on how many logs it was answered
/// and on how many a reviewer found the log wanting ("no").
fn log_review_section(l: &LogReview, year: i32) -> ProgrammeSection {
    let rows = l
        .template
        .questions
        .iter()
        .map(|q| {
            let mut by_log: HashMap<i64, bool> = HashMap::new();
            for (sc, _, _, a) in l.answers.iter().filter(|a| a.2 == q.code) {
                *by_log.entry(*sc).or_insert(false) |= *a == Answer::No;
            }
            let answered = by_log.len() as u64;
            let wanting = by_log.values().filter(|w| **w).count() as u64;
            let share = if answered == 0 {
                "–".to_string()
            } else {
                pct(wanting as f64 / answered as f64)
            };
            vec![
                q.text.clone(),
                answered.to_string(),
                wanting.to_string(),
                share,
            ]
        })
        .collect();
    ProgrammeSection {
        title: "Incident log review".into(),
        summary: format!(
            "In {}, {} looked at {}. A log is found wanting on a question when a reviewer answered it \"no\".",
            callaudit_domain::time::year_label(year),
            count(l.sessions, "incident log review"),
            count(l.logs, "log")
        ),
        caption: "What the reviews found, question by question".into(),
        headers: ["Question", "Logs answered", "Found wanting", "Share"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

/// Rates and intervals are published to four decimal places, so JSON is stable across builds.
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// "1 call", "17 calls".
fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A session's focus as the report names it; a session planned without one audited every type.
fn focus_or_none(focus: &str) -> String {
    if focus.is_empty() {
        "No focus (all incident types)".to_string()
    } else {
        focus.to_string()
    }
}

/// The first and last day of a police financial year.
pub fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let from = NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or(NaiveDate::MIN);
    let to = NaiveDate::from_ymd_opt(year + 1, 3, 31).unwrap_or(NaiveDate::MAX);
    (from, to)
}

pub fn compute(d: &YearData) -> AnnualReport {
    let (from, to) = year_bounds(d.year);
    let outcomes: Vec<&Outcome> = d
        .outcomes
        .iter()
        .filter(|o| o.held_on >= from && o.held_on <= to)
        .collect();
    let total = outcomes.len() as u64;
    let issues_of =
        |os: &[&Outcome]| os.iter().filter(|o| o.category.raises_issue()).count() as u64;

    // Channels, largest first: 999 and 101 are what reports name; other channels follow.
    let mut by_channel: BTreeMap<&str, u64> = BTreeMap::new();
    for o in &outcomes {
        *by_channel.entry(o.channel.as_str()).or_default() += 1;
    }
    let mut channels: Vec<ChannelRow> = by_channel
        .into_iter()
        .map(|(c, n)| ChannelRow {
            channel: c.into(),
            calls: n,
            percent: percent(n, total),
        })
        .collect();
    channels.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.channel.cmp(&b.channel)));

    let categories = Category::ALL
        .iter()
        .map(|c| {
            let n = outcomes.iter().filter(|o| o.category == *c).count() as u64;
            CategoryRow {
                category: c.code().into(),
                label: c.label().into(),
                calls: n,
                percent: percent(n, total),
            }
        })
        .collect();

    let audits: Vec<&Audit> = d
        .audits
        .iter()
        .filter(|a| a.held_on >= from && a.held_on <= to)
        .collect();
    let by_audit = audits
        .iter()
        .map(|a| {
            let of: Vec<&&Outcome> = outcomes.iter().filter(|o| o.audit_id == a.id).collect();
            let count = |c: Category| of.iter().filter(|o| o.category == c).count() as u64;
            AuditRow {
                date: a.held_on,
                focus: focus_or_none(&a.focus),
                calls: of.len() as u64,
                positive: count(Category::Positive),
                suggestions: count(Category::Suggestions),
                negative: count(Category::Negative),
            }
        })
        .collect();

    // Month × focus × issues arising, in date order as the published table runs.
    let mut focus_by_month: Vec<FocusMonth> = Vec::new();
    for a in &audits {
        let of: Vec<&Outcome> = outcomes
            .iter()
            .copied()
            .filter(|o| o.audit_id == a.id)
            .collect();
        let focus = focus_or_none(&a.focus);
        let m = month(a.held_on);
        match focus_by_month
            .iter_mut()
            .find(|r| r.month == m && r.focus == focus)
        {
            Some(r) => {
                r.calls += of.len() as u64;
                r.issues += issues_of(&of);
            }
            None => focus_by_month.push(FocusMonth {
                month: m,
                focus,
                calls: of.len() as u64,
                issues: issues_of(&of),
            }),
        }
    }

    let mut area_counts: HashMap<&str, u64> = HashMap::new();
    for o in &outcomes {
        for a in &o.areas {
            *area_counts.entry(a.as_str()).or_default() += 1;
        }
    }
    let mut areas: Vec<AreaRow> = area_counts
        .into_iter()
        .map(|(code, n)| AreaRow {
            code: code.into(),
            area: d
                .template
                .find_area(code)
                .map(|a| a.name.clone())
                .unwrap_or_else(|_| code.into()),
            calls: n,
            percent: percent(n, total),
        })
        .collect();
    areas.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.code.cmp(&b.code)));

    let good_practice = outcomes
        .iter()
        .filter(|o| o.good_practice)
        .map(|o| GoodPractice {
            month: month(o.held_on),
            incident_type: o.incident_type.clone(),
            channel: o.channel.clone(),
            text: o.comments.clone(),
        })
        .collect();

    let total_issues = issues_of(&outcomes);
    let mut types: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in &outcomes {
        types.entry(o.incident_type.as_str()).or_default().push(o);
    }
    let mut by_incident_type: Vec<TypeRow> = types
        .into_iter()
        .map(|(t, os)| {
            let (n, x) = (os.len() as u64, issues_of(&os));
            let (rest_n, rest_x) = (total - n, total_issues - x);
            let (lo, hi) = wilson(x, n, Z95).unwrap_or((0.0, 0.0));
            let rate = x as f64 / n as f64;
            let p = fisher_exact_two_sided(x, n - x, rest_x, rest_n - rest_x);
            let rest_rate = if rest_n == 0 {
                0.0
            } else {
                rest_x as f64 / rest_n as f64
            };
            TypeRow {
                incident_type: t.into(),
                calls: n,
                issues: x,
                rate: r4(rate),
                ci_low: r4(lo),
                ci_high: r4(hi),
                p_value: r4(p),
                flagged: rest_n > 0 && rate > rest_rate && p < 0.05,
            }
        })
        .collect();
    by_incident_type.sort_by(|a, b| {
        b.rate
            .total_cmp(&a.rate)
            .then(b.calls.cmp(&a.calls))
            .then(a.incident_type.cmp(&b.incident_type))
    });

    let quarters = (0..4)
        .map(|q| {
            let in_q: Vec<&Outcome> = outcomes
                .iter()
                .copied()
                .filter(|o| callaudit_domain::time::financial_quarter(o.held_on) == q)
                .collect();
            let (n, x) = (in_q.len() as u64, issues_of(&in_q));
            let ci = wilson(x, n, Z95);
            QuarterRow {
                quarter: format!("Q{}", q + 1),
                calls: n,
                issues: x,
                rate: (n > 0).then(|| r4(x as f64 / n as f64)),
                ci_low: ci.map(|c| r4(c.0)),
                ci_high: ci.map(|c| r4(c.1)),
            }
        })
        .collect();

    AnnualReport {
        scheme: d.scheme.clone(),
        year: d.year,
        year_label: callaudit_domain::time::year_label(d.year),
        from,
        to,
        audits: audits.len() as u64,
        calls: total,
        summary: format!(
            "In {}, {} {} carried out with a total of {} audited.",
            callaudit_domain::time::year_label(d.year),
            count(audits.len() as u64, "call audit"),
            if audits.len() == 1 { "was" } else { "were" },
            count(total, "call")
        ),
        cdi_summary: if d.cdi_sessions == 0 {
            String::new()
        } else {
            format!(
                "Beside them, {} checked {}; their compliance is reported apart, in the Crime Data Integrity section.",
                count(d.cdi_sessions, "Crime Data Integrity dip sample"),
                count(d.cdi_records, "incident record")
            )
        },
        channels,
        categories,
        by_audit,
        focus_by_month,
        areas,
        good_practice,
        by_incident_type,
        quarters,
        agreement: agreement(d, &outcomes),
        introduction: d.introduction.clone(),
        year_ahead: d.year_ahead.clone(),
        force_response: d.force_response.clone(),
        programmes: d
            .cdi
            .iter()
            .map(cdi_section)
            .chain(d.log_review.iter().map(|l| log_review_section(l, d.year)))
            .collect(),
        volunteers: volunteers(d, &outcomes, audits.len() as u64),
    }
}

/// The volunteer section: the auditors' agreement over the year's audited calls, as aggregates.
fn volunteers(
    d: &YearData,
    outcomes: &[&Outcome],
    sessions: u64,
) -> crate::volunteers::VolunteerSection {
    let held_on = outcomes
        .iter()
        .map(|o| (o.session_call_id, o.held_on))
        .collect();
    let agreements = crate::volunteers::agreements(&d.template, &d.answers, &held_on, false);
    crate::volunteers::section(
        &callaudit_domain::time::year_label(d.year),
        d.auditors_at_year_end,
        d.ready_at_year_end,
        sessions,
        &agreements,
        &crate::volunteers::calibrations(&d.calibration),
    )
}

/// Krippendorff's alpha per question and for the category, over the year's audited calls.
fn agreement(d: &YearData, outcomes: &[&Outcome]) -> Vec<AlphaRow> {
    let in_year: std::collections::HashSet<i64> =
        outcomes.iter().map(|o| o.session_call_id).collect();
    let row = |item: &str, text: &str, units: Vec<Vec<&str>>| {
        let a = krippendorff_nominal(&units);
        let pairable: Vec<&Vec<&str>> = units.iter().filter(|u| u.len() >= 2).collect();
        AlphaRow {
            item: item.into(),
            text: text.into(),
            alpha: a.map(|a| r4(a.alpha)),
            calls: pairable.len(),
            answers: pairable.iter().map(|u| u.len()).sum(),
        }
    };
    let mut by_call: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for (sc, _, c) in d.proposals.iter().filter(|p| in_year.contains(&p.0)) {
        by_call.entry(*sc).or_default().push(c.code());
    }
    let mut rows = vec![row(
        "category",
        "Category proposed by each auditor",
        by_call.into_values().collect(),
    )];
    for q in &d.template.questions {
        let mut by_call: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
        for (sc, _, code, a) in d
            .answers
            .iter()
            .filter(|a| in_year.contains(&a.0) && a.2 == q.code)
        {
            let _ = code;
            by_call.entry(*sc).or_default().push(a.code());
        }
        rows.push(row(&q.code, &q.text, by_call.into_values().collect()));
    }
    rows
}

pub async fn load(store: &Store, force: &Force, year: i32) -> callaudit_storage::Result<YearData> {
    let (from, to) = year_bounds(year);
    let template = template(store, force).await?;
    let audits = store
        .audits_between(force.id, ProgrammeKind::CallAudit, from, to)
        .await?
        .into_iter()
        .map(|a| Audit {
            id: a.id,
            held_on: a.held_on,
            focus: a.focus,
        })
        .collect();
    let outcomes = store
        .outcomes_between(force.id, ProgrammeKind::CallAudit, from, to)
        .await?
        .into_iter()
        .map(|o| Outcome {
            session_call_id: o.session_call_id,
            audit_id: o.session_id,
            held_on: o.held_on,
            channel: o.channel,
            incident_type: o.incident_type,
            category: o.category,
            areas: o
                .areas
                .split(';')
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect(),
            comments: o.comments,
            good_practice: o.good_practice,
        })
        .collect();
    let answers = crate::load::answers(store, force, ProgrammeKind::CallAudit, from, to).await?;
    let (auditors_at_year_end, ready_at_year_end) =
        crate::load::volunteers_at(store, force, to, answers.iter().map(|a| a.1)).await?;
    // Dip samples are counted apart: they check incident records, not calls.
    let cdi = store
        .audits_between(force.id, ProgrammeKind::CrimeDataIntegrity, from, to)
        .await?;
    let per_session = store.session_call_counts().await?;
    let cdi_records = cdi
        .iter()
        .map(|s| per_session.get(&s.id).copied().unwrap_or(0).max(0) as u64)
        .sum();
    let proposals = store
        .proposals_between(force.id, ProgrammeKind::CallAudit, from, to)
        .await?
        .into_iter()
        .map(|p| (p.session_call_id, p.auditor_id, p.category))
        .collect();
    Ok(YearData {
        scheme: format!("{} call audit scheme", force.name),
        year,
        template,
        audits,
        outcomes,
        answers,
        proposals,
        introduction: store.report_text(force.id, year, "introduction").await?,
        year_ahead: store.report_text(force.id, year, "year-ahead").await?,
        force_response: store.report_text(force.id, year, "force-response").await?,
        cdi_sessions: cdi.len() as u64,
        cdi_records,
        cdi: match cdi.is_empty() {
            true => None,
            false => Some(crate::cdi::compute(
                &crate::cdi::load(store, force, year).await?,
            )),
        },
        log_review: log_review(store, force, from, to).await?,
        auditors_at_year_end,
        ready_at_year_end,
        calibration: crate::load::calibration(store, force, from, to).await?,
    })
}

/// The year's incident log reviews, or `None` when none were held.
async fn log_review(
    store: &Store,
    force: &Force,
    from: NaiveDate,
    to: NaiveDate,
) -> callaudit_storage::Result<Option<LogReview>> {
    const KIND: ProgrammeKind = ProgrammeKind::IncidentLog;
    let sessions = store.audits_between(force.id, KIND, from, to).await?;
    if sessions.is_empty() {
        return Ok(None);
    }
    let per_session = store.session_call_counts().await?;
    let template = match store
        .programmes(force.id)
        .await?
        .iter()
        .find(|p| p.kind == KIND)
    {
        Some(p) => store.template(p.id).await?,
        None => Template::incident_log(),
    };
    Ok(Some(LogReview {
        sessions: sessions.len() as u64,
        logs: sessions
            .iter()
            .map(|s| per_session.get(&s.id).copied().unwrap_or(0).max(0) as u64)
            .sum(),
        template,
        answers: crate::load::answers(store, force, KIND, from, to).await?,
    }))
}

/// The template of the force's call-audit programme, or the reference template while it has none.
pub async fn template(store: &Store, force: &Force) -> callaudit_storage::Result<Template> {
    match store
        .programmes(force.id)
        .await?
        .iter()
        .find(|p| p.kind == ProgrammeKind::CallAudit)
    {
        Some(p) => store.template(p.id).await,
        None => Ok(Template::reference()),
    }
}

pub fn json(r: &AnnualReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
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
    let _ = writeln!(w, "\n### The panel's volunteers\n");
    let _ = writeln!(w, "{}", r.volunteers.summary);
    if !r.volunteers.agreement.is_empty() {
        let _ = writeln!(w, "\n{}", r.volunteers.agreement);
    }
    if !r.volunteers.calibration.is_empty() {
        let _ = writeln!(w, "\n{}", r.volunteers.calibration);
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
    for p in &r.programmes {
        let _ = writeln!(w, "\n## {}\n\n{}\n", p.title, p.summary);
        let _ = writeln!(w, "| {} |", p.headers.join(" | "));
        let _ = writeln!(
            w,
            "|---|{}",
            "---:|".repeat(p.headers.len().saturating_sub(1))
        );
        for row in &p.rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            let _ = writeln!(w, "| {} |", cells.join(" | "));
        }
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
