-- The name the user gave an account ("Holiday fund"), shown instead of the bank's; NULL shows
-- the bank's name. Kept apart from `name`, which every sync refreshes from the bank.
ALTER TABLE account ADD COLUMN user_name TEXT;
-- An account the user hid (an old loan, a child's account): listed, but left out of totals,
-- reports, charts and exports unless a filter names it.
ALTER TABLE account ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
