-- Each agent's open tickets (new or open, assigned to them), kept by triggers on tickets in the
-- transaction of every change, so that a routing decision reads one number per agent instead
-- of counting thousands of tickets (bench routing). Not in `users`: a change there moves the
-- roster counter, and loads move with every assignment.
CREATE TABLE agent_loads (user_id INTEGER PRIMARY KEY, open_tickets INTEGER NOT NULL DEFAULT 0);
INSERT INTO agent_loads (user_id, open_tickets)
  SELECT assignee_id, COUNT(*) FROM tickets WHERE assignee_id IS NOT NULL AND status IN ('new', 'open') GROUP BY assignee_id;
CREATE TRIGGER agent_loads_insert AFTER INSERT ON tickets
  WHEN NEW.assignee_id IS NOT NULL AND NEW.status IN ('new', 'open')
BEGIN
  INSERT INTO agent_loads (user_id, open_tickets) VALUES (NEW.assignee_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET open_tickets = open_tickets + 1;
END;
CREATE TRIGGER agent_loads_update AFTER UPDATE OF assignee_id, status ON tickets
  WHEN OLD.assignee_id IS NOT NEW.assignee_id OR (OLD.status IN ('new', 'open')) <> (NEW.status IN ('new', 'open'))
BEGIN
  UPDATE agent_loads SET open_tickets = open_tickets - 1 WHERE user_id = OLD.assignee_id AND OLD.status IN ('new', 'open');
  INSERT INTO agent_loads (user_id, open_tickets) SELECT NEW.assignee_id, 1 WHERE NEW.assignee_id IS NOT NULL AND NEW.status IN ('new', 'open')
    ON CONFLICT (user_id) DO UPDATE SET open_tickets = open_tickets + 1;
END;
CREATE TRIGGER agent_loads_delete AFTER DELETE ON tickets
  WHEN OLD.assignee_id IS NOT NULL AND OLD.status IN ('new', 'open')
BEGIN
  UPDATE agent_loads SET open_tickets = open_tickets - 1 WHERE user_id = OLD.assignee_id;
END;

-- Moves whenever a team or its members change, so that each instance's copy of the teams (what
-- routing and the SLA tracker read for each batch) is checked with one small read.
INSERT INTO counters (name, value) VALUES ('teams', 0);
CREATE TRIGGER teams_insert AFTER INSERT ON teams BEGIN UPDATE counters SET value = value + 1 WHERE name = 'teams'; END;
CREATE TRIGGER teams_update AFTER UPDATE ON teams BEGIN UPDATE counters SET value = value + 1 WHERE name = 'teams'; END;
CREATE TRIGGER teams_delete AFTER DELETE ON teams BEGIN UPDATE counters SET value = value + 1 WHERE name = 'teams'; END;
CREATE TRIGGER team_members_insert AFTER INSERT ON team_members BEGIN UPDATE counters SET value = value + 1 WHERE name = 'teams'; END;
CREATE TRIGGER team_members_update AFTER UPDATE ON team_members BEGIN UPDATE counters SET value = value + 1 WHERE name = 'teams'; END;
CREATE TRIGGER team_members_delete AFTER DELETE ON team_members BEGIN UPDATE counters SET value = value + 1 WHERE name = 'teams'; END;
