//! The verifiable draw of a stored session, in the two steps the panel witnesses: commit the pool
//! (digests shown before any seed exists), then draw with the seed the panel chose. The command
//! line and the web application both go through here, so the rules are the same wherever the
//! draw is made.

use std::collections::HashSet;
use std::sync::Arc;

use callaudit_domain::audit::SessionStatus;
use callaudit_domain::call::PoolCall;
use callaudit_domain::completeness::{Gap, Tracker};
use callaudit_domain::sampling::{
    self, Commitment, DrawRecord, DrawSpec, Drawer, Drawn, Eligibility, Keep, PoolDigest,
    RepeatCallers, Seed, StratumBy, VerifyError,
};

use crate::pool_scan::{ScanOrder, Visit};
use crate::{Result, Store, StoreError};

/// A pass in reference order: the eligible calls digested and, once the digest the keys need is
/// known (committed before), drawn; at the commitment, every call also tells the completeness
/// checks what they need.
struct Digesting {
    eligible: Eligibility,
    digest: PoolDigest,
    drawer: Option<Drawer>,
    tracker: Option<Tracker>,
}

impl Visit for Digesting {
    fn visit(&mut self, call: &PoolCall) -> Result<()> {
        if let Some(t) = &mut self.tracker {
            t.add(call.call_ref.as_str(), call.started_at);
        }
        if self.eligible.admits(call) {
            self.digest
                .add(call)
                .map_err(|e| StoreError::Read(e.to_string()))?;
            if let Some(d) = &mut self.drawer {
                d.add(call);
            }
        }
        Ok(())
    }
}

/// A pass in caller order: the repeat callers among the eligible calls.
struct Repeating {
    eligible: Eligibility,
    found: RepeatCallers,
}

impl Visit for Repeating {
    fn visit(&mut self, call: &PoolCall) -> Result<()> {
        if let Some(caller) = call.details.caller.as_deref()
            && self.eligible.admits(call)
        {
            self.found.add(caller, call.started_at);
        }
        Ok(())
    }
}

/// What a stored pool draws.
pub enum StoredDraw {
    Drawn(Box<Drawn>),
    /// The pool no longer digests as committed: what it digests to now, and over how many calls.
    Changed {
        pool_digest: String,
        eligible: usize,
    },
}

impl Store {
    /// The commitment of the force's stored pool under `spec`, made in one pass over the pool in
    /// reference order; nothing of it is held but the digest.
    pub async fn commit_stored(&self, force_id: i64, spec: &DrawSpec) -> Result<Commitment> {
        Ok(self.commit_checked(force_id, spec, false).await?.0)
    }

    /// [`Store::commit_stored`], and when `check` is set, what the export may be missing over
    /// the draw's window ([`Store::completeness_of`]), found in the same pass.
    async fn commit_checked(
        &self,
        force_id: i64,
        spec: &DrawSpec,
        check: bool,
    ) -> Result<(Commitment, Vec<Gap>)> {
        let pass = Digesting {
            eligible: spec.eligibility(),
            digest: PoolDigest::new(spec),
            drawer: None,
            tracker: check.then(|| Tracker::new(spec.from, spec.to)),
        };
        let pass = self.scan_pool(force_id, ScanOrder::Reference, pass).await?;
        let (pool_digest, eligible_calls) = pass.digest.finish();
        let gaps = match pass.tracker {
            Some(t) => self.gaps_of(force_id, t).await?,
            None => Vec::new(),
        };
        let c = Commitment {
            algorithm: sampling::ALGORITHM.into(),
            pool_digest,
            eligible_calls,
            spec_digest: spec.digest(),
            spec: spec.clone(),
        };
        Ok((c, gaps))
    }

    /// Draws from the force's stored pool committed as `committed`, with `seed`: a pass for the
    /// repeat callers when a stratum asks for them, then one pass that digests and draws at once
    /// (the keys need the committed digest, which the same pass checks), again with more kept in
    /// the rare case a pass is cut short. Each pass checks the digest, so a pool changed between
    /// passes is found, never drawn from.
    pub async fn draw_stored(
        &self,
        force_id: i64,
        spec: &DrawSpec,
        committed: &str,
        seed: &str,
    ) -> Result<StoredDraw> {
        let repeat = Arc::new(match spec.needs_repeat_callers() {
            false => HashSet::new(),
            true => {
                let pass = Repeating {
                    eligible: spec.eligibility(),
                    found: RepeatCallers::default(),
                };
                let pass = self.scan_pool(force_id, ScanOrder::Caller, pass).await?;
                pass.found.finish()
            }
        });
        let shared = Arc::new(spec.clone());
        let mut keep = Keep::FIRST;
        loop {
            let pass = Digesting {
                eligible: spec.eligibility(),
                digest: PoolDigest::new(spec),
                tracker: None,
                drawer: Some(Drawer::new(
                    shared.clone(),
                    committed,
                    seed,
                    repeat.clone(),
                    keep,
                )),
            };
            let pass = self.scan_pool(force_id, ScanOrder::Reference, pass).await?;
            let (pool_digest, eligible) = pass.digest.finish();
            if pool_digest != committed {
                return Ok(StoredDraw::Changed {
                    pool_digest,
                    eligible,
                });
            }
            if let Some(drawn) = pass.drawer.and_then(Drawer::finish) {
                return Ok(StoredDraw::Drawn(Box::new(drawn)));
            }
            keep = keep.more();
        }
    }

