-- Call references compare byte by byte, whatever the database's locale: the draw reads a pool in
-- byte order of reference (docs/sampling.md), and with the "C" collation the unique index on
-- (force_id, call_ref) gives it that order, so ten million calls stream without a sort.
ALTER TABLE calls ALTER COLUMN call_ref TYPE TEXT COLLATE "C";
