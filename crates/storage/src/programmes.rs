//! Audit programmes and their templates: stored normalised, read back as a domain [`Template`].

use callaudit_domain::template::{Area, Category, Phrases, ProgrammeKind, Question, Template};

use chrono::{NaiveDate, Utc};

use crate::{Result, Store, StoreError, Tx};

/// Questions (code, text), areas (code, name, aliases) and focus themes, as stored.
type TemplateRows = (
    Vec<(String, String)>,
    Vec<(String, String, String)>,
    Vec<String>,
);

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Programme {
    pub id: i64,
    pub force_id: i64,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: ProgrammeKind,
    pub max_sample: i64,
    /// Days after a session closes that recordings stay playable; `None`: no period set.
    pub recording_days: Option<i64>,
    /// Days after a session closes that notes and comments are kept; `None`: no period set.
    pub free_text_days: Option<i64>,
    /// Whether auditors read the incident log's check results and risk-marker values.
    pub log_details: bool,
    /// What the training library lets volunteers have of a reference call: "text",
    /// "transcript" or "recording" (see `callaudit_domain::training::LibraryShows`).
    pub library_shows: String,
}

/// One wording of a question: the first (`from_on` `None`) or a rewording, in use for sessions
/// held from `from_on`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QuestionVersion {
    pub question_code: String,
    pub version: i64,
    pub text: String,
    pub from_on: Option<NaiveDate>,
    pub reason: String,
}

