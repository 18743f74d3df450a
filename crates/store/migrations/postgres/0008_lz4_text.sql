-- lz4 instead of pglz for the other big columns too (message texts, outgoing mail, the search
-- document): pglz was the largest single cost of PostgreSQL while ingesting mail.
ALTER TABLE messages ALTER COLUMN body_text SET COMPRESSION lz4;
ALTER TABLE messages ALTER COLUMN body_html SET COMPRESSION lz4;
ALTER TABLE messages ALTER COLUMN quoted_text SET COMPRESSION lz4;
ALTER TABLE outbox ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE ticket_search ALTER COLUMN text SET COMPRESSION lz4;
ALTER TABLE ticket_search ALTER COLUMN tsv SET COMPRESSION lz4;
