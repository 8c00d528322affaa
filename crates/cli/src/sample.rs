//! `callaudit sample draw|verify`: the verifiable draw, from a pool file or from the database.
//! Without a seed the pool is committed and its digest shown, for the panel to see before they
//! choose the seed; with the seed the draw is made (in database mode, only from the pool that was
//! committed) and its record printed for anybody to verify.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use callaudit_domain::call::{CallRef, PoolCall, Resolution};
use callaudit_domain::sampling::{
    self, Commitment, DEFAULT_MAX_SIZE, DEFAULT_SIZE, DrawRecord, DrawSpec, Quota,
};
use callaudit_domain::time::parse_date;
use callaudit_ingest::Profile;
use callaudit_ingest::pool::{Input, read_pool_vec};

use crate::Context_;
use crate::cli::{DrawArgs, Format, SampleCommand, VerifyArgs};

pub async fn run(ctx: &Context_, cmd: SampleCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SampleCommand::Draw(a) => draw(ctx, *a).await,
        SampleCommand::Verify(a) => verify(ctx, a).await,
    }
}

/// Reads a pool file; on failure prints every problem and returns `None`.
fn pool_from_file(path: &Path, profile: Option<&Path>) -> anyhow::Result<Option<Vec<PoolCall>>> {
    let profile = match profile {
        Some(p) => Profile::load(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Profile::default(),
    };
    match read_pool_vec(Input::Path(path), &profile) {
        Ok(calls) => Ok(Some(calls)),
        Err(f) => {
            if let callaudit_ingest::ReadFailure::Rows(r) = &f {
                for e in r.errors.iter().take(200) {
                    eprintln!("{e}");
                }
            }
            eprintln!("the pool cannot be read: {f}");
            Ok(None)
        }
    }
}

/// Turns the flags into a specification, reporting every mistake at once.
/// `recordings` is whether recordings are required when `--recording` is not given.
fn spec_from(
    a: &DrawArgs,
    default_focus: Option<&str>,
    max_size: u32,
    recordings: bool,
) -> anyhow::Result<DrawSpec> {
    let mut errors = Vec::new();
    let mut spec = DrawSpec::new(a.size.unwrap_or(DEFAULT_SIZE.min(max_size)));
    spec.focus = if a.focus.is_empty() {
        default_focus.map(String::from).into_iter().collect()
    } else {
        a.focus.clone()
    };
    let mut quotas = BTreeMap::new();
    for q in &a.quota {
        match sampling::parse_quota(q) {
            Ok(Quota::Channel(ch, n)) => {
                if quotas.insert(ch, n).is_some() {
                    errors.push(format!(
                        "--quota {q}: channel {ch} has two quotas; give one"
                    ));
                }
            }
            Ok(Quota::Stratum(st)) => spec.strata.push(st),
            Err(e) => errors.push(format!("--quota {q}: {e}")),
        }
    }
    spec.quotas = quotas;
    for (flag, v, slot) in [
        ("--from", &a.from, &mut spec.from),
        ("--to", &a.to, &mut spec.to),
    ] {
        if let Some(v) = v {
            match parse_date(v) {
                Ok(d) => *slot = Some(d),
                Err(p) => errors.push(format!("{flag} {v:?} {p}")),
            }
        }
    }
    spec.max_per_handler = a.max_per_handler;
    spec.areas = a.area.clone();
    spec.grades = a.grade.clone();
    for r in &a.resolution {
        match Resolution::parse_optional(r) {
            Ok(Some(r)) => spec.resolutions.push(r),
            Ok(None) => errors.push(
                "--resolution is empty; expected deployed, RWD, appointment, referred or no-action"
                    .to_string(),
            ),
            Err(p) => errors.push(format!("--resolution {r:?} {p}")),
        }
    }
    spec.min_duration_s = a.min_duration;
    spec.recording_required = match a.recording {
        Some(rule) => rule == crate::cli::RecordingRule::Required,
        None => recordings,
    };
    for e in &a.exclude {
        match CallRef::parse(e) {
            Ok(r) => spec.exclude.push(r),
            Err(p) => errors.push(format!("--exclude {e:?} {p}")),
        }
    }
    match spec.validate(max_size) {
        Ok(s) if errors.is_empty() => Ok(s),
        Ok(_) => bail!("{}", errors.join("\n")),
        Err(more) => {
            errors.extend(more.iter().map(flag_hint));
            bail!("{}", errors.join("\n"))
        }
    }
}

/// A problem of the specification, with the option that changes the part at fault.
fn flag_hint(p: &sampling::SpecProblem) -> String {
    use sampling::{SpecPart, StratumBy};
    let flag = match p.part {
        SpecPart::Size => "--size or --quota",
        SpecPart::Window => "--from and --to",
        SpecPart::MaxPerHandler => "--max-per-handler",
        SpecPart::Timezone => "the profile's timezone",
        SpecPart::Focus => "--focus",
        SpecPart::Areas => "--area",
        SpecPart::Grades => "--grade",
        SpecPart::Stratum(StratumBy::RepeatCallers) => "--quota repeat-callers=N",
        SpecPart::Stratum(StratumBy::LogPrompts) => "--quota log-prompts=N",
        SpecPart::Stratum(_) => "--quota",
    };
    format!("{p} (see {flag})")
}

/// A commitment to an empty pool is a mistake, nearly always a focus spelled differently from the
/// pool's incident types: refuse it and show what the pool does hold.
fn refuse_empty(c: &Commitment, pool: &[PoolCall]) -> anyhow::Result<()> {
    if c.eligible_calls > 0 {
        return Ok(());
    }
    bail!("{}", sampling::nothing_eligible(pool.iter()))
}

fn print_commitment(c: &Commitment, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => say!("{}", serde_json::to_string_pretty(c)?),
        Format::Text => {
            say!("pool committed: {} eligible calls", c.eligible_calls);
            if c.spec.recording_required {
                say!(
                    "  only calls with a recording are eligible (--recording any to draw without)"
                );
            }
            say!("  pool digest  {}", c.pool_digest);
            say!("  spec digest  {}", c.spec_digest);
            say!("Show both digests to the panel. Then the panel chooses a seed, and the draw is");
            say!("made by running the same command again with --seed \"THE PANEL'S SEED\".");
        }
    }
    Ok(())
}

