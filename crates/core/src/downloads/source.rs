//! Where a download's URLs come from. The downloader only needs, per call, its segments with
//! a lease on each one's URL (which renews itself when it expires or storage refuses it):
//! [`SegmentSource`]. [`RecordingsSource`] is the real one (both recording endpoints, through
//! [`crate::recordings`]); [`FixedSource`] serves fixed URLs (tests, a server of one's own).

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::library::SegmentRecord;
use crate::recordings::Recordings;
use crate::remote::{BoxFuture, FixedUrl, UrlLease};
use crate::secret::Secret;

use super::DownloadError;

/// A segment of a call and a lease on its URL.
#[derive(Clone)]
pub struct SourceSegment {
    pub record: SegmentRecord,
    pub lease: Arc<dyn UrlLease>,
}

/// "Give me this call's segments, each with a URL that stays fresh."
pub trait SegmentSource: Send + Sync {
    fn segments<'a>(
        &'a self,
        call_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<SourceSegment>, DownloadError>>;
}

/// The recording endpoints (A and B), merged; leases re-resolve the segment's own endpoint.
pub struct RecordingsSource {
    pub recordings: Recordings,
    /// Re-resolve a URL that expires within this ([`crate::remote::EXPIRY_MARGIN`]).
    pub margin: Duration,
}

impl RecordingsSource {
    pub fn new(recordings: Recordings) -> Self {
        Self {
            recordings,
            margin: crate::remote::EXPIRY_MARGIN,
        }
    }
}

impl SegmentSource for RecordingsSource {
    fn segments<'a>(
        &'a self,
        call_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<SourceSegment>, DownloadError>> {
        Box::pin(async move {
            let resolved = self
                .recordings
                .resolve(call_id)
                .await
                .map_err(|e| DownloadError::resolve(&e))?;
            if let Some(failure) = &resolved.failure {
                return Err(DownloadError::resolve(failure));
            }
            // Leg by leg, best copy first: `enqueue_call` takes the first copy of each leg.
            let listed = resolved
                .records(call_id)
                .into_iter()
                .map(|(take, record)| SourceSegment {
                    record,
                    lease: self
                        .recordings
                        .lease(call_id, &resolved.segments[take], self.margin)
                        as Arc<dyn UrlLease>,
                })
                .collect();
            Ok(listed)
        })
    }
}

/// Fixed URLs per call: `(call id, [(label, url)])`.
#[derive(Default)]
pub struct FixedSource {
    pub calls: Vec<(String, Vec<(String, Url)>)>,
}

impl SegmentSource for FixedSource {
    fn segments<'a>(
        &'a self,
        call_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<SourceSegment>, DownloadError>> {
        Box::pin(async move {
            let (_, segments) =
                self.calls
                    .iter()
                    .find(|(id, _)| id == call_id)
                    .ok_or_else(|| DownloadError::NoRecording {
                        call_id: call_id.to_owned(),
                    })?;
            Ok(segments
                .iter()
                .enumerate()
                .map(|(index, (label, url))| SourceSegment {
                    record: SegmentRecord {
                        call_id: call_id.to_owned(),
                        index: u32::try_from(index).unwrap_or(u32::MAX),
                        segment_id: format!("fixed:{index}"),
                        slot: None,
                        leg: u32::try_from(index).ok(),
                        label: label.clone(),
                        source: None,
                        status: None,
                        duration_seconds: None,
                        created_at: None,
                        endpoint: None,
                    },
                    lease: Arc::new(FixedUrl(Secret::new(url.clone()))) as Arc<dyn UrlLease>,
                })
                .collect())
        })
    }
}
