// App commands are listed so each needs an explicit `allow-*` in a capability; without the
// manifest every window could call every command.
const COMMANDS: &[&str] = &[
    "app_status",
    "connect_demo",
    "sync_all",
    "accounts",
    "transactions",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to; cargo shows this message.
        panic!("tauri build step failed: {e:#}");
    }
}
