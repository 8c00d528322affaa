//! The call pool reader: a force's export of recent calls, validated field by field into
//! [`PoolCall`]s. Import is all-or-nothing, so calls are handed on only while no problem has been
//! found; after the first problem the rest of the file is still read, to report every problem.

use std::collections::HashMap;
use std::path::Path;

use callaudit_domain::Problem;
use callaudit_domain::call::{
    CallDetails, CallRef, Channel, PoolCall, Resolution, Satisfaction, parse_incident_type,
    parse_optional,
};
use callaudit_domain::text::{parse_bool, parse_seconds};
use callaudit_domain::time::{parse_datetime, parse_with_format};

use crate::columns::{ColumnDef, Columns};
use crate::error::{FileError, ReadFailure, RowError, RowErrors};
use crate::profile::Profile;
use crate::table::{Record, TableOptions, read_csv, read_path};

/// The canonical call-pool columns, in the documented order.
pub const POOL_COLUMNS: [ColumnDef; 17] = [
    ColumnDef::new("call_id", true),
    ColumnDef::new("started_at", true),
    ColumnDef::new("channel", true),
    ColumnDef::new("incident_type", true),
    ColumnDef::new("handler", false),
    ColumnDef::new("answer_s", false),
    ColumnDef::new("duration_s", false),
    ColumnDef::new("abandoned", false),
    ColumnDef::new("grade", false),
    ColumnDef::new("area", false),
    ColumnDef::new("training", false),
    ColumnDef::new("recording", false),
    ColumnDef::new("arrived_at", false),
    ColumnDef::new("resolution", false),
    ColumnDef::new("caller", false),
    ColumnDef::new("incident_ref", false),
    ColumnDef::new("satisfaction", false),
];

/// What a file is read from: a path (CSV or spreadsheet), or CSV bytes.
#[derive(Clone, Copy)]
pub enum Input<'a> {
    Path(&'a Path),
    CsvBytes(&'a [u8]),
}

/// Reads the header, checks the width of every row and turns undecodable text into row errors;
/// calls `on_row` with each clean data row. `on_row` returns `false` to stop.
pub(crate) fn drive_rows(
    input: Input<'_>,
    table: &TableOptions,
    defs: &[ColumnDef],
    mapped: &std::collections::BTreeMap<String, String>,
    errors: &mut RowErrors,
    mut on_row: impl FnMut(u64, &Columns, &[&str], &mut RowErrors) -> bool,
) -> Result<u64, FileError> {
    let mut columns: Option<Columns> = None;
    let mut header_err = None;
    let mut header_names: Vec<String> = Vec::new();
    let mut rows = 0u64;
    let mut handle = |line: u64, rec: Record<'_>| -> bool {
        let Some(cols) = &columns else {
            return match rec {
                Record::Fields(h) => match Columns::resolve(defs, h, mapped) {
                    Ok(c) => {
                        header_names = h.iter().map(|s| s.to_string()).collect();
                        columns = Some(c);
                        true
                    }
                    Err(e) => {
                        header_err = Some(e);
                        false
                    }
                },
                Record::NotUtf8 { .. } => {
                    header_err = Some(FileError::Encoding(
                        "not UTF-8 (perhaps Windows-1252)".into(),
                    ));
                    false
                }
            };
        };
        match rec {
            Record::NotUtf8 { field, lossy } => {
                rows += 1;
                errors.push(RowError {
                    line,
                    column: column_name(defs, cols, &header_names, field),
                    value: lossy,
                    problem: Problem::new(
                        "is not valid UTF-8 text",
                        "UTF-8 (the file may be in Windows-1252: save it as \"CSV UTF-8\")",
                    ),
                });
                true
            }
            Record::Fields(f) if f.iter().all(|s| s.trim().is_empty()) => true,
            Record::Fields(f) if f.len() != cols.width => {
                rows += 1;
                errors.push(RowError {
                    line,
                    column: "(row)".into(),
                    value: f.join(","),
                    problem: Problem::new(
                        format!("has {} fields", f.len()),
                        format!(
                            "{} fields as in the header row (is a quote left unclosed?)",
                            cols.width
                        ),
                    ),
                });
                true
            }
            Record::Fields(f) => {
                rows += 1;
                on_row(line, cols, f, errors)
            }
        }
    };
    match input {
        Input::Path(p) => read_path(p, table, &mut handle)?,
        Input::CsvBytes(b) => read_csv(b, table, &mut handle)?,
    }
    if let Some(e) = header_err {
        return Err(e);
    }
    if rows == 0 {
        return Err(FileError::NoRows);
    }
    Ok(rows)
}

