//! Transcripts in WebVTT, SRT and JSON, the problems reported for bad ones, and the phrase
//! prompts the panel sees.

use callaudit_audio::transcript::{Format, Phrases, Segment, parse, prompts};

const VTT: &str = "\u{feff}WEBVTT - call 24-0001\nKind: captions\n\nNOTE exported by the force's speech system\n\n1\n00:00:00.500 --> 00:00:03.000\n<v Handler>Police, what's your emergency?</v>\n\n2\n00:03.200 --> 00:09.000 align:start\n<v.caller Caller>Someone's trying to get\ninto my car &amp; I'm scared</v>\n\n00:01:10.000 --> 00:01:15.250\n<v Handler>Officers will be with you shortly, mate.</v>\n";

const SRT: &str = "1\n00:00:00,500 --> 00:00:03,000\nHello, Testshire Police, how can I help?\n\n2\n00:00:03,200 --> 00:00:09,000\nThere's a man outside\nmy house.\n\n3\n00:00:50,000 --> 00:00:55,000\nI'll give you an estimate of the time.\n";

fn phrases() -> (Vec<String>, Vec<String>, Vec<String>) {
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    (
        v(&["what's your emergency", "how can I help"]),
        v(&["officers will", "what happens next"]),
        v(&["mate", "calm down"]),
    )
}

#[test]
fn webvtt_cues_voices_and_markup_are_read() {
    let s = parse(VTT, Format::WebVtt).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(
        s[0],
        Segment {
            start_s: 0.5,
            end_s: 3.0,
            speaker: Some("Handler".into()),
            text: "Police, what's your emergency?".into()
        }
    );
    assert_eq!(s[1].start_s, 3.2, "MM:SS.mmm is accepted");
    assert_eq!(s[1].speaker.as_deref(), Some("Caller"));
    assert_eq!(
        s[1].text,
        "Someone's trying to get into my car & I'm scared"
    );
    assert_eq!(s[2].end_s, 75.25);
}

#[test]
fn srt_and_json_are_read() {
    let s = parse(SRT, Format::Srt).unwrap();
    assert_eq!(s.len(), 3);
    assert_eq!(s[1].text, "There's a man outside my house.");
    assert_eq!(s[1].speaker, None);

    let array = r#"[{"start": 0.5, "end": 3, "speaker": "handler", "text": "Police, what's your emergency?"},
                    {"start_s": 4, "end_s": 6.5, "text": "  my  car "}]"#;
    let s = parse(array, Format::Json).unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[1].text, "my car");
    assert_eq!(s[1].end_s, 6.5);
    let object = r#"{"language": "en-GB", "segments": [{"start": 1, "end": 2, "text": "hello"}]}"#;
    assert_eq!(parse(object, Format::Json).unwrap().len(), 1);
    assert_eq!(Format::from_extension("VTT"), Some(Format::WebVtt));
    assert_eq!(Format::from_extension("txt"), None);
}

#[test]
fn every_problem_is_reported_with_its_place_and_nothing_is_read() {
    let bad = "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nhello\n\nno timing here\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n\n00:00:61.000 --> 00:01:02.000\nseconds out of range\n";
    let problems = parse(bad, Format::WebVtt).unwrap_err();
    let summary: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 4, "{summary:#?}");
    assert_eq!((problems[0].line, problems[0].column), (3, 18));
    assert_eq!(problems[0].value, "00:00:0x.000");
    assert!(problems[0].expected.contains("HH:MM:SS.mmm"));
    assert_eq!(problems[1].line, 6);
    assert!(problems[1].expected.contains("cue timing line"));
    assert_eq!(problems[2].line, 8);
    assert!(problems[2].expected.contains("no earlier than the start"));
    assert_eq!((problems[3].line, problems[3].column), (11, 1));

    let p = parse("1\n00:00:01.000 --> 00:00:02,000\nhi\n", Format::WebVtt).unwrap_err();
    assert!(p[0].expected.contains("first line is WEBVTT"));
    let p = parse("1\n00:00:01,000 -> 00:00:02,000\nhi\n", Format::Srt).unwrap_err();
    assert_eq!(p[0].line, 1);

    let p = parse(
        "[{\"start\": 1, \"end\": 2, \"text\": \"a\"},\n {\"start\": -1, \"text\": 5}]",
        Format::Json,
    )
    .unwrap_err();
    assert_eq!(p.len(), 3, "{p:#?}");
    assert!(p.iter().all(|x| x.line == 2));
    let p = parse("{\"segments\": [\n  {\"start\": 1,,}]}", Format::Json).unwrap_err();
    assert_eq!((p[0].line, p[0].column), (2, 15));
    assert!(parse("WEBVTT\n\nNOTE nothing else\n", Format::WebVtt).is_err());
    assert!(parse("", Format::Srt).is_err());
}

#[test]
fn no_cut_of_any_input_panics_the_readers() {
    let inputs = [
        VTT,
        SRT,
        "WEBVTT\n\n-->",
        "-->\n-->",
        "WEBVTT\n\n<v",
        "[{}]",
        "{\"segments\": 3}",
        "00:00:00,000 --> ",
    ];
    for input in inputs {
        for cut in 0..input.len() {
            if input.is_char_boundary(cut) {
                for format in [Format::WebVtt, Format::Srt, Format::Json] {
                    let _ = parse(&input[..cut], format);
                }
            }
        }
    }
}

#[test]
fn prompts_point_to_the_greeting_the_next_steps_and_doubtful_language() {
    let (g, n, i) = phrases();
    let phrases = Phrases {
        greeting: &g,
        next_steps: &n,
        inappropriate: &i,
    };
    let p = prompts(&parse(VTT, Format::WebVtt).unwrap(), phrases);
    assert_eq!(p.len(), 3, "{p:#?}");
    assert!(p[0].found && p[0].check == "greeting" && p[0].at_s == Some(0.5));
    assert!(p[1].found && p[1].check == "next-steps");
    assert_eq!(
        p[1].message,
        "What happens next (\"officers will\") at 1:10."
    );
    assert_eq!(p[2].check, "language");
    assert_eq!(
        p[2].message,
        "\"mate\" at 1:10, said by Handler: was the language appropriate?"
    );

    // "estimate" is not "mate"; a call with no closing language is flagged as a question.
    let p = prompts(&parse(SRT, Format::Srt).unwrap(), phrases);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(p[0].found, "\"how can I help\" matched across case");
    assert!(!p[1].found);
    assert!(p[1].message.contains("was the caller told?"));

    // Curly apostrophes match straight ones; a greeting after 30 seconds is not the greeting.
    let late = vec![
        Segment {
            start_s: 0.0,
            end_s: 5.0,
            speaker: None,
            text: "Hello?".into(),
        },
        Segment {
            start_s: 40.0,
            end_s: 45.0,
            speaker: None,
            text: "What\u{2019}s your emergency?".into(),
        },
    ];
    assert!(!prompts(&late, phrases)[0].found);
    let early = vec![Segment {
        start_s: 20.0,
        ..late[1].clone()
    }];
    assert!(prompts(&early, phrases)[0].found);

    // A phrase with nothing to match (blank or punctuation) matches nothing, not everything.
    let blank = vec![" ".to_string(), "--".to_string()];
    let p = prompts(
        &early,
        Phrases {
            greeting: &blank,
            next_steps: &blank,
            inappropriate: &blank,
        },
    );
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(!p[0].found && !p[1].found);
}
