//! The RDF store: the mapping from the model to triples (written once, as a stream of quads
//! that sophia's serializers and graphs consume through their traits), the Turtle / N-Triples /
//! N-Quads writers, and loading the built graph back for SPARQL. Only this module and `sparql`
//! touch sophia.
//!
//! The mapping emits every subject's triples consecutively, in model order, so the streaming
//! Turtle writer groups them by subject and the output is deterministic without a sort.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{self, BufRead, Write};

use anyhow::{Context, Result};
use sophia::api::MownStr;
use sophia::api::prefix::{Prefix, PrefixMapPair};
use sophia::api::prelude::*;
use sophia::api::source::{IntoSource, Source, StreamError, StreamResult};
use sophia::api::term::{IriRef, LanguageTag, SimpleTerm, TermKind};
use sophia::turtle::serializer::nq::NQuadsSerializer;
use sophia::turtle::serializer::nt::NTriplesSerializer;
use sophia::turtle::serializer::turtle::{TurtleConfig, TurtleSerializer};

use crate::mapping::{self, Field, Kind, Label, Nested, Scope, Shape};
use crate::model::{
    AUTHOR, Article, Basis, CURATOR, Difference, Evidence, Fields, OwnedValue, Rank, Record,
    RecordKind, RelationType, Shared, Slug, StatedValue, Statement, Value,
};
use crate::vocab::{
    self, concept, dcterms, dos, oa, prov, rdf, rdfs, record_iri, schema, skos, xsd,
};

pub type Term = SimpleTerm<'static>;

fn iri(s: impl Into<MownStr<'static>>) -> Term {
    SimpleTerm::Iri(IriRef::new_unchecked(s.into()))
}

fn string(s: impl Into<MownStr<'static>>) -> Term {
    SimpleTerm::LiteralDatatype(s.into(), IriRef::new_unchecked(MownStr::from(xsd::STRING)))
}

fn typed(s: impl Into<MownStr<'static>>, datatype: &'static str) -> Term {
    SimpleTerm::LiteralDatatype(s.into(), IriRef::new_unchecked(MownStr::from(datatype)))
}

/// Text in the article's language.
fn text(s: &str, lang: &Option<LanguageTag<MownStr<'static>>>) -> Term {
    match lang {
        Some(tag) => SimpleTerm::LiteralLanguage(s.to_owned().into(), tag.clone(), None),
        None => string(s.to_owned()),
    }
}

/// Receives the mapping's output one quad at a time; `graph` is None for the default graph.
trait Emit {
    fn quad(&mut self, graph: Option<&Term>, s: &Term, p: Term, o: Term) -> io::Result<()>;
    /// Whether graph names are kept: when they are not, a triple stated in two graphs is
    /// written once.
    fn keeps_graphs(&self) -> bool {
        true
    }
    /// A quad whose triple an earlier quad of another graph already stated: dropped where
    /// graph names are not kept.
    fn quad_stated_again(
        &mut self,
        graph: Option<&Term>,
        s: &Term,
        p: Term,
        o: Term,
    ) -> io::Result<()> {
        if self.keeps_graphs() {
            self.quad(graph, s, p, o)
        } else {
            Ok(())
        }
    }
    /// The nodes named `<prefix>#…` in the quads sent until [`Emit::end_scope`] are named
    /// nowhere else (a record's nested rows, an annotation's target and selectors, a
    /// statement's row: the prefix is an IRI made of a unique id, so no two scopes have the
    /// same): a store may forget them after.
    fn scope(&mut self, _prefix: &str) {}
    fn end_scope(&mut self) {}
}

/// Writes the triples of one subject: keeps subject and graph so each call names only p and o.
struct Subject<'e, E: Emit> {
    out: &'e mut E,
    graph: Option<&'e Term>,
    s: Term,
}

impl<E: Emit> Subject<'_, E> {
    fn add(&mut self, p: &'static str, o: Term) -> io::Result<()> {
        self.out.quad(self.graph, &self.s, iri(p), o)
    }
}

/// Triples whose subject is a record but that another part of the seeds states (a relation
/// from an article, an article's evidence for a shared actor): emitted inside the subject's own
/// block so that every subject's triples stay together. Each comes with its graph.
/// What other records state about a record, by its id: each link in an article's graph.
struct Extras {
    base: String,
    /// Each article's id, by position.
    articles: Vec<Slug>,
    links: HashMap<Box<str>, Vec<Extra>>,
}

/// One link other records state about a record, in the graph of the article at a position
/// (kept this small rather than as terms: a shared record has one for each article that
/// mentions it, half a million at 1M records of 10 an article).
#[derive(PartialEq)]
enum Extra {
    /// The article gives evidence for a shared record: a source of it.
    Source(u32),
    /// A relation the article states: its type and its object's IRI.
    Relation(u32, RelationType, Box<str>),
}

impl Extras {
    /// The links of the record `id`, as (graph, predicate, object).
    fn of(&self, id: &str) -> Vec<(Term, Term, Term)> {
        let graph = |a: u32| {
            let article = self.articles[a as usize].as_str();
            iri(record_iri(&self.base, RecordKind::Article, article))
        };
        let links = self.links.get(id).map(Vec::as_slice).unwrap_or_default();
        links
            .iter()
            .map(|link| match link {
                Extra::Source(a) => (graph(*a), iri(prov::WAS_DERIVED_FROM), graph(*a)),
                Extra::Relation(a, predicate, object) => (
                    graph(*a),
                    iri(concept(RelationType::SCHEME, predicate.as_str())),
                    iri(object.to_string()),
                ),
            })
            .collect()
    }
}

/// Every record's kind by its id. Owned: the stores are written while the articles that define
/// the ids are dropped one by one.
type Kinds = dossier_model::ids::IdKinds;

fn emit_extras<E: Emit>(out: &mut E, subject: &Term, id: &str, extras: &Extras) -> io::Result<()> {
    let all = extras.of(id);
    for (n, (graph, p, o)) in all.iter().enumerate() {
        if all[..n].iter().any(|(_, q, x)| q == p && x == o) {
            out.quad_stated_again(Some(graph), subject, p.clone(), o.clone())?;
        } else {
            out.quad(Some(graph), subject, p.clone(), o.clone())?;
        }
    }
    Ok(())
}

/// Terms of one article's records: the base IRI, the article's language and graph, and every
/// record's kind (references to "any record" need it to form the IRI).
struct Terms<'a> {
    base: &'a str,
    kinds: &'a Kinds,
    lang: Option<LanguageTag<MownStr<'static>>>,
    /// The article's graph; None for the default graph.
    graph: Option<Term>,
    author: Option<Term>,
}