fn print_record(r: &DrawRecord, format: Format, output: Option<&Path>) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(r)?;
    if let Some(p) = output {
        std::fs::write(p, format!("{json}\n"))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    match format {
        Format::Json => say!("{json}"),
        Format::Text => {
            say!(
                "drew {} of {} eligible calls with seed {:?}",
                r.calls.len(),
                r.eligible_calls,
                r.seed
            );
            say!("  pool digest  {}", r.pool_digest);
            say!("  spec digest  {}", r.spec_digest);
            for (i, c) in r.calls.iter().enumerate() {
                say!("  {:>2}. {c}", i + 1);
            }
            for s in &r.shortfalls {
                say!("note: {s}");
            }
            if let Some(p) = output {
                say!(
                    "record written to {}; check it with `callaudit sample verify {}`",
                    p.display(),
                    p.display()
                );
            }
        }
    }
    Ok(())
}

async fn draw(ctx: &Context_, a: DrawArgs) -> anyhow::Result<ExitCode> {
    let seed = a
        .seed
        .as_deref()
        .map(sampling::parse_seed)
        .transpose()
        .map_err(|p| anyhow::anyhow!("--seed {p}"))?;
    if let Some(pool_path) = &a.pool {
        let Some(pool) = pool_from_file(pool_path, a.profile.as_deref())? else {
            return Ok(ExitCode::from(1));
        };
        let recorded = pool.iter().any(|c| c.recording.is_some());
        let spec = spec_from(&a, None, a.max_size, recorded)?;
        if spec
            .strata
            .iter()
            .any(|s| s.by == sampling::StratumBy::LogPrompts)
        {
            bail!(
                "--quota log-prompts=N counts calls by their incident logs, which a pool file does not hold; import the pool and the logs (`import pool`, `import logs`) and draw with --session"
            );
        }
        match seed {
            None => {
                let c = sampling::commit(&pool, &spec);
                refuse_empty(&c, &pool)?;
                print_commitment(&c, a.format)?
            }
            Some(seed) => print_record(
                &sampling::draw(&pool, &spec, seed.as_str()),
                a.format,
                a.output.as_deref(),
            )?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let session_id = a.session.context("give --pool FILE or --session ID")?;
    let store = ctx.store().await?;
    let Some(seed) = seed else {
        let session = store.session(session_id).await?;
        let programme = store.programme(session.programme_id).await?;
        let focus = (!session.focus.is_empty()).then_some(session.focus.as_str());
        let recorded = programme.kind == callaudit_domain::template::ProgrammeKind::CallAudit
            && store.pool_has_recordings(programme.force_id).await?;
        let spec = spec_from(
            &a,
            focus,
            u32::try_from(programme.max_sample).unwrap_or(DEFAULT_MAX_SIZE),
            recorded,
        )?;
        let (c, gaps) = store.commit_session(&ctx.actor, session_id, spec).await?;
        print_commitment(&c, a.format)?;
        // What the export may be missing goes beside the digests, for the panel to weigh.
        for gap in gaps {
            eprintln!("warning: {gap}");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let record = store.draw_session(&ctx.actor, session_id, &seed).await?;
    print_record(&record, a.format, a.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

async fn verify(ctx: &Context_, a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.record)
        .with_context(|| format!("cannot read {}", a.record.display()))?;
    let record: DrawRecord = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a draw record (JSON as `sample draw --format json` prints)",
            a.record.display()
        )
    })?;
    let outcome = match (&a.pool, a.session) {
        (Some(p), _) => match pool_from_file(p, a.profile.as_deref())? {
            Some(pool) => sampling::verify(&record, &pool),
            None => return Ok(ExitCode::from(1)),
        },
        (None, Some(id)) => {
            // Read as the draw reads it: in passes, never held whole.
            let store = ctx.store().await?;
            let s = store.session(id).await?;
            let force_id = store.programme(s.programme_id).await?.force_id;
            store.verify_stored(force_id, &record).await?
        }
        (None, None) => bail!("give --pool FILE or --session ID"),
    };
    match outcome {
        Ok(()) => {
            say!(
                "verified: the pool ({} eligible calls, digest {}), the specification and the seed {:?} draw exactly these {} calls",
                record.eligible_calls,
                record.pool_digest,
                record.seed,
                record.calls.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("not verified: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
