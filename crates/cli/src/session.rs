//! `callaudit session plan|list`: sessions are planned before the pool is committed and drawn.

use std::process::ExitCode;

use anyhow::Context;
use callaudit_domain::audit::SessionStatus;
use callaudit_domain::time::parse_date;

use crate::Context_;
use crate::cli::{PlanArgs, SessionCommand};

pub async fn run(ctx: &Context_, cmd: SessionCommand) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    match cmd {
        SessionCommand::Plan(PlanArgs {
            date,
            focus,
            programme,
        }) => {
            let day = parse_date(&date).map_err(|p| anyhow::anyhow!("--date {date:?} {p}"))?;
            let focus = focus.unwrap_or_default();
            let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
            let programme = match programme {
                Some(id) => {
                    let p = store.programme(id).await?;
                    if p.force_id != force.id {
                        anyhow::bail!("programme {id} belongs to another force");
                    }
                    id
                }
                None => tx.ensure_call_audit_programme(force.id).await?,
            };
            let id = tx
                .create_session(programme, day, focus.trim(), SessionStatus::Planned, "live")
                .await
                .context("cannot plan the session")?;
            tx.commit().await?;
            say!(
                "planned session {id} on {day}{}",
                if focus.is_empty() {
                    String::new()
                } else {
                    format!(", focus {focus}")
                }
            );
            say!(
                "next: callaudit sample draw --session {id}   (commits the pool and shows its digest)"
            );
        }
        SessionCommand::List => {
            let sessions = store.sessions(force.id).await?;
            if sessions.is_empty() {
                say!("no sessions yet; plan one with `callaudit session plan --date YYYY-MM-DD`");
            }
            let programmes = store.programmes(force.id).await?;
            for s in sessions {
                let calls = store.session_calls(s.id).await?.len();
                let focus = if s.focus.is_empty() {
                    "(no focus)"
                } else {
                    &s.focus
                };
                let mut programme = programmes
                    .iter()
                    .find(|p| p.id == s.programme_id)
                    .map_or(String::new(), |p| p.name.clone());
                if s.calibration {
                    programme.push_str(" (calibration)");
                }
                say!(
                    "{:>4}  {}  {:<8} {:>2} calls  {focus:<32}  {programme}",
                    s.id,
                    s.held_on,
                    s.status,
                    calls
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
