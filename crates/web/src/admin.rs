//! People: the administrator's accounts, roles and password resets (administrators see no audit
//! data), and the coordinator's list of volunteer auditors.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use callaudit_domain::audit::Role;
use callaudit_storage::accounts::Person;

use crate::AppState;
use crate::auth::{Posted, User, check_new_password, hash_password};
use crate::error::{AppError, Result};
use crate::forms::{FieldError, Fields, Problems, error_for, sentence};
use crate::view::{Nav, role_label};

#[derive(Template)]
#[template(path = "users.html")]
struct Users {
    nav: Option<Nav>,
    csrf: String,
    people: Vec<(Person, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    typed: NewPerson,
    errors: Vec<FieldError>,
}

impl Users {
    fn error_for(&self, field: impl AsRef<str>) -> Option<&str> {
        error_for(&self.errors, field.as_ref())
    }
}

/// A new person as typed (never the password), kept when the form comes back with its problems.
#[derive(Default)]
struct NewPerson {
    name: String,
    email: String,
    role: String,
}

impl NewPerson {
    fn from_fields(f: &Fields) -> NewPerson {
        NewPerson {
            name: f.text("name"),
            email: f.text("email"),
            role: f.text("role"),
        }
    }
}

fn roles() -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.code(), role_label(*r)))
        .collect()
}

pub async fn users(State(state): State<AppState>, user: User) -> Result<Response> {
    let page = users_page(&state, &user, NewPerson::default(), Vec::new()).await?;
    Ok(Html(page.render()?).into_response())
}

async fn users_page(
    state: &AppState,
    user: &User,
    typed: NewPerson,
    errors: Vec<FieldError>,
) -> Result<Users> {
    user.require(&[Role::Admin])?;
    // An administrator manages their own force's people; one with no force (created from the
    // command line for a national server) manages everyone's.
    let people = state
        .store
        .people(user.person.force_id)
        .await?
        .into_iter()
        .map(|p| {
            let label = role_label(p.role);
            (p, label)
        })
        .collect();
    Ok(Users {
        nav: Some(user.nav("/admin/users")),
        csrf: user.csrf.clone(),
        people,
        roles: roles(),
        typed,
        errors,
    })
}

fn parse_role(v: &str) -> Result<Role> {
    Role::parse(v).ok_or_else(|| AppError::BadRequest(format!("{v:?} is not a role.")))
}

async fn hashed(password: String) -> Result<String> {
    check_new_password(&password).map_err(AppError::BadRequest)?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}

