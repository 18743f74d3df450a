-- Organisations as entities (until now a customer's free text): a name (unique regardless of
-- case: name_key is its lower case), the mail domains that belong to it, an account manager,
-- notes. Customers link to one. The free text of existing customers becomes organisations.
CREATE TABLE organisations (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  account_manager_id BIGINT REFERENCES users(id),
  notes TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- Mail from these domains (or their subdomains) belongs to the organisation.
CREATE TABLE organisation_domains (
  domain TEXT PRIMARY KEY,
  organisation_id BIGINT NOT NULL REFERENCES organisations(id)
);
CREATE INDEX organisation_domains_org ON organisation_domains (organisation_id);
ALTER TABLE customers ADD COLUMN organisation_id BIGINT REFERENCES organisations(id);
-- (Named as the first customer who gave it wrote it.)
INSERT INTO organisations (name, name_key, notes, created_at, updated_at)
  SELECT (SELECT TRIM(c.organisation) FROM customers c WHERE LOWER(TRIM(c.organisation)) = k.name_key ORDER BY c.id LIMIT 1),
         k.name_key, '', k.at, k.at
  FROM (SELECT LOWER(TRIM(organisation)) AS name_key, MIN(created_at) AS at FROM customers
        WHERE TRIM(organisation) <> '' GROUP BY LOWER(TRIM(organisation))) k;
UPDATE customers SET organisation_id = (SELECT o.id FROM organisations o WHERE o.name_key = LOWER(TRIM(customers.organisation)))
  WHERE TRIM(organisation) <> '';
ALTER TABLE customers DROP COLUMN organisation;
CREATE INDEX customers_organisation ON customers (organisation_id);
