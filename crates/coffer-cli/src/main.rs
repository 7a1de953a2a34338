//! `coffer`: the command-line twin of the desktop app. Every command is one call into
//! `coffer-api`; this file only parses arguments and prints results.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use coffer_api::bank::{Bank, FieldKind};
use coffer_api::category::Category;
use coffer_api::filter::Transfers;
use coffer_api::model::{ConnectionId, Direction};
use coffer_api::report::{Amounts, ChartKind, ChartRequest, ChartTheme, PeriodKind};
use coffer_api::rules::RuleMatch;
use coffer_api::sync::{SyncEvent, SyncSummary};
use coffer_api::Filter;
use coffer_api::LoginKind;
use coffer_api::{registry, ApiError, Coffer, ErrorCode};
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
    /// Connect a bank (log in in the browser) or a built-in bank. Secrets are read from
    /// standard input, one per line, when it is not a terminal, or prompted for without echo.
    Connect(ConnectArgs),
    /// Disconnect a bank: its saved login is deleted; history is kept unless --delete-history.
    Disconnect {
        connection: ConnectionId,
        #[arg(long)]
        delete_history: bool,
    },
    /// Ask the bank (or aggregator) to fetch fresh data now, where the bank offers it.
    RefreshAtBank { connection: ConnectionId },
    /// Search a bank's catalogue (the banks behind an aggregator, PSD2 skills): the ids its
    /// connect form takes.
    Catalogue {
        /// The bank's id, as `coffer providers` lists it.
        bank: String,
        query: Option<String>,
        /// The form field whose catalogue to search (the bank's only one by default).
        #[arg(long)]
        field: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show or change settings (provider base URLs).
    Settings {
        #[command(subcommand)]
        action: Option<SettingsAction>,
    },
    /// The vault that keeps saved logins: status, or reset after a lost keychain key.
    Vault {
        #[arg(value_enum, default_value = "status")]
        action: VaultAction,
    },
    /// Write a consistent, checked copy of the database to FILE (while Coffer may be running).
    Backup { file: PathBuf },
    /// Print what helps someone help you: versions, system, each bank's state, its last
    /// errors and sync runs. Holds no secret; read it before you share it.
    Diagnostics,
    /// Check the database: integrity, foreign keys, balances that must add up.
    Check {
        #[arg(long)]
        json: bool,
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
        #[command(subcommand)]
        action: Option<AccountAction>,
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
    /// Totals over the filtered transactions (booked only), per currency.
    Report {
        #[arg(value_enum)]
        kind: ReportKind,
        #[command(flatten)]
        filter: FilterArgs,
        /// How many vendors to list.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Draw a chart of the filtered transactions to an .svg or .png file.
    Chart {
        #[arg(value_enum)]
        kind: ChartArg,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        #[arg(long, default_value_t = 900)]
        width: u32,
        #[arg(long, default_value_t = 360)]
        height: u32,
        #[arg(long, value_enum, default_value = "light")]
        theme: ThemeArg,
        /// Periods of the debit-credit chart.
        #[arg(long, value_enum, default_value = "month")]
        period: PeriodArg,
        /// Currency to draw when the filter spans several.
        #[arg(long, value_name = "CODE")]
        currency: Option<String>,
        /// Month names on date axes in this locale (e.g. nb-NO: "nov. 2024"); default English.
        #[arg(long, value_name = "LOCALE")]
        locale: Option<String>,
    },
    /// Vendors, with the rules that produced them; rename, merge and vendor rules.
    Vendors {
        #[command(subcommand)]
        action: Option<VendorAction>,
        #[arg(long)]
        json: bool,
    },
    /// Serve the read-only JSON API and the UI on 127.0.0.1, guarded by a per-launch token.
    Serve {
        /// 0 picks a free port.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Allow syncing and changing rules over HTTP.
        #[arg(long)]
        writable: bool,
        /// The built UI (default: ui/dist next to the binary's checkout, or $COFFER_UI_DIR).
        #[arg(long, env = "COFFER_UI_DIR", value_name = "DIR")]
        ui: Option<PathBuf>,
    },
    /// Transfers between your own accounts: the pairs and why each was paired; pair two
    /// transactions by hand or unpair one. Your choices are kept across syncs.
    Transfers {
        #[command(subcommand)]
        action: Option<TransferAction>,
        /// The list as JSON (`transfers list --json` works too).
        #[arg(long, global = true)]
        json: bool,
    },
    /// Categories and category rules; re-categorise a transaction.
    Categories {
        #[command(subcommand)]
        action: Option<CategoryAction>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportKind {
    Month,
    Week,
    Category,
    Vendor,
    Account,
    Balance,
}

#[derive(Clone, Copy, ValueEnum)]
enum ChartArg {
    DebitCredit,
    Category,
    Vendor,
    Balance,
}

#[derive(Clone, Copy, ValueEnum)]
enum ThemeArg {
    Light,
    Dark,
}

#[derive(Clone, Copy, ValueEnum)]
enum PeriodArg {
    Month,
    Week,
}

#[derive(Subcommand)]
enum VendorAction {
    /// Show vendor FROM as TO from now on.
    Rename {
        from: String,
        to: String,
    },
    /// Show every NAME as INTO.
    Merge {
        #[arg(required = true)]
        names: Vec<String>,
        #[arg(long)]
        into: String,
    },
    /// Add a rule: bank text containing PATTERN (or matching it, with --regex) is VENDOR.
    AddRule {
        pattern: String,
        vendor: String,
        #[arg(long)]
        regex: bool,
    },
    DeleteRule {
        id: i64,
    },
    Rules,
}

#[derive(Subcommand)]
enum CategoryAction {
    /// Re-categorise one transaction (`none` clears it); its vendor's other rows follow.
    Set {
        transaction: i64,
        #[arg(value_parser = parse_category_or_none)]
        category: CategoryChoice,
    },
    /// Add a rule: --vendor NAME or --text PATTERN puts transactions in CATEGORY.
    AddRule {
        #[arg(long, conflicts_with = "text", required_unless_present = "text")]
        vendor: Option<String>,
        #[arg(long)]
        text: Option<String>,
        #[arg(value_parser = parse_category)]
        category: Category,
    },
    DeleteRule {
        id: i64,
    },
    Rules,
}

#[derive(Clone, Copy)]
struct CategoryChoice(Option<Category>);

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s).map_err(|e| e.to_string())
}

fn parse_category_or_none(s: &str) -> Result<CategoryChoice, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(CategoryChoice(None));
    }
    parse_category(s).map(|c| CategoryChoice(Some(c)))
}

