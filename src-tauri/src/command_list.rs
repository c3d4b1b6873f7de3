// The app's commands, listed once. Each includer defines `callrec_commands!` for its own use:
// `build.rs` declares every command as a permission (which the capability must grant), `lib.rs`
// registers their handlers, and `tests.rs` checks that the capability grants exactly these and
// that the UI's typed IPC (`ui/src/lib/ipc.ts`) calls exactly these. Add a command here only.
callrec_commands![
    app_info,
    probe_project,
    session_state,
    sign_in,
    sign_out,
    list_calls,
    open_call,
    call_recordings,
    download_call,
    download_segment,
    download_matching,
    count_matching,
    control_download,
    watch_downloads,
    library_usage,
    remove_call_files,
    export_call_files,
    show_call_files,
    play_call,
    analyze_call,
    copy_moment_link,
    player_control,
    watch_player,
    watch_waveform,
    take_open_call,
    player_preferences,
    set_output_device,
]
