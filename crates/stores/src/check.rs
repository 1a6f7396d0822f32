//! `dossier check`: proves the two stores hold the same knowledge. Both are read into one form,
//! (kind, id, field, value) facts normalised as the named queries are (IRIs to ids, literals to
//! their lexical value), and compared field by field; every evidence quote is checked against
//! its article's text at its offsets, in each store.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::io::BufReader;
use std::path::Path;

use sophia::api::source::TripleSource;
use sophia::api::term::Term;
use sophia::api::triple::Triple;

use crate::ddl;
use crate::index::{DEFAULT_GRAPH, Index};
use crate::mapping::{self, Field, Scope, Shape};
use crate::model::{DatePrecision, RelationType};
use crate::vocab::{self, dcterms, dos, oa, prov, rdf, rdfs, schema};

/// How a node reads as a value: its id (the IRI's last segment), or its whole IRI.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Norm {
    Local,
    Full,
}

fn norm(shape: Shape) -> Norm {
    if shape == Shape::IriOrText {
        Norm::Full
    } else {
        Norm::Local
    }
}

/// How a compared field is read from the graph, starting at the record's resource.
enum FromGraph {
    /// Follow the predicates; every object reached is a value.
    Path(Vec<&'static str>, Norm),
    /// Follow `via` to one node per row; each row is the tuple of its parts' first values.
    Rows {
        via: &'static str,
        parts: Vec<&'static [&'static str]>,
    },
    /// Only for records in an article: `Path`, else no value.
    InArticle(&'static [&'static str]),
    /// The number of code points of the literal at this predicate.
    CharCount(&'static str),
    /// The last `.`-separated segment of the resource's identifier (evidence numbers).
    IdSuffix,
    /// The kind the resource's class stands for.
    Kind,
    /// The resource's own IRI.
    OwnIri,
    /// Direct triples with these predicates, each as `predicate object` (ids): a relation's
    /// triple as its subject states it.
    Links(Vec<String>),
    /// A statement's value: the object, or for a stated row (a node of a nested list's class)
    /// the row's text made from its fields, as `statements.value` holds it (and a second,
    /// unmatched value when its `rdf:value` is not that one text).
    StatedValue,
}

/// One compared field of one kind: `SELECT id, value...` against a way through the graph.
struct Compared {
    kind: &'static str,
    field: String,
    sql: String,
    graph: FromGraph,
}

/// A group of resources compared as one kind: records of a kind, the `records` index,
/// evidence, the knowledge base.
#[derive(Clone)]
struct Group {
    name: &'static str,
    table: &'static str,
    /// Indices into [`classes`] of the resources that belong to it.
    classes: Vec<usize>,
}

/// The classes that make a resource belong to a group, once each.
fn classes() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = mapping::kinds().map(|k| k.class).collect();
    out.extend([oa::ANNOTATION, schema::DATASET, dos::STATEMENT]);
    out
}

fn groups() -> Vec<Group> {
    let classes = classes();
    let at = |class: &str| {
        classes
            .iter()
            .position(|c| *c == class)
            .expect("a listed class")
    };
    let mut out: Vec<Group> = mapping::kinds()
        .map(|k| Group {
            name: k.kind.as_str(),
            table: k.table,
            classes: vec![at(k.class)],
        })
        .collect();
    out.push(Group {
        name: "record",
        table: "records",
        classes: mapping::kinds()
            .filter(|k| k.scope != Scope::Article)
            .map(|k| at(k.class))
            .collect(),
    });
    out.push(Group {
        name: "evidence",
        table: "evidence",
        classes: vec![at(oa::ANNOTATION)],
    });
    out.push(Group {
        name: KNOWLEDGE_BASE,
        table: "knowledge_base",
        classes: vec![at(schema::DATASET)],
    });
    out.push(Group {
        name: "statement",
        table: "statements",
        classes: vec![at(dos::STATEMENT)],
    });
    out
}

const KNOWLEDGE_BASE: &str = "knowledge_base";

/// The SQL expression of a field's value: a date with its precision, as the graph's literal
/// reads (see [`dated`]).
fn sql_expression(f: &Field) -> String {
    match f.shape {
        Shape::Date { .. } => format!("{c} || ' (' || {c}_precision || ')'", c = f.column),
        Shape::Boolean => format!("CASE {} WHEN 1 THEN 'true' ELSE 'false' END", f.column),
        _ => f.column.to_owned(),
    }
}

/// A date literal as `check` compares it: its text and the precision its datatype says.
fn dated(lexical: &str, precision: DatePrecision) -> String {
    format!("{lexical} ({})", precision.as_str())
}

/// The compared fields of a table's described fields, lists and nested rows.
fn described(
    kind: &'static str,
    table: &str,
    key: &str,
    fields: &'static [Field],
    nested: &'static [mapping::Nested],
    out: &mut Vec<Compared>,
) {
    for f in fields {
        let (sql, graph) = match f.list {
            Some(list) => (
                format!("SELECT {}, {} FROM {}", list.owner, f.column, list.table),
                FromGraph::Path(f.path.to_vec(), norm(f.shape)),
            ),
            None => (
                format!("SELECT {key}, {} FROM {table}", sql_expression(f)),
                FromGraph::Path(f.path.to_vec(), norm(f.shape)),
            ),
        };
        out.push(Compared {
            kind,
            field: f.key.to_owned(),
            sql,
            graph,
        });
        if let Shape::Date { precision: Some(p) } = f.shape {
            out.push(Compared {
                kind,
                field: format!("{}_precision", f.key),
                sql: format!("SELECT {key}, {}_precision FROM {table}", f.column),
                graph: FromGraph::Path(vec![p], Norm::Local),
            });
        }
    }
    for n in nested {
        let columns: Vec<String> = n.fields.iter().map(sql_expression).collect();
        out.push(Compared {
            kind,
            field: n.key.to_owned(),
            sql: format!(
                "SELECT {}, {} FROM {}",
                n.owner,
                columns.join(", "),
                n.table
            ),
            graph: FromGraph::Rows {
                via: n.predicate,
                parts: n.fields.iter().map(|f| f.path).collect(),
            },
        });
    }
}

