//! What reports read: the audited calls of a period with their outcomes, each auditor's own
//! answers and proposals, and the coordinator's report texts. Plain rows, so that the reports
//! crate computes every figure without touching the database.

use chrono::NaiveDate;

use callaudit_domain::template::{Answer, Category, ProgrammeKind};

use crate::{Result, Store, Tx};

/// A session held in the period.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub held_on: NaiveDate,
    pub focus: String,
}

/// An audited call with the panel's agreed outcome; `areas` are template codes, `;`-separated.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutcomeRow {
    pub session_call_id: i64,
    pub session_id: i64,
    pub held_on: NaiveDate,
    pub call_ref: String,
    pub channel: String,
    pub incident_type: String,
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub areas: String,
    pub comments: String,
    pub good_practice: bool,
}

/// One auditor's answer to one question, before the panel agreed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AnswerRow {
    pub session_call_id: i64,
    pub auditor_id: i64,
    pub question_code: String,
    #[sqlx(try_from = "String")]
    pub answer: Answer,
}

/// One auditor's proposed category, before the panel agreed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProposalRow {
    pub session_call_id: i64,
    pub auditor_id: i64,
    #[sqlx(try_from = "String")]
    pub category: Category,
}

/// Session calls of one force's programmes of one kind (`$4`), held from `$2` to `$3`. A
/// calibration session is training, not an audit: no report counts it.
const SCOPE: &str =
    "JOIN sessions s ON s.id = sc.session_id JOIN programmes g ON g.id = s.programme_id
     WHERE g.force_id = $1 AND s.held_on >= $2 AND s.held_on <= $3 AND g.kind = $4
       AND s.purpose = 'audit'";

impl Store {
    /// The rows of `sql`, a query over session calls ending in [`SCOPE`] and its order, for force
    /// `force_id`'s programmes of `kind` held from `from` to `to`.
    async fn scoped<T>(
        &self,
        sql: String,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        on_pool!(self, |p| Ok(sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(
            sql
        ))
        .bind(force_id)
        .bind(from)
        .bind(to)
        .bind(kind.code())
        .fetch_all(p)
        .await?))
    }

    /// The SQL that joins a call's outcome areas into one `;`-separated text, as each engine
    /// writes it.
    fn area_list(&self) -> &'static str {
        match self.backend() {
            crate::Backend::Sqlite => "group_concat(oa.area_code, ';')",
            crate::Backend::Postgres => "string_agg(oa.area_code, ';' ORDER BY oa.area_code)",
        }
    }

    /// Sessions of the force's programmes held from `from` to `to` inclusive that have calls.
    pub async fn audits_between(
        &self,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<AuditRow>> {
        let sql = format!(
            "SELECT DISTINCT s.id, s.held_on, s.focus FROM session_calls sc {SCOPE} ORDER BY s.held_on, s.id"
        );
        self.scoped(sql, force_id, kind, from, to).await
    }

    /// The agreed outcomes of the period's audited calls (calls without an outcome are left out).
    pub async fn outcomes_between(
        &self,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutcomeRow>> {
        let sql = format!(
            "SELECT sc.id AS session_call_id, s.id AS session_id, s.held_on, sc.call_ref, sc.channel, sc.incident_type,
                    o.category, COALESCE((SELECT {agg} FROM outcome_areas oa WHERE oa.session_call_id = sc.id), '') AS areas,
                    o.comments, o.good_practice
             FROM session_calls sc JOIN outcomes o ON o.session_call_id = sc.id {SCOPE}
             ORDER BY s.held_on, s.id, sc.position",
            agg = self.area_list()
        );
        self.scoped(sql, force_id, kind, from, to).await
    }

    pub async fn answers_between(
        &self,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<AnswerRow>> {
        let sql = format!(
            "SELECT a.session_call_id, a.auditor_id, a.question_code, a.answer FROM answers a
             JOIN session_calls sc ON sc.id = a.session_call_id {SCOPE} ORDER BY a.session_call_id, a.auditor_id, a.question_code"
        );
        self.scoped(sql, force_id, kind, from, to).await
    }

    /// The day each session call of the period was heard (its session's date).
    pub async fn session_call_days_between(
        &self,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(i64, NaiveDate)>> {
        let sql = format!("SELECT sc.id, s.held_on FROM session_calls sc {SCOPE} ORDER BY sc.id");
        self.scoped(sql, force_id, kind, from, to).await
    }

    pub async fn proposals_between(
        &self,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<ProposalRow>> {
        let sql = format!(
            "SELECT r.session_call_id, r.auditor_id, r.category FROM proposals r
             JOIN session_calls sc ON sc.id = r.session_call_id {SCOPE} ORDER BY r.session_call_id, r.auditor_id"
        );
        self.scoped(sql, force_id, kind, from, to).await
    }

    /// A report text the coordinator wrote, or empty.
    pub async fn report_text(&self, force_id: i64, year: i32, section: &str) -> Result<String> {
        let t: Option<String> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT text FROM report_texts WHERE force_id = $1 AND year = $2 AND section = $3"
        )
        .bind(force_id)
        .bind(i64::from(year))
        .bind(section)
        .fetch_optional(p)
        .await?);
        Ok(t.unwrap_or_default())
    }
}

impl Tx {
    /// Writes (or replaces) a report text; the history keeps every version.
    pub async fn set_report_text(
        &mut self,
        force_id: i64,
        year: i32,
        section: &str,
        text: &str,
    ) -> Result<()> {
        let now = chrono::Utc::now();
        let actor = self.actor.clone();
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO report_texts (force_id, year, section, text, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (force_id, year, section) DO UPDATE SET text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at")
            .bind(force_id).bind(i64::from(year)).bind(section).bind(text).bind(&actor).bind(now).execute(c).await?.rows_affected()
        });
        self.record(
            "report-text",
            None,
            "save",
            serde_json::json!({ "year": year, "section": section, "text": text }),
        )
        .await
    }
}

/// A call of one session with its outcome, if agreed (what a session report lists).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionOutcomeRow {
    pub session_call_id: i64,
    pub position: i64,
    pub call_ref: String,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub channel: String,
    pub incident_type: String,
    pub category: Option<String>,
    pub areas: String,
    pub comments: Option<String>,
    pub learning_points: Option<String>,
    pub good_practice: Option<bool>,
}

