//! Transcripts from a force's own speech system, read from WebVTT, SRT or JSON into timed
//! segments, and the phrase checks a panel sees as prompts (never verdicts): was there a greeting
//! at the start, "what happens next" language near the end, and any term the template lists as
//! inappropriate.
//!
//! Every problem in a file is reported with its line, column, value and what was expected, and a
//! file with any problem yields no segments at all.

use serde::{Deserialize, Serialize};

/// One stretch of speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub start_s: f64,
    pub end_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    pub text: String,
}

/// Something wrong at a place in a transcript file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub value: String,
    pub expected: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {:?}; expected {}",
            self.line, self.column, self.value, self.expected
        )
    }
}

/// The transcript formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    WebVtt,
    Srt,
    Json,
}

impl Format {
    /// The format a file's extension names: `.vtt`, `.srt` or `.json`.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "vtt" => Some(Format::WebVtt),
            "srt" => Some(Format::Srt),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Reads a transcript; any problem means no segments.
pub fn parse(text: &str, format: Format) -> Result<Vec<Segment>, Vec<Problem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (segments, mut problems) = match format {
        Format::WebVtt => cues(text, true),
        Format::Srt => cues(text, false),
        Format::Json => json(text),
    };
    if problems.is_empty() && segments.is_empty() {
        problems.push(Problem {
            line: 1,
            column: 1,
            value: text.lines().next().unwrap_or("").chars().take(60).collect(),
            expected: "at least one timed segment of speech".into(),
        });
    }
    if problems.is_empty() {
        Ok(segments)
    } else {
        Err(problems)
    }
}

/// WebVTT and SRT: blocks separated by blank lines, each an optional identifier, a timing line
/// `START --> END`, then the text. WebVTT starts with `WEBVTT` and may have NOTE, STYLE and
/// REGION blocks; its voice tags `<v Name>` give the speaker.
fn cues(text: &str, vtt: bool) -> (Vec<Segment>, Vec<Problem>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut segments = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    if vtt {
        let first = lines.first().copied().unwrap_or("");
        if !(first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t")) {
            problems.push(Problem {
                line: 1,
                column: 1,
                value: first.chars().take(60).collect(),
                expected: "a WebVTT file, whose first line is WEBVTT".into(),
            });
            return (segments, problems);
        }
        // The header runs to the first blank line.
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
    }
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let block_start = i;
        let mut block_end = i;
        while block_end < lines.len() && !lines[block_end].trim().is_empty() {
            block_end += 1;
        }
        let block = &lines[block_start..block_end];
        i = block_end;
        if vtt
            && (block[0].starts_with("NOTE")
                || block[0].starts_with("STYLE")
                || block[0].starts_with("REGION"))
        {
            continue;
        }
        // The timing line is the first or, after an identifier, the second line of the block.
        let Some(at) = block.iter().take(2).position(|l| l.contains("-->")) else {
            problems.push(Problem {
                line: block_start + 1,
                column: 1,
                value: block[0].chars().take(60).collect(),
                expected: if vtt {
                    "a cue timing line such as 00:00:01.000 --> 00:00:04.000".into()
                } else {
                    "a subtitle timing line such as 00:00:01,000 --> 00:00:04,000".into()
                },
            });
            continue;
        };
        let line_no = block_start + at + 1;
        let timing = block[at];
        let (left, right) = timing.split_once("-->").unwrap_or((timing, ""));
        let start = time(left.trim(), vtt);
        let right_trimmed = right.trim_start();
        let end_text = right_trimmed.split_whitespace().next().unwrap_or("");
        let end = time(end_text, vtt);
        let end_column = timing.len() - right_trimmed.len() + 1;
        let mut ok = true;
        if start.is_none() {
            problems.push(timestamp_problem(
                line_no,
                1 + left.len() - left.trim_start().len(),
                left.trim(),
                vtt,
            ));
            ok = false;
        }
        if end.is_none() {
            problems.push(timestamp_problem(line_no, end_column, end_text, vtt));
            ok = false;
        }
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            problems.push(Problem {
                line: line_no,
                column: end_column,
                value: end_text.into(),
                expected: format!("an end no earlier than the start, {}", left.trim()),
            });
            ok = false;
        }
        if !ok {
            continue;
        }
        let (text, speaker) = cue_text(&block[at + 1..], vtt);
        if text.is_empty() {
            continue;
        }
        segments.push(Segment {
            start_s: start.unwrap_or_default(),
            end_s: end.unwrap_or_default(),
            speaker,
            text,
        });
    }
    (segments, problems)
}