/// Every compared field of every group, from the descriptions in [`crate::mapping`] and the
/// hooks' own fields.
fn compared() -> Vec<Compared> {
    let mut out = Vec::new();
    for k in mapping::kinds() {
        let name = k.kind.as_str();
        let path = |sql: String, graph: FromGraph, field: &str| Compared {
            kind: name,
            field: field.to_owned(),
            sql,
            graph,
        };
        match k.scope {
            Scope::InArticle => out.push(path(
                format!("SELECT id, article_id FROM {}", k.table),
                FromGraph::Path(vec![prov::WAS_DERIVED_FROM], Norm::Local),
                "article",
            )),
            Scope::Article => {
                out.push(path(
                    format!("SELECT id, text FROM {}", k.table),
                    FromGraph::Path(vec![schema::TEXT], Norm::Local),
                    "text",
                ));
                out.push(path(
                    format!("SELECT id, char_count FROM {}", k.table),
                    FromGraph::CharCount(schema::TEXT),
                    "char_count",
                ));
            }
            Scope::KnowledgeBase => out.push(path(
                format!(
                    "SELECT DISTINCT e.record_id, e.article_id FROM evidence e \
                     JOIN {} a ON a.id = e.record_id",
                    k.table
                ),
                FromGraph::Path(vec![prov::WAS_DERIVED_FROM], Norm::Local),
                "mentioned_in",
            )),
        }
        described(name, k.table, "id", k.fields, k.nested, &mut out);
    }
    records_evidence_and_knowledge_base(&mut out);
    out
}

/// The compared fields of what is not a kind: the records index, a relation's direct triple,
/// evidence and the knowledge base's own row.
fn records_evidence_and_knowledge_base(out: &mut Vec<Compared>) {
    for (field, graph) in [
        ("kind", FromGraph::Kind),
        ("label", FromGraph::Path(vec![rdfs::LABEL], Norm::Local)),
        (
            "article_id",
            FromGraph::InArticle(&[prov::WAS_DERIVED_FROM]),
        ),
        ("basis", FromGraph::Path(vec![dos::BASIS], Norm::Local)),
    ] {
        out.push(Compared {
            kind: "record",
            field: field.to_owned(),
            sql: format!("SELECT id, {field} FROM records"),
            graph,
        });
    }
    // Hook: a relation's direct triple, on its subject.
    out.push(Compared {
        kind: "record",
        field: "relations".to_owned(),
        sql: {
            let column = |key| mapping::RELATION.field(key).map_or("", |(_, f)| f.column);
            format!(
                "SELECT DISTINCT {}, {} || ' ' || {} FROM {}",
                column("subject"),
                column("predicate"),
                column("object"),
                mapping::RELATION.table
            )
        },
        graph: FromGraph::Links(
            RelationType::VALUES
                .iter()
                .map(|v| vocab::concept(RelationType::SCHEME, v))
                .collect(),
        ),
    });
    described(
        "evidence",
        "evidence",
        "id",
        mapping::EVIDENCE_FIELDS,
        &[],
        out,
    );
    out.push(Compared {
        kind: "evidence",
        field: "number".to_owned(),
        sql: "SELECT id, number FROM evidence".to_owned(),
        graph: FromGraph::IdSuffix,
    });
    described(
        "statement",
        "statements",
        "id",
        mapping::STATEMENT_FIELDS,
        &[],
        out,
    );
    // A statement's value is as its field's shape writes it: the graph reads a date with its
    // precision, so the database's text gets the precision its length gives.
    let dated_fields: Vec<String> = mapping::kinds()
        .flat_map(|k| {
            k.fields
                .iter()
                .filter(|f| matches!(f.shape, Shape::Date { .. }))
                .map(move |f| format!("('{}', '{}')", k.kind.as_str(), f.key))
        })
        .collect();
    if let Some(value) = out
        .iter_mut()
        .find(|c| c.kind == "statement" && c.field == "value")
    {
        value.graph = FromGraph::StatedValue;
        value.sql = format!(
            "SELECT s.id, CASE WHEN (r.kind, s.field) IN (VALUES {}) \
             THEN s.value || ' (' || CASE length(s.value) WHEN 4 THEN 'year' WHEN 7 THEN 'month' \
             ELSE 'day' END || ')' ELSE s.value END \
             FROM statements s JOIN records r ON r.id = s.record_id",
            dated_fields.join(", ")
        );
    }
    let id = "CAST(id AS TEXT)";
    described(
        KNOWLEDGE_BASE,
        "knowledge_base",
        id,
        mapping::KNOWLEDGE_BASE_FIELDS,
        &[],
        out,
    );
    out.push(Compared {
        kind: KNOWLEDGE_BASE,
        field: "base_iri".to_owned(),
        sql: format!("SELECT {id}, base_iri FROM knowledge_base"),
        graph: FromGraph::OwnIri,
    });
}

/// How many lookups in the mapped index `check` makes between two looks at how much of it is
/// resident (a look is one read of `/proc/self/statm`, kept open: about a microsecond).
const LOOK_EVERY: usize = 1 << 5;

/// How much of the mapped index (and of every mapped file) may be resident, by default, before
/// `check` gives its pages back ([`CheckSettings::index_memory_mb`]). The lookups read pages all over the file, and each read maps the pages around it too
/// (about 128 KB here: a lookup's ten reads, over a megabyte), which would add up to the whole
/// index (2.9 GB at 1M records). Measured at 1M records: released every 8,192 lookups of each
/// thread, whatever was resident, `check` peaked at 0.89 GB; with a budget of 288 MB looked at
/// every 256 lookups, at 0.47–0.58 GB in 128–145 s (two runs, the second the same hour as the
/// next); with this budget looked at every 32, at 0.45 GB in 182 s (0.54 GB in 164 s with 288 MB).
/// At 100k records (a 288 MB index) the time is the same as without a budget.
pub const DEFAULT_INDEX_MEMORY_MB: u64 = 192;

