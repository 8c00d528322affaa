//! `callaudit programme list|add|set`: a force's audit programmes and their settings, including
//! the phrases their templates look for in transcripts.

use std::process::ExitCode;

use anyhow::bail;

use callaudit_domain::template::{
    PHRASE_CHARS, ProgrammeKind, clean_list, parse_max_sample, parse_retention_days,
};

use crate::Context_;
use crate::cli::ProgrammeCommand;

pub async fn run(ctx: &Context_, cmd: ProgrammeCommand) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    match cmd {
        ProgrammeCommand::List => {
            let programmes = store.programmes(force.id).await?;
            if programmes.is_empty() {
                say!(
                    "no programmes yet; one is created with the reference template by `session plan` or `import audits`"
                );
            }
            for p in programmes {
                say!(
                    "{:>3}  {:<22} {:<32} samples of at most {}",
                    p.id,
                    p.kind,
                    p.name,
                    p.max_sample
                );
            }
        }
        ProgrammeCommand::Add(a) => {
            let template = callaudit_domain::template::Template::for_kind(match a.kind {
                crate::cli::Kind::CallAudit => ProgrammeKind::CallAudit,
                crate::cli::Kind::CrimeDataIntegrity => ProgrammeKind::CrimeDataIntegrity,
                crate::cli::Kind::IncidentLog => ProgrammeKind::IncidentLog,
            });
            let name = callaudit_domain::text::clean_text(&a.name, 80)
                .map_err(|p| anyhow::anyhow!("--name {p}"))?;
            if name.is_empty() {
                bail!(
                    "--name is empty; expected the programme's name, e.g. \"Crime Data Integrity\""
                );
            }
            let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
            let id = tx.create_programme(force.id, &name, &template, 10).await?;
            tx.commit().await?;
            say!("added programme {id}: {name} ({})", template.kind.code());
        }
        ProgrammeCommand::Set(a) => {
            let p = store.programme(a.id).await?;
            if p.force_id != force.id {
                bail!("programme {} belongs to another force", a.id);
            }
            let mut lists = Vec::new();
            for (flag, kind, given) in [
                ("--greeting", "greeting", &a.greeting),
                ("--next-steps", "next-steps", &a.next_steps),
                ("--inappropriate", "inappropriate", &a.inappropriate),
            ] {
                let Some(given) = given else { continue };
                let list = clean_list(given.split(';'), PHRASE_CHARS)
                    .map_err(|p| anyhow::anyhow!("{flag} {p}"))?;
                lists.push((kind, list));
            }
            let mut periods = Vec::new();
            for (flag, what, given) in [
                ("--keep-recordings", "recordings", &a.keep_recordings),
                ("--keep-free-text", "free text", &a.keep_free_text),
            ] {
                let Some(given) = given else { continue };
                let days =
                    parse_retention_days(given).map_err(|p| anyhow::anyhow!("{flag} {p}"))?;
                periods.push((what, days));
            }
            if a.max_sample.is_none() && lists.is_empty() && periods.is_empty() {
                bail!(
                    "nothing to change; expected --max-sample N, --greeting, --next-steps, --inappropriate, --keep-recordings or --keep-free-text"
                );
            }
            if let Some(n) = a.max_sample {
                parse_max_sample(&n.to_string())
                    .map_err(|p| anyhow::anyhow!("--max-sample {p}"))?;
            }
            let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
            if let Some(n) = a.max_sample {
                tx.set_max_sample(a.id, i64::from(n)).await?;
            }
            for (kind, list) in &lists {
                tx.set_phrases(a.id, kind, list).await?;
            }
            for (what, days) in &periods {
                tx.set_retention(a.id, what, *days).await?;
            }
            tx.commit().await?;
            for (what, days) in &periods {
                match days {
                    Some(d) => say!(
                        "programme {} ({}) now keeps {what} for {d} days after a session closes",
                        p.id,
                        p.name
                    ),
                    None => say!(
                        "programme {} ({}) now keeps {what} with no period set",
                        p.id,
                        p.name
                    ),
                }
            }
            if let Some(n) = a.max_sample {
                say!(
                    "programme {} ({}) now draws samples of at most {n}",
                    p.id,
                    p.name
                );
            }
            for (kind, list) in &lists {
                say!(
                    "programme {} ({}) now looks for {} {kind} phrase{}: {}",
                    p.id,
                    p.name,
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    list.join("; ")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
