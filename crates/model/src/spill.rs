//! Articles set aside in a file, one JSON line each, and read back one at a time: how a
//! knowledge base larger than memory is validated ([`crate::validate::load_spilled`]) and
//! written (each store's writer reads the validated articles back at its own pace). The values
//! that articles state for other records, and the records' current forms, wait in files too,
//! sorted within a memory budget ([`LineSort`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Lines, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::model::{Article, FactsFile, SpilledStatements, Statement, StatementCursor, Statements};

/// A file being filled with articles, in order.
pub(crate) struct SpillWriter {
    path: PathBuf,
    out: BufWriter<File>,
    count: usize,
}

impl SpillWriter {
    pub(crate) fn create(path: PathBuf) -> io::Result<SpillWriter> {
        SpillWriter::with_buffer(path, 1 << 20)
    }

    pub(crate) fn with_buffer(path: PathBuf, bytes: usize) -> io::Result<SpillWriter> {
        let out = BufWriter::with_capacity(bytes, File::create(&path)?);
        Ok(SpillWriter {
            path,
            out,
            count: 0,
        })
    }

    /// A line already in JSON, without its newline.
    pub(crate) fn push_line(&mut self, line: &str) -> io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    /// How many lines it holds.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    pub(crate) fn push(&mut self, article: &impl serde::Serialize) -> io::Result<()> {
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

/// The articles (or other lines) of a file, in order, each parsed when asked for; the file is
/// removed as soon as it is open (it is read once: its space is freed when the reading ends,
/// however it ends).
pub(crate) fn read_once<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> io::Result<impl Iterator<Item = io::Result<T>> + use<T>> {
    Ok(read_lines_once(path)?.map(|line| Ok(serde_json::from_str(&line?)?)))
}

/// The lines of a file, in order, unparsed, removed as [`read_once`] removes it.
pub(crate) fn read_lines_once(
    path: &Path,
) -> io::Result<impl Iterator<Item = io::Result<String>> + use<>> {
    let file = File::open(path)?;
    fs::remove_file(path)?;
    Ok(BufReader::with_capacity(1 << 20, file).lines())
}

/// Lines sorted by a key within a memory budget: held until the budget is spent, then sorted
/// and written to a run file of their own; read back as one stream merged from the runs, as
/// often as needed. Lines of equal keys come back in the order they were pushed.
pub(crate) struct LineSort {
    dir: PathBuf,
    name: &'static str,
    budget: usize,
    held: Vec<(u128, String)>,
    bytes: usize,
    runs: SortedRuns,
}

impl LineSort {
    /// Runs are named `.<name>-<process>-<n>.run` in `dir`.
    pub(crate) fn new(dir: &Path, name: &'static str, budget: usize) -> LineSort {
        LineSort {
            dir: dir.to_owned(),
            name,
            budget,
            held: Vec::new(),
            bytes: 0,
            runs: SortedRuns { runs: Vec::new() },
        }
    }

    /// `line` holds no newline.
    pub(crate) fn push(&mut self, key: u128, line: String) -> io::Result<()> {
        // The line's bytes and what holding it costs besides.
        self.bytes += line.capacity() + std::mem::size_of::<(u128, String)>();
        self.held.push((key, line));
        if self.bytes >= self.budget {
            self.write_run()?;
        }
        Ok(())
    }

    fn write_run(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        // Stable: equal keys keep the order they were pushed in.
        self.held.sort_by_key(|(key, _)| *key);
        let path = self.dir.join(format!(
            ".{}-{}-{}.run",
            self.name,
            std::process::id(),
            self.runs.runs.len()
        ));
        // Named before it is written, so that a failure still removes it.
        self.runs.runs.push(path.clone());
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&path)?);
        for (key, line) in self.held.drain(..) {
            writeln!(out, "{key:032x} {line}")?;
        }
        out.flush()?;
        self.held = Vec::new();
        self.bytes = 0;
        Ok(())
    }

    /// The runs, at most [`MOST_RUNS`] of them: more are merged a group at a time into longer
    /// ones (consecutive runs into one, so that equal keys keep their order).
    pub(crate) fn finish(mut self) -> io::Result<SortedRuns> {
        self.write_run()?;
        let mut runs = std::mem::replace(&mut self.runs, SortedRuns { runs: Vec::new() });
        let mut merged = 0;
        while runs.runs.len() > MOST_RUNS {
            // Every file is held by a `SortedRuns` at all times: an error removes them all.
            let mut longer = SortedRuns { runs: Vec::new() };
            while !runs.runs.is_empty() {
                let group = runs.runs.len().min(MOST_RUNS);
                let group = SortedRuns {
                    runs: runs.runs.drain(..group).collect(),
                };
                let path = self.dir.join(format!(
                    ".{}-{}-merged-{merged}.run",
                    self.name,
                    std::process::id()
                ));
                merged += 1;
                longer.runs.push(path.clone());
                let mut out = BufWriter::with_capacity(1 << 16, File::create(&path)?);
                for line in group.read()? {
                    let (key, line) = line?;
                    writeln!(out, "{key:032x} {line}")?;
                }
                out.flush()?;
            }
            runs = longer;
        }
        Ok(runs)
    }
}

