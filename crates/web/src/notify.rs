//! Notices: what needs each person now, worked out from the database whenever it is asked (so a
//! notice disappears once dealt with), shown on the person's home page, and, when the
//! deployment names an SMTP server, mailed once each by a background round that never holds up a
//! request. A send that fails is retried with a growing delay and, after the last attempt, kept
//! as failed on the administrator's page, from where it can be sent again.
//!
//! A notice says where to look, never what a call or a finding said: the email leaves the
//! system, the details stay behind the sign-in.

use std::collections::HashMap;

use callaudit_domain::audit::{ActionStatus, is_overdue};
use callaudit_domain::time::long_date;
use callaudit_storage::Store;
use callaudit_storage::accountability::ForceIssue;
use callaudit_storage::export::ActionRow;
use callaudit_storage::outbox::SessionPeople;
use chrono::{DateTime, NaiveDate, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Days before a session when its panel is reminded.
pub const REMINDER_DAYS: i64 = 2;
/// Days before an action's due date when its owner is told.
pub const DUE_SOON_DAYS: i64 = 7;

/// Something a person needs to know or do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub person_id: i64,
    /// Names the notice for the outbox, so it is mailed once; a changed date makes a new one.
    pub key: String,
    pub text: String,
    pub link: String,
}

/// Every notice of one force on `today`.
pub fn notices(
    today: NaiveDate,
    sessions: &[SessionPeople],
    issues: &[ForceIssue],
    actions: &[ActionRow],
    leads: &[i64],
) -> Vec<Notice> {
    let mut out = Vec::new();
    for s in sessions {
        if !matches!(s.status.as_str(), "planned" | "open") || s.held_on < today {
            continue;
        }
        let date = long_date(s.held_on);
        let days = (s.held_on - today).num_days();
        for &p in &s.panel {
            out.push(Notice {
                person_id: p,
                key: format!("panel:{}:{}", s.session_id, s.held_on),
                text: format!("You are on the panel of the session on {date}."),
                link: format!("/sessions/{}", s.session_id),
            });
            if days <= REMINDER_DAYS {
                let when = match days {
                    0 => "today".to_string(),
                    1 => "tomorrow".to_string(),
                    n => format!("in {n} days"),
                };
                out.push(Notice {
                    person_id: p,
                    key: format!("reminder:{}:{}", s.session_id, s.held_on),
                    text: format!("Reminder: the session on {date} is {when}."),
                    link: format!("/sessions/{}", s.session_id),
                });
            }
        }
    }
    for i in issues {
        let place = format!(
            "call {} of the session of {}",
            i.position,
            long_date(i.held_on)
        );
        if let (None, Some(f)) = (&i.response, i.facilitator_id) {
            out.push(Notice {
                person_id: f,
                key: format!("issue:{}", i.id),
                text: format!("An issue on {place} awaits the force's response."),
                link: format!("/sessions/{}/responses#issue-{}", i.session_id, i.id),
            });
        }
        if let (true, Some(at)) = (i.awaits_answer(), i.escalated_at) {
            for &lead in leads {
                out.push(Notice {
                    person_id: lead,
                    key: format!("escalation:{}:{}", i.id, at.timestamp()),
                    text: format!("An issue on {place} has been escalated to you."),
                    link: format!("/force#issue-{}", i.id),
                });
            }
        }
    }
    for a in actions {
        let (Some(owner), Some(due)) = (a.owner_id, a.due_on) else {
            continue;
        };
        let status = ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open);
        if !status.is_live() {
            continue;
        }
        let (kind, text) = if is_overdue(status, Some(due), today) {
            (
                "overdue",
                format!(
                    "Action {} was due on {} and is overdue.",
                    a.reference,
                    long_date(due)
                ),
            )
        } else if (due - today).num_days() <= DUE_SOON_DAYS {
            (
                "due",
                format!("Action {} is due on {}.", a.reference, long_date(due)),
            )
        } else {
            continue;
        };
        out.push(Notice {
            person_id: owner,
            key: format!("{kind}:{}:{due}", a.id),
            text,
            link: format!("/actions/{}", a.id),
        });
    }
    out
}

/// Days before a volunteer's vetting ends when they and the coordinators are told.
pub const VETTING_NOTICE_DAYS: i64 = 30;

/// A volunteer whose vetting has an end date: (person, name, last day it holds).
pub type Vetting = (i64, String, NaiveDate);

