//! # coffer-api
//!
//! The one API layer. Every user-visible operation is one async method on [`Coffer`]; the Tauri
//! commands, the `coffer` CLI and the local HTTP server are thin adapters over these methods and
//! add no behaviour of their own. Errors leave as one serialisable [`ApiError`] `{code, message}`.

pub mod category;
mod connect;
mod diagnostics;
mod error;
pub mod filter;
mod mirror;
pub mod model;
pub mod ops;
pub mod report;
mod reserve;
pub mod rules;
mod schedule;
pub mod sync;
pub mod views;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use coffer_core::model::{Connection, ConnectionId, ConnectionStatus, TransactionId};
use coffer_core::snapshot::Snapshot;
use coffer_core::sync::Provider;
use coffer_core::Store;

use crate::category::Category;
use crate::mirror::IntoWire;
use crate::report::{
    AccountTotal, BalanceReport, CategoryReport, ChartRequest, ChartView, FlowReport, PeriodKind,
    VendorReport,
};
use crate::rules::{CategoryRuleView, RuleMatch, VendorRuleView, VendorView};
use crate::sync::{SyncEvent, SyncSummary};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use coffer_providers::{bank, registry};
pub use coffer_vault::KeySource;
pub use connect::{Browser, LoginTicket, SystemBrowser, DEEP_LINK_SCHEME};
pub use error::{ApiError, ErrorCode};
pub use filter::Filter;
pub use views::{
    AccountsOverview, AppStatus, CallbackKind, CatalogueEntry, ConnectionView, CredentialField,
    FieldChoice, LoginKind, LoginRequest, LoginStarted, ProviderInfo, RefreshAtBank, Setting,
    TransactionList, VaultStatus,
};

/// The database file inside a data directory.
pub const DATABASE_FILE: &str = "coffer.sqlite3";

/// Where "now" comes from; tests pin it so the built-in bank is reproducible.
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
pub struct Coffer {
    store: Arc<Mutex<Store>>,
    /// Every read of transactions goes through this copy; any write drops it.
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    clock: Clock,
    data_dir: PathBuf,
    key_source: KeySource,
    browser: Arc<dyn Browser>,
    http: reqwest::Client,
    logins: Arc<coffer_login::PendingLogins>,
    login: connect::LoginState,
    /// How long a login waits for the browser before it is dropped.
    login_timeout: std::time::Duration,
    /// What happened, for front ends that react without asking (the desktop shell).
    events: tokio::sync::broadcast::Sender<AppEvent>,
}

/// Something a front end may want to react to without having asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppEvent {
    /// A login in the browser finished and its connection was saved: bring the app to front.
    LoginFinished { connection: ConnectionId },
}

impl std::fmt::Debug for Coffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coffer")
            .field("data_dir", &self.data_dir)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

/// How a profile is opened; `Coffer::open` uses the defaults.
pub struct OpenOptions {
    pub clock: Clock,
    /// Where the vault key lives: the OS keychain, or `COFFER_PASSPHRASE`.
    pub key_source: KeySource,
    pub browser: Arc<dyn Browser>,
    /// How long a login waits for the browser (10 minutes).
    pub login_timeout: std::time::Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            clock: Clock::System,
            key_source: KeySource::from_env(coffer_vault::DEFAULT_SERVICE),
            browser: Arc::new(SystemBrowser),
            login_timeout: coffer_login::LOGIN_TIMEOUT,
        }
    }
}

/// Text from outside (a bank, a form, a link) made safe to quote in a message: printable, one
/// line, short.
pub(crate) fn tidy(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    cleaned.trim().to_string()
}

mirror::wire_enum! {
    /// The column a transaction page is sorted by.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SortKey from coffer_core::snapshot::SortKey {
        Date,
        Account,
        Description,
        Vendor,
        Category,
        Amount,
        Status,
    }
}

/// One page of the filtered, sorted transaction list, for the virtualised table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct TransactionQuery {
    pub filter: Filter,
    #[ts(
        type = "\"date\" | \"account\" | \"description\" | \"vendor\" | \"category\" | \"amount\" | \"status\""
    )]
    pub sort: SortKey,
    pub descending: bool,
    pub offset: u32,
    pub limit: u32,
}