/// The canonical name of the column at file position `field`, or the file's own header.
fn column_name(defs: &[ColumnDef], cols: &Columns, header: &[String], field: usize) -> String {
    cols.index
        .iter()
        .position(|i| *i == Some(field))
        .map(|d| defs[d].name.to_string())
        .or_else(|| header.get(field).cloned())
        .unwrap_or_else(|| format!("#{}", field + 1))
}

/// How many data rows were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadSummary {
    pub rows: u64,
}

/// Reads a pool, calling `on_call(line, call)` for each valid call while the file is clean so far.
/// `on_call` returns `false` to stop reading (e.g. when the writer has failed).
pub fn read_pool(
    input: Input<'_>,
    profile: &Profile,
    mut on_call: impl FnMut(u64, PoolCall) -> bool,
) -> Result<ReadSummary, ReadFailure> {
    let mut errors = RowErrors::default();
    let mut first_seen: HashMap<CallRef, u64> = HashMap::new();
    let rows = drive_rows(
        input,
        &profile.table,
        &POOL_COLUMNS,
        &profile.columns,
        &mut errors,
        |line, cols, row, errors| {
            // Duplicates are found on the reference alone, so a repeat is caught even when the
            // first occurrence had other problems.
            if let Ok(id) = CallRef::parse(profile.map_value("call_id", cols.get(row, 0))) {
                if let Some(first) = first_seen.get(&id) {
                    errors.push(RowError {
                        line,
                        column: "call_id".into(),
                        value: id.to_string(),
                        problem: Problem::new(
                            format!("appears again (first on line {first})"),
                            "each call once",
                        ),
                    });
                } else {
                    first_seen.insert(id, line);
                }
            }
            match parse_call(line, cols, row, profile, errors) {
                Some(call) if errors.is_empty() => on_call(line, call),
                _ => true,
            }
        },
    )?;
    if !errors.is_empty() {
        return Err(ReadFailure::Rows(errors));
    }
    Ok(ReadSummary { rows })
}

/// Collects a whole pool into memory (sampling from a file needs it all).
pub fn read_pool_vec(input: Input<'_>, profile: &Profile) -> Result<Vec<PoolCall>, ReadFailure> {
    let mut calls = Vec::new();
    read_pool(input, profile, |_, c| {
        calls.push(c);
        true
    })?;
    Ok(calls)
}

/// Reads the fields of one row, recording a `RowError` for each that does not parse.
pub(crate) struct FieldReader<'a, 'e> {
    pub line: u64,
    pub defs: &'a [ColumnDef],
    pub cols: &'a Columns,
    pub row: &'a [&'a str],
    pub profile: Option<&'a Profile>,
    pub errors: &'e mut RowErrors,
}

impl FieldReader<'_, '_> {
    pub fn get<T>(
        &mut self,
        i: usize,
        parse: impl FnOnce(&str) -> Result<T, Problem>,
    ) -> Option<T> {
        let name = self.defs[i].name;
        let raw = self.cols.get(self.row, i);
        let value = self.profile.map_or(raw, |p| p.map_value(name, raw));
        parse(value)
            .map_err(|problem| {
                self.errors.push(RowError {
                    line: self.line,
                    column: name.into(),
                    value: raw.into(),
                    problem,
                })
            })
            .ok()
    }
}