impl Terms<'_> {
    fn record(&self, kind: RecordKind, id: &str) -> Term {
        iri(record_iri(self.base, kind, id))
    }

    /// The RDF term of one value, by the field's shape.
    fn term(&self, shape: Shape, v: Value<'_>) -> Term {
        match (shape, v) {
            (Shape::LangText, v) => text(&mapping::plain(v), &self.lang),
            (Shape::Ref(kinds), Value::Id(id) | Value::Text(id)) => {
                let kind = match kinds {
                    [one] => *one,
                    _ => self.kinds.get(id).copied().unwrap_or(RecordKind::Actor),
                };
                self.record(kind, id)
            }
            (Shape::Asserter, Value::Id(who) | Value::Text(who)) => match (&self.author, who) {
                (Some(author), AUTHOR) => author.clone(),
                (_, CURATOR) => iri(curator_iri(self.base)),
                _ => self.record(RecordKind::Actor, who),
            },
            (Shape::Evidence, Value::Id(id) | Value::Text(id)) => iri(evidence_iri(self.base, id)),
            (Shape::Closed { scheme, .. }, v) => iri(concept(scheme, &mapping::plain(v))),
            (Shape::Date { .. }, Value::Date(d)) => date_literal(d),
            (Shape::Decimal, v) => typed(mapping::plain(v), xsd::DECIMAL),
            (Shape::Integer, v) => typed(mapping::plain(v), xsd::INTEGER),
            (Shape::Offset, v) => typed(mapping::plain(v), xsd::NON_NEGATIVE_INTEGER),
            (Shape::Duration, v) => typed(mapping::plain(v), xsd::DURATION),
            (Shape::AnyUri, v) => typed(mapping::plain(v), xsd::ANY_URI),
            (Shape::IriOrText, v) => {
                let v = mapping::plain(v);
                if v.starts_with("http://") || v.starts_with("https://") {
                    iri(v)
                } else {
                    string(v)
                }
            }
            (_, v) => string(mapping::plain(v)),
        }
    }

    /// Writes the triples of every field but `skip` (the label, already written).
    fn fields<E: Emit>(
        &self,
        s: &mut Subject<'_, E>,
        fields: &[Field],
        record: &dyn Fields,
        skip: Option<&str>,
    ) -> io::Result<()> {
        for (i, f) in fields.iter().enumerate() {
            if skip == Some(f.key) {
                continue;
            }
            let mut result = Ok(());
            record.values(i, &mut |v| {
                if result.is_ok() {
                    result = s.add(f.predicate(), self.term(f.shape, v));
                }
                if let (Ok(()), Shape::Date { precision: Some(p) }, Value::Date(d)) =
                    (&result, f.shape, v)
                {
                    let level = d.precision().as_str();
                    result = s.add(p, iri(concept(vocab::DATE_PRECISION_SCHEME, level)));
                }
            });
            result?;
        }
        Ok(())
    }

    /// A record's resource: its header (types, id, label, source), its fields, links to its
    /// nested rows and the extras other records state about it; then the nested rows' nodes.
    fn map_record<E: Emit>(
        &self,
        kind: &Kind,
        record: &dyn Record,
        extras: &Extras,
        out: &mut E,
    ) -> io::Result<()> {
        let id = record.id().as_str();
        let subject = self.record(kind.kind, id);
        out.scope(iri_str(&subject));
        let mut s = Subject {
            out: &mut *out,
            graph: self.graph.as_ref(),
            s: subject.clone(),
        };
        self.header(kind, record, &mut s)?;
        let skip = match kind.label {
            Label::Field(key) => Some(key),
            _ => None,
        };
        self.fields(&mut s, kind.fields, record, skip)?;
        let node = |n: &Nested, i: usize| iri(format!("{}#{}-{i}", iri_str(&subject), n.fragment));
        for (n, nested) in kind.nested.iter().enumerate() {
            for i in 1..=record.rows(n).len() {
                s.add(nested.predicate, node(nested, i))?;
            }
        }
        emit_extras(&mut *out, &subject, id, extras)?;
        for (n, nested) in kind.nested.iter().enumerate() {
            for (i, row) in record.rows(n).into_iter().enumerate() {
                let mut s = Subject {
                    out: &mut *out,
                    graph: self.graph.as_ref(),
                    s: node(nested, i + 1),
                };
                s.add(rdf::TYPE, iri(nested.class))?;
                self.fields(&mut s, nested.fields, row, None)?;
            }
        }
        out.end_scope();
        Ok(())
    }

    fn header<E: Emit>(
        &self,
        kind: &Kind,
        record: &dyn Record,
        s: &mut Subject<'_, E>,
    ) -> io::Result<()> {
        s.add(rdf::TYPE, iri(kind.class))?;
        if kind.kind == RecordKind::Actor {
            // Hook: an actor is also a schema.org person, country or organisation.
            let field = kind.field("kind").map(|(i, _)| i);
            if let Some(Value::Concept(k)) = field.and_then(|i| record.first(i)) {
                let class = crate::model::ActorKind::ALL
                    .iter()
                    .find(|a| a.as_str() == k)
                    .and_then(|a| mapping::actor_class(*a));
                if let Some(class) = class {
                    s.add(rdf::TYPE, iri(class))?;
                }
            }
        }
        s.add(dcterms::IDENTIFIER, string(record.id().to_string()))?;
        let label = kind.label_of(record);
        s.add(
            rdfs::LABEL,
            self.term(kind.label_shape(), Value::Text(&label)),
        )?;
        if let (Scope::InArticle, Some(graph)) = (kind.scope, &self.graph) {
            s.add(prov::WAS_DERIVED_FROM, graph.clone())?;
        }
        if let Some(basis) = Basis::of(record.evidence()) {
            s.add(dos::BASIS, iri(concept(Basis::SCHEME, basis.as_str())))?;
        }
        for class in kind.extra_types {
            s.add(rdf::TYPE, iri(*class))?;
        }
        Ok(())
    }
}

/// What the mapping needs of the whole knowledge base before its first article: the shared
/// records and the stated values, and, read from every article beforehand, each record's kind,
/// the triples whose subject another record states, and whether the curator infers anything.
/// It borrows no article, so that each can be dropped once written.
pub struct Head<'a> {
    pub shared: Shared<'a>,
    kinds: Kinds,
    extras: Extras,
    curator: bool,
}

/// A [`Head`] read article by article, as validation hands them on: what it reads (ids, kinds,
/// relations, mentions, asserters) is the same before the values other articles state are set.
#[derive(Default)]
pub struct HeadBuilder {
    articles: Vec<Slug>,
    kinds: Kinds,
    extras: PendingExtras,
    curator: bool,
}

impl HeadBuilder {
    /// The next article, in the knowledge base's order.
    pub fn add(&mut self, article: &Article) {
        // (Read straight from the evidence lists: numbering every quote is `map_article`'s
        // work.)
        self.curator = self.curator
            || article
                .evidence_lists()
                .any(|(_, list)| list.iter().any(|e| e.asserted_by == CURATOR));
        for r in article.facts.records() {
            self.kinds.insert(r.id().as_str(), r.kind());
        }
        let a = u32::try_from(self.articles.len()).expect("fewer than 4 billion articles");
        self.articles.push(article.id.clone());
        for r in &article.facts.relations {
            self.extras
                .entry(r.subject.as_str().into())
                .or_default()
                .push(PendingExtra::Relation(
                    a,
                    r.predicate,
                    r.object.as_str().into(),
                ));
        }
        let mut seen = std::collections::HashSet::new();
        for m in &article.facts.mentions {
            if seen.insert(m.record.as_str()) {
                self.extras
                    .entry(m.record.as_str().into())
                    .or_default()
                    .push(PendingExtra::Mention(a));
            }
        }
    }

