//! `coffer`: the command-line twin of the desktop app. Every command is one call into
//! `coffer-api`; this file only parses arguments and prints results.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use coffer_api::{ApiError, Coffer, ErrorCode};
use coffer_core::model::{ConnectionId, Direction};
use coffer_core::sync::{SyncEvent, SyncSummary};
use coffer_core::Filter;
use rust_decimal::Decimal;

#[derive(Parser)]
#[command(
    name = "coffer",
    version,
    about = "All your bank accounts in one private, local place."
)]
struct Cli {
    /// Profile directory (default: the OS data directory).
    #[arg(long, global = true, env = "COFFER_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connect a bank or the built-in Demo Bank.
    Connect {
        #[arg(value_enum)]
        provider: ProviderArg,
    },
    /// List connections.
    Connections {
        #[arg(long)]
        json: bool,
    },
    /// Fetch new transactions from one connection, or from all.
    Sync {
        connection: Option<ConnectionId>,
        #[arg(long)]
        json: bool,
    },
    /// Balances per account and per currency.
    Accounts {
        #[arg(long)]
        json: bool,
    },
    /// The filtered transaction list, newest first.
    Transactions {
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// Export the filtered transactions.
    Export {
        #[command(subcommand)]
        format: ExportFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ProviderArg {
    Demo,
}

#[derive(Subcommand)]
enum ExportFormat {
    /// CSV with the columns date,account,description,vendor,category,amount,currency,direction,
    /// status,provider,transaction_id.
    Csv {
        #[command(flatten)]
        filter: FilterArgs,
        /// Write here instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Args, Default)]
struct FilterArgs {
    /// First booking date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// Last booking date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// Account id (repeat for several).
    #[arg(long = "account", value_name = "ID")]
    accounts: Vec<i64>,
    #[arg(long, value_enum)]
    direction: Option<DirectionArg>,
    /// Category name (repeat for several).
    #[arg(long = "category", value_name = "NAME")]
    categories: Vec<String>,
    /// Vendor name (repeat for several).
    #[arg(long = "vendor", value_name = "NAME")]
    vendors: Vec<String>,
    /// Text to find in the description, counterparty or vendor.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// Smallest transaction size (absolute amount), e.g. 100 or 99.50.
    #[arg(long, value_name = "AMOUNT", value_parser = parse_amount)]
    min: Option<Decimal>,
    /// Largest transaction size (absolute amount).
    #[arg(long, value_name = "AMOUNT", value_parser = parse_amount)]
    max: Option<Decimal>,
}

#[derive(Clone, Copy, ValueEnum)]
enum DirectionArg {
    Debit,
    Credit,
}

impl From<FilterArgs> for Filter {
    fn from(a: FilterArgs) -> Filter {
        Filter {
            from: a.from,
            to: a.to,
            accounts: a.accounts,
            direction: a.direction.map(|d| match d {
                DirectionArg::Debit => Direction::Debit,
                DirectionArg::Credit => Direction::Credit,
            }),
            categories: a.categories,
            vendors: a.vendors,
            search: a.search,
            min: a.min,
            max: a.max,
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date; use YYYY-MM-DD, e.g. 2026-03-27"))
}

fn parse_amount(s: &str) -> Result<Decimal, String> {
    let valid = !s.is_empty()
        && s.bytes().filter(|b| *b == b'.').count() <= 1
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && s.bytes().any(|b| b.is_ascii_digit());
    let parsed = valid.then(|| s.parse::<Decimal>().ok()).flatten();
    parsed.ok_or_else(|| {
        format!("'{s}' is not an amount; use digits with an optional '.' decimal point, e.g. 99.50")
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || matches!(
                    e.kind(),
                    ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                )
            {
                // Help and version are output, not errors.
                let _ = e.print();
                return if e.use_stderr() {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // One line: what was wrong. `--help` has the rest.
            let rendered = e.render().to_string();
            let line = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("coffer: {}", line.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COFFER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("coffer: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("coffer: {}", e.message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, ApiError> {
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => coffer_api::default_data_dir()?,
    };
    let coffer = Coffer::open(&data_dir)?;
    let mut out = Stdout(std::io::stdout().lock());
    match cli.command {
        Command::Connect {
            provider: ProviderArg::Demo,
        } => {
            let c = coffer.connect_demo().await?;
            writeln!(
                out,
                "Connected {} (connection {}). Run `coffer sync` to fetch it.",
                c.label, c.id
            )
            .map_err(io_error)?;
        }
        Command::Connections { json } => {
            let list = coffer.connections().await?;
            if json {
                print_json(&mut out, &list)?;
            } else {
                for c in list {
                    writeln!(
                        out,
                        "{:>4}  {:<10} {:<20} {:<12} {} accounts  last sync {}",
                        c.id,
                        c.provider,
                        c.label,
                        c.status,
                        c.accounts,
                        c.last_sync_at.as_deref().unwrap_or("never")
                    )
                    .map_err(io_error)?;
                }
            }
        }
        Command::Sync { connection, json } => {
            let summaries = sync_with_progress(&coffer, connection).await?;
            let failed = summaries.iter().any(|s| !s.errors.is_empty());
            if json {
                print_json(&mut out, &SyncReport::from(summaries.as_slice()))?;
            } else {
                for s in &summaries {
                    writeln!(
                        out,
                        "{}: {} accounts, {} fetched, {} new, {} updated, {} unchanged{}",
                        s.label,
                        s.accounts,
                        s.fetched,
                        s.inserted,
                        s.updated,
                        s.unchanged,
                        if s.expired > 0 {
                            format!(", {} expired pending", s.expired)
                        } else {
                            String::new()
                        }
                    )
                    .map_err(io_error)?;
                }
                if summaries.is_empty() {
                    writeln!(
                        out,
                        "Nothing to sync: connect a bank first (`coffer connect demo`)."
                    )
                    .map_err(io_error)?;
                }
            }
            if failed {
                let errors: Vec<&str> = summaries
                    .iter()
                    .flat_map(|s| s.errors.iter().map(String::as_str))
                    .collect();
                eprintln!("coffer: sync finished with errors: {}", errors.join("; "));
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Accounts { json } => {
            let overview = coffer.accounts().await?;
            if json {
                print_json(&mut out, &overview)?;
            } else {
                for a in &overview.accounts {
                    writeln!(
                        out,
                        "{:>4}  {:<24} {:<12} {:<20} {:>16} {}",
                        a.id,
                        a.name,
                        a.kind,
                        a.number.as_deref().unwrap_or(""),
                        a.balance,
                        a.currency
                    )
                    .map_err(io_error)?;
                }
                for t in &overview.totals {
                    writeln!(
                        out,
                        "      Total {:<53} {:>16} {}",
                        match t.accounts {
                            1 => "(1 account)".to_string(),
                            n => format!("({n} accounts)"),
                        },
                        t.balance,
                        t.currency
                    )
                    .map_err(io_error)?;
                }
            }
        }
        Command::Transactions { filter, json } => {
            let list = coffer.transactions(&filter.into()).await?;
            if json {
                print_json(&mut out, &list)?;
            } else {
                for t in &list.rows {
                    writeln!(
                        out,
                        "{}  {:<14} {:>12} {}  {:<7}  {}",
                        t.booking_date,
                        truncate(&t.account_name, 14),
                        t.amount,
                        t.currency,
                        t.status,
                        t.description.replace(['\n', '\r'], " ")
                    )
                    .map_err(io_error)?;
                }
                writeln!(out, "{} transactions", list.total).map_err(io_error)?;
            }
        }
        Command::Export {
            format: ExportFormat::Csv { filter, output },
        } => {
            let filter: Filter = filter.into();
            match output {
                None => {
                    coffer.export_csv(&filter, &mut out).await?;
                }
                Some(path) => {
                    let rows = export_to_file(&coffer, &filter, &path).await?;
                    eprintln!("Wrote {rows} transactions to {}", path.display());
                }
            }
        }
    }
    out.flush().map_err(io_error)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes next to the target and renames, so a failed export never leaves half a file behind.
async fn export_to_file(coffer: &Coffer, filter: &Filter, path: &Path) -> Result<u64, ApiError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("'{}' is not a file name", path.display()),
        )
    })?;
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let file = std::fs::File::create(&tmp).map_err(|e| {
        ApiError::new(
            ErrorCode::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })?;
    let mut writer = std::io::BufWriter::new(file);
    let result = coffer.export_csv(filter, &mut writer).await;
    let finished = result.and_then(|rows| {
        writer
            .into_inner()
            .map_err(|e| io_error(e.into_error()))
            .and_then(|f| f.sync_all().map_err(io_error))
            .and_then(|_| std::fs::rename(&tmp, path).map_err(io_error))
            .map(|_| rows)
    });
    if finished.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    finished
}

async fn sync_with_progress(
    coffer: &Coffer,
    connection: Option<ConnectionId>,
) -> Result<Vec<SyncSummary>, ApiError> {
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {prefix} [{bar:30}] {pos}/{len} accounts  {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    let progress_bar = bar.clone();
    let result = coffer
        .sync(connection, move |event| match event {
            SyncEvent::Started { label, .. } => {
                progress_bar.set_prefix(label);
                progress_bar.set_position(0);
            }
            SyncEvent::Accounts { total, .. } => progress_bar.set_length(total.into()),
            SyncEvent::Account {
                index,
                fetched,
                account_name,
                ..
            } => {
                progress_bar.set_position(index.into());
                progress_bar.set_message(format!("{account_name}: {fetched} transactions"));
            }
            SyncEvent::Failed { message, .. } => progress_bar.println(format!("error: {message}")),
            SyncEvent::Finished { .. } => {}
        })
        .await;
    bar.finish_and_clear();
    result
}

/// `sync --json`: totals first, per connection after.
#[derive(serde::Serialize)]
struct SyncReport<'a> {
    fetched: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    expired: u64,
    errors: Vec<&'a str>,
    connections: &'a [SyncSummary],
}

impl<'a> From<&'a [SyncSummary]> for SyncReport<'a> {
    fn from(s: &'a [SyncSummary]) -> Self {
        let sum = |f: fn(&SyncSummary) -> u32| s.iter().map(|x| u64::from(f(x))).sum();
        SyncReport {
            fetched: sum(|x| x.fetched),
            inserted: sum(|x| x.inserted),
            updated: sum(|x| x.updated),
            unchanged: sum(|x| x.unchanged),
            expired: sum(|x| x.expired),
            errors: s
                .iter()
                .flat_map(|x| x.errors.iter().map(String::as_str))
                .collect(),
            connections: s,
        }
    }
}

fn print_json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<(), ApiError> {
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(|e| ApiError::internal(format!("cannot write JSON: {e}")))?;
    writeln!(out).map_err(io_error)
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Io, format!("cannot write output: {e}"))
}

/// Standard output where a reader that stops early (`coffer transactions | head`) ends the
/// program quietly, as it does for other Unix tools, instead of being reported as a failure.
struct Stdout<'a>(std::io::StdoutLock<'a>);

impl Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        quiet_on_closed_pipe(self.0.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        quiet_on_closed_pipe(self.0.flush())
    }
}

fn quiet_on_closed_pipe<T>(r: std::io::Result<T>) -> std::io::Result<T> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        other => other,
    }
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
