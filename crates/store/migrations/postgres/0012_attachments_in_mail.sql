-- An attachment of received mail is kept once, inside the raw mail it came in (which is kept
-- anyway): `in_mail` names that mail's blob, `in_mail_part` the attachment's place among the
-- mail's attachments and `in_mail_start`/`_end` where its (encoded) body stands in the mail.
-- `blob` stays the SHA-256 of the attachment's bytes, checked when they are read. Rows without `in_mail` (older mail, files unpacked from winmail.dat, agents' uploads)
-- have their bytes stored under `blob` as before.
ALTER TABLE attachments ADD COLUMN in_mail TEXT;
ALTER TABLE attachments ADD COLUMN in_mail_part BIGINT;
ALTER TABLE attachments ADD COLUMN in_mail_start BIGINT;
ALTER TABLE attachments ADD COLUMN in_mail_end BIGINT;
