-- What the coordinator published for the public (see the SQLite twin).
CREATE TABLE publications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    force_id BIGINT NOT NULL REFERENCES forces(id),
    year BIGINT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by TEXT NOT NULL,
    markdown TEXT NOT NULL,
    html TEXT NOT NULL,
    masks_applied BIGINT NOT NULL,
    masks_undone BIGINT NOT NULL
);
CREATE INDEX publications_latest ON publications (force_id, year, id);
