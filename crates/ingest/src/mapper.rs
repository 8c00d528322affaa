//! The column mapper's reading of a force's export: its headers with sample values and the values
//! found in each column, guesses of which header feeds each canonical column, what its channel and
//! grade values mean and which date layout its times are written in, and the profile that the
//! person's choices make. The guesses are suggestions shown for correction, never applied unseen.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use callaudit_domain::call::Channel;
use callaudit_domain::text::match_key;
use callaudit_domain::time::{long_date, parse_datetime, parse_with_format};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::columns::Columns;
use crate::error::FileError;
use crate::pool::{Input, POOL_COLUMNS};
use crate::profile::Profile;
use crate::table::{Record, TableOptions, read_csv, read_path};

/// Rows read to survey an export: enough to find every channel and grade a force uses, few enough
/// that a large export is surveyed in about a second.
pub const SURVEY_ROWS: u64 = 200_000;
/// Values kept per column to test date layouts against and to show as examples.
const SAMPLES: usize = 200;
/// Distinct values counted per column; a column with more is not one whose values are translated.
pub const DISTINCT_MAX: usize = 60;

/// One column of the export as surveyed.
#[derive(Debug, Clone, Default)]
pub struct SurveyColumn {
    pub header: String,
    /// The first non-empty values, in file order.
    pub samples: Vec<String>,
    /// Each distinct value (trimmed) with how many rows hold it, most frequent first; `None` when
    /// the column has more than [`DISTINCT_MAX`].
    pub distinct: Option<Vec<(String, u64)>>,
    /// Rows where the column is empty.
    pub empty: u64,
}

/// What the first [`SURVEY_ROWS`] rows of an export hold.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    pub columns: Vec<SurveyColumn>,
    /// Data rows surveyed.
    pub rows: u64,
    /// Whether the file has rows beyond those surveyed.
    pub more: bool,
}

impl Survey {
    /// The column headed `header`, if the export has one.
    pub fn column(&self, header: &str) -> Option<&SurveyColumn> {
        self.columns.iter().find(|c| c.header == header)
    }
}

/// Surveys an export (CSV or a spreadsheet). Rows whose width differs from the header's or that
/// are not UTF-8 are left out of the survey; the preview reports them.
pub fn survey(input: Input<'_>, table: &TableOptions) -> Result<Survey, FileError> {
    let mut columns: Vec<SurveyColumn> = Vec::new();
    let mut counts: Vec<Option<HashMap<String, u64>>> = Vec::new();
    let mut header_err = None;
    let (mut rows, mut more, mut started) = (0u64, false, false);
    let on_record = |_, rec: Record<'_>| {
        let Record::Fields(f) = rec else {
            if !started {
                header_err = Some(FileError::Encoding(
                    "not UTF-8 (perhaps Windows-1252)".into(),
                ));
                return false;
            }
            return true;
        };
        if !started {
            started = true;
            columns = f
                .iter()
                .map(|h| SurveyColumn {
                    header: h.trim().to_string(),
                    ..SurveyColumn::default()
                })
                .collect();
            counts = vec![Some(HashMap::new()); f.len()];
            return true;
        }
        if f.iter().all(|s| s.trim().is_empty()) || f.len() != columns.len() {
            return true;
        }
        if rows == SURVEY_ROWS {
            more = true;
            return false;
        }
        rows += 1;
        for ((value, col), count) in f.iter().zip(&mut columns).zip(&mut counts) {
            let v = value.trim();
            if v.is_empty() {
                col.empty += 1;
                continue;
            }
            if col.samples.len() < SAMPLES {
                col.samples.push(v.to_string());
            }
            if let Some(map) = count {
                if let Some(n) = map.get_mut(v) {
                    *n += 1;
                } else if map.len() == DISTINCT_MAX {
                    *count = None;
                } else {
                    map.insert(v.to_string(), 1);
                }
            }
        }
        true
    };
    match input {
        Input::Path(p) => read_path(p, table, on_record)?,
        Input::CsvBytes(b) => read_csv(b, table, on_record)?,
    }
    if let Some(e) = header_err {
        return Err(e);
    }
    if !started || columns.iter().all(|c| c.header.is_empty()) {
        return Err(FileError::NoRows);
    }
    for (col, count) in columns.iter_mut().zip(counts) {
        col.distinct = count.map(|m| {
            let mut v: Vec<(String, u64)> = m.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        });
    }
    Ok(Survey {
        columns,
        rows,
        more,
    })
}

