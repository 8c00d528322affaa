-- Signed-in browser sessions of the web application. Only a SHA-256 of the cookie's token is
-- kept, so a copy of the database cannot be used to sign in. `csrf` is the per-session token every
-- form must carry. Same tables and columns on both engines.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX web_sessions_by_person ON web_sessions (person_id);
