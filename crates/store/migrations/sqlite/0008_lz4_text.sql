-- Numbered like PostgreSQL's 0008 (lz4 for big text columns); nothing to change on SQLite.
SELECT 1;
