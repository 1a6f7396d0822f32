//! `dossier check`: proves the two stores hold the same knowledge. Both are read into one form,
//! (kind, id, field, value) facts normalised as the named queries are (IRIs to ids, literals to
//! their lexical value), and compared field by field; every evidence quote is checked against
//! its article's text at its offsets, in each store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{Context, Result};
use rusqlite::Connection;
use sophia::api::graph::Graph;
use sophia::api::triple::Triple;

use crate::sparql::{RdfTerm, Store};
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

type Facts = BTreeSet<(String, String, String, String)>;

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

fn rdf_value(t: &RdfTerm) -> String {
    match t {
        RdfTerm::Iri(i) => vocab::local_name(i).to_owned(),
        RdfTerm::BlankNode(b) => format!("_:{b}"),
        RdfTerm::Literal { value, .. } => value.clone(),
    }
}

/// Compares the database and the graph of one knowledge base.
pub fn check(conn: &Connection, store: &Store) -> Result<Report> {
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
    let mut sql_facts = Facts::new();
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
                sql_facts.insert((f.kind.into(), id, f.field.into(), v));
            }
        }
    }

    // The graph, as facts: index it by subject once, then follow each field's path.
    let mut by_subject: HashMap<String, Vec<(String, RdfTerm)>> = HashMap::new();
    for t in store.graph().triples() {
        let t = t.map_err(|e| anyhow::anyhow!("reading the graph: {e}"))?;
        let s = RdfTerm::from_term(&t.s());
        let (RdfTerm::Iri(s) | RdfTerm::BlankNode(s)) = s else {
            continue;
        };
        let p = match RdfTerm::from_term(&t.p()) {
            RdfTerm::Iri(p) => p,
            _ => continue,
        };
        by_subject
            .entry(s)
            .or_default()
            .push((p, RdfTerm::from_term(&t.o())));
    }
    let objects = |s: &str, p: &str| -> Vec<RdfTerm> {
        by_subject
            .get(s)
            .map(|v| {
                v.iter()
                    .filter(|(q, _)| q == p)
                    .map(|(_, o)| o.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    // Resources of each kind: typed with the kind's class and carrying a dossier id.
    let mut rdf_ids: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for (subject, pos) in &by_subject {
        let ids: Vec<String> = pos
            .iter()
            .filter(|(p, _)| p == dcterms::IDENTIFIER)
            .map(|(_, o)| rdf_value(o))
            .collect();
        let Some(id) = ids.first() else { continue };
        for (p, o) in pos {
            if p != rdf::TYPE {
                continue;
            }
            if let RdfTerm::Iri(class) = o {
                if let Some((kind, _, _)) = KINDS.iter().find(|(_, _, c)| c == class) {
                    rdf_ids
                        .entry(kind)
                        .or_default()
                        .insert(id.clone(), subject.clone());
                }
            }
        }
    }
    let mut rdf_facts = Facts::new();
    for f in FIELDS {
        let Some(resources) = rdf_ids.get(f.kind) else {
            continue;
        };
        for (id, subject) in resources {
            let mut frontier = vec![RdfTerm::Iri(subject.clone())];
            for p in f.path {
                frontier = frontier
                    .iter()
                    .filter_map(|t| match t {
                        RdfTerm::Iri(s) | RdfTerm::BlankNode(s) => Some(objects(s, p)),
                        _ => None,
                    })
                    .flatten()
                    .collect();
            }
            for v in frontier {
                rdf_facts.insert((f.kind.into(), id.clone(), f.field.into(), rdf_value(&v)));
            }
        }
    }

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

    // Field by field, grouped so each difference names the record and the field once.
    let group = |facts: &Facts| {
        let mut m: BTreeMap<(String, String, String), BTreeSet<String>> = BTreeMap::new();
        for (k, id, field, v) in facts {
            m.entry((k.clone(), id.clone(), field.clone()))
                .or_default()
                .insert(v.clone());
        }
        m
    };
    let (sql_g, rdf_g) = (group(&sql_facts), group(&rdf_facts));
    let keys: BTreeSet<_> = sql_g.keys().chain(rdf_g.keys()).cloned().collect();
    let empty = BTreeSet::new();
    for key in keys {
        let (kind, id, field) = &key;
        let in_both = sql_ids.get(kind.as_str()).is_some_and(|s| s.contains(id))
            && rdf_ids
                .get(kind.as_str())
                .is_some_and(|r| r.contains_key(id));
        if !in_both {
            continue;
        }
        report.fields_compared += 1;
        let a = sql_g.get(&key).unwrap_or(&empty);
        let b = rdf_g.get(&key).unwrap_or(&empty);
        if a != b {
            let show = |s: &BTreeSet<String>| {
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
    let texts: HashMap<String, Vec<char>> = sql_g
        .iter()
        .filter(|((k, _, f), _)| k == "article" && f == "text")
        .filter_map(|((_, id, _), _)| {
            let subject = rdf_ids.get("article")?.get(id)?;
            let text = objects(subject, schema::TEXT).first().map(rdf_value)?;
            Some((id.clone(), text.chars().collect()))
        })
        .collect();
    for id in rdf_ids
        .get("evidence")
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let one = |field: &str| {
            rdf_g
                .get(&("evidence".into(), id.clone(), field.into()))
                .and_then(|s| s.iter().next().cloned())
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
        let at = texts.get(&article).and_then(|t| {
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
