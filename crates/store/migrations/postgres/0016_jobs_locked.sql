-- The jobs a process holds, found without reading the whole queue: each live process renews
-- its locks every 1.5 s (`jobs::Instance::keep`), and a long retry queue must not make that a
-- scan of every waiting job.
CREATE INDEX jobs_locked ON jobs (locked_by) WHERE locked_by IS NOT NULL;
