-- Numbered like PostgreSQL's 0010 (the search index as rows of words); SQLite keeps one FTS5
-- document per ticket, grown in place.
SELECT 1;
