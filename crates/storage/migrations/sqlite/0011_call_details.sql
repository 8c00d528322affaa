-- What else a force's export says of a call: when an officer arrived, how the call was resolved,
-- the caller's pseudonymous reference, the incident it fed and the caller's satisfaction. Each is
-- empty until an export gives it; a later export may fill an empty one in, never change it.
ALTER TABLE calls ADD COLUMN arrived_at TEXT;
ALTER TABLE calls ADD COLUMN resolution TEXT;
ALTER TABLE calls ADD COLUMN caller TEXT;
ALTER TABLE calls ADD COLUMN incident_ref TEXT;
ALTER TABLE calls ADD COLUMN satisfaction TEXT;
-- How many calls an import filled in that way.
ALTER TABLE imports ADD COLUMN rows_filled INTEGER NOT NULL DEFAULT 0;

-- The force's attendance targets: minutes within which an officer should arrive, per grade. A
-- force with none set uses IMMEDIATE 15 and PRIORITY 60.
CREATE TABLE attendance_targets (
    force_id INTEGER NOT NULL REFERENCES forces(id),
    grade TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    PRIMARY KEY (force_id, grade)
);
