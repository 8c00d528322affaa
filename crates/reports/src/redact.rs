//! The redaction step before anything is published: finds what could identify a person in text
//! people wrote (names, telephone numbers, email and postal addresses, postcodes and vehicle
//! registrations) and masks it. Finding is deliberately generous (a false mask costs the
//! coordinator one click to undo; a missed name costs a person their privacy), and every mask is
//! shown to the coordinator to accept or undo before publishing.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;
use sha2::Digest;

/// What a mask hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Name,
    Phone,
    Email,
    Address,
    Postcode,
    Vehicle,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Name => "a name",
            Kind::Phone => "a telephone number",
            Kind::Email => "an email address",
            Kind::Address => "a postal address",
            Kind::Postcode => "a postcode",
            Kind::Vehicle => "a vehicle registration",
        }
    }

    /// What replaces the text in the published version.
    pub fn replacement(self) -> &'static str {
        match self {
            Kind::Name => "[name removed]",
            Kind::Phone => "[telephone number removed]",
            Kind::Email => "[email address removed]",
            Kind::Address => "[address removed]",
            Kind::Postcode => "[postcode removed]",
            Kind::Vehicle => "[vehicle registration removed]",
        }
    }
}

/// A stretch of text to mask: byte offsets into the text it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the redaction patterns are valid")
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"));
/// UK numbers: 0 or +44 then 9 or 10 more digits, spaces, dashes or brackets between.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\+44\s?\(?0?\)?|\(?\b0)(?:[\s\-()]*\d){9,10}\b"));
static POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][ABD-HJLNP-UW-Z]{2}\b"));
/// Current registrations (AB12 CDE) and prefix ones (A123 BCD).
static VEHICLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:[A-Z]{2}[0-9]{2}\s?[A-Z]{3}|[A-Z][0-9]{1,3}\s?[A-Z]{3})\b"));
/// A house number and a street: "14 Acacia Avenue", "3a Mill Rd".
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b[0-9]{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Place|Court|Ct|Gardens|Terrace|Grove|Hill|Park|Square|Walk|Row|Mews|View|Rise|Green)\b\.?",
    )
});
/// A title and a name: "Mr Smith", "Mrs J. Patel".
static TITLED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|PC|DC|Sgt|Insp)\.?\s+(?:[A-Z]\.\s*)?[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+)?",
    )
});
/// Two or three capitalised words in a row, the shape of a full name ("John Smith").
static CAPITALISED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){1,2}\b"));
/// A name given after words that introduce one: "called Sam", "named Priya", "my son Tom".
static INTRODUCED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:called|named|name is|known as|son|daughter|husband|wife|partner|brother|sister|mother|father|neighbour)\s+([A-Z][a-z'\-]+)",
    )
});

/// Capitalised words that are not names: the words of policing, the days, and those that
/// open sentences. A run of capitalised words is a name only if none of its words is here.
const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "His",
    "Her",
    "Their",
    "Our",
    "Good",
    "Call",
    "Calls",
    "Caller",
    "Handler",
    "Panel",
    "Police",
    "Force",
    "Control",
    "Centre",
    "Center",
    "Room",
    "Constabulary",
    "Commissioner",
    "Chief",
    "Inspector",
    "Constable",
    "Officer",
    "Quality",
    "Assurance",
    "Team",
    "Office",
    "Home",
    "Crime",
    "Data",
    "Integrity",
    "Scrutiny",
    "Board",
    "Contact",
    "Management",
    "Leadership",
    "Head",
    "Service",
    "Services",
    "Emergency",
    "Non",
    "Act",
    "Section",
    "Information",
    "Freedom",
    "Law",
    "Enforcement",
    "Domestic",
    "Abuse",
    "Hate",
    "Burglary",
    "Missing",
    "Person",
    "Persons",
    "Concern",
    "Safety",
    "Welfare",
    "Road",
    "Traffic",
    "Anti",
    "Social",
    "Behaviour",
    "Counting",
    "Rules",
    "Recording",
    "Standards",
    "Single",
    "Online",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Yes",
    "No",
    "Not",
    "Partly",
    "Positive",
    "Negative",
    "Suggestions",
    "Action",
    "Actions",
    "Issue",
    "Issues",
    "Response",
    "Training",
    "Refresher",
    "Also",
    "However",
    "When",
    "After",
    "Before",
    "During",
    "Once",
    "If",
    "Then",
    "There",
    "Here",
    "Silences",
    "Silence",
    "Empathy",
    "Greeting",
    "Thrive",
    "THRIVE",
    "Explained",
    "Told",
    "Reviewed",
    "Discussed",
    "Listened",
    "Shared",
    "Added",
    "Briefing",
    "Briefings",
    "Attended",
    "England",
    "Wales",
    "UK",
    "Demoshire",
    "Cheshire",
    "Sussex",
    "Leicestershire",
];

fn is_name(words: &str) -> bool {
    words
        .split_whitespace()
        .all(|w| !NOT_NAMES.contains(&w) && !crate::render::MONTHS.contains(&w))
}