/// `coffer connect <bank> …`: one subcommand per bank in the registry, each with the flags of
/// that bank's connect form. Masked (secret) fields are never flags: they come from standard
/// input or a prompt without echo.
struct ConnectArgs {
    bank: &'static dyn Bank,
    fields: BTreeMap<String, String>,
    no_browser: bool,
    again: Option<ConnectionId>,
    yes: bool,
}

fn bank_command(bank: &'static dyn Bank) -> clap::Command {
    use clap::{Arg, ArgAction};
    let about = bank.about();
    let mut command = clap::Command::new(about.id).about(about.summary);
    for field in bank.form() {
        if field.kind == FieldKind::Secret {
            continue;
        }
        let mut arg = Arg::new(field.key)
            .long(field.flag())
            .value_name(field.key.to_uppercase())
            .help(field.help);
        if let FieldKind::Choice(choices) = &field.kind {
            arg = arg.value_parser(clap::builder::PossibleValuesParser::new(
                choices
                    .iter()
                    .map(|c| clap::builder::PossibleValue::new(c.value.clone())),
            ));
        }
        command = command.arg(arg);
    }
    match login_kind(bank) {
        LoginKind::None => command,
        kind => {
            command = command.arg(
                Arg::new("again")
                    .long("again")
                    .value_name("CONNECTION")
                    .value_parser(clap::value_parser!(i64))
                    .help(
                        "Log in again to an existing connection (renewed in place, history kept).",
                    ),
            );
            if kind != LoginKind::Credentials {
                command = command.arg(
                    Arg::new("no-browser")
                        .long("no-browser")
                        .action(ArgAction::SetTrue)
                        .help("Print the login URL instead of opening the browser, then wait for the redirect."),
                );
            } else {
                command = command.arg(Arg::new("yes").long("yes").action(ArgAction::SetTrue).help(
                    "Confirm the storage warning without a prompt (standard input not a terminal).",
                ));
            }
            command
        }
    }
}