impl Tx {
    /// Creates a programme with its template.
    pub async fn create_programme(
        &mut self,
        force_id: i64,
        name: &str,
        template: &Template,
        max_sample: i64,
    ) -> Result<i64> {
        let now = chrono::Utc::now();
        let exists: Option<i64> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT id FROM programmes WHERE force_id = $1 AND name = $2"
        )
        .bind(force_id)
        .bind(name)
        .fetch_optional(c)
        .await?);
        if exists.is_some() {
            return Err(StoreError::Conflict(format!(
                "the force already has a programme named {name:?}"
            )));
        }
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO programmes (force_id, name, kind, max_sample, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(force_id).bind(name).bind(template.kind.code()).bind(max_sample).bind(now).fetch_one(c).await?
        });
        self.insert_questions_and_areas(id, &template.questions, &template.areas)
            .await?;
        for (i, cat) in Category::ALL.iter().enumerate() {
            on_tx!(self, |c| {
                sqlx::query("INSERT INTO template_categories (programme_id, position, code, label, raises_issue) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(i as i64).bind(cat.code()).bind(cat.label()).bind(cat.raises_issue()).execute(c).await?.rows_affected()
            });
        }
        self.insert_focus_themes(id, &template.focus_themes).await?;
        for (kind, list) in template.phrases.lists() {
            self.insert_phrases(id, kind, list).await?;
        }
        self.record(
            crate::PROGRAMME_ENTITY,
            Some(id),
            "create",
            serde_json::json!({ "name": name, "template": template.name }),
        )
        .await?;
        Ok(id)
    }

    /// Replaces one of a programme's phrase lists (`kind` is greeting, next-steps or
    /// inappropriate, for transcripts, or domestic or missing-person, for the incident log's
    /// checks).
    pub async fn set_phrases(
        &mut self,
        programme_id: i64,
        kind: &str,
        phrases: &[String],
    ) -> Result<()> {
        let reference = Phrases::reference();
        if !reference.lists().iter().any(|(k, _)| *k == kind) {
            return Err(StoreError::NotFound(format!(
                "there is no phrase list {kind:?}; expected greeting, next-steps, inappropriate, domestic, missing-person or death"
            )));
        }
        // A programme made before phrase lists existed reads the reference lists while it has
        // none; keep the other lists it reads now when one of them is first set.
        let current: i64 = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM template_phrases WHERE programme_id = $1"
        )
        .bind(programme_id)
        .fetch_one(c)
        .await?);
        let kind_of_programme: String = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT kind FROM programmes WHERE id = $1"
        )
        .bind(programme_id)
        .fetch_one(c)
        .await?);
        if current == 0 && kind_of_programme == ProgrammeKind::CallAudit.code() {
            for (k, list) in reference.lists() {
                self.insert_phrases(programme_id, k, list).await?;
            }
        }
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM template_phrases WHERE programme_id = $1 AND kind = $2"
        )
        .bind(programme_id)
        .bind(kind)
        .execute(c)
        .await?
        .rows_affected());
        self.insert_phrases(programme_id, kind, phrases).await?;
        self.record(
            crate::PROGRAMME_ENTITY,
            Some(programme_id),
            "phrases",
            serde_json::json!({ "kind": kind, "phrases": phrases }),
        )
        .await
    }

    /// Writes a template's questions and areas in their order (the programme has none yet).
    async fn insert_questions_and_areas(
        &mut self,
        programme_id: i64,
        questions: &[Question],
        areas: &[Area],
    ) -> Result<()> {
        for (i, q) in questions.iter().enumerate() {
            on_tx!(self, |c| {
                sqlx::query("INSERT INTO template_questions (programme_id, position, code, text) VALUES ($1, $2, $3, $4)")
                .bind(programme_id).bind(i as i64).bind(&q.code).bind(&q.text).execute(c).await?.rows_affected()
            });
        }
        for (i, a) in areas.iter().enumerate() {
            on_tx!(self, |c| {
                sqlx::query("INSERT INTO template_areas (programme_id, position, code, name, aliases) VALUES ($1, $2, $3, $4, $5)")
                .bind(programme_id).bind(i as i64).bind(&a.code).bind(&a.name).bind(a.aliases.join(";")).execute(c).await?.rows_affected()
            });
        }
        Ok(())
    }

    async fn insert_focus_themes(&mut self, programme_id: i64, themes: &[String]) -> Result<()> {
        for f in themes {
            on_tx!(self, |c| sqlx::query(
                "INSERT INTO focus_themes (programme_id, name) VALUES ($1, $2)"
            )
            .bind(programme_id)
            .bind(f)
            .execute(c)
            .await?
            .rows_affected());
        }
        Ok(())
    }

    async fn insert_phrases(
        &mut self,
        programme_id: i64,
        kind: &str,
        list: &[String],
    ) -> Result<()> {
        for (i, phrase) in list.iter().enumerate() {
            on_tx!(self, |c| {
                sqlx::query("INSERT INTO template_phrases (programme_id, kind, position, phrase) VALUES ($1, $2, $3, $4)")
                .bind(programme_id).bind(kind).bind(i as i64).bind(phrase).execute(c).await?.rows_affected()
            });
        }
        Ok(())
    }

    /// Replaces a programme's focus themes, the topics a session can be planned around. Sessions
    /// keep the focus they were planned with.
    pub async fn set_focus_themes(&mut self, programme_id: i64, themes: &[String]) -> Result<()> {
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM focus_themes WHERE programme_id = $1"
        )
        .bind(programme_id)
        .execute(c)
        .await?
        .rows_affected());
        self.insert_focus_themes(programme_id, themes).await?;
        self.record(
            crate::PROGRAMME_ENTITY,
            Some(programme_id),
            "focus-themes",
            serde_json::json!({ "focus_themes": themes }),
        )
        .await
    }

    /// Replaces a programme's questions and areas for improvement, which only a programme that
    /// no session has used yet may do: answers and outcomes name them by code.
    pub async fn set_questions_and_areas(
        &mut self,
        programme_id: i64,
        questions: &[Question],
        areas: &[Area],
    ) -> Result<()> {
        let used: i64 = on_tx!(self, |c| sqlx::query_scalar(PROGRAMME_USE_SQL)
            .bind(programme_id)
            .fetch_one(c)
            .await?);
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "programme {programme_id} has answers or outcomes already; its questions and areas stay as they are"
            )));
        }
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM template_questions WHERE programme_id = $1"
        )
        .bind(programme_id)
        .execute(c)
        .await?
        .rows_affected());
        on_tx!(self, |c| sqlx::query(
            "DELETE FROM template_areas WHERE programme_id = $1"
        )
        .bind(programme_id)
        .execute(c)
        .await?
        .rows_affected());
        self.insert_questions_and_areas(programme_id, questions, areas)
            .await?;
        self.record(
            crate::PROGRAMME_ENTITY,
            Some(programme_id),
            "questions-and-areas",
            serde_json::json!({ "questions": questions, "areas": areas }),
        )
        .await
    }

    /// Sets whether the programme's auditors read the incident log's check results and risk
    /// markers, recorded in the history.
    pub async fn set_log_details(&mut self, programme_id: i64, shown: bool) -> Result<()> {
        let details = serde_json::json!({ "shown": shown });
        self.set_setting(programme_id, "log_details", shown, "log-details", details)
            .await
    }

    pub async fn set_max_sample(&mut self, programme_id: i64, max_sample: i64) -> Result<()> {
        let details = serde_json::json!({ "max_sample": max_sample });
        self.set_setting(
            programme_id,
            "max_sample",
            max_sample,
            "max-sample",
            details,
        )
        .await
    }

    /// Sets what the training library lets volunteers have of a reference call, recorded in the
    /// history.
    pub async fn set_library_shows(&mut self, programme_id: i64, shows: &str) -> Result<()> {
        let details = serde_json::json!({ "shows": shows });
        self.set_setting(
            programme_id,
            "library_shows",
            shows,
            "library-shows",
            details,
        )
        .await
    }

    /// Sets one plain column of a programme's settings to `value`, and writes `details` to the
    /// history as `action`.
    pub(crate) async fn set_setting<'v, T>(
        &mut self,
        programme_id: i64,
        column: &'static str,
        value: T,
        action: &str,
        details: serde_json::Value,
    ) -> Result<()>
    where
        T: sqlx::Encode<'v, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + sqlx::Encode<'v, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>
            + Send
            + 'v,
    {
        let sql = sqlx::AssertSqlSafe(format!("UPDATE programmes SET {column} = $1 WHERE id = $2"));
        on_tx!(self, |c| sqlx::query(sql)
            .bind(value)
            .bind(programme_id)
            .execute(c)
            .await?
            .rows_affected());
        self.record(crate::PROGRAMME_ENTITY, Some(programme_id), action, details)
            .await
    }

    /// Rewords question `code` of programme `programme_id` as a new version, in use for
    /// sessions held from `from_on`; the first wording is kept as version 1. Returns the new
    /// version's number. The code stays, so answers before and after are still one question's.
    pub async fn reword_question(
        &mut self,
        programme_id: i64,
        code: &str,
        text: &str,
        reason: &str,
        from_on: NaiveDate,
        changed_by: i64,
    ) -> Result<i64> {
        let old: Option<String> = on_tx!(self, |c| sqlx::query_scalar(
            "SELECT text FROM template_questions WHERE programme_id = $1 AND code = $2"
        )
        .bind(programme_id)
        .bind(code)
        .fetch_optional(c)
        .await?);
        let Some(old) = old else {
            return Err(StoreError::NotFound(format!(
                "programme {programme_id} has no question {code}"
            )));
        };
        if old == text {
            return Err(StoreError::Conflict(
                "the new wording is the same as the one in use".into(),
            ));
        }
        let now = Utc::now();
        let last: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT MAX(version) FROM question_versions WHERE programme_id = $1 AND question_code = $2"
        )
        .bind(programme_id)
        .bind(code)
        .fetch_one(c)
        .await?
        });
        let version = match last {
            Some(v) => v + 1,
            None => {
                on_tx!(self, |c| {
                    sqlx::query(
                    "INSERT INTO question_versions (programme_id, question_code, version, text, from_on, reason, changed_by, changed_at)
                     VALUES ($1, $2, 1, $3, NULL, '', NULL, $4)"
                )
                .bind(programme_id)
                .bind(code)
                .bind(&old)
                .bind(now)
                .execute(c)
                .await?
                .rows_affected()
                });
                2
            }
        };
        on_tx!(self, |c| {
            sqlx::query(
            "INSERT INTO question_versions (programme_id, question_code, version, text, from_on, reason, changed_by, changed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(programme_id)
        .bind(code)
        .bind(version)
        .bind(text)
        .bind(from_on)
        .bind(reason)
        .bind(changed_by)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
        });
        on_tx!(self, |c| sqlx::query(
            "UPDATE template_questions SET text = $1 WHERE programme_id = $2 AND code = $3"
        )
        .bind(text)
        .bind(programme_id)
        .bind(code)
        .execute(c)
        .await?
        .rows_affected());
        self.record(
            crate::PROGRAMME_ENTITY,
            Some(programme_id),
            "reword",
            serde_json::json!({ "question": code, "version": version, "text": text,
                                "from_on": from_on, "reason": reason }),
        )
        .await?;
        Ok(version)
    }

    /// The force's call-audit programme, created with the reference template if it has none.
    pub async fn ensure_call_audit_programme(&mut self, force_id: i64) -> Result<i64> {
        let found: Option<i64> = on_tx!(self, |c| {
            sqlx::query_scalar(
            "SELECT id FROM programmes WHERE force_id = $1 AND kind = 'call-audit' ORDER BY id LIMIT 1")
            .bind(force_id).fetch_optional(c).await?
        });
        match found {
            Some(id) => Ok(id),
            None => {
                self.create_programme(force_id, "Call handling audit", &Template::reference(), 10)
                    .await
            }
        }
    }
}

