//! A SpareBank 1 sandbox connected through the real `coffer connect --no-browser`, and the
//! checks the trust tests share: the store is sound (`coffer check`, no open `sync_run`) and the
//! export equals the bank's own ledger.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use coffer_core::money::{Currency, Money};
use coffer_sandbox::sparebank1::{Sparebank1Config, Sparebank1Sandbox};
use coffer_sandbox::SandboxClock;

use crate::NOW;

pub const PASSPHRASE: &str = "cli tangerine ferry quilt";

/// `coffer --data-dir DIR ARGS` as a user with a passphrase runs it (no keychain involved).
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coffer"));
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("COFFER_DATA_DIR")
        .env("COFFER_PASSPHRASE", PASSPHRASE)
        .env("COFFER_CLOCK", NOW);
    c
}

/// Runs `coffer ARGS` and returns its stdout, failing the test with its stderr otherwise.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = command(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "coffer {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One transaction as both the bank's oracle and Coffer's export can say it: day, account name,
/// amount in minor units, currency, description, status.
pub type Row = (String, String, i64, String, String, String);

pub struct Bank {
    pub runtime: tokio::runtime::Runtime,
    pub sandbox: Sparebank1Sandbox,
}

impl Bank {
    /// The default seeded bank (three accounts, three years of heavy card use), on a fixed
    /// clock, without the hourly call budget: the trust tests sync the same history many times.
    pub fn start() -> Bank {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sandbox = runtime
            .block_on(Sparebank1Sandbox::start(
                Sparebank1Config {
                    clock: SandboxClock::fixed(NOW.parse().unwrap()),
                    call_budget: None,
                    ..Sparebank1Config::default()
                },
                0,
            ))
            .unwrap();
        Bank { runtime, sandbox }
    }

    /// Points `dir`'s settings at the sandbox and logs in through the loopback listener, the
    /// "browser" being the sandbox's scripted user.
    pub fn connect(&self, dir: &Path) {
        for key in ["sparebank1.api_url", "sparebank1.auth_url"] {
            ok(dir, &["settings", "set", key, &self.sandbox.base_url()]);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        self.sandbox
            .register_redirect_uri(&format!("http://127.0.0.1:{port}/callback/sparebank1"));
        let mut child = command(
            dir,
            &[
                "connect",
                "sparebank1",
                "--no-browser",
                "--client-id",
                "sandbox-client",
                "--port",
                &port,
            ],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"sandbox-secret\n")
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let url = loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "no URL printed");
            if let Some(u) = line.trim().strip_prefix("http") {
                break format!("http{u}");
            }
        };
        self.runtime.block_on(async {
            let location = coffer_sandbox::sparebank1::approve_in_browser(&url, true)
                .await
                .unwrap();
            assert_eq!(reqwest::get(&location).await.unwrap().status(), 200);
        });
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// What the bank holds, sorted.
    pub fn oracle_rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = self
            .sandbox
            .oracle_ledger()
            .into_iter()
            .map(|r| {
                let c: Currency = r.currency.parse().unwrap();
                (
                    r.date.to_string(),
                    r.account_name,
                    Money::parse(&r.amount, c).unwrap().minor,
                    r.currency,
                    r.description,
                    r.status,
                )
            })
            .collect();
        rows.sort();
        rows
    }
}

/// `coffer export csv` read back with the `csv` crate, sorted.
pub fn exported_rows(dir: &Path) -> Vec<Row> {
    let csv = ok(dir, &["export", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (date, account, amount, currency, description, status) = (
        col("date"),
        col("account"),
        col("amount"),
        col("currency"),
        col("description"),
        col("status"),
    );
    let mut rows: Vec<Row> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let c: Currency = r[currency].parse().unwrap();
            (
                r[date].to_string(),
                r[account].to_string(),
                Money::parse(&r[amount], c).unwrap().minor,
                r[currency].to_string(),
                // A description that looks like a formula is exported with a leading `'`.
                r[description]
                    .strip_prefix('\'')
                    .unwrap_or(&r[description])
                    .to_string(),
                r[status].to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Asserts the store is sound as a fresh process finds it: `coffer check` (integrity, foreign
/// keys, every balance = opening + its rows) passes, and that open left no `sync_run` open.
pub fn assert_sound(dir: &Path, context: &str) {
    let out = command(dir, &["check", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{context}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["ok"], true, "{context}: {report}");
    assert_eq!(report["integrity"], serde_json::json!(["ok"]), "{context}");
    assert!(out.status.success(), "{context}: {report}");
    let db = rusqlite::Connection::open(dir.join("coffer.sqlite3")).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "{context}");
    let open: i64 = db
        .query_row(
            "SELECT count(*) FROM sync_run WHERE finished_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        open, 0,
        "{context}: a sync_run is still open after a reopen"
    );
}

/// A copy of a data directory whose Coffer has exited (its files, not a live database).
pub fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