fn login_kind(bank: &dyn Bank) -> LoginKind {
    coffer_api::ProviderInfo::from_bank(bank).login
}

impl clap::FromArgMatches for ConnectArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, sub)) = matches.subcommand() else {
            return Err(clap::Error::raw(
                clap::error::ErrorKind::MissingSubcommand,
                "name the bank to connect",
            ));
        };
        let bank = registry::find(name).ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidSubcommand,
                format!("unknown bank '{name}'"),
            )
        })?;
        let mut fields = BTreeMap::new();
        for field in bank.form() {
            if field.kind == FieldKind::Secret {
                continue;
            }
            if let Some(value) = sub.get_one::<String>(field.key) {
                fields.insert(field.key.to_string(), value.clone());
            }
        }
        let flag = |id: &str| {
            sub.try_get_one::<bool>(id)
                .ok()
                .flatten()
                .copied()
                .unwrap_or(false)
        };
        Ok(ConnectArgs {
            bank,
            fields,
            no_browser: flag("no-browser"),
            again: sub.try_get_one::<i64>("again").ok().flatten().copied(),
            yes: flag("yes"),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = ConnectArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for ConnectArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        command
            .subcommand_required(true)
            .subcommands(registry::banks().iter().map(|b| bank_command(*b)))
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        ConnectArgs::augment_args(command)
    }
}

#[derive(Subcommand)]
enum SettingsAction {
    /// Print every setting.
    List,
    /// Set one setting, e.g. `coffer settings set <bank>.api_url http://127.0.0.1:8080`.
    Set { key: String, value: String },
    /// Back to the default.
    Unset { key: String },
}

#[derive(Subcommand)]
enum AccountAction {
    /// Give an account your own name; an empty NAME goes back to the bank's.
    Rename { account: i64, name: String },
    /// Leave an account out of totals, reports, charts and exports (a filter naming it still
    /// shows it).
    Hide { account: i64 },
    /// Count a hidden account again.
    Show { account: i64 },
}

#[derive(Subcommand)]
enum TransferAction {
    /// Every pair, money out → money in, with why it was paired (the default).
    List,
    /// Pair two transactions (ids from `coffer transactions --json`) as one transfer: money out
    /// of one of your accounts and money in on another. Reports then leave both out.
    Pair { first: i64, second: i64 },
    /// Unpair the transfer TRANSACTION is half of; both count as money in and out again, and
    /// no sync pairs them again.
    Unpair { transaction: i64 },
}

#[derive(Clone, Copy, ValueEnum)]
enum VaultAction {
    Status,
    Reset,
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
    #[arg(long, value_name = "DATE", value_parser = |s: &str| Filter::parse_date("from", s))]
    from: Option<NaiveDate>,
    /// Last booking date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = |s: &str| Filter::parse_date("to", s))]
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
    #[arg(long, value_name = "AMOUNT", value_parser = |s: &str| Filter::parse_amount("min", s))]
    min: Option<Decimal>,
    /// Largest transaction size (absolute amount).
    #[arg(long, value_name = "AMOUNT", value_parser = |s: &str| Filter::parse_amount("max", s))]
    max: Option<Decimal>,
    /// Transfers between your own accounts: reports leave them out and lists show them unless
    /// this says otherwise.
    #[arg(long, value_enum)]
    transfers: Option<TransfersArg>,
}

#[derive(Clone, Copy, ValueEnum)]
enum TransfersArg {
    Include,
    Exclude,
    Only,
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
            transfers: a.transfers.map(|t| match t {
                TransfersArg::Include => Transfers::Include,
                TransfersArg::Exclude => Transfers::Exclude,
                TransfersArg::Only => Transfers::Only,
            }),
        }
    }
}

/// "Now": the system clock, or the instant in `COFFER_CLOCK` (RFC 3339), which tests and
/// reproducible demonstrations use so a run never depends on the day or the hour.
fn clock() -> Result<coffer_api::Clock, ApiError> {
    match std::env::var("COFFER_CLOCK") {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<chrono::DateTime<chrono::Utc>>()
            .map(coffer_api::Clock::Fixed)
            .map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    "COFFER_CLOCK must be an RFC 3339 instant, e.g. 2026-06-15T10:00:00Z",
                )
            }),
        _ => Ok(coffer_api::Clock::System),
    }
}

