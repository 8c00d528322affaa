-- A volunteer's training record (issue: calibration and training). Who may sit on a panel follows
-- from it: the confidentiality agreement accepted and vetting that holds on the day. NULL is "not
-- recorded". Each change is also written to the history, so the date an agreement was recorded as
-- accepted, and by whom, stays on record.
CREATE TABLE training_records (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    induction_on DATE,
    agreement_on DATE,
    vetted_on DATE,
    vetting_expires_on DATE,
    updated_at TIMESTAMPTZ NOT NULL
);