    /// The head of the knowledge base made of `shared` and the articles added.
    pub fn finish(self, shared: Shared<'_>) -> Head<'_> {
        let mut kinds = self.kinds;
        for actor in shared.actors {
            kinds.insert(actor.id.as_str(), RecordKind::Actor);
        }
        for topic in shared.topics {
            kinds.insert(topic.id.as_str(), RecordKind::Topic);
        }
        let kinds = kinds.sorted();
        let base = shared.config.base_iri.as_str();
        let extras = resolve_extras(base, self.articles, self.extras, &kinds);
        Head {
            shared,
            kinds,
            extras,
            curator: self.curator,
        }
    }
}

/// The mapping, model → quads. Articles' triples go in a named graph named after the article;
/// the knowledge base's own description and the shared actors go in the default graph.
/// `articles` are the head's knowledge base's, in order.
fn map_kb<E: Emit, A: std::borrow::Borrow<Article>>(
    head: &Head<'_>,
    articles: impl Iterator<Item = A>,
    out: &mut E,
) -> io::Result<()> {
    let base = head.shared.config.base_iri.as_str();
    {
        let mut s = Subject {
            out,
            graph: None,
            s: iri(base.to_owned()),
        };
        s.add(rdf::TYPE, iri(schema::DATASET))?;
        let context = Terms {
            base,
            kinds: &Kinds::new(),
            lang: None,
            graph: None,
            author: None,
        };
        context.fields(
            &mut s,
            mapping::KNOWLEDGE_BASE_FIELDS,
            head.shared.config,
            None,
        )?;
    }
    // Hook: the agent of what the curator infers (`asserted_by = "curator"`), one per
    // knowledge base, beside each article's author node.
    if head.curator {
        let mut s = Subject {
            out,
            graph: None,
            s: iri(curator_iri(base)),
        };
        s.add(rdf::TYPE, iri(dos::CURATOR))?;
        s.add(rdfs::LABEL, string("the curator".to_owned()))?;
    }
    let (kinds, extras) = (&head.kinds, &head.extras);
    let context = Terms {
        base,
        kinds,
        lang: None,
        graph: None,
        author: None,
    };
    for actor in head.shared.actors {
        context.map_record(&mapping::ACTOR, actor, extras, out)?;
    }
    for topic in head.shared.topics {
        context.map_record(&mapping::TOPIC, topic, extras, out)?;
    }
    let mut stated = head.shared.statements.by_source()?;
    stated.each_of(None, &mut |s| map_statement(&context, s, out))?;
    for (a, article) in articles.into_iter().enumerate() {
        let article = article.borrow();
        map_article(base, kinds, extras, article, out)?;
        let terms = article_terms(base, kinds, article);
        stated.each_of(Some((a, article.id.as_str())), &mut |s| {
            map_statement(&terms, s, out)
        })?;
    }
    stated.finish()
}

/// Hook: one stated value as a `dos:Statement` (an `rdf:Statement` of the record, the field's
/// predicate and the value), with its source, rank, whether it is current and its evidence.
/// A stated row (a participant, a quantity) is a node of the statement's own,
/// `<statement>#row`, with the row's fields and, as `rdf:value`, the row as `statements.value`
/// writes it (an `rdf:JSON` literal), so that a query can show any stated value as one term.
fn map_statement<E: Emit>(context: &Terms<'_>, st: &Statement, out: &mut E) -> io::Result<()> {
    let kind = mapping::kind(st.kind);
    let node = format!("{}{}/{}", context.base, vocab::STATEMENT_SEGMENT, st.id);
    let row_node = format!("{node}#row");
    out.scope(&node);
    let mut s = Subject {
        out: &mut *out,
        graph: context.graph.as_ref(),
        s: iri(node),
    };
    s.add(rdf::TYPE, iri(rdf::STATEMENT))?;
    s.add(rdf::TYPE, iri(dos::STATEMENT))?;
    s.add(dcterms::IDENTIFIER, string(st.id.clone()))?;
    s.add(rdf::SUBJECT, context.record(st.kind, st.record.as_str()))?;
    let (key, text) = mapping::stated(kind, &st.value);
    match &st.value {
        StatedValue::Field(i, value) => {
            let field = &kind.fields[*i];
            s.add(rdf::PREDICATE, iri(field.predicate()))?;
            s.add(rdf::OBJECT, context.term(field.shape, value.as_value()))?;
        }
        StatedValue::Row(n, _) => {
            s.add(rdf::PREDICATE, iri(kind.nested[*n].predicate))?;
            s.add(rdf::OBJECT, iri(row_node.clone()))?;
        }
    }
    s.add(dos::FIELD, string(key.to_owned()))?;
    if let Some(graph) = &context.graph {
        s.add(prov::WAS_DERIVED_FROM, graph.clone())?;
    }
    s.add(dos::RANK, iri(concept(Rank::SCHEME, st.rank.as_str())))?;
    s.add(
        dos::IS_CURRENT,
        typed(if st.current { "true" } else { "false" }, xsd::BOOLEAN),
    )?;
    if let Some(basis) = st.basis {
        s.add(dos::BASIS, iri(concept(Basis::SCHEME, basis.as_str())))?;
    }
    if let Some(difference) = st.difference {
        s.add(
            dos::DIFFERENCE,
            iri(concept(Difference::SCHEME, difference.as_str())),
        )?;
    }
    for e in &st.evidence {
        s.add(dos::EVIDENCE, context.term(Shape::Evidence, Value::Id(e)))?;
    }
    if let StatedValue::Row(n, cells) = &st.value {
        let nested = &kind.nested[*n];
        let mut row = Subject {
            out: &mut *out,
            graph: context.graph.as_ref(),
            s: iri(row_node),
        };
        row.add(rdf::TYPE, iri(nested.class))?;
        context.fields(&mut row, nested.fields, &Cells(cells), None)?;
        row.add(rdf::VALUE, typed(text, rdf::JSON))?;
    }
    out.end_scope();
    Ok(())
}

/// A stated row read as the fields of its nested description.
struct Cells<'a>(&'a [Option<OwnedValue>]);

impl Fields for Cells<'_> {
    fn values<'a>(&'a self, field: usize, out: &mut dyn FnMut(Value<'a>)) {
        if let Some(Some(v)) = self.0.get(field) {
            out(v.as_value());
        }
    }
}

/// Hook: triples whose subject is a record but that another record states — the direct triple
/// of a relation (`s relation-type:p o`, besides its reification), and a shared record's (an
/// actor's, a topic's) `prov:wasDerivedFrom` each article that mentions it.
/// An extra triple as the `n`-th article gives it, by its subject's id: a relation (its
/// object's kind, and so its IRI, may come from a later article), or a mention, which is one
/// only of a shared record.
enum PendingExtra {
    Relation(u32, RelationType, Box<str>),
    Mention(u32),
}

type PendingExtras = HashMap<Box<str>, Vec<PendingExtra>>;

/// The extras, once every kind is known: a relation's object as its IRI; each article that
/// gives evidence for a shared record (an actor, a topic) as a source of it (a record of an
/// article is derived from that article only).
fn resolve_extras(
    base: &str,
    articles: Vec<Slug>,
    pending: PendingExtras,
    kinds: &Kinds,
) -> Extras {
    let links = pending
        .into_iter()
        .filter_map(|(subject, all)| {
            let shared = kinds
                .get(&subject)
                .is_some_and(|k| mapping::kind(*k).scope == Scope::KnowledgeBase);
            let mut links = Vec::with_capacity(all.len());
            for extra in all {
                let link = match extra {
                    PendingExtra::Mention(a) if shared => Extra::Source(a),
                    PendingExtra::Mention(_) => continue,
                    PendingExtra::Relation(a, predicate, object) => {
                        let object_kind = kinds.get(&object).copied().unwrap_or(RecordKind::Actor);
                        let object = record_iri(base, object_kind, &object).into_boxed_str();
                        let link = Extra::Relation(a, predicate, object);
                        // Two relation records may state the same link (from two quotes): one
                        // triple.
                        if links.as_slice().contains(&link) {
                            continue;
                        }
                        link
                    }
                };
                links.push(link);
            }
            (!links.is_empty()).then_some((subject, links))
        })
        .collect();
    Extras {
        base: base.to_owned(),
        articles,
        links,
    }
}

fn map_article<E: Emit>(
    base: &str,
    kinds: &Kinds,
    extras: &Extras,
    article: &Article,
    out: &mut E,
) -> io::Result<()> {
    let id = article.id.as_str();
    let meta = &article.facts.article;
    let context = article_terms(base, kinds, article);
    let graph = context
        .graph
        .clone()
        .expect("an article's terms have its graph");
    let author = context
        .author
        .clone()
        .expect("an article's terms have its author");
    {
        let mut s = Subject {
            out: &mut *out,
            graph: Some(&graph),
            s: graph.clone(),
        };
        s.add(rdf::TYPE, iri(mapping::ARTICLE.class))?;
        s.add(dcterms::IDENTIFIER, string(id.to_owned()))?;
        context.fields(&mut s, mapping::ARTICLE.fields, meta, None)?;
        // Hook: the article's place in the knowledge base, its author node and its text.
        s.add(dcterms::IS_PART_OF, iri(base.to_owned()))?;
        s.add(schema::AUTHOR, author.clone())?;
        s.add(schema::TEXT, text(&article.text, &context.lang))?;
    }
    {
        let mut s = Subject {
            out: &mut *out,
            graph: Some(&graph),
            s: author,
        };
        s.add(rdf::TYPE, iri(dos::AUTHOR))?;
        s.add(rdfs::LABEL, string(format!("{}{id}", vocab::AUTHOR_LABEL)))?;
    }
    for r in article.facts.records() {
        context.map_record(mapping::kind(r.kind()), r, extras, out)?;
    }
    for item in article.evidence() {
        map_evidence(&context, &item, out)?;
    }
    Ok(())
}

