-- Notices already told to the user (a desktop notification), one per connection and kind, so a
-- condition that lasts — a bank that keeps failing, a consent about to end — is told once, not
-- at every sync. A row goes when its condition clears, so the next occurrence is told again.
CREATE TABLE notice (
    connection_id INTEGER NOT NULL REFERENCES connection(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    told_at       TEXT NOT NULL,
    PRIMARY KEY (connection_id, kind)
) STRICT;
