//! What is downloaded, from the library alone (no queue, no network): the space it takes, a
//! recording's verified file, a call's files removed, and a call's files exported by name.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{DownloadError, Downloads, paths};
use crate::calls::CallRow;
use crate::library::{DownloadState, FileRecord, Library};

/// What the downloaded files take on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LibraryUsage {
    #[ts(type = "number")]
    pub bytes: u64,
    pub files: u32,
    pub calls: u32,
    /// Played recordings kept for offline play (the cache, not downloads), and its limit.
    #[ts(type = "number")]
    pub cache_bytes: u64,
    #[ts(type = "number")]
    pub cache_limit_bytes: u64,
}

/// The files downloaded so far, summed from the library (no network, no queue needed).
pub fn usage(library: &Library) -> Result<LibraryUsage, DownloadError> {
    let files = library.files(None)?;
    let calls: std::collections::BTreeSet<&str> =
        files.iter().map(|f| f.call_id.as_str()).collect();
    Ok(LibraryUsage {
        bytes: files.iter().map(|f| f.size).sum(),
        files: u32::try_from(files.len()).unwrap_or(u32::MAX),
        calls: u32::try_from(calls.len()).unwrap_or(u32::MAX),
        cache_bytes: library.cache().usage(),
        cache_limit_bytes: library.cache().limit(),
    })
}

/// The verified local file of segment `index` of `call_id`: recorded in the library, inside the
/// data dir, and still of the recorded length (a cheap check; the SHA-256 was checked when it
/// was written). What the player uses before any URL.
pub fn local_file(library: &Library, call_id: &str, index: u32) -> Result<PathBuf, DownloadError> {
    paths::check_call_id(call_id)?;
    let not_downloaded = || DownloadError::NotDownloaded {
        call_id: call_id.to_owned(),
        index,
    };
    let file = library.file(call_id, index)?.ok_or_else(not_downloaded)?;
    let path = paths::inside(library.dir(), Path::new(&file.path))?;
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() && meta.len() == file.size => Ok(path),
        _ => Err(not_downloaded()),
    }
}
/// Deletes `call_id`'s files and queue rows from `library` (rows first: a crash in between
/// leaves an orphan that [`Downloads::recover`] sweeps, never a row without its file).
pub fn remove_call(
    library: &Library,
    call_id: &str,
    downloads: Option<&Downloads>,
) -> Result<Vec<FileRecord>, DownloadError> {
    paths::check_call_id(call_id)?;
    for record in library.downloads()? {
        if record.call_id == call_id && record.state != DownloadState::Done {
            match downloads {
                Some(downloads) => downloads.cancel(call_id, record.index)?,
                None => {
                    paths::remove_part(library.dir(), call_id, record.index)?;
                    library.remove_download(call_id, record.index)?;
                }
            }
        }
    }
    let files = library.remove_files(call_id)?;
    for file in &files {
        let path = paths::inside(library.dir(), Path::new(&file.path))?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(DownloadError::io(&path, &e)),
        }
    }
    if let Ok(dir) = paths::inside(library.dir(), &paths::call_dir(call_id)?) {
        let _ = std::fs::remove_dir(dir); // only if empty
    }
    Ok(files)
}

/// How many `name-N` an export tries before it gives up (a folder full of earlier exports).
const MAX_EXPORT_NAMES: u32 = 1000;

/// Copies a call's files into `dest` with readable names,
/// `2026-11-21_1405_+15551234567_main.mp3`, never overwriting (a `-2`… suffix instead).
/// The call's details come from the library; labels are reduced to safe characters.
pub fn export_call(
    library: &Library,
    call_id: &str,
    dest: &Path,
) -> Result<Vec<PathBuf>, DownloadError> {
    paths::check_call_id(call_id)?;
    let files = library.files(Some(call_id))?;
    if files.is_empty() {
        return Err(DownloadError::NoRecording {
            call_id: call_id.to_owned(),
        });
    }
    std::fs::create_dir_all(dest).map_err(|e| DownloadError::io(dest, &e))?;
    let call = library.call(call_id)?;
    let segments = library.segments(call_id)?;
    let stem = export_stem(call.as_ref(), call_id);
    let mut written = Vec::new();
    for file in files {
        let label = segments
            .iter()
            .find(|s| s.index == file.index)
            .map_or_else(|| format!("segment{}", file.index), |s| s.label.clone());
        let ext = Path::new(&file.path)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| paths::EXTENSIONS.contains(e))
            .unwrap_or("bin");
        let base = format!("{stem}_{}", paths::safe_fragment(&label));
        let from = paths::inside(library.dir(), Path::new(&file.path))?;
        // `create_new`: never over a file that is there, nor through a symlink planted in
        // the folder (O_EXCL refuses both); the next free name is taken instead.
        let mut n = 1;
        let (target, mut out) = loop {
            let name = if n == 1 {
                format!("{base}.{ext}")
            } else {
                format!("{base}-{n}.{ext}")
            };
            let candidate = dest.join(name);
            match crate::files::options()
                .write(true)
                .create_new(true)
                .open(&candidate)
            {
                Ok(file) => break (candidate, file),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < MAX_EXPORT_NAMES => {
                    n += 1;
                }
                Err(e) => return Err(DownloadError::io(&candidate, &e)),
            }
        };
        let copied = std::fs::File::open(&from)
            .and_then(|mut input| std::io::copy(&mut input, &mut out))
            .and_then(|_| out.sync_all());
        if let Err(e) = copied {
            drop(out);
            let _ = std::fs::remove_file(&target);
            return Err(DownloadError::io(&target, &e));
        }
        written.push(target);
    }
    Ok(written)
}

/// `2026-11-21_1405_+15551234567` from the call's creation time and the other party's number.
fn export_stem(call: Option<&CallRow>, call_id: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let when = call
        .and_then(|c| c.created_at.as_deref())
        .and_then(|t| time::OffsetDateTime::parse(t, &Rfc3339).ok())
        .map(|t| {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}_{:02}{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        });
    let number = call.and_then(|c| {
        if c.direction.as_deref() == Some("outbound") {
            c.to_number.clone().or_else(|| c.from_number.clone())
        } else {
            c.from_number.clone().or_else(|| c.to_number.clone())
        }
    });
    match (when, number) {
        (Some(when), Some(number)) => format!("{when}_{}", paths::safe_fragment(&number)),
        (Some(when), None) => format!("{when}_{call_id}"),
        _ => call_id.to_owned(),
    }
}
