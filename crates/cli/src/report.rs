//! `callaudit report annual|text`: the annual report in Markdown, JSON or CSV, and the sections
//! the coordinator writes for it.

use std::process::ExitCode;

use anyhow::{Context, bail};
use callaudit_domain::text::clean_note;
use callaudit_reports::output::{Output, Report};
use callaudit_reports::{annual, cdi, session};

use crate::Context_;
use crate::cli::{
    ReportCommand, ReportFormat, ReportTextArgs, Section, SessionReportArgs, YearReportArgs,
};

pub async fn run(ctx: &Context_, cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ReportCommand::Annual(a) => annual_report(ctx, a).await,
        ReportCommand::Session(a) => session_report(ctx, a).await,
        ReportCommand::Cdi(a) => cdi_report(ctx, a).await,
        ReportCommand::Text(a) => text(ctx, a).await,
        ReportCommand::Performance(a) => performance_report(ctx, a).await,
    }
}

async fn performance_report(
    ctx: &Context_,
    a: crate::cli::PerformanceArgs,
) -> anyhow::Result<ExitCode> {
    use callaudit_reports::performance;
    let (from, to) = match (a.year, a.from, a.to) {
        (Some(y), _, _) => {
            check_year(y)?;
            annual::year_bounds(y)
        }
        (None, Some(f), Some(t)) if f <= t => (f, t),
        (None, Some(f), Some(t)) => {
            bail!("--from {f} is after --to {t}: give the first day, then the last")
        }
        _ => bail!("give --year, or --from and --to"),
    };
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let report = performance::load(&store, &force, from, to).await?;
    write(&report, a.format, a.output.as_deref(), "performance report")
}

/// `callaudit targets [GRADE=MINUTES ...]`: shows the force's attendance targets, or replaces them.
pub async fn targets(ctx: &Context_, a: crate::cli::TargetsArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    if !a.targets.is_empty() {
        let mut targets = callaudit_domain::performance::Targets::new();
        let mut problems = Vec::new();
        for t in &a.targets {
            match callaudit_domain::performance::parse_target(t) {
                Ok((grade, minutes)) => {
                    targets.insert(grade, minutes);
                }
                Err(p) => problems.push(format!("{t:?} {p}")),
            }
        }
        if !problems.is_empty() {
            bail!("{}; nothing was changed", problems.join("; "));
        }
        let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
        tx.set_attendance_targets(force.id, &targets).await?;
        tx.commit().await?;
    }
    for (grade, minutes) in store.attendance_targets(force.id).await? {
        say!("{grade}: an officer within {minutes} minutes");
    }
    Ok(ExitCode::SUCCESS)
}

/// `callaudit totals [DAY=CALLS ...]`: shows the force's own daily totals, or enters some.
pub async fn totals(ctx: &Context_, a: crate::cli::TotalsArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    if !a.totals.is_empty() {
        let mut totals = Vec::new();
        let mut problems = Vec::new();
        for t in &a.totals {
            let parsed = t.split_once('=').and_then(|(d, n)| {
                Some((
                    callaudit_domain::time::parse_date(d.trim()).ok()?,
                    n.trim().parse::<u64>().ok()?,
                ))
            });
            match parsed {
                Some(p) => totals.push(p),
                None => problems.push(format!(
                    "{t:?} is not a day and its total; expected DAY=CALLS, e.g. 2026-04-16=312"
                )),
            }
        }
        if !problems.is_empty() {
            bail!("{}; nothing was changed", problems.join("; "));
        }
        let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
        tx.set_published_totals(force.id, &totals).await?;
        tx.commit().await?;
    }
    let all = store.published_totals(force.id).await?;
    if all.is_empty() {
        say!("no daily totals entered; enter the force's own figures as DAY=CALLS");
    }
    for (day, calls) in all {
        say!("{day}: {calls} calls");
    }
    Ok(ExitCode::SUCCESS)
}

/// Financial years a scheme can have held audits in; anything else is a typing mistake.
fn check_year(year: i32) -> anyhow::Result<()> {
    if !(2000..=2100).contains(&year) {
        bail!(
            "--year {year} is not a financial year; expected the year it starts in, e.g. 2025 for 2025/26"
        );
    }
    Ok(())
}

