//! What to play for a call: its segments as one timeline, each a verified local file when one
//! was downloaded, else streamed by Range requests from its signed URL (renewed as it
//! expires). A call whose every segment is downloaded plays without asking the network at all,
//! which is also how it plays offline.

use std::sync::Arc;

use crate::downloads;
use crate::library::Library;
use crate::recordings::Recordings;
use crate::remote::{EXPIRY_MARGIN, ReaderOptions, RemoteReader};
use crate::{ErrorCode, ErrorKind};

use super::{Media, PlayerError, StreamedMedia, TimelineSegment};

/// A call's timeline, and whether it came from downloaded files alone.
pub struct CallTimeline {
    pub segments: Vec<TimelineSegment>,
    pub local_only: bool,
    /// Each segment's audio again, for a second pass beside playback (the waveform): the same
    /// file, or a stream of its own over the same URL lease. Its own block cache and
    /// read-ahead: two readers at different places in one stream would defeat each other's.
    pub second_readers: Vec<Media>,
}

/// The downloaded timeline of `call_id`, when the library knows its segments and has a
/// verified file for each.
fn downloaded(
    library: &Library,
    call_id: &str,
) -> Result<Option<Vec<TimelineSegment>>, PlayerError> {
    let segments = library
        .segments(call_id)
        .map_err(|e| PlayerError::resolve(&e))?;
    if segments.is_empty() {
        return Ok(None);
    }
    let mut timeline = Vec::with_capacity(segments.len());
    for segment in segments {
        match downloads::local_file(library, call_id, segment.index) {
            Ok(path) => timeline.push(TimelineSegment {
                label: segment.label,
                media: Media::File(path),
            }),
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(timeline))
}

/// The timeline to play for `call_id`. Must run inside the tokio runtime (streams use it).
pub async fn call_timeline(
    recordings: &Recordings,
    library: &Library,
    http: &reqwest::Client,
    call_id: &str,
) -> Result<CallTimeline, PlayerError> {
    downloads::paths::check_call_id(call_id).map_err(|e| PlayerError::resolve(&e))?;
    if let Some(segments) = downloaded(library, call_id)? {
        let second_readers = segments.iter().map(|s| s.media.clone()).collect();
        return Ok(CallTimeline {
            segments,
            local_only: true,
            second_readers,
        });
    }
    let resolved = recordings
        .resolve(call_id)
        .await
        .map_err(|e| PlayerError::resolve(&e))?;
    if let Some(failure) = &resolved.failure {
        let downloaded_any = library
            .files(Some(call_id))
            .map(|files| !files.is_empty())
            .unwrap_or(false);
        if failure.kind() == ErrorKind::Network && !downloaded_any {
            return Err(PlayerError::NotAvailableOffline {
                call_id: call_id.to_owned(),
                reason: failure.to_string(),
            });
        }
        return Err(PlayerError::resolve(failure));
    }
    let files = library.segments(call_id).unwrap_or_default();
    let runtime = tokio::runtime::Handle::current();
    let (segments, second_readers) = resolved
        .segments
        .iter()
        .map(|segment| {
            // A segment downloaded earlier (matched by the resolver's stable id) plays from disk.
            let local = files
                .iter()
                .find(|record| record.segment_id == segment.id)
                .and_then(|record| downloads::local_file(library, call_id, record.index).ok());
            let (media, second) = match local {
                Some(path) => (Media::File(path.clone()), Media::File(path)),
                None => {
                    let lease = recordings.lease(call_id, segment, EXPIRY_MARGIN);
                    let reader = RemoteReader::new(http.clone(), lease, ReaderOptions::default());
                    let stream = |reader| {
                        Media::Remote(Arc::new(StreamedMedia::new(reader, runtime.clone())))
                    };
                    (stream(reader.clone()), stream(reader))
                }
            };
            let segment = TimelineSegment {
                label: segment.label.clone(),
                media,
            };
            (segment, second)
        })
        .unzip();
    Ok(CallTimeline {
        segments,
        local_only: false,
        second_readers,
    })
}
