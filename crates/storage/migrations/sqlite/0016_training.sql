-- A volunteer's training record (issue: calibration and training). Who may sit on a panel follows
-- from it: the confidentiality agreement accepted and vetting that holds on the day. Dates are
-- ISO 8601 TEXT; NULL is "not recorded". Each change is also written to the history, so the date
-- an agreement was recorded as accepted, and by whom, stays on record.
CREATE TABLE training_records (
    person_id INTEGER PRIMARY KEY REFERENCES people(id),
    induction_on TEXT,
    agreement_on TEXT,
    vetted_on TEXT,
    vetting_expires_on TEXT,
    updated_at TEXT NOT NULL
);
