//! Matching of names the way people type them: headers, area names and incident types are compared
//! ignoring case, spaces and punctuation, so `Started At`, `started_at` and `STARTED-AT` agree.

use crate::Problem;

/// The form two names are compared in: lower-case letters and digits only.
pub fn match_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `value`'s match key is `key` (itself a match key), without building the former.
pub fn same_key(value: &str, key: &str) -> bool {
    let mut k = key.chars();
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .all(|c| k.next() == Some(c))
        && k.next().is_none()
}

/// Trimmed text that holds no control characters (tabs and line breaks included): the canonical
/// forms hashed by sampling use tab and newline as separators, so they may never occur in a value.
pub fn clean_text(s: &str, max_chars: usize) -> Result<String, Problem> {
    let t = s.trim();
    // Nearly every value is short printable ASCII: one byte scan settles both checks.
    if t.len() <= max_chars && t.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(t.to_string());
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(Problem::new(
            format!("contains the control character U+{:04X}", c as u32),
            "plain text on one line",
        ));
    }
    if t.chars().count() > max_chars {
        return Err(Problem::new(
            format!("is longer than {max_chars} characters"),
            format!("at most {max_chars} characters"),
        ));
    }
    Ok(t.to_string())
}

/// Free text such as comments: line breaks are allowed, other control characters are not.
pub fn clean_note(s: &str, max_chars: usize) -> Result<String, Problem> {
    let t = s.trim();
    if let Some(c) = t
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\r' && *c != '\t')
    {
        return Err(Problem::new(
            format!("contains the control character U+{:04X}", c as u32),
            "text",
        ));
    }
    if t.chars().count() > max_chars {
        return Err(Problem::new(
            format!("is longer than {max_chars} characters"),
            format!("at most {max_chars} characters"),
        ));
    }
    Ok(t.to_string())
}

/// A yes/no value as spreadsheets write it. Empty means "not given".
pub fn parse_bool(s: &str) -> Result<Option<bool>, Problem> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "y" | "1" => Ok(Some(true)),
        "false" | "no" | "n" | "0" => Ok(Some(false)),
        _ => Err(Problem::new(
            "is not a yes/no value",
            "true/false, yes/no, y/n or 1/0",
        )),
    }
}

/// A whole number of seconds, as call recorders export them (`12`, `12.0`). Empty means "not given".
pub fn parse_seconds(s: &str) -> Result<Option<u32>, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let whole = t.strip_suffix(".0").unwrap_or(t);
    whole
        .parse::<u32>()
        .map(Some)
        .map_err(|_| Problem::new("is not a number of seconds", "a whole number such as 12"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_space_and_punctuation() {
        assert_eq!(match_key("Started At"), "startedat");
        assert_eq!(match_key("started_at"), "startedat");
        assert_eq!(match_key("STARTED-AT"), "startedat");
        assert_eq!(match_key("Next-steps"), match_key("next steps"));
    }

    #[test]
    fn a_value_is_compared_with_a_key_as_its_key_would_be() {
        for (v, k) in [
            ("Public Order", "publicorder"),
            ("İstanbul", "i\u{307}stanbul"),
            ("", ""),
        ] {
            assert!(same_key(v, k), "{v:?} {k:?}");
            assert_eq!(same_key(v, k), match_key(v) == k);
        }
        for (v, k) in [
            ("Public", "publicorder"),
            ("Public Order X", "publicorder"),
            ("a", ""),
        ] {
            assert!(!same_key(v, k), "{v:?} {k:?}");
        }
    }

    #[test]
    fn text_with_a_tab_is_refused() {
        let p = clean_text("a\tb", 10).unwrap_err();
        assert_eq!(
            p.to_string(),
            "contains the control character U+0009; expected plain text on one line"
        );
    }

    #[test]
    fn booleans_in_every_spreadsheet_spelling() {
        for (s, v) in [
            ("TRUE", Some(true)),
            ("n", Some(false)),
            ("1", Some(true)),
            (" ", None),
        ] {
            assert_eq!(parse_bool(s).unwrap(), v, "{s}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn seconds_accept_a_trailing_point_zero_only() {
        assert_eq!(parse_seconds("12.0").unwrap(), Some(12));
        assert!(parse_seconds("12.5").is_err());
        assert!(parse_seconds("-3").is_err());
    }
}
