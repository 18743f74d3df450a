-- Assignment policies of mailboxes and teams (pool 'mailbox:ID' or 'team:ID'). `turn` counts the
-- pool's assignments; every routing transaction locks the row first, so round robin stays fair
-- with several instances routing at once.
CREATE TABLE assignment_policies (
  pool TEXT PRIMARY KEY,
  policy TEXT NOT NULL,
  fallback TEXT NOT NULL,
  sticky_days BIGINT NOT NULL,
  by_language BIGINT NOT NULL,
  reassign_off_shift BIGINT NOT NULL,
  turn BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
-- The pool's turn when a member last got a ticket from it.
CREATE TABLE assignment_turns (
  pool TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  turn BIGINT NOT NULL,
  PRIMARY KEY (pool, user_id)
);
-- Tickets waiting for a routing decision: new, given to a team, taken from an agent gone off
-- shift, or nobody was available last time (then due again a little later).
CREATE TABLE routing_pending (
  ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id),
  cause TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  tries BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX routing_pending_due ON routing_pending (due_at);
-- How the ticket got its assignee (round_robin, least_loaded, sticky, account_manager, rule,
-- manual) and the routing reason as stored by domain::routing::Why.
ALTER TABLE tickets ADD COLUMN assigned_by TEXT;
ALTER TABLE tickets ADD COLUMN assignment_reason TEXT NOT NULL DEFAULT '';
-- A B2B customer's own account manager.
ALTER TABLE customers ADD COLUMN account_manager_id BIGINT REFERENCES users(id);