/// How `check` may use memory.
#[derive(Debug, Clone, Copy)]
pub struct CheckSettings {
    /// The mapped files' pages (the indexed graph's, mostly) that may be resident before they are
    /// given back: a smaller budget costs time, not correctness. What `check` holds besides is
    /// one kind's ids (32 bytes a record) and one field's values.
    pub index_memory_mb: u64,
}

impl Default for CheckSettings {
    fn default() -> CheckSettings {
        CheckSettings {
            index_memory_mb: DEFAULT_INDEX_MEMORY_MB,
        }
    }
}

impl CheckSettings {
    fn budget(self) -> u64 {
        self.index_memory_mb.saturating_mul(1 << 20)
    }
}

/// Where the system does not say how much is resident: give the pages back every so many
/// lookups.
const RELEASE_EVERY: usize = 1 << 13;

/// What `check` found.
#[derive(Debug, Default)]
pub struct Report {
    /// (kind, records in the database, resources in the graph)
    pub counts: Vec<(String, usize, usize)>,
    pub fields_compared: usize,
    pub quotes_checked: usize,
    /// Each difference, naming the record and the field.
    pub drift: Vec<String>,
}

impl Report {
    pub fn agrees(&self) -> bool {
        self.drift.is_empty()
    }
}

fn sql_value(v: rusqlite::types::Value) -> Option<String> {
    use rusqlite::types::Value;
    match v {
        Value::Null => None,
        Value::Integer(i) => Some(i.to_string()),
        Value::Real(f) => Some(if f.fract() == 0.0 {
            format!("{}", f as i64)
        } else {
            f.to_string()
        }),
        Value::Text(s) => Some(s),
        Value::Blob(_) => Some("<blob>".into()),
    }
}

/// The built graph as `check` reads it: the indexed graph (memory-mapped), its default graph
/// (every triple once, as the Turtle holds them), followed from node to node. Nothing is loaded:
/// memory stays small whatever the size of the knowledge base.
struct GraphView<'i> {
    index: &'i Index,
    classes: Vec<&'static str>,
    /// The class IRIs' term ids, by position in `classes` (None: no resource has it).
    class_ids: Vec<Option<u32>>,
    identifier: Option<u32>,
    rdf_type: Option<u32>,
    /// IRIs already looked up: `follow` asks for the same few predicates for every resource.
    known: std::cell::RefCell<HashMap<String, Option<u32>>>,
    /// The mapped pages' budget, in bytes (see [`pace`]).
    budget: u64,
}

/// Gives back the index's pages a long walk has read, once the mapped files' resident pages
/// outgrow `budget` bytes (looked at every [`LOOK_EVERY`] steps; `n` counts them): see
/// `Index::release_pages`. The look is of the whole process, so the budget holds for both of
/// `check`'s threads together.
fn pace(index: &Index, n: usize, budget: u64) {
    if n == 0 || !n.is_multiple_of(LOOK_EVERY) {
        return;
    }
    let over = match crate::memory::own_file_mapped() {
        Some(file_mapped) => file_mapped > budget,
        None => n.is_multiple_of(RELEASE_EVERY),
    };
    if over {
        index.release_pages();
    }
}

impl<'i> GraphView<'i> {
    fn pace(&self, n: usize) {
        pace(self.index, n, self.budget);
    }

    fn new(index: &'i Index, settings: CheckSettings) -> GraphView<'i> {
        let classes = classes();
        let mut view = GraphView {
            index,
            class_ids: Vec::new(),
            identifier: None,
            rdf_type: None,
            known: Default::default(),
            classes,
            budget: settings.budget(),
        };
        view.class_ids = view.classes.iter().map(|c| view.iri(c)).collect();
        view.identifier = view.iri(dcterms::IDENTIFIER);
        view.rdf_type = view.iri(rdf::TYPE);
        view
    }

    fn iri(&self, iri: &str) -> Option<u32> {
        if let Some(id) = self.known.borrow().get(iri) {
            return *id;
        }
        let mut encoded = Vec::new();
        crate::index::encode_iri(iri, &mut encoded);
        let id = self.index.id_of(&encoded);
        self.known.borrow_mut().insert(iri.to_owned(), id);
        id
    }

    fn term(&self, id: u32) -> Result<oxrdf::Term> {
        Ok(self.index.term(id)?)
    }

    /// The objects of (subject, predicate) in the default graph.
    fn objects(&self, subject: u32, predicate: Option<u32>) -> Vec<u32> {
        match predicate {
            Some(p) => self
                .index
                .quads(Some(subject), Some(p), None, Some(DEFAULT_GRAPH))
                .map(|[_, _, o, _]| o)
                .collect(),
            None => Vec::new(),
        }
    }

    /// The objects reached from `node` along `path`.
    fn follow(&self, node: u32, path: &[&str]) -> Vec<u32> {
        let mut frontier = vec![node];
        for p in path {
            let p = self.iri(p);
            frontier = frontier.iter().flat_map(|n| self.objects(*n, p)).collect();
        }
        frontier
    }

    /// A resource's identifier (the knowledge base's node: "1", as its row's id), borrowed
    /// from the index when it is a simple literal, as the mapping writes it.
    fn id_of(&self, node: u32, class: usize) -> Result<Option<Cow<'i, str>>> {
        if self.classes[class] == schema::DATASET {
            return Ok(Some(Cow::Borrowed("1")));
        }
        let index: &'i Index = self.index;
        match self.objects(node, self.identifier).first() {
            Some(&o) => Ok(Some(match index.simple_literal(o) {
                Some(id) => Cow::Borrowed(id),
                None => Cow::Owned(self.value(o, Norm::Local)?),
            })),
            None => Ok(None),
        }
    }

