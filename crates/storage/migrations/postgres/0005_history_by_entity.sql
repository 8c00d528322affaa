-- The watcher counts programme changes in the history after every commit it notices.
CREATE INDEX history_by_entity ON history (entity, id);
