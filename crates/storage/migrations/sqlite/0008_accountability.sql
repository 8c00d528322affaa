-- The accountability loop: what the panel found goes to the force and comes back.
--
-- A facilitator escalates an issue to the force lead, who answers it. One escalation per issue;
-- escalating again replaces the note, and the history keeps both.
CREATE TABLE escalations (
    issue_id INTEGER PRIMARY KEY REFERENCES issues_raised(id),
    note TEXT NOT NULL DEFAULT '',
    escalated_by INTEGER REFERENCES people(id),
    escalated_at TEXT NOT NULL,
    answer TEXT,
    answered_by INTEGER REFERENCES people(id),
    answered_at TEXT
);

-- Issues drafted from an agreed outcome (one per area, one for a negative category) that the
-- facilitator dropped, so they are not offered again. `draft` is the area code, or '' for the
-- negative category.
CREATE TABLE dropped_drafts (
    session_call_id INTEGER NOT NULL REFERENCES session_calls(id),
    draft TEXT NOT NULL,
    dropped_at TEXT NOT NULL,
    PRIMARY KEY (session_call_id, draft)
);

-- The action log as seed 002's board keeps it: an owner who signs in (the text owner stays for
-- owners outside the system), a RAG rating, where the action came from, and Part 2 (private)
-- with the reason, as the exempt items of a board's agenda are listed. A NULL reason is Part 1.
ALTER TABLE actions ADD COLUMN owner_id INTEGER REFERENCES people(id);
ALTER TABLE actions ADD COLUMN rag TEXT CHECK (rag IN ('red', 'amber', 'green'));
ALTER TABLE actions ADD COLUMN private_reason TEXT;
ALTER TABLE actions ADD COLUMN issue_id INTEGER REFERENCES issues_raised(id);
ALTER TABLE actions ADD COLUMN session_call_id INTEGER REFERENCES session_calls(id);

-- Progress notes on an action: written once, dated and signed, never changed.
CREATE TABLE action_notes (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES actions(id),
    note TEXT NOT NULL,
    author TEXT NOT NULL,
    written_at TEXT NOT NULL
);
CREATE INDEX action_notes_by_action ON action_notes (action_id, id);
CREATE TRIGGER action_notes_are_kept BEFORE UPDATE ON action_notes
BEGIN SELECT RAISE(ABORT, 'progress notes are kept as written'); END;
CREATE TRIGGER action_notes_are_not_deleted BEFORE DELETE ON action_notes
BEGIN SELECT RAISE(ABORT, 'progress notes are kept as written'); END;
