-- The agent UI: browser sessions, login throttling, per-mailbox rights, agent preferences,
-- ticket priority and reminders, the activity log, canned replies, customer notes, mentions.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
  key TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN inbox_sort TEXT NOT NULL DEFAULT 'oldest';
ALTER TABLE users ADD COLUMN all_mailboxes BIGINT NOT NULL DEFAULT 1;

CREATE TABLE mailbox_agents (
  mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (mailbox_id, user_id)
);
CREATE INDEX mailbox_agents_user ON mailbox_agents (user_id);

ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE tickets ADD COLUMN remind_at BIGINT;
CREATE INDEX tickets_remind ON tickets (remind_at) WHERE remind_at IS NOT NULL;
CREATE INDEX tickets_mailbox ON tickets (mailbox_id, status, id);

CREATE TABLE activity (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  user_id BIGINT REFERENCES users(id),
  action TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX activity_ticket ON activity (ticket_id, id);

CREATE TABLE canned_replies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_id BIGINT REFERENCES users(id),
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

ALTER TABLE customers ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN organisation TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN language TEXT;

CREATE TABLE mentions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id BIGINT NOT NULL REFERENCES users(id),
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  by_user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX mentions_user ON mentions (user_id, read_at);
