//! The tamper-evident history: every entry carries the SHA-256 of its own content and of the entry
//! before it in its chain (one chain per force, and one for entries that belong to no force), so
//! an entry edited, removed or slipped in breaks every hash after it. [`Store::verify_history`]
//! recomputes the chains; [`Store::history_heads`] gives each chain's last hash, which a
//! Commissioner can print in a report and later use to prove nothing before it changed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::{Result, Store, StoreError, Tx};

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The SHA-256 (hex) of an entry: a JSON array of its previous hash and its fields, in a fixed
/// order, with the time at microsecond precision (what both engines keep) in UTC.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    force_id: Option<i64>,
    seq: i64,
    at: &DateTime<Utc>,
    actor: &str,
    entity: &str,
    entity_id: Option<i64>,
    action: &str,
    detail: &str,
) -> String {
    let canonical = serde_json::json!([
        prev_hash,
        force_id,
        seq,
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        actor,
        entity,
        entity_id,
        action,
        detail,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The last entry of one chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainHead {
    /// The force's code, or `None` for the server's own chain.
    pub force: Option<String>,
    pub entries: i64,
    pub last_id: i64,
    pub hash: String,
}

/// The first entry found not to match, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    pub id: i64,
    pub reason: String,
}

/// What [`Store::verify_history`] found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    pub entries: u64,
    pub heads: Vec<ChainHead>,
    pub broken: Option<Broken>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    entity: String,
    entity_id: Option<i64>,
    action: String,
    detail: String,
    force_id: Option<i64>,
    seq: Option<i64>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl Row {
    fn hash_after(&self, prev: &str, seq: i64) -> String {
        entry_hash(
            prev,
            self.force_id,
            seq,
            &self.at,
            &self.actor,
            &self.entity,
            self.entity_id,
            &self.action,
            &self.detail,
        )
    }
}

const COLUMNS: &str =
    "id, at, actor, entity, entity_id, action, detail, force_id, seq, prev_hash, hash";
/// Entries read per query while verifying: memory stays flat however long the history.
const PAGE: i64 = 5_000;

impl Store {
    /// Gives entries written before the history was chained (hash NULL) their place in the server's
    /// chain, in the order they were written. Runs once per database, when it is first opened by a
    /// version that chains; afterwards there is nothing to seal. Returns how many were sealed.
    pub(crate) async fn seal_history(&self) -> Result<u64> {
        let unsealed: i64 = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM history WHERE hash IS NULL"
        )
        .fetch_one(p)
        .await?);
        if unsealed == 0 {
            return Ok(0);
        }
        let mut tx = self.begin("callaudit:seal-history").await?;
        let rows: Vec<Row> = on_tx!(tx, |c| sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM history WHERE hash IS NULL ORDER BY id"
        )))
        .fetch_all(c)
        .await?);
        let (mut seq, mut prev) = tx.chain_tip(None).await?;
        for r in &rows {
            seq += 1;
            let hash = r.hash_after(&prev, seq);
            on_tx!(tx, |c| {
                sqlx::query("UPDATE history SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4 AND hash IS NULL")
                .bind(seq).bind(&prev).bind(&hash).bind(r.id).execute(c).await?.rows_affected()
            });
            prev = hash;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// Recomputes every chain from its first entry, and names the first entry that does not
    /// match: its content or place was changed, an entry before it was removed, or it was put in
    /// by hand. The end of a chain can be cut without a trace here: compare the heads with one
    /// noted earlier (`callaudit history head`) for that.
    pub async fn verify_history(&self) -> Result<Verification> {
        let forces: HashMap<i64, String> = self
            .forces()
            .await?
            .into_iter()
            .map(|f| (f.id, f.code))
            .collect();
        let unsealed: Option<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT MIN(id) FROM history WHERE hash IS NULL OR seq IS NULL"
        )
        .fetch_one(p)
        .await?);
        let mut broken = unsealed.map(|id| Broken {
            id,
            reason: "it has no place in the chain (written around the application)".into(),
        });
        let mut heads: Vec<ChainHead> = Vec::new();
        let mut entries = 0u64;
        // Chains in turn, each in its own order, a page at a time.
        let (mut after_chain, mut after_seq) = (-1i64, 0i64);
        'pages: loop {
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM history WHERE seq IS NOT NULL AND (coalesce(force_id, 0) > $1 OR (coalesce(force_id, 0) = $1 AND seq > $2))
                 ORDER BY coalesce(force_id, 0), seq LIMIT $3"
            ));
            let rows: Vec<Row> = on_pool!(self, |p| sqlx::query_as(sql)
                .bind(after_chain)
                .bind(after_seq)
                .bind(PAGE)
                .fetch_all(p)
                .await?);
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                entries += 1;
                let chain = r.force_id.unwrap_or(0);
                let seq = r.seq.unwrap_or(0);
                let new_chain = chain != after_chain;
                if new_chain {
                    heads.push(ChainHead {
                        force: r
                            .force_id
                            .map(|f| forces.get(&f).cloned().unwrap_or_else(|| format!("#{f}"))),
                        entries: 0,
                        last_id: 0,
                        hash: GENESIS.to_string(),
                    });
                }
                let head = heads.last_mut().expect("a chain was started");
                let fault = if seq != head.entries + 1 {
                    Some(format!(
                        "it is entry {seq} of its chain where entry {} was expected: an entry before it was removed or added",
                        head.entries + 1
                    ))
                } else if r.prev_hash.as_deref() != Some(head.hash.as_str()) {
                    Some("it does not follow the entry before it in its chain".to_string())
                } else if r.hash.as_deref() != Some(r.hash_after(&head.hash, seq).as_str()) {
                    Some(
                        "its content is not what was written: it was changed after the fact"
                            .to_string(),
                    )
                } else {
                    None
                };
                if let Some(reason) = fault {
                    // The first fault by id is the one to name, whichever chain it is in.
                    if broken.as_ref().is_none_or(|b| r.id < b.id) {
                        broken = Some(Broken { id: r.id, reason });
                    }
                }
                head.entries = seq;
                head.last_id = r.id;
                head.hash = r.hash.clone().unwrap_or_default();
                after_chain = chain;
                after_seq = seq;
            }
            if (rows.len() as i64) < PAGE {
                break 'pages;
            }
        }
        Ok(Verification {
            entries,
            heads,
            broken,
        })
    }

    /// The last entry of every chain, as stored (not recomputed: see [`Store::verify_history`]).
    pub async fn history_heads(&self) -> Result<Vec<ChainHead>> {
        let rows: Vec<(Option<String>, i64, i64, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT f.code, h.seq, h.id, h.hash FROM history h LEFT JOIN forces f ON f.id = h.force_id
             WHERE h.seq = (SELECT MAX(seq) FROM history x WHERE coalesce(x.force_id, 0) = coalesce(h.force_id, 0))
             ORDER BY coalesce(h.force_id, 0)")
            .fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .map(|(force, entries, last_id, hash)| ChainHead {
                force,
                entries,
                last_id,
                hash,
            })
            .collect())
    }
}

impl Tx {
    /// The last place in the chain of `force` (its seq and hash; 0 and [`GENESIS`] when empty).
    /// On PostgreSQL the chain is locked until the transaction ends, so that two writers cannot
    /// both continue from the same entry; SQLite's writers already take turns.
    pub(crate) async fn chain_tip(&mut self, force: Option<i64>) -> Result<(i64, String)> {
        let chain = force.unwrap_or(0);
        if !self.is_sqlite() {
            let key = i32::try_from(chain)
                .map_err(|_| StoreError::Conflict(format!("force id {chain} is out of range")))?;
            on_tx!(self, |c| sqlx::query(
                "SELECT pg_advisory_xact_lock(72947, $1)"
            )
            .bind(key)
            .execute(c)
            .await?
            .rows_affected());
        }
        let tip: Option<(i64, String)> = on_tx!(self, |c| {
            sqlx::query_as(
            "SELECT seq, hash FROM history WHERE coalesce(force_id, 0) = $1 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
            .bind(chain).fetch_optional(c).await?
        });
        Ok(tip.unwrap_or_else(|| (0, GENESIS.to_string())))
    }
}
