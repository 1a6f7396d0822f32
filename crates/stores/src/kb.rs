//! The knowledge-base folder (`kb/` by default): what a build writes there and how.
//!
//! A build writes a complete **generation** — the database, the Turtle, the N-Quads and a
//! manifest naming them — into a temporary folder, syncs it to disk, renames it to
//! `gen-<n>/`, and makes it current with one atomic step: the symlink `current` is replaced by
//! a rename. Readers resolve `current` once and read every file from that one generation, so
//! they never mix two builds. `kb/dossier.sqlite`, `kb/dossier.ttl`, `kb/dossier.nq`,
//! `kb/dossier.idx`, `kb/datasette.json` and `kb/report.html` are symlinks through `current`,
//! for other tools. Builds into one folder take turns on a lock file; each removes what killed
//! builds left behind and, as it starts, the generations older than the current one (a reader
//! that resolved the one it replaces can still finish, and a generation a reader holds stays):
//! a build that succeeds leaves the two newest, one that fails the current one.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::model::KnowledgeBase;
use crate::{rdf, report, site, sqlite};
use dossier_model::seed::LoadError;
use dossier_model::spill::ArticleSpill;
use dossier_model::{CacheAdvice, advise_cache};

pub const DATABASE_FILE: &str = "dossier.sqlite";
pub const TURTLE_FILE: &str = "dossier.ttl";
pub const NQUADS_FILE: &str = "dossier.nq";
/// The indexed graph that `sparql` opens (see `index`).
pub const INDEX_FILE: &str = "dossier.idx";
/// Datasette's metadata for the database: `datasette kb/dossier.sqlite -m kb/datasette.json`.
pub const DATASETTE_FILE: &str = "datasette.json";
/// The generation's database as one HTML page (see `report`), or, when that page would be
/// too large for a browser, a page that leads to the site.
pub const REPORT_FILE: &str = "report.html";
/// The same report as a folder of small linked pages (see `site`); `index.html` first.
pub const SITE_FOLDER: &str = "report";
pub const MANIFEST_FILE: &str = "manifest.json";
/// The symlink to the current generation.
pub const CURRENT: &str = "current";
/// The files of a generation besides its manifest, in the order they are listed; the
/// knowledge-base folder links to each under its own name.
const STORE_FILES: [&str; 7] = [
    DATABASE_FILE,
    TURTLE_FILE,
    NQUADS_FILE,
    INDEX_FILE,
    DATASETTE_FILE,
    REPORT_FILE,
    SITE_FOLDER,
];
const LOCK_FILE: &str = ".lock";
const GENERATION_PREFIX: &str = "gen-";
const TEMPORARY_PREFIX: &str = ".gen-";

/// The files of a knowledge-base folder. The generation they belong to is resolved once, on
/// first use, so every file a reader opens comes from the same build.
#[derive(Debug, Clone)]
pub struct KbPaths {
    pub dir: PathBuf,
    /// The generation's folder, and a shared lock on its manifest while these paths live: a
    /// build does not remove a generation someone is reading.
    generation: OnceLock<(PathBuf, Option<std::sync::Arc<File>>)>,
}

impl KbPaths {
    pub fn new(dir: impl Into<PathBuf>) -> KbPaths {
        KbPaths {
            dir: dir.into(),
            generation: OnceLock::new(),
        }
    }

    /// The folder of the current generation (the folder itself for a knowledge base built
    /// before generations, or not built yet).
    pub fn generation(&self) -> &Path {
        &self
            .generation
            .get_or_init(|| {
                let folder = fs::read_link(self.dir.join(CURRENT))
                    .map(|target| self.dir.join(target))
                    .unwrap_or_else(|_| self.dir.clone());
                let held = File::open(folder.join(MANIFEST_FILE))
                    .ok()
                    .filter(|f| f.lock_shared().is_ok())
                    .map(std::sync::Arc::new);
                (folder, held)
            })
            .0
    }
    pub fn database(&self) -> PathBuf {
        self.generation().join(DATABASE_FILE)
    }
    pub fn turtle(&self) -> PathBuf {
        self.generation().join(TURTLE_FILE)
    }
    pub fn nquads(&self) -> PathBuf {
        self.generation().join(NQUADS_FILE)
    }
    pub fn index(&self) -> PathBuf {
        self.generation().join(INDEX_FILE)
    }
    pub fn datasette(&self) -> PathBuf {
        self.generation().join(DATASETTE_FILE)
    }
    pub fn report(&self) -> PathBuf {
        self.generation().join(REPORT_FILE)
    }
    /// The report's site: a folder.
    pub fn site(&self) -> PathBuf {
        self.generation().join(SITE_FOLDER)
    }
    pub fn manifest(&self) -> PathBuf {
        self.generation().join(MANIFEST_FILE)
    }
    /// Fails with advice when the knowledge base has not been built.
    pub fn require(&self, file: &Path) -> Result<()> {
        if file.exists() {
            Ok(())
        } else {
            anyhow::bail!(
                "no knowledge base at '{}' (missing {}): build one with `dossier build --kb {}`",
                self.dir.display(),
                file.file_name().unwrap_or_default().to_string_lossy(),
                self.dir.display()
            )
        }
    }
    /// Whether `path` names one of the current generation's store files or a page of its site
    /// (directly or through a link), so that writing to it would destroy the store being read.
    pub fn is_store_file(&self, path: &Path) -> bool {
        let canonical = |p: &Path| -> Option<PathBuf> {
            let parent = p.parent().filter(|p| !p.as_os_str().is_empty());
            let dir = fs::canonicalize(parent.unwrap_or(Path::new("."))).ok()?;
            let full = dir.join(p.file_name()?);
            Some(fs::canonicalize(&full).unwrap_or(full))
        };
        let Some(target) = canonical(path) else {
            return false;
        };
        [
            self.database(),
            self.turtle(),
            self.nquads(),
            self.index(),
            self.datasette(),
            self.report(),
            self.manifest(),
        ]
        .iter()
        .any(|f| canonical(f).as_deref() == Some(target.as_path()))
            || fs::canonicalize(self.site()).is_ok_and(|site| target.starts_with(site))
    }
}

