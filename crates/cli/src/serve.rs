//! `callaudit serve`: the web application. With `--demo` an empty database is first filled with
//! the demo year, every demo account gets the demo password, the next session is planned (ready
//! for the coordinator to draw in front of the panel), and synthetic recordings are written so
//! the player has something to play.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use callaudit_domain::audit::{Role, SessionStatus};
use callaudit_storage::Store;
use chrono::NaiveDate;

use crate::Context_;
use crate::cli::ServeArgs;
use crate::demo::{FORCE_CODE, FORCE_NAME};

/// The password of every demo account. The sign-in page shows it, and only with `--demo`.
pub const DEMO_PASSWORD: &str = "callaudit-demo";

pub async fn run(ctx: &Context_, a: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let mut config = callaudit_web::Config {
        recordings: a.recordings.clone(),
        profiles: a.profiles.clone(),
        secure_cookies: !a.insecure_cookies,
        ..callaudit_web::Config::default()
    };
    if a.demo {
        if !crate::demo::loaded(&store).await? {
            eprintln!("Filling the empty database with {FORCE_NAME}'s demo year…");
            crate::demo::generate(&store, a.seed).await?;
        }
        config.demo_logins = prepare_demo(&store, &a.recordings).await?;
        config.demo_password = DEMO_PASSWORD.into();
    }
    // A wrong mail server address stops the start, rather than every notice failing later.
    let mail = match &a.smtp {
        Some(url) => Some(
            callaudit_web::notify::MailSettings::new(url, &a.mail_from, a.public_url.clone())
                .map_err(|e| anyhow::anyhow!("--smtp: {e}"))?,
        ),
        None => None,
    };
    config.mail = mail.is_some();
    let stale = callaudit_web::clear_stale_uploads();
    if stale > 0 {
        eprintln!(
            "Removed {stale} upload file(s) left by a server that stopped while reading them."
        );
    }
    let listener = tokio::net::TcpListener::bind(&a.bind)
        .await
        .with_context(|| format!("cannot listen on {}; choose another with --bind", a.bind))?;
    let addr = listener.local_addr()?;
    say!(
        "callaudit is running at http://{addr}/ (database {})",
        ctx.database
    );
    if a.demo {
        say!("Demo accounts (password {DEMO_PASSWORD}):");
        for (role, email) in &config.demo_logins {
            say!("  {role:<12} {email}");
        }
    }
    say!("Stop it with Ctrl+C.");
    tokio::spawn(daily_retention(store.clone()));
    if let Some(settings) = mail {
        say!(
            "Email notifications go through {}.",
            redacted(a.smtp.as_deref().unwrap_or(""))
        );
        callaudit_web::notify::spawn_mailer(
            store.clone(),
            settings,
            std::time::Duration::from_secs(a.mail_every.max(1)),
        );
    }
    callaudit_web::serve(listener, callaudit_web::app(store.clone(), config), stop()).await?;
    store.close().await;
    eprintln!("callaudit stopped: the requests in flight were answered.");
    Ok(ExitCode::SUCCESS)
}

/// Applies the programmes' retention periods when the server starts and once a day after.
async fn daily_retention(store: callaudit_storage::Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        every.tick().await;
        match crate::history::apply_retention(&store, "callaudit:retention").await {
            Ok(removed) => {
                for r in removed {
                    tracing::info!(target: "callaudit::retention", session = r.session_id, what = r.what, items = r.items, days = r.policy_days, "removed under the retention policy");
                }
            }
            Err(e) => {
                tracing::error!(target: "callaudit::retention", error = %format!("{e:#}"), "retention could not be applied")
            }
        }
    }
}

/// Completes on Ctrl+C or SIGTERM (what a service manager sends): the server then stops taking
/// connections and finishes the requests it has.
async fn stop() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

/// The date of the session the demo leaves for the coordinator to draw: three weeks after the
/// demo year's last session.
pub const NEXT_SESSION: (i32, u32, u32) = (2026, 4, 1);

