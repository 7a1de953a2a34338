-- The name the user gave an account ("Holiday fund"), shown instead of the bank's; NULL shows
-- the bank's name. Kept apart from `name`, which every sync refreshes from the bank.
ALTER TABLE account ADD COLUMN user_name TEXT;
