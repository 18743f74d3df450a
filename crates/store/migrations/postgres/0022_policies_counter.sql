-- Moves whenever an assignment policy is set, so that each instance's copy of them (what every
-- routing decision reads) is checked with one small read.
INSERT INTO counters (name, value) VALUES ('policies', 0);