/// What a generation holds, written last into it: `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub generation: u64,
    pub schema_version: usize,
    /// Seconds since the Unix epoch.
    pub built_at: u64,
    pub dossier_version: String,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
    /// [`content_hash`] of the file's bytes, in hex: a cheap identity to compare two builds.
    pub hash: String,
}

/// What a build wrote, for the summary.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub tables: sqlite::TableCounts,
    pub triples: usize,
    /// Time spent writing each store: (what, time).
    pub timings: Vec<(&'static str, Duration)>,
    pub files: Vec<PathBuf>,
    pub generation: u64,
    pub elapsed: Duration,
}

/// Writes every store of the knowledge base as a new generation of `paths.dir` and makes it
/// current. The model is already validated: nothing is written for invalid seeds.
pub fn build(kb: KnowledgeBase, paths: &KbPaths) -> Result<BuildSummary> {
    build_with(
        kb,
        paths,
        &crate::progress::Silent,
        &BuildSettings::default(),
    )
}

/// How a build may use the machine.
#[derive(Debug, Clone)]
pub struct BuildSettings {
    /// Memory for sorting the indexed graph's quads (16 bytes a quad, 31 quads a record) and its
    /// term lookup (16 bytes a term): past it the quads are sorted in runs spilled to the new
    /// generation's folder and merged, and the lookup in slices. The values articles state for
    /// other records are resolved in parts worth half of it, and sorted within the other half.
    pub sort_memory_mb: usize,
}

impl Default for BuildSettings {
    fn default() -> BuildSettings {
        BuildSettings {
            sort_memory_mb: DEFAULT_SORT_MEMORY_MB,
        }
    }
}

/// 64 MiB sorts 4 million quads (about 135,000 records) in memory. At 1M records a build took
/// the same time with 128 MiB (1 min 45–46 s, three runs each) and 40–70 MB more memory.
pub const DEFAULT_SORT_MEMORY_MB: usize = 64;

/// The folder a build of this process writes before it is complete: `.gen-<pid>.tmp`. A
/// signal handler may remove it (nothing else of a build needs undoing).
pub fn temporary_folder(dir: &Path) -> PathBuf {
    dir.join(format!("{TEMPORARY_PREFIX}{}.tmp", std::process::id()))
}

/// [`build`], reporting each store as it is written.
pub fn build_with(
    kb: KnowledgeBase,
    paths: &KbPaths,
    progress: &dyn crate::progress::Progress,
    settings: &BuildSettings,
) -> Result<BuildSummary> {
    let built = build_generation(paths, progress, settings, |into| {
        let mut kb = kb;
        let articles = std::mem::take(&mut kb.articles);
        let mut head = rdf::HeadBuilder::default();
        articles.iter().for_each(|article| head.add(article));
        let spill = ArticleSpill::write(articles, spill_path(into))
            .with_context(|| format!("cannot set the articles aside in '{}'", into.display()))?;
        Ok(Ok((kb, spill, head)))
    })?;
    Ok(built.expect("the model was validated already"))
}

/// Validates the seeds folder `seeds` and builds every store from it as a new generation of
/// `paths.dir`, made current; the outer error is the build's, the inner one says what is wrong
/// with the seeds (nothing is then written). The articles are validated and written through
/// files of the new generation's folder ([`dossier_model::validate::load_spilled`]): neither
/// step holds the whole model.
pub fn build_from_seeds(
    seeds: &Path,
    paths: &KbPaths,
    progress: &dyn crate::progress::Progress,
    settings: &BuildSettings,
) -> Result<Result<BuildSummary, LoadError>> {
    build_generation(paths, progress, settings, |into| {
        let mut head = rdf::HeadBuilder::default();
        let observe = &mut |article: &crate::model::Article| head.add(article);
        let budget = settings.sort_memory_mb.saturating_mul(1 << 20);
        let validated =
            dossier_model::validate::load_spilled(seeds, progress, into, budget, observe);
        Ok(validated.map(|(kb, spill)| (kb, spill, head)))
    })
}

