//! The Crime Data Integrity report: how many dip-sampled incident records met the crime recording
//! rules, per incident category and month, each rate with its 95% Wilson interval. A record is
//! *compliant* when no check was answered "no". A record counts once a second registrar has
//! validated its result (seed 002); records nobody has checked yet, and results awaiting
//! validation, are counted apart, never as compliant.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use callaudit_domain::stats::{Z95, wilson};
use callaudit_domain::template::{Answer, ProgrammeKind, Template, with_cdi_code};
use callaudit_storage::{Force, Result, Store};
use chrono::Datelike;
use serde::Serialize;

use crate::annual::year_bounds;
use crate::render::cell;

/// A record checked in the year: its session call, month (`YYYY-MM`) and incident category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub month: String,
    pub incident_type: String,
}

pub struct CdiData {
    pub scheme: String,
    pub year: i32,
    pub template: Template,
    pub records: Vec<Record>,
    /// (record, auditor, check code, answer).
    pub answers: Vec<(i64, i64, String, Answer)>,
    /// The records whose results a second registrar has validated.
    pub validated: HashSet<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceRow {
    pub incident_type: String,
    /// Seed 002's code for the category (C10, C20, SE), when it is one of the three.
    pub code: Option<&'static str>,
    /// `YYYY-MM`, or empty on the rows for the whole year.
    pub month: String,
    pub records: u64,
    pub compliant: u64,
    pub rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckRow {
    pub check: String,
    pub text: String,
    /// Records on which the check was answered.
    pub answered: u64,
    /// Of those, records where it was answered "no".
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdiReport {
    pub scheme: String,
    pub year: i32,
    pub year_label: String,
    /// Records checked (at least one answer).
    pub records: u64,
    pub compliant: u64,
    pub rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Records drawn but not yet checked.
    pub unchecked: u64,
    /// Records checked whose results await a second registrar's validation.
    pub awaiting_validation: u64,
    pub by_type: Vec<ComplianceRow>,
    pub by_type_month: Vec<ComplianceRow>,
    pub checks: Vec<CheckRow>,
}

fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn row(incident_type: &str, month: &str, records: u64, compliant: u64) -> ComplianceRow {
    let ci = wilson(compliant, records, Z95);
    ComplianceRow {
        incident_type: incident_type.into(),
        code: callaudit_domain::template::cdi_code(incident_type),
        month: month.into(),
        records,
        compliant,
        rate: (records > 0).then(|| r4(compliant as f64 / records as f64)),
        ci_low: ci.map(|c| r4(c.0)),
        ci_high: ci.map(|c| r4(c.1)),
    }
}

pub fn compute(d: &CdiData) -> CdiReport {
    // Per record: was it checked at all, and did any check fail?
    let mut checked: HashMap<i64, bool> = HashMap::new();
    for (rec, _, _, a) in &d.answers {
        let failed = checked.entry(*rec).or_insert(false);
        *failed |= *a == Answer::No;
    }
    let mut by_type: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut by_type_month: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    let mut unchecked = 0;
    let mut awaiting_validation = 0;
    for r in &d.records {
        let Some(failed) = checked.get(&r.id) else {
            unchecked += 1;
            continue;
        };
        if !d.validated.contains(&r.id) {
            awaiting_validation += 1;
            continue;
        }
        for slot in [
            by_type.entry(&r.incident_type).or_default(),
            by_type_month
                .entry((&r.incident_type, &r.month))
                .or_default(),
        ] {
            slot.0 += 1;
            slot.1 += u64::from(!failed);
        }
    }
    let (records, compliant) = by_type.values().fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
    let all = row("", "", records, compliant);
    let checks = d
        .template
        .questions
        .iter()
        .map(|q| {
            let mut answered: HashMap<i64, bool> = HashMap::new();
            for (rec, _, _, a) in d
                .answers
                .iter()
                .filter(|a| a.2 == q.code && d.validated.contains(&a.0))
            {
                *answered.entry(*rec).or_insert(false) |= *a == Answer::No;
            }
            CheckRow {
                check: q.code.clone(),
                text: q.text.clone(),
                answered: answered.len() as u64,
                failed: answered.values().filter(|f| **f).count() as u64,
            }
        })
        .collect();
    CdiReport {
        scheme: d.scheme.clone(),
        year: d.year,
        year_label: format!("{}/{:02}", d.year, (d.year + 1) % 100),
        records,
        compliant,
        rate: all.rate,
        ci_low: all.ci_low,
        ci_high: all.ci_high,
        unchecked,
        awaiting_validation,
        by_type: by_type
            .iter()
            .map(|(t, (n, c))| row(t, "", *n, *c))
            .collect(),
        by_type_month: by_type_month
            .iter()
            .map(|((t, m), (n, c))| row(t, m, *n, *c))
            .collect(),
        checks,
    }
}

/// The first Crime Data Integrity programme of the force, with its records and checks for a year.
pub async fn load(store: &Store, force: &Force, year: i32) -> Result<CdiData> {
    const KIND: ProgrammeKind = ProgrammeKind::CrimeDataIntegrity;
    let (from, to) = year_bounds(year);
    let template = match store
        .programmes(force.id)
        .await?
        .iter()
        .find(|p| p.kind == KIND)
    {
        Some(p) => store.template(p.id).await?,
        None => Template::crime_data_integrity(),
    };
    let records = store
        .records_between(force.id, KIND, from, to)
        .await?
        .into_iter()
        .map(|r| {
            let day = r.started_at.map_or(r.held_on, |t| {
                t.with_timezone(&callaudit_domain::time::DEFAULT_TZ)
                    .date_naive()
            });
            Record {
                id: r.session_call_id,
                month: format!("{:04}-{:02}", day.year(), day.month()),
                incident_type: r.incident_type,
            }
        })
        .collect();
    let answers = crate::load::answers(store, force, KIND, from, to).await?;
    let validated = store.validated_records(force.id).await?;
    Ok(CdiData {
        validated,
        scheme: format!("{} Crime Data Integrity audit", force.name),
        year,
        template,
        records,
        answers,
    })
}

fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), crate::render::pct)
}

