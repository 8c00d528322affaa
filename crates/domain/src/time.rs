//! Dates and times as forces export them. The canonical forms are RFC 3339, or a local time
//! `YYYY-MM-DD HH:MM[:SS]` / `DD/MM/YYYY HH:MM[:SS]` in the pool's time zone (Europe/London unless
//! a profile says otherwise). Local times are turned into UTC here, once, so everything stored and
//! hashed is unambiguous.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::Problem;

/// The zone a pool's local times are in when nothing else is said.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::London;

const EXPECTED: &str = "YYYY-MM-DD HH:MM[:SS], DD/MM/YYYY HH:MM[:SS] or RFC 3339";

/// Parses a start time in one of the canonical forms.
pub fn parse_datetime(s: &str, tz: Tz) -> Result<DateTime<Utc>, Problem> {
    let t = s.trim();
    let b = t.as_bytes();
    // RFC 3339 carries its own offset; everything else is local time.
    if b.len() >= 20 && b.get(10) == Some(&b'T') || t.ends_with('Z') || has_offset(b) {
        return DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| Problem::new("is not a date and time", EXPECTED));
    }
    let naive = parse_local(b).ok_or_else(|| Problem::new("is not a date and time", EXPECTED))?;
    local_to_utc(naive, tz)
}

fn has_offset(b: &[u8]) -> bool {
    // `…T10:00:00+01:00` or `… 10:00:00+01:00`: a sign six from the end after the time.
    b.len() >= 25 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':'
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

/// `YYYY-MM-DD HH:MM[:SS]` or `DD/MM/YYYY HH:MM[:SS]`, written by hand because import speed is
/// dominated by date parsing and these two shapes are nearly every row of every export.
fn parse_local(b: &[u8]) -> Option<NaiveDateTime> {
    let (date, rest) = match b.get(2..3) {
        Some(b"/") if b.len() >= 10 && b[5] == b'/' => {
            let d = NaiveDate::from_ymd_opt(
                digits(&b[6..10])? as i32,
                digits(&b[3..5])?,
                digits(&b[0..2])?,
            )?;
            (d, &b[10..])
        }
        _ if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' => {
            let d = NaiveDate::from_ymd_opt(
                digits(&b[0..4])? as i32,
                digits(&b[5..7])?,
                digits(&b[8..10])?,
            )?;
            (d, &b[10..])
        }
        _ => return None,
    };
    let rest = rest
        .strip_prefix(b" ")
        .or_else(|| rest.strip_prefix(b"T"))?;
    let time = match rest.len() {
        5 if rest[2] == b':' => {
            NaiveTime::from_hms_opt(digits(&rest[0..2])?, digits(&rest[3..5])?, 0)?
        }
        8 if rest[2] == b':' && rest[5] == b':' => NaiveTime::from_hms_opt(
            digits(&rest[0..2])?,
            digits(&rest[3..5])?,
            digits(&rest[6..8])?,
        )?,
        _ => return None,
    };
    Some(date.and_time(time))
}

/// Parses a local time with a chrono format string from a profile (e.g. `%m/%d/%Y %I:%M:%S %p`).
pub fn parse_with_format(s: &str, format: &str, tz: Tz) -> Result<DateTime<Utc>, Problem> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_str(t, format) {
        return Ok(d.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(t, format)
        .or_else(|_| NaiveDate::parse_from_str(t, format).map(|d| d.and_time(NaiveTime::MIN)))
        .map_err(|_| {
            Problem::new(
                "is not a date and time",
                format!("the profile's format {format}"),
            )
        })?;
    local_to_utc(naive, tz)
}

/// Local wall-clock time to UTC. In the autumn hour that happens twice the earlier one is taken;
/// a time inside the spring gap never happened, so it is refused rather than guessed.
/// The instant a UK day starts (midnight, Europe/London), for day-bounded queries: the first
/// instant of `d` and, from the next day, the end of a period that includes `d`.
pub fn uk_day_start(d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    DEFAULT_TZ
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, Problem> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(d) => Ok(d.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, _) => Ok(a.with_timezone(&Utc)),
        LocalResult::None => Err(Problem::new(
            format!("does not exist in {tz}: the clocks went forward at that time"),
            "a time outside the hour the clocks go forward",
        )),
    }
}

/// A calendar date `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, Problem> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|_| t.len() == 10)
        .ok_or_else(|| Problem::new("is not a date", "YYYY-MM-DD"))
}

/// A time zone by its IANA name, e.g. `Europe/London`.
pub fn parse_tz(s: &str) -> Result<Tz, Problem> {
    s.trim()
        .parse::<Tz>()
        .map_err(|_| Problem::new("is not a time zone", "an IANA name such as Europe/London"))
}

/// UTC time in the one form that is hashed and stored as text: `YYYY-MM-DDTHH:MM:SSZ`.
pub fn canonical_utc(d: &DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A day as people write it: "3 March 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Which field of a three-field date a problem is in, so that a form can mark that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    Day,
    Month,
    Year,
}

