//! `callaudit import calls|audits|transcripts`: read, validate and store a file in one transaction. The file
//! is read on one thread while the database writes on another; any problem anywhere rolls the
//! whole import back and every problem is reported.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use callaudit_ingest::{Profile, ReadFailure, RowError};
use callaudit_storage::pool::Conflict;
use callaudit_web::import::{Imported, read_into_pool};
use sha2::{Digest, Sha256};

use crate::Context_;
use crate::cli::{
    ImportAuditsArgs, ImportCallsArgs, ImportCommand, ImportLogsArgs, ImportTranscriptsArgs,
};

/// Progress is shown each time the rows written pass a multiple of 100,000, within this many.
const PIPE_BATCH_SHOWN: u64 = 2_000;
/// Problems shown on the terminal; `--errors FILE` gets them all.
const SHOWN: usize = 200;

pub async fn run(ctx: &Context_, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ImportCommand::Calls(a) => import_calls(ctx, a).await,
        ImportCommand::Audits(a) => import_audits(ctx, a).await,
        ImportCommand::Transcripts(a) => import_transcripts(ctx, a).await,
        ImportCommand::Logs(a) => import_logs(ctx, a).await,
    }
}

fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            return Ok(hex::encode(h.finalize()));
        }
        h.update(&buf[..n]);
    }
}

/// Reports problems: the first ones on the terminal, all of them in `--errors FILE`.
fn report(
    lines: &[String],
    total: u64,
    summary: &str,
    errors_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut err = std::io::stderr().lock();
    for l in lines.iter().take(SHOWN) {
        writeln!(err, "{l}")?;
    }
    if total as usize > SHOWN.min(lines.len()) {
        let hint = if errors_file.is_some() {
            ""
        } else {
            " (--errors FILE writes them all)"
        };
        writeln!(
            err,
            "… and {} more{hint}",
            total as usize - SHOWN.min(lines.len())
        )?;
    }
    if let Some(p) = errors_file {
        let mut f =
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?;
        for l in lines {
            writeln!(f, "{l}")?;
        }
        if total as usize > lines.len() {
            writeln!(
                f,
                "… and {} more problems not kept",
                total as usize - lines.len()
            )?;
        }
    }
    writeln!(err, "import refused: {summary}")?;
    Ok(ExitCode::from(1))
}

fn failure_lines(f: &ReadFailure) -> (Vec<String>, u64, String) {
    match f {
        ReadFailure::File(e) => (Vec::new(), 0, e.to_string()),
        ReadFailure::Rows(r) => (
            r.errors.iter().map(RowError::to_string).collect(),
            r.total,
            f.to_string(),
        ),
    }
}

