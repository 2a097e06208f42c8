-- A photo or file a staff member sent the bot on Telegram, so it can reach a young person on a
-- channel that cannot take a Telegram copy (WhatsApp): Telegram's file id, to download it with
-- getFile and upload it there (never a link to it). Kept only for staff members, for a week;
-- the file itself is never stored. (Shipped first as a second 0019 script beside
-- 0019_inbox_claims.sql, hence IF NOT EXISTS: a database that ran it then skips it now.)
CREATE TABLE IF NOT EXISTS tg_files (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL,  -- the message in the staff member's chat the relay refers to
    kind        TEXT    NOT NULL,  -- photo or document
    file_id     TEXT    NOT NULL,
    filename    TEXT,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, message_id)
);
CREATE INDEX IF NOT EXISTS tg_files_created ON tg_files (created_at);
