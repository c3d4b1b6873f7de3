//! Recovery at start: the library and the disk brought into agreement after a restart or a
//! crash, before the queue runs.

use std::path::Path;

use super::{DownloadError, Downloads, Recovery, paths, transfer};
use crate::library::{DownloadState, FileRecord};

impl Downloads {
    /// Brings the library and the disk into agreement after a restart or a crash: running
    /// rows are queued again; files whose fsync had not run are hashed again (kept if intact,
    /// else downloaded again); a final file without a `files` row is adopted when it hashes to
    /// the SHA-256 saved before its rename (it was renamed, then the process died), else
    /// deleted; `.part` files nobody waits for and rows whose file is gone are removed.
    pub fn recover(&self) -> Result<Recovery, DownloadError> {
        let library = &self.inner.library;
        let mut report = Recovery {
            requeued: library.requeue_running()?,
            ..Recovery::default()
        };
        for file in library.files_not_durable()? {
            let path = paths::inside(&self.inner.data_dir, Path::new(&file.path));
            let intact = path.as_ref().is_ok_and(|path| {
                std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == file.size)
                    && transfer::hash_file(path).is_ok_and(|sha| sha == file.sha256)
            });
            if intact {
                if let Err(error) = transfer::make_durable(library, &file) {
                    tracing::warn!("a verified file is still not durable: {error}");
                }
                report.verified += 1;
            } else {
                tracing::warn!(
                    call = %file.call_id,
                    index = file.index,
                    "a file cut short before its fsync: downloading it again"
                );
                library.forget_file(&file.call_id, file.index)?;
                if let Ok(path) = path {
                    let _ = std::fs::remove_file(path);
                }
                library.restart_download(&file.call_id, file.index)?;
                report.damaged += 1;
            }
        }
        for file in library.files(None)? {
            let on_disk = std::fs::metadata(self.inner.data_dir.join(&file.path));
            if !on_disk.is_ok_and(|m| m.is_file() && m.len() == file.size) {
                library.forget_file(&file.call_id, file.index)?;
                if library
                    .download(&file.call_id, file.index)?
                    .is_some_and(|d| d.state == DownloadState::Done)
                {
                    library.remove_download(&file.call_id, file.index)?;
                }
                report.removed += 1;
            }
        }
        let root = self.inner.data_dir.join(paths::RECORDINGS_DIR);
        let Ok(calls) = std::fs::read_dir(&root) else {
            return Ok(report);
        };
        for call in calls.flatten() {
            let Some(call_id) = call.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if paths::check_call_id(&call_id).is_err() {
                continue; // not ours: never touched
            }
            let Ok(entries) = std::fs::read_dir(call.path()) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some((stem, ext)) = name.split_once('.') else {
                    continue;
                };
                let Ok(index) = stem.parse::<u32>() else {
                    continue;
                };
                let path = entry.path();
                let download = library.download(&call_id, index)?;
                if ext == "part" {
                    let wanted = download.is_some_and(|d| d.state != DownloadState::Done);
                    if !wanted {
                        let _ = std::fs::remove_file(&path);
                        report.removed += 1;
                    }
                    continue;
                }
                if !paths::EXTENSIONS.contains(&ext) {
                    continue;
                }
                let stored = format!("{}/{call_id}/{name}", paths::RECORDINGS_DIR);
                if library
                    .file(&call_id, index)?
                    .is_some_and(|f| f.path == stored)
                {
                    continue;
                }
                let len = entry.metadata().map(|m| m.len()).ok();
                let adoptable =
                    download.filter(|d| d.total.is_some() && d.total == len && d.sha256.is_some());
                if let Some(record) = adoptable
                    && let Ok(sha256) = transfer::hash_file(&path)
                    && record.sha256.as_deref() == Some(sha256.as_str())
                {
                    let file = FileRecord {
                        call_id: call_id.clone(),
                        index,
                        path: stored,
                        size: len.unwrap_or(0),
                        sha256,
                        etag: record.validator.filter(|v| v.starts_with('"')),
                        content_type: Some(paths::content_type(ext).to_owned()),
                        completed_at: time::OffsetDateTime::now_utc().unix_timestamp(),
                    };
                    library.complete_download(&file, false)?;
                    if let Err(error) = transfer::make_durable(library, &file) {
                        tracing::warn!("an adopted file is still not durable: {error}");
                    }
                    let _ = std::fs::remove_file(call.path().join(format!("{index}.part")));
                    report.adopted += 1;
                } else {
                    let _ = std::fs::remove_file(&path);
                    report.removed += 1;
                }
            }
        }
        Ok(report)
    }
}