impl Default for TransactionQuery {
    fn default() -> Self {
        TransactionQuery {
            filter: Filter::default(),
            sort: SortKey::Date,
            descending: true,
            offset: 0,
            limit: 200,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TransactionPage {
    pub rows: Vec<views::TransactionView>,
    /// Rows the filter selects in all.
    pub total: i64,
    pub offset: u32,
}

impl Coffer {
    /// Opens (creating if needed) the profile in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Coffer, ApiError> {
        Coffer::open_with_clock(data_dir, Clock::System)
    }

    pub fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Coffer, ApiError> {
        Coffer::open_with(
            data_dir,
            OpenOptions {
                clock,
                ..OpenOptions::default()
            },
        )
    }

    pub fn open_with(data_dir: &Path, options: OpenOptions) -> Result<Coffer, ApiError> {
        let OpenOptions {
            clock,
            key_source,
            browser,
            login_timeout,
        } = options;
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
        private_dir(data_dir)?;
        let mut store = Store::open(&data_dir.join(DATABASE_FILE))?;
        store.set_category_map(registry::category);
        // A sync killed mid-way (crash, power cut, kill) left its run open: close it as
        // interrupted so history says so and the connection is not "busy" forever.
        store.close_interrupted_runs(clock.now())?;
        Ok(Coffer {
            store: Arc::new(Mutex::new(store)),
            snapshot: Mutex::new(None),
            clock,
            data_dir: data_dir.to_owned(),
            key_source,
            browser,
            http: coffer_login::http::client()?,
            logins: coffer_login::PendingLogins::new(),
            login: connect::LoginState::default(),
            login_timeout,
            events: tokio::sync::broadcast::channel(16).0,
        })
    }

    /// Events from now on; a slow receiver misses old ones rather than holding anything up.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<AppEvent> {
        self.events.subscribe()
    }

    pub(crate) fn announce(&self, event: AppEvent) {
        // Nobody listening (the CLI) is fine.
        let _ = self.events.send(event);
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

    /// Like `with_store`, for operations that change transactions: the snapshot is dropped so
    /// the next read sees the change.
    fn write_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let result = self.with_store(f);
        self.invalidate();
        result
    }

    fn invalidate(&self) {
        if let Ok(mut s) = self.snapshot.lock() {
            *s = None;
        }
    }

    fn snapshot(&self) -> Result<Arc<Snapshot>, ApiError> {
        let mut cached = self
            .snapshot
            .lock()
            .map_err(|_| ApiError::internal("snapshot lock poisoned"))?;
        if let Some(s) = cached.as_ref() {
            return Ok(Arc::clone(s));
        }
        let fresh = Arc::new(self.with_store(|s| Ok(Snapshot::load(s)?))?);
        *cached = Some(Arc::clone(&fresh));
        Ok(fresh)
    }

    /// What the app shows on start: connections and whether there is any data yet.
    pub async fn app_status(&self) -> Result<AppStatus, ApiError> {
        self.with_store(|s| Ok(s.status()?.into_wire()))
    }

    pub async fn connections(&self) -> Result<Vec<ConnectionView>, ApiError> {
        let now = self.clock.now();
        Ok(self
            .with_store(|s| Ok(s.connection_views()?))?
            .into_iter()
            .map(|v| {
                let mut v: ConnectionView = v.into_wire();
                if let Some(bank) = registry::find(&v.provider) {
                    v.provider_name = bank.about().name.to_string();
                }
                connect::with_expiry(v, now)
            })
            .collect())
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
        let explicit = connection.is_some();
        let mut summaries = Vec::with_capacity(targets.len());
        for conn in targets {
            if conn.status == ConnectionStatus::Disabled {
                if explicit {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "connection {} ({}) is disconnected; connect the bank again to sync",
                            conn.id, conn.label
                        ),
                    ));
                }
                continue;
            }
            let provider = match self.provider_for(&conn) {
                Ok(p) => p,
                Err(e) => {
                    // One unusable connection (lost key, missing secret) must not stop the rest.
                    self.record_unusable(conn.id, &e);
                    progress(SyncEvent::Failed {
                        connection_id: conn.id,
                        message: e.message.clone(),
                    });
                    summaries.push(SyncSummary {
                        connection_id: conn.id,
                        provider: conn.provider.clone(),
                        label: conn.label.clone(),
                        errors: vec![e.message],
                        ..SyncSummary::default()
                    });
                    continue;
                }
            };
            let clock = self.clock;
            let summary = coffer_core::sync::sync_connection(
                &self.store,
                &conn,
                provider.as_ref(),
                move || clock.now(),
                &mut |event: coffer_core::sync::SyncEvent| progress(event.into_wire()),
            )
            .await;
            self.invalidate();
            summaries.push(summary?.into_wire());
        }
        Ok(summaries)
    }

    fn provider_for(&self, connection: &Connection) -> Result<Box<dyn Provider>, ApiError> {
        self.bank_provider(connection)
    }

    /// Balances per account and per currency.
    pub async fn accounts(&self) -> Result<AccountsOverview, ApiError> {
        self.with_store(|s| Ok(s.accounts_overview()?.into_wire()))
    }

    /// The filtered transaction list, newest first.
    pub async fn transactions(&self, filter: &Filter) -> Result<TransactionList, ApiError> {
        let snap = self.snapshot()?;
        let sel = snap.select_rows(&filter.to_core()?)?;
        Ok(TransactionList {
            total: sel.len() as i64,
            rows: snap.rows(&sel).into_wire(),
        })
    }

    /// One sorted page of the filtered list.
    pub async fn transaction_page(
        &self,
        q: &TransactionQuery,
    ) -> Result<TransactionPage, ApiError> {
        let snap = self.snapshot()?;
        let sel = snap.select_rows(&q.filter.to_core()?)?;
        let limit = q.limit.clamp(1, 5_000) as usize;
        Ok(TransactionPage {
            total: sel.len() as i64,
            rows: snap
                .page(&sel, q.sort.into(), q.descending, q.offset as usize, limit)
                .into_wire(),
            offset: q.offset,
        })
    }

    /// Writes exactly the rows `transactions(filter)` returns, as CSV; returns the row count.
    pub async fn export_csv(&self, filter: &Filter, out: impl Write) -> Result<u64, ApiError> {
        let snap = self.snapshot()?;
        let sel = snap.select_rows(&filter.to_core()?)?;
        Ok(snap.write_csv(&sel, out)?)
    }

    /// Exports to a file through a temporary sibling and a rename, so a failure never leaves
    /// half a file (or overwrites a good one).
    pub async fn export_csv_to_file(&self, filter: &Filter, path: &Path) -> Result<u64, ApiError> {
        let snap = self.snapshot()?;
        let sel = snap.select_rows(&filter.to_core()?)?;
        write_atomically(path, |w| Ok(snap.write_csv(&sel, w)?))
    }

    pub async fn report_flows(
        &self,
        filter: &Filter,
        period: PeriodKind,
    ) -> Result<Vec<FlowReport>, ApiError> {
        let period = coffer_core::report::PeriodKind::from(period).into();
        Ok(coffer_core::report::flows(&*self.snapshot()?, &filter.to_core()?, period)?.into_wire())
    }

    pub async fn report_categories(
        &self,
        filter: &Filter,
    ) -> Result<Vec<CategoryReport>, ApiError> {
        Ok(coffer_core::report::categories(&*self.snapshot()?, &filter.to_core()?)?.into_wire())
    }

    pub async fn report_vendors(
        &self,
        filter: &Filter,
        limit: u32,
    ) -> Result<Vec<VendorReport>, ApiError> {
        Ok(coffer_core::report::vendors(
            &*self.snapshot()?,
            &filter.to_core()?,
            limit.clamp(1, 1_000) as usize,
        )?
        .into_wire())
    }

    pub async fn report_accounts(&self, filter: &Filter) -> Result<Vec<AccountTotal>, ApiError> {
        Ok(coffer_core::report::accounts(&*self.snapshot()?, &filter.to_core()?)?.into_wire())
    }

    pub async fn report_balances(&self, filter: &Filter) -> Result<Vec<BalanceReport>, ApiError> {
        Ok(coffer_core::report::balances(&*self.snapshot()?, &filter.to_core()?)?.into_wire())
    }

    pub async fn chart(&self, request: &ChartRequest) -> Result<ChartView, ApiError> {
        let request = coffer_core::report::ChartRequest::from(request.clone());
        request.filter.validate()?;
        Ok(
            coffer_core::report::chart(&*self.snapshot()?, &request, self.clock.today())?
                .into_wire(),
        )
    }

    /// Saves a chart as SVG or PNG, chosen by the file extension.
    pub async fn save_chart(&self, request: &ChartRequest, path: &Path) -> Result<(), ApiError> {
        let format = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let png = match format.as_deref() {
            Some("svg") => false,
            Some("png") => true,
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("'{}': charts are saved as .svg or .png", path.display()),
                ))
            }
        };
        let view = self.chart(request).await?;
        let bytes = if png {
            coffer_core::chart::svg_to_png(&view.svg)
                .map_err(|e| ApiError::internal(e.to_string()))?
        } else {
            view.svg.into_bytes()
        };
        write_atomically(path, |w| {
            w.write_all(&bytes).map_err(|e| io_error(path, e))?;
            Ok(())
        })
    }

    // ---- vendors and categories ----------------------------------------------------------

    pub async fn vendors(&self) -> Result<Vec<VendorView>, ApiError> {
        self.with_store(|s| Ok(s.vendors()?.into_wire()))
    }

    /// Renames a vendor; renaming several to one name merges them. Returns rows changed.
    /// Names an account as the user likes; an empty name goes back to the bank's. Returns the
    /// name now shown.
    pub async fn rename_account(
        &self,
        account: i64,
        name: Option<&str>,
    ) -> Result<String, ApiError> {
        /// Longer names only push the balance off the sidebar.
        const MAX_CHARS: usize = 80;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = name {
            if n.chars().count() > MAX_CHARS || n.chars().any(char::is_control) {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "an account name is at most {MAX_CHARS} characters on one line, not '{}'",
                        tidy(n)
                    ),
                ));
            }
        }
        self.write_store(|s| {
            s.rename_account(account, name)?;
            Ok(s.accounts_overview()?
                .accounts
                .into_iter()
                .find(|a| a.id == account)
                .map(|a| a.name)
                .unwrap_or_default())
        })
    }

    /// Hides an account from totals, reports, charts and exports (a filter naming it still
    /// shows it), or shows it again.
    pub async fn hide_account(&self, account: i64, hidden: bool) -> Result<(), ApiError> {
        self.write_store(|s| Ok(s.set_account_hidden(account, hidden)?))
    }

    pub async fn rename_vendor(&self, from: &str, to: &str) -> Result<u64, ApiError> {
        self.write_store(|s| Ok(s.rename_vendor(from, to)?))
    }

    pub async fn merge_vendors(&self, names: &[String], into: &str) -> Result<u64, ApiError> {
        if names.is_empty() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "name at least one vendor to merge",
            ));
        }
        self.write_store(|s| {
            let mut changed = 0;
            for name in names {
                changed += s.rename_vendor(name, into)?;
            }
            Ok(changed)
        })
    }

    pub async fn vendor_rules(&self) -> Result<Vec<VendorRuleView>, ApiError> {
        self.with_store(|s| Ok(s.vendor_rules()?.into_wire()))
    }

    pub async fn add_vendor_rule(
        &self,
        pattern: &str,
        is_regex: bool,
        vendor: &str,
    ) -> Result<i64, ApiError> {
        let now = self.clock.now();
        self.write_store(|s| Ok(s.add_vendor_rule(pattern, is_regex, vendor, now)?.0))
    }

    pub async fn delete_vendor_rule(&self, id: i64) -> Result<u64, ApiError> {
        self.write_store(|s| Ok(s.delete_vendor_rule(id)?))
    }

    pub async fn categories(&self) -> Result<Vec<Category>, ApiError> {
        Ok(Category::all())
    }

    pub async fn category_rules(&self) -> Result<Vec<CategoryRuleView>, ApiError> {
        self.with_store(|s| Ok(s.category_rules()?.into_wire()))
    }

    pub async fn add_category_rule(
        &self,
        match_kind: RuleMatch,
        pattern: &str,
        category: Category,
    ) -> Result<i64, ApiError> {
        let now = self.clock.now();
        self.write_store(|s| {
            Ok(
                s.add_category_rule(match_kind.into(), pattern, category.into(), now)?
                    .0,
            )
        })
    }

    pub async fn delete_category_rule(&self, id: i64) -> Result<u64, ApiError> {
        self.write_store(|s| Ok(s.delete_category_rule(id)?))
    }

    /// Re-categorises one transaction by hand; the vendor's other transactions follow unless
    /// they were set by hand too. Returns how many other transactions changed.
    pub async fn set_category(
        &self,
        transaction: TransactionId,
        category: Option<Category>,
    ) -> Result<u64, ApiError> {
        let now = self.clock.now();
        let category = category.map(Into::into);
        self.write_store(|s| Ok(s.set_category(transaction, category, now)?))
    }

    /// Unmakes the transfer pair `transaction` is in; the two rows count as income and
    /// spending again, and detection never pairs them again.
    pub async fn unpair_transfer(&self, transaction: TransactionId) -> Result<(), ApiError> {
        self.write_store(|s| Ok(s.unpair_transfer(transaction)?))
    }

    /// Pairs two rows as one transfer between the user's accounts, by hand; kept across syncs.
    pub async fn pair_transfers(
        &self,
        first: TransactionId,
        second: TransactionId,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        self.write_store(|s| Ok(s.pair_transfers(first, second, now)?))
    }
}

