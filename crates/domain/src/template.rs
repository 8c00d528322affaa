//! The template a programme audits with: outcome categories, the question set, the areas for
//! improvement and the focus themes. The reference template is the one in the product brief,
//! drawn from published schemes; a programme may change it.

use serde::{Deserialize, Serialize};

use crate::Problem;
use crate::text::match_key;

/// The panel's agreed judgement of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Positive,
    Suggestions,
    Negative,
}

impl Category {
    pub const ALL: [Category; 3] = [
        Category::Positive,
        Category::Suggestions,
        Category::Negative,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Positive => "positive",
            Category::Suggestions => "suggestions",
            Category::Negative => "negative",
        }
    }

    /// The wording schemes publish.
    pub fn label(self) -> &'static str {
        match self {
            Category::Positive => "Fully positive feedback",
            Category::Suggestions => "Good call but with suggestions for improvement/development",
            Category::Negative => "Negative feedback",
        }
    }

    /// The category where a page, a table or a report shows it: one wording everywhere.
    /// [`Category::label`] is the scheme's published wording, offered when choosing one.
    pub fn short(self) -> &'static str {
        match self {
            Category::Positive => "Fully positive",
            Category::Suggestions => "Good, with suggestions",
            Category::Negative => "Negative",
        }
    }

    /// A call *raised an issue* when the panel had suggestions or negative feedback.
    pub fn raises_issue(self) -> bool {
        self != Category::Positive
    }

    /// By code, by the number schemes use on their forms (1, 2, 3), or by the published wording.
    pub fn parse(s: &str) -> Result<Self, Problem> {
        let key = match_key(s);
        Category::ALL
            .into_iter()
            .enumerate()
            .find(|(i, c)| {
                key == match_key(c.code())
                    || key == (i + 1).to_string()
                    || key == match_key(c.label())
            })
            .map(|(_, c)| c)
            .ok_or_else(|| {
                Problem::new(
                    "is not a category",
                    "positive, suggestions or negative (or 1, 2, 3)",
                )
            })
    }
}

/// An answer to one question of the question set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Yes,
    Partly,
    No,
    Na,
}

impl Answer {
    pub const ALL: [Answer; 4] = [Answer::Yes, Answer::Partly, Answer::No, Answer::Na];

    pub fn code(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partly => "partly",
            Answer::No => "no",
            Answer::Na => "na",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Problem> {
        match match_key(s).as_str() {
            "yes" | "y" => Ok(Answer::Yes),
            "partly" | "partial" => Ok(Answer::Partly),
            "no" | "n" => Ok(Answer::No),
            "na" | "notapplicable" => Ok(Answer::Na),
            _ => Err(Problem::new("is not an answer", "yes, partly, no or n/a")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub code: String,
    pub name: String,
    /// Other wordings the same area goes by in schemes' spreadsheets and reports.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// What kind of audit a programme runs; each has its own reference template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProgrammeKind {
    CallAudit,
    CrimeDataIntegrity,
    IncidentLog,
}

impl ProgrammeKind {
    pub const ALL: [ProgrammeKind; 3] = [
        ProgrammeKind::CallAudit,
        ProgrammeKind::CrimeDataIntegrity,
        ProgrammeKind::IncidentLog,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProgrammeKind::CallAudit => "call-audit",
            ProgrammeKind::CrimeDataIntegrity => "crime-data-integrity",
            ProgrammeKind::IncidentLog => "incident-log",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ProgrammeKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// The kind as a page names it.
    pub fn label(self) -> &'static str {
        match self {
            ProgrammeKind::CallAudit => "Call handling audit",
            ProgrammeKind::CrimeDataIntegrity => "Crime Data Integrity dip sample",
            ProgrammeKind::IncidentLog => "Incident log review",
        }
    }
}

impl TryFrom<String> for Category {
    type Error = crate::audit::UnknownCode;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Category::parse(&code).map_err(|p| crate::audit::UnknownCode::refused("category", &code, p))
    }
}

impl TryFrom<String> for Answer {
    type Error = crate::audit::UnknownCode;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Answer::parse(&code).map_err(|p| crate::audit::UnknownCode::refused("answer", &code, p))
    }
}

impl TryFrom<String> for ProgrammeKind {
    type Error = crate::audit::UnknownCode;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        ProgrammeKind::parse(&code).ok_or(crate::audit::UnknownCode {
            what: "programme kind",
            code,
            expected: "call-audit, crime-data-integrity, incident-log".into(),
        })
    }
}

impl std::fmt::Display for ProgrammeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub kind: ProgrammeKind,
    pub questions: Vec<Question>,
    pub areas: Vec<Area>,
    pub focus_themes: Vec<String>,
    /// Phrases looked for in call transcripts, as prompts to the panel.
    #[serde(default)]
    pub phrases: Phrases,
}