/// The knowledge base without its articles, its articles, and the head of its graph read from
/// them on the way.
type Model = (KnowledgeBase, ArticleSpill, rdf::HeadBuilder);

/// Where a build sets its validated articles aside: a file of the new generation's folder.
fn spill_path(into: &Path) -> PathBuf {
    into.join(format!(".articles-{}.jsonl", std::process::id()))
}

/// A new generation of `paths.dir`, made current, from the knowledge base (without its
/// articles) and the articles that `model` gives, given the new generation's folder.
fn build_generation(
    paths: &KbPaths,
    progress: &dyn crate::progress::Progress,
    settings: &BuildSettings,
    model: impl FnOnce(&Path) -> Result<Result<Model, LoadError>>,
) -> Result<Result<BuildSummary, LoadError>> {
    let started = Instant::now();
    let dir = &paths.dir;
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder '{}'", dir.display()))?;
    let _lock = lock(dir, progress)?;
    remove_leftovers(dir)?;

    let tmp = temporary_folder(dir);
    fs::create_dir(&tmp)
        .with_context(|| format!("cannot create the folder '{}'", tmp.display()))?;
    let validating = Instant::now();
    // Removed beside validation, which leaves part of a core idle: after the switch, a rebuild
    // of 100k records waited 0.4-0.9 s for its old generation's files to go. Only a head
    // start: what it cannot remove is tried again, and reported, once the build is current, so
    // a generation that will not go neither stops a build nor hides its seeds' problems.
    let tidying = {
        let dir = dir.clone();
        std::thread::spawn(move || {
            let _ = remove_generations_before_current(&dir);
        })
    };
    let model = model(&tmp);
    let _ = tidying.join();
    let (kb, spill, head) = match model {
        Ok(Ok(model)) => model,
        Ok(Err(invalid)) => {
            let _ = fs::remove_dir_all(&tmp);
            return Ok(Err(invalid));
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    // Reading the seeds leaves the TOML parser's freed memory in the allocator; giving it back
    // lowers the whole build's peak.
    return_free_memory();
    let validated = validating.elapsed();
    let written = write_stores(&kb, spill, head, &tmp, progress, settings);
    drop(kb);
    let (tables, triples, mut timings, sealed) = match written {
        Ok(w) => w,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(explain_write_failure(e, dir));
        }
    };
    timings.insert(0, ("validate", validated));
    let generation = next_generation(dir)?;
    pause_for_tests("manifest");
    write_manifest(&tmp, generation, sealed)?;
    File::open(tmp.join(MANIFEST_FILE)).and_then(|f| f.sync_all())?;
    sync_folder(&tmp)?;
    let name = format!("{GENERATION_PREFIX}{generation:06}");
    pause_for_tests("rename");
    fs::rename(&tmp, dir.join(&name))
        .with_context(|| format!("cannot move the new generation into '{}'", dir.display()))?;
    sync_folder(dir)?;
    pause_for_tests("switch");
    switch_current(dir, &name)?;
    pause_for_tests("tidy");
    link_stable_names(dir)?;
    remove_old_generations(dir)?;
    let files = STORE_FILES.iter().map(|f| dir.join(f)).collect();
    Ok(Ok(BuildSummary {
        tables,
        triples,
        timings,
        files,
        generation,
        elapsed: started.elapsed(),
    }))
}

/// A full disk (or a file-size limit, or a quota) reaches the build as an I/O error deep in
/// SQLite or a serializer: say what it is and what to do, above the low-level cause.
fn explain_write_failure(e: anyhow::Error, dir: &Path) -> anyhow::Error {
    const ENOSPC: i32 = 28;
    const EFBIG: i32 = 27;
    const EDQUOT: i32 = 122;
    let out_of_space = e.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            // sophia's serializers wrap the writer's error in another, which is not its source.
            let wrapped = io
                .get_ref()
                .and_then(|e| e.downcast_ref::<std::io::Error>());
            return [Some(io), wrapped]
                .into_iter()
                .flatten()
                .any(|io| matches!(io.raw_os_error(), Some(ENOSPC | EFBIG | EDQUOT)));
        }
        if let Some(rusqlite::Error::SqliteFailure(code, _)) =
            cause.downcast_ref::<rusqlite::Error>()
        {
            return matches!(
                code.code,
                rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure
            );
        }
        false
    });
    if out_of_space {
        e.context(format!(
            "the disk is full, or a file-size limit or quota was reached, while writing the new \
             knowledge base in '{}': free some space (a build needs about as much again as the \
             current generation) and build again; the previous knowledge base is untouched",
            dir.display()
        ))
    } else {
        e
    }
}

