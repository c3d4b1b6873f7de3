//! The range set saved beside a cached recording's bytes (`<key>.json` beside `<key>.bin`):
//! which recording it is, its length, its validator, and the byte ranges present. Read back
//! bounded: a file we did not write, or one that disagrees with its bytes, is no cache.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A saved index larger than this is not ours.
const MAX_META_BYTES: u64 = 4 * 1024 * 1024;
/// A recording fetched in more pieces than this is saved as if it had none (it is fetched
/// again): the index stays small.
pub(super) const MAX_RANGES: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Meta {
    /// The recording's identity (`recordings::identity::key`).
    pub id: String,
    pub len: Option<u64>,
    pub validator: Option<String>,
    /// `[start, end)` byte ranges present in the `.bin`, in order, not touching.
    pub ranges: Vec<(u64, u64)>,
}

impl Meta {
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut saved = self.clone();
        if saved.ranges.len() > MAX_RANGES {
            saved.ranges.clear();
        }
        let text = serde_json::to_string(&saved).map_err(std::io::Error::other)?;
        crate::files::write_atomic(path, &text)
    }

    /// The saved index of `id` at `path`, when it is one and agrees with `bin_len` (the
    /// `.bin`'s length): ranges in order, within the recording and the file.
    pub fn load(path: &Path, id: &str, bin_len: u64) -> Option<Self> {
        let size = std::fs::metadata(path).ok()?.len();
        if size > MAX_META_BYTES {
            return None;
        }
        let meta: Self = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        (meta.id == id && meta.is_sound(bin_len)).then_some(meta)
    }

    /// Bytes present, as saved (for the cache's size without opening each store).
    pub fn present(&self) -> u64 {
        self.ranges.iter().map(|(s, e)| e - s).sum()
    }

    fn is_sound(&self, bin_len: u64) -> bool {
        let limit = self.len.unwrap_or(u64::MAX).min(bin_len);
        self.ranges.len() <= MAX_RANGES
            && self.validator.as_ref().is_none_or(|v| v.len() <= 1024)
            && self.ranges.iter().all(|&(s, e)| s < e && e <= limit)
            && self.ranges.windows(2).all(|w| w[0].1 < w[1].0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(ranges: Vec<(u64, u64)>) -> Meta {
        Meta {
            id: "b:main:x".into(),
            len: Some(1000),
            validator: Some("\"v1\"".into()),
            ranges,
        }
    }

    #[test]
    fn a_saved_index_reads_back_only_when_it_agrees_with_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let good = meta(vec![(0, 100), (200, 300)]);
        good.save(&path).unwrap();
        assert_eq!(Meta::load(&path, "b:main:x", 300), Some(good.clone()));
        assert_eq!(good.present(), 200);
        // Another recording's, bytes shorter than the ranges, overlapping or reversed ranges.
        assert_eq!(Meta::load(&path, "b:main:y", 300), None);
        assert_eq!(Meta::load(&path, "b:main:x", 250), None);
        for ranges in [vec![(0, 100), (50, 300)], vec![(100, 50)], vec![(0, 1001)]] {
            meta(ranges).save(&path).unwrap();
            assert_eq!(Meta::load(&path, "b:main:x", 2000), None);
        }
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(Meta::load(&path, "b:main:x", 2000), None);
    }
}