/// Makes the demo usable in the browser; safe to run on every start.
async fn prepare_demo(store: &Store, recordings: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let force = store.resolve_force(Some(FORCE_CODE)).await?;
    let people: Vec<_> = store
        .people(None)
        .await?
        .into_iter()
        .filter(|p| p.force_id == Some(force.id))
        .collect();
    let mut without_password = Vec::new();
    for p in &people {
        if store
            .login_candidate(&p.email)
            .await?
            .is_some_and(|(_, h)| h.is_none())
        {
            without_password.push(p.id);
        }
    }
    let mut tx = store.begin("demo").await?;
    // Hashed only when some account still needs it (the first start), and once for all: the demo
    // accounts share a published password anyway.
    if !without_password.is_empty() {
        let hash =
            tokio::task::spawn_blocking(|| callaudit_web::auth::hash_password(DEMO_PASSWORD))
                .await?
                .map_err(|e| anyhow::anyhow!(e))?;
        for id in without_password {
            tx.set_password_hash(id, &hash).await?;
        }
    }
    let held_on = NaiveDate::from_ymd_opt(NEXT_SESSION.0, NEXT_SESSION.1, NEXT_SESSION.2)
        .context("valid date")?;
    let planned = store
        .sessions(force.id)
        .await?
        .iter()
        .any(|s| s.held_on == held_on);
    if !planned {
        let programme = tx.ensure_call_audit_programme(force.id).await?;
        let id = tx
            .create_session(programme, held_on, "", SessionStatus::Planned, "demo")
            .await?;
        let by_name = |name: &str| {
            people
                .iter()
                .find(|p| p.display_name == name)
                .map(|p| p.id)
                .with_context(|| format!("the demo has no {name}"))
        };
        tx.set_facilitator(id, by_name("Fran Facilitator")?).await?;
        for name in ["Alex Auditor", "Bea Auditor"] {
            tx.add_panel_member(id, by_name(name)?).await?;
        }
    }
    tx.commit().await?;
    write_recordings(store, force.id, recordings).await?;

    let mut logins = Vec::new();
    for role in Role::ALL {
        // Two auditors, so that a panel of two can be tried in two browsers.
        let take = if role == Role::Auditor { 2 } else { 1 };
        for p in people.iter().filter(|p| p.role == role).take(take) {
            logins.push((role.code().to_string(), p.email.clone()));
        }
    }
    Ok(logins)
}

/// Gives every demo call with a recording path a synthetic recording: a few distinct files,
/// hard-linked into place so thousands of calls cost a few megabytes.
async fn write_recordings(store: &Store, force_id: i64, root: &Path) -> anyhow::Result<()> {
    let sources = root.join("demo-sources");
    std::fs::create_dir_all(&sources)
        .with_context(|| format!("cannot create the recordings folder {}", root.display()))?;
    let mut files = Vec::new();
    for variant in 0..6u32 {
        let path = sources.join(format!("call-{variant}.wav"));
        if !path.exists() {
            std::fs::write(&path, synthetic_call(variant))?;
        }
        files.push(path);
    }
    let pool = store.pool(force_id).await?;
    let mut written = 0usize;
    for (i, call) in pool.iter().enumerate() {
        let Some(rel) = &call.recording else { continue };
        let dest = root.join(rel);
        if dest.exists() {
            continue;
        }
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let src = &files[i % files.len()];
        if std::fs::hard_link(src, &dest).is_err() {
            std::fs::copy(src, &dest)?;
        }
        written += 1;
    }
    if written > 0 {
        eprintln!(
            "Wrote demo recordings for {written} calls under {}",
            root.display()
        );
    }
    write_transcripts(store, force_id, &pool).await
}

