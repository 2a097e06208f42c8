-- SQLite's triggers for 0005_staff.sql (PostgreSQL: 0005_staff.postgresql.sql).

-- Requests for a peer educator are written by several flows (crisis, coaching, check-ins). Each
-- one also queues a `help_request` item in the same transaction, so the scheduler turns it into a
-- case within one tick, and none is lost when the bot stops in between.
CREATE TRIGGER help_request_queued AFTER INSERT ON help_requests
BEGIN
    INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at)
    VALUES ('help_request', NEW.user_id, NEW.created_at, json_object('request_id', NEW.id), 0,
            NEW.created_at);
END;

-- A request raised to urgent while its item is already being handled gets another turn, so
-- the case is (re)announced as urgent.
CREATE TRIGGER help_request_urgent AFTER UPDATE OF urgent ON help_requests
WHEN NEW.urgent = 1 AND OLD.urgent = 0 AND NEW.status = 'open'
BEGIN
    INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at)
    SELECT 'help_request', NEW.user_id, NEW.created_at, json_object('request_id', NEW.id), 0,
           NEW.created_at
    WHERE NOT EXISTS (
        SELECT 1 FROM scheduled WHERE user_id = NEW.user_id AND status = 'pending'
        AND kind = 'help_request' AND json_extract(payload, '$.request_id') = NEW.id
    );
END;