fn timestamp_problem(line: usize, column: usize, value: &str, vtt: bool) -> Problem {
    Problem {
        line,
        column,
        value: value.into(),
        expected: if vtt {
            "a time as HH:MM:SS.mmm or MM:SS.mmm".into()
        } else {
            "a time as HH:MM:SS,mmm".into()
        },
    }
}

/// `HH:MM:SS.mmm` (WebVTT also `MM:SS.mmm`) or, for SRT, `HH:MM:SS,mmm`, in seconds.
fn time(s: &str, vtt: bool) -> Option<f64> {
    let (clock, millis) = if vtt {
        s.split_once('.')?
    } else {
        // Some tools write SRT with a dot; accept it, since the meaning is plain.
        s.split_once(',').or_else(|| s.split_once('.'))?
    };
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let numbers: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            (p.len() >= 2 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    let numbers = numbers?;
    let (h, m, sec) = match numbers.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] if vtt => (0, *m, *s),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    let ms: u64 = millis.parse().ok()?;
    Some((h * 3600 + m * 60 + sec) as f64 + ms as f64 / 1000.0)
}

/// A cue's lines joined, with WebVTT markup removed and the first voice tag as speaker.
fn cue_text(lines: &[&str], vtt: bool) -> (String, Option<String>) {
    let joined = lines.join(" ");
    let mut speaker = None;
    let mut text = String::new();
    let mut rest = joined.as_str();
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        // A voice tag, `<v Name>` or `<v.class Name>`, names the speaker.
        if vtt
            && speaker.is_none()
            && (tag.starts_with("v ") || tag.starts_with("v."))
            && let Some((_, name)) = tag.split_once(' ')
            && !name.trim().is_empty()
        {
            speaker = Some(name.trim().to_string());
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let text = text
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ");
    (
        text.split_whitespace().collect::<Vec<_>>().join(" "),
        speaker,
    )
}

/// JSON: an array of segments, or an object whose `segments` is one. Each segment has `start`
/// and `end` (or `start_s` and `end_s`) in seconds, `text`, and optionally `speaker`.
fn json(text: &str) -> (Vec<Segment>, Vec<Problem>) {
    let mut problems = Vec::new();
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let line = e.line().max(1);
            let column = e.column().max(1);
            let value = text
                .lines()
                .nth(line - 1)
                .unwrap_or("")
                .chars()
                .skip(column.saturating_sub(1))
                .take(30)
                .collect();
            problems.push(Problem {
                line,
                column,
                value,
                expected: format!("well-formed JSON ({e})"),
            });
            return (Vec::new(), problems);
        }
    };
    let list = match &value {
        serde_json::Value::Array(a) => Some(a),
        serde_json::Value::Object(o) => o.get("segments").and_then(|s| s.as_array()),
        _ => None,
    };
    let Some(list) = list else {
        problems.push(Problem {
            line: 1,
            column: 1,
            value: text.chars().take(30).collect(),
            expected: "an array of segments, or an object with a \"segments\" array".into(),
        });
        return (Vec::new(), problems);
    };
    let mut segments = Vec::new();
    for (n, item) in list.iter().enumerate() {
        // JSON gives no line for an element; the segment's number stands in as the line, and the
        // field's name as the column, so the user can still find it.
        let at = |field: &str, value: String, expected: &str| Problem {
            line: n + 1,
            column: 1,
            value: format!("segment {}, {field}: {value}", n + 1),
            expected: expected.into(),
        };
        let number = |keys: [&str; 2]| -> Result<f64, Problem> {
            let v = item.get(keys[0]).or_else(|| item.get(keys[1]));
            match v.and_then(serde_json::Value::as_f64) {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(at(
                    keys[0],
                    v.map_or("missing".into(), |v| v.to_string()),
                    "a number of seconds, 0 or more",
                )),
            }
        };
        let start = number(["start", "start_s"]);
        let end = number(["end", "end_s"]);
        let text = match item.get("text").and_then(|t| t.as_str()) {
            Some(t) => Ok(t.split_whitespace().collect::<Vec<_>>().join(" ")),
            None => Err(at(
                "text",
                item.get("text").map_or("missing".into(), |v| v.to_string()),
                "the words spoken, as a string",
            )),
        };
        let speaker = item
            .get("speaker")
            .and_then(|s| s.as_str())
            .map(str::to_string);
        match (start, end, text) {
            (Ok(s), Ok(e), Ok(t)) => {
                if e < s {
                    problems.push(at("end", e.to_string(), "an end no earlier than the start"));
                } else if !t.is_empty() {
                    segments.push(Segment {
                        start_s: s,
                        end_s: e,
                        speaker,
                        text: t,
                    });
                }
            }
            (s, e, t) => problems.extend([s.err(), e.err(), t.err()].into_iter().flatten()),
        }
    }
    (segments, problems)
}

