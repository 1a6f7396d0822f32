//! Cross-record checks: unique ids, references that resolve, evidence quotes that are exact
//! passages of the article at code-point offsets. Every problem is collected; nothing stops at
//! the first. On success every evidence has its `start` and `end` filled in.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::ids::{IdKinds, Names};
use crate::mapping::{self, Field, Kind, Shape};
use crate::model::{
    AUTHOR, Article, ArticleMeta, CURATOR, Evidence, FactsFile, Fields, KnowledgeBase, Modality,
    Record, RecordKind, RelationType, Slug, StatedValue, Value,
};
use crate::seed::{LoadError, Seg, SourceFile, Sources};
use crate::spill::{
    ArticleSpill, Current, LineSort, SortedRuns, SpillWriter, StatementSpill, source_key,
};
use crate::statements::Files;
use std::path::{Path, PathBuf};

/// Reads and checks every seed file under `dir`; the knowledge base comes back only when
/// nothing at all is wrong.
pub fn load(dir: &Path) -> Result<KnowledgeBase, LoadError> {
    load_with(dir, &crate::progress::Silent)
}

/// [`load`], reporting each article folder read.
pub fn load_with(
    dir: &Path,
    progress: &dyn crate::progress::Progress,
) -> Result<KnowledgeBase, LoadError> {
    let memory = || Ok(Stash::Memory(Vec::new()));
    let (mut kb, validated) = load_staged(
        dir,
        progress,
        Stash::Memory(Vec::new()),
        memory,
        None,
        &mut |_| {},
    )?;
    let Validated::Memory(mut articles, current) = validated else {
        unreachable!("kept in memory");
    };
    for (a, records) in current {
        articles[a].facts.overwrite_records(&records);
    }
    kb.articles = articles;
    Ok(kb)
}

/// [`load_with`] for a knowledge base larger than memory: the articles wait between the checks
/// in a file of `folder`, and come back validated in another ([`ArticleSpill`]), so that
/// validating holds what crosses articles (each id's kind and place, the records other
/// articles state values of) and a batch of articles at a time. The values articles state for
/// other records are resolved in parts, each a range of the stated records' ids worth about
/// half of `budget` bytes, and wait in files sorted within the other half. The knowledge base
/// comes back without its articles and stated values (the spill has them); each validated
/// article is shown to `observe`, in order, before the values other articles state for its
/// records are set.
pub fn load_spilled(
    dir: &Path,
    progress: &dyn crate::progress::Progress,
    folder: &Path,
    budget: usize,
    observe: &mut dyn FnMut(&Article),
) -> Result<(KnowledgeBase, ArticleSpill), LoadError> {
    let file = |name: &str| folder.join(format!(".{name}-{}.jsonl", std::process::id()));
    let spill_error = |e: std::io::Error| {
        LoadError::Io(anyhow::Error::from(e).context(format!(
            "cannot set the articles aside in '{}' while they are checked",
            folder.display()
        )))
    };
    let read = SpillWriter::create(file("articles-read")).map_err(spill_error)?;
    let validated = || Ok(Stash::File(SpillWriter::create(file("articles"))?));
    let (kb, validated) = load_staged(
        dir,
        progress,
        Stash::File(read),
        validated,
        Some((folder, budget)),
        observe,
    )?;
    let Validated::File(spill) = validated else {
        unreachable!("kept in a file");
    };
    Ok((kb, spill))
}

/// Where articles wait: in memory, or in a file.
enum Stash {
    Memory(Vec<Article>),
    File(SpillWriter),
}

impl Stash {
    fn push(&mut self, article: Article) -> std::io::Result<()> {
        match self {
            Stash::Memory(articles) => articles.push(article),
            Stash::File(file) => file.push(&article)?,
        }
        Ok(())
    }

    /// The articles pushed, in order: in a file, each still a line of JSON (parsed on every
    /// core with the checks, not one at a time on the thread that reads them).
    fn drain(self) -> std::io::Result<Box<dyn Iterator<Item = std::io::Result<Waiting>>>> {
        Ok(match self {
            Stash::Memory(articles) => Box::new(
                articles
                    .into_iter()
                    .map(|article| Ok(Waiting::Parsed(Box::new(article)))),
            ),
            Stash::File(file) => Box::new(
                crate::spill::read_lines_once(&file.finish()?.0)?
                    .map(|line| line.map(Waiting::Line)),
            ),
        })
    }

    /// Whether what it holds is written as lines of JSON (then [`Stash::push_line`]).
    fn takes_lines(&self) -> bool {
        matches!(self, Stash::File(_))
    }

    fn push_line(&mut self, line: &str) -> std::io::Result<()> {
        match self {
            Stash::File(file) => file.push_line(line),
            Stash::Memory(_) => unreachable!("only a file takes lines"),
        }
    }
}

/// An article waiting for the second pass: parsed, or still the line of JSON it was set aside
/// as.
enum Waiting {
    Parsed(Box<Article>),
    Line(String),
}

impl Waiting {
    fn bytes(&self) -> usize {
        match self {
            // Its text, and a little for each quote and the rest.
            Waiting::Parsed(article) => article.text.len() + 256 * article.evidence_lists().count(),
            // The line holds the text, the quotes and the rest.
            Waiting::Line(line) => line.len(),
        }
    }

    fn parse(self) -> std::io::Result<Article> {
        match self {
            Waiting::Parsed(article) => Ok(*article),
            Waiting::Line(line) => Ok(serde_json::from_str(&line)?),
        }
    }
}

/// The validated articles, and by article the records whose current values other articles
/// state.
enum Validated {
    Memory(Vec<Article>, HashMap<usize, FactsFile>),
    File(ArticleSpill),
}

/// What the first pass over the articles keeps of them for the second.
#[derive(Default)]
struct FirstPass {
    /// Each article's id, in order.
    articles: Vec<Slug>,
    /// Each record an article defines: its id, and its kind and place.
    record_ids: Names,
    records: Vec<(RecordKind, Place)>,
    /// The records some mention states values of, and how many values mentions state of each.
    stated: HashMap<String, usize>,
}

/// How many bytes of articles are checked at once, on every core, in the second pass: of their
/// lines of JSON when they were set aside in a file (text, quotes and the rest); of their text
/// and a little for each quote when they are in memory.
const CHECK_BATCH_BYTES: usize = 8 << 20;

