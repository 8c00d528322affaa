//! The incident-log reader: a force's export of what its control room wrote, one row per entry,
//! validated field by field into [`LogEntry`]s, then as a whole: each incident's entries in time
//! order and opened by an `opened` entry. All or nothing, every problem by line and column.

use std::collections::HashMap;

use callaudit_domain::Problem;
use callaudit_domain::call::{CallRef, parse_optional};
use callaudit_domain::incident::{LogEntry, LogKind, parse_value};

use crate::columns::ColumnDef;
use crate::error::{ReadFailure, RowError, RowErrors};
use crate::pool::{FieldReader, Input, drive_rows, parse_time};
use crate::profile::Profile;

/// The canonical incident-log columns, in the documented order.
pub const LOG_COLUMNS: [ColumnDef; 7] = [
    ColumnDef::new("incident_ref", true),
    ColumnDef::new("call_id", false),
    ColumnDef::new("at", true),
    ColumnDef::new("kind", true),
    ColumnDef::new("value", false),
    ColumnDef::new("text", false),
    ColumnDef::new("by", false),
];

/// The longest text of one entry kept: a log entry is a paragraph, not a document.
const TEXT_CHARS: usize = 4000;

/// Reads an incident-log export, each entry with its line, or every problem found.
pub fn read_logs(input: Input<'_>, profile: &Profile) -> Result<Vec<(u64, LogEntry)>, ReadFailure> {
    let mut errors = RowErrors::default();
    let mut entries = Vec::new();
    // What the incident-wide rules need, from every row whose reference, time and kind read,
    // whatever else is wrong with it.
    let mut skeleton: Vec<Skeleton> = Vec::new();
    drive_rows(
        input,
        &profile.table,
        &LOG_COLUMNS,
        &profile.columns,
        &mut errors,
        |line, cols, row, errors| {
            let mut f = FieldReader {
                line,
                defs: &LOG_COLUMNS,
                cols,
                row,
                profile: Some(profile),
                errors,
            };
            let incident_ref = f.get(0, |v| {
                parse_optional(v, 64)?
                    .ok_or_else(|| Problem::new("is empty", "the force's incident reference"))
            });
            let call_ref = f.get(1, |v| {
                if v.trim().is_empty() {
                    Ok(None)
                } else {
                    CallRef::parse(v).map(Some)
                }
            });
            let at = f.get(2, |v| parse_time(v, profile, "at"));
            let kind = f.get(3, |v| {
                LogKind::parse_optional(v)?
                    .ok_or_else(|| Problem::new("is empty", "the kind of entry, e.g. opened"))
            });
            let value = kind.and_then(|k| f.get(4, |v| parse_value(k, v)));
            let text = f.get(5, |v| {
                let t = callaudit_domain::text::clean_note(v, TEXT_CHARS)?;
                match kind {
                    Some(k) if k.text_needed() && t.is_empty() => Err(Problem::new(
                        format!("is empty, but entries of kind {} need it", k.code()),
                        "what the log says",
                    )),
                    _ => Ok((!t.is_empty()).then_some(t)),
                }
            });
            let by = f.get(6, |v| parse_optional(v, 64));
            if let (Some(i), Some(t), Some(k)) = (&incident_ref, at, kind) {
                skeleton.push((line, i.clone(), t, k));
            }
            if let (
                Some(incident_ref),
                Some(call_ref),
                Some(at),
                Some(kind),
                Some(value),
                Some(text),
                Some(by),
            ) = (incident_ref, call_ref, at, kind, value, text, by)
            {
                entries.push((
                    line,
                    LogEntry {
                        incident_ref,
                        call_ref,
                        at,
                        kind,
                        value,
                        text,
                        by,
                    },
                ));
            }
            true
        },
    )
    .map_err(ReadFailure::File)?;
    check_incidents(&skeleton, profile.timezone, &mut errors);
    if !errors.is_empty() {
        return Err(ReadFailure::Rows(errors));
    }
    Ok(entries)
}

