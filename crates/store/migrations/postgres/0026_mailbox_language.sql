-- The language a mailbox writes to customers whose own language is not known (the installation's
-- default when NULL), the time zone of the dates in its mail (its SLA calendar's when NULL), and
-- its acknowledgement in other languages: a JSON object from language
-- code to {"subject": …, "body": …}, read with the mailbox and written as a whole from its page.
ALTER TABLE mailboxes ADD COLUMN language TEXT;
ALTER TABLE mailboxes ADD COLUMN time_zone TEXT;
ALTER TABLE mailboxes ADD COLUMN ack_versions TEXT NOT NULL DEFAULT '{}';