/// How an article's records are written: in its graph, in its language, with its author node.
fn article_terms<'a>(base: &'a str, kinds: &'a Kinds, article: &Article) -> Terms<'a> {
    let iri_of_article = record_iri(base, RecordKind::Article, article.id.as_str());
    Terms {
        base,
        kinds,
        lang: LanguageTag::new(MownStr::from(
            article.facts.article.language.to_ascii_lowercase(),
        ))
        .ok(),
        author: Some(iri(format!("{iri_of_article}#{AUTHOR}"))),
        graph: Some(iri(iri_of_article)),
    }
}

/// Hook: one evidence as a Web Annotation — the annotation, its target in the article, and
/// the quote and position selectors.
fn map_evidence<E: Emit>(
    context: &Terms<'_>,
    item: &crate::model::EvidenceItem<'_>,
    out: &mut E,
) -> io::Result<()> {
    let graph = context
        .graph
        .as_ref()
        .expect("evidence belongs to an article");
    let g = Some(graph);
    let ev_str = evidence_iri(context.base, &item.id());
    let ev = iri(ev_str.clone());
    let target = iri(format!("{ev_str}#target"));
    let quote_sel = iri(format!("{ev_str}#quote"));
    let position = iri(format!("{ev_str}#position"));
    out.scope(&ev_str);
    let (start, end) = item.span();
    let e: &Evidence = item.evidence;
    let body = context.term(Shape::Ref(&[]), Value::Id(item.record.as_str()));
    let mut s = Subject {
        out: &mut *out,
        graph: g,
        s: ev,
    };
    s.add(rdf::TYPE, iri(oa::ANNOTATION))?;
    s.add(dcterms::IDENTIFIER, string(item.id()))?;
    s.add(oa::HAS_BODY, body)?;
    s.add(oa::HAS_TARGET, target.clone())?;
    s.add(
        prov::WAS_ATTRIBUTED_TO,
        context.term(Shape::Asserter, Value::Id(&e.asserted_by)),
    )?;
    s.add(
        dos::MODALITY,
        iri(concept(crate::model::Modality::SCHEME, e.modality.as_str())),
    )?;
    s.add(prov::WAS_DERIVED_FROM, graph.clone())?;
    if let Some(note) = &e.note {
        s.add(skos::EDITORIAL_NOTE, string(note.clone()))?;
    }
    let mut s = Subject {
        out: &mut *out,
        graph: g,
        s: target,
    };
    s.add(rdf::TYPE, iri(oa::SPECIFIC_RESOURCE))?;
    s.add(oa::HAS_SOURCE, graph.clone())?;
    s.add(oa::HAS_SELECTOR, quote_sel.clone())?;
    s.add(oa::HAS_SELECTOR, position.clone())?;
    let mut s = Subject {
        out: &mut *out,
        graph: g,
        s: quote_sel,
    };
    s.add(rdf::TYPE, iri(oa::TEXT_QUOTE_SELECTOR))?;
    s.add(oa::EXACT, string(e.quote.clone()))?;
    let mut s = Subject {
        out: &mut *out,
        graph: g,
        s: position,
    };
    s.add(rdf::TYPE, iri(oa::TEXT_POSITION_SELECTOR))?;
    s.add(
        oa::START,
        context.term(Shape::Offset, Value::Count(start as u64)),
    )?;
    s.add(
        oa::END,
        context.term(Shape::Offset, Value::Count(end as u64)),
    )?;
    out.end_scope();
    Ok(())
}

/// An evidence's annotation: `<base>evidence/<id>`.
fn evidence_iri(base: &str, id: &str) -> String {
    format!("{base}{}/{id}", vocab::EVIDENCE_SEGMENT)
}

/// The curator's node: `<base>curator` (no record kind is called `curator`).
pub fn curator_iri(base: &str) -> String {
    format!("{base}{CURATOR}")
}

fn iri_str(t: &Term) -> &str {
    match t {
        SimpleTerm::Iri(i) => i.as_str(),
        _ => "",
    }
}

fn date_literal(d: &crate::model::PartialDate) -> Term {
    typed(d.to_string(), mapping::date_datatype(d.precision()))
}

/// The mapping as a sophia source of quads (graph name = the article) or triples: the head's,
/// then each article's as `articles` yields it.
pub struct Mapping<'a, I> {
    head: &'a Head<'a>,
    /// Taken by the first call: the mapping writes everything in one.
    articles: Option<I>,
    /// Counts what was emitted, for the build summary.
    emitted: Option<&'a std::cell::Cell<usize>>,
}

impl<'a, I> Mapping<'a, I> {
    pub fn new(head: &'a Head<'a>, articles: I) -> Self {
        Mapping {
            head,
            articles: Some(articles),
            emitted: None,
        }
    }
    /// The same mapping, adding the number of quads it emits to `counter`.
    pub fn counted(mut self, counter: &'a std::cell::Cell<usize>) -> Self {
        self.emitted = Some(counter);
        self
    }
    /// The same mapping with graph names dropped.
    pub fn triples(self) -> Triples<'a, I> {
        Triples(self)
    }
}

/// Forwards the mapping's quads to a sophia callback, keeping the callback's own error.
struct Forward<F, E> {
    f: F,
    error: Option<E>,
    with_graph: bool,
    count: usize,
}

impl<E, F> Forward<F, E> {
    fn send(&mut self, result: Result<(), E>) -> io::Result<()> {
        self.count += 1;
        result.map_err(|e| {
            self.error = Some(e);
            io::Error::other("the consumer of the triples stopped")
        })
    }
}

struct QuadFn<F>(F);
struct TripleFn<F>(F);

impl<E, F: FnMut(([Term; 3], Option<Term>)) -> Result<(), E>> Emit for Forward<QuadFn<F>, E> {
    fn quad(&mut self, graph: Option<&Term>, s: &Term, p: Term, o: Term) -> io::Result<()> {
        let g = if self.with_graph {
            graph.cloned()
        } else {
            None
        };
        let r = (self.f.0)(([s.clone(), p, o], g));
        self.send(r)
    }
}

impl<E, F: FnMut([Term; 3]) -> Result<(), E>> Emit for Forward<TripleFn<F>, E> {
    fn quad(&mut self, _graph: Option<&Term>, s: &Term, p: Term, o: Term) -> io::Result<()> {
        let r = (self.f.0)([s.clone(), p, o]);
        self.send(r)
    }
    fn keeps_graphs(&self) -> bool {
        false
    }
}

/// The end of a source over the mapping: the consumer's own error when it stopped the mapping,
/// else the mapping's (reading the stated values back, for one).
fn finish<E: std::error::Error + Send + Sync + 'static>(
    kb_result: io::Result<()>,
    error: Option<E>,
) -> StreamResult<bool, io::Error, E> {
    match (kb_result, error) {
        (Ok(()), _) => Ok(false),
        (Err(_), Some(e)) => Err(StreamError::SinkError(e)),
        (Err(e), None) => Err(StreamError::SourceError(e)),
    }
}

impl<I: Iterator<Item = A>, A: std::borrow::Borrow<Article>> Source for Mapping<'_, I> {
    type Item<'x> = ([Term; 3], Option<Term>);
    type Error = io::Error;

    fn try_for_some_item<E, F>(&mut self, f: F) -> StreamResult<bool, Self::Error, E>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(Self::Item<'_>) -> Result<(), E>,
    {
        let Some(articles) = self.articles.take() else {
            return Ok(false);
        };
        let mut forward = Forward {
            f: QuadFn(f),
            error: None,
            with_graph: true,
            count: 0,
        };
        let result = map_kb(self.head, articles, &mut forward);
        if let Some(c) = self.emitted {
            c.set(c.get() + forward.count);
        }
        finish(result, forward.error)
    }
}

/// The mapping's triples, graph names dropped.
pub struct Triples<'a, I>(Mapping<'a, I>);

impl<I: Iterator<Item = A>, A: std::borrow::Borrow<Article>> Source for Triples<'_, I> {
    type Item<'x> = [Term; 3];
    type Error = io::Error;

    fn try_for_some_item<E, F>(&mut self, f: F) -> StreamResult<bool, Self::Error, E>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(Self::Item<'_>) -> Result<(), E>,
    {
        let Some(articles) = self.0.articles.take() else {
            return Ok(false);
        };
        let mut forward = Forward {
            f: TripleFn(f),
            error: None,
            with_graph: false,
            count: 0,
        };
        let result = map_kb(self.0.head, articles, &mut forward);
        if let Some(c) = self.0.emitted {
            c.set(c.get() + forward.count);
        }
        finish(result, forward.error)
    }
}