/// Validation in two passes over the articles, each seen once in memory per pass: the first
/// reads them (into `read`) and notes every id; the second checks each against all ids, finds
/// its quotes and hands it to the stash `validated` makes. Then the values that articles state
/// for other records are resolved over the shared records and the stated records alone: at
/// once in memory, or in parts through files of a folder within a budget (`parts`).
fn load_staged(
    dir: &Path,
    progress: &dyn crate::progress::Progress,
    mut read: Stash,
    validated: impl FnOnce() -> std::io::Result<Stash>,
    parts: Option<(&Path, usize)>,
    observe: &mut dyn FnMut(&Article),
) -> Result<(KnowledgeBase, Validated), LoadError> {
    let set_aside = |e: std::io::Error| {
        LoadError::Io(anyhow::Error::from(e).context("cannot set the articles aside"))
    };
    let mut first = FirstPass::default();
    let (mut kb, sources, mut problems) = crate::seed::read_each(dir, progress, &mut |article| {
        let a = first.articles.len();
        first.articles.push(article.id.clone());
        for v in views(&article.facts) {
            if v.defines {
                first.record_ids.push(v.id.as_str());
                first
                    .records
                    .push((v.kind, Place::Record(a, v.list, v.index)));
            }
        }
        for m in article
            .facts
            .mentions
            .iter()
            .filter(|m| !m.states.is_empty())
        {
            match first.stated.get_mut(m.record.as_str()) {
                Some(values) => *values += m.states.len(),
                None => {
                    first.stated.insert(m.record.to_string(), m.states.len());
                }
            }
        }
        read.push(article)
    })?;
    progress.stage("checking", 0);
    if sources.config_parsed {
        check_config(&kb, &sources.config, &mut problems);
    }
    let stated = std::mem::take(&mut first.stated);
    let kinds = define_ids(&kb, first, &sources, &mut problems);
    check_shared(&kb, &sources, &kinds, &mut problems);

    let mut out = validated().map_err(set_aside)?;
    let mut mentioned: HashSet<String> = HashSet::new();
    let mut stating = match parts {
        Some((folder, budget)) => {
            Stating::files(folder, Partitions::new(&stated, budget / 2), budget / 2)
                .map_err(set_aside)?
        }
        None => Stating::Memory(Vec::new()),
    };
    let mut articles = read.drain().map_err(set_aside)?.enumerate();
    let as_lines = out.takes_lines();
    // Each article parsed, checked and, for a file, written out as JSON on every core: what is
    // left for this thread is what needs every article in order.
    let check = |_: usize, (a, waiting): &mut (usize, Option<Waiting>)| {
        let mut article = waiting
            .take()
            .expect("each article is checked once")
            .parse()?;
        let mut found = Diagnostics::default();
        check_article(*a, &mut article, &sources, &kinds, &mut found);
        let line = as_lines
            .then(|| serde_json::to_string(&article))
            .transpose()?;
        Ok::<_, std::io::Error>((*a, article, found, line))
    };
    // A batch is checked while this thread reads the next one and then hands on the one
    // before: two batches are held at a time.
    std::thread::scope(|scope| -> Result<(), LoadError> {
        let mut checking = None;
        loop {
            let mut batch = Vec::new();
            let mut bytes = 0;
            while bytes < CHECK_BATCH_BYTES
                && let Some((a, waiting)) = articles.next()
            {
                let waiting = waiting.map_err(set_aside)?;
                bytes += waiting.bytes();
                batch.push((a, Some(waiting)));
            }
            let checked = checking
                .take()
                .map(|c: std::thread::ScopedJoinHandle<'_, _>| {
                    c.join().expect("a thread checking articles panicked")
                });
            if !batch.is_empty() {
                let check = &check;
                checking = Some(scope.spawn(move || crate::seed::on_every_core(&mut batch, check)));
            }
            let Some(checked) = checked else {
                if checking.is_some() {
                    continue;
                }
                return Ok(());
            };
            for checked in checked {
                let (a, article, mut found, line) = checked.map_err(set_aside)?;
                problems.0.append(&mut found.0);
                for m in &article.facts.mentions {
                    if kinds.get(m.record.as_str()) == Some(&RecordKind::Actor) {
                        mentioned.insert(m.record.to_string());
                    }
                }
                if !stated.is_empty() {
                    stating.add(a, &article, &stated).map_err(set_aside)?;
                }
                observe(&article);
                match line {
                    Some(line) => out.push_line(&line),
                    None => out.push(article),
                }
                .map_err(set_aside)?;
            }
        }
    })?;
    if sources.complete {
        check_actors_are_mentioned(&kb, &sources, &mentioned, &mut problems);
    }

    let resolved = match stating {
        Stating::Memory(articles) => {
            let files = Files {
                sources: &sources,
                places: None,
            };
            let resolved = resolve_over_shared(&mut kb, articles, &files, &kinds, &mut problems);
            kb.statements = resolved.statements;
            let current: HashMap<usize, FactsFile> = resolved
                .articles
                .into_iter()
                .enumerate()
                .filter_map(|(a, article)| Some((a, current_records(article)?)))
                .collect();
            Resolved::Memory(current)
        }
        Stating::Files(parts) => {
            let (current, statements) = parts
                .resolve(&mut kb, &sources, &kinds, &mut problems)
                .map_err(set_aside)?;
            Resolved::Files(current, statements)
        }
    };
    check_topic_cycles(&kb, &sources, &mut problems);

    report_missing_shared_files(&sources, dir, &mut problems);
    // An article that could not be read may define what other files reference: those
    // references are judged once it reads, so that its one problem is not buried under others
    // that are not there.
    if !sources.complete {
        problems.0.retain(|d| d.unresolved.is_none());
    }
    if !problems.is_empty() {
        return Err(LoadError::Invalid(problems.sorted()));
    }
    let validated = match (out, resolved) {
        (Stash::Memory(articles), Resolved::Memory(current)) => {
            Validated::Memory(articles, current)
        }
        (Stash::File(file), resolved) => {
            let (path, count) = file.finish().map_err(set_aside)?;
            let (current, statements) = match resolved {
                Resolved::Memory(current) => (Current::Memory(current), None),
                Resolved::Files(current, statements) => {
                    (Current::Sorted(current), Some(statements))
                }
            };
            Validated::File(ArticleSpill::new(path, count, current, statements))
        }
        (Stash::Memory(_), Resolved::Files(..)) => unreachable!("resolved in parts only on disk"),
    };
    Ok((kb, validated))
}

/// The records whose current values other articles state, once resolved: by article in
/// memory, or in sorted runs with the stated values in files.
enum Resolved {
    Memory(HashMap<usize, FactsFile>),
    Files(SortedRuns, StatementSpill),
}

/// What resolving stated values reads of each article: the stated records, its metadata and
/// its mentions (their positions name them in messages; those of other records are
/// placeholders). In memory, or in a file per part of the stated records' ids.
enum Stating {
    Memory(Vec<Article>),
    Files(Parts),
}

impl Stating {
    fn files(folder: &Path, partitions: Partitions, budget: usize) -> std::io::Result<Stating> {
        let writers = (0..partitions.count())
            .map(|p| {
                let name = format!(".stating-{}-{p}.jsonl", std::process::id());
                // Small buffers: up to `MOST_PARTS` files are open at once.
                SpillWriter::with_buffer(folder.join(name), 8 << 10)
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Stating::Files(Parts {
            folder: folder.to_owned(),
            budget,
            partitions,
            writers,
        }))
    }

    /// Sets aside what resolving reads of the article at position `a`.
    fn add(
        &mut self,
        a: usize,
        article: &Article,
        stated: &HashMap<String, usize>,
    ) -> std::io::Result<()> {
        match self {
            Stating::Memory(articles) => articles.push(Article {
                id: article.id.clone(),
                text: String::new(),
                facts: article.facts.part(&|id| stated.contains_key(id)),
            }),
            Stating::Files(parts) => {
                // Where the article defines a stated record or states a value: a mention that
                // states nothing is needed only beside one that does (its quotes come first
                // in the numbering of the record's quotes).
                let stating = article
                    .facts
                    .mentions
                    .iter()
                    .filter(|m| !m.states.is_empty());
                let ids = article.facts.records().map(|r| r.id().as_str());
                let ids = ids.chain(stating.map(|m| m.record.as_str()));
                let mut touched: Vec<usize> = ids
                    .filter(|id| stated.contains_key(*id))
                    .map(|id| parts.partitions.of(id))
                    .collect();
                touched.sort_unstable();
                touched.dedup();
                for p in touched {
                    let keep = |id: &str| stated.contains_key(id) && parts.partitions.of(id) == p;
                    let part = Article {
                        id: article.id.clone(),
                        text: String::new(),
                        facts: article.facts.part(&keep),
                    };
                    parts.writers[p].push(&(a, part))?;
                }
            }
        }
        Ok(())
    }
}

/// What a stated record costs to resolve, and each value stated of it, in bytes (about what the
/// project's generated corpora take, rounded up): how the parts are cut.
const RESOLVING_RECORD_BYTES: usize = 2048;
const RESOLVING_VALUE_BYTES: usize = 1024;

/// At most this many parts (each has a file open while the articles are checked, with a buffer
/// of 8 KiB: well within the usual limit of 1,024 open files); past it the parts grow beyond
/// their budget.
const MOST_PARTS: usize = 256;

/// Ranges of the stated records' ids, each worth about a budget to resolve.
struct Partitions {
    /// The first id of each part but the first.
    starts: Vec<String>,
}

impl Partitions {
    fn new(stated: &HashMap<String, usize>, budget: usize) -> Partitions {
        let mut ids: Vec<(&str, usize)> = stated.iter().map(|(id, n)| (id.as_str(), *n)).collect();
        ids.sort_unstable();
        let mut starts = Vec::new();
        let mut cost = 0;
        for (id, values) in ids {
            let more = RESOLVING_RECORD_BYTES + values * RESOLVING_VALUE_BYTES;
            if cost > 0 && cost + more > budget && starts.len() + 1 < MOST_PARTS {
                starts.push(id.to_owned());
                cost = 0;
            }
            cost += more;
        }
        Partitions { starts }
    }

    fn count(&self) -> usize {
        self.starts.len() + 1
    }

