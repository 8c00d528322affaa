-- Retention. A programme may say how many days after a session closes its calls' recordings stay
-- playable (with their transcripts and analyses), and how many days the free text people wrote
-- about those calls is kept (auditors' notes, the panel's comments and learning points). NULL
-- means no period has been set. `callaudit retention apply`, and the server once a day, remove
-- what is due and record in the history what was removed and why.
ALTER TABLE programmes ADD COLUMN recording_days INTEGER;
ALTER TABLE programmes ADD COLUMN free_text_days INTEGER;
-- When a session closed (the clock for both periods), and when each removal was made.
ALTER TABLE sessions ADD COLUMN closed_at TEXT;
ALTER TABLE sessions ADD COLUMN recordings_removed_at TEXT;
ALTER TABLE sessions ADD COLUMN free_text_removed_at TEXT;
-- Sessions closed before this migration are taken to have closed at the end of the day they sat.
UPDATE sessions SET closed_at = held_on || 'T23:59:59+00:00' WHERE status = 'closed';
