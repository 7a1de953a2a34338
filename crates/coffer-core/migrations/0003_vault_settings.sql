-- Coffer schema v3: the vault header, sealed secrets, settings, and per-connection settings.

-- One row: how this profile's key is found (keychain entry or passphrase + salt) and a canary
-- sealed under it, which tells a wiped or replaced keychain from a working one.
CREATE TABLE vault (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    profile    TEXT NOT NULL,
    key_source TEXT NOT NULL CHECK (key_source IN ('keychain', 'passphrase')),
    salt       BLOB,
    canary     BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Every secret is an AEAD envelope whose associated data names (secret, connection_id, kind),
-- so an envelope copied to another row or kind does not open.
CREATE TABLE secret (
    connection_id INTEGER NOT NULL REFERENCES connection (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    envelope      BLOB NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, kind)
) STRICT;

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Non-secret connection settings as JSON (client id, bank, redirect port, provider login ids).
ALTER TABLE connection ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
