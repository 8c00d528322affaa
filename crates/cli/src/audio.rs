//! `callaudit audio`: the recording analyses from the command line.

use std::{path::Path, process::ExitCode};

use callaudit_audio::{Analysis, Settings, analyse, decode_file};

use crate::{
    Context_,
    cli::{AnalyseArgs, AudioCommand, Format, SilenceFlags, SilencesArgs},
};

pub async fn run(ctx: &Context_, cmd: AudioCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AudioCommand::Silences(args) => silences(args),
        AudioCommand::Analyse(args) => analyse_pool(ctx, args).await,
    }
}

/// Analyses every recording of the force's pool, one line per call as it goes, and keeps the
/// results. A recording that cannot be analysed is reported and the others still are.
async fn analyse_pool(ctx: &Context_, args: AnalyseArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let calls = store.calls_with_recordings(force.id).await?;
    if calls.is_empty() {
        say!(
            "No call in {}'s pool names a recording: nothing to analyse. Import a pool with a `recording` column first.",
            force.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let total = calls.len();
    let (mut fresh, mut kept, mut failed) = (0, 0, 0);
    let started = std::time::Instant::now();
    for (i, call) in calls.iter().enumerate() {
        let found = callaudit_web::recordings::analysis(
            &store,
            &ctx.actor,
            &args.recordings,
            call.call_id,
            &call.recording,
            args.again,
        )
        .await?;
        let line = match found {
            Ok((stored, analysed)) => {
                let a: Analysis = serde_json::from_str(&stored.analysis)?;
                if analysed {
                    fresh += 1;
                } else {
                    kept += 1;
                }
                format!(
                    "{} silence{}, longest {:.1} s, talk {}{}",
                    a.silences.len(),
                    if a.silences.len() == 1 { "" } else { "s" },
                    a.longest_silence_s,
                    clock(a.talk_s),
                    if analysed { "" } else { " (kept)" }
                )
            }
            Err(why) => {
                failed += 1;
                format!("not analysed: {why}")
            }
        };
        say!("[{}/{total}] {}: {line}", i + 1, call.call_ref);
    }
    say!(
        "{fresh} analysed, {kept} unchanged since their last analysis, {failed} not analysed, in {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

impl SilenceFlags {
    /// The flags as checked settings, or the reason they are refused.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let settings = Settings {
            threshold_db: self.threshold_db,
            min_seconds: self.min_seconds,
            adaptive: !self.fixed_threshold,
        };
        settings.check().map_err(anyhow::Error::msg)?;
        Ok(settings)
    }
}

fn silences(args: SilencesArgs) -> anyhow::Result<ExitCode> {
    let settings = args.settings.settings()?;
    let levels = match decode_file(&args.file) {
        Ok(levels) => levels,
        Err(e) => {
            eprintln!("callaudit: {}: {e}", args.file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let analysis = analyse(&levels, &settings);
    match args.format {
        Format::Json => say!("{}", serde_json::to_string_pretty(&analysis)?),
        Format::Text => say!("{}", text(&args.file, &analysis)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The analysis as a listener reads it: clock times, one silence per line.
pub fn text(file: &Path, a: &Analysis) -> String {
    let layout = match a.channels {
        1 => "mono".to_string(),
        2 => "stereo".to_string(),
        n => format!("{n} channels"),
    };
    let mut out = format!(
        "{}: {}, {} Hz {layout}, {}\n",
        file.display(),
        clock(a.duration_s),
        a.sample_rate,
        a.codec
    );
    let raised = if a.effective_threshold_db > a.threshold_db {
        format!(
            ", raised from {:.1} dBFS above the line noise",
            a.threshold_db
        )
    } else {
        String::new()
    };
    out += &format!(
        "threshold {:.1} dBFS{raised} (noise floor {:.1} dBFS); silences of {} s or more: {}\n",
        a.effective_threshold_db,
        a.noise_floor_db,
        a.min_seconds,
        a.silences.len()
    );
    for (i, s) in a.silences.iter().enumerate() {
        out += &format!(
            "{:>4}  {} to {}  {:.1} s\n",
            i + 1,
            clock(s.start_s),
            clock(s.end_s),
            s.duration_s()
        );
    }
    for ch in &a.per_channel {
        out += &format!(
            "channel {}: {} silences, {:.1} s in all\n",
            ch.channel,
            ch.silences.len(),
            ch.silence_s
        );
    }
    out += &format!(
        "talk {:.1} s, silence {:.1} s, longest silence {:.1} s",
        a.talk_s, a.silence_s, a.longest_silence_s
    );
    out
}

/// `m:ss.s`, or `h:mm:ss.s` past the hour.
pub fn clock(seconds: f64) -> String {
    let tenths = (seconds * 10.0).round() as u64;
    let (h, m, s, t) = (
        tenths / 36_000,
        tenths / 600 % 60,
        tenths / 10 % 60,
        tenths % 10,
    );
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{t}")
    } else {
        format!("{m}:{s:02}.{t}")
    }
}
