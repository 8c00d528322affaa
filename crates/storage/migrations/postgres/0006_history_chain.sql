-- A tamper-evident history. Each entry carries the SHA-256 of its content and of the entry before
-- it in the same chain (one chain per force; entries with no force form the server's own chain),
-- so an edited, removed or inserted entry breaks every hash after it; `callaudit history verify`
-- recomputes the chains. seq numbers a chain's entries from 1 with no gaps.
ALTER TABLE history
    ADD COLUMN force_id BIGINT REFERENCES forces(id),
    ADD COLUMN seq BIGINT,
    ADD COLUMN prev_hash TEXT,
    ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX history_chain ON history ((coalesce(force_id, 0)), seq);

-- Entries written before this migration are sealed once, by the application, the first time it
-- connects: the only update ever allowed is giving an unsealed entry its place in the chain.
-- (INSERT ... ON CONFLICT DO UPDATE goes through the same trigger.) DELETE stays refused, and so
-- does TRUNCATE (its trigger from the first migration is kept).
CREATE FUNCTION history_seal_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.hash IS NOT NULL
       OR (NEW.id, NEW.at, NEW.actor, NEW.entity, NEW.entity_id, NEW.action, NEW.detail, NEW.force_id)
          IS DISTINCT FROM
          (OLD.id, OLD.at, OLD.actor, OLD.entity, OLD.entity_id, OLD.action, OLD.detail, OLD.force_id)
    THEN
        RAISE EXCEPTION 'history is append-only';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER history_no_update ON history;
CREATE TRIGGER history_no_update BEFORE UPDATE OR DELETE ON history
FOR EACH ROW EXECUTE FUNCTION history_seal_once();

-- Every new entry arrives sealed.
CREATE FUNCTION history_insert_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.hash IS NULL OR NEW.seq IS NULL THEN
        RAISE EXCEPTION 'history entries are written with their place in the chain';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER history_insert_sealed BEFORE INSERT ON history
FOR EACH ROW EXECUTE FUNCTION history_insert_sealed();

-- Failed and pending sign-ins, counted before any password is hashed (see the SQLite twin).
CREATE TABLE sign_in_attempts (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_by_age ON sign_in_attempts (window_start);