/// At most this many runs are read at once, each with a file open and a buffer of 16 KiB.
const MOST_RUNS: usize = 64;

/// The runs of a [`LineSort`], removed when dropped.
#[derive(Debug)]
pub(crate) struct SortedRuns {
    runs: Vec<PathBuf>,
}

impl SortedRuns {
    /// Every line with its key, in key order (runs in push order among equal keys).
    pub(crate) fn read(&self) -> io::Result<Merged> {
        let mut merged = Merged {
            runs: Vec::with_capacity(self.runs.len()),
            heads: BinaryHeap::new(),
            lines: Vec::with_capacity(self.runs.len()),
        };
        for path in &self.runs {
            let file = File::open(path)?;
            merged
                .runs
                .push(BufReader::with_capacity(16 << 10, file).lines());
            merged.lines.push(None);
            merged.advance(merged.runs.len() - 1)?;
        }
        Ok(merged)
    }
}

impl Drop for SortedRuns {
    fn drop(&mut self) {
        for run in &self.runs {
            let _ = fs::remove_file(run);
        }
    }
}

/// The runs of a [`LineSort`] as one stream.
pub(crate) struct Merged {
    runs: Vec<Lines<BufReader<File>>>,
    /// Each run's next key, and the run: the smallest first, the earlier run among equals.
    heads: BinaryHeap<Reverse<(u128, usize)>>,
    lines: Vec<Option<String>>,
}

impl Merged {
    fn advance(&mut self, run: usize) -> io::Result<()> {
        let Some(line) = self.runs[run].next().transpose()? else {
            return Ok(());
        };
        let bad = || io::Error::other(format!("a sorted run's line is damaged: {line:.60}"));
        let (key, rest) = line.split_once(' ').ok_or_else(bad)?;
        let key = u128::from_str_radix(key, 16).map_err(|_| bad())?;
        self.lines[run] = Some(rest.to_owned());
        self.heads.push(Reverse((key, run)));
        Ok(())
    }

    /// The next line's key, without taking it.
    pub(crate) fn peek_key(&self) -> Option<u128> {
        self.heads.peek().map(|Reverse((key, _))| *key)
    }
}

impl Iterator for Merged {
    type Item = io::Result<(u128, String)>;

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((key, run)) = self.heads.pop()?;
        let line = self.lines[run].take().expect("a run's head has its line");
        Some(self.advance(run).map(|()| (key, line)))
    }
}

/// The values that sources state, in files: in the order [`crate::statements`] resolves them
/// (each partition's fields, then each partition's rows: the partitions are ranges of record
/// ids), and by the source that states them (for the graph, which writes them after their
/// article). Removed when dropped.
#[derive(Debug)]
pub struct StatementSpill {
    pub(crate) in_order: Vec<PathBuf>,
    pub(crate) by_source: SortedRuns,
}

impl Drop for StatementSpill {
    fn drop(&mut self) {
        for path in &self.in_order {
            let _ = fs::remove_file(path);
        }
    }
}

/// A statement's place in [`StatementSpill::by_source`]: its source (0 for `actors.toml` and
/// `topics.toml`, else the stating article's position + 1), then its place in the resolution
/// order (a row after every field, then its partition and its place there).
pub(crate) fn source_key(source: Option<usize>, row: bool, partition: usize, n: usize) -> u128 {
    let source = source.map_or(0, |a| a as u128 + 1);
    (source << 64) | (u128::from(row) << 63) | ((partition as u128) << 32) | n as u128
}

impl SpilledStatements for StatementSpill {
    fn for_each(&self, each: &mut dyn FnMut(&Statement) -> io::Result<()>) -> io::Result<()> {
        for path in &self.in_order {
            let file = File::open(path).map_err(|e| unreadable(path, e))?;
            for line in BufReader::with_capacity(1 << 16, file).lines() {
                let line = line.map_err(|e| unreadable(path, e))?;
                let statement =
                    serde_json::from_str(&line).map_err(|e| unreadable(path, e.into()))?;
                each(&statement)?;
            }
        }
        Ok(())
    }

    fn by_source(&self) -> io::Result<Box<dyn StatementCursor + '_>> {
        let merged = self
            .by_source
            .read()
            .map_err(|e| io::Error::other(format!("cannot read the stated values back: {e}")))?;
        Ok(Box::new(merged))
    }
}