pub async fn add(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Admin])?;
    let role = Role::parse(&p.fields.text("role"));
    let mut problems = Problems::default();
    if role.is_none() {
        problems.add("role", "Select the person's role");
    }
    match new_person(&state, &p, p.user.person.force_id, role, problems).await? {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(problems) => {
            let typed = NewPerson::from_fields(&p.fields);
            let page = users_page(&state, &p.user, typed, problems.into_vec()).await?;
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}

/// Adds a person from the posted name, email and first password, with `role`, or gives back
/// every problem of the form (with `problems` found before) for it to be shown again.
async fn new_person(
    state: &AppState,
    p: &Posted,
    force_id: Option<i64>,
    role: Option<Role>,
    mut problems: Problems,
) -> Result<std::result::Result<i64, Problems>> {
    let name = p.fields.text("name");
    let email = p.fields.text("email");
    if name.is_empty() {
        problems.add("name", "Enter the person's name");
    }
    if !email.contains('@') {
        problems.add(
            "email",
            "Enter an email address in the correct format, like name@example.org",
        );
    }
    let password = p.fields.get("password").unwrap_or("").to_string();
    if let Err(m) = check_new_password(&password) {
        problems.add("password", m);
    }
    let Some(role) = role.filter(|_| problems.is_empty()) else {
        return Ok(Err(problems));
    };
    let hash = hashed(password).await?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    let id = match tx.add_person(force_id, &name, &email, role).await {
        Ok(id) => id,
        // An email in use, here or in another force: said beside the field, without saying where.
        Err(callaudit_storage::StoreError::Conflict(m)) => {
            problems.add("email", sentence(&m));
            return Ok(Err(problems));
        }
        Err(e) => return Err(e.into()),
    };
    tx.set_password_hash(id, &hash).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

#[derive(Template)]
#[template(path = "auditors.html")]
struct Auditors {
    nav: Option<Nav>,
    csrf: String,
    auditors: Vec<crate::training::Standing>,
    added: bool,
    typed: NewPerson,
    errors: Vec<FieldError>,
}

impl Auditors {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

#[derive(serde::Deserialize)]
pub struct AddedQuery {
    #[serde(default)]
    added: Option<u8>,
}

/// The coordinator's volunteers: the force's auditors, and a form to add one. Other roles stay
/// with the administrator.
pub async fn auditors(
    State(state): State<AppState>,
    user: User,
    axum::extract::Query(q): axum::extract::Query<AddedQuery>,
) -> Result<Response> {
    let page = auditors_page(
        &state,
        &user,
        q.added.is_some(),
        NewPerson::default(),
        Vec::new(),
    )
    .await?;
    Ok(Html(page.render()?).into_response())
}

async fn auditors_page(
    state: &AppState,
    user: &User,
    added: bool,
    typed: NewPerson,
    errors: Vec<FieldError>,
) -> Result<Auditors> {
    user.require(&[Role::Coordinator])?;
    let force = crate::shared::user_force(state, user).await?;
    Ok(Auditors {
        nav: Some(user.nav("/auditors")),
        csrf: user.csrf.clone(),
        auditors: crate::training::standings(state, force.id).await?,
        added,
        typed,
        errors,
    })
}

pub async fn add_auditor(State(state): State<AppState>, p: Posted) -> Result<Response> {
    p.user.require(&[Role::Coordinator])?;
    let force = crate::shared::user_force(&state, &p.user).await?;
    let added = new_person(
        &state,
        &p,
        Some(force.id),
        Some(Role::Auditor),
        Problems::default(),
    )
    .await?;
    match added {
        Ok(_) => Ok(Redirect::to("/auditors?added=1").into_response()),
        Err(problems) => {
            let typed = NewPerson::from_fields(&p.fields);
            let page = auditors_page(&state, &p.user, false, typed, problems.into_vec()).await?;
            Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    p.user.require(&[Role::Admin])?;
    let person = state.store.person(id).await?;
    if p.user
        .person
        .force_id
        .is_some_and(|f| person.force_id != Some(f))
    {
        // As for a person who does not exist, so that other forces' accounts are not disclosed.
        return Err(AppError::NotFound(format!("there is no person {id}")));
    }
    let role = parse_role(&p.fields.text("role"))?;
    let password = p.fields.get("password").unwrap_or("").to_string();
    if let (false, Err(m)) = (password.is_empty(), check_new_password(&password)) {
        // The list again, the problem beside this person's password box.
        let errors = vec![FieldError::new(format!("pw-{id}"), m)];
        let page = users_page(&state, &p.user, NewPerson::default(), errors).await?;
        return Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
    }
    let hash = if password.is_empty() {
        None
    } else {
        Some(hashed(password).await?)
    };
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    if role != person.role {
        tx.set_role(id, role).await?;
    }
    if let Some(h) = hash {
        tx.set_password_hash(id, &h).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to("/admin/users").into_response())
}

/// A message of the outbox as the administrator's page shows it.
pub struct MailLine {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub status: &'static str,
    pub attempts: i64,
    pub when: String,
    pub error: String,
    pub unsent: bool,
}

#[derive(Template)]
#[template(path = "mail.html")]
struct Mail {
    nav: Option<Nav>,
    csrf: String,
    configured: bool,
    messages: Vec<MailLine>,
}

/// The outbox: messages that failed first, then those waiting after a failed attempt, then the
/// rest; any unsent one can be sent again.
pub async fn mail(State(state): State<AppState>, user: User) -> Result<Response> {
    user.require(&[Role::Admin])?;
    let rows = state.store.outbox(user.person.force_id, 500).await?;
    let at = |t| crate::view::local_time(Some(t), "%-d %B %Y at %H:%M");
    let messages = rows
        .into_iter()
        .map(|m| MailLine {
            id: m.id,
            to: format!("{} <{}>", m.person, m.email),
            subject: m.subject,
            status: match (m.status.as_str(), m.last_error.is_some()) {
                ("sent", _) => "Sent",
                ("failed", _) => "Failed: no more attempts",
                (_, true) => "Waiting to try again",
                _ => "Waiting",
            },
            attempts: m.attempts,
            when: match (m.status.as_str(), m.sent_at) {
                ("sent", Some(t)) => format!("sent {}", at(t)),
                ("failed", _) => format!("queued {}", at(m.created_at)),
                _ => format!("next attempt {}", at(m.next_attempt_at)),
            },
            error: m.last_error.unwrap_or_default(),
            unsent: m.status != "sent",
        })
        .collect();
    let page = Mail {
        nav: Some(user.nav("/admin/mail")),
        csrf: user.csrf.clone(),
        configured: state.config.mail,
        messages,
    };
    Ok(Html(page.render()?).into_response())
}

/// Sends an unsent message again at the next round.
pub async fn retry_mail(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    p: Posted,
) -> Result<Response> {
    p.user.require(&[Role::Admin])?;
    let mut tx = state
        .store
        .begin_in(p.user.person.force_id, &p.user.person.email)
        .await?;
    tx.retry_mail(id, p.user.person.force_id).await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/mail").into_response())
}
