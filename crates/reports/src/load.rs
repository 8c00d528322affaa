//! Fills a [`YearData`] from storage for one force and financial year.

use callaudit_domain::template::{Answer, ProgrammeKind, Template};
use callaudit_storage::{Force, Result, Store};
use chrono::NaiveDate;

use crate::annual::{Audit, Outcome, YearData, year_bounds};

/// Each auditor's answers in a period's sessions of one kind of programme. Stored answers passed
/// the database's CHECK constraint; one that still does not parse was changed by hand and is left
/// out rather than guessed at.
pub async fn answers(
    store: &Store,
    force: &Force,
    kind: ProgrammeKind,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i64, i64, String, Answer)>> {
    // Each row decoded into the domain's types as it is read: a stored code this version cannot
    // read stops the report with an error, never leaves the row out of the figures.
    Ok(store
        .answers_between(force.id, kind, from, to)
        .await?
        .into_iter()
        .map(|a| (a.session_call_id, a.auditor_id, a.question_code, a.answer))
        .collect())
}

/// The template of the force's call-audit programme, or the reference template while it has none.
pub async fn call_audit_template(store: &Store, force: &Force) -> Result<Template> {
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

pub async fn year_data(store: &Store, force: &Force, year: i32) -> Result<YearData> {
    let (from, to) = year_bounds(year);
    let template = call_audit_template(store, force).await?;
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
    let answers = answers(store, force, ProgrammeKind::CallAudit, from, to).await?;
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
    })
}
