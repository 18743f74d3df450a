-- An agent's availability (online, away, off shift), set by the agent or an admin; routing will
-- read it. Everyone starts online, as before.
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'online';