/// Phrases looked for in a call's transcript. A match is a prompt to listen, never a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Phrases {
    /// A greeting in the first seconds of the call.
    pub greeting: Vec<String>,
    /// Telling the caller what happens next, near the end.
    pub next_steps: Vec<String>,
    /// Terms a call handler should not use with a caller (seed: calling the caller "mate").
    pub inappropriate: Vec<String>,
    /// Words in a call's incident log that suggest domestic abuse, for the check that the log
    /// flags it (seed 003, case study 2).
    #[serde(default)]
    pub domestic: Vec<String>,
    /// Words in a call's incident log that describe a missing person, for the check that a
    /// missing person was not opened as "concern for safety" (seed 003).
    #[serde(default)]
    pub missing_person: Vec<String>,
    /// Words in a call's incident log that suggest a death, for the check that a suspected death
    /// was not opened as something else (seed 003: a guest found under water, opened as
    /// "suspicious circumstances").
    #[serde(default)]
    pub death: Vec<String>,
}

impl Phrases {
    /// The reference call-audit lists.
    pub fn reference() -> Self {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        Phrases {
            greeting: v(&[
                "what's your emergency",
                "what is your emergency",
                "how can I help",
                "how can we help",
                "good morning",
                "good afternoon",
                "good evening",
                "hello",
            ]),
            next_steps: v(&[
                "what happens next",
                "what will happen",
                "an officer will",
                "officers will",
                "someone will",
                "will be in touch",
                "will call you back",
                "will contact you",
                "on their way",
                "reference number",
                "incident number",
                "crime number",
            ]),
            inappropriate: v(&["mate", "darling", "sweetheart", "babe", "hun", "calm down"]),
            domestic: v(&[
                "domestic",
                "ex-husband",
                "ex-wife",
                "ex-partner",
                "ex-boyfriend",
                "ex-girlfriend",
                "my husband",
                "my partner",
                "coercive",
            ]),
            missing_person: v(&[
                "missing",
                "not home",
                "not come home",
                "not returned",
                "not been seen",
                "cannot be found",
                "can't be found",
                "whereabouts unknown",
            ]),
            death: v(&[
                "dead",
                "deceased",
                "not breathing",
                "no pulse",
                "body found",
                "found a body",
                "lifeless",
                "sudden death",
            ]),
        }
    }

