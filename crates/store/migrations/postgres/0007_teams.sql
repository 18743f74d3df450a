-- Teams of agents; a ticket may belong to one team (views "by team", assignment to a team).
CREATE TABLE teams (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
  team_id BIGINT NOT NULL REFERENCES teams(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);
ALTER TABLE tickets ADD COLUMN team_id BIGINT REFERENCES teams(id);
CREATE INDEX tickets_team ON tickets (team_id, status, id) WHERE team_id IS NOT NULL;