/// Gives every demo call with a recording the transcript of its synthetic recording, once.
async fn write_transcripts(
    store: &Store,
    force_id: i64,
    pool: &[callaudit_domain::call::PoolCall],
) -> anyhow::Result<()> {
    use callaudit_storage::recordings::StoredTranscript;
    let with_recording: Vec<_> = pool
        .iter()
        .enumerate()
        .filter(|(_, c)| c.recording.is_some())
        .collect();
    let Some((_, first)) = with_recording.first() else {
        return Ok(());
    };
    let Some(first_id) = store
        .call_id_by_ref(force_id, first.call_ref.as_str())
        .await?
    else {
        return Ok(());
    };
    if store.transcript(first_id).await?.is_some() {
        return Ok(());
    }
    let ids: std::collections::HashMap<String, i64> = store
        .calls_with_recordings(force_id)
        .await?
        .into_iter()
        .map(|c| (c.call_ref, c.call_id))
        .collect();
    let mut tx = store.begin("demo").await?;
    for (i, call) in &with_recording {
        let Some(&call_id) = ids.get(call.call_ref.as_str()) else {
            continue;
        };
        let segments = demo_transcript((*i % 6) as u32);
        tx.put_transcript(&StoredTranscript {
            call_id,
            source: format!("{}.vtt", call.call_ref.as_str()),
            segments: serde_json::to_string(&segments)?,
        })
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The words of `synthetic_call(variant)`, turn by turn, as a force's speech system would give
/// them. Odd variants leave the silence unexplained, end without next steps and call the caller
/// "mate", so the demo's prompts have something to point at.
pub fn demo_transcript(variant: u32) -> Vec<callaudit_audio::transcript::Segment> {
    let long_pause = 6.0 + f64::from(variant % 4);
    let careful = variant.is_multiple_of(2);
    let turns: [(f64, &str, &str); 6] = [
        (4.0, "Handler", "Police, what's your emergency?"),
        (
            5.0,
            "Caller",
            "Someone has just smashed my car window and run off.",
        ),
        (
            6.0,
            "Handler",
            "Okay. Are you safe right now? Is anyone hurt?",
        ),
        (
            4.0,
            "Handler",
            if careful {
                "Sorry for the quiet, I was putting the details on the system."
            } else {
                "Right."
            },
        ),
        (7.0, "Caller", "No one is hurt. I'm fine, just shaken."),
        (
            5.0,
            "Handler",
            if careful {
                "An officer will call you back today, and your reference number is on its way by text."
            } else {
                "Okay, thanks, bye mate."
            },
        ),
    ];
    // The gaps between turns, as in synthetic_call.
    let gaps = [0.8, 1.0, long_pause, 0.7, 1.2, 0.0];
    let mut at = 0.0;
    let mut out = Vec::new();
    for ((seconds, speaker, text), gap) in turns.into_iter().zip(gaps) {
        out.push(callaudit_audio::transcript::Segment {
            start_s: at,
            end_s: at + seconds,
            speaker: Some(speaker.to_string()),
            text: text.to_string(),
        });
        at += seconds + gap;
    }
    out
}

/// A 16-bit 8 kHz mono WAV of about 40 seconds standing in for a call: turns of "speech" (tones
/// with a syllable rhythm) at two pitches for handler and caller, and silences between turns,
/// one of them long (6–9 s), as when a handler types without explaining.
pub fn synthetic_call(variant: u32) -> Vec<u8> {
    use callaudit_audio::synth::{Encoding, Part, render, wav};
    let long_pause = 6.0 + f64::from(variant % 4);
    let speech = |seconds, hz| Part::Speech {
        seconds,
        hz,
        amplitude: 0.3,
    };
    let pause = |seconds| Part::Silence { seconds };
    let turns = [
        speech(4.0, 220.0),
        pause(0.8),
        speech(5.0, 170.0),
        pause(1.0),
        speech(6.0, 220.0),
        pause(long_pause),
        speech(4.0, 220.0),
        pause(0.7),
        speech(7.0, 170.0),
        pause(1.2),
        speech(5.0, 220.0),
    ];
    wav(&[render(&turns, 8000, 0.0, 1)], 8000, Encoding::S16)
}

/// A mail server address without its password, for the log.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
