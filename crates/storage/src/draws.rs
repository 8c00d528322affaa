//! The verifiable draw of a stored session, in the two steps the panel witnesses: commit the pool
//! (digests shown before any seed exists), then draw with the seed the panel chose. The command
//! line and the web application both go through here, so the rules are the same wherever the
//! draw is made.

use callaudit_domain::audit::SessionStatus;
use callaudit_domain::sampling::{self, Commitment, DrawRecord, DrawSpec, Seed, StratumBy};

use crate::{Result, Store, StoreError};

impl Store {
    /// Commits the session's pool under `spec` (calls audited before in the programme are
    /// excluded) and returns the commitment to show the panel. Refused once the session is drawn,
    /// or when no call is eligible.
    pub async fn commit_session(
        &self,
        actor: &str,
        session_id: i64,
        mut spec: DrawSpec,
    ) -> Result<Commitment> {
        let session = self.session(session_id).await?;
        if let Some(record) = self.draw(session_id).await?.and_then(|d| d.record) {
            return Err(StoreError::Conflict(format!(
                "session {session_id} was drawn already with seed {:?}; its record cannot change",
                record.seed
            )));
        }
        let programme = self.programme(session.programme_id).await?;
        let pool = self.pool(programme.force_id).await?;
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
        let c = sampling::commit(&pool, &spec);
        if c.eligible_calls == 0 {
            return Err(StoreError::Conflict(sampling::nothing_eligible(
                pool.iter(),
            )));
        }
        let mut tx = self.begin_in(Some(programme.force_id), actor).await?;
        tx.commit_pool(session_id, &c).await?;
        tx.commit().await?;
        Ok(c)
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
        let pool = self.pool(programme.force_id).await?;
        let spec = stored.commitment.spec.clone();
        let now = sampling::commit(&pool, &spec);
        if now.pool_digest != stored.commitment.pool_digest {
            return Err(StoreError::Conflict(format!(
                "the pool has changed since it was committed (digest {} then, {} now). Commit it again and show the panel the new digest before they choose a seed",
                stored.commitment.pool_digest, now.pool_digest
            )));
        }
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
        let record = sampling::draw(&pool, &spec, seed.as_str());
        let mut tx = self.begin_in(Some(programme.force_id), actor).await?;
        tx.record_draw(session_id, programme.force_id, &record, &pool)
            .await?;
        tx.set_session_status(session_id, SessionStatus::Open)
            .await?;
        tx.commit().await?;
        Ok(record)
    }
}
