-- Coffer schema v5: how far back an account's history has been fetched.
-- NULL with synced_through set: the whole history the bank offers is stored. A date: history
-- older than that day has not been fetched yet (a first sync cut short by the bank's call
-- budget); the next sync continues there. Nothing is skipped.
ALTER TABLE account ADD COLUMN history_before TEXT;

-- Accounts synced by earlier versions fetched at most a year back: fetch what is older.
UPDATE account
   SET history_before = COALESCE(
        (SELECT MIN(t.booking_date) FROM "transaction" t WHERE t.account_id = account.id),
        synced_through)
 WHERE synced_through IS NOT NULL;

-- Which process runs a sync: a run whose process is gone was interrupted (a crash, a kill),
-- and a connection with a live open run is being synced (never two at once, across
-- processes too).
ALTER TABLE sync_run ADD COLUMN pid INTEGER;

-- Who is refreshing a connection's rotating token right now, so two processes on one profile
-- never both spend it: a holder whose `until` has passed has died or hung and is overruled.
CREATE TABLE refresh_lock (
    connection_id INTEGER PRIMARY KEY REFERENCES connection (id) ON DELETE CASCADE,
    owner         TEXT NOT NULL,
    until         TEXT NOT NULL
) STRICT;
