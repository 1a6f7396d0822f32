//! The memory a process holds, as Linux tells it in `/proc/<pid>/status`: the one reader of
//! `dossier::Bounds::watch`'s limit (resident memory, the mapped graph's pages included), of
//! `serve`'s (anonymous memory only: the mapped graph is the system's to page in and out) and of
//! `check`'s budget for the mapped index's pages. Tested through the limits: `tests/it/rdf.rs`,
//! `tests/it/queries.rs` and `tests/it/serve.rs` stop queries that outgrow them.

/// A process's resident memory, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// Every resident page (`VmRSS`): anonymous, file-mapped and shared.
    pub resident: u64,
    /// The anonymous resident pages (`RssAnon`): what the process allocated itself.
    pub anonymous: u64,
    /// The resident pages of mapped files (`RssFile`): the system may drop them at any time
    /// and read them again from the file.
    pub file_mapped: u64,
}

/// This process's memory (None where the system does not say).
pub fn own() -> Option<Memory> {
    read("/proc/self/status")
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
        file_mapped: kib("RssFile:")? * 1024,
    })
}