type Written = (
    sqlite::TableCounts,
    usize,
    Vec<(&'static str, Duration)>,
    Vec<ManifestFile>,
);

pub use dossier_model::return_free_memory;

/// The finished database sealed (hashed and synced), then the report and its site read from
/// it, as `dossier report` reads it: (the database, the reports' time, the page, the site).
fn seal_database_and_write_reports(
    into: &Path,
) -> Result<(ManifestFile, Duration, ManifestFile, ManifestFile)> {
    let sealed_database = seal(into, DATABASE_FILE)?;
    let clock = Instant::now();
    site::write(&into.join(DATABASE_FILE), &into.join(SITE_FOLDER))?;
    // The site is hashed (read back whole) beside the one-page report's writing: both come
    // last, when the other writers are done and a core is free.
    let (sealed_site, sealed_report) = std::thread::scope(|scope| {
        let sealed_site = scope.spawn(|| seal(into, SITE_FOLDER));
        let sealed_report = (|| {
            let conn = sqlite::open_read_only(&into.join(DATABASE_FILE))?;
            write_file(into, REPORT_FILE, Cache::Keep, |w| {
                match report::one_page(&conn, report::ONE_PAGE_MAX_BYTES)? {
                    Some(page) => w.write_all(&page)?,
                    None => report::write_pointer(&conn, w, report::ONE_PAGE_MAX_BYTES)?,
                }
                Ok(())
            })
        })();
        let sealed_site = sealed_site
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("hashing the site panicked")));
        (sealed_site, sealed_report)
    });
    Ok((
        sealed_database,
        clock.elapsed(),
        sealed_report?,
        sealed_site?,
    ))
}

/// The validated articles as the writers read them: an error reading them back is the
/// build's.
struct Spilled(ArticleSpill);

impl Spilled {
    fn read(&self) -> Result<impl Iterator<Item = crate::model::Article> + '_> {
        self.0
            .read()
            .context("cannot read the validated articles back")
    }
}

/// The database and the graph, on two threads, into the folder `into`; each file is hashed
/// for the manifest and synced to disk as soon as it is complete, beside the next one's writing.
/// The articles are in a file of their own ([`ArticleSpill`]), not in memory: each writer reads
/// them back one at a time, at its own pace (writers handed each article in turn, dropping it
/// once all had it, went at the slowest one's pace: 35–44% slower at 1M records).
fn write_stores(
    kb: &KnowledgeBase,
    spill: ArticleSpill,
    head: rdf::HeadBuilder,
    into: &Path,
    progress: &dyn crate::progress::Progress,
    settings: &BuildSettings,
) -> Result<Written> {
    progress.stage(
        "writing SQLite, Turtle, N-Quads, the indexed graph and the report",
        0,
    );
    let articles = Spilled(spill);
    let shared = match articles.0.statements() {
        Some(statements) => crate::model::Shared {
            statements,
            ..kb.shared()
        },
        None => kb.shared(),
    };
    let head = head.finish(shared);
    let (head, spilled) = (&head, &articles);
    let (sql, graph) = std::thread::scope(|scope| {
        // The database is quicker to write than the Turtle and the N-Quads, so its thread then
        // writes the indexed graph (a pass of its own over the mapping) and the report while
        // they finish.
        let sql = scope.spawn(|| {
            let clock = Instant::now();
            let tables = sqlite::write(shared, spilled.read()?, &into.join(DATABASE_FILE))?;
            let elapsed = clock.elapsed();
            // Hashed and synced beside the index's writing, as the Turtle is beside the N-Quads;
            // then the report and its site are read from the finished database, as `dossier
            // report` reads it, on a thread of their own: they need the database only.
            let reports = scope.spawn(|| seal_database_and_write_reports(into));
            // SQLite's page cache is freed: give it back before the index takes its memory.
            return_free_memory();
            let clock = Instant::now();
            let sealed_index = write_file(into, INDEX_FILE, Cache::Keep, |w| {
                let budget = crate::index::SortBudget::megabytes(into, settings.sort_memory_mb);
                rdf::write_index(head, spilled.read()?, w, Some(budget))?;
                Ok(())
            })?;
            let indexed = clock.elapsed();
            let (sealed_database, reported, sealed_report, sealed_site) = reports
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the report panicked")))?;
            Ok::<_, anyhow::Error>((
                tables,
                elapsed,
                sealed_database,
                (indexed, sealed_index),
                (reported, sealed_report, sealed_site),
            ))
        });
        // The Turtle and the N-Quads from one pass of the mapping: the articles are read back
        // and mapped once for both.
        let graph = (|| -> Result<_> {
            let clock = Instant::now();
            let mut triples = 0;
            let mut sealed_nquads = None;
            let sealed_turtle = write_file(into, TURTLE_FILE, Cache::Drop, |turtle| {
                sealed_nquads = Some(write_file(into, NQUADS_FILE, Cache::Drop, |nquads| {
                    triples = rdf::write_turtle_and_nquads(head, spilled.read()?, turtle, nquads)?;
                    Ok(())
                })?);
                Ok(())
            })?;
            let sealed_nquads = sealed_nquads.expect("the N-Quads are written with the Turtle");
            Ok((triples, clock.elapsed(), [sealed_turtle, sealed_nquads]))
        })();
        let sql = sql
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the database panicked")));
        (sql, graph)
    });
    let (
        tables,
        sqlite_time,
        sealed_database,
        (index_time, sealed_index),
        (report_time, sealed_report, sealed_site),
    ) = sql?;
    let (triples, graph_time, [sealed_turtle, sealed_nquads]) = graph?;
    let Spilled(spill) = articles;
    spill.finish()?;
    // Datasette names a database after its file's stem.
    let database = DATABASE_FILE.trim_end_matches(".sqlite");
    let sealed_datasette = write_file(into, DATASETTE_FILE, Cache::Keep, |w| {
        crate::datasette::write(&kb.config, database, w)
    })?;
    let timings = vec![
        ("sqlite", sqlite_time),
        ("turtle and nquads", graph_time),
        ("index", index_time),
        ("report", report_time),
    ];
    let files = vec![
        sealed_database,
        sealed_turtle,
        sealed_nquads,
        sealed_index,
        sealed_datasette,
        sealed_report,
        sealed_site,
    ];
    Ok((tables, triples, timings, files))
}

