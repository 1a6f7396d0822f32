//! Reading a seeds folder: the knowledge-base configuration, the shared actors and one folder per
//! article (`article.txt`, `facts.toml`). Syntax and type errors are reported here, record by
//! record, so one bad record does not hide the problems of the others; the cross-record checks
//! live in [`crate::validate`], which also loads a seeds folder (read, then check).
//!
//! ```text
//! seeds/
//!   dossier.toml          the knowledge base: title, base IRI, licence
//!   actors.toml           actors shared by every article
//!   topics.toml           the topics records can be about (a small SKOS vocabulary)
//!   <article-id>/
//!     article.txt         the article, byte-exact
//!     facts.toml          its metadata and curated records
//! ```

use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diagnostic::{Diagnostic, Diagnostics, closest, display_path};
use crate::model::{
    Actor, ActorsFile, Article, ArticleMeta, FactsFile, KbConfig, KnowledgeBase, ListReader, Slug,
    Topic, TopicsFile,
};

pub const CONFIG_FILE: &str = "dossier.toml";
pub const ACTORS_FILE: &str = "actors.toml";
pub const TOPICS_FILE: &str = "topics.toml";
pub const ARTICLE_TEXT: &str = "article.txt";
pub const FACTS_FILE: &str = "facts.toml";

/// Why seeds could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The seeds folder could not be read at all (a usage or I/O problem).
    #[error("{0:#}")]
    Io(anyhow::Error),
    /// The seeds were read and are invalid: every problem found.
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// A seed file's path and text, so that problems found later can be placed in it. An
/// article's facts let their text go once parsed ([`SourceFile::release_text`]): held for
/// every article, the texts were a fifth of validation's memory. A problem placed later reads
/// the file again.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// As the user named it, for messages.
    pub path: PathBuf,
    /// Where to read it again: absolute, so that a later change of directory does not matter.
    origin: PathBuf,
    text: std::sync::OnceLock<Option<String>>,
    /// The text's length and hash as first read: a text read again to place a problem must be
    /// the same.
    fingerprint: (usize, u64),
    /// Where every value of the document is, found on the first diagnostic: placing each of
    /// thousands of problems by parsing the file again made validation quadratic.
    spans: std::sync::OnceLock<Option<Spans>>,
}

fn fingerprint(text: &str) -> (usize, u64) {
    use std::hash::{Hash, Hasher};
    // DefaultHasher::new() has fixed keys: the same text hashes alike within the process.
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    (text.len(), hasher.finish())
}

