//! The column mapper: the coordinator uploads a force's export once and answers one question per
//! page (which of its columns holds each detail, what its channel and grade values mean, how its
//! times are written), sees the first rows as they would import with every problem in the file,
//! saves the answers as a column profile (the TOML is written for them, and shown), and imports
//! the file. The upload and the answers so far are kept on disk under a random name, readable by
//! the server's account alone, until the file is imported or the server stops.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use askama::Template;
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_domain::call::{Channel, PoolCall};
use callaudit_domain::time::parse_tz;
use callaudit_ingest::mapper::{
    COLUMN_LABELS, DISTINCT_MAX, Draft, GRADES, LAYOUTS, Survey, fitting_layouts, read_time,
    required_columns, survey, time_words,
};
use callaudit_ingest::pool::{Input, read_pool};
use callaudit_ingest::{FileError, Profile, ReadFailure};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{Posted, User, token};
use crate::error::{AppError, Result};
use crate::forms::{FieldError, error_for};
use crate::uploads::{profile_name_ok, receive, store_profile, upload_dir, upload_prefix};
use crate::view::{Nav, channel_label};

/// Rows shown in the preview.
const PREVIEW_ROWS: usize = 10;
/// Problems listed in the preview; the count says how many more there are.
const PREVIEW_PROBLEMS: usize = 20;
/// A mapping left unfinished this long is removed when the next one starts.
const KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A mapping in progress: whose it is, the file's name and digest, and the answers so far.
#[derive(Serialize, Deserialize)]
struct Mapping {
    person: i64,
    file_name: String,
    sha256: String,
    draft: Draft,
}

/// Where a mapping's file and answers are kept. The name carries the server's process id, so a
/// server that starts clears what a stopped one left (see `pool::clear_stale_uploads`).
fn paths(token: &str) -> (PathBuf, PathBuf) {
    let base = upload_dir().join(format!("{}map-{token}", upload_prefix(std::process::id())));
    (base.with_extension("file"), base.with_extension("json"))
}

