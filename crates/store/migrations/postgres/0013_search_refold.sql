-- The search fold now spells out letters that have no decomposition (ß → ss, đ → d, ø → o,
-- æ → ae, œ → oe, þ → th; earlier ß, đ and ø all became "l"), so the stored words are folded
-- again: the index is emptied and every ticket's head and every message but acknowledgements
-- (which are never indexed) are queued, a ticket's entries together, for the indexer
-- (store::search), which rebuilds it in the background; until then a search finds only the
-- tickets already rebuilt.
TRUNCATE ticket_search, search_pending;
INSERT INTO search_pending (ticket_id, message_id)
SELECT ticket_id, message_id FROM (
  SELECT id AS ticket_id, NULL AS message_id, 0 AS k FROM tickets
  UNION ALL
  SELECT m.ticket_id, m.id, 1 FROM messages m
  WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_pk = m.id AND o.purpose = 'ack')
) AS e
ORDER BY ticket_id, k, message_id;