fn unreadable(path: &Path, e: io::Error) -> io::Error {
    io::Error::other(format!(
        "cannot read the stated values back from '{}': {e}",
        path.display()
    ))
}

impl StatementCursor for Merged {
    fn each_of(
        &mut self,
        source: Option<usize>,
        each: &mut dyn FnMut(&Statement) -> io::Result<()>,
    ) -> io::Result<()> {
        let wanted = source.map_or(0, |a| a as u128 + 1);
        let unreadable = |e| io::Error::other(format!("cannot read the stated values back: {e}"));
        while self.peek_key().is_some_and(|key| key >> 64 <= wanted) {
            let (key, line) = self.next().expect("peeked").map_err(unreadable)?;
            let statement: Statement =
                serde_json::from_str(&line).map_err(|e| unreadable(e.into()))?;
            // A source asked for out of order would lose its statements: never silently.
            if key >> 64 != wanted {
                return Err(io::Error::other(format!(
                    "the stated value '{}' was not asked for in its source's turn",
                    statement.id
                )));
            }
            each(&statement)?;
        }
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.peek_key().is_none()
    }
}

/// By article, the records whose fields hold values stated elsewhere, as they are current.
pub(crate) enum Current {
    /// By article's position.
    Memory(HashMap<usize, FactsFile>),
    /// Lines keyed by the article's position, each a facts file of its current records.
    Sorted(SortedRuns),
}

/// Validated articles in a file, read back one at a time as often as needed, each with the
/// current values that other articles state for its records already set (those records wait
/// in memory or in sorted runs: only records some article states a value of), and the stated
/// values when they wait in files. Removed when dropped.
pub struct ArticleSpill {
    pub(crate) path: PathBuf,
    count: usize,
    current: Current,
    statements: Option<StatementSpill>,
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
        Ok(ArticleSpill::new(
            path,
            count,
            Current::Memory(HashMap::new()),
            None,
        ))
    }

    pub(crate) fn new(
        path: PathBuf,
        count: usize,
        current: Current,
        statements: Option<StatementSpill>,
    ) -> Self {
        ArticleSpill {
            path,
            count,
            current,
            statements,
            failed: Mutex::new(None),
        }
    }

    /// The stated values, when they wait in files (else they are the knowledge base's).
    pub fn statements(&self) -> Option<Statements<'_>> {
        let spilled = self.statements.as_ref()?;
        Some(Statements::Spilled(spilled))
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
        let mut sorted = match &self.current {
            Current::Sorted(runs) => Some(runs.read()?),
            Current::Memory(_) => None,
        };
        Ok(lines.enumerate().map_while(move |(a, line)| {
            let read = line.and_then(|line| {
                let mut article = serde_json::from_str::<Article>(&line)?;
                match (&self.current, &mut sorted) {
                    (Current::Memory(current), _) => {
                        if let Some(current) = current.get(&a) {
                            article.facts.overwrite_records(current);
                        }
                    }
                    (Current::Sorted(_), Some(sorted)) => {
                        while sorted.peek_key().is_some_and(|key| key <= a as u128) {
                            let (_, line) = sorted.next().expect("peeked")?;
                            let current: FactsFile = serde_json::from_str(&line)?;
                            article.facts.overwrite_records(&current);
                        }
                    }
                    (Current::Sorted(_), None) => unreachable!("opened above"),
                }
                Ok(article)
            });
            match read {
                Ok(article) => Some(article),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines come back in key order, equal keys in push order, however many runs they took
    /// (one a line: merged into fewer first); every run file is removed once dropped.
    #[test]
    fn sorted_runs_give_the_lines_stably_sorted() {
        let dir = std::env::temp_dir().join(format!("dossier-linesort-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let lines: Vec<(u128, String)> = (0..1000u128)
            .map(|n| ((n * 7919) % 97, format!("line {n}")))
            .collect();
        let mut expected = lines.clone();
        expected.sort_by_key(|(key, _)| *key);
        for budget in [0, 1 << 20] {
            let mut sort = LineSort::new(&dir, "test", budget);
            for (key, line) in &lines {
                sort.push(*key, line.clone()).unwrap();
            }
            let runs = sort.finish().unwrap();
            assert!(runs.runs.len() <= MOST_RUNS, "{} runs", runs.runs.len());
            for _ in 0..2 {
                let read: Vec<(u128, String)> = runs.read().unwrap().map(Result::unwrap).collect();
                assert_eq!(read, expected, "at {budget} bytes");
            }
            drop(runs);
            assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "every run removed");
        }
        fs::remove_dir(&dir).unwrap();
    }
}
