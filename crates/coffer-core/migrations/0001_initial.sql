-- Coffer schema v1. Money is integer minor units next to an ISO 4217 code; dates are ISO text.

CREATE TABLE connection (
    id                 INTEGER PRIMARY KEY,
    provider           TEXT NOT NULL,
    label              TEXT NOT NULL,
    status             TEXT NOT NULL
        CHECK (status IN ('active', 'needs_reauth', 'expiring', 'error', 'disabled')),
    consent_expires_at TEXT,
    last_sync_at       TEXT,
    last_error         TEXT,
    created_at         TEXT NOT NULL
) STRICT;

CREATE TABLE account (
    id                  INTEGER PRIMARY KEY,
    connection_id       INTEGER NOT NULL REFERENCES connection (id) ON DELETE CASCADE,
    provider_account_id TEXT NOT NULL,
    name                TEXT NOT NULL,
    number              TEXT,
    iban                TEXT,
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    kind                TEXT NOT NULL
        CHECK (kind IN ('current', 'savings', 'credit_card', 'loan', 'other')),
    balance_minor       INTEGER NOT NULL,
    available_minor     INTEGER,
    balance_at          TEXT NOT NULL,
    -- Balance at the start of opening_date, when the provider reports one.
    opening_date        TEXT,
    opening_minor       INTEGER,
    -- Transactions are fetched up to this date; the next sync starts a little before it.
    synced_through      TEXT,
    UNIQUE (connection_id, provider_account_id)
) STRICT;

CREATE TABLE "transaction" (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    -- Identifies the same real-world transaction across syncs; built per provider.
    dedup_key         TEXT NOT NULL,
    provider_id       TEXT,
    booking_date      TEXT NOT NULL,
    value_date        TEXT,
    amount_minor      INTEGER NOT NULL,
    currency          TEXT NOT NULL CHECK (length(currency) = 3),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'booked')),
    description       TEXT NOT NULL,
    counterparty      TEXT,
    provider_category TEXT,
    vendor            TEXT,
    category          TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (account_id, dedup_key)
) STRICT;

CREATE INDEX transaction_by_date ON "transaction" (booking_date, id);
CREATE INDEX transaction_by_account_date ON "transaction" (account_id, booking_date);

CREATE TABLE sync_run (
    id            INTEGER PRIMARY KEY,
    connection_id INTEGER NOT NULL REFERENCES connection (id) ON DELETE CASCADE,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    fetched       INTEGER NOT NULL DEFAULT 0,
    inserted      INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    expired       INTEGER NOT NULL DEFAULT 0,
    errors        TEXT
) STRICT;
