-- Numbered like PostgreSQL's 0002; SQLite keeps its counter row (nothing to change).
SELECT 1;
