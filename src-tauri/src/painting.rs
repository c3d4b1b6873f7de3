//! How WebKitGTK (Linux) paints and scrolls the page on this machine: decided once, before any
//! thread starts.
//!
//! WebKitGTK (2.46 and later) paints with Skia on the GPU whenever it has GL. On a machine
//! without a GPU render node (a VM, a remote desktop, a thin client) the only GL is Mesa's
//! software rasteriser, llvmpipe: "GPU" painting is then the CPU running shaders that LLVM
//! compiles in the web process, one set per kind of drawing the page uses. There, Skia's own CPU
//! painting gives the same pixels for ~44 MiB less (issue 15's bench: idle web process 236 →
//! 192 MiB) and no slower a first audio. A user's own `WEBKIT_SKIA_ENABLE_CPU_RENDERING`
//! (`0` included) always wins.
//!
//! On such a machine overflow boxes also scroll on the page's own thread: a composited scroller
//! keeps tiles for about four times its visible area, held twice (painted and as llvmpipe
//! textures), ~15 MiB for the call list alone; and the list draws its rows from script as it
//! scrolls, so a scroll the page has not drawn yet would show blank rows anyway.

use std::ffi::OsString;
use std::path::Path;

use crate::webkit_features;

/// WebKit's switch: any value but `0` makes the web process paint on the CPU.
pub const CPU_PAINTING_VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
/// WebKit's preference for scrolling overflow boxes on its scrolling thread.
pub const ASYNC_OVERFLOW_SCROLLING: &str = "AsyncOverflowScrolling";
/// Where the kernel lists GPU nodes; a `renderD*` entry means a GPU that GL can use.
const DRI_DIR: &str = "/dev/dri";

/// What decided how the page is painted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Painting {
    /// The user's environment already says: Callrec leaves it alone.
    UserChoice(OsString),
    /// A render node exists: WebKit's default (Skia on the GPU).
    Gpu,
    /// No render node: Skia on the CPU.
    CpuWithoutGpu,
}

/// How the page is rendered on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendering {
    pub painting: Painting,
    /// Whether overflow boxes scroll on WebKit's scrolling thread, as composited layers: only
    /// with a GPU.
    pub async_overflow_scrolling: bool,
}

/// The choice for a machine whose GPU nodes are listed in `dri` and whose environment holds
/// `user` for [`CPU_PAINTING_VAR`].
pub fn decide(user: Option<OsString>, dri: &Path) -> Rendering {
    let gpu = has_render_node(dri);
    let painting = match user {
        Some(value) => Painting::UserChoice(value),
        None if gpu => Painting::Gpu,
        None => Painting::CpuWithoutGpu,
    };
    Rendering {
        painting,
        async_overflow_scrolling: gpu,
    }
}

/// Decides for this machine and sets the environment the web process will inherit.
///
/// Call it first in `main`: it may set an environment variable, which is only sound while the
/// process has one thread.
pub fn choose() -> Rendering {
    let rendering = decide(std::env::var_os(CPU_PAINTING_VAR), Path::new(DRI_DIR));
    if rendering.painting == Painting::CpuWithoutGpu {
        // SAFETY: `main` calls this before the logger, Tauri or any other thread exists, so no
        // thread can be reading the environment meanwhile.
        unsafe { std::env::set_var(CPU_PAINTING_VAR, "1") };
    }
    rendering
}

/// Applies what the environment cannot say, on the window's webview: overflow scrolling.
pub fn apply(window: &tauri::WebviewWindow, rendering: &Rendering) {
    if rendering.async_overflow_scrolling {
        return;
    }
    let reached = window.with_webview(|webview| {
        use webkit2gtk::WebViewExt;
        let Some(settings) = webview.inner().settings() else {
            tracing::warn!(
                "the webview has no settings: overflow boxes keep WebKit's scrolling thread"
            );
            return;
        };
        let set = webkit_features::set(&settings, ASYNC_OVERFLOW_SCROLLING, false)
            .and_then(|()| webkit_features::enabled(&settings, ASYNC_OVERFLOW_SCROLLING));
        match set {
            Ok(false) => tracing::info!(
                async_overflow_scrolling = false,
                "overflow boxes scroll on the page's thread"
            ),
            Ok(true) => tracing::warn!("WebKit kept overflow boxes on its scrolling thread"),
            Err(error) => tracing::warn!(%error, "overflow boxes keep WebKit's scrolling thread"),
        }
    });
    if let Err(error) = reached {
        tracing::warn!(%error, "the webview's settings are out of reach");
    }
}

fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dri_with(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        dir
    }

    #[test]
    fn a_render_node_keeps_webkit_s_gpu_painting() {
        let dri = dri_with(&["card0", "renderD128"]);
        let rendering = decide(None, dri.path());
        assert_eq!(rendering.painting, Painting::Gpu);
        assert!(rendering.async_overflow_scrolling);
    }

    #[test]
    fn no_render_node_paints_on_the_cpu() {
        // A display-only card is no GPU that GL can render with.
        let dri = dri_with(&["card0"]);
        let missing = dri.path().join("absent");
        for dir in [dri.path(), &missing] {
            let rendering = decide(None, dir);
            assert_eq!(rendering.painting, Painting::CpuWithoutGpu);
            assert!(
                !rendering.async_overflow_scrolling,
                "no GPU: scrolling on the page's thread"
            );
        }
    }

    #[test]
    fn the_user_s_own_setting_wins_either_way() {
        let without = dri_with(&[]);
        let with = dri_with(&["renderD128"]);
        let user_off = decide(Some("0".into()), without.path());
        assert_eq!(user_off.painting, Painting::UserChoice("0".into()));
        let user_on = decide(Some("1".into()), with.path());
        assert_eq!(user_on.painting, Painting::UserChoice("1".into()));
        // Scrolling follows the machine, whatever the user's painting.
        assert!(!user_off.async_overflow_scrolling);
        assert!(user_on.async_overflow_scrolling);
    }
}
