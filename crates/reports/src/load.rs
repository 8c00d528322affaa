//! What the reports load alike from storage: each auditor's answers in a period's sessions, the
//! volunteers on the books, and the calibration answers beside the agreed ones.

use callaudit_domain::template::{Answer, ProgrammeKind};
use callaudit_storage::{Force, Result, Store};
use chrono::NaiveDate;

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

/// The volunteer auditors on the books at the end of `day` (active accounts added by then, and
/// anyone in `scored`, who answered calls in the period: a scheme that brought its past audits in
/// from spreadsheets added its auditors later), and of them those whose training record shows
/// that day the confidentiality agreement accepted and vetting holding.
pub async fn volunteers_at(
    store: &Store,
    force: &Force,
    day: NaiveDate,
    scored: impl IntoIterator<Item = i64>,
) -> Result<(u64, u64)> {
    let mut auditors: std::collections::BTreeSet<i64> = store
        .auditors_on(force.id, day)
        .await?
        .into_iter()
        .collect();
    auditors.extend(scored);
    let training = store.training_records(force.id).await?;
    let ready = auditors
        .iter()
        .filter(|id| training.get(id).is_some_and(|t| t.bars(day).is_empty()))
        .count();
    Ok((auditors.len() as u64, ready as u64))
}

/// The settled calibration answers of sessions held from `from` to `to`, each as (session, day,
/// auditor, matched the agreed answer); answers to questions the reference has no agreed answer
/// for are left out.
pub async fn calibration(
    store: &Store,
    force: &Force,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i64, NaiveDate, i64, bool)>> {
    Ok(store
        .calibration_answers(force.id)
        .await?
        .into_iter()
        .filter(|x| x.held_on >= from && x.held_on <= to)
        .filter_map(|x| {
            x.agreed_answer()
                .map(|agreed| (x.session_id, x.held_on, x.auditor_id, agreed == x.answer))
        })
        .collect())
}
