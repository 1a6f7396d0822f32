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
use sophia::api::source::{Source, StreamError, StreamResult};
use sophia::api::term::{IriRef, LanguageTag, SimpleTerm};
use sophia::inmem::graph::FastGraph;
use sophia::turtle::serializer::nq::NQuadsSerializer;
use sophia::turtle::serializer::nt::NTriplesSerializer;
use sophia::turtle::serializer::turtle::{TurtleConfig, TurtleSerializer};

use crate::model::{AUTHOR, Article, DatePrecision, Evidence, KnowledgeBase, RecordKind};
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
    fn opt(&mut self, p: &'static str, o: Option<Term>) -> io::Result<()> {
        match o {
            Some(o) => self.add(p, o),
            None => Ok(()),
        }
    }
}

/// Triples whose subject is a record but that another part of the seeds states (a relation
/// from an article, an article's evidence for a shared actor): emitted inside the subject's own
/// block so that every subject's triples stay together. Each comes with its graph.
type Extras<'a> = HashMap<&'a str, Vec<(Term, Term, Term)>>;

fn emit_extras<E: Emit>(
    out: &mut E,
    subject: &Term,
    id: &str,
    extras: &Extras<'_>,
) -> io::Result<()> {
    let all = extras.get(id).map(Vec::as_slice).unwrap_or_default();
    for (n, (graph, p, o)) in all.iter().enumerate() {
        let repeated = !out.keeps_graphs() && all[..n].iter().any(|(_, q, x)| q == p && x == o);
        if !repeated {
            out.quad(Some(graph), subject, p.clone(), o.clone())?;
        }
    }
    Ok(())
}

/// The mapping, model → quads. Articles' triples go in a named graph named after the article;
/// the knowledge base's own description and the shared actors go in the default graph.
fn map_kb<E: Emit>(kb: &KnowledgeBase, out: &mut E) -> io::Result<()> {
    let base = kb.config.base_iri.as_str();
    {
        let mut s = Subject {
            out,
            graph: None,
            s: iri(base.to_owned()),
        };
        s.add(rdf::TYPE, iri(schema::DATASET))?;
        s.add(dcterms::TITLE, string(kb.config.title.clone()))?;
        s.opt(
            dcterms::DESCRIPTION,
            kb.config.description.clone().map(string),
        )?;
        if let Some(license) = &kb.config.license {
            let is_iri = license.starts_with("http://") || license.starts_with("https://");
            s.add(
                dcterms::LICENSE,
                if is_iri {
                    iri(license.clone())
                } else {
                    string(license.clone())
                },
            )?;
        }
    }
    let mut kinds: HashMap<&str, RecordKind> = HashMap::new();
    for actor in &kb.actors {
        kinds.insert(actor.id.as_str(), RecordKind::Actor);
    }
    for article in &kb.articles {
        for (kind, id, _) in article.records() {
            kinds.insert(id.as_str(), kind);
        }
    }
    let mut extras: Extras<'_> = HashMap::new();
    for article in &kb.articles {
        let graph = iri(record_iri(base, RecordKind::Article, article.id.as_str()));
        for r in &article.facts.relations {
            let object_kind = kinds
                .get(r.object.as_str())
                .copied()
                .unwrap_or(RecordKind::Actor);
            let link = (
                graph.clone(),
                iri(concept(
                    crate::model::RelationType::SCHEME,
                    r.predicate.as_str(),
                )),
                iri(record_iri(base, object_kind, r.object.as_str())),
            );
            // Two relation records may state the same link (from two quotes): one triple.
            let links = extras.entry(r.subject.as_str()).or_default();
            if !links.contains(&link) {
                links.push(link);
            }
        }
        let mut seen = std::collections::HashSet::new();
        for m in &article.facts.mentions {
            let is_actor = kinds.get(m.record.as_str()) == Some(&RecordKind::Actor);
            if is_actor && seen.insert(m.record.as_str()) {
                extras.entry(m.record.as_str()).or_default().push((
                    graph.clone(),
                    iri(prov::WAS_DERIVED_FROM),
                    graph.clone(),
                ));
            }
        }
    }
    for actor in &kb.actors {
        let mut s = Subject {
            out,
            graph: None,
            s: iri(record_iri(base, RecordKind::Actor, actor.id.as_str())),
        };
        s.add(rdf::TYPE, iri(dos::ACTOR))?;
        let extra = match actor.kind {
            crate::model::ActorKind::Person => Some(schema::PERSON),
            crate::model::ActorKind::State => Some(schema::COUNTRY),
            crate::model::ActorKind::Organization => Some(schema::ORGANIZATION),
            crate::model::ActorKind::Group => None,
        };
        if let Some(class) = extra {
            s.add(rdf::TYPE, iri(class))?;
        }
        s.add(dcterms::IDENTIFIER, string(actor.id.to_string()))?;
        s.add(rdfs::LABEL, string(actor.name.clone()))?;
        s.add(
            dos::ACTOR_KIND,
            iri(concept(
                crate::model::ActorKind::SCHEME,
                actor.kind.as_str(),
            )),
        )?;
        for alias in &actor.aliases {
            s.add(skos::ALT_LABEL, string(alias.clone()))?;
        }
        s.opt(dcterms::DESCRIPTION, actor.description.clone().map(string))?;
        let subject = s.s.clone();
        emit_extras(out, &subject, actor.id.as_str(), &extras)?;
    }
    for article in &kb.articles {
        map_article(base, &kinds, &extras, article, out)?;
    }
    Ok(())
}