fn prefix_map(base: &str) -> Vec<PrefixMapPair> {
    mapping::prefixes(base)
        .into_iter()
        .filter_map(|(p, ns)| {
            Some((
                Prefix::new(p.into_boxed_str()).ok()?,
                sophia::api::prelude::Iri::new(ns.into_boxed_str()).ok()?,
            ))
        })
        .collect()
}

/// sophia_turtle 0.10's string writer (`quoted_string`, shared by the Turtle, TriG, N-Triples
/// and N-Quads serializers) calls itself once per character it escapes: measured, 256 bytes of
/// stack each in a release build and 629 in a debug one, so an article's text with ~35,000
/// line breaks overflowed a thread's stack and aborted. Rather than patch the crate, every
/// serializer here reads its source through `DeepEnough`, which hands sophia a triple whose
/// object needs more stack than is left on a stack that holds it ([`stacker`]); the bytes
/// written are sophia's own.
struct DeepEnough<S, K> {
    source: S,
    shape: std::marker::PhantomData<K>,
}

/// Stack per escaped character, above both measured frames, plus room for the serializer's
/// own calls.
const STACK_PER_ESCAPE: usize = 1024;
const STACK_MARGIN: usize = 256 * 1024;

/// The stack sophia needs to write a literal, or None when the stack `left` surely holds it
/// (its length bounds its escapes): the escapes are counted only for a long literal.
fn stack_to_write(lexical: &str, left: usize) -> Option<usize> {
    let stack = |escapes: usize| escapes * STACK_PER_ESCAPE + STACK_MARGIN;
    if stack(lexical.len()) <= left {
        return None;
    }
    // What sophia escapes: C0 controls, DEL, `"`, `\`, and U+FFFE / U+FFFF (which start with
    // 0xEF in UTF-8: counting every 0xEF is an upper bound).
    let escapes = lexical
        .bytes()
        .filter(|&b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\' || b == 0xef)
        .count();
    Some(stack(escapes))
}

/// Where the object of a source's item is: a triple's third term, or a quad's.
trait ObjectOf<I> {
    fn stack_to_write(item: &I, left: usize) -> Option<usize>;
}
struct AsTriple;
struct AsQuad;

fn stack_for_term<T: sophia::api::term::Term>(t: T, left: usize) -> Option<usize> {
    stack_to_write(&t.lexical_form()?, left)
}

impl<T: sophia::api::triple::Triple> ObjectOf<T> for AsTriple {
    fn stack_to_write(item: &T, left: usize) -> Option<usize> {
        stack_for_term(item.o(), left)
    }
}

impl<Q: sophia::api::quad::Quad> ObjectOf<Q> for AsQuad {
    fn stack_to_write(item: &Q, left: usize) -> Option<usize> {
        stack_for_term(item.o(), left)
    }
}

impl<S> DeepEnough<S, AsTriple> {
    fn triples(source: S) -> Self {
        DeepEnough {
            source,
            shape: std::marker::PhantomData,
        }
    }
}

impl<S> DeepEnough<S, AsQuad> {
    fn quads(source: S) -> Self {
        DeepEnough {
            source,
            shape: std::marker::PhantomData,
        }
    }
}

impl<S: Source, K> Source for DeepEnough<S, K>
where
    for<'x> K: ObjectOf<S::Item<'x>>,
{
    type Item<'x> = S::Item<'x>;
    type Error = S::Error;

    fn try_for_some_item<E, F>(&mut self, mut f: F) -> StreamResult<bool, Self::Error, E>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(Self::Item<'_>) -> Result<(), E>,
    {
        // Every item of one call is written at about this depth: the stack left is read once a
        // call (the mapping writes everything in one call; reading it per quad cost 3% of a
        // Turtle or TriG export. An iterator's items come a call each).
        let left = stacker::remaining_stack().unwrap_or(0);
        self.source
            .try_for_some_item(|item| match K::stack_to_write(&item, left) {
                None => f(item),
                Some(needed) => stacker::maybe_grow(needed, needed, || f(item)),
            })
    }
}

/// Keeps an output error's I/O kind (so a closed pipe is recognised) and names what failed.
fn sink_error<E: std::error::Error + Send + Sync + 'static>(
    e: StreamError<E, io::Error>,
    what: &str,
) -> anyhow::Error {
    match e {
        StreamError::SinkError(io) => anyhow::Error::new(io).context(what.to_owned()),
        StreamError::SourceError(parse) => anyhow::Error::new(parse).context(what.to_owned()),
    }
}

/// Writes the knowledge base (its head, then `articles`) as Turtle: prefixes, then each
/// subject's triples grouped. Returns the number of triples written.
pub fn write_turtle<A: std::borrow::Borrow<Article>>(
    head: &Head<'_>,
    articles: impl Iterator<Item = A>,
    w: impl Write,
) -> Result<usize> {
    let count = std::cell::Cell::new(0);
    let config = TurtleConfig::new()
        .with_pretty(false)
        .with_own_prefix_map(prefix_map(&head.shared.config.base_iri));
    let mut serializer = TurtleSerializer::new_with_config(w, config);
    serializer
        .serialize_triples(DeepEnough::triples(
            Mapping::new(head, articles).counted(&count).triples(),
        ))
        .map_err(|e| sink_error(e, "cannot write Turtle"))?;
    Ok(count.get())
}

/// Writes the knowledge base (its head, then `articles`) as N-Quads, each article's triples in
/// the graph named after it.
pub fn write_nquads<A: std::borrow::Borrow<Article>>(
    head: &Head<'_>,
    articles: impl Iterator<Item = A>,
    w: impl Write,
) -> Result<()> {
    let mut serializer = NQuadsSerializer::new(w);
    serializer
        .serialize_quads(DeepEnough::quads(Mapping::new(head, articles)))
        .map_err(|e| sink_error(e, "cannot write N-Quads"))?;
    Ok(())
}

/// Writes the knowledge base (its head, then `articles`) as Turtle to `turtle` and as N-Quads
/// to `nquads` from one pass of the mapping: the same bytes as [`write_turtle`] and
/// [`write_nquads`], with the articles read back and mapped once rather than twice. Returns
/// the number of triples in the Turtle.
pub fn write_turtle_and_nquads<A: std::borrow::Borrow<Article>>(
    head: &Head<'_>,
    articles: impl Iterator<Item = A>,
    turtle: impl Write,
    nquads: impl Write,
) -> Result<usize> {
    let config = TurtleConfig::new()
        .with_pretty(false)
        .with_own_prefix_map(prefix_map(&head.shared.config.base_iri));
    let (mut nquads_error, mut triples) = (None, 0);
    let source = TurtleAndNQuads {
        head,
        articles: Some(articles),
        nquads: NQuadsSerializer::new(nquads),
        nquads_error: &mut nquads_error,
        triples: &mut triples,
    };
    let written = TurtleSerializer::new_with_config(turtle, config)
        .serialize_triples(source)
        .map(|_| ())
        .map_err(|e| sink_error(e, "cannot write Turtle"));
    match nquads_error {
        Some(e) => Err(anyhow::Error::new(e).context("cannot write N-Quads")),
        None => written.map(|()| triples),
    }
}

/// The mapping's triples, for the Turtle serializer that reads them, each quad written to the
/// N-Quads on the way (a triple stated in two graphs is two quads and one triple).
struct TurtleAndNQuads<'a, I, W> {
    head: &'a Head<'a>,
    articles: Option<I>,
    nquads: NQuadsSerializer<W>,
    /// What stopped the N-Quads: the Turtle's source then ends, and the caller reports it.
    nquads_error: &'a mut Option<io::Error>,
    triples: &'a mut usize,
}

/// Receives each quad of [`TurtleAndNQuads`]'s one pass.
struct Tee<'s, W, F, E> {
    nquads: &'s mut NQuadsSerializer<W>,
    nquads_error: Option<io::Error>,
    turtle: F,
    turtle_error: Option<E>,
    /// The stack left where the quads are written (see [`DeepEnough`]).
    stack_left: usize,
    triples: usize,
}

