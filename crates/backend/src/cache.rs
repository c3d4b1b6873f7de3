//! The rendered-audio cache: recordings are rendered on first request through
//! [`crate::audio::render_to_file`] into `<data dir>/audio/`. One render per file at a time;
//! concurrent requests for the same file wait for it. Files are named by a hash of their spec,
//! so a changed spec never serves stale bytes and a reused data dir keeps its renders.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::audio::{AudioFormat, AudioSpec, Damage};
use crate::db::AudioRow;
use crate::stats::Counters;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("unknown stored audio format or damage {0:?}")]
    Spec(String),
    #[error("rendering audio: {0}")]
    Render(String),
    #[error("audio cache i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// A rendered file, ready to serve.
#[derive(Debug, Clone)]
pub(crate) struct CachedFile {
    pub path: PathBuf,
    pub len: u64,
    /// Strong validator, stable per spec: `"<32 hex>"`.
    pub etag: String,
    pub content_type: &'static str,
}

pub(crate) struct AudioCache {
    dir: PathBuf,
    renders: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    counters: Arc<Counters>,
}

fn parse_enum<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, CacheError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| CacheError::Spec(text.to_string()))
}

/// The render spec of a stored audio object.
pub(crate) fn spec_of(row: &AudioRow) -> Result<AudioSpec, CacheError> {
    let format: AudioFormat = parse_enum(&row.format)?;
    let damage: Damage = parse_enum(&row.damage)?;
    Ok(AudioSpec {
        format,
        duration_ms: u64::try_from(row.duration_ms).unwrap_or(0),
        tone_hz: row.tone_hz as f32,
        right_tone_hz: row.right_tone_hz.map(|f| f as f32),
        seed: row.audio_seed as u64,
        damage,
    })
}

/// The stored format of a row, for URLs (extension) without rendering anything.
pub(crate) fn format_of(row: &AudioRow) -> Result<AudioFormat, CacheError> {
    parse_enum(&row.format)
}

fn spec_hash(spec: &AudioSpec) -> String {
    let json = serde_json::to_string(spec).unwrap_or_default();
    crate::signing::sha256_hex(json.as_bytes())
}

impl AudioCache {
    pub(crate) fn new(dir: PathBuf, counters: Arc<Counters>) -> Self {
        AudioCache {
            dir,
            renders: Mutex::new(HashMap::new()),
            counters,
        }
    }

    /// The rendered file for `spec`, rendering it first if needed.
    pub(crate) async fn ensure(&self, spec: &AudioSpec) -> Result<CachedFile, CacheError> {
        let hash = spec_hash(spec);
        let ext = spec.format.extension();
        let path = self.dir.join(format!("{}.{ext}", &hash[..40]));
        let file = |len| CachedFile {
            path: path.clone(),
            len,
            etag: format!("\"{}\"", &hash[..32]),
            content_type: spec.format.content_type(),
        };
        if let Ok(meta) = tokio::fs::metadata(&path).await {
            return Ok(file(meta.len()));
        }
        let lock = {
            let mut map = self
                .renders
                .lock()
                .map_err(|_| CacheError::Render("cache lock poisoned".into()))?;
            Arc::clone(map.entry(hash.clone()).or_default())
        };
        let _guard = lock.lock().await;
        // Someone else may have rendered it while this request waited.
        if let Ok(meta) = tokio::fs::metadata(&path).await {
            return Ok(file(meta.len()));
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        let spec_owned = spec.clone();
        let target = path.clone();
        let rendered =
            tokio::task::spawn_blocking(move || crate::audio::render_to_file(&spec_owned, &target))
                .await
                .map_err(|e| CacheError::Render(format!("render task failed: {e}")))?
                .map_err(|e| CacheError::Render(e.to_string()))?;
        Counters::bump(&self.counters.audio_renders);
        Ok(file(rendered))
    }
}
