-- Moves whenever an account or its mailbox rights change, so that each instance's copy of the
-- roster (what every routing decision reads) is checked with one small read.
INSERT INTO counters (name, value) VALUES ('roster', 0);
CREATE TRIGGER roster_users_insert AFTER INSERT ON users BEGIN UPDATE counters SET value = value + 1 WHERE name = 'roster'; END;
CREATE TRIGGER roster_users_update AFTER UPDATE ON users BEGIN UPDATE counters SET value = value + 1 WHERE name = 'roster'; END;
CREATE TRIGGER roster_users_delete AFTER DELETE ON users BEGIN UPDATE counters SET value = value + 1 WHERE name = 'roster'; END;
CREATE TRIGGER roster_boxes_insert AFTER INSERT ON mailbox_agents BEGIN UPDATE counters SET value = value + 1 WHERE name = 'roster'; END;
CREATE TRIGGER roster_boxes_update AFTER UPDATE ON mailbox_agents BEGIN UPDATE counters SET value = value + 1 WHERE name = 'roster'; END;
CREATE TRIGGER roster_boxes_delete AFTER DELETE ON mailbox_agents BEGIN UPDATE counters SET value = value + 1 WHERE name = 'roster'; END;
