//! The knowledge-base folder (`kb/` by default): what a build writes there and how. Every file
//! is written to a temporary file in the same folder and renamed over the old one only when
//! complete, so a failed or interrupted build leaves the previous files byte-identical and a
//! reader never sees half a build.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tempfile::NamedTempFile;

use crate::model::KnowledgeBase;
use crate::{rdf, sqlite};

pub const DATABASE_FILE: &str = "dossier.sqlite";
pub const TURTLE_FILE: &str = "dossier.ttl";
pub const NQUADS_FILE: &str = "dossier.nq";

/// The files of a knowledge-base folder.
#[derive(Debug, Clone)]
pub struct KbPaths {
    pub dir: PathBuf,
}

impl KbPaths {
    pub fn new(dir: impl Into<PathBuf>) -> KbPaths {
        KbPaths { dir: dir.into() }
    }
    pub fn database(&self) -> PathBuf {
        self.dir.join(DATABASE_FILE)
    }
    pub fn turtle(&self) -> PathBuf {
        self.dir.join(TURTLE_FILE)
    }
    pub fn nquads(&self) -> PathBuf {
        self.dir.join(NQUADS_FILE)
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
}

/// What a build wrote, for the summary.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub tables: sqlite::TableCounts,
    pub triples: usize,
    /// Time spent writing each store: (what, time).
    pub timings: Vec<(&'static str, Duration)>,
    pub files: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// Writes every store of the knowledge base into `paths.dir`, atomically file by file.
/// The model is already validated: nothing is written for invalid seeds.
pub fn build(kb: &KnowledgeBase, paths: &KbPaths) -> Result<BuildSummary> {
    build_with(kb, paths, &crate::progress::Silent)
}

/// [`build`], reporting each store as it is written.
pub fn build_with(
    kb: &KnowledgeBase,
    paths: &KbPaths,
    progress: &dyn crate::progress::Progress,
) -> Result<BuildSummary> {
    let started = Instant::now();
    fs::create_dir_all(&paths.dir)
        .with_context(|| format!("cannot create the folder '{}'", paths.dir.display()))?;

    // The database and the graph are independent: write them on two threads.
    progress.stage("writing SQLite, Turtle and N-Quads", 0);
    let db_tmp = temp_in(&paths.dir, DATABASE_FILE)?;
    let ttl_tmp = temp_in(&paths.dir, TURTLE_FILE)?;
    let nq_tmp = temp_in(&paths.dir, NQUADS_FILE)?;
    let (sql, graph) = std::thread::scope(|scope| {
        let sql = scope.spawn(|| {
            let clock = Instant::now();
            sqlite::write(kb, db_tmp.path()).map(|tables| (tables, clock.elapsed()))
        });
        let graph = (|| -> Result<_> {
            let clock = Instant::now();
            let mut triples = 0;
            write_through(&ttl_tmp, |w| {
                triples = rdf::write_turtle(kb, w)?;
                Ok(())
            })?;
            let turtle = clock.elapsed();
            let clock = Instant::now();
            write_through(&nq_tmp, |w| rdf::write_nquads(kb, w))?;
            Ok((triples, turtle, clock.elapsed()))
        })();
        let sql = sql
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("writing the database panicked")));
        (sql, graph)
    });
    let (tables, sqlite_time) = sql?;
    let (triples, turtle_time, nquads_time) = graph?;
    let timings = vec![
        ("sqlite", sqlite_time),
        ("turtle", turtle_time),
        ("nquads", nquads_time),
    ];

    // Every store is complete: only now replace the old files.
    let mut files = Vec::new();
    for (tmp, target) in [
        (db_tmp, paths.database()),
        (ttl_tmp, paths.turtle()),
        (nq_tmp, paths.nquads()),
    ] {
        // Temporary files are private (0600); the stores are for every reader, like any file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644)).with_context(
                || format!("cannot set the permissions of '{}'", tmp.path().display()),
            )?;
        }
        tmp.persist(&target)
            .with_context(|| format!("cannot move the new file into '{}'", target.display()))?;
        files.push(target);
    }
    Ok(BuildSummary {
        tables,
        triples,
        timings,
        files,
        elapsed: started.elapsed(),
    })
}

fn temp_in(dir: &Path, name: &str) -> Result<NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in '{}'", dir.display()))
}

fn write_through(
    tmp: &NamedTempFile,
    write: impl FnOnce(&mut BufWriter<&File>) -> Result<()>,
) -> Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
    write(&mut w)?;
    w.flush()
        .with_context(|| format!("cannot write '{}'", tmp.path().display()))?;
    Ok(())
}