/// The canonical columns a person maps, with the words they are shown by. Kept beside
/// [`POOL_COLUMNS`], whose order they follow (a test holds the two together).
pub const COLUMN_LABELS: [(&str, &str); 17] = [
    ("call_id", "Call reference"),
    ("started_at", "When the call started"),
    ("channel", "How the call came in (999, 101…)"),
    ("incident_type", "Incident type (the opening code)"),
    ("handler", "Call handler"),
    ("answer_s", "Seconds to answer"),
    ("duration_s", "Call length in seconds"),
    ("abandoned", "Abandoned before answer"),
    ("grade", "Grade (priority)"),
    ("area", "Area (district, precinct, sector)"),
    ("training", "Handled by a trainee"),
    ("recording", "Recording file"),
    ("arrived_at", "When the first officer arrived"),
    ("resolution", "How it was resolved"),
    ("caller", "Caller (a reference, to find repeat callers)"),
    ("incident_ref", "Incident log reference"),
    ("satisfaction", "Caller's satisfaction"),
];

/// Header names that usually mean each canonical column, as match keys (lower-case letters and
/// digits), most telling first. Taken from UK command-and-control and US CAD exports.
const SYNONYMS: [(&str, &[&str]); 17] = [
    (
        "call_id",
        &[
            "callid",
            "callref",
            "callreference",
            "callnumber",
            "cadeventnumber",
            "eventnumber",
            "eventid",
            "urn",
            "reference",
        ],
    ),
    (
        "started_at",
        &[
            "startedat",
            "originaltimequeued",
            "timequeued",
            "starttime",
            "callstart",
            "timereceived",
            "received",
            "receivedat",
            "calldatetime",
            "datetime",
            "calltime",
            "created",
        ],
    ),
    (
        "channel",
        &[
            "channel",
            "callsource",
            "source",
            "contactmethod",
            "calltype",
        ],
    ),
    (
        "incident_type",
        &[
            "incidenttype",
            "initialcalltype",
            "openingcode",
            "initialtype",
            "nature",
            "classification",
        ],
    ),
    (
        "handler",
        &["handler", "callhandler", "operator", "takenby", "agent"],
    ),
    (
        "answer_s",
        &[
            "answers",
            "answerseconds",
            "timetoanswer",
            "answertime",
            "ringtime",
        ],
    ),
    (
        "duration_s",
        &["durations", "duration", "callduration", "talktime"],
    ),
    ("abandoned", &["abandoned", "abandon"]),
    (
        "grade",
        &[
            "grade",
            "priority",
            "callgrade",
            "initialgrade",
            "responsegrade",
        ],
    ),
    (
        "area",
        &[
            "area",
            "precinct",
            "district",
            "division",
            "sector",
            "neighbourhood",
            "borough",
            "beat",
        ],
    ),
    ("training", &["training", "trainee"]),
    (
        "recording",
        &["recording", "recordingfile", "audiofile", "audio"],
    ),
    (
        "arrived_at",
        &[
            "arrivedat",
            "arrivedtime",
            "arrived",
            "arrivaltime",
            "onscene",
            "firstarrival",
            "attended",
        ],
    ),
    ("resolution", &["resolution", "outcome", "disposal"]),
    (
        "caller",
        &["caller", "callerid", "callerref", "callernumber"],
    ),
    (
        "incident_ref",
        &[
            "incidentref",
            "incidentreference",
            "incidentnumber",
            "lognumber",
            "logref",
            "cadeventnumber",
            "eventnumber",
        ],
    ),
    ("satisfaction", &["satisfaction", "satisfied"]),
];

