//! Counts of what a force's database holds: what a newcomer sees after the demo, and what the
//! `summary` command prints.

use crate::{Result, Store};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub pool_calls: i64,
    /// (channel, calls) in the pool, largest first.
    pub pool_by_channel: Vec<(String, i64)>,
    pub training_calls: i64,
    pub people: Vec<(String, i64)>,
    pub sessions: i64,
    pub sessions_by_status: Vec<(String, i64)>,
    pub audited_calls: i64,
    pub audited_emergency: i64,
    pub answers: i64,
    /// (category, calls) of agreed outcomes, in template order.
    pub outcomes: Vec<(String, i64)>,
    /// (area code, calls) of agreed outcomes, most first.
    pub areas: Vec<(String, i64)>,
    pub good_practice: i64,
    pub issues: i64,
    pub issues_answered: i64,
    pub actions_by_status: Vec<(String, i64)>,
    pub history_entries: i64,
    /// Crime Data Integrity: dip-sample sessions and records drawn.
    pub cdi_sessions: i64,
    pub cdi_records: i64,
}

impl Store {
    pub async fn summary(&self, force_id: i64) -> Result<Summary> {
        // Joins that scope a session call to its force's audits (a calibration session is
        // training: it is counted nowhere in the scheme's figures).
        const SC: &str = "session_calls sc JOIN sessions s ON s.id = sc.session_id AND s.purpose = 'audit' JOIN programmes g ON g.id = s.programme_id";
        const SCOPE: &str = "JOIN sessions s ON s.id = sc.session_id AND s.purpose = 'audit' JOIN programmes g ON g.id = s.programme_id";
        on_pool!(self, |p| {
            // The SQL below is assembled from constants only; the force is a bound parameter.
            let one = |sql: String| async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .bind(force_id)
                    .fetch_one(p)
                    .await
            };
            let pairs = |sql: String| async move {
                sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql))
                    .bind(force_id)
                    .fetch_all(p)
                    .await
            };
            Ok(Summary {
                pool_calls: one("SELECT COUNT(*) FROM calls WHERE force_id = $1".into()).await?,
                pool_by_channel: pairs("SELECT channel, COUNT(*) FROM calls WHERE force_id = $1 GROUP BY channel ORDER BY COUNT(*) DESC, channel".into()).await?,
                training_calls: one("SELECT COUNT(*) FROM calls WHERE force_id = $1 AND training".into()).await?,
                people: pairs("SELECT role, COUNT(*) FROM people WHERE force_id = $1 GROUP BY role ORDER BY role".into()).await?,
                sessions: one("SELECT COUNT(*) FROM sessions s JOIN programmes g ON g.id = s.programme_id WHERE g.force_id = $1 AND g.kind = 'call-audit' AND s.purpose = 'audit'".into()).await?,
                sessions_by_status: pairs("SELECT s.status, COUNT(*) FROM sessions s JOIN programmes g ON g.id = s.programme_id WHERE g.force_id = $1 AND g.kind = 'call-audit' AND s.purpose = 'audit' GROUP BY s.status ORDER BY s.status".into()).await?,
                audited_calls: one(format!("SELECT COUNT(*) FROM {SC} WHERE g.force_id = $1 AND g.kind = 'call-audit'")).await?,
                audited_emergency: one(format!("SELECT COUNT(*) FROM {SC} WHERE g.force_id = $1 AND g.kind = 'call-audit' AND sc.channel = '999'")).await?,
                answers: one(format!("SELECT COUNT(*) FROM answers a JOIN session_calls sc ON sc.id = a.session_call_id {SCOPE} WHERE g.force_id = $1 AND g.kind = 'call-audit'")).await?,
                outcomes: pairs(format!(
                    "SELECT o.category, COUNT(*) FROM outcomes o JOIN session_calls sc ON sc.id = o.session_call_id {SCOPE} WHERE g.force_id = $1 AND g.kind = 'call-audit'
                     GROUP BY o.category ORDER BY CASE o.category WHEN 'positive' THEN 1 WHEN 'suggestions' THEN 2 ELSE 3 END")).await?,
                areas: pairs(format!(
                    "SELECT oa.area_code, COUNT(*) FROM outcome_areas oa JOIN session_calls sc ON sc.id = oa.session_call_id {SCOPE} WHERE g.force_id = $1 AND g.kind = 'call-audit'
                     GROUP BY oa.area_code ORDER BY COUNT(*) DESC, oa.area_code")).await?,
                good_practice: one(format!("SELECT COUNT(*) FROM outcomes o JOIN session_calls sc ON sc.id = o.session_call_id {SCOPE} WHERE g.force_id = $1 AND g.kind = 'call-audit' AND o.good_practice")).await?,
                issues: one(format!("SELECT COUNT(*) FROM issues_raised i JOIN session_calls sc ON sc.id = i.session_call_id {SCOPE} WHERE g.force_id = $1 AND g.kind = 'call-audit'")).await?,
                issues_answered: one(format!(
                    "SELECT COUNT(*) FROM responses r JOIN issues_raised i ON i.id = r.issue_id JOIN session_calls sc ON sc.id = i.session_call_id {SCOPE} WHERE g.force_id = $1 AND g.kind = 'call-audit'")).await?,
                actions_by_status: pairs("SELECT status, COUNT(*) FROM actions WHERE force_id = $1 GROUP BY status ORDER BY status".into()).await?,
                history_entries: one("SELECT COUNT(*) FROM history WHERE $1 = $1".into()).await?,
                cdi_sessions: one("SELECT COUNT(*) FROM sessions s JOIN programmes g ON g.id = s.programme_id WHERE g.force_id = $1 AND g.kind = 'crime-data-integrity'".into()).await?,
                cdi_records: one(format!("SELECT COUNT(*) FROM session_calls sc {SCOPE} WHERE g.force_id = $1 AND g.kind = 'crime-data-integrity'")).await?,
            })
        })
    }
}
