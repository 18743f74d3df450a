-- Words still to be indexed: written with the mail a batch stores (the ticket, and the message
-- or NULL for a new ticket's head) and indexed right after by another transaction (store::search),
-- so that indexing, the largest part of storing mail, is off the path every message waits on.
CREATE TABLE search_pending (
  id BIGSERIAL PRIMARY KEY,
  ticket_id BIGINT NOT NULL,
  message_id BIGINT
);
