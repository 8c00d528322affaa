-- no-transaction
-- The force's Crime Registrar team (seed 002) checks Crime Data Integrity dip samples: a role of
-- its own, not a volunteer auditor, and each result validated by a second person before it
-- counts. SQLite cannot change a CHECK constraint in place, so the people table is rebuilt the way
-- SQLite documents (foreign keys off, copy, drop, rename), outside sqlx's transaction so that the
-- foreign-key setting can change, inside one of its own so that it is all or nothing.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE people_new (
    id INTEGER PRIMARY KEY,
    force_id INTEGER REFERENCES forces(id),
    display_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'auditor', 'facilitator', 'force-lead', 'viewer', 'admin', 'registrar')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
INSERT INTO people_new (id, force_id, display_name, email, role, password_hash, active, created_at)
    SELECT id, force_id, display_name, email, role, password_hash, active, created_at FROM people;
DROP TABLE people;
ALTER TABLE people_new RENAME TO people;

-- A checked record's result confirmed by a second registrar: it counts in the report only then.
CREATE TABLE validations (
    session_call_id INTEGER PRIMARY KEY REFERENCES session_calls(id),
    validated_by INTEGER NOT NULL REFERENCES people(id),
    validated_at TEXT NOT NULL
);
COMMIT;
PRAGMA foreign_keys = ON;