/// The data directory is its owner's alone (0700): the ledger is readable, and the vault's
/// salt and canary would let anyone else guess a passphrase offline.
#[cfg(unix)]
///
/// Only group and other lose their bits: the owner's are left as they are, so a directory its
/// owner made read-only (0500) stays read-only and Coffer says it cannot write there, instead of
/// quietly making it writable again.
fn private_dir(dir: &Path) -> Result<(), ApiError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o700);
    if mode & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode & 0o700)).map_err(|e| {
        ApiError::new(
            ErrorCode::Io,
            format!(
                "cannot make the data directory {} private: {e}",
                dir.display()
            ),
        )
    })
}

#[cfg(not(unix))]
fn private_dir(_dir: &Path) -> Result<(), ApiError> {
    Ok(())
}

impl Coffer {
    /// Reads the amount bounds a person typed into a filter form, in their locale's
    /// convention (`99,50` or `99.50`; see [`Filter::parse_amount_in`] for the rule), and
    /// answers them as plain decimals (`99.50`) that every other operation takes. The UI calls
    /// this instead of parsing amounts itself, so there is one parser. Refusals name the field
    /// as the form shows it ("Min amount: …").
    pub fn check_amounts(
        &self,
        min: Option<&str>,
        max: Option<&str>,
        locale: Option<&str>,
    ) -> Result<views::AmountBounds, ApiError> {
        let mark = locale.and_then(coffer_core::filter::DecimalMark::of_locale);
        let read = |field: &'static str, text: Option<&str>| {
            text.filter(|t| !t.trim().is_empty())
                .map(|t| coffer_core::Filter::parse_amount_in(field, t, mark))
                .transpose()
        };
        let bounds = coffer_core::Filter {
            min: read("min", min)?,
            max: read("max", max)?,
            ..coffer_core::Filter::default()
        };
        bounds.validate()?;
        Ok(views::AmountBounds {
            min: bounds.min.map(|d| d.normalize().to_string()),
            max: bounds.max.map(|d| d.normalize().to_string()),
        })
    }

    /// "Check database": SQLite's integrity check, foreign keys and balances that must add up.
    pub async fn check_database(&self) -> Result<views::DatabaseCheck, ApiError> {
        let c = self.with_store(|s| Ok(s.check()?))?;
        Ok(views::DatabaseCheck {
            ok: c.ok,
            integrity: c.integrity,
            foreign_key_problems: c.foreign_key_problems,
            balance_problems: c.balance_problems,
        })
    }

    /// A consistent, checked copy of the profile's database at `path` (private, 0600). Sealed
    /// secrets stay sealed in it; the ledger is as readable as the database itself.
    pub async fn backup(&self, path: &Path) -> Result<views::Backup, ApiError> {
        let bytes = self.with_store(|s| Ok(s.backup(path)?))?;
        Ok(views::Backup {
            path: path.display().to_string(),
            bytes,
        })
    }
}

