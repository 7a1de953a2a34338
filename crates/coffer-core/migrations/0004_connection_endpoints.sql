-- Coffer schema v4: the base URLs a connection logged in with, as JSON ({"api_url": "…"}).
-- Fixed at login: a setting changed later applies to new logins only, so a saved token or
-- secret is never sent to a host the login was not made with. NULL for connections made
-- before this column existed; they are bound to the settings of the moment on their next use.
ALTER TABLE connection ADD COLUMN endpoints TEXT;
