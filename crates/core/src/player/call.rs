//! What to play for a call: its legs on one clock ([`crate::timeline`]), each with its copies
//! best first — a verified local file before any URL, then the synced copy, then the
//! provider's — read through the recording's byte store ([`crate::bytestore`]), which fetches
//! by Range requests from a signed URL (renewed as it expires) only what it does not hold.
//! Online the legs come from the endpoints' answer (and the library remembers them); offline
//! (or when neither endpoint can be reached) from what the library remembers of the call,
//! planned by the same rules and played from downloaded files or recordings cached whole, so
//! a call plays the same audio under the same labels either way.

use std::path::PathBuf;
use std::sync::Arc;

use crate::downloads;
use crate::library::{Library, SegmentRecord};
use crate::recordings::{Endpoint, Recordings};
use crate::remote::{EXPIRY_MARGIN, ReaderOptions, RemoteReader};
use crate::timeline::{self, Take};
use crate::{ErrorCode, ErrorKind};

use super::{Media, PlayerError, SegmentCopy, TimelineSegment};

/// A call's timeline, and whether it came from downloaded files alone.
pub struct CallTimeline {
    pub segments: Vec<TimelineSegment>,
    pub local_only: bool,
    /// Each leg's preferred copy again, for a second pass beside playback (the waveform): the
    /// same file, or another reader of the same byte store, with its own read-ahead (two
    /// readers at different places sharing one would defeat each other's).
    pub second_readers: Vec<Media>,
}

/// The verified local file of each recording the library knows for `call_id`. A library that
/// cannot be read is an error the reviewer sees (`library`), not a call silently streamed.
fn local_files(
    library: &Library,
    call_id: &str,
) -> Result<Vec<(SegmentRecord, Option<PathBuf>)>, PlayerError> {
    let records = library
        .segments(call_id)
        .map_err(|e| PlayerError::resolve(&e))?;
    records
        .into_iter()
        .map(
            |record| match downloads::local_file(library, call_id, record.index) {
                Ok(path) => Ok((record, Some(path))),
                Err(downloads::DownloadError::NotDownloaded { .. }) => Ok((record, None)),
                Err(error) => Err(PlayerError::resolve(&error)),
            },
        )
        .collect()
}

fn record_take(record: &SegmentRecord, local: bool) -> Take {
    Take {
        id: record.segment_id.clone(),
        label: record.label.clone(),
        from_a: record.endpoint.as_deref() == Some(Endpoint::CallRecording.function()),
        status: record.status.clone(),
        created_at: record.created_at.clone(),
        duration: record.duration_seconds,
        local,
    }
}

/// The downloaded timeline of `call_id`: the library's recordings planned into legs, each leg
/// played from its local copies; `None` unless every leg has one.
fn downloaded(known: &[(SegmentRecord, Option<PathBuf>)]) -> Option<Vec<TimelineSegment>> {
    let takes: Vec<Take> = known
        .iter()
        .map(|(record, path)| record_take(record, path.is_some()))
        .collect();
    let planned = timeline::plan(&takes, None);
    let mut legs = Vec::with_capacity(planned.legs.len());
    for leg in &planned.legs {
        let copies: Vec<SegmentCopy> = leg
            .copies
            .iter()
            .filter_map(|copy| {
                let (record, path) = &known[copy.take];
                path.as_ref().map(|path| SegmentCopy {
                    kind: copy.kind,
                    recording_id: record.segment_id.clone(),
                    media: Media::File(path.clone()),
                })
            })
            .collect();
        if copies.is_empty() {
            return None;
        }
        legs.push(TimelineSegment {
            label: leg.label.clone(),
            copies,
            gap_before: leg.gap_before,
        });
    }
    (!legs.is_empty()).then_some(legs)
}

fn local_timeline(segments: Vec<TimelineSegment>) -> CallTimeline {
    let second_readers = segments.iter().map(|s| s.media().clone()).collect();
    CallTimeline {
        segments,
        local_only: true,
        second_readers,
    }
}

