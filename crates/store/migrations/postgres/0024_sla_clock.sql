-- Each ticket's SLA clock. The facts, kept by the store as tickets change: our first reply to
-- the customer, since when a later message of theirs waits for our answer, when it was solved
-- (NULL again once reopened), and the pauses while it waited on the customer (pending, or
-- solved before it was reopened). What follows from them under the mailbox's policy, written by
-- the SLA tracker: the nearest due time still open, when it warns, and when to look again.
ALTER TABLE tickets ADD COLUMN first_response_at BIGINT;
ALTER TABLE tickets ADD COLUMN awaiting_since BIGINT;
ALTER TABLE tickets ADD COLUMN solved_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_due_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_warn_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_next_at BIGINT;
CREATE INDEX tickets_sla_next ON tickets (sla_next_at) WHERE sla_next_at IS NOT NULL;
CREATE TABLE ticket_pauses (
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  started_at BIGINT NOT NULL,
  ended_at BIGINT
);
CREATE INDEX ticket_pauses_ticket ON ticket_pauses (ticket_id, started_at);
-- Tickets whose clock changed, for the tracker.
CREATE TABLE sla_pending (ticket_id BIGINT PRIMARY KEY);
-- Warnings and breaches, once each per target and clock start (a next response has one per
-- customer message waiting for it): for notifications, escalation and the reports.
CREATE TABLE sla_events (
  id BIGSERIAL PRIMARY KEY,
  ticket_id BIGINT NOT NULL REFERENCES tickets(id),
  metric TEXT NOT NULL,
  kind TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  met_at BIGINT,
  at BIGINT NOT NULL,
  policy_id BIGINT,
  assignee_id BIGINT,
  team_id BIGINT
);
CREATE UNIQUE INDEX sla_events_once ON sla_events (ticket_id, metric, started_at, kind);
CREATE INDEX sla_events_at ON sla_events (kind, at);
-- Whether a policy hands tickets to the team lead: 'off', 'warning' (about to breach) or 'breach'.
ALTER TABLE sla_policies ADD COLUMN escalate TEXT NOT NULL DEFAULT 'off';
-- Whether an agent also gets their SLA and rule notifications by mail.
ALTER TABLE users ADD COLUMN mail_notifications BIGINT NOT NULL DEFAULT 1;
-- What is known of the tickets there are.
UPDATE tickets SET first_response_at = (SELECT MIN(m.created_at) FROM messages m WHERE m.ticket_id = tickets.id
  AND m.direction = 'out' AND m.kind = 'message' AND m.author_user_id IS NOT NULL);
UPDATE tickets SET solved_at = updated_at WHERE status IN ('solved', 'closed');
INSERT INTO ticket_pauses (ticket_id, started_at) SELECT id, updated_at FROM tickets WHERE status = 'pending';
INSERT INTO sla_pending (ticket_id) SELECT t.id FROM tickets t JOIN mailboxes m ON m.id = t.mailbox_id
  WHERE m.sla_policy_id IS NOT NULL AND t.status IN ('new', 'open', 'pending');
