-- The accountability loop (see the SQLite twin for the whole story): escalations to the force
-- lead and their answers, drafted issues the facilitator dropped, the action log's owner, RAG,
-- origin and Part 2 reason, and progress notes that are never changed.
CREATE TABLE escalations (
    issue_id BIGINT PRIMARY KEY REFERENCES issues_raised(id),
    note TEXT NOT NULL DEFAULT '',
    escalated_by BIGINT REFERENCES people(id),
    escalated_at TIMESTAMPTZ NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES people(id),
    answered_at TIMESTAMPTZ
);

CREATE TABLE dropped_drafts (
    session_call_id BIGINT NOT NULL REFERENCES session_calls(id),
    draft TEXT NOT NULL,
    dropped_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_call_id, draft)
);

ALTER TABLE actions
    ADD COLUMN owner_id BIGINT REFERENCES people(id),
    ADD COLUMN rag TEXT CHECK (rag IN ('red', 'amber', 'green')),
    ADD COLUMN private_reason TEXT,
    ADD COLUMN issue_id BIGINT REFERENCES issues_raised(id),
    ADD COLUMN session_call_id BIGINT REFERENCES session_calls(id);

CREATE TABLE action_notes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES actions(id),
    note TEXT NOT NULL,
    author TEXT NOT NULL,
    written_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX action_notes_by_action ON action_notes (action_id, id);
CREATE FUNCTION action_notes_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'progress notes are kept as written';
END;
$$;
CREATE TRIGGER action_notes_are_kept BEFORE UPDATE OR DELETE ON action_notes
FOR EACH ROW EXECUTE FUNCTION action_notes_are_kept();
