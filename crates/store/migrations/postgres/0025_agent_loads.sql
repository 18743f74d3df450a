-- Each agent's open tickets (new or open, assigned to them), kept by triggers on tickets in the
-- transaction of every change, so that a routing decision reads one number per agent instead
-- of counting thousands of tickets (bench routing). Not in `users`: a change there moves the
-- roster counter, and loads move with every assignment.
CREATE TABLE agent_loads (user_id BIGINT PRIMARY KEY, open_tickets BIGINT NOT NULL DEFAULT 0);
INSERT INTO agent_loads (user_id, open_tickets)
  SELECT assignee_id, COUNT(*) FROM tickets WHERE assignee_id IS NOT NULL AND status IN ('new', 'open') GROUP BY assignee_id;
CREATE FUNCTION agent_loads_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.assignee_id IS NOT NULL AND OLD.status IN ('new', 'open') THEN
    UPDATE agent_loads SET open_tickets = open_tickets - 1 WHERE user_id = OLD.assignee_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.assignee_id IS NOT NULL AND NEW.status IN ('new', 'open') THEN
    INSERT INTO agent_loads (user_id, open_tickets) VALUES (NEW.assignee_id, 1)
      ON CONFLICT (user_id) DO UPDATE SET open_tickets = agent_loads.open_tickets + 1;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER agent_loads_insert AFTER INSERT ON tickets FOR EACH ROW
  WHEN (NEW.assignee_id IS NOT NULL AND NEW.status IN ('new', 'open')) EXECUTE FUNCTION agent_loads_moved();
CREATE TRIGGER agent_loads_update AFTER UPDATE OF assignee_id, status ON tickets FOR EACH ROW
  WHEN (OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR (OLD.status IN ('new', 'open')) IS DISTINCT FROM (NEW.status IN ('new', 'open')))
  EXECUTE FUNCTION agent_loads_moved();
CREATE TRIGGER agent_loads_delete AFTER DELETE ON tickets FOR EACH ROW
  WHEN (OLD.assignee_id IS NOT NULL AND OLD.status IN ('new', 'open')) EXECUTE FUNCTION agent_loads_moved();

-- Moves whenever a team or its members change, so that each instance's copy of the teams (what
-- routing and the SLA tracker read for each batch) is checked with one small read.
INSERT INTO counters (name, value) VALUES ('teams', 0);
-- (One function for any counter: the trigger names it.)
CREATE FUNCTION counter_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = TG_ARGV[0];
  RETURN NULL;
END
$$;
CREATE TRIGGER teams_changed AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH STATEMENT EXECUTE FUNCTION counter_moved('teams');
CREATE TRIGGER team_members_changed AFTER INSERT OR UPDATE OR DELETE ON team_members FOR EACH STATEMENT EXECUTE FUNCTION counter_moved('teams');
