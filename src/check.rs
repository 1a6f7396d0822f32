//! `dossier check`: proves the two stores hold the same knowledge. Both are read into one form,
//! (kind, id, field, value) facts normalised as the named queries are (IRIs to ids, literals to
//! their lexical value), and compared field by field; every evidence quote is checked against
//! its article's text at its offsets, in each store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{Context, Result};
use rusqlite::Connection;
use std::io::BufReader;
use std::path::Path;

use sophia::api::source::TripleSource;
use sophia::api::term::{Term, TermKind};
use sophia::api::triple::Triple;

use crate::mapping::{self, Field, Scope, Shape};
use crate::model::{DatePrecision, RelationType};
use crate::vocab::{self, dcterms, oa, prov, rdf, rdfs, schema};

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
struct Group {
    name: &'static str,
    table: &'static str,
    /// Indices into [`classes`] of the resources that belong to it.
    classes: Vec<usize>,
}

/// The classes that make a resource belong to a group, once each.
fn classes() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = mapping::kinds().map(|k| k.class).collect();
    out.extend([oa::ANNOTATION, schema::DATASET]);
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
    out
}

const KNOWLEDGE_BASE: &str = "knowledge_base";

/// The SQL expression of a field's value: a date with its precision, as the graph's literal
/// reads (see [`dated`]).
fn sql_expression(f: &Field) -> String {
    match f.shape {
        Shape::Date { .. } => format!("{c} || ' (' || {c}_precision || ')'", c = f.column),
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
                "SELECT DISTINCT e.record_id, e.article_id FROM evidence e \
                 JOIN actors a ON a.id = e.record_id"
                    .to_owned(),
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

/// Values of each (compared field, id), from one store. Vectors, not sets: a field's values
/// are compared as multisets, so a repeated value counts.
type Grouped = BTreeMap<(usize, String), Vec<String>>;

/// What `check` found.
#[derive(Debug, Default)]
pub struct Report {
    /// (kind, records in the database, resources in the graph)
    pub counts: Vec<(String, usize, usize)>,
    pub fields_compared: usize,
    pub quotes_checked: usize,
    /// Each difference, naming the record and the field.
    pub drift: Vec<String>,
    /// Every triple of the Turtle, hashed ([`triple_hash`]), sorted, once each.
    pub turtle_triples: Vec<u64>,
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

/// An object in the graph index: a node (IRI or blank node, interned) or a literal's value.
#[derive(Clone)]
enum Obj {
    Node(u32),
    Lit(String),
}

/// The built graph, reduced to what the compared fields need.
struct GraphIndex {
    names: Vec<String>,
    nodes: HashMap<String, u32>,
    /// The predicates the compared fields follow, sorted (an edge stores its index here).
    predicates: Vec<String>,
    classes: Vec<&'static str>,
    ids: HashMap<u32, String>,
    /// Index into `classes` of each typed resource.
    class_of: HashMap<u32, usize>,
    /// (subject, predicate slot, object), sorted by subject and predicate once read: one
    /// allocation for all edges rather than a vector per (subject, predicate).
    edges: Vec<(u32, u16, Obj)>,
    edge_keys: Vec<(u32, u16)>,
    edge_objects: Vec<Obj>,
    /// Every triple read, hashed.
    hashes: Vec<u64>,
}

impl GraphIndex {
    fn read(turtle: &Path, compared: &[Compared]) -> Result<GraphIndex> {
        let file = std::fs::File::open(turtle).with_context(|| {
            format!(
                "cannot open '{}': build the knowledge base with `dossier build`",
                turtle.display()
            )
        })?;
        let mut predicates: Vec<String> = Vec::new();
        for c in compared {
            let mut add = |p: &str| predicates.push(p.to_owned());
            match &c.graph {
                FromGraph::Path(path, _) => path.iter().for_each(|p| add(p)),
                FromGraph::InArticle(path) => path.iter().for_each(|p| add(p)),
                FromGraph::Rows { via, parts } => {
                    add(via);
                    parts.iter().flat_map(|p| p.iter()).for_each(|p| add(p));
                }
                FromGraph::CharCount(p) => add(p),
                FromGraph::Links(links) => links.iter().for_each(|p| add(p)),
                FromGraph::IdSuffix | FromGraph::Kind | FromGraph::OwnIri => {}
            }
        }
        predicates.sort_unstable();
        predicates.dedup();
        let mut g = GraphIndex {
            names: Vec::new(),
            nodes: HashMap::new(),
            predicates,
            classes: classes(),
            ids: HashMap::new(),
            class_of: HashMap::new(),
            edges: Vec::new(),
            edge_keys: Vec::new(),
            edge_objects: Vec::new(),
            hashes: Vec::new(),
        };
        sophia::turtle::parser::turtle::parse_bufread(BufReader::with_capacity(1 << 20, file))
            .for_each_triple(|t| g.add(&t.s(), &t.p(), &t.o()))
            .map_err(|e| {
                anyhow::anyhow!(
                    "the built Turtle file cannot be parsed ({e}): rebuild it with `dossier build`"
                )
            })?;
        let mut edges = std::mem::take(&mut g.edges);
        edges.sort_by_key(|(s, p, _)| (*s, *p));
        (g.edge_keys, g.edge_objects) = edges.into_iter().map(|(s, p, o)| ((s, p), o)).unzip();
        Ok(g)
    }

    fn add<T: Term>(&mut self, s: &T, p: &T, o: &T) {
        self.hashes.push(triple_hash([s, p, o]));
        let Some(p) = p.iri() else { return };
        let p = p.as_str();
        if p == dcterms::IDENTIFIER {
            if let (Some(s), Some(v)) = (self.node_of(s), o.lexical_form()) {
                self.ids.insert(s, v.to_string());
            }
        } else if p == rdf::TYPE {
            let class = o
                .iri()
                .and_then(|class| self.classes.iter().position(|c| *c == class.as_str()));
            if let (Some(k), Some(s)) = (class, self.node_of(s)) {
                self.class_of.insert(s, k);
                if self.classes[k] == schema::DATASET {
                    // The knowledge base's row has id 1; its node has no identifier.
                    self.ids.insert(s, "1".to_owned());
                }
            }
        } else if let Some(slot) = self.predicate(p) {
            let Some(s) = self.node_of(s) else { return };
            let obj = match o.kind() {
                TermKind::Literal => {
                    let lexical = o.lexical_form().map(|l| l.to_string()).unwrap_or_default();
                    let precision = o
                        .datatype()
                        .and_then(|d| mapping::precision_of_datatype(d.as_str()));
                    Obj::Lit(match precision {
                        Some(precision) => dated(&lexical, precision),
                        None => lexical,
                    })
                }
                _ => match self.node_of(o) {
                    Some(n) => Obj::Node(n),
                    None => return,
                },
            };
            self.edges.push((s, slot as u16, obj));
        }
    }

    /// The objects of (subject, predicate slot), in the order they were read.
    fn objects(&self, subject: u32, slot: usize) -> &[Obj] {
        let key = (subject, slot as u16);
        let start = self.edge_keys.partition_point(|k| *k < key);
        let len = self.edge_keys[start..].partition_point(|k| *k == key);
        &self.edge_objects[start..start + len]
    }

    /// The objects reached from `node` along `path`.
    fn follow(&self, node: u32, path: &[&str]) -> Vec<Obj> {
        let mut frontier = vec![Obj::Node(node)];
        for p in path {
            let slot = self.predicate(p);
            frontier = frontier
                .iter()
                .filter_map(|o| match (o, slot) {
                    (Obj::Node(n), Some(p)) => Some(self.objects(*n, p)),
                    _ => None,
                })
                .flatten()
                .cloned()
                .collect();
        }
        frontier
    }

    fn predicate(&self, iri: &str) -> Option<usize> {
        self.predicates
            .binary_search_by(|p| Ord::cmp(p.as_str(), iri))
            .ok()
    }

    fn node_of<T: Term>(&mut self, t: &T) -> Option<u32> {
        let name = match t.kind() {
            TermKind::Iri => t.iri()?.as_str().to_owned(),
            TermKind::BlankNode => format!("_:{}", t.bnode_id()?.as_str()),
            _ => return None,
        };
        if let Some(&n) = self.nodes.get(&name) {
            return Some(n);
        }
        let n = self.names.len() as u32;
        self.names.push(name.clone());
        self.nodes.insert(name, n);
        Some(n)
    }

    /// The normalised value: a node's id (its IRI's last segment) or whole IRI, a literal's
    /// lexical form.
    fn value(&self, o: &Obj, norm: Norm) -> String {
        match (o, norm) {
            (Obj::Node(n), Norm::Local) => vocab::local_name(&self.names[*n as usize]).to_owned(),
            (Obj::Node(n), Norm::Full) => self.names[*n as usize].clone(),
            (Obj::Lit(v), _) => v.clone(),
        }
    }

    /// The kind a class index stands for, as `records.kind` names it.
    fn kind_name(&self, class: usize) -> Option<&'static str> {
        let class = self.classes[class];
        mapping::kinds()
            .find(|k| k.class == class)
            .map(|k| k.kind.as_str())
    }

    /// The values of one compared field for one resource.
    fn values_of(&self, node: u32, id: &str, how: &FromGraph) -> Vec<String> {
        let class = self.class_of.get(&node).copied();
        match how {
            FromGraph::Path(path, norm) => self
                .follow(node, path)
                .iter()
                .map(|o| self.value(o, *norm))
                .collect(),
            FromGraph::InArticle(path) => {
                let in_article = class
                    .and_then(|c| mapping::kinds().find(|k| k.class == self.classes[c]))
                    .is_some_and(|k| k.scope == Scope::InArticle);
                if in_article {
                    self.follow(node, path)
                        .iter()
                        .map(|o| self.value(o, Norm::Local))
                        .collect()
                } else {
                    Vec::new()
                }
            }
            FromGraph::Rows { via, parts } => self
                .follow(node, &[via])
                .iter()
                .filter_map(|row| match row {
                    Obj::Node(n) => Some(tuple(parts.iter().map(|p| {
                        self.follow(*n, p)
                            .first()
                            .map(|o| self.value(o, Norm::Local))
                    }))),
                    Obj::Lit(_) => None,
                })
                .collect(),
            FromGraph::CharCount(p) => self
                .follow(node, &[p])
                .iter()
                .map(|o| self.value(o, Norm::Local).chars().count().to_string())
                .collect(),
            FromGraph::IdSuffix => id
                .rsplit('.')
                .next()
                .map(str::to_owned)
                .into_iter()
                .collect(),
            FromGraph::Kind => class
                .and_then(|c| self.kind_name(c))
                .map(str::to_owned)
                .into_iter()
                .collect(),
            FromGraph::OwnIri => vec![self.names[node as usize].clone()],
            FromGraph::Links(predicates) => predicates
                .iter()
                .flat_map(|p| {
                    let link = vocab::local_name(p);
                    self.follow(node, &[p.as_str()])
                        .iter()
                        .map(|o| format!("{link} {}", self.value(o, Norm::Local)))
                        .collect::<Vec<_>>()
                })
                .collect(),
        }
    }
}

/// A row of several values as one comparable value; a missing part is `∅`.
fn tuple(parts: impl Iterator<Item = Option<String>>) -> String {
    let parts: Vec<String> = parts.map(|p| p.unwrap_or_else(|| "∅".to_owned())).collect();
    format!("{parts:?}")
}

/// Compares the database and the graph of one knowledge base.
pub fn check(conn: &Connection, turtle: &Path) -> Result<Report> {
    check_with(conn, turtle, &crate::progress::Silent)
}

/// A 64-bit hash of a triple's terms (kind, IRI, blank node label, or a literal's text,
/// datatype and language), the same whichever parser read it.
fn triple_hash<T: Term>(terms: [&T; 3]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for t in terms {
        match t.kind() {
            TermKind::Iri => (0u8, t.iri().map(|i| i.as_str().to_owned())).hash(&mut h),
            TermKind::BlankNode => (1u8, t.bnode_id().map(|b| b.as_str().to_owned())).hash(&mut h),
            _ => {
                2u8.hash(&mut h);
                t.lexical_form().map(|l| l.to_string()).hash(&mut h);
                t.datatype().map(|d| d.as_str().to_owned()).hash(&mut h);
                t.language_tag()
                    .map(|l| l.as_str().to_ascii_lowercase())
                    .hash(&mut h);
            }
        }
    }
    h.finish()
}

fn sorted_unique(mut hashes: Vec<u64>) -> Vec<u64> {
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The N-Quads file holds the Turtle's triples (in named graphs), no more and no fewer. The
/// Turtle's triples were hashed when `check` read it.
pub fn compare_graph_files(report: &mut Report, nquads: &Path, index: &Path) -> Result<()> {
    use sophia::api::quad::Quad;
    use sophia::api::source::QuadSource;
    let file = std::fs::File::open(nquads)
        .with_context(|| format!("cannot open '{}'", nquads.display()))?;
    let mut hashes = Vec::new();
    let mut quad_hashes = Vec::new();
    let mut encoded: [Vec<u8>; 4] = Default::default();
    sophia::turtle::parser::nq::parse_bufread(BufReader::with_capacity(1 << 20, file))
        .for_each_quad(|q| {
            hashes.push(triple_hash([&q.s(), &q.p(), &q.o()]));
            crate::rdf::encode_term(&q.s(), &mut encoded[0]);
            crate::rdf::encode_term(&q.p(), &mut encoded[1]);
            crate::rdf::encode_term(&q.o(), &mut encoded[2]);
            let graph = q.g().map(|g| {
                crate::rdf::encode_term(&g, &mut encoded[3]);
            });
            quad_hashes.push(crate::index::quad_hash(
                &encoded[0],
                &encoded[1],
                &encoded[2],
                graph.map(|()| encoded[3].as_slice()),
            ));
        })
        .map_err(|e| anyhow::anyhow!("'{}' cannot be parsed: {e}", nquads.display()))?;
    let from_nquads = sorted_unique(hashes);
    let from_turtle = &report.turtle_triples;
    let only = |a: &[u64], b: &[u64]| a.iter().filter(|h| b.binary_search(h).is_err()).count();
    if *from_turtle != from_nquads {
        let message = format!(
            "the N-Quads file and the Turtle file hold different triples: {} only in the N-Quads, \
             {} only in the Turtle",
            only(&from_nquads, from_turtle),
            only(from_turtle, &from_nquads)
        );
        report.drift.push(message);
    }
    let quads_in_nquads = sorted_unique(quad_hashes);
    let index = crate::index::Index::open(index)?;
    let mut from_index = Vec::with_capacity(index.len());
    for [s, p, o, g] in index.quad_ids() {
        let graph = if g == crate::index::DEFAULT_GRAPH {
            None
        } else {
            Some(index.encoded_term(g)?)
        };
        from_index.push(crate::index::quad_hash(
            index.encoded_term(s)?,
            index.encoded_term(p)?,
            index.encoded_term(o)?,
            graph,
        ));
    }
    let from_index = sorted_unique(from_index);
    if from_index != quads_in_nquads {
        report.drift.push(format!(
            "the indexed graph and the N-Quads file hold different quads: {} only in the index, \
             {} only in the N-Quads",
            only(&from_index, &quads_in_nquads),
            only(&quads_in_nquads, &from_index)
        ));
    }
    Ok(())
}

/// Ids of each group, from one store.
type Ids<T> = BTreeMap<&'static str, BTreeMap<String, T>>;

/// Every group's ids and every compared field's values, from the database.
fn read_database(
    conn: &Connection,
    groups: &[Group],
    compared: &[Compared],
) -> Result<(Ids<()>, Grouped)> {
    let mut ids = Ids::new();
    for g in groups {
        let mut stmt = conn.prepare(&format!("SELECT CAST(id AS TEXT) FROM {}", g.table))?;
        let found = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, ())))?
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        ids.insert(g.name, found);
    }
    let mut grouped = Grouped::new();
    for (i, c) in compared.iter().enumerate() {
        let mut stmt = conn
            .prepare(&c.sql)
            .with_context(|| format!("reading {}.{} from the database", c.kind, c.field))?;
        let width = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: String = row
                .get::<_, rusqlite::types::Value>(0)
                .map(|v| sql_value(v).unwrap_or_default())?;
            let value = if width == 2 {
                sql_value(row.get(1)?)
            } else {
                let parts = (1..width)
                    .map(|c| row.get::<_, rusqlite::types::Value>(c).map(sql_value))
                    .collect::<Result<Vec<_>, _>>()?;
                Some(tuple(parts.into_iter()))
            };
            if let Some(v) = value {
                grouped.entry((i, id)).or_default().push(v);
            }
        }
    }
    Ok((ids, grouped))
}

