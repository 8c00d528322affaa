//! Signing in and out, and what every request learns about who sent it.
//!
//! - Passwords are hashed with argon2id (the crate's defaults: 19 MiB, 2 passes), off the async
//!   threads. An unknown email costs the same hash as a wrong password, so timing does not tell
//!   which accounts exist.
//! - A session is a random 256-bit token in an `HttpOnly`, `SameSite=Strict` cookie; the database
//!   keeps only its SHA-256, with an expiry and the session's CSRF token.
//! - Every form posted by a signed-in user must carry that CSRF token ([`Posted`] checks it before
//!   a handler runs); the sign-in form carries a double-submit token of its own. Requests a browser
//!   marks as cross-site are refused outright.
//! - Five sign-in attempts for one email within fifteen minutes, counted in the database before
//!   the password is checked, lock it for the rest of the window; at most [`HASHES_AT_ONCE`]
//!   passwords are hashed at a time.

use std::sync::OnceLock;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_storage::accounts::Person;
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::{AppError, Result};
use crate::forms::{Fields, read_form};
use crate::view::Nav;

pub const SESSION_COOKIE: &str = "callaudit_session";
const LOGIN_COOKIE: &str = "callaudit_login";
const SESSION_HOURS: i64 = 8;
const MAX_FAILURES: usize = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// NCSC guidance favours length over composition rules: three random words clear this easily.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes a password to a PHC string (`$argon2id$v=19$…`).
pub fn hash_password(password: &str) -> std::result::Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// Whether `password` matches the PHC string `phc`. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a new password against the policy; the message says what to do.
pub fn check_new_password(password: &str) -> std::result::Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters long: three random words make a strong one."
        ));
    }
    Ok(())
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// 256 random bits as hex.
pub fn token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(b))
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they first differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(state: &AppState, name: &str, value: &str, path: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in person behind a request. Extracting it from a request without a live session
/// sends the browser to the sign-in page.
#[derive(Debug, Clone)]
pub struct User {
    pub person: Person,
    pub role: Role,
    pub csrf: String,
    token_hash: String,
}

impl User {
    /// A key for what is kept in memory for this sign-in alone.
    pub fn sign_in_key(&self) -> &str {
        &self.token_hash
    }

    pub fn nav(&self, current: &str) -> Nav {
        Nav::new(&self.person.display_name, self.role, &self.csrf, current)
    }

    /// Refuses anyone whose role is not among `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "This page is not open to the {} role.",
                crate::view::role_label(self.role).to_lowercase()
            )))
        }
    }
}

impl User {
    /// The person signed in with the session cookie among `headers`, if it names a live session.
    async fn from_headers(headers: &HeaderMap, state: &AppState) -> Result<Option<User>> {
        let Some(token) = cookie(headers, SESSION_COOKIE) else {
            return Ok(None);
        };
        let token_hash = sha256_hex(token);
        let key = crate::cache::Key::SignIn(token_hash.clone());
        // A session that is not live is not kept, so a stream of made-up cookies fills nothing.
        let load = async {
            state
                .store
                .web_session(&token_hash, Utc::now())
                .await?
                .ok_or(AppError::SignIn)
        };
        let session = match state.cached(key, load).await {
            Ok(s) => s,
            Err(AppError::SignIn) => return Ok(None),
            Err(e) => return Err(e),
        };
        // A kept session is checked against the clock on every request.
        if session.expires_at <= Utc::now() {
            return Ok(None);
        }
        Ok(Some(User {
            person: session.person.clone(),
            role: session.person.role,
            csrf: session.csrf.clone(),
            token_hash,
        }))
    }
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let user = User::from_headers(&parts.headers, state)
            .await?
            .ok_or(AppError::SignIn)?;
        if let Some(who) = parts.extensions.get::<crate::log::Who>() {
            who.set(user.person.id);
        }
        Ok(user)
    }
}

/// Refuses a request the browser marks as sent from another site (forms read by hand call it).
pub fn refuse_cross_site(headers: &HeaderMap) -> Result<()> {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(AppError::Forbidden(
            "Forms can only be sent from this site's own pages.".into(),
        ));
    }
    Ok(())
}

/// Refuses a form whose CSRF token is not the session's (for forms read by hand, as uploads are).
pub fn check_csrf(user: &User, given: &str) -> Result<()> {
    if same_secret(given, &user.csrf) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This form has expired. Go back, reload the page and send it again.".into(),
        ))
    }
}

/// A form posted by a signed-in user, its CSRF token checked.
pub struct Posted {
    pub user: User,
    pub fields: Fields,
    /// Whether the page's script sent it and wants JSON back rather than a page.
    pub wants_json: bool,
}

impl FromRequest<AppState> for Posted {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self> {
        let (mut parts, body) = req.into_parts();
        refuse_cross_site(&parts.headers)?;
        let user = User::from_request_parts(&mut parts, state).await?;
        let wants_json = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let fields = read_form(Request::from_parts(parts, body), state).await?;
        check_csrf(&user, fields.get("csrf").unwrap_or(""))?;
        Ok(Posted {
            user,
            fields,
            wants_json,
        })
    }
}

