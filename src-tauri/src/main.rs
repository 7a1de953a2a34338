//! The Coffer desktop shell. It opens the window and forwards each command to `coffer-api` in
//! one line; all behaviour lives in the API layer.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod logging;

use std::path::PathBuf;
use std::sync::Arc;

use coffer_api::views::{AccountsOverview, AppStatus, ConnectionView, TransactionList};
use coffer_api::{
    ApiError, Coffer, ErrorCode, FinsifyService, LoginRequest, LoginStarted, ProviderInfo,
    RefreshAtBank, Setting, TransactionPage, TransactionQuery, VaultStatus,
};
use coffer_core::category::Category;
use coffer_core::model::{ConnectionId, TransactionId};
use coffer_core::report::{
    AccountTotal, BalanceReport, CategoryReport, ChartRequest, ChartView, FlowReport, PeriodKind,
    VendorReport,
};
use coffer_core::rules::{CategoryRuleView, RuleMatch, VendorRuleView, VendorView};
use coffer_core::sync::{SyncEvent, SyncSummary};
use coffer_core::Filter;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;

/// The open profile, or why it could not be opened (shown in the window instead of crashing).
struct Profile(Result<Arc<Coffer>, ApiError>);

impl Profile {
    fn coffer(&self) -> Result<Arc<Coffer>, ApiError> {
        self.0.clone()
    }
}

type P<'a> = State<'a, Profile>;
type R<T> = Result<T, ApiError>;

#[tauri::command(rename_all = "snake_case")]
async fn app_status(p: P<'_>) -> R<AppStatus> {
    p.coffer()?.app_status().await
}

#[tauri::command(rename_all = "snake_case")]
async fn connect_demo(p: P<'_>) -> R<ConnectionView> {
    p.coffer()?.connect_demo().await
}

#[tauri::command(rename_all = "snake_case")]
async fn sync_all(p: P<'_>, events: Channel<SyncEvent>) -> R<Vec<SyncSummary>> {
    p.coffer()?.sync(None, move |e| drop(events.send(e))).await
}

#[tauri::command(rename_all = "snake_case")]
async fn accounts(p: P<'_>) -> R<AccountsOverview> {
    p.coffer()?.accounts().await
}

#[tauri::command(rename_all = "snake_case")]
async fn transactions(p: P<'_>, filter: Filter) -> R<TransactionList> {
    p.coffer()?.transactions(&filter).await
}

#[tauri::command(rename_all = "snake_case")]
async fn transaction_page(p: P<'_>, query: TransactionQuery) -> R<TransactionPage> {
    p.coffer()?.transaction_page(&query).await
}

#[tauri::command(rename_all = "snake_case")]
async fn report_flows(p: P<'_>, filter: Filter, period: PeriodKind) -> R<Vec<FlowReport>> {
    p.coffer()?.report_flows(&filter, period).await
}

#[tauri::command(rename_all = "snake_case")]
async fn report_categories(p: P<'_>, filter: Filter) -> R<Vec<CategoryReport>> {
    p.coffer()?.report_categories(&filter).await
}

#[tauri::command(rename_all = "snake_case")]
async fn report_vendors(p: P<'_>, filter: Filter, limit: u32) -> R<Vec<VendorReport>> {
    p.coffer()?.report_vendors(&filter, limit).await
}

#[tauri::command(rename_all = "snake_case")]
async fn report_accounts(p: P<'_>, filter: Filter) -> R<Vec<AccountTotal>> {
    p.coffer()?.report_accounts(&filter).await
}

#[tauri::command(rename_all = "snake_case")]
async fn report_balances(p: P<'_>, filter: Filter) -> R<Vec<BalanceReport>> {
    p.coffer()?.report_balances(&filter).await
}

#[tauri::command(rename_all = "snake_case")]
async fn chart(p: P<'_>, request: ChartRequest) -> R<ChartView> {
    p.coffer()?.chart(&request).await
}

#[tauri::command(rename_all = "snake_case")]
async fn vendors(p: P<'_>) -> R<Vec<VendorView>> {
    p.coffer()?.vendors().await
}

#[tauri::command(rename_all = "snake_case")]
async fn vendor_rules(p: P<'_>) -> R<Vec<VendorRuleView>> {
    p.coffer()?.vendor_rules().await
}

#[tauri::command(rename_all = "snake_case")]
async fn rename_vendor(p: P<'_>, from: String, to: String) -> R<u64> {
    p.coffer()?.rename_vendor(&from, &to).await
}

#[tauri::command(rename_all = "snake_case")]
async fn merge_vendors(p: P<'_>, names: Vec<String>, into: String) -> R<u64> {
    p.coffer()?.merge_vendors(&names, &into).await
}

