//! The decode thread: one per loaded call, owning its [`Pipeline`] and keeping the output
//! queue filled from it. Opening, probing and reading — a stalled server included — block
//! here and never the player thread, which only sends [`Work`] and reads [`Report`]s. A new
//! call gets a new thread; the old one is told to stop and ends at its next look, its late
//! audio dropped by the generation it carries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::Duration;

use super::output::{Item, Note, Shared};
use super::pipeline::{Pipeline, Produced};
use super::{PlayerError, SegmentInfo, TimelineSegment};

/// Output seconds kept queued ahead of the device: enough to ride out a slow read, small
/// enough that memory stays bounded and a speed change is heard soon.
const QUEUE_TARGET_SECS: f64 = 0.5;
/// How often the thread looks for work when the queue is full or the timeline is over.
const IDLE_POLL: Duration = Duration::from_millis(10);

/// What the player thread asks of the pipeline, applied in the order sent.
#[derive(Debug)]
pub(super) enum Work {
    /// Decode from `to` (already clamped) on; what is pushed from then on is `generation`.
    Seek {
        to: f64,
        generation: u64,
    },
    /// Takes effect from the next seek.
    Speed(f64),
    /// Takes effect from the next seek.
    OutRate(u32),
    UseCopy {
        segment: usize,
        copy: usize,
    },
}

/// What the decode thread tells the player thread.
#[derive(Debug)]
pub(super) enum Report {
    Opened(Layout),
    /// The legs' lengths changed (a streamed MP3's frames were counted): announce them again.
    Relaid(Layout),
    /// A control could not be applied; the call stays loaded.
    Failed(PlayerError),
    /// Nothing is loaded any more: the call would not open, or decoding it panicked.
    Lost(PlayerError),
}

/// Where each leg sits on the timeline, as the player thread needs it to answer controls
/// without asking the pipeline.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub duration: f64,
    pub segments: Vec<SegmentInfo>,
    /// The rate the pipeline delivers at.
    pub out_rate: u32,
}

impl Layout {
    fn of(pipeline: &Pipeline) -> Self {
        Self {
            duration: pipeline.duration(),
            segments: pipeline.segment_infos(),
            out_rate: pipeline.out_rate(),
        }
    }

    /// Which leg timeline time `t` falls in, as the pipeline itself decides.
    pub fn segment_at(&self, t: f64) -> usize {
        super::pipeline::leg_at(self.segments.iter().map(|s| s.start), t)
    }

    pub fn segment_start(&self, index: usize) -> Option<f64> {
        self.segments.get(index).map(|s| s.start)
    }
}

/// The player thread's handle on one decode thread. Dropping it stops the thread.
pub(super) struct Producer {
    work: Sender<Work>,
    reports: Receiver<Report>,
    cancelled: Arc<AtomicBool>,
}

impl Producer {
    /// Opens `timeline` on a thread of its own; its audio is pushed as `generation` until a
    /// seek says otherwise.
    pub fn spawn(
        timeline: Vec<TimelineSegment>,
        speed: f64,
        out_rate: Option<u32>,
        generation: u64,
        shared: Arc<Shared>,
    ) -> Self {
        let (work, inbox) = mpsc::channel();
        let (outbox, reports) = mpsc::channel();
        let cancelled = Arc::new(AtomicBool::new(false));
        let failed = outbox.clone();
        let thread = Thread {
            shared,
            inbox,
            outbox,
            cancelled: Arc::clone(&cancelled),
            generation,
        };
        let spawned = std::thread::Builder::new()
            .name("callrec-decode".into())
            .spawn(move || thread.run(&timeline, speed, out_rate));
        if let Err(error) = spawned {
            // No thread to say it: said here, through the usual path.
            let _ = failed.send(Report::Lost(PlayerError::Crashed {
                what: "starting to decode this call".into(),
                reason: error.to_string(),
            }));
        }
        Self {
            work,
            reports,
            cancelled,
        }
    }

    pub fn send(&self, work: Work) {
        // A thread that has ended has said why in a report.
        let _ = self.work.send(work);
    }

    /// The next report, if one came.
    pub fn report(&self) -> Option<Report> {
        self.reports.try_recv().ok()
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }
}

struct Thread {
    shared: Arc<Shared>,
    inbox: Receiver<Work>,
    outbox: Sender<Report>,
    cancelled: Arc<AtomicBool>,
    generation: u64,
}

impl Thread {
    /// A panic while decoding (a decoder's bug on a hostile file) ends this call only.
    fn run(mut self, timeline: &[TimelineSegment], speed: f64, out_rate: Option<u32>) {
        let outbox = self.outbox.clone();
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.decode(timeline, speed, out_rate);
        }));
        if let Err(panic) = ran {
            let error = PlayerError::Crashed {
                what: "playing this call".into(),
                reason: super::panic_text(panic.as_ref()),
            };
            tracing::error!("{error}");
            let _ = outbox.send(Report::Lost(error));
        }
    }

    fn decode(&mut self, timeline: &[TimelineSegment], speed: f64, out_rate: Option<u32>) {
        let opening = std::time::Instant::now();
        let mut pipeline = match Pipeline::open(timeline, speed, out_rate) {
            Ok(pipeline) => {
                tracing::debug!(
                    legs = timeline.len(),
                    ms = opening.elapsed().as_secs_f64() * 1e3,
                    "player: call opened"
                );
                pipeline
            }
            Err(error) => {
                let _ = self.outbox.send(Report::Lost(error));
                return;
            }
        };
        pipeline.index_streamed_mp3();
        if self
            .outbox
            .send(Report::Opened(Layout::of(&pipeline)))
            .is_err()
        {
            return;
        }
        loop {
            // Every control asked since, in order, before the next chunk.
            loop {
                match self.inbox.try_recv() {
                    Ok(work) => self.apply(&mut pipeline, work),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return,
                }
            }
            if self.cancelled.load(Ordering::SeqCst) {
                return;
            }
            if pipeline.update_lengths() {
                let _ = self.outbox.send(Report::Relaid(Layout::of(&pipeline)));
            }
            if !pipeline.is_done() && self.shared.queued_secs() < QUEUE_TARGET_SECS {
                // May block on the network: only this call's thread waits.
                let produced = pipeline.next();
                self.push(produced);
                continue;
            }
            match self.inbox.recv_timeout(IDLE_POLL) {
                Ok(work) => self.apply(&mut pipeline, work),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    fn apply(&mut self, pipeline: &mut Pipeline, work: Work) {
        let outcome = match work {
            Work::Seek { to, generation } => {
                self.generation = generation;
                pipeline.seek(to)
            }
            Work::Speed(speed) => pipeline.set_speed(speed),
            Work::OutRate(rate) => {
                pipeline.set_out_rate(rate);
                Ok(())
            }
            Work::UseCopy { segment, copy } => pipeline.use_copy(segment, copy),
        };
        if let Err(error) = outcome {
            let _ = self.outbox.send(Report::Failed(error));
        }
    }

    fn push(&self, produced: Produced) {
        // Audio decoded for a place the reviewer has left (a seek, another call) is not
        // queued: the output would only drop it.
        if self.cancelled.load(Ordering::SeqCst)
            || self.shared.generation.load(Ordering::SeqCst) != self.generation
        {
            return;
        }
        let generation = self.generation;
        self.shared.push(match produced {
            Produced::Audio(chunk) => Item::Audio { generation, chunk },
            Produced::Problem(error) => Item::Marker {
                generation,
                note: Note::Problem(error),
            },
            Produced::End => Item::Marker {
                generation,
                note: Note::End,
            },
        });
    }
}