    /// Checks a draw record against the force's stored pool, reading the pool as a draw does.
    pub async fn verify_stored(
        &self,
        force_id: i64,
        record: &DrawRecord,
    ) -> Result<std::result::Result<(), VerifyError>> {
        if let Err(e) = sampling::check_record(record) {
            return Ok(Err(e));
        }
        let again = self
            .draw_stored(force_id, &record.spec, &record.pool_digest, &record.seed)
            .await?;
        Ok(match again {
            StoredDraw::Drawn(d) => sampling::compare(record, &d.record),
            StoredDraw::Changed {
                pool_digest,
                eligible,
            } => Err(VerifyError::PoolChanged {
                recorded: record.pool_digest.clone(),
                actual: pool_digest,
                recorded_calls: record.eligible_calls,
                actual_calls: eligible,
            }),
        })
    }

    /// Why no call of the force's pool is eligible, from its count of calls per incident type.
    async fn nothing_eligible(&self, force_id: i64) -> Result<String> {
        let types: Vec<(String, i64)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT incident_type, COUNT(*) FROM calls WHERE force_id = $1 GROUP BY incident_type"
        )
        .bind(force_id)
        .fetch_all(p)
        .await?
        });
        Ok(sampling::nothing_eligible_among(
            types
                .into_iter()
                .map(|(t, n)| (t, usize::try_from(n).unwrap_or(0)))
                .collect(),
        ))
    }

    /// Commits the session's pool under `spec` (calls audited before in the programme are
    /// excluded) and returns the commitment to show the panel, with what the export may be
    /// missing over the draw's window (found in the same pass). Refused once the session is
    /// drawn, or when no call is eligible.
    pub async fn commit_session(
        &self,
        actor: &str,
        session_id: i64,
        mut spec: DrawSpec,
    ) -> Result<(Commitment, Vec<Gap>)> {
        let session = self.session(session_id).await?;
        if let Some(record) = self.draw(session_id).await?.and_then(|d| d.record) {
            return Err(StoreError::Conflict(format!(
                "session {session_id} was drawn already with seed {:?}; its record cannot change",
                record.seed
            )));
        }
        let programme = self.programme(session.programme_id).await?;
        spec.exclude
            .extend(self.audited_refs_in(programme.id).await?);
        // Worked out here, never taken from the caller, like the exclusions above.
        spec.log_prompted = match spec.strata.iter().any(|s| s.by == StratumBy::LogPrompts) {
            false => Vec::new(),
            true => {
                if self.log_coverage(programme.force_id).await?.0 == 0 {
                    return Err(StoreError::Conflict(
                        "a quota of calls whose incident log tripped a check needs the incident logs, and this force has none imported. Import them first (`callaudit import logs FILE`), or leave that quota out".into(),
                    ));
                }
                self.log_prompted_calls(programme.force_id, programme.id)
                    .await?
            }
        };
        let spec = spec.validate(u32::MAX).map_err(|e| {
            let lines: Vec<String> = e.iter().map(ToString::to_string).collect();
            StoreError::Conflict(lines.join("\n"))
        })?;
        let (c, gaps) = self.commit_checked(programme.force_id, &spec, true).await?;
        if c.eligible_calls == 0 {
            return Err(StoreError::Conflict(
                self.nothing_eligible(programme.force_id).await?,
            ));
        }
        let mut tx = self.begin_in(Some(programme.force_id), actor).await?;
        tx.commit_pool(session_id, &c).await?;
        tx.commit().await?;
        Ok((c, gaps))
    }

    /// Draws the committed session with the panel's seed, puts the calls into the session and
    /// opens it. Refused when nothing was committed, when it was drawn already, or when the pool
    /// changed since the commitment (the panel must see the new digest before choosing a seed).
    pub async fn draw_session(
        &self,
        actor: &str,
        session_id: i64,
        seed: &Seed,
    ) -> Result<DrawRecord> {
        let session = self.session(session_id).await?;
        let programme = self.programme(session.programme_id).await?;
        let Some(stored) = self.draw(session_id).await? else {
            return Err(StoreError::Conflict(format!(
                "session {session_id} has no committed pool. Commit the pool first and show the panel the digest; only then may the panel choose a seed"
            )));
        };
        if let Some(record) = &stored.record {
            return Err(StoreError::Conflict(format!(
                "session {session_id} was drawn already with seed {:?}; its record cannot change",
                record.seed
            )));
        }
        let spec = stored.commitment.spec.clone();
        if spec.strata.iter().any(|s| s.by == StratumBy::LogPrompts) {
            let now = self
                .log_prompted_calls(programme.force_id, programme.id)
                .await?;
            let mut then = spec.log_prompted.clone();
            then.sort();
            if now != then {
                return Err(StoreError::Conflict(format!(
                    "the incident logs have changed since the pool was committed ({} calls' logs tripped a check then, {} now). Commit it again and show the panel the new digest before they choose a seed",
                    then.len(),
                    now.len()
                )));
            }
        }
        let committed = &stored.commitment.pool_digest;
        let drawn = match self
            .draw_stored(programme.force_id, &spec, committed, seed.as_str())
            .await?
        {
            StoredDraw::Drawn(d) => d,
            StoredDraw::Changed { pool_digest, .. } => {
                return Err(StoreError::Conflict(format!(
                    "the pool has changed since it was committed (digest {committed} then, {pool_digest} now). Commit it again and show the panel the new digest before they choose a seed"
                )));
            }
        };
        let record = drawn.record;
        let mut tx = self.begin_in(Some(programme.force_id), actor).await?;
        tx.record_draw(session_id, programme.force_id, &record, &drawn.calls)
            .await?;
        tx.set_session_status(session_id, SessionStatus::Open)
            .await?;
        tx.commit().await?;
        Ok(record)
    }
}