/// How many of a programme's session calls have answers, proposals or an outcome.
const PROGRAMME_USE_SQL: &str = "SELECT COUNT(*) FROM session_calls sc JOIN sessions s ON s.id = sc.session_id \
     WHERE s.programme_id = $1 AND (EXISTS (SELECT 1 FROM answers a WHERE a.session_call_id = sc.id) \
     OR EXISTS (SELECT 1 FROM proposals p WHERE p.session_call_id = sc.id) \
     OR EXISTS (SELECT 1 FROM outcomes o WHERE o.session_call_id = sc.id))";

/// The wording of question `code` asked at a session held on `day`, among a programme's
/// `versions`: the latest in use by then. `None` when the question was never reworded (the
/// template's wording is the only one).
pub fn wording_on<'a>(
    versions: &'a [QuestionVersion],
    code: &str,
    day: NaiveDate,
) -> Option<&'a str> {
    versions
        .iter()
        .filter(|v| v.question_code == code && v.from_on.is_none_or(|f| f <= day))
        .max_by_key(|v| v.version)
        .map(|v| v.text.as_str())
}

/// `template` with each reworded question worded as it was asked at a session held on `day`.
pub fn worded_on(template: &Template, versions: &[QuestionVersion], day: NaiveDate) -> Template {
    let mut t = template.clone();
    for q in &mut t.questions {
        if let Some(text) = wording_on(versions, &q.code, day) {
            q.text = text.to_string();
        }
    }
    t
}