    /// The part of a stated record's id.
    fn of(&self, id: &str) -> usize {
        self.starts.partition_point(|start| start.as_str() <= id)
    }
}

/// The stating parts of the articles, in files, and where to resolve them.
struct Parts {
    folder: PathBuf,
    /// Bytes for the two sorts of what resolving gives (half each).
    budget: usize,
    partitions: Partitions,
    writers: Vec<SpillWriter>,
}

impl Parts {
    /// Resolves each part in turn over the shared records (the values of a record are all in
    /// its part) and sets aside what it gives: the statements in order and by source, the
    /// stated records' current forms by article.
    fn resolve(
        self,
        kb: &mut KnowledgeBase,
        sources: &Sources,
        kinds: &IdKinds,
        problems: &mut Diagnostics,
    ) -> std::io::Result<(SortedRuns, StatementSpill)> {
        let Parts {
            folder,
            budget,
            partitions: _,
            writers,
        } = self;
        let mut by_source = LineSort::new(&folder, "stated", budget / 2);
        let mut current = LineSort::new(&folder, "current", budget / 2);
        // A file left by an error is in the new generation's folder, removed with it.
        let (mut fields_files, mut rows_files) = (Vec::new(), Vec::new());
        for (p, writer) in writers.into_iter().enumerate() {
            let (path, _) = writer.finish()?;
            let (mut places, mut articles) = (Vec::new(), Vec::new());
            for line in crate::spill::read_once::<(usize, Article)>(&path)? {
                let (a, article) = line?;
                places.push(a);
                articles.push(article);
            }
            let files = Files {
                sources,
                places: Some(&places),
            };
            let resolving = resolve_over_shared(kb, articles, &files, kinds, problems);

            let place: HashMap<&str, usize> = resolving
                .articles
                .iter()
                .zip(&places)
                .map(|(article, &a)| (article.id.as_str(), a))
                .collect();
            let name = |what: &str| {
                folder.join(format!(".stated-{}-{p}-{what}.jsonl", std::process::id()))
            };
            let mut fields = SpillWriter::with_buffer(name("fields"), 1 << 16)?;
            let mut rows = SpillWriter::with_buffer(name("rows"), 1 << 16)?;
            for s in &resolving.statements {
                let row = matches!(s.value, StatedValue::Row(..));
                let source = s.article.as_ref().map(|id| place[id.as_str()]);
                let into = if row { &mut rows } else { &mut fields };
                let line = serde_json::to_string(s)?;
                by_source.push(source_key(source, row, p, into.len()), line.clone())?;
                into.push_line(&line)?;
            }
            fields_files.push(fields.finish()?.0);
            rows_files.push(rows.finish()?.0);
            drop(place);
            for (article, a) in resolving.articles.into_iter().zip(places) {
                if let Some(records) = current_records(article) {
                    current.push(a as u128, serde_json::to_string(&records)?)?;
                }
            }
        }
        let spill = StatementSpill {
            in_order: fields_files.into_iter().chain(rows_files).collect(),
            by_source: by_source.finish()?,
        };
        Ok((current.finish()?, spill))
    }
}

/// Resolves what `articles` (all or a part of what articles give resolving) state, over the
/// shared records of `kb`, which keeps them; the articles and statements come back.
fn resolve_over_shared(
    kb: &mut KnowledgeBase,
    articles: Vec<Article>,
    files: &Files,
    kinds: &IdKinds,
    problems: &mut Diagnostics,
) -> KnowledgeBase {
    let mut resolving = KnowledgeBase {
        config: kb.config.clone(),
        actors: std::mem::take(&mut kb.actors),
        topics: std::mem::take(&mut kb.topics),
        articles,
        statements: Vec::new(),
    };
    crate::statements::resolve(&mut resolving, files, kinds, problems);
    kb.actors = std::mem::take(&mut resolving.actors);
    kb.topics = std::mem::take(&mut resolving.topics);
    resolving
}

/// The records of a resolved article, as current, to put in place of those the article
/// defines (its mentions stay in the article); None when it defines none.
fn current_records(article: Article) -> Option<FactsFile> {
    let mut records = article.facts;
    records.mentions = Vec::new();
    records.defines_any().then_some(records)
}

/// What a reference may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A record of one of these kinds (any record but an article when empty).
    Kinds(&'static [RecordKind]),
    /// `author` or an actor.
    Asserter,
}

impl Expect {
    fn kinds(self) -> &'static [RecordKind] {
        match self {
            Expect::Kinds(kinds) => kinds,
            Expect::Asserter => &[RecordKind::Actor],
        }
    }
}

/// One reference from a record field to an id.
struct Reference<'a> {
    path: Vec<Seg>,
    target: &'a str,
    expect: Expect,
}

/// A record of a facts file, seen generically.
struct RecordView<'a> {
    kind: RecordKind,
    list: &'static str,
    index: usize,
    id: &'a Slug,
    /// Whether the record defines `id` (false for mentions, which point at one).
    defines: bool,
    references: Vec<Reference<'a>>,
    evidence: &'a [Evidence],
}

fn field(list: &'static str, index: usize, key: &'static str) -> Vec<Seg> {
    vec![Seg::Key(list), Seg::Index(index), Seg::Key(key)]
}

fn item(list: &'static str, index: usize, key: &'static str, n: usize) -> Vec<Seg> {
    vec![
        Seg::Key(list),
        Seg::Index(index),
        Seg::Key(key),
        Seg::Index(n),
    ]
}

/// The references a struct's fields make, each placed at `at` + the field's key (+ its index
/// in a list).
fn references<'a>(
    fields: &[Field],
    record: &'a dyn Fields,
    at: &[Seg],
    out: &mut Vec<Reference<'a>>,
) {
    for (i, f) in fields.iter().enumerate() {
        let expect = match f.shape {
            Shape::Ref(kinds) => Expect::Kinds(kinds),
            Shape::Asserter => Expect::Asserter,
            _ => continue,
        };
        let mut n = 0;
        record.values(i, &mut |v| {
            let (Value::Id(target) | Value::Text(target)) = v else {
                return;
            };
            let mut path = at.to_vec();
            path.push(Seg::Key(f.key));
            if f.list.is_some() {
                path.push(Seg::Index(n));
            }
            n += 1;
            out.push(Reference {
                path,
                target,
                expect,
            });
        });
    }
}

/// Every record of a facts file with its references, mentions last; `index` counts within
/// each kind's list.
fn views(f: &FactsFile) -> Vec<RecordView<'_>> {
    let mut out = Vec::new();
    let mut counts: HashMap<RecordKind, usize> = HashMap::new();
    for r in f.records() {
        let kind = mapping::kind(r.kind());
        let index = counts.entry(kind.kind).or_default();
        let at = [Seg::Key(kind.seed_key), Seg::Index(*index)];
        let mut v = RecordView {
            kind: kind.kind,
            list: kind.seed_key,
            index: *index,
            id: r.id(),
            defines: true,
            references: Vec::new(),
            evidence: r.evidence(),
        };
        *index += 1;
        references(kind.fields, r as &dyn Fields, &at, &mut v.references);
        for (n, nested) in kind.nested.iter().enumerate() {
            for (i, row) in r.rows(n).into_iter().enumerate() {
                let at = [at.to_vec(), vec![Seg::Key(nested.key), Seg::Index(i)]].concat();
                references(nested.fields, row, &at, &mut v.references);
            }
        }
        out.push(v);
    }
    for (i, m) in f.mentions.iter().enumerate() {
        out.push(RecordView {
            kind: RecordKind::Actor,
            list: "mentions",
            index: i,
            id: &m.record,
            defines: false,
            references: vec![Reference {
                path: field("mentions", i, "record"),
                target: m.record.as_str(),
                expect: Expect::Kinds(&[]),
            }],
            evidence: &m.evidence[..],
        });
    }
    out
}

/// Where an id is defined. Positions are only worked out for the rare duplicate: finding one
/// re-reads its file, which would make validation quadratic if done for every record.
#[derive(Clone, Copy)]
enum Place {
    Actor(usize),
    Topic(usize),
    Article(usize),
    Record(usize, &'static str, usize),
}

impl Place {
    fn diagnostic(self, sources: &Sources, message: String) -> Diagnostic {
        match self {
            Place::Actor(i) => match &sources.actors {
                Some(src) => src.diagnostic(&field("actors", i, "id"), message),
                None => Diagnostic::new("actors.toml", message),
            },
            Place::Topic(i) => match &sources.topics {
                Some(src) => src.diagnostic(&field("topics", i, "id"), message),
                None => Diagnostic::new(crate::seed::TOPICS_FILE, message),
            },
            Place::Article(a) => Diagnostic::new(&sources.texts[a], message),
            Place::Record(a, list, i) => {
                sources.facts[a].diagnostic(&field(list, i, "id"), message)
            }
        }
    }
}

/// The checks of the shared records (`actors.toml`, `topics.toml`) that need every id.
fn check_shared(
    kb: &KnowledgeBase,
    sources: &Sources,
    kinds: &IdKinds,
    problems: &mut Diagnostics,
) {
    if let Some(src) = &sources.actors {
        for (i, a) in kb.actors.iter().enumerate() {
            repeats(&mapping::ACTOR, a, ("actors", i), src, problems);
        }
    }
    if let Some(source) = &sources.topics {
        for (i, topic) in kb.topics.iter().enumerate() {
            let mut refs = Vec::new();
            let at = [Seg::Key("topics"), Seg::Index(i)];
            references(mapping::TOPIC.fields, topic, &at, &mut refs);
            for r in &refs {
                check_reference(r, kinds, source, problems);
            }
        }
    }
}

/// Every check of one article (the `a`-th) given every id's kind: its metadata and text, its
/// records' references, evidence and lists, its relations' links; fills in its quotes' offsets.
fn check_article(
    a: usize,
    article: &mut Article,
    sources: &Sources,
    kinds: &IdKinds,
    problems: &mut Diagnostics,
) {
    let source = &sources.facts[a];
    check_article_meta(article, source, problems);
    check_article_text(article, &sources.texts[a], problems);
    for reference in meta_references(&article.facts.article) {
        if !sources.unparsed_ids.contains(reference.target) {
            check_reference(&reference, kinds, source, problems);
        }
    }
    for v in views(&article.facts) {
        check_view(&v, sources, kinds, source, problems);
    }
    check_relation_links(article, source, kinds, problems);
    check_required_lists(article, source, problems);
    check_repeats(article, source, problems);
    locate_quotes(article, source, problems);
}

/// A topic is never broader than itself: following `broader` (as stated values left it)
/// always ends. Each topic has at most one broader topic, so one walk that never goes over a
/// topic twice finds every loop (linear: a 50,000-topic chain is checked in one pass); each
/// loop is reported once, at the first of its topics in the file.
fn check_topic_cycles(kb: &KnowledgeBase, sources: &Sources, problems: &mut Diagnostics) {
    let position: HashMap<&str, usize> = kb
        .topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let up = |i: usize| -> Option<usize> {
        position
            .get(kb.topics[i].broader.as_ref()?.as_str())
            .copied()
    };
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        Not,
        OnThisWalk,
        Done,
    }
    let mut seen = vec![Seen::Not; kb.topics.len()];
    let mut walk = Vec::new();
    for start in 0..kb.topics.len() {
        walk.clear();
        let mut at = Some(start);
        while let Some(i) = at {
            match seen[i] {
                Seen::Done => break,
                Seen::OnThisWalk => {
                    // The walk came back to `i`: the loop is the walk from `i` on.
                    let from = walk.iter().position(|&w| w == i).expect("on this walk");
                    let mut cycle: Vec<usize> = walk[from..].to_vec();
                    let first = (0..cycle.len()).min_by_key(|&k| cycle[k]).expect("a loop");
                    cycle.rotate_left(first);
                    report_topic_loop(kb, sources, &cycle, problems);
                    break;
                }
                Seen::Not => {
                    seen[i] = Seen::OnThisWalk;
                    walk.push(i);
                    at = up(i);
                }
            }
        }
        for &w in &walk {
            seen[w] = Seen::Done;
        }
    }
}

