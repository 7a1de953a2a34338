// The command list is generated from crates/coffer-api/src/ops.rs (a test keeps it current), so
// each command needs an explicit `allow-*` in a capability; without the manifest every window
// could call every command.
include!("commands.rs");

fn main() {
    println!("cargo:rerun-if-changed=commands.rs");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to; cargo shows this message.
        panic!("tauri build step failed: {e:#}");
    }
}
