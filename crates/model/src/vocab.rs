//! The IRIs dossier writes: the standard vocabularies' terms it uses and its own (`dos:`, with
//! the label and comment of each in [`TERMS`]), the closed lists' concept IRIs and the records'
//! IRIs. Which term holds which field is [`crate::mapping`]'s business; `crate::ontology` writes
//! `schema/ontology.ttl` from both.

use crate::model::RecordKind;

macro_rules! namespace {
    ($(#[$doc:meta])* $name:ident = $ns:literal { $($term:ident = $local:literal),* $(,)? }) => {
        $(#[$doc])*
        pub mod $name {
            pub const NS: &str = $ns;
            $(pub const $term: &str = concat!($ns, $local);)*
        }
    };
}

namespace!(rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#" {
    TYPE = "type", SUBJECT = "subject", PREDICATE = "predicate", OBJECT = "object",
    STATEMENT = "Statement", VALUE = "value", JSON = "JSON", LANG_STRING = "langString",
});
namespace!(rdfs = "http://www.w3.org/2000/01/rdf-schema#" { LABEL = "label" });
namespace!(xsd = "http://www.w3.org/2001/XMLSchema#" {
    STRING = "string", INTEGER = "integer", NON_NEGATIVE_INTEGER = "nonNegativeInteger",
    DECIMAL = "decimal", DATE = "date", G_YEAR_MONTH = "gYearMonth", G_YEAR = "gYear",
    DURATION = "duration", ANY_URI = "anyURI", BOOLEAN = "boolean",
});
namespace!(dcterms = "http://purl.org/dc/terms/" {
    TITLE = "title", DESCRIPTION = "description", IDENTIFIER = "identifier", LANGUAGE = "language",
    CREATOR = "creator", PUBLISHER = "publisher", ISSUED = "issued", DATE = "date",
    LICENSE = "license", IS_PART_OF = "isPartOf", SUBJECT = "subject", CREATED = "created",
    RELATION = "relation",
});
namespace!(prov = "http://www.w3.org/ns/prov#" {
    AGENT = "Agent", WAS_DERIVED_FROM = "wasDerivedFrom", WAS_ATTRIBUTED_TO = "wasAttributedTo",
});
namespace!(schema = "https://schema.org/" {
    ARTICLE = "Article", DATASET = "Dataset", PERSON = "Person", ORGANIZATION = "Organization",
    COUNTRY = "Country", EVENT = "Event", QUANTITATIVE_VALUE = "QuantitativeValue",
    NAME = "name", VALUE = "value", UNIT_TEXT = "unitText", LOCATION = "location",
    GENRE = "genre", URL = "url", TEXT = "text", ROLE_NAME = "roleName", AUTHOR = "author",
    PUBLISHER = "publisher",
});
namespace!(skos = "http://www.w3.org/2004/02/skos/core#" {
    ALT_LABEL = "altLabel", EDITORIAL_NOTE = "editorialNote", CONCEPT = "Concept",
    PREF_LABEL = "prefLabel", DEFINITION = "definition", BROADER = "broader",
});
namespace!(oa = "http://www.w3.org/ns/oa#" {
    ANNOTATION = "Annotation", SPECIFIC_RESOURCE = "SpecificResource",
    TEXT_QUOTE_SELECTOR = "TextQuoteSelector", TEXT_POSITION_SELECTOR = "TextPositionSelector",
    HAS_BODY = "hasBody", HAS_TARGET = "hasTarget", HAS_SOURCE = "hasSource",
    HAS_SELECTOR = "hasSelector", EXACT = "exact", START = "start", END = "end",
});
namespace!(
    /// dossier's own terms: only what the standard vocabularies lack.
    dos = "https://w3id.org/dossier/ontology#" {
    ACTOR = "Actor", AUTHOR = "Author", CURATOR = "Curator", ROLE = "Role", EVENT = "Event", AGREEMENT = "Agreement",
    POLICY = "Policy", CONDITION = "Condition", CLAIM = "Claim", RELATION = "Relation",
    PARTICIPATION = "Participation",
    ACTOR_KIND = "actorKind", TITLE_NOTE = "titleNote",
    HELD_BY = "heldBy", ROLE_IN = "roleIn",
    DATE_PRECISION = "datePrecision", WHEN = "when", PARTICIPATION_PROP = "participation",
    AGENT = "agent", PARTICIPANT_ROLE = "participantRole", QUANTITY = "quantity",
    AGREEMENT_KIND = "agreementKind", INSTRUMENT = "instrument", PARTY = "party",
    PURPOSE = "purpose", AGREEMENT_STATUS = "agreementStatus",
    POLICY_KIND = "policyKind", ISSUER = "issuer", TARGET = "target", RATE_PERCENT = "ratePercent",
    POLICY_STATUS = "policyStatus", STATUS_DURATION = "statusDuration", RESULTS = "results",
    STATED_BY = "statedBy", CONSTRAINS = "constrains", CONSTRAINT_KIND = "constraintKind",
    CONSTRAINT_VALUE = "constraintValue", EXCEPTION = "exception",
    CLAIM_KIND = "claimKind", CLAIMANT = "claimant", ABOUT = "about",
    MODALITY = "modality",
    COMMITMENT = "Commitment", COMMITTED_BY = "committedBy", ACTION = "action",
    DEADLINE = "deadline", DEADLINE_TEXT = "deadlineText", COMMITMENT_STATUS = "commitmentStatus",
    TITLE_SOURCE = "titleSource", TOPIC = "Topic",
    STATEMENT = "Statement", FIELD = "field", RANK = "rank", IS_CURRENT = "isCurrent",
    BASIS = "basis", DIFFERENCE = "difference", FREQUENCY = "frequency",
    TRANSLATED_FROM = "translatedFrom", COPY_AT = "copyAt", TEXT_OF = "textOf",
    EVIDENCE = "evidence",
});

/// A term of dossier's own vocabulary (`dos:`), as `schema/ontology.ttl` declares it: what a
/// class or property means. Whether a property links to things or to values, and its domain
/// and range, come from the fields that use it (`crate::ontology`).
#[derive(Debug)]
pub struct Term {
    pub iri: &'static str,
    pub label: &'static str,
    pub comment: &'static str,
    /// The classes it is a subclass of, or the properties it is a subproperty of.
    pub parents: &'static [&'static str],
}