impl<W: Write, F: FnMut([&Term; 3]) -> Result<(), E>, E> Tee<'_, W, F, E> {
    fn write(
        &mut self,
        graph: Option<&Term>,
        s: &Term,
        p: Term,
        o: Term,
        triple: bool,
    ) -> io::Result<()> {
        let needed = stack_for_term(&o, self.stack_left);
        let mut write = || -> io::Result<()> {
            let quad = ([s, &p, &o], graph);
            if let Err(e) = self
                .nquads
                .serialize_quads(std::iter::once(quad).into_source())
            {
                let e = match e {
                    StreamError::SinkError(e) => e,
                    StreamError::SourceError(never) => match never {},
                };
                let stopped = io::Error::new(e.kind(), "the N-Quads stopped");
                self.nquads_error = Some(e);
                return Err(stopped);
            }
            if triple {
                self.triples += 1;
                (self.turtle)([s, &p, &o]).map_err(|e| {
                    self.turtle_error = Some(e);
                    io::Error::other("the consumer of the triples stopped")
                })?;
            }
            Ok(())
        };
        match needed {
            None => write(),
            Some(needed) => stacker::maybe_grow(needed, needed, write),
        }
    }
}

impl<W: Write, F: FnMut([&Term; 3]) -> Result<(), E>, E> Emit for Tee<'_, W, F, E> {
    fn quad(&mut self, graph: Option<&Term>, s: &Term, p: Term, o: Term) -> io::Result<()> {
        self.write(graph, s, p, o, true)
    }
    fn quad_stated_again(
        &mut self,
        graph: Option<&Term>,
        s: &Term,
        p: Term,
        o: Term,
    ) -> io::Result<()> {
        self.write(graph, s, p, o, false)
    }
}

impl<I: Iterator<Item = A>, A: std::borrow::Borrow<Article>, W: Write> Source
    for TurtleAndNQuads<'_, I, W>
{
    // Borrowed: the Turtle serializer copies what it keeps, so a triple need not be cloned
    // from the quad the N-Quads were written from.
    type Item<'x> = [&'x Term; 3];
    type Error = io::Error;

    fn try_for_some_item<E, F>(&mut self, f: F) -> StreamResult<bool, Self::Error, E>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(Self::Item<'_>) -> Result<(), E>,
    {
        let Some(articles) = self.articles.take() else {
            return Ok(false);
        };
        let mut tee = Tee {
            nquads: &mut self.nquads,
            nquads_error: None,
            turtle: f,
            turtle_error: None,
            stack_left: stacker::remaining_stack().unwrap_or(0),
            triples: 0,
        };
        let result = map_kb(self.head, articles, &mut tee);
        *self.triples += tee.triples;
        if let (Err(_), Some(e)) = (&result, tee.nquads_error) {
            // The caller reports it; the Turtle is left unfinished.
            *self.nquads_error = Some(e);
            return Ok(false);
        }
        finish(result, tee.turtle_error)
    }
}

/// Writes the indexed graph (see [`crate::index`]) of the knowledge base (its head, then
/// `articles`) to `out`, from the same mapping as every other RDF output. Returns the output and the number of distinct quads.
/// With a budget, the quads are sorted within it (see [`crate::index::SortBudget`]).
pub fn write_index<W: Write, A: std::borrow::Borrow<Article>>(
    head: &Head<'_>,
    articles: impl Iterator<Item = A>,
    out: W,
    budget: Option<crate::index::SortBudget>,
) -> Result<(W, usize)> {
    let union = crate::index::DefaultGraph::Union;
    let index = match budget {
        Some(budget) => crate::index::IndexWriter::with_budget(union, out, budget)?,
        None => crate::index::IndexWriter::new(union, out)?,
    };
    let mut emit = IndexEmit {
        index,
        buf: Vec::new(),
        scope: String::new(),
        predicates: hashbrown::HashMap::new(),
        last_subject: (None, 0),
        last_graph: (None, 0),
    };
    map_kb(head, articles, &mut emit).context("cannot write the indexed graph")?;
    emit.index
        .finish()
        .context("cannot write the indexed graph")
}

/// The mapping's quads, interned into an index as they come.
struct IndexEmit<W: Write> {
    index: crate::index::IndexWriter<W>,
    buf: Vec<u8>,
    /// The current scope's prefix ([`Emit::scope`]); empty outside any.
    scope: String,
    /// The few predicates' ids, found by a quick hash instead of the fingerprint of each quad's.
    predicates: hashbrown::HashMap<String, u32>,
    /// The mapping sends a subject's quads together, in one graph: their ids are kept.
    last_subject: (Option<Term>, u32),
    last_graph: (Option<Term>, u32),
}

impl<W: Write> IndexEmit<W> {
    fn id(&mut self, t: &Term) -> io::Result<u32> {
        match t {
            // The mapping's own terms: encoded without going through the generic accessors.
            SimpleTerm::Iri(i) => {
                crate::index::encode_iri(i.as_str(), &mut self.buf);
                if self.in_scope(i.as_str()) {
                    return self.index.intern_scoped(&self.buf);
                }
            }
            SimpleTerm::LiteralDatatype(value, datatype) => {
                crate::index::encode_literal(value, None, datatype.as_str(), &mut self.buf)
            }
            other => encode_term(other, &mut self.buf),
        }
        self.index.intern(&self.buf)
    }

    /// Whether `iri` is `<scope>#…`.
    fn in_scope(&self, iri: &str) -> bool {
        let prefix = self.scope.as_str();
        !prefix.is_empty()
            && iri.as_bytes().get(prefix.len()) == Some(&b'#')
            && iri.starts_with(prefix)
    }
}

impl<W: Write> Emit for IndexEmit<W> {
    fn quad(&mut self, graph: Option<&Term>, s: &Term, p: Term, o: Term) -> io::Result<()> {
        let s = match &self.last_subject {
            (Some(last), id) if last == s => *id,
            _ => {
                let id = self.id(s)?;
                self.last_subject = (Some(s.clone()), id);
                id
            }
        };
        let p = match &p {
            SimpleTerm::Iri(iri) => match self.predicates.get(iri.as_str()) {
                Some(id) => *id,
                None => {
                    let id = self.id(&p)?;
                    self.predicates.insert(iri.as_str().to_owned(), id);
                    id
                }
            },
            _ => self.id(&p)?,
        };
        let o = self.id(&o)?;
        let g = match (graph, &self.last_graph) {
            (None, _) => crate::index::DEFAULT_GRAPH,
            (Some(g), (Some(last), id)) if last == g => *id,
            (Some(g), _) => {
                let id = self.id(g)?;
                self.last_graph = (Some(g.clone()), id);
                id
            }
        };
        self.index.add_ids(s, p, o, g)
    }

    fn scope(&mut self, prefix: &str) {
        self.scope.clear();
        self.scope.push_str(prefix);
    }

    fn end_scope(&mut self) {
        self.scope.clear();
        self.index.end_scope();
    }
}

/// A sophia term in the index's canonical encoding (see [`crate::index`]).
pub fn encode_term<T: sophia::api::term::Term>(t: &T, out: &mut Vec<u8>) {
    use crate::index;
    match t.kind() {
        TermKind::Iri => index::encode_iri(t.iri().as_ref().map_or("", |i| i.as_str()), out),
        TermKind::BlankNode => {
            index::encode_blank(t.bnode_id().as_ref().map_or("", |b| b.as_str()), out)
        }
        _ => {
            let language = t.language_tag();
            let datatype = t.datatype();
            let value = t.lexical_form();
            index::encode_literal(
                value.as_deref().unwrap_or(""),
                language.as_ref().map(|l| l.as_str()),
                datatype.as_ref().map_or("", |d| d.as_str()),
                out,
            )
        }
    }
}

/// Converts N-Quads to N-Triples (graph names dropped), streaming.
pub fn nquads_to_ntriples(r: impl BufRead, w: impl Write) -> Result<()> {
    let quads = sophia::turtle::parser::nq::parse_bufread(r);
    let mut serializer = NTriplesSerializer::new(w);
    serializer
        .serialize_triples(DeepEnough::triples(quads.to_triples()))
        .map_err(|e| sink_error(e, "cannot convert to N-Triples"))?;
    Ok(())
}

