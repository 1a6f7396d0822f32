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

use crate::vocab::{self, dcterms, dos, oa, prov, rdf, rdfs, schema, skos};

/// One field of one kind of record: how to read it from each store.
struct Field {
    kind: &'static str,
    field: &'static str,
    /// `SELECT id, value ...`: one row per value.
    sql: &'static str,
    /// Predicates to follow from the record's resource to the value.
    path: &'static [&'static str],
}

macro_rules! f {
    ($kind:literal, $class:expr, $field:literal, $sql:literal, [$($p:expr),+]) => {
        Field { kind: $kind, field: $field, sql: $sql, path: &[$($p),+] }
    };
}

const FIELDS: &[Field] = &[
    f!(
        "article",
        schema::ARTICLE,
        "title",
        "SELECT id, title FROM articles",
        [dcterms::TITLE]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "title_note",
        "SELECT id, title_note FROM articles",
        [dos::TITLE_NOTE]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "language",
        "SELECT id, language FROM articles",
        [dcterms::LANGUAGE]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "genre",
        "SELECT id, genre FROM articles",
        [schema::GENRE]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "author",
        "SELECT id, author FROM articles",
        [dcterms::CREATOR]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "outlet",
        "SELECT id, outlet FROM articles",
        [dcterms::PUBLISHER]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "published",
        "SELECT id, published FROM articles",
        [dcterms::ISSUED]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "url",
        "SELECT id, url FROM articles",
        [schema::URL]
    ),
    f!(
        "article",
        schema::ARTICLE,
        "text",
        "SELECT id, text FROM articles",
        [schema::TEXT]
    ),
    f!(
        "actor",
        dos::ACTOR,
        "name",
        "SELECT id, name FROM actors",
        [rdfs::LABEL]
    ),
    f!(
        "actor",
        dos::ACTOR,
        "kind",
        "SELECT id, kind FROM actors",
        [dos::ACTOR_KIND]
    ),
    f!(
        "actor",
        dos::ACTOR,
        "description",
        "SELECT id, description FROM actors",
        [dcterms::DESCRIPTION]
    ),
    f!(
        "actor",
        dos::ACTOR,
        "alias",
        "SELECT actor_id, alias FROM actor_aliases",
        [skos::ALT_LABEL]
    ),
    f!(
        "role",
        dos::ROLE,
        "label",
        "SELECT id, label FROM records WHERE kind = 'role'",
        [rdfs::LABEL]
    ),
    f!(
        "role",
        dos::ROLE,
        "holder",
        "SELECT id, holder_id FROM roles",
        [dos::HELD_BY]
    ),
    f!(
        "role",
        dos::ROLE,
        "title",
        "SELECT id, title FROM roles",
        [schema::ROLE_NAME]
    ),
    f!(
        "role",
        dos::ROLE,
        "organization",
        "SELECT id, organization_id FROM roles",
        [dos::ROLE_IN]
    ),
    f!(
        "event",
        dos::EVENT,
        "label",
        "SELECT id, label FROM events",
        [rdfs::LABEL]
    ),
    f!(
        "event",
        dos::EVENT,
        "description",
        "SELECT id, description FROM events",
        [dcterms::DESCRIPTION]
    ),
    f!(
        "event",
        dos::EVENT,
        "date",
        "SELECT id, date FROM events",
        [dcterms::DATE]
    ),
    f!(
        "event",
        dos::EVENT,
        "date_precision",
        "SELECT id, date_precision FROM events",
        [dos::DATE_PRECISION]
    ),
    f!(
        "event",
        dos::EVENT,
        "when",
        "SELECT id, when_text FROM events",
        [dos::WHEN]
    ),
    f!(
        "event",
        dos::EVENT,
        "place",
        "SELECT id, place FROM events",
        [schema::LOCATION]
    ),
    f!(
        "event",
        dos::EVENT,
        "participant",
        "SELECT event_id, actor_id FROM event_participants",
        [dos::PARTICIPATION_PROP, dos::AGENT]
    ),
    f!(
        "event",
        dos::EVENT,
        "participant_role",
        "SELECT event_id, role FROM event_participants",
        [dos::PARTICIPATION_PROP, dos::PARTICIPANT_ROLE]
    ),
    f!(
        "event",
        dos::EVENT,
        "quantity",
        "SELECT event_id, value FROM event_quantities",
        [dos::QUANTITY, schema::VALUE]
    ),
    f!(
        "event",
        dos::EVENT,
        "measure",
        "SELECT event_id, measure FROM event_quantities",
        [dos::QUANTITY, schema::NAME]
    ),
    f!(
        "agreement",
        dos::AGREEMENT,
        "label",
        "SELECT id, label FROM agreements",
        [rdfs::LABEL]
    ),
    f!(
        "agreement",
        dos::AGREEMENT,
        "kind",
        "SELECT id, kind FROM agreements",
        [dos::AGREEMENT_KIND]
    ),
    f!(
        "agreement",
        dos::AGREEMENT,
        "instrument",
        "SELECT id, instrument FROM agreements",
        [dos::INSTRUMENT]
    ),
    f!(
        "agreement",
        dos::AGREEMENT,
        "purpose",
        "SELECT id, purpose FROM agreements",
        [dos::PURPOSE]
    ),
    f!(
        "agreement",
        dos::AGREEMENT,
        "status",
        "SELECT id, status FROM agreements",
        [dos::AGREEMENT_STATUS]
    ),
    f!(
        "agreement",
        dos::AGREEMENT,
        "party",
        "SELECT agreement_id, actor_id FROM agreement_parties",
        [dos::PARTY]
    ),
    f!(
        "policy",
        dos::POLICY,
        "label",
        "SELECT id, label FROM policies",
        [rdfs::LABEL]
    ),
    f!(
        "policy",
        dos::POLICY,
        "kind",
        "SELECT id, kind FROM policies",
        [dos::POLICY_KIND]
    ),
    f!(
        "policy",
        dos::POLICY,
        "issuer",
        "SELECT id, issuer_id FROM policies",
        [dos::ISSUER]
    ),
    f!(
        "policy",
        dos::POLICY,
        "rate_percent",
        "SELECT id, rate_percent FROM policies",
        [dos::RATE_PERCENT]
    ),
    f!(
        "policy",
        dos::POLICY,
        "status",
        "SELECT id, status FROM policies",
        [dos::POLICY_STATUS]
    ),
    f!(
        "policy",
        dos::POLICY,
        "status_duration",
        "SELECT id, status_duration FROM policies",
        [dos::STATUS_DURATION]
    ),
    f!(
        "policy",
        dos::POLICY,
        "results",
        "SELECT id, results FROM policies",
        [dos::RESULTS]
    ),
    f!(
        "policy",
        dos::POLICY,
        "target",
        "SELECT policy_id, actor_id FROM policy_targets",
        [dos::TARGET]
    ),
    f!(
        "condition",
        dos::CONDITION,
        "label",
        "SELECT id, label FROM conditions",
        [rdfs::LABEL]
    ),
    f!(
        "condition",
        dos::CONDITION,
        "stated_by",
        "SELECT id, stated_by_id FROM conditions",
        [dos::STATED_BY]
    ),
    f!(
        "condition",
        dos::CONDITION,
        "constrains",
        "SELECT id, constrains_id FROM conditions",
        [dos::CONSTRAINS]
    ),
    f!(
        "condition",
        dos::CONDITION,
        "constraint_kind",
        "SELECT id, constraint_kind FROM conditions",
        [dos::CONSTRAINT_KIND]
    ),
    f!(
        "condition",
        dos::CONDITION,
        "value",
        "SELECT id, value FROM conditions",
        [dos::CONSTRAINT_VALUE]
    ),
    f!(
        "condition",
        dos::CONDITION,
        "exception",
        "SELECT id, exception FROM conditions",
        [dos::EXCEPTION]
    ),
    f!(
        "claim",
        dos::CLAIM,
        "label",
        "SELECT id, label FROM claims",
        [rdfs::LABEL]
    ),
    f!(
        "claim",
        dos::CLAIM,
        "kind",
        "SELECT id, kind FROM claims",
        [dos::CLAIM_KIND]
    ),
    f!(
        "claim",
        dos::CLAIM,
        "claimant",
        "SELECT id, claimant FROM claims",
        [dos::CLAIMANT]
    ),
    f!(
        "claim",
        dos::CLAIM,
        "about",
        "SELECT claim_id, record_id FROM claim_subjects",
        [dos::ABOUT]
    ),
    f!(
        "relation",
        dos::RELATION,
        "subject",
        "SELECT id, subject_id FROM relations",
        [rdf::SUBJECT]
    ),
    f!(
        "relation",
        dos::RELATION,
        "predicate",
        "SELECT id, predicate FROM relations",
        [rdf::PREDICATE]
    ),
    f!(
        "relation",
        dos::RELATION,
        "object",
        "SELECT id, object_id FROM relations",
        [rdf::OBJECT]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "record",
        "SELECT id, record_id FROM evidence",
        [oa::HAS_BODY]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "article",
        "SELECT id, article_id FROM evidence",
        [prov::WAS_DERIVED_FROM]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "quote",
        "SELECT id, quote FROM evidence",
        [oa::HAS_TARGET, oa::HAS_SELECTOR, oa::EXACT]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "start",
        "SELECT id, start_offset FROM evidence",
        [oa::HAS_TARGET, oa::HAS_SELECTOR, oa::START]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "end",
        "SELECT id, end_offset FROM evidence",
        [oa::HAS_TARGET, oa::HAS_SELECTOR, oa::END]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "asserted_by",
        "SELECT id, asserted_by FROM evidence",
        [prov::WAS_ATTRIBUTED_TO]
    ),
    f!(
        "evidence",
        oa::ANNOTATION,
        "modality",
        "SELECT id, modality FROM evidence",
        [dos::MODALITY]
    ),
];