/// For each canonical column, the header that most likely feeds it, where one is close enough: a
/// header named exactly as the column or one of its usual names, else one that contains such a
/// name. One header may feed two columns (a CAD event number is both the call's and the log's
/// reference).
pub fn guess_columns(headers: &[String]) -> BTreeMap<String, String> {
    let keys: Vec<String> = headers.iter().map(|h| match_key(h)).collect();
    let mut guessed = BTreeMap::new();
    for (column, names) in SYNONYMS {
        let own = match_key(column);
        // (score, header): an exact name beats a contained one, an earlier name a later one.
        let mut best: Option<(usize, usize)> = None;
        for (i, key) in keys.iter().enumerate() {
            let score = std::iter::once(own.as_str())
                .chain(names.iter().copied())
                .enumerate()
                .filter_map(|(rank, name)| {
                    if *key == name {
                        Some(1000 - rank)
                    } else if name.len() >= 5 && key.contains(name) {
                        Some(500 - rank)
                    } else {
                        None
                    }
                })
                .max();
            if let Some(s) = score
                && best.is_none_or(|(b, _)| s > b)
            {
                best = Some((s, i));
            }
        }
        if let Some((_, i)) = best {
            guessed.insert(column.to_string(), headers[i].clone());
        }
    }
    guessed
}

/// The canonical grades a value can be translated to.
pub const GRADES: [&str; 4] = ["IMMEDIATE", "PRIORITY", "STANDARD", "SCHEDULED"];

/// What an export's value most likely means in a translated column (`channel` or `grade`), if
/// it can be told from the words or the usual numbering.
pub fn guess_value(column: &str, value: &str) -> Option<String> {
    let key = match_key(value);
    match column {
        "channel" => {
            if let Ok(c) = Channel::parse(value) {
                return Some(c.code().to_string());
            }
            let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
            // "TELEPHONE OTHER, NOT 911" names 911 but is not an emergency line: asked first.
            let code = if has(&["not911", "not999", "nonemergency", "nonurgent"])
                || key.starts_with("telephone")
                || key.starts_with("phone")
            {
                "101"
            } else if has(&["999", "911", "112", "emergency"]) {
                "999"
            } else if has(&["alarm"]) {
                "alarm"
            } else if has(&["onview", "officer", "selfinitiated"]) {
                "officer"
            } else if has(&["online", "web"]) {
                "online"
            } else if has(&["sms", "textmessage"]) {
                "text"
            } else if has(&["email"]) {
                "email"
            } else if has(&["socialmedia", "twitter", "facebook"]) {
                "social"
            } else if has(&["frontcounter", "frontdesk", "walkin"]) {
                "front-counter"
            } else {
                return None;
            };
            Some(code.to_string())
        }
        "grade" => {
            let key = key.trim_start_matches('p').trim_start_matches("grade");
            let grade = match key {
                "1" | "immediate" | "emergency" | "e" => "IMMEDIATE",
                "2" | "priority" | "urgent" => "PRIORITY",
                "3" | "standard" | "routine" => "STANDARD",
                "4" | "scheduled" | "appointment" | "diary" => "SCHEDULED",
                _ => return None,
            };
            Some(grade.to_string())
        }
        _ => None,
    }
}

/// A date and time layout the mapper offers, as a chrono format and the words a person reads.
pub struct Layout {
    /// The profile's `[formats]` value; empty for the standard forms, which need none.
    pub format: &'static str,
    pub label: &'static str,
}

