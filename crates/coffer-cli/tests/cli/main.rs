//! The `coffer` binary as a user runs it: exit codes, one-line errors, files left intact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bank;
mod faults;
mod hostile;
mod kill;
mod modes;
mod neighbours;

use std::path::Path;
use std::process::{Command, Output};

/// Every run reads this instant as "now", so no test depends on the day or the hour it runs.
const NOW: &str = "2026-06-15T10:00:00Z";

fn coffer(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coffer"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("COFFER_DATA_DIR")
        .env("COFFER_CLOCK", NOW)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = coffer(dir, args);
    assert!(
        out.status.success(),
        "coffer {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Asserts a failure with exactly one line on stderr that contains `needle`.
fn fails(dir: &Path, args: &[&str], code: i32, needle: &str) -> String {
    let out = coffer(dir, args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(code), "coffer {args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line, got: {stderr:?}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should mention {needle:?}"
    );
    assert!(out.stdout.is_empty(), "nothing on stdout when failing");
    stderr
}

fn demo(dir: &Path) {
    ok(dir, &["connect", "demo"]);
    ok(dir, &["sync"]);
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// What the user takes away from the profile in `dir` — `coffer export csv` and the balances of
/// `coffer accounts --json` — against the sandbox's own ledger and balances, never against
/// Coffer's API: a row lost, doubled or moved, or a balance off by a cent, fails here.
fn assert_shows_the_bank(
    dir: &Path,
    passphrase: &str,
    ledger: &[coffer_sandbox::OracleRow],
    accounts: &[coffer_sandbox::OracleAccount],
) {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_coffer"))
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env_remove("COFFER_DATA_DIR")
            .env("COFFER_PASSPHRASE", passphrase)
            .env("COFFER_CLOCK", NOW)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "coffer {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let csv_bytes = run(&["export", "csv"]);
    if let Some(difference) = coffer_sandbox::oracle::export_differences(&csv_bytes, ledger) {
        panic!("the export differs from the bank's ledger: {difference}");
    }
    let overview = json(&String::from_utf8(run(&["accounts", "--json"])).unwrap());
    let shown = overview["accounts"].as_array().unwrap().iter().map(|a| {
        let text = |k: &str| a[k].as_str().unwrap().to_string();
        (text("name"), text("currency"), text("balance"))
    });
    if let Some(difference) = coffer_sandbox::oracle::balance_differences(shown, accounts) {
        panic!("accounts and balances vs the bank's: {difference}");
    }
}

#[test]
fn connect_sync_and_sync_again_reports_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let report = json(&ok(dir.path(), &["sync", "--json"]));
    assert_eq!(report["inserted"], 0);
    assert_eq!(report["updated"], 0);
    assert!(report["unchanged"].as_u64().unwrap() > 0);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn accounts_and_transactions_as_json() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let accounts = json(&ok(dir.path(), &["accounts", "--json"]));
    let list = accounts["accounts"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let card = list.iter().find(|a| a["currency"] == "EUR").unwrap();
    let id = card["id"].as_i64().unwrap().to_string();
    let txs = json(&ok(
        dir.path(),
        &["transactions", "--account", &id, "--json"],
    ));
    let rows = txs["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r["currency"] == "EUR" && r["account_id"] == card["id"]));
}

#[test]
fn export_to_a_file_equals_export_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let args = [
        "export",
        "csv",
        "--from",
        "2025-01-01",
        "--direction",
        "debit",
        "--min",
        "500",
    ];
    let stdout = ok(dir.path(), &args);
    let file = dir.path().join("out.csv");
    let mut with_file = args.to_vec();
    with_file.extend(["-o", file.to_str().unwrap()]);
    ok(dir.path(), &with_file);
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, stdout);
    let mut reader = csv::Reader::from_reader(written.as_bytes());
    let rows: Vec<_> = reader.records().map(|r| r.unwrap()).collect();
    assert!(!rows.is_empty());
    for r in rows {
        assert!(&r[0] >= "2025-01-01");
        assert_eq!(&r[7], "debit");
        let minor = coffer_core::money::parse_minor(&r[5], 2).unwrap();
        assert!(minor.abs() >= 50_000, "row {r:?} is below --min");
    }
}

#[test]
fn malformed_arguments_get_one_line_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    fails(
        dir.path(),
        &["transactions", "--from", "27.03.2026"],
        2,
        "--from",
    );
    fails(
        dir.path(),
        &["transactions", "--min", "12,5,0"],
        2,
        "Min amount: '12,5,0' is not an amount",
    );
    fails(
        dir.path(),
        &["transactions", "--direction", "sideways"],
        2,
        "sideways",
    );
    fails(
        dir.path(),
        &["transactions", "--account", "99"],
        1,
        "no account with id 99",
    );
    fails(
        dir.path(),
        &["transactions", "--from", "2026-05-01", "--to", "2026-01-01"],
        1,
        "date range is empty",
    );
}

#[test]
fn a_failed_export_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let target = dir.path().join("out.csv");
    fails(
        dir.path(),
        &[
            "export",
            "csv",
            "--account",
            "77",
            "-o",
            target.to_str().unwrap(),
        ],
        1,
        "no account with id 77",
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("out.csv"))
        .collect();
    assert!(leftovers.is_empty(), "found {leftovers:?}");
}