/// Every stretch of `text` to mask, in order, none overlapping. Where two findings overlap the
/// earlier wins, and of two that start together the longer.
pub fn find(text: &str) -> Vec<Found> {
    let mut all: Vec<Found> = Vec::new();
    let mut add = |re: &Regex, kind: Kind| {
        for m in re.find_iter(text) {
            all.push(Found {
                start: m.start(),
                end: m.end(),
                kind,
            });
        }
    };
    add(&EMAIL, Kind::Email);
    add(&PHONE, Kind::Phone);
    add(&ADDRESS, Kind::Address);
    add(&POSTCODE, Kind::Postcode);
    add(&VEHICLE, Kind::Vehicle);
    add(&TITLED, Kind::Name);
    for m in CAPITALISED.find_iter(text) {
        if is_name(m.as_str()) {
            all.push(Found {
                start: m.start(),
                end: m.end(),
                kind: Kind::Name,
            });
        }
    }
    for c in INTRODUCED.captures_iter(text) {
        if let Some(m) = c.get(1).filter(|m| is_name(m.as_str())) {
            all.push(Found {
                start: m.start(),
                end: m.end(),
                kind: Kind::Name,
            });
        }
    }
    all.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Found> = Vec::new();
    for f in all {
        if out.last().is_none_or(|l| f.start >= l.end) {
            out.push(f);
        }
    }
    out
}

/// `text` with the masks given (from [`find`] on the same text) replaced.
pub fn apply(text: &str, masks: &[Found]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in masks {
        if m.start < at || m.end > text.len() {
            continue;
        }
        out.push_str(&text[at..m.start]);
        out.push_str(m.kind.replacement());
        at = m.end;
    }
    out.push_str(&text[at..]);
    out
}

/// A mask's name across requests: the field it is in, where, and what it hides, hashed, so the
/// page never sends the hidden text back and a changed text makes a new mask.
pub fn mask_id(field: usize, f: &Found, text: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(format!("{field}:{}:{}:", f.start, f.end));
    h.update(text.as_bytes().get(f.start..f.end).unwrap_or_default());
    hex_prefix(&h.finalize())
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        apply(text, &find(text))
    }

    #[test]
    fn what_identifies_a_person_is_masked() {
        let cases = [
            (
                "Call me on 07700 900123 tonight",
                "Call me on [telephone number removed] tonight",
            ),
            (
                "ring 0161-496-0000 please",
                "ring [telephone number removed] please",
            ),
            ("or +44 7700 900456.", "or [telephone number removed]."),
            (
                "write to sam.jones@example.org now",
                "write to [email address removed] now",
            ),
            (
                "she lives at 14 Acacia Avenue, Demoton",
                "she lives at [address removed], Demoton",
            ),
            ("near CH1 2AB", "near [postcode removed]"),
            (
                "a red car, AB12 CDE, drove off",
                "a red car, [vehicle registration removed], drove off",
            ),
            (
                "an old one, A123 BCD",
                "an old one, [vehicle registration removed]",
            ),
            ("Mrs Patel called again", "[name removed] called again"),
            (
                "the handler told John Smith to wait",
                "the handler told [name removed] to wait",
            ),
            (
                "her son Tom was missing",
                "her son [name removed] was missing",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(masked(text), want, "{text}");
        }
    }

    #[test]
    fn the_words_of_policing_and_the_calendar_are_left_alone() {
        for text in [
            "The Force Control Centre answered 999 calls within 10 seconds.",
            "Domestic Abuse calls in March were graded well.",
            "Call 4 of the session on 3 March 2026: Good call.",
            "The Quality Assurance team ran a dip sample of 15 incidents.",
            "Section 31 of the Freedom of Information Act",
        ] {
            assert_eq!(masked(text), text);
        }
    }

    #[test]
    fn overlapping_findings_mask_once_and_ids_follow_the_text() {
        let text = "Mr John Smith of 2 Mill Road, CH1 2AB, 07700 900123";
        let found = find(text);
        assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
        assert_eq!(
            apply(text, &found),
            "[name removed] of [address removed], [postcode removed], [telephone number removed]"
        );
        let a = mask_id(0, &found[0], text);
        assert_eq!(a, mask_id(0, &found[0], text));
        assert_ne!(a, mask_id(1, &found[0], text));
        // Text without anything to mask, and odd text, give nothing and never panic.
        assert!(find("").is_empty());
        assert!(find("ÉÈ 🙂 1234 @@ .").is_empty());
    }

    proptest::proptest! {
        /// Any text at all: findings lie inside it, on character boundaries, in order and apart,
        /// and masking what was found leaves no email address or phone number behind.
        #[test]
        fn any_text_is_masked_without_panicking(text in "\\PC{0,200}", name in "[A-Z][a-z]{2,8} [A-Z][a-z]{2,8}") {
            for t in [text.clone(), format!("{text} {name} on 07700 900{:03}, {text}@example.org", text.len() % 1000)] {
                let found = find(&t);
                for f in &found {
                    proptest::prop_assert!(f.start < f.end && f.end <= t.len());
                    proptest::prop_assert!(t.is_char_boundary(f.start) && t.is_char_boundary(f.end));
                }
                proptest::prop_assert!(found.windows(2).all(|w| w[0].end <= w[1].start));
                let out = apply(&t, &found);
                proptest::prop_assert!(find(&out).iter().all(|f| !matches!(f.kind, Kind::Email | Kind::Phone)), "{out}");
            }
        }
    }
}
