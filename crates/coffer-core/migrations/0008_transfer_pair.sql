-- Transfers between the user's own accounts: a money-out row paired with the money-in row it
-- became on another of the user's accounts. Pairs are kept apart from the rows because a sync
-- never touches them: detection rewrites only its own ('detected') pairs, and a pair the user
-- made or unmade ('user') is never changed by detection, so the choice survives every sync.
-- An unmade pair stays as a row with paired = 0: it tells detection never to pair those two
-- rows again.
CREATE TABLE transfer_pair (
    id         INTEGER PRIMARY KEY,
    debit_id   INTEGER NOT NULL REFERENCES "transaction" (id) ON DELETE CASCADE,
    credit_id  INTEGER NOT NULL REFERENCES "transaction" (id) ON DELETE CASCADE,
    paired     INTEGER NOT NULL CHECK (paired IN (0, 1)),
    source     TEXT NOT NULL CHECK (source IN ('detected', 'user')),
    -- Why the two rows were paired, e.g. "same amount, 1 day apart, account number in the text".
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (debit_id, credit_id),
    CHECK (debit_id <> credit_id),
    -- Detection only ever writes pairs; "not a pair" is the user's word alone.
    CHECK (paired = 1 OR source = 'user')
) STRICT;

-- A row belongs to at most one pair: the database refuses a second one.
CREATE UNIQUE INDEX transfer_pair_one_per_debit ON transfer_pair (debit_id) WHERE paired = 1;
CREATE UNIQUE INDEX transfer_pair_one_per_credit ON transfer_pair (credit_id) WHERE paired = 1;
CREATE INDEX transfer_pair_by_credit ON transfer_pair (credit_id);
