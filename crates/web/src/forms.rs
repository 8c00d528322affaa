//! Forms: a posted form's fields read and checked, and shaped as the GOV.UK Design System shapes
//! them: every problem of a form collected at once for the error summary (each linked to its
//! field) and shown again beside the field, the form shown again as it was typed, and dates typed
//! in three fields as people write them.

use axum::extract::{FromRequest, Request};
use callaudit_domain::template::Template as AuditTemplate;
use callaudit_domain::text::clean_note;
use callaudit_domain::time::{DatePart, date_from_parts};
use chrono::{Datelike, NaiveDate};

use crate::AppState;
use crate::error::{AppError, Result};

/// The fields of a posted form, in order (a name may repeat, as checkboxes do).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The field trimmed, or "" when absent.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").trim().to_string()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Free text (comments, notes), cleaned and bounded to [`NOTE_CHARS`]; "" when absent.
    pub fn note(&self, name: &str, what: &str) -> Result<String> {
        clean_note(self.get(name).unwrap_or(""), NOTE_CHARS)
            .map_err(|e| AppError::BadRequest(format!("{what} {e}")))
    }

    /// The template's codes of the areas ticked (fields named `area`), sorted, once each.
    pub fn areas(&self, template: &AuditTemplate) -> Result<Vec<String>> {
        let mut areas = Vec::new();
        for a in self.all("area") {
            let area = template
                .find_area(&a)
                .map_err(|e| AppError::BadRequest(format!("The area {e}")))?;
            areas.push(area.code.clone());
        }
        areas.sort();
        areas.dedup();
        Ok(areas)
    }
}

/// The longest note kept, in characters: several paragraphs, not a transcript.
pub const NOTE_CHARS: usize = 4000;

/// The longest section of a report a person writes (an introduction runs to a page or two).
pub const SECTION_CHARS: usize = 20_000;

/// A posted form's fields, read from the request's body.
pub async fn read_form(req: Request, state: &AppState) -> Result<Fields> {
    let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
        .await
        .map_err(|e| {
            AppError::BadRequest(format!("The form could not be read: {}", e.body_text()))
        })?;
    Ok(Fields(pairs))
}

/// One problem of a form, for the error summary at the top of the page (a link to the field) and
/// beside the field itself: the field's id and what to do, in the Design System's words.
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl FieldError {
    /// Whether this is the problem of part `part` ("day", "month", "year") of date `name`.
    pub fn is_part(&self, name: impl AsRef<str>, part: &str) -> bool {
        self.field
            .strip_prefix(name.as_ref())
            .and_then(|r| r.strip_prefix('-'))
            == Some(part)
    }
}

/// The problem of the three-field date `name`, if it has one.
pub fn date_error<'a>(errors: &'a [FieldError], name: &str) -> Option<&'a FieldError> {
    ["day", "month", "year"]
        .into_iter()
        .find_map(|part| errors.iter().find(|e| e.is_part(name, part)))
}

/// The problems of a form as it was sent, in the order of its fields.
#[derive(Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// A whole number that may be left empty; `what` names it in the message ("The number of
    /// calls").
    pub fn count(&mut self, fields: &Fields, name: &str, what: &str) -> Option<u32> {
        let v = fields.text(name);
        if v.is_empty() {
            return None;
        }
        v.replace(',', "")
            .parse()
            .map_err(|_| self.add(name, format!("{what} must be a whole number, like 5")))
            .ok()
    }

    /// Free text (a note, a response) cleaned and bounded as every note is; `""` when empty, and
    /// a problem recorded against `id` when it cannot be kept.
    pub fn note(&mut self, fields: &Fields, name: &str, id: &str, what: &str) -> String {
        clean_note(fields.get(name).unwrap_or(""), NOTE_CHARS)
            .map_err(|e| self.add(id, format!("{what} {e}")))
            .unwrap_or_default()
    }

    /// A date typed in three fields (`NAME-day`, `NAME-month`, `NAME-year`), or `None` when all
    /// three are empty; a problem is linked to the part at fault.
    pub fn date(&mut self, typed: &DateTyped, name: &str, what: &str) -> Option<NaiveDate> {
        if typed.is_empty() {
            return None;
        }
        self.required_date(typed, name, what)
    }

    /// A date typed in three fields that must be given.
    pub fn required_date(
        &mut self,
        typed: &DateTyped,
        name: &str,
        what: &str,
    ) -> Option<NaiveDate> {
        date_from_parts(&typed.day, &typed.month, &typed.year, what)
            .map_err(|(part, message)| self.add(date_field(name, part), message))
            .ok()
    }
}