/// Every group's ids and every compared field's values, from the graph.
fn read_graph(graph: &GraphIndex, groups: &[Group], compared: &[Compared]) -> (Ids<u32>, Grouped) {
    let mut ids = Ids::new();
    for g in groups {
        ids.insert(g.name, BTreeMap::new());
    }
    for (&node, &class) in &graph.class_of {
        let Some(id) = graph.ids.get(&node) else {
            continue;
        };
        for g in groups.iter().filter(|g| g.classes.contains(&class)) {
            ids.get_mut(g.name)
                .expect("every group")
                .insert(id.clone(), node);
        }
    }
    let mut grouped = Grouped::new();
    for (i, c) in compared.iter().enumerate() {
        for (id, &node) in &ids[c.kind] {
            let values = graph.values_of(node, id, &c.graph);
            if !values.is_empty() {
                grouped.insert((i, id.clone()), values);
            }
        }
    }
    (ids, grouped)
}

/// [`check`], reporting each stage.
pub fn check_with(
    conn: &Connection,
    turtle: &Path,
    progress: &dyn crate::progress::Progress,
) -> Result<Report> {
    let groups = groups();
    let compared = compared();
    progress.stage("reading the database", 0);
    let (sql_ids, mut sql_g) = read_database(conn, &groups, &compared)?;
    progress.stage("reading the graph", 0);
    let mut graph = GraphIndex::read(turtle, &compared)?;
    let (rdf_ids, mut rdf_g) = read_graph(&graph, &groups, &compared);

    progress.stage("comparing", 0);
    let mut report = Report {
        turtle_triples: sorted_unique(std::mem::take(&mut graph.hashes)),
        ..Report::default()
    };
    for g in &groups {
        let (in_sql, in_rdf) = (&sql_ids[g.name], &rdf_ids[g.name]);
        report
            .counts
            .push((g.name.to_string(), in_sql.len(), in_rdf.len()));
        for id in in_sql.keys().filter(|id| !in_rdf.contains_key(*id)) {
            report.drift.push(format!(
                "{} '{id}': in the database, missing from the graph",
                g.name
            ));
        }
        for id in in_rdf.keys().filter(|id| !in_sql.contains_key(*id)) {
            report.drift.push(format!(
                "{} '{id}': in the graph, missing from the database",
                g.name
            ));
        }
    }
    compare_fields(
        &compared,
        &sql_ids,
        &rdf_ids,
        &mut sql_g,
        &mut rdf_g,
        &mut report,
    );
    check_record_kinds(conn, &mut report)?;
    check_quotes(conn, &graph, &compared, &rdf_ids, &rdf_g, &mut report)?;
    Ok(report)
}