/// Notices of vetting about to end or ended: the volunteer is told from
/// [`VETTING_NOTICE_DAYS`] before, and so is each coordinator, who is told again once it has
/// ended, since the volunteer can then not be put on a panel until it is renewed.
pub fn vetting_notices(today: NaiveDate, vetting: &[Vetting], coordinators: &[i64]) -> Vec<Notice> {
    let mut out = Vec::new();
    for (person, name, ends) in vetting {
        let date = long_date(*ends);
        let days = (*ends - today).num_days();
        if days < 0 {
            for &c in coordinators {
                out.push(Notice {
                    person_id: c,
                    key: format!("vetting-ended:{person}:{ends}"),
                    text: format!(
                        "{name}'s vetting ended on {date}: they cannot be put on a panel until it is renewed."
                    ),
                    link: format!("/auditors/{person}"),
                });
            }
        } else if days <= VETTING_NOTICE_DAYS {
            out.push(Notice {
                person_id: *person,
                key: format!("vetting-ends:{person}:{ends}"),
                text: format!(
                    "Your vetting ends on {date}. Tell the scheme's coordinator when it is renewed."
                ),
                link: "/".into(),
            });
            for &c in coordinators {
                out.push(Notice {
                    person_id: c,
                    key: format!("vetting-ends:{person}:{ends}"),
                    text: format!("{name}'s vetting ends on {date}."),
                    link: format!("/auditors/{person}"),
                });
            }
        }
    }
    out
}

/// Every notice of a force now.
pub async fn force_notices(
    store: &Store,
    force_id: i64,
    today: NaiveDate,
) -> callaudit_storage::Result<Vec<Notice>> {
    let leads: Vec<i64> = store
        .people_with_role(force_id, "force-lead")
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let ids = |v: Vec<callaudit_storage::accounts::Person>| -> Vec<i64> {
        v.into_iter().filter(|p| p.active).map(|p| p.id).collect()
    };
    let coordinators = ids(store.people_with_role(force_id, "coordinator").await?);
    let training = store.training_records(force_id).await?;
    let vetting: Vec<Vetting> = store
        .people_with_role(force_id, "auditor")
        .await?
        .into_iter()
        .filter(|p| p.active)
        .filter_map(|p| {
            let ends = training.get(&p.id)?.vetting_expires_on?;
            Some((p.id, p.display_name, ends))
        })
        .collect();
    let mut out = notices(
        today,
        &store.session_people(force_id).await?,
        &store.force_issues(force_id).await?,
        &store.actions(force_id).await?,
        &leads,
    );
    out.extend(vetting_notices(today, &vetting, &coordinators));
    Ok(out)
}

