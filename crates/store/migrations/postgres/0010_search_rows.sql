-- The search index as rows of words, insert-only (see store::search): a ticket's first row holds
-- its head and first text, later rows only the words it did not have yet. A growing document,
-- rewritten by every message, entered all of the ticket's words into the GIN index again each time.
-- The application writes the words (folded, split) as a tsvector; the stored words stay as they are.
ALTER TABLE ticket_search DROP CONSTRAINT ticket_search_pkey;
ALTER TABLE ticket_search ALTER COLUMN tsv DROP EXPRESSION;
ALTER TABLE ticket_search DROP COLUMN text;
ALTER TABLE ticket_search ALTER COLUMN tsv SET NOT NULL;
CREATE INDEX ticket_search_ticket ON ticket_search (ticket_id);