/// One loop of `broader` links, at its first topic, naming the loop (its ends when it is long).
fn report_topic_loop(
    kb: &KnowledgeBase,
    sources: &Sources,
    cycle: &[usize],
    problems: &mut Diagnostics,
) {
    const SHOWN: usize = 8;
    let id = |i: usize| kb.topics[i].id.as_str();
    let mut names: Vec<&str> = cycle.iter().take(SHOWN).map(|&i| id(i)).collect();
    let chain = if cycle.len() > SHOWN {
        format!(
            "{} → … ({} topics in all) → {}",
            names.join(" → "),
            cycle.len(),
            id(cycle[0])
        )
    } else {
        names.push(id(cycle[0]));
        names.join(" → ")
    };
    let message = format!("the topics' broader links go round: {chain}");
    let first = cycle[0];
    let d = match &sources.topics {
        Some(src) => src.diagnostic(&field("topics", first, "broader"), message),
        None => Diagnostic::new(crate::seed::TOPICS_FILE, message),
    };
    problems.push(
        d.record(id(first))
            .help("a topic's broader topic is more general: remove one of the links"),
    );
}

/// Every id with its kind and where it is defined; a duplicate is reported at its second place.
fn define_ids(
    kb: &KnowledgeBase,
    read: FirstPass,
    sources: &Sources,
    problems: &mut Diagnostics,
) -> IdKinds {
    for (i, actor) in kb.actors.iter().enumerate() {
        if [AUTHOR, CURATOR].contains(&actor.id.as_str()) {
            problems.push(
                Place::Actor(i)
                    .diagnostic(
                        sources,
                        format!(
                            "'{}' cannot be an actor's id: it is reserved",
                            actor.id.as_str()
                        ),
                    )
                    .help(
                        "in asserted_by and claimant, \"author\" is the article's author and \
                         \"curator\" the knowledge base's curator: give the actor another id",
                    ),
            );
        }
    }
    let (actors, topics, articles) = (kb.actors.len(), kb.topics.len(), read.articles.len());
    // The n-th definition: the actors, the topics, the articles, then each article's records.
    let definition = |n: usize| -> (&str, RecordKind, Place) {
        if n < actors {
            (kb.actors[n].id.as_str(), RecordKind::Actor, Place::Actor(n))
        } else if n < actors + topics {
            let i = n - actors;
            (kb.topics[i].id.as_str(), RecordKind::Topic, Place::Topic(i))
        } else if n < actors + topics + articles {
            let a = n - actors - topics;
            let id = read.articles[a].as_str();
            (id, RecordKind::Article, Place::Article(a))
        } else {
            let r = n - actors - topics - articles;
            let (kind, place) = read.records[r];
            (read.record_ids.get(r), kind, place)
        }
    };
    let count = actors + topics + articles + read.records.len();
    IdKinds::of_definitions(
        || {
            (0..count).map(|n| {
                let (id, kind, _) = definition(n);
                (id, kind)
            })
        },
        |first, again| {
            let ((id, first_kind, first), (_, _, place)) = (definition(first), definition(again));
            let earlier = first.diagnostic(sources, String::new());
            let at = match earlier.position {
                Some((l, c)) => format!("{}:{l}:{c}", earlier.file.display()),
                None => earlier.file.display().to_string(),
            };
            let message = format!(
                "duplicate id '{id}': {} already has it (at {at})",
                mapping::kind(first_kind).noun
            );
            // The same record curated again from another article (or an actor defined in an
            // article) is evidence for the existing one, not a second record.
            let help = match (first, place) {
                (Place::Record(a, ..), Place::Record(b, ..)) if a != b => format!(
                    "if it is the same {what}, add evidence from this article with [[mentions]] \
                     record = \"{id}\" instead of defining it again; if not, rename one of them \
                     (ids are unique across the knowledge base)",
                    what = mapping::kind(first_kind)
                        .noun
                        .split_once(' ')
                        .map_or("record", |(_, n)| n),
                ),
                (Place::Actor(_), Place::Record(..)) => format!(
                    "an actor (actors.toml) has this id: rename this record; if it was meant to \
                     be the actor, remove it and add [[mentions]] record = \"{id}\" with a quote"
                ),
                _ => "ids are unique across the whole knowledge base: rename one of them".into(),
            };
            problems.push(place.diagnostic(sources, message).help(help));
        },
    )
}

/// What the curator infers is marked as such, never passed off as the article's: an
/// inference is asserted by `curator`, the curator asserts only inferences, and every inference
/// says in a note what it rests on.
fn check_inference(
    e: &Evidence,
    path: &[Seg],
    record: &str,
    source: &SourceFile,
    problems: &mut Diagnostics,
) {
    let at = |key: &'static str| [path.to_vec(), vec![Seg::Key(key)]].concat();
    let inference = e.modality == Modality::Inference;
    if inference && e.asserted_by != CURATOR {
        problems.push(
            source
                .diagnostic(
                    &at("asserted_by"),
                    format!(
                        "an inference is the curator's, but this one is asserted by '{}'",
                        e.asserted_by
                    ),
                )
                .record(record)
                .help(
                    "set asserted_by = \"curator\"; if the article says it, keep the asserter \
                     and use the modality the article uses (reported_fact, assessment ...)",
                ),
        );
    }
    if !inference && e.asserted_by == CURATOR {
        problems.push(
            source
                .diagnostic(
                    &at("modality"),
                    format!(
                        "the curator asserts only inferences, but this evidence has modality \
                         '{}'",
                        e.modality.as_str()
                    ),
                )
                .record(record)
                .help(
                    "use modality = \"inference\" with a note, or name who asserts it in the \
                     article (\"author\" or an actor)",
                ),
        );
    }
    match (&e.note, inference) {
        (None, true) => problems.push(
            source
                .diagnostic(&at("modality"), "an inference has no note")
                .record(record)
                .help(
                    "add note = \"...\" saying why the passage implies the record (the article \
                     does not say it)",
                ),
        ),
        (Some(note), true) if note.trim().is_empty() => problems.push(
            source
                .diagnostic(&at("note"), "the inference's note is empty")
                .record(record)
                .help("say why the passage implies the record"),
        ),
        (Some(_), false) => problems.push(
            source
                .diagnostic(&at("note"), "only an inference has a note")
                .record(record)
                .help(
                    "remove the note (a comment in the TOML file says it to curators), or mark \
                     the evidence as the curator's inference",
                ),
        ),
        _ => {}
    }
}

