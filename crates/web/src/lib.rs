//! The web application: a scheme run end to end in the browser. Server-rendered pages from
//! templates, a little JavaScript on top, and every rule of who may see what checked on the server
//! for every request.
//!
//! [`app`] builds the router; `callaudit serve` binds it. Handlers are grouped by who uses them:
//! [`auth`] (signing in and out, the CSRF token), `sessions` (planning and drawing), `score` (the
//! auditor's page and the recordings), `panel` (agreeing outcomes and answering issues),
//! `programmes` (templates and their settings), `admin`.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use callaudit_domain::template::Template;
use callaudit_storage::Store;
use callaudit_storage::export::SessionOutcomeRow;
use callaudit_storage::recordings::CallRecording;
use callaudit_storage::sessions::{SessionAccess, StoredAnswer, StoredProposal};

mod access;
mod actions;
mod admin;
pub mod auth;
pub mod cache;
mod calibration;
mod draw;
mod error;
mod force;
mod forms;
pub mod import;
mod incident;
pub mod log;
mod mapper;
pub mod notify;
mod pages;
mod panel;
mod performance;
mod pool;
mod programmes;
mod publish;
pub mod recordings;
mod references;
mod score;
mod security;
mod sessions;
mod shared;
mod totals;
mod training;
mod uploads;
mod validate;
mod view;

pub use access::Rights;
pub use error::AppError;
pub use uploads::clear_stale_uploads;

/// The largest call export accepted through the browser (a year of a large force's calls).
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

/// How a deployment runs the application.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder recordings paths in the pool are relative to.
    pub recordings: PathBuf,
    /// The folder of saved column profiles (`NAME.toml`) offered when a pool is uploaded.
    pub profiles: PathBuf,
    /// Mark cookies `Secure` and send HSTS. Browsers accept secure cookies from loopback over
    /// plain HTTP, so this stays on even for a local demo.
    pub secure_cookies: bool,
    /// Demo logins (role, email) to show on the sign-in page, all with `demo_password`; only
    /// ever set by `serve --demo`.
    pub demo_logins: Vec<(String, String)>,
    pub demo_password: String,
    /// Whether a mail server was named (`serve --smtp`): said on the administrator's page.
    pub mail: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            recordings: PathBuf::from("recordings"),
            profiles: PathBuf::from("profiles"),
            secure_cookies: true,
            demo_logins: Vec::new(),
            demo_password: String::new(),
            mail: false,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: Config,
    /// Turns to hash a password (see [`auth::HASHES_AT_ONCE`]).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// The reads of the busiest pages, kept until anything is committed (see [`cache`]).
    pub cache: Arc<cache::ReadCache>,
}

impl Inner {
    /// `load`'s value, or the copy kept since nothing was last committed.
    pub async fn cached<T, E, F>(&self, key: cache::Key, load: F) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
        AppError: From<E>,
    {
        self.cache
            .get(&self.store, key, async { Ok(load.await?) })
            .await
    }

    /// The template of a programme.
    pub async fn template(&self, programme_id: i64) -> Result<Arc<Template>, AppError> {
        let key = cache::Key::Template(programme_id);
        self.cached(key, self.store.template(programme_id)).await
    }

    /// The template of session `a` as its auditors were asked it: a question reworded since
    /// keeps the wording it had on the session's day.
    pub async fn session_template(&self, a: &SessionAccess) -> Result<Arc<Template>, AppError> {
        let template = self.template(a.programme_id).await?;
        let versions = self.store.question_versions(a.programme_id).await?;
        if versions.is_empty() {
            return Ok(template);
        }
        let day = self.store.session(a.session_id).await?.held_on;
        Ok(Arc::new(callaudit_storage::programmes::worded_on(
            &template, &versions, day,
        )))
    }

    /// Who may see session `id`.
    pub async fn session_access(&self, id: i64) -> Result<Arc<SessionAccess>, AppError> {
        let key = cache::Key::Access(id);
        self.cached(key, self.store.session_access(id)).await
    }

    /// The calls of session `id` with their outcomes, in order.
    pub async fn session_calls(&self, id: i64) -> Result<Arc<Vec<SessionOutcomeRow>>, AppError> {
        let key = cache::Key::Calls(id);
        self.cached(key, self.store.session_outcomes(id)).await
    }

    /// Every auditor's answers to a session call.
    pub async fn answers(&self, session_call_id: i64) -> Result<Arc<Vec<StoredAnswer>>, AppError> {
        let key = cache::Key::Answers(session_call_id);
        self.cached(key, self.store.call_answers(session_call_id))
            .await
    }

    /// Every auditor's proposed category and areas for a session call.
    pub async fn proposals(
        &self,
        session_call_id: i64,
    ) -> Result<Arc<Vec<StoredProposal>>, AppError> {
        let key = cache::Key::Proposals(session_call_id);
        self.cached(key, self.store.call_proposals(session_call_id))
            .await
    }