    /// The resources of a class.
    fn of_class(&self, class: usize) -> Vec<u32> {
        match (self.rdf_type, self.class_ids[class]) {
            (Some(t), Some(c)) => self
                .index
                .quads(None, Some(t), Some(c), Some(DEFAULT_GRAPH))
                .map(|[s, _, _, _]| s)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The first of `classes` a resource has.
    fn class_of(&self, node: u32) -> Option<usize> {
        let types = self.objects(node, self.rdf_type);
        self.class_ids
            .iter()
            .position(|c| c.is_some_and(|c| types.contains(&c)))
    }

    /// The normalised value: a node's id (its IRI's last segment) or whole IRI, a literal's
    /// lexical form (a date's with the precision its datatype says).
    fn value(&self, id: u32, norm: Norm) -> Result<String> {
        Ok(match self.term(id)? {
            oxrdf::Term::NamedNode(n) => match norm {
                Norm::Local => vocab::local_name(n.as_str()).to_owned(),
                Norm::Full => n.into_string(),
            },
            oxrdf::Term::BlankNode(b) => format!("_:{}", b.as_str()),
            oxrdf::Term::Literal(l) => {
                match mapping::precision_of_datatype(l.datatype().as_str()) {
                    Some(precision) => dated(l.value(), precision),
                    None => l.destruct().0,
                }
            }
            #[allow(unreachable_patterns)]
            other => other.to_string(),
        })
    }

    fn is_literal(&self, id: u32) -> bool {
        self.index
            .encoded_term(id)
            .is_ok_and(|t| !matches!(t.first(), Some(b'I' | b'B')))
    }

    /// The kind a class index stands for, as `records.kind` names it.
    fn kind_name(&self, class: usize) -> Option<&'static str> {
        let class = self.classes[class];
        mapping::kinds()
            .find(|k| k.class == class)
            .map(|k| k.kind.as_str())
    }

    /// The values of one compared field for one resource.
    fn values_of(&self, node: u32, id: &str, how: &FromGraph) -> Result<Vec<String>> {
        let values = |ids: Vec<u32>, norm: Norm| -> Result<Vec<String>> {
            ids.into_iter().map(|o| self.value(o, norm)).collect()
        };
        Ok(match how {
            FromGraph::Path(path, norm) => values(self.follow(node, path), *norm)?,
            FromGraph::InArticle(path) => {
                let in_article = self
                    .class_of(node)
                    .and_then(|c| mapping::kinds().find(|k| k.class == self.classes[c]))
                    .is_some_and(|k| k.scope == Scope::InArticle);
                if in_article {
                    values(self.follow(node, path), Norm::Local)?
                } else {
                    Vec::new()
                }
            }
            FromGraph::Rows { via, parts } => {
                let mut rows = Vec::new();
                for row in self.follow(node, &[via]) {
                    if self.is_literal(row) {
                        continue;
                    }
                    let mut cells = Vec::new();
                    for part in parts {
                        cells.push(match self.follow(row, part).first() {
                            Some(o) => Some(self.value(*o, Norm::Local)?),
                            None => None,
                        });
                    }
                    rows.push(tuple(cells.into_iter()));
                }
                rows
            }
            FromGraph::StatedValue => {
                let mut out = Vec::new();
                for object in self.follow(node, &[rdf::OBJECT]) {
                    let types = self.objects(object, self.rdf_type);
                    let nested = mapping::kinds()
                        .flat_map(|k| k.nested)
                        .find(|n| self.iri(n.class).is_some_and(|c| types.contains(&c)));
                    let Some(nested) = nested else {
                        out.push(self.value(object, Norm::Local)?);
                        continue;
                    };
                    let mut cells = Vec::new();
                    for f in nested.fields {
                        cells.push(match self.follow(object, f.path).first() {
                            Some(o) => Some(self.value(*o, Norm::Local)?),
                            None => None,
                        });
                    }
                    let text = nested.row_text(&cells);
                    let said = self
                        .follow(object, &[rdf::VALUE])
                        .into_iter()
                        .map(|v| self.value(v, Norm::Local))
                        .collect::<Result<Vec<_>>>()?;
                    if said != [text.as_str()] {
                        out.push(format!("{text} with the rdf:value {said:?}"));
                    }
                    out.push(text);
                }
                out
            }
            FromGraph::CharCount(p) => values(self.follow(node, &[p]), Norm::Local)?
                .iter()
                .map(|v| v.chars().count().to_string())
                .collect(),
            FromGraph::IdSuffix => id
                .rsplit('.')
                .next()
                .map(str::to_owned)
                .into_iter()
                .collect(),
            FromGraph::Kind => self
                .class_of(node)
                .and_then(|c| self.kind_name(c))
                .map(str::to_owned)
                .into_iter()
                .collect(),
            FromGraph::OwnIri => vec![self.value(node, Norm::Full)?],
            FromGraph::Links(predicates) => {
                let mut out = Vec::new();
                for p in predicates {
                    let link = vocab::local_name(p);
                    for v in values(self.follow(node, &[p.as_str()]), Norm::Local)? {
                        out.push(format!("{link} {v}"));
                    }
                }
                out
            }
        })
    }
}

/// A row of several values as one comparable value; a missing part is `∅`.
fn tuple(parts: impl Iterator<Item = Option<String>>) -> String {
    let parts: Vec<String> = parts.map(|p| p.unwrap_or_else(|| "∅".to_owned())).collect();
    format!("{parts:?}")
}

/// Compares the database and the indexed graph of one knowledge base.
pub fn check(conn: &Connection, index: &Path) -> Result<Report> {
    check_with(
        conn,
        &Index::open(index)?,
        CheckSettings::default(),
        &crate::progress::Silent,
    )
}

/// Parsed terms' ids in the index. The files name the same subjects, predicates and graphs
/// again and again, so the ids found are remembered (up to a bound, to keep memory flat): a
/// hash lookup instead of a binary search through the memory-mapped term table.
struct TermIds<'a> {
    index: &'a Index,
    known: hashbrown::HashMap<Box<[u8]>, Option<u32>>,
    buf: Vec<u8>,
}

impl<'a> TermIds<'a> {
    const REMEMBERED: usize = 1 << 16;