fn interval(r: &ComplianceRow) -> String {
    match (r.ci_low, r.ci_high) {
        (Some(l), Some(h)) => format!("{}–{}", pct(Some(l)), pct(Some(h))),
        _ => "–".into(),
    }
}

/// What is drawn but not counted yet, in one sentence ("" when nothing is): records not checked,
/// and results awaiting a second registrar's validation.
fn pending(r: &CdiReport) -> String {
    let mut parts = Vec::new();
    match r.unchecked {
        0 => {}
        1 => parts.push("1 record has been drawn and awaits checking".to_string()),
        n => parts.push(format!("{n} records have been drawn and await checking")),
    }
    match r.awaiting_validation {
        0 => {}
        1 => parts.push("1 checked record awaits a second registrar's validation".to_string()),
        n => parts.push(format!(
            "{n} checked records await a second registrar's validation"
        )),
    }
    match (parts.is_empty(), r.records) {
        (true, _) => String::new(),
        (false, 0) => format!("{}.", parts.join("; ")),
        (false, _) => format!("Besides, {}; they are not counted.", parts.join("; ")),
    }
}

/// The year's compliance in one sentence, with what counts as compliant and counted.
fn headline(r: &CdiReport) -> String {
    format!(
        "{} of {} incident records checked met the crime recording rules: {} (95% interval {}). A record is compliant \
         when no check failed: a crime recorded where the rules require it, correctly classified, and in time. \
         A result counts once a second registrar has validated it.",
        r.compliant,
        r.records,
        pct(r.rate),
        interval(&row("", "", r.records, r.compliant))
    )
}

/// The sentence for a year with no validated result.
fn nothing_counted(r: &CdiReport) -> String {
    format!(
        "No incident record was checked and validated in {}.",
        r.year_label
    )
}