/// Every `dos:` term, classes first, each with its label and comment; `schema/ontology.ttl`
/// is written from this list and the descriptions.
#[rustfmt::skip]
pub static TERMS: &[Term] = &[
    Term {
        iri: dos::ACTOR,
        label: "actor",
        comment: "A person, state, organisation or group that acts in the articles. Actors are \
                 shared by the whole knowledge base (they live in the default graph); each article \
                 that gives evidence for one adds prov:wasDerivedFrom to it. An actor of kind \
                 person, state or organization is also typed schema:Person, schema:Country or \
                 schema:Organization; its kind is given by dos:actorKind.",
        parents: &[prov::AGENT],
    },
    Term {
        iri: dos::AUTHOR,
        label: "author",
        comment: "The author of one article, whoever they are: the asserter written `author` in the \
                 seeds. There is one per article, at the article's IRI + `#author`, so it can be \
                 the claimant of a claim or the agent an evidence annotation is attributed to even \
                 when the author's name is unknown.",
        parents: &[prov::AGENT],
    },
    Term {
        iri: dos::CURATOR,
        label: "curator",
        comment: "Whoever curated the knowledge base, as the asserter of what the articles only \
                 imply: the asserter written `curator` in the seeds, always with \
                 modality:inference and a skos:editorialNote on the annotation saying why. One per \
                 knowledge base, at the base IRI + `curator`.",
        parents: &[prov::AGENT],
    },
    Term {
        iri: dos::ROLE,
        label: "role",
        comment: "A position an actor holds, e.g. Secretary of State of the United States.",
        parents: &[],
    },
    Term {
        iri: dos::EVENT,
        label: "event",
        comment: "Something that happened, dated only as precisely as the article says \
                 (dcterms:date, dos:datePrecision) or described in the article's words (dos:when), \
                 with its participants and quantities.",
        parents: &[schema::EVENT],
    },
    Term {
        iri: dos::PARTICIPATION,
        label: "participation",
        comment: "The part one actor played in an event (an n-ary link: event -> dos:participation \
                 -> this -> dos:agent -> actor, with dos:participantRole). Its IRI is the event's \
                 IRI + `#participant-<n>`.",
        parents: &[],
    },
    Term {
        iri: dos::AGREEMENT,
        label: "agreement",
        comment: "An agreement between parties, or a measure proposed or taken under one (see \
                 dos:agreementKind).",
        parents: &[],
    },
    Term {
        iri: dos::POLICY,
        label: "policy",
        comment: "A tariff, sanction, designation or security operation (see dos:policyKind).",
        parents: &[],
    },
    Term {
        iri: dos::CONDITION,
        label: "condition",
        comment: "A condition an actor states on an agreement or measure.",
        parents: &[],
    },
    Term {
        iri: dos::CLAIM,
        label: "claim",
        comment: "An assessment, recommendation, prediction or justification somebody makes (an \
                 actor, or the article's author); its rdfs:label is the claim in a short sentence.",
        parents: &[],
    },
    Term {
        iri: dos::COMMITMENT,
        label: "commitment",
        comment: "A pledge or deliverable: who commits (dos:committedBy), to what (dos:action), by \
                 when (dos:deadline or dos:deadlineText), how far it has come \
                 (dos:commitmentStatus), with quantities (dos:quantity).",
        parents: &[],
    },
    Term {
        iri: dos::TOPIC,
        label: "topic",
        comment: "A subject records can be about (arms trafficking, fentanyl, illicit finance): a \
                 SKOS concept of the knowledge base's own small vocabulary, curated in \
                 seeds/topics.toml and extended there, with skos:prefLabel, skos:definition and \
                 skos:broader. Events, agreements, policies, claims and commitments point at \
                 topics with dcterms:subject; a record about a narrower topic is about its broader \
                 ones too (follow skos:broader*). Topics are in the default graph and need no \
                 evidence: they are the curator's classification, not something an article says \
                 (an article that does give evidence for one, with a mention, is its \
                 prov:wasDerivedFrom, as for actors).",
        parents: &[skos::CONCEPT],
    },
    Term {
        iri: dos::STATEMENT,
        label: "statement",
        comment: "One value one source states for one field of a record, kept for every field that \
                 an article other than the record's own states (the record's own value included): \
                 rdf:subject is the record, rdf:predicate the field's predicate, rdf:object the \
                 value (for a row of a nested list, a participant or a quantity, a node of its own \
                 at the statement's IRI + `#row`, with the row's fields and, as rdf:value, the row \
                 as an rdf:JSON literal, the text `statements.value` holds); prov:wasDerivedFrom \
                 the stating article; dos:evidence the annotations behind it; dos:rank and \
                 dos:isCurrent say whether the record's direct triple holds this value (the \
                 current one: a preferred value, else the latest published source's). Its IRI is \
                 the base IRI + `statement/<record>.<field>.<source>.<n>`.",
        parents: &[rdf::STATEMENT],
    },
    Term {
        iri: dos::RELATION,
        label: "relation",
        comment: "A typed link between two records where no field of theirs fits, as a record of \
                 its own (with an id and evidence). It is a reified statement: rdf:subject and \
                 rdf:object are records, rdf:predicate is a concept of the relation-type scheme; \
                 the same triple is also asserted directly, subject <relation-type:...> object.",
        parents: &[rdf::STATEMENT],
    },
    Term {
        iri: dos::ACTOR_KIND,
        label: "actor kind",
        comment: "What kind of actor this is: a concept of the actor-kind scheme.",
        parents: &[],
    },
    Term {
        iri: dos::TEXT_OF,
        label: "text of",
        comment: "The record the article is the text of: a statement (an event) whose words it \
                 publishes, or an agreement or policy whose instrument it is (a communiqué that is \
                 the joint statement another article mentions).",
        parents: &[dcterms::RELATION],
    },
    Term {
        iri: dos::HELD_BY,
        label: "held by",
        comment: "The actor who holds the role.",
        parents: &[],
    },
    Term {
        iri: dos::ROLE_IN,
        label: "role in",
        comment: "The state or organisation the role belongs to, when the article says.",
        parents: &[],
    },
    Term {
        iri: dos::DATE_PRECISION,
        label: "date precision",
        comment: "How precisely the event's dcterms:date is known: a concept of the date-precision \
                 scheme (year, month or day; the datatype of dcterms:date is xsd:gYear, \
                 xsd:gYearMonth or xsd:date accordingly). Present exactly when dcterms:date is.",
        parents: &[],
    },
    Term {
        iri: dos::PARTICIPATION_PROP,
        label: "participation",
        comment: "A participation of an actor in the event.",
        parents: &[],
    },
    Term {
        iri: dos::AGENT,
        label: "agent",
        comment: "The actor who participates.",
        parents: &[],
    },
    Term {
        iri: dos::QUANTITY,
        label: "quantity",
        comment: "A count or amount the article gives for an event (people killed, arrests ...), a \
                 commitment (32 states), an agreement or a policy (the figures it sets). Its IRI \
                 is the record's IRI + `#quantity-<n>`.",
        parents: &[],
    },
    Term {
        iri: dos::AGREEMENT_KIND,
        label: "agreement kind",
        comment: "Whether the record is an agreement between parties or a measure one of them takes \
                 or proposes: a concept of the agreement-kind scheme.",
        parents: &[],
    },
    Term {
        iri: dos::PARTY,
        label: "party",
        comment: "An actor that is party to the agreement or measure.",
        parents: &[],
    },
    Term {
        iri: dos::AGREEMENT_STATUS,
        label: "agreement status",
        comment: "How far the agreement or measure has come: a concept of the agreement-status \
                 scheme.",
        parents: &[],
    },
    Term {
        iri: dos::POLICY_KIND,
        label: "policy kind",
        comment: "What kind of instrument the policy is: a concept of the policy-kind scheme.",
        parents: &[],
    },
    Term {
        iri: dos::ISSUER,
        label: "issuer",
        comment: "The actor who issues the policy, when the article says.",
        parents: &[],
    },
    Term {
        iri: dos::TARGET,
        label: "target",
        comment: "An actor the policy is aimed at.",
        parents: &[],
    },
    Term {
        iri: dos::POLICY_STATUS,
        label: "policy status",
        comment: "Where the policy stands: a concept of the policy-status scheme.",
        parents: &[],
    },
    Term {
        iri: dos::STATED_BY,
        label: "stated by",
        comment: "The actor who states the condition.",
        parents: &[],
    },
    Term {
        iri: dos::CONSTRAINS,
        label: "constrains",
        comment: "The agreement or measure the condition constrains.",
        parents: &[],
    },
    Term {
        iri: dos::CONSTRAINT_KIND,
        label: "constraint kind",
        comment: "What the condition constrains about the agreement or measure: a concept of the \
                 constraint-kind scheme.",
        parents: &[],
    },
    Term {
        iri: dos::CLAIM_KIND,
        label: "claim kind",
        comment: "What kind of statement the claim is: a concept of the claim-kind scheme.",
        parents: &[],
    },
    Term {
        iri: dos::CLAIMANT,
        label: "claimant",
        comment: "Who makes the claim: an actor, or the article's author (dos:Author); several for \
                 a joint claim.",
        parents: &[],
    },
    Term {
        iri: dos::ABOUT,
        label: "about",
        comment: "A record the claim is about: an actor, topic, role, event, agreement, policy, \
                 condition, claim, relation or commitment (any record but an article).",
        parents: &[],
    },
    Term {
        iri: dos::MODALITY,
        label: "modality",
        comment: "How the asserter presents the fact the evidence supports: a concept of the \
                 modality scheme.",
        parents: &[],
    },
    Term {
        iri: dos::TITLE_SOURCE,
        label: "title source",
        comment: "Whose the article's title is: the article's own, or the curator's \
                 (title-source:curator, with a dos:titleNote saying why).",
        parents: &[],
    },
    Term {
        iri: dos::RANK,
        label: "rank",
        comment: "How a stated value competes with the others stated for the same field: \
                 rank:preferred is current whatever the dates; rank:normal is current when its \
                 source is the latest published.",
        parents: &[],
    },
    Term {
        iri: dos::BASIS,
        label: "basis",
        comment: "What a record of an article or a stated value rests on: basis:reported when at \
                 least one of its quotes is the article's own, basis:inferred when every quote is \
                 the curator's inference (the article does not say it). Absent for what \
                 actors.toml or topics.toml says, which has no quote. The domain is every record \
                 class and dos:Statement.",
        parents: &[],
    },
    Term {
        iri: dos::DIFFERENCE,
        label: "difference",
        comment: "How a stated value that is not current stands to the current one: \
                 difference:progression (an earlier status its lifecycle leads from, or the \
                 current date said more or less precisely), difference:parallel (another source's \
                 words for a text the record keeps in its defining words), \
                 difference:contradiction (the sources disagree). Absent on a current value.",
        parents: &[],
    },
    Term {
        iri: dos::EVIDENCE,
        label: "evidence",
        comment: "An evidence annotation (oa:Annotation) that backs the stated value.",
        parents: &[],
    },
    Term {
        iri: dos::TRANSLATED_FROM,
        label: "translated from",
        comment: "The BCP 47 tag of the language the article was written in, when its text (in \
                 dcterms:language) is a translation; absent when the text is the original \
                 (xsd:string).",
        parents: &[],
    },
    Term {
        iri: dos::COPY_AT,
        label: "copy at",
        comment: "Another place the same text is published, besides schema:url (xsd:anyURI).",
        parents: &[schema::URL],
    },
    Term {
        iri: dos::TITLE_NOTE,
        label: "title note",
        comment: "A note on the article's title, e.g. that the source has none and the title is \
                 curated.",
        parents: &[],
    },
    Term {
        iri: dos::FIELD,
        label: "field",
        comment: "The field a statement states, by its name in the seed format (date, status, \
                 aliases ...) (xsd:string).",
        parents: &[],
    },
    Term {
        iri: dos::IS_CURRENT,
        label: "is current",
        comment: "Whether the record's field holds the stated value (xsd:boolean); every item of a \
                 list field is current.",
        parents: &[],
    },
    Term {
        iri: dos::WHEN,
        label: "when",
        comment: "When the event happened, in the article's own words, where no calendar date can \
                 be given (e.g. \"in July\").",
        parents: &[],
    },
    Term {
        iri: dos::PARTICIPANT_ROLE,
        label: "participant role",
        comment: "The part the actor played in the event: visitor, host, target ...",
        parents: &[],
    },
    Term {
        iri: dos::INSTRUMENT,
        label: "instrument",
        comment: "The instrument that records the agreement or measure, e.g. \"joint statement\".",
        parents: &[],
    },
    Term {
        iri: dos::PURPOSE,
        label: "purpose",
        comment: "What the agreement or measure is for, in the article's terms.",
        parents: &[],
    },
    Term {
        iri: dos::FREQUENCY,
        label: "frequency",
        comment: "How often an agreement acts or meets, or a repeated commitment is carried out, in \
                 the article's words (\"regularly\", \"every month\").",
        parents: &[],
    },
    Term {
        iri: dos::RATE_PERCENT,
        label: "rate (percent)",
        comment: "A rate in percent, from 0 to 100 (30 for 30%), e.g. a tariff rate.",
        parents: &[],
    },
    Term {
        iri: dos::STATUS_DURATION,
        label: "status duration",
        comment: "How long the policy's status holds, as an ISO 8601 duration of whole units, e.g. \
                 P90D for a 90-day pause.",
        parents: &[],
    },
    Term {
        iri: dos::RESULTS,
        label: "results",
        comment: "What the policy has achieved, in the article's terms.",
        parents: &[],
    },
    Term {
        iri: dos::CONSTRAINT_VALUE,
        label: "constraint value",
        comment: "What the condition requires: a place, who controls, the limit, what is forbidden.",
        parents: &[],
    },
    Term {
        iri: dos::EXCEPTION,
        label: "exception",
        comment: "When the condition does not apply.",
        parents: &[],
    },
    Term {
        iri: dos::COMMITTED_BY,
        label: "committed by",
        comment: "An actor who makes the commitment (a joint commitment has several).",
        parents: &[],
    },
    Term {
        iri: dos::ACTION,
        label: "action",
        comment: "What is committed to, in the article's words.",
        parents: &[],
    },
    Term {
        iri: dos::DEADLINE,
        label: "deadline",
        comment: "By when, only as precise as the article says: xsd:gYear, xsd:gYearMonth or \
                 xsd:date.",
        parents: &[],
    },
    Term {
        iri: dos::DEADLINE_TEXT,
        label: "deadline text",
        comment: "By when, in the article's own words, where no calendar date can be given (within \
                 90 days).",
        parents: &[],
    },
    Term {
        iri: dos::COMMITMENT_STATUS,
        label: "commitment status",
        comment: "How far the commitment has come: a concept of the commitment-status scheme.",
        parents: &[],
    },

];