/// The layouts offered, the standard forms first. A layout the standard forms already read
/// (day first with slashes, ISO) is not offered again.
pub const LAYOUTS: [Layout; 12] = [
    Layout {
        format: "",
        label: "Day first or year first: 14/03/2026 18:08 or 2026-03-14 18:08:26",
    },
    Layout {
        format: "%m/%d/%Y %I:%M:%S %p",
        label: "Month first, 12-hour clock with seconds: 03/14/2026 6:08:26 PM",
    },
    Layout {
        format: "%m/%d/%Y %I:%M %p",
        label: "Month first, 12-hour clock: 03/14/2026 6:08 PM",
    },
    Layout {
        format: "%m/%d/%Y %H:%M:%S",
        label: "Month first, 24-hour clock with seconds: 03/14/2026 18:08:26",
    },
    Layout {
        format: "%m/%d/%Y %H:%M",
        label: "Month first, 24-hour clock: 03/14/2026 18:08",
    },
    Layout {
        format: "%d/%m/%Y %I:%M:%S %p",
        label: "Day first, 12-hour clock with seconds: 14/03/2026 6:08:26 PM",
    },
    Layout {
        format: "%d/%m/%Y %I:%M %p",
        label: "Day first, 12-hour clock: 14/03/2026 6:08 PM",
    },
    Layout {
        format: "%d-%m-%Y %H:%M:%S",
        label: "Day first with dashes: 14-03-2026 18:08:26",
    },
    Layout {
        format: "%d-%m-%Y %H:%M",
        label: "Day first with dashes, no seconds: 14-03-2026 18:08",
    },
    Layout {
        format: "%d.%m.%Y %H:%M:%S",
        label: "Day first with dots: 14.03.2026 18:08:26",
    },
    Layout {
        format: "%d %b %Y %H:%M:%S",
        label: "Month as a word: 14 Mar 2026 18:08:26",
    },
    Layout {
        format: "%d %b %Y %H:%M",
        label: "Month as a word, no seconds: 14 Mar 2026 18:08",
    },
];

/// Reads one value in a layout (`""` for the standard forms).
pub fn read_time(value: &str, format: &str, tz: Tz) -> Option<DateTime<Utc>> {
    if format.is_empty() {
        parse_datetime(value, tz).ok()
    } else {
        parse_with_format(value, format, tz).ok()
    }
}

/// A time as a person in `tz` reads it: "14 March 2026, 18:08:26".
pub fn time_words(t: DateTime<Utc>, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    format!(
        "{}, {}",
        long_date(local.date_naive()),
        local.format("%H:%M:%S")
    )
}

/// The layouts (their formats) that read every one of `samples`, in [`LAYOUTS`] order. One
/// alone is the layout detected; two or more (every day of the month 12 or less, say) is for the
/// person to settle.
pub fn fitting_layouts(samples: &[String], tz: Tz) -> Vec<&'static str> {
    if samples.is_empty() {
        return Vec::new();
    }
    LAYOUTS
        .iter()
        .filter(|l| samples.iter().all(|s| read_time(s, l.format, tz).is_some()))
        .map(|l| l.format)
        .collect()
}

/// A profile as the mapper builds it, written out as the TOML that [`Profile::parse`] reads.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Draft {
    pub timezone: String,
    /// Canonical column → the export's header.
    pub columns: BTreeMap<String, String>,
    /// Translated column → (the export's value → canonical value).
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Date column → chrono format.
    pub formats: BTreeMap<String, String>,
}

impl Draft {
    /// The first answers, guessed from a survey: its columns by their names, the channel and
    /// grade values by their words, the date layout where only one reads every start time.
    pub fn guess(s: &Survey) -> Draft {
        let headers: Vec<String> = s.columns.iter().map(|c| c.header.clone()).collect();
        let mut d = Draft {
            timezone: callaudit_domain::time::DEFAULT_TZ.name().to_string(),
            columns: guess_columns(&headers),
            ..Draft::default()
        };
        d.guess_values(s);
        d.guess_layout(s);
        d
    }

    /// Fills in a translation for each value of the translated columns that has none yet, and
    /// forgets those of values the chosen column does not hold.
    pub fn guess_values(&mut self, s: &Survey) {
        for column in ["channel", "grade"] {
            let Some(distinct) = self
                .columns
                .get(column)
                .and_then(|h| s.column(h))
                .and_then(|c| c.distinct.as_ref())
            else {
                self.values.remove(column);
                continue;
            };
            let map = self.values.entry(column.to_string()).or_default();
            map.retain(|v, _| distinct.iter().any(|(d, _)| d == v));
            for (v, _) in distinct {
                if let Some(g) = guess_value(column, v)
                    && g != *v
                {
                    map.entry(v.clone()).or_insert(g);
                }
            }
        }
    }

