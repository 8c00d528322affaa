//! `callaudit programme list|set`: a force's audit programmes and their settings.

use std::process::ExitCode;

use anyhow::bail;

use crate::Context_;
use crate::cli::ProgrammeCommand;

/// No panel hears more than this many calls in a sitting; a larger number is a typing mistake.
const MAX_SAMPLE_LIMIT: u32 = 200;

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
            let template = match a.kind {
                crate::cli::Kind::CallAudit => callaudit_domain::template::Template::reference(),
                crate::cli::Kind::CrimeDataIntegrity => {
                    callaudit_domain::template::Template::crime_data_integrity()
                }
            };
            let name = callaudit_domain::text::clean_text(&a.name, 80)
                .map_err(|p| anyhow::anyhow!("--name {p}"))?;
            if name.is_empty() {
                bail!(
                    "--name is empty; expected the programme's name, e.g. \"Crime Data Integrity\""
                );
            }
            let mut tx = store.begin(&ctx.actor).await?;
            let id = tx.create_programme(force.id, &name, &template, 10).await?;
            tx.commit().await?;
            say!("added programme {id}: {name} ({})", template.kind.code());
        }
        ProgrammeCommand::Set(a) => {
            if a.max_sample == 0 || a.max_sample > MAX_SAMPLE_LIMIT {
                bail!(
                    "--max-sample {} is out of range; expected 1 to {MAX_SAMPLE_LIMIT}",
                    a.max_sample
                );
            }
            let p = store.programme(a.id).await?;
            if p.force_id != force.id {
                bail!("programme {} belongs to another force", a.id);
            }
            let mut tx = store.begin(&ctx.actor).await?;
            tx.set_max_sample(a.id, i64::from(a.max_sample)).await?;
            tx.commit().await?;
            say!(
                "programme {} ({}) now draws samples of at most {}",
                p.id,
                p.name,
                a.max_sample
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
