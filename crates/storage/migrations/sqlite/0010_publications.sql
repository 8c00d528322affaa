-- What the coordinator published for the public: a year's annual report and session summaries,
-- redacted, as Markdown and as a web page. Publishing again adds a new row; the public reads the
-- latest, and every earlier one is kept.
CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    force_id INTEGER NOT NULL REFERENCES forces(id),
    year INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    markdown TEXT NOT NULL,
    html TEXT NOT NULL,
    masks_applied INTEGER NOT NULL,
    masks_undone INTEGER NOT NULL
);
CREATE INDEX publications_latest ON publications (force_id, year, id);
