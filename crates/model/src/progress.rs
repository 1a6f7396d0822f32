//! How long work reports how far it has come. The library only calls these hooks; the binary
//! decides whether and how to draw (a bar on a terminal, nothing in pipes and CI).

/// Receives progress from long operations, from any of their threads.
pub trait Progress: Sync {
    /// A new stage of `total` steps (0 when the number is unknown).
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}
