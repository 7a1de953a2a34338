//! The one list of operations. Every operation a front end can ask for is declared here once,
//! with its arguments, its answer and who may call it; the adapters are generated from it:
//!
//! - [`dispatch`]: the JSON router `coffer serve` answers `/api/<operation>` with;
//! - `src-tauri`: one `#[tauri::command]` per operation, through [`with_operations!`];
//! - `ui/src/generated/api.ts`: the TypeScript client and the list of operations
//!   ([`typescript_client`]);
//! - `src-tauri/commands.rs` and `src-tauri/capabilities/main.json`: the command list the
//!   desktop build registers and the window's permission for each ([`tauri_command_list`],
//!   [`capability_file`]).
//!
//! A test fails when any generated file is stale. Why a declarative macro rather than
//! tauri-specta or a build step: one table must feed three adapters (Tauri, HTTP, TypeScript),
//! and only the Tauri one has a code generator of its own; a `macro_rules!` table needs no
//! extra crate and no build script, and whether an operation reads or writes stays a property
//! of the operation, not of a server.
//!
//! Table grammar, one operation per line:
//! `<access> <name>(<arg>: <type>, …) [events]? -> <answer> = <coffer> => <body>;` — the body
//! is an expression evaluating to `Result<answer, ApiError>`. Operations whose adapter does the
//! work itself (a native dialog, a file download) have no body.

use serde_json::Value;

use crate::{ApiError, Coffer, ErrorCode};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads; every front end, including a read-only `coffer serve`.
    Read,
    /// Changes data; `coffer serve` only with `--writable`.
    Write,
    /// Changes where secrets go or drops them (settings, the vault): the desktop app and the CLI
    /// only, never over HTTP.
    Admin,
    /// Only the desktop app, which implements it itself (native dialogs).
    Desktop,
    /// Only `coffer serve`, which implements it itself (file downloads).
    Http,
}

/// The front end asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Desktop,
    Http { writable: bool },
}

/// Renders a Rust type as its TypeScript name.
pub type TsName = fn(&ts_rs::Config) -> String;

/// One operation of the table.
#[derive(Debug, Clone, Copy)]
pub struct OperationSpec {
    pub name: &'static str,
    pub access: Access,
    /// Streams progress events ([`coffer_core::sync::SyncEvent`]) while it runs.
    pub events: bool,
    /// Argument names and their TypeScript types.
    pub args: &'static [(&'static str, TsName)],
    pub returns: TsName,
}

impl OperationSpec {
    /// Whether `surface` may call this operation; `Err` says why not.
    pub fn check(&self, surface: Surface) -> Result<(), ApiError> {
        let refused = |why: String| Err(ApiError::new(ErrorCode::Forbidden, why));
        match (self.access, surface) {
            (Access::Read, _) => Ok(()),
            (Access::Write, Surface::Desktop) | (Access::Write, Surface::Http { writable: true }) => {
                Ok(())
            }
            (Access::Write, Surface::Http { writable: false }) => refused(
                "this server is read-only; restart it with `coffer serve --writable` to change data"
                    .into(),
            ),
            (Access::Admin, Surface::Desktop) => Ok(()),
            (Access::Admin, Surface::Http { .. }) => refused(format!(
                "'{}' is not available over HTTP; use the desktop app or the coffer command",
                self.name
            )),
            (Access::Desktop, Surface::Desktop) | (Access::Http, Surface::Http { .. }) => Ok(()),
            (Access::Desktop, Surface::Http { .. }) | (Access::Http, Surface::Desktop) => Err(
                ApiError::new(ErrorCode::NotFound, format!("no operation '{}'", self.name)),
            ),
        }
    }
}

fn ts_name<T: ts_rs::TS>(cfg: &ts_rs::Config) -> String {
    T::name(cfg)
}