    /// Every list with the code it is stored and set by.
    pub fn lists(&self) -> [(&'static str, &Vec<String>); 6] {
        [
            ("greeting", &self.greeting),
            ("next-steps", &self.next_steps),
            ("inappropriate", &self.inappropriate),
            ("domestic", &self.domestic),
            ("missing-person", &self.missing_person),
            ("death", &self.death),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.greeting.is_empty() && self.next_steps.is_empty() && self.inappropriate.is_empty()
    }
}

/// The code seed 002's Crime Registrar gives an incident category it dip-samples most: C10 for
/// violence incidents, C20 for sexual incidents and SE for domestic incidents (the domestic abuse
/// flag). Read from the type's words (or its code, when the force's types carry it); `None` for a
/// type outside the three.
pub fn cdi_code(incident_type: &str) -> Option<&'static str> {
    let k = match_key(incident_type);
    let any = |words: &[&str]| words.iter().any(|w| k.contains(w));
    if k.starts_with("se") && k.len() == 2 || any(&["domestic"]) {
        Some("SE")
    } else if k.starts_with("c20") || any(&["sexual", "rape"]) {
        Some("C20")
    } else if k.starts_with("c10") || any(&["violen", "assault", "wounding"]) {
        Some("C10")
    } else {
        None
    }
}

/// An incident type with its Crime Data Integrity code beside it, as reports show it:
/// "DOMESTIC VIOLENCE (SE)"; the type alone when it has none.
pub fn with_cdi_code(incident_type: &str) -> String {
    match cdi_code(incident_type) {
        Some(code) => format!("{incident_type} ({code})"),
        None => incident_type.to_string(),
    }
}

/// The longest transcript phrase or focus theme.
pub const PHRASE_CHARS: usize = 80;

/// The longest question or area wording.
pub const ITEM_CHARS: usize = 200;

/// A code for a new question or area worded `text`: its first words in lower case, joined by
/// hyphens (codes go into the page's field names and the exchange formats, so plain ASCII), made
/// unique among `taken` with a number. `fallback` is used when the wording has no ASCII letters.
pub fn code_for(text: &str, taken: &[String], fallback: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .map(|w| w.replace('\'', "").to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    let mut base = words.join("-");
    base.truncate(40);
    let base = base.trim_end_matches('-').to_string();
    let base = if base.is_empty() {
        fallback.to_string()
    } else {
        base
    };
    let mut code = base.clone();
    let mut n = 2;
    while taken.contains(&code) {
        code = format!("{base}-{n}");
        n += 1;
    }
    code
}

/// No panel hears more than this many calls in a sitting; a larger number is a typing mistake.
pub const MAX_SAMPLE_LIMIT: u32 = 200;

/// A programme's largest sample as typed: a whole number from 1 to [`MAX_SAMPLE_LIMIT`].
pub fn parse_max_sample(s: &str) -> Result<u32, Problem> {
    let expected = format!("a whole number from 1 to {MAX_SAMPLE_LIMIT}");
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_SAMPLE_LIMIT).contains(&n) => Ok(n),
        _ => Err(Problem::new(
            format!("{:?} is not a sample size", s.trim()),
            expected,
        )),
    }
}

/// The longest retention period a programme may set, in days: ten years.
pub const MAX_RETENTION_DAYS: i64 = 3_653;

/// A retention period as typed: whole days from 0 to [`MAX_RETENTION_DAYS`], or nothing (blank or
/// "none") for no period set.
pub fn parse_retention_days(s: &str) -> Result<Option<i64>, Problem> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(d) if (0..=MAX_RETENTION_DAYS).contains(&d) => Ok(Some(d)),
        _ => Err(Problem::new(
            format!("{t:?} is not a period"),
            format!("whole days from 0 to {MAX_RETENTION_DAYS}, or none"),
        )),
    }
}

/// A list of short texts as typed (phrases, focus themes): each cleaned, blanks and repeats
/// dropped, order kept. The problem names the item (counting from 1) that cannot be used.
pub fn clean_list<'a>(
    items: impl IntoIterator<Item = &'a str>,
    max_chars: usize,
) -> Result<Vec<String>, Problem> {
    let mut list: Vec<String> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let item = crate::text::clean_text(item, max_chars).map_err(|p| Problem {
            what: format!("item {} {}", i + 1, p.what),
            expected: p.expected,
        })?;
        if !item.is_empty() && !list.contains(&item) {
            list.push(item);
        }
    }
    Ok(list)
}