/// Namespace of the closed lists: `VOCAB + scheme + "#" + value` is a `skos:Concept` (or, for
/// relation types, a property).
pub const VOCAB: &str = "https://w3id.org/dossier/vocab/";

/// The IRI of a value of a closed list.
pub fn concept(scheme: &str, value: &str) -> String {
    format!("{VOCAB}{scheme}#{value}")
}

pub const DATE_PRECISION_SCHEME: &str = "date-precision";

/// The IRI of a record: `BASE + kind + "/" + id`.
pub fn record_iri(base: &str, kind: RecordKind, id: &str) -> String {
    let mut s = String::with_capacity(base.len() + kind.as_str().len() + id.len() + 1);
    s.push_str(base);
    s.push_str(kind.as_str());
    s.push('/');
    s.push_str(id);
    s
}

/// An article's author node is labelled this, then the article's id.
pub const AUTHOR_LABEL: &str = "author of ";

/// Kind segment of evidence IRIs (evidence is not a record kind of its own in the model).
pub const EVIDENCE_SEGMENT: &str = "evidence";

/// Kind segment of statement IRIs: `BASE + "statement/" + id`.
pub const STATEMENT_SEGMENT: &str = "statement";

/// The dossier id or closed-list value an IRI stands for: the part after its last `/` or `#`.
/// This is the normalisation that lets SPARQL results be compared with SQL rows.
pub fn local_name(iri: &str) -> &str {
    match iri.rfind(['/', '#']) {
        Some(i) => &iri[i + 1..],
        None => iri,
    }
}