/// Each relation links kinds its type allows (`mapping::relation_links`): `met` between two
/// measures is refused, with the types that do fit the pair. A hook: the one check that reads a
/// kind's fields by name, because it compares two of them.
fn check_relation_links(
    article: &Article,
    source: &SourceFile,
    kinds: &IdKinds,
    problems: &mut Diagnostics,
) {
    for (i, r) in article.facts.relations.iter().enumerate() {
        // An unknown subject or object is reported as a reference already.
        let (Some(&subject), Some(&object)) =
            (kinds.get(r.subject.as_str()), kinds.get(r.object.as_str()))
        else {
            continue;
        };
        if mapping::relation_links_kinds(r.predicate, subject, object) {
            continue;
        }
        let (s_noun, o_noun) = (mapping::kind(subject).noun, mapping::kind(object).noun);
        let fitting: Vec<&str> = RelationType::VALUES
            .iter()
            .zip(RelationType::ALL)
            .filter(|(_, t)| mapping::relation_links_kinds(**t, subject, object))
            .map(|(name, _)| *name)
            .collect();
        let help = if fitting.is_empty() {
            format!(
                "no relation type links {s_noun} to {o_noun}: check the subject and the \
                 object, or use a field of the record instead"
            )
        } else {
            format!(
                "relation types that link {s_noun} to {o_noun}: {}; or check the subject \
                 and the object",
                fitting.join(", ")
            )
        };
        problems.push(
            source
                .diagnostic(
                    &field("relations", i, "predicate"),
                    format!(
                        "'{}' links {}, but '{}' is {s_noun} and '{}' is {o_noun}",
                        r.predicate.as_str(),
                        mapping::describe_links(r.predicate),
                        r.subject.as_str(),
                        r.object.as_str(),
                    ),
                )
                .record(r.id.as_str())
                .help(help),
        );
    }
}

/// An article's issuers and publisher (actors, like any record's reference to one) and what it
/// is the text of (a statement, agreement or policy of any article).
fn meta_references(meta: &ArticleMeta) -> Vec<Reference<'_>> {
    let issuers = meta
        .issuers
        .iter()
        .enumerate()
        .map(|(n, issuer)| Reference {
            path: vec![Seg::Key("article"), Seg::Key("issuers"), Seg::Index(n)],
            target: issuer.as_str(),
            expect: Expect::Kinds(&[RecordKind::Actor]),
        });
    let publisher = meta.publisher.iter().map(|publisher| Reference {
        path: vec![Seg::Key("article"), Seg::Key("publisher")],
        target: publisher.as_str(),
        expect: Expect::Kinds(&[RecordKind::Actor]),
    });
    let texts = meta
        .text_of
        .iter()
        .enumerate()
        .map(|(n, record)| Reference {
            path: vec![Seg::Key("article"), Seg::Key("text_of"), Seg::Index(n)],
            target: record.as_str(),
            expect: Expect::Kinds(mapping::TEXTS),
        });
    issuers.chain(publisher).chain(texts).collect()
}

/// One record's references, that it has evidence, and each quote's asserter and inference.
fn check_view(
    v: &RecordView,
    sources: &Sources,
    kinds: &IdKinds,
    source: &SourceFile,
    problems: &mut Diagnostics,
) {
    for r in &v.references {
        if !sources.unparsed_ids.contains(r.target) {
            check_reference(r, kinds, source, problems);
        }
    }
    if v.evidence.is_empty() {
        problems.push(
            source
                .diagnostic(
                    &field(v.list, v.index, "evidence"),
                    "record has no evidence",
                )
                .record(v.id.as_str())
                .help(format!(
                    "add a [[{}.evidence]] table with the quote that supports it",
                    v.list
                )),
        );
    }
    for (n, e) in v.evidence.iter().enumerate() {
        let path = item(v.list, v.index, "evidence", n);
        let asserter = Reference {
            path: [path.clone(), vec![Seg::Key("asserted_by")]].concat(),
            target: e.asserted_by.as_str(),
            expect: Expect::Asserter,
        };
        // The curator asserts evidence (its inferences), never a record's field.
        if e.asserted_by != CURATOR {
            check_reference(&asserter, kinds, source, problems);
        }
        check_inference(e, &path, v.id.as_str(), source, problems);
    }
}

/// Every actor of `actors.toml` has evidence: some article mentions it.
fn check_actors_are_mentioned(
    kb: &KnowledgeBase,
    sources: &Sources,
    mentioned: &HashSet<String>,
    problems: &mut Diagnostics,
) {
    let Some(actors_source) = sources.actors.as_ref() else {
        return;
    };
    for (i, actor) in kb.actors.iter().enumerate() {
        if !mentioned.contains(actor.id.as_str()) {
            problems.push(
                actors_source
                    .diagnostic(
                        &field("actors", i, "id"),
                        "actor has no evidence in any article",
                    )
                    .record(actor.id.as_str())
                    .help(
                        "add a [[mentions]] with record = this id and a quote to the facts of an \
                         article that names the actor, or remove the actor",
                    ),
            );
        }
    }
}

/// A required list (a condition's speakers, a claim's claimants) names at least one; a rank
/// goes with stated values.
fn check_required_lists(article: &Article, source: &SourceFile, problems: &mut Diagnostics) {
    let mut counts: HashMap<RecordKind, usize> = HashMap::new();
    for r in article.facts.records() {
        let kind = mapping::kind(r.kind());
        let index = counts.entry(kind.kind).or_default();
        for (i, f) in kind.fields.iter().enumerate() {
            if f.required && f.list.is_some() && r.first(i).is_none() {
                problems.push(
                    source
                        .diagnostic(
                            &field(kind.seed_key, *index, f.key),
                            format!("'{}' is empty", f.key),
                        )
                        .record(r.id().as_str())
                        .help("name at least one (several for a joint statement)"),
                );
            }
        }
        *index += 1;
    }
    for (m, mention) in article.facts.mentions.iter().enumerate() {
        if mention.states.is_empty() && mention.rank != crate::model::Rank::Normal {
            problems.push(
                source
                    .diagnostic(
                        &field("mentions", m, "rank"),
                        "a rank without stated values",
                    )
                    .record(mention.record.as_str())
                    .help("a rank says which stated value is current: add `states`, or remove it"),
            );
        }
    }
}

/// Finds each quote of the article in its text and fills in its offsets.
fn locate_quotes(
    article: &mut crate::model::Article,
    source: &SourceFile,
    problems: &mut Diagnostics,
) {
    let places: Vec<(&'static str, usize, usize)> = evidence_places(&article.facts);
    let text = article.text.clone();
    let index = CharIndex::new(&text);
    for ((record, evidence), (list, i, n)) in article.evidence_mut().into_iter().zip(places) {
        let path = item(list, i, "evidence", n);
        match locate_quote(&text, &index, evidence) {
            Ok((start, end)) => {
                evidence.start = Some(start);
                evidence.end = Some(end);
            }
            Err(problem) => {
                let key = if problem.at_offsets { "start" } else { "quote" };
                let mut full = path.clone();
                full.push(Seg::Key(key));
                let mut d = source.diagnostic(&full, problem.message).record(record);
                if let Some(help) = problem.help {
                    d = d.help(help);
                }
                problems.push(d);
            }
        }
    }
}

/// Lists that are sets (parties, targets, subjects of a claim, aliases) and nested rows with a
/// key (participants, measures) must not repeat an entry: both stores key them on it.
fn check_repeats(article: &Article, source: &SourceFile, problems: &mut Diagnostics) {
    let mut counts: HashMap<RecordKind, usize> = HashMap::new();
    for r in article.facts.records() {
        let kind = mapping::kind(r.kind());
        let index = counts.entry(kind.kind).or_default();
        repeats(kind, r, (kind.seed_key, *index), source, problems);
        *index += 1;
    }
}

fn repeats(
    kind: &Kind,
    r: &dyn Record,
    (list, index): (&'static str, usize),
    source: &SourceFile,
    problems: &mut Diagnostics,
) {
    fn first_repeat<T: PartialEq>(items: &[T]) -> Option<usize> {
        (1..items.len()).find(|&i| items[..i].contains(&items[i]))
    }
    let mut report = |key: &'static str, n: usize, what: String| {
        problems.push(
            source
                .diagnostic(
                    &item(list, index, key, n),
                    format!("{what} is listed twice in {key}"),
                )
                .record(r.id().as_str())
                .help("remove the repeated entry"),
        );
    };
    for (i, f) in kind
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.list.is_some())
    {
        let mut values = Vec::new();
        r.values(i, &mut |v| values.push(mapping::plain(v)));
        if let Some(n) = first_repeat(&values) {
            report(f.key, n, format!("'{}'", values[n]));
        }
    }
    for (n, nested) in kind.nested.iter().enumerate() {
        let keys: Vec<Vec<String>> = r
            .rows(n)
            .into_iter()
            .map(|row| {
                nested
                    .unique
                    .iter()
                    .filter_map(|key| {
                        let i = nested.fields.iter().position(|f| f.key == *key)?;
                        row.first(i).map(mapping::plain)
                    })
                    .collect()
            })
            .collect();
        if let Some(at) = first_repeat(&keys) {
            let what = match (&keys[at][..], nested.unique) {
                ([one], [key]) => format!("the {key} '{one}'"),
                (values, _) => values
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(" as "),
            };
            report(nested.key, at, what);
        }
    }
}

