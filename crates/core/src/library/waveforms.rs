//! Cached waveforms (migration 4): one row per segment of a call, holding the peaks computed
//! by [`crate::waveform`] and what identifies the audio they came from.

use rusqlite::{OptionalExtension, params};

use super::{Library, LibraryError};

/// A segment's complete waveform, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredWaveform {
    pub call_id: String,
    pub index: u32,
    pub label: String,
    /// The audio's length in bytes (file or remote object).
    pub byte_len: u64,
    /// The downloaded file's SHA-256 (lowercase hex); `None` when computed while streaming.
    pub sha256: Option<String>,
    /// Milliseconds per bucket: a row at another resolution is not used.
    pub bucket_ms: u32,
    /// One peak per bucket, 0–255.
    pub peaks: Vec<u8>,
    /// (start, end) in segment seconds.
    pub silences: Vec<(f64, f64)>,
}

impl Library {
    /// The waveform stored for `call_id`'s segment `index`, if any. A row whose silences do not
    /// parse is treated as absent (it is recomputed and replaced).
    pub fn waveform(
        &self,
        call_id: &str,
        index: u32,
    ) -> Result<Option<StoredWaveform>, LibraryError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT label, byte_len, sha256, bucket_ms, peaks, silences FROM waveforms
                 WHERE call_id = ?1 AND segment_index = ?2",
                params![call_id, index],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, u32>(3)?,
                        row.get::<_, Vec<u8>>(4)?,
                        row.get::<_, String>(5)?,
                    ))
                },
            )
            .optional()?;
        Ok(
            row.and_then(|(label, byte_len, sha256, bucket_ms, peaks, silences)| {
                let silences = serde_json::from_str(&silences).ok()?;
                Some(StoredWaveform {
                    call_id: call_id.to_owned(),
                    index,
                    label,
                    byte_len: byte_len.max(0) as u64,
                    sha256,
                    bucket_ms,
                    peaks,
                    silences,
                })
            }),
        )
    }

    /// Stores (or replaces) a segment's complete waveform.
    pub fn store_waveform(&self, waveform: &StoredWaveform) -> Result<(), LibraryError> {
        let silences = serde_json::to_string(&waveform.silences)
            .map_err(|e| LibraryError::Query(format!("waveform silences: {e}")))?;
        let conn = self.conn();
        conn.execute(
            "INSERT OR REPLACE INTO waveforms (call_id, segment_index, label, byte_len, sha256,
             bucket_ms, peaks, silences, computed_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            params![
                waveform.call_id,
                waveform.index,
                waveform.label,
                i64::try_from(waveform.byte_len).unwrap_or(i64::MAX),
                waveform.sha256,
                waveform.bucket_ms,
                waveform.peaks,
                silences,
                time::OffsetDateTime::now_utc().unix_timestamp(),
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_waveform_comes_back_whole_and_is_replaced_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::open(dir.path()).unwrap();
        assert_eq!(library.waveform("call", 0).unwrap(), None);
        let mut waveform = StoredWaveform {
            call_id: "call".into(),
            index: 1,
            label: "main".into(),
            byte_len: 123_456,
            sha256: Some("ab".repeat(32)),
            bucket_ms: 50,
            peaks: (0..=255).collect(),
            silences: vec![(1.0, 2.5), (7.25, 9.0)],
        };
        library.store_waveform(&waveform).unwrap();
        assert_eq!(library.waveform("call", 1).unwrap(), Some(waveform.clone()));
        assert_eq!(library.waveform("call", 0).unwrap(), None);
        waveform.sha256 = None;
        waveform.peaks = vec![9; 72_000];
        library.store_waveform(&waveform).unwrap();
        assert_eq!(library.waveform("call", 1).unwrap(), Some(waveform));
    }
}
