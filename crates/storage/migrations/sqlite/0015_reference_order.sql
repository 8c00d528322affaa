-- Nothing to change: SQLite compares text byte by byte already, the order in which the draw reads
-- a pool (docs/sampling.md). The PostgreSQL schema needs the "C" collation for it; this file
-- keeps the two engines' migrations numbered alike.
SELECT 1;
