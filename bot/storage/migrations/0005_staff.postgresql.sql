-- PostgreSQL's form of the triggers in 0005_staff.sqlite.sql (same behaviour, plpgsql syntax).

-- Every new help request queues a `help_request` item in the same transaction.
CREATE FUNCTION help_request_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at)
    VALUES ('help_request', NEW.user_id, NEW.created_at,
            json_build_object('request_id', NEW.id)::text, 0, NEW.created_at);
    RETURN NULL;
END $$;
CREATE TRIGGER help_request_queued AFTER INSERT ON help_requests
FOR EACH ROW EXECUTE FUNCTION help_request_queued();

-- A request raised to urgent while its item is already being handled gets another turn.
CREATE FUNCTION help_request_urgent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scheduled (kind, user_id, due_at, payload, proactive, created_at)
    SELECT 'help_request', NEW.user_id, NEW.created_at,
           json_build_object('request_id', NEW.id)::text, 0, NEW.created_at
    WHERE NOT EXISTS (
        SELECT 1 FROM scheduled WHERE user_id = NEW.user_id AND status = 'pending'
        AND kind = 'help_request' AND CAST(payload::jsonb ->> 'request_id' AS BIGINT) = NEW.id
    );
    RETURN NULL;
END $$;
CREATE TRIGGER help_request_urgent AFTER UPDATE OF urgent ON help_requests
FOR EACH ROW WHEN (NEW.urgent = 1 AND OLD.urgent = 0 AND NEW.status = 'open')
EXECUTE FUNCTION help_request_urgent();