fn io_error(path: &Path, e: std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Io,
        format!("cannot write {}: {e}", path.display()),
    )
}

/// Writes through a fresh temporary file next to `path` (a random name, created exclusively,
/// so a planted symlink is never followed, and private: 0600), then renames it over `path`.
/// Exports and charts are therefore readable by their owner only; share them on purpose.
fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let name = path.file_name().ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("'{}' is not a file name", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "cannot write {}: the folder {} does not exist",
                path.display(),
                dir.display()
            ),
        ));
    }
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".partial")
        .tempfile_in(&dir)
        .map_err(|e| io_error(path, e))?;
    let (file, tmp_path) = tmp.into_parts();
    let mut out = std::io::BufWriter::new(file);
    let value = write(&mut out)?;
    let file = out
        .into_inner()
        .map_err(|e| io_error(path, e.into_error()))?;
    file.sync_all().map_err(|e| io_error(path, e))?;
    // Dropping an unpersisted path removes the temporary file on every error path.
    tmp_path
        .persist(path)
        .map_err(|e| io_error(path, e.error))?;
    Ok(value)
}

/// Every type that crosses to the UI, in dependency order, for the TypeScript bindings.
pub fn typescript_bindings() -> String {
    use crate::category::{Category, CategorySource};
    use crate::model::{AccountKind, ConnectionStatus, Direction, TransactionStatus};
    use crate::report::*;
    use crate::rules::*;
    use crate::views::*;
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
        TransferView::decl(&cfg),
        TransactionView::decl(&cfg),
        TransactionList::decl(&cfg),
        filter::Transfers::decl(&cfg),
        Filter::decl(&cfg),
        ConnectionView::decl(&cfg),
        AppStatus::decl(&cfg),
        SyncSummary::decl(&cfg),
        SyncEvent::decl(&cfg),
        ApiError::decl(&cfg),
        Category::decl(&cfg),
        CategorySource::decl(&cfg),
        TransactionQuery::decl(&cfg),
        TransactionPage::decl(&cfg),
        Amounts::decl(&cfg),
        PeriodTotal::decl(&cfg),
        FlowReport::decl(&cfg),
        CategoryTotal::decl(&cfg),
        CategoryReport::decl(&cfg),
        VendorTotal::decl(&cfg),
        VendorReport::decl(&cfg),
        AccountTotal::decl(&cfg),
        BalancePoint::decl(&cfg),
        BalanceReport::decl(&cfg),
        ChartKind::decl(&cfg),
        PeriodKind::decl(&cfg),
        ChartTheme::decl(&cfg),
        ChartRequest::decl(&cfg),
        HitTarget::decl(&cfg),
        ChartRegion::decl(&cfg),
        ChartView::decl(&cfg),
        RuleMatch::decl(&cfg),
        CategoryRuleView::decl(&cfg),
        VendorRuleView::decl(&cfg),
        VendorView::decl(&cfg),
        views::LoginKind::decl(&cfg),
        views::FieldInput::decl(&cfg),
        views::FieldChoice::decl(&cfg),
        views::CredentialField::decl(&cfg),
        views::Capabilities::decl(&cfg),
        views::ProviderInfo::decl(&cfg),
        views::CallbackKind::decl(&cfg),
        views::LoginRequest::decl(&cfg),
        views::LoginStarted::decl(&cfg),
        views::VaultStatus::decl(&cfg),
        views::Setting::decl(&cfg),
        views::SettingChoice::decl(&cfg),
        views::AmountBounds::decl(&cfg),
        views::RefreshAtBank::decl(&cfg),
        views::CatalogueEntry::decl(&cfg),
        views::SavedFile::decl(&cfg),
        views::DatabaseCheck::decl(&cfg),
        views::Backup::decl(&cfg),
        views::Notice::decl(&cfg),
        views::NoticeKind::decl(&cfg),
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
    out.push('\n');
    out.push_str(&ops::typescript_client());
    out
}