/// A complete file of the generation that something else wrote (SQLite): its manifest entry,
/// once it is on disk.
fn seal(into: &Path, name: &str) -> Result<ManifestFile> {
    let path = into.join(name);
    let (bytes, hash) = content_hash(&path)?;
    File::open(&path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync '{}' to disk", path.display()))?;
    Ok(ManifestFile {
        name: name.to_owned(),
        bytes,
        hash: format!("{hash:016x}"),
    })
}

/// Takes the folder's build lock, waiting (and saying so) while another build holds it.
fn lock(dir: &Path, progress: &dyn crate::progress::Progress) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the build lock '{}'", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            progress.stage("waiting for another build of this folder to finish", 0);
            file.lock()
                .with_context(|| format!("cannot take the build lock '{}'", path.display()))?;
        }
        Err(fs::TryLockError::Error(e)) => {
            return Err(e)
                .with_context(|| format!("cannot take the build lock '{}'", path.display()));
        }
    }
    Ok(file)
}

/// What builds that were killed left: temporary folders and files (the lock is held, so none
/// of them is being written).
fn remove_leftovers(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tmp") && name.starts_with('.') {
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            }
            .with_context(|| format!("cannot remove the leftover '{}'", path.display()))?;
        }
    }
    Ok(())
}

/// The numbers of the generations in the folder, ascending.
fn generations(dir: &Path) -> Result<Vec<u64>> {
    let mut out: Vec<u64> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| generation_number(e.file_name().to_str()?))
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// The number of the generation a folder so named holds.
fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix(GENERATION_PREFIX)?.parse().ok()
}

fn next_generation(dir: &Path) -> Result<u64> {
    Ok(generations(dir)?.last().map_or(1, |g| g + 1))
}

/// Every generation but the current one and the one before it, unless a reader holds it (it
/// goes with a later build).
fn remove_old_generations(dir: &Path) -> Result<()> {
    let all = generations(dir)?;
    for g in all.iter().rev().skip(2) {
        remove_unless_read(dir, *g)?;
    }
    Ok(())
}

/// The generations older than the current one, unless a reader holds them: once the build
/// that is starting is current, they are older than the one before it, and go whatever the
/// build's outcome.
fn remove_generations_before_current(dir: &Path) -> Result<()> {
    let current =
        current_generation(dir).and_then(|path| generation_number(path.file_name()?.to_str()?));
    let Some(current) = current else {
        return Ok(());
    };
    for g in generations(dir)?.into_iter().filter(|g| *g < current) {
        remove_unless_read(dir, g)?;
    }
    Ok(())
}

fn remove_unless_read(dir: &Path, generation: u64) -> Result<()> {
    let path = dir.join(format!("{GENERATION_PREFIX}{generation:06}"));
    let in_use = File::open(path.join(MANIFEST_FILE))
        .is_ok_and(|m| matches!(m.try_lock(), Err(fs::TryLockError::WouldBlock)));
    if !in_use {
        fs::remove_dir_all(&path)
            .with_context(|| format!("cannot remove the old generation '{}'", path.display()))?;
    }
    Ok(())
}

