//! `callaudit summary`: what the database holds for a force, in plain words.

use std::process::ExitCode;

use callaudit_storage::{Force, Store};

use crate::Context_;

pub async fn run(ctx: &Context_) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    print(&store, &force).await?;
    Ok(ExitCode::SUCCESS)
}

/// Percent as published reports show it: the domain's rule, on the database's counts.
fn percent(part: i64, total: i64) -> u64 {
    callaudit_domain::stats::percent(part.max(0) as u64, total.max(0) as u64)
}

fn list(pairs: &[(String, i64)], total: Option<i64>) -> String {
    if pairs.is_empty() {
        return "none".into();
    }
    pairs
        .iter()
        .map(|(k, n)| match total {
            Some(t) => format!("{k} {n} ({}%)", percent(*n, t)),
            None => format!("{k} {n}"),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

pub async fn print(store: &Store, force: &Force) -> anyhow::Result<()> {
    let s = store.summary(force.id).await?;
    say!("{} ({})", force.name, force.code);
    say!(
        "  call pool        {} calls: {}",
        s.pool_calls,
        list(&s.pool_by_channel, None)
    );
    say!(
        "                   {} training calls, never sampled",
        s.training_calls
    );
    say!("  people           {}", list(&s.people, None));
    say!(
        "  sessions         {}: {}",
        s.sessions,
        list(&s.sessions_by_status, None)
    );
    say!(
        "  calls audited    {} ({}% emergency 999, {}% non-emergency), {} auditor answers",
        s.audited_calls,
        percent(s.audited_emergency, s.audited_calls),
        100 - percent(s.audited_emergency, s.audited_calls),
        s.answers
    );
    let agreed: i64 = s.outcomes.iter().map(|o| o.1).sum();
    say!("  panel outcomes   {}", list(&s.outcomes, Some(agreed)));
    say!("  improvement      {}", list(&s.areas, None));
    say!("  good practice    {} calls", s.good_practice);
    say!(
        "  issues raised    {}, answered by the facilitator {}",
        s.issues,
        s.issues_answered
    );
    say!("  action log       {}", list(&s.actions_by_status, None));
    if s.cdi_sessions > 0 {
        say!(
            "  data integrity   {} dip samples, {} incident records",
            s.cdi_sessions,
            s.cdi_records
        );
    }
    say!("  history          {} recorded changes", s.history_entries);
    if s.sessions == 0 {
        say!(
            "\nNo sessions yet: plan one with `callaudit session plan --date YYYY-MM-DD --focus \"HATE CRIME\"`."
        );
    }
    Ok(())
}
