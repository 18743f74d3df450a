-- lz4 instead of pglz for blobs: much cheaper on CPU for attachments that hardly compress anyway.
ALTER TABLE blobs ALTER COLUMN data SET COMPRESSION lz4;
