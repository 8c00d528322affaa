//! A force's call export read into the pool, for `callaudit import calls` and the browser's upload
//! alike: the file is read on a blocking thread while its calls are written in batches on this
//! one, so memory stays bounded whatever the file's size. Nothing is kept unless the whole file is
//! good: on a refusal or a conflict the caller rolls the transaction back.

use std::path::PathBuf;

use callaudit_domain::call::PoolCall;
use callaudit_ingest::pool::{Input, read_pool};
use callaudit_ingest::{Profile, ReadFailure};
use callaudit_storage::pool::{Conflict, ImportCounts};
use callaudit_storage::{StoreError, Tx};

/// Calls per message from the reader thread to the writer.
const PIPE_BATCH: usize = 2_000;

/// A file whose every row was good and is written, not yet committed.
pub struct Read {
    /// The import's record, completed by [`Read::finish`] once the file's digest is known.
    import_id: i64,
    pub counts: ImportCounts,
}

impl Read {
    /// Completes the import's record with the file's digest and the counts.
    pub async fn finish(&self, tx: &mut Tx, sha256: &str) -> Result<(), StoreError> {
        tx.finish_import(self.import_id, sha256, self.counts).await
    }
}

/// What became of a file read into the pool.
pub enum Imported {
    Read(Read),
    /// The file has problems: every one of them.
    Refused(ReadFailure),
    /// Calls already in the pool with other details.
    Conflicts(Vec<Conflict>),
}

/// Reads the export at `path` into force `force_id`'s pool inside `tx`, calling `progress` with
/// the number of rows written so far after each batch.
pub async fn read_into_pool(
    tx: &mut Tx,
    force_id: i64,
    name: &str,
    path: PathBuf,
    profile: Profile,
    mut progress: impl FnMut(u64),
) -> Result<Imported, StoreError> {
    let import_id = tx.begin_import(force_id, "calls", name).await?;
    let (send, mut recv) = tokio::sync::mpsc::channel::<Vec<(u64, PoolCall)>>(4);
    let reader = tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(PIPE_BATCH);
        let result = read_pool(Input::Path(&path), &profile, |line, call| {
            batch.push((line, call));
            if batch.len() == PIPE_BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(PIPE_BATCH));
                // The writer hung up only if it failed; stop reading then.
                return send.blocking_send(full).is_ok();
            }
            true
        });
        if !batch.is_empty() {
            let _ = send.blocking_send(batch);
        }
        result
    });
    let mut counts = ImportCounts::default();
    let mut written = 0u64;
    let mut conflicts = Vec::new();
    while let Some(batch) = recv.recv().await {
        let o = tx.insert_calls(force_id, import_id, &batch).await?;
        counts.added += o.added;
        counts.filled += o.filled;
        counts.unchanged += o.unchanged;
        written += batch.len() as u64;
        conflicts.extend(o.conflicts);
        progress(written);
    }
    let read = reader
        .await
        .map_err(|e| StoreError::Conflict(format!("the reader thread failed: {e}")))?;
    Ok(match read {
        Err(f) => Imported::Refused(f),
        Ok(_) if !conflicts.is_empty() => Imported::Conflicts(conflicts),
        Ok(s) => Imported::Read(Read {
            import_id,
            counts: ImportCounts {
                read: s.rows,
                ..counts
            },
        }),
    })
}

/// What became of a file of past audits.
pub enum AuditsImported {
    /// Every row was good and is written, not yet committed: rows read and what was added.
    Done(u64, callaudit_storage::audits::AuditImportOutcome),
    /// The file has problems: every one of them.
    Refused(ReadFailure),
    /// Audited calls already stored with another outcome.
    Conflicts(Vec<Conflict>),
}

/// Reads a scheme's past audits (the spreadsheet it kept before this system) at `path` into force
/// `force_id` inside `tx`, under its call-audit programme (created if it has none), for
/// `callaudit import audits` and the browser's upload alike. On a refusal or a conflict the
/// caller rolls back.
pub async fn read_past_audits(
    store: &callaudit_storage::Store,
    tx: &mut Tx,
    force_id: i64,
    name: &str,
    path: PathBuf,
    sha256: &str,
) -> Result<AuditsImported, StoreError> {
    let programme = tx.ensure_call_audit_programme(force_id).await?;
    // A programme created by this transaction is not yet visible to the store's other
    // connections; it was created with the reference template, which is what is used then.
    let template = match store.template(programme).await {
        Ok(t) if !t.areas.is_empty() => t,
        _ => callaudit_domain::template::Template::reference(),
    };
    let rows = tokio::task::spawn_blocking(move || {
        callaudit_ingest::audits::read_audits(&path, &template)
    })
    .await
    .map_err(|e| StoreError::Conflict(format!("the reader thread failed: {e}")))?;
    let rows = match rows {
        Ok(r) => r,
        Err(f) => return Ok(AuditsImported::Refused(f)),
    };
    let import_id = tx.begin_import(force_id, "audits", name).await?;
    let o = tx.import_audits(force_id, programme, &rows).await?;
    if !o.conflicts.is_empty() {
        return Ok(AuditsImported::Conflicts(o.conflicts));
    }
    tx.finish_import(
        import_id,
        sha256,
        ImportCounts {
            read: rows.len() as u64,
            added: o.calls_added,
            filled: 0,
            unchanged: o.unchanged,
        },
    )
    .await?;
    Ok(AuditsImported::Done(rows.len() as u64, o))
}

/// A stored audit that a row of past audits contradicts, as a sentence.
pub fn audit_conflict(c: &Conflict) -> String {
    format!(
        "line {}, column {}: {:?} differs from the audit of call {} already stored ({:?}); expected the same outcome",
        c.line, c.field, c.new, c.call_ref, c.stored
    )
}