/// (list, record index, evidence index) for every evidence, in `Article::evidence_mut` order.
fn evidence_places(f: &FactsFile) -> Vec<(&'static str, usize, usize)> {
    let mut out = Vec::new();
    for v in views(f) {
        for n in 0..v.evidence.len() {
            out.push((v.list, v.index, n));
        }
    }
    out
}

fn check_config(kb: &KnowledgeBase, source: &SourceFile, problems: &mut Diagnostics) {
    if source.is_empty() {
        return;
    }
    if kb.config.title.trim().is_empty() {
        problems.push(
            source
                .diagnostic(&[Seg::Key("title")], "the knowledge base has no title")
                .help("set title = \"...\""),
        );
    }
    let base = &kb.config.base_iri;
    let scheme_ok =
        base.starts_with("http://") || base.starts_with("https://") || base.starts_with("urn:");
    // Every record's IRI is the base, a kind and an id, and some add a fragment (an article's
    // `#author`): the base must be an IRI itself (RFC 3987) without a fragment or a query of
    // its own, or no RDF reader (dossier's own included) could read the graph.
    if let Some(mark) = base.find(['#', '?']) {
        let (what, example) = if base[mark..].starts_with('#') {
            (
                "a fragment ('#')",
                base[..mark].trim_end_matches('/').to_owned() + "/",
            )
        } else {
            (
                "a query ('?')",
                base[..mark].trim_end_matches('/').to_owned() + "/",
            )
        };
        problems.push(
            source
                .diagnostic(
                    &[Seg::Key("base_iri")],
                    format!("'{base}' cannot be a base IRI: it holds {what}"),
                )
                .help(format!(
                    "records' IRIs are the base followed by a kind, an id and sometimes a \
                     fragment of their own: end the base with '/' and leave out '#' and '?', \
                     e.g. {example}"
                )),
        );
    } else if !scheme_ok || !base.ends_with('/') || sophia::iri::Iri::new(base.as_str()).is_err() {
        problems.push(
            source
                .diagnostic(
                    &[Seg::Key("base_iri")],
                    format!("'{base}' cannot be a base IRI"),
                )
                .help("use an absolute http(s) IRI ending with '/', e.g. https://example.org/kb/"),
        );
    }
    if let Some(license) = &kb.config.license {
        let is_iri = license.starts_with("http://") || license.starts_with("https://");
        if is_iri && sophia::iri::Iri::new(license.as_str()).is_err() {
            problems.push(
                source
                    .diagnostic(
                        &[Seg::Key("license")],
                        format!("'{license}' looks like an IRI but is not one"),
                    )
                    .help(
                        "write the licence's IRI without spaces or <>\"{}|\\^` characters \
                         (percent-encode them), e.g. https://creativecommons.org/licenses/by/4.0/, \
                         or an SPDX id such as CC-BY-4.0",
                    ),
            );
        }
    }
}

/// A NUL character cannot be quoted: SQLite's `length()` and `substr()` stop at it, so the
/// database could not hold a quote and its offsets together. Other control characters (an ESC,
/// say) make quotes that XML readers refuse. Tabs and line ends are text.
fn check_article_text(article: &crate::model::Article, path: &Path, problems: &mut Diagnostics) {
    if let Some((byte, c)) = article
        .text
        .char_indices()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        let name = if c == '\0' {
            "a NUL character (U+0000)".to_owned()
        } else {
            format!("the control character U+{:04X}", c as u32)
        };
        problems.push(
            Diagnostic::new(path, format!("the article's text holds {name}"))
                .at_span(&article.text, byte..byte + c.len_utf8())
                .record(article.id.as_str())
                .help("remove it from article.txt: it is never part of an article's words"),
        );
    }
}

fn check_article_meta(
    article: &crate::model::Article,
    source: &SourceFile,
    problems: &mut Diagnostics,
) {
    let meta = &article.facts.article;
    if meta.title.trim().is_empty() {
        problems.push(
            source
                .diagnostic(
                    &[Seg::Key("article"), Seg::Key("title")],
                    "the article has no title",
                )
                .help(
                    "curate a short title, with title_source = \"curator\" and a title_note \
                     saying why",
                ),
        );
    }
    // A title the curator made up is marked as the curator's, like an inference, and says why.
    let no_note = meta.title_note.as_ref().is_none_or(|n| n.trim().is_empty());
    if meta.title_source == crate::model::TitleSource::Curator && no_note {
        problems.push(
            source
                .diagnostic(
                    &[Seg::Key("article"), Seg::Key("title_source")],
                    "the curator's title has no title_note",
                )
                .help("add title_note = \"...\" saying why the title is curated (e.g. the source has none)"),
        );
    }
    // The rule the shapes state too (`sh:pattern` of both fields).
    static LANGUAGE_TAG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(mapping::LANGUAGE_TAG).expect("the language-tag pattern compiles")
    });
    let tag_ok = |tag: &str| LANGUAGE_TAG.is_match(tag);
    if let Some(original) = &meta.translated_from {
        let at = [Seg::Key("article"), Seg::Key("translated_from")];
        if !tag_ok(original) {
            problems.push(
                source
                    .diagnostic(&at, format!("'{original}' is not a BCP 47 language tag"))
                    .help("write the original's language as a tag such as es or pt-BR"),
            );
        } else if original.eq_ignore_ascii_case(&meta.language) {
            problems.push(
                source
                    .diagnostic(
                        &at,
                        format!("the text is in '{original}' and said to be translated from it"),
                    )
                    .help(
                        "leave translated_from out for a text in its original language, or set \
                         language to the language of article.txt",
                    ),
            );
        }
    }
    if !tag_ok(&meta.language) {
        problems.push(
            source
                .diagnostic(
                    &[Seg::Key("article"), Seg::Key("language")],
                    format!("'{}' is not a BCP 47 language tag", meta.language),
                )
                .help("write the language as a tag such as en, es or pt-BR"),
        );
    }
    if article.text.trim().is_empty() {
        problems.push(
            Diagnostic::new(&source.path, "the article's text is empty")
                .record(article.id.as_str())
                .help("put the article's text in article.txt"),
        );
    }
}

fn check_reference(
    r: &Reference<'_>,
    kinds: &IdKinds,
    source: &SourceFile,
    problems: &mut Diagnostics,
) {
    if r.expect == Expect::Asserter && r.target == AUTHOR {
        return;
    }
    let allowed = r.expect.kinds();
    let wanted = mapping::wanted(allowed);
    let found = kinds.get(r.target).copied();
    if found.is_some_and(|k| mapping::accepts(allowed, k)) {
        return;
    }
    let message = match found {
        None => format!(
            "'{}' does not name {wanted}: no record has this id",
            r.target
        ),
        Some(k) => format!(
            "'{}' is {}, but this field takes {wanted}",
            r.target,
            mapping::kind(k).noun
        ),
    };
    let candidates: Vec<&str> = kinds
        .defined()
        .filter(|(_, k)| mapping::accepts(allowed, *k))
        .map(|(id, _)| id)
        .collect();
    let mut help = match crate::diagnostic::closest(r.target, &candidates) {
        Some(best) => format!("did you mean '{best}'?"),
        None => format!("define {wanted} with this id, or correct the reference"),
    };
    if r.expect == Expect::Asserter {
        help.push_str(" (use \"author\" for the article's author)");
    }
    let mut d = source.diagnostic(&r.path, message).help(help);
    if found.is_none() {
        let could = |kind| allowed.is_empty() || allowed.contains(&kind);
        let files = [
            (RecordKind::Actor, crate::seed::ACTORS_FILE),
            (RecordKind::Topic, crate::seed::TOPICS_FILE),
        ]
        .into_iter()
        .filter(|(kind, _)| could(*kind))
        .map(|(_, file)| file)
        .collect();
        d.unresolved = Some((r.target.to_owned(), files));
    }
    problems.push(d);
}