/// Reads one secret: a line from standard input when it is not a terminal, else a prompt
/// without echo. Never from argv, where other users and shell history could see it.
fn read_secret(label: &str, optional: bool) -> Result<Option<String>, ApiError> {
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        let hint = if optional {
            " (Enter keeps the saved one)"
        } else {
            ""
        };
        rpassword::prompt_password(format!("{label}{hint}: "))
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read the {label}: {e}")))?
    } else {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdin.lock(), &mut line).map_err(|e| {
            ApiError::new(
                ErrorCode::Io,
                format!("cannot read the {label} from standard input: {e}"),
            )
        })?;
        line
    };
    let value = line.trim_end_matches(['\r', '\n']).to_string();
    if value.is_empty() {
        if optional {
            return Ok(None);
        }
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("no {label} given; type it at the prompt or pipe it on standard input"),
        ));
    }
    Ok(Some(value))
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
    let coffer = Coffer::open_with_clock(&data_dir, clock()?)?;
    let mut out = Stdout(std::io::stdout().lock());
    match cli.command {
        Command::Connect(args) => connect(&coffer, &mut out, args).await?,
        Command::Disconnect {
            connection,
            delete_history,
        } => {
            coffer.disconnect(connection, !delete_history).await?;
            let what = if delete_history {
                "its accounts and history were deleted"
            } else {
                "its history is kept"
            };
            writeln!(out, "Disconnected connection {connection}; {what}.").map_err(io_error)?;
        }
        Command::RefreshAtBank { connection } => {
            let r = coffer.refresh_at_bank(connection).await?;
            writeln!(
                out,
                "The bank is fetching fresh data; the next refresh is possible at {}.",
                r.next_refresh_possible_at
            )
            .map_err(io_error)?;
        }
        Command::Catalogue {
            bank,
            query,
            field,
            json,
        } => {
            let field = match field {
                Some(f) => f,
                None => catalogue_field(&bank)?,
            };
            let list = coffer
                .bank_catalogue(&bank, &field, query.as_deref())
                .await?;
            if json {
                print_json(&mut out, &list)?;
            } else {
                for e in list {
                    writeln!(
                        out,
                        "{:>8}  {:<30} {}",
                        e.value,
                        e.label,
                        e.detail.unwrap_or_default()
                    )
                    .map_err(io_error)?;
                }
            }
        }
        Command::Settings { action } => match action.unwrap_or(SettingsAction::List) {
            SettingsAction::List => {
                for s in coffer.settings().await? {
                    writeln!(out, "{} = {}", s.key, s.value).map_err(io_error)?;
                }
            }
            SettingsAction::Set { key, value } => {
                let s = coffer.set_setting(&key, Some(&value)).await?;
                writeln!(out, "{} = {}", s.key, s.value).map_err(io_error)?;
            }
            SettingsAction::Unset { key } => {
                let s = coffer.set_setting(&key, None).await?;
                writeln!(out, "{} = {} (default)", s.key, s.value).map_err(io_error)?;
            }
        },
        Command::Vault { action } => {
            let status = match action {
                VaultAction::Status => coffer.vault_status().await?,
                VaultAction::Reset => coffer.reset_vault().await?,
            };
            writeln!(
                out,
                "vault: {} (key from the {}){}",
                status.state,
                status.key_source,
                status.message.map(|m| format!("\n{m}")).unwrap_or_default()
            )
            .map_err(io_error)?;
        }
        Command::Backup { file } => {
            let b = coffer.backup(&file).await?;
            writeln!(
                out,
                "Wrote a checked backup of {} bytes to {}",
                b.bytes, b.path
            )
            .map_err(io_error)?;
        }
        Command::Diagnostics => {
            write!(out, "{}", coffer.diagnostics().await?).map_err(io_error)?;
        }
        Command::Check { json } => {
            let c = coffer.check_database().await?;
            if json {
                print_json(&mut out, &c)?;
            } else {
                writeln!(
                    out,
                    "integrity: {}\nforeign keys: {} problems\nbalances: {}",
                    c.integrity.join("; "),
                    c.foreign_key_problems,
                    if c.balance_problems.is_empty() {
                        "all add up".to_string()
                    } else {
                        c.balance_problems.join("; ")
                    }
                )
                .map_err(io_error)?;
            }
            if !c.ok {
                out.flush().map_err(io_error)?;
                eprintln!("coffer: the database check found problems; restore a backup (coffer backup) or reconnect the affected banks");
                return Ok(ExitCode::FAILURE);
            }
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
                        "Nothing to sync: connect a bank first (`coffer providers` lists them)."
                    )
                    .map_err(io_error)?;
                }
            }
            for s in &summaries {
                for note in &s.notes {
                    eprintln!("coffer: {}: {note}", s.label);
                }
            }
            if failed {
                // One line per account that still failed after the retries, with the bank's
                // words; everything else was stored.
                for s in &summaries {
                    for error in &s.errors {
                        eprintln!("coffer: {}: {}", s.label, error.replace('\n', " "));
                    }
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Accounts {
            action: Some(action),
            ..
        } => match action {
            AccountAction::Rename { account, name } => {
                let shown = coffer.rename_account(account, Some(&name)).await?;
                writeln!(out, "account {account} is now shown as {shown}").map_err(io_error)?;
            }
            AccountAction::Hide { account } => {
                coffer.hide_account(account, true).await?;
                writeln!(
                    out,
                    "account {account} is hidden from totals, reports and exports"
                )
                .map_err(io_error)?;
            }
            AccountAction::Show { account } => {
                coffer.hide_account(account, false).await?;
                writeln!(out, "account {account} is counted again").map_err(io_error)?;
            }
        },
        Command::Accounts { json, action: None } => {
            let overview = coffer.accounts().await?;
            if json {
                print_json(&mut out, &overview)?;
            } else {
                for a in &overview.accounts {
                    writeln!(
                        out,
                        "{:>4}  {:<24} {:<12} {:<20} {:>16} {}{}",
                        a.id,
                        a.name,
                        a.kind,
                        a.number.as_deref().unwrap_or(""),
                        a.balance,
                        a.currency,
                        if a.hidden { "  (hidden)" } else { "" }
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
                    // A transfer between the user's own accounts says so: reports leave it out.
                    let transfer = t
                        .transfer
                        .as_ref()
                        .map(|p| format!("  [transfer: {}]", p.explanation))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "{}  {:<14} {:>12} {}  {:<7}  {}{transfer}",
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
                    let rows = coffer.export_csv_to_file(&filter, &path).await?;
                    eprintln!("Wrote {rows} transactions to {}", path.display());
                }
            }
        }
        Command::Report {
            kind,
            filter,
            limit,
            json,
        } => report(&coffer, &mut out, kind, &filter.into(), limit, json).await?,
        Command::Chart {
            kind,
            filter,
            output,
            width,
            height,
            theme,
            period,
            currency,
            locale,
        } => {
            let request = ChartRequest {
                kind: match kind {
                    ChartArg::DebitCredit => ChartKind::DebitCredit,
                    ChartArg::Category => ChartKind::Category,
                    ChartArg::Vendor => ChartKind::Vendor,
                    ChartArg::Balance => ChartKind::Balance,
                },
                filter: filter.into(),
                width,
                height,
                theme: match theme {
                    ThemeArg::Light => ChartTheme::Light,
                    ThemeArg::Dark => ChartTheme::Dark,
                },
                period: match period {
                    PeriodArg::Month => PeriodKind::Month,
                    PeriodArg::Week => PeriodKind::Week,
                },
                currency,
                locale,
            };
            coffer.save_chart(&request, &output).await?;
            eprintln!("Wrote {}", output.display());
        }
        Command::Vendors { action, json } => match action {
            None => {
                let vendors = coffer.vendors().await?;
                if json {
                    print_json(&mut out, &vendors)?;
                } else {
                    for v in vendors {
                        let aliases = if v.aliases.is_empty() {
                            String::new()
                        } else {
                            format!("  (shown for: {})", v.aliases.join(", "))
                        };
                        line(
                            &mut out,
                            format!(
                                "{:>6}  {:<32} {}{aliases}",
                                v.transactions,
                                v.name,
                                v.rules.join(", ")
                            ),
                        )?;
                    }
                }
            }
            Some(VendorAction::Rename { from, to }) => {
                let n = coffer.rename_vendor(&from, &to).await?;
                line(
                    &mut out,
                    format!("Renamed '{from}' to '{to}' ({n} transactions changed)"),
                )?;
            }
            Some(VendorAction::Merge { names, into }) => {
                let n = coffer.merge_vendors(&names, &into).await?;
                line(
                    &mut out,
                    format!(
                        "Merged {} vendors into '{into}' ({n} transactions changed)",
                        names.len()
                    ),
                )?;
            }
            Some(VendorAction::AddRule {
                pattern,
                vendor,
                regex,
            }) => {
                let id = coffer.add_vendor_rule(&pattern, regex, &vendor).await?;
                line(&mut out, format!("Added vendor rule {id}"))?;
            }
            Some(VendorAction::DeleteRule { id }) => {
                coffer.delete_vendor_rule(id).await?;
                line(&mut out, format!("Deleted vendor rule {id}"))?;
            }
            Some(VendorAction::Rules) => {
                let rules = coffer.vendor_rules().await?;
                if json {
                    print_json(&mut out, &rules)?;
                } else {
                    for r in rules {
                        let kind = if r.is_regex { "regex" } else { "text" };
                        line(
                            &mut out,
                            format!("{:>4}  {kind:<5} {:<30} → {}", r.id, r.pattern, r.vendor),
                        )?;
                    }
                }
            }
        },
        Command::Transfers { action, json } => match action.unwrap_or(TransferAction::List) {
            TransferAction::List => transfers_list(&coffer, &mut out, json).await?,
            TransferAction::Pair { first, second } => {
                coffer.pair_transfers(first, second).await?;
                line(
                    &mut out,
                    format!(
                        "Paired {first} and {second} as one transfer (paired by you); reports \
                         leave both out, and syncs keep the pair"
                    ),
                )?;
            }
            TransferAction::Unpair { transaction } => {
                coffer.unpair_transfer(transaction).await?;
                line(
                    &mut out,
                    format!(
                        "Unpaired {transaction} from its other half; both count as money in and \
                         out again, and no sync pairs them again"
                    ),
                )?;
            }
        },
        Command::Serve { port, writable, ui } => {
            let (listener, port) = coffer_server::bind(port).await.map_err(|e| {
                ApiError::new(
                    ErrorCode::Io,
                    format!("cannot listen on 127.0.0.1:{port}: {e}"),
                )
            })?;
            let token = coffer_server::new_token();
            let ui = ui.or_else(find_ui_dir);
            let access = coffer_server::Access {
                token: token.clone(),
                port,
                writable,
            };
            line(
                &mut out,
                format!("Coffer is serving at http://127.0.0.1:{port}/?token={token}"),
            )?;
            if ui.is_none() {
                line(
                    &mut out,
                    "(the UI is not built: only /api answers)".to_string(),
                )?;
            }
            out.flush().map_err(io_error)?;
            coffer_server::serve(listener, std::sync::Arc::new(coffer), access, ui)
                .await
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("the server stopped: {e}")))?;
        }
        Command::Categories { action, json } => match action {
            None => {
                let categories = coffer.categories().await?;
                if json {
                    print_json(&mut out, &categories)?;
                } else {
                    for c in categories {
                        line(&mut out, c.as_str().to_string())?;
                    }
                }
            }
            Some(CategoryAction::Set {
                transaction,
                category,
            }) => {
                let n = coffer.set_category(transaction, category.0).await?;
                line(&mut out, format!("Updated transaction {transaction}; {n} other transactions of its vendor followed"))?;
            }
            Some(CategoryAction::AddRule {
                vendor,
                text,
                category,
            }) => {
                let (kind, pattern) = match (vendor, text) {
                    (Some(v), _) => (RuleMatch::Vendor, v),
                    (None, Some(t)) => (RuleMatch::Text, t),
                    (None, None) => {
                        return Err(ApiError::new(
                            ErrorCode::InvalidInput,
                            "give --vendor NAME or --text PATTERN",
                        ));
                    }
                };
                let id = coffer.add_category_rule(kind, &pattern, category).await?;
                line(&mut out, format!("Added category rule {id}"))?;
            }
            Some(CategoryAction::DeleteRule { id }) => {
                coffer.delete_category_rule(id).await?;
                line(&mut out, format!("Deleted category rule {id}"))?;
            }
            Some(CategoryAction::Rules) => {
                let rules = coffer.category_rules().await?;
                if json {
                    print_json(&mut out, &rules)?;
                } else {
                    for r in rules {
                        let kind = match r.match_kind {
                            RuleMatch::Vendor => "vendor",
                            RuleMatch::Text => "text",
                        };
                        let learned = if r.learned { "  (learned)" } else { "" };
                        line(
                            &mut out,
                            format!(
                                "{:>4}  {kind:<6} {:<30} → {}{learned}",
                                r.id, r.pattern, r.category
                            ),
                        )?;
                    }
                }
            }
        },
    }
    out.flush().map_err(io_error)?;
    Ok(ExitCode::SUCCESS)
}

