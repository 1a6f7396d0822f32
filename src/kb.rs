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
    pub files: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// Writes every store of the knowledge base into `paths.dir`, atomically file by file.
/// The model is already validated: nothing is written for invalid seeds.
pub fn build(kb: &KnowledgeBase, paths: &KbPaths) -> Result<BuildSummary> {
    let started = Instant::now();
    fs::create_dir_all(&paths.dir)
        .with_context(|| format!("cannot create the folder '{}'", paths.dir.display()))?;

    let db_tmp = temp_in(&paths.dir, DATABASE_FILE)?;
    let tables = sqlite::write(kb, db_tmp.path())?;

    let ttl_tmp = temp_in(&paths.dir, TURTLE_FILE)?;
    write_through(&ttl_tmp, |w| rdf::write_turtle(kb, w))?;
    let nq_tmp = temp_in(&paths.dir, NQUADS_FILE)?;
    write_through(&nq_tmp, |w| rdf::write_nquads(kb, w))?;
    let triples = rdf::count_triples(kb);

    // Every store is complete: only now replace the old files.
    let mut files = Vec::new();
    for (tmp, target) in [
        (db_tmp, paths.database()),
        (ttl_tmp, paths.turtle()),
        (nq_tmp, paths.nquads()),
    ] {
        tmp.persist(&target)
            .with_context(|| format!("cannot move the new file into '{}'", target.display()))?;
        files.push(target);
    }
    Ok(BuildSummary {
        tables,
        triples,
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
