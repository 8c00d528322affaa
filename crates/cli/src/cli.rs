//! The command-line grammar. Flags are parsed here into raw values; each command turns them into
//! validated domain types before doing anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "callaudit",
    version,
    about = "Independent scrutiny of police call handling"
)]
pub struct Cli {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "CALLAUDIT_DATABASE_URL", default_value = callaudit_storage::DEFAULT_URL)]
    pub database: String,
    /// The force to work on (its short code); optional when the database holds one force.
    #[arg(long, global = true, env = "CALLAUDIT_FORCE")]
    pub force: Option<String>,
    /// Who is acting, as recorded in the history (default cli:$USER).
    #[arg(long, global = true, env = "CALLAUDIT_ACTOR")]
    pub actor: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import a force's call pool or a scheme's past audits.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Draw a verifiable random sample of calls, or verify a draw.
    #[command(subcommand)]
    Sample(SampleCommand),
    /// Plan and list sessions (audits).
    #[command(subcommand)]
    Session(SessionCommand),
    /// List programmes, or change one's settings.
    #[command(subcommand)]
    Programme(ProgrammeCommand),
    /// Fill the database with a realistic demonstration year for one force.
    Demo(DemoArgs),
    /// Write reports: the annual report, and the texts the coordinator adds to it.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print what the database holds for the force.
    Summary,
    /// Run the web application.
    Serve(ServeArgs),
    /// Analyse call recordings: long silences, talk time.
    #[command(subcommand)]
    Audio(AudioCommand),
    /// Check the tamper-evident history, or print where its chains end.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Copy the database to a new file while it is in use, and check the copy's history.
    Backup(BackupArgs),
    /// Accounts that are made only here, never in the browser.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Remove what the programmes' retention periods no longer keep (the server also does this
    /// once a day), recording each removal in the history.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Show the force's attendance targets, or set them: minutes within which an officer should
    /// arrive, per grade (the performance report measures attendance against them).
    Targets(TargetsArgs),
    /// Show the force's own daily call totals, or enter some: the completeness check warns of a
    /// day the pool holds fewer calls of.
    Totals(TotalsArgs),
}

#[derive(Debug, Args)]
pub struct TotalsArgs {
    /// Days and their totals: DAY=CALLS, e.g. 2026-04-16=312 (a day given again is replaced).
    /// None: show them.
    pub totals: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TargetsArgs {
    /// The targets, replacing all of the force's: GRADE=MINUTES, e.g. IMMEDIATE=15 PRIORITY=60.
    /// None: show them.
    pub targets: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Remove everything that is due now, in every force.
    Apply,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Recompute every chain of the history; exit 1 naming the first entry that does not match.
    Verify(HistoryArgs),
    /// Print the last entry and hash of each chain, for a report to quote.
    Head(HistoryArgs),
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write (SQLite); it must not exist yet.
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Add an administrator of every force on the server (a national server's): force
    /// administrators are added in the browser and see only their own force. The password is
    /// read from CALLAUDIT_PASSWORD, or else from the first line of standard input.
    AddSuperAdmin(SuperAdminArgs),
}

#[derive(Debug, Args)]
pub struct SuperAdminArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, Subcommand)]
pub enum AudioCommand {
    /// Find the silences in one recording (WAV, MP3, FLAC or Ogg Vorbis).
    Silences(SilencesArgs),
    /// Analyse every recording of the force's pool and keep the results for the web player.
    Analyse(AnalyseArgs),
}

#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// The folder the pool's recording paths are relative to.
    #[arg(long, env = "CALLAUDIT_RECORDINGS", default_value = "recordings")]
    pub recordings: PathBuf,
    /// Analyse recordings again even when the kept analysis is of the same file.
    #[arg(long)]
    pub again: bool,
}

