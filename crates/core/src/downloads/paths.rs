//! File names from validated ids only: `<data dir>/recordings/<call id>/<index>.<ext>`, the
//! extension sniffed from the file's first bytes. Labels, URLs and any other server text never
//! reach a path.

use std::path::{Component, Path, PathBuf};

use super::DownloadError;

/// The folder under the data dir that holds every downloaded recording.
pub const RECORDINGS_DIR: &str = "recordings";

/// The longest call id accepted in a path (UUIDs are 36; other deployments' ids are similar).
pub const MAX_CALL_ID: usize = 64;

/// A call id safe to use as one path component: 1–64 ASCII letters, digits, `-` or `_`.
/// Strict on purpose: it rules out `..`, separators, NUL, drive letters and Unicode tricks.
pub fn check_call_id(call_id: &str) -> Result<&str, DownloadError> {
    let reason = if call_id.is_empty() {
        "is empty"
    } else if call_id.len() > MAX_CALL_ID {
        "is longer than 64 characters"
    } else if !call_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        "may only hold ASCII letters, digits, '-' and '_'"
    } else {
        return Ok(call_id);
    };
    let shown: String = call_id
        .chars()
        .take(40)
        .flat_map(char::escape_debug)
        .collect();
    Err(DownloadError::InvalidCallId {
        shown,
        reason: reason.to_owned(),
    })
}

/// `recordings/<call id>` relative to the data dir.
pub fn call_dir(call_id: &str) -> Result<PathBuf, DownloadError> {
    Ok(Path::new(RECORDINGS_DIR).join(check_call_id(call_id)?))
}

/// `recordings/<call id>/<index>.part` (the extension is only known once bytes arrived).
pub fn part_path(call_id: &str, index: u32) -> Result<PathBuf, DownloadError> {
    Ok(call_dir(call_id)?.join(format!("{index}.part")))
}

/// Deletes the `.part` of recording `index` of `call_id` under `data_dir`, if there is one (a
/// path that would leave the data dir is left alone).
pub fn remove_part(data_dir: &Path, call_id: &str, index: u32) -> Result<(), DownloadError> {
    if let Ok(part) = inside(data_dir, &part_path(call_id, index)?) {
        let _ = std::fs::remove_file(part);
    }
    Ok(())
}

/// `recordings/<call id>/<index>.<ext>`.
pub fn final_path(call_id: &str, index: u32, ext: &str) -> Result<PathBuf, DownloadError> {
    debug_assert!(EXTENSIONS.contains(&ext));
    Ok(call_dir(call_id)?.join(format!("{index}.{ext}")))
}

/// Every extension [`sniff`] can give.
pub const EXTENSIONS: &[&str] = &["wav", "mp3", "ogg", "flac", "m4a", "webm", "bin"];

/// The container from the first bytes: never from a label, a URL or a Content-Type.
pub fn sniff(head: &[u8]) -> &'static str {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"RIFF") && at(8, b"WAVE") {
        "wav"
    } else if at(0, b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
        "mp3"
    } else if at(0, b"OggS") {
        "ogg"
    } else if at(0, b"fLaC") {
        "flac"
    } else if at(4, b"ftyp") {
        "m4a"
    } else if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        "webm"
    } else {
        "bin"
    }
}

/// The media type recorded for a sniffed extension.
pub fn content_type(ext: &str) -> &'static str {
    match ext {
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        "m4a" => "audio/mp4",
        "webm" => "audio/webm",
        _ => "application/octet-stream",
    }
}

/// `relative` as stored in `files.path`: `/`-separated, checked to be plain components.
pub fn to_stored(relative: &Path) -> Result<String, DownloadError> {
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(
                part.to_str()
                    .ok_or_else(|| DownloadError::UnsafePath(relative.display().to_string()))?,
            ),
            _ => return Err(DownloadError::UnsafePath(relative.display().to_string())),
        }
    }
    Ok(parts.join("/"))
}

/// `data_dir/relative`, refused unless it stays inside `data_dir` (symlinks resolved for the
/// part that exists): the last line of defence behind the id validation.
pub fn inside(data_dir: &Path, relative: &Path) -> Result<PathBuf, DownloadError> {
    let stored = to_stored(relative)?;
    let root = data_dir
        .canonicalize()
        .map_err(|e| DownloadError::io(data_dir, &e))?;
    let mut path = root.clone();
    for part in stored.split('/') {
        path.push(part);
    }
    // Resolve the deepest existing ancestor (a symlinked call folder must not lead out).
    let mut existing = path.as_path();
    while !existing.exists() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    let resolved = existing
        .canonicalize()
        .map_err(|e| DownloadError::io(existing, &e))?;
    if !resolved.starts_with(&root) {
        return Err(DownloadError::UnsafePath(relative.display().to_string()));
    }
    Ok(path)
}

/// A label as a file-name fragment for exports: ASCII letters, digits, `+`, `-`, `_` only,
/// at most 40 characters; anything else becomes `_`.
pub fn safe_fragment(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('_');
    if trimmed.is_empty() {
        "segment".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_containers_from_magic_bytes_only() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), "wav");
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI "), "bin");
        assert_eq!(sniff(b"ID3\x04"), "mp3");
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), "mp3");
        assert_eq!(sniff(b"OggS\0"), "ogg");
        assert_eq!(sniff(b"fLaC"), "flac");
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A "), "m4a");
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 1]), "webm");
        assert_eq!(sniff(b"<html>"), "bin");
        assert_eq!(sniff(b""), "bin");
    }

    #[test]
    fn hostile_call_ids_are_refused() {
        let long = "a".repeat(10_000);
        for id in [
            "",
            "..",
            "../x",
            "a/b",
            "/etc/passwd",
            "a\0b",
            "C:\\x",
            "é",
            "a b",
            ".",
            &long,
        ] {
            assert!(check_call_id(id).is_err(), "{id:?}");
        }
        assert!(check_call_id("99b94321-557b-498b-a3e8-d950e6160a39").is_ok());
        assert!(check_call_id("call_42").is_ok());
        let error = check_call_id(&long).unwrap_err().to_string();
        assert!(error.len() < 200, "{error}");
    }

    #[test]
    fn export_fragments_are_tame() {
        assert_eq!(safe_fragment("../../etc/passwd"), "etc_passwd");
        assert_eq!(safe_fragment("main"), "main");
        assert_eq!(safe_fragment("\0/"), "segment");
        assert_eq!(safe_fragment(&"x".repeat(10_000)).len(), 40);
    }
}