#[test]
fn a_corrupt_database_is_reported_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("coffer.sqlite3");
    std::fs::write(
        &db,
        b"PK\x03\x04 definitely a zip file, not a database".repeat(100),
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    fails(dir.path(), &["accounts"], 1, "not a Coffer database");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_database_from_a_newer_coffer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let db = dir.path().join("coffer.sqlite3");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    fails(dir.path(), &["sync"], 1, "newer Coffer");
}

#[test]
fn a_locked_database_fails_the_sync_with_one_line_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let before = ok(dir.path(), &["transactions", "--json"]);
    let holder = rusqlite::Connection::open(dir.path().join("coffer.sqlite3")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    fails(dir.path(), &["sync"], 1, "locked by another process");
    // Readers still work in WAL mode while another process writes.
    assert_eq!(ok(dir.path(), &["transactions", "--json"]), before);
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(ok(dir.path(), &["transactions", "--json"]), before);
}

#[test]
fn an_unreadable_database_or_data_dir_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("coffer.sqlite3")).unwrap();
    fails(dir.path(), &["accounts"], 1, "cannot open the database");

    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    fails(&file, &["accounts"], 1, "is a file");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn reports_and_charts_refuse_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    fails(
        dir.path(),
        &["report", "category", "--category", "snacks"],
        1,
        "unknown category 'snacks'",
    );
    fails(
        dir.path(),
        &["report", "vendor", "--vendor", "Nobody Inc"],
        1,
        "no vendor named 'Nobody Inc'",
    );
    fails(
        dir.path(),
        &["transactions", "--min", "1e9"],
        2,
        "'1e9' is not an amount",
    );
    let nowhere = dir.path().join("missing/dir/chart.svg");
    fails(
        dir.path(),
        &["chart", "category", "-o", nowhere.to_str().unwrap()],
        1,
        "does not exist",
    );
    fails(
        dir.path(),
        &["chart", "balance", "-o", "chart.gif"],
        1,
        ".svg or .png",
    );
    fails(
        dir.path(),
        &["categories", "set", "1", "snacks"],
        2,
        "unknown category 'snacks'",
    );
    // An absurdly large bound is a valid, empty selection rather than an overflow.
    let out = ok(
        dir.path(),
        &["transactions", "--min", "99999999999999999999", "--json"],
    );
    assert_eq!(json(&out)["total"], 0);
}

#[test]
fn report_chart_and_vendor_commands_work_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let months = json(&ok(dir.path(), &["report", "month", "--json"]));
    assert_eq!(months.as_array().unwrap().len(), 2, "NOK and EUR");
    let png = dir.path().join("flows.png");
    ok(
        dir.path(),
        &[
            "chart",
            "debit-credit",
            "--theme",
            "dark",
            "-o",
            png.to_str().unwrap(),
        ],
    );
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    // An SVG file in Norwegian month names, with the year in full.
    let svg = dir.path().join("flows.svg");
    ok(
        dir.path(),
        &[
            "chart",
            "balance",
            "--locale",
            "nb-NO",
            "-o",
            svg.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        ["jan.", "apr.", "jul.", "okt."]
            .iter()
            .any(|m| text.contains(&format!(">\n{m} 20"))),
        "{text}"
    );
    // Amount bounds in either decimal convention select the same rows.
    let comma = json(&ok(
        dir.path(),
        &["transactions", "--min", "99,50", "--json"],
    ));
    let point = json(&ok(
        dir.path(),
        &["transactions", "--min", "99.50", "--json"],
    ));
    assert!(comma["total"].as_i64().unwrap() > 0);
    assert_eq!(comma["total"], point["total"]);
    ok(dir.path(), &["vendors", "rename", "Kiwi", "Kiwi Minipris"]);
    let vendors = json(&ok(dir.path(), &["vendors", "--json"]));
    assert!(vendors
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["name"] == "Kiwi Minipris"));
    let rows = json(&ok(
        dir.path(),
        &["transactions", "--vendor", "Kiwi Minipris", "--json"],
    ));
    assert!(rows["total"].as_i64().unwrap() > 10);
}

