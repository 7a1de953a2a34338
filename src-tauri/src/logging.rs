//! Logs of the desktop app: readable lines on stderr, and JSON lines in a file that rotates
//! daily under `<data dir>/logs/` (only the owner may enter it; the last [`KEEP_FILES`] days are
//! kept), so a user can send the file along with a bug report.
//!
//! What may be logged: ids, hosts, counts, durations, error codes. Never a token, a secret, a
//! password, an account number, or the path or query of a link (one-time codes travel there).
//!
//! `COFFER_LOG` (an `EnvFilter` directive such as `debug` or `coffer_api=trace`) sets both
//! outputs; without it stderr shows warnings and the file also keeps Coffer's own info lines.

use std::fs::DirBuilder;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The folder inside the data directory that holds the log files.
pub const LOG_DIR: &str = "logs";
/// Files are named `coffer.YYYY-MM-DD.log`; `coffer.log` links to the current one.
const FILE_PREFIX: &str = "coffer";
const FILE_SUFFIX: &str = "log";
const LATEST_LINK: &str = "coffer.log";
/// Days of logs kept; older files are deleted when the log rotates.
pub const KEEP_FILES: usize = 7;

const STDERR_DEFAULT: &str = "warn";
const FILE_DEFAULT: &str = "warn,coffer_desktop=info,coffer_api=info,coffer_core=info,\
                            coffer_providers=info,coffer_login=info,coffer_vault=info";

/// Sets up logging once, at start-up. A log file that cannot be opened does not stop the app:
/// it logs to stderr only and says why.
pub fn init() {
    let file = data_dir().and_then(|dir| open_file(&dir.join(LOG_DIR)));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter(STDERR_DEFAULT));
    let (file_layer, file_problem) = match file {
        Ok(appender) => {
            let layer = tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_span_list(false)
                .with_ansi(false)
                .with_writer(appender)
                .with_filter(filter(FILE_DEFAULT));
            (Some(layer), None)
        }
        Err(problem) => (None, Some(problem)),
    };
    if tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init()
        .is_err()
    {
        return; // Already set up (a test harness, say): keep that one.
    }
    if let Some(problem) = file_problem {
        tracing::warn!("not logging to a file: {problem}");
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        pid = std::process::id(),
        "coffer-desktop starting"
    );
}

/// Notes a `coffer://` link that reached the app, by its scheme and host alone.
pub fn deep_link(link: &str) {
    match tauri::Url::parse(link) {
        Ok(url) => tracing::info!(
            scheme = url.scheme(),
            host = url.host_str().unwrap_or(""),
            "deep link received"
        ),
        Err(e) => tracing::info!(error = %e, "deep link received, not a valid URL"),
    }
}

fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_env("COFFER_LOG").unwrap_or_else(|_| EnvFilter::new(default))
}

/// The profile's folder, found the same way the app finds it (`COFFER_DATA_DIR`, else the OS
/// data directory).
fn data_dir() -> Result<PathBuf, String> {
    match std::env::var_os("COFFER_DATA_DIR") {
        Some(d) if !d.is_empty() => Ok(d.into()),
        _ => coffer_api::default_data_dir().map_err(|e| e.message),
    }
}

/// Creates `dir` (and any missing parent) as 0700, tightens it to 0700 if it already exists,
/// and opens the daily log there.
fn open_file(dir: &Path) -> Result<RollingFileAppender, String> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("cannot make {} private: {e}", dir.display()))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEEP_FILES)
        .latest_symlink(LATEST_LINK)
        .build(dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_dir_is_created_private_and_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("profile").join(LOG_DIR);
        open_file(&dir).unwrap();
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .ok()
        };
        assert_eq!(mode(&dir), Some(0o700));
        // A profile folder the app creates for the log is private too.
        assert_eq!(mode(&tmp.path().join("profile")), Some(0o700));

        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        open_file(&dir).unwrap();
        assert_eq!(mode(&dir), Some(0o700));
    }
}