impl Store {
    /// Whether any call of the programme's sessions has answers, proposals or an outcome, after
    /// which its questions and areas are fixed.
    pub async fn programme_in_use(&self, programme_id: i64) -> Result<bool> {
        let used: i64 = on_pool!(self, |p| sqlx::query_scalar(PROGRAMME_USE_SQL)
            .bind(programme_id)
            .fetch_one(p)
            .await?);
        Ok(used > 0)
    }

    pub async fn programmes(&self, force_id: i64) -> Result<Vec<Programme>> {
        on_pool!(self, |p| {
            Ok(sqlx::query_as::<_, Programme>(
            "SELECT id, force_id, name, kind, max_sample, recording_days, free_text_days, log_details, library_shows FROM programmes WHERE force_id = $1 ORDER BY id")
            .bind(force_id).fetch_all(p).await?)
        })
    }

    pub async fn programme(&self, id: i64) -> Result<Programme> {
        let found: Option<Programme> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, force_id, name, kind, max_sample, recording_days, free_text_days, log_details, library_shows FROM programmes WHERE id = $1").bind(id).fetch_optional(p).await?
        });
        found.ok_or_else(|| StoreError::NotFound(format!("there is no programme {id}")))
    }

    /// The wordings of a programme's reworded questions, by question and version. A question
    /// never reworded has none: its one wording is the template's.
    pub async fn question_versions(&self, programme_id: i64) -> Result<Vec<QuestionVersion>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT question_code, version, text, from_on, reason FROM question_versions
             WHERE programme_id = $1 ORDER BY question_code, version"
        )
        .bind(programme_id)
        .fetch_all(p)
        .await?))
    }

    /// The template of programme `programme_id` as it was asked at a session held on `day`: a
    /// question reworded since keeps the wording it had then.
    pub async fn template_on(&self, programme_id: i64, day: NaiveDate) -> Result<Template> {
        let template = self.template(programme_id).await?;
        let versions = self.question_versions(programme_id).await?;
        Ok(worded_on(&template, &versions, day))
    }

    /// The template a programme audits with.
    pub async fn template(&self, programme_id: i64) -> Result<Template> {
        let prog = self.programme(programme_id).await?;
        let (questions, areas, focus): TemplateRows = on_pool!(self, |p| {
            (
            sqlx::query_as("SELECT code, text FROM template_questions WHERE programme_id = $1 ORDER BY position")
                .bind(programme_id).fetch_all(p).await?,
            sqlx::query_as("SELECT code, name, aliases FROM template_areas WHERE programme_id = $1 ORDER BY position")
                .bind(programme_id).fetch_all(p).await?,
            sqlx::query_scalar("SELECT name FROM focus_themes WHERE programme_id = $1 ORDER BY name")
                .bind(programme_id).fetch_all(p).await?,
        )
        });
        let phrase_rows: Vec<(String, String)> = on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT kind, phrase FROM template_phrases WHERE programme_id = $1 ORDER BY kind, position")
            .bind(programme_id).fetch_all(p).await?
        });
        Ok(Template {
            name: prog.name,
            kind: prog.kind,
            questions: questions
                .into_iter()
                .map(|(code, text)| Question { code, text })
                .collect(),
            areas: areas
                .into_iter()
                .map(|(code, name, aliases)| Area {
                    code,
                    name,
                    aliases: aliases
                        .split(';')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                })
                .collect(),
            focus_themes: focus,
            phrases: if phrase_rows.is_empty() && prog.kind == ProgrammeKind::CallAudit {
                // Programmes made before templates listed phrases use the reference lists.
                Phrases::reference()
            } else {
                let list = |k: &str| {
                    phrase_rows
                        .iter()
                        .filter(|(kind, _)| kind == k)
                        .map(|(_, p)| p.clone())
                        .collect()
                };
                // A programme made before the log's lists existed checks for the reference words.
                let or_reference = |mine: Vec<String>, reference: fn(Phrases) -> Vec<String>| {
                    if mine.is_empty() {
                        reference(Phrases::reference())
                    } else {
                        mine
                    }
                };
                Phrases {
                    greeting: list("greeting"),
                    next_steps: list("next-steps"),
                    inappropriate: list("inappropriate"),
                    domestic: or_reference(list("domestic"), |p| p.domestic),
                    missing_person: or_reference(list("missing-person"), |p| p.missing_person),
                    death: or_reference(list("death"), |p| p.death),
                }
            },
        })
    }
}
