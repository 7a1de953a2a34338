//! # coffer-api
//!
//! The one API layer. Every user-visible operation is one async method on [`Coffer`]; the Tauri
//! commands, the `coffer` CLI and the local HTTP server are thin adapters over these methods and
//! add no behaviour of their own. Errors leave as one serialisable [`ApiError`] `{code, message}`.

mod error;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::export;
use coffer_core::model::{Connection, ConnectionId};
use coffer_core::sync::{self, Provider, SyncEvent, SyncSummary};
use coffer_core::views::{AccountsOverview, AppStatus, ConnectionView, TransactionList};
use coffer_core::{Filter, Store};
use coffer_providers::demo;

pub use coffer_core::views;
pub use error::{ApiError, ErrorCode};

/// The database file inside a data directory.
pub const DATABASE_FILE: &str = "coffer.sqlite3";

/// Where "now" comes from; tests pin it so the Demo Bank is reproducible.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The OS data directory for Coffer (`~/.local/share/coffer` on Linux).
pub fn default_data_dir() -> Result<PathBuf, ApiError> {
    directories::ProjectDirs::from("", "", "coffer")
        .map(|d| d.data_dir().to_owned())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                "cannot find a home directory for Coffer's data; pass --data-dir or set \
                 COFFER_DATA_DIR",
            )
        })
}

/// An open Coffer profile. Cheap to share: clone the `Arc`.
#[derive(Debug)]
pub struct Coffer {
    store: Arc<Mutex<Store>>,
    clock: Clock,
    data_dir: PathBuf,
}

impl Coffer {
    /// Opens (creating if needed) the profile in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Coffer, ApiError> {
        Coffer::open_with_clock(data_dir, Clock::System)
    }

    pub fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Coffer, ApiError> {
        if data_dir.exists() && !data_dir.is_dir() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("the data directory {} is a file", data_dir.display()),
            ));
        }
        std::fs::create_dir_all(data_dir).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!(
                    "cannot create the data directory {}: {e}",
                    data_dir.display()
                ),
            )
        })?;
        let store = Store::open(&data_dir.join(DATABASE_FILE))?;
        Ok(Coffer {
            store: Arc::new(Mutex::new(store)),
            clock,
            data_dir: data_dir.to_owned(),
        })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| ApiError::internal("store lock poisoned"))?;
        f(&mut guard)
    }

    /// What the app shows on start: connections and whether there is any data yet.
    pub async fn app_status(&self) -> Result<AppStatus, ApiError> {
        self.with_store(|s| Ok(s.status()?))
    }

    pub async fn connections(&self) -> Result<Vec<ConnectionView>, ApiError> {
        self.with_store(|s| Ok(s.connection_views()?))
    }

    /// Adds the Demo Bank; connecting it twice returns the existing connection.
    pub async fn connect_demo(&self) -> Result<ConnectionView, ApiError> {
        let now = self.clock.now();
        self.with_store(|s| {
            let existing = s
                .connection_views()?
                .into_iter()
                .find(|c| c.provider == demo::PROVIDER_ID);
            if let Some(c) = existing {
                return Ok(c);
            }
            let created = s.add_connection(demo::PROVIDER_ID, demo::LABEL, now)?;
            s.connection_views()?
                .into_iter()
                .find(|c| c.id == created.id)
                .ok_or_else(|| ApiError::internal("the new connection vanished"))
        })
    }

    /// Syncs one connection, or every connection when `connection` is `None`. A provider that
    /// fails is reported in its summary; the others still sync.
    pub async fn sync(
        &self,
        connection: Option<ConnectionId>,
        mut progress: impl FnMut(SyncEvent) + Send,
    ) -> Result<Vec<SyncSummary>, ApiError> {
        let targets: Vec<Connection> = self.with_store(|s| match connection {
            Some(id) => Ok(vec![s.connection(id)?]),
            None => Ok(s.connections()?),
        })?;
        let mut summaries = Vec::with_capacity(targets.len());
        for conn in targets {
            let provider = self.provider_for(&conn)?;
            let clock = self.clock;
            let summary = sync::sync_connection(
                &self.store,
                &conn,
                provider.as_ref(),
                move || clock.now(),
                &mut progress,
            )
            .await?;
            summaries.push(summary);
        }
        Ok(summaries)
    }

    fn provider_for(&self, connection: &Connection) -> Result<Box<dyn Provider>, ApiError> {
        match connection.provider.as_str() {
            demo::PROVIDER_ID => Ok(Box::new(demo::DemoBank::new(self.clock.today()))),
            other => Err(ApiError::new(
                ErrorCode::NotFound,
                format!(
                    "connection {} uses the provider '{other}', which this build does not know",
                    connection.id
                ),
            )),
        }
    }

    /// Balances per account and per currency.
    pub async fn accounts(&self) -> Result<AccountsOverview, ApiError> {
        self.with_store(|s| Ok(s.accounts_overview()?))
    }

    /// The filtered transaction list, newest first.
    pub async fn transactions(&self, filter: &Filter) -> Result<TransactionList, ApiError> {
        filter.validate()?;
        self.with_store(|s| Ok(s.transactions(filter)?))
    }

    /// Writes exactly the rows `transactions(filter)` returns, as CSV; returns the row count.
    pub async fn export_csv(&self, filter: &Filter, out: impl Write) -> Result<u64, ApiError> {
        filter.validate()?;
        self.with_store(|s| Ok(export::write_csv(s, filter, out)?))
    }
}

/// Every type that crosses to the UI, in dependency order, for the TypeScript bindings.
pub fn typescript_bindings() -> String {
    use coffer_core::model::{AccountKind, ConnectionStatus, Direction, TransactionStatus};
    use coffer_core::views::*;
    use ts_rs::TS;

    let cfg = ts_rs::Config::new().with_large_int("number");
    let decls = [
        AccountKind::decl(&cfg),
        Direction::decl(&cfg),
        TransactionStatus::decl(&cfg),
        ConnectionStatus::decl(&cfg),
        AccountView::decl(&cfg),
        CurrencyTotal::decl(&cfg),
        AccountsOverview::decl(&cfg),
        TransactionView::decl(&cfg),
        TransactionList::decl(&cfg),
        Filter::decl(&cfg),
        ConnectionView::decl(&cfg),
        AppStatus::decl(&cfg),
        SyncSummary::decl(&cfg),
        SyncEvent::decl(&cfg),
        ApiError::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `cargo test -p coffer-api` (bindings test).\n\
         // Do not edit: change the Rust type and run `UPDATE_BINDINGS=1 cargo test -p coffer-api`.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push('\n');
    }
    out
}