    /// Chooses the date layout when exactly one reads every sampled start time.
    pub fn guess_layout(&mut self, s: &Survey) {
        let tz = callaudit_domain::time::parse_tz(&self.timezone)
            .unwrap_or(callaudit_domain::time::DEFAULT_TZ);
        let Some(col) = self.columns.get("started_at").and_then(|h| s.column(h)) else {
            return;
        };
        if let [only] = fitting_layouts(&col.samples, tz)[..] {
            self.set_layout(only);
        }
    }

    /// Sets the start time's layout (`""`: the standard forms, which need none).
    pub fn set_layout(&mut self, format: &str) {
        if format.is_empty() {
            self.formats.remove("started_at");
        } else {
            self.formats.insert("started_at".into(), format.into());
        }
    }

    /// The profile's text, with a first line saying where it came from.
    pub fn to_toml(&self, made_from: &str) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            timezone: &'a str,
            columns: &'a BTreeMap<String, String>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            values: BTreeMap<&'a str, &'a BTreeMap<String, String>>,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            formats: &'a BTreeMap<String, String>,
        }
        let out = Out {
            timezone: &self.timezone,
            columns: &self.columns,
            values: self
                .values
                .iter()
                .filter(|(_, m)| !m.is_empty())
                .map(|(k, m)| (k.as_str(), m))
                .collect(),
            formats: &self.formats,
        };
        // Maps of strings always serialise; a failure here would be a bug in the writer.
        let body = toml::to_string(&out).unwrap_or_default();
        let from: String = made_from.chars().filter(|c| !c.is_control()).collect();
        format!("# Made with the column mapper from {from}.\n{body}")
    }

    /// The draft as a checked profile: the same checks as a profile typed by hand.
    pub fn profile(&self) -> Result<Profile, FileError> {
        Profile::parse(&self.to_toml(""))
    }
}

/// Whether the export's header row gives every column `profile` needs, read alone before the
/// whole file is, so that an export with headers of its own can go to the mapper first.
pub fn header_fits(path: &Path, profile: &Profile) -> Result<(), FileError> {
    let mut fits = Err(FileError::Empty);
    read_path(path, &profile.table, |_, rec| {
        fits = match rec {
            Record::Fields(h) => Columns::resolve(&POOL_COLUMNS, h, &profile.columns).map(|_| ()),
            // Text that is not UTF-8 is the import's to report, with its line.
            Record::NotUtf8 { .. } => Ok(()),
        };
        false
    })?;
    fits
}

