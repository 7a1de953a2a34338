//! A hostile bank among honest ones: one profile with SpareBank 1, Finsify, Finqware and Fibank
//! connected through the real `coffer connect`, each sandbox in turn made hostile (a stall, a
//! 100 MB body, an endless body, an HTML page inside a 200, a date in year 10000, an amount near
//! `i64::MAX`). Each time `coffer sync` (every connection) refuses the hostile bank with a message
//! naming it and what was wrong, within its answer timeout and with bounded memory; stores
//! nothing from it; and the others still sync (their sandboxes were asked) and hold exactly their
//! sandbox's ledger. In CI two banks are hostile per sync (see [`rounds`]); the measuring run
//! takes one at a time.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use coffer_core::money::{Currency, Money};
use coffer_sandbox::fibank::{FibankConfig, FibankFault, FibankSandbox};
use coffer_sandbox::finqware::{FinqwareConfig, FinqwareFault, FinqwareSandbox};
use coffer_sandbox::finsify::{FinsifyConfig, FinsifyFault, FinsifySandbox};
use coffer_sandbox::sparebank1::Sparebank1Fault;
use coffer_sandbox::{OracleRow, SandboxClock};

use crate::bank::{assert_sound, command, ok, Bank, Row};
use crate::hostile::measured_sync_with;
use crate::NOW;

/// The answer timeout of the hostile syncs (`COFFER_HTTP_TIMEOUT_SECS`): a stall costs a few
/// of these (the connectors retry a failed call), so it is kept at one second for CI.
const TIMEOUT_SECS: u64 = 1;

/// The Finqware skill connected (Banca Transilvania's sandbox).
const SKILL: &str = "bt_ro_aisp_sbx_#2.0";

struct Profile {
    dir: tempfile::TempDir,
    sb1: Bank,
    finsify: FinsifySandbox,
    finqware: FinqwareSandbox,
    fibank: FibankSandbox,
}

