/// The app's commands, from the one list (`src/command_list.rs`).
macro_rules! callrec_commands {
    ($($command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}
const COMMANDS: &[&str] = include!("src/command_list.rs");

fn main() {
    // Layout R: tauri.conf.json sits beside the root Cargo.toml, so tauri-build finds it by
    // default; only the capabilities live under src-tauri/ with the rest of the shell.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=src-tauri/src/command_list.rs");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        // Declaring the app's commands makes each one a permission the capability must grant.
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