    fn new(index: &'a Index) -> TermIds<'a> {
        TermIds {
            index,
            known: hashbrown::HashMap::new(),
            buf: Vec::new(),
        }
    }

    /// A parsed term's id in the index, if the index holds it.
    fn id<T: Term>(&mut self, term: &T) -> Option<u32> {
        crate::rdf::encode_term(term, &mut self.buf);
        if let Some(id) = self.known.get(self.buf.as_slice()) {
            return *id;
        }
        let id = self.index.id_of(&self.buf);
        if self.known.len() >= Self::REMEMBERED {
            self.known.clear();
        }
        self.known.insert(self.buf.as_slice().into(), id);
        id
    }
}

/// Proves the Turtle, the N-Quads and the indexed graph hold the same graph: every triple of
/// the Turtle is a triple of the index and every quad of the N-Quads a quad of it, and every
/// quad of the index is reached from each file. Each file is read as a stream and marks the
/// index's quads it reaches (a bit a quad for each file), so memory does not grow with the files. The
/// first few triples that differ are named.
pub fn compare_graph_files(
    report: &mut Report,
    turtle: &Path,
    nquads: &Path,
    index: &Index,
    settings: CheckSettings,
) -> Result<()> {
    use crate::rdf::RdfTerm;
    use sophia::api::quad::Quad;
    use sophia::api::source::QuadSource;
    let mut ids = TermIds::new(index);
    let show = ntriples_line;
    // The lookups touch pages all over the mapped index: they are given back as the files are
    // read, so that they do not add up to the whole index in resident memory.
    let mut read = 0usize;
    let mut release = || {
        read += 1;
        pace(index, read, settings.budget());
    };

    // The Turtle: each triple is in the index in one graph or more.
    let mut in_turtle = Reach::new("Turtle", index.len());
    let file = std::fs::File::open(turtle)
        .with_context(|| format!("cannot open '{}'", turtle.display()))?;
    sophia::turtle::parser::turtle::parse_bufread(BufReader::with_capacity(1 << 20, file))
        .for_each_triple(|t| {
            let positions = match [ids.id(&t.s()), ids.id(&t.p()), ids.id(&t.o())] {
                [Some(s), Some(p), Some(o)] => index.spog_range(&[s, p, o]),
                _ => 0..0,
            };
            release();
            in_turtle.note(positions, || {
                show([
                    RdfTerm::from_term(&t.s()),
                    RdfTerm::from_term(&t.p()),
                    RdfTerm::from_term(&t.o()),
                ])
            });
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "the built Turtle file cannot be parsed ({e}): rebuild it with `dossier build`"
            )
        })?;

    // The N-Quads: each quad is one quad of the index.
    let mut in_nquads = Reach::new("N-Quads", index.len());
    let file = std::fs::File::open(nquads)
        .with_context(|| format!("cannot open '{}'", nquads.display()))?;
    sophia::turtle::parser::nq::parse_bufread(BufReader::with_capacity(1 << 20, file))
        .for_each_quad(|q| {
            let graph = match q.g() {
                None => Some(DEFAULT_GRAPH),
                Some(g) => ids.id(&g),
            };
            let positions = match [ids.id(&q.s()), ids.id(&q.p()), ids.id(&q.o()), graph] {
                [Some(s), Some(p), Some(o), Some(g)] => index.spog_range(&[s, p, o, g]),
                _ => 0..0,
            };
            release();
            in_nquads.note(positions, || {
                show([
                    RdfTerm::from_term(&q.s()),
                    RdfTerm::from_term(&q.p()),
                    RdfTerm::from_term(&q.o()),
                ])
            });
        })
        .map_err(|e| anyhow::anyhow!("'{}' cannot be parsed: {e}", nquads.display()))?;

    report_unreached(report, index, &in_turtle, &in_nquads)
}

/// A triple as an N-Triples line, as `check` names one.
fn ntriples_line(t: [crate::rdf::RdfTerm; 3]) -> String {
    format!(
        "{} {} {} .",
        t[0].to_ntriples(),
        t[1].to_ntriples(),
        t[2].to_ntriples()
    )
}

/// What the Turtle and the N-Quads hold beyond the index, and what of the index they do not
/// reach: counts, then the first ones of each by name.
fn report_unreached(
    report: &mut Report,
    index: &Index,
    in_turtle: &Reach,
    in_nquads: &Reach,
) -> Result<()> {
    use crate::rdf::RdfTerm;
    // What the index holds that a file did not reach.
    let triple = |i: usize| -> Result<String> {
        let [s, p, o, _] = index.spog_key(i);
        let term = |id| -> Result<RdfTerm> { Ok(RdfTerm::from_ox(&index.term(id)?)) };
        Ok(ntriples_line([term(s)?, term(p)?, term(o)?]))
    };
    let (only_in_turtle, not_in_turtle) = (in_turtle.only_in_file, in_turtle.not_reached().count());
    let (only_in_nquads, not_in_nquads) = (in_nquads.only_in_file, in_nquads.not_reached().count());
    if only_in_turtle + not_in_turtle > 0 {
        report.drift.push(format!(
            "the Turtle file and the indexed graph hold different triples: {only_in_turtle} only \
             in the Turtle, {not_in_turtle} quads of the index not in the Turtle"
        ));
    }
    if only_in_nquads + not_in_nquads > 0 {
        report.drift.push(format!(
            "the indexed graph and the N-Quads file hold different quads: {not_in_nquads} only in \
             the index, {only_in_nquads} only in the N-Quads"
        ));
    }
    for reach in [in_turtle, in_nquads] {
        report.drift.extend(reach.named.iter().cloned());
    }
    for reach in [in_turtle, in_nquads] {
        for i in reach.not_reached().take(Reach::NAMED) {
            report.drift.push(format!(
                "  in the indexed graph, not in the {}: {}",
                reach.file,
                triple(i)?
            ));
        }
    }
    Ok(())
}

/// What one RDF file reached of the index (a bit a quad, whatever the file's size), and the
/// first statements it holds that the index does not.
struct Reach {
    file: &'static str,
    /// Bit `i % 64` of word `i / 64` is set when the file holds the index's quad `i`.
    reached: Vec<u64>,
    quads: usize,
    only_in_file: usize,
    named: Vec<String>,
}

impl Reach {
    /// How many differences of each kind are named.
    const NAMED: usize = 5;