#[tauri::command(rename_all = "snake_case")]
async fn add_vendor_rule(p: P<'_>, pattern: String, is_regex: bool, vendor: String) -> R<i64> {
    p.coffer()?
        .add_vendor_rule(&pattern, is_regex, &vendor)
        .await
}

#[tauri::command(rename_all = "snake_case")]
async fn delete_vendor_rule(p: P<'_>, id: i64) -> R<u64> {
    p.coffer()?.delete_vendor_rule(id).await
}

#[tauri::command(rename_all = "snake_case")]
async fn categories(p: P<'_>) -> R<Vec<Category>> {
    p.coffer()?.categories().await
}

#[tauri::command(rename_all = "snake_case")]
async fn category_rules(p: P<'_>) -> R<Vec<CategoryRuleView>> {
    p.coffer()?.category_rules().await
}

#[tauri::command(rename_all = "snake_case")]
async fn add_category_rule(
    p: P<'_>,
    match_kind: RuleMatch,
    pattern: String,
    category: Category,
) -> R<i64> {
    p.coffer()?
        .add_category_rule(match_kind, &pattern, category)
        .await
}

#[tauri::command(rename_all = "snake_case")]
async fn delete_category_rule(p: P<'_>, id: i64) -> R<u64> {
    p.coffer()?.delete_category_rule(id).await
}

#[tauri::command(rename_all = "snake_case")]
async fn set_category(p: P<'_>, transaction: TransactionId, category: Option<Category>) -> R<u64> {
    p.coffer()?.set_category(transaction, category).await
}

#[tauri::command(rename_all = "snake_case")]
async fn connections(p: P<'_>) -> R<Vec<ConnectionView>> {
    p.coffer()?.connections().await
}

#[tauri::command(rename_all = "snake_case")]
async fn sync_connection(
    p: P<'_>,
    connection: ConnectionId,
    events: Channel<SyncEvent>,
) -> R<Vec<SyncSummary>> {
    p.coffer()?
        .sync(Some(connection), move |e| drop(events.send(e)))
        .await
}

#[tauri::command(rename_all = "snake_case")]
async fn providers(p: P<'_>) -> R<Vec<ProviderInfo>> {
    p.coffer()?.providers().await
}

#[tauri::command(rename_all = "snake_case")]
async fn finsify_services(p: P<'_>, query: Option<String>) -> R<Vec<FinsifyService>> {
    p.coffer()?.finsify_services(query.as_deref()).await
}

/// Opens the system browser from Rust; the URL itself never reaches the webview.
#[tauri::command(rename_all = "snake_case")]
async fn connect_begin(p: P<'_>, request: LoginRequest) -> R<LoginStarted> {
    Ok(p.coffer()?.begin_login(&request, true).await?.started)
}

#[tauri::command(rename_all = "snake_case")]
async fn connect_finish(app: tauri::AppHandle, p: P<'_>, login_id: u64) -> R<ConnectionView> {
    let connection = p.coffer()?.finish_login(login_id).await?;
    // The user is in the browser; bring Coffer back in front to show the new bank syncing.
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    Ok(connection)
}

#[tauri::command(rename_all = "snake_case")]
async fn connect_cancel(p: P<'_>, login_id: u64) -> R<()> {
    p.coffer()?.cancel_login(login_id).await
}

#[tauri::command(rename_all = "snake_case")]
async fn disconnect(p: P<'_>, connection: ConnectionId, keep_history: bool) -> R<()> {
    p.coffer()?.disconnect(connection, keep_history).await
}

#[tauri::command(rename_all = "snake_case")]
async fn refresh_at_bank(p: P<'_>, connection: ConnectionId) -> R<RefreshAtBank> {
    p.coffer()?.refresh_at_bank(connection).await
}

#[tauri::command(rename_all = "snake_case")]
async fn settings(p: P<'_>) -> R<Vec<Setting>> {
    p.coffer()?.settings().await
}

#[tauri::command(rename_all = "snake_case")]
async fn set_setting(p: P<'_>, key: String, value: Option<String>) -> R<Setting> {
    p.coffer()?.set_setting(&key, value.as_deref()).await
}

#[tauri::command(rename_all = "snake_case")]
async fn vault_status(p: P<'_>) -> R<VaultStatus> {
    p.coffer()?.vault_status().await
}

#[tauri::command(rename_all = "snake_case")]
async fn reset_vault(p: P<'_>) -> R<VaultStatus> {
    p.coffer()?.reset_vault().await
}