#[derive(Debug, Args)]
pub struct SilencesArgs {
    /// The recording.
    pub file: PathBuf,
    #[command(flatten)]
    pub settings: SilenceFlags,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// What counts as a silence; shared by every command that looks for them.
#[derive(Debug, Clone, Copy, Args)]
pub struct SilenceFlags {
    /// Shortest quiet stretch reported, in seconds.
    #[arg(long, default_value_t = 3.0)]
    pub min_seconds: f64,
    /// Level below which a stretch is quiet, in dBFS.
    #[arg(long, default_value_t = -40.0, allow_hyphen_values = true)]
    pub threshold_db: f64,
    /// Keep the threshold fixed even on a noisy line (no adaptive noise floor).
    #[arg(long)]
    pub fixed_threshold: bool,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a call pool (CSV or Excel); all or nothing.
    Calls(ImportCallsArgs),
    /// Import past audits (CSV, one row per audited call); all or nothing.
    Audits(ImportAuditsArgs),
    /// Attach call transcripts (WebVTT, SRT or JSON), each file named after its call's
    /// reference (`24-0001.vtt`); all or nothing.
    Transcripts(ImportTranscriptsArgs),
    /// Import incident logs (CSV, one row per log entry); all or nothing, and importing the same
    /// entries again adds nothing.
    Logs(ImportLogsArgs),
}

#[derive(Debug, Args)]
pub struct ImportLogsArgs {
    /// The incident-log export: CSV (UTF-8) or .xlsx, one row per entry.
    pub file: PathBuf,
    /// A profile mapping the force's own columns, values and time layout onto the canonical ones.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Write every problem to this file (the terminal shows the first 200).
    #[arg(long)]
    pub errors: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportTranscriptsArgs {
    /// The transcript files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The call reference, when one file is named otherwise.
    #[arg(long)]
    pub call: Option<String>,
    /// Write every problem to this file (the terminal shows the first 200).
    #[arg(long)]
    pub errors: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportCallsArgs {
    /// The export: CSV (UTF-8, comma or semicolon) or .xlsx.
    pub file: PathBuf,
    /// A profile mapping the force's own columns and values onto the canonical ones.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// The force's full name, used when the import creates the force.
    #[arg(long)]
    pub force_name: Option<String>,
    /// Write every problem to this file (the terminal shows the first 200).
    #[arg(long)]
    pub errors: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportAuditsArgs {
    /// The past-audits CSV.
    pub file: PathBuf,
    /// The force's full name, used when the import creates the force (a scheme moving off its
    /// spreadsheets starts here, before any call pool).
    #[arg(long)]
    pub force_name: Option<String>,
    /// Write every problem to this file (the terminal shows the first 200).
    #[arg(long)]
    pub errors: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// Commit to a pool (without --seed) or draw from it (with the panel's --seed).
    Draw(Box<DrawArgs>),
    /// Check that a draw record reproduces exactly from its pool.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct DrawArgs {
    /// Draw from this pool file instead of the database.
    #[arg(long, conflicts_with = "session")]
    pub pool: Option<PathBuf>,
    /// Profile for the pool file.
    #[arg(long, requires = "pool")]
    pub profile: Option<PathBuf>,
    /// Draw for this session, from the pool in the database, and record the draw there.
    #[arg(long, required_unless_present = "pool")]
    pub session: Option<i64>,
    /// Number of calls to draw (default 10).
    #[arg(long)]
    pub size: Option<u32>,
    /// Draw only calls of this incident type (repeatable).
    #[arg(long)]
    pub focus: Vec<String>,
    /// Calls from a channel (999=5), of a grade (grade:IMMEDIATE=3), an area (area:North=2), a
    /// satisfaction answer (satisfaction:dissatisfied=4), from repeat callers (repeat-callers=2),
    /// or whose incident log tripped a check (log-prompts=2; with --session, after `import
    /// logs`) (repeatable).
    #[arg(long)]
    pub quota: Vec<String>,
    /// First day of calls to draw from (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day of calls to draw from (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many calls per call handler.
    #[arg(long)]
    pub max_per_handler: Option<u32>,
    /// A call never to draw, e.g. one already audited (repeatable; file mode).
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Draw only calls in this area (repeatable).
    #[arg(long)]
    pub area: Vec<String>,
    /// Draw only calls of this grade, e.g. IMMEDIATE (repeatable).
    #[arg(long)]
    pub grade: Vec<String>,
    /// Draw only calls resolved this way: deployed, RWD, appointment, referred, no-action
    /// (repeatable).
    #[arg(long)]
    pub resolution: Vec<String>,
    /// Draw only calls that lasted at least this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub min_duration: Option<u32>,
    /// required: only calls with a recording; any: with or without. Default: required when some
    /// call of the pool has a recording (and the programme audits calls), otherwise any.
    #[arg(long, value_enum)]
    pub recording: Option<RecordingRule>,
    /// The seed the panel chose. Without it the pool is committed and its digest shown.
    #[arg(long)]
    pub seed: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also write the record (JSON) to this file.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Largest sample allowed (file mode; in database mode the programme's setting applies).
    #[arg(long, default_value_t = callaudit_domain::sampling::DEFAULT_MAX_SIZE)]
    pub max_size: u32,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RecordingRule {
    Required,
    Any,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The draw record (JSON) to check.
    pub record: PathBuf,
    /// The pool file the draw was made from.
    #[arg(long, required_unless_present = "session")]
    pub pool: Option<PathBuf>,
    #[arg(long, requires = "pool")]
    pub profile: Option<PathBuf>,
    /// Check against the pool in the database for this session's force.
    #[arg(long, conflicts_with = "pool")]
    pub session: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Plan a session.
    Plan(PlanArgs),
    /// List the force's sessions.
    List,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The date the panel sits (YYYY-MM-DD).
    #[arg(long)]
    pub date: String,
    /// The session's focus incident type, if any.
    #[arg(long)]
    pub focus: Option<String>,
    /// The programme the session belongs to (default: the call-audit programme).
    #[arg(long)]
    pub programme: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum ProgrammeCommand {
    /// List the force's programmes with their settings.
    List,
    /// Add a programme with the reference template of its kind.
    Add(ProgrammeAddArgs),
    /// Change a programme's settings.
    Set(ProgrammeSetArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Kind {
    /// Volunteers judge how calls were handled.
    CallAudit,
    /// Incident records checked against the crime recording rules.
    CrimeDataIntegrity,
    /// Incident logs reviewed on their own, without the recording.
    IncidentLog,
}

#[derive(Debug, Args)]
pub struct ProgrammeAddArgs {
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// The programme's name, e.g. "Crime Data Integrity".
    #[arg(long)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ProgrammeSetArgs {
    /// The programme's number, as `programme list` shows it.
    pub id: i64,
    /// The largest sample a session of this programme may draw (schemes use 10).
    #[arg(long)]
    pub max_sample: Option<u32>,
    /// Greeting phrases looked for at the start of transcripts, separated by `;`.
    #[arg(long)]
    pub greeting: Option<String>,
    /// "What happens next" phrases looked for near the end of transcripts, separated by `;`.
    #[arg(long)]
    pub next_steps: Option<String>,
    /// Terms a call handler should not use with a caller, separated by `;` (e.g. "mate;calm down").
    #[arg(long)]
    pub inappropriate: Option<String>,
    /// Days after a session closes that its recordings stay playable (with their transcripts and
    /// analyses), or "none" to keep them until this is set.
    #[arg(long, value_name = "DAYS|none")]
    pub keep_recordings: Option<String>,
    /// Days after a session closes that notes, comments and learning points are kept, or "none".
    #[arg(long, value_name = "DAYS|none")]
    pub keep_free_text: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The annual report of a police financial year (1 April to 31 March).
    Annual(YearReportArgs),
    /// The report of one session, for the Commissioner.
    Session(SessionReportArgs),
    /// The Crime Data Integrity compliance report of a financial year.
    Cdi(YearReportArgs),
    /// Write a free-text section of a year's report.
    Text(ReportTextArgs),
    /// Control-room performance from the call pool: answer times, abandonment and call length,
    /// per channel and per month, for a financial year or any period.
    Performance(PerformanceArgs),
}

#[derive(Debug, Args)]
pub struct PerformanceArgs {
    /// The financial year by the year it starts in (or give --from and --to).
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present_all = ["from", "to"])]
    pub year: Option<i32>,
    /// The first day of the period, e.g. 2026-04-01.
    #[arg(long, requires = "to")]
    pub from: Option<chrono::NaiveDate>,
    /// The last day of the period, included.
    #[arg(long, requires = "from")]
    pub to: Option<chrono::NaiveDate>,
    /// md, json, csv, html, or pdf (the board performance pack, with charts; needs --output).
    /// csv is the answer-time table, the whole period per channel then each month; the other
    /// figures are in every other format.
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Json,
    Csv,
    Pdf,
    Html,
}

impl From<ReportFormat> for callaudit_reports::output::Format {
    fn from(f: ReportFormat) -> Self {
        use callaudit_reports::output::Format;
        match f {
            ReportFormat::Md => Format::Markdown,
            ReportFormat::Json => Format::Json,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Pdf => Format::Pdf,
            ReportFormat::Html => Format::Html,
        }
    }
}

#[derive(Debug, Args)]
pub struct YearReportArgs {
    /// The financial year by the year it starts in: 2025 is 1 April 2025 to 31 March 2026.
    #[arg(long)]
    pub year: i32,
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    /// Write to this file (the annual report as csv: to this folder, one file a table).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SessionReportArgs {
    /// The session's number, as `session list` shows it.
    pub id: i64,
    /// md or json (the session report has no CSV form).
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Section {
    Introduction,
    YearAhead,
    ForceResponse,
}

#[derive(Debug, Args)]
pub struct ReportTextArgs {
    #[arg(long)]
    pub year: i32,
    #[arg(long, value_enum)]
    pub section: Section,
    /// A file holding the text (Markdown).
    #[arg(long, conflicts_with = "text")]
    pub file: Option<PathBuf>,
    /// The text itself.
    #[arg(long, required_unless_present = "file")]
    pub text: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Fill an empty database with the demo year, set the demo accounts' password, and plan the
    /// next session ready for a draw.
    #[arg(long)]
    pub demo: bool,
    /// Seed of the demo year (with --demo).
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// The folder that recordings paths in the pool are relative to.
    #[arg(long, env = "CALLAUDIT_RECORDINGS", default_value = "recordings")]
    pub recordings: std::path::PathBuf,
    /// The folder of saved column profiles offered when a pool is uploaded in the browser.
    #[arg(long, env = "CALLAUDIT_PROFILES", default_value = "profiles")]
    pub profiles: std::path::PathBuf,
    /// Send cookies without the Secure flag: only for a server reached by plain HTTP on a
    /// network (browsers accept secure cookies from loopback without it).
    #[arg(long)]
    pub insecure_cookies: bool,
    /// The mail server for email notifications: smtps://user:password@host (TLS),
    /// smtp://host:587?tls=required (STARTTLS), or smtp://127.0.0.1:25 for a relay on this
    /// machine. Without it no email is sent; notices still show on everyone's home page.
    #[arg(long, env = "CALLAUDIT_SMTP")]
    pub smtp: Option<String>,
    /// The address notifications are sent from.
    #[arg(
        long,
        env = "CALLAUDIT_MAIL_FROM",
        default_value = "callaudit@localhost"
    )]
    pub mail_from: String,
    /// The address people open the application at (such as `https://audit.example.org`), for the
    /// link in each notification.
    #[arg(long, env = "CALLAUDIT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds between the mailer's rounds (queue new notices, send what is due).
    #[arg(long, default_value_t = 60)]
    pub mail_every: u64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed of the generated year: the same seed gives the same year.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
}
