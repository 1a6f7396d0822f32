//! Articles set aside in a file, one JSON line each, and read back one at a time: how a
//! knowledge base larger than memory is validated ([`crate::validate::load_spilled`]) and
//! written (each store's writer reads the validated articles back at its own pace).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::model::{Article, FactsFile};

/// A file being filled with articles, in order.
pub(crate) struct SpillWriter {
    path: PathBuf,
    out: BufWriter<File>,
    count: usize,
}

impl SpillWriter {
    pub(crate) fn create(path: PathBuf) -> io::Result<SpillWriter> {
        let out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        Ok(SpillWriter {
            path,
            out,
            count: 0,
        })
    }

    pub(crate) fn push(&mut self, article: &Article) -> io::Result<()> {
        // An I/O error stays one (a full disk is said as such).
        serde_json::to_writer(&mut self.out, article).map_err(io::Error::from)?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    /// The file, complete: (its path, how many articles it holds).
    pub(crate) fn finish(mut self) -> io::Result<(PathBuf, usize)> {
        self.out.flush()?;
        Ok((self.path, self.count))
    }
}

/// The articles of a file, in order, each parsed when asked for; the file is removed as soon
/// as it is open (it is read once: its space is freed when the reading ends, however it ends).
pub(crate) fn read_once(
    path: &Path,
) -> io::Result<impl Iterator<Item = io::Result<Article>> + use<>> {
    let file = File::open(path)?;
    fs::remove_file(path)?;
    Ok(BufReader::with_capacity(1 << 20, file)
        .lines()
        .map(|line| Ok(serde_json::from_str(&line?)?)))
}

/// Validated articles in a file, read back one at a time as often as needed, each with the
/// current values that other articles state for its records already set (those records are
/// held in memory: only records some article states a value of). Removed when dropped.
pub struct ArticleSpill {
    pub(crate) path: PathBuf,
    count: usize,
    /// By article: the records whose fields hold values stated elsewhere, as they are current.
    current: HashMap<usize, FactsFile>,
    /// The first read that failed: a reader's articles then end early, and [`finish`] says why.
    ///
    /// [`finish`]: ArticleSpill::finish
    failed: Mutex<Option<String>>,
}

impl ArticleSpill {
    /// Writes `articles` to a new file at `path`.
    pub fn write(
        articles: impl IntoIterator<Item = Article>,
        path: PathBuf,
    ) -> io::Result<ArticleSpill> {
        let mut writer = SpillWriter::create(path)?;
        for article in articles {
            writer.push(&article)?;
        }
        let (path, count) = writer.finish()?;
        Ok(ArticleSpill::new(path, count, HashMap::new()))
    }

    pub(crate) fn new(path: PathBuf, count: usize, current: HashMap<usize, FactsFile>) -> Self {
        ArticleSpill {
            path,
            count,
            current,
            failed: Mutex::new(None),
        }
    }

    /// How many articles it holds.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The articles, in order, each read when asked for.
    pub fn read(&self) -> io::Result<impl Iterator<Item = Article> + '_> {
        let file = File::open(&self.path)?;
        let lines = BufReader::with_capacity(1 << 20, file).lines();
        Ok(lines.enumerate().map_while(move |(a, line)| {
            let read = line.and_then(|line| Ok(serde_json::from_str::<Article>(&line)?));
            match read {
                Ok(mut article) => {
                    if let Some(current) = self.current.get(&a) {
                        article.facts.overwrite_records(current);
                    }
                    Some(article)
                }
                Err(e) => {
                    let mut failed = self.failed.lock().expect("no reader panics holding it");
                    failed.get_or_insert_with(|| e.to_string());
                    None
                }
            }
        }))
    }

    /// Removes the file, or says why a reader's articles ended early.
    pub fn finish(self) -> io::Result<()> {
        let failed = self
            .failed
            .lock()
            .expect("no reader panics holding it")
            .take();
        match failed {
            Some(e) => Err(io::Error::other(format!(
                "cannot read the validated articles back from '{}': {e}",
                self.path.display()
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for ArticleSpill {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