/// A date typed in three fields (day, month, year), as people write one: the month as a number
/// or a name ("3", "March", "mar"). `what` names the date in the messages, which are worded as
/// the GOV.UK Design System words them ("Date must include a month").
pub fn date_from_parts(
    day: &str,
    month: &str,
    year: &str,
    what: &str,
) -> Result<NaiveDate, (DatePart, String)> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err((DatePart::Day, format!("Enter {}", what.to_lowercase())));
    }
    for (part, value, name) in [
        (DatePart::Day, day, "day"),
        (DatePart::Month, month, "month"),
        (DatePart::Year, year, "year"),
    ] {
        if value.is_empty() {
            return Err((part, format!("{what} must include a {name}")));
        }
    }
    let real = || format!("{what} must be a real date");
    let month_number = month.parse::<u32>().ok().or_else(|| {
        let key = month.to_lowercase();
        (1..=12u32).find(|m| {
            let name = NaiveDate::from_ymd_opt(2000, *m, 1)
                .map(|d| d.format("%B").to_string().to_lowercase())
                .unwrap_or_default();
            key.len() >= 3 && name.starts_with(&key)
        })
    });
    let Some(m) = month_number else {
        return Err((DatePart::Month, real()));
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err((DatePart::Year, "Year must include 4 numbers".into()));
    }
    let y: i32 = year.parse().map_err(|_| (DatePart::Year, real()))?;
    let d: u32 = day.parse().map_err(|_| (DatePart::Day, real()))?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or((DatePart::Day, real()))
}

/// `2025/26` for the financial year that starts in April 2025.
pub fn year_label(year: i32) -> String {
    format!("{year}/{:02}", (year + 1) % 100)
}

/// The police financial year a date falls in, named by the year it starts in (1 April – 31 March).
pub fn financial_year(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// The quarter of the financial year a date falls in: 0 for April to June … 3 for January to
/// March.
pub fn financial_quarter(d: NaiveDate) -> usize {
    use chrono::Datelike;
    ((d.month0() as usize) + 12 - 3) % 12 / 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london(s: &str) -> String {
        canonical_utc(&parse_datetime(s, DEFAULT_TZ).unwrap())
    }

    #[test]
    fn canonical_forms_agree() {
        assert_eq!(london("2024-07-01 10:00"), "2024-07-01T09:00:00Z");
        assert_eq!(london("01/07/2024 10:00:30"), "2024-07-01T09:00:30Z");
        assert_eq!(london("2024-01-15 10:00:00"), "2024-01-15T10:00:00Z");
        assert_eq!(london("2024-07-01T10:00:00+01:00"), "2024-07-01T09:00:00Z");
        assert_eq!(london("2024-07-01T09:00:00Z"), "2024-07-01T09:00:00Z");
    }

    #[test]
    fn impossible_dates_are_refused_with_the_accepted_forms() {
        let p = parse_datetime("31/02/2024 10:00", DEFAULT_TZ).unwrap_err();
        assert_eq!(p.what, "is not a date and time");
        assert!(p.expected.contains("DD/MM/YYYY HH:MM"));
        for bad in [
            "",
            "2024-13-01 10:00",
            "2024-01-01 25:00",
            "2024-01-01",
            "yesterday",
            "2024-01-01 10:0",
        ] {
            assert!(parse_datetime(bad, DEFAULT_TZ).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_missing_spring_hour_is_refused_and_the_doubled_autumn_hour_takes_the_first() {
        let p = parse_datetime("2024-03-31 01:30", DEFAULT_TZ).unwrap_err();
        assert!(p.what.contains("clocks went forward"), "{p}");
        assert_eq!(london("2024-10-27 01:30"), "2024-10-27T00:30:00Z");
    }

    #[test]
    fn profile_formats_take_twelve_hour_clocks() {
        let tz = parse_tz("America/Los_Angeles").unwrap();
        let d = parse_with_format("11/04/2023 6:08:26 PM", "%m/%d/%Y %I:%M:%S %p", tz).unwrap();
        assert_eq!(canonical_utc(&d), "2023-11-05T01:08:26Z");
    }

    #[test]
    fn quarters_follow_the_financial_year() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(financial_quarter(day(2025, 4, 1)), 0);
        assert_eq!(financial_quarter(day(2025, 6, 30)), 0);
        assert_eq!(financial_quarter(day(2025, 7, 1)), 1);
        assert_eq!(financial_quarter(day(2025, 12, 31)), 2);
        assert_eq!(financial_quarter(day(2026, 1, 1)), 3);
        assert_eq!(financial_quarter(day(2026, 3, 31)), 3);
    }

    #[test]
    fn financial_years_start_in_april() {
        assert_eq!(
            financial_year(NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()),
            2023
        );
        assert_eq!(
            financial_year(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()),
            2024
        );
    }
}

#[cfg(test)]
mod date_parts {
    use super::*;

    #[test]
    fn a_date_typed_in_three_fields_reads_as_people_write_it() {
        let ok = |d, m, y| date_from_parts(d, m, y, "The day").unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        assert_eq!(ok("3", "3", "2026"), day);
        assert_eq!(ok(" 03 ", "March", "2026"), day);
        assert_eq!(ok("3", "mar", "2026"), day);
        assert_eq!(ok("3", "MARCH", "2026"), day);
    }

    #[test]
    fn each_mistake_names_its_field_in_the_design_systems_words() {
        let err = |d, m, y| date_from_parts(d, m, y, "The day").unwrap_err();
        assert_eq!(err("", "", ""), (DatePart::Day, "Enter the day".into()));
        assert_eq!(
            err("3", "", "2026"),
            (DatePart::Month, "The day must include a month".into())
        );
        assert_eq!(
            err("3", "4", ""),
            (DatePart::Year, "The day must include a year".into())
        );
        assert_eq!(
            err("3", "Smarch", "2026"),
            (DatePart::Month, "The day must be a real date".into())
        );
        assert_eq!(
            err("3", "ma", "2026"),
            (DatePart::Month, "The day must be a real date".into()),
            "two letters could be March or May"
        );
        assert_eq!(
            err("3", "4", "26"),
            (DatePart::Year, "Year must include 4 numbers".into())
        );
        assert_eq!(
            err("31", "4", "2026"),
            (DatePart::Day, "The day must be a real date".into())
        );
        assert_eq!(
            err("x", "4", "2026"),
            (DatePart::Day, "The day must be a real date".into())
        );
    }
}
