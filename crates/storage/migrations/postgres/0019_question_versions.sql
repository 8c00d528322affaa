-- Rewording a question (see the SQLite twin): each wording of a question is a version, in use
-- for sessions held from `from_on` (NULL for the first).
CREATE TABLE question_versions (
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    question_code TEXT NOT NULL,
    version BIGINT NOT NULL,
    text TEXT NOT NULL,
    from_on DATE,
    reason TEXT NOT NULL DEFAULT '',
    changed_by BIGINT REFERENCES people(id),
    changed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (programme_id, question_code, version)
);
