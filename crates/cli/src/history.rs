//! `callaudit history verify|head`, `backup`, `account` and `retention`: the commands that look
//! after the database itself rather than a scheme's work.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use callaudit_domain::audit::Role;
use callaudit_storage::Store;
use callaudit_storage::history::{ChainHead, Verification};

use crate::Context_;
use crate::cli::{
    AccountCommand, BackupArgs, HistoryArgs, HistoryCommand, RetentionCommand, TextOrJson,
};

pub async fn run(ctx: &Context_, cmd: HistoryCommand) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    match cmd {
        HistoryCommand::Verify(a) => verify(&store, &a).await,
        HistoryCommand::Head(a) => {
            let heads = store.history_heads().await?;
            match a.format {
                TextOrJson::Json => say!("{}", serde_json::to_string_pretty(&heads)?),
                TextOrJson::Text => print_heads(&heads),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn chain_name(h: &ChainHead) -> String {
    h.force
        .as_deref()
        .map_or_else(|| "server".to_string(), |f| format!("force {f}"))
}

fn print_heads(heads: &[ChainHead]) {
    if heads.is_empty() {
        say!("the history is empty");
    }
    for h in heads {
        say!(
            "{:<16} {} entries, last entry {}, hash {}",
            chain_name(h),
            h.entries,
            h.last_id,
            h.hash
        );
    }
}

async fn verify(store: &Store, a: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let v: Verification = store.verify_history().await?;
    match a.format {
        TextOrJson::Json => say!("{}", serde_json::to_string_pretty(&v)?),
        TextOrJson::Text => match &v.broken {
            None => {
                say!(
                    "the history holds: {} entries in {} chain(s) recomputed, every one matches",
                    v.entries,
                    v.heads.len()
                );
                print_heads(&v.heads);
            }
            Some(b) => eprintln!(
                "the history does not hold: entry {} does not match ({}); every entry after it in its chain is in doubt",
                b.id, b.reason
            ),
        },
    }
    Ok(if v.broken.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Copies a SQLite database with `VACUUM INTO`, which reads one consistent snapshot while the
/// server goes on writing, then opens the copy and verifies its history.
pub async fn backup(ctx: &Context_, a: BackupArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    if store.backend() == callaudit_storage::Backend::Postgres {
        eprintln!(
            "backup: a PostgreSQL database is backed up with its own tools while it runs, e.g.\n  pg_dump --format=custom --file=callaudit.dump \"$CALLAUDIT_DATABASE_URL\"\nand restored with pg_restore into an empty database; then run `callaudit history verify` on the restored copy. Nothing was written."
        );
        return Ok(ExitCode::from(1));
    }
    if a.file.exists() {
        eprintln!(
            "backup: {} already exists; name a new file (a backup never overwrites one)",
            a.file.display()
        );
        return Ok(ExitCode::from(1));
    }
    let target = a
        .file
        .to_str()
        .context("the backup file's name is not valid UTF-8")?;
    store.backup_to(target).await?;
    let copy = Store::connect(&format!("sqlite://{target}"))
        .await
        .with_context(|| format!("the copy {target} cannot be opened"))?;
    let v = copy.verify_history().await?;
    copy.close().await;
    if let Some(b) = v.broken {
        eprintln!(
            "backup: the copy {target} was written, but its history does not hold: entry {} ({})",
            b.id, b.reason
        );
        return Ok(ExitCode::from(1));
    }
    let size = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0);
    say!(
        "backed up to {target} ({:.1} MB); its history holds: {} entries verified",
        size as f64 / 1e6,
        v.entries
    );
    print_heads(&v.heads);
    Ok(ExitCode::SUCCESS)
}

pub async fn account(ctx: &Context_, cmd: AccountCommand) -> anyhow::Result<ExitCode> {
    let AccountCommand::AddSuperAdmin(a) = cmd;
    let password = match std::env::var("CALLAUDIT_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if let Err(e) = callaudit_web::auth::check_new_password(&password) {
        eprintln!("account: {e} Give it in CALLAUDIT_PASSWORD or on standard input.");
        return Ok(ExitCode::from(1));
    }
    if a.name.trim().is_empty() || !a.email.contains('@') {
        eprintln!("account: give the person's --name and a valid --email");
        return Ok(ExitCode::from(1));
    }
    let hash = callaudit_web::auth::hash_password(&password).map_err(anyhow::Error::msg)?;
    let store = ctx.store().await?;
    let mut tx = store.begin(&ctx.actor).await?;
    let id = match tx
        .add_person(None, a.name.trim(), &a.email, Role::Admin)
        .await
    {
        Ok(id) => id,
        Err(callaudit_storage::StoreError::Conflict(m)) => {
            eprintln!("account: {m}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    tx.set_password_hash(id, &hash).await?;
    tx.commit().await?;
    say!(
        "added {} as administrator of every force on this server; they sign in with {}",
        a.name.trim(),
        a.email
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn retention(ctx: &Context_, cmd: RetentionCommand) -> anyhow::Result<ExitCode> {
    let RetentionCommand::Apply = cmd;
    let store = ctx.store().await?;
    let removed = apply_retention(&store, &ctx.actor).await?;
    if removed.is_empty() {
        say!("nothing is due for removal under the programmes' retention periods");
    }
    for r in &removed {
        say!(
            "session {}: {} removed ({} item(s)), {} days after it closed",
            r.session_id,
            r.what,
            r.items,
            r.policy_days
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Removes what is due now, in one transaction recorded as `actor`'s.
pub async fn apply_retention(
    store: &Store,
    actor: &str,
) -> anyhow::Result<Vec<callaudit_storage::retention::Removal>> {
    let mut tx = store.begin(actor).await?;
    let removed = tx.apply_retention(chrono::Utc::now()).await?;
    tx.commit().await?;
    Ok(removed)
}
