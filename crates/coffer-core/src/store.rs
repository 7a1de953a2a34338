//! The local SQLite store: one file per profile.
//!
//! Opening refuses anything that is not a Coffer database or was written by a newer Coffer,
//! before touching the file. Migrations are embedded and applied all-or-nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection as Db, OpenFlags, OptionalExtension, Row};
use rusqlite_migration::{Migrations, M};

use crate::category::{CategoryMap, CategorySource};
use crate::enrich::Enricher;
use crate::model::{
    Account, AccountId, AccountKind, Connection, ConnectionId, ConnectionStatus, ProviderAccount,
    ProviderTransaction, Transaction, TransactionStatus,
};
use crate::money::{format_minor, Currency, Money};
use crate::views::{AccountView, AccountsOverview, AppStatus, ConnectionView, CurrencyTotal};

/// Marks the file as Coffer's (`PRAGMA application_id`), so we never migrate someone else's
/// SQLite database by accident. "COFR" in ASCII.
const APPLICATION_ID: i32 = 0x434F_4652;

const MIGRATIONS_SQL: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_vendors_categories.sql"),
    include_str!("../migrations/0003_vault_settings.sql"),
    include_str!("../migrations/0004_connection_endpoints.sql"),
    include_str!("../migrations/0005_account_history.sql"),
    include_str!("../migrations/0006_notice.sql"),
    include_str!("../migrations/0007_account_name.sql"),
    include_str!("../migrations/0008_transfer_pair.sql"),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS_SQL.iter().map(|sql| M::up(sql)).collect())
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS_SQL.len() as i64
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path} is not a Coffer database: {why}")]
    NotCoffer { path: PathBuf, why: String },
    #[error(
        "{path} was written by a newer Coffer (schema version {found}; this build knows up to \
         {known}). Upgrade Coffer to open it; the file was left untouched"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the database is locked by another process; close the other Coffer and retry")]
    Locked,
    #[error("the database is corrupt ({detail}); restore it from a backup or move it away")]
    Corrupt { detail: String },
    #[error("cannot open the database {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error(
        "the disk is full: the database could not be written ({0}); free some space and retry \
         (what was not written is fetched again)"
    )]
    DiskFull(String),
    #[error(
        "the database could not be written or read ({0}): the disk may be full, read-only or \
         failing; free some space or check the disk and retry (what was not written is fetched \
         again)"
    )]
    Io(String),
    #[error("migrating the database failed, nothing was changed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error("stored data is invalid: {0}")]
    BadRow(String),
    #[error("no account with id {0}")]
    UnknownAccount(AccountId),
    #[error("no connection with id {0}")]
    UnknownConnection(ConnectionId),
}

impl From<rusqlite::Error> for StoreError {
    /// Maps SQLite's low-level codes onto what a user can act on.
    fn from(err: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        match err.sqlite_error_code() {
            Some(C::DatabaseBusy | C::DatabaseLocked) => StoreError::Locked,
            Some(C::DatabaseCorrupt | C::NotADatabase) => StoreError::Corrupt {
                detail: err.to_string(),
            },
            // A full disk (ENOSPC, or a file-size limit's short write) and other write
            // failures (EFBIG, EIO) roll the transaction back; say what to do about it.
            Some(C::DiskFull) => StoreError::DiskFull(err.to_string()),
            Some(C::SystemIoFailure) => StoreError::Io(err.to_string()),
            _ => StoreError::Sqlite(err),
        }
    }
}

impl StoreError {
    /// Like `From`, but on opening a file that is not a database at all we say so.
    fn classify(path: &Path, err: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode as C;
        match err.sqlite_error_code() {
            Some(C::NotADatabase) => StoreError::NotCoffer {
                path: path.to_owned(),
                why: "the file is not an SQLite database".into(),
            },
            Some(C::ReadOnly) => StoreError::Open {
                path: path.to_owned(),
                detail: format!(
                    "{err}: the file or its folder {} is read-only, and Coffer writes to both",
                    path.parent().unwrap_or(path).display()
                ),
            },
            Some(C::CannotOpen | C::PermissionDenied) => StoreError::Open {
                path: path.to_owned(),
                detail: err.to_string(),
            },
            _ => err.into(),
        }
    }
}

type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database and its WAL and shared-memory files are private (0600). SQLite gives the WAL
/// the database file's mode, so the file is created private before SQLite first opens it.
/// An existing file only loses group and other bits: one its owner made read-only stays so.
#[cfg(unix)]
fn private_files(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed = |p: &Path, e: std::io::Error| StoreError::Open {
        path: p.to_owned(),
        detail: format!("cannot make it private: {e}"),
    };
    if !path.exists() {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| failed(path, e))?;
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = PathBuf::from(name);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o177 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o600))
                .map_err(|e| failed(&file, e))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_files(_path: &Path) -> Result<()> {
    Ok(())
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseCheck {
    pub ok: bool,
    /// SQLite's own words: `["ok"]` when sound.
    pub integrity: Vec<String>,
    pub foreign_key_problems: i64,
    pub balance_problems: Vec<String>,
}

/// An account as a sync finds it before fetching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    pub id: AccountId,
    pub synced_through: Option<NaiveDate>,
    pub history_before: Option<NaiveDate>,
}

/// What one upsert of a batch of transactions did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Pending rows the provider no longer reports inside the fetched window.
    pub expired: u64,
}

