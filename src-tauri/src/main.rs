//! The Coffer desktop shell. It opens the window and forwards each command to `coffer-api` in
//! one line; all behaviour lives in the API layer.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::Arc;

use coffer_api::views::{AccountsOverview, AppStatus, ConnectionView, TransactionList};
use coffer_api::{ApiError, Coffer};
use coffer_core::sync::{SyncEvent, SyncSummary};
use coffer_core::Filter;
use tauri::ipc::Channel;
use tauri::State;

/// The open profile, or why it could not be opened (shown in the window instead of crashing).
struct Profile(Result<Arc<Coffer>, ApiError>);

impl Profile {
    fn coffer(&self) -> Result<Arc<Coffer>, ApiError> {
        self.0.clone()
    }
}

#[tauri::command]
async fn app_status(profile: State<'_, Profile>) -> Result<AppStatus, ApiError> {
    profile.coffer()?.app_status().await
}

#[tauri::command]
async fn connect_demo(profile: State<'_, Profile>) -> Result<ConnectionView, ApiError> {
    profile.coffer()?.connect_demo().await
}

#[tauri::command]
async fn sync_all(
    profile: State<'_, Profile>,
    events: Channel<SyncEvent>,
) -> Result<Vec<SyncSummary>, ApiError> {
    profile
        .coffer()?
        .sync(None, move |e| drop(events.send(e)))
        .await
}

#[tauri::command]
async fn accounts(profile: State<'_, Profile>) -> Result<AccountsOverview, ApiError> {
    profile.coffer()?.accounts().await
}

#[tauri::command]
async fn transactions(
    profile: State<'_, Profile>,
    filter: Filter,
) -> Result<TransactionList, ApiError> {
    profile.coffer()?.transactions(&filter).await
}

fn open_profile() -> Result<Arc<Coffer>, ApiError> {
    let dir = match std::env::var_os("COFFER_DATA_DIR") {
        Some(d) if !d.is_empty() => d.into(),
        _ => coffer_api::default_data_dir()?,
    };
    let coffer = Coffer::open(&dir)?;
    // `--demo` (used by the README's run command) opens straight onto demo data the first time.
    if std::env::args().any(|a| a == "--demo") {
        tauri::async_runtime::block_on(async {
            if coffer.app_status().await?.accounts == 0 {
                coffer.connect_demo().await?;
                coffer.sync(None, |_| {}).await?;
            }
            Ok::<_, ApiError>(())
        })?;
    }
    Ok(Arc::new(coffer))
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COFFER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let profile = open_profile();
    if let Err(e) = &profile {
        tracing::error!(code = ?e.code, "cannot open the Coffer profile: {}", e.message);
    }
    let result = tauri::Builder::default()
        .manage(Profile(profile))
        .invoke_handler(tauri::generate_handler![
            app_status,
            connect_demo,
            sync_all,
            accounts,
            transactions
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("coffer: the window could not start: {e}");
        std::process::exit(1);
    }
}
