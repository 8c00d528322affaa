//! Publishing a year for the public: the annual report and a summary of each call-audit session,
//! with call and handler references left out by construction (no public structure has a field
//! for them), and every text people wrote passed through [`crate::redact`]. The coordinator sees
//! each mask and undoes the ones that are wrong; what is published is the draft with the rest
//! applied.

use std::collections::HashSet;
use std::fmt::Write as _;

use callaudit_domain::audit::SessionStatus;
use callaudit_domain::template::ProgrammeKind;
use callaudit_domain::time::long_date;
use callaudit_storage::{Force, Result, Store};
use chrono::NaiveDate;
use serde::Serialize;

use crate::annual::{self, AnnualReport};
use crate::redact::{self, Found};
use crate::render::typed;

/// A session as the public reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicSession {
    pub held_on: NaiveDate,
    /// "Session of 3 March 2026: hate crime" or "…: no focus (all incident types)".
    pub title: String,
    /// "10 calls audited: 6 fully positive, 3 good with suggestions, 1 negative."
    pub summary: String,
    /// Area names with how many calls, e.g. "Silences explained (2)".
    pub areas: Vec<String>,
    pub issues: Vec<PublicIssue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicIssue {
    pub area: String,
    pub issue: String,
    pub response: String,
}

/// What would be published, before or after redaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub annual: AnnualReport,
    pub sessions: Vec<PublicSession>,
}

/// A mask as the coordinator is shown it: where, what kind, and the words around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskView {
    pub id: String,
    pub field: String,
    pub kind: &'static str,
    pub before: String,
    pub hidden: String,
    pub after: String,
}

impl Draft {
    /// Every text people wrote, with where it is, in a fixed order.
    fn fields(&self) -> Vec<(String, &String)> {
        let mut out: Vec<(String, &String)> = vec![
            ("The introduction".into(), &self.annual.introduction),
            ("The year ahead".into(), &self.annual.year_ahead),
            ("The force's response".into(), &self.annual.force_response),
        ];
        for (n, g) in self.annual.good_practice.iter().enumerate() {
            out.push((format!("Case study {}", n + 1), &g.text));
        }
        for s in &self.sessions {
            for (n, i) in s.issues.iter().enumerate() {
                out.push((format!("{}, issue {}", s.title, n + 1), &i.issue));
                out.push((
                    format!("{}, the force's response to issue {}", s.title, n + 1),
                    &i.response,
                ));
            }
        }
        out
    }

    /// The same fields as [`Draft::fields`], in the same order, to change.
    fn fields_mut(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = vec![
            &mut self.annual.introduction,
            &mut self.annual.year_ahead,
            &mut self.annual.force_response,
        ];
        for g in &mut self.annual.good_practice {
            out.push(&mut g.text);
        }
        for s in &mut self.sessions {
            for i in &mut s.issues {
                out.push(&mut i.issue);
                out.push(&mut i.response);
            }
        }
        out
    }
}

/// Up to `n` characters of `s` from its end (`from_end`) or its start, on character boundaries.
fn context(s: &str, n: usize, from_end: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    if from_end {
        chars[chars.len().saturating_sub(n)..].iter().collect()
    } else {
        chars[..n.min(chars.len())].iter().collect()
    }
}

/// Every mask the redaction step proposes, for the coordinator to accept or undo.
pub fn masks(d: &Draft) -> Vec<MaskView> {
    let mut out = Vec::new();
    for (n, (field, text)) in d.fields().into_iter().enumerate() {
        for f in redact::find(text) {
            out.push(MaskView {
                id: redact::mask_id(n, &f, text),
                field: field.clone(),
                kind: f.kind.label(),
                before: context(&text[..f.start], 40, true),
                hidden: text[f.start..f.end].to_string(),
                after: context(&text[f.end..], 40, false),
            });
        }
    }
    out
}

