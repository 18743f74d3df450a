-- Foundation: accounts, mailboxes, customers, tickets, messages, attachments, inbound mail, outbox, jobs.
-- Times are milliseconds since the Unix epoch (BIGINT) on both backends; flags are 0/1 BIGINT.
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT
);

CREATE TABLE mailboxes (
  id BIGSERIAL PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  imap_url TEXT,
  ack_enabled BIGINT NOT NULL DEFAULT 1,
  ack_subject TEXT,
  ack_body TEXT,
  support_hours TEXT NOT NULL DEFAULT '',
  response_time TEXT NOT NULL DEFAULT '',
  alternative_contacts TEXT NOT NULL DEFAULT '',
  signature TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_fetch_at BIGINT,
  last_error TEXT,
  last_error_at BIGINT,
  fetched_count BIGINT NOT NULL DEFAULT 0,
  imap_uidvalidity BIGINT,
  imap_last_uid BIGINT
);

CREATE TABLE customers (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

CREATE TABLE customer_addresses (
  address TEXT PRIMARY KEY,
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses (customer_id);

CREATE SEQUENCE ticket_number_seq;

CREATE TABLE tickets (
  id BIGSERIAL PRIMARY KEY,
  number BIGINT NOT NULL UNIQUE,
  mailbox_id BIGINT REFERENCES mailboxes(id),
  customer_id BIGINT NOT NULL REFERENCES customers(id),
  subject TEXT NOT NULL,
  status TEXT NOT NULL,
  channel TEXT NOT NULL,
  assignee_id BIGINT REFERENCES users(id),
  related_number BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX tickets_status_id ON tickets (status, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status, id);
CREATE INDEX tickets_customer ON tickets (customer_id, id);

CREATE TABLE ticket_tags (
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  tag TEXT NOT NULL,
  PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

CREATE TABLE participants (
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  address TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (ticket_id, address)
);

CREATE TABLE inbound (
  id BIGSERIAL PRIMARY KEY,
  source TEXT NOT NULL,
  mailbox_id BIGINT REFERENCES mailboxes(id),
  envelope_from TEXT,
  envelope_to TEXT NOT NULL,
  raw_blob TEXT NOT NULL,
  size BIGINT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  ticket_id BIGINT REFERENCES tickets(id),
  received_at BIGINT NOT NULL,
  processed_at BIGINT
);
CREATE INDEX inbound_status ON inbound (status, id);
CREATE INDEX inbound_blob ON inbound (mailbox_id, raw_blob);
CREATE INDEX inbound_waiting ON inbound (mailbox_id, status, id);

CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  direction TEXT NOT NULL,
  kind TEXT NOT NULL,
  author_user_id BIGINT REFERENCES users(id),
  from_address TEXT NOT NULL,
  from_name TEXT NOT NULL DEFAULT '',
  to_list TEXT NOT NULL DEFAULT '[]',
  cc_list TEXT NOT NULL DEFAULT '[]',
  subject TEXT NOT NULL DEFAULT '',
  body_text TEXT NOT NULL,
  body_html TEXT,
  quoted_text TEXT,
  signature TEXT,
  message_id TEXT,
  inbound_id BIGINT REFERENCES inbound(id),
  delivery TEXT,
  delivery_error TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

CREATE TABLE message_ids (
  message_id TEXT PRIMARY KEY,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id)
);

CREATE TABLE attachments (
  id BIGSERIAL PRIMARY KEY,
  message_pk BIGINT NOT NULL REFERENCES messages(id),
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  blob TEXT NOT NULL,
  inline BIGINT NOT NULL DEFAULT 0,
  content_id TEXT
);
CREATE INDEX attachments_message ON attachments (message_pk);

CREATE TABLE outbox (
  id BIGSERIAL PRIMARY KEY,
  ticket_id BIGINT REFERENCES tickets(id),
  message_pk BIGINT REFERENCES messages(id),
  purpose TEXT NOT NULL,
  mail_from TEXT NOT NULL,
  recipients TEXT NOT NULL,
  raw BYTEA NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);

CREATE TABLE ack_log (
  recipient TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX ack_log_recipient ON ack_log (recipient, created_at);

CREATE TABLE jobs (
  id BIGSERIAL PRIMARY KEY,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  run_at BIGINT NOT NULL,
  locked_by TEXT,
  locked_until BIGINT,
  attempts BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at, id);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until BIGINT NOT NULL
);