/// The one catalogue field of a bank's form, for `coffer catalogue BANK`.
fn catalogue_field(bank_id: &str) -> Result<String, ApiError> {
    let bank = registry::find(bank_id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("unknown bank '{bank_id}'")))?;
    let fields: Vec<&str> = bank
        .form()
        .iter()
        .filter(|f| f.kind == FieldKind::Catalogue)
        .map(|f| f.key)
        .collect();
    match fields.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("{} has no catalogue", bank.about().name),
        )),
        _ => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("name the field with --field: {}", fields.join(", ")),
        )),
    }
}

/// `coffer connect <bank>`: the form from flags and standard input, the login in the browser
/// (or none), the connection saved.
async fn connect(coffer: &Coffer, out: &mut impl Write, args: ConnectArgs) -> Result<(), ApiError> {
    let ConnectArgs {
        bank,
        mut fields,
        no_browser,
        again,
        yes,
    } = args;
    let info = coffer_api::ProviderInfo::from_bank(bank);
    if let Some(warning) = &info.storage_warning {
        confirm_storage(warning, yes)?;
    }
    for field in bank.form() {
        if field.kind != FieldKind::Secret {
            continue;
        }
        // "Log in again" may reuse the saved secret: an empty answer keeps it.
        let label = format!("{} {}", info.name, field.label.to_lowercase());
        if let Some(secret) = read_secret(&label, again.is_some() || !field.required)? {
            fields.insert(field.key.to_string(), secret);
        }
    }
    let request = coffer_api::LoginRequest {
        provider: bank.id().to_string(),
        fields,
        connection: again,
        callback: coffer_api::CallbackKind::Loopback,
    };
    let ticket = coffer.begin_login(&request, !no_browser).await?;
    if let Some(url) = &ticket.browser_url {
        if no_browser {
            writeln!(
                out,
                "Open this address in your browser to log in:\n\n  {}\n",
                secrecy::ExposeSecret::expose_secret(url)
            )
            .map_err(io_error)?;
            out.flush().map_err(io_error)?;
        } else {
            eprintln!("Log in in the browser window that just opened.");
        }
        eprintln!(
            "Waiting for the redirect to {} (Ctrl-C to cancel)…",
            ticket.started.redirect_uri
        );
    }
    let c = coffer.finish_login(ticket.started.login_id).await?;
    writeln!(
        out,
        "Connected {} (connection {}). Run `coffer sync {}` to fetch it.",
        c.label, c.id, c.id
    )
    .map_err(io_error)
}