pub struct Store {
    pub(crate) db: Db,
    path: PathBuf,
    /// How a provider's own category becomes Coffer's; the banks own their mappings.
    pub(crate) categories: CategoryMap,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with_busy_timeout(path, Duration::from_secs(5))
    }

    /// Like [`Store::open`], waiting at most `busy` for another process's lock.
    pub fn open_with_busy_timeout(path: &Path, busy: Duration) -> Result<Store> {
        let existed = path.exists();
        private_files(path)?;
        let db = Db::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::classify(path, e))?;
        let mut store = Store {
            db,
            path: path.to_owned(),
            categories: crate::category::coffer_slugs,
        };
        store.prepare(existed, busy)?;
        Ok(store)
    }

    fn prepare(&mut self, existed: bool, busy: Duration) -> Result<()> {
        let path = self.path.clone();
        let classify = |e| StoreError::classify(&path, e);
        self.db.busy_timeout(busy).map_err(classify)?;
        self.db
            .pragma_update(None, "foreign_keys", true)
            .map_err(classify)?;
        // Deleted rows (a replaced token pair, a disconnected bank's secrets) are overwritten,
        // not left in free pages for anyone with the file to read.
        self.db
            .pragma_update(None, "secure_delete", true)
            .map_err(classify)?;
        // Read-only checks first: a file we must refuse is left byte-for-byte untouched.
        let version: i64 = self
            .db
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(classify)?;
        let app_id: i32 = self
            .db
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(classify)?;
        if existed {
            if app_id != APPLICATION_ID && app_id != 0 {
                return Err(StoreError::NotCoffer {
                    path: self.path.clone(),
                    why: format!("it belongs to another application (id {app_id:#x})"),
                });
            }
            let tables: i64 = self
                .db
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(classify)?;
            if app_id == 0 && tables > 0 {
                return Err(StoreError::NotCoffer {
                    path: self.path.clone(),
                    why: "it holds tables Coffer did not create".into(),
                });
            }
        }
        if version > schema_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: schema_version(),
            });
        }
        let mode: String = self
            .db
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "SQLite refused WAL mode; continuing in {mode}");
        }
        // NORMAL in WAL mode: a crash of the app never loses a commit; a power cut may lose the
        // last few, and because every batch is committed together with its account's sync
        // cursor, the next sync simply fetches those rows again (design.md §3).
        self.db
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        // 64 MiB of page cache keeps the indexes of a large ledger in memory while syncing.
        self.db
            .pragma_update(None, "cache_size", -65_536)
            .map_err(classify)?;
        migrations().to_latest(&mut self.db).map_err(|e| match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => {
                StoreError::classify(&path, err)
            }
            other => StoreError::Migration(other),
        })?;
        if app_id != APPLICATION_ID {
            self.db
                .pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(classify)?;
        }
        Ok(())
    }

    /// Sets how providers' own categories are mapped (the bank registry's mapping).
    pub fn set_category_map(&mut self, map: CategoryMap) {
        self.categories = map;
    }

    /// The underlying SQLite connection, for read-only diagnostics and benchmarks.
    pub fn sqlite(&self) -> &Db {
        &self.db
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A consistent copy of the whole database at `target`, taken while Coffer runs
    /// (`VACUUM INTO`), written under a temporary name, checked (it opens, it is Coffer's, its
    /// integrity check passes) and only then moved into place, private (0600). Returns its size.
    pub fn backup(&self, target: &Path) -> Result<u64> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let failed = |detail: String| StoreError::Open {
            path: target.to_owned(),
            detail,
        };
        let tmp = tempfile::Builder::new()
            .prefix(".coffer-backup.")
            .tempfile_in(&dir)
            .map_err(|e| failed(format!("cannot write in {}: {e}", dir.display())))?;
        // VACUUM INTO writes into an existing file as long as it is empty, so the copy goes
        // into the private (0600) file just created: the ledger is never, even while it is
        // being written, in a file with the umask's mode that another user could open.
        let (file, tmp_path) = tmp
            .keep()
            .map_err(|e| failed(format!("cannot write in {}: {}", dir.display(), e.error)))?;
        drop(file);
        let text = tmp_path
            .to_str()
            .ok_or_else(|| failed("the folder's name is not valid UTF-8".into()))?;
        let written = self.db.execute("VACUUM INTO ?1", [text]);
        let checked = written.map_err(StoreError::from).and_then(|_| {
            private_files(&tmp_path)?;
            let copy = Db::open_with_flags(&tmp_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| StoreError::classify(&tmp_path, e))?;
            let app_id: i32 = copy.pragma_query_value(None, "application_id", |r| r.get(0))?;
            let integrity: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if app_id != APPLICATION_ID || integrity != "ok" {
                return Err(failed(format!("the copy does not check out ({integrity})")));
            }
            Ok(())
        });
        if let Err(e) = checked {
            let _ = std::fs::remove_file(&tmp_path);
            return Err(e);
        }
        std::fs::rename(&tmp_path, target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp_path);
            failed(e.to_string())
        })?;
        Ok(std::fs::metadata(target).map(|m| m.len()).unwrap_or(0))
    }

    /// The database's health: SQLite's integrity check, foreign keys, and every account whose
    /// bank reports an opening balance adding up (opening + booked rows = balance).
    pub fn check(&self) -> Result<DatabaseCheck> {
        let integrity: Vec<String> = {
            let mut stmt = self.db.prepare("PRAGMA integrity_check")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let foreign_keys: i64 = {
            let mut stmt = self.db.prepare("PRAGMA foreign_key_check")?;
            let mut rows = stmt.query([])?;
            let mut n = 0;
            while rows.next()?.is_some() {
                n += 1;
            }
            n
        };
        let mut balances = Vec::new();
        let mut stmt = self.db.prepare(
            "SELECT a.name, a.currency, a.balance_minor, a.opening_minor,
                    COALESCE((SELECT SUM(t.amount_minor) FROM \"transaction\" t
                              WHERE t.account_id = a.id AND t.status = 'booked'
                                AND t.booking_date >= a.opening_date), 0)
             FROM account a WHERE a.opening_date IS NOT NULL AND a.opening_minor IS NOT NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(0)?;
            let currency: Currency = currency_col(r, 1)?;
            let balance: i64 = r.get(2)?;
            let opening: i64 = r.get(3)?;
            let booked: i64 = r.get(4)?;
            let expected = i128::from(opening) + i128::from(booked);
            if expected != i128::from(balance) {
                balances.push(format!(
                    "{name}: opening {} + booked rows {} = {}, but the balance is {} {currency}",
                    format_minor(opening, currency.exponent()),
                    format_minor(booked, currency.exponent()),
                    crate::money::format_total(expected, currency.exponent()),
                    format_minor(balance, currency.exponent()),
                ));
            }
        }
        Ok(DatabaseCheck {
            ok: integrity == ["ok"] && foreign_keys == 0 && balances.is_empty(),
            integrity,
            foreign_key_problems: foreign_keys,
            balance_problems: balances,
        })
    }

    /// `PRAGMA quick_check`, for diagnostics and the crash tests.
    pub fn quick_check(&self) -> Result<String> {
        Ok(self.db.query_row("PRAGMA quick_check", [], |r| r.get(0))?)
    }

    // ---- connections ----------------------------------------------------------------------

    pub fn add_connection(
        &mut self,
        provider: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<Connection> {
        self.db.execute(
            "INSERT INTO connection (provider, label, status, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![provider, label, ConnectionStatus::Active.as_str(), now],
        )?;
        let id = self.db.last_insert_rowid();
        self.connection(id)
    }

    pub fn connection(&self, id: ConnectionId) -> Result<Connection> {
        self.db
            .query_row(
                "SELECT id, provider, label, status, consent_expires_at, last_sync_at, last_error,
                        created_at
                 FROM connection WHERE id = ?1",
                [id],
                connection_from_row,
            )
            .optional()?
            .ok_or(StoreError::UnknownConnection(id))?
    }

    pub fn connections(&self) -> Result<Vec<Connection>> {
        let mut stmt = self.db.prepare(
            "SELECT id, provider, label, status, consent_expires_at, last_sync_at, last_error,
                    created_at
             FROM connection ORDER BY id",
        )?;
        let rows = stmt.query_map([], connection_from_row)?;
        rows.map(|r| r?).collect()
    }

    pub fn connection_views(&self) -> Result<Vec<ConnectionView>> {
        let counts = self.account_counts()?;
        Ok(self
            .connections()?
            .into_iter()
            .map(|c| ConnectionView {
                accounts: counts.get(&c.id).copied().unwrap_or(0),
                id: c.id,
                provider_name: c.provider.clone(),
                provider: c.provider,
                label: c.label,
                status: c.status,
                last_sync_at: c.last_sync_at.map(|t| t.to_rfc3339()),
                consent_expires_at: c.consent_expires_at.map(|t| t.to_rfc3339()),
                last_error: c.last_error,
            })
            .collect())
    }

    fn account_counts(&self) -> Result<HashMap<ConnectionId, i64>> {
        let mut stmt = self
            .db
            .prepare("SELECT connection_id, count(*) FROM account GROUP BY connection_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a finished sync. `status` overrides the status derived from `error`, for
    /// failures that need the user (a dead login).
    pub fn set_connection_synced(
        &mut self,
        id: ConnectionId,
        at: DateTime<Utc>,
        error: Option<&str>,
        status: Option<ConnectionStatus>,
    ) -> Result<()> {
        let status = status.unwrap_or(if error.is_some() {
            ConnectionStatus::Error
        } else {
            ConnectionStatus::Active
        });
        let n = self.db.execute(
            "UPDATE connection SET last_sync_at = ?2, last_error = ?3, status = ?4 WHERE id = ?1",
            params![id, at, error, status.as_str()],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownConnection(id));
        }
        Ok(())
    }

    // ---- accounts -------------------------------------------------------------------------

    /// Inserts or refreshes an account; returns its id. The earliest opening balance ever
    /// reported is kept, because history before a later window start stays in the store.
    pub fn upsert_account(
        &mut self,
        connection: ConnectionId,
        account: &ProviderAccount,
    ) -> Result<AccountId> {
        upsert_account_in(&self.db, connection, account)
    }

    pub fn account(&self, id: AccountId) -> Result<Account> {
        self.db
            .query_row(
                &format!("{ACCOUNT_SELECT} WHERE id = ?1"),
                [id],
                account_from_row,
            )
            .optional()?
            .ok_or(StoreError::UnknownAccount(id))?
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let mut stmt = self
            .db
            .prepare(&format!("{ACCOUNT_SELECT} ORDER BY connection_id, id"))?;
        let rows = stmt.query_map([], account_from_row)?;
        rows.map(|r| r?).collect()
    }

    /// The date up to which an account's transactions have been fetched.
    pub fn sync_cursor(&self, account: AccountId) -> Result<Option<NaiveDate>> {
        Ok(self.db.query_row(
            "SELECT synced_through FROM account WHERE id = ?1",
            [account],
            |r| r.get(0),
        )?)
    }

    /// Forgets how far an account was fetched, so the next sync fetches its whole history.
    pub fn reset_sync_cursor(&self, account: AccountId) -> Result<()> {
        let n = self.db.execute(
            "UPDATE account SET synced_through = NULL WHERE id = ?1",
            [account],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownAccount(account));
        }
        Ok(())
    }

    /// Gives an account the user's own name, or (`None`) goes back to the bank's. Syncs never
    /// touch it.
    pub fn rename_account(&mut self, account: AccountId, name: Option<&str>) -> Result<()> {
        let n = self.db.execute(
            "UPDATE account SET user_name = ?2 WHERE id = ?1",
            params![account, name],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownAccount(account));
        }
        Ok(())
    }

    /// Hides an account from totals, reports, charts and exports (unless a filter names it), or
    /// shows it again.
    pub fn set_account_hidden(&mut self, account: AccountId, hidden: bool) -> Result<()> {
        let n = self.db.execute(
            "UPDATE account SET hidden = ?2 WHERE id = ?1",
            params![account, hidden],
        )?;
        if n == 0 {
            return Err(StoreError::UnknownAccount(account));
        }
        Ok(())
    }

    pub fn accounts_overview(&self) -> Result<AccountsOverview> {
        let mut stmt = self.db.prepare(
            "SELECT a.id, a.connection_id, c.provider, coalesce(a.user_name, a.name), a.number,
                    a.iban, a.currency, a.kind, a.balance_minor, a.available_minor, a.balance_at,
                    (SELECT count(*) FROM \"transaction\" t WHERE t.account_id = a.id),
                    c.label, a.name, a.user_name IS NOT NULL, a.hidden
             FROM account a JOIN connection c ON c.id = a.connection_id
             ORDER BY a.connection_id, a.id",
        )?;
        let mut totals: Vec<(Currency, i64, i64)> = Vec::new();
        let mut accounts = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let currency = currency_col(r, 6)?;
            let balance: i64 = r.get(8)?;
            let available: Option<i64> = r.get(9)?;
            let kind: String = r.get(7)?;
            let hidden: bool = r.get(15)?;
            // A hidden account is listed but not counted.
            match totals
                .iter_mut()
                .find(|(c, _, _)| *c == currency)
                .filter(|_| !hidden)
            {
                Some((_, sum, n)) => {
                    *sum = sum
                        .checked_add(balance)
                        .ok_or_else(|| StoreError::BadRow("balance total overflows".into()))?;
                    *n += 1;
                }
                None if !hidden => totals.push((currency, balance, 1)),
                None => {}
            }
            let balance_at: DateTime<Utc> = r.get(10)?;
            accounts.push(AccountView {
                id: r.get(0)?,
                connection_id: r.get(1)?,
                provider: r.get(2)?,
                name: r.get(3)?,
                number: r.get(4)?,
                iban: r.get(5)?,
                currency: currency.to_string(),
                kind: kind
                    .parse()
                    .map_err(|e| StoreError::BadRow(format!("{e}")))?,
                balance: format_minor(balance, currency.exponent()),
                available: available.map(|m| format_minor(m, currency.exponent())),
                balance_at: balance_at.to_rfc3339(),
                transaction_count: r.get(11)?,
                connection_label: r.get(12)?,
                bank_name: r.get(13)?,
                renamed: r.get(14)?,
                hidden,
            });
        }
        totals.sort_by_key(|(c, _, _)| *c);
        Ok(AccountsOverview {
            accounts,
            totals: totals
                .into_iter()
                .map(|(currency, sum, n)| CurrencyTotal {
                    currency: currency.to_string(),
                    balance: format_minor(sum, currency.exponent()),
                    accounts: n,
                })
                .collect(),
        })
    }

    pub fn status(&self) -> Result<AppStatus> {
        let (accounts, transactions) = self.db.query_row(
            "SELECT (SELECT count(*) FROM account), (SELECT count(*) FROM \"transaction\")",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(AppStatus {
            connections: self.connection_views()?,
            accounts,
            transactions,
        })
    }

    // ---- transactions ---------------------------------------------------------------------

    /// Writes one fetched batch for an account in a single SQLite transaction, together with the
    /// account's new sync cursor, so a crash leaves either all of it or none of it.
    ///
    /// `window_from`: the first date the batch covers; pending rows on or after it that the
    /// provider no longer reports have expired (cancelled authorisations) and are removed.
    pub fn upsert_transactions(
        &mut self,
        account: AccountId,
        batch: &[ProviderTransaction],
        window_from: Option<NaiveDate>,
        synced_through: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts> {
        let (currency, provider) = self.account_currency_and_provider(account)?;
        let enricher = Enricher::load(&self.db, self.categories)?;
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let expiry = window_from.map(|from| Expiry {
            from,
            any_status: false,
        });
        let counts = write_rows(
            &tx, &enricher, &provider, account, currency, batch, expiry, now,
        )?;
        tx.execute(
            "UPDATE account SET synced_through = ?2 WHERE id = ?1",
            params![account, synced_through],
        )?;
        tx.commit()?;
        Ok(counts)
    }

    fn account_currency_and_provider(&self, account: AccountId) -> Result<(Currency, String)> {
        let currency: Currency = self
            .db
            .query_row(
                "SELECT currency FROM account WHERE id = ?1",
                [account],
                |r| currency_col(r, 0),
            )
            .optional()?
            .ok_or(StoreError::UnknownAccount(account))?;
        let provider: String = self.db.query_row(
            "SELECT c.provider FROM account a JOIN connection c ON c.id = a.connection_id
             WHERE a.id = ?1",
            [account],
            |r| r.get(0),
        )?;
        Ok((currency, provider))
    }

    /// What a sync needs to know about an account before fetching: its row id (if it is
    /// stored yet), how far it was fetched, and how much of its history.
    pub fn account_state(
        &self,
        connection: ConnectionId,
        provider_account_id: &str,
    ) -> Result<Option<AccountState>> {
        Ok(self
            .db
            .query_row(
                "SELECT id, synced_through, history_before FROM account
                 WHERE connection_id = ?1 AND provider_account_id = ?2",
                params![connection, provider_account_id],
                |r| {
                    Ok(AccountState {
                        id: r.get(0)?,
                        synced_through: r.get(1)?,
                        history_before: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Writes one account's sync in one transaction: the account with its balance, its rows,
    /// expired pending rows, how far it is fetched and how much history is still missing. A
    /// crash or an error leaves all of it or none, so the balance never runs ahead of its
    /// rows.
    pub fn commit_account(
        &mut self,
        connection: ConnectionId,
        account: &ProviderAccount,
        batch: &crate::sync::TransactionBatch,
        now: DateTime<Utc>,
    ) -> Result<(AccountId, UpsertCounts)> {
        let provider: String = self
            .db
            .query_row(
                "SELECT provider FROM connection WHERE id = ?1",
                [connection],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::UnknownConnection(connection))?;
        let enricher = Enricher::load(&self.db, self.categories)?;
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = upsert_account_in(&tx, connection, account)?;
        let expiry = batch.from.map(|from| Expiry {
            from,
            any_status: batch.removes_missing,
        });
        let counts = write_rows(
            &tx,
            &enricher,
            &provider,
            id,
            account.balance.currency,
            &batch.transactions,
            expiry,
            now,
        )?;
        let history_before = match batch.history {
            crate::sync::History::Before(d) => Some(d),
            crate::sync::History::Complete | crate::sync::History::Unfetched => None,
        };
        tx.execute(
            "UPDATE account SET synced_through = ?2, history_before = ?3 WHERE id = ?1",
            params![id, batch.through, history_before],
        )?;
        tx.commit()?;
        Ok((id, counts))
    }

    pub fn transaction(&self, id: i64) -> Result<Option<Transaction>> {
        self.db
            .query_row(
                &format!("{TRANSACTION_SELECT} WHERE id = ?1"),
                [id],
                transaction_from_row,
            )
            .optional()?
            .transpose()
    }

    /// Every stored transaction of an account, oldest first (tests and invariants).
    pub fn account_transactions(&self, account: AccountId) -> Result<Vec<Transaction>> {
        let mut stmt = self.db.prepare(&format!(
            "{TRANSACTION_SELECT} WHERE account_id = ?1 ORDER BY booking_date, id"
        ))?;
        let rows = stmt.query_map([account], transaction_from_row)?;
        rows.map(|r| r?).collect()
    }

    // ---- sync runs ------------------------------------------------------------------------

    pub fn start_sync_run(&mut self, connection: ConnectionId, now: DateTime<Utc>) -> Result<i64> {
        self.db.execute(
            "INSERT INTO sync_run (connection_id, started_at, pid) VALUES (?1, ?2, ?3)",
            params![connection, now, std::process::id()],
        )?;
        Ok(self.db.last_insert_rowid())
    }

    /// Starts a sync run unless the connection is being synced already, by this process or
    /// another one on the same profile (`None` then). Runs left open by a process that is gone
    /// are closed as interrupted first. One immediate transaction, so two processes cannot
    /// both start.
    pub fn try_start_sync_run(
        &mut self,
        connection: ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        close_interrupted_runs(&tx, Some(connection), now)?;
        let busy: i64 = tx.query_row(
            "SELECT count(*) FROM sync_run WHERE connection_id = ?1 AND finished_at IS NULL",
            [connection],
            |r| r.get(0),
        )?;
        if busy > 0 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO sync_run (connection_id, started_at, pid) VALUES (?1, ?2, ?3)",
            params![connection, now, std::process::id()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Some(id))
    }

    /// Closes runs whose process is gone (a crash or a kill mid-sync) as interrupted.
    pub fn close_interrupted_runs(&mut self, now: DateTime<Utc>) -> Result<u64> {
        let tx = self.db.transaction()?;
        let n = close_interrupted_runs(&tx, None, now)?;
        tx.commit()?;
        Ok(n)
    }

    pub fn finish_sync_run(&mut self, run: i64, record: &SyncRunRecord) -> Result<()> {
        self.db.execute(
            "UPDATE sync_run SET finished_at = ?2, fetched = ?3, inserted = ?4, updated = ?5,
                    unchanged = ?6, expired = ?7, errors = ?8
             WHERE id = ?1",
            params![
                run,
                record.finished_at,
                record.fetched,
                record.inserted,
                record.updated,
                record.unchanged,
                record.expired,
                record.errors.join("\n"),
            ],
        )?;
        Ok(())
    }

    /// Records which notices hold now (`current`, as connection and kind) and returns those
    /// not told before; notices whose condition cleared are forgotten, so they are told again
    /// when they come back. One transaction, so two processes cannot both tell one notice.
    pub fn tell_notices(
        &mut self,
        current: &[(ConnectionId, String)],
        now: DateTime<Utc>,
    ) -> Result<Vec<(ConnectionId, String)>> {
        let tx = self
            .db
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let told: Vec<(ConnectionId, String)> = {
            let mut stmt = tx.prepare("SELECT connection_id, kind FROM notice")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for gone in told.iter().filter(|t| !current.contains(t)) {
            tx.execute(
                "DELETE FROM notice WHERE connection_id = ?1 AND kind = ?2",
                params![gone.0, gone.1],
            )?;
        }
        let mut new = Vec::new();
        for notice in current.iter().filter(|c| !told.contains(c)) {
            tx.execute(
                "INSERT OR IGNORE INTO notice (connection_id, kind, told_at) VALUES (?1, ?2, ?3)",
                params![notice.0, notice.1, now],
            )?;
            new.push(notice.clone());
        }
        tx.commit()?;
        Ok(new)
    }

    pub fn sync_runs(&self, connection: ConnectionId) -> Result<Vec<SyncRunRecord>> {
        let mut stmt = self.db.prepare(
            "SELECT finished_at, fetched, inserted, updated, unchanged, expired, errors
             FROM sync_run WHERE connection_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([connection], |r| {
            let errors: Option<String> = r.get(6)?;
            Ok(SyncRunRecord {
                finished_at: r.get(0)?,
                fetched: r.get(1)?,
                inserted: r.get(2)?,
                updated: r.get(3)?,
                unchanged: r.get(4)?,
                expired: r.get(5)?,
                errors: errors
                    .filter(|e| !e.is_empty())
                    .map(|e| e.lines().map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRunRecord {
    pub finished_at: Option<DateTime<Utc>>,
    pub fetched: i64,
    pub inserted: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub expired: i64,
    pub errors: Vec<String>,
}

/// A stored row: id, provider-owned fields, and the category the user set by hand, if any.
type Existing = (i64, StoredFields, Option<String>);

/// The provider-owned columns of a transaction row, for change detection.
#[derive(Debug, PartialEq, Eq)]
struct StoredFields {
    provider_id: Option<String>,
    booking_date: NaiveDate,
    value_date: Option<NaiveDate>,
    amount_minor: i64,
    currency: String,
    status: &'static str,
    description: String,
    counterparty: Option<String>,
    provider_category: Option<String>,
}

impl StoredFields {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<StoredFields> {
        let status: String = r.get(6)?;
        Ok(StoredFields {
            provider_id: r.get(1)?,
            booking_date: r.get(2)?,
            value_date: r.get(3)?,
            amount_minor: r.get(4)?,
            currency: r.get(5)?,
            status: if status == "pending" {
                TransactionStatus::Pending.as_str()
            } else {
                TransactionStatus::Booked.as_str()
            },
            description: r.get(7)?,
            counterparty: r.get(8)?,
            provider_category: r.get(9)?,
        })
    }
}

impl From<&ProviderTransaction> for StoredFields {
    fn from(t: &ProviderTransaction) -> Self {
        StoredFields {
            provider_id: t.provider_id.clone(),
            booking_date: t.booking_date,
            value_date: t.value_date,
            amount_minor: t.amount.minor,
            currency: t.amount.currency.to_string(),
            status: t.status.as_str(),
            description: t.description.clone(),
            counterparty: t.counterparty.clone(),
            provider_category: t.provider_category.clone(),
        }
    }
}

const ACCOUNT_SELECT: &str = "SELECT id, connection_id, provider_account_id, name, number, iban,
        currency, kind, balance_minor, available_minor, balance_at, opening_date, opening_minor
     FROM account";

const TRANSACTION_SELECT: &str = "SELECT id, account_id, dedup_key, provider_id, booking_date,
        value_date, amount_minor, currency, status, description, counterparty, provider_category,
        vendor, category, created_at, updated_at
     FROM \"transaction\"";

fn currency_col(r: &Row<'_>, idx: usize) -> rusqlite::Result<Currency> {
    let text: String = r.get(idx)?;
    text.parse().map_err(|e: crate::money::MoneyError| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn parse_col<T: std::str::FromStr>(r: &Row<'_>, idx: usize) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    let text: String = r.get(idx)?;
    text.parse()
        .map_err(|e: T::Err| StoreError::BadRow(format!("column {idx}: {e}")))
}

fn connection_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Connection>> {
    let status = match parse_col(r, 3) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Connection {
        id: r.get(0)?,
        provider: r.get(1)?,
        label: r.get(2)?,
        status,
        consent_expires_at: r.get(4)?,
        last_sync_at: r.get(5)?,
        last_error: r.get(6)?,
        created_at: r.get(7)?,
    }))
}

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Account>> {
    let currency = currency_col(r, 6)?;
    let kind: AccountKind = match parse_col(r, 7) {
        Ok(k) => k,
        Err(e) => return Ok(Err(e)),
    };
    let opening_date: Option<NaiveDate> = r.get(11)?;
    let opening_minor: Option<i64> = r.get(12)?;
    let available: Option<i64> = r.get(9)?;
    Ok(Ok(Account {
        id: r.get(0)?,
        connection_id: r.get(1)?,
        provider_account_id: r.get(2)?,
        name: r.get(3)?,
        number: r.get(4)?,
        iban: r.get(5)?,
        kind,
        balance: Money::new(r.get(8)?, currency),
        available: available.map(|m| Money::new(m, currency)),
        balance_at: r.get(10)?,
        opening: opening_date
            .zip(opening_minor)
            .map(|(d, m)| (d, Money::new(m, currency))),
    }))
}

fn transaction_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Transaction>> {
    let currency = currency_col(r, 7)?;
    let status = match parse_col(r, 8) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(Transaction {
        id: r.get(0)?,
        account_id: r.get(1)?,
        dedup_key: r.get(2)?,
        provider_id: r.get(3)?,
        booking_date: r.get(4)?,
        value_date: r.get(5)?,
        amount: Money::new(r.get(6)?, currency),
        status,
        description: r.get(9)?,
        counterparty: r.get(10)?,
        provider_category: r.get(11)?,
        vendor: r.get(12)?,
        category: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    }))
}

/// How long an open run of a process Coffer cannot see (not Linux) is trusted to be alive.
const RUN_STALE_AFTER_HOURS: i64 = 6;

/// Whether the process that started a run still runs.
fn process_alive(pid: i64, started: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    #[cfg(target_os = "linux")]
    {
        let _ = (started, now);
        Path::new(&format!("/proc/{pid}")).exists()
    }
    #[cfg(not(target_os = "linux"))]
    {
        now - started < chrono::Duration::hours(RUN_STALE_AFTER_HOURS)
    }
}

fn close_interrupted_runs(
    tx: &rusqlite::Transaction<'_>,
    connection: Option<ConnectionId>,
    now: DateTime<Utc>,
) -> Result<u64> {
    let open: Vec<(i64, Option<i64>, DateTime<Utc>)> = {
        let mut stmt = tx.prepare(
            "SELECT id, pid, started_at FROM sync_run
             WHERE finished_at IS NULL AND (?1 IS NULL OR connection_id = ?1)",
        )?;
        let rows = stmt.query_map([connection], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut closed = 0;
    for (id, pid, started) in open {
        let alive = match pid {
            Some(pid) => process_alive(pid, started, now),
            // Runs from before pids were recorded: their process is long gone.
            None => false,
        };
        if !alive {
            tx.execute(
                "UPDATE sync_run SET finished_at = ?2,
                        errors = 'interrupted: Coffer stopped before this sync finished'
                 WHERE id = ?1",
                params![id, now],
            )?;
            closed += 1;
        }
    }
    let _ = RUN_STALE_AFTER_HOURS;
    Ok(closed)
}

/// Which stored rows a batch's absence removes: from this day on, pending rows only, or any
/// row when the provider's answer is complete and its ids stable.
#[derive(Debug, Clone, Copy)]
struct Expiry {
    from: NaiveDate,
    any_status: bool,
}

/// Inserts, updates and expires one account's rows inside an open transaction.
#[allow(clippy::too_many_arguments)]
fn write_rows(
    tx: &rusqlite::Transaction<'_>,
    enricher: &Enricher,
    provider: &str,
    account: AccountId,
    currency: Currency,
    batch: &[ProviderTransaction],
    expiry: Option<Expiry>,
    now: DateTime<Utc>,
) -> Result<UpsertCounts> {
    let mut counts = UpsertCounts::default();
    {
        const COLUMNS: &str = "SELECT id, provider_id, booking_date, value_date,
            amount_minor, currency, status, description, counterparty, provider_category,
            category, category_source, dedup_key FROM \"transaction\"";
        let stored = |r: &Row<'_>| -> rusqlite::Result<Existing> {
            let user_category: Option<String> = match r.get::<_, Option<String>>(11)?.as_deref() {
                Some("user") => r.get(10)?,
                _ => None,
            };
            Ok((r.get(0)?, StoredFields::from_row(r)?, user_category))
        };
        // A big batch (a first sync) reads the account's rows once instead of one lookup per
        // row; small incremental batches look rows up by key.
        let mut preloaded: Option<HashMap<String, Existing>> = if batch.len() > 256 {
            let mut all = tx.prepare(&format!("{COLUMNS} WHERE account_id = ?1"))?;
            let rows = all.query_map([account], |r| Ok((r.get::<_, String>(12)?, stored(r)?)))?;
            Some(rows.collect::<rusqlite::Result<_>>()?)
        } else {
            None
        };
        let mut find = tx.prepare_cached(&format!(
            "{COLUMNS} WHERE account_id = ?1 AND dedup_key = ?2"
        ))?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO \"transaction\" (account_id, dedup_key, provider_id, booking_date,
                value_date, amount_minor, currency, status, description, counterparty,
                provider_category, created_at, updated_at, vendor, vendor_rule, category,
                category_source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15,
                ?16)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE \"transaction\" SET provider_id = ?2, booking_date = ?3, value_date = ?4,
                amount_minor = ?5, currency = ?6, status = ?7, description = ?8,
                counterparty = ?9, provider_category = ?10, updated_at = ?11, vendor = ?12,
                vendor_rule = ?13, category = ?14, category_source = ?15
             WHERE id = ?1",
        )?;
        for t in batch {
            if t.amount.currency != currency {
                return Err(StoreError::BadRow(format!(
                    "transaction {} is in {} but its account is in {currency}",
                    t.dedup_key, t.amount.currency
                )));
            }
            // Keys are unique within a batch (the sync engine refuses repeats), so each
            // preloaded row is needed once and can be moved out.
            let existing = match &mut preloaded {
                Some(map) => map.remove(&t.dedup_key),
                None => find
                    .query_row(params![account, t.dedup_key], stored)
                    .optional()?,
            };
            let fields = StoredFields::from(t);
            let enrich = || {
                enricher.enrich(
                    provider,
                    &t.description,
                    t.counterparty.as_deref(),
                    t.provider_category.as_deref(),
                )
            };
            match existing {
                None => {
                    let e = enrich();
                    insert.execute(params![
                        account,
                        t.dedup_key,
                        fields.provider_id,
                        fields.booking_date,
                        fields.value_date,
                        fields.amount_minor,
                        fields.currency,
                        fields.status,
                        fields.description,
                        fields.counterparty,
                        fields.provider_category,
                        now,
                        e.vendor,
                        e.vendor_rule,
                        e.category.map(|c| c.as_str()),
                        e.category_source.map(|c| c.as_str()),
                    ])?;
                    counts.inserted += 1;
                }
                Some((_, stored, _)) if stored == fields => counts.unchanged += 1,
                Some((id, _, user_category)) => {
                    let e = enrich();
                    // A category the user chose by hand survives the bank's edits.
                    let (category, source) = match user_category {
                        Some(c) => (Some(c), Some(CategorySource::User.as_str())),
                        None => (
                            e.category.map(|c| c.as_str().to_string()),
                            e.category_source.map(|c| c.as_str()),
                        ),
                    };
                    update.execute(params![
                        id,
                        fields.provider_id,
                        fields.booking_date,
                        fields.value_date,
                        fields.amount_minor,
                        fields.currency,
                        fields.status,
                        fields.description,
                        fields.counterparty,
                        fields.provider_category,
                        now,
                        e.vendor,
                        e.vendor_rule,
                        category,
                        source,
                    ])?;
                    counts.updated += 1;
                }
            }
        }
        if let Some(Expiry { from, any_status }) = expiry {
            let keys: std::collections::HashSet<&str> =
                batch.iter().map(|t| t.dedup_key.as_str()).collect();
            let mut pending = tx.prepare_cached(
                "SELECT id, dedup_key FROM \"transaction\"
                 WHERE account_id = ?1 AND (status = 'pending' OR ?3) AND booking_date >= ?2",
            )?;
            let stale: Vec<i64> = pending
                .query_map(params![account, from, any_status], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })?
                .filter_map(|r| match r {
                    Ok((id, key)) if !keys.contains(key.as_str()) => Some(Ok(id)),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<rusqlite::Result<_>>()?;
            let mut delete = tx.prepare_cached("DELETE FROM \"transaction\" WHERE id = ?1")?;
            for id in stale {
                delete.execute([id])?;
                counts.expired += 1;
            }
        }
    }
    Ok(counts)
}

/// Inserts or refreshes an account (balances included); returns its id. The earliest opening
/// balance ever reported is kept, because history before a later window start stays stored.
fn upsert_account_in(
    db: &Db,
    connection: ConnectionId,
    account: &ProviderAccount,
) -> Result<AccountId> {
    let (opening_date, opening_minor) = match account.opening {
        Some((d, m)) => (Some(d), Some(m.minor)),
        None => (None, None),
    };
    let id = db.query_row(
        "INSERT INTO account (connection_id, provider_account_id, name, number, iban, currency,
                              kind, balance_minor, available_minor, balance_at,
                              opening_date, opening_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (connection_id, provider_account_id) DO UPDATE SET
            name = excluded.name, number = excluded.number, iban = excluded.iban,
            currency = excluded.currency, kind = excluded.kind,
            balance_minor = excluded.balance_minor, available_minor = excluded.available_minor,
            balance_at = excluded.balance_at,
            opening_minor = CASE WHEN account.opening_date IS NULL
                                   OR excluded.opening_date < account.opening_date
                                 THEN excluded.opening_minor ELSE account.opening_minor END,
            opening_date = CASE WHEN account.opening_date IS NULL
                                  OR excluded.opening_date < account.opening_date
                                THEN excluded.opening_date ELSE account.opening_date END
         RETURNING id",
        params![
            connection,
            account.provider_account_id,
            account.name,
            account.number,
            account.iban,
            account.balance.currency.as_str(),
            account.kind.as_str(),
            account.balance.minor,
            account.available.map(|m| m.minor),
            account.balance_at,
            opening_date,
            opening_minor,
        ],
        |r| r.get(0),
    )?;
    Ok(id)
}
