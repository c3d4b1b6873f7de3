//! Each call's response times once measured (migration 8): the list shows the agent's worst
//! latency beside calls that were analysed, online or offline, without decoding them again.

use rusqlite::{OptionalExtension, params};

use super::{Library, LibraryError};
use crate::analysis::CallAnalysis;
use crate::calls::CallRow;

impl Library {
    /// Keeps what `analysis` found for `call_id` (replacing an earlier measure).
    pub fn save_analysis(
        &self,
        call_id: &str,
        analysis: &CallAnalysis,
    ) -> Result<(), LibraryError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.conn().execute(
            "INSERT INTO analyses (call_id, stereo, turns, worst, median, analyzed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (call_id) DO UPDATE SET stereo = excluded.stereo,
                 turns = excluded.turns, worst = excluded.worst, median = excluded.median,
                 analyzed_at = excluded.analyzed_at",
            params![
                call_id,
                analysis.stereo,
                i64::try_from(analysis.latencies.len()).unwrap_or(i64::MAX),
                analysis.worst_latency.map(|l| l.seconds),
                analysis.median_latency,
                now,
            ],
        )?;
        Ok(())
    }

    /// The agent's worst response latency measured for `call_id`, if it was.
    pub fn worst_latency(&self, call_id: &str) -> Result<Option<f64>, LibraryError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT worst FROM analyses WHERE call_id = ?1",
                [call_id],
                |row| row.get::<_, Option<f64>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Sets each row's `worst_latency` from the measures kept (local knowledge, like
    /// `downloaded`: never from the server).
    pub fn mark_analysed(&self, rows: &mut [CallRow]) -> Result<(), LibraryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT worst FROM analyses WHERE call_id = ?1")?;
        for row in rows.iter_mut() {
            row.worst_latency = stmt
                .query_row([&row.id], |r| r.get::<_, Option<f64>>(0))
                .optional()?
                .flatten();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::{CallAnalysis, Latency};
    use crate::library::Library;

    #[test]
    fn a_measure_is_kept_replaced_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let library = Library::open(dir.path()).unwrap();
        assert_eq!(library.worst_latency("c1").unwrap(), None);
        let mut analysis = CallAnalysis {
            duration: 40.0,
            stereo: true,
            agent: Vec::new(),
            customer: Vec::new(),
            silences: Vec::new(),
            latencies: Vec::new(),
            median_latency: Some(0.8),
            worst_latency: Some(Latency {
                customer_end: 1.0,
                agent_start: 3.4,
                seconds: 2.4,
            }),
        };
        library.save_analysis("c1", &analysis).unwrap();
        assert_eq!(library.worst_latency("c1").unwrap(), Some(2.4));
        analysis.worst_latency = None;
        library.save_analysis("c1", &analysis).unwrap();
        assert_eq!(library.worst_latency("c1").unwrap(), None, "replaced");
    }
}
