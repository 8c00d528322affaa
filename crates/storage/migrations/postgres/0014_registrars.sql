-- The force's Crime Registrar team (seed 002) checks Crime Data Integrity dip samples: a role of
-- its own, not a volunteer auditor, and each result validated by a second person before it counts.
ALTER TABLE people DROP CONSTRAINT people_role_check;
ALTER TABLE people ADD CONSTRAINT people_role_check
    CHECK (role IN ('coordinator', 'auditor', 'facilitator', 'force-lead', 'viewer', 'admin', 'registrar'));

-- A checked record's result confirmed by a second registrar: it counts in the report only then.
CREATE TABLE validations (
    session_call_id BIGINT PRIMARY KEY REFERENCES session_calls(id),
    validated_by BIGINT NOT NULL REFERENCES people(id),
    validated_at TIMESTAMPTZ NOT NULL
);
