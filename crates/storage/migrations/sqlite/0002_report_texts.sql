-- The free-text sections a coordinator writes for a report (the year ahead, the force's
-- response), one per force, financial year and section. Same tables and columns on both engines.
CREATE TABLE report_texts (
    id INTEGER PRIMARY KEY,
    force_id INTEGER NOT NULL REFERENCES forces(id),
    year INTEGER NOT NULL,
    section TEXT NOT NULL CHECK (section IN ('year-ahead', 'force-response', 'introduction')),
    text TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (force_id, year, section)
);