/// `coffer connect sparebank1 --no-browser`: the secret arrives on stdin (never argv), the URL is
/// printed, and the command finishes when the "browser" comes back to the loopback listener.
#[test]
fn connect_with_no_browser_prints_the_url_and_waits_for_the_redirect() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(coffer_sandbox::sparebank1::Sparebank1Sandbox::start(
            coffer_sandbox::sparebank1::Sparebank1Config {
                clock: coffer_sandbox::SandboxClock::fixed(NOW.parse().unwrap()),
                ..coffer_sandbox::sparebank1::Sparebank1Config::default()
            },
            0,
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for key in ["sparebank1.api_url", "sparebank1.auth_url"] {
        ok(dir.path(), &["settings", "set", key, &sandbox.base_url()]);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sandbox.register_redirect_uri(&format!("http://127.0.0.1:{port}/callback/sparebank1"));
    let args = [
        "connect",
        "sparebank1",
        "--no-browser",
        "--client-id",
        "sandbox-client",
        "--port",
        &port.to_string(),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .env("COFFER_PASSPHRASE", "cli tangerine ferry quilt")
        .env("COFFER_CLOCK", NOW)
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
    assert!(url.contains("/oauth/authorize?"), "{url}");
    assert!(!args.iter().any(|a| a.contains("sandbox-secret")));
    runtime.block_on(async {
        let location = coffer_sandbox::sparebank1::approve_in_browser(&url, true)
            .await
            .unwrap();
        assert_eq!(reqwest::get(&location).await.unwrap().status(), 200);
    });
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(
        rest.contains("Connected SpareBank 1 (connection 1)"),
        "{rest}"
    );
    let synced = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["sync", "--json"])
        .env("COFFER_PASSPHRASE", "cli tangerine ferry quilt")
        .env("COFFER_CLOCK", NOW)
        .output()
        .unwrap();
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&synced.stdout).unwrap();
    assert_eq!(report["inserted"], sandbox.oracle_ledger().len());
    assert_shows_the_bank(
        dir.path(),
        "cli tangerine ferry quilt",
        &sandbox.oracle_ledger(),
        &sandbox.oracle_accounts(),
    );
}

#[test]
fn connect_refuses_an_empty_secret_and_unknown_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["connect", "sparebank1", "--client-id", "x", "--no-browser"])
        .env("COFFER_PASSPHRASE", "plum radish tundra oboe")
        .env("COFFER_CLOCK", NOW)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no SpareBank 1 client secret given"));
    fails(
        dir.path(),
        &["settings", "set", "nope", "x"],
        1,
        "unknown setting 'nope'",
    );
    fails(
        dir.path(),
        &[
            "settings",
            "set",
            "sparebank1.api_url",
            "http://example.com",
        ],
        1,
        "must be an https:// URL",
    );
}