impl Template {
    /// The reference call-audit template of the product brief.
    pub fn reference() -> Self {
        let q = |code: &str, text: &str| Question {
            code: code.into(),
            text: text.into(),
        };
        let a = |code: &str, name: &str, aliases: &[&str]| Area {
            code: code.into(),
            name: name.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
        };
        Template {
            name: "Call handling audit (reference)".into(),
            kind: ProgrammeKind::CallAudit,
            questions: vec![
                q("greeting", "Correct greeting given"),
                q("listened", "Caller listened to appropriately"),
                q("acknowledged", "Caller positively acknowledged throughout"),
                q("empathy", "Empathy, understanding and support shown"),
                q("silence", "Any silence explained to the caller"),
                q("next-steps", "Caller told what would happen next"),
                q(
                    "outcome-understood",
                    "Caller understood the outcome, information recapped where needed",
                ),
                q("safety", "Caller's safety checked"),
                q("vulnerability", "Vulnerability recognised and acted on"),
                q("thrive", "Risk (THRIVE) questions asked"),
                q("command", "Handler in command of the call"),
                q("language", "Language appropriate"),
                // The items below are what the inspectorate and the IOPC ask of call handling
                // (seed 001's recommendations, seed 003's case studies), worded for volunteers.
                q(
                    "silent-call",
                    "A silent or open-line call was handled by the force's procedure",
                ),
                q(
                    "called-before",
                    "If the caller had called before, the handler picked it up",
                ),
                q("grade", "The grade given fits the risk heard on the call"),
                q(
                    "delay",
                    "Caller told of any delay, and called back when the wait grew",
                ),
                q(
                    "not-left",
                    "A caller who stopped engaging or could not be heard was not left",
                ),
                q(
                    "communication",
                    "A caller who needed help to communicate got it (interpreter, relay service)",
                ),
            ],
            areas: vec![
                a(
                    "command",
                    "Taking command / better handling of call",
                    &["taking command", "better handling of call"],
                ),
                a(
                    "empathy",
                    "Empathy",
                    &["call lacked empathy", "lacked empathy"],
                ),
                a(
                    "reassurance",
                    "Reassurance",
                    &["call lacked reassurance", "lacked reassurance"],
                ),
                a(
                    "logging",
                    "Information logged correctly/accurately",
                    &["information not logged correctly/accurately", "logging"],
                ),
                a(
                    "questioning",
                    "Questioning skills",
                    &[
                        "application of better questioning skills",
                        "better questioning skills",
                    ],
                ),
                a("vulnerability", "Recognising vulnerability", &[]),
                a("safety", "Ensuring safety of the caller", &[]),
                a(
                    "advice",
                    "Clear guidance / good advice",
                    &["providing clear guidance/good advice"],
                ),
                a(
                    "language",
                    "Appropriate language",
                    &["being more mindful to use appropriate language"],
                ),
                a("silence", "Silences explained", &["silences not explained"]),
                a(
                    "next-steps",
                    "Told what happens next",
                    &["expectations of what happens next not set"],
                ),
                a("repetition", "Repetition of questions", &[]),
            ],
            focus_themes: [
                "HATE CRIME",
                "PUBLIC ORDER",
                "DOMESTIC VIOLENCE",
                "ROAD TRAFFIC COLLISIONS",
                "RAPE & SERIOUS SEXUAL OFFENCES",
                "ASB",
                "BURGLARY",
                "VEHICLE CRIME",
                "CRIMINAL DAMAGE",
                "CONCERN FOR SAFETY",
                "FIREARMS",
                "ROBBERY",
                "ANIMAL WELFARE",
            ]
            .map(String::from)
            .to_vec(),
            phrases: Phrases::reference(),
        }
    }