/// The draft with every mask applied except those whose ids are in `undone`; also how many
/// masks were applied and how many undone.
pub fn redacted(mut d: Draft, undone: &HashSet<String>) -> (Draft, usize, usize) {
    let (mut applied, mut kept) = (0, 0);
    for (n, text) in d.fields_mut().into_iter().enumerate() {
        let found: Vec<Found> = redact::find(text)
            .into_iter()
            .filter(|f| {
                let undo = undone.contains(&redact::mask_id(n, f, text));
                kept += usize::from(undo);
                !undo
            })
            .collect();
        applied += found.len();
        *text = redact::apply(text, &found);
    }
    (d, applied, kept)
}

/// The year's draft: the annual report and each call-audit session held in it.
pub async fn load(store: &Store, force: &Force, year: i32) -> Result<Draft> {
    let annual = annual::compute(&crate::annual::load(store, force, year).await?);
    let (from, to) = annual::year_bounds(year);
    let mut sessions = Vec::new();
    let mut all = store.sessions(force.id).await?;
    all.sort_by_key(|s| (s.held_on, s.id));
    for s in all {
        if s.held_on < from || s.held_on > to || s.status != SessionStatus::Closed {
            continue;
        }
        if store.programme(s.programme_id).await?.kind != ProgrammeKind::CallAudit {
            continue;
        }
        let r = crate::session::compute(&crate::session::load(store, force, s.id).await?);
        sessions.push(public_session(&r));
    }
    Ok(Draft { annual, sessions })
}

/// A session report without its call references, handler references, comments or draw.
pub fn public_session(r: &crate::session::SessionReport) -> PublicSession {
    let mut areas: Vec<(String, usize)> = Vec::new();
    for c in &r.calls {
        for a in &c.areas {
            match areas.iter_mut().find(|(n, _)| n == a) {
                Some((_, k)) => *k += 1,
                None => areas.push((a.clone(), 1)),
            }
        }
    }
    let focus = if r.focus.is_empty() {
        "no focus (all incident types)".to_string()
    } else {
        r.focus.to_lowercase()
    };
    let n = r.calls.len();
    PublicSession {
        held_on: r.held_on,
        title: format!("Session of {}: {focus}", long_date(r.held_on)),
        summary: format!(
            "{n} {} audited: {} fully positive, {} good with suggestions, {} negative.",
            if n == 1 { "call" } else { "calls" },
            r.positive,
            r.suggestions,
            r.negative
        ),
        areas: areas
            .into_iter()
            .map(|(a, k)| format!("{a} ({k})"))
            .collect(),
        issues: r
            .issues
            .iter()
            .map(|i| PublicIssue {
                area: if i.area.is_empty() {
                    "general".into()
                } else {
                    i.area.clone()
                },
                issue: i.issue.clone(),
                response: i
                    .response
                    .clone()
                    .unwrap_or_else(|| "Not answered yet.".into()),
            })
            .collect(),
    }
}

/// The published text as Markdown: the annual report, then the sessions.
pub fn markdown(d: &Draft) -> String {
    let mut s = crate::annual::markdown(&d.annual);
    if d.sessions.is_empty() {
        return s;
    }
    let _ = writeln!(s, "\n## The sessions held");
    for p in &d.sessions {
        let _ = writeln!(s, "\n### {}\n\n{}", p.title, p.summary);
        if !p.areas.is_empty() {
            let _ = writeln!(s, "\nAreas for improvement: {}.", p.areas.join("; "));
        }
        for i in &p.issues {
            let _ = writeln!(
                s,
                "\n> **Issue ({}):** {}\n>\n> **The force's response:** {}",
                i.area,
                typed(&i.issue).replace('\n', "\n> "),
                typed(&i.response).replace('\n', "\n> ")
            );
        }
    }
    s
}

/// The published text as a web page.
pub fn html(d: &Draft) -> std::result::Result<String, askama::Error> {
    crate::html::annual_with(&d.annual, &d.sessions)
}