/// When `actors.toml` or `topics.toml` is missing, every reference to what it defined fails:
/// dozens of errors that never name the file. They become one, naming it.
fn report_missing_shared_files(sources: &Sources, seeds: &Path, problems: &mut Diagnostics) {
    let missing: Vec<&str> = [
        (sources.actors.is_none(), crate::seed::ACTORS_FILE),
        (sources.topics.is_none(), crate::seed::TOPICS_FILE),
    ]
    .into_iter()
    .filter(|(gone, file)| *gone && !seeds.join(file).exists())
    .map(|(_, file)| file)
    .collect();
    if missing.is_empty() {
        return;
    }
    let mut unresolved: Vec<String> = Vec::new();
    let mut references = 0;
    // The missing files some reference could only have come from (a role's holder is an actor);
    // failing those, the missing files any could have come from.
    let mut needed: Vec<&str> = Vec::new();
    let mut possible: Vec<&str> = Vec::new();
    problems.0.retain(|d| match &d.unresolved {
        Some((id, files)) if files.iter().any(|f| missing.contains(f)) => {
            references += 1;
            if !unresolved.contains(id) {
                unresolved.push(id.clone());
            }
            for file in files.iter().filter(|f| missing.contains(f)) {
                let list = if files.len() == 1 {
                    &mut needed
                } else {
                    &mut possible
                };
                if !list.contains(file) {
                    list.push(file);
                }
            }
            false
        }
        _ => true,
    });
    if references == 0 {
        return;
    }
    let missing = if needed.is_empty() { possible } else { needed };
    const SHOWN: usize = 6;
    let mut ids = unresolved
        .iter()
        .take(SHOWN)
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if unresolved.len() > SHOWN {
        ids.push_str(&format!(" and {} more", unresolved.len() - SHOWN));
    }
    let files = missing
        .iter()
        .map(|f| seeds.join(f).display().to_string())
        .collect::<Vec<_>>()
        .join(" and ");
    problems.push(
        Diagnostic::new(
            crate::diagnostic::display_path(&seeds.join(missing[0])),
            format!(
                "{files} {} missing, and {references} references name records no file \
                 defines: {ids}",
                if missing.len() > 1 { "are" } else { "is" }
            ),
        )
        .help(
            "the shared records (actors in actors.toml, topics in topics.toml, as [[actors]] \
             and [[topics]] tables) are defined there: restore the file, or create it with a \
             table for each id",
        ),
    );
}

/// Maps byte offsets of a text to code-point offsets and back.
pub struct CharIndex {
    /// Byte offset of every code point, plus the text length at the end.
    starts: Vec<usize>,
}

impl CharIndex {
    pub fn new(text: &str) -> CharIndex {
        let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        starts.push(text.len());
        CharIndex { starts }
    }
    /// Number of code points in the text.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Code-point offset of a byte offset that lies on a character boundary.
    pub fn char_of(&self, byte: usize) -> usize {
        self.starts.partition_point(|&b| b < byte)
    }
    /// Byte offset of a code-point offset (None past the end).
    pub fn byte_of(&self, ch: usize) -> Option<usize> {
        self.starts.get(ch).copied()
    }
}

/// The code points `start..end` of `text`, if they exist.
pub fn slice_chars<'t>(
    text: &'t str,
    index: &CharIndex,
    start: usize,
    end: usize,
) -> Option<&'t str> {
    if start > end {
        return None;
    }
    Some(&text[index.byte_of(start)?..index.byte_of(end)?])
}

struct QuoteProblem {
    message: String,
    help: Option<String>,
    /// The quote exists, but the given offsets are wrong.
    at_offsets: bool,
}

/// Finds a quote in the text: at the given offsets when there are some, otherwise its only
/// occurrence. Returns code-point offsets.
fn locate_quote(
    text: &str,
    index: &CharIndex,
    e: &Evidence,
) -> Result<(usize, usize), QuoteProblem> {
    let quote = e.quote.as_str();
    if quote.is_empty() {
        return Err(QuoteProblem {
            message: "the quote is empty".into(),
            help: Some("copy the words of the article that support the record".into()),
            at_offsets: false,
        });
    }
    let len = quote.chars().count();
    // Offsets that are right need no search (the common case for generated or tool-written seeds).
    if let (Some(start), Some(end)) = (e.start, e.end)
        && slice_chars(text, index, start, end) == Some(quote)
    {
        return Ok((start, end));
    }
    let occurrences: Vec<usize> = occurrences(text, quote).map(|b| index.char_of(b)).collect();
    if occurrences.is_empty() {
        return Err(not_found(text, index, quote));
    }
    let list = |occ: &[usize]| {
        occ.iter()
            .map(|s| format!("start = {s}, end = {}", s + len))
            .collect::<Vec<_>>()
            .join("; or ")
    };
    match (e.start, e.end) {
        (None, None) => {
            if occurrences.len() == 1 {
                Ok((occurrences[0], occurrences[0] + len))
            } else {
                Err(QuoteProblem {
                    message: format!(
                        "the quote occurs {} times in the article, and no offsets say which is meant",
                        occurrences.len()
                    ),
                    help: Some(format!(
                        "add the offsets of the one you mean: {}; or quote a longer passage",
                        list(&occurrences)
                    )),
                    at_offsets: false,
                })
            }
        }
        (start, end) => {
            let start = start
                .or_else(|| end.and_then(|e| e.checked_sub(len)))
                .unwrap_or(0);
            let end = end.unwrap_or(start + len);
            let found = slice_chars(text, index, start, end);
            if found == Some(quote) {
                Ok((start, end))
            } else {
                let there = match found {
                    Some(s) => format!("the text there is '{}'", shorten(s)),
                    None => format!(
                        "they lie outside the text, which has {} code points",
                        index.len()
                    ),
                };
                Err(QuoteProblem {
                    message: format!("the offsets {start}..{end} do not match the quote: {there}"),
                    help: Some(format!(
                        "offsets count Unicode code points from 0, end exclusive; the quote is at: {}",
                        list(&occurrences)
                    )),
                    at_offsets: true,
                })
            }
        }
    }
}

/// Where a quote is in an article's text (`dossier locate`).
#[derive(Debug, PartialEq)]
pub enum QuoteSearch {
    /// Every occurrence, as code-point offsets (start, end exclusive).
    Found(Vec<(usize, usize)>),
    /// Not in the text: why, with advice naming the closest passage when one is close.
    Missing { message: String, help: String },
}

/// Finds every occurrence of `quote` in `text`, or says why it is not there.
pub fn find_quote(text: &str, quote: &str) -> QuoteSearch {
    if quote.is_empty() {
        return QuoteSearch::Missing {
            message: "the quote is empty".into(),
            help: "give the words of the article to find".into(),
        };
    }
    let index = CharIndex::new(text);
    let len = quote.chars().count();
    let found: Vec<(usize, usize)> = occurrences(text, quote)
        .map(|b| {
            let start = index.char_of(b);
            (start, start + len)
        })
        .collect();
    if !found.is_empty() {
        return QuoteSearch::Found(found);
    }
    let problem = not_found(text, &index, quote);
    QuoteSearch::Missing {
        message: problem.message,
        help: problem
            .help
            .unwrap_or_else(|| "copy the article's words exactly".into()),
    }
}

/// Where `quote` occurs in `text` (byte offsets), overlapping occurrences included: "very
/// very" is twice in "very very very", so a quote of it without offsets is ambiguous.
fn occurrences<'a>(text: &'a str, quote: &'a str) -> impl Iterator<Item = usize> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        let at = from + text.get(from..)?.find(quote)?;
        from = at + text[at..].chars().next().map_or(1, char::len_utf8);
        Some(at)
    })
}

fn shorten(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 80 {
        s.replace('\n', "\\n")
    } else {
        let head: String = chars[..77].iter().collect();
        format!("{}...", head.replace('\n', "\\n"))
    }
}

/// A quote not found: say whether straight quotes are the cause, and show the closest passage.
fn not_found(text: &str, index: &CharIndex, quote: &str) -> QuoteProblem {
    let curly_variants = [quote.replace('\'', "’"), curly_double_quotes(quote)];
    for variant in &curly_variants {
        if variant != quote && text.contains(variant.as_str()) {
            return QuoteProblem {
                message: "the quote is not in the article: it uses straight quotes where the article has curly ones".into(),
                help: Some(format!("copy the article's characters exactly: '{}'", shorten(variant))),
                at_offsets: false,
            };
        }
    }
    let help = closest_passage(text, index, quote).map(|(start, passage)| {
        format!(
            "the closest passage (at {start}) is '{}': copy the article's words exactly",
            shorten(passage)
        )
    });
    QuoteProblem {
        message: format!("the quote '{}' is not in the article", shorten(quote)),
        help: help.or_else(|| Some("copy the article's words exactly".into())),
        at_offsets: false,
    }
}

/// Straight double quotes turned into opening and closing curly ones, alternately.
fn curly_double_quotes(quote: &str) -> String {
    let mut open = true;
    quote
        .chars()
        .map(|c| {
            if c == '"' {
                open = !open;
                if open { '”' } else { '“' }
            } else {
                c
            }
        })
        .collect()
}

