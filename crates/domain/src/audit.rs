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
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Coordinator,
        Role::Auditor,
        Role::Facilitator,
        Role::ForceLead,
        Role::Viewer,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Auditor => "auditor",
            Role::Facilitator => "facilitator",
            Role::ForceLead => "force-lead",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.code() == s)
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
}

/// The reference of an action in the log: the year it was raised and its number that year,
/// written `2024/07` as scrutiny boards do.
pub fn action_reference(year: i32, number: u32) -> String {
    format!("{year}/{number:02}")
}
