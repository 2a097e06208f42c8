-- SQLite numbers every row (`rowid`), and `whatsapp.unanswered` replays events in that order
-- within a second; PostgreSQL gets a column of that name and meaning.
ALTER TABLE wa_inbox ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY;