/// Hands `coffer://` URLs (from argv at cold start, the OS, or a second instance) to the
/// pending login. A refused link is reported to the window, never trusted.
fn deliver_links(app: &tauri::AppHandle, links: Vec<String>) {
    let links: Vec<String> = links
        .into_iter()
        .filter(|l| l.starts_with(&format!("{}:", coffer_api::DEEP_LINK_SCHEME)))
        .collect();
    if links.is_empty() {
        return;
    }
    links.iter().for_each(|link| logging::deep_link(link));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(coffer) = app.state::<Profile>().coffer().ok() else {
            return;
        };
        for link in links {
            if let Err(e) = coffer.deliver_deep_link(&link).await {
                tracing::warn!("refused a coffer:// link: {}", e.message);
                let _ = app.emit("deep-link-refused", e);
            }
        }
    });
}

/// What a save dialog led to; `None` from the command means the user cancelled.
#[derive(Serialize)]
struct Saved {
    path: String,
    rows: u64,
}

/// Asks where to save (a native dialog, run by Rust so the webview never touches files).
async fn ask_path(app: &tauri::AppHandle, name: &str, kind: &str, ext: &str) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter(kind, &[ext])
        .set_file_name(name)
        .save_file(move |path| drop(tx.send(path.and_then(|p| p.into_path().ok()))));
    rx.await.ok().flatten()
}

#[tauri::command(rename_all = "snake_case")]
async fn export_csv_dialog(app: tauri::AppHandle, p: P<'_>, filter: Filter) -> R<Option<Saved>> {
    let coffer = p.coffer()?;
    let Some(path) = ask_path(&app, "coffer-transactions.csv", "CSV", "csv").await else {
        return Ok(None);
    };
    let rows = coffer.export_csv_to_file(&filter, &path).await?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        rows,
    }))
}

#[tauri::command(rename_all = "snake_case")]
async fn save_chart_dialog(
    app: tauri::AppHandle,
    p: P<'_>,
    request: ChartRequest,
    format: String,
) -> R<Option<Saved>> {
    let coffer = p.coffer()?;
    let ext = match format.as_str() {
        "svg" | "png" => format.as_str(),
        other => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("charts are saved as svg or png, not '{other}'"),
            ))
        }
    };
    let Some(path) = ask_path(
        &app,
        &format!("coffer-chart.{ext}"),
        &ext.to_uppercase(),
        ext,
    )
    .await
    else {
        return Ok(None);
    };
    coffer.save_chart(&request, &path).await?;
    Ok(Some(Saved {
        path: path.display().to_string(),
        rows: 0,
    }))
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
    logging::init();
    let profile = open_profile();
    if let Err(e) = &profile {
        tracing::error!(code = ?e.code, "cannot open the Coffer profile: {}", e.message);
    }
    let result = tauri::Builder::default()
        // First, so a second launch (e.g. the OS opening a coffer:// link) hands its argv to
        // this instance and exits. Its `deep-link` feature passes the link on to `on_open_url`
        // below; delivering it here as well would offer each link twice, and the second offer
        // is refused (a "no login is waiting" toast right after a successful login).
        .plugin(tauri_plugin_single_instance::init(|_app, _argv, _cwd| {}))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            use tauri_plugin_deep_link::DeepLinkExt;
            // Linux has no install-time registration for AppImage/dev builds. The .deb's desktop
            // entry registers the scheme itself; registering again from /usr/bin would make a
            // per-user handler the default (quoted Exec, which Debian 12's xdg-open cannot run,
            // and left behind when the package is removed).
            let packaged = std::env::current_exe().is_ok_and(|p| p.starts_with("/usr/bin"));
            if !packaged {
                if let Err(e) = app.deep_link().register_all() {
                    tracing::warn!("cannot register the coffer:// scheme: {e}");
                }
            }
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                deliver_links(
                    &handle,
                    event.urls().iter().map(|u| u.to_string()).collect(),
                );
            });
            if let Ok(Some(urls)) = app.deep_link().get_current() {
                deliver_links(app.handle(), urls.iter().map(|u| u.to_string()).collect());
            }
            Ok(())
        })
        .manage(Profile(profile))
        .invoke_handler(tauri::generate_handler![
            app_status,
            connect_demo,
            sync_all,
            accounts,
            transactions,
            transaction_page,
            report_flows,
            report_categories,
            report_vendors,
            report_accounts,
            report_balances,
            chart,
            vendors,
            vendor_rules,
            rename_vendor,
            merge_vendors,
            add_vendor_rule,
            delete_vendor_rule,
            categories,
            category_rules,
            add_category_rule,
            delete_category_rule,
            set_category,
            export_csv_dialog,
            save_chart_dialog,
            connections,
            sync_connection,
            providers,
            finsify_services,
            connect_begin,
            connect_finish,
            connect_cancel,
            disconnect,
            refresh_at_bank,
            settings,
            set_setting,
            vault_status,
            reset_vault
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("coffer: the window could not start: {e}");
        std::process::exit(1);
    }
}