/// Calls `$callback!` with the whole table. Adapters outside this crate (the desktop shell)
/// generate their commands from it.
#[macro_export]
macro_rules! with_operations {
    ($callback:ident) => {
        $callback! {
            read app_status() -> $crate::views::AppStatus = c => c.app_status().await;
            read connections() -> Vec<$crate::views::ConnectionView> = c => c.connections().await;
            read accounts() -> $crate::views::AccountsOverview = c => c.accounts().await;
            read transactions(#[serde(default)] filter: $crate::Filter) -> $crate::views::TransactionList
                = c => c.transactions(&filter).await;
            read transaction_page(query: $crate::TransactionQuery) -> $crate::TransactionPage
                = c => c.transaction_page(&query).await;
            read report_flows(#[serde(default)] filter: $crate::Filter, #[serde(default)] period: $crate::report::PeriodKind)
                -> Vec<$crate::report::FlowReport> = c => c.report_flows(&filter, period).await;
            read report_categories(#[serde(default)] filter: $crate::Filter) -> Vec<$crate::report::CategoryReport>
                = c => c.report_categories(&filter).await;
            read report_vendors(#[serde(default)] filter: $crate::Filter, #[serde(default)] limit: Option<u32>)
                -> Vec<$crate::report::VendorReport>
                = c => c.report_vendors(&filter, limit.unwrap_or(10)).await;
            read report_accounts(#[serde(default)] filter: $crate::Filter) -> Vec<$crate::report::AccountTotal>
                = c => c.report_accounts(&filter).await;
            read report_balances(#[serde(default)] filter: $crate::Filter) -> Vec<$crate::report::BalanceReport>
                = c => c.report_balances(&filter).await;
            read chart(request: $crate::report::ChartRequest) -> $crate::report::ChartView
                = c => c.chart(&request).await;
            read vendors() -> Vec<$crate::rules::VendorView> = c => c.vendors().await;
            read vendor_rules() -> Vec<$crate::rules::VendorRuleView> = c => c.vendor_rules().await;
            read categories() -> Vec<$crate::category::Category> = c => c.categories().await;
            read category_rules() -> Vec<$crate::rules::CategoryRuleView> = c => c.category_rules().await;
            read providers() -> Vec<$crate::views::ProviderInfo> = c => c.providers().await;
            read bank_catalogue(provider: String, field: String, #[serde(default)] query: Option<String>)
                -> Vec<$crate::views::CatalogueEntry>
                = c => c.bank_catalogue(&provider, &field, query.as_deref()).await;
            read settings() -> Vec<$crate::views::Setting> = c => c.settings().await;
            read check_amounts(#[serde(default)] min: Option<String>, #[serde(default)] max: Option<String>,
                #[serde(default)] locale: Option<String>) -> $crate::views::AmountBounds
                = c => c.check_amounts(min.as_deref(), max.as_deref(), locale.as_deref());
            read vault_status() -> $crate::views::VaultStatus = c => c.vault_status().await;
            read check_database() -> $crate::views::DatabaseCheck = c => c.check_database().await;
            read notices() -> Vec<$crate::views::Notice> = c => c.notices().await;
            read diagnostics() -> String = c => c.diagnostics().await;
            write sync_all() [events] -> Vec<$crate::sync::SyncSummary> = c => c.sync(None, events).await;
            write sync_connection(connection: i64) [events] -> Vec<$crate::sync::SyncSummary>
                = c => c.sync(Some(connection), events).await;
            write rename_vendor(from: String, to: String) -> u64 = c => c.rename_vendor(&from, &to).await;
            write rename_account(account: i64, #[serde(default)] name: Option<String>) -> String
                = c => c.rename_account(account, name.as_deref()).await;
            write hide_account(account: i64, hidden: bool) -> () = c => c.hide_account(account, hidden).await;
            write merge_vendors(names: Vec<String>, into: String) -> u64
                = c => c.merge_vendors(&names, &into).await;
            write add_vendor_rule(pattern: String, #[serde(default)] is_regex: bool, vendor: String) -> i64
                = c => c.add_vendor_rule(&pattern, is_regex, &vendor).await;
            write delete_vendor_rule(id: i64) -> u64 = c => c.delete_vendor_rule(id).await;
            write add_category_rule(match_kind: $crate::rules::RuleMatch, pattern: String, category: $crate::category::Category)
                -> i64 = c => c.add_category_rule(match_kind, &pattern, category).await;
            write delete_category_rule(id: i64) -> u64 = c => c.delete_category_rule(id).await;
            write set_category(transaction: i64, category: Option<$crate::category::Category>) -> u64
                = c => c.set_category(transaction, category).await;
            write unpair_transfer(transaction: i64) -> () = c => c.unpair_transfer(transaction).await;
            write pair_transfers(first: i64, second: i64) -> ()
                = c => c.pair_transfers(first, second).await;
            write connect_begin(request: $crate::views::LoginRequest) -> $crate::views::LoginStarted
                = c => c.begin_login(&request, true).await.map(|t| t.started);
            write connect_finish(login_id: u64) -> $crate::views::ConnectionView
                = c => c.finish_login(login_id).await;
            write connect_cancel(login_id: u64) -> () = c => c.cancel_login(login_id).await;
            write disconnect(connection: i64, keep_history: bool) -> ()
                = c => c.disconnect(connection, keep_history).await;
            write refresh_at_bank(connection: i64) -> $crate::views::RefreshAtBank
                = c => c.refresh_at_bank(connection).await;
            admin set_setting(key: String, #[serde(default)] value: Option<String>) -> $crate::views::Setting
                = c => c.set_setting(&key, value.as_deref()).await;
            admin reset_vault() -> $crate::views::VaultStatus = c => c.reset_vault().await;
            admin backup(path: String) -> $crate::views::Backup
                = c => c.backup(std::path::Path::new(&path)).await;
            desktop export_csv_dialog(filter: $crate::Filter) -> Option<$crate::views::SavedFile>;
            desktop save_chart_dialog(request: $crate::report::ChartRequest, format: String)
                -> Option<$crate::views::SavedFile>;
            http export_csv(#[serde(default)] filter: $crate::Filter) -> String;
        }
    };
}

/// Turns the table into [`OPERATIONS`] and [`dispatch`].
macro_rules! define_operations {
    ($(
        $access:ident $name:ident ( $( $(#[$meta:meta])* $arg:ident : $ty:ty ),* $(,)? )
        $( [ $events:ident ] )? -> $ret:ty $( = $c:ident => $body:expr )? ;
    )*) => {
        /// Every operation, in table order.
        pub static OPERATIONS: &[OperationSpec] = &[$(
            OperationSpec {
                name: stringify!($name),
                access: access_of!($access),
                events: has_events!($( $events )?),
                args: &[$( (stringify!($arg), ts_name::<$ty>) ),*],
                returns: ts_name::<$ret>,
            }
        ),*];

        /// Runs `name` with JSON `args` for `surface`, answering JSON. Unknown operations,
        /// refused ones and malformed arguments are errors naming what was wrong.
        pub async fn dispatch(
            coffer: &Coffer,
            name: &str,
            args: Value,
            surface: Surface,
        ) -> Result<Value, ApiError> {
            let spec = OPERATIONS
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::NotFound,
                        format!("no operation '{}'", crate::tidy(name)),
                    )
                })?;
            spec.check(surface)?;
            $(
                dispatch_arm!(coffer, name, args; $name ( $( $(#[$meta])* $arg : $ty ),* )
                    [ $( $events )? ] $( = $c => $body )? );
            )*
            Err(ApiError::new(
                ErrorCode::NotFound,
                format!("'{}' is answered by its own route, not /api", spec.name),
            ))
        }
    };
}

macro_rules! has_events {
    () => {
        false
    };
    ($events:ident) => {
        true
    };
}

macro_rules! access_of {
    (read) => {
        Access::Read
    };
    (write) => {
        Access::Write
    };
    (admin) => {
        Access::Admin
    };
    (desktop) => {
        Access::Desktop
    };
    (http) => {
        Access::Http
    };
}

macro_rules! dispatch_arm {
    ($coffer:ident, $wanted:ident, $args:ident; $name:ident ( $( $(#[$meta:meta])* $arg:ident : $ty:ty ),* )
        [ $( $events:ident )? ] = $c:ident => $body:expr) => {
        if $wanted == stringify!($name) {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            #[allow(non_camel_case_types)]
            struct $name {
                $( $(#[$meta])* $arg: $ty, )*
            }
            let parsed: $name = if $args.is_null() {
                serde_json::from_value(Value::Object(Default::default()))
            } else {
                serde_json::from_value($args)
            }
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("bad arguments for {}: {e}", stringify!($name)),
                )
            })?;
            let $name { $( $arg ),* } = parsed;
            $( let $events = |_: $crate::sync::SyncEvent| {}; )?
            let $c: &Coffer = $coffer;
            let answer = $body?;
            return serde_json::to_value(answer)
                .map_err(|e| ApiError::internal(format!("cannot encode the answer: {e}")));
        }
    };
    ($coffer:ident, $wanted:ident, $args:ident; $name:ident ( $($rest:tt)* ) [ $( $events:ident )? ]) => {};
}

with_operations!(define_operations);

/// `ui/src/generated/api.ts`'s client part: the operation list and one method per operation the
/// transport can call directly (read, write, admin).
pub fn typescript_client() -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let mut out = String::new();
    out.push_str("/** Who may call each operation (see crates/coffer-api/src/ops.rs). */\n");
    out.push_str("export const OPERATIONS = {\n");
    for op in OPERATIONS {
        let access = match op.access {
            Access::Read => "read",
            Access::Write => "write",
            Access::Admin => "admin",
            Access::Desktop => "desktop",
            Access::Http => "http",
        };
        out.push_str(&format!("  {}: '{access}',\n", op.name));
    }
    out.push_str("} as const;\n\nexport type Operation = keyof typeof OPERATIONS;\n\n");
    out.push_str(
        "/** How a call travels (Tauri IPC or HTTP); `onEvent` receives progress events. */\n\
         export interface Caller {\n  \
         call<T>(operation: Operation, args?: Record<string, unknown>, onEvent?: (event: SyncEvent) => void): Promise<T>;\n\
         }\n\n\
         /** One method per operation; arguments in the table's order. */\n\
         export class Client {\n  \
         constructor(readonly caller: Caller) {}\n",
    );
    for op in OPERATIONS
        .iter()
        .filter(|o| matches!(o.access, Access::Read | Access::Write | Access::Admin))
    {
        let method = camel(op.name);
        let mut params: Vec<String> = op
            .args
            .iter()
            .map(|(n, t)| format!("{}: {}", camel(n), t(&cfg)))
            .collect();
        if op.events {
            params.push("onEvent?: (event: SyncEvent) => void".into());
        }
        let object: Vec<String> = op
            .args
            .iter()
            .map(|(n, _)| {
                let c = camel(n);
                if c == *n {
                    c
                } else {
                    format!("{n}: {c}")
                }
            })
            .collect();
        let ret = (op.returns)(&cfg);
        out.push_str(&format!(
            "\n  {method}({}): Promise<{ret}> {{\n    return this.caller.call<{ret}>('{}', {{ {} }}{});\n  }}\n",
            params.join(", "),
            op.name,
            object.join(", "),
            if op.events { ", onEvent" } else { "" },
        ));
    }
    out.push_str("}\n");
    out.replace("{  }", "{}")
}

fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The operations the desktop window may invoke.
fn desktop_operations() -> impl Iterator<Item = &'static OperationSpec> {
    OPERATIONS
        .iter()
        .filter(|o| o.check(Surface::Desktop).is_ok())
}

/// `src-tauri/commands.rs`: the command list `tauri-build` turns into one `allow-<name>`
/// permission each (read by `src-tauri/build.rs`).
pub fn tauri_command_list() -> String {
    let mut out = String::from(
        "// Generated from crates/coffer-api/src/ops.rs by `cargo test -p coffer-api`; do not edit.\n\
         // Read by build.rs: every command needs an explicit `allow-*` in a capability.\n\
         const COMMANDS: &[&str] = &[\n",
    );
    for op in desktop_operations() {
        out.push_str(&format!("    \"{}\",\n", op.name));
    }
    out.push_str("];\n");
    out
}

/// `src-tauri/capabilities/main.json`: what the main window may call. Only what the UI needs
/// from Tauri's core (invoking commands, receiving events and channel messages), and one
/// permission per operation.
pub fn capability_file() -> String {
    let mut permissions: Vec<String> = vec!["core:event:default".to_string()];
    permissions.extend(desktop_operations().map(|o| format!("allow-{}", o.name.replace('_', "-"))));
    let value = serde_json::json!({
        "$schema": "../gen/schemas/desktop-schema.json",
        "identifier": "main",
        "description": "Generated from crates/coffer-api/src/ops.rs: what the main window may call.",
        "windows": ["main"],
        "permissions": permissions,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut names: Vec<&str> = OPERATIONS.iter().map(|o| o.name).collect();
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OPERATIONS.len());
    }

    #[test]
    fn admin_operations_never_reach_http_and_writes_need_a_writable_server() {
        for op in OPERATIONS {
            let read_only = op.check(Surface::Http { writable: false });
            let writable = op.check(Surface::Http { writable: true });
            match op.access {
                Access::Read => assert!(read_only.is_ok() && writable.is_ok(), "{}", op.name),
                Access::Write => {
                    assert!(read_only.is_err() && writable.is_ok(), "{}", op.name)
                }
                Access::Admin | Access::Desktop => {
                    assert!(read_only.is_err() && writable.is_err(), "{}", op.name)
                }
                Access::Http => assert!(read_only.is_ok(), "{}", op.name),
            }
        }
        for name in ["set_setting", "reset_vault"] {
            let op = OPERATIONS.iter().find(|o| o.name == name).unwrap();
            assert_eq!(op.access, Access::Admin, "{name} changes where secrets go");
        }
    }

    #[test]
    fn camel_case_for_typescript() {
        assert_eq!(camel("report_flows"), "reportFlows");
        assert_eq!(camel("is_regex"), "isRegex");
        assert_eq!(camel("accounts"), "accounts");
    }
}