    /// The recording of a session call, if it has one.
    pub async fn recording(
        &self,
        session_call_id: i64,
    ) -> Result<Arc<Option<CallRecording>>, AppError> {
        let key = cache::Key::Recording(session_call_id);
        self.cached(key, self.store.call_recording(session_call_id))
            .await
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The whole application as a router, ready to serve or to call in tests.
pub fn app(store: Store, config: Config) -> Router {
    let state = AppState(Arc::new(Inner {
        store,
        config,
        hashing: Arc::new(tokio::sync::Semaphore::new(auth::HASHES_AT_ONCE)),
        cache: Arc::default(),
    }));
    cache::watch(state.store.clone(), Arc::downgrade(&state.cache));
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/sessions", get(sessions::list).post(sessions::plan))
        .route("/sessions/{id}", get(sessions::show))
        .route("/sessions/{id}/commit", post(draw::commit))
        .route("/sessions/{id}/draw", post(draw::draw))
        .route("/sessions/{id}/status", post(sessions::status))
        .route("/sessions/{id}/draw.json", get(sessions::draw_record))
        .route("/sessions/{id}/report", get(sessions::report))
        .route(
            "/sessions/{id}/calls/{n}",
            get(score::page).post(score::save),
        )
        .route("/sessions/{id}/calls/{n}/recording", get(score::recording))
        .route(
            "/sessions/{id}/calls/{n}/reference",
            get(references::show).post(references::keep),
        )
        .route("/references", get(references::library))
        .route("/references/{id}/recording", get(references::recording))
        .route(
            "/sessions/{id}/calls/{n}/recording/analysis",
            get(score::recording_analysis),
        )
        .route("/sessions/{id}/answers", get(score::summary))
        .route("/sessions/{id}/validate", get(validate::show))
        .route("/sessions/{id}/calls/{n}/validate", post(validate::confirm))
        .route("/sessions/{id}/panel", get(panel::page))
        .route("/sessions/{id}/panel/{n}", get(panel::call))
        .route("/sessions/{id}/calls/{n}/outcome", post(panel::agree))
        .route("/sessions/{id}/calls/{n}/drafts", post(panel::decide_draft))
        .route("/sessions/{id}/responses", get(panel::responses))
        .route("/issues/{id}/response", post(panel::respond))
        .route(
            "/pool",
            get(pool::page)
                .post(pool::upload)
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/pool/profiles", post(pool::save_profile))
        .route(
            "/pool/map",
            get(mapper::start)
                .post(mapper::upload)
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/pool/map/{token}/columns",
            get(mapper::columns).post(mapper::save_columns),
        )
        .route(
            "/pool/map/{token}/values",
            get(mapper::values).post(mapper::save_values),
        )
        .route(
            "/pool/map/{token}/dates",
            get(mapper::dates).post(mapper::save_dates),
        )
        .route(
            "/pool/map/{token}/check",
            get(mapper::check).post(mapper::save_profile),
        )
        .route("/pool/map/{token}/import", post(pool::import_mapped))
        .route("/pool/totals", get(totals::show).post(totals::save))
        .route(
            "/pool/audits",
            post(pool::upload_audits).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/actions", get(actions::list).post(actions::add))
        .route("/actions/pack", get(actions::pack))
        .route("/actions/{id}", get(actions::show).post(actions::update))
        .route("/force", get(force::page))
        .route("/issues/{id}/escalate", post(force::escalate))
        .route("/issues/{id}/escalation", post(force::answer))
        .route("/reports/texts", get(force::texts).post(force::save_text))
        .route(
            "/reports/publish",
            get(publish::page).post(publish::publish),
        )
        .route("/public/{force}/{year}", get(publish::public))
        .route("/reports", get(pages::reports))
        .route("/performance", get(performance::page))
        .route("/performance.json", get(performance::json))
        .route("/performance.csv", get(performance::csv))
        .route("/performance.pdf", get(performance::pdf))
        .route("/reports/annual", get(pages::annual))
        .route("/reports/cdi", get(pages::cdi))
        .route("/auditors", get(admin::auditors).post(admin::add_auditor))
        .route("/auditors/agreement", get(training::agreement))
        .route(
            "/calibration/new",
            get(calibration::new).post(calibration::plan),
        )
        .route("/sessions/{id}/finish", post(calibration::finish))
        .route("/sessions/{id}/comparison", get(calibration::comparison))
        .route("/auditors/{id}", get(training::show).post(training::save))
        .route("/programmes", get(programmes::list).post(programmes::add))
        .route("/programmes/{id}", post(programmes::save))
        .route(
            "/programmes/{id}/questions/{code}",
            get(programmes::reword_form).post(programmes::reword),
        )
        .route("/admin/users", get(admin::users).post(admin::add))
        .route("/admin/mail", get(admin::mail))
        .route("/admin/mail/{id}/retry", post(admin::retry_mail))
        .route("/admin/users/{id}", post(admin::update))
        .route("/healthz", get(pages::healthz))
        .route("/static/app.css", get(security::css))
        .route("/static/app.js", get(security::js))
        .route("/static/favicon.svg", get(security::icon))
        .route("/favicon.ico", get(security::icon))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn(log::requests))
        .with_state(state)
}

/// Serves the application on a bound listener until `stop` completes; then it stops taking
/// connections and returns once the requests in flight have been answered.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}