/// Held while a build makes its generation current: a signal handler takes it before it says
/// which generation is current, so that what it says cannot be overtaken by the switch.
pub static SWITCHING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The generation `current` names in `dir`, if any.
pub fn current_generation(dir: &Path) -> Option<PathBuf> {
    fs::read_link(dir.join(CURRENT)).ok()
}

/// Makes `name` current in one step: a new symlink renamed over `current`.
fn switch_current(dir: &Path, name: &str) -> Result<()> {
    let _switching = SWITCHING.lock().unwrap_or_else(|e| e.into_inner());
    let staged = dir.join(format!(".{CURRENT}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&staged);
    symlink(Path::new(name), &staged)?;
    fs::rename(&staged, dir.join(CURRENT))
        .with_context(|| format!("cannot make '{name}' current in '{}'", dir.display()))?;
    sync_folder(dir)
}

/// `kb/dossier.sqlite` and the others, as links through `current` (replacing the plain files a
/// build before generations wrote).
fn link_stable_names(dir: &Path) -> Result<()> {
    for file in STORE_FILES {
        let link = dir.join(file);
        let target = Path::new(CURRENT).join(file);
        if fs::read_link(&link).is_ok_and(|t| t == target) {
            continue;
        }
        let staged = dir.join(format!(".{file}.{}.tmp", std::process::id()));
        let _ = fs::remove_file(&staged);
        symlink(&target, &staged)?;
        fs::rename(&staged, &link).with_context(|| format!("cannot link '{}'", link.display()))?;
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot create the link '{}'", link.display()))
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> Result<()> {
    anyhow::bail!(
        "cannot create the link '{}': builds need symbolic links (Unix)",
        link.display()
    )
}

/// Flushes a folder's entries to disk (its files are synced as they are sealed).
fn sync_folder(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync the folder '{}'", dir.display()))
}

fn write_manifest(into: &Path, generation: u64, files: Vec<ManifestFile>) -> Result<()> {
    let manifest = Manifest {
        generation,
        schema_version: sqlite::latest_version(),
        built_at: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        dossier_version: env!("CARGO_PKG_VERSION").to_owned(),
        files,
    };
    write_file(into, MANIFEST_FILE, Cache::Keep, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        writeln!(w)?;
        Ok(())
    })?;
    Ok(())
}

/// Rewrites the current generation's manifest after a file of it changed in place (`dossier
/// upgrade`), with the files' sizes and hashes as they are now. Nothing to do without one.
pub fn refresh_manifest(paths: &KbPaths) -> Result<()> {
    if !paths.manifest().exists() {
        return Ok(());
    }
    let mut manifest = read_manifest(paths)?;
    for file in &mut manifest.files {
        let (bytes, hash) = content_hash(&paths.generation().join(&file.name))?;
        file.bytes = bytes;
        file.hash = format!("{hash:016x}");
    }
    manifest.schema_version = sqlite::latest_version();
    let staged = format!(".{MANIFEST_FILE}.{}.tmp", std::process::id());
    write_file(paths.generation(), &staged, Cache::Keep, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        writeln!(w)?;
        Ok(())
    })?;
    fs::rename(paths.generation().join(&staged), paths.manifest())
        .with_context(|| format!("cannot update '{}'", paths.manifest().display()))
}

/// Reads the current generation's manifest.
pub fn read_manifest(paths: &KbPaths) -> Result<Manifest> {
    let path = paths.manifest();
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read '{}': rebuild the knowledge base with `dossier build`",
            path.display()
        )
    })?;
    serde_json::from_str(&text).with_context(|| format!("'{}' is not a manifest", path.display()))
}

/// Each store file of the current generation against its manifest: a difference is a file
/// changed (or swapped) after its build.
pub fn verify_manifest(paths: &KbPaths) -> Result<Vec<String>> {
    if !paths.manifest().exists() && paths.generation() == paths.dir.as_path() {
        return Ok(vec![
            "the knowledge base was built before manifests: rebuild it with `dossier build`"
                .to_owned(),
        ]);
    }
    let manifest = read_manifest(paths)?;
    let mut drift = Vec::new();
    for file in &manifest.files {
        let path = paths.generation().join(&file.name);
        let (bytes, hash) = content_hash(&path)?;
        if bytes != file.bytes || format!("{hash:016x}") != file.hash {
            drift.push(format!(
                "file {}: not the file generation {} wrote ({bytes} bytes, hash {hash:016x}; \
                 the manifest says {} bytes, {})",
                file.name, manifest.generation, file.bytes, file.hash
            ));
        }
    }
    Ok(drift)
}