/// Banks that take the user's own password: the user confirms what is stored before anything
/// is, at a prompt, or with `--yes` when standard input is not a terminal.
fn confirm_storage(warning: &str, yes: bool) -> Result<(), ApiError> {
    eprintln!("{warning}");
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "confirm the storage warning with --yes when standard input is not a terminal",
        ));
    }
    eprint!("Store them sealed in Coffer's vault? Type yes to continue: ");
    let mut answer = String::new();
    std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut answer)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read the answer: {e}")))?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Cancelled, "nothing was stored"))
    }
}

async fn report(
    coffer: &Coffer,
    out: &mut impl Write,
    kind: ReportKind,
    filter: &Filter,
    limit: u32,
    json: bool,
) -> Result<(), ApiError> {
    fn amounts(a: &Amounts) -> String {
        format!(
            "{:>14} {:>14} {:>14} {:>7}",
            a.credit, a.debit, a.net, a.count
        )
    }
    let header = format!(
        "{:<28} {:>14} {:>14} {:>14} {:>7}",
        "", "in", "out", "net", "count"
    );
    match kind {
        ReportKind::Month | ReportKind::Week => {
            let period = if matches!(kind, ReportKind::Month) {
                PeriodKind::Month
            } else {
                PeriodKind::Week
            };
            let reports = coffer.report_flows(filter, period).await?;
            if json {
                return print_json(out, &reports);
            }
            for r in reports {
                line(out, format!("{}{header}", r.currency))?;
                for p in &r.periods {
                    line(out, format!("{:<31} {}", p.key, amounts(&p.amounts)))?;
                }
                line(out, format!("{:<31} {}", "total", amounts(&r.total)))?;
            }
        }
        ReportKind::Category => {
            let reports = coffer.report_categories(filter).await?;
            if json {
                return print_json(out, &reports);
            }
            for r in reports {
                line(out, format!("{}{header}", r.currency))?;
                for c in &r.rows {
                    let name = c.category.map(|c| c.as_str()).unwrap_or("uncategorised");
                    line(out, format!("{name:<31} {}", amounts(&c.amounts)))?;
                }
                line(out, format!("{:<31} {}", "total", amounts(&r.total)))?;
            }
        }
        ReportKind::Vendor => {
            let reports = coffer.report_vendors(filter, limit).await?;
            if json {
                return print_json(out, &reports);
            }
            for r in reports {
                line(out, format!("{}{header}", r.currency))?;
                for v in &r.rows {
                    let name = truncate(v.vendor.as_deref().unwrap_or("(no vendor)"), 31);
                    line(out, format!("{name:<31} {}", amounts(&v.amounts)))?;
                }
                line(out, format!("{:<31} {}", "total", amounts(&r.total)))?;
            }
        }
        ReportKind::Account => {
            let reports = coffer.report_accounts(filter).await?;
            if json {
                return print_json(out, &reports);
            }
            line(out, format!("   {header}"))?;
            for a in reports {
                let name = truncate(&a.account_name, 22);
                line(
                    out,
                    format!(
                        "{:>4}  {name:<22} {} {}",
                        a.account_id,
                        a.currency,
                        amounts(&a.amounts)
                    ),
                )?;
            }
        }
        ReportKind::Balance => {
            let reports = coffer.report_balances(filter).await?;
            if json {
                return print_json(out, &reports);
            }
            for r in reports {
                for p in &r.points {
                    line(out, format!("{}  {:>16} {}", p.date, p.balance, r.currency))?;
                }
            }
        }
    }
    Ok(())
}

