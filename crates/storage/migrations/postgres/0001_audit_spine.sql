-- The audit spine for PostgreSQL, for a force- or nation-wide server. sqlite/0001_audit_spine.sql
-- holds the same tables and columns (a test compares them). Here timestamps are TIMESTAMPTZ, dates
-- DATE, booleans BOOLEAN and every integer BIGINT, so one Rust type (i64) reads them on both.
-- Never edit a migration once released: add a new one.

-- A force is the unit that owns calls and actions; a server may hold many.
CREATE TABLE forces (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- An audit programme: a scheme with its own template (call audit, CDI, incident log).
CREATE TABLE programmes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT NOT NULL REFERENCES forces(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('call-audit', 'crime-data-integrity', 'incident-log')),
    max_sample BIGINT NOT NULL DEFAULT 10,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (force_id, name)
);

-- The template is normalised so that reports can count areas and questions with plain SQL.
CREATE TABLE template_questions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (programme_id, code)
);

CREATE TABLE template_areas (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Other wordings of the area in a scheme's spreadsheets, ';'-separated.
    aliases TEXT NOT NULL DEFAULT '',
    UNIQUE (programme_id, code)
);

CREATE TABLE template_categories (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    position BIGINT NOT NULL,
    code TEXT NOT NULL,
    label TEXT NOT NULL,
    raises_issue BOOLEAN NOT NULL,
    UNIQUE (programme_id, code)
);

CREATE TABLE focus_themes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    name TEXT NOT NULL,
    UNIQUE (programme_id, name)
);

-- Everyone with a login or a seat on a panel. force_id is NULL for office staff who serve several.
CREATE TABLE people (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT REFERENCES forces(id),
    display_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('coordinator', 'auditor', 'facilitator', 'force-lead', 'viewer', 'admin')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- Each import of a file, so that every pool call can be traced to the file it came from.
CREATE TABLE imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT NOT NULL REFERENCES forces(id),
    kind TEXT NOT NULL CHECK (kind IN ('calls', 'audits')),
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_added BIGINT NOT NULL DEFAULT 0,
    rows_unchanged BIGINT NOT NULL DEFAULT 0,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL
);

-- The call pool. (force_id, call_ref) is unique: importing the same export twice adds nothing.
CREATE TABLE calls (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT NOT NULL REFERENCES forces(id),
    call_ref TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    channel TEXT NOT NULL,
    incident_type TEXT NOT NULL,
    handler TEXT,
    answer_s BIGINT,
    duration_s BIGINT,
    abandoned BOOLEAN,
    grade TEXT,
    area TEXT,
    training BOOLEAN NOT NULL DEFAULT FALSE,
    recording TEXT,
    import_id BIGINT REFERENCES imports(id),
    UNIQUE (force_id, call_ref)
);

-- A session (an audit): one sitting of the panel. focus is '' for no focus, so that the
-- natural key below holds (NULLs never collide in a UNIQUE constraint).
CREATE TABLE sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    held_on DATE NOT NULL,
    focus TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('planned', 'open', 'closed')),
    facilitator_id BIGINT REFERENCES people(id),
    source TEXT NOT NULL CHECK (source IN ('live', 'import', 'demo')),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (programme_id, held_on, focus)
);

CREATE TABLE session_panel (
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (session_id, person_id)
);

-- The commitment (pool and spec digests, shown before the seed exists) and then the draw.
CREATE TABLE draws (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL UNIQUE REFERENCES sessions(id),
    pool_digest TEXT NOT NULL,
    spec_digest TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    eligible_calls BIGINT NOT NULL,
    committed_by TEXT NOT NULL,
    committed_at TIMESTAMPTZ NOT NULL,
    seed TEXT,
    record_json TEXT,
    drawn_by TEXT,
    drawn_at TIMESTAMPTZ
);

-- The calls of a session. The call's reference, channel and type are copied here: the audit
-- record must say what the panel heard even if the pool is later purged under retention rules.
CREATE TABLE session_calls (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    position BIGINT NOT NULL,
    call_ref TEXT NOT NULL,
    call_id BIGINT REFERENCES calls(id),
    started_at TIMESTAMPTZ,
    channel TEXT NOT NULL,
    incident_type TEXT NOT NULL,
    UNIQUE (session_id, call_ref)
);
CREATE INDEX session_calls_by_ref ON session_calls (call_ref);

-- Each auditor's own answers, before the panel agrees: the raw material of inter-rater agreement.
CREATE TABLE answers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_call_id BIGINT NOT NULL REFERENCES session_calls(id),
    auditor_id BIGINT NOT NULL REFERENCES people(id),
    question_code TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'partly', 'no', 'na')),
    note TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (session_call_id, auditor_id, question_code)
);

-- Each auditor's proposed category and areas for a call.
CREATE TABLE proposals (
    session_call_id BIGINT NOT NULL REFERENCES session_calls(id),
    auditor_id BIGINT NOT NULL REFERENCES people(id),
    category TEXT NOT NULL CHECK (category IN ('positive', 'suggestions', 'negative')),
    -- Template area codes, ';'-separated.
    areas TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (session_call_id, auditor_id)
);

-- The panel's agreed outcome for a call.
CREATE TABLE outcomes (
    session_call_id BIGINT PRIMARY KEY REFERENCES session_calls(id),
    category TEXT NOT NULL CHECK (category IN ('positive', 'suggestions', 'negative')),
    comments TEXT NOT NULL DEFAULT '',
    learning_points TEXT NOT NULL DEFAULT '',
    good_practice BOOLEAN NOT NULL DEFAULT FALSE,
    agreed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE outcome_areas (
    session_call_id BIGINT NOT NULL REFERENCES outcomes(session_call_id),
    area_code TEXT NOT NULL,
    PRIMARY KEY (session_call_id, area_code)
);

-- Issues the panel raised on a call, for the facilitator to answer.
CREATE TABLE issues_raised (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_call_id BIGINT NOT NULL REFERENCES session_calls(id),
    area_code TEXT,
    description TEXT NOT NULL,
    raised_at TIMESTAMPTZ NOT NULL
);

-- The facilitator's answer to an issue, and the feedback relayed to the call handler.
CREATE TABLE responses (
    issue_id BIGINT PRIMARY KEY REFERENCES issues_raised(id),
    response TEXT NOT NULL,
    action_taken TEXT NOT NULL DEFAULT '',
    escalated_to TEXT NOT NULL DEFAULT '',
    feedback_kind TEXT CHECK (feedback_kind IN ('positive', 'developmental')),
    feedback_relayed_on DATE,
    responded_by BIGINT REFERENCES people(id),
    responded_at TIMESTAMPTZ NOT NULL
);

-- The action log, as scrutiny boards keep it: "2024/07: The Chief Constable to provide …".
CREATE TABLE actions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT NOT NULL REFERENCES forces(id),
    reference TEXT NOT NULL,
    text TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on DATE,
    status TEXT NOT NULL CHECK (status IN ('open', 'in-progress', 'done', 'dropped')),
    session_id BIGINT REFERENCES sessions(id),
    created_at TIMESTAMPTZ NOT NULL,
    closed_on DATE,
    UNIQUE (force_id, reference)
);

-- Append-only history of who changed what. The triggers below refuse UPDATE, DELETE and TRUNCATE,
-- so the record holds even against a careless script with database access.
CREATE TABLE history (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);

CREATE FUNCTION history_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only';
END;
$$;

CREATE TRIGGER history_no_update BEFORE UPDATE OR DELETE ON history
FOR EACH ROW EXECUTE FUNCTION history_is_append_only();

-- TRUNCATE bypasses row triggers; refuse it too.
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history
FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();