/// A row as the incident-wide rules see it: its line, incident, time and kind.
type Skeleton = (u64, String, chrono::DateTime<chrono::Utc>, LogKind);

/// The rules over a whole incident: entries in time order, and an `opened` entry.
fn check_incidents(entries: &[Skeleton], tz: chrono_tz::Tz, errors: &mut RowErrors) {
    // Times are shown as the export writes them: local to its time zone.
    let local = |t: &chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
    };
    // incident → (its first line, the time of its latest entry so far, whether it was opened).
    let mut seen: HashMap<&str, (u64, chrono::DateTime<chrono::Utc>, bool)> = HashMap::new();
    let mut order = Vec::new();
    for (line, incident, at, kind) in entries {
        match seen.get_mut(incident.as_str()) {
            Some((_, last, opened)) => {
                if at < last {
                    errors.push(RowError {
                        line: *line,
                        column: "at".into(),
                        value: local(at),
                        problem: Problem::new(
                            format!("is before the incident's previous entry ({})", local(last)),
                            "an incident's entries in time order",
                        ),
                    });
                } else {
                    *last = *at;
                }
                *opened |= *kind == LogKind::Opened;
            }
            None => {
                order.push(incident.as_str());
                seen.insert(incident, (*line, *at, *kind == LogKind::Opened));
            }
        }
    }
    for incident in order {
        let (first, _, opened) = seen[incident];
        if !opened {
            errors.push(RowError {
                line: first,
                column: "incident_ref".into(),
                value: incident.to_string(),
                problem: Problem::new(
                    "has no opened entry",
                    "each incident opened by an entry of kind opened, with its opening code",
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(csv: &str) -> Result<Vec<(u64, LogEntry)>, ReadFailure> {
        read_logs(Input::CsvBytes(csv.as_bytes()), &Profile::default())
    }

    fn problems(csv: &str) -> Vec<String> {
        match read(csv) {
            Err(ReadFailure::Rows(r)) => r.errors.iter().map(|e| e.to_string()).collect(),
            other => panic!("expected row problems, got {other:?}"),
        }
    }

    const HEAD: &str = "incident_ref,call_id,at,kind,value,text,by\n";

    #[test]
    fn a_well_kept_log_reads_whole() {
        let csv = format!(
            "{HEAD}INC-1,C-1,2026-04-02 10:00:05,opened,CONCERN FOR SAFETY,Caller worried about her son,H7\n\
             INC-1,C-1,2026-04-02 10:01:00,graded,priority,,H7\n\
             INC-1,,2026-04-02 10:02:00,thrive,,Threat low; vulnerability high (age 15),H7\n\
             INC-1,,2026-04-02 10:40:00,closed,RESOLVED,,S2\n"
        );
        let entries = read(&csv).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[1].1.kind, LogKind::Graded);
        assert_eq!(entries[1].1.value.as_deref(), Some("PRIORITY"));
        assert_eq!(entries[0].1.call_ref.as_ref().unwrap().as_str(), "C-1");
        assert_eq!(entries[2].1.call_ref, None);
    }

    #[test]
    fn every_problem_is_named_with_its_line_and_column() {
        let csv = format!(
            "{HEAD}INC-1,,2026-04-02 10:00,opened,,,\n\
             INC-1,,2026-04-02 09:00,gossip,,,\n\
             INC-1,,yesterday,silent-call,WHISTLING,,\n\
             INC-2,,2026-04-02 11:00,note,,,\n\
             INC-1,,2026-04-02 09:30,note,,Called back,\n"
        );
        let p = problems(&csv).join("\n");
        for want in [
            "line 2, column value",
            "line 3, column kind",
            "line 4, column at",
            "line 4, column value",
            "line 5, column text",
            "line 6, column at",
            "line 5, column incident_ref",
        ] {
            assert!(p.contains(want), "{want} missing in\n{p}");
        }
    }
}
