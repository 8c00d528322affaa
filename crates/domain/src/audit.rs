//! Audits as a scheme records them: one row per audited call with the panel's agreed outcome.
//! This is the shape of a past-audit spreadsheet, and of what a session produces.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::call::{CallRef, Channel};
use crate::template::Category;

/// One audited call with the panel's agreed outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedCall {
    pub audit_date: NaiveDate,
    pub focus: Option<String>,
    pub call_ref: CallRef,
    pub channel: Channel,
    pub incident_type: String,
    pub category: Category,
    /// Area codes of the programme's template, in the order given, without repeats.
    pub areas: Vec<String>,
    pub comments: Option<String>,
    pub good_practice: bool,
}

/// Roles people hold; what each may do is the web application's business, who holds which is data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Coordinator,
    Auditor,
    Facilitator,
    ForceLead,
    Viewer,
    Admin,
    /// A member of the force's Crime Registrar team (seed 002): checks the Crime Data Integrity
    /// dip samples they sit on and validates another registrar's results. Never a volunteer.
    Registrar,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Coordinator,
        Role::Auditor,
        Role::Facilitator,
        Role::ForceLead,
        Role::Viewer,
        Role::Admin,
        Role::Registrar,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Auditor => "auditor",
            Role::Facilitator => "facilitator",
            Role::ForceLead => "force-lead",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
            Role::Registrar => "registrar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }
}

impl TryFrom<String> for Role {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<Self, UnknownCode> {
        Role::parse(&code).ok_or_else(|| UnknownCode {
            what: "role",
            code,
            expected: Role::ALL
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// A stored code that is not one of its type's: a row that cannot be read is an error, never a
/// row silently dropped or read as something else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {code:?} is not known; expected one of {expected}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub code: String,
    pub expected: String,
}

impl UnknownCode {
    /// A stored `code` of `what` that its parser refused with `problem`.
    pub fn refused(what: &'static str, code: &str, problem: crate::Problem) -> Self {
        UnknownCode {
            what,
            code: code.to_string(),
            expected: problem.expected,
        }
    }
}

/// Where an audit session stands: planned (no draw yet), open (drawn, being scored and agreed),
/// or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionStatus {
    Planned,
    Open,
    Closed,
}

impl SessionStatus {
    pub fn code(self) -> &'static str {
        match self {
            SessionStatus::Planned => "planned",
            SessionStatus::Open => "open",
            SessionStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            SessionStatus::Planned,
            SessionStatus::Open,
            SessionStatus::Closed,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }

    /// The status as a page shows it.
    pub fn label(self) -> &'static str {
        match self {
            SessionStatus::Planned => "Planned",
            SessionStatus::Open => "Open",
            SessionStatus::Closed => "Closed",
        }
    }
}

impl TryFrom<String> for SessionStatus {
    type Error = UnknownCode;

    fn try_from(code: String) -> Result<Self, UnknownCode> {
        SessionStatus::parse(&code).ok_or(UnknownCode {
            what: "session status",
            code,
            expected: "planned, open, closed".into(),
        })
    }
}

impl std::fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.code())
    }
}

/// Where an action of the action log stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    Dropped,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 4] = [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::Dropped,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        ActionStatus::ALL.into_iter().find(|a| a.code() == s)
    }

    pub fn code(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in-progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    /// The status as a board paper words it.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Complete",
            ActionStatus::Dropped => "Dropped",
        }
    }

    /// Still to be done: open or in progress.
    pub fn is_live(self) -> bool {
        matches!(self, ActionStatus::Open | ActionStatus::InProgress)
    }
}

/// The red, amber or green rating a board gives an action (seed 002: "the RAG ratings were
/// marked as complete").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rag {
    Red,
    Amber,
    Green,
}

impl Rag {
    pub const ALL: [Rag; 3] = [Rag::Red, Rag::Amber, Rag::Green];

    pub fn parse(s: &str) -> Option<Self> {
        Rag::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn code(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rag::Red => "Red",
            Rag::Amber => "Amber",
            Rag::Green => "Green",
        }
    }
}

/// Whether a live action is past its due date on `today` (an action due today is not yet late).
pub fn is_overdue(status: ActionStatus, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    status.is_live() && due_on.is_some_and(|d| d < today)
}

/// The reference of an action in the log: the year it was raised and its number that year,
/// written `2024/07` as scrutiny boards do.
pub fn action_reference(year: i32, number: u32) -> String {
    format!("{year}/{number:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_status_reads_back_and_an_unknown_one_is_an_error() {
        for st in [
            SessionStatus::Planned,
            SessionStatus::Open,
            SessionStatus::Closed,
        ] {
            assert_eq!(SessionStatus::try_from(st.code().to_string()), Ok(st));
        }
        let e = SessionStatus::try_from("paused".to_string()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "session status \"paused\" is not known; expected one of planned, open, closed"
        );
        let k = crate::template::ProgrammeKind::try_from("quiz".to_string()).unwrap_err();
        assert!(
            k.to_string()
                .starts_with("programme kind \"quiz\" is not known")
        );
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn an_action_is_overdue_only_while_live_and_after_its_due_day() {
        assert!(!is_overdue(ActionStatus::Open, Some(day(10)), day(10)));
        assert!(is_overdue(ActionStatus::Open, Some(day(10)), day(11)));
        assert!(is_overdue(ActionStatus::InProgress, Some(day(1)), day(11)));
        assert!(!is_overdue(ActionStatus::Done, Some(day(1)), day(11)));
        assert!(!is_overdue(ActionStatus::Dropped, Some(day(1)), day(11)));
        assert!(!is_overdue(ActionStatus::Open, None, day(11)));
    }

    #[test]
    fn codes_read_back() {
        for r in Rag::ALL {
            assert_eq!(Rag::parse(r.code()), Some(r));
        }
        for s in ActionStatus::ALL {
            assert_eq!(ActionStatus::parse(s.code()), Some(s));
        }
        assert_eq!(Rag::parse("Red"), None);
        assert_eq!(action_reference(2026, 13), "2026/13");
    }
}
