//! Checks on an incident log, each written from a case the seeds describe: prompts for the panel
//! to listen and look for, never verdicts. Each rule names the entries it rests on.

use super::{LogEntry, LogKind};
use crate::text::match_key;

/// Something in a log a panel should look at, and the entries (by place in the log) it rests on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Prompt {
    pub rule: &'static str,
    pub message: String,
    pub entries: Vec<usize>,
}

/// Every rule's prompts for one incident's log, with `targets` (minutes to attend, by grade) for
/// the rule on a target passed, and the programme's words (`terms`: those that suggest domestic
/// abuse, and a missing person) for the rules that read the log's words.
pub fn check_with(
    log: &[LogEntry],
    targets: &crate::performance::Targets,
    terms: &crate::template::Phrases,
) -> Vec<Prompt> {
    let mut prompts = others(log);
    prompts.extend(domestic_abuse_not_flagged(log, &terms.domestic));
    prompts.extend(missing_person_opened_as_concern_for_safety(
        log,
        &terms.missing_person,
    ));
    prompts.extend(death_opened_as_something_else(log, &terms.death));
    prompts.extend(target_passed_with_nobody_told(log, targets));
    prompts
}

/// Every rule's prompts for one incident's log that need nothing but the log, with the reference
/// words.
pub fn check(log: &[LogEntry]) -> Vec<Prompt> {
    let terms = crate::template::Phrases::reference();
    let mut prompts = others(log);
    prompts.extend(domestic_abuse_not_flagged(log, &terms.domestic));
    prompts.extend(missing_person_opened_as_concern_for_safety(
        log,
        &terms.missing_person,
    ));
    prompts.extend(death_opened_as_something_else(log, &terms.death));
    prompts
}

/// The rules that need nothing but the log.
fn others(log: &[LogEntry]) -> Vec<Prompt> {
    [
        silent_call_closed_without_call_back,
        risk_marker_not_acted_on,
        thrive_missing_or_thin,
        question_left_unanswered,
        downgraded_without_rationale,
    ]
    .iter()
    .filter_map(|rule| rule(log))
    .collect()
}

fn of(log: &[LogEntry], kind: LogKind) -> Vec<usize> {
    log.iter()
        .enumerate()
        .filter(|(_, e)| e.kind == kind)
        .map(|(i, _)| i)
        .collect()
}

fn words(e: &LogEntry) -> String {
    match_key(&format!(
        "{} {}",
        e.value.as_deref().unwrap_or(""),
        e.text.as_deref().unwrap_or("")
    ))
}

/// IOPC Learning the Lessons (seed 003), the Silent Solution and case study 1: a silent or
/// no-response 999 call closed with no call-back to the caller and no reason recorded.
fn silent_call_closed_without_call_back(log: &[LogEntry]) -> Option<Prompt> {
    let silent = of(log, LogKind::SilentCall);
    let closed = of(log, LogKind::Closed);
    let last_close = *closed.last()?;
    if silent.is_empty() || !of(log, LogKind::Contact).is_empty() {
        return None;
    }
    // The reason is the closing entry's own words, or a note written after the silent call.
    let reasoned = log[last_close].text.is_some()
        || log
            .iter()
            .skip(silent[0])
            .any(|e| e.kind == LogKind::Note && e.text.is_some());
    (!reasoned).then(|| Prompt {
        rule: "silent-call-closed",
        message: "A silent call was closed with no call-back to the caller and no reason recorded: listen for how the silence was handled and whether the caller was offered the Silent Solution.".into(),
        entries: [silent, vec![last_close]].concat(),
    })
}

