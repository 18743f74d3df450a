-- Rules (automations), in their order. Conditions and actions are JSON lists of what the admin
-- wrote ({"field","op","value"} and {"action","value"}), checked by domain::rules on every save
-- and read.
CREATE TABLE rules (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  trigger TEXT NOT NULL,
  position BIGINT NOT NULL,
  enabled BIGINT NOT NULL,
  stop BIGINT NOT NULL,
  conditions TEXT NOT NULL,
  actions TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX rules_position ON rules (position, id);
-- When a scheduled rule last looked at a ticket: it looks again only once the ticket changed.
CREATE TABLE rule_runs (
  rule_id BIGINT NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  checked_at BIGINT NOT NULL,
  PRIMARY KEY (rule_id, ticket_id)
);
CREATE INDEX rule_runs_ticket ON rule_runs (ticket_id);
-- Counters that move whenever a table read on hot paths changes, so that each instance's copy
-- is checked with one small read ('rules').
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('rules', 0);
-- Notifications for agents: @mentions (by a colleague), and what rules and SLAs tell them
-- (no colleague; the text says what). Replaces mentions.
CREATE TABLE notifications (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  kind TEXT NOT NULL,
  by_user_id BIGINT REFERENCES users(id),
  text TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
INSERT INTO notifications (user_id, ticket_id, kind, by_user_id, text, created_at, read_at)
  SELECT user_id, ticket_id, 'mention', by_user_id, '', created_at, read_at FROM mentions ORDER BY id;
DROP TABLE mentions;
CREATE INDEX notifications_user ON notifications (user_id, read_at);