/// A message begun with a capital, as the error summary shows it ("the quotas add up…" → "The
/// quotas add up…").
pub fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The message for `field` among `errors`, if it has one.
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// A value as an address's query carries it: every byte but letters and digits escaped.
pub fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The id of one part of a three-field date.
pub fn date_field(name: &str, part: DatePart) -> String {
    let part = match part {
        DatePart::Day => "day",
        DatePart::Month => "month",
        DatePart::Year => "year",
    };
    format!("{name}-{part}")
}

/// A date as typed in its three fields, kept to show the form again.
#[derive(Default, Clone)]
pub struct DateTyped {
    pub day: String,
    pub month: String,
    pub year: String,
}

impl DateTyped {
    /// The three fields `NAME-day`, `NAME-month` and `NAME-year` as sent.
    pub fn from_fields(fields: &Fields, name: &str) -> DateTyped {
        let part = |p: &str| fields.text(&format!("{name}-{p}"));
        DateTyped {
            day: part("day"),
            month: part("month"),
            year: part("year"),
        }
    }

    /// A date shown in the three fields, as a person would type it.
    pub fn of(d: NaiveDate) -> DateTyped {
        DateTyped {
            day: d.day().to_string(),
            month: d.month().to_string(),
            year: d.year().to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.day.is_empty() && self.month.is_empty() && self.year.is_empty()
    }
}

/// The draw's rules as typed on the session page, kept when the form is shown again.
#[derive(Clone)]
pub struct CommitTyped {
    pub size: String,
    pub quota_999: String,
    pub quota_101: String,
    pub quota_dissatisfied: String,
    pub quota_repeat: String,
    pub quota_logs: String,
    pub quota_grades: String,
    pub quota_types: String,
    pub quota_areas: String,
    pub from: DateTyped,
    pub to: DateTyped,
    pub max_per_handler: String,
    pub grades: String,
    pub areas: String,
    pub min_duration: String,
    pub recording: bool,
}

impl CommitTyped {
    /// What the form starts with: ten calls, five of each line, from the six weeks before the
    /// session, at most two per call handler, only calls with a recording where the pool has any.
    pub fn defaults(held_on: NaiveDate, recordings: bool) -> CommitTyped {
        CommitTyped {
            size: "10".into(),
            quota_999: "5".into(),
            quota_101: "5".into(),
            quota_dissatisfied: String::new(),
            quota_repeat: String::new(),
            quota_logs: String::new(),
            quota_grades: String::new(),
            quota_types: String::new(),
            quota_areas: String::new(),
            from: DateTyped::of(held_on - chrono::Duration::days(42)),
            to: DateTyped::of(held_on - chrono::Duration::days(1)),
            max_per_handler: "2".into(),
            grades: String::new(),
            areas: String::new(),
            min_duration: String::new(),
            recording: recordings,
        }
    }

    pub fn from_fields(f: &Fields) -> CommitTyped {
        CommitTyped {
            size: f.text("size"),
            quota_999: f.text("quota_999"),
            quota_101: f.text("quota_101"),
            quota_dissatisfied: f.text("quota_dissatisfied"),
            quota_repeat: f.text("quota_repeat"),
            quota_logs: f.text("quota_logs"),
            quota_grades: f.text("quota_grades"),
            quota_types: f.text("quota_types"),
            quota_areas: f.text("quota_areas"),
            from: DateTyped::from_fields(f, "from"),
            to: DateTyped::from_fields(f, "to"),
            max_per_handler: f.text("max_per_handler"),
            grades: f.text("grades"),
            areas: f.text("areas"),
            min_duration: f.text("min_duration"),
            recording: f.get("recording").is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn every_problem_is_collected_against_its_field() {
        let f = fields(&[
            ("size", "ten"),
            ("from-day", "31"),
            ("from-month", "2"),
            ("from-year", "2026"),
            ("to-day", ""),
        ]);
        let mut p = Problems::default();
        assert_eq!(p.count(&f, "size", "The number of calls"), None);
        assert_eq!(p.count(&f, "quota", "A quota"), None);
        let from = DateTyped::from_fields(&f, "from");
        assert_eq!(p.date(&from, "from", "The first date"), None);
        assert_eq!(
            p.date(&DateTyped::from_fields(&f, "to"), "to", "The last date"),
            None
        );
        let e = p.into_vec();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].field, "size");
        assert_eq!(
            e[0].message,
            "The number of calls must be a whole number, like 5"
        );
        assert_eq!(e[1].field, "from-day");
        assert_eq!(e[1].message, "The first date must be a real date");
    }

    #[test]
    fn a_date_shows_as_typed_and_reads_back() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let t = DateTyped::of(d);
        assert_eq!(
            (t.day.as_str(), t.month.as_str(), t.year.as_str()),
            ("3", "3", "2026")
        );
        assert_eq!(Problems::default().date(&t, "held_on", "The date"), Some(d));
    }
}