/// Seed 003, case study 2: the caller spoke of a past domestic violence case, the call was coded
/// as suspicious circumstances and never flagged as domestic abuse.
fn domestic_abuse_not_flagged(log: &[LogEntry], terms: &[String]) -> Option<Prompt> {
    let terms = term_keys(terms);
    if domestic_flagged(log) {
        return None;
    }
    let mentions: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let w = words(e);
            terms.iter().any(|t| w.contains(t.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    (!mentions.is_empty()).then(|| Prompt {
        rule: "domestic-not-flagged",
        message: "The log speaks of domestic abuse but the incident has no DOMESTIC qualifier: listen for whether the call handler asked about it.".into(),
        entries: mentions,
    })
}

/// Seed 003, case study 2 again, from what was said rather than what was written: the call's
/// transcript (`heard`) speaks of domestic abuse and the log has no DOMESTIC qualifier. Quiet
/// when the log's own words prompt it already, so the panel reads one prompt, not two.
pub fn domestic_abuse_heard_not_flagged(
    log: &[LogEntry],
    heard: &str,
    terms: &[String],
) -> Option<Prompt> {
    if log.is_empty() || domestic_flagged(log) || domestic_abuse_not_flagged(log, terms).is_some() {
        return None;
    }
    let heard = match_key(heard);
    term_keys(terms)
        .iter()
        .any(|t| heard.contains(t.as_str()))
        .then(|| Prompt {
            rule: "domestic-heard-not-flagged",
            message: "The caller's words in the transcript speak of domestic abuse but the incident has no DOMESTIC qualifier: listen for whether the call handler picked it up.".into(),
            entries: Vec::new(),
        })
}

/// A programme's words as they are compared: match keys, blanks left out.
fn term_keys(terms: &[String]) -> Vec<String> {
    terms
        .iter()
        .map(|t| match_key(t))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether the log carries a DOMESTIC qualifier.
fn domestic_flagged(log: &[LogEntry]) -> bool {
    log.iter().any(|e| {
        e.kind == LogKind::Qualifier
            && e.value
                .as_deref()
                .is_some_and(|v| match_key(v).contains("domestic"))
    })
}

/// Seed 003, case study 2 (the expired marker on the address, the intelligence check never made):
/// a risk marker on the log, and the call graded below PRIORITY or no check recorded.
fn risk_marker_not_acted_on(log: &[LogEntry]) -> Option<Prompt> {
    let markers = of(log, LogKind::RiskMarker);
    if markers.is_empty() {
        return None;
    }
    let grades = [of(log, LogKind::Graded), of(log, LogKind::Regraded)].concat();
    let last_grade = grades.iter().max().and_then(|i| log[*i].value.as_deref());
    let low = last_grade.is_some_and(|g| !matches!(g, "IMMEDIATE" | "PRIORITY"));
    let checks = of(log, LogKind::Check);
    (low || checks.is_empty()).then(|| Prompt {
        rule: "risk-marker-not-acted-on",
        message: if low {
            "A risk marker is on the log but the call was graded below PRIORITY: look at whether the marker was seen and weighed.".into()
        } else {
            "A risk marker is on the log but no check is recorded: look at whether the intelligence was searched.".into()
        },
        entries: [markers, grades].concat(),
    })
}

/// HMICFRS and the seeds' THRIVE guidance (seed 001): a risk assessment missing from the log, or
/// of a few words only.
fn thrive_missing_or_thin(log: &[LogEntry]) -> Option<Prompt> {
    let thrive = of(log, LogKind::Thrive);
    if thrive.is_empty() {
        return (!log.is_empty()).then(|| Prompt {
            rule: "thrive-missing",
            message: "No THRIVE risk assessment is recorded on the log.".into(),
            entries: of(log, LogKind::Opened),
        });
    }
    let thin: Vec<usize> = thrive
        .iter()
        .copied()
        .filter(|i| {
            log[*i]
                .text
                .as_deref()
                .map_or(0, |t| t.split_whitespace().count())
                < 5
        })
        .collect();
    (thin.len() == thrive.len()).then(|| Prompt {
        rule: "thrive-thin",
        message: "The THRIVE risk assessment is a few words only: look at whether threat, harm, risk and vulnerability were weighed.".into(),
        entries: thin,
    })
}

/// Seed 003 (a question added to the log and never answered): the log closed while a question
/// has no answer after it.
fn question_left_unanswered(log: &[LogEntry]) -> Option<Prompt> {
    let closed = *of(log, LogKind::Closed).last()?;
    let questions = of(log, LogKind::Question);
    let answers = of(log, LogKind::Answer).len();
    // Questions are answered in turn: the ones after the last answer are open.
    let open: Vec<usize> = questions
        .iter()
        .skip(answers)
        .copied()
        .filter(|q| *q < closed)
        .collect();
    (!open.is_empty()).then(|| Prompt {
        rule: "question-unanswered",
        message: "The log was closed with a question on it unanswered.".into(),
        entries: [open, vec![closed]].concat(),
    })
}

/// The order of grades, most urgent first.
fn urgency(g: &str) -> Option<usize> {
    ["IMMEDIATE", "PRIORITY", "STANDARD", "SCHEDULED"]
        .iter()
        .position(|x| *x == g)
}

/// HMICFRS on grading (seed 001): a call regraded to a less urgent grade with no rationale.
fn downgraded_without_rationale(log: &[LogEntry]) -> Option<Prompt> {
    let mut before: Option<usize> = None;
    for (i, e) in log.iter().enumerate() {
        if !matches!(e.kind, LogKind::Graded | LogKind::Regraded) {
            continue;
        }
        if let (Some(b), LogKind::Regraded) = (before, e.kind) {
            let (from, to) = (
                log[b].value.as_deref().and_then(urgency),
                e.value.as_deref().and_then(urgency),
            );
            // The regrade's own words, or a re-assessment written with it (before the next grade).
            let rationale = e.text.is_some()
                || log[i + 1..]
                    .iter()
                    .take_while(|x| !matches!(x.kind, LogKind::Graded | LogKind::Regraded))
                    .any(|x| matches!(x.kind, LogKind::Thrive | LogKind::Note) && x.text.is_some());
            if matches!((from, to), (Some(f), Some(t)) if t > f) && !rationale {
                return Some(Prompt {
                    rule: "downgraded-without-rationale",
                    message:
                        "The call was regraded to a less urgent grade with no rationale recorded."
                            .into(),
                    entries: vec![b, i],
                });
            }
        }
        before = Some(i);
    }
    None
}

/// HMICFRS (seed 001, "When their response is delayed … some forces don't then rethink how they
/// might best respond", and Warwickshire's area for improvement on risk reassessments when
/// deployment delays occur): the grade's attendance target passed with no officer there, and no
/// contact with the caller, no re-assessment and no escalation recorded once it had.
fn target_passed_with_nobody_told(
    log: &[LogEntry],
    targets: &crate::performance::Targets,
) -> Option<Prompt> {
    let graded = of(log, LogKind::Graded);
    let g = *graded.first()?;
    let minutes = *targets.get(log[g].value.as_deref()?)?;
    let due = log[g].at + chrono::Duration::minutes(i64::from(minutes));
    let arrived = log
        .iter()
        .find(|e| e.kind == LogKind::Arrived)
        .map(|e| e.at);
    // Nothing to say while the target has not passed: an arrival in time, or a log that ends
    // before the target falls due.
    let last = log.iter().map(|e| e.at).max()?;
    if arrived.is_some_and(|a| a <= due) || (arrived.is_none() && last <= due) {
        return None;
    }
    let until = arrived.unwrap_or(last);
    let acted = log.iter().any(|e| {
        e.at > due
            && e.at <= until
            && matches!(
                e.kind,
                LogKind::Contact | LogKind::Thrive | LogKind::Escalated | LogKind::Regraded
            )
    });
    (!acted).then(|| Prompt {
        rule: "target-passed-nobody-told",
        message: format!(
            "The {minutes}-minute attendance target for a {} call passed with no contact with the caller, no re-assessment and no escalation recorded: listen for whether the caller was told of the delay.",
            log[g].value.as_deref().unwrap_or("")
        ),
        entries: [vec![g], of(log, LogKind::Arrived)].concat(),
    })
}

/// Another call about the same caller: its reference, when it started, and its incident.
pub struct OtherCall {
    pub call_ref: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub incident_ref: Option<String>,
}

/// Seed 003, case study 1 (a second call from the same woman minutes later, handled as new) and
/// HMICFRS on repeat callers (seed 001): calls from the same caller within 24 hours of this one
/// whose incidents the log does not link.
pub fn repeat_calls_not_linked(
    log: &[LogEntry],
    call_start: chrono::DateTime<chrono::Utc>,
    others: &[OtherCall],
) -> Option<Prompt> {
    let own = &log.first()?.incident_ref;
    let linked: Vec<String> = log
        .iter()
        .filter(|e| e.kind == LogKind::Linked)
        .filter_map(|e| e.value.clone())
        .collect();
    let day = chrono::Duration::hours(24);
    let unlinked: Vec<&OtherCall> = others
        .iter()
        .filter(|o| (o.started_at - call_start).abs() <= day)
        .filter(|o| match &o.incident_ref {
            Some(i) => i != own && !linked.iter().any(|l| match_key(l) == match_key(i)),
            None => true,
        })
        .collect();
    (!unlinked.is_empty()).then(|| Prompt {
        rule: "repeat-calls-not-linked",
        message: format!(
            "The same caller rang {} other time{} within 24 hours ({}), and the log links no other incident: listen for whether the earlier call was picked up.",
            unlinked.len(),
            if unlinked.len() == 1 { "" } else { "s" },
            unlinked
                .iter()
                .map(|o| o.call_ref.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        entries: of(log, LogKind::Opened),
    })
}

/// Seed 003 (a missing person opened as "concern for safety"): the opening code is concern for
/// safety while the log's words (`terms`, the programme's) describe a missing person.
fn missing_person_opened_as_concern_for_safety(
    log: &[LogEntry],
    terms: &[String],
) -> Option<Prompt> {
    let opened = *of(log, LogKind::Opened).first()?;
    let code = match_key(log[opened].value.as_deref().unwrap_or(""));
    if !code.contains("concernforsafety") {
        return None;
    }
    let terms = term_keys(terms);
    let missing: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let w = match_key(e.text.as_deref().unwrap_or(""));
            terms.iter().any(|t| w.contains(t.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    (!missing.is_empty()).then(|| Prompt {
        rule: "missing-person-opening-code",
        message: "Opened as concern for safety, but the log describes a missing person: look at whether the missing-person procedure was followed.".into(),
        entries: [vec![opened], missing].concat(),
    })
}

/// Seed 003 (a hotel guest found under water, "appeared" dead, opened as "suspicious
/// circumstances" and the procedure for that code never opened): the log's words (`terms`, the
/// programme's) suggest a death and the opening code is not one for a death.
fn death_opened_as_something_else(log: &[LogEntry], terms: &[String]) -> Option<Prompt> {
    let opened = *of(log, LogKind::Opened).first()?;
    let code = log[opened].value.as_deref().unwrap_or("");
    if match_key(code).contains("death") {
        return None;
    }
    let terms = term_keys(terms);
    let death: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let w = match_key(e.text.as_deref().unwrap_or(""));
            terms.iter().any(|t| w.contains(t.as_str()))
        })
        .map(|(i, _)| i)
        .collect();
    if death.is_empty() {
        return None;
    }
    let mut entries = [vec![opened], death].concat();
    entries.sort_unstable();
    entries.dedup();
    Some(Prompt {
        rule: "death-opening-code",
        message: format!(
            "Opened as {}, but the log describes a suspected death: look at whether the right opening code, and its procedure, were used.",
            if code.is_empty() {
                "another code"
            } else {
                code
            }
        ),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn log(entries: &[(i64, LogKind, Option<&str>, Option<&str>)]) -> Vec<LogEntry> {
        let start: DateTime<Utc> = "2026-04-02T10:00:00Z".parse().unwrap();
        entries
            .iter()
            .map(|(s, kind, value, text)| LogEntry {
                incident_ref: "INC-1".into(),
                call_ref: None,
                at: start + chrono::Duration::seconds(*s),
                kind: *kind,
                value: value.map(String::from),
                text: text.map(String::from),
                by: None,
            })
            .collect()
    }

    /// No words at all: the rules that read words stay quiet.
    fn none() -> crate::template::Phrases {
        crate::template::Phrases::default()
    }

    fn rules(l: &[LogEntry]) -> Vec<&'static str> {
        check(l).into_iter().map(|p| p.rule).collect()
    }

    const THRIVE: &str =
        "Threat low, harm possible, caller alone with children, vulnerability noted";

    #[test]
    fn a_well_handled_log_trips_nothing() {
        let l = log(&[
            (5, LogKind::Opened, Some("DOMESTIC INCIDENT"), None),
            (20, LogKind::Qualifier, Some("DOMESTIC"), None),
            (40, LogKind::Graded, Some("IMMEDIATE"), None),
            (60, LogKind::Thrive, None, Some(THRIVE)),
            (70, LogKind::RiskMarker, Some("MARAC"), None),
            (
                80,
                LogKind::Check,
                Some("PNC"),
                Some("Ex-partner known, bail conditions"),
            ),
            (
                90,
                LogKind::Question,
                None,
                Some("Is he still at the address?"),
            ),
            (
                95,
                LogKind::Answer,
                None,
                Some("Caller says he left on foot"),
            ),
            (600, LogKind::Arrived, None, None),
            (1800, LogKind::Closed, Some("CRIME RECORDED"), None),
        ]);
        assert_eq!(rules(&l), Vec::<&str>::new());
        let reference = crate::template::Phrases::reference();
        assert!(check_with(&l, &crate::performance::default_targets(), &reference).is_empty());
    }

    #[test]
    fn the_silent_999_call_closed_with_no_call_back() {
        // Seed 003, Silent Solution: a silent call, closed as no further action, nobody rang back.
        let l = log(&[
            (2, LogKind::Opened, Some("SILENT CALL"), None),
            (3, LogKind::SilentCall, Some("NO-RESPONSE"), None),
            (30, LogKind::Thrive, None, Some(THRIVE)),
            (120, LogKind::Closed, Some("NFA"), None),
        ]);
        assert!(rules(&l).contains(&"silent-call-closed"));
        // A call-back made, or a reason recorded at the close, answers it.
        let mut called = l.clone();
        called.insert(
            3,
            log(&[(90, LogKind::Contact, None, Some("Rang back: no answer"))])[0].clone(),
        );
        assert!(!rules(&called).contains(&"silent-call-closed"));
    }

    #[test]
    fn the_words_for_domestic_abuse_are_the_programmes() {
        let l = log(&[
            (
                5,
                LogKind::Opened,
                Some("NOISE"),
                Some("Her fella is shouting again"),
            ),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        let targets = crate::performance::default_targets();
        let fired = |terms: &[&str]| {
            let terms = crate::template::Phrases {
                domestic: terms.iter().map(|t| t.to_string()).collect(),
                ..none()
            };
            check_with(&l, &targets, &terms)
                .iter()
                .any(|p| p.rule == "domestic-not-flagged")
        };
        assert!(!fired(&["domestic"]), "the reference words miss this one");
        assert!(fired(&["her fella"]), "a programme's own words catch it");
    }

    #[test]
    fn the_words_for_a_missing_person_are_the_programmes() {
        let l = log(&[
            (
                5,
                LogKind::Opened,
                Some("CONCERN FOR SAFETY"),
                Some("Son has gone AWOL from the care home"),
            ),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        let targets = crate::performance::default_targets();
        let fired = |terms: &[&str]| {
            let terms = crate::template::Phrases {
                missing_person: terms.iter().map(|t| t.to_string()).collect(),
                ..none()
            };
            check_with(&l, &targets, &terms)
                .iter()
                .any(|p| p.rule == "missing-person-opening-code")
        };
        assert!(
            !fired(&["missing", "not home"]),
            "the reference words miss this one"
        );
        assert!(fired(&["AWOL"]), "a programme's own words catch it");
        assert!(!fired(&[]), "no words, no prompt");
    }

    #[test]
    fn a_suspected_death_opened_as_suspicious_circumstances() {
        // Seed 003: the hotel guest found under water; the officer used the wrong opening code.
        let l = log(&[
            (
                5,
                LogKind::Opened,
                Some("SUSPICIOUS CIRCUMSTANCES"),
                Some("Hotel staff: guest found in the bath, appears to be dead"),
            ),
            (30, LogKind::Graded, Some("IMMEDIATE"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        let p = check(&l);
        let d = p.iter().find(|p| p.rule == "death-opening-code").unwrap();
        assert!(
            d.message.starts_with("Opened as SUSPICIOUS CIRCUMSTANCES"),
            "{}",
            d.message
        );
        assert_eq!(d.entries, vec![0]);
        // Opened as a sudden death: nothing to prompt.
        let mut right = l.clone();
        right[0].value = Some("SUDDEN DEATH".into());
        assert!(check(&right).iter().all(|p| p.rule != "death-opening-code"));
    }

    #[test]
    fn a_domestic_violence_history_mentioned_and_not_flagged() {
        // Seed 003, case study 2: "a bit of a domestic violence case last year", coded suspicious.
        let l = log(&[
            (
                5,
                LogKind::Opened,
                Some("SUSPICIOUS CIRCUMSTANCES"),
                Some(
                    "Banging on door, believes it is her ex-husband; a bit of a domestic violence case last year",
                ),
            ),
            (30, LogKind::Graded, Some("PRIORITY"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        let p = check(&l);
        let d = p.iter().find(|p| p.rule == "domestic-not-flagged").unwrap();
        assert_eq!(d.entries, vec![0]);
    }

    #[test]
    fn domestic_abuse_heard_on_the_call_and_never_logged() {
        // Seed 003, case study 2, as the caller said it: the log is silent on it.
        let l = log(&[
            (5, LogKind::Opened, Some("SUSPICIOUS CIRCUMSTANCES"), None),
            (30, LogKind::Graded, Some("PRIORITY"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        let reference = crate::template::Phrases::reference().domestic;
        let heard = "Someone is banging on the door. I think it's my ex-husband, there was a bit of a domestic last year.";
        let p = domestic_abuse_heard_not_flagged(&l, heard, &reference).unwrap();
        assert_eq!(p.rule, "domestic-heard-not-flagged");
        // Not heard, flagged, or prompted by the log's own words already: quiet.
        assert!(
            domestic_abuse_heard_not_flagged(&l, "A car alarm is going off.", &reference).is_none()
        );
        let mut flagged = l.clone();
        flagged.push(log(&[(50, LogKind::Qualifier, Some("DOMESTIC"), None)])[0].clone());
        assert!(domestic_abuse_heard_not_flagged(&flagged, heard, &reference).is_none());
        let mut written = l.clone();
        written.push(log(&[(50, LogKind::Note, None, Some("Caller says ex-husband"))])[0].clone());
        assert!(domestic_abuse_heard_not_flagged(&written, heard, &reference).is_none());
        assert!(domestic_abuse_heard_not_flagged(&[], heard, &reference).is_none());
    }

    #[test]
    fn a_risk_marker_with_a_low_grade_or_no_check() {
        // Seed 003, case study 2: the marker on the address, no intelligence check made.
        let l = log(&[
            (5, LogKind::Opened, Some("SUSPICIOUS CIRCUMSTANCES"), None),
            (10, LogKind::RiskMarker, Some("MARAC"), None),
            (30, LogKind::Graded, Some("STANDARD"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        let p = check(&l);
        let r = p
            .iter()
            .find(|p| p.rule == "risk-marker-not-acted-on")
            .unwrap();
        assert!(r.message.contains("below PRIORITY"), "{}", r.message);
        let checked_and_urgent = log(&[
            (5, LogKind::Opened, Some("SUSPICIOUS CIRCUMSTANCES"), None),
            (10, LogKind::RiskMarker, Some("MARAC"), None),
            (20, LogKind::Check, Some("PND"), None),
            (30, LogKind::Graded, Some("IMMEDIATE"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        assert!(!rules(&checked_and_urgent).contains(&"risk-marker-not-acted-on"));
    }

    #[test]
    fn thrive_missing_thin_and_a_question_left_open_and_a_silent_downgrade() {
        let l = log(&[
            (5, LogKind::Opened, Some("ASB"), None),
            (30, LogKind::Graded, Some("PRIORITY"), None),
            (40, LogKind::Thrive, None, Some("low risk")),
            (50, LogKind::Question, None, Some("Weapons seen?")),
            (70, LogKind::Regraded, Some("SCHEDULED"), None),
            (900, LogKind::Closed, Some("NFA"), None),
        ]);
        let r = rules(&l);
        for want in [
            "thrive-thin",
            "question-unanswered",
            "downgraded-without-rationale",
        ] {
            assert!(r.contains(&want), "{want} in {r:?}");
        }
        assert!(
            rules(&log(&[(5, LogKind::Opened, Some("ASB"), None)])).contains(&"thrive-missing")
        );
    }

    #[test]
    fn a_target_passed_with_nobody_told() {
        // Seed 001: a delayed PRIORITY response with no update to the caller or re-assessment.
        let targets = crate::performance::default_targets();
        let l = log(&[
            (5, LogKind::Opened, Some("ASB"), None),
            (30, LogKind::Graded, Some("PRIORITY"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
            (5400, LogKind::Arrived, None, None),
            (6000, LogKind::Closed, Some("RESOLVED"), None),
        ]);
        let p = check_with(&l, &targets, &none());
        let t = p
            .iter()
            .find(|p| p.rule == "target-passed-nobody-told")
            .unwrap();
        assert!(t.message.contains("60-minute"), "{}", t.message);
        // The caller rung back after the hour had passed: nothing to prompt.
        let mut told = l.clone();
        told.insert(
            3,
            log(&[(3800, LogKind::Contact, None, Some("Updated caller: delay"))])[0].clone(),
        );
        assert!(
            check_with(&told, &targets, &none())
                .iter()
                .all(|p| p.rule != "target-passed-nobody-told")
        );
        // Attended in time: nothing either.
        let in_time = log(&[
            (5, LogKind::Opened, Some("ASB"), None),
            (30, LogKind::Graded, Some("PRIORITY"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
            (1800, LogKind::Arrived, None, None),
        ]);
        assert!(check_with(&in_time, &targets, &none()).is_empty());
    }

    #[test]
    fn repeat_calls_from_the_same_caller_not_linked() {
        // Seed 003, case study 1: a second call from the same woman, handled as a new incident.
        let l = log(&[
            (5, LogKind::Opened, Some("DOMESTIC INCIDENT"), None),
            (20, LogKind::Qualifier, Some("DOMESTIC"), None),
        ]);
        let start: chrono::DateTime<chrono::Utc> = "2026-04-02T10:00:00Z".parse().unwrap();
        let other = |mins: i64, inc: Option<&str>| OtherCall {
            call_ref: format!("C-{mins}"),
            started_at: start - chrono::Duration::minutes(mins),
            incident_ref: inc.map(String::from),
        };
        let p = repeat_calls_not_linked(
            &l,
            start,
            &[other(20, Some("INC-0")), other(3000, Some("INC-X"))],
        )
        .unwrap();
        assert!(
            p.message.contains("1 other time within 24 hours (C-20)"),
            "{}",
            p.message
        );
        // Linked in the log, or the same incident: nothing to prompt.
        let mut linked = l.clone();
        linked.push(log(&[(30, LogKind::Linked, Some("inc-0"), None)])[0].clone());
        assert!(repeat_calls_not_linked(&linked, start, &[other(20, Some("INC-0"))]).is_none());
        assert!(repeat_calls_not_linked(&l, start, &[other(20, Some("INC-1"))]).is_none());
    }

    #[test]
    fn a_missing_person_opened_as_concern_for_safety() {
        // Seed 003: a missing person's incident opened under the wrong code.
        let l = log(&[
            (
                5,
                LogKind::Opened,
                Some("CONCERN FOR SAFETY"),
                Some("Son, 15, not home since last night"),
            ),
            (30, LogKind::Graded, Some("PRIORITY"), None),
            (40, LogKind::Thrive, None, Some(THRIVE)),
        ]);
        assert!(rules(&l).contains(&"missing-person-opening-code"));
    }
}