/// The size and a 64-bit hash of a file's bytes: FNV-1a's step over little-endian 64-bit
/// words (the tail zero-padded), eight times faster than byte by byte; it tells a changed
/// file, it is not meant to resist a forger.
///
/// A folder's hash runs over its files in name order, each file's path (relative to the folder,
/// then a NUL) before its bytes; its size is its files' bytes.
pub fn content_hash(path: &Path) -> Result<(u64, u64)> {
    let mut hasher = ContentHasher::default();
    // One buffer for every file: a buffer this large is mapped apart and zeroed afresh each
    // time it is allocated (`map_large_allocations_apart`), which for a site's thousands of
    // small pages cost more than hashing them.
    let mut buffer = vec![0u8; 1 << 20];
    if path.is_dir() {
        let mut files = Vec::new();
        files_under(path, Path::new(""), &mut files)?;
        files.sort();
        let mut bytes = 0;
        for relative in files {
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update(b"\0");
            let before = hasher.bytes;
            hash_file(&path.join(&relative), &mut hasher, &mut buffer)?;
            bytes += hasher.bytes - before;
        }
        return Ok((bytes, hasher.finish().1));
    }
    hash_file(path, &mut hasher, &mut buffer)?;
    Ok(hasher.finish())
}

/// The files in a folder and its subfolders, as paths relative to `dir`.
fn files_under(dir: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let folder = dir.join(relative);
    for entry in
        fs::read_dir(&folder).with_context(|| format!("cannot read '{}'", folder.display()))?
    {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            files_under(dir, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn hash_file(path: &Path, hasher: &mut ContentHasher, buffer: &mut [u8]) -> Result<()> {
    use std::io::Read;
    let mut file = File::open(path).with_context(|| format!("cannot read '{}'", path.display()))?;
    loop {
        match file.read(buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read '{}'", path.display())),
        }
    }
}

/// The content hash computed over bytes as they come: FNV-1a over 8-byte little-endian words
/// (the last one zero-padded), so a file can be hashed while it is written.
#[derive(Default)]
pub struct ContentHasher {
    bytes: u64,
    hash: Option<u64>,
    pending: [u8; 8],
    pending_len: usize,
}

impl ContentHasher {
    pub fn update(&mut self, mut data: &[u8]) {
        self.bytes += data.len() as u64;
        let mut hash = self.hash.unwrap_or(0xcbf2_9ce4_8422_2325);
        let fold = |hash: u64, word: [u8; 8]| {
            (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x0100_0000_01b3)
        };
        if self.pending_len > 0 {
            let take = (8 - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len == 8 {
                hash = fold(hash, self.pending);
                self.pending_len = 0;
            }
        }
        let mut words = data.chunks_exact(8);
        for word in &mut words {
            hash = fold(hash, word.try_into().expect("8 bytes"));
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len += rest.len();
        self.hash = Some(hash);
    }

    /// The number of bytes and their hash.
    pub fn finish(mut self) -> (u64, u64) {
        let mut hash = self.hash.unwrap_or(0xcbf2_9ce4_8422_2325);
        if self.pending_len > 0 {
            self.pending[self.pending_len..].fill(0);
            hash = (hash ^ u64::from_le_bytes(self.pending)).wrapping_mul(0x0100_0000_01b3);
        }
        (self.bytes, hash)
    }
}

/// A writer that hashes what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: ContentHasher,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Whether a written file's pages stay in the system's cache once they are on disk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cache {
    Keep,
    /// For what a build and its queries do not read back (the Turtle and the N-Quads, 60% of
    /// the bytes): on this project's VM, a build that left them cached spent 3.9–4.5 s of
    /// system time at 100k records against 1.6 s without them (alternated runs), in the hours
    /// when new cache pages were slow to come by; the same otherwise.
    Drop,
}

/// Writes a file of the generation and returns its manifest entry: the bytes are hashed as
/// they are written, and what is written so far is flushed to disk every quarter second by a
/// helper thread, so the disk works while the writer does and the final sync has little left
/// (and, for [`Cache::Drop`], what is on disk leaves the cache).
fn write_file(
    into: &Path,
    name: &str,
    cache: Cache,
    write: impl FnOnce(&mut BufWriter<Hashing<&File>>) -> Result<()>,
) -> Result<ManifestFile> {
    let path = into.join(name);
    let file =
        File::create(&path).with_context(|| format!("cannot create '{}'", path.display()))?;
    let (finished, wait) = std::sync::mpsc::channel::<()>();
    let (bytes, hash) = std::thread::scope(|scope| {
        let file = &file;
        scope.spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                wait.recv_timeout(Duration::from_millis(250))
            {
                // What was written before the sync is on disk after it.
                let written = file.metadata().map_or(0, |m| m.len());
                if file.sync_data().is_ok() && cache == Cache::Drop && written > 0 {
                    advise_cache(file, written, CacheAdvice::DontNeed);
                }
            }
        });
        let result = (|| -> Result<(u64, u64)> {
            let hashing = Hashing {
                inner: file,
                hasher: ContentHasher::default(),
            };
            let mut w = BufWriter::with_capacity(1 << 20, hashing);
            write(&mut w)?;
            let hashing = w
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write '{}'", path.display()))?;
            Ok(hashing.hasher.finish())
        })();
        drop(finished);
        result
    })?;
    file.sync_all()
        .with_context(|| format!("cannot sync '{}' to disk", path.display()))?;
    if cache == Cache::Drop {
        advise_cache(&file, 0, CacheAdvice::DontNeed);
    }
    Ok(ManifestFile {
        name: name.to_owned(),
        bytes,
        hash: format!("{hash:016x}"),
    })
}

/// For the tests that kill a build at each step: with `DOSSIER_PAUSE_BEFORE=<step>` in the
/// environment, the build says so on standard error and waits before that step.
fn pause_for_tests(step: &str) {
    if std::env::var("DOSSIER_PAUSE_BEFORE").is_ok_and(|s| s == step) {
        eprintln!("dossier: paused before {step}");
        std::thread::sleep(Duration::from_secs(30));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_recognised_under_a_serializer_s_own_error() {
        const ENOSPC: i32 = 28;
        // sophia's N-Quads writer hands on a writer's error wrapped in another.
        let wrapped = std::io::Error::other(std::io::Error::from_raw_os_error(ENOSPC));
        let e = anyhow::Error::new(wrapped).context("cannot write N-Quads");
        let said = format!("{:#}", explain_write_failure(e, Path::new("kb")));
        assert!(said.starts_with("the disk is full"), "{said}");
        let other = anyhow::Error::new(std::io::Error::other("the consumer stopped"));
        let said = format!("{:#}", explain_write_failure(other, Path::new("kb")));
        assert!(!said.contains("the disk is full"), "{said}");
    }

    #[test]
    fn a_file_hashed_while_written_hashes_as_it_reads_back() {
        let data: Vec<u8> = (0..10_007u32).map(|i| (i * 7919 % 251) as u8).collect();
        let dir = tempfile::tempdir().unwrap();
        let sealed = write_file(dir.path(), "f", Cache::Keep, |w| {
            // Writes of every size, so words straddle the writes in every way.
            let mut rest = &data[..];
            let mut size = 1;
            while !rest.is_empty() {
                let n = size.min(rest.len());
                w.get_mut().write_all(&rest[..n])?;
                rest = &rest[n..];
                size = size % 13 + 1;
            }
            Ok(())
        })
        .unwrap();
        let (bytes, hash) = content_hash(&dir.path().join("f")).unwrap();
        assert_eq!(bytes, data.len() as u64);
        assert_eq!(sealed.bytes, bytes);
        assert_eq!(sealed.hash, format!("{hash:016x}"));
        let mut other = ContentHasher::default();
        other.update(&data[..data.len() - 1]);
        assert_ne!(other.finish().1, hash);
    }

    /// How many of the file's pages the system holds in its cache (`mincore` over a mapping,
    /// which reads none of them).
    #[cfg(target_os = "linux")]
    fn cached_pages(path: &Path) -> usize {
        unsafe extern "C" {
            fn mincore(addr: *mut std::ffi::c_void, len: usize, vec: *mut u8) -> std::ffi::c_int;
        }
        let file = File::open(path).unwrap();
        // SAFETY: the file is not changed while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
        let mut pages = vec![0u8; map.len().div_ceil(4096)];
        // SAFETY: `pages` has a byte for each 4 KiB page of the mapping (x86-64 and aarch64
        // Linux pages are at least that, so it is never too short).
        let done = unsafe { mincore(map.as_ptr() as *mut _, map.len(), pages.as_mut_ptr()) };
        assert_eq!(done, 0, "mincore failed");
        pages.iter().filter(|p| *p & 1 == 1).count()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_written_to_be_dropped_leaves_the_cache_and_a_kept_one_stays() {
        // Beside the test binary, on the disk the build uses: the temporary folder may be a
        // tmpfs, whose cached pages are the files themselves.
        let exe = std::env::current_exe().unwrap();
        let dir = tempfile::tempdir_in(exe.parent().unwrap()).unwrap();
        let data = vec![7u8; 8 << 20];
        for (name, cache) in [("kept", Cache::Keep), ("dropped", Cache::Drop)] {
            let sealed = write_file(dir.path(), name, cache, |w| {
                w.write_all(&data)?;
                Ok(())
            })
            .unwrap();
            assert_eq!(sealed.bytes, data.len() as u64);
        }
        let kept = cached_pages(&dir.path().join("kept"));
        let dropped = cached_pages(&dir.path().join("dropped"));
        assert!(
            kept > 1000,
            "only {kept} of the kept file's 2,048 pages are cached"
        );
        assert_eq!(
            dropped, 0,
            "{dropped} of the dropped file's pages are still cached"
        );
        assert_eq!(fs::read(dir.path().join("dropped")).unwrap(), data);
    }
}
