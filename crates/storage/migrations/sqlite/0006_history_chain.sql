-- A tamper-evident history. Each entry carries the SHA-256 of its content and of the entry before
-- it in the same chain (one chain per force; entries with no force form the server's own chain),
-- so an edited, removed or inserted entry breaks every hash after it; `callaudit history verify`
-- recomputes the chains. seq numbers a chain's entries from 1 with no gaps.
ALTER TABLE history ADD COLUMN force_id INTEGER REFERENCES forces(id);
ALTER TABLE history ADD COLUMN seq INTEGER;
ALTER TABLE history ADD COLUMN prev_hash TEXT;
ALTER TABLE history ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX history_chain ON history (coalesce(force_id, 0), seq);

-- Entries written before this migration are sealed once, by the application, the first time it
-- connects: the only update ever allowed is giving an unsealed entry its place in the chain.
DROP TRIGGER history_no_update;
CREATE TRIGGER history_no_update BEFORE UPDATE ON history
WHEN OLD.hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor
  OR NEW.entity IS NOT OLD.entity OR NEW.entity_id IS NOT OLD.entity_id
  OR NEW.action IS NOT OLD.action OR NEW.detail IS NOT OLD.detail
  OR NEW.force_id IS NOT OLD.force_id
BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;

-- INSERT OR REPLACE deletes the entry it replaces without firing the delete trigger: refuse an
-- insert over an existing id before that can happen.
CREATE TRIGGER history_no_replace BEFORE INSERT ON history
WHEN EXISTS (SELECT 1 FROM history WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'history is append-only: an entry cannot be replaced');
END;

-- Every new entry arrives sealed.
CREATE TRIGGER history_insert_sealed BEFORE INSERT ON history
WHEN NEW.hash IS NULL OR NEW.seq IS NULL
BEGIN
    SELECT RAISE(ABORT, 'history entries are written with their place in the chain');
END;

-- Sign-in attempts per account key (the SHA-256 of the lower-cased email, so the table's rows stay
-- small whatever is typed), counted before any password is hashed: parallel guesses cannot slip
-- past the limit, and the count survives a restart and is shared by every server on one database.
-- window_start is in Unix seconds; old windows are removed as new attempts arrive.
CREATE TABLE sign_in_attempts (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    attempts INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_by_age ON sign_in_attempts (window_start);
