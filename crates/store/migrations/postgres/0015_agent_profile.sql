-- What routing needs to know of an agent: how many open tickets they take at once, the
-- languages they answer in and their skills (comma-separated, lower case), and their working
-- hours ('mon-fri 09:00-17:00', in their time zone; empty: no shift, their status alone counts).
ALTER TABLE users ADD COLUMN capacity BIGINT NOT NULL DEFAULT 20;
ALTER TABLE users ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN skills TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN working_hours TEXT NOT NULL DEFAULT '';
-- A team's lead: warned of breaches and escalations (a member of the team).
ALTER TABLE teams ADD COLUMN lead_user_id BIGINT REFERENCES users(id);
