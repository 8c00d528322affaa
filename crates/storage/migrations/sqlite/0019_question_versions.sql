-- Rewording a question (issue: calibration and training). Once a programme has answers its
-- question codes are fixed, but a question the panel reads unalike may be reworded: each
-- wording is a version, in use for sessions held from `from_on` (NULL for the first, in use
-- from the start), so that agreement before and after a rewording is told apart.
CREATE TABLE question_versions (
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    question_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    from_on TEXT,
    reason TEXT NOT NULL DEFAULT '',
    changed_by INTEGER REFERENCES people(id),
    changed_at TEXT NOT NULL,
    PRIMARY KEY (programme_id, question_code, version)
);
