-- What the control room wrote about its calls: incident-log entries, imported from the force's
-- export. An entry is the same entry when its incident, time, kind, value and text are, so
-- importing a file again adds nothing.
CREATE TABLE log_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT NOT NULL REFERENCES forces(id),
    incident_ref TEXT NOT NULL,
    call_ref TEXT,
    at TIMESTAMPTZ NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('opened', 'graded', 'regraded', 'thrive', 'risk-marker',
        'qualifier', 'check', 'silent-call', 'dispatched', 'arrived', 'contact', 'escalated',
        'question', 'answer', 'linked', 'closed', 'note')),
    value TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    written_by TEXT NOT NULL DEFAULT '',
    UNIQUE (force_id, incident_ref, at, kind, value, text)
);
CREATE INDEX log_entries_by_call ON log_entries (force_id, call_ref);
CREATE INDEX calls_by_incident ON calls (force_id, incident_ref);

-- Whether a programme's auditors read the log's check results and risk-marker values; without it
-- they see that an entry is there, not what it says (a Commissioner may not want volunteers
-- reading intelligence markers).
ALTER TABLE programmes ADD COLUMN log_details BOOLEAN NOT NULL DEFAULT FALSE;