/// An issue raised on a call of a session, with the facilitator's response if given.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssueRow {
    pub id: i64,
    pub session_call_id: i64,
    pub area_code: Option<String>,
    pub description: String,
    pub response: Option<String>,
    pub action_taken: Option<String>,
    pub escalated_to: Option<String>,
    pub feedback_kind: Option<String>,
    pub feedback_relayed_on: Option<NaiveDate>,
    /// What the facilitator asked the force lead, once escalated.
    pub escalation_note: Option<String>,
    pub escalated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The force lead's answer to the escalation.
    pub escalation_answer: Option<String>,
}

/// An entry of the action log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActionRow {
    pub id: i64,
    pub reference: String,
    pub text: String,
    pub owner: String,
    pub owner_id: Option<i64>,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    /// Red, amber or green, once rated.
    pub rag: Option<String>,
    /// Part 2 (private) with the reason; `None` is Part 1 (public).
    pub private_reason: Option<String>,
    pub session_id: Option<i64>,
    pub session_call_id: Option<i64>,
    pub issue_id: Option<i64>,
    pub closed_on: Option<NaiveDate>,
    /// The day of the session it came from, and the call's place in it, when linked.
    pub session_held_on: Option<NaiveDate>,
    pub call_position: Option<i64>,
}

/// Reads [`ActionRow`]s; each query adds its `WHERE` over `a` (the actions).
pub(crate) const ACTION_SELECT: &str = "SELECT a.id, a.reference, a.text, a.owner, a.owner_id, a.due_on, a.status, a.rag,
        a.private_reason, COALESCE(a.session_id, sc.session_id) AS session_id, a.session_call_id, a.issue_id, a.closed_on,
        s.held_on AS session_held_on, sc.position AS call_position
    FROM actions a LEFT JOIN session_calls sc ON sc.id = a.session_call_id
    LEFT JOIN sessions s ON s.id = COALESCE(a.session_id, sc.session_id)";

impl Store {
    pub async fn session_outcomes(&self, session_id: i64) -> Result<Vec<SessionOutcomeRow>> {
        let sql = format!(
            "SELECT sc.id AS session_call_id, sc.position, sc.call_ref, sc.started_at, sc.channel, sc.incident_type,
                    o.category, COALESCE((SELECT {agg} FROM outcome_areas oa WHERE oa.session_call_id = sc.id), '') AS areas,
                    o.comments, o.learning_points, o.good_practice
             FROM session_calls sc LEFT JOIN outcomes o ON o.session_call_id = sc.id
             WHERE sc.session_id = $1 ORDER BY sc.position",
            agg = self.area_list()
        );
        on_pool!(self, |p| Ok(sqlx::query_as::<_, SessionOutcomeRow>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(session_id)
        .fetch_all(p)
        .await?))
    }

    pub async fn session_issues(&self, session_id: i64) -> Result<Vec<IssueRow>> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, IssueRow>(
            "SELECT i.id, i.session_call_id, i.area_code, i.description, r.response, r.action_taken, r.escalated_to,
                    r.feedback_kind, r.feedback_relayed_on, e.note AS escalation_note, e.escalated_at,
                    e.answer AS escalation_answer
             FROM issues_raised i JOIN session_calls sc ON sc.id = i.session_call_id
             LEFT JOIN responses r ON r.issue_id = i.id LEFT JOIN escalations e ON e.issue_id = i.id
             WHERE sc.session_id = $1 ORDER BY sc.position, i.id")
            .bind(session_id).fetch_all(p).await?)
        })
    }

    /// The force's actions that are not done or dropped, oldest first.
    pub async fn open_actions(&self, force_id: i64) -> Result<Vec<ActionRow>> {
        let sql = format!(
            "{ACTION_SELECT}
             WHERE a.force_id = $1 AND a.status IN ('open', 'in-progress') ORDER BY a.created_at, a.reference"
        );
        on_pool!(self, |p| Ok(sqlx::query_as::<_, ActionRow>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(force_id)
        .fetch_all(p)
        .await?))
    }

    /// How many sat on a session's panel.
    pub async fn panel_size(&self, session_id: i64) -> Result<i64> {
        on_pool!(self, |p| Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM session_panel WHERE session_id = $1"
        )
        .bind(session_id)
        .fetch_one(p)
        .await?))
    }
}

/// A record (call) checked in a session, with when it happened and when it was audited.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordRow {
    pub session_call_id: i64,
    pub held_on: NaiveDate,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub incident_type: String,
}

impl Store {
    /// The records checked in the period's sessions of one kind of programme.
    pub async fn records_between(
        &self,
        force_id: i64,
        kind: ProgrammeKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<RecordRow>> {
        let sql = format!(
            "SELECT sc.id AS session_call_id, s.held_on, sc.started_at, sc.incident_type FROM session_calls sc {SCOPE}
             ORDER BY s.held_on, s.id, sc.position"
        );
        self.scoped(sql, force_id, kind, from, to).await
    }
}