async fn import_calls(ctx: &Context_, a: ImportCallsArgs) -> anyhow::Result<ExitCode> {
    let profile = match &a.profile {
        Some(p) => Profile::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Profile::default(),
    };
    // The file's digest is recorded with the import; it is computed beside the reading, not before.
    let hash_path = a.file.clone();
    let sha = tokio::task::spawn_blocking(move || file_sha256(&hash_path));
    let store = ctx.store().await?;
    let mut tx = store.begin(&ctx.actor).await?;
    let force_id = force_for_import(ctx, &store, &mut tx, a.force_name.as_deref()).await?;
    let name = a.file.file_name().map_or_else(
        || a.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let progress = std::io::stderr().is_terminal();
    let mut shown = false;
    let read = read_into_pool(
        &mut tx,
        force_id,
        &name,
        a.file.clone(),
        profile,
        |written| {
            if progress && written >= 100_000 && written % 100_000 < PIPE_BATCH_SHOWN {
                eprint!("\r{written} rows read and checked…");
                shown = true;
            }
        },
    )
    .await?;
    if shown {
        eprintln!();
    }
    let read = match read {
        Imported::Refused(f) => {
            tx.rollback().await?;
            let (lines, total, summary) = failure_lines(&f);
            return report(&lines, total, &summary, a.errors.as_deref());
        }
        Imported::Conflicts(conflicts) => {
            tx.rollback().await?;
            let lines: Vec<String> = conflicts.iter().map(Conflict::to_string).collect();
            let n = lines.len() as u64;
            return report(
                &lines,
                n,
                &format!("{n} calls differ from the pool; nothing was imported"),
                a.errors.as_deref(),
            );
        }
        Imported::Read(read) => read,
    };
    let sha = sha.await.context("the hashing thread failed")??;
    read.finish(&mut tx, &sha).await?;
    tx.commit().await?;
    say!(
        "imported {name}: {} rows read, {}",
        read.counts.read,
        read.counts.summary()
    );
    Ok(ExitCode::SUCCESS)
}

/// `callaudit import logs FILE`: a force's incident logs, read whole and checked before any entry
/// is written; an entry already stored is left as it is.
async fn import_logs(ctx: &Context_, a: ImportLogsArgs) -> anyhow::Result<ExitCode> {
    use callaudit_ingest::logs::read_logs;
    use callaudit_ingest::pool::Input;
    let profile = match &a.profile {
        Some(p) => Profile::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Profile::default(),
    };
    let path = a.file.clone();
    let read = tokio::task::spawn_blocking(move || read_logs(Input::Path(&path), &profile))
        .await
        .context("the reading thread failed")?;
    let entries = match read {
        Ok(entries) => entries,
        Err(f) => {
            let (lines, total, summary) = failure_lines(&f);
            return report(&lines, total, &summary, a.errors.as_deref());
        }
    };
    let sha = file_sha256(&a.file)?;
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
    let counts = tx.insert_log_entries(force.id, &entries).await?;
    let name = a.file.file_name().map_or_else(
        || a.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    tx.record(
        "log-import",
        None,
        "import",
        serde_json::json!({
            "file": name,
            "sha256": sha,
            "entries": entries.len(),
            "added": counts.added,
            "unchanged": counts.unchanged,
        }),
    )
    .await?;
    tx.commit().await?;
    let (incidents, linked) = store.log_coverage(force.id).await?;
    say!(
        "imported {name}: {} entries read, {} added, {} unchanged; the logs hold {incidents} incidents, {linked} of them linked to calls in the pool",
        entries.len(),
        counts.added,
        counts.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

/// The force an import goes to, created by it when the database does not hold it yet: the one
/// named by --force, or "local" in a database that holds none. With several forces, one must be
/// named. The transaction's later entries join that force's history chain (creating a force is
/// the server's event; the import is the force's).
async fn force_for_import(
    ctx: &Context_,
    store: &callaudit_storage::Store,
    tx: &mut callaudit_storage::Tx,
    force_name: Option<&str>,
) -> anyhow::Result<i64> {
    let force_id = match (&ctx.force, store.resolve_force(ctx.force.as_deref()).await) {
        (_, Ok(f)) => f.id,
        (Some(code), Err(_)) => tx.ensure_force(code, force_name.unwrap_or(code)).await?,
        (None, Err(_)) if store.forces().await?.is_empty() => {
            tx.ensure_force("local", force_name.unwrap_or("Local force"))
                .await?
        }
        (None, Err(e)) => return Err(e.into()),
    };
    tx.join_chain(Some(force_id));
    Ok(force_id)
}

async fn import_audits(ctx: &Context_, a: ImportAuditsArgs) -> anyhow::Result<ExitCode> {
    use callaudit_web::import::{AuditsImported, audit_conflict, read_past_audits};
    let store = ctx.store().await?;
    let sha = file_sha256(&a.file)?;
    let mut tx = store.begin(&ctx.actor).await?;
    let force_id = force_for_import(ctx, &store, &mut tx, a.force_name.as_deref()).await?;
    let name = a.file.file_name().map_or_else(
        || a.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let (rows, o) =
        match read_past_audits(&store, &mut tx, force_id, &name, a.file.clone(), &sha).await? {
            AuditsImported::Done(rows, o) => (rows, o),
            AuditsImported::Refused(f) => {
                tx.rollback().await?;
                let (lines, total, summary) = failure_lines(&f);
                return report(&lines, total, &summary, a.errors.as_deref());
            }
            AuditsImported::Conflicts(conflicts) => {
                tx.rollback().await?;
                let lines: Vec<String> = conflicts.iter().map(audit_conflict).collect();
                let n = lines.len() as u64;
                return report(
                    &lines,
                    n,
                    &format!("{n} audited calls differ from what is stored; nothing was imported"),
                    a.errors.as_deref(),
                );
            }
        };
    tx.commit().await?;
    say!(
        "imported {name}: {rows} rows read, {} audited calls added in {} new sessions, {} unchanged",
        o.calls_added,
        o.sessions_added,
        o.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads every transcript file, finds each one's call, and attaches them all in one transaction,
/// or, if any file has a problem, reports every problem and attaches none.
async fn import_transcripts(ctx: &Context_, a: ImportTranscriptsArgs) -> anyhow::Result<ExitCode> {
    use callaudit_audio::transcript::{Format, parse};
    use callaudit_storage::recordings::StoredTranscript;

    if a.call.is_some() && a.files.len() > 1 {
        anyhow::bail!("--call names the call of one file; give one file with it");
    }
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let mut problems = Vec::new();
    let mut ready = Vec::new();
    for file in &a.files {
        let name = file.display().to_string();
        let Some(format) = file
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
        else {
            problems.push(format!("{name}: the file name ends in neither .vtt, .srt nor .json; expected a transcript in one of those formats"));
            continue;
        };
        let call_ref = match &a.call {
            Some(r) => r.clone(),
            None => file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let Some(call_id) = store.call_id_by_ref(force.id, &call_ref).await? else {
            problems.push(format!("{name}: {call_ref:?} is not a call in {}'s pool; expected the file to be named after its call's reference, or --call REF", force.name));
            continue;
        };
        let text = match std::fs::read(file) {
            Ok(bytes) => {
                match String::from_utf8(bytes) {
                    Ok(t) => t,
                    Err(e) => {
                        problems.push(format!("{name}: byte {} is not UTF-8 text; expected a transcript saved as UTF-8", e.utf8_error().valid_up_to() + 1));
                        continue;
                    }
                }
            }
            Err(e) => {
                problems.push(format!("{name}: cannot read it: {e}"));
                continue;
            }
        };
        match parse(&text, format) {
            Ok(segments) => ready.push((
                call_ref,
                StoredTranscript {
                    call_id,
                    source: file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    segments: serde_json::to_string(&segments)?,
                },
                segments.len(),
            )),
            Err(found) => problems.extend(found.iter().map(|p| format!("{name}: {p}"))),
        }
    }
    if !problems.is_empty() {
        let summary = format!(
            "no transcript attached: {} problem{} in {} file{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            a.files.len(),
            if a.files.len() == 1 { "" } else { "s" },
        );
        return report(
            &problems,
            problems.len() as u64,
            &summary,
            a.errors.as_deref(),
        );
    }
    let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
    for (_, t, _) in &ready {
        tx.put_transcript(t).await?;
    }
    tx.commit().await?;
    for (call_ref, t, n) in &ready {
        say!("attached {} to call {call_ref}: {n} segments", t.source);
    }
    Ok(ExitCode::SUCCESS)
}
