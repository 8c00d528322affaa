-- Email notifications waiting to go, sent, or given up on. A notice (a session planned for a
-- panel member, an issue for its facilitator, an escalation for the force lead, an action due or
-- overdue for its owner, a reminder before a session) is queued once per person and key, so a
-- notice is mailed once however often the server looks. A failed send is retried later with a
-- growing delay; after the last attempt it is kept as 'failed' for the administrator to see and
-- send again. Nothing is deleted.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    notice_key TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    sent_at TEXT,
    UNIQUE (person_id, notice_key)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
