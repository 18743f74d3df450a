-- Business calendars (a time zone, weekly hours as written — 'mon-fri 09:00-17:00' —, holidays
-- one per line) and SLA policies (a calendar, how long before a due time to warn, targets per
-- channel and priority as JSON). A mailbox's tickets are measured by its policy.
CREATE TABLE calendars (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  week TEXT NOT NULL,
  holidays TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE sla_policies (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  calendar_id BIGINT NOT NULL REFERENCES calendars(id),
  warn_before_minutes BIGINT NOT NULL,
  targets TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
ALTER TABLE mailboxes ADD COLUMN sla_policy_id BIGINT REFERENCES sla_policies(id);
