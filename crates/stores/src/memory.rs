//! The memory a process holds, as Linux tells it in `/proc/<pid>/status` (and `statm`): the one
//! reader of `dossier::Bounds::watch`'s limit (resident memory, the mapped graph's pages
//! included), of `serve`'s (anonymous memory only: the mapped graph is the system's to page in
//! and out) and of `check`'s budget for the mapped index's pages. Tested through the limits:
//! `tests/it/rdf.rs`, `tests/it/queries.rs` and `tests/it/serve.rs` stop queries that outgrow
//! them; `check`'s budget by the 1M-record runs of the README (a test cannot see a page mapped).

/// A process's resident memory, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// Every resident page (`VmRSS`): anonymous, file-mapped and shared.
    pub resident: u64,
    /// The anonymous resident pages (`RssAnon`): what the process allocated itself.
    pub anonymous: u64,
}

/// This process's memory (None where the system does not say).
pub fn own() -> Option<Memory> {
    read("/proc/self/status")
}

/// This process's resident shared pages (`statm`'s third field: pages of mapped files, and
/// shared memory, which dossier does not use), in bytes. Cheap enough to ask every few dozen
/// lookups: one read of a file kept open, which the kernel answers from its counters.
#[cfg(unix)]
pub fn own_file_mapped() -> Option<u64> {
    use std::os::unix::fs::FileExt;
    static STATM: std::sync::OnceLock<Option<std::fs::File>> = std::sync::OnceLock::new();
    let statm = STATM
        .get_or_init(|| std::fs::File::open("/proc/self/statm").ok())
        .as_ref()?;
    let mut buf = [0u8; 128];
    let n = statm.read_at(&mut buf, 0).ok()?;
    let pages: u64 = std::str::from_utf8(&buf[..n])
        .ok()?
        .split_whitespace()
        .nth(2)?
        .parse()
        .ok()?;
    // The size of the pages `statm` counts: 4 KiB on the systems dossier runs on (`statm` does
    // not say, and asking the C library would take an unsafe call for a constant).
    Some(pages * 4096)
}

#[cfg(not(unix))]
pub fn own_file_mapped() -> Option<u64> {
    None
}

/// Another process's memory, by its id.
pub fn of(pid: u32) -> Option<Memory> {
    read(&format!("/proc/{pid}/status"))
}

fn read(status: &str) -> Option<Memory> {
    let status = std::fs::read_to_string(status).ok()?;
    let kib = |field: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(field))?;
        line[field.len()..].split_whitespace().next()?.parse().ok()
    };
    Some(Memory {
        resident: kib("VmRSS:")? * 1024,
        anonymous: kib("RssAnon:")? * 1024,
    })
}