/// Writes the indexed graph's quads as JSON-LD (Oxigraph's streaming serializer): one
/// document whose `@context` declares dossier's prefixes and whose `@graph` holds the default
/// graph's nodes and one named graph per article.
pub fn index_to_jsonld(index: &crate::index::Index, base: &str, w: impl Write) -> Result<()> {
    let mut writer = jsonld_serializer(base)?.for_writer(w);
    for quad in index.all_quads_by_graph() {
        writer
            .serialize_quad(&quad?)
            .context("cannot write JSON-LD")?;
    }
    let mut w = writer.finish().context("cannot write JSON-LD")?;
    w.write_all(b"\n").context("cannot write JSON-LD")?;
    Ok(())
}

/// Oxigraph's JSON-LD serializer with dossier's prefixes as the document's @context (the
/// context `schema/context.jsonld` publishes for the default base IRI).
fn jsonld_serializer(base: &str) -> Result<oxjsonld::JsonLdSerializer> {
    let mut serializer = oxjsonld::JsonLdSerializer::new();
    for (prefix, ns) in mapping::prefixes(base) {
        serializer = serializer
            .with_prefix(prefix, ns)
            .context("a prefix of dossier's is not an IRI")?;
    }
    Ok(serializer)
}

/// Writes triples (e.g. a CONSTRUCT answer) as JSON-LD with dossier's prefixes as @context.
pub fn write_triples_jsonld(triples: &[[RdfTerm; 3]], base: &str, w: impl Write) -> Result<()> {
    let mut writer = jsonld_serializer(base)?.for_writer(w);
    for triple in triples {
        let triple = ox_triple(triple)?;
        writer
            .serialize_quad(triple.as_ref().in_graph(oxrdf::GraphNameRef::DefaultGraph))
            .context("cannot write JSON-LD")?;
    }
    let mut w = writer.finish().context("cannot write JSON-LD")?;
    w.write_all(b"\n").context("cannot write JSON-LD")?;
    Ok(())
}

/// A result triple in Oxigraph's model, for its serializers.
fn ox_triple([s, p, o]: &[RdfTerm; 3]) -> Result<oxrdf::Triple> {
    let subject = match s.to_ox() {
        oxrdf::Term::NamedNode(n) => oxrdf::NamedOrBlankNode::from(n),
        oxrdf::Term::BlankNode(b) => b.into(),
        _ => anyhow::bail!("a triple's subject is a literal"),
    };
    let oxrdf::Term::NamedNode(predicate) = p.to_ox() else {
        anyhow::bail!("a triple's predicate is not an IRI");
    };
    Ok(oxrdf::Triple::new(subject, predicate, o.to_ox()))
}

/// Writes triples (e.g. a CONSTRUCT answer) as RDF/XML with dossier's prefixes.
pub fn write_triples_rdfxml(triples: &[[RdfTerm; 3]], base: &str, w: impl Write) -> Result<()> {
    let mut serializer = oxrdfxml::RdfXmlSerializer::new();
    for (prefix, ns) in mapping::prefixes(base) {
        serializer = serializer
            .with_prefix(prefix, ns)
            .context("a prefix of dossier's is not an IRI")?;
    }
    let mut writer = serializer.for_writer(w);
    for triple in triples {
        let triple = ox_triple(triple)?;
        writer.serialize_triple(&triple).with_context(|| {
            format!(
                "cannot write RDF/XML (a predicate such as <{}> that ends in no name XML \
                 allows cannot be written in it: ask for turtle or ntriples)",
                triple.predicate.as_str()
            )
        })?;
    }
    let mut w = writer.finish().context("cannot write RDF/XML")?;
    w.write_all(b"\n").context("cannot write RDF/XML")?;
    Ok(())
}

/// A result term in sophia's model, for its serializers.
fn sophia_term(t: &RdfTerm) -> Term {
    match t {
        RdfTerm::Iri(i) => iri(i.clone()),
        RdfTerm::BlankNode(b) => SimpleTerm::BlankNode(sophia::api::term::BnodeId::new_unchecked(
            MownStr::from(b.clone()),
        )),
        RdfTerm::Literal {
            value,
            language: Some(l),
            ..
        } => SimpleTerm::LiteralLanguage(
            value.clone().into(),
            LanguageTag::new_unchecked(MownStr::from(l.clone())),
            None,
        ),
        RdfTerm::Literal {
            value, datatype, ..
        } => SimpleTerm::LiteralDatatype(
            value.clone().into(),
            IriRef::new_unchecked(MownStr::from(datatype.clone())),
        ),
    }
}

/// Writes the indexed graph's quads as TriG with dossier's prefixes: the articles' named graphs
/// one after another, then the default graph (the knowledge base's description and the shared
/// actors).
pub fn index_to_trig(index: &crate::index::Index, base: &str, w: impl Write) -> Result<()> {
    use sophia::api::serializer::QuadSerializer;
    use sophia::turtle::serializer::trig::{TriGConfig, TriGSerializer};
    let config = TriGConfig::new()
        .with_pretty(false)
        .with_own_prefix_map(prefix_map(base));
    let source = index.all_quads_by_graph().map(|quad| {
        quad.map(|q| {
            let term = |t: oxrdf::Term| sophia_term(&RdfTerm::from_ox(&t));
            let graph = match q.graph_name {
                oxrdf::GraphName::DefaultGraph => None,
                oxrdf::GraphName::NamedNode(n) => Some(term(n.into())),
                oxrdf::GraphName::BlankNode(b) => Some(term(b.into())),
            };
            (
                [
                    term(q.subject.into()),
                    term(q.predicate.into()),
                    term(q.object),
                ],
                graph,
            )
        })
    });
    TriGSerializer::new_with_config(w, config)
        .serialize_quads(DeepEnough::quads(source))
        .map_err(|e| match e {
            sophia::api::source::StreamError::SourceError(e) => {
                anyhow::Error::from(e).context("cannot read the indexed graph")
            }
            sophia::api::source::StreamError::SinkError(e) => {
                anyhow::Error::from(e).context("cannot write TriG")
            }
        })?;
    Ok(())
}

/// Writes triples (e.g. a CONSTRUCT answer) as Turtle with dossier's prefixes, grouped by
/// subject.
pub fn write_triples_turtle(triples: &[[RdfTerm; 3]], base: &str, w: impl Write) -> Result<()> {
    let mut sorted: Vec<&[RdfTerm; 3]> = triples.iter().collect();
    sorted.sort();
    let config = TurtleConfig::new()
        .with_pretty(false)
        .with_own_prefix_map(prefix_map(base));
    let source = sorted
        .into_iter()
        .map(|[s, p, o]| Ok::<_, Infallible>([sophia_term(s), sophia_term(p), sophia_term(o)]));
    TurtleSerializer::new_with_config(w, config)
        .serialize_triples(DeepEnough::triples(source))
        .map_err(|e| sink_error(e, "cannot write Turtle"))?;
    Ok(())
}

/// Writes triples (e.g. a CONSTRUCT answer) as N-Triples (sophia's serializer), in the order
/// given.
pub fn write_triples_ntriples(triples: &[[RdfTerm; 3]], w: impl Write) -> Result<()> {
    let source = triples
        .iter()
        .map(|[s, p, o]| Ok::<_, Infallible>([sophia_term(s), sophia_term(p), sophia_term(o)]));
    NTriplesSerializer::new(w)
        .serialize_triples(DeepEnough::triples(source))
        .map_err(|e| sink_error(e, "cannot write N-Triples"))?;
    Ok(())
}

/// One RDF term of a result, detached from the engine.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RdfTerm {
    Iri(String),
    BlankNode(String),
    Literal {
        value: String,
        datatype: String,
        language: Option<String>,
    },
}