pub fn markdown(r: &CdiReport) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# {}: compliance {}\n", r.scheme, r.year_label);
    let pending = pending(r);
    if r.records == 0 {
        let _ = writeln!(w, "{}", nothing_counted(r));
        if !pending.is_empty() {
            let _ = writeln!(w, "\n{pending}");
        }
        return s;
    }
    let _ = writeln!(w, "{}\n", headline(r));
    if !pending.is_empty() {
        let _ = writeln!(w, "{pending}\n");
    }
    let _ = writeln!(
        w,
        "## By incident category\n\n| Category | Records | Compliant | Rate | 95% interval |\n|---|---:|---:|---:|---|"
    );
    for t in &r.by_type {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            cell(&with_cdi_code(&t.incident_type)),
            t.records,
            t.compliant,
            pct(t.rate),
            interval(t)
        );
    }
    let _ = writeln!(
        w,
        "\n## By incident category and month\n\n| Category | Month | Records | Compliant | Rate | 95% interval |\n|---|---|---:|---:|---:|---|"
    );
    for t in &r.by_type_month {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&with_cdi_code(&t.incident_type)),
            crate::render::month_name(&t.month),
            t.records,
            t.compliant,
            pct(t.rate),
            interval(t)
        );
    }
    let _ = writeln!(
        w,
        "\n## Checks that failed\n\n| Check | Records checked | Failed |\n|---|---:|---:|"
    );
    for c in &r.checks {
        let _ = writeln!(w, "| {} | {} | {} |", cell(&c.text), c.answered, c.failed);
    }
    s
}

pub fn csv_table(r: &CdiReport) -> std::result::Result<String, csv::Error> {
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    crate::render::csv_table(
        [
            "incident_type",
            "month",
            "records",
            "compliant",
            "rate",
            "ci_low",
            "ci_high",
        ],
        r.by_type
            .iter()
            .chain(&r.by_type_month)
            .map(|t| {
                [
                    t.incident_type.clone(),
                    t.month.clone(),
                    t.records.to_string(),
                    t.compliant.to_string(),
                    opt(t.rate),
                    opt(t.ci_low),
                    opt(t.ci_high),
                ]
            })
            .collect(),
    )
}

/// The report as it is shown, every figure already worded as the Markdown words it, so the HTML
/// and the PDF cannot round a number differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CdiView {
    pub scheme: String,
    pub year_label: String,
    pub records: u64,
    pub compliant: u64,
    pub rate: String,
    pub interval: String,
    /// What is drawn but not counted yet, as one sentence; empty when nothing is.
    pub pending: String,
    /// The sentence for a year with no validated result.
    pub nothing_counted: String,
    /// The year's compliance in one sentence, for a year with validated results.
    pub headline: String,
    /// (category, records, compliant, rate, interval).
    pub by_type: Vec<(String, u64, u64, String, String)>,
    /// (category, month name, records, compliant, rate, interval).
    pub by_type_month: Vec<(String, String, u64, u64, String, String)>,
    /// (check, records checked, failed).
    pub checks: Vec<(String, u64, u64)>,
}

pub fn view(r: &CdiReport) -> CdiView {
    CdiView {
        scheme: r.scheme.clone(),
        year_label: r.year_label.clone(),
        records: r.records,
        compliant: r.compliant,
        rate: pct(r.rate),
        interval: interval(&row("", "", r.records, r.compliant)),
        pending: pending(r),
        nothing_counted: nothing_counted(r),
        headline: headline(r),
        by_type: r
            .by_type
            .iter()
            .map(|t| {
                (
                    with_cdi_code(&t.incident_type),
                    t.records,
                    t.compliant,
                    pct(t.rate),
                    interval(t),
                )
            })
            .collect(),
        by_type_month: r
            .by_type_month
            .iter()
            .map(|t| {
                (
                    with_cdi_code(&t.incident_type),
                    crate::render::month_name(&t.month),
                    t.records,
                    t.compliant,
                    pct(t.rate),
                    interval(t),
                )
            })
            .collect(),
        checks: r
            .checks
            .iter()
            .map(|c| (c.text.clone(), c.answered, c.failed))
            .collect(),
    }
}
