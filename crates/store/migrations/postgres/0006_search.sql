-- The search index: one document per ticket (subject, customer, message text), kept by the
-- application (store::search) as tickets and messages are written, folded (lowercase, no
-- diacritics) by the application; a GIN index over its words answers prefix queries.
CREATE TABLE ticket_search (
  ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id),
  text TEXT NOT NULL
);
INSERT INTO ticket_search (ticket_id, text)
SELECT t.id, regexp_replace(lower(t.subject)
  || ' ' || COALESCE((SELECT string_agg(a.address, ' ') FROM customer_addresses a WHERE a.customer_id = t.customer_id), '')
  || ' ' || COALESCE((SELECT lower(c.name) FROM customers c WHERE c.id = t.customer_id), '')
  || ' ' || COALESCE((SELECT string_agg(lower(substr(m.body_text, 1, 4000)), ' ') FROM messages m WHERE m.ticket_id = t.id), ''),
  '[^[:alnum:]]+', ' ', 'g')
FROM tickets t;
CREATE INDEX ticket_search_words ON ticket_search USING GIN (to_tsvector('simple', text));