/// The byte span of every value of a TOML document, by its path.
#[derive(Debug, Clone)]
struct Spans {
    root: Range<usize>,
    by_path: HashMap<Vec<OwnedSeg>, Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum OwnedSeg {
    Key(String),
    Index(usize),
}

impl Spans {
    fn of(text: &str) -> Option<Spans> {
        fn walk(
            value: &DeValue<'_>,
            span: Range<usize>,
            path: &mut Vec<OwnedSeg>,
            out: &mut HashMap<Vec<OwnedSeg>, Range<usize>>,
        ) {
            out.insert(path.clone(), span);
            match value {
                DeValue::Table(t) => {
                    for (k, v) in t.iter() {
                        path.push(OwnedSeg::Key(k.get_ref().to_string()));
                        walk(v.get_ref(), v.span(), path, out);
                        path.pop();
                    }
                }
                DeValue::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        path.push(OwnedSeg::Index(i));
                        walk(v.get_ref(), v.span(), path, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        let root = DeTable::parse(text).ok()?;
        let mut by_path = HashMap::new();
        let mut path = Vec::new();
        for (k, v) in root.get_ref().iter() {
            path.push(OwnedSeg::Key(k.get_ref().to_string()));
            walk(v.get_ref(), v.span(), &mut path, &mut by_path);
            path.pop();
        }
        Some(Spans {
            root: root.span(),
            by_path,
        })
    }

    /// The span of the value at `path`, or of its nearest ancestor.
    fn find(&self, path: &[Seg]) -> Range<usize> {
        let mut key: Vec<OwnedSeg> = path
            .iter()
            .map(|seg| match seg {
                Seg::Key(k) => OwnedSeg::Key((*k).to_owned()),
                Seg::Index(i) => OwnedSeg::Index(*i),
            })
            .collect();
        while !key.is_empty() {
            if let Some(span) = self.by_path.get(&key) {
                return span.clone();
            }
            key.pop();
        }
        self.root.clone()
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            origin: std::path::absolute(&path).unwrap_or_else(|_| path.clone()),
            path,
            fingerprint: fingerprint(&text),
            text: std::sync::OnceLock::from(Some(text)),
            spans: std::sync::OnceLock::new(),
        }
    }

    /// The file's text: as read, or read again after [`SourceFile::release_text`]; empty when
    /// it can no longer be read as it was (the file changed or went away since).
    pub fn text(&self) -> &str {
        self.current_text().unwrap_or("")
    }

    fn current_text(&self) -> Option<&str> {
        self.text
            .get_or_init(|| {
                let again = read_text(&self.origin).ok()?;
                (fingerprint(&again) == self.fingerprint).then_some(again)
            })
            .as_deref()
    }

    /// Whether the file was empty (or missing) when read.
    pub fn is_empty(&self) -> bool {
        self.fingerprint.0 == 0
    }

    /// Lets the text go: it is read again if a problem is placed in the file.
    pub fn release_text(&mut self) {
        if !self.is_empty() && self.spans.get().is_none() {
            self.text = std::sync::OnceLock::new();
        }
    }

    /// A diagnostic placed at the value found along `path` (or at its nearest ancestor).
    pub fn diagnostic(&self, path: &[Seg], message: impl Into<String>) -> Diagnostic {
        let Some(text) = self.current_text() else {
            return self.unplaced(message.into());
        };
        let d = Diagnostic::new(&self.path, message);
        let span = self
            .spans
            .get_or_init(|| Spans::of(text))
            .as_ref()
            .map(|spans| spans.find(path));
        match span {
            Some(span) => d.at_span(text, span),
            None => d,
        }
    }

    /// A problem at a span of the text, as it was read.
    pub fn diagnostic_at(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        match self.current_text() {
            Some(text) => Diagnostic::new(&self.path, message).at_span(text, span),
            None => self.unplaced(message.into()),
        }
    }

    /// A problem in a file that changed since it was read: said in the message itself, which
    /// a caller's own help does not replace.
    fn unplaced(&self, message: String) -> Diagnostic {
        Diagnostic::new(
            &self.path,
            format!(
                "{message} (not placed: the file changed while it was validated; validate \
                 again)"
            ),
        )
    }
}

/// A step into a TOML document: a key of a table or an index of an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

/// The files behind a loaded knowledge base, parallel to its articles.
#[derive(Debug, Clone)]
pub struct Sources {
    pub config: SourceFile,
    /// Whether `dossier.toml` deserialized: when it did not, its problem is reported and its
    /// fields (an empty title, say) are not judged.
    pub config_parsed: bool,
    pub actors: Option<SourceFile>,
    pub topics: Option<SourceFile>,
    /// One per article, same order as `KnowledgeBase::articles`.
    pub facts: Vec<SourceFile>,
    pub texts: Vec<PathBuf>,
    /// Ids of records that failed to deserialize: references to them are not reported again.
    pub unparsed_ids: std::collections::HashSet<String>,
    /// False when a whole file could not be read: knowledge-base-wide checks (such as "every
    /// actor has evidence somewhere") would then report problems that are not there.
    pub complete: bool,
}

/// What reading the files learnt beyond the records themselves.
#[derive(Default)]
struct ReadState {
    unparsed_ids: std::collections::HashSet<String>,
    complete: bool,
}

/// Reads every seed file, collecting syntax and type problems; records that failed to
/// deserialize are left out of the returned knowledge base.
pub fn read_with(
    dir: &Path,
    progress: &dyn crate::progress::Progress,
) -> Result<(KnowledgeBase, Sources, Diagnostics), LoadError> {
    let mut articles = Vec::new();
    let (mut kb, sources, problems) = read_each(dir, progress, &mut |article| {
        articles.push(article);
        Ok(())
    })?;
    kb.articles = articles;
    Ok((kb, sources, problems))
}

/// How many bytes of article folders (facts and text) are read at once, on every core, before
/// they are handed on in order: what reading holds whatever the knowledge base (a larger
/// article is read on its own).
const READ_BATCH_BYTES: u64 = 8 << 20;

/// [`read_with`], handing each article that was read to `each`, in the folders' order, as soon
/// as its batch is read: the knowledge base comes back without its articles, and reading holds
/// one batch of them at a time. An error from `each` ends the reading.
pub fn read_each(
    dir: &Path,
    progress: &dyn crate::progress::Progress,
    each: &mut dyn FnMut(Article) -> std::io::Result<()>,
) -> Result<(KnowledgeBase, Sources, Diagnostics), LoadError> {
    let meta = fs::metadata(dir)
        .with_context(|| {
            format!(
                "cannot read the seeds folder '{}': pass --seeds DIR with a folder that holds \
                 {CONFIG_FILE} and one folder per article",
                dir.display()
            )
        })
        .map_err(LoadError::Io)?;
    if !meta.is_dir() {
        return Err(LoadError::Io(anyhow::anyhow!(
            "'{}' is not a folder: pass --seeds DIR with a folder that holds {CONFIG_FILE} and \
             one folder per article",
            dir.display()
        )));
    }
    let mut problems = Diagnostics::default();
    let mut state = ReadState {
        complete: true,
        ..ReadState::default()
    };

    let (config_source, config) = read_config(dir, &mut problems);
    let (actors_source, actors) =
        read_shared::<Actor>(dir, ACTORS_FILE, "actors", &mut problems, &mut state);
    let (topics_source, topics) =
        read_shared::<Topic>(dir, TOPICS_FILE, "topics", &mut problems, &mut state);
    let mut folders: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot list the seeds folder '{}'", dir.display()))
        .map_err(LoadError::Io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();

    let mut facts_sources = Vec::new();
    let mut texts = Vec::new();
    progress.stage("reading articles", folders.len() as u64);
    let mut batches = batches(&folders).peekable();
    if let Some(first) = batches.peek() {
        read_ahead(first);
    }
    // The next batch is parsed while this thread hands on the last one's articles, so that
    // `each` (which runs in order, on one thread) does not leave the other cores idle: two
    // batches are held at a time.
    std::thread::scope(|scope| -> Result<(), LoadError> {
        let mut parsing = parse_next(scope, &mut batches, progress);
        while let Some(parsed) = parsing.take() {
            let parsed = parsed.join().expect("a thread reading articles panicked");
            parsing = parse_next(scope, &mut batches, progress);
            for (read, mut found, folder_state) in parsed {
                problems.0.append(&mut found.0);
                state.unparsed_ids.extend(folder_state.unparsed_ids);
                state.complete &= folder_state.complete;
                if let Some((article, source, text_path)) = read {
                    each(article)
                        .context("cannot set the article read aside")
                        .map_err(LoadError::Io)?;
                    facts_sources.push(source);
                    texts.push(text_path);
                }
            }
        }
        Ok(())
    })?;

    let config_parsed = config.is_some();
    let config = config.unwrap_or_else(|| KbConfig {
        title: String::new(),
        base_iri: crate::model::DEFAULT_BASE_IRI.to_owned(),
        license: None,
        description: None,
    });
    let kb = KnowledgeBase {
        config,
        actors,
        topics,
        articles: Vec::new(),
        statements: Vec::new(),
    };
    let sources = Sources {
        config: config_source,
        config_parsed,
        actors: actors_source,
        topics: topics_source,
        facts: facts_sources,
        texts,
        unparsed_ids: state.unparsed_ids,
        complete: state.complete,
    };
    Ok((kb, sources, problems))
}

/// `dossier.toml`: its source (empty when unreadable) and the configuration, if it parsed.
fn read_config(dir: &Path, problems: &mut Diagnostics) -> (SourceFile, Option<KbConfig>) {
    let config_path = dir.join(CONFIG_FILE);
    let config_source = match read_text(&config_path) {
        Ok(text) => SourceFile::new(display_path(&config_path), text),
        Err(message) => {
            problems.push(
                Diagnostic::new(display_path(&config_path), message).help(format!(
                    "create {CONFIG_FILE} with at least: title = \"My knowledge base\""
                )),
            );
            SourceFile::new(display_path(&config_path), String::new())
        }
    };
    let config = if config_source.is_empty() && !problems.is_empty() {
        None
    } else {
        parse_whole::<KbConfig>(&config_source, problems)
    };

    (config_source, config)
}

/// A file of records the whole knowledge base shares (`actors.toml` with its `[[actors]]`,
/// `topics.toml` with its `[[topics]]`), when there is one: its source and every record that
/// deserialized.
fn read_shared<T: DeserializeOwned>(
    dir: &Path,
    file: &str,
    list: &'static str,
    problems: &mut Diagnostics,
    state: &mut ReadState,
) -> (Option<SourceFile>, Vec<T>) {
    let path = dir.join(file);
    let mut records = Vec::new();
    let source = if path.exists() {
        match read_text(&path) {
            Ok(text) => {
                let source = SourceFile::new(display_path(&path), text);
                if let Some(mut table) = parse_table(&source, problems) {
                    let value = table.get_mut().remove(list);
                    records = records_of(&source, value, list, problems, state);
                    reject_unknown_keys(&source, &table, &[list], problems);
                }
                Some(source)
            }
            Err(message) => {
                problems.push(Diagnostic::new(display_path(&path), message));
                None
            }
        }
    } else {
        None
    };

    (source, records)
}

/// The folders in runs of about [`READ_BATCH_BYTES`] of facts and text (at least one folder).
fn batches(folders: &[PathBuf]) -> impl Iterator<Item = &[PathBuf]> {
    let size = |folder: &PathBuf| {
        [FACTS_FILE, ARTICLE_TEXT]
            .iter()
            .filter_map(|f| fs::metadata(folder.join(f)).ok())
            .map(|m| m.len())
            .sum::<u64>()
    };
    let mut rest = folders;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut n = 0;
        while n < rest.len() && (n == 0 || bytes < READ_BATCH_BYTES) {
            bytes += size(&rest[n]);
            n += 1;
        }
        let (batch, after) = rest.split_at(n);
        rest = after;
        Some(batch)
    })
}

/// Starts parsing the next batch of folders on a thread of `scope`, once the system is asked
/// to read the batch after it.
fn parse_next<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    batches: &mut std::iter::Peekable<impl Iterator<Item = &'env [PathBuf]>>,
    progress: &'env dyn crate::progress::Progress,
) -> Option<std::thread::ScopedJoinHandle<'scope, Vec<FolderRead>>> {
    let batch = batches.next()?;
    if let Some(next) = batches.peek() {
        read_ahead(next);
    }
    Some(scope.spawn(move || read_articles(batch, progress)))
}