    fn new(file: &'static str, quads: usize) -> Reach {
        Reach {
            file,
            reached: vec![0; quads.div_ceil(64)],
            quads,
            only_in_file: 0,
            named: Vec::new(),
        }
    }

    /// One statement of the file and the index positions it stands for (none: the index lacks
    /// it, and `describe` names it).
    fn note(&mut self, positions: std::ops::Range<usize>, describe: impl FnOnce() -> String) {
        if positions.is_empty() {
            self.only_in_file += 1;
            if self.named.len() < Reach::NAMED {
                self.named
                    .push(format!("  only in the {}: {}", self.file, describe()));
            }
        }
        for i in positions {
            self.reached[i / 64] |= 1 << (i % 64);
        }
    }

    /// The index positions the file did not reach.
    fn not_reached(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.quads).filter(|i| self.reached[i / 64] & (1 << (i % 64)) == 0)
    }
}

/// Ids of each group, from one store.
/// One group's resources in the graph, in id order (bytewise, as the database's `ORDER BY`
/// sorts text), each with its node and whether the database holds the id too. An id is
/// borrowed from the memory-mapped index where it is a plain literal, so a group of a million
/// records takes about 32 MB (twice that while its list grows and is sorted), not a map of
/// owned strings per store.
struct GraphIds<'i> {
    ids: Vec<GraphId<'i>>,
}

struct GraphId<'i> {
    id: Cow<'i, str>,
    node: u32,
    in_database: bool,
}

impl<'i> GraphIds<'i> {
    fn get(&self, id: &str) -> Option<&GraphId<'i>> {
        self.position(id).map(|at| &self.ids[at])
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.ids
            .binary_search_by(|g| Ord::cmp(g.id.as_ref(), id))
            .ok()
    }

    /// Whether both stores hold the id (an id only one holds is reported once, with the ids).
    fn in_both(&self, id: &str) -> bool {
        self.get(id).is_some_and(|g| g.in_database)
    }
}

/// One group's ids, from the graph, with each resource's node.
fn graph_ids<'i>(
    graph: &GraphView<'i>,
    group: &Group,
    report: &mut Report,
) -> Result<GraphIds<'i>> {
    let mut ids = Vec::new();
    for &class in &group.classes {
        for (n, node) in graph.of_class(class).into_iter().enumerate() {
            graph.pace(n);
            if let Some(id) = graph.id_of(node, class)? {
                ids.push(GraphId {
                    id,
                    node,
                    in_database: false,
                });
            }
        }
    }
    ids.sort_by(|a, b| a.id.cmp(&b.id).then(a.node.cmp(&b.node)));
    // A resource of two of the group's classes is one resource; two resources with one id are
    // a difference (the database holds each id once).
    for pair in ids.windows(2) {
        if pair[0].id == pair[1].id && pair[0].node != pair[1].node {
            report.drift.push(format!(
                "{} '{}': two resources of the graph have this identifier",
                group.name, pair[0].id
            ));
        }
    }
    ids.dedup_by(|a, b| a.id == b.id);
    ids.shrink_to_fit();
    Ok(GraphIds { ids })
}

/// Reads one group's ids from the database in id order beside the graph's, marks the ids
/// both hold, and names those only one holds (the database's first); returns how many the
/// database holds. Only the graph's ids are held.
fn match_database_ids(
    conn: &Connection,
    group: &Group,
    graph_ids: &mut GraphIds,
    report: &mut Report,
) -> Result<usize> {
    let mut stmt = conn.prepare(&format!(
        "SELECT CAST(id AS TEXT) FROM {} ORDER BY 1",
        group.table
    ))?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    let mut at = 0;
    let mut previous: Option<String> = None;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        // The merge needs the database's order to be the bytes' (a column with a collation of
        // its own would not be).
        if previous.as_ref().is_some_and(|p| *p > id) {
            anyhow::bail!(
                "the database's {} ids are not sorted byte by byte ('{id}' after '{}'): \
                 rebuild it with `dossier build`",
                group.table,
                previous.unwrap_or_default()
            );
        }
        count += 1;
        while at < graph_ids.ids.len() && graph_ids.ids[at].id.as_ref() < id.as_str() {
            at += 1;
        }
        match graph_ids.ids.get_mut(at) {
            Some(g) if g.id == id => g.in_database = true,
            _ => report.drift.push(format!(
                "{} '{id}': in the database, missing from the graph",
                group.name
            )),
        }
        previous = Some(id);
    }
    for g in graph_ids.ids.iter().filter(|g| !g.in_database) {
        report.drift.push(format!(
            "{} '{}': in the graph, missing from the database",
            group.name, g.id
        ));
    }
    Ok(count)
}

/// One compared field's values, from the database, in id order: each id once, with its values.
struct DatabaseValues<'s> {
    rows: rusqlite::Rows<'s>,
    width: usize,
    /// The first row of the next id, read ahead.
    next: Option<(String, Option<String>)>,
}

impl<'s> DatabaseValues<'s> {
    fn new(stmt: &'s mut rusqlite::Statement<'_>) -> Result<DatabaseValues<'s>> {
        let width = stmt.column_count();
        let mut values = DatabaseValues {
            rows: stmt.query([])?,
            width,
            next: None,
        };
        values.next = values.row()?;
        Ok(values)
    }

    fn row(&mut self) -> Result<Option<(String, Option<String>)>> {
        let Some(row) = self.rows.next()? else {
            return Ok(None);
        };
        let id: String = row
            .get::<_, rusqlite::types::Value>(0)
            .map(|v| sql_value(v).unwrap_or_default())?;
        let value = if self.width == 2 {
            sql_value(row.get(1)?)
        } else {
            let parts = (1..self.width)
                .map(|c| row.get::<_, rusqlite::types::Value>(c).map(sql_value))
                .collect::<Result<Vec<_>, _>>()?;
            Some(tuple(parts.into_iter()))
        };
        Ok(Some((id, value)))
    }

    /// The next id that has values, and its values.
    fn next_id(&mut self) -> Result<Option<(String, Vec<String>)>> {
        while let Some((id, first)) = self.next.take() {
            let mut values: Vec<String> = first.into_iter().collect();
            loop {
                self.next = self.row()?;
                match &mut self.next {
                    Some((next, value)) if *next == id => values.extend(value.take()),
                    _ => break,
                }
            }
            if !values.is_empty() {
                return Ok(Some((id, values)));
            }
        }
        Ok(None)
    }
}

