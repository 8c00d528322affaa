-- Retention (see the SQLite twin for the whole story): per programme, the days after a session
-- closes that recordings stay playable and that free text is kept; NULL means no period is set.
ALTER TABLE programmes ADD COLUMN recording_days BIGINT, ADD COLUMN free_text_days BIGINT;
ALTER TABLE sessions
    ADD COLUMN closed_at TIMESTAMPTZ,
    ADD COLUMN recordings_removed_at TIMESTAMPTZ,
    ADD COLUMN free_text_removed_at TIMESTAMPTZ;
UPDATE sessions SET closed_at = (held_on + TIME '23:59:59') AT TIME ZONE 'UTC' WHERE status = 'closed';