fn map_article<E: Emit>(
    base: &str,
    kinds: &HashMap<&str, RecordKind>,
    extras: &Extras<'_>,
    article: &Article,
    out: &mut E,
) -> io::Result<()> {
    let id = article.id.as_str();
    let meta = &article.facts.article;
    let lang = LanguageTag::new(MownStr::from(meta.language.to_ascii_lowercase())).ok();
    let graph = iri(record_iri(base, RecordKind::Article, id));
    let g = Some(&graph);
    let author = iri(format!(
        "{}#{AUTHOR}",
        record_iri(base, RecordKind::Article, id)
    ));
    let rec = |kind: RecordKind, rid: &str| iri(record_iri(base, kind, rid));
    let actor = |rid: &str| iri(record_iri(base, RecordKind::Actor, rid));
    let agent = |who: &str| {
        if who == AUTHOR {
            author.clone()
        } else {
            actor(who)
        }
    };
    let lit = |s: &str| text(s, &lang);

    {
        let mut s = Subject {
            out: &mut *out,
            graph: g,
            s: graph.clone(),
        };
        s.add(rdf::TYPE, iri(schema::ARTICLE))?;
        s.add(dcterms::IDENTIFIER, string(id.to_owned()))?;
        s.add(dcterms::TITLE, lit(&meta.title))?;
        s.opt(dos::TITLE_NOTE, meta.title_note.as_deref().map(lit))?;
        s.add(dcterms::LANGUAGE, string(meta.language.clone()))?;
        s.opt(schema::GENRE, meta.genre.clone().map(string))?;
        s.opt(dcterms::CREATOR, meta.author.clone().map(string))?;
        s.opt(dcterms::PUBLISHER, meta.outlet.clone().map(string))?;
        s.opt(dcterms::ISSUED, meta.published.as_ref().map(date_literal))?;
        s.opt(
            schema::URL,
            meta.url.clone().map(|u| typed(u, xsd::ANY_URI)),
        )?;
        s.add(dcterms::IS_PART_OF, iri(base.to_owned()))?;
        s.add(schema::AUTHOR, author.clone())?;
        s.add(schema::TEXT, lit(&article.text))?;
    }
    {
        let mut s = Subject {
            out: &mut *out,
            graph: g,
            s: author.clone(),
        };
        s.add(rdf::TYPE, iri(dos::AUTHOR))?;
        s.add(rdfs::LABEL, string(format!("author of {id}")))?;
    }

    // Every record: its type, id, label and source, then its own fields.
    let f = &article.facts;
    let mut records = article.records();
    macro_rules! record {
        ($class:expr) => {{
            let (kind, rid, label) = records.next().expect("records() follows the facts' order");
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: rec(kind, rid.as_str()),
            };
            s.add(rdf::TYPE, iri($class))?;
            s.add(dcterms::IDENTIFIER, string(rid.to_string()))?;
            // A relation's label is made of ids, not of the article's words.
            let label = if kind == RecordKind::Relation {
                string(label.into_owned())
            } else {
                lit(&label)
            };
            s.add(rdfs::LABEL, label)?;
            s.add(prov::WAS_DERIVED_FROM, graph.clone())?;
            s
        }};
    }
    macro_rules! done {
        ($s:ident, $id:expr) => {{
            let subject = $s.s.clone();
            emit_extras(&mut *out, &subject, $id.as_str(), extras)?;
        }};
    }
    for r in &f.roles {
        let mut s = record!(dos::ROLE);
        s.add(dos::HELD_BY, actor(r.holder.as_str()))?;
        s.add(schema::ROLE_NAME, lit(&r.title))?;
        s.opt(
            dos::ROLE_IN,
            r.organization.as_ref().map(|o| actor(o.as_str())),
        )?;
        done!(s, r.id);
    }
    for e in &f.events {
        let mut s = record!(dos::EVENT);
        s.opt(dcterms::DESCRIPTION, e.description.as_deref().map(lit))?;
        if let Some(date) = &e.date {
            s.add(dcterms::DATE, date_literal(date))?;
            s.add(
                dos::DATE_PRECISION,
                iri(concept(
                    vocab::DATE_PRECISION_SCHEME,
                    date.precision().as_str(),
                )),
            )?;
        }
        s.opt(dos::WHEN, e.when.as_deref().map(lit))?;
        s.opt(schema::LOCATION, e.place.as_deref().map(lit))?;
        let event_iri = s.s.clone();
        let participation = |n: usize| iri(format!("{}#participant-{n}", iri_str(&event_iri)));
        let quantity = |n: usize| iri(format!("{}#quantity-{n}", iri_str(&event_iri)));
        for n in 1..=e.participants.len() {
            s.add(dos::PARTICIPATION_PROP, participation(n))?;
        }
        for n in 1..=e.quantities.len() {
            s.add(dos::QUANTITY, quantity(n))?;
        }
        done!(s, e.id);
        for (n, p) in e.participants.iter().enumerate() {
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: participation(n + 1),
            };
            s.add(rdf::TYPE, iri(dos::PARTICIPATION))?;
            s.add(dos::AGENT, actor(p.actor.as_str()))?;
            s.add(dos::PARTICIPANT_ROLE, lit(&p.role))?;
        }
        for (n, q) in e.quantities.iter().enumerate() {
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: quantity(n + 1),
            };
            s.add(rdf::TYPE, iri(schema::QUANTITATIVE_VALUE))?;
            s.add(schema::NAME, lit(&q.measure))?;
            s.add(schema::VALUE, typed(q.value.to_string(), xsd::INTEGER))?;
            s.opt(schema::UNIT_TEXT, q.unit.as_deref().map(lit))?;
        }
    }
    for a in &f.agreements {
        let mut s = record!(dos::AGREEMENT);
        s.add(
            dos::AGREEMENT_KIND,
            iri(concept(
                crate::model::AgreementKind::SCHEME,
                a.kind.as_str(),
            )),
        )?;
        s.opt(dos::INSTRUMENT, a.instrument.as_deref().map(lit))?;
        for p in &a.parties {
            s.add(dos::PARTY, actor(p.as_str()))?;
        }
        s.opt(dos::PURPOSE, a.purpose.as_deref().map(lit))?;
        s.add(
            dos::AGREEMENT_STATUS,
            iri(concept(
                crate::model::AgreementStatus::SCHEME,
                a.status.as_str(),
            )),
        )?;
        done!(s, a.id);
    }
    for p in &f.policies {
        let mut s = record!(dos::POLICY);
        s.add(
            dos::POLICY_KIND,
            iri(concept(crate::model::PolicyKind::SCHEME, p.kind.as_str())),
        )?;
        s.opt(dos::ISSUER, p.issuer.as_ref().map(|i| actor(i.as_str())))?;
        for t in &p.targets {
            s.add(dos::TARGET, actor(t.as_str()))?;
        }
        s.opt(
            dos::RATE_PERCENT,
            p.rate_percent
                .as_ref()
                .map(|r| typed(r.canonical(), xsd::DECIMAL)),
        )?;
        s.add(
            dos::POLICY_STATUS,
            iri(concept(
                crate::model::PolicyStatus::SCHEME,
                p.status.as_str(),
            )),
        )?;
        s.opt(
            dos::STATUS_DURATION,
            p.status_duration
                .as_ref()
                .map(|d| typed(d.as_str().to_owned(), xsd::DURATION)),
        )?;
        s.opt(dos::RESULTS, p.results.as_deref().map(lit))?;
        done!(s, p.id);
    }
    for c in &f.conditions {
        let mut s = record!(dos::CONDITION);
        s.add(dos::STATED_BY, actor(c.stated_by.as_str()))?;
        s.add(
            dos::CONSTRAINS,
            rec(RecordKind::Agreement, c.constrains.as_str()),
        )?;
        s.add(
            dos::CONSTRAINT_KIND,
            iri(concept(
                crate::model::ConstraintKind::SCHEME,
                c.constraint.as_str(),
            )),
        )?;
        s.add(dos::CONSTRAINT_VALUE, lit(&c.value))?;
        s.opt(dos::EXCEPTION, c.exception.as_deref().map(lit))?;
        done!(s, c.id);
    }
    // Validation guarantees every reference resolves, so a miss cannot happen.
    let kinds = |rid: &str| -> RecordKind { kinds.get(rid).copied().unwrap_or(RecordKind::Actor) };
    for c in &f.claims {
        let mut s = record!(dos::CLAIM);
        s.add(
            dos::CLAIM_KIND,
            iri(concept(crate::model::ClaimKind::SCHEME, c.kind.as_str())),
        )?;
        s.add(dos::CLAIMANT, agent(&c.claimant))?;
        for about in &c.about {
            s.add(dos::ABOUT, rec(kinds(about.as_str()), about.as_str()))?;
        }
        done!(s, c.id);
    }
    for r in &f.relations {
        let mut s = record!(dos::RELATION);
        s.add(rdf::TYPE, iri(rdf::STATEMENT))?;
        s.add(
            rdf::SUBJECT,
            rec(kinds(r.subject.as_str()), r.subject.as_str()),
        )?;
        let predicate = concept(crate::model::RelationType::SCHEME, r.predicate.as_str());
        s.add(rdf::PREDICATE, iri(predicate))?;
        s.add(
            rdf::OBJECT,
            rec(kinds(r.object.as_str()), r.object.as_str()),
        )?;
        done!(s, r.id);
    }

    for item in article.evidence() {
        let ev_str = format!("{base}{}/{}", vocab::EVIDENCE_SEGMENT, item.id());
        let ev = iri(ev_str.clone());
        let target = iri(format!("{ev_str}#target"));
        let quote_sel = iri(format!("{ev_str}#quote"));
        let position = iri(format!("{ev_str}#position"));
        let (start, end) = item.span();
        let e: &Evidence = item.evidence;
        {
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: ev,
            };
            s.add(rdf::TYPE, iri(oa::ANNOTATION))?;
            s.add(dcterms::IDENTIFIER, string(item.id()))?;
            s.add(
                oa::HAS_BODY,
                rec(kinds(item.record.as_str()), item.record.as_str()),
            )?;
            s.add(oa::HAS_TARGET, target.clone())?;
            s.add(prov::WAS_ATTRIBUTED_TO, agent(&e.asserted_by))?;
            s.add(
                dos::MODALITY,
                iri(concept(crate::model::Modality::SCHEME, e.modality.as_str())),
            )?;
            s.add(prov::WAS_DERIVED_FROM, graph.clone())?;
        }
        {
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: target,
            };
            s.add(rdf::TYPE, iri(oa::SPECIFIC_RESOURCE))?;
            s.add(oa::HAS_SOURCE, graph.clone())?;
            s.add(oa::HAS_SELECTOR, quote_sel.clone())?;
            s.add(oa::HAS_SELECTOR, position.clone())?;
        }
        {
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: quote_sel,
            };
            s.add(rdf::TYPE, iri(oa::TEXT_QUOTE_SELECTOR))?;
            s.add(oa::EXACT, string(e.quote.clone()))?;
        }
        {
            let mut s = Subject {
                out: &mut *out,
                graph: g,
                s: position,
            };
            s.add(rdf::TYPE, iri(oa::TEXT_POSITION_SELECTOR))?;
            s.add(
                oa::START,
                typed(start.to_string(), xsd::NON_NEGATIVE_INTEGER),
            )?;
            s.add(oa::END, typed(end.to_string(), xsd::NON_NEGATIVE_INTEGER))?;
        }
    }
    Ok(())
}

