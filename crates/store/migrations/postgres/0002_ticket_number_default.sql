-- Ticket numbers come from the sequence as a column default: one round trip less per new ticket.
ALTER TABLE tickets ALTER COLUMN number SET DEFAULT nextval('ticket_number_seq');