fn parse_call(
    line: u64,
    cols: &Columns,
    row: &[&str],
    profile: &Profile,
    errors: &mut RowErrors,
) -> Option<PoolCall> {
    let mut f = FieldReader {
        line,
        defs: &POOL_COLUMNS,
        cols,
        row,
        profile: Some(profile),
        errors,
    };
    // Every field is read before any is unwrapped, so that all of a row's problems are reported.
    let call_ref = f.get(0, CallRef::parse);
    let started_at = f.get(1, |v| parse_time(v, profile, "started_at"));
    let channel = f.get(2, Channel::parse);
    let incident_type = f.get(3, parse_incident_type);
    let handler = f.get(4, |v| parse_optional(v, 32));
    let answer_s = f.get(5, parse_seconds);
    let duration_s = f.get(6, parse_seconds);
    let abandoned = f.get(7, parse_bool);
    let grade = f.get(8, |v| {
        parse_optional(v, 32).map(|g| g.map(|g| g.to_uppercase()))
    });
    let area = f.get(9, |v| parse_optional(v, 80));
    let training = f.get(10, parse_bool);
    let recording = f.get(11, parse_recording);
    let arrived_at = f.get(12, |v| {
        if v.trim().is_empty() {
            return Ok(None);
        }
        let arrived = parse_time(v, profile, "arrived_at")?;
        match started_at {
            Some(started) if arrived < started => Err(Problem::new(
                "is before the call started",
                "the time the first officer arrived, after started_at, or empty",
            )),
            _ => Ok(Some(arrived)),
        }
    });
    let resolution = f.get(13, Resolution::parse_optional);
    let caller = f.get(14, |v| parse_optional(v, 64));
    let incident_ref = f.get(15, |v| parse_optional(v, 64));
    let satisfaction = f.get(16, Satisfaction::parse_optional);
    Some(PoolCall {
        call_ref: call_ref?,
        started_at: started_at?,
        channel: channel?,
        incident_type: incident_type?,
        handler: handler?,
        answer_s: answer_s?,
        duration_s: duration_s?,
        abandoned: abandoned?,
        grade: grade?,
        area: area?,
        training: training?.unwrap_or(false),
        recording: recording?,
        details: CallDetails {
            arrived_at: arrived_at?,
            resolution: resolution?,
            caller: caller?,
            incident_ref: incident_ref?,
            satisfaction: satisfaction?,
        },
    })
}

/// A date and time column, in the profile's layout for that column if it gives one, else in the
/// layout it gives for `started_at` (an export writes all its times alike), else any documented
/// form.
pub(crate) fn parse_time(
    v: &str,
    profile: &Profile,
    column: &str,
) -> Result<chrono::DateTime<chrono::Utc>, Problem> {
    let layout = profile
        .formats
        .get(column)
        .or_else(|| profile.formats.get("started_at"));
    match layout {
        // Spreadsheet date cells arrive in the canonical form whatever the profile says.
        Some(f) => parse_with_format(v, f, profile.timezone)
            .or_else(|e| parse_datetime(v, profile.timezone).map_err(|_| e)),
        None => parse_datetime(v, profile.timezone),
    }
}