/// Plays the user at the bank with the login URL; the redirect to follow, if the "browser" did
/// not follow it itself.
type Approve<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Runs `coffer connect ARGS` with `stdin` as its standard input; when `approve` is given, reads
/// the login URL the command prints and plays the user at the bank with it, then follows the
/// redirect it returns to Coffer's listener (unless the "browser" already followed it: `None`).
fn connect(p: &Profile, args: &[&str], stdin: &str, approve: Option<&Approve>) {
    let mut child = command(p.dir.path(), args)
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
    if let Some(approve) = approve {
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let url = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).unwrap() == 0 {
                let out = child.wait_with_output().unwrap();
                panic!(
                    "coffer {args:?} printed no URL: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            if let Some(u) = line.trim().strip_prefix("http") {
                break format!("http{u}");
            }
        };
        let Some(back) = approve(&url) else {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "coffer {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return;
        };
        assert!(back.starts_with("http://127.0.0.1"), "{back}");
        let answered = p
            .sb1
            .runtime
            .block_on(async { reqwest::get(&back).await.map(|r| r.status()) });
        if !matches!(answered, Ok(reqwest::StatusCode::OK)) {
            let out = child.wait_with_output().unwrap();
            panic!(
                "coffer {args:?}: the redirect got {answered:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "coffer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Profile {
    fn start() -> Profile {
        let sb1 = Bank::start();
        let clock = || SandboxClock::fixed(NOW.parse().unwrap());
        let (finsify, finqware, fibank) = sb1.runtime.block_on(async {
            (
                FinsifySandbox::start(
                    FinsifyConfig {
                        clock: clock(),
                        ..FinsifyConfig::default()
                    },
                    0,
                )
                .await
                .unwrap(),
                FinqwareSandbox::start(
                    FinqwareConfig {
                        clock: clock(),
                        ..FinqwareConfig::default()
                    },
                    0,
                )
                .await
                .unwrap(),
                FibankSandbox::start(
                    FibankConfig {
                        clock: clock(),
                        ..FibankConfig::default()
                    },
                    0,
                )
                .await
                .unwrap(),
            )
        });
        let p = Profile {
            dir: tempfile::tempdir().unwrap(),
            sb1,
            finsify,
            finqware,
            fibank,
        };
        let dir = p.dir.path();
        p.sb1.connect(dir);
        for (key, value) in [
            ("finsify.api_url", p.finsify.base_url()),
            ("finsify.catalogue_url", p.finsify.service_catalogue_url()),
            ("finqware.api_url", p.finqware.base_url()),
            ("fibank.base_url", p.fibank.base_url()),
            // The sandbox keeps no call budget here, and two dozen syncs in one pinned hour
            // would spend Coffer's own 60 calls.
            ("sparebank1.calls_per_hour", "0".to_owned()),
        ] {
            ok(dir, &["settings", "set", key, &value]);
        }
        let rt = &p.sb1.runtime;
        connect(
            &p,
            &[
                "connect",
                "finsify",
                "--no-browser",
                "--client-id",
                "sandbox-client-id",
                "--service",
                "8",
            ],
            "sandbox-service-secret\n",
            Some(&|url: &str| {
                Some(
                    rt.block_on(coffer_sandbox::finsify::approve_in_browser(url, true))
                        .unwrap(),
                )
            }),
        );
        connect(
            &p,
            &[
                "connect",
                "finqware",
                "--no-browser",
                "--client-id",
                "sandbox-client-id",
                "--skill",
                SKILL,
            ],
            "sandbox-client-secret\nsandbox-client-app-key\n",
            Some(&|url: &str| {
                // This "browser" follows the redirect to Coffer's listener itself.
                let back = rt
                    .block_on(coffer_sandbox::finqware::approve_in_browser(url, true))
                    .unwrap();
                assert!(back.contains("temp_token="), "{back}");
                None
            }),
        );
        let (username, password) = p.fibank.credentials();
        connect(
            &p,
            &["connect", "fibank", "--username", &username, "--yes"],
            &format!("{password}\n"),
            None,
        );
        p
    }

    /// What each bank holds, by provider id, as the export says it; Finqware's from the first
    /// day its cache still serves (older rows left the cache; the oracle keeps them).
    fn oracle(&self) -> BTreeMap<&'static str, Vec<Row>> {
        let mut out = BTreeMap::new();
        out.insert("sparebank1", self.sb1.oracle_rows());
        out.insert("finsify", rows_of(self.finsify.oracle_ledger()));
        out.insert("fibank", rows_of(self.fibank.oracle_ledger()));
        let first = self.finqware_first_day();
        let url = format!(
            "{}/_sandbox/oracle/ledger?skill={}",
            self.finqware.origin(),
            SKILL.replace('#', "%23")
        );
        let ledger: Vec<OracleRow> = self
            .sb1
            .runtime
            .block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() });
        out.insert(
            "finqware",
            rows_of(ledger)
                .into_iter()
                .filter(|r| r.0 >= first)
                .collect(),
        );
        out
    }

    /// A day safely inside Finqware's cache window, whatever the zone (two days after its start).
    fn finqware_first_day(&self) -> String {
        (self.finqware.retention_start().date_naive() + chrono::Days::new(2)).to_string()
    }

    /// `coffer export csv`, by provider id (Finqware's cut as in [`Profile::oracle`]).
    fn stored(&self) -> BTreeMap<String, Vec<Row>> {
        let csv = ok(self.dir.path(), &["export", "csv"]);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let cols = [
            "provider",
            "date",
            "account",
            "amount",
            "currency",
            "description",
            "status",
        ]
        .map(col);
        let first = self.finqware_first_day();
        let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
        for r in reader.records() {
            let r = r.unwrap();
            let f = |i: usize| r[cols[i]].to_string();
            let c: Currency = f(4).parse().unwrap();
            let row = (
                f(1),
                f(2),
                Money::parse(&f(3), c).unwrap().minor,
                f(4),
                // A description that looks like a formula is exported with a leading `'`.
                f(5).strip_prefix('\'').map_or(f(5), str::to_owned),
                f(6),
            );
            if f(0) == "finqware" && row.0 < first {
                continue;
            }
            out.entry(f(0)).or_default().push(row);
        }
        for rows in out.values_mut() {
            rows.sort();
        }
        out
    }

    fn clear_faults(&self) {
        self.sb1.sandbox.clear_faults();
        self.finsify.clear_faults();
        self.finqware.clear_faults();
        self.fibank.clear_faults();
    }

    fn clear_requests(&self) {
        self.sb1.sandbox.clear_requests();
        self.finsify.clear_requests();
        self.finqware.clear_requests();
        self.fibank.clear_requests();
    }

    /// How many requests each bank's sandbox received since [`Profile::clear_requests`].
    fn asked(&self) -> BTreeMap<&'static str, usize> {
        BTreeMap::from([
            ("sparebank1", self.sb1.sandbox.requests().len()),
            ("finsify", self.finsify.requests().len()),
            ("finqware", self.finqware.requests().len()),
            ("fibank", self.fibank.requests().len()),
        ])
    }
}