/// Asks the system to start reading the article files of `folders` into its cache, without
/// waiting: a batch read from a cold disk otherwise left the cores waiting for each file in
/// turn. Only advice: an error is ignored (the reading itself reports it).
fn read_ahead(folders: &[PathBuf]) {
    if !cfg!(all(target_os = "linux", target_pointer_width = "64")) {
        return;
    }
    for folder in folders {
        for name in [FACTS_FILE, ARTICLE_TEXT] {
            if let Ok(file) = fs::File::open(folder.join(name)) {
                crate::advise_cache(&file, 0, crate::CacheAdvice::WillNeed);
            }
        }
    }
}

/// What reading one article folder gave: the article (unless it could not be read), its
/// problems, and what the checks after reading must know of it.
type FolderRead = (
    Option<(Article, SourceFile, PathBuf)>,
    Diagnostics,
    ReadState,
);

/// Reads the article folders on every core, each folder on its own (an article's records,
/// text and problems depend on nothing else), and returns them in the folders' order, so the
/// result is the same on any number of cores.
fn read_articles(folders: &[PathBuf], progress: &dyn crate::progress::Progress) -> Vec<FolderRead> {
    let read_one = |folder: &Path| -> FolderRead {
        progress.advance(1);
        let mut problems = Diagnostics::default();
        let mut state = ReadState {
            complete: true,
            ..ReadState::default()
        };
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            return (None, problems, state);
        }
        let read = match Slug::parse(&name) {
            Ok(id) => read_article(folder, id, &mut problems, &mut state),
            Err(message) => {
                problems.push(
                    Diagnostic::new(display_path(folder), format!("article folder: {message}"))
                        .help("rename the folder: its name is the article's id"),
                );
                None
            }
        };
        (read, problems, state)
    };
    let mut folders: Vec<&PathBuf> = folders.iter().collect();
    on_every_core(&mut folders, |_, folder| read_one(folder))
}