fn iri_str(t: &Term) -> &str {
    match t {
        SimpleTerm::Iri(i) => i.as_str(),
        _ => "",
    }
}

fn date_literal(d: &crate::model::PartialDate) -> Term {
    let datatype = match d.precision() {
        DatePrecision::Year => xsd::G_YEAR,
        DatePrecision::Month => xsd::G_YEAR_MONTH,
        DatePrecision::Day => xsd::DATE,
    };
    typed(d.to_string(), datatype)
}

/// The mapping as a sophia source of quads (graph name = the article) or triples.
pub struct Mapping<'a> {
    kb: &'a KnowledgeBase,
    done: bool,
    /// Counts what was emitted, for the build summary.
    emitted: Option<&'a std::cell::Cell<usize>>,
}

impl<'a> Mapping<'a> {
    pub fn new(kb: &'a KnowledgeBase) -> Self {
        Mapping {
            kb,
            done: false,
            emitted: None,
        }
    }
    /// The same mapping, adding the number of quads it emits to `counter`.
    pub fn counted(mut self, counter: &'a std::cell::Cell<usize>) -> Self {
        self.emitted = Some(counter);
        self
    }
    /// The same mapping with graph names dropped.
    pub fn triples(self) -> Triples<'a> {
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

fn finish<E: std::error::Error + Send + Sync + 'static>(
    kb_result: io::Result<()>,
    error: Option<E>,
) -> StreamResult<bool, Infallible, E> {
    match (kb_result, error) {
        (Ok(()), _) => Ok(false),
        (Err(_), Some(e)) => Err(StreamError::SinkError(e)),
        (Err(e), None) => unreachable!("the mapping fails only through its consumer: {e}"),
    }
}