/// The canonical columns that must be mapped before a file can be read.
pub fn required_columns() -> impl Iterator<Item = &'static str> {
    POOL_COLUMNS.iter().filter(|d| d.required).map(|d| d.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seattle_headers() -> Vec<String> {
        "CAD Event Number,Event Clearance Description,Call Type,Priority,Initial Call Type,Final Call Type,Original Time Queued,Arrived Time,Precinct,Sector,Beat,Blurred_Longitude,Blurred_Latitude"
            .split(',')
            .map(String::from)
            .collect()
    }

    #[test]
    fn labels_and_synonyms_follow_the_pool_columns() {
        for ((def, (name, _)), (syn, _)) in POOL_COLUMNS.iter().zip(COLUMN_LABELS).zip(SYNONYMS) {
            assert_eq!(def.name, name);
            assert_eq!(def.name, syn);
        }
    }

    #[test]
    fn the_seattle_headers_are_guessed_as_its_hand_written_profile_maps_them() {
        let g = guess_columns(&seattle_headers());
        let want = [
            ("call_id", "CAD Event Number"),
            ("started_at", "Original Time Queued"),
            ("channel", "Call Type"),
            ("incident_type", "Initial Call Type"),
            ("grade", "Priority"),
            ("area", "Precinct"),
            ("arrived_at", "Arrived Time"),
            ("incident_ref", "CAD Event Number"),
        ];
        for (c, h) in want {
            assert_eq!(g.get(c).map(String::as_str), Some(h), "{c}");
        }
        assert_eq!(g.len(), want.len(), "{g:?}");
    }

    #[test]
    fn canonical_headers_are_guessed_as_themselves() {
        let headers: Vec<String> = POOL_COLUMNS.iter().map(|d| d.name.to_string()).collect();
        let g = guess_columns(&headers);
        for d in POOL_COLUMNS {
            assert_eq!(g.get(d.name).map(String::as_str), Some(d.name));
        }
    }

    #[test]
    fn channel_and_grade_values_are_guessed_from_their_words() {
        for (v, want) in [
            ("911", Some("999")),
            ("TELEPHONE OTHER, NOT 911", Some("101")),
            ("ALARM CALL (NOT POLICE ALARM)", Some("alarm")),
            ("ONVIEW", Some("officer")),
            ("Emergency", Some("999")),
            ("Non-Emergency", Some("101")),
            ("101", Some("101")),
            ("Front desk", Some("front-counter")),
            ("Carrier pigeon", None),
        ] {
            assert_eq!(guess_value("channel", v).as_deref(), want, "{v}");
        }
        for (v, want) in [
            ("1", Some("IMMEDIATE")),
            ("P2", Some("PRIORITY")),
            ("Grade 3", Some("STANDARD")),
            ("scheduled", Some("SCHEDULED")),
            ("7", None),
        ] {
            assert_eq!(guess_value("grade", v).as_deref(), want, "{v}");
        }
    }

    #[test]
    fn a_layout_is_detected_only_when_one_alone_reads_every_sample() {
        let tz = callaudit_domain::time::DEFAULT_TZ;
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            fitting_layouts(&s(&["11/04/2023 6:08:26 PM", "06/24/2023 4:18:15 AM"]), tz),
            vec!["%m/%d/%Y %I:%M:%S %p"]
        );
        // Every day 12 or less: month first and day first both read it.
        assert_eq!(
            fitting_layouts(&s(&["03/04/2026 18:08"]), tz),
            vec!["", "%m/%d/%Y %H:%M"]
        );
        assert_eq!(fitting_layouts(&s(&["2026-03-14 18:08:26"]), tz), vec![""]);
        assert!(fitting_layouts(&s(&["yesterday"]), tz).is_empty());
        assert!(fitting_layouts(&[], tz).is_empty());
    }

    #[test]
    fn a_draft_writes_a_profile_that_reads_back_with_awkward_names() {
        let mut d = Draft {
            timezone: "America/Los_Angeles".into(),
            ..Draft::default()
        };
        d.columns
            .insert("call_id".into(), "Call \"No.\" \\ ref = [x]".into());
        d.values.insert(
            "channel".into(),
            BTreeMap::from([("TELEPHONE OTHER, NOT 911".into(), "101".into())]),
        );
        d.values.insert("grade".into(), BTreeMap::new());
        d.formats
            .insert("started_at".into(), "%m/%d/%Y %I:%M:%S %p".into());
        let text = d.to_toml("export.csv\n[columns]");
        let p = Profile::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(p.columns["call_id"], "Call \"No.\" \\ ref = [x]");
        assert_eq!(p.map_value("channel", "Telephone other, not 911"), "101");
        assert_eq!(p.formats["started_at"], "%m/%d/%Y %I:%M:%S %p");
        assert!(!text.contains("[values.grade]"), "{text}");
    }

    #[test]
    fn a_survey_counts_values_and_stops_counting_a_column_of_many() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        use std::io::Write;
        writeln!(f, "Ref,Type,When").unwrap();
        for i in 0..100 {
            writeln!(
                f,
                "{i},{},2026-03-{:02} 10:00",
                if i % 3 == 0 { "911" } else { "" },
                i % 28 + 1
            )
            .unwrap();
        }
        let s = survey(Input::Path(f.path()), &TableOptions::default()).unwrap();
        assert_eq!(s.rows, 100);
        assert!(!s.more);
        assert_eq!(
            s.column("Type").unwrap().distinct,
            Some(vec![("911".into(), 34)])
        );
        assert_eq!(s.column("Type").unwrap().empty, 66);
        assert_eq!(s.column("Ref").unwrap().distinct, None);
        assert_eq!(s.column("When").unwrap().samples.len(), 100);
    }
}
