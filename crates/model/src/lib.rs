//! dossier's model: the record types of the seed format and the validated knowledge base,
//! every kind described once ([`mapping`]), reading ([`seed`]) and validating ([`validate`])
//! a seeds folder, and everything generated from the descriptions (the SQL schemas, the
//! ontology, the SHACL shapes, the JSON Schemas). It knows nothing of the stores, which
//! `dossier-stores` writes from this model. See ARCHITECTURE.md.

pub mod ddl;
pub mod diagnostic;
pub mod ids;
pub mod mapping;
pub mod model;
pub mod ontology;
pub mod progress;
pub mod seed;
pub mod shapes;
pub mod spill;
pub mod statements;
pub mod validate;
pub mod vocab;

/// Returns the allocator's free memory to the system. glibc keeps what a program frees for its
/// next allocations (and keeps each thread's arena apart), so after a phase that allocated and
/// freed a lot (parsing on every core, SQLite's page cache) the process would otherwise carry
/// it into the next one.
pub fn return_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only releases memory the allocator holds unused.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// What the system is told of a file's pages in its cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheAdvice {
    /// Read them now, before they are asked for.
    WillNeed,
    /// Let them go: the file is not read again soon (only pages already on disk go).
    DontNeed,
}

/// Gives the system `advice` about the cached pages of `file`'s first `len` bytes (all of
/// them when `len` is 0). Only advice: an error is ignored, and it does nothing off Linux.
pub fn advise_cache(file: &std::fs::File, len: u64, advice: CacheAdvice) {
    // `off_t` is 64 bits wide on 64-bit Linux, as the declaration below says.
    #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    {
        use std::os::fd::AsRawFd;
        unsafe extern "C" {
            fn posix_fadvise(
                fd: std::ffi::c_int,
                offset: i64,
                len: i64,
                advice: std::ffi::c_int,
            ) -> std::ffi::c_int;
        }
        let advice = match advice {
            CacheAdvice::WillNeed => 3,
            CacheAdvice::DontNeed => 4,
        };
        let len = i64::try_from(len).unwrap_or(0);
        // SAFETY: posix_fadvise only reads the descriptor, open for the call.
        unsafe {
            posix_fadvise(file.as_raw_fd(), 0, len, advice);
        }
    }
    #[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
    let _ = (file, len, advice);
}

/// Has the allocator give each allocation of 4 MiB or more a mapping of its own, returned to
/// the system when it is freed, for the whole process. glibc otherwise raises that threshold
/// (up to 32 MiB) each time such a mapping is freed, after which large buffers come from the
/// heap and the arenas and leave them fragmented: `build` at 1M records peaked at 767 MB
/// without it, 690 MB with it, no slower (`check` was no smaller with it, and slower: its
/// large buffers come and go). Not lower: at 128 KiB many short-lived buffers (such as the
/// tokens of a facts file of 100 records, a few hundred KiB) were each a mapping, faulted in
/// page by page and unmapped, and `build` at 1M records of 10 an article took 221 s against
/// 189 s at 4 MiB, with the same peak (454 and 453 MB). A program calls it once, before the
/// work it is for.
pub fn map_large_allocations_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt only changes how the allocator serves later allocations.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 4 << 20);
        }
    }
}

/// Every file of the repository written from the descriptions, by path from its root: what
/// `dossier schema --write` writes and `tests/it/schema.rs` holds equal to what is committed.
pub fn generated_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = ddl::generated_files()
        .into_iter()
        .map(|(path, text)| (path.to_owned(), text))
        .collect();
    files.push(("schema/ontology.ttl".to_owned(), ontology::turtle()));
    files.push(("schema/shapes.ttl".to_owned(), shapes::turtle()));
    files.push(("schema/context.jsonld".to_owned(), jsonld_context()));
    for (name, text) in seed::json_schemas() {
        files.push((format!("schema/{name}"), text));
    }
    files
}

/// `schema/context.jsonld`: the JSON-LD context of dossier's prefixes for the default base IRI,
/// the one the JSON-LD export's `@context` holds.
fn jsonld_context() -> String {
    let prefixes: std::collections::BTreeMap<String, String> =
        mapping::prefixes(model::DEFAULT_BASE_IRI)
            .into_iter()
            .collect();
    let context = serde_json::json!({ "@context": prefixes });
    serde_json::to_string_pretty(&context).expect("a map of strings is JSON") + "\n"
}
