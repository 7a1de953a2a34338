-- Schema v2: vendors and categories are stored per transaction, with the rule that produced them,
-- so reports group without recomputing per row.

ALTER TABLE "transaction" ADD COLUMN vendor_rule TEXT;
ALTER TABLE "transaction" ADD COLUMN category_source TEXT
    CHECK (category_source IN ('user', 'rule', 'provider', 'builtin'));


-- User vendor rules: a substring (or regex) of the bank text gives the vendor.
CREATE TABLE vendor_rule (
    id         INTEGER PRIMARY KEY,
    pattern    TEXT NOT NULL,
    is_regex   INTEGER NOT NULL DEFAULT 0 CHECK (is_regex IN (0, 1)),
    vendor     TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Renames and merges: a normalised vendor `name` is shown as `target`.
CREATE TABLE vendor_alias (
    name   TEXT PRIMARY KEY,
    target TEXT NOT NULL
) STRICT;

-- User category rules, by vendor or by a substring of the bank text. `learned` rules come from
-- the user re-categorising a transaction, so the vendor's other transactions follow.
CREATE TABLE category_rule (
    id         INTEGER PRIMARY KEY,
    match_kind TEXT NOT NULL CHECK (match_kind IN ('vendor', 'text')),
    pattern    TEXT NOT NULL,
    category   TEXT NOT NULL,
    learned    INTEGER NOT NULL DEFAULT 0 CHECK (learned IN (0, 1)),
    created_at TEXT NOT NULL,
    UNIQUE (match_kind, pattern)
) STRICT;
