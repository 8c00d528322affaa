//! The board pack: the action log as a scrutiny board reads it (seed 002), the actions still open
//! with overdue ones first, each with its owner, due date, RAG rating, where it came from and its
//! progress notes. The public pack leaves Part 2 (private) actions out and says how many it left
//! out; the full pack marks them with their reason. One plain [`BoardPack`] is written as
//! Markdown here and typeset as PDF by [`crate::pdf::board`], so both say the same.

use std::collections::HashMap;
use std::fmt::Write as _;

use callaudit_domain::audit::{ActionStatus, Rag, is_overdue};
use callaudit_domain::time::long_date;
use callaudit_storage::accountability::ActionNote;
use callaudit_storage::export::ActionRow;
use chrono::NaiveDate;
use serde::Serialize;

use crate::render::{typed, typed_cell};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardPack {
    pub scheme: String,
    /// The day the pack was made: what "overdue" is judged against.
    pub as_of: NaiveDate,
    /// Whether Part 2 actions were left out.
    pub public: bool,
    pub actions: Vec<PackAction>,
    pub overdue: usize,
    /// Part 2 actions left out of a public pack.
    pub private_left_out: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackAction {
    pub reference: String,
    pub text: String,
    pub owner: String,
    /// As people write dates ("31 July 2026"), or "" when none was set.
    pub due: String,
    pub overdue: bool,
    pub status: &'static str,
    pub rag: Option<&'static str>,
    /// 1 (public) or 2 (private).
    pub part: u8,
    pub private_reason: Option<String>,
    /// Where it came from ("session of 3 March 2026, call 4"), or "" when raised by the board.
    pub origin: String,
    pub notes: Vec<PackNote>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackNote {
    pub date: String,
    pub author: String,
    pub note: String,
}

/// Where an action came from, in words.
pub fn origin(a: &ActionRow) -> String {
    match (a.session_held_on, a.call_position) {
        (Some(d), Some(n)) => format!("session of {}, call {n}", long_date(d)),
        (Some(d), None) => format!("session of {}", long_date(d)),
        _ => String::new(),
    }
}

/// The open actions (open or in progress), overdue first, then by due date (undated last), then
/// by reference; Part 2 left out when `public`.
pub fn compute(
    scheme: &str,
    actions: &[ActionRow],
    notes: &HashMap<i64, Vec<ActionNote>>,
    as_of: NaiveDate,
    public: bool,
) -> BoardPack {
    let live: Vec<&ActionRow> = actions
        .iter()
        .filter(|a| ActionStatus::parse(&a.status).is_some_and(ActionStatus::is_live))
        .collect();
    let private_left_out = if public {
        live.iter().filter(|a| a.private_reason.is_some()).count()
    } else {
        0
    };
    let mut out: Vec<(bool, &ActionRow)> = live
        .into_iter()
        .filter(|a| !public || a.private_reason.is_none())
        .map(|a| {
            let status = ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open);
            (is_overdue(status, a.due_on, as_of), a)
        })
        .collect();
    out.sort_by(|(o1, a1), (o2, a2)| {
        o2.cmp(o1)
            .then_with(|| a1.due_on.is_none().cmp(&a2.due_on.is_none()))
            .then_with(|| a1.due_on.cmp(&a2.due_on))
            .then_with(|| a1.reference.cmp(&a2.reference))
    });
    let actions: Vec<PackAction> = out
        .into_iter()
        .map(|(overdue, a)| PackAction {
            reference: a.reference.clone(),
            text: a.text.clone(),
            owner: a.owner.clone(),
            due: a.due_on.map(long_date).unwrap_or_default(),
            overdue,
            status: ActionStatus::parse(&a.status)
                .unwrap_or(ActionStatus::Open)
                .label(),
            rag: a.rag.as_deref().and_then(Rag::parse).map(Rag::label),
            part: if a.private_reason.is_some() { 2 } else { 1 },
            private_reason: a.private_reason.clone(),
            origin: origin(a),
            notes: notes
                .get(&a.id)
                .map(|ns| {
                    ns.iter()
                        .map(|n| PackNote {
                            date: long_date(
                                n.written_at
                                    .with_timezone(&callaudit_domain::time::DEFAULT_TZ)
                                    .date_naive(),
                            ),
                            author: n.author.clone(),
                            note: n.note.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    BoardPack {
        scheme: scheme.to_string(),
        as_of,
        public,
        overdue: actions.iter().filter(|a| a.overdue).count(),
        actions,
        private_left_out,
    }
}

/// The pack as Markdown: a summary table, then each action with its notes. What people typed
/// is escaped.
pub fn markdown(p: &BoardPack) -> String {
    let mut s = String::new();
    let w = &mut s;
    let which = if p.public {
        "public pack (Part 1)"
    } else {
        "full pack (Parts 1 and 2)"
    };
    let _ = writeln!(w, "# {}: action log, {which}\n", typed(&p.scheme));
    let _ = writeln!(
        w,
        "Open actions as at {}: {} open, {} overdue.",
        long_date(p.as_of),
        p.actions.len(),
        p.overdue
    );
    if p.private_left_out > 0 {
        let _ = writeln!(
            w,
            "\n{} Part 2 (private) {} left out of this pack.",
            p.private_left_out,
            if p.private_left_out == 1 {
                "action is"
            } else {
                "actions are"
            }
        );
    }
    if p.actions.is_empty() {
        let _ = writeln!(w, "\nNo action is open.");
        return s;
    }
    let _ = writeln!(
        w,
        "\n| Reference | Action | Owner | Due | Status | RAG |\n|---|---|---|---|---|---|"
    );
    for a in &p.actions {
        let due = if a.due.is_empty() {
            "–".to_string()
        } else if a.overdue {
            format!("{} (overdue)", a.due)
        } else {
            a.due.clone()
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {due} | {} | {} |",
            a.reference,
            typed_cell(&a.text),
            typed_cell(&a.owner),
            a.status,
            a.rag.unwrap_or("Not rated")
        );
    }
    for a in &p.actions {
        let _ = writeln!(w, "\n## {}\n\n{}\n", a.reference, typed(&a.text));
        let _ = writeln!(w, "- Owner: {}", typed_cell(&a.owner));
        if !a.origin.is_empty() {
            let _ = writeln!(w, "- From: {}", a.origin);
        }
        if let Some(reason) = &a.private_reason {
            let _ = writeln!(w, "- Part 2 (private): {}", typed_cell(reason));
        }
        if a.notes.is_empty() {
            let _ = writeln!(w, "\nNo progress noted yet.");
        } else {
            let _ = writeln!(w, "\nProgress:\n");
            for n in &a.notes {
                let _ = writeln!(
                    w,
                    "- {} ({}): {}",
                    n.date,
                    typed_cell(&n.author),
                    typed_cell(&n.note)
                );
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(reference: &str, due: Option<(i32, u32, u32)>, private: bool) -> ActionRow {
        ActionRow {
            id: reference.len() as i64,
            reference: reference.into(),
            text: format!("Do {reference}"),
            owner: "FCC".into(),
            owner_id: None,
            due_on: due.map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
            status: "open".into(),
            rag: Some("amber".into()),
            private_reason: private.then(|| "Section 31".into()),
            session_id: None,
            session_call_id: None,
            issue_id: None,
            closed_on: None,
            session_held_on: NaiveDate::from_ymd_opt(2026, 3, 3),
            call_position: Some(4),
        }
    }

    #[test]
    fn overdue_first_then_by_due_date_and_part_2_only_in_the_full_pack() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut done = action("2026/09", Some((2026, 1, 1)), false);
        done.status = "done".into();
        let log = vec![
            action("2026/01", None, false),
            action("2026/02", Some((2026, 9, 1)), false),
            action("2026/03", Some((2026, 5, 1)), false),
            action("2026/04", Some((2026, 7, 1)), true),
            action("2026/05", Some((2026, 4, 1)), false),
            done,
        ];
        let full = compute("Testshire", &log, &HashMap::new(), today, false);
        let refs: Vec<&str> = full.actions.iter().map(|a| a.reference.as_str()).collect();
        assert_eq!(
            refs,
            ["2026/05", "2026/03", "2026/04", "2026/02", "2026/01"]
        );
        assert_eq!((full.overdue, full.private_left_out), (2, 0));
        assert_eq!(full.actions[0].origin, "session of 3 March 2026, call 4");
        let public = compute("Testshire", &log, &HashMap::new(), today, true);
        assert!(public.actions.iter().all(|a| a.part == 1));
        assert_eq!((public.actions.len(), public.private_left_out), (4, 1));
        let md = markdown(&public);
        assert!(md.contains("1 Part 2 (private) action is left out"));
        assert!(
            md.contains("| 2026/05 | Do 2026/05 | FCC | 1 April 2026 (overdue) | Open | Amber |")
        );
        assert!(!md.contains("Section 31"));
        assert!(markdown(&full).contains("- Part 2 (private): Section 31"));
    }

    #[test]
    fn what_people_typed_cannot_become_markup() {
        let mut a = action("2026/01", None, false);
        a.text = "<script>x</script> [click](javascript:alert(1))".into();
        let md = markdown(&compute("T", &[a], &HashMap::new(), NaiveDate::MIN, true));
        assert!(!md.contains("<script>") && md.contains("&lt;script&gt;"));
        assert!(md.contains(r"\[click\](javascript") && !md.contains(" [click]("));
    }
}
