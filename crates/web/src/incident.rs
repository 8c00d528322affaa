//! A call's incident log as the scoring page and the panel view show it: each entry timed from the
//! start of the call, a button that plays the recording from an entry written during the call, and
//! what checks found and risk markers say kept back unless the programme shows its auditors them.

use callaudit_domain::incident::{rules, timeline};
use callaudit_storage::export::SessionOutcomeRow;

use crate::AppState;
use crate::error::Result;

/// One entry as a page shows it.
pub struct LogLine {
    /// The entry's time from the start of the call, as `1:05` (`-0:30` before it).
    pub clock: String,
    /// Seconds to play the recording from, for an entry written after the call started (the
    /// page's script keeps an entry written after the recording ends as plain text).
    pub seek: Option<i64>,
    pub label: &'static str,
    pub value: Option<String>,
    pub text: Option<String>,
    pub withheld: bool,
}

/// A call's log as a page shows it.
#[derive(Default)]
pub struct CallLog {
    pub lines: Vec<LogLine>,
    /// Whether some entry's words are kept from this reader.
    pub withheld: bool,
    /// What the checks on the log suggest looking for: prompts, never verdicts.
    pub prompts: Vec<String>,
}

/// A call's log for its readers under programme `programme_id`'s rule; empty when the force
/// has imported none for it. `heard` is the call's transcript, when it has one, for the check
/// that the caller's words on domestic abuse reached the log.
pub async fn call_log(
    state: &AppState,
    force_id: i64,
    programme_id: i64,
    call: &SessionOutcomeRow,
    heard: Option<&str>,
) -> Result<CallLog> {
    let Some(start) = call.started_at else {
        return Ok(CallLog::default());
    };
    let entries = state.store.call_log(force_id, &call.call_ref).await?;
    if entries.is_empty() {
        return Ok(CallLog::default());
    }
    let details = state.store.programme(programme_id).await?.log_details;
    // The checks run over each incident's entries on their own (the log comes incident by
    // incident, each in time order).
    let targets = state.store.attendance_targets(force_id).await?;
    let template = state.template(programme_id).await?;
    let terms = &template.phrases;
    let others: Vec<rules::OtherCall> = state
        .store
        .same_caller_calls(force_id, &call.call_ref)
        .await?
        .into_iter()
        .map(|(call_ref, started_at, incident_ref)| rules::OtherCall {
            call_ref,
            started_at,
            incident_ref,
        })
        .collect();
    let mut prompts = Vec::new();
    for (k, incident) in entries
        .chunk_by(|a, b| a.incident_ref == b.incident_ref)
        .enumerate()
    {
        // The caller's other calls are the call's, not an incident's: looked at once.
        let repeat = (k == 0)
            .then(|| rules::repeat_calls_not_linked(incident, start, &others))
            .flatten();
        prompts.extend(
            rules::check_with(incident, &targets, terms)
                .into_iter()
                .chain(repeat)
                .map(|p| p.message),
        );
    }
    prompts.extend(
        heard
            .and_then(|h| rules::domestic_abuse_heard_not_flagged(&entries, h, &terms.domestic))
            .map(|p| p.message),
    );
    let lines: Vec<LogLine> = timeline(&entries, start, details)
        .into_iter()
        .map(|e| LogLine {
            clock: clock(e.offset_s),
            seek: (e.offset_s >= 0).then_some(e.offset_s),
            label: e.kind.label(),
            value: e.value,
            text: e.text,
            withheld: e.withheld,
        })
        .collect();
    Ok(CallLog {
        withheld: lines.iter().any(|l| l.withheld),
        lines,
        prompts,
    })
}

/// Seconds as a clock: `65` → `1:05`, `-30` → `-0:30`; hours shown past the hour.
fn clock(s: i64) -> String {
    let sign = if s < 0 { "-" } else { "" };
    let s = s.unsigned_abs();
    let (h, m, r) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{sign}{h}:{m:02}:{r:02}")
    } else {
        format!("{sign}{m}:{r:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_as_a_clock() {
        assert_eq!(clock(65), "1:05");
        assert_eq!(clock(-30), "-0:30");
        assert_eq!(clock(3725), "1:02:05");
    }
}