impl Source for Mapping<'_> {
    type Item<'x> = ([Term; 3], Option<Term>);
    type Error = Infallible;

    fn try_for_some_item<E, F>(&mut self, f: F) -> StreamResult<bool, Self::Error, E>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(Self::Item<'_>) -> Result<(), E>,
    {
        if std::mem::replace(&mut self.done, true) {
            return Ok(false);
        }
        let mut forward = Forward {
            f: QuadFn(f),
            error: None,
            with_graph: true,
            count: 0,
        };
        let result = map_kb(self.kb, &mut forward);
        if let Some(c) = self.emitted {
            c.set(c.get() + forward.count);
        }
        finish(result, forward.error)
    }
}

/// The mapping's triples, graph names dropped.
pub struct Triples<'a>(Mapping<'a>);

impl Source for Triples<'_> {
    type Item<'x> = [Term; 3];
    type Error = Infallible;

    fn try_for_some_item<E, F>(&mut self, f: F) -> StreamResult<bool, Self::Error, E>
    where
        E: std::error::Error + Send + Sync + 'static,
        F: FnMut(Self::Item<'_>) -> Result<(), E>,
    {
        if std::mem::replace(&mut self.0.done, true) {
            return Ok(false);
        }
        let mut forward = Forward {
            f: TripleFn(f),
            error: None,
            with_graph: false,
            count: 0,
        };
        let result = map_kb(self.0.kb, &mut forward);
        if let Some(c) = self.0.emitted {
            c.set(c.get() + forward.count);
        }
        finish(result, forward.error)
    }
}

