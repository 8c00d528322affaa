//! A profile maps one force's own export onto the canonical call-pool columns, so that any
//! command-and-control or call-recorder export can be imported as it comes. It is a small TOML
//! file; `docs/profiles.md` documents it with a worked example.

use std::collections::{BTreeMap, HashMap};

use callaudit_domain::text::match_key;
use chrono_tz::Tz;
use serde::Deserialize;

use crate::error::FileError;
use crate::logs::LOG_COLUMNS;
use crate::pool::POOL_COLUMNS;
use crate::table::TableOptions;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    timezone: Option<String>,
    sheet: Option<String>,
    delimiter: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    formats: BTreeMap<String, String>,
}

/// A validated profile. The default profile expects the canonical format as it is.
#[derive(Debug, Clone)]
pub struct Profile {
    pub timezone: Tz,
    pub table: TableOptions,
    /// Canonical column → the export's header.
    pub columns: BTreeMap<String, String>,
    /// Canonical column → (their value's match key → canonical value).
    values: HashMap<String, HashMap<String, String>>,
    /// Canonical date column → chrono format.
    pub formats: BTreeMap<String, String>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            timezone: callaudit_domain::time::DEFAULT_TZ,
            table: TableOptions::default(),
            columns: BTreeMap::new(),
            values: HashMap::new(),
            formats: BTreeMap::new(),
        }
    }
}

/// The columns a `[formats]` entry may give a layout for: the pool's times and a log entry's.
const DATE_COLUMNS: [&str; 3] = ["started_at", "arrived_at", "at"];

impl Profile {
    /// Parses and checks a profile, reporting every mistake in it at once.
    pub fn parse(text: &str) -> Result<Profile, FileError> {
        let raw: RawProfile = toml::from_str(text)
            .map_err(|e| FileError::Profile(e.to_string().trim().to_string()))?;
        let mut errors = Vec::new();
        let known = |c: &str| {
            POOL_COLUMNS
                .iter()
                .chain(LOG_COLUMNS.iter())
                .any(|d| d.name == c)
        };
        let names = || {
            POOL_COLUMNS
                .iter()
                .map(|d| d.name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for c in raw.columns.keys().chain(raw.values.keys()) {
            if !known(c) {
                errors.push(format!(
                    "{c:?} is not a call-pool column (nor an incident-log one); expected one of {}",
                    names()
                ));
            }
        }
        for (c, f) in &raw.formats {
            if !DATE_COLUMNS.contains(&c.as_str()) {
                errors.push(format!(
                    "[formats] {c:?} is not a date column; expected started_at, arrived_at or at"
                ));
            } else if chrono::format::StrftimeItems::new(f)
                .any(|i| matches!(i, chrono::format::Item::Error))
            {
                errors.push(format!("[formats] {c} = {f:?} is not a valid chrono format; expected e.g. \"%d/%m/%Y %H:%M\""));
            }
        }
        let timezone = match raw.timezone.as_deref() {
            None => callaudit_domain::time::DEFAULT_TZ,
            Some(t) => callaudit_domain::time::parse_tz(t).unwrap_or_else(|p| {
                errors.push(format!("timezone {t:?} {p}"));
                callaudit_domain::time::DEFAULT_TZ
            }),
        };
        let delimiter = match raw.delimiter.as_deref() {
            None => None,
            Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
            Some("\\t") | Some("tab") => Some(b'\t'),
            Some(d) => {
                errors.push(format!(
                    "delimiter {d:?} is not one character; expected \",\", \";\" or \"tab\""
                ));
                None
            }
        };
        if !errors.is_empty() {
            return Err(FileError::Profile(errors.join("; ")));
        }
        let values = raw
            .values
            .into_iter()
            .map(|(col, map)| {
                (
                    col,
                    map.into_iter().map(|(k, v)| (match_key(&k), v)).collect(),
                )
            })
            .collect();
        Ok(Profile {
            timezone,
            table: TableOptions {
                delimiter,
                sheet: raw.sheet,
            },
            columns: raw.columns,
            values,
            formats: raw.formats,
        })
    }

    /// Reads a profile file.
    pub fn load(path: &std::path::Path) -> Result<Profile, FileError> {
        let text = std::fs::read_to_string(path).map_err(|e| FileError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Profile::parse(&text)
    }

    /// The canonical value for a value of the export, if the profile maps it; otherwise the value.
    pub fn map_value<'a>(&'a self, column: &str, value: &'a str) -> &'a str {
        match self.values.get(column) {
            Some(map) if !map.is_empty() => {
                map.get(&match_key(value)).map_or(value, String::as_str)
            }
            _ => value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mistake_in_a_profile_is_reported_together() {
        let e = Profile::parse(
            "timezone = \"Mars/Olympus\"\n[columns]\nname = \"Name\"\n[formats]\nstarted_at = \"%Q\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("\"name\" is not a call-pool column"), "{e}");
        assert!(
            e.contains("timezone \"Mars/Olympus\" is not a time zone"),
            "{e}"
        );
        assert!(e.contains("not a valid chrono format"), "{e}");
    }

    #[test]
    fn unknown_sections_are_refused_with_their_line() {
        let e = Profile::parse("[colums]\ncall_id = \"Ref\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn values_map_ignoring_case_and_punctuation() {
        let p =
            Profile::parse("[values.channel]\n\"TELEPHONE OTHER, NOT 911\" = \"101\"\n").unwrap();
        assert_eq!(p.map_value("channel", "Telephone other not 911"), "101");
        assert_eq!(p.map_value("channel", "999"), "999");
        assert_eq!(p.map_value("grade", "1"), "1");
    }
}
