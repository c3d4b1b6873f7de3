//! The webview locked down as Tauri's security guide recommends, beside what
//! `tauri.conf.json` sets (the CSP, `freezePrototype`, the isolation pattern whose hook in
//! `ui/isolation/` refuses any command argument that names a path): the window never
//! navigates away from the app's own pages, whatever a link or a script asks.

use tauri::Runtime;
use tauri::plugin::TauriPlugin;
use url::Url;

/// Whether `url` is one of the app's own pages: the bundled UI (`tauri://localhost` on Linux
/// and macOS, `http(s)://tauri.localhost` on Windows). Anything else — a web page, a file, a
/// `javascript:` or `data:` URL — is refused.
pub fn is_app_page(url: &Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    }
}

/// A plugin that refuses every navigation off the app's pages.
pub fn navigation_guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_page(url);
            if !allowed {
                tracing::warn!(scheme = url.scheme(), "refused a navigation off the app");
            }
            allowed
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_app_s_own_pages_are_reachable() {
        for ok in [
            "tauri://localhost/",
            "tauri://localhost/index.html#/calls",
            "http://tauri.localhost/",
            "https://tauri.localhost/index.html",
        ] {
            assert!(is_app_page(&Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "https://evil.example/",
            "http://tauri.localhost.evil.example/",
            "http://tauri.localhost:8080/",
            "tauri://evil/",
            "file:///etc/passwd",
            "data:text/html,<script>1</script>",
            "javascript:alert(1)",
            "about:blank",
        ] {
            assert!(!is_app_page(&Url::parse(refused).unwrap()), "{refused}");
        }
    }
}