/// Password hashes computed at once, at most: each argon2id hash takes 19 MiB and a core's
/// time, so a burst of sign-ins waits its turn instead of taking the server's memory.
pub const HASHES_AT_ONCE: usize = 4;
/// How long a sign-in waits for its turn to hash before it is asked to try again.
const HASH_WAIT: Duration = Duration::from_secs(20);
/// The longest email address there can be (RFC 5321's path limit).
const MAX_EMAIL: usize = 320;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    nav: Option<Nav>,
    csrf: String,
    email: String,
    error: Option<String>,
    demo: &'a [(String, String)],
    demo_password: &'a str,
}

fn login_form(
    state: &AppState,
    email: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let csrf = token()?;
    let page = LoginPage {
        nav: None,
        csrf: csrf.clone(),
        email,
        error,
        demo: &state.config.demo_logins,
        demo_password: &state.config.demo_password,
    };
    let mut res = (status, Html(page.render()?)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_COOKIE, &csrf, "/login", 3600),
    );
    Ok(res)
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    if User::from_headers(&headers, &state).await?.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    login_form(&state, String::new(), None, StatusCode::OK)
}

pub async fn login(State(state): State<AppState>, req: Request) -> Result<Response> {
    let headers = req.headers().clone();
    refuse_cross_site(&headers)?;
    let fields = read_form(req, &state).await?;
    let email = fields.text("email");
    let password = fields.get("password").unwrap_or("").to_string();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(fields.get("csrf").unwrap_or(""), expected) {
        return login_form(
            &state,
            email,
            Some("The sign-in form had expired. Enter your email and password again.".into()),
            StatusCode::FORBIDDEN,
        );
    }
    if email.is_empty() || password.is_empty() {
        return login_form(
            &state,
            email,
            Some("Enter your email address and your password.".into()),
            StatusCode::BAD_REQUEST,
        );
    }
    if email.len() > MAX_EMAIL {
        return login_form(
            &state,
            String::new(),
            Some(format!(
                "Enter an email address of at most {MAX_EMAIL} characters."
            )),
            StatusCode::BAD_REQUEST,
        );
    }
    // The attempt is counted before the password is hashed, in the database: parallel guesses
    // all count, a restart forgives nothing, and every server on one database shares the count.
    let key = sha256_hex(&email.to_lowercase());
    let now = Utc::now().timestamp();
    let window = FAILURE_WINDOW.as_secs() as i64;
    let (attempts, since) = state.store.count_sign_in_attempt(&key, now, window).await?;
    if attempts > MAX_FAILURES as i64 {
        let wait = (since + window - now).max(60);
        return login_form(
            &state,
            email,
            Some(format!(
                "Too many failed attempts for this email. Try again in {} minutes, or ask an administrator to reset your password.",
                (wait as u64).div_ceil(60)
            )),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let candidate = state.store.login_candidate(&email).await?;
    let hash = candidate
        .as_ref()
        .and_then(|(p, h)| p.active.then(|| h.clone()).flatten())
        .unwrap_or_else(|| dummy_hash().to_string());
    let Ok(Ok(permit)) =
        tokio::time::timeout(HASH_WAIT, state.hashing.clone().acquire_owned()).await
    else {
        return Err(AppError::Busy(
            "Too many people are signing in at this moment. Wait a minute and try again.".into(),
        ));
    };
    let ok = tokio::task::spawn_blocking(move || {
        let ok = verify_password(&password, &hash);
        drop(permit);
        ok
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let person = match (ok, candidate) {
        (true, Some((p, Some(_)))) if p.active => p,
        _ => {
            return login_form(
                &state,
                email,
                Some("The email address or the password is not right.".into()),
                StatusCode::UNAUTHORIZED,
            );
        }
    };
    state.store.clear_sign_in_attempts(&key).await?;
    let session_token = token()?;
    let csrf = token()?;
    let mut tx = state.store.begin_in(person.force_id, &person.email).await?;
    tx.start_web_session(
        &sha256_hex(&session_token),
        person.id,
        &csrf,
        Utc::now() + chrono::Duration::hours(SESSION_HOURS),
    )
    .await?;
    tx.commit().await?;
    let mut res = Redirect::to("/").into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            &state,
            SESSION_COOKIE,
            &session_token,
            "/",
            SESSION_HOURS * 3600,
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(&state, LOGIN_COOKIE, "", "/login", 0),
    );
    Ok(res)
}

pub async fn logout(State(state): State<AppState>, posted: Posted) -> Result<Response> {
    let user = posted.user;
    let mut tx = state
        .store
        .begin_in(user.person.force_id, &user.person.email)
        .await?;
    tx.end_web_session(&user.token_hash, user.person.id).await?;
    tx.commit().await?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", "/", 0),
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse battery!", &h));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("three random words").is_ok());
    }
}