/// Where and how the deployment sends mail.
#[derive(Clone)]
pub struct MailSettings {
    pub transport: AsyncSmtpTransport<Tokio1Executor>,
    pub from: Mailbox,
    /// The address people open the application at, for the link in a message.
    pub public_url: Option<String>,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("from", &self.from.to_string())
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl MailSettings {
    /// From `--smtp URL`: `smtps://user:password@host` (TLS), `smtp://host?tls=required`
    /// (STARTTLS), or plain `smtp://host:port` to this machine only, since anything else would
    /// send people's names and addresses over the network in clear.
    pub fn new(url: &str, from: &str, public_url: Option<String>) -> Result<MailSettings, String> {
        let scheme_end = url.find("://").ok_or_else(|| {
            format!("{url:?} is not an SMTP address: give it as smtps://user:password@host or smtp://127.0.0.1:25")
        })?;
        let scheme = &url[..scheme_end];
        if scheme != "smtp" && scheme != "smtps" {
            return Err(format!(
                "{scheme:?} is not smtp or smtps: give the mail server as smtps://user:password@host"
            ));
        }
        let authority = url[scheme_end + 3..].split(['/', '?']).next().unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let host = match host_port.find(']') {
            Some(end) if host_port.starts_with('[') => &host_port[..=end],
            _ => host_port.split(':').next().unwrap_or(""),
        };
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
        let tls = scheme == "smtps" || url.contains("tls=required") || url.contains("tls=wrapper");
        if !tls && !loopback {
            return Err(format!(
                "the mail server {host:?} would be spoken to in clear: use smtps://{host} or smtp://{host}?tls=required (plain smtp:// is only for a relay on this machine)"
            ));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the mail server address {url:?} is not usable: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from: Mailbox = from.parse().map_err(|e| {
            format!("{from:?} is not an address to send from ({e}): give one such as callaudit@example.org")
        })?;
        Ok(MailSettings {
            transport,
            from,
            public_url,
        })
    }
}

/// What one round of the mailer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
}

/// Queues every new notice of every force for its person (active accounts only), then sends
/// what is due. Each message is written before it is sent and marked after, so a crash loses
/// nothing: at worst a message goes twice.
pub async fn mail_round(
    store: &Store,
    settings: &MailSettings,
    now: DateTime<Utc>,
) -> callaudit_storage::Result<Round> {
    let today = now
        .with_timezone(&callaudit_domain::time::DEFAULT_TZ)
        .date_naive();
    let mut round = Round::default();
    for force in store.forces().await? {
        let notices = force_notices(store, force.id, today).await?;
        if notices.is_empty() {
            continue;
        }
        let people: HashMap<i64, (String, String)> = store
            .people(Some(force.id))
            .await?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.id, (p.display_name, p.email)))
            .collect();
        let mut tx = store.begin_in(Some(force.id), "mailer").await?;
        for n in &notices {
            let Some((name, email)) = people.get(&n.person_id) else {
                continue;
            };
            let link = match &settings.public_url {
                Some(base) => format!("{}{}", base.trim_end_matches('/'), n.link),
                None => format!("Sign in to callaudit and open {}", n.link),
            };
            let body = format!(
                "Hello {name},\n\n{}\n\n{link}\n\nThis message says only where to look: the details are kept behind the sign-in.\n",
                n.text
            );
            if tx
                .queue_mail(n.person_id, &n.key, email, &n.text, &body, now)
                .await?
            {
                round.queued += 1;
            }
        }
        tx.commit().await?;
    }
    for m in store.due_mail(now, 100).await? {
        // Another server on the same database may be sending the same round.
        let mut tx = store.begin("mailer").await?;
        let mine = tx.claim_mail(m.id, now).await?;
        tx.commit().await?;
        if !mine {
            continue;
        }
        let result = match message(settings, &m) {
            Ok(msg) => settings
                .transport
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        let mut tx = store.begin("mailer").await?;
        match result {
            Ok(()) => {
                tx.mail_sent(m.id, Utc::now()).await?;
                round.sent += 1;
            }
            Err(e) => {
                tracing::warn!(target: "callaudit::mail", id = m.id, error = %e, "a message could not be sent");
                tx.mail_failed(&m, &e, Utc::now()).await?;
                round.failed += 1;
            }
        }
        tx.commit().await?;
    }
    Ok(round)
}