    /// The Crime Data Integrity template: each incident record of a dip sample is checked, with the
    /// initial call listened to, against the crime recording rules. A record is *compliant* when
    /// no check is answered "no".
    pub fn crime_data_integrity() -> Self {
        let q = |code: &str, text: &str| Question {
            code: code.into(),
            text: text.into(),
        };
        Template {
            name: "Crime Data Integrity (reference)".into(),
            kind: ProgrammeKind::CrimeDataIntegrity,
            questions: vec![
                q(
                    "recorded",
                    "A crime was recorded where the counting rules require it",
                ),
                q("classified", "The crime was correctly classified"),
                q(
                    "timely",
                    "The crime was recorded within 24 hours of the report",
                ),
            ],
            areas: Vec::new(),
            focus_themes: ["VIOLENCE", "SEXUAL OFFENCES", "DOMESTIC ABUSE"]
                .map(String::from)
                .to_vec(),
            phrases: Phrases::default(),
        }
    }

    /// The reference template for auditing incident logs alone, without the recording: each
    /// item is a failure seed 003's case studies found on a log, and the areas are the ones the
    /// log checks prompt about (see [`crate::incident::rules`]).
    pub fn incident_log() -> Self {
        let q = |code: &str, text: &str| Question {
            code: code.into(),
            text: text.into(),
        };
        let a = |code: &str, name: &str| Area {
            code: code.into(),
            name: name.into(),
            aliases: Vec::new(),
        };
        let reference = Template::reference();
        Template {
            name: "Incident log review (reference)".into(),
            kind: ProgrammeKind::IncidentLog,
            questions: vec![
                q(
                    "opening-code",
                    "The opening code fits what the caller described",
                ),
                q("grade", "The grade fits the risk recorded on the log"),
                q(
                    "thrive",
                    "A risk assessment (THRIVE) is recorded with its reasons",
                ),
                q(
                    "risk-checks",
                    "Risk markers were looked at and the checks recorded",
                ),
                q(
                    "qualifiers",
                    "Domestic abuse, hate crime and vulnerability are flagged where the log describes them",
                ),
                q(
                    "caller-updated",
                    "The caller was kept informed, and contacted when the attendance target passed",
                ),
                q(
                    "escalated",
                    "A delay or a change in risk was passed to a supervisor",
                ),
                q(
                    "questions-answered",
                    "Every question put on the log was answered before it closed",
                ),
                q(
                    "linked",
                    "Repeat calls about the same caller or incident are linked",
                ),
                q(
                    "closure",
                    "The log was closed with a result that says what was done",
                ),
            ],
            areas: vec![
                a("logging", "Information logged correctly/accurately"),
                a("opening-code", "Opening code and grade"),
                a("risk", "Risk assessment and checks"),
                a("qualifiers", "Qualifiers flagged"),
                a("updates", "Keeping the caller informed"),
                a("supervision", "Supervision and escalation"),
                a("linking", "Linking repeat calls"),
            ],
            focus_themes: reference.focus_themes,
            phrases: Phrases {
                domestic: reference.phrases.domestic,
                missing_person: reference.phrases.missing_person,
                death: reference.phrases.death,
                ..Phrases::default()
            },
        }
    }

    /// The reference template of a kind of programme, which a new programme starts from.
    pub fn for_kind(kind: ProgrammeKind) -> Self {
        match kind {
            ProgrammeKind::CallAudit => Template::reference(),
            ProgrammeKind::CrimeDataIntegrity => Template::crime_data_integrity(),
            ProgrammeKind::IncidentLog => Template::incident_log(),
        }
    }

    /// An area for improvement by code, name or a known alias, ignoring case, spaces and punctuation.
    pub fn find_area(&self, s: &str) -> Result<&Area, Problem> {
        let key = match_key(s);
        self.areas
            .iter()
            .find(|a| {
                match_key(&a.code) == key
                    || match_key(&a.name) == key
                    || a.aliases.iter().any(|x| match_key(x) == key)
            })
            .ok_or_else(|| {
                let codes: Vec<&str> = self.areas.iter().map(|a| a.code.as_str()).collect();
                Problem::new(
                    "is not an area for improvement of this template",
                    format!("a code or name such as {}", codes.join(", ")),
                )
            })
    }