/// Runs `work` on each item (with its index) on every core, items handed out one at a time
/// (they differ in size), and returns the results in the items' order, so the result is the
/// same on any number of cores.
pub(crate) fn on_every_core<T: Send, R: Send>(
    items: &mut [T],
    work: impl Fn(usize, &mut T) -> R + Sync,
) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(items.len().max(1));
    if workers <= 1 {
        return items
            .iter_mut()
            .enumerate()
            .map(|(i, t)| work(i, t))
            .collect();
    }
    let queue = std::sync::Mutex::new(items.iter_mut().enumerate());
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let next = queue.lock().expect("no worker panics holding it").next();
                        let Some((i, item)) = next else {
                            return mine;
                        };
                        mine.push((i, work(i, item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn read_article(
    folder: &Path,
    id: Slug,
    problems: &mut Diagnostics,
    state: &mut ReadState,
) -> Option<(Article, SourceFile, PathBuf)> {
    let text_path = folder.join(ARTICLE_TEXT);
    let facts_path = folder.join(FACTS_FILE);
    let text = match read_text(&text_path) {
        Ok(text) => Some(text),
        Err(message) => {
            problems.push(
                Diagnostic::new(display_path(&text_path), message).help(format!(
                    "put the article's text, byte-exact and UTF-8, in {ARTICLE_TEXT}"
                )),
            );
            None
        }
    };
    let facts_text = match read_text(&facts_path) {
        Ok(text) => text,
        Err(message) => {
            problems.push(
                Diagnostic::new(display_path(&facts_path), message).help(format!(
                    "every article folder needs {FACTS_FILE} with an [article] table"
                )),
            );
            state.complete = false;
            return None;
        }
    };
    let mut source = SourceFile::new(display_path(&facts_path), facts_text);
    let Some(facts) = parse_facts(&source, problems, state) else {
        state.complete = false;
        return None;
    };
    source.release_text();
    // The records were deserialized among the parser's buffers, freed by now: copied once
    // more, they fill those holes, and the originals' memory, at the top of this worker's
    // arena, goes back. Without it the workers' arenas kept every article's freed buffers
    // between its records: `validate` at 1M records peaked at 1.83 GB in 12.9 s, with it at
    // 1.16 GB in 11.5 s (at 100k, 187 MB against 121 MB).
    let facts = compact_copy(facts);
    // An article left out takes its mentions with it: what depends on them is not judged.
    let Some(text) = text else {
        state.complete = false;
        return None;
    };
    Some((
        Article { id, text, facts },
        source,
        display_path(&text_path),
    ))
}

/// A copy of `value` made after the original, which is then dropped (see `read_article`).
fn compact_copy<T: Clone>(value: T) -> T {
    let copy = value.clone();
    drop(value);
    copy
}

fn read_text(path: &Path) -> Result<String, String> {
    // Only regular files (a link to one is fine): a FIFO would hang the read, a link to
    // /dev/zero would read until memory runs out.
    let meta = fs::metadata(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file: a seed must be a file of text".to_owned());
    }
    let bytes = fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not valid UTF-8 (first bad byte at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

fn parse_facts(
    source: &SourceFile,
    problems: &mut Diagnostics,
    state: &mut ReadState,
) -> Option<FactsFile> {
    let mut table = parse_table(source, problems)?;
    let keys: Vec<&str> = std::iter::once("article")
        .chain(FactsFile::LISTS.iter().copied())
        .collect();
    reject_unknown_keys(source, &table, &keys, problems);
    let article = match table.get_mut().remove("article") {
        Some(value) => deserialize_value::<ArticleMeta>(source, value, problems),
        None => {
            problems.push(
                source
                    .diagnostic(&[], "the [article] table is missing")
                    .help("add [article] with at least title = \"...\" and language = \"en\""),
            );
            None
        }
    };
    let mut reader = Lists {
        source,
        table: &mut table,
        problems,
        state,
    };
    let facts = FactsFile::from_lists(article?, &mut reader);
    Some(facts)
}

fn parse_table<'a>(
    source: &'a SourceFile,
    problems: &mut Diagnostics,
) -> Option<Spanned<DeTable<'a>>> {
    match DeTable::parse(source.text()) {
        Ok(table) => {
            refuse_control_characters(source, table.get_ref(), problems);
            Some(table)
        }
        Err(e) => {
            let d = toml_diagnostic(source, &e);
            let d = if d.help.is_none() {
                d.help(
                    "this is a TOML syntax error: fix the text at this position (https://toml.io)",
                )
            } else {
                d
            };
            problems.push(d);
            None
        }
    }
}

/// The text of one article of a seeds folder, for `dossier locate`.
pub fn read_article_text(seeds: &Path, article: &str) -> anyhow::Result<String> {
    let folder = seeds.join(article);
    if !folder.is_dir() {
        let names: Vec<String> = fs::read_dir(seeds)
            .with_context(|| format!("cannot read the seeds folder '{}'", seeds.display()))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = closest(article, &names)
            .map(|c| format!(" (did you mean '{c}'?)"))
            .unwrap_or_default();
        anyhow::bail!(
            "no article '{article}' in '{}'{hint}: an article is a folder of the seeds",
            seeds.display()
        );
    }
    let path = folder.join(ARTICLE_TEXT);
    fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read '{}': put the article's text there, byte-exact and UTF-8",
            path.display()
        )
    })
}

