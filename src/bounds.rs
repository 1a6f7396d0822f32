//! How long a query may run and how much memory it may take: each way in's defaults (the CLI's
//! `sql`, `sparql` and `query`, and `serve`), and the one rule that says when a running query
//! has outrun its bounds. The CLI and `serve` measure differently (SQLite's own allocations for
//! `dossier sql`; the process's resident memory for `dossier sparql`; a worker process's
//! anonymous memory for `serve`), and all of them stop a query by [`Bounds::outrun`].

use std::time::{Duration, Instant};

/// A query's time and memory bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// How long it may run.
    pub time: Duration,
    /// How much memory it may take, in MiB (0: `dossier sql` puts no bound on SQLite's).
    pub memory_mb: u64,
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
}