/// `ui/dist` of the checkout this binary was built in (`target/<profile>/coffer`). Never the
/// current directory: scripts served from a folder someone else controls would run with the
/// server's token.
fn find_ui_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let from_exe = exe.parent()?.parent()?.parent()?.join("ui/dist");
    from_exe.join("index.html").is_file().then_some(from_exe)
}

fn line(out: &mut impl Write, text: String) -> Result<(), ApiError> {
    writeln!(out, "{text}").map_err(io_error)
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

/// Every transfer pair once, from the money-out side, with the explanation of the pair.
async fn transfers_list(coffer: &Coffer, out: &mut impl Write, json: bool) -> Result<(), ApiError> {
    let filter = Filter {
        transfers: Some(Transfers::Only),
        ..Filter::default()
    };
    let list = coffer.transactions(&filter).await?;
    // Each pair appears as two rows; keep the money-out one (or the only one shown, when the
    // other half is on a hidden account).
    let shown: std::collections::HashSet<i64> = list.rows.iter().map(|t| t.id).collect();
    let pairs: Vec<_> = list
        .rows
        .iter()
        .filter(|t| {
            t.transfer
                .as_ref()
                .is_some_and(|p| t.amount.starts_with('-') || !shown.contains(&p.partner_id))
        })
        .collect();
    if json {
        return print_json(out, &pairs);
    }
    for t in &pairs {
        let Some(p) = &t.transfer else { continue };
        let by = if p.by_user { "by you" } else { "detected" };
        line(
            out,
            format!(
                "{:>7}  {}  {:<14} {:>12} {}  ↔ {:>7}  {}  {:<14} {:>12} {}  [{by}] {}",
                t.id,
                t.booking_date,
                truncate(&t.account_name, 14),
                t.amount,
                t.currency,
                p.partner_id,
                p.partner_date,
                truncate(&p.partner_account_name, 14),
                p.partner_amount,
                p.partner_currency,
                p.reason
            ),
        )?;
    }
    line(
        out,
        match pairs.len() {
            1 => "1 transfer pair".to_string(),
            n => format!("{n} transfer pairs"),
        },
    )
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
