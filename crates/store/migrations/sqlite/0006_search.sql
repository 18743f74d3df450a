-- The search index: one document per ticket (subject, customer, message text), kept by the
-- application (store::search) as tickets and messages are written. FTS5 folds case and diacritics.
CREATE VIRTUAL TABLE ticket_search USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO ticket_search (rowid, text)
SELECT t.id, t.number || ' ' || lower(t.subject)
  || ' ' || COALESCE((SELECT group_concat(a.address, ' ') FROM customer_addresses a WHERE a.customer_id = t.customer_id), '')
  || ' ' || COALESCE((SELECT lower(c.name) FROM customers c WHERE c.id = t.customer_id), '')
  || ' ' || COALESCE((SELECT group_concat(lower(substr(m.body_text, 1, 4000)), ' ') FROM messages m WHERE m.ticket_id = t.id), '')
FROM tickets t;
