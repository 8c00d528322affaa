//! What the control room wrote about a call: an incident log's entries, each of a known kind, as
//! docs/formats.md ("Incident logs") defines them. A panel reads them beside the recording.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Problem;
use crate::call::{CallRef, word_enum};

word_enum!(
    /// What an entry of an incident log records.
    LogKind, "kind of log entry", "kind", {
        Opened => "opened",
        Graded => "graded",
        Regraded => "regraded",
        Thrive => "thrive",
        RiskMarker => "risk-marker",
        Qualifier => "qualifier",
        Check => "check",
        SilentCall => "silent-call",
        Dispatched => "dispatched",
        Arrived => "arrived",
        Contact => "contact",
        Escalated => "escalated",
        Question => "question",
        Answer => "answer",
        Linked => "linked",
        Closed => "closed",
        Note => "note",
    }
);

impl LogKind {
    /// What the entry's `value` must hold, for the kinds that need one.
    pub fn value_needed(self) -> Option<&'static str> {
        Some(match self {
            LogKind::Opened => "the opening code",
            LogKind::Graded | LogKind::Regraded => "the grade, e.g. IMMEDIATE",
            LogKind::RiskMarker => "the marker, e.g. MARAC, SUICIDE-RISK, VIOLENCE",
            LogKind::Qualifier => "the qualifier, e.g. DOMESTIC, HATE, MENTAL-HEALTH",
            LogKind::Check => "what was searched, e.g. PNC, PND, INTELLIGENCE",
            LogKind::SilentCall => "55-PRESSED, NO-RESPONSE or NOISES-HEARD",
            LogKind::Escalated => "to whom, e.g. SUPERVISOR, INSPECTOR",
            LogKind::Linked => "the other incident's reference",
            LogKind::Closed => "the closing code",
            _ => return None,
        })
    }

    /// Whether the entry is only text (a rationale, a question, an answer, a contact, a note),
    /// which must then not be empty.
    pub fn text_needed(self) -> bool {
        matches!(
            self,
            LogKind::Thrive | LogKind::Question | LogKind::Answer | LogKind::Note
        )
    }
}

impl LogKind {
    /// The entry's kind as the panel reads it.
    pub fn label(self) -> &'static str {
        match self {
            LogKind::Opened => "Opened",
            LogKind::Graded => "Graded",
            LogKind::Regraded => "Regraded",
            LogKind::Thrive => "Risk assessment (THRIVE)",
            LogKind::RiskMarker => "Risk marker",
            LogKind::Qualifier => "Qualifier",
            LogKind::Check => "Check made",
            LogKind::SilentCall => "Silent call",
            LogKind::Dispatched => "Officer dispatched",
            LogKind::Arrived => "Officer arrived",
            LogKind::Contact => "Contact with the caller",
            LogKind::Escalated => "Escalated",
            LogKind::Question => "Question",
            LogKind::Answer => "Answer",
            LogKind::Linked => "Linked to incident",
            LogKind::Closed => "Closed",
            LogKind::Note => "Note",
        }
    }

    /// Whether what the entry says is intelligence a programme may keep from its volunteers:
    /// what a check found, and what a risk marker on the address or person says.
    pub fn is_sensitive(self) -> bool {
        matches!(self, LogKind::Check | LogKind::RiskMarker)
    }
}

/// One entry as a reader sees it beside the recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub incident_ref: String,
    /// Seconds from the start of the call (negative: written before it).
    pub offset_s: i64,
    pub kind: LogKind,
    pub value: Option<String>,
    pub text: Option<String>,
    /// Whether what the entry says is kept from this reader (the entry itself is shown).
    pub withheld: bool,
}

