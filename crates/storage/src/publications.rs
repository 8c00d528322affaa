//! What has been published for the public: each publication kept, the latest one served.

use chrono::{DateTime, Utc};

use crate::{Result, Store, Tx};

/// A publication, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Publication {
    pub id: i64,
    pub year: i64,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub markdown: String,
    pub html: String,
    pub masks_applied: i64,
    pub masks_undone: i64,
}

/// What is published: the texts and how many masks were applied and undone.
pub struct NewPublication<'a> {
    pub year: i32,
    pub markdown: &'a str,
    pub html: &'a str,
    pub masks_applied: usize,
    pub masks_undone: usize,
}

impl Tx {
    pub async fn publish(&mut self, force_id: i64, p: &NewPublication<'_>) -> Result<i64> {
        let now = Utc::now();
        let by = self.actor().to_string();
        let applied = i64::try_from(p.masks_applied).unwrap_or(i64::MAX);
        let undone = i64::try_from(p.masks_undone).unwrap_or(i64::MAX);
        let id: i64 = on_tx!(self, |c| {
            sqlx::query_scalar(
            "INSERT INTO publications (force_id, year, published_at, published_by, markdown, html, masks_applied, masks_undone)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(force_id).bind(i64::from(p.year)).bind(now).bind(&by).bind(p.markdown).bind(p.html)
            .bind(applied).bind(undone).fetch_one(c).await?
        });
        // The history keeps a digest of what was published, so a later copy can be checked.
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            p.markdown.as_bytes(),
        ));
        self.record(
            "publication",
            Some(id),
            "publish",
            serde_json::json!({ "year": p.year, "markdown_sha256": digest, "masks_applied": applied, "masks_undone": undone }),
        )
        .await?;
        Ok(id)
    }
}

impl Store {
    /// The latest publication of a force's year, if any.
    pub async fn publication(&self, force_id: i64, year: i32) -> Result<Option<Publication>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT id, year, published_at, published_by, markdown, html, masks_applied, masks_undone
             FROM publications WHERE force_id = $1 AND year = $2 ORDER BY id DESC LIMIT 1")
            .bind(force_id).bind(i64::from(year)).fetch_optional(p).await?
        }))
    }
}
