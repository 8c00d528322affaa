-- Calibration (see the SQLite twin for the whole story): calibration sessions drawn from the
-- reference calls, each auditor's finish, and what the training library may show volunteers.
ALTER TABLE sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'audit'
    CHECK (purpose IN ('audit', 'calibration'));
ALTER TABLE session_calls ADD COLUMN reference_of BIGINT REFERENCES reference_calls(session_call_id);
CREATE TABLE calibration_finishes (
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    finished_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_id, person_id)
);
ALTER TABLE programmes ADD COLUMN library_shows TEXT NOT NULL DEFAULT 'text'
    CHECK (library_shows IN ('text', 'transcript', 'recording'));
