-- The calls a force says it received each day (its published or management-information totals),
-- entered by the coordinator. The completeness check compares the pool's count for a day with it.
CREATE TABLE published_totals (
    force_id BIGINT NOT NULL REFERENCES forces(id),
    day DATE NOT NULL,
    calls BIGINT NOT NULL CHECK (calls >= 0),
    PRIMARY KEY (force_id, day)
);