/// `coffer connect fibank --username U --yes`: the password is the first line of standard input
/// (never an argument), the storage warning must be confirmed, and the password appears in no
/// output.
#[test]
fn connect_fibank_reads_the_password_from_stdin_and_wants_the_warning_confirmed() {
    use std::io::Write;
    use std::process::Stdio;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(coffer_sandbox::fibank::FibankSandbox::start(
            coffer_sandbox::fibank::FibankConfig {
                clock: coffer_sandbox::SandboxClock::fixed(NOW.parse().unwrap()),
                ..coffer_sandbox::fibank::FibankConfig::default()
            },
            0,
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &["settings", "set", "fibank.base_url", &sandbox.base_url()],
    );
    let (username, password) = sandbox.credentials();
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coffer"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env("COFFER_PASSPHRASE", "cli tangerine ferry quilt")
            .env("COFFER_CLOCK", NOW)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let line = format!("{password}\n");

    // Without --yes and without a terminal, nothing is asked and nothing is stored.
    let out = run(&["connect", "fibank", "--username", &username], &line);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(sandbox.stats().login_attempts, 0);

    let out = run(
        &["connect", "fibank", "--username", &username, "--yes"],
        &line,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Connected Fibank (connection 1)"),
        "{stdout}"
    );
    assert!(stderr.contains("vault"), "the warning is shown: {stderr}");
    let out = run(&["sync", "--json"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["inserted"], sandbox.oracle_ledger().len());
    assert_shows_the_bank(
        dir.path(),
        "cli tangerine ferry quilt",
        &sandbox.oracle_ledger(),
        &sandbox.oracle_accounts(),
    );
    for text in [stdout.as_ref(), stderr.as_ref()] {
        assert!(!text.contains(&password));
    }
}

#[test]
fn accounts_can_be_renamed_and_hidden_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    ok(dir.path(), &["accounts", "rename", "2", "Holiday fund"]);
    ok(dir.path(), &["accounts", "hide", "3"]);
    let overview = json(&ok(dir.path(), &["accounts", "--json"]));
    let accounts = overview["accounts"].as_array().unwrap();
    assert_eq!(accounts[1]["name"], "Holiday fund");
    assert_eq!(accounts[1]["renamed"], true);
    assert_eq!(accounts[2]["hidden"], true);
    let currencies: Vec<&str> = overview["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["currency"].as_str().unwrap())
        .collect();
    assert_eq!(currencies, ["NOK"], "the hidden EUR card leaves the totals");
    ok(dir.path(), &["accounts", "show", "3"]);
    ok(dir.path(), &["accounts", "rename", "2", ""]);
    let overview = json(&ok(dir.path(), &["accounts", "--json"]));
    assert_eq!(overview["accounts"][1]["renamed"], false);
    assert_eq!(overview["totals"].as_array().unwrap().len(), 2);
    fails(dir.path(), &["accounts", "hide", "99"], 1, "99");
}

#[test]
fn transfers_are_listed_paired_by_hand_and_unpaired_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let pairs = || json(&ok(dir.path(), &["transfers", "list", "--json"]));
    let before = pairs().as_array().unwrap().clone();
    assert!(!before.is_empty(), "the Demo Bank moves money to savings");
    for p in &before {
        assert!(
            p["amount"].as_str().unwrap().starts_with('-'),
            "listed from the money-out side"
        );
        assert!(p["transfer"]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("paired with "));
    }
    let text = ok(dir.path(), &["transfers"]);
    assert!(
        text.ends_with(&format!("{} transfer pairs\n", before.len())),
        "{text}"
    );

    // Unpair one: it leaves the list, and unpairing it again says why not.
    let out_id = before[0]["id"].as_i64().unwrap();
    let in_id = before[0]["transfer"]["partner_id"].as_i64().unwrap();
    let (out_s, in_s) = (out_id.to_string(), in_id.to_string());
    ok(dir.path(), &["transfers", "unpair", &out_s]);
    assert_eq!(pairs().as_array().unwrap().len(), before.len() - 1);
    fails(
        dir.path(),
        &["transfers", "unpair", &out_s],
        1,
        "not paired",
    );

    // Pair it again by hand, the other way round: explained as the user's, kept across syncs.
    let said = ok(dir.path(), &["transfers", "pair", &in_s, &out_s]);
    assert!(said.contains("paired by you"), "{said}");
    ok(dir.path(), &["sync"]);
    let after = pairs();
    let mine = after
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == out_id)
        .expect("the hand pair survives a sync");
    assert_eq!(mine["transfer"]["partner_id"], in_id);
    assert_eq!(mine["transfer"]["by_user"], true);
    assert_eq!(mine["transfer"]["reason"], "paired by you");
    assert_eq!(after.as_array().unwrap().len(), before.len());

    // Clear refusals, one line each.
    let rows = json(&ok(
        dir.path(),
        &["transactions", "--transfers", "exclude", "--json"],
    ));
    let rows = rows["rows"].as_array().unwrap();
    let pick = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        rows.iter().find(|r| pred(r)).unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let out_account = before[0]["account_id"].clone();
    let debit_here = pick(&|r| r["account_id"] == out_account && r["direction"] == "debit");
    let debit_elsewhere = pick(&|r| r["account_id"] != out_account && r["direction"] == "debit");
    let credit_elsewhere = pick(&|r| r["account_id"] != out_account && r["direction"] == "credit");
    fails(
        dir.path(),
        &["transfers", "pair", "999999", &out_s],
        1,
        "no transaction with id 999999",
    );
    fails(
        dir.path(),
        &["transfers", "pair", &out_s, &debit_here],
        1,
        "same account",
    );
    fails(
        dir.path(),
        &["transfers", "pair", &debit_here, &debit_elsewhere],
        1,
        "same way",
    );
    fails(
        dir.path(),
        &["transfers", "pair", &out_s, &credit_elsewhere],
        1,
        "already in a pair you made",
    );
    fails(
        dir.path(),
        &["transfers", "pair", &out_s, &out_s],
        1,
        "with itself",
    );
    fails(
        dir.path(),
        &["transfers", "pair", &out_s, "abc"],
        2,
        "'abc'",
    );
}
