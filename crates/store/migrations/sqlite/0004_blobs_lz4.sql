-- Numbered like PostgreSQL's 0004 (lz4 for blobs); nothing to change on SQLite.
SELECT 1;
