-- Replicas share what one process kept in memory about a chat (issue 15).
-- `live_keyboards`: per private chat the message with the one live keyboard, so the replica
-- that sends the next question takes the buttons off the one another replica sent. A message
-- id and when it was sent, nothing else; gone with /vergeetmij, and after a week (the sweep).
-- The per-person flood count lives in `rate_buckets` (name `flood:<channel>:<user>`).
CREATE TABLE live_keyboards (
    chat        TEXT PRIMARY KEY,
    message_id  BIGINT  NOT NULL,
    sent_at     INTEGER NOT NULL
);
CREATE INDEX live_keyboards_sent ON live_keyboards (sent_at);