/// A recording is a path inside the recordings folder or a URI. Paths that could climb out of the
/// folder are refused here, long before anything would serve them.
fn parse_recording(v: &str) -> Result<Option<String>, Problem> {
    let Some(r) = parse_optional(v, 500)? else {
        return Ok(None);
    };
    let is_uri = r.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    });
    let climbs = r.starts_with('/')
        || r.contains('\\')
        || r.split('/').any(|s| s == "..")
        || r.contains(':');
    if !is_uri && climbs {
        return Err(Problem::new(
            "is not a path inside the recordings folder",
            "a relative path such as 2024/04/CH-1.wav, or a URI",
        ));
    }
    Ok(Some(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(csv: &str, profile: &Profile) -> Result<Vec<PoolCall>, ReadFailure> {
        read_pool_vec(Input::CsvBytes(csv.as_bytes()), profile)
    }

    fn messages(f: ReadFailure) -> Vec<String> {
        match f {
            ReadFailure::Rows(r) => r.errors.iter().map(ToString::to_string).collect(),
            ReadFailure::File(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn a_canonical_pool_reads() {
        let calls = read(
            "Call ID,Started At,channel,incident_type,handler,training,recording\n\
             CH-1,2024-04-02 10:15,999,HATE CRIME,H7,no,2024/04/CH-1.wav\n\
             CH-2,03/04/2024 11:00:05,101,Burglary,,y,\n",
            &Profile::default(),
        )
        .unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(
            calls[0].started_at.to_rfc3339(),
            "2024-04-02T09:15:00+00:00"
        );
        assert_eq!(calls[0].handler.as_deref(), Some("H7"));
        assert!(calls[1].training && calls[1].handler.is_none());
    }

    #[test]
    fn every_bad_value_is_reported_with_line_column_value_and_expectation() {
        let m = messages(
            read(
                "call_id,started_at,channel,incident_type,answer_s\n\
                 A,31/02/2024 10:00,999,ASB,\n\
                 B,2024-04-02 10:00,fax,,x\n\
                 A,2024-04-02 10:00,101,ASB,3\n",
                &Profile::default(),
            )
            .unwrap_err(),
        );
        assert_eq!(
            m,
            [
                "line 2, column started_at: \"31/02/2024 10:00\" is not a date and time; expected YYYY-MM-DD HH:MM[:SS], DD/MM/YYYY HH:MM[:SS] or RFC 3339",
                "line 3, column channel: \"fax\" is not a known channel; expected one of 999, 101, online, text, email, social, front-counter, alarm, officer, other (map other names with a profile's [values.channel])",
                "line 3, column incident_type: \"\" is empty; expected the incident or crime type, e.g. HATE CRIME",
                "line 3, column answer_s: \"x\" is not a number of seconds; expected a whole number such as 12",
                "line 4, column call_id: \"A\" appears again (first on line 2); expected each call once",
            ]
        );
    }

    #[test]
    fn what_happened_next_is_read_and_checked() {
        let calls = read(
            "call_id,started_at,channel,incident_type,arrived_at,resolution,caller,incident_ref,satisfaction\n\
             A,2024-04-02 10:00,999,ASB,2024-04-02 10:12,Deployed,c-7f3a,INC-1,satisfied\n\
             B,2024-04-02 11:00,101,ASB,,RWD,,,\n",
            &Profile::default(),
        )
        .unwrap();
        let a = &calls[0].details;
        assert_eq!(
            a.arrived_at.unwrap().to_rfc3339(),
            "2024-04-02T09:12:00+00:00"
        );
        assert_eq!(a.resolution, Some(Resolution::Deployed));
        assert_eq!(a.caller.as_deref(), Some("c-7f3a"));
        assert_eq!(a.incident_ref.as_deref(), Some("INC-1"));
        assert_eq!(a.satisfaction, Some(Satisfaction::Satisfied));
        assert_eq!(
            calls[1].details,
            CallDetails {
                resolution: Some(Resolution::WithoutDeployment),
                ..CallDetails::default()
            }
        );
        let m = messages(
            read(
                "call_id,started_at,channel,incident_type,arrived_at,resolution,satisfaction\n\
                 A,2024-04-02 10:00,999,ASB,2024-04-02 09:59,arrested,happy\n\
                 B,2024-04-02 10:00,999,ASB,soon,,\n",
                &Profile::default(),
            )
            .unwrap_err(),
        );
        assert_eq!(
            m,
            [
                "line 2, column arrived_at: \"2024-04-02 09:59\" is before the call started; expected the time the first officer arrived, after started_at, or empty",
                "line 2, column resolution: \"arrested\" is not a known resolution; expected one of deployed, resolved-without-deployment, appointment, referred, no-action, or empty (map other words with a profile's [values.resolution])",
                "line 2, column satisfaction: \"happy\" is not a known satisfaction answer; expected one of satisfied, neutral, dissatisfied, or empty (map other words with a profile's [values.satisfaction])",
                "line 3, column arrived_at: \"soon\" is not a date and time; expected YYYY-MM-DD HH:MM[:SS], DD/MM/YYYY HH:MM[:SS] or RFC 3339",
            ]
        );
    }

    #[test]
    fn missing_columns_are_named_with_what_was_found() {
        let m = messages(read("ref,when\n1,2\n", &Profile::default()).unwrap_err());
        assert_eq!(
            m,
            [
                "the file has no column for call_id, started_at, channel, incident_type; found columns: \"ref\", \"when\". Name them so in the header row, or map them in a profile's [columns]"
            ]
        );
    }

    #[test]
    fn recordings_cannot_climb_out_of_their_folder() {
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "C:\\x.wav"] {
            assert!(parse_recording(bad).is_err(), "{bad}");
        }
        assert!(
            parse_recording("https://recorder.example/x/1.wav")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_header_alone_is_not_a_pool() {
        let m = messages(
            read(
                "call_id,started_at,channel,incident_type\n",
                &Profile::default(),
            )
            .unwrap_err(),
        );
        assert_eq!(
            m,
            ["the file has a header row but no rows under it; expected at least one row"]
        );
    }
}
