-- Reference calls (issue: calibration and training): a call from a closed session that the
-- coordinator keeps as an example of good or poor handling, with the panel's agreed answer to
-- each question and why it is that answer. The training library lists them for new volunteers.
CREATE TABLE reference_calls (
    session_call_id INTEGER PRIMARY KEY REFERENCES session_calls(id),
    example TEXT NOT NULL CHECK (example IN ('good', 'poor')),
    commentary TEXT NOT NULL,
    marked_by INTEGER NOT NULL REFERENCES people(id),
    marked_at TEXT NOT NULL
);

CREATE TABLE reference_answers (
    session_call_id INTEGER NOT NULL REFERENCES reference_calls(session_call_id),
    question_code TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'partly', 'no', 'na')),
    note TEXT NOT NULL,
    PRIMARY KEY (session_call_id, question_code)
);