/// The timeline to play for `call_id`. Must run inside the tokio runtime (streams use it).
pub async fn call_timeline(
    recordings: &Recordings,
    library: &Library,
    http: &reqwest::Client,
    call_id: &str,
) -> Result<CallTimeline, PlayerError> {
    downloads::paths::check_call_id(call_id).map_err(|e| PlayerError::resolve(&e))?;
    let cache = library.cache();
    // Read once: what is on disk decides both the offline plan and the online ranking.
    let known = local_files(library, call_id)?;
    if let Some(segments) = downloaded(&known) {
        return Ok(local_timeline(segments));
    }
    let resolved = recordings
        .resolve(call_id)
        .await
        .map_err(|e| PlayerError::resolve(&e))?;
    if let Some(failure) = &resolved.failure {
        if failure.kind() != ErrorKind::Network {
            return Err(PlayerError::resolve(failure));
        }
        // Offline: what is downloaded, else what was played whole and is still cached.
        let cached: Vec<_> = known
            .into_iter()
            .map(|(record, path)| {
                let path =
                    path.or_else(|| cache.complete(&record.segment_id).map(|file| file.path));
                (record, path)
            })
            .collect();
        if let Some(segments) = downloaded(&cached) {
            return Ok(local_timeline(segments));
        }
        let kept_any = cached.iter().any(|(_, path)| path.is_some());
        if !kept_any {
            return Err(PlayerError::NotAvailableOffline {
                call_id: call_id.to_owned(),
                reason: failure.to_string(),
            });
        }
        return Err(PlayerError::resolve(failure));
    }
    // Remembered, so that the call plays offline once its recordings are cached or kept.
    let records: Vec<_> = resolved
        .records(call_id)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    if let Err(error) = library.record_segments(call_id, &records) {
        tracing::warn!("could not remember a call's recordings: {error}");
    }
    // A recording downloaded earlier (matched by its identity) plays from disk, and ranks first.
    let local = |id: &str| {
        known
            .iter()
            .find(|(record, _)| record.segment_id == id)
            .and_then(|(_, path)| path.clone())
    };
    let takes: Vec<Take> = resolved
        .segments
        .iter()
        .map(|segment| segment.take(local(&segment.id).is_some()))
        .collect();
    let planned = timeline::plan(&takes, None);
    let runtime = tokio::runtime::Handle::current();
    let mut segments = Vec::with_capacity(planned.legs.len());
    let mut second_readers = Vec::with_capacity(planned.legs.len());
    for leg in &planned.legs {
        let mut copies = Vec::with_capacity(leg.copies.len());
        for (rank, copy) in leg.copies.iter().enumerate() {
            let segment = &resolved.segments[copy.take];
            let (media, second) = match local(&segment.id) {
                Some(path) => (Media::File(path.clone()), Media::File(path)),
                None => {
                    let lease = recordings.lease(call_id, segment, EXPIRY_MARGIN);
                    let reader = RemoteReader::new(http.clone(), lease, ReaderOptions::default());
                    // One store per recording; a reader each, with its own read-ahead.
                    let store =
                        cache
                            .store(&segment.id, reader, runtime.clone())
                            .map_err(|source| PlayerError::Open {
                                media: "the recordings cache".into(),
                                source,
                            })?;
                    (
                        Media::Remote(Arc::new(store.reader())),
                        Media::Remote(Arc::new(store.reader())),
                    )
                }
            };
            if rank == 0 {
                second_readers.push(second);
            }
            copies.push(SegmentCopy {
                kind: copy.kind,
                recording_id: segment.id.clone(),
                media,
            });
        }
        segments.push(TimelineSegment {
            label: leg.label.clone(),
            copies,
            gap_before: leg.gap_before,
        });
    }
    Ok(CallTimeline {
        segments,
        local_only: false,
        second_readers,
    })
}
