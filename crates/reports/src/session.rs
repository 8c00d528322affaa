//! The session report, for the Commissioner: the calls audited (reference, date, channel, type;
//! never caller details), the panel's outcome of each, the issues raised with the facilitator's
//! response, the good practice to relay to call handlers, the open actions, and the draw that
//! chose the calls, so that anyone can check they were chosen at random.

use std::fmt::Write as _;

use callaudit_domain::template::{Category, Template};
use callaudit_storage::export::{ActionRow, IssueRow, SessionOutcomeRow};
use callaudit_storage::sessions::Session;
use callaudit_storage::{Force, Result, Store, StoreError};
use chrono::NaiveDate;
use serde::Serialize;

use crate::render::{cell, typed_cell};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrawFacts {
    pub pool_digest: String,
    pub spec_digest: String,
    pub eligible_calls: usize,
    pub seed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallLine {
    pub position: i64,
    pub call_ref: String,
    /// The day of the call (UK date), where the pool gave it.
    pub date: Option<NaiveDate>,
    pub channel: String,
    pub incident_type: String,
    /// `None` until the panel has agreed.
    pub category: Option<String>,
    pub areas: Vec<String>,
    pub comments: String,
    pub learning_points: String,
    pub good_practice: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueLine {
    pub call_ref: String,
    pub area: String,
    pub issue: String,
    pub response: Option<String>,
    pub action_taken: String,
    pub escalated_to: String,
    pub feedback_kind: Option<String>,
    pub feedback_relayed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionReport {
    pub scheme: String,
    pub session: i64,
    pub held_on: NaiveDate,
    pub focus: String,
    pub status: String,
    pub panel: i64,
    pub draw: Option<DrawFacts>,
    pub calls: Vec<CallLine>,
    pub positive: usize,
    pub suggestions: usize,
    pub negative: usize,
    pub issues: Vec<IssueLine>,
    pub unanswered_issues: usize,
    pub good_practice: Vec<(String, String)>,
    pub open_actions: Vec<ActionLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionLine {
    pub reference: String,
    pub text: String,
    pub owner: String,
    pub due_on: Option<NaiveDate>,
    pub status: String,
}

/// A session's status as the report says it: "the session is closed".
pub fn status_words(status: &str) -> &'static str {
    match status {
        "closed" => "the session is closed",
        "open" => "the session is open",
        _ => "the session is planned",
    }
}

impl ActionLine {
    /// The status as people read it ("In progress"), whatever its stored code.
    pub fn status_label(&self) -> &str {
        callaudit_domain::audit::ActionStatus::parse(&self.status)
            .map_or(self.status.as_str(), |s| s.label())
    }
}

/// What a session report is computed from.
pub struct SessionData {
    pub scheme: String,
    pub session: Session,
    pub panel: i64,
    pub draw: Option<DrawFacts>,
    pub template: Template,
    pub calls: Vec<SessionOutcomeRow>,
    pub issues: Vec<IssueRow>,
    pub open_actions: Vec<ActionRow>,
}

pub async fn load(store: &Store, force: &Force, session_id: i64) -> Result<SessionData> {
    let session = store.session(session_id).await?;
    let programme = store.programme(session.programme_id).await?;
    if programme.force_id != force.id {
        return Err(StoreError::NotFound(format!(
            "session {session_id} belongs to another force"
        )));
    }
    let draw = store.draw(session_id).await?.map(|d| DrawFacts {
        pool_digest: d.commitment.pool_digest,
        spec_digest: d.commitment.spec_digest,
        eligible_calls: d.commitment.eligible_calls,
        seed: d.record.map(|r| r.seed),
    });
    Ok(SessionData {
        scheme: format!("{} call audit scheme", force.name),
        panel: store.panel_size(session_id).await?,
        draw,
        template: store
            .template_on(session.programme_id, session.held_on)
            .await?,
        calls: store.session_outcomes(session_id).await?,
        issues: store.session_issues(session_id).await?,
        open_actions: store.open_actions(force.id).await?,
        session,
    })
}

pub fn compute(d: &SessionData) -> SessionReport {
    let area_name = |code: &str| {
        d.template
            .find_area(code)
            .map(|a| a.name.clone())
            .unwrap_or_else(|_| code.to_string())
    };
    let calls: Vec<CallLine> = d
        .calls
        .iter()
        .map(|c| CallLine {
            position: c.position,
            call_ref: c.call_ref.clone(),
            date: c.started_at.map(|t| {
                t.with_timezone(&callaudit_domain::time::DEFAULT_TZ)
                    .date_naive()
            }),
            channel: c.channel.clone(),
            incident_type: c.incident_type.clone(),
            category: c.category.clone(),
            areas: c
                .areas
                .split(';')
                .filter(|a| !a.is_empty())
                .map(&area_name)
                .collect(),
            comments: c.comments.clone().unwrap_or_default(),
            learning_points: c.learning_points.clone().unwrap_or_default(),
            good_practice: c.good_practice.unwrap_or(false),
        })
        .collect();
    let count = |cat: Category| {
        calls
            .iter()
            .filter(|c| c.category.as_deref() == Some(cat.code()))
            .count()
    };
    let call_ref = |sc: i64| {
        d.calls
            .iter()
            .find(|c| c.session_call_id == sc)
            .map(|c| c.call_ref.clone())
            .unwrap_or_default()
    };
    let issues: Vec<IssueLine> = d
        .issues
        .iter()
        .map(|i| IssueLine {
            call_ref: call_ref(i.session_call_id),
            area: i.area_code.as_deref().map(&area_name).unwrap_or_default(),
            issue: i.description.clone(),
            response: i.response.clone(),
            action_taken: i.action_taken.clone().unwrap_or_default(),
            escalated_to: i.escalated_to.clone().unwrap_or_default(),
            feedback_kind: i.feedback_kind.clone(),
            feedback_relayed_on: i.feedback_relayed_on,
        })
        .collect();
    SessionReport {
        scheme: d.scheme.clone(),
        session: d.session.id,
        held_on: d.session.held_on,
        focus: d.session.focus.clone(),
        status: d.session.status.code().to_string(),
        panel: d.panel,
        draw: d.draw.clone(),
        positive: count(Category::Positive),
        suggestions: count(Category::Suggestions),
        negative: count(Category::Negative),
        unanswered_issues: issues.iter().filter(|i| i.response.is_none()).count(),
        good_practice: calls
            .iter()
            .filter(|c| c.good_practice)
            .map(|c| (c.call_ref.clone(), c.comments.clone()))
            .collect(),
        issues,
        calls,
        // Part 2 (private) actions are the board's alone: a session report is read by the
        // panel's volunteers and viewers too.
        open_actions: d
            .open_actions
            .iter()
            .filter(|a| a.private_reason.is_none())
            .map(|a| ActionLine {
                reference: a.reference.clone(),
                text: a.text.clone(),
                owner: a.owner.clone(),
                due_on: a.due_on,
                status: a.status.clone(),
            })
            .collect(),
    }
}

/// When feedback on an issue was relayed to the call handler, and of which kind.
pub fn relayed(i: &IssueLine) -> String {
    match (&i.feedback_kind, i.feedback_relayed_on) {
        (Some(k), Some(d)) => format!("{d} ({k})"),
        (None, Some(d)) => d.to_string(),
        _ => "not yet".into(),
    }
}

/// A category's short label, or "not yet agreed".
pub fn label(code: Option<&str>) -> &'static str {
    code.and_then(|c| Category::parse(c).ok())
        .map_or("not yet agreed", Category::short)
}

pub fn markdown(r: &SessionReport) -> String {
    let mut s = String::new();
    let w = &mut s;
    let focus = if r.focus.is_empty() {
        "no focus".to_string()
    } else {
        format!("focus {}", r.focus)
    };
    let _ = writeln!(
        w,
        "# {}: session report, {}\n",
        r.scheme,
        r.held_on.format("%-d %B %Y")
    );
    let _ = writeln!(
        w,
        "Session {} ({focus}); a panel of {} auditors; {} calls audited; {}.\n",
        r.session,
        r.panel,
        r.calls.len(),
        status_words(&r.status)
    );
    match &r.draw {
        Some(DrawFacts {
            pool_digest,
            seed: Some(seed),
            eligible_calls,
            ..
        }) => {
            let _ = writeln!(
                w,
                "The calls were drawn at random from {eligible_calls} eligible calls. The pool was committed (digest `{pool_digest}`) \
                 before the panel chose the seed \"{}\"; anyone holding the pool can check the draw with \
                 `callaudit sample verify`.\n",
                cell(seed)
            );
        }
        Some(_) => {
            let _ = writeln!(
                w,
                "The pool has been committed; the calls have not been drawn yet.\n"
            );
        }
        None => {
            let _ = writeln!(
                w,
                "These calls were not drawn with callaudit (for example, brought over from a spreadsheet).\n"
            );
        }
    }
    if r.calls.is_empty() {
        let _ = writeln!(w, "No calls are in this session yet.");
        return s;
    }
    let _ = writeln!(
        w,
        "Outcome: {} fully positive, {} good with suggestions, {} negative.\n",
        r.positive, r.suggestions, r.negative
    );
    let _ = writeln!(
        w,
        "## Calls audited\n\n| # | Call | Date | Channel | Incident type | Category | Areas for improvement |\n|---:|---|---|---|---|---|---|"
    );
    for c in &r.calls {
        let date = c
            .date
            .map(callaudit_domain::time::long_date)
            .unwrap_or_default();
        let _ = writeln!(
            w,
            "| {} | {} | {date} | {} | {} | {} | {} |",
            c.position,
            cell(&c.call_ref),
            cell(&c.channel),
            cell(&c.incident_type),
            label(c.category.as_deref()),
            cell(&c.areas.join("; "))
        );
    }
    let _ = writeln!(w, "\n### Comments and learning points\n");
    for c in r
        .calls
        .iter()
        .filter(|c| !c.comments.is_empty() || !c.learning_points.is_empty())
    {
        let _ = write!(
            w,
            "- **{}. {}**: {}",
            c.position,
            c.call_ref,
            typed_cell(c.comments.trim())
        );
        if !c.learning_points.is_empty() {
            let _ = write!(
                w,
                " *Learning point:* {}",
                typed_cell(c.learning_points.trim())
            );
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w, "\n## Issues raised and the force's response\n");
    if r.issues.is_empty() {
        let _ = writeln!(w, "The panel raised no issues.");
    } else {
        if r.unanswered_issues > 0 {
            let _ = writeln!(
                w,
                "**{} of {} issues still await the facilitator's response.**\n",
                r.unanswered_issues,
                r.issues.len()
            );
        }
        let _ = writeln!(
            w,
            "| Call | Area | Issue | Response | Action taken | Escalated to | Feedback relayed |\n|---|---|---|---|---|---|---|"
        );
        for i in &r.issues {
            let relayed = relayed(i);
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {relayed} |",
                cell(&i.call_ref),
                cell(&i.area),
                typed_cell(&i.issue),
                typed_cell(i.response.as_deref().unwrap_or("awaiting response")),
                typed_cell(&i.action_taken),
                typed_cell(&i.escalated_to)
            );
        }
    }
    let _ = writeln!(w, "\n## Good practice to relay to call handlers\n");
    if r.good_practice.is_empty() {
        let _ = writeln!(w, "No call was marked as an example of good practice.");
    }
    for (call, text) in &r.good_practice {
        let _ = writeln!(w, "- {}: {}", cell(call), typed_cell(text.trim()));
    }
    let _ = writeln!(w, "\n## Open actions\n");
    if r.open_actions.is_empty() {
        let _ = writeln!(w, "The action log has no open actions.");
    } else {
        let _ = writeln!(
            w,
            "| Ref | Action | Owner | Due | Status |\n|---|---|---|---|---|"
        );
        for a in &r.open_actions {
            let due = a
                .due_on
                .map(callaudit_domain::time::long_date)
                .unwrap_or_default();
            let _ = writeln!(
                w,
                "| {} | {} | {} | {due} | {} |",
                a.reference,
                typed_cell(&a.text),
                typed_cell(&a.owner),
                a.status_label()
            );
        }
    }
    s
}

/// The session report as CSV tables for spreadsheets: the calls, the issues with the force's
/// response, and the open actions.
pub fn csv_tables(
    r: &SessionReport,
) -> std::result::Result<Vec<(&'static str, String)>, csv::Error> {
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    Ok(vec![
        (
            "calls.csv",
            crate::render::csv_table(
                [
                    "position",
                    "call_id",
                    "date",
                    "channel",
                    "incident_type",
                    "category",
                    "areas",
                    "comments",
                    "learning_points",
                    "good_practice",
                ],
                r.calls
                    .iter()
                    .map(|c| {
                        [
                            c.position.to_string(),
                            c.call_ref.clone(),
                            date(c.date),
                            c.channel.clone(),
                            c.incident_type.clone(),
                            c.category.clone().unwrap_or_default(),
                            c.areas.join(";"),
                            c.comments.clone(),
                            c.learning_points.clone(),
                            if c.good_practice { "yes" } else { "no" }.to_string(),
                        ]
                    })
                    .collect(),
            )?,
        ),
        (
            "issues.csv",
            crate::render::csv_table(
                [
                    "call_id",
                    "area",
                    "issue",
                    "response",
                    "action_taken",
                    "escalated_to",
                    "feedback_kind",
                    "feedback_relayed_on",
                ],
                r.issues
                    .iter()
                    .map(|i| {
                        [
                            i.call_ref.clone(),
                            i.area.clone(),
                            i.issue.clone(),
                            i.response.clone().unwrap_or_default(),
                            i.action_taken.clone(),
                            i.escalated_to.clone(),
                            i.feedback_kind.clone().unwrap_or_default(),
                            date(i.feedback_relayed_on),
                        ]
                    })
                    .collect(),
            )?,
        ),
        (
            "actions.csv",
            crate::render::csv_table(
                ["reference", "action", "owner", "due_on", "status"],
                r.open_actions
                    .iter()
                    .map(|a| {
                        [
                            a.reference.clone(),
                            a.text.clone(),
                            a.owner.clone(),
                            date(a.due_on),
                            a.status.clone(),
                        ]
                    })
                    .collect(),
            )?,
        ),
    ])
}