/// A mapping's token as sent in an address: 64 hex digits, nothing that could name another file.
fn token_ok(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The coordinator's own mapping `t`, with the path of its file. Anyone else's, or one no longer
/// kept, is not found: its address says nothing to another person.
fn load(user: &User, t: &str) -> Result<(Mapping, PathBuf)> {
    user.require(&[Role::Coordinator])?;
    let gone = || {
        AppError::NotFound(
            "This mapping is no longer kept (it was finished, or the server restarted). Upload the export again from the call pool page."
                .into(),
        )
    };
    if !token_ok(t) {
        return Err(gone());
    }
    let (file, json) = paths(t);
    let text = std::fs::read_to_string(&json).map_err(|_| gone())?;
    let m: Mapping = serde_json::from_str(&text).map_err(|_| gone())?;
    if m.person != user.person.id || !file.exists() {
        return Err(gone());
    }
    Ok((m, file))
}

fn save(t: &str, m: &Mapping) -> Result<()> {
    let text = serde_json::to_string(m)
        .map_err(|e| AppError::Internal(format!("the mapping could not be kept: {e}")))?;
    write_private(&paths(t).1, text.as_bytes())
        .map_err(|e| AppError::Internal(format!("the mapping could not be kept: {e}")))
}

/// Writes a file only this account can read, replacing it whole.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes this server's mappings left unfinished for a day.
fn clear_old() {
    let Ok(dir) = std::fs::read_dir(upload_dir()) else {
        return;
    };
    let mine = format!("{}map-", upload_prefix(std::process::id()));
    for entry in dir.filter_map(|e| e.ok()) {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEPT_FOR);
        if old && entry.file_name().to_string_lossy().starts_with(&mine) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Surveys a kept file on a blocking thread.
async fn surveyed(file: PathBuf) -> Result<std::result::Result<Survey, FileError>> {
    tokio::task::spawn_blocking(move || survey(Input::Path(&file), &Default::default()))
        .await
        .map_err(|e| AppError::Internal(format!("the survey failed: {e}")))
}

/// The first page: what the mapper does, and the upload.
#[derive(Template)]
#[template(path = "map_start.html")]
struct StartPage {
    nav: Option<Nav>,
    csrf: String,
    errors: Vec<FieldError>,
}

impl StartPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

pub async fn start(State(_): State<AppState>, user: User) -> Result<Response> {
    user.require(&[Role::Coordinator])?;
    show(StartPage {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        errors: Vec::new(),
    })
}

fn show(page: impl Template) -> Result<Response> {
    Ok(Html(page.render()?).into_response())
}

/// Takes the upload, surveys it and goes to the first question.
pub async fn upload(
    State(_): State<AppState>,
    headers: axum::http::HeaderMap,
    user: User,
    mut form: Multipart,
) -> Result<Response> {
    let received = receive(&headers, &user, &mut form).await?;
    let refuse = |message: String| {
        show(StartPage {
            nav: Some(user.nav("/pool")),
            csrf: user.csrf.clone(),
            errors: vec![FieldError::new("file", message)],
        })
    };
    let Some((name, kept, sha)) = received.file else {
        return refuse("Select the export file: none was chosen, or it was empty".into());
    };
    begin(&user, &name, kept, &sha, false)
        .await
        .or_else(|e| match e {
            Begun::Unreadable(e) => refuse(format!("The file cannot be read: {e}")),
            Begun::Failed(e) => Err(e),
        })
}

/// Why a mapping could not start.
pub(crate) enum Begun {
    /// The file is not a table that can be read; the message says why.
    Unreadable(FileError),
    Failed(AppError),
}

impl From<AppError> for Begun {
    fn from(e: AppError) -> Self {
        Begun::Failed(e)
    }
}

/// Keeps an uploaded file as a new mapping with the guessed answers, and sends the coordinator to
/// its first question. The upload form starts one too, when a file's headers are not the
/// standard ones, so the file is never chosen twice.
pub(crate) async fn begin(
    user: &User,
    name: &str,
    kept: tempfile::NamedTempFile,
    sha: &str,
    unmatched: bool,
) -> std::result::Result<Response, Begun> {
    clear_old();
    let s = surveyed(kept.path().to_path_buf())
        .await?
        .map_err(Begun::Unreadable)?;
    let t = token()?;
    let (file, _) = paths(&t);
    kept.persist(&file)
        .map_err(|e| AppError::Internal(format!("the upload could not be kept: {}", e.error)))?;
    let m = Mapping {
        person: user.person.id,
        file_name: name.to_string(),
        sha256: sha.to_string(),
        draft: Draft::guess(&s),
    };
    save(&t, &m)?;
    let why = if unmatched { "?unmatched=1" } else { "" };
    Ok(Redirect::to(&format!("/pool/map/{t}/columns{why}")).into_response())
}

/// Why the columns page is shown: after an upload whose headers were not the standard ones.
#[derive(Deserialize)]
pub struct ColumnsQuery {
    #[serde(default)]
    unmatched: Option<u8>,
}

/// One canonical column's question on the columns page.
struct ColumnQuestion {
    name: &'static str,
    label: &'static str,
    required: bool,
    chosen: String,
}

/// The export's columns, each with its first values.
struct ExportColumn {
    header: String,
    samples: String,
}

#[derive(Template)]
#[template(path = "map_columns.html")]
struct ColumnsPage {
    nav: Option<Nav>,
    csrf: String,
    token: String,
    file_name: String,
    errors: Vec<FieldError>,
    /// Whether the coordinator came from an upload whose headers were not the standard ones.
    unmatched: bool,
    rows: u64,
    more: bool,
    export: Vec<ExportColumn>,
    questions: Vec<ColumnQuestion>,
}

impl ColumnsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn columns_page(
    user: &User,
    t: &str,
    m: &Mapping,
    s: &Survey,
    chosen: &BTreeMap<String, String>,
    errors: Vec<FieldError>,
    unmatched: bool,
) -> Result<Response> {
    let required: Vec<&str> = required_columns().collect();
    show(ColumnsPage {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        token: t.to_string(),
        file_name: m.file_name.clone(),
        errors,
        unmatched,
        rows: s.rows,
        more: s.more,
        export: s
            .columns
            .iter()
            .map(|c| ExportColumn {
                header: c.header.clone(),
                samples: c
                    .samples
                    .iter()
                    .take(3)
                    .map(|v| shorten(v, 40))
                    .collect::<Vec<_>>()
                    .join(" · "),
            })
            .collect(),
        questions: COLUMN_LABELS
            .iter()
            .map(|(name, label)| ColumnQuestion {
                name,
                label,
                required: required.contains(name),
                chosen: chosen.get(*name).cloned().unwrap_or_default(),
            })
            .collect(),
    })
}

/// A value cut to `n` characters for a glance.
fn shorten(v: &str, n: usize) -> String {
    if v.chars().count() <= n {
        v.to_string()
    } else {
        format!("{}…", v.chars().take(n).collect::<String>())
    }
}

/// A mapping's file surveyed again: the same file gives the same survey, so nothing about it is
/// kept between pages.
async fn resurvey(file: &Path) -> Result<Survey> {
    surveyed(file.to_path_buf())
        .await?
        .map_err(|e| AppError::Internal(format!("a kept upload can no longer be read: {e}")))
}

pub async fn columns(
    State(_): State<AppState>,
    user: User,
    UrlPath(t): UrlPath<String>,
    axum::extract::Query(q): axum::extract::Query<ColumnsQuery>,
) -> Result<Response> {
    let (m, file) = load(&user, &t)?;
    let s = resurvey(&file).await?;
    let unmatched = q.unmatched.is_some();
    columns_page(&user, &t, &m, &s, &m.draft.columns, Vec::new(), unmatched)
}

pub async fn save_columns(
    State(_): State<AppState>,
    UrlPath(t): UrlPath<String>,
    p: Posted,
) -> Result<Response> {
    let (mut m, file) = load(&p.user, &t)?;
    let s = resurvey(&file).await?;
    let mut chosen = BTreeMap::new();
    let mut errors = Vec::new();
    let required: Vec<&str> = required_columns().collect();
    for (name, label) in COLUMN_LABELS {
        let header = p.fields.get(name).unwrap_or("").to_string();
        if header.is_empty() {
            if required.contains(&name) {
                errors.push(FieldError::new(
                    name,
                    format!("Select the column that holds the {}", lower_first(label)),
                ));
            }
        } else if s.column(&header).is_none() {
            errors.push(FieldError::new(
                name,
                format!(
                    "Select one of the export's columns for the {}",
                    lower_first(label)
                ),
            ));
        } else {
            chosen.insert(name.to_string(), header);
        }
    }
    if !errors.is_empty() {
        return columns_page(&p.user, &t, &m, &s, &chosen, errors, false);
    }
    let started_changed = m.draft.columns.get("started_at") != chosen.get("started_at");
    m.draft.columns = chosen;
    m.draft.guess_values(&s);
    if started_changed {
        m.draft.formats.clear();
        m.draft.guess_layout(&s);
    }
    save(&t, &m)?;
    Ok(Redirect::to(&format!("/pool/map/{t}/values")).into_response())
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// One value of the export to translate.
struct ValueQuestion {
    /// The field's name and id: the column and the value's place in the list of values found.
    field: String,
    value: String,
    rows: u64,
    chosen: String,
}

/// A translated column's values, or why they are not listed.
struct ValueGroup {
    column: &'static str,
    legend: &'static str,
    header: String,
    /// `None` when the column holds too many different values to list.
    values: Option<Vec<ValueQuestion>>,
    /// The canonical values offered: (value, words).
    options: Vec<(String, String)>,
    /// Whether a value may be left as it is.
    optional: bool,
}

#[derive(Template)]
#[template(path = "map_values.html")]
struct ValuesPage {
    nav: Option<Nav>,
    csrf: String,
    token: String,
    file_name: String,
    errors: Vec<FieldError>,
    groups: Vec<ValueGroup>,
    distinct_max: usize,
}

impl ValuesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

/// The translated columns the draft maps: channel always, grade when the export has one.
fn value_groups(m: &Mapping, s: &Survey, typed: &BTreeMap<String, String>) -> Vec<ValueGroup> {
    [
        ("channel", "How each call came in"),
        ("grade", "Each grade (priority)"),
    ]
    .into_iter()
    .filter_map(|(column, legend)| {
        let header = m.draft.columns.get(column)?;
        let col = s.column(header)?;
        let kept = m.draft.values.get(column);
        let values = col.distinct.as_ref().map(|d| {
            let mut d: Vec<&(String, u64)> = d.iter().collect();
            if column == "grade" {
                // Grades read in their own order (1, 2, 3…), channels by how many calls.
                d.sort_by_key(|(v, _)| (v.parse::<u64>().unwrap_or(u64::MAX), v.clone()));
            }
            d.into_iter()
                .enumerate()
                .map(|(i, (v, n))| {
                    let field = format!("{column}-{i}");
                    let chosen = typed
                        .get(&field)
                        .cloned()
                        .or_else(|| kept.and_then(|k| k.get(v)).cloned())
                        .unwrap_or_default();
                    ValueQuestion {
                        field,
                        value: v.clone(),
                        rows: *n,
                        chosen,
                    }
                })
                .collect()
        });
        let options = if column == "channel" {
            Channel::ALL
                .iter()
                .map(|c| (c.code().to_string(), channel_label(c.code())))
                .collect()
        } else {
            GRADES
                .iter()
                .map(|g| (g.to_string(), g.to_string()))
                .collect()
        };
        Some(ValueGroup {
            column,
            legend,
            header: header.clone(),
            values,
            options,
            optional: column == "grade",
        })
    })
    .collect()
}

fn values_page(
    user: &User,
    t: &str,
    m: &Mapping,
    s: &Survey,
    typed: &BTreeMap<String, String>,
    errors: Vec<FieldError>,
) -> Result<Response> {
    show(ValuesPage {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        token: t.to_string(),
        file_name: m.file_name.clone(),
        errors,
        groups: value_groups(m, s, typed),
        distinct_max: DISTINCT_MAX,
    })
}

pub async fn values(
    State(_): State<AppState>,
    user: User,
    UrlPath(t): UrlPath<String>,
) -> Result<Response> {
    let (m, file) = load(&user, &t)?;
    let s = resurvey(&file).await?;
    values_page(&user, &t, &m, &s, &BTreeMap::new(), Vec::new())
}

pub async fn save_values(
    State(_): State<AppState>,
    UrlPath(t): UrlPath<String>,
    p: Posted,
) -> Result<Response> {
    let (mut m, file) = load(&p.user, &t)?;
    let s = resurvey(&file).await?;
    let typed: BTreeMap<String, String> = p
        .fields
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("channel-") || k.starts_with("grade-"))
        .cloned()
        .collect();
    let mut errors = Vec::new();
    let mut values: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for g in value_groups(&m, &s, &typed) {
        let map = values.entry(g.column.to_string()).or_default();
        for q in g.values.iter().flatten() {
            let own = g.column == "channel" && Channel::parse(&q.value).is_ok();
            if q.chosen.is_empty() {
                if !g.optional && !own {
                    errors.push(FieldError::new(
                        q.field.clone(),
                        format!("Select how a call marked “{}” came in", q.value),
                    ));
                }
            } else if !g.options.iter().any(|(v, _)| *v == q.chosen) {
                errors.push(FieldError::new(
                    q.field.clone(),
                    format!("Select one of the listed meanings for “{}”", q.value),
                ));
            } else if q.chosen != q.value {
                map.insert(q.value.clone(), q.chosen.clone());
            }
        }
    }
    if !errors.is_empty() {
        return values_page(&p.user, &t, &m, &s, &typed, errors);
    }
    m.draft.values = values;
    save(&t, &m)?;
    Ok(Redirect::to(&format!("/pool/map/{t}/dates")).into_response())
}

/// One layout offered, with how the file's first times read in it.
struct LayoutChoice {
    format: &'static str,
    label: &'static str,
    /// The first times as they read in this layout.
    examples: Vec<(String, String)>,
    fits: bool,
}

#[derive(Template)]
#[template(path = "map_dates.html")]
struct DatesPage {
    nav: Option<Nav>,
    csrf: String,
    token: String,
    file_name: String,
    errors: Vec<FieldError>,
    header: String,
    layouts: Vec<LayoutChoice>,
    /// Whether one layout alone reads every time (it is then chosen already).
    detected: bool,
    chosen: Option<String>,
    timezone: String,
}

impl DatesPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    /// Whether any layout reads every time in the file.
    fn any_fit(&self) -> bool {
        self.layouts.iter().any(|l| l.fits)
    }

    fn is_chosen(&self, format: &str) -> bool {
        self.chosen.as_deref() == Some(format)
    }
}

fn dates_page(
    user: &User,
    t: &str,
    m: &Mapping,
    s: &Survey,
    chosen: Option<String>,
    timezone: &str,
    errors: Vec<FieldError>,
) -> Result<Response> {
    let tz = parse_tz(timezone).unwrap_or(callaudit_domain::time::DEFAULT_TZ);
    let header = m
        .draft
        .columns
        .get("started_at")
        .cloned()
        .unwrap_or_default();
    let samples = s
        .column(&header)
        .map(|c| c.samples.clone())
        .unwrap_or_default();
    let fit = fitting_layouts(&samples, tz);
    let mut layouts: Vec<LayoutChoice> = LAYOUTS
        .iter()
        .map(|l| LayoutChoice {
            format: l.format,
            label: l.label,
            examples: samples
                .iter()
                .take(3)
                .map(|v| {
                    let read = read_time(v, l.format, tz)
                        .map_or("cannot be read this way".into(), |d| time_words(d, tz));
                    (v.clone(), read)
                })
                .collect(),
            fits: fit.contains(&l.format),
        })
        .collect();
    // The layouts that read every time come first; the rest follow for a file none reads.
    layouts.sort_by_key(|l| !l.fits);
    if !fit.is_empty() {
        layouts.retain(|l| l.fits);
    }
    show(DatesPage {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        token: t.to_string(),
        file_name: m.file_name.clone(),
        errors,
        header,
        detected: fit.len() == 1,
        layouts,
        chosen,
        timezone: timezone.to_string(),
    })
}

/// The layout the draft holds, when it reads the file: the standard forms if none is set.
fn draft_layout(m: &Mapping, s: &Survey) -> Option<String> {
    let format = m
        .draft
        .formats
        .get("started_at")
        .cloned()
        .unwrap_or_default();
    let tz = parse_tz(&m.draft.timezone).ok()?;
    let header = m.draft.columns.get("started_at")?;
    let fit = fitting_layouts(&s.column(header)?.samples, tz);
    (fit.len() == 1 || !m.draft.formats.is_empty())
        .then_some(format)
        .filter(|f| fit.contains(&f.as_str()))
}

pub async fn dates(
    State(_): State<AppState>,
    user: User,
    UrlPath(t): UrlPath<String>,
) -> Result<Response> {
    let (m, file) = load(&user, &t)?;
    let s = resurvey(&file).await?;
    let chosen = draft_layout(&m, &s);
    dates_page(&user, &t, &m, &s, chosen, &m.draft.timezone, Vec::new())
}

pub async fn save_dates(
    State(_): State<AppState>,
    UrlPath(t): UrlPath<String>,
    p: Posted,
) -> Result<Response> {
    let (mut m, file) = load(&p.user, &t)?;
    let s = resurvey(&file).await?;
    let layout = p.fields.get("layout").map(str::to_string);
    let timezone = p.fields.text("timezone");
    let mut errors = Vec::new();
    match &layout {
        None => errors.push(FieldError::new(
            "layout-0",
            "Select how the export writes the time a call started",
        )),
        Some(f) if !LAYOUTS.iter().any(|l| l.format == f) => errors.push(FieldError::new(
            "layout-0",
            "Select one of the layouts listed",
        )),
        Some(_) => {}
    }
    if timezone.is_empty() {
        errors.push(FieldError::new(
            "timezone",
            "Enter the time zone the export's times are in, like Europe/London",
        ));
    } else if parse_tz(&timezone).is_err() {
        errors.push(FieldError::new(
            "timezone",
            format!(
                "“{timezone}” is not a time zone name: enter one like Europe/London or America/Los_Angeles"
            ),
        ));
    }
    if !errors.is_empty() {
        return dates_page(&p.user, &t, &m, &s, layout, &timezone, errors);
    }
    m.draft.set_layout(layout.as_deref().unwrap_or(""));
    m.draft.timezone = timezone;
    save(&t, &m)?;
    Ok(Redirect::to(&format!("/pool/map/{t}/check")).into_response())
}

/// A row of the preview, as it would import.
struct PreviewRow {
    line: u64,
    call_id: String,
    started: String,
    channel: String,
    incident_type: String,
    grade: String,
    area: String,
    arrived: String,
}

/// What reading the whole file with the draft's profile gives.
struct Preview {
    rows: Vec<PreviewRow>,
    /// Rows read in all.
    read: u64,
    problems: Vec<String>,
    more: u64,
    /// A fault of the file as a whole (a column not found).
    fault: Option<String>,
}

fn preview(file: &Path, profile: &Profile) -> Preview {
    let tz = profile.timezone;
    let mut rows = Vec::new();
    let row = |line: u64, c: &PoolCall| PreviewRow {
        line,
        call_id: c.call_ref.to_string(),
        started: time_words(c.started_at, tz),
        channel: channel_label(c.channel.code()),
        incident_type: c.incident_type.to_string(),
        grade: c.grade.clone().unwrap_or_default(),
        area: c.area.clone().unwrap_or_default(),
        arrived: c
            .details
            .arrived_at
            .map(|a| time_words(a, tz))
            .unwrap_or_default(),
    };
    let result = read_pool(Input::Path(file), profile, |line, call| {
        if rows.len() < PREVIEW_ROWS {
            rows.push(row(line, &call));
        }
        true
    });
    let mut p = Preview {
        rows,
        read: 0,
        problems: Vec::new(),
        more: 0,
        fault: None,
    };
    match result {
        Ok(s) => p.read = s.rows,
        Err(ReadFailure::File(e)) => p.fault = Some(e.to_string()),
        Err(ReadFailure::Rows(r)) => {
            p.problems = r
                .errors
                .iter()
                .take(PREVIEW_PROBLEMS)
                .map(|e| e.to_string())
                .collect();
            p.more = r.total.saturating_sub(p.problems.len() as u64);
        }
    }
    p
}

#[derive(Template)]
#[template(path = "map_check.html")]
struct CheckPage {
    nav: Option<Nav>,
    csrf: String,
    token: String,
    file_name: String,
    errors: Vec<FieldError>,
    preview: Preview,
    /// The choices made, as (question, answer, the page that asks it).
    answers: Vec<(String, String, &'static str)>,
    toml: String,
    name: String,
    replace: bool,
    /// The profile just saved.
    saved: Option<String>,
}

impl CheckPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn problem_total(&self) -> u64 {
        self.preview.problems.len() as u64 + self.preview.more
    }
}

/// The answers given so far, as the check page lists them.
fn answers(m: &Mapping) -> Vec<(String, String, &'static str)> {
    let mut a: Vec<(String, String, &'static str)> = COLUMN_LABELS
        .iter()
        .filter_map(|(name, label)| {
            m.draft
                .columns
                .get(*name)
                .map(|h| (label.to_string(), format!("column “{h}”"), "columns"))
        })
        .collect();
    for (column, map) in &m.draft.values {
        let words = map
            .iter()
            .map(|(v, c)| format!("“{v}” as {c}"))
            .collect::<Vec<_>>()
            .join("; ");
        if !words.is_empty() {
            a.push((format!("What the {column} values mean"), words, "values"));
        }
    }
    let layout = m.draft.formats.get("started_at").map_or("", String::as_str);
    let label = LAYOUTS
        .iter()
        .find(|l| l.format == layout)
        .map_or(layout, |l| l.label);
    a.push(("How times are written".into(), label.to_string(), "dates"));
    a.push(("Time zone".into(), m.draft.timezone.clone(), "dates"));
    a
}

async fn check_page(
    user: &User,
    t: &str,
    m: &Mapping,
    file: &Path,
    form: (String, bool),
    saved: Option<String>,
    errors: Vec<FieldError>,
) -> Result<Response> {
    let toml = m.draft.to_toml(&m.file_name);
    let preview = match m.draft.profile() {
        Ok(profile) => {
            let file = file.to_path_buf();
            tokio::task::spawn_blocking(move || preview(&file, &profile))
                .await
                .map_err(|e| AppError::Internal(format!("the preview failed: {e}")))?
        }
        Err(e) => Preview {
            rows: Vec::new(),
            read: 0,
            problems: Vec::new(),
            more: 0,
            fault: Some(e.to_string()),
        },
    };
    show(CheckPage {
        nav: Some(user.nav("/pool")),
        csrf: user.csrf.clone(),
        token: t.to_string(),
        file_name: m.file_name.clone(),
        errors,
        preview,
        answers: answers(m),
        toml,
        name: form.0,
        replace: form.1,
        saved,
    })
}

/// A profile name suggested from the file's name: "Seattle CAD 2023.csv" → "seattle-cad-2023".
fn suggested_name(file_name: &str) -> String {
    let stem = Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_end_matches('-').chars().take(40).collect();
    if profile_name_ok(&name) {
        name
    } else {
        "our-force".into()
    }
}

pub async fn check(
    State(_): State<AppState>,
    user: User,
    UrlPath(t): UrlPath<String>,
) -> Result<Response> {
    let (m, file) = load(&user, &t)?;
    let name = suggested_name(&m.file_name);
    check_page(&user, &t, &m, &file, (name, false), None, Vec::new()).await
}

/// Saves the answers as a profile, after the same checks as a profile typed by hand.
pub async fn save_profile(
    State(state): State<AppState>,
    UrlPath(t): UrlPath<String>,
    p: Posted,
) -> Result<Response> {
    let (m, file) = load(&p.user, &t)?;
    let name = p.fields.text("name");
    let replace = p.fields.get("replace") == Some("1");
    let path = state.config.profiles.join(format!("{name}.toml"));
    let toml = m.draft.to_toml(&m.file_name);
    let error = if name.is_empty() {
        Some("Enter a name for the profile, like our-force")
    } else if !profile_name_ok(&name) {
        Some("The name must use lower-case letters, digits and hyphens only, like our-force")
    } else if path.exists() && !replace {
        Some(
            "A profile of this name is saved already: choose another name, or tick “Replace the saved profile”",
        )
    } else {
        None
    };
    if let Some(message) = error {
        let errors = vec![FieldError::new("name", message)];
        return check_page(&p.user, &t, &m, &file, (name, replace), None, errors).await;
    }
    if let Err(e) = m.draft.profile() {
        return Err(AppError::BadRequest(format!(
            "The answers do not make a profile that can be used ({e}); go back and change them."
        )));
    }
    store_profile(&state, &p.user, &name, &toml).await?;
    check_page(
        &p.user,
        &t,
        &m,
        &file,
        (name.clone(), false),
        Some(name),
        Vec::new(),
    )
    .await
}

/// The coordinator's mapping `t` to import: its file's name, digest and path.
pub(crate) fn kept(user: &User, t: &str) -> Result<(String, String, PathBuf)> {
    let (m, file) = load(user, t)?;
    Ok((m.file_name, m.sha256, file))
}

/// Forgets mapping `t`: its file and its answers.
pub(crate) fn forget(t: &str) {
    let (file, json) = paths(t);
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(json);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_name_is_suggested_from_the_file_name() {
        assert_eq!(
            suggested_name("Seattle CAD 2018-2023.csv"),
            "seattle-cad-2018-2023"
        );
        assert_eq!(suggested_name("---.csv"), "our-force");
        assert_eq!(suggested_name("export.xlsx"), "export");
    }

    #[test]
    fn only_a_token_of_hex_digits_names_a_mapping() {
        assert!(token_ok(&"a".repeat(64)));
        assert!(!token_ok(&format!("../{}", "a".repeat(61))));
        assert!(!token_ok("abc"));
    }
}
