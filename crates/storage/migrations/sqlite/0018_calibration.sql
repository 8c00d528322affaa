-- Calibration (issue: calibration and training). A calibration session is planned like a
-- session, but its calls are reference calls rather than a draw from the pool: each auditor
-- scores them as usual and, once finished, sees their answers beside the agreed ones. Its
-- answers are training, never audit findings, so every figure of the scheme leaves it out.
ALTER TABLE sessions ADD COLUMN purpose TEXT NOT NULL DEFAULT 'audit'
    CHECK (purpose IN ('audit', 'calibration'));
-- The reference a calibration session's call was copied from (the call itself, its recording
-- and transcript are the same pool call).
ALTER TABLE session_calls ADD COLUMN reference_of INTEGER REFERENCES reference_calls(session_call_id);
-- When each auditor said they had finished a calibration session: their answers are fixed from
-- then, and their comparison is shown.
CREATE TABLE calibration_finishes (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    finished_at TEXT NOT NULL,
    PRIMARY KEY (session_id, person_id)
);
-- What a programme lets volunteers have of a reference call in the training library, outside
-- any session: the agreed answers and commentary only ('text'), with the transcript, or with
-- the transcript and the recording.
ALTER TABLE programmes ADD COLUMN library_shows TEXT NOT NULL DEFAULT 'text'
    CHECK (library_shows IN ('text', 'transcript', 'recording'));
