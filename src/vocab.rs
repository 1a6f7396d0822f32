//! The IRIs dossier writes: the standard vocabularies' terms it uses and its own (`dos:`), the
//! closed lists' concept IRIs and the records' IRIs. Which term holds which field is
//! [`crate::mapping`]'s business; a test checks that `schema/ontology.ttl` declares exactly the
//! `dos:` terms the descriptions use.

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
    STATEMENT = "Statement", VALUE = "value", JSON = "JSON",
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