async fn annual_report(ctx: &Context_, a: YearReportArgs) -> anyhow::Result<ExitCode> {
    check_year(a.year)?;
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let report = annual::compute(&annual::load(&store, &force, a.year).await?);
    let what = format!("{} report", report.year_label);
    write(&report, a.format, a.output.as_deref(), &what)
}

/// Writes `report` in `format` to `--output` or the terminal, as [`Report::render`] writes it for
/// the command line and the web alike: a PDF only to a file, CSV tables into a folder.
fn write(
    report: &impl Report,
    format: ReportFormat,
    output: Option<&std::path::Path>,
    what: &str,
) -> anyhow::Result<ExitCode> {
    match report.render(format.into())? {
        Output::Text(text) => emit(&text, output, what)?,
        Output::Bytes(pdf) => write_pdf(&pdf, output, what)?,
        Output::Tables(tables) => write_tables(&tables, output, what)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a report's CSV tables, one file a table, into the `--output` folder.
fn write_tables(
    tables: &[(&str, String)],
    output: Option<&std::path::Path>,
    what: &str,
) -> anyhow::Result<()> {
    let Some(dir) = output else {
        bail!("the CSV report is one file a table: give a folder with --output DIR");
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, body) in tables {
        std::fs::write(dir.join(name), body)
            .with_context(|| format!("cannot write {}", dir.join(name).display()))?;
    }
    say!(
        "wrote {} tables of the {what} to {}",
        tables.len(),
        dir.display()
    );
    Ok(())
}

/// Writes a typeset report to `--output`; a PDF never goes to the terminal.
fn write_pdf(pdf: &[u8], output: Option<&std::path::Path>, what: &str) -> anyhow::Result<()> {
    let Some(path) = output else {
        bail!("a PDF cannot go to the terminal: give a file with --output FILE.pdf");
    };
    std::fs::write(path, pdf).with_context(|| format!("cannot write {}", path.display()))?;
    say!(
        "wrote the {what} to {} ({} KB)",
        path.display(),
        pdf.len() / 1024
    );
    Ok(())
}

/// Writes a report to `--output` or the terminal.
fn emit(text: &str, output: Option<&std::path::Path>, what: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?;
            say!("wrote the {what} to {}", p.display());
        }
        None => say_raw!("{text}"),
    }
    Ok(())
}

async fn session_report(ctx: &Context_, a: SessionReportArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let report = session::compute(&session::load(&store, &force, a.id).await?);
    let what = format!("report of session {}", a.id);
    write(&report, a.format, a.output.as_deref(), &what)
}

async fn cdi_report(ctx: &Context_, a: YearReportArgs) -> anyhow::Result<ExitCode> {
    check_year(a.year)?;
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let report = cdi::compute(&cdi::load(&store, &force, a.year).await?);
    let what = format!("CDI report {}", report.year_label);
    write(&report, a.format, a.output.as_deref(), &what)
}

async fn text(ctx: &Context_, a: ReportTextArgs) -> anyhow::Result<ExitCode> {
    check_year(a.year)?;
    let raw = match (&a.file, &a.text) {
        (Some(f), _) => {
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?
        }
        (None, Some(t)) => t.clone(),
        (None, None) => bail!("give the text with --text or --file"),
    };
    let body = clean_note(&raw, 20_000).map_err(|p| anyhow::anyhow!("the text {p}"))?;
    let section = match a.section {
        Section::Introduction => "introduction",
        Section::YearAhead => "year-ahead",
        Section::ForceResponse => "force-response",
    };
    let store = ctx.store().await?;
    let force = store.resolve_force(ctx.force.as_deref()).await?;
    let mut tx = store.begin_in(Some(force.id), &ctx.actor).await?;
    tx.set_report_text(force.id, a.year, section, &body).await?;
    tx.commit().await?;
    say!(
        "saved the {section} section of the {}/{:02} report",
        a.year,
        (a.year + 1) % 100
    );
    Ok(ExitCode::SUCCESS)
}