/// The phrases looked for, as a template lists them.
#[derive(Debug, Clone, Copy)]
pub struct Phrases<'a> {
    pub greeting: &'a [String],
    pub next_steps: &'a [String],
    pub inappropriate: &'a [String],
}

/// How far from each end of the call the greeting and the next-steps language are looked for.
pub const OPENING_S: f64 = 30.0;
pub const CLOSING_S: f64 = 60.0;

/// One prompt for the panel: what was looked for, whether it was found, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    /// `greeting`, `next-steps` or `language`.
    pub check: String,
    pub found: bool,
    pub at_s: Option<f64>,
    /// What to tell the panel, e.g. `"mate" said at 1:23`.
    pub message: String,
    /// The words that matched, if any.
    pub phrase: Option<String>,
}

/// Runs the phrase checks on a transcript.
pub fn prompts(segments: &[Segment], phrases: Phrases<'_>) -> Vec<Prompt> {
    let end = segments.iter().map(|s| s.end_s).fold(0.0, f64::max);
    // Each text and each phrase is normalised once; matching is then whole-word containment of
    // the padded forms ("mate" is not in "estimate").
    let texts: Vec<String> = segments.iter().map(|s| normalise(&s.text)).collect();
    let first = |window: &dyn Fn(&Segment) -> bool, list: &[(&str, String)]| {
        segments
            .iter()
            .zip(&texts)
            .filter(|(s, _)| window(s))
            .find_map(|(s, text)| {
                list.iter()
                    .find(|(_, n)| text.contains(n.as_str()))
                    .map(|(p, _)| (s.start_s, p.to_string()))
            })
    };
    let greeting = first(
        &|s: &Segment| s.start_s <= OPENING_S,
        &prepared(phrases.greeting),
    );
    let closing = first(
        &|s: &Segment| s.end_s >= end - CLOSING_S,
        &prepared(phrases.next_steps),
    );
    let mut out = vec![
        presence(
            "greeting",
            greeting,
            "A greeting",
            format!(
                "No greeting phrase in the first {OPENING_S:.0} seconds of the transcript: listen to the opening."
            ),
        ),
        presence(
            "next-steps",
            closing,
            "What happens next",
            format!(
                "No \"what happens next\" language in the last {CLOSING_S:.0} seconds: was the caller told?"
            ),
        ),
    ];
    let inappropriate = prepared(phrases.inappropriate);
    for (s, text) in segments.iter().zip(&texts) {
        for (term, n) in &inappropriate {
            if text.contains(n.as_str()) {
                out.push(Prompt {
                    check: "language".into(),
                    found: true,
                    at_s: Some(s.start_s),
                    message: format!(
                        "\"{term}\" at {}{}: was the language appropriate?",
                        clock(s.start_s),
                        s.speaker
                            .as_deref()
                            .map(|w| format!(", said by {w}"))
                            .unwrap_or_default()
                    ),
                    phrase: Some(term.to_string()),
                });
            }
        }
    }
    out
}

/// The prompt of a check for something that should be said: where it was heard, or `missing`.
fn presence(check: &str, heard: Option<(f64, String)>, what: &str, missing: String) -> Prompt {
    match heard {
        Some((at, p)) => Prompt {
            check: check.into(),
            found: true,
            at_s: Some(at),
            message: format!("{what} (\"{p}\") at {}.", clock(at)),
            phrase: Some(p),
        },
        None => Prompt {
            check: check.into(),
            found: false,
            at_s: None,
            message: missing,
            phrase: None,
        },
    }
}

/// A phrase list ready for matching: each phrase as written and normalised, leaving out those
/// with nothing to match (blank, or punctuation only), which would otherwise match every text.
fn prepared(list: &[String]) -> Vec<(&str, String)> {
    list.iter()
        .map(|p| (p.as_str(), normalise(p)))
        .filter(|(_, n)| !n.trim().is_empty())
        .collect()
}

/// Lower case, curly apostrophes made straight, everything but letters, digits and apostrophes
/// turned to single spaces, padded with a space each side for whole-word matching.
fn normalise(s: &str) -> String {
    let mut out = String::from(" ");
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = if c == '\u{2019}' || c == '\u{2018}' {
            '\''
        } else {
            c
        };
        if c.is_alphanumeric() || c == '\'' {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// A time in the call as `m:ss`, to the nearest second.
pub fn clock(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}
