-- A team's overflow: past `overflow_after` tickets waiting for someone in its queue, the next
-- one given to it goes to the team `overflow_team` (NULL: no overflow).
ALTER TABLE assignment_policies ADD COLUMN overflow_team BIGINT REFERENCES teams(id);
ALTER TABLE assignment_policies ADD COLUMN overflow_after BIGINT;
