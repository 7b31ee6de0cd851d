-- What the clients table needs on PostgreSQL beyond the model's own indexes.

-- A name or CPF/CNPJ fragment (`LIKE '%ACOUGUE%'`) is answered from trigram indexes instead
-- of reading every client of the partner.
CREATE INDEX IF NOT EXISTS client_search_name_trgm ON clients_client
    USING gin (search_name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_cpf_cnpj_trgm ON clients_client
    USING gin (cpf_cnpj gin_trgm_ops);

-- Each check-in writes the client's time of contact. A row can be rewritten inside its own
-- page (a HOT update, which touches no index) only when the page has room: rows written in
-- bulk fill their pages, so a tenth of each page is left free.
ALTER TABLE clients_client SET (fillfactor = 90);