/// What `dossier new` wrote.
pub struct Scaffold {
    pub folder: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Starts a new article in a seeds folder: `<id>/article.txt` (empty, for the text) and
/// `<id>/facts.toml` with its `#:schema` line, the `[article]` table and a commented example of
/// a record. The JSON Schema is the project's `schema/facts.schema.json` when the seeds folder
/// sits beside it, otherwise one written into `<seeds>/.schema/`.
pub fn scaffold(
    seeds: &Path,
    id: &str,
    title: Option<&str>,
    language: &str,
) -> anyhow::Result<Scaffold> {
    let slug = Slug::parse(id)
        .map_err(|message| anyhow::anyhow!("{message} (an article's id names its folder)"))?;
    if !seeds.is_dir() {
        anyhow::bail!(
            "no seeds folder at '{}': create it (with {CONFIG_FILE} and {ACTORS_FILE}) or pass \
             --seeds DIR",
            seeds.display()
        );
    }
    let folder = seeds.join(slug.as_str());
    if folder.exists() {
        anyhow::bail!(
            "'{}' exists already: an article id names one folder; choose another id, or add \
             records to its {FACTS_FILE}",
            folder.display()
        );
    }
    let beside = seeds.join("..").join("schema").join("facts.schema.json");
    let mut files = Vec::new();
    let schema_line = if beside.is_file() {
        "../../schema/facts.schema.json".to_owned()
    } else {
        let dir = seeds.join(".schema");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
        for (name, text) in json_schemas() {
            let path = dir.join(name);
            fs::write(&path, text).with_context(|| format!("cannot write '{}'", path.display()))?;
            files.push(path);
        }
        "../.schema/facts.schema.json".to_owned()
    };
    let title = title.unwrap_or("");
    let title_line = toml::Value::String(title.to_owned()).to_string();
    let language = toml::Value::String(language.to_owned()).to_string();
    let facts = format!(
        r#"#:schema {schema_line}
# Facts curated from the article in {ARTICLE_TEXT} (paste its text there, byte for byte).
# `dossier locate {id} "a phrase"` prints a quote's code-point offsets;
# `dossier validate` checks this file and the quotes.

[article]
title = {title_line}
# title_source = "curator"   # when you made the title up, with a title_note saying so
# title_note = "The source text has no title; this one is curated."
language = {language}
# genre = "news"
# author = ""
# outlet = ""
# published = "2025-09-03"   # the latest published source's values are current
# url = "https://"
# issuers = ["united-states", "mexico"]   # actors "author" stands for (a joint communiqué)
# issued = "2025-09-03"      # when the issuers issued it, if not the day it was published
# publisher = "an-actor-id"   # who publishes this copy, when it is not an issuer
# translated_from = "es"      # article.txt is a translation from this language
# copies = ["https://"]       # other places the same text is published
# text_of = ["an-event-id"]   # the statement (event), agreement or policy this text is

# What this article says of a record another article defines: evidence, and the values of its
# fields it states (kept with this article as their source).
#
# [[mentions]]
# record = "an-event-of-another-article"
# states = {{ date = "2025-09-03" }}
#
# [[mentions.evidence]]
# quote = "the article's exact words"
# asserted_by = "author"
# modality = "reported_fact"

# Each record has an id (unique in the knowledge base), a label and at least one evidence:
# the exact words of the article that support it, who asserts them and how.
#
# [[claims]]
# id = "{id}-main-claim"
# label = "What the article claims, in a sentence"
# kind = "assessment"
# claimant = "author"
#
# [[claims.evidence]]
# quote = "the article's exact words"
# asserted_by = "author"
# modality = "assessment"
"#,
        id = slug.as_str(),
    );
    fs::create_dir(&folder).with_context(|| format!("cannot create '{}'", folder.display()))?;
    let text_path = folder.join(ARTICLE_TEXT);
    fs::write(&text_path, "").with_context(|| format!("cannot write '{}'", text_path.display()))?;
    let facts_path = folder.join(FACTS_FILE);
    fs::write(&facts_path, facts)
        .with_context(|| format!("cannot write '{}'", facts_path.display()))?;
    files.splice(0..0, [text_path, facts_path]);
    Ok(Scaffold { folder, files })
}

/// The seed format as JSON Schemas, one per kind of file: (file name in `schema/`, JSON).
/// Editors that know TOML (Taplo, Even Better TOML) validate seed files as they are typed
/// through the `#:schema` line at their top.
pub fn json_schemas() -> Vec<(&'static str, String)> {
    let render = |schema: schemars::Schema| {
        serde_json::to_string_pretty(&schema).expect("a schema is plain JSON") + "\n"
    };
    vec![
        (
            "dossier.schema.json",
            render(schemars::schema_for!(KbConfig)),
        ),
        (
            "actors.schema.json",
            render(schemars::schema_for!(ActorsFile)),
        ),
        (
            "topics.schema.json",
            render(schemars::schema_for!(TopicsFile)),
        ),
        (
            "facts.schema.json",
            render(schemars::schema_for!(FactsFile)),
        ),
    ]
}

/// Control characters other than tab and line ends, in any text of a seed file: they are
/// never an article's words, and they break what readers accept (a NUL or an ESC makes the XML
/// results unreadable; a lone carriage return comes back from XML as a line feed).
fn refuse_control_characters(source: &SourceFile, table: &DeTable<'_>, problems: &mut Diagnostics) {
    fn walk(value: &Spanned<DeValue<'_>>, found: &mut Vec<(std::ops::Range<usize>, char)>) {
        match value.get_ref() {
            DeValue::String(text) => {
                // A Windows line end is kept: an article saved with them is quoted with them.
                let mut chars = text.chars().peekable();
                while let Some(c) = chars.next() {
                    let line_end = c == '\r' && chars.peek() == Some(&'\n');
                    if c.is_control() && c != '\t' && c != '\n' && !line_end {
                        found.push((value.span(), c));
                        break;
                    }
                }
            }
            DeValue::Array(items) => items.iter().for_each(|v| walk(v, found)),
            DeValue::Table(table) => table.values().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    table.values().for_each(|v| walk(v, &mut found));
    for (span, c) in found {
        let name = match c {
            '\r' => "a carriage return (\\r) that ends no line".to_owned(),
            '\0' => "a NUL character (\\u0000)".to_owned(),
            c => format!("the control character U+{:04X}", c as u32),
        };
        problems.push(
            source
                .diagnostic_at(span, format!("this text holds {name}"))
                .help(
                    "remove it: text may hold tabs and line ends (\\n or \\r\\n), no other \
                     control characters",
                ),
        );
    }
}

/// Deserializes a whole small file (the configuration) in one go.
fn parse_whole<T: DeserializeOwned>(source: &SourceFile, problems: &mut Diagnostics) -> Option<T> {
    if let Ok(table) = DeTable::parse(source.text()) {
        refuse_control_characters(source, table.get_ref(), problems);
    }
    match toml::from_str::<T>(source.text()) {
        Ok(value) => Some(value),
        Err(e) => {
            problems.push(toml_diagnostic(source, &e));
            None
        }
    }
}

fn reject_unknown_keys(
    source: &SourceFile,
    table: &Spanned<DeTable<'_>>,
    known: &[&str],
    problems: &mut Diagnostics,
) {
    for (key, _) in table.get_ref().iter() {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            let mut d = Diagnostic::new(&source.path, format!("unknown section `{name}`"))
                .at_span(source.text(), key.span());
            d = d.help(match closest(name, known) {
                Some(best) => format!(
                    "did you mean `{best}`? The sections are: {}",
                    known.join(", ")
                ),
                None => format!("the sections are: {}", known.join(", ")),
            });
            problems.push(d);
        }
    }
}

/// Reads a facts file's record lists, each record on its own. Each list is taken out of the
/// table as it is read: its records are deserialized from the parsed values themselves, not
/// from copies.
struct Lists<'s, 't> {
    source: &'s SourceFile,
    table: &'s mut Spanned<DeTable<'t>>,
    problems: &'s mut Diagnostics,
    state: &'s mut ReadState,
}

impl ListReader for Lists<'_, '_> {
    fn list<T: DeserializeOwned>(&mut self, key: &'static str) -> Vec<T> {
        let value = self.table.get_mut().remove(key);
        records_of(self.source, value, key, self.problems, self.state)
    }
}

/// Deserializes each element of the array `key` (its `value`, if the file has it) on its own,
/// so every bad record is reported.
fn records_of<T: DeserializeOwned>(
    source: &SourceFile,
    value: Option<Spanned<DeValue<'_>>>,
    key: &str,
    problems: &mut Diagnostics,
    state: &mut ReadState,
) -> Vec<T> {
    let Some(value) = value else {
        return Vec::new();
    };
    let span = value.span();
    match value.into_inner() {
        DeValue::Array(items) => items
            .into_iter()
            .filter_map(|item| {
                // Noted before the record is consumed: a record that does not deserialize
                // still defines its id, so that references to it are not reported as unknown.
                let id = match item.get_ref() {
                    DeValue::Table(t) => match t.get("id").map(|v| v.get_ref()) {
                        Some(DeValue::String(id)) => Some(id.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                let record = deserialize_value::<T>(source, item, problems);
                if record.is_none()
                    && let Some(id) = id
                {
                    state.unparsed_ids.insert(id.into_owned());
                }
                record
            })
            .collect(),
        _ => {
            problems.push(
                Diagnostic::new(&source.path, format!("`{key}` must be an array of tables"))
                    .at_span(source.text(), span)
                    .help(format!("write each record as a [[{key}]] table")),
            );
            Vec::new()
        }
    }
}

fn deserialize_value<T: DeserializeOwned>(
    source: &SourceFile,
    value: Spanned<DeValue<'_>>,
    problems: &mut Diagnostics,
) -> Option<T> {
    let span = value.span();
    match T::deserialize(ValueDeserializer::from(value)) {
        Ok(v) => Some(v),
        Err(e) => {
            let mut d = toml_diagnostic(source, &e);
            if d.position.is_none() {
                d = d.at_span(source.text(), span);
            }
            problems.push(d);
            None
        }
    }
}

/// Turns a TOML or serde error into a diagnostic with advice for the common cases.
fn toml_diagnostic(source: &SourceFile, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_owned();
    let mut d = Diagnostic::new(&source.path, message.clone());
    if let Some(span) = e.span() {
        d = d.at_span(source.text(), span);
    } else if message.contains("recursion") {
        // The parser gives up without a place: the deepest line is the one to show.
        let (start, line) = deepest_line(source.text());
        return d
            .at_span(source.text(), start..start + line.len().max(1))
            .help(
                "this line nests deeper than a seed file needs (dotted keys, brackets or braces \
             hundreds of levels deep): a record is a table of fields, a few levels at most",
            );
    }
    match advice(&message) {
        Some(help) => d.help(help),
        None => d,
    }
}

/// The line of `text` with the most nesting marks (`.` in a key, `[`, `{`), and where it starts.
fn deepest_line(text: &str) -> (usize, &str) {
    let mut start = 0;
    let mut deepest = (0, 0, "");
    for line in text.split_inclusive('\n') {
        let key = line.split('=').next().unwrap_or("");
        let depth = key.matches('.').count() + line.matches(['[', '{']).count();
        if depth > deepest.0 {
            deepest = (depth, start, line.trim_end());
        }
        start += line.len();
    }
    (deepest.1, deepest.2)
}

fn advice(message: &str) -> Option<String> {
    let backticked = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    if message.starts_with("unknown field") || message.starts_with("unknown variant") {
        let names = backticked(message);
        let (given, expected) = names.split_first()?;
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        let what = if message.starts_with("unknown field") {
            "field"
        } else {
            "value"
        };
        return Some(match closest(given, &expected) {
            Some(best) => format!("did you mean `{best}`? Allowed: {}", expected.join(", ")),
            None => format!("use one {what} of: {}", expected.join(", ")),
        });
    }
    if message.starts_with("missing field") {
        let names = backticked(message);
        return Some(format!(
            "add `{} = ...` to this table (see schema/facts.schema.json)",
            names.first()?
        ));
    }
    if message.contains("expected u64") {
        return Some("counts cannot be negative: write a whole number, 0 or more".to_owned());
    }
    if message.contains("invalid type") {
        return Some("check the value's type: text goes in quotes, numbers do not".to_owned());
    }
    None
}

/// The byte span of the value at `path` in a TOML document, or of its nearest ancestor.
pub fn locate(text: &str, path: &[Seg]) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut current: Option<&DeValue<'_>> = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    for seg in path {
        let next = match (seg, table, current) {
            (Seg::Key(k), Some(t), _) => t.get(*k),
            (Seg::Index(i), _, Some(DeValue::Array(items))) => items.get(*i),
            _ => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        current = Some(next.get_ref());
        table = match next.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    Some(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A facts file lets its text go once parsed; a problem found later reads it again and is
    /// placed as before, unless the file changed meanwhile, which the problem then says.
    #[test]
    fn a_released_text_is_read_again_to_place_a_problem() {
        let dir = std::env::temp_dir().join(format!("dossier-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("facts.toml");
        let text = "[article]\ntitle = \"A\"\n\n[[claims]]\nid = \"c\"\n";
        std::fs::write(&path, text).unwrap();
        let mut source = SourceFile::new(path.clone(), text.to_owned());
        source.release_text();
        let at = [Seg::Key("claims"), Seg::Index(0), Seg::Key("id")];
        let placed = source.diagnostic(&at, "no such thing");
        assert_eq!(placed.position, Some((5, 6)));
        assert_eq!(source.text(), text);

        let mut changed = SourceFile::new(path.clone(), text.to_owned());
        changed.release_text();
        std::fs::write(&path, text.replace("\"c\"", "\"d\"")).unwrap();
        let unplaced = changed
            .diagnostic(&at, "no such thing")
            .help("a caller's own help");
        assert_eq!(unplaced.position, None);
        assert!(
            unplaced.message.contains("changed while it was validated"),
            "{}",
            unplaced.message
        );
        assert_eq!(changed.text(), "");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
