-- Moves whenever an account or its mailbox rights change, so that each instance's copy of the
-- roster (what every routing decision reads) is checked with one small read.
INSERT INTO counters (name, value) VALUES ('roster', 0);
CREATE FUNCTION roster_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE counters SET value = value + 1 WHERE name = 'roster';
  RETURN NULL;
END
$$;
CREATE TRIGGER roster_users AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION roster_moved();
CREATE TRIGGER roster_boxes AFTER INSERT OR UPDATE OR DELETE ON mailbox_agents FOR EACH STATEMENT EXECUTE FUNCTION roster_moved();