fn rows_of(ledger: Vec<OracleRow>) -> Vec<Row> {
    let mut rows: Vec<Row> = ledger
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

/// Switches one hostile behaviour on in a profile's sandbox.
type Inject = Box<dyn Fn(&Profile)>;

/// One hostile case: which bank, its name in messages, the fault, and what the message says.
struct Case {
    provider: &'static str,
    shown: &'static str,
    name: &'static str,
    inject: Inject,
    needle: &'static str,
}

const HUNDRED_MB: u64 = 100 * 1024 * 1024;
/// Every call of the sync: the fault is cleared after it.
const ALL: u32 = 10_000;

/// The hostile behaviours every sandbox can put on, named once; each bank's fault enum spells
/// them its own way (`fault_for`).
#[derive(Clone, Copy)]
enum Hostile {
    Stall,
    HugeBody,
    EndlessBody,
    HtmlPage,
    FarFutureDate,
    HugeAmount,
}

/// Each behaviour with its name in the test's table and what the refusal must say.
const HOSTILE: [(Hostile, &str, &str); 6] = [
    (Hostile::Stall, "stall", "did not answer in time"),
    (Hostile::HugeBody, "100 MB body", "larger than"),
    (Hostile::EndlessBody, "endless body", "larger than"),
    (Hostile::HtmlPage, "HTML page in a 200", "page"),
    (Hostile::FarFutureDate, "year 10000", "date"),
    (Hostile::HugeAmount, "amount near i64::MAX", "amount"),
];

/// One bank's spelling of the hostile behaviours, as a function that switches one on in a
/// profile; `None` where its sandbox does not model it.
fn fault_for(provider: &str, hostile: Hostile) -> Option<Inject> {
    use Hostile::*;
    let (requests, secs, bytes) = (ALL, 600, HUNDRED_MB);
    Some(match provider {
        // SpareBank 1: its sandbox has no HTML-in-200 on the data calls (its errors are JSON).
        "sparebank1" => {
            let f = match hostile {
                Stall => Sparebank1Fault::Stall { requests, secs },
                HugeBody => Sparebank1Fault::HugeBody { requests, bytes },
                EndlessBody => Sparebank1Fault::EndlessBody { requests },
                HtmlPage => return None,
                FarFutureDate => Sparebank1Fault::FarFutureDate { requests },
                HugeAmount => Sparebank1Fault::HugeAmount { requests },
            };
            Box::new(move |p: &Profile| p.sb1.sandbox.inject(f.clone()))
        }
        "finsify" => {
            let f = match hostile {
                Stall => FinsifyFault::Stall { requests, secs },
                HugeBody => FinsifyFault::HugeBody { requests, bytes },
                EndlessBody => FinsifyFault::EndlessBody { requests },
                HtmlPage => FinsifyFault::HtmlInOk { requests },
                FarFutureDate => FinsifyFault::FarFutureDate { requests },
                HugeAmount => FinsifyFault::HugeAmount { requests },
            };
            Box::new(move |p: &Profile| p.finsify.inject(f.clone()))
        }
        // Finqware's gateway page comes with the status it is given: 200 here.
        "finqware" => {
            let f = match hostile {
                Stall => FinqwareFault::Stall { requests, secs },
                HugeBody => FinqwareFault::HugeBody { requests, bytes },
                EndlessBody => FinqwareFault::EndlessBody { requests },
                HtmlPage => FinqwareFault::HtmlErrorPage {
                    requests,
                    status: 200,
                },
                FarFutureDate => FinqwareFault::FarFutureDate { requests },
                HugeAmount => FinqwareFault::HugeAmount { requests },
            };
            Box::new(move |p: &Profile| p.finqware.inject(f.clone()))
        }
        "fibank" => {
            let f = match hostile {
                Stall => FibankFault::Stall { requests, secs },
                HugeBody => FibankFault::HugeBody { requests, bytes },
                EndlessBody => FibankFault::EndlessBody { requests },
                HtmlPage => FibankFault::HtmlInOk { requests },
                FarFutureDate => FibankFault::FarFutureDate { requests },
                HugeAmount => FibankFault::HugeAmount { requests },
            };
            Box::new(move |p: &Profile| p.fibank.inject(f.clone()))
        }
        // A misspelt bank in `cases` must not quietly drop its cases.
        other => panic!("no hostile faults known for {other}"),
    })
}

fn cases() -> Vec<Case> {
    let banks = [
        ("sparebank1", "SpareBank 1"),
        ("finsify", "Finsify"),
        ("finqware", "Finqware"),
        ("fibank", "Fibank"),
    ];
    let mut cases = Vec::new();
    for (provider, shown) in banks {
        for (hostile, name, needle) in HOSTILE {
            if let Some(inject) = fault_for(provider, hostile) {
                cases.push(Case {
                    provider,
                    shown,
                    name,
                    inject,
                    needle,
                });
            }
        }
    }
    cases
}

/// The syncs to run, each with the cases made hostile at once. For CI, two banks are hostile
/// in each sync (SpareBank 1 with Finsify, Finqware with Fibank; the other two stay honest),
/// which halves the syncs; `COFFER_HOSTILE_ONE_BY_ONE=1` runs every case alone among three
/// honest banks, for measuring each case's time and memory (`scripts/hostile-costs`).
fn rounds() -> Vec<Vec<Case>> {
    let one_by_one = std::env::var("COFFER_HOSTILE_ONE_BY_ONE").is_ok_and(|v| v == "1");
    let mut by_bank: BTreeMap<&str, Vec<Case>> = BTreeMap::new();
    for case in cases() {
        by_bank.entry(case.provider).or_default().push(case);
    }
    if one_by_one {
        return by_bank.into_values().flatten().map(|c| vec![c]).collect();
    }
    let mut rounds = Vec::new();
    for pair in [["sparebank1", "finsify"], ["finqware", "fibank"]] {
        let mut a = by_bank.remove(pair[0]).unwrap_or_default().into_iter();
        let mut b = by_bank.remove(pair[1]).unwrap_or_default().into_iter();
        loop {
            let round: Vec<Case> = [a.next(), b.next()].into_iter().flatten().collect();
            if round.is_empty() {
                break;
            }
            rounds.push(round);
        }
    }
    rounds
}

fn assert_exact(p: &Profile, stored: &BTreeMap<String, Vec<Row>>, provider: &str, context: &str) {
    let want = p.oracle();
    let want = want.get(provider).unwrap();
    let got = stored.get(provider).cloned().unwrap_or_default();
    assert!(
        !want.is_empty(),
        "{context}: {provider}'s sandbox holds rows"
    );
    assert!(
        &got == want,
        "{context}: {provider} stored {} rows, its sandbox holds {}",
        got.len(),
        want.len()
    );
}

#[test]
fn a_hostile_bank_is_refused_by_name_and_the_others_sync_exactly() {
    let p = Profile::start();
    let dir: &Path = p.dir.path();
    ok(dir, &["sync"]);
    let honest = p.stored();
    for provider in ["sparebank1", "finsify", "finqware", "fibank"] {
        assert_exact(&p, &honest, provider, "the honest first sync");
    }

    let mut table = Vec::new();
    for round in rounds() {
        let context = round
            .iter()
            .map(|c| format!("{} {}", c.shown, c.name))
            .collect::<Vec<_>>()
            .join(" + ");
        p.clear_requests();
        for case in &round {
            (case.inject)(&p);
        }
        let cost = measured_sync_with(dir, TIMEOUT_SECS);
        p.clear_faults();
        assert_eq!(cost.code, Some(1), "{context}: {}", cost.stderr);
        let failed = |shown: &str| {
            cost.stderr
                .lines()
                .filter(|l| l.starts_with("coffer:") && l.contains(shown))
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        };
        for case in &round {
            let lines = failed(case.shown);
            assert!(
                !lines.is_empty(),
                "{context}: {} is not named: {}",
                case.shown,
                cost.stderr
            );
            assert!(
                lines.iter().any(|l| l.contains(case.needle)),
                "{context}: {lines:?} do not say {:?}",
                case.needle
            );
        }
        for other in ["SpareBank 1", "Finsify", "Finqware", "Fibank"] {
            if round.iter().all(|c| c.shown != other) {
                assert!(
                    failed(other).is_empty(),
                    "{context}: an honest bank failed: {}",
                    cost.stderr
                );
            }
        }
        // A call that runs past its timeout is not asked again, so a stall costs a timeout
        // or two per hostile bank, never the 600 s the bank would hold it.
        assert!(
            cost.took < Duration::from_secs(8 * TIMEOUT_SECS + 15),
            "{context}: took {:?}",
            cost.took
        );
        // A 100 MB or endless body is never held whole (32 MiB cap per answer).
        assert!(
            cost.peak_kib < 200 * 1024,
            "{context}: peak {} KiB",
            cost.peak_kib
        );
        let asked = p.asked();
        let stored = p.stored();
        for provider in ["sparebank1", "finsify", "finqware", "fibank"] {
            if round.iter().any(|c| c.provider == provider) {
                assert!(
                    stored.get(provider) == honest.get(provider),
                    "{context}: what is stored for the hostile bank {provider} changed"
                );
            } else {
                assert!(asked[provider] > 0, "{context}: {provider} was not synced");
                assert_exact(&p, &stored, provider, &context);
            }
        }
        table.push(format!(
            "| {context} | {:.1} s | {} MiB |",
            cost.took.as_secs_f64(),
            cost.peak_kib / 1024
        ));
    }
    assert_sound(dir, "after every hostile case");
    // The banks honest again: one sync, and everything is exact.
    ok(dir, &["sync"]);
    let after = p.stored();
    for provider in ["sparebank1", "finsify", "finqware", "fibank"] {
        assert_exact(&p, &after, provider, "the honest sync after");
    }
    eprintln!(
        "hostile banks among honest ones (answer timeout {TIMEOUT_SECS} s):\n\
         | hostile | gave up after | peak RSS |\n|---|---|---|\n{}",
        table.join("\n")
    );
}
