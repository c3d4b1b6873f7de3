//! How WebKitGTK (Linux) paints the page on this machine: chosen once, before any thread starts.
//!
//! WebKitGTK (2.46 and later) paints with Skia on the GPU whenever it has GL. On a machine
//! without a GPU render node (a VM, a remote desktop, a thin client) the only GL is Mesa's
//! software rasteriser, llvmpipe: "GPU" painting is then the CPU running shaders that LLVM
//! compiles in the web process, one set per kind of drawing the page uses. There, Skia's own CPU
//! painting gives the same pixels for ~44 MiB less (issue 15's bench: idle web process 236 →
//! 192 MiB) and no slower a first audio. A user's own `WEBKIT_SKIA_ENABLE_CPU_RENDERING`
//! (`0` included) always wins.

use std::ffi::OsString;
use std::path::Path;

/// WebKit's switch: any value but `0` makes the web process paint on the CPU.
pub const CPU_PAINTING_VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
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

/// The choice for a machine whose GPU nodes are listed in `dri` and whose environment holds
/// `user` for [`CPU_PAINTING_VAR`].
pub fn decide(user: Option<OsString>, dri: &Path) -> Painting {
    match user {
        Some(value) => Painting::UserChoice(value),
        None if has_render_node(dri) => Painting::Gpu,
        None => Painting::CpuWithoutGpu,
    }
}

/// Decides for this machine and sets the environment the web process will inherit.
///
/// Call it first in `main`: it may set an environment variable, which is only sound while the
/// process has one thread.
pub fn choose() -> Painting {
    let painting = decide(std::env::var_os(CPU_PAINTING_VAR), Path::new(DRI_DIR));
    if painting == Painting::CpuWithoutGpu {
        // SAFETY: `main` calls this before the logger, Tauri or any other thread exists, so no
        // thread can be reading the environment meanwhile.
        unsafe { std::env::set_var(CPU_PAINTING_VAR, "1") };
    }
    painting
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
        assert_eq!(decide(None, dri.path()), Painting::Gpu);
    }

    #[test]
    fn no_render_node_paints_on_the_cpu() {
        // A display-only card is no GPU that GL can render with.
        let dri = dri_with(&["card0"]);
        assert_eq!(decide(None, dri.path()), Painting::CpuWithoutGpu);
        let missing = dri.path().join("absent");
        assert_eq!(decide(None, &missing), Painting::CpuWithoutGpu);
    }

    #[test]
    fn the_user_s_own_setting_wins_either_way() {
        let without = dri_with(&[]);
        let with = dri_with(&["renderD128"]);
        assert_eq!(
            decide(Some("0".into()), without.path()),
            Painting::UserChoice("0".into())
        );
        assert_eq!(
            decide(Some("1".into()), with.path()),
            Painting::UserChoice("1".into())
        );
    }
}