/// [`check`], reporting each stage. Group by group (a kind, evidence, statements), field by
/// field: only one group's ids and one field's values of each store are in memory at a time,
/// and the index's pages a group read are given back before the next.
pub fn check_with(
    conn: &Connection,
    index: &Index,
    settings: CheckSettings,
    progress: &dyn crate::progress::Progress,
) -> Result<Report> {
    let groups = groups();
    let compared = compared();
    let graph = GraphView::new(index, settings);
    let mut report = Report::default();
    // Reported after every group's ids, as they were when all were read first; the quotes last.
    let mut fields = Report::default();
    let mut quotes = Report::default();
    // Quotes are found in their articles' texts: the articles' ids stay once compared (one per
    // article; the kinds' groups come before evidence's).
    let mut articles: Option<GraphIds> = None;
    progress.stage(
        "comparing every field, one kind at a time",
        compared.len() as u64,
    );
    let mut done = 0;
    for g in &groups {
        let mut ids = graph_ids(&graph, g, &mut report)?;
        let in_database = match_database_ids(conn, g, &mut ids, &mut report)?;
        report
            .counts
            .push((g.name.to_string(), in_database, ids.ids.len()));
        for c in compared.iter().filter(|c| c.kind == g.name) {
            done += 1;
            compare_field(conn, &graph, c, &ids, &mut fields)?;
            progress.advance(1);
        }
        if g.name == "evidence" {
            let articles = articles
                .as_ref()
                .expect("articles are compared before evidence");
            check_quotes(conn, &graph, &compared, (&ids, articles), &mut quotes)?;
        }
        if g.name == "article" {
            articles = Some(ids);
        }
        index.release_pages();
    }
    assert_eq!(
        done,
        compared.len(),
        "every compared field belongs to a group"
    );
    report.fields_compared = fields.fields_compared;
    report.drift.append(&mut fields.drift);
    check_record_kinds(conn, &mut report)?;
    check_closed_lists(conn, &mut report)?;
    progress.stage("checking the full-text indexes", 0);
    for index in mapping::FULL_TEXT_INDEXES {
        check_full_text(conn, index, &mut report)?;
    }
    report.quotes_checked = quotes.quotes_checked;
    report.drift.append(&mut quotes.drift);
    Ok(report)
}

/// One field, as multisets: each difference names the record and the field once. Both stores'
/// values are read in id order and merged, so that only one id's values are in memory; an id
/// only one store holds was reported with the ids.
fn compare_field(
    conn: &Connection,
    graph: &GraphView,
    c: &Compared,
    ids: &GraphIds,
    report: &mut Report,
) -> Result<()> {
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM ({}) ORDER BY 1", c.sql))
        .with_context(|| format!("reading {}.{} from the database", c.kind, c.field))?;
    let mut in_sql = DatabaseValues::new(&mut stmt)?;
    let mut in_rdf = ids.ids.iter().enumerate().filter_map(|(n, g)| {
        graph.pace(n);
        match graph.values_of(g.node, &g.id, &c.graph) {
            Ok(values) if values.is_empty() => None,
            found => Some(found.map(|values| (g.id.as_ref(), values))),
        }
    });
    let (mut a, mut b) = (in_sql.next_id()?, in_rdf.next().transpose()?);
    loop {
        let (id, mut from_sql, mut from_rdf) = match (&a, &b) {
            (None, None) => break,
            (Some((x, _)), Some((y, _))) if x == *y => {
                let (id, values) = a.take().expect("matched");
                let (_, others) = b.take().expect("matched");
                (a, b) = (in_sql.next_id()?, in_rdf.next().transpose()?);
                (id, values, others)
            }
            (Some((x, _)), Some((y, _))) if x.as_str() > *y => {
                let (id, others) = b.take().expect("matched");
                b = in_rdf.next().transpose()?;
                (id.to_owned(), Vec::new(), others)
            }
            (Some(_), _) => {
                let (id, values) = a.take().expect("matched");
                a = in_sql.next_id()?;
                (id, values, Vec::new())
            }
            (None, Some(_)) => {
                let (id, others) = b.take().expect("matched");
                b = in_rdf.next().transpose()?;
                (id.to_owned(), Vec::new(), others)
            }
        };
        if !ids.in_both(&id) {
            continue;
        }
        report.fields_compared += 1;
        from_sql.sort_unstable();
        from_rdf.sort_unstable();
        if from_sql != from_rdf {
            report.drift.push(format!(
                "{} '{id}', field {}: database {}, graph {}",
                c.kind,
                c.field,
                show(&from_sql),
                show(&from_rdf)
            ));
        }
    }
    Ok(())
}

/// Values for a report: each quoted and shortened, with how often it repeats.
fn show(values: &[String]) -> String {
    if values.is_empty() {
        return "(none)".to_owned();
    }
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let n = values[i..].iter().take_while(|v| **v == values[i]).count();
        let one = format!("{:?}", shorten(&values[i]));
        out.push(if n > 1 { format!("{one} ×{n}") } else { one });
        i += n;
    }
    out.join(", ")
}

/// The database's list of record kinds is the one this dossier writes.
fn check_record_kinds(conn: &Connection, report: &mut Report) -> Result<()> {
    let stored: BTreeSet<String> = conn
        .prepare("SELECT kind FROM record_kinds")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let known: BTreeSet<String> = mapping::kinds()
        .filter(|k| k.scope != Scope::Article)
        .map(|k| k.kind.as_str().to_owned())
        .collect();
    for kind in stored.difference(&known) {
        report.drift.push(format!(
            "record kind '{kind}': in the database, not a kind dossier writes"
        ));
    }
    for kind in known.difference(&stored) {
        report.drift.push(format!(
            "record kind '{kind}': written by dossier, missing from the database"
        ));
    }
    Ok(())
}