/// Every kind of record with its table and class, for membership and counts.
const KINDS: &[(&str, &str, &str)] = &[
    ("article", "articles", schema::ARTICLE),
    ("actor", "actors", dos::ACTOR),
    ("role", "roles", dos::ROLE),
    ("event", "events", dos::EVENT),
    ("agreement", "agreements", dos::AGREEMENT),
    ("policy", "policies", dos::POLICY),
    ("condition", "conditions", dos::CONDITION),
    ("claim", "claims", dos::CLAIM),
    ("relation", "relations", dos::RELATION),
    ("evidence", "evidence", oa::ANNOTATION),
];

/// Values of each (kind, id, field), from one store.
/// (Vectors, not sets: most fields have one value, and a set per field costs far more memory.)
type Grouped = BTreeMap<(&'static str, String, &'static str), Vec<String>>;

/// Sorts and deduplicates every field's values, so that two stores' values compare as sets.
fn as_sets(g: &mut Grouped) {
    for values in g.values_mut() {
        values.sort_unstable();
        values.dedup();
    }
}

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

/// An object in the graph index: a node (IRI or blank node, interned) or a literal's value.
#[derive(Clone)]
enum Obj {
    Node(u32),
    Lit(String),
}

/// The built graph, reduced to what the fields need.
struct GraphIndex {
    names: Vec<String>,
    nodes: HashMap<String, u32>,
    /// The predicates the fields follow, sorted (an edge stores its index here).
    predicates: Vec<&'static str>,
    ids: HashMap<u32, String>,
    /// Index into KINDS of each typed resource.
    kind_of: HashMap<u32, usize>,
    /// (subject, predicate slot, object), sorted by subject and predicate once read: one
    /// allocation for all edges rather than a vector per (subject, predicate).
    edges: Vec<(u32, u16, Obj)>,
    edge_keys: Vec<(u32, u16)>,
    edge_objects: Vec<Obj>,
}

