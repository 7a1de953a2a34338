//! Rows the vault and the login flow keep in the store: the vault header, sealed secrets,
//! settings and per-connection settings. Sealing and opening happen in `coffer-vault`; the store
//! only ever sees envelopes.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use crate::model::{Connection, ConnectionId, ConnectionStatus};
use crate::store::{Store, StoreError};

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The `vault` row: how the key is found and the canary sealed under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultRow {
    pub profile: String,
    pub key_source: String,
    pub salt: Option<Vec<u8>>,
    pub canary: Vec<u8>,
}

/// The table name secrets are bound to in their associated data.
pub const SECRET_TABLE: &str = "secret";

impl Store {
    pub fn vault_row(&self) -> Result<Option<VaultRow>> {
        Ok(self
            .db
            .query_row(
                "SELECT profile, key_source, salt, canary FROM vault WHERE id = 1",
                [],
                |r| {
                    Ok(VaultRow {
                        profile: r.get(0)?,
                        key_source: r.get(1)?,
                        salt: r.get(2)?,
                        canary: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Replaces the vault header. Called when a vault is created or re-created after the old key
    /// was lost; in the latter case every sealed secret is dropped in the same transaction,
    /// because nothing sealed under the old key can be opened any more.
    pub fn replace_vault(&mut self, row: &VaultRow, now: DateTime<Utc>) -> Result<()> {
        let tx = self.db.transaction()?;
        let had_vault: bool = tx.query_row("SELECT count(*) > 0 FROM vault", [], |r| r.get(0))?;
        if had_vault {
            // Bank connections (the only ones with settings) must log in again; a built-in bank
            // needs no login and disconnected banks stay disconnected.
            tx.execute(
                "UPDATE connection SET status = 'needs_reauth',
                        last_error = 'the saved login was lost with the old keychain key'
                 WHERE (config != '{}' OR id IN (SELECT connection_id FROM secret))
                   AND status != 'disabled'",
                [],
            )?;
            tx.execute("DELETE FROM secret", [])?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO vault (id, profile, key_source, salt, canary, created_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![row.profile, row.key_source, row.salt, row.canary, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn secret(&self, connection: ConnectionId, kind: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .db
            .query_row(
                "SELECT envelope FROM secret WHERE connection_id = ?1 AND kind = ?2",
                params![connection, kind],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Saves one sealed secret, replacing the previous one of the same kind.
    pub fn put_secret(
        &mut self,
        connection: ConnectionId,
        kind: &str,
        envelope: &[u8],
        now: DateTime<Utc>,
    ) -> Result<()> {
        // A rotated token pair is the only one the bank still accepts: its commit must survive a
        // power cut, which NORMAL (enough for ledger rows, fetched again next sync) does not
        // promise in WAL mode.
        self.db.pragma_update(None, "synchronous", "FULL")?;
        let written = self.db.execute(
            "INSERT INTO secret (connection_id, kind, envelope, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (connection_id, kind)
             DO UPDATE SET envelope = excluded.envelope, updated_at = excluded.updated_at",
            params![connection, kind, envelope, now],
        );
        self.db.pragma_update(None, "synchronous", "NORMAL")?;
        written?;
        Ok(())
    }

    /// Takes the refresh lock of `connection` for `owner` until `until`, unless another owner
    /// holds it and its time has not run out (`false` then). One immediate transaction.
    pub fn try_lock_refresh(
        &mut self,
        connection: ConnectionId,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: Option<(String, DateTime<Utc>)> = tx
            .query_row(
                "SELECT owner, until FROM refresh_lock WHERE connection_id = ?1",
                [connection],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((holder, held_until)) = held {
            if holder != owner && held_until > now {
                return Ok(false);
            }
        }
        tx.execute(
            "INSERT INTO refresh_lock (connection_id, owner, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (connection_id) DO UPDATE SET owner = excluded.owner,
                 until = excluded.until",
            params![connection, owner, until],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn unlock_refresh(&mut self, connection: ConnectionId, owner: &str) -> Result<()> {
        self.db.execute(
            "DELETE FROM refresh_lock WHERE connection_id = ?1 AND owner = ?2",
            params![connection, owner],
        )?;
        Ok(())
    }

    pub fn secret_kinds(&self, connection: ConnectionId) -> Result<Vec<String>> {
        let mut stmt = self
            .db
            .prepare("SELECT kind FROM secret WHERE connection_id = ?1 ORDER BY kind")?;
        let rows = stmt.query_map([connection], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Creates a connection together with its sealed secrets in one transaction, so a login
    /// that cannot save its tokens leaves nothing behind. `seal` gets the new row id, because
    /// each envelope is bound to its row.
    #[allow(clippy::too_many_arguments)]
    pub fn add_connection_with_secrets<E>(
        &mut self,
        provider: &str,
        label: &str,
        config: &str,
        endpoints: &str,
        consent_expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        seal: impl Fn(ConnectionId) -> std::result::Result<Vec<(String, Vec<u8>)>, E>,
    ) -> std::result::Result<Connection, SecretsError<E>> {
        // Sealed secrets must survive a power cut once committed (see `put_secret`).
        self.db
            .pragma_update(None, "synchronous", "FULL")
            .map_err(StoreError::from)?;
        let tx = self.db.transaction().map_err(StoreError::from)?;
        tx.execute(
            "INSERT INTO connection
                 (provider, label, status, created_at, config, endpoints, consent_expires_at)
             VALUES (?1, ?2, 'active', ?3, ?4, ?5, ?6)",
            params![provider, label, now, config, endpoints, consent_expires_at],
        )
        .map_err(StoreError::from)?;
        let id = tx.last_insert_rowid();
        for (kind, envelope) in seal(id).map_err(SecretsError::Seal)? {
            tx.execute(
                "INSERT INTO secret (connection_id, kind, envelope, updated_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, kind, envelope, now],
            )
            .map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        self.db
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::from)?;
        Ok(self.connection(id)?)
    }

    /// A fresh login for an existing connection: its secrets and settings are replaced and it is
    /// active again; accounts and history are untouched.
    pub fn renew_connection<E>(
        &mut self,
        id: ConnectionId,
        config: &str,
        endpoints: &str,
        consent_expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        seal: impl Fn(ConnectionId) -> std::result::Result<Vec<(String, Vec<u8>)>, E>,
    ) -> std::result::Result<Connection, SecretsError<E>> {
        let sealed = seal(id).map_err(SecretsError::Seal)?;
        // Sealed secrets must survive a power cut once committed (see `put_secret`).
        self.db
            .pragma_update(None, "synchronous", "FULL")
            .map_err(StoreError::from)?;
        let tx = self.db.transaction().map_err(StoreError::from)?;
        let n = tx
            .execute(
                "UPDATE connection SET config = ?2, endpoints = ?3, consent_expires_at = ?4,
                        status = 'active', last_error = NULL
                 WHERE id = ?1",
                params![id, config, endpoints, consent_expires_at],
            )
            .map_err(StoreError::from)?;
        if n == 0 {
            return Err(StoreError::UnknownConnection(id).into());
        }
        tx.execute("DELETE FROM secret WHERE connection_id = ?1", [id])
            .map_err(StoreError::from)?;
        for (kind, envelope) in sealed {
            tx.execute(
                "INSERT INTO secret (connection_id, kind, envelope, updated_at) VALUES (?1, ?2, ?3, ?4)",
                params![id, kind, envelope, now],
            )
            .map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
        self.db
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(StoreError::from)?;
        Ok(self.connection(id)?)
    }

    /// Disconnect: the secrets go; history stays (status `disabled`) or goes with the connection.
    pub fn disconnect(&mut self, id: ConnectionId, keep_history: bool) -> Result<()> {
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM secret WHERE connection_id = ?1", [id])?;
        let n = if keep_history {
            tx.execute(
                "UPDATE connection SET status = 'disabled', last_error = NULL WHERE id = ?1",
                [id],
            )?
        } else {
            tx.execute("DELETE FROM connection WHERE id = ?1", [id])?
        };
        if n == 0 {
            return Err(StoreError::UnknownConnection(id));
        }
        tx.commit()?;
        Ok(())
    }

    pub fn connection_config(&self, id: ConnectionId) -> Result<String> {
        self.db
            .query_row("SELECT config FROM connection WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(StoreError::UnknownConnection(id))
    }

    /// The endpoints (JSON) the connection logged in with; `None` for connections made before
    /// endpoints were stored.
    pub fn connection_endpoints(&self, id: ConnectionId) -> Result<Option<String>> {
        self.db
            .query_row(
                "SELECT endpoints FROM connection WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::UnknownConnection(id))
    }

    /// Binds an older connection to endpoints once; a bound connection keeps its own.
    pub fn bind_connection_endpoints(&mut self, id: ConnectionId, endpoints: &str) -> Result<()> {
        self.db.execute(
            "UPDATE connection SET endpoints = ?2 WHERE id = ?1 AND endpoints IS NULL",
            params![id, endpoints],
        )?;
        Ok(())
    }

    pub fn set_connection_config(&mut self, id: ConnectionId, config: &str) -> Result<()> {
        let n = self.db.execute(
            "UPDATE connection SET config = ?2 WHERE id = ?1",
            params![id, config],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownConnection(id));
        }
        Ok(())
    }

    pub fn set_connection_status(
        &mut self,
        id: ConnectionId,
        status: ConnectionStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        let n = self.db.execute(
            "UPDATE connection SET status = ?2, last_error = ?3 WHERE id = ?1",
            params![id, status.as_str(), reason],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownConnection(id));
        }
        Ok(())
    }

    pub fn set_consent_expiry(
        &mut self,
        id: ConnectionId,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.db.execute(
            "UPDATE connection SET consent_expires_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.db.execute(
                "INSERT INTO setting (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self
                .db
                .execute("DELETE FROM setting WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    pub fn settings(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .db
            .prepare("SELECT key, value FROM setting ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A failure while creating a connection with its secrets: the store, or the caller's sealing.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError<E> {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot seal the login's secrets: {0}")]
    Seal(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_vault_drops_every_secret_and_asks_bank_connections_to_log_in_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        let now = Utc::now();
        let row = |canary: &[u8]| VaultRow {
            profile: "p".into(),
            key_source: "passphrase".into(),
            salt: None,
            canary: canary.to_vec(),
        };
        store.replace_vault(&row(b"one"), now).unwrap();
        let builtin = store.add_connection("built-in", "Built-in", now).unwrap();
        let ok =
            |_: ConnectionId| Ok::<_, std::convert::Infallible>(vec![("k".to_string(), vec![1u8])]);
        let bank = store
            .add_connection_with_secrets(
                "oauth-bank",
                "A",
                r#"{"client_id":"x"}"#,
                "{}",
                None,
                now,
                ok,
            )
            .unwrap();
        let gone = store
            .add_connection_with_secrets(
                "hub-bank",
                "B",
                r#"{"client_id":"y"}"#,
                "{}",
                None,
                now,
                ok,
            )
            .unwrap();
        store.disconnect(gone.id, true).unwrap();

        store.replace_vault(&row(b"two"), now).unwrap();
        assert_eq!(store.vault_row().unwrap().unwrap().canary, b"two".to_vec());
        assert!(store.secret(bank.id, "k").unwrap().is_none());
        let status = |id| store.connection(id).unwrap().status;
        assert_eq!(status(bank.id), ConnectionStatus::NeedsReauth);
        assert_eq!(status(builtin.id), ConnectionStatus::Active);
        assert_eq!(status(gone.id), ConnectionStatus::Disabled);
    }
}