impl RdfTerm {
    /// A term of Oxigraph's model (the SPARQL evaluator's answers).
    pub fn from_ox(t: &oxrdf::Term) -> RdfTerm {
        match t {
            oxrdf::Term::NamedNode(n) => RdfTerm::Iri(n.as_str().to_owned()),
            oxrdf::Term::BlankNode(b) => RdfTerm::BlankNode(b.as_str().to_owned()),
            oxrdf::Term::Literal(l) => RdfTerm::Literal {
                value: l.value().to_owned(),
                datatype: l.datatype().as_str().to_owned(),
                language: l.language().map(str::to_owned),
            },
            #[allow(unreachable_patterns)]
            other => RdfTerm::Literal {
                value: other.to_string(),
                datatype: vocab::xsd::STRING.to_owned(),
                language: None,
            },
        }
    }

    /// The term in Oxigraph's model (for sparesults and oxjsonld).
    pub fn to_ox(&self) -> oxrdf::Term {
        match self {
            RdfTerm::Iri(i) => oxrdf::NamedNode::new_unchecked(i.as_str()).into(),
            RdfTerm::BlankNode(b) => oxrdf::BlankNode::new_unchecked(b.as_str()).into(),
            RdfTerm::Literal {
                value,
                language: Some(l),
                ..
            } => oxrdf::Literal::new_language_tagged_literal_unchecked(value.as_str(), l.as_str())
                .into(),
            RdfTerm::Literal {
                value, datatype, ..
            } if datatype.is_empty() || datatype == vocab::xsd::STRING => {
                oxrdf::Literal::new_simple_literal(value.as_str()).into()
            }
            RdfTerm::Literal {
                value, datatype, ..
            } => oxrdf::Literal::new_typed_literal(
                value.as_str(),
                oxrdf::NamedNode::new_unchecked(datatype.as_str()),
            )
            .into(),
        }
    }

    pub fn from_term<T: sophia::api::term::Term>(t: &T) -> RdfTerm {
        match t.kind() {
            TermKind::Iri => {
                RdfTerm::Iri(t.iri().map(|i| i.as_str().to_owned()).unwrap_or_default())
            }
            TermKind::BlankNode => RdfTerm::BlankNode(
                t.bnode_id()
                    .map(|b| b.as_str().to_owned())
                    .unwrap_or_default(),
            ),
            TermKind::Literal => RdfTerm::Literal {
                value: t.lexical_form().map(|l| l.to_string()).unwrap_or_default(),
                datatype: t
                    .datatype()
                    .map(|d| d.as_str().to_owned())
                    .unwrap_or_default(),
                language: t.language_tag().map(|l| l.as_str().to_owned()),
            },
            _ => RdfTerm::Literal {
                value: String::new(),
                datatype: vocab::xsd::STRING.to_owned(),
                language: None,
            },
        }
    }

    /// The plain value: an IRI's text, a literal's lexical form.
    pub fn value(&self) -> &str {
        match self {
            RdfTerm::Iri(s) | RdfTerm::BlankNode(s) => s,
            RdfTerm::Literal { value, .. } => value,
        }
    }

    /// The term in N-Triples syntax.
    pub fn to_ntriples(&self) -> String {
        match self {
            RdfTerm::Iri(i) => format!("<{i}>"),
            RdfTerm::BlankNode(b) => format!("_:{b}"),
            RdfTerm::Literal {
                value,
                datatype,
                language,
            } => {
                let escaped = escape_literal(value);
                match language {
                    Some(l) => format!("\"{escaped}\"@{l}"),
                    None if datatype == vocab::xsd::STRING || datatype.is_empty() => {
                        format!("\"{escaped}\"")
                    }
                    None => format!("\"{escaped}\"^^<{datatype}>"),
                }
            }
        }
    }
}

fn escape_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A Turtle, an N-Quads, and the triples counted.
    type Written = (Vec<u8>, Vec<u8>, usize);

    /// The Turtle and the N-Quads of the seeds folder `seeds` written one at a time and in one
    /// pass.
    fn both_ways(seeds: &str) -> (Written, Written) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(seeds);
        let kb = dossier_model::validate::load(&dir).expect("the seeds are valid");
        let mut builder = HeadBuilder::default();
        kb.articles.iter().for_each(|a| builder.add(a));
        let head = builder.finish(kb.shared());
        let (mut turtle, mut nquads) = (Vec::new(), Vec::new());
        let triples = write_turtle(&head, kb.articles.iter(), &mut turtle).unwrap();
        write_nquads(&head, kb.articles.iter(), &mut nquads).unwrap();
        let (mut one_turtle, mut one_nquads) = (Vec::new(), Vec::new());
        let one_triples =
            write_turtle_and_nquads(&head, kb.articles.iter(), &mut one_turtle, &mut one_nquads)
                .unwrap();
        (
            (turtle, nquads, triples),
            (one_turtle, one_nquads, one_triples),
        )
    }

    #[test]
    fn one_pass_writes_the_turtle_and_the_nquads_of_two_passes() {
        for seeds in ["seeds", "tests/fixtures/adversarial", "tests/fixtures/mini"] {
            let (apart, together) = both_ways(seeds);
            assert!(apart.2 > 100, "{seeds}: {} triples", apart.2);
            assert_eq!(apart.2, together.2, "{seeds}: the triples counted");
            assert!(apart.0 == together.0, "{seeds}: the Turtle differs");
            assert!(apart.1 == together.1, "{seeds}: the N-Quads differ");
        }
    }

    #[test]
    fn one_pass_writes_a_triple_stated_in_two_graphs_once_in_the_turtle() {
        // Two articles state the same relation between shared actors: two quads, one triple.
        let dir = tempfile::tempdir().unwrap();
        let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/mini");
        copy_folder(&seeds, dir.path());
        let second = dir.path().join("second-meeting");
        std::fs::create_dir(&second).unwrap();
        std::fs::write(second.join("article.txt"), "Ana López met Bo Chen again.").unwrap();
        std::fs::write(
            second.join("facts.toml"),
            r#"[article]
title = "Second meeting"
language = "en"

[[relations]]
id = "lopez-met-chen-again"
subject = "ana-lopez"
predicate = "met"
object = "bo-chen"
[[relations.evidence]]
quote = "met Bo Chen"
asserted_by = "author"
modality = "reported_fact"
"#,
        )
        .unwrap();
        let (apart, together) = both_ways(dir.path().to_str().unwrap());
        let quads = together.1.iter().filter(|&&b| b == b'\n').count();
        assert!(
            quads > together.2,
            "{quads} quads and {} triples",
            together.2
        );
        assert_eq!(apart.2, together.2);
        assert!(apart.0 == together.0, "the Turtle differs");
        assert!(apart.1 == together.1, "the N-Quads differ");
    }

    /// A file that takes `room` bytes, then fails as a full disk does.
    struct FullAfter {
        room: usize,
    }

    impl Write for FullAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.room {
                return Err(io::Error::from_raw_os_error(28));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Whether the disk's own error is in `e`'s chain, itself or as the error a serializer
    /// wrapped (what `kb::explain_write_failure` looks for).
    fn says_disk_full(e: &anyhow::Error) -> bool {
        e.chain()
            .filter_map(|c| c.downcast_ref::<io::Error>())
            .any(|io| {
                let wrapped = io.get_ref().and_then(|w| w.downcast_ref::<io::Error>());
                [Some(io), wrapped]
                    .into_iter()
                    .flatten()
                    .any(|io| io.raw_os_error() == Some(28))
            })
    }

    #[test]
    fn one_pass_says_which_file_could_not_be_written() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
        let kb = dossier_model::validate::load(&dir).expect("the seeds are valid");
        let mut builder = HeadBuilder::default();
        kb.articles.iter().for_each(|a| builder.add(a));
        let head = builder.finish(kb.shared());
        let full = FullAfter { room: 4096 };
        let e = write_turtle_and_nquads(&head, kb.articles.iter(), Vec::new(), full).unwrap_err();
        assert!(
            format!("{e:#}").starts_with("cannot write N-Quads"),
            "{e:#}"
        );
        assert!(says_disk_full(&e), "{e:?}");
        let full = FullAfter { room: 4096 };
        let e = write_turtle_and_nquads(&head, kb.articles.iter(), full, Vec::new()).unwrap_err();
        assert!(format!("{e:#}").starts_with("cannot write Turtle"), "{e:#}");
        assert!(says_disk_full(&e), "{e:?}");
    }

    fn copy_folder(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                copy_folder(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
}