fn prefix_map(base: &str) -> Vec<PrefixMapPair> {
    vocab::prefixes(base)
        .into_iter()
        .filter_map(|(p, ns)| {
            Some((
                Prefix::new(p.into_boxed_str()).ok()?,
                sophia::api::prelude::Iri::new(ns.into_boxed_str()).ok()?,
            ))
        })
        .collect()
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

/// Writes the knowledge base as Turtle: prefixes, then each subject's triples grouped.
/// Returns the number of triples written.
pub fn write_turtle(kb: &KnowledgeBase, w: impl Write) -> Result<usize> {
    let count = std::cell::Cell::new(0);
    let config = TurtleConfig::new()
        .with_pretty(false)
        .with_own_prefix_map(prefix_map(&kb.config.base_iri));
    let mut serializer = TurtleSerializer::new_with_config(w, config);
    serializer
        .serialize_triples(Mapping::new(kb).counted(&count).triples())
        .map_err(|e| sink_error(e, "cannot write Turtle"))?;
    Ok(count.get())
}

/// Writes the knowledge base as N-Quads, each article's triples in the graph named after it.
pub fn write_nquads(kb: &KnowledgeBase, w: impl Write) -> Result<()> {
    let mut serializer = NQuadsSerializer::new(w);
    serializer
        .serialize_quads(Mapping::new(kb))
        .map_err(|e| sink_error(e, "cannot write N-Quads"))?;
    Ok(())
}

/// Converts N-Quads to N-Triples (graph names dropped), streaming.
pub fn nquads_to_ntriples(r: impl BufRead, w: impl Write) -> Result<()> {
    let quads = sophia::turtle::parser::nq::parse_bufread(r);
    let mut serializer = NTriplesSerializer::new(w);
    serializer
        .serialize_triples(quads.to_triples())
        .map_err(|e| sink_error(e, "cannot convert to N-Triples"))?;
    Ok(())
}

/// Converts N-Quads to JSON-LD (expanded form, one named graph per article) with sophia's
/// JSON-LD serializer. The document is built in memory, then written in one piece.
pub fn nquads_to_jsonld(r: impl BufRead, mut w: impl Write) -> Result<()> {
    let quads = sophia::turtle::parser::nq::parse_bufread(r);
    let mut serializer = sophia::jsonld::JsonLdSerializer::new_stringifier();
    serializer
        .serialize_quads(quads)
        .map_err(|e| anyhow::anyhow!("cannot convert to JSON-LD: {e}"))?;
    w.write_all(sophia::api::serializer::Stringifier::as_utf8(&serializer))
        .context("cannot write JSON-LD")?;
    w.write_all(b"\n").context("cannot write JSON-LD")?;
    Ok(())
}

/// Writes triples (e.g. a CONSTRUCT answer) as Turtle with dossier's prefixes, grouped by
/// subject.
pub fn write_triples_turtle(
    triples: &[[crate::sparql::RdfTerm; 3]],
    base: &str,
    w: impl Write,
) -> Result<()> {
    use crate::sparql::RdfTerm;
    let term = |t: &RdfTerm| -> Term {
        match t {
            RdfTerm::Iri(i) => iri(i.clone()),
            RdfTerm::BlankNode(b) => SimpleTerm::BlankNode(
                sophia::api::term::BnodeId::new_unchecked(MownStr::from(b.clone())),
            ),
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
    };
    let mut sorted: Vec<&[RdfTerm; 3]> = triples.iter().collect();
    sorted.sort();
    let config = TurtleConfig::new()
        .with_pretty(false)
        .with_own_prefix_map(prefix_map(base));
    let source = sorted
        .into_iter()
        .map(|[s, p, o]| Ok::<_, Infallible>([term(s), term(p), term(o)]));
    TurtleSerializer::new_with_config(w, config)
        .serialize_triples(source)
        .map_err(|e| sink_error(e, "cannot write Turtle"))?;
    Ok(())
}

/// Loads a Turtle file into an in-memory graph for querying.
pub fn load_turtle(r: impl BufRead) -> Result<FastGraph> {
    sophia::turtle::parser::turtle::parse_bufread(r)
        .collect_triples()
        .context("the built Turtle file cannot be parsed: rebuild it with `dossier build`")
}
