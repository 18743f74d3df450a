-- The search index: one document per ticket (subject, customer, message text), kept by the
-- application (store::search) as tickets and messages are written, folded (lowercase, no
-- diacritics) by the application; its words are stored (tsv) and GIN-indexed, so the planner can
-- use the index for rare words and walk recent tickets testing tsv for common ones.
CREATE TABLE ticket_search (
  ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id),
  text TEXT NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED
);
INSERT INTO ticket_search (ticket_id, text)
SELECT t.id, regexp_replace(t.number || ' ' || lower(t.subject)
  || ' ' || COALESCE((SELECT string_agg(a.address, ' ') FROM customer_addresses a WHERE a.customer_id = t.customer_id), '')
  || ' ' || COALESCE((SELECT lower(c.name) FROM customers c WHERE c.id = t.customer_id), '')
  || ' ' || COALESCE((SELECT string_agg(lower(substr(m.body_text, 1, 4000)), ' ') FROM messages m WHERE m.ticket_id = t.id), ''),
  '[^[:alnum:]]+', ' ', 'g')
FROM tickets t;
CREATE INDEX ticket_search_tsv ON ticket_search USING GIN (tsv);
