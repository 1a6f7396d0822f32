//! How long a query may run and how much memory it may take: each way in's defaults (the CLI's
//! `sql`, `sparql` and `query`, and `serve`), and the one rule that says when a running query
//! has outrun its bounds. The CLI and `serve` measure differently (SQLite's own allocations for
//! `dossier sql`; the process's resident memory for `dossier sparql`; a worker process's
//! anonymous memory for `serve`). SQLite stops its own queries at these bounds (an interrupt at
//! the time, a heap limit); `dossier sparql`, named queries' SPARQL and `serve` stop theirs by
//! [`Bounds::outrun`]. [`Bounds::watch`] runs a query on a thread of its own and stops it by
//! that rule.

use std::time::{Duration, Instant};

/// The stack of a watched query's thread: SPARQL's parser and evaluator recurse over the
/// query's structure. Only the pages used are committed.
const WATCHED_STACK_BYTES: usize = 1 << 30;

/// How often a watched query's time and memory are looked at.
const WATCH_EVERY: Duration = Duration::from_millis(10);

/// A query's time and memory bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// How long it may run.
    pub time: Duration,
    /// How much memory it may take, in MiB (0: `dossier sql` puts no bound on SQLite's).
    pub memory_mb: u64,
}

/// Why a watched query gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// It outran a bound and was stopped.
    Outrun(Outrun),
    /// Its thread could not start, or ended without a result (it panicked).
    Lost(String),
}

/// Which bound a query outran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outrun {
    Time,
    Memory,
}

impl Bounds {
    /// `dossier sql`: 5 s, and 1 GiB of SQLite's own allocations (sorts, temporary tables,
    /// recursive queries).
    pub const SQL: Bounds = Bounds {
        time: Duration::from_secs(5),
        memory_mb: 1_024,
    };
    /// `dossier sparql`: 30 s, and 4 GiB resident in the process (the mapped graph's pages
    /// count).
    pub const SPARQL: Bounds = Bounds {
        time: Duration::from_secs(30),
        memory_mb: 4_096,
    };
    /// `dossier query`: a named query, in either language or both, 30 s each.
    pub const NAMED_QUERY: Bounds = Bounds {
        time: Duration::from_secs(30),
        memory_mb: 4_096,
    };
    /// `dossier serve`: 10 s a query (SQL or SPARQL), and 4 GiB of a SPARQL worker's own
    /// memory (and of the server's, for every query running).
    pub const SERVE: Bounds = Bounds {
        time: Duration::from_secs(10),
        memory_mb: 4_096,
    };

    /// The time bound in milliseconds, as the options say it (`--timeout-ms`).
    pub const fn time_ms(self) -> u64 {
        self.time.as_millis() as u64
    }

    /// The memory bound in bytes.
    pub const fn memory_bytes(self) -> u64 {
        self.memory_mb.saturating_mul(1 << 20)
    }

    /// Bounds from the options' units: milliseconds and MiB.
    pub const fn new(time_ms: u64, memory_mb: u64) -> Bounds {
        Bounds {
            time: Duration::from_millis(time_ms),
            memory_mb,
        }
    }

    /// Runs `work` on a thread of its own with a deep stack and waits for its result, looking
    /// every 10 ms at the time it has taken and at this process's resident memory (mapped
    /// pages included). Past a bound it calls `stop` (which should make `work` give up, e.g. by
    /// cancelling its token) and returns at once which bound was outrun: the thread is not
    /// waited for, since an evaluator may not look at its token for a while; it ends on its
    /// own, or with the process.
    pub fn watch<R: Send + 'static>(
        self,
        work: impl FnOnce() -> R + Send + 'static,
        stop: impl FnOnce(),
    ) -> Result<R, Stopped> {
        let (send, receive) = std::sync::mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("watched query".into())
            .stack_size(WATCHED_STACK_BYTES)
            .spawn(move || {
                let _ = send.send(work());
            })
            .map_err(|e| Stopped::Lost(format!("cannot start the query: {e}")))?;
        let started = Instant::now();
        loop {
            match receive.recv_timeout(WATCH_EVERY) {
                Ok(result) => return Ok(result),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Stopped::Lost("the query stopped unexpectedly".to_owned()));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            }
            let resident = dossier_stores::memory::own().map(|m| m.resident);
            if let Some(outrun) = self.outrun(started, resident) {
                stop();
                drop(worker);
                return Err(Stopped::Outrun(outrun));
            }
        }
    }

    /// Which bound a query that started at `started`, and whose memory (as its caller measures
    /// it) is `memory` bytes, has outrun; time first.
    pub fn outrun(self, started: Instant, memory: Option<u64>) -> Option<Outrun> {
        if started.elapsed() >= self.time {
            Some(Outrun::Time)
        } else if memory.is_some_and(|bytes| bytes > self.memory_bytes()) {
            Some(Outrun::Memory)
        } else {
            None
        }
    }
}

impl Outrun {
    /// What a stopped query says, with the option that raises the bound it outran.
    pub fn advice(self, bounds: Bounds) -> String {
        match self {
            Outrun::Time => format!(
                "the query was interrupted after {} ms: simplify it, or raise --timeout-ms",
                bounds.time.as_millis()
            ),
            Outrun::Memory => format!(
                "the query was stopped when the process held more than {} MiB of memory: \
                 narrow it (a join of unrelated patterns multiplies their rows), or raise \
                 --max-memory-mb",
                bounds.memory_mb
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_outruns_time_first_then_memory() {
        let bounds = Bounds::new(60_000, 1);
        let now = Instant::now();
        assert_eq!(bounds.outrun(now, Some(1 << 20)), None);
        assert_eq!(bounds.outrun(now, None), None);
        assert_eq!(
            bounds.outrun(now, Some((1 << 20) + 1)),
            Some(Outrun::Memory)
        );
        let long_ago = now - Duration::from_secs(61);
        assert_eq!(bounds.outrun(long_ago, Some(u64::MAX)), Some(Outrun::Time));
        assert_eq!(Bounds::SQL.time_ms(), 5_000);
        assert_eq!(Bounds::SERVE.memory_bytes(), 4 << 30);
    }

    #[test]
    fn a_watched_query_gives_its_result_or_is_stopped_at_its_time() {
        let bounds = Bounds::new(50, 1 << 20);
        assert_eq!(bounds.watch(|| 7, || panic!("not stopped")), Ok(7));
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = flag.clone();
        let started = Instant::now();
        let stopped = bounds.watch(
            move || {
                while !seen.load(std::sync::atomic::Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            },
            || flag.store(true, std::sync::atomic::Ordering::SeqCst),
        );
        assert_eq!(stopped, Err(Stopped::Outrun(Outrun::Time)));
        assert!(started.elapsed() >= Duration::from_millis(50));
        // A panic's backtrace may take longer to print than the 50 ms above.
        let lost = Bounds::new(60_000, 1 << 20).watch(|| -> u8 { panic!("a bug") }, || {});
        assert!(matches!(lost, Err(Stopped::Lost(_))));
    }
}