fn message(
    settings: &MailSettings,
    m: &callaudit_storage::outbox::Mail,
) -> Result<Message, String> {
    let to: Mailbox = m
        .email
        .parse()
        .map_err(|e| format!("the address {:?} cannot be mailed: {e}", m.email))?;
    Message::builder()
        .from(settings.from.clone())
        .to(to)
        .subject(&m.subject)
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

/// Runs a mail round now and then every `every`, until the server stops. A round that fails
/// (the database is away) is logged and tried again next time.
pub fn spawn_mailer(store: Store, settings: MailSettings, every: std::time::Duration) {
    tokio::spawn(async move {
        loop {
            match mail_round(&store, &settings, Utc::now()).await {
                Ok(r) if r != Round::default() => {
                    tracing::info!(target: "callaudit::mail", queued = r.queued, sent = r.sent, failed = r.failed, "mail round");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(target: "callaudit::mail", error = %crate::log::chain(&e), "mail round");
                }
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn session(id: i64, held_on: NaiveDate, status: &str) -> SessionPeople {
        SessionPeople {
            session_id: id,
            held_on,
            status: status.into(),
            facilitator_id: Some(50),
            panel: vec![7, 8],
        }
    }

    fn issue(id: i64, response: bool, escalated: bool, answered: bool) -> ForceIssue {
        ForceIssue {
            id,
            session_id: 1,
            held_on: day(3, 3),
            position: 4,
            area_code: None,
            description: "secret words".into(),
            raised_at: "2026-03-03T12:00:00Z".parse().unwrap(),
            response: response.then(|| "r".into()),
            escalation_note: escalated.then(|| "n".into()),
            escalated_at: escalated.then(|| "2026-03-04T12:00:00Z".parse().unwrap()),
            escalation_answer: answered.then(|| "a".into()),
            facilitator_id: Some(50),
        }
    }

    fn action(id: i64, due: NaiveDate, status: &str) -> ActionRow {
        ActionRow {
            id,
            reference: format!("2026/{id:02}"),
            text: "t".into(),
            owner: "o".into(),
            owner_id: Some(60),
            due_on: Some(due),
            status: status.into(),
            rag: None,
            private_reason: None,
            session_id: None,
            session_call_id: None,
            issue_id: None,
            closed_on: None,
            session_held_on: None,
            call_position: None,
        }
    }

    #[test]
    fn each_person_is_told_what_needs_them_and_nothing_else() {
        let today = day(3, 10);
        let sessions = [
            session(1, day(3, 12), "planned"), // in two days: planned and a reminder
            session(2, day(3, 20), "open"),    // later: planned only
            session(3, day(3, 1), "planned"),  // in the past: nothing
            session(4, day(3, 11), "closed"),  // closed: nothing
        ];
        let issues = [
            issue(10, false, false, false), // unanswered: the facilitator
            issue(11, true, true, false),   // escalated, awaiting: every force lead
            issue(12, true, true, true),    // answered: nothing
        ];
        let actions = [
            action(1, day(3, 9), "open"),         // overdue
            action(2, day(3, 17), "in-progress"), // due in 7 days
            action(3, day(3, 18), "open"),        // in 8 days: not yet
            action(4, day(3, 1), "done"),         // done: nothing
        ];
        let n = notices(today, &sessions, &issues, &actions, &[60, 61]);
        let keys: Vec<(i64, &str)> = n.iter().map(|n| (n.person_id, n.key.as_str())).collect();
        assert_eq!(
            keys,
            [
                (7, "panel:1:2026-03-12"),
                (7, "reminder:1:2026-03-12"),
                (8, "panel:1:2026-03-12"),
                (8, "reminder:1:2026-03-12"),
                (7, "panel:2:2026-03-20"),
                (8, "panel:2:2026-03-20"),
                (50, "issue:10"),
                (60, "escalation:11:1772625600"),
                (61, "escalation:11:1772625600"),
                (60, "overdue:1:2026-03-09"),
                (60, "due:2:2026-03-17"),
            ]
        );
        assert_eq!(
            n[1].text,
            "Reminder: the session on 12 March 2026 is in 2 days."
        );
        assert_eq!(
            n[6].text,
            "An issue on call 4 of the session of 3 March 2026 awaits the force's response."
        );
        assert!(
            n.iter().all(|n| !n.text.contains("secret")),
            "a notice never carries what was written"
        );
    }

    #[test]
    fn volunteers_and_coordinators_hear_of_vetting_ending() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let today = day(3, 10);
        let vetting = [
            (1, "Ann".to_string(), day(4, 9)),  // in 30 days: both told
            (2, "Ben".to_string(), day(4, 10)), // in 31 days: not yet
            (3, "Cy".to_string(), day(3, 9)),   // ended yesterday: the coordinators
            (4, "Di".to_string(), day(3, 10)),  // ends today, still holds: both told
        ];
        let n = vetting_notices(today, &vetting, &[90, 91]);
        let keys: Vec<(i64, &str)> = n.iter().map(|n| (n.person_id, n.key.as_str())).collect();
        assert_eq!(
            keys,
            [
                (1, "vetting-ends:1:2026-04-09"),
                (90, "vetting-ends:1:2026-04-09"),
                (91, "vetting-ends:1:2026-04-09"),
                (90, "vetting-ended:3:2026-03-09"),
                (91, "vetting-ended:3:2026-03-09"),
                (4, "vetting-ends:4:2026-03-10"),
                (90, "vetting-ends:4:2026-03-10"),
                (91, "vetting-ends:4:2026-03-10"),
            ]
        );
        assert_eq!(
            n[0].text,
            "Your vetting ends on 9 April 2026. Tell the scheme's coordinator when it is renewed."
        );
        assert_eq!(
            n[3].text,
            "Cy's vetting ended on 9 March 2026: they cannot be put on a panel until it is renewed."
        );
        assert_eq!(n[3].link, "/auditors/3");
    }

    #[test]
    fn a_remote_mail_server_must_be_spoken_to_over_tls() {
        let from = "callaudit@example.org";
        assert!(MailSettings::new("smtp://127.0.0.1:2525", from, None).is_ok());
        assert!(MailSettings::new("smtp://localhost:25", from, None).is_ok());
        assert!(MailSettings::new("smtps://u:p@mail.example.org", from, None).is_ok());
        assert!(MailSettings::new("smtp://mail.example.org:587?tls=required", from, None).is_ok());
        let clear = MailSettings::new("smtp://mail.example.org:25", from, None).unwrap_err();
        assert!(clear.contains("in clear"), "{clear}");
        assert!(MailSettings::new("http://x", from, None).is_err());
        assert!(MailSettings::new("smtp://127.0.0.1", "not an address", None).is_err());
    }
}
