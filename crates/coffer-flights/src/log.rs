//! A run's log on its way to the store, in batches, and the [`Sink`] that sees its output as
//! it is logged.

use coffer_core::Service;
use coffer_store::LogChunk;
use std::time::{Duration, Instant};
use tracing::warn;

/// Where a piece of output goes besides the log: `(stream, masked bytes)`.
pub type Sink<'a> = &'a mut dyn FnMut(&str, &[u8]);

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A run's log on its way to the store, in batches.
pub(crate) struct Log<'a> {
    service: &'a Service,
    flight_id: &'a str,
    run: i64,
    pending: Vec<LogChunk>,
    last_flush: Instant,
}

impl<'a> Log<'a> {
    const BATCH_BYTES: usize = 256 * 1024;
    const BATCH_EVERY: Duration = Duration::from_millis(200);

    /// The log of run `run` of flight `flight_id`, empty.
    pub(crate) fn new(service: &'a Service, flight_id: &'a str, run: i64) -> Self {
        Log {
            service,
            flight_id,
            run,
            pending: Vec::new(),
            last_flush: Instant::now(),
        }
    }

    pub(crate) fn push(&mut self, stream: &str, data: Vec<u8>) {
        match self.pending.last_mut() {
            Some(last) if last.stream == stream && last.data.len() + data.len() <= Self::BATCH_BYTES => {
                last.data.extend_from_slice(&data);
            }
            _ => self.pending.push(LogChunk {
                seq: 0,
                stream: stream.into(),
                at: now_ms(),
                data,
            }),
        }
        if self.pending.iter().map(|c| c.data.len()).sum::<usize>() >= Self::BATCH_BYTES {
            self.flush();
        }
    }

    pub(crate) fn note(&mut self, line: &str) {
        self.push("coffer", line.as_bytes().to_vec());
    }

    /// A note of coffer's, logged and handed to the sink (stream `coffer`).
    pub(crate) fn tell(&mut self, sink: Sink<'_>, line: &str) {
        sink("coffer", line.as_bytes());
        self.note(line);
    }

    pub(crate) fn maybe_flush(&mut self) {
        if self.last_flush.elapsed() >= Self::BATCH_EVERY {
            self.flush();
        }
    }

    pub(crate) fn flush(&mut self) {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return;
        }
        let chunks = std::mem::take(&mut self.pending);
        if let Err(e) = self.service.append_run_log(self.flight_id, self.run, &chunks) {
            warn!(error = %e, "could not write a run's log");
        }
    }
}