impl GraphIndex {
    fn read(turtle: &Path) -> Result<GraphIndex> {
        let file = std::fs::File::open(turtle).with_context(|| {
            format!(
                "cannot open '{}': build the knowledge base with `dossier build`",
                turtle.display()
            )
        })?;
        let mut predicates: Vec<&'static str> =
            FIELDS.iter().flat_map(|f| f.path.iter().copied()).collect();
        predicates.push(schema::TEXT);
        predicates.sort_unstable();
        predicates.dedup();
        let mut g = GraphIndex {
            names: Vec::new(),
            nodes: HashMap::new(),
            predicates,
            ids: HashMap::new(),
            kind_of: HashMap::new(),
            edges: Vec::new(),
            edge_keys: Vec::new(),
            edge_objects: Vec::new(),
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
        let Some(p) = p.iri() else { return };
        let p = p.as_str();
        if p == dcterms::IDENTIFIER {
            if let (Some(s), Some(v)) = (self.node_of(s), o.lexical_form()) {
                self.ids.insert(s, v.to_string());
            }
        } else if p == rdf::TYPE {
            let kind = o
                .iri()
                .and_then(|class| KINDS.iter().position(|(_, _, c)| *c == class.as_str()));
            if let (Some(k), Some(s)) = (kind, self.node_of(s)) {
                self.kind_of.insert(s, k);
            }
        } else if let Some(slot) = self.predicate(p) {
            let Some(s) = self.node_of(s) else { return };
            let obj = match o.kind() {
                TermKind::Literal => {
                    Obj::Lit(o.lexical_form().map(|l| l.to_string()).unwrap_or_default())
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

    fn predicate(&self, iri: &str) -> Option<usize> {
        self.predicates.binary_search(&iri).ok()
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

    /// The normalised value: a node's id (its IRI's last segment), a literal's lexical form.
    fn value(&self, o: &Obj) -> String {
        match o {
            Obj::Node(n) => vocab::local_name(&self.names[*n as usize]).to_owned(),
            Obj::Lit(v) => v.clone(),
        }
    }
}

/// Compares the database and the graph of one knowledge base.
pub fn check(conn: &Connection, turtle: &Path) -> Result<Report> {
    check_with(conn, turtle, &crate::progress::Silent)
}

/// [`check`], reporting each stage.
pub fn check_with(
    conn: &Connection,
    turtle: &Path,
    progress: &dyn crate::progress::Progress,
) -> Result<Report> {
    progress.stage("reading the database", 0);
    let mut report = Report::default();

    // The database, as facts.
    let mut sql_ids: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (kind, table, _) in KINDS {
        let mut stmt = conn.prepare(&format!("SELECT id FROM {table}"))?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<BTreeSet<_>, _>>()?;
        sql_ids.insert(kind, ids);
    }
    let mut sql_g = Grouped::new();
    for f in FIELDS {
        let mut stmt = conn
            .prepare(f.sql)
            .with_context(|| format!("reading {}.{} from the database", f.kind, f.field))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, rusqlite::types::Value>(1)?,
            ))
        })?;
        for row in rows {
            let (id, v) = row?;
            if let Some(v) = sql_value(v) {
                sql_g.entry((f.kind, id, f.field)).or_default().push(v);
            }
        }
    }

    progress.stage("reading the graph", 0);
    // The graph, as facts: stream the Turtle once into a compact index (interned nodes, only
    // the predicates the fields follow), then follow each field's path.
    let graph = GraphIndex::read(turtle)?;
    let mut rdf_ids: BTreeMap<&str, BTreeMap<String, u32>> = BTreeMap::new();
    for (&node, &kind) in &graph.kind_of {
        if let Some(id) = graph.ids.get(&node) {
            rdf_ids
                .entry(KINDS[kind].0)
                .or_default()
                .insert(id.clone(), node);
        }
    }
    let mut rdf_g = Grouped::new();
    for f in FIELDS {
        let Some(resources) = rdf_ids.get(f.kind) else {
            continue;
        };
        let path: Vec<Option<usize>> = f.path.iter().map(|p| graph.predicate(p)).collect();
        for (id, &node) in resources {
            let mut frontier = vec![Obj::Node(node)];
            for p in &path {
                frontier = frontier
                    .iter()
                    .filter_map(|o| match (o, p) {
                        (Obj::Node(n), Some(p)) => Some(graph.objects(*n, *p)),
                        _ => None,
                    })
                    .flatten()
                    .cloned()
                    .collect();
            }
            for v in frontier {
                rdf_g
                    .entry((f.kind, id.clone(), f.field))
                    .or_default()
                    .push(graph.value(&v));
            }
        }
    }
    let text_of = |article: &str| -> Option<String> {
        let node = *rdf_ids.get("article")?.get(article)?;
        let p = graph.predicate(schema::TEXT)?;
        graph.objects(node, p).first().map(|o| graph.value(o))
    };

    progress.stage("comparing", 0);
    // Counts and membership.
    for (kind, _, _) in KINDS {
        let in_sql = &sql_ids[kind];
        let in_rdf: BTreeSet<String> = rdf_ids
            .get(kind)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        report
            .counts
            .push((kind.to_string(), in_sql.len(), in_rdf.len()));
        for id in in_sql.difference(&in_rdf) {
            report.drift.push(format!(
                "{kind} '{id}': in the database, missing from the graph"
            ));
        }
        for id in in_rdf.difference(in_sql) {
            report.drift.push(format!(
                "{kind} '{id}': in the graph, missing from the database"
            ));
        }
    }

    // Field by field: each difference names the record and the field once.
    as_sets(&mut sql_g);
    as_sets(&mut rdf_g);
    let empty = Vec::new();
    let only_in_graph = rdf_g.keys().filter(|k| !sql_g.contains_key(*k));
    for key in sql_g.keys().chain(only_in_graph) {
        let (kind, id, field) = key;
        let in_both = sql_ids.get(kind).is_some_and(|s| s.contains(id))
            && rdf_ids.get(kind).is_some_and(|r| r.contains_key(id));
        if !in_both {
            continue;
        }
        report.fields_compared += 1;
        let a = sql_g.get(key).unwrap_or(&empty);
        let b = rdf_g.get(key).unwrap_or(&empty);
        if a != b {
            let show = |s: &Vec<String>| {
                if s.is_empty() {
                    "(none)".to_owned()
                } else {
                    s.iter()
                        .map(|v| format!("{:?}", shorten(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            report.drift.push(format!(
                "{kind} '{id}', field {field}: database {}, graph {}",
                show(a),
                show(b)
            ));
        }
    }

    // Every quote still sits at its offsets in its article, in each store.
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
    let mut texts: HashMap<String, Option<Vec<char>>> = HashMap::new();
    for id in rdf_ids
        .get("evidence")
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let one = |field: &'static str| {
            rdf_g
                .get(&("evidence", id.clone(), field))
                .and_then(|s| s.first().cloned())
        };
        let (Some(article), Some(quote), Some(start), Some(end)) =
            (one("article"), one("quote"), one("start"), one("end"))
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
    Ok(report)
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_owned()
    }
}