/// The passage of the text, starting at a word, most similar to `quote`.
///
/// Comparing the quote with every passage costs text × quote² (a 1,000-character typo in a
/// 1 MB article took minutes), so passages are first ranked by the character trigrams they share
/// with the quote, counted in one slide over the text, and only the best few are compared
/// character by character.
fn closest_passage<'t>(text: &'t str, index: &CharIndex, quote: &str) -> Option<(usize, &'t str)> {
    const SHORTLIST: usize = 8;
    /// Longer quotes are scored by their shared trigrams alone.
    const EDIT_DISTANCE_UP_TO: usize = 2_000;
    let chars: Vec<char> = text.chars().collect();
    let wanted: Vec<char> = quote.chars().collect();
    let (len, total) = (wanted.len(), chars.len());
    if len == 0 || total == 0 {
        return None;
    }
    let at_word = |start: usize| {
        (start == 0 || !chars[start - 1].is_alphanumeric()) && chars[start].is_alphanumeric()
    };
    let mut shortlist: Vec<(usize, usize)> = Vec::new();
    if len < 3 {
        shortlist = (0..total).filter(|s| at_word(*s)).map(|s| (0, s)).collect();
    } else {
        let trigram = |c: &[char], i: usize| [c[i], c[i + 1], c[i + 2]];
        let mut need: HashMap<[char; 3], i64> = HashMap::new();
        for i in 0..len - 2 {
            *need.entry(trigram(&wanted, i)).or_default() += 1;
        }
        let mut have: HashMap<[char; 3], i64> = HashMap::new();
        let mut shared = 0usize;
        // The trigrams of the passage at `start` (cut at the text's end) are those at
        // positions lo..hi; both ends only move forward as `start` does.
        let (mut lo, mut hi) = (0usize, 0usize);
        for start in 0..total {
            let end = (start + len).min(total);
            let new_hi = end.saturating_sub(2);
            while hi < new_hi {
                let t = trigram(&chars, hi);
                let h = have.entry(t).or_default();
                if *h < need.get(&t).copied().unwrap_or(0) {
                    shared += 1;
                }
                *h += 1;
                hi += 1;
            }
            while lo < start.min(hi) {
                let t = trigram(&chars, lo);
                let h = have.entry(t).or_default();
                *h -= 1;
                if *h < need.get(&t).copied().unwrap_or(0) {
                    shared -= 1;
                }
                lo += 1;
            }
            lo = lo.max(start);
            if at_word(start) {
                shortlist.push((shared, start));
                if shortlist.len() > 4 * SHORTLIST {
                    shortlist.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                    shortlist.truncate(SHORTLIST);
                }
            }
        }
        shortlist.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        shortlist.truncate(SHORTLIST);
    }
    let mut best: Option<(f64, usize)> = None;
    for (shared, start) in shortlist {
        let end = (start + len).min(total);
        let candidate = slice_chars(text, index, start, end)?;
        let score = if len <= EDIT_DISTANCE_UP_TO {
            strsim::normalized_levenshtein(candidate, quote)
        } else {
            shared as f64 / (len - 2) as f64
        };
        if best.is_none_or(|(b, s)| score > b || (score == b && start < s)) {
            best = Some((score, start));
        }
    }
    let (score, start) = best?;
    if score < 0.5 {
        return None;
    }
    let end = (start + len).min(total);
    Some((start, slice_chars(text, index, start, end)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Modality;

    fn evidence(quote: &str, start: Option<usize>, end: Option<usize>) -> Evidence {
        Evidence {
            quote: quote.into(),
            start,
            end,
            asserted_by: AUTHOR.into(),
            note: None,
            modality: Modality::ReportedFact,
        }
    }

    /// `build` validates through files: the articles it reads back, the shared records and
    /// the statements are those `load` gives in memory, the values other articles state
    /// included (the bundled seeds state some), whether the stated records are resolved in one
    /// part or in one part each (a budget of no bytes), their statements sorted in one run or
    /// in one run each.
    #[test]
    fn spilled_validation_gives_what_validation_in_memory_gives() {
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
        let in_memory = load(&seeds).unwrap();
        for budget in [64 << 20, 0] {
            let folder =
                std::env::temp_dir().join(format!("dossier-spill-{}-{budget}", std::process::id()));
            std::fs::create_dir_all(&folder).unwrap();
            let mut observed = Vec::new();
            let (kb, spill) = load_spilled(
                &seeds,
                &crate::progress::Silent,
                &folder,
                budget,
                &mut |a| observed.push(a.id.to_string()),
            )
            .unwrap();
            let parts = std::fs::read_dir(&folder)
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .contains("-rows")
                })
                .count();
            assert_eq!(parts > 1, budget == 0, "{parts} parts at {budget} bytes");
            let json = |a: &Article| serde_json::to_string(a).unwrap();
            let read_back: Vec<String> = spill.read().unwrap().map(|a| json(&a)).collect();
            let expected: Vec<String> = in_memory.articles.iter().map(json).collect();
            assert_eq!(read_back, expected);
            let ids: Vec<String> = in_memory
                .articles
                .iter()
                .map(|a| a.id.to_string())
                .collect();
            assert_eq!(observed, ids, "every article shown once, in order");
            assert!(kb.statements.is_empty(), "the spill has them");
            let statements = spill.statements().expect("set aside in files");
            let mut in_order = Vec::new();
            statements
                .for_each(&mut |s| {
                    in_order.push(format!("{s:?}"));
                    std::io::Result::Ok(())
                })
                .unwrap();
            // By source: the shared files' first, then each article's, each in order.
            let mut by_source = Vec::new();
            let mut sources = statements.by_source().unwrap();
            let mut expected_by_source = Vec::new();
            for (n, article) in std::iter::once(None)
                .chain(in_memory.articles.iter().map(Some))
                .enumerate()
            {
                let source = article.map(|a| (n - 1, a.id.as_str()));
                sources
                    .each_of(source, &mut |s| {
                        by_source.push(format!("{s:?}"));
                        std::io::Result::Ok(())
                    })
                    .unwrap();
                expected_by_source.extend(
                    in_memory
                        .statements
                        .iter()
                        .filter(|s| {
                            s.article.as_ref().map(|a| a.as_str()) == source.map(|(_, id)| id)
                        })
                        .map(|s| format!("{s:?}")),
                );
            }
            for (what, got, want) in [
                (
                    "statements",
                    format!("{in_order:?}"),
                    format!(
                        "{:?}",
                        in_memory
                            .statements
                            .iter()
                            .map(|s| format!("{s:?}"))
                            .collect::<Vec<_>>()
                    ),
                ),
                (
                    "statements by source",
                    format!("{by_source:?}"),
                    format!("{expected_by_source:?}"),
                ),
                (
                    "actors",
                    format!("{:?}", kb.actors),
                    format!("{:?}", in_memory.actors),
                ),
                (
                    "topics",
                    format!("{:?}", kb.topics),
                    format!("{:?}", in_memory.topics),
                ),
            ] {
                assert_eq!(got, want, "{what} at {budget} bytes");
            }
            assert!(!in_order.is_empty(), "the bundled seeds state values");
            // The file holds the records as their articles define them: the stated values are
            // put in place as it is read back.
            let as_written = std::fs::read_to_string(&spill.path).unwrap();
            let changed = as_written
                .lines()
                .zip(&expected)
                .filter(|(written, read)| written != read)
                .count();
            assert!(changed > 0, "no article takes a value stated elsewhere");
            drop(sources);
            spill.finish().unwrap();
            assert_eq!(
                std::fs::read_dir(&folder).unwrap().count(),
                0,
                "every file removed"
            );
            std::fs::remove_dir(&folder).unwrap();
        }
    }

    #[test]
    fn offsets_are_code_points_not_bytes() {
        // The curly apostrophe is one code point but three bytes in UTF-8.
        let text = "Marco Rubio’s visit to Mexico in September 2025";
        let index = CharIndex::new(text);
        let (start, end) = locate_quote(text, &index, &evidence("visit to Mexico", None, None))
            .ok()
            .unwrap();
        assert_eq!((start, end), (14, 29));
        let byte_start = text.find("visit").unwrap();
        assert_eq!(
            byte_start, 16,
            "the byte offset differs from the code-point offset"
        );
        assert!(
            locate_quote(
                text,
                &index,
                &evidence("visit to Mexico", Some(16), Some(31))
            )
            .is_err(),
            "byte offsets must be rejected"
        );
        assert!(locate_quote(text, &index, &evidence("visit to Mexico", Some(14), None)).is_ok());
    }

    #[test]
    fn overlapping_occurrences_count() {
        assert_eq!(
            find_quote("very very very", "very very"),
            QuoteSearch::Found(vec![(0, 9), (5, 14)])
        );
        assert_eq!(
            find_quote("ñaña ñaña", "aña"),
            QuoteSearch::Found(vec![(1, 4), (6, 9)])
        );
    }

    #[test]
    fn ambiguous_quote_lists_every_occurrence() {
        let text = "the group, the group";
        let index = CharIndex::new(text);
        let problem = locate_quote(text, &index, &evidence("the group", None, None))
            .err()
            .unwrap();
        assert!(problem.message.contains("2 times"));
        assert!(problem.help.unwrap().contains("start = 11, end = 20"));
    }

    #[test]
    fn straight_apostrophe_is_explained() {
        let text = "Rubio’s sincerity is questionable";
        let index = CharIndex::new(text);
        let problem = locate_quote(text, &index, &evidence("Rubio's sincerity", None, None))
            .err()
            .unwrap();
        assert!(
            problem.message.contains("straight quotes"),
            "{}",
            problem.message
        );
    }
}