    pub fn question(&self, code: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_codes_come_from_the_wording_and_never_repeat() {
        let taken = vec!["callers-safety-checked".to_string()];
        assert_eq!(
            code_for("Caller's safety checked", &[], "q"),
            "callers-safety-checked"
        );
        assert_eq!(
            code_for("Caller's safety checked!", &taken, "q"),
            "callers-safety-checked-2"
        );
        assert_eq!(code_for("¿¿", &[], "q"), "q");
        assert_eq!(code_for("¿¿", &["q".into()], "q"), "q-2");
        let long = code_for(&"abcdefghij ".repeat(10), &[], "q");
        assert!(long.len() <= 40 && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn typed_lists_and_sample_sizes_are_cleaned_or_refused() {
        assert_eq!(
            clean_list([" hello ", "", "hello", "good morning"], 80).unwrap(),
            ["hello", "good morning"]
        );
        assert!(clean_list(["   ", ""], 80).unwrap().is_empty());
        let p = clean_list(["ok", "x\u{7}y"], 80).unwrap_err();
        assert!(p.what.starts_with("item 2 "), "{p}");
        let p = clean_list(["ok", &"x".repeat(81)], 80).unwrap_err();
        assert!(p.what.starts_with("item 2 "), "{p}");

        assert_eq!(parse_max_sample(" 10 ").unwrap(), 10);
        assert_eq!(parse_max_sample("200").unwrap(), 200);
        for bad in ["0", "201", "-1", "ten", "", "1.5"] {
            let p = parse_max_sample(bad).unwrap_err();
            assert_eq!(p.expected, "a whole number from 1 to 200", "{bad}");
        }
    }

    #[test]
    fn dip_sample_categories_carry_seed_002s_codes() {
        for (t, code) in [
            ("DOMESTIC VIOLENCE", Some("SE")),
            ("Domestic incident", Some("SE")),
            ("RAPE & SERIOUS SEXUAL OFFENCES", Some("C20")),
            ("SEXUAL OFFENCES", Some("C20")),
            ("VIOLENCE", Some("C10")),
            ("Assault", Some("C10")),
            ("C10", Some("C10")),
            ("SE", Some("SE")),
            ("BURGLARY", None),
            ("SEARCH", None),
        ] {
            assert_eq!(cdi_code(t), code, "{t}");
        }
        assert_eq!(with_cdi_code("VIOLENCE"), "VIOLENCE (C10)");
        assert_eq!(with_cdi_code("ASB"), "ASB");
        for theme in Template::crime_data_integrity().focus_themes {
            assert!(cdi_code(&theme).is_some(), "{theme}");
        }
    }

    #[test]
    fn reference_areas_carry_the_issue_codes() {
        let t = Template::reference();
        let codes: Vec<&str> = t.areas.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "command",
                "empathy",
                "reassurance",
                "logging",
                "questioning",
                "vulnerability",
                "safety",
                "advice",
                "language",
                "silence",
                "next-steps",
                "repetition"
            ]
        );
    }

    #[test]
    fn areas_match_by_code_name_or_published_wording() {
        let t = Template::reference();
        assert_eq!(t.find_area("Next Steps").unwrap().code, "next-steps");
        assert_eq!(
            t.find_area("taking command/better handling of call")
                .unwrap()
                .code,
            "command"
        );
        assert_eq!(t.find_area("Call lacked EMPATHY").unwrap().code, "empathy");
        let p = t.find_area("tone").unwrap_err();
        assert!(p.expected.contains("command, empathy"), "{p}");
    }

    #[test]
    fn categories_by_code_number_or_wording() {
        assert_eq!(Category::parse("2").unwrap(), Category::Suggestions);
        assert_eq!(Category::parse("Negative").unwrap(), Category::Negative);
        assert_eq!(
            Category::parse("Fully positive feedback").unwrap(),
            Category::Positive
        );
        assert!(Category::parse("4").is_err());
        assert!(Category::Suggestions.raises_issue() && !Category::Positive.raises_issue());
    }
}
