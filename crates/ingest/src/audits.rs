//! The past-audits reader: a scheme's spreadsheet of calls already audited, one row per call, so
//! that a scheme can move off its spreadsheets without losing its history.

use std::collections::HashMap;
use std::path::Path;

use callaudit_domain::Problem;
use callaudit_domain::audit::AuditedCall;
use callaudit_domain::call::{CallRef, Channel, parse_incident_type, parse_optional};
use callaudit_domain::template::{Category, Template};
use callaudit_domain::text::{clean_note, parse_bool};
use callaudit_domain::time::parse_date;

use crate::columns::ColumnDef;
use crate::error::{ReadFailure, RowError, RowErrors};
use crate::pool::{FieldReader, Input, drive_rows};
use crate::table::TableOptions;

/// The canonical past-audit columns, in the documented order.
pub const AUDIT_COLUMNS: [ColumnDef; 9] = [
    ColumnDef::new("audit_date", true),
    ColumnDef::new("focus", false),
    ColumnDef::new("call_id", true),
    ColumnDef::new("channel", true),
    ColumnDef::new("incident_type", true),
    ColumnDef::new("category", true),
    ColumnDef::new("areas", false),
    ColumnDef::new("comments", false),
    ColumnDef::new("good_practice", false),
];

/// Reads every row of a past-audits file; areas are resolved against the programme's template.
pub fn read_audits(
    path: &Path,
    template: &Template,
) -> Result<Vec<(u64, AuditedCall)>, ReadFailure> {
    read_audits_from(Input::Path(path), template)
}

pub fn read_audits_from(
    input: Input<'_>,
    template: &Template,
) -> Result<Vec<(u64, AuditedCall)>, ReadFailure> {
    let mut errors = RowErrors::default();
    let mut out = Vec::new();
    let mut first_seen: HashMap<(chrono::NaiveDate, Option<String>, CallRef), u64> = HashMap::new();
    drive_rows(
        input,
        &TableOptions::default(),
        &AUDIT_COLUMNS,
        &Default::default(),
        &mut errors,
        |line, cols, row, errors| {
            let mut f = FieldReader {
                line,
                defs: &AUDIT_COLUMNS,
                cols,
                row,
                profile: None,
                errors,
            };
            let audit_date = f.get(0, parse_date);
            let focus = f.get(1, |v| parse_optional(v, 120));
            let call_ref = f.get(2, CallRef::parse);
            let channel = f.get(3, Channel::parse);
            let incident_type = f.get(4, parse_incident_type);
            let category = f.get(5, Category::parse);
            let areas = f.get(6, |v| parse_areas(v, template));
            let comments = f.get(7, |v| {
                clean_note(v, 4000).map(|c| (!c.is_empty()).then_some(c))
            });
            let good_practice = f.get(8, parse_bool);
            // Every field was read above, so all of a row's problems are reported; now keep the
            // row only if each one parsed.
            let audited = (|| {
                Some(AuditedCall {
                    audit_date: audit_date?,
                    focus: focus?,
                    call_ref: call_ref?,
                    channel: channel?,
                    incident_type: incident_type?,
                    category: category?,
                    areas: areas?,
                    comments: comments?,
                    good_practice: good_practice?.unwrap_or(false),
                })
            })();
            let Some(audited) = audited else {
                return true;
            };
            let key = (
                audited.audit_date,
                audited.focus.clone(),
                audited.call_ref.clone(),
            );
            if let Some(first) = first_seen.insert(key, line) {
                f.errors.push(RowError {
                    line,
                    column: "call_id".into(),
                    value: audited.call_ref.to_string(),
                    problem: Problem::new(
                        format!(
                            "appears again in the audit of {} (first on line {first})",
                            audited.audit_date
                        ),
                        "each call once per audit",
                    ),
                });
                return true;
            }
            out.push((line, audited));
            true
        },
    )?;
    if !errors.is_empty() {
        return Err(ReadFailure::Rows(errors));
    }
    Ok(out)
}

/// `;`-separated areas, by code or name; the result holds template codes without repeats.
fn parse_areas(v: &str, template: &Template) -> Result<Vec<String>, Problem> {
    let mut codes: Vec<String> = Vec::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let area = template
            .find_area(part)
            .map_err(|p| Problem::new(format!("names {part:?}, which {}", p.what), p.expected))?;
        if !codes.contains(&area.code) {
            codes.push(area.code.clone());
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_audits_read_with_areas_by_name_or_code() {
        let csv = "audit_date,focus,call_id,channel,incident_type,category,areas,comments,good_practice\n\
                   2023-04-12,HATE CRIME,A1,999,HATE CRIME,2,Empathy; reassurance,\"Good, but rushed\",no\n\
                   2023-04-12,HATE CRIME,A2,101,HATE CRIME,positive,,,yes\n";
        let rows =
            read_audits_from(Input::CsvBytes(csv.as_bytes()), &Template::reference()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1.areas, ["empathy", "reassurance"]);
        assert_eq!(rows[0].1.category, Category::Suggestions);
        assert!(rows[1].1.good_practice);
    }

    #[test]
    fn unknown_areas_and_categories_are_reported() {
        let csv = "audit_date,call_id,channel,incident_type,category,areas\n2023-04-12,A1,999,ASB,5,tone\n";
        let ReadFailure::Rows(e) =
            read_audits_from(Input::CsvBytes(csv.as_bytes()), &Template::reference()).unwrap_err()
        else {
            panic!("expected row errors")
        };
        let m: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            m[0],
            "line 2, column category: \"5\" is not a category; expected positive, suggestions or negative (or 1, 2, 3)"
        );
        assert!(
            m[1].starts_with("line 2, column areas: \"tone\" names \"tone\", which is not an area"),
            "{}",
            m[1]
        );
    }
}