/// Field by field, as multisets: each difference names the record and the field once.
fn compare_fields(
    compared: &[Compared],
    sql_ids: &Ids<()>,
    rdf_ids: &Ids<u32>,
    sql_g: &mut Grouped,
    rdf_g: &mut Grouped,
    report: &mut Report,
) {
    for values in sql_g.values_mut().chain(rdf_g.values_mut()) {
        values.sort_unstable();
    }
    let empty = Vec::new();
    let only_in_graph = rdf_g.keys().filter(|k| !sql_g.contains_key(*k));
    let keys: BTreeSet<&(usize, String)> = sql_g.keys().chain(only_in_graph).collect();
    for key in keys {
        let (i, id) = key;
        let c = &compared[*i];
        if !(sql_ids[c.kind].contains_key(id) && rdf_ids[c.kind].contains_key(id)) {
            continue;
        }
        report.fields_compared += 1;
        let a = sql_g.get(key).unwrap_or(&empty);
        let b = rdf_g.get(key).unwrap_or(&empty);
        if a != b {
            report.drift.push(format!(
                "{} '{id}', field {}: database {}, graph {}",
                c.kind,
                c.field,
                show(a),
                show(b)
            ));
        }
    }
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

/// Every quote still sits at its offsets in its article, in each store.
fn check_quotes(
    conn: &Connection,
    graph: &GraphIndex,
    compared: &[Compared],
    rdf_ids: &Ids<u32>,
    rdf_g: &Grouped,
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
            .position(|c| c.kind == "evidence" && c.field == name)
            .expect("evidence fields are compared")
    };
    let (article, quote, start, end) = (
        field("article"),
        field("quote"),
        field("start"),
        field("end"),
    );
    let text_of = |article: &str| -> Option<String> {
        let node = *rdf_ids["article"].get(article)?;
        graph
            .follow(node, &[schema::TEXT])
            .first()
            .map(|o| graph.value(o, Norm::Local))
    };
    let mut texts: HashMap<String, Option<Vec<char>>> = HashMap::new();
    for id in rdf_ids["evidence"].keys() {
        let one = |i: usize| rdf_g.get(&(i, id.clone())).and_then(|s| s.first().cloned());
        let (Some(article), Some(quote), Some(start), Some(end)) =
            (one(article), one(quote), one(start), one(end))
        else {
            report.drift.push(format!(
                "evidence '{id}': in the graph, its article, quote or offsets are missing"
            ));
            continue;
        };
        report.quotes_checked += 1;
        let text = texts
            .entry(article.clone())
            .or_insert_with(|| text_of(&article).map(|t| t.chars().collect()));
        let at = text.as_ref().and_then(|t| {
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
