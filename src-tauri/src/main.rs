//! The Coffer desktop shell. It opens the window and forwards each command to `coffer-api` in
//! one line; all behaviour lives in the API layer.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::sync::Arc;

use coffer_api::views::{AccountsOverview, AppStatus, ConnectionView, TransactionList};
use coffer_api::{ApiError, Coffer, ErrorCode, TransactionPage, TransactionQuery};
use coffer_core::category::Category;
use coffer_core::model::TransactionId;
use coffer_core::report::{
    AccountTotal, BalanceReport, CategoryReport, ChartRequest, ChartView, FlowReport, PeriodKind,
    VendorReport,
};
use coffer_core::rules::{CategoryRuleView, RuleMatch, VendorRuleView, VendorView};
use coffer_core::sync::{SyncEvent, SyncSummary};
use coffer_core::Filter;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
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
        .plugin(tauri_plugin_dialog::init())
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
            save_chart_dialog
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("coffer: the window could not start: {e}");
        std::process::exit(1);
    }
}
