// App commands are listed so each needs an explicit `allow-*` in a capability; without the
// manifest every window could call every command.
const COMMANDS: &[&str] = &[
    "app_status",
    "connect_demo",
    "sync_all",
    "accounts",
    "transactions",
    "transaction_page",
    "report_flows",
    "report_categories",
    "report_vendors",
    "report_accounts",
    "report_balances",
    "chart",
    "vendors",
    "vendor_rules",
    "rename_vendor",
    "merge_vendors",
    "add_vendor_rule",
    "delete_vendor_rule",
    "categories",
    "category_rules",
    "add_category_rule",
    "delete_category_rule",
    "set_category",
    "export_csv_dialog",
    "save_chart_dialog",
    "connections",
    "sync_connection",
    "providers",
    "finsify_services",
    "connect_begin",
    "connect_finish",
    "connect_cancel",
    "disconnect",
    "refresh_at_bank",
    "settings",
    "set_setting",
    "vault_status",
    "reset_vault",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to; cargo shows this message.
        panic!("tauri build step failed: {e:#}");
    }
}
