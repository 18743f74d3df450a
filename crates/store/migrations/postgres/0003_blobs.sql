-- Content-addressed blobs (raw mail, attachments) in the database, for several instances without shared disk.
CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
