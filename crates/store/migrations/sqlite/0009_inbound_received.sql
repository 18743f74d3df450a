-- The mailboxes with mail waiting to be processed, found by a skip scan over this small index
-- (only waiting mail is in it) instead of reading thousands of waiting rows while a backlog drains.
CREATE INDEX inbound_received ON inbound (mailbox_id) WHERE status = 'received';
