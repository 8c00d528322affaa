//! A call in the pool: the force's record of one contact, as far as a panel needs it. Each field
//! is parsed once into a type that cannot hold a bad value, so that sampling and storage never
//! have to check again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Problem;
use crate::text::clean_text;

/// The force's own reference of a call; unique within the force.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CallRef(String);

impl CallRef {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(s: &str) -> Result<Self, Problem> {
        let t = clean_text(s, Self::MAX_CHARS)?;
        if t.is_empty() {
            return Err(Problem::new(
                "is empty",
                "the force's reference of the call",
            ));
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Makes this reference `s`, exactly as [`CallRef::parse`] would, reusing its buffer: a reader
    /// of ten million stored references allocates for none of them.
    pub fn assign(&mut self, s: &str) -> Result<(), Problem> {
        let b = s.as_bytes();
        let plain = b.len() <= Self::MAX_CHARS
            && b.first().is_some_and(|c| *c != b' ')
            && b.last().is_some_and(|c| *c != b' ')
            && b.iter().all(|c| (0x20..0x7f).contains(c));
        if plain {
            self.0.clear();
            self.0.push_str(s);
        } else {
            *self = Self::parse(s)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for CallRef {
    type Error = Problem;
    fn try_from(s: String) -> Result<Self, Problem> {
        Self::parse(&s)
    }
}

impl From<CallRef> for String {
    fn from(c: CallRef) -> String {
        c.0
    }
}

impl std::fmt::Display for CallRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How the public reached the force. `999` is the emergency line, `101` the non-emergency line;
/// the rest are the other contact channels forces report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Channel {
    Emergency,
    NonEmergency,
    Online,
    Text,
    Email,
    Social,
    FrontCounter,
    Alarm,
    Officer,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 10] = [
        Channel::Emergency,
        Channel::NonEmergency,
        Channel::Online,
        Channel::Text,
        Channel::Email,
        Channel::Social,
        Channel::FrontCounter,
        Channel::Alarm,
        Channel::Officer,
        Channel::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Emergency => "999",
            Channel::NonEmergency => "101",
            Channel::Online => "online",
            Channel::Text => "text",
            Channel::Email => "email",
            Channel::Social => "social",
            Channel::FrontCounter => "front-counter",
            Channel::Alarm => "alarm",
            Channel::Officer => "officer",
            Channel::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Problem> {
        let key = crate::text::match_key(s);
        Channel::ALL
            .into_iter()
            .find(|c| crate::text::match_key(c.code()) == key)
            .ok_or_else(|| {
                let all: Vec<&str> = Channel::ALL.iter().map(|c| c.code()).collect();
                Problem::new(
                    "is not a known channel",
                    format!(
                        "one of {} (map other names with a profile's [values.channel])",
                        all.join(", ")
                    ),
                )
            })
    }

    pub fn is_emergency(self) -> bool {
        self == Channel::Emergency
    }
}

impl TryFrom<String> for Channel {
    type Error = Problem;
    fn try_from(s: String) -> Result<Self, Problem> {
        Self::parse(&s)
    }
}

impl From<Channel> for String {
    fn from(c: Channel) -> String {
        c.code().to_string()
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Checks an incident type (opening code or crime type as the force writes it).
pub fn parse_incident_type(s: &str) -> Result<String, Problem> {
    let t = clean_text(s, 120)?;
    if t.is_empty() {
        return Err(Problem::new(
            "is empty",
            "the incident or crime type, e.g. HATE CRIME",
        ));
    }
    Ok(t)
}

/// Optional short text such as a handler reference, grade or area: empty means not given.
pub fn parse_optional(s: &str, max_chars: usize) -> Result<Option<String>, Problem> {
    let t = clean_text(s, max_chars)?;
    Ok((!t.is_empty()).then_some(t))
}

/// A small closed set of words an export may use for one field, parsed loosely (case, spaces,
/// `_` and `-` ignored) and printed canonically.
macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, $field:literal, { $($variant:ident => $code:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Empty means not given.
            pub fn parse_optional(s: &str) -> Result<Option<Self>, Problem> {
                let key = crate::text::match_key(s);
                if key.is_empty() {
                    return Ok(None);
                }
                $(
                    if key == crate::text::match_key($code) $(|| key == crate::text::match_key($alias))* {
                        return Ok(Some($name::$variant));
                    }
                )+
                let all: Vec<&str> = Self::ALL.iter().map(|c| c.code()).collect();
                Err(Problem::new(
                    concat!("is not a known ", $what),
                    format!(
                        "one of {}, or empty (map other words with a profile's [values.{}])",
                        all.join(", "),
                        $field
                    ),
                ))
            }
        }

        impl TryFrom<String> for $name {
            type Error = Problem;
            fn try_from(s: String) -> Result<Self, Problem> {
                Self::parse_optional(&s)?.ok_or_else(|| Problem::new("is empty", $what))
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.code().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use word_enum;

word_enum!(
    /// How the force dealt with a call once it was handled.
    Resolution, "resolution", "resolution", {
        Deployed => "deployed",
        WithoutDeployment => "resolved-without-deployment" | "RWD",
        Appointment => "appointment",
        Referred => "referred",
        NoAction => "no-action",
    }
);

word_enum!(
    /// The caller's answer in the force's satisfaction survey.
    Satisfaction, "satisfaction answer", "satisfaction", {
        Satisfied => "satisfied",
        Neutral => "neutral",
        Dissatisfied => "dissatisfied",
    }
);

/// What else an export may say of a call: what happened next and who called. None of it is in
/// the draw's pool digest unless a draw filters or counts by it, so a later export may fill in
/// what an earlier one left empty (an arrival time is often recorded after the export was taken)
/// without changing any other draw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallDetails {
    /// When the first officer arrived; never before the call started.
    pub arrived_at: Option<DateTime<Utc>>,
    pub resolution: Option<Resolution>,
    /// The force's pseudonymous reference of the caller (a keyed hash), never a name or number.
    pub caller: Option<String>,
    /// The incident log the call created or was linked to.
    pub incident_ref: Option<String>,
    pub satisfaction: Option<Satisfaction>,
}

/// One call of a pool, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolCall {
    pub call_ref: CallRef,
    pub started_at: DateTime<Utc>,
    pub channel: Channel,
    pub incident_type: String,
    pub handler: Option<String>,
    pub answer_s: Option<u32>,
    pub duration_s: Option<u32>,
    pub abandoned: Option<bool>,
    pub grade: Option<String>,
    pub area: Option<String>,
    pub training: bool,
    pub recording: Option<String>,
    #[serde(default)]
    pub details: CallDetails,
}

impl PoolCall {
    /// A call with only the four details every export has; the optional ones left unknown.
    pub fn new(
        call_ref: CallRef,
        started_at: DateTime<Utc>,
        channel: Channel,
        incident_type: String,
    ) -> PoolCall {
        PoolCall {
            call_ref,
            started_at,
            channel,
            incident_type,
            handler: None,
            answer_s: None,
            duration_s: None,
            abandoned: None,
            grade: None,
            area: None,
            training: false,
            recording: None,
            details: CallDetails::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_assigned_is_the_one_parsed() {
        let mut r = CallRef::parse("X").unwrap();
        for s in [
            "C1",
            " C2 ",
            "é3",
            "",
            "a\tb",
            &"x".repeat(65),
            &"y".repeat(64),
        ] {
            let assigned = r.assign(s).map(|()| r.clone());
            assert_eq!(assigned, CallRef::parse(s), "{s:?}");
        }
    }

    #[test]
    fn channels_parse_loosely_and_print_canonically() {
        assert_eq!(Channel::parse(" 999 ").unwrap(), Channel::Emergency);
        assert_eq!(
            Channel::parse("Front Counter").unwrap().code(),
            "front-counter"
        );
        let p = Channel::parse("911").unwrap_err();
        assert!(p.expected.starts_with("one of 999, 101, online"), "{p}");
    }

    #[test]
    fn resolutions_and_satisfaction_read_the_documented_words_and_their_short_forms() {
        assert_eq!(
            Resolution::parse_optional("rwd").unwrap(),
            Some(Resolution::WithoutDeployment)
        );
        assert_eq!(
            Resolution::parse_optional("Resolved without deployment").unwrap(),
            Some(Resolution::WithoutDeployment)
        );
        assert_eq!(Resolution::parse_optional(" ").unwrap(), None);
        let p = Resolution::parse_optional("arrested").unwrap_err();
        assert_eq!(p.what, "is not a known resolution");
        assert!(
            p.expected
                .starts_with("one of deployed, resolved-without-deployment")
        );
        assert!(p.expected.contains("[values.resolution]"), "{p}");
        assert_eq!(
            Satisfaction::parse_optional("DISSATISFIED").unwrap(),
            Some(Satisfaction::Dissatisfied)
        );
        assert!(Satisfaction::parse_optional("happy").is_err());
    }

    #[test]
    fn call_refs_are_trimmed_and_never_empty() {
        assert_eq!(CallRef::parse("  CH-1 ").unwrap().as_str(), "CH-1");
        assert_eq!(CallRef::parse(" ").unwrap_err().what, "is empty");
    }
}
