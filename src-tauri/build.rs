fn main() {
    // Layout R: tauri.conf.json sits beside the root Cargo.toml, so tauri-build finds it by
    // default; only the capabilities live under src-tauri/ with the rest of the shell.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        // Declaring the app's commands makes each one a permission the capability must grant.
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "app_info",
            "probe_project",
            "session_state",
            "sign_in",
            "sign_out",
            "list_calls",
            "call_recordings",
            "download_call",
            "download_segment",
            "download_matching",
            "count_matching",
            "control_download",
            "watch_downloads",
            "library_usage",
            "remove_call_files",
            "export_call_files",
            "show_call_files",
            "play_call",
            "player_control",
            "watch_player",
            "watch_waveform",
            "take_open_call",
            "player_preferences",
            "set_output_device",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