/// Each closed list's table holds this dossier's values of the list, each with its definition.
fn check_closed_lists(conn: &Connection, report: &mut Report) -> Result<()> {
    let (key, meaning) = (ddl::LOOKUP_KEY, ddl::LOOKUP_DEFINITION);
    for (table, rows) in ddl::lookup_rows() {
        let stored: BTreeSet<(String, String)> = conn
            .prepare(&format!("SELECT {key}, {meaning} FROM {table}"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let known: BTreeSet<(String, String)> = rows
            .into_iter()
            .map(|(value, text)| (value.to_owned(), text))
            .collect();
        for (value, text) in stored.difference(&known) {
            report.drift.push(format!(
                "{table} '{value}' ({text:?}): in the database, not a value of the list as \
                 dossier writes it"
            ));
        }
        for (value, text) in known.difference(&stored) {
            report.drift.push(format!(
                "{table} '{value}' ({text:?}): a value of the list, missing from the database"
            ));
        }
    }
    Ok(())
}

/// A full-text index against its content table, reading only: SQLite's check of the index's
/// structure, and the index covering exactly the table's rows.
///
/// Whether each row's words are the ones indexed is not checked here: FTS5's `integrity-check`
/// command would compare them, but it is an INSERT, which a read-only connection refuses, and
/// looking each row up by the phrase of its own text took minutes at 100k records. A text
/// changed after the build changes the database file, which the manifest's hash reports.
fn check_full_text(
    conn: &Connection,
    index: &mapping::FullText,
    report: &mut Report,
) -> Result<()> {
    let mapping::FullText { table, content, .. } = *index;
    let structure: Vec<String> = conn
        .prepare(&format!("PRAGMA integrity_check({table})"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read the full-text index {table}"))?;
    if structure != ["ok"] {
        report.drift.push(format!(
            "full-text index {table}: {} (rebuild the knowledge base with `dossier build`)",
            structure.join("; ")
        ));
    }
    // The index's `_docsize` table holds one row per indexed row, keyed by the content's rowid.
    let uncovered = format!(
        "SELECT id FROM {content} WHERE rowid IN \
         (SELECT rowid FROM {content} EXCEPT SELECT id FROM {table}_docsize)"
    );
    for id in conn
        .prepare(&uncovered)?
        .query_map([], |r| r.get::<_, String>(0))?
    {
        report.drift.push(format!(
            "{content} '{}': not in the full-text index {table}",
            id?
        ));
    }
    let orphans: i64 = conn.query_row(
        &format!(
            "SELECT count(*) FROM (SELECT id FROM {table}_docsize EXCEPT SELECT rowid FROM {content})"
        ),
        [],
        |r| r.get(0),
    )?;
    if orphans > 0 {
        report.drift.push(format!(
            "full-text index {table}: {orphans} indexed rows no longer in {content}"
        ));
    }
    Ok(())
}

/// Every quote still sits at its offsets in its article, in each store.
fn check_quotes(
    conn: &Connection,
    graph: &GraphView,
    compared: &[Compared],
    (evidence, articles): (&GraphIds, &GraphIds),
    report: &mut Report,
) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT e.id FROM evidence e JOIN articles a ON a.id = e.article_id \
         WHERE substr(a.text, e.start_offset + 1, e.end_offset - e.start_offset) IS NOT e.quote",
    )?;
    for id in stmt.query_map([], |r| r.get::<_, String>(0))? {
        report.drift.push(format!(
            "evidence '{}': in the database, the quote is not at its offsets in the article",
            id?
        ));
    }
    let field = |name: &str| {
        compared
            .iter()
            .find(|c| c.kind == "evidence" && c.field == name)
            .expect("evidence fields are compared")
    };
    let (article, quote, start, end) = (
        field("article"),
        field("quote"),
        field("start"),
        field("end"),
    );
    let text_of = |article: Option<usize>| -> Option<String> {
        let node = articles.ids[article?].node;
        let text = *graph.follow(node, &[schema::TEXT]).first()?;
        graph.value(text, Norm::Local).ok()
    };
    let one = |c: &Compared, node: u32, id: &str| -> Result<Option<String>> {
        Ok(graph.values_of(node, id, &c.graph)?.into_iter().next())
    };
    let missing = |id: &str| {
        format!("evidence '{id}': in the graph, its article, quote or offsets are missing")
    };
    // Article by article, so that one article's text is in memory at a time; each evidence
    // as its article's and its own position in their groups' ids (an article the graph does
    // not hold has none, and no text).
    let mut by_article: Vec<(Option<usize>, usize)> = Vec::new();
    for (n, e) in evidence.ids.iter().enumerate() {
        graph.pace(n);
        match one(article, e.node, &e.id)? {
            Some(a) => by_article.push((articles.position(&a), n)),
            None => report.drift.push(missing(&e.id)),
        }
    }
    by_article.sort_unstable();
    let mut text: Option<(Option<usize>, Option<Vec<char>>)> = None;
    for (n, (article, at)) in by_article.into_iter().enumerate() {
        graph.pace(n);
        let GraphId { id, node, .. } = &evidence.ids[at];
        let (id, node) = (id.as_ref(), *node);
        let (Some(quote), Some(start), Some(end)) = (
            one(quote, node, id)?,
            one(start, node, id)?,
            one(end, node, id)?,
        ) else {
            report.drift.push(missing(id));
            continue;
        };
        report.quotes_checked += 1;
        if text.as_ref().is_none_or(|(a, _)| *a != article) {
            let chars = text_of(article).map(|t| t.chars().collect());
            text = Some((article, chars));
        }
        let chars = text.as_ref().and_then(|(_, t)| t.as_ref());
        let at = chars.and_then(|t| {
            let (s, e): (usize, usize) = (start.parse().ok()?, end.parse().ok()?);
            Some(t.get(s..e)?.iter().collect::<String>())
        });
        if at.as_deref() != Some(quote.as_str()) {
            report.drift.push(format!(
                "evidence '{id}': in the graph, the quote is not at its offsets in the article"
            ));
        }
    }
    Ok(())
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}
