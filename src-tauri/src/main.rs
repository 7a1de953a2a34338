//! The Coffer desktop shell. It opens the window and forwards each command to `coffer-api` in
//! one line; all behaviour lives in the API layer.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
// The command table is expanded one operation per step (see `desktop_commands!`).
#![recursion_limit = "256"]

mod logging;

use std::path::PathBuf;
use std::sync::Arc;

use coffer_api::sync::SyncEvent;
use coffer_api::views::SavedFile;
use coffer_api::{ApiError, Coffer, ErrorCode, Filter};
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

/// One `#[tauri::command]` per operation of `coffer_api::ops`, each a call into `coffer-api`,
/// and the invoke handler that lists them with the two the shell implements itself.
macro_rules! desktop_commands {
    (@next [$($done:ident)*]
        $access:ident $name:ident ( $( $(#[$meta:meta])* $arg:ident : $ty:ty ),* $(,)? )
        $( [ $events:ident ] )? -> $ret:ty = $c:ident => $body:expr ; $($rest:tt)*) => {
        #[tauri::command(rename_all = "snake_case")]
        async fn $name(p: P<'_>, $( $arg: $ty, )* $( $events: Channel<SyncEvent> )?) -> R<$ret> {
            let coffer = p.coffer()?;
            let $c: &Coffer = &coffer;
            $( let $events = move |e: SyncEvent| drop($events.send(e)); )?
            $body
        }
        desktop_commands!(@next [$($done)* $name] $($rest)*);
    };
    (@next [$($done:ident)*]
        $access:ident $name:ident ( $($args:tt)* ) $( [ $events:ident ] )? -> $ret:ty ; $($rest:tt)*) => {
        desktop_commands!(@next [$($done)*] $($rest)*);
    };
    (@next [$($done:ident)*]) => {
        fn invoke_handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($done,)* export_csv_dialog, save_chart_dialog]
        }
    };
    ($($table:tt)*) => {
        desktop_commands!(@next [] $($table)*);
    };
}

coffer_api::with_operations!(desktop_commands);

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
async fn export_csv_dialog(
    app: tauri::AppHandle,
    p: P<'_>,
    filter: Filter,
) -> R<Option<SavedFile>> {
    let coffer = p.coffer()?;
    let Some(path) = ask_path(&app, "coffer-transactions.csv", "CSV", "csv").await else {
        return Ok(None);
    };
    let rows = coffer.export_csv_to_file(&filter, &path).await?;
    Ok(Some(SavedFile {
        path: path.display().to_string(),
        rows,
    }))
}

#[tauri::command(rename_all = "snake_case")]
async fn save_chart_dialog(
    app: tauri::AppHandle,
    p: P<'_>,
    request: coffer_api::report::ChartRequest,
    format: String,
) -> R<Option<SavedFile>> {
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
    Ok(Some(SavedFile {
        path: path.display().to_string(),
        rows: 0,
    }))
}

/// Keeps the data fresh while the window is open: every connection at start, then each one
/// when it is due (`app.sync_every_hours`, checked again at least every quarter of an hour so a
/// changed setting takes effect). The rules are `coffer-api`'s; this only waits and tells:
/// progress goes to the window as `sync-event`s, new data as `data-changed`, and what needs the
/// user as one desktop notification per event.
async fn keep_fresh(app: tauri::AppHandle, coffer: Arc<Coffer>) {
    const RECHECK: std::time::Duration = std::time::Duration::from_secs(15 * 60);
    let mut at_start = true;
    loop {
        let handle = app.clone();
        match coffer
            .sync_scheduled(at_start, move |e| drop(handle.emit("sync-event", e)))
            .await
        {
            Ok(summaries) if !summaries.is_empty() => drop(app.emit("data-changed", ())),
            Ok(_) => {}
            Err(e) => tracing::warn!("scheduled sync failed: {}", e.message),
        }
        at_start = false;
        match coffer.new_notices().await {
            Ok(notices) => notices.iter().for_each(|n| notify(&app, n)),
            Err(e) => tracing::warn!("cannot read notices: {}", e.message),
        }
        let wait = match coffer.next_scheduled_sync().await {
            Ok(Some(at)) => (at - chrono::Utc::now())
                .to_std()
                .unwrap_or_default()
                .clamp(std::time::Duration::from_secs(60), RECHECK),
            _ => RECHECK,
        };
        tokio::time::sleep(wait).await;
    }
}

/// One desktop notification; a desktop without a notification service only logs it.
fn notify(app: &tauri::AppHandle, notice: &coffer_api::views::Notice) {
    use tauri_plugin_notification::NotificationExt;
    tracing::info!(
        kind = notice.kind.as_str(),
        connection = notice.connection_id,
        "notice"
    );
    if let Err(e) = app
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
    {
        tracing::warn!("cannot show a notification: {e}");
    }
}

fn open_profile() -> Result<Arc<Coffer>, ApiError> {
    let dir = match std::env::var_os("COFFER_DATA_DIR") {
        Some(d) if !d.is_empty() => d.into(),
        _ => coffer_api::default_data_dir()?,
    };
    let coffer = Coffer::open(&dir)?;
    // `--explore` (used by the README's run command) opens straight onto the built-in bank's
    // sample data the first time.
    if std::env::args().any(|a| a == "--explore") {
        tauri::async_runtime::block_on(async {
            if coffer.app_status().await?.accounts == 0 {
                coffer.connect_builtin().await?;
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
        .plugin(tauri_plugin_notification::init())
        // Size, position and maximised state, restored at the next start.
        .plugin(tauri_plugin_window_state::Builder::default().build())
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
            // The user is in the browser when a login finishes: bring Coffer back in front to
            // show the new bank syncing.
            if let Ok(coffer) = app.state::<Profile>().coffer() {
                let mut events = coffer.subscribe();
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    use tokio::sync::broadcast::error::RecvError;
                    loop {
                        match events.recv().await {
                            Ok(coffer_api::AppEvent::LoginFinished { .. }) => {
                                if let Some(window) = handle.get_webview_window("main") {
                                    let _ = window.unminimize();
                                    let _ = window.set_focus();
                                }
                            }
                            Err(RecvError::Lagged(_)) => continue,
                            Err(RecvError::Closed) => break,
                        }
                    }
                });
            }
            if let Ok(coffer) = app.state::<Profile>().coffer() {
                tauri::async_runtime::spawn(keep_fresh(app.handle().clone(), coffer));
            }
            if let Ok(Some(urls)) = app.deep_link().get_current() {
                deliver_links(app.handle(), urls.iter().map(|u| u.to_string()).collect());
            }
            Ok(())
        })
        .manage(Profile(profile))
        .invoke_handler(invoke_handler())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("coffer: the window could not start: {e}");
        std::process::exit(1);
    }
}