/// A call's log as its readers see it: each entry timed from the start of the call and, unless
/// `details` (the programme's setting), sensitive entries shown without what they say.
pub fn timeline(
    entries: &[LogEntry],
    call_start: DateTime<Utc>,
    details: bool,
) -> Vec<TimelineEntry> {
    entries
        .iter()
        .map(|e| {
            let withheld = e.kind.is_sensitive() && !details;
            TimelineEntry {
                incident_ref: e.incident_ref.clone(),
                offset_s: (e.at - call_start).num_seconds(),
                kind: e.kind,
                value: (!withheld).then(|| e.value.clone()).flatten(),
                text: (!withheld).then(|| e.text.clone()).flatten(),
                withheld,
            }
        })
        .collect()
}

pub mod rules;

/// The values a silent-call entry may take (formats.md lists them).
pub const SILENT_CALL_VALUES: [&str; 3] = ["55-PRESSED", "NO-RESPONSE", "NOISES-HEARD"];

/// One entry of an incident log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub incident_ref: String,
    /// The call that made the entry, where the export says.
    pub call_ref: Option<CallRef>,
    pub at: DateTime<Utc>,
    pub kind: LogKind,
    /// A code, as the kind says; upper case.
    pub value: Option<String>,
    pub text: Option<String>,
    /// Pseudonymous reference of who wrote it.
    pub by: Option<String>,
}

/// Reads a kind's value: upper-cased, and required (or one of a fixed list) as the kind says.
pub fn parse_value(kind: LogKind, v: &str) -> Result<Option<String>, Problem> {
    let value = crate::call::parse_optional(v, 80)?.map(|v| v.to_uppercase());
    match (kind.value_needed(), &value) {
        (Some(what), None) => Err(Problem::new(
            format!("is empty, but entries of kind {} need it", kind.code()),
            what,
        )),
        (Some(_), Some(v))
            if kind == LogKind::SilentCall && !SILENT_CALL_VALUES.contains(&v.as_str()) =>
        {
            Err(Problem::new(
                "is not a silent-call value",
                SILENT_CALL_VALUES.join(", "),
            ))
        }
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_loosely_and_values_are_checked_as_their_kind_says() {
        assert_eq!(
            LogKind::parse_optional("Risk marker").unwrap(),
            Some(LogKind::RiskMarker)
        );
        assert!(LogKind::parse_optional("gossip").is_err());
        assert_eq!(
            parse_value(LogKind::Graded, "priority").unwrap().as_deref(),
            Some("PRIORITY")
        );
        assert!(parse_value(LogKind::Opened, " ").is_err());
        assert!(parse_value(LogKind::SilentCall, "55-pressed").is_ok());
        assert!(parse_value(LogKind::SilentCall, "whistling").is_err());
        assert_eq!(parse_value(LogKind::Note, "").unwrap(), None);
    }

    #[test]
    fn sensitive_entries_are_shown_without_what_they_say_unless_the_programme_allows() {
        let start: DateTime<Utc> = "2026-04-02T10:00:00Z".parse().unwrap();
        let e = |m: i64, kind, value: &str| LogEntry {
            incident_ref: "INC-1".into(),
            call_ref: None,
            at: start + chrono::Duration::seconds(m),
            kind,
            value: Some(value.into()),
            text: Some("seen".into()),
            by: None,
        };
        let log = [
            e(5, LogKind::Opened, "CONCERN FOR SAFETY"),
            e(40, LogKind::RiskMarker, "VIOLENCE"),
            e(70, LogKind::Check, "PNC"),
        ];
        let kept = timeline(&log, start, false);
        assert_eq!(kept[0].offset_s, 5);
        assert_eq!(kept[0].value.as_deref(), Some("CONCERN FOR SAFETY"));
        assert!(kept[1].withheld && kept[1].value.is_none() && kept[1].text.is_none());
        assert!(kept[2].withheld && kept[2].value.is_none());
        let shown = timeline(&log, start, true);
        assert_eq!(shown[1].value.as_deref(), Some("VIOLENCE"));
        assert!(!shown[2].withheld);
    }
}
