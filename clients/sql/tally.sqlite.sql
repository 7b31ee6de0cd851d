-- The status tally (clients.models.StatusTally, clients.tally) on SQLite: row-level triggers
-- move each written client from its old key's count to its new key's. A key is the facts the
-- status derives from; a flag is 1 where the client's fact is set and NULL where it is not.
-- SQLite runs one writer at a time, so one row per key is enough.

CREATE TRIGGER clients_statustally_insert AFTER INSERT ON clients_client
BEGIN
    INSERT INTO clients_statustally
        (partner_id, expires_on, product, hidden_at, pending_since, suspended_at, clients)
    SELECT NEW.partner_id, NEW.expires_on, NEW.product,
           NULLIF(NEW.hidden_at IS NOT NULL, 0),
           NULLIF(NEW.pending_since IS NOT NULL, 0),
           NULLIF(NEW.suspended_at IS NOT NULL, 0), 0
    WHERE NOT EXISTS (
        SELECT 1 FROM clients_statustally
        WHERE partner_id = NEW.partner_id AND
          expires_on = NEW.expires_on AND
          product = NEW.product AND
          hidden_at IS NULLIF(NEW.hidden_at IS NOT NULL, 0) AND
          pending_since IS NULLIF(NEW.pending_since IS NOT NULL, 0) AND
          suspended_at IS NULLIF(NEW.suspended_at IS NOT NULL, 0)
    );
    UPDATE clients_statustally SET clients = clients + 1
    WHERE partner_id = NEW.partner_id AND
      expires_on = NEW.expires_on AND
      product = NEW.product AND
      hidden_at IS NULLIF(NEW.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(NEW.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(NEW.suspended_at IS NOT NULL, 0);
    DELETE FROM clients_statustally
    WHERE clients = 0 AND
      partner_id = NEW.partner_id AND
      expires_on = NEW.expires_on AND
      product = NEW.product AND
      hidden_at IS NULLIF(NEW.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(NEW.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(NEW.suspended_at IS NOT NULL, 0);
END;

CREATE TRIGGER clients_statustally_update AFTER UPDATE ON clients_client
WHEN OLD.partner_id IS NOT NEW.partner_id OR
    OLD.expires_on IS NOT NEW.expires_on OR
    OLD.product IS NOT NEW.product OR
    OLD.hidden_at IS NOT NEW.hidden_at OR
    OLD.pending_since IS NOT NEW.pending_since OR
    OLD.suspended_at IS NOT NEW.suspended_at
BEGIN
    UPDATE clients_statustally SET clients = clients - 1
    WHERE partner_id = OLD.partner_id AND
      expires_on = OLD.expires_on AND
      product = OLD.product AND
      hidden_at IS NULLIF(OLD.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(OLD.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(OLD.suspended_at IS NOT NULL, 0);
    DELETE FROM clients_statustally
    WHERE clients = 0 AND
      partner_id = OLD.partner_id AND
      expires_on = OLD.expires_on AND
      product = OLD.product AND
      hidden_at IS NULLIF(OLD.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(OLD.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(OLD.suspended_at IS NOT NULL, 0);
    INSERT INTO clients_statustally
        (partner_id, expires_on, product, hidden_at, pending_since, suspended_at, clients)
    SELECT NEW.partner_id, NEW.expires_on, NEW.product,
           NULLIF(NEW.hidden_at IS NOT NULL, 0),
           NULLIF(NEW.pending_since IS NOT NULL, 0),
           NULLIF(NEW.suspended_at IS NOT NULL, 0), 0
    WHERE NOT EXISTS (
        SELECT 1 FROM clients_statustally
        WHERE partner_id = NEW.partner_id AND
          expires_on = NEW.expires_on AND
          product = NEW.product AND
          hidden_at IS NULLIF(NEW.hidden_at IS NOT NULL, 0) AND
          pending_since IS NULLIF(NEW.pending_since IS NOT NULL, 0) AND
          suspended_at IS NULLIF(NEW.suspended_at IS NOT NULL, 0)
    );
    UPDATE clients_statustally SET clients = clients + 1
    WHERE partner_id = NEW.partner_id AND
      expires_on = NEW.expires_on AND
      product = NEW.product AND
      hidden_at IS NULLIF(NEW.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(NEW.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(NEW.suspended_at IS NOT NULL, 0);
    DELETE FROM clients_statustally
    WHERE clients = 0 AND
      partner_id = NEW.partner_id AND
      expires_on = NEW.expires_on AND
      product = NEW.product AND
      hidden_at IS NULLIF(NEW.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(NEW.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(NEW.suspended_at IS NOT NULL, 0);
END;

CREATE TRIGGER clients_statustally_delete AFTER DELETE ON clients_client
BEGIN
    UPDATE clients_statustally SET clients = clients - 1
    WHERE partner_id = OLD.partner_id AND
      expires_on = OLD.expires_on AND
      product = OLD.product AND
      hidden_at IS NULLIF(OLD.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(OLD.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(OLD.suspended_at IS NOT NULL, 0);
    DELETE FROM clients_statustally
    WHERE clients = 0 AND
      partner_id = OLD.partner_id AND
      expires_on = OLD.expires_on AND
      product = OLD.product AND
      hidden_at IS NULLIF(OLD.hidden_at IS NOT NULL, 0) AND
      pending_since IS NULLIF(OLD.pending_since IS NOT NULL, 0) AND
      suspended_at IS NULLIF(OLD.suspended_at IS NOT NULL, 0);
END;
