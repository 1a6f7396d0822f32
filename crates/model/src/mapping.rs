//! Every kind of record, described once: its seed list, SQL table, RDF class, and for each
//! field its SQL column, RDF predicate, value shape and whether it is required.
//!
//! The SQL writer (`sqlite`), the RDF writer (`rdf`), `check`'s projection of both stores and
//! validation's reference checks all read these descriptions; none of them names a kind's
//! fields. The `describe!` macro writes each description and the accessor that reads the
//! struct's fields in the description's order from one list, so they cannot disagree. What
//! does not fit a field (the Web Annotation selectors of evidence, the direct triple of a
//! relation, an actor's schema.org class, an article's text) is a small named hook in the
//! writers, and is still described here for `check`.

use crate::model::{
    Actor, ActorKind, Agreement, AgreementKind, AgreementStatus, ArticleMeta, Basis, Claim,
    ClaimKind, Commitment, CommitmentStatus, Condition, ConstraintKind, DatePrecision, Difference,
    Event, Evidence, Fields, KbConfig, Modality, OwnedValue, Participant, Policy, PolicyKind,
    PolicyStatus, Quantity, Rank, Record, RecordKind, Relation, RelationType, Role, Slug,
    StatedValue, TitleSource, Topic, Value,
};
use crate::vocab::{self, dcterms, dos, oa, prov, rdf, rdfs, schema, skos};

/// How a field's values are written: the SQL type, the RDF term, what a reference may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Plain text: an `xsd:string` literal.
    Text,
    /// Text in the article's words: a literal tagged with the article's language.
    LangText,
    /// A reference to a record of one of these kinds (any record but an article when empty).
    Ref(&'static [RecordKind]),
    /// `author` (the article's author node) or an actor; an evidence's asserter may also be
    /// `curator` (the knowledge base's curator node), for an inference.
    Asserter,
    /// A value of a closed list: a SKOS concept `VOCAB + scheme + "#" + value`.
    Closed {
        scheme: &'static str,
        values: &'static [&'static str],
    },
    /// A partial date: `xsd:gYear`, `xsd:gYearMonth` or `xsd:date` by precision, in two
    /// columns (`col`, `col_precision`); with `precision`, also a concept of that predicate.
    Date { precision: Option<&'static str> },
    /// A percentage: `REAL`, and an `xsd:decimal` in canonical form.
    Decimal,
    /// A count: `INTEGER` 0 or more, `xsd:integer`.
    Integer,
    /// A quote backing a value: an evidence id in SQL (`evidence (id)`), its `oa:Annotation`
    /// (`base + "evidence/" + id`) in RDF.
    Evidence,
    /// A position in an article's text, in code points from 0: `INTEGER`, an
    /// `xsd:nonNegativeInteger` (as Web Annotation's `TextPositionSelector` has it).
    Offset,
    /// An `xsd:duration`.
    Duration,
    /// An `xsd:anyURI` literal.
    AnyUri,
    /// `INTEGER` 0 or 1, an `xsd:boolean`.
    Boolean,
    /// An IRI when the value is an http(s) IRI, else text (a licence's SPDX id).
    IriOrText,
}

impl Shape {
    const fn closed(scheme: &'static str, values: &'static [&'static str]) -> Shape {
        Shape::Closed { scheme, values }
    }
}

/// A field stored in a table of its own, one row per value: `(owner, column)`.
#[derive(Debug, Clone, Copy)]
pub struct ListTable {
    pub table: &'static str,
    pub owner: &'static str,
}

/// One field of a kind.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The seed key; also the field's name in `check`'s reports.
    pub key: &'static str,
    /// The SQL column (in the kind's table, or in `list`'s table).
    pub column: &'static str,
    /// The RDF predicate, or the path of predicates, from the record to the value.
    pub path: &'static [&'static str],
    pub shape: Shape,
    pub required: bool,
    /// Set for a list of values, which has a table of its own.
    pub list: Option<ListTable>,
    /// Text in someone's own words (a label, a purpose): another source's wording is a
    /// parallel voice kept beside the defining text, current only when ranked preferred.
    pub wording: bool,
    /// What the field holds: one sentence, Markdown. Its column's description in
    /// `schema/sqlite.md` (and so Datasette's and PostgreSQL's) and the shapes' `sh:description`;
    /// every field has one.
    pub doc: &'static str,
    /// A regular expression every value matches, where validation checks more than the shape
    /// says (a language tag): the shapes' `sh:pattern`.
    pub pattern: Option<&'static str>,
}

impl Field {
    pub const fn predicate(&self) -> &'static str {
        self.path[0]
    }

    /// The same field, as text in someone's own words (see [`Field::wording`]).
    const fn worded(self) -> Field {
        Field {
            wording: true,
            ..self
        }
    }

    /// The same field, described (see [`Field::doc`]).
    const fn doc(self, doc: &'static str) -> Field {
        Field { doc, ..self }
    }

    /// The same field, its values matching `pattern` (see [`Field::pattern`]).
    const fn pattern(self, pattern: &'static str) -> Field {
        Field {
            pattern: Some(pattern),
            ..self
        }
    }
}

/// A BCP 47 language tag as validation accepts it: a primary tag of 2 or 3 letters, then
/// subtags of 1 to 8 letters or digits.
pub const LANGUAGE_TAG: &str = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$";

/// A field that is required (`NOT NULL`, `sh:minCount 1`).
const fn required(column: &'static str, path: &'static [&'static str], shape: Shape) -> Field {
    Field {
        key: "",
        column,
        path,
        shape,
        required: true,
        list: None,
        wording: false,
        doc: "",
        pattern: None,
    }
}

/// A field that may be left out.
const fn optional(column: &'static str, path: &'static [&'static str], shape: Shape) -> Field {
    Field {
        required: false,
        ..required(column, path, shape)
    }
}

/// A list of values in the table `table (owner, column)`.
const fn list(
    table: &'static str,
    owner: &'static str,
    column: &'static str,
    path: &'static [&'static str],
    shape: Shape,
) -> Field {
    Field {
        list: Some(ListTable { table, owner }),
        ..optional(column, path, shape)
    }
}

/// A list of at least one value, in the table `table (owner, column)`.
const fn required_list(
    table: &'static str,
    owner: &'static str,
    column: &'static str,
    path: &'static [&'static str],
    shape: Shape,
) -> Field {
    Field {
        required: true,
        ..list(table, owner, column, path, shape)
    }
}

/// Rows nested in a record (an event's participants): a table `table (owner, columns...)`, and
/// in RDF one node per row, `<record>#<fragment>-<n>`, linked by `predicate`.
#[derive(Debug, Clone, Copy)]
pub struct Nested {
    pub key: &'static str,
    pub table: &'static str,
    pub owner: &'static str,
    pub predicate: &'static str,
    pub class: &'static str,
    pub fragment: &'static str,
    pub fields: &'static [Field],
    /// The fields that identify a row within its record (the table's key after the owner).
    pub unique: &'static [&'static str],
}

impl Nested {
    /// A row as one text, as `statements.value` and a stated row's `rdf:value` hold it: a JSON
    /// object of its fields' values (keys in alphabetical order, a count as a number, an absent
    /// value left out), each value as [`plain`] writes it.
    pub fn row_text(&self, cells: &[Option<String>]) -> String {
        let mut object = serde_json::Map::new();
        for (field, cell) in self.fields.iter().zip(cells) {
            let Some(text) = cell else { continue };
            let value = match (field.shape, text.parse::<i64>()) {
                (Shape::Integer, Ok(n)) => serde_json::Value::from(n),
                _ => serde_json::Value::String(text.clone()),
            };
            object.insert(field.key.to_owned(), value);
        }
        serde_json::Value::Object(object).to_string()
    }
}

/// A statement's field (or nested list) key and its value as `statements` holds them.
pub fn stated(kind: &Kind, value: &StatedValue) -> (&'static str, String) {
    match value {
        StatedValue::Field(i, v) => (kind.fields[*i].key, plain(v.as_value())),
        StatedValue::Row(n, cells) => {
            let nested = &kind.nested[*n];
            (nested.key, nested.row_text(&texts(cells)))
        }
    }
}

/// A row's values as text ([`plain`]), absent ones left absent.
pub fn texts(cells: &[Option<OwnedValue>]) -> Vec<Option<String>> {
    cells
        .iter()
        .map(|c| c.as_ref().map(|v| plain(v.as_value())))
        .collect()
}

/// Where a record's rdfs:label (and `records.label`) comes from.
#[derive(Debug, Clone, Copy)]
pub enum Label {
    /// Articles have no label of their own.
    None,
    /// This field is the label (its predicate is rdfs:label).
    Field(&'static str),
    /// The label repeats this field, which keeps its own predicate too.
    Copy(&'static str),
    /// The values of these fields joined by spaces, as plain text (a relation's `s p o`).
    Joined(&'static [&'static str]),
}

/// Which part of the knowledge base a kind belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole knowledge base (actors): default graph, `records.article_id` NULL.
    KnowledgeBase,
    /// The article itself: its own named graph.
    Article,
    /// One article (every other record): its table has `article_id`, its resource
    /// `prov:wasDerivedFrom` the article, in the article's graph.
    InArticle,
}

/// One kind of record.
#[derive(Debug)]
pub struct Kind {
    pub kind: RecordKind,
    /// The array of tables in the seed file (`[[events]]`).
    pub seed_key: &'static str,
    pub table: &'static str,
    pub class: &'static str,
    /// Further classes, written after the record's header (a relation is an rdf:Statement).
    pub extra_types: &'static [&'static str],
    /// How validation names the kind: "an event".
    pub noun: &'static str,
    pub scope: Scope,
    /// Whether every record of the kind has evidence: its own, or for a shared record (an
    /// actor) some article's mention. Topics are the curator's classification and need none.
    pub evidenced: bool,
    pub label: Label,
    pub fields: &'static [Field],
    pub nested: &'static [Nested],
}

impl Kind {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<(usize, &'static Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.key == key)
    }

    /// The record's label, as `records.label` and rdfs:label hold it.
    pub fn label_of(&self, record: &dyn Fields) -> String {
        let text = |key: &str| -> String {
            let Some((i, _)) = self.field(key) else {
                return String::new();
            };
            let mut out = Vec::new();
            record.values(i, &mut |v| out.push(plain(v)));
            out.join(" ")
        };
        match self.label {
            Label::None => String::new(),
            Label::Field(key) | Label::Copy(key) => text(key),
            Label::Joined(keys) => keys.iter().map(|k| text(k)).collect::<Vec<_>>().join(" "),
        }
    }

    /// Whether rdfs:label is written as text in the article's language.
    pub fn label_shape(&self) -> Shape {
        match self.label {
            Label::Field(key) | Label::Copy(key) => {
                self.field(key).map_or(Shape::Text, |(_, f)| f.shape)
            }
            Label::None | Label::Joined(_) => Shape::Text,
        }
    }
}

/// A value as text: what SQL stores for text-like shapes and what labels are made of.
pub fn plain(v: Value<'_>) -> String {
    match v {
        Value::Text(s) | Value::Id(s) | Value::Concept(s) => s.to_owned(),
        Value::Date(d) => d.to_string(),
        Value::Percent(p) => p.canonical(),
        Value::Count(n) => n.to_string(),
        Value::Duration(d) => d.as_str().to_owned(),
    }
}

/// Writes a kind's description and the accessor of its struct from one list of fields.
macro_rules! describe {
    (
        $ty:ty as $name:ident = Kind { $($head:ident : $hv:expr),* $(,)? }
        fields { $($f:ident : $field:expr),* $(,)? }
        nested { $($n:ident : $nested:expr),* $(,)? }
        evidence: $evidence:tt
    ) => {
        pub static $name: Kind = Kind {
            $($head: $hv,)*
            fields: &[$(Field { key: stringify!($f), ..$field }),*],
            nested: &[$(Nested { key: stringify!($n), ..$nested }),*],
        };

        impl Fields for $ty {
            fn values<'a>(&'a self, field: usize, out: &mut dyn FnMut(Value<'a>)) {
                let all: &[&dyn crate::model::FieldValue] = &[$(&self.$f),*];
                all[field].each(out)
            }
        }

        impl Record for $ty {
            fn kind(&self) -> RecordKind {
                $name.kind
            }
            fn id(&self) -> &Slug {
                &self.id
            }
            fn evidence(&self) -> &[Evidence] {
                describe!(@evidence self $evidence)
            }
            fn evidence_mut(&mut self) -> &mut [Evidence] {
                describe!(@evidence_mut self $evidence)
            }
            #[allow(unused_variables)]
            fn rows(&self, nested: usize) -> Vec<&dyn Fields> {
                let all: &[Vec<&dyn Fields>] =
                    &[$(self.$n.iter().map(|r| r as &dyn Fields).collect()),*];
                all[nested].clone()
            }
            fn boxed(&self) -> Box<dyn Record> {
                Box::new(self.clone())
            }
            fn set_field(&mut self, key: &str, value: serde_json::Value) -> Result<(), String> {
                let mut json = serde_json::to_value(&*self).map_err(|e| e.to_string())?;
                json[key] = value;
                *self = serde_json::from_value(json).map_err(|e| e.to_string())?;
                Ok(())
            }
            fn field_json(&self, key: &str) -> serde_json::Value {
                serde_json::to_value(&*self).map_or(serde_json::Value::Null, |mut json| json[key].take())
            }
        }
    };
    (@evidence $s:ident yes) => { &$s.evidence };
    (@evidence $s:ident no) => { &[] };
    (@evidence_mut $s:ident yes) => { &mut $s.evidence };
    (@evidence_mut $s:ident no) => { &mut [] };
    // The fields of a struct that is not a record (an article's metadata, a nested row).
    ($ty:ty as $name:ident { $($f:ident : $field:expr),* $(,)? }) => {
        pub static $name: &[Field] = &[$(Field { key: stringify!($f), ..$field }),*];

        impl Fields for $ty {
            fn values<'a>(&'a self, field: usize, out: &mut dyn FnMut(Value<'a>)) {
                let all: &[&dyn crate::model::FieldValue] = &[$(&self.$f),*];
                all[field].each(out)
            }
        }
    };
}

const ACTORS: &[RecordKind] = &[RecordKind::Actor];
const TOPICS: &[RecordKind] = &[RecordKind::Topic];
const AGREEMENTS: &[RecordKind] = &[RecordKind::Agreement];
const ANY_RECORD: &[RecordKind] = &[];
/// What a statement may be about: any record but an article or a relation (validation refuses a
/// relation's values stated by another article).
const STATED_KINDS: &[RecordKind] = &[
    RecordKind::Actor,
    RecordKind::Topic,
    RecordKind::Role,
    RecordKind::Event,
    RecordKind::Agreement,
    RecordKind::Policy,
    RecordKind::Condition,
    RecordKind::Claim,
    RecordKind::Commitment,
];
/// The doc of every list of other names.
const OTHER_NAMES: &str = "Another name of it, as an article gives it.";
/// The doc of every list of topics.
const ABOUT_TOPIC: &str = "A topic it is about.";
/// What an article can be the text of: a statement (an event), an agreement, a policy.
pub const TEXTS: &[RecordKind] = &[RecordKind::Event, RecordKind::Agreement, RecordKind::Policy];

describe! {
    Actor as ACTOR = Kind {
        kind: RecordKind::Actor, seed_key: "actors", table: "actors", class: dos::ACTOR,
        extra_types: &[], noun: "an actor", scope: Scope::KnowledgeBase, evidenced: true, label: Label::Field("name"),
    }
    fields {
        name: required("name", &[rdfs::LABEL], Shape::Text).doc("The actor's usual name."),
        kind: required("kind", &[dos::ACTOR_KIND], Shape::closed(ActorKind::SCHEME, ActorKind::VALUES))
            .doc("What kind of actor it is."),
        aliases: list("actor_aliases", "actor_id", "alias", &[skos::ALT_LABEL], Shape::Text)
            .doc("Another name of the actor."),
        description: optional("description", &[dcterms::DESCRIPTION], Shape::Text).worded()
            .doc("Who or what the actor is."),
    }
    nested {}
    evidence: no
}

describe! {
    Topic as TOPIC = Kind {
        kind: RecordKind::Topic, seed_key: "topics", table: "topics", class: dos::TOPIC,
        extra_types: &[skos::CONCEPT], noun: "a topic", scope: Scope::KnowledgeBase, evidenced: false,
        label: Label::Copy("label"),
    }
    fields {
        label: required("label", &[skos::PREF_LABEL], Shape::Text).doc("The topic's name."),
        aliases: list("topic_aliases", "topic_id", "alias", &[skos::ALT_LABEL], Shape::Text)
            .doc(OTHER_NAMES),
        definition: optional("definition", &[skos::DEFINITION], Shape::Text).worded()
            .doc("What the topic covers."),
        broader: optional("broader_id", &[skos::BROADER], Shape::Ref(TOPICS))
            .doc("The broader topic this one narrows: its records count for the broader one too."),
    }
    nested {}
    evidence: no
}

/// The schema.org class an actor also has, by its kind (a group has none).
pub fn actor_class(kind: ActorKind) -> Option<&'static str> {
    match kind {
        ActorKind::Person => Some(schema::PERSON),
        ActorKind::State => Some(schema::COUNTRY),
        ActorKind::Organization => Some(schema::ORGANIZATION),
        ActorKind::Group => None,
    }
}

/// Articles: their metadata is described here; their text (`schema:text`, with
/// `articles.char_count`) is written by the writers' article hooks.
pub static ARTICLE: Kind = Kind {
    kind: RecordKind::Article,
    seed_key: "article",
    table: "articles",
    class: schema::ARTICLE,
    extra_types: &[],
    noun: "an article",
    scope: Scope::Article,
    evidenced: false,
    label: Label::None,
    fields: ARTICLE_FIELDS,
    nested: &[],
};

describe! {
    ArticleMeta as ARTICLE_FIELDS {
        title: required("title", &[dcterms::TITLE], Shape::LangText)
            .doc("Title of the article, in its language."),
        title_source: required("title_source", &[dos::TITLE_SOURCE],
            Shape::closed(TitleSource::SCHEME, TitleSource::VALUES))
            .doc("Whose the title is, the article's own or one the curator made up (its note says why)."),
        title_note: optional("title_note", &[dos::TITLE_NOTE], Shape::LangText)
            .doc("A note on the title (e.g. that it is a translation)."),
        language: required("language", &[dcterms::LANGUAGE], Shape::Text)
            .doc("Language of the article's text: a BCP 47 tag, as written in the seed (e.g. `en`).")
            .pattern(LANGUAGE_TAG),
        genre: optional("genre", &[schema::GENRE], Shape::Text).doc("Kind of article (news, opinion...)."),
        author: optional("author", &[dcterms::CREATOR], Shape::Text).doc("The author's name, as the article gives it."),
        outlet: optional("outlet", &[dcterms::PUBLISHER], Shape::Text).doc("The newspaper, agency or site that published it."),
        published: optional("published", &[dcterms::ISSUED], Shape::Date { precision: None })
            .doc("Publication date, only as precise as known."),
        url: optional("url", &[schema::URL], Shape::AnyUri).doc("Address of the article."),
        issuers: list("article_issuers", "article_id", "actor_id", &[prov::WAS_ATTRIBUTED_TO],
            Shape::Ref(ACTORS)).doc("An actor that issues the article (a government, a ministry, a newspaper): what its \
                  author stands for in it."),
        issued: optional("issued", &[dcterms::CREATED], Shape::Date { precision: None })
            .doc("When the issuers issued the text, where that differs from its publication, only as \
                  precise as known."),
        publisher: optional("publisher_id", &[schema::PUBLISHER], Shape::Ref(ACTORS))
            .doc("The actor that publishes this copy, when it is not an issuer."),
        translated_from: optional("translated_from", &[dos::TRANSLATED_FROM], Shape::Text)
            .doc("The language the text was written in (a BCP 47 tag), when the text is a translation; \
                  none for an original.").pattern(LANGUAGE_TAG),
        copies: list("article_copies", "article_id", "url", &[dos::COPY_AT], Shape::AnyUri)
            .doc("Another address where the same text is published (the article's own is its url)."),
        text_of: list("article_text_of", "article_id", "record_id", &[dos::TEXT_OF],
            Shape::Ref(TEXTS)).doc("A statement (an event), agreement or policy whose text the article is, defined by any \
                  article."),
    }
}

describe! {
    Role as ROLE = Kind {
        kind: RecordKind::Role, seed_key: "roles", table: "roles", class: dos::ROLE,
        extra_types: &[], noun: "a role", scope: Scope::InArticle, evidenced: true, label: Label::Copy("title"),
    }
    fields {
        holder: required("holder_id", &[dos::HELD_BY], Shape::Ref(ACTORS)).doc("The actor who holds the role."),
        title: required("title", &[schema::ROLE_NAME], Shape::LangText)
            .doc("Title of the role, in the article's words."),
        organization: optional("organization_id", &[dos::ROLE_IN], Shape::Ref(ACTORS))
            .doc("The actor (an organisation or a state) the role is held in."),
    }
    nested {}
    evidence: yes
}

describe! {
    Participant as PARTICIPANT_FIELDS {
        actor: required("actor_id", &[dos::AGENT], Shape::Ref(ACTORS)).doc("An actor taking part."),
        role: required("role", &[dos::PARTICIPANT_ROLE], Shape::LangText)
            .doc("How the actor takes part (host, visitor...)."),
    }
}

describe! {
    Quantity as QUANTITY_FIELDS {
        measure: required("measure", &[schema::NAME], Shape::LangText)
            .doc("What is counted or measured."),
        value: required("value", &[schema::VALUE], Shape::Integer)
            .doc("The number: a whole number, 0 or more."),
        unit: optional("unit", &[schema::UNIT_TEXT], Shape::LangText).doc("Unit of the number, if any."),
    }
}

/// The quantities of a record (an event's, an agreement's ...): rows of `table (owner, measure,
/// value, unit)`, one `schema:QuantitativeValue` node each, keyed by what they measure.
const fn quantities(table: &'static str, owner: &'static str) -> Nested {
    Nested {
        key: "",
        table,
        owner,
        predicate: dos::QUANTITY,
        class: schema::QUANTITATIVE_VALUE,
        fragment: "quantity",
        fields: QUANTITY_FIELDS,
        unique: &["measure"],
    }
}

describe! {
    Event as EVENT = Kind {
        kind: RecordKind::Event, seed_key: "events", table: "events", class: dos::EVENT,
        extra_types: &[], noun: "an event", scope: Scope::InArticle, evidenced: true, label: Label::Field("label"),
    }
    fields {
        label: required("label", &[rdfs::LABEL], Shape::LangText).worded()
            .doc("What happened, in a few words."),
        aliases: list("event_aliases", "event_id", "alias", &[skos::ALT_LABEL], Shape::LangText)
            .doc(OTHER_NAMES),
        description: optional("description", &[dcterms::DESCRIPTION], Shape::LangText).worded()
            .doc("A longer account."),
        date: optional("date", &[dcterms::DATE], Shape::Date { precision: Some(dos::DATE_PRECISION) })
            .doc("When it happened, only as precise as known."),
        when: optional("when_text", &[dos::WHEN], Shape::LangText)
            .doc("When, in the article's own words (\"last week\")."),
        place: optional("place", &[schema::LOCATION], Shape::LangText).doc("Where it happened."),
        topics: list("event_topics", "event_id", "topic_id", &[dcterms::SUBJECT], Shape::Ref(TOPICS))
            .doc(ABOUT_TOPIC),
    }
    nested {
        participants: Nested {
            key: "", table: "event_participants", owner: "event_id",
            predicate: dos::PARTICIPATION_PROP, class: dos::PARTICIPATION, fragment: "participant",
            fields: PARTICIPANT_FIELDS, unique: &["actor", "role"],
        },
        quantities: quantities("event_quantities", "event_id"),
    }
    evidence: yes
}

describe! {
    Agreement as AGREEMENT = Kind {
        kind: RecordKind::Agreement, seed_key: "agreements", table: "agreements",
        class: dos::AGREEMENT, extra_types: &[], noun: "an agreement or measure",
        scope: Scope::InArticle, evidenced: true, label: Label::Field("label"),
    }
    fields {
        label: required("label", &[rdfs::LABEL], Shape::LangText).worded()
            .doc("The agreement or measure, in a few words."),
        aliases: list("agreement_aliases", "agreement_id", "alias", &[skos::ALT_LABEL], Shape::LangText)
            .doc(OTHER_NAMES),
        kind: required("kind", &[dos::AGREEMENT_KIND],
            Shape::closed(AgreementKind::SCHEME, AgreementKind::VALUES))
            .doc("Between parties (an agreement) or taken by one (a measure)."),
        instrument: optional("instrument", &[dos::INSTRUMENT], Shape::LangText).worded()
            .doc("The instrument that carries it (a memorandum, a decree...)."),
        parties: list("agreement_parties", "agreement_id", "actor_id", &[dos::PARTY], Shape::Ref(ACTORS))
            .doc("A party to it."),
        purpose: optional("purpose", &[dos::PURPOSE], Shape::LangText).worded().doc("What it is for."),
        frequency: optional("frequency", &[dos::FREQUENCY], Shape::LangText)
            .doc("How often it acts or meets, in the article's words (regularly)."),
        status: required("status", &[dos::AGREEMENT_STATUS],
            Shape::closed(AgreementStatus::SCHEME, AgreementStatus::VALUES))
            .doc("Where it stands; established is a body set up and working."),
        topics: list("agreement_topics", "agreement_id", "topic_id", &[dcterms::SUBJECT], Shape::Ref(TOPICS))
            .doc(ABOUT_TOPIC),
    }
    nested {
        quantities: quantities("agreement_quantities", "agreement_id"),
    }
    evidence: yes
}

describe! {
    Policy as POLICY = Kind {
        kind: RecordKind::Policy, seed_key: "policies", table: "policies", class: dos::POLICY,
        extra_types: &[], noun: "a policy", scope: Scope::InArticle, evidenced: true, label: Label::Field("label"),
    }
    fields {
        label: required("label", &[rdfs::LABEL], Shape::LangText).worded()
            .doc("The policy, in a few words."),
        aliases: list("policy_aliases", "policy_id", "alias", &[skos::ALT_LABEL], Shape::LangText)
            .doc(OTHER_NAMES),
        kind: required("kind", &[dos::POLICY_KIND], Shape::closed(PolicyKind::SCHEME, PolicyKind::VALUES))
            .doc("What kind of policy it is."),
        issuer: optional("issuer_id", &[dos::ISSUER], Shape::Ref(ACTORS)).doc("The actor who issues it."),
        targets: list("policy_targets", "policy_id", "actor_id", &[dos::TARGET], Shape::Ref(ACTORS))
            .doc("An actor it targets."),
        rate_percent: optional("rate_percent", &[dos::RATE_PERCENT], Shape::Decimal)
            .doc("A tariff's rate, in percent (0 to 100)."),
        status: required("status", &[dos::POLICY_STATUS],
            Shape::closed(PolicyStatus::SCHEME, PolicyStatus::VALUES))
            .doc("Where it stands."),
        status_duration: optional("status_duration", &[dos::STATUS_DURATION], Shape::Duration)
            .doc("How long the status lasts: an ISO 8601 duration of whole years, months or days \
                  (`P90D`); xsd:duration has no weeks, so `P2W` is not one."),
        results: optional("results", &[dos::RESULTS], Shape::LangText).worded()
            .doc("What it achieved, as the article reports."),
        topics: list("policy_topics", "policy_id", "topic_id", &[dcterms::SUBJECT], Shape::Ref(TOPICS))
            .doc(ABOUT_TOPIC),
    }
    nested {
        quantities: quantities("policy_quantities", "policy_id"),
    }
    evidence: yes
}

describe! {
    Condition as CONDITION = Kind {
        kind: RecordKind::Condition, seed_key: "conditions", table: "conditions",
        class: dos::CONDITION, extra_types: &[], noun: "a condition", scope: Scope::InArticle, evidenced: true,
        label: Label::Field("label"),
    }
    fields {
        label: required("label", &[rdfs::LABEL], Shape::LangText).worded()
            .doc("The condition, in a few words."),
        stated_by: required_list("condition_speakers", "condition_id", "actor_id",
            &[dos::STATED_BY], Shape::Ref(ACTORS)).doc("An actor who states it; several for a joint statement."),
        constrains: required("constrains_id", &[dos::CONSTRAINS], Shape::Ref(AGREEMENTS))
            .doc("The agreement or measure it is a condition on."),
        constraint: required("constraint_kind", &[dos::CONSTRAINT_KIND],
            Shape::closed(ConstraintKind::SCHEME, ConstraintKind::VALUES))
            .doc("What the condition limits."),
        value: required("value", &[dos::CONSTRAINT_VALUE], Shape::LangText).worded()
            .doc("What the condition requires (e.g. the place)."),
        exception: optional("exception", &[dos::EXCEPTION], Shape::LangText).worded()
            .doc("An exception the condition allows (\"unless both agree\")."),
    }
    nested {}
    evidence: yes
}

describe! {
    Claim as CLAIM = Kind {
        kind: RecordKind::Claim, seed_key: "claims", table: "claims", class: dos::CLAIM,
        extra_types: &[], noun: "a claim", scope: Scope::InArticle, evidenced: true, label: Label::Field("label"),
    }
    fields {
        label: required("label", &[rdfs::LABEL], Shape::LangText).worded()
            .doc("The claim, in a few words."),
        kind: required("kind", &[dos::CLAIM_KIND], Shape::closed(ClaimKind::SCHEME, ClaimKind::VALUES))
            .doc("What kind of claim it is."),
        claimant: required_list("claim_claimants", "claim_id", "claimant", &[dos::CLAIMANT],
            Shape::Asserter).doc("Who claims it: `author` (the article's author: its issuers, when it names them) or \
                  an actor id; several for a joint claim."),
        about: list("claim_subjects", "claim_id", "record_id", &[dos::ABOUT], Shape::Ref(ANY_RECORD))
            .doc("A record the claim is about: any record but an article."),
        topics: list("claim_topics", "claim_id", "topic_id", &[dcterms::SUBJECT], Shape::Ref(TOPICS))
            .doc(ABOUT_TOPIC),
    }
    nested {}
    evidence: yes
}

describe! {
    Relation as RELATION = Kind {
        kind: RecordKind::Relation, seed_key: "relations", table: "relations",
        class: dos::RELATION, extra_types: &[rdf::STATEMENT], noun: "a relation",
        scope: Scope::InArticle, evidenced: true, label: Label::Joined(&["subject", "predicate", "object"]),
    }
    fields {
        subject: required("subject_id", &[rdf::SUBJECT], Shape::Ref(ANY_RECORD))
            .doc("The record the relation goes from."),
        predicate: required("predicate", &[rdf::PREDICATE],
            Shape::closed(RelationType::SCHEME, RelationType::VALUES))
            .doc("The type of relation, each linking the kinds the ontology gives as its domain \
                  and range."),
        object: required("object_id", &[rdf::OBJECT], Shape::Ref(ANY_RECORD))
            .doc("The record the relation goes to."),
    }
    nested {}
    evidence: yes
}

describe! {
    Commitment as COMMITMENT = Kind {
        kind: RecordKind::Commitment, seed_key: "commitments", table: "commitments",
        class: dos::COMMITMENT, extra_types: &[], noun: "a commitment", scope: Scope::InArticle, evidenced: true,
        label: Label::Field("label"),
    }
    fields {
        label: required("label", &[rdfs::LABEL], Shape::LangText).worded()
            .doc("The commitment, in a few words."),
        aliases: list("commitment_aliases", "commitment_id", "alias", &[skos::ALT_LABEL], Shape::LangText)
            .doc(OTHER_NAMES),
        committed_by: list("commitment_actors", "commitment_id", "actor_id", &[dos::COMMITTED_BY],
            Shape::Ref(ACTORS)).doc("An actor who commits."),
        action: required("action", &[dos::ACTION], Shape::LangText).worded()
            .doc("What is pledged or to be delivered."),
        deadline: optional("deadline", &[dos::DEADLINE], Shape::Date { precision: None })
            .doc("By when, only as precise as known."),
        deadline_text: optional("deadline_text", &[dos::DEADLINE_TEXT], Shape::LangText)
            .doc("The deadline in the article's own words."),
        frequency: optional("frequency", &[dos::FREQUENCY], Shape::LangText)
            .doc("How often, in the article's words, for a commitment that repeats."),
        status: required("status", &[dos::COMMITMENT_STATUS],
            Shape::closed(CommitmentStatus::SCHEME, CommitmentStatus::VALUES))
            .doc("Where it stands (\"intends to\" is intended, \"will\" pledged)."),
        topics: list("commitment_topics", "commitment_id", "topic_id", &[dcterms::SUBJECT], Shape::Ref(TOPICS))
            .doc(ABOUT_TOPIC),
    }
    nested {
        quantities: quantities("commitment_quantities", "commitment_id"),
    }
    evidence: yes
}

/// Every kind of record an article defines, in `FactsFile` order.
pub static ARTICLE_KINDS: &[&Kind] = &[
    &ROLE,
    &EVENT,
    &AGREEMENT,
    &POLICY,
    &CONDITION,
    &CLAIM,
    &RELATION,
    &COMMITMENT,
];

/// Every kind: articles, actors, then the kinds articles define.
pub fn kinds() -> impl Iterator<Item = &'static Kind> {
    [&ARTICLE, &ACTOR, &TOPIC]
        .into_iter()
        .chain(ARTICLE_KINDS.iter().copied())
}

/// The description of a kind.
pub fn kind(kind: RecordKind) -> &'static Kind {
    kinds()
        .find(|k| k.kind == kind)
        .expect("every RecordKind is described in mapping::ARTICLE_KINDS")
}

/// What a relation type may link: alternatives of (subject kinds, object kinds). `validate`
/// refuses any other pair; the ontology's `rdfs:domain` and `rdfs:range` of each type are the
/// unions of its subjects and of its objects (`tests/it/schema.rs`).
pub fn relation_links(
    t: RelationType,
) -> &'static [(&'static [RecordKind], &'static [RecordKind])] {
    use RecordKind::{
        Actor, Agreement, Claim, Commitment, Condition, Event, Policy, Relation, Role, Topic,
    };
    match t {
        RelationType::Visited
        | RelationType::Met
        | RelationType::SupportsSanctionsAgainst
        | RelationType::MemberOf => &[(&[Actor], &[Actor])],
        RelationType::OrderedBy => &[(&[Event, Policy], &[Actor])],
        RelationType::ChampionedBy => &[(&[Event, Policy, Agreement], &[Actor])],
        RelationType::Supports | RelationType::Opposes => {
            &[(&[Actor], &[Actor, Event, Agreement, Policy, Commitment])]
        }
        // A whole and its part: an event within an event, a measure within an agreement, an
        // organisation within another, a commitment within an agreement or a larger pledge.
        RelationType::PartOf => &[
            (&[Event], &[Event]),
            (&[Agreement], &[Agreement]),
            (&[Policy], &[Policy]),
            (&[Actor], &[Actor]),
            (&[Commitment], &[Agreement, Commitment]),
        ],
        RelationType::Targets => &[(&[Event, Agreement, Policy, Commitment], &[Actor])],
        // An event announced during another: a statement issued at a meeting.
        RelationType::AnnouncedDuring => &[(&[Event, Agreement, Policy, Commitment], &[Event])],
        RelationType::CreatedBy => &[(&[Actor], &[Agreement, Event])],
        RelationType::MonitoredBy => &[(&[Agreement, Policy, Commitment], &[Actor])],
        RelationType::RequestedBy => &[(&[Event, Agreement, Policy, Commitment], &[Actor])],
        // Any two records of one kind.
        RelationType::SameAs => &[
            (&[Actor], &[Actor]),
            (&[Topic], &[Topic]),
            (&[Role], &[Role]),
            (&[Event], &[Event]),
            (&[Agreement], &[Agreement]),
            (&[Policy], &[Policy]),
            (&[Condition], &[Condition]),
            (&[Claim], &[Claim]),
            (&[Commitment], &[Commitment]),
        ],
        RelationType::Follows => &[(&[Event], &[Event])],
        RelationType::Fulfils => &[(&[Event, Agreement, Commitment], &[Commitment])],
        RelationType::IssuedBy => &[(&[Event, Agreement, Policy, Commitment], &[Actor])],
        // A claim's grounds: another claim, a fact the article reports (an event, a policy, a
        // relation such as a sanction supported), or a condition.
        RelationType::BasedOn => &[(
            &[Claim],
            &[
                Claim, Event, Agreement, Policy, Commitment, Condition, Relation,
            ],
        )],
    }
}

/// Whether a relation type reads the same either way (`a same_as b` is `b same_as a`): the
/// ontology declares it an `owl:SymmetricProperty`.
pub fn symmetric(t: RelationType) -> bool {
    matches!(t, RelationType::SameAs)
}

/// The classes a relation type's subjects and objects may have, each once, in the order of
/// [`relation_links`]: the domain and range of its direct triple.
pub fn relation_ends(t: RelationType) -> [Vec<&'static str>; 2] {
    let mut ends: [Vec<&'static str>; 2] = [Vec::new(), Vec::new()];
    for (subjects, objects) in relation_links(t) {
        for (end, kinds) in ends.iter_mut().zip([subjects, objects]) {
            for class in classes_of(kinds) {
                if !end.contains(&class) {
                    end.push(class);
                }
            }
        }
    }
    ends
}

/// The RDF classes of the records a reference may name: those of its kinds, or every kind's
/// that [`accepts`] (any record but an article) when none is given.
pub fn classes_of(kinds: &[RecordKind]) -> Vec<&'static str> {
    if kinds.is_empty() {
        self::kinds()
            .filter(|k| accepts(kinds, k.kind))
            .map(|k| k.class)
            .collect()
    } else {
        kinds.iter().map(|k| kind(*k).class).collect()
    }
}

/// Whether `t` may link a `subject` to an `object`.
pub fn relation_links_kinds(t: RelationType, subject: RecordKind, object: RecordKind) -> bool {
    relation_links(t)
        .iter()
        .any(|(s, o)| s.contains(&subject) && o.contains(&object))
}

/// How validation reads a relation type's links: "an actor to an actor; an event or a policy
/// to an actor".
pub fn describe_links(t: RelationType) -> String {
    let links = relation_links(t);
    // A type that joins many kinds each to itself (same_as) reads better as one rule.
    if links.len() > 2 && links.iter().all(|(s, o)| s.len() == 1 && s == o) {
        let kinds: Vec<&str> = links.iter().map(|(s, _)| kind(s[0]).noun).collect();
        return format!("any two records of one kind ({})", kinds.join(", "));
    }
    links
        .iter()
        .map(|(s, o)| format!("{} to {}", wanted(s), wanted(o)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// How validation names what a reference may point at: "an actor", "a record".
pub fn wanted(kinds: &[RecordKind]) -> String {
    match kinds {
        [] => "a record".to_owned(),
        [one] => kind(*one).noun.to_owned(),
        many => many
            .iter()
            .map(|k| kind(*k).noun)
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Whether a record of kind `found` may be named by a reference to `kinds`.
pub fn accepts(kinds: &[RecordKind], found: RecordKind) -> bool {
    if kinds.is_empty() {
        found != RecordKind::Article
    } else {
        kinds.contains(&found)
    }
}

// ---------------------------------------------------------------------------------------------
// What is not a record kind but is stored: evidence and the knowledge base's own row. Their
// writers are hooks; these descriptions are what `check` compares.
// ---------------------------------------------------------------------------------------------

/// Evidence: one row of `evidence`, one `oa:Annotation` with its target and selectors.
pub static EVIDENCE_FIELDS: &[Field] = &[
    Field {
        key: "record",
        ..required("record_id", &[oa::HAS_BODY], Shape::Ref(ANY_RECORD))
            .doc("The record the quote supports: any record but an article.")
    },
    Field {
        key: "article",
        ..required(
            "article_id",
            &[prov::WAS_DERIVED_FROM],
            Shape::Ref(&[RecordKind::Article]),
        )
        .doc("The article the quote is taken from.")
    },
    Field {
        key: "source",
        ..required(
            "article_id",
            &[oa::HAS_TARGET, oa::HAS_SOURCE],
            Shape::Ref(&[RecordKind::Article]),
        )
        .doc("The article the quote is taken from, as the annotation's target.")
    },
    Field {
        key: "quote",
        ..required(
            "quote",
            &[oa::HAS_TARGET, oa::HAS_SELECTOR, oa::EXACT],
            Shape::Text,
        )
        .doc("The exact words of the article, character for character.")
    },
    Field {
        key: "start",
        ..required(
            "start_offset",
            &[oa::HAS_TARGET, oa::HAS_SELECTOR, oa::START],
            Shape::Offset,
        )
        .doc("Where the quote starts in the article's text, in code points from 0.")
    },
    Field {
        key: "end",
        ..required(
            "end_offset",
            &[oa::HAS_TARGET, oa::HAS_SELECTOR, oa::END],
            Shape::Offset,
        )
        .doc("Where the quote ends (exclusive), in code points.")
    },
    Field {
        key: "asserted_by",
        ..required("asserted_by", &[prov::WAS_ATTRIBUTED_TO], Shape::Asserter).doc(
            "Who asserts what the quote says: `author` (the article's author), an actor id, or \
             `curator` for what the curator infers.",
        )
    },
    Field {
        key: "modality",
        ..required(
            "modality",
            &[dos::MODALITY],
            Shape::closed(Modality::SCHEME, Modality::VALUES),
        )
        .doc("How it is asserted; `inference` is the curator's reading, never the article's word.")
    },
    Field {
        key: "note",
        ..optional("note", &[skos::EDITORIAL_NOTE], Shape::Text).doc(
            "Why the curator infers the record from the quote: set exactly when the modality is \
              `inference`.",
        )
    },
];

/// A statement: one row of `statements` (and its rows of `statement_evidence`), one
/// `dos:Statement` node. Written by hooks (the value's shape is its field's); `check`
/// compares these.
pub static STATEMENT_FIELDS: &[Field] = &[
    Field {
        key: "record",
        ..required("record_id", &[rdf::SUBJECT], Shape::Ref(STATED_KINDS))
            .doc("The record whose field is stated: any record but an article or a relation.")
    },
    Field {
        key: "field",
        ..required("field", &[dos::FIELD], Shape::Text).doc(
            "The field or nested list, by its name in the seed format (`date`, `status`, \
             `aliases`, `participants` ...).",
        )
    },
    Field {
        key: "value",
        ..required("value", &[rdf::OBJECT], Shape::Text).doc(
            "The stated value, as its field writes it (a date as `YYYY[-MM[-DD]]`, a closed-list \
             value, an id); a stated row (a participant, a quantity) is a JSON object in SQL, \
             keys in alphabetical order, and a node of its own in RDF (the statement's IRI + \
             #row).",
        )
    },
    Field {
        key: "article",
        ..optional(
            "article_id",
            &[prov::WAS_DERIVED_FROM],
            Shape::Ref(&[RecordKind::Article]),
        )
        .doc(
            "The article that states it; none for a shared record's own value (`actors.toml`, \
             `topics.toml`).",
        )
    },
    Field {
        key: "rank",
        ..required(
            "rank",
            &[dos::RANK],
            Shape::closed(Rank::SCHEME, Rank::VALUES),
        )
        .doc(
            "`preferred` when the curator says this value holds whatever the dates, else `normal`.",
        )
    },
    Field {
        key: "current",
        ..required("is_current", &[dos::IS_CURRENT], Shape::Boolean)
            .doc("Whether the record holds this value now (see Values from several sources).")
    },
    Field {
        key: "basis",
        ..optional(
            "basis",
            &[dos::BASIS],
            Shape::closed(Basis::SCHEME, Basis::VALUES),
        )
        .doc(
            "`reported` when the source says the value, `inferred` when only the curator's \
             inference backs it (every quote an inference); none for `actors.toml`, `topics.toml`.",
        )
    },
    Field {
        key: "difference",
        ..optional(
            "difference",
            &[dos::DIFFERENCE],
            Shape::closed(Difference::SCHEME, Difference::VALUES),
        )
        .doc(
            "For a value that is not current, how it stands to the current one: `progression` \
             (an earlier status its lifecycle leads from, or the current date said more or less \
             precisely), `parallel` (another source's words for a text the record keeps in its \
             defining words), `contradiction` (the sources disagree); none for a current value.",
        )
    },
    Field {
        key: "evidence",
        ..list(
            "statement_evidence",
            "statement_id",
            "evidence_id",
            &[dos::EVIDENCE],
            Shape::Evidence,
        )
        .doc("A quote (an evidence id) behind the stated value.")
    },
];

describe! {
    // The knowledge base's own row (`knowledge_base`, id 1) and node (the base IRI, a
    // schema:Dataset in the default graph).
    KbConfig as KNOWLEDGE_BASE_FIELDS {
        title: required("title", &[dcterms::TITLE], Shape::Text).doc("Title of the knowledge base."),
        description: optional("description", &[dcterms::DESCRIPTION], Shape::Text)
            .doc("What the knowledge base is about."),
        license: optional("license", &[dcterms::LICENSE], Shape::IriOrText)
            .doc("Licence of the curated data: an IRI, or an SPDX id as a string."),
    }
}

/// The order a status field's values follow in time: the moves its lifecycle allows (a
/// status reached through moves is a progression from the one it started at, any other change
/// a contradiction). `statements` reads them when it sets a stated value's difference.
pub struct Lifecycle {
    pub scheme: &'static str,
    pub moves: &'static [(&'static str, &'static str)],
}

#[rustfmt::skip]
pub static LIFECYCLES: &[Lifecycle] = &[
    Lifecycle {
        scheme: AgreementStatus::SCHEME,
        moves: &[("possible", "proposed"), ("proposed", "announced"), ("announced", "agreed"),
                 ("agreed", "established")],
    },
    Lifecycle {
        scheme: PolicyStatus::SCHEME,
        moves: &[("threatened", "announced"), ("announced", "in_force"), ("in_force", "paused"),
                 ("paused", "in_force"), ("in_force", "ended")],
    },
    Lifecycle {
        scheme: CommitmentStatus::SCHEME,
        moves: &[("intended", "pledged"), ("pledged", "in_progress"), ("in_progress", "fulfilled"),
                 ("in_progress", "abandoned")],
    },
];

/// Whether a status may follow another in its lifecycle, directly or through other moves.
pub fn leads_to(scheme: &str, from: &str, to: &str) -> bool {
    let Some(lifecycle) = LIFECYCLES.iter().find(|l| l.scheme == scheme) else {
        return false;
    };
    let mut reached = vec![from];
    let mut next = 0;
    while let Some(&at) = reached.get(next) {
        next += 1;
        for &(a, b) in lifecycle.moves {
            if a == at && !reached.contains(&b) {
                reached.push(b);
            }
        }
    }
    from != to && reached.contains(&to)
}

/// Columns that hold no field of their own, each with why: `check` compares them by other
/// means, and the test that every column is described reads this list.
#[rustfmt::skip]
pub static DERIVED_COLUMNS: &[(&str, &str, &str)] = &[
    ("knowledge_base", "id", "always 1: the table has one row"),
    ("knowledge_base", "base_iri", "the IRI of the dataset node itself"),
    ("articles", "text", "schema:text, written by the article hook"),
    ("articles", "char_count", "the length of schema:text in code points"),
    ("evidence", "id", "dcterms:identifier of the annotation"),
    ("evidence", "number", "the last segment of the evidence id"),
    ("records", "id", "every record's id: the union of the kind tables"),
    ("records", "kind", "the class of the record's resource"),
    ("records", "label", "rdfs:label"),
    ("records", "article_id", "prov:wasDerivedFrom of records in an article"),
    ("records", "basis", "dos:basis of records in an article, from their evidence's modalities"),
    ("record_kinds", "kind", "RecordKind: the kinds a record may have, filled by migrations"),
];

/// A full-text index (FTS5) over text columns of a table. It is external content: it holds
/// only the inverted index and reads the text from `content` by rowid, so it stores no value of
/// its own; `sqlite::write` fills it after the bulk load and `check` verifies its structure and
/// that it covers exactly its table's rows (migration 5 creates it, 6 recreates `evidence_fts`).
#[derive(Debug, Clone, Copy)]
pub struct FullText {
    pub table: &'static str,
    pub content: &'static str,
    pub columns: &'static [&'static str],
}

/// The full-text indexes: evidence quotes and articles (title and text).
pub static FULL_TEXT_INDEXES: &[FullText] = &[
    FullText {
        table: "evidence_fts",
        content: "evidence",
        columns: &["quote"],
    },
    FullText {
        table: "articles_fts",
        content: "articles",
        columns: &["title", "text"],
    },
];

/// The tables FTS5 keeps for each index beside the virtual table itself (an external-content
/// index has no `_content`).
pub const FULL_TEXT_SHADOW_SUFFIXES: &[&str] = &["_data", "_idx", "_docsize", "_config"];

/// Whether `table` is a full-text index or one of its shadow tables: derived from other
/// tables, so it holds no column of its own to describe or compare.
pub fn is_full_text_table(table: &str) -> bool {
    FULL_TEXT_INDEXES.iter().any(|f| {
        table == f.table
            || FULL_TEXT_SHADOW_SUFFIXES
                .iter()
                .any(|suffix| table.strip_prefix(f.table) == Some(suffix))
    })
}

/// The XML Schema datatype of a date known to this precision: `xsd:gYear`, `xsd:gYearMonth`
/// or `xsd:date`.
pub fn date_datatype(precision: DatePrecision) -> &'static str {
    use crate::vocab::xsd;
    match precision {
        DatePrecision::Year => xsd::G_YEAR,
        DatePrecision::Month => xsd::G_YEAR_MONTH,
        DatePrecision::Day => xsd::DATE,
    }
}

/// Why a date's precision is what it is, for both stores: from the literal's datatype.
pub fn precision_of_datatype(datatype: &str) -> Option<DatePrecision> {
    DatePrecision::ALL
        .iter()
        .copied()
        .find(|p| date_datatype(*p) == datatype)
}

/// Every closed list the descriptions use, once each, with a date's precision: (scheme, values).
pub fn closed_lists() -> Vec<(&'static str, &'static [&'static str])> {
    let mut out: Vec<(&'static str, &'static [&'static str])> = Vec::new();
    let mut add = |fields: &[Field]| {
        for f in fields {
            if let Shape::Closed { scheme, values } = f.shape
                && !out.iter().any(|(s, _)| *s == scheme)
            {
                out.push((scheme, values));
            }
        }
    };
    // Actors' and evidence's lists first: the order the Turtle's prefixes have always had.
    add(ACTOR.fields);
    add(EVIDENCE_FIELDS);
    for k in ARTICLE_KINDS {
        add(k.fields);
        k.nested.iter().for_each(|n| add(n.fields));
    }
    add(ARTICLE.fields);
    add(STATEMENT_FIELDS);
    out.push((vocab::DATE_PRECISION_SCHEME, DatePrecision::VALUES));
    out
}

/// Prefixes written at the top of the Turtle file and predeclared in SPARQL queries.
pub fn prefixes(base: &str) -> Vec<(String, String)> {
    let mut out = vocabulary_prefixes();
    out.push(("kb".into(), base.to_string()));
    for kind in RecordKind::ALL {
        out.push((kind.as_str().to_string(), format!("{base}{kind}/")));
    }
    for segment in [vocab::EVIDENCE_SEGMENT, vocab::STATEMENT_SEGMENT] {
        out.push((segment.into(), format!("{base}{segment}/")));
    }
    out
}

/// The prefixes of the vocabularies, whatever the knowledge base: the standard ones, `dos:` and
/// every closed list's.
pub fn vocabulary_prefixes() -> Vec<(String, String)> {
    use crate::vocab::{VOCAB, xsd};
    let mut out: Vec<(String, String)> = [
        ("rdf", rdf::NS),
        ("rdfs", rdfs::NS),
        ("xsd", xsd::NS),
        ("dcterms", dcterms::NS),
        ("prov", prov::NS),
        ("schema", schema::NS),
        ("skos", skos::NS),
        ("oa", oa::NS),
        ("dos", dos::NS),
    ]
    .iter()
    .map(|(p, ns)| (p.to_string(), ns.to_string()))
    .collect();
    for (scheme, _) in closed_lists() {
        out.push((scheme.to_string(), format!("{VOCAB}{scheme}#")));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// What the SQL schema needs beyond the fields' shapes (`ddl` writes the rest from the fields).
// ---------------------------------------------------------------------------------------------

/// CHECK constraints no shape implies: (table, column or None for the table, expression in the
/// SQL both SQLite and PostgreSQL read).
#[rustfmt::skip]
pub static SQL_CHECKS: &[(&str, Option<&str>, &str)] = &[
    ("evidence", Some("quote"), "length(quote) > 0"),
    ("evidence", Some("start_offset"), "start_offset >= 0"),
    ("evidence", Some("note"), "length(trim(note)) > 0"),
    ("evidence", None, "end_offset - start_offset = length(quote)"),
    // The curator asserts inferences only, and an inference says why (its note).
    ("evidence", None, "(modality = 'inference') = (asserted_by = 'curator')"),
    ("evidence", None, "(modality = 'inference') = (note IS NOT NULL)"),
];

/// Secondary indexes over several columns, for the lookups the views and named queries make:
/// (name, table, columns, unique). `ddl` adds one per reference, asserter and date column.
#[rustfmt::skip]
pub static SQL_INDEXES: &[(&str, &str, &[&str], bool)] = &[
    ("records_by_kind", "records", &["kind", "article_id"], false),
    ("evidence_by_record", "evidence", &["record_id", "article_id", "number"], true),
    ("relations_by_subject", "relations", &["subject_id", "predicate"], false),
    ("relations_by_object", "relations", &["object_id", "predicate"], false),
    ("statements_by_record", "statements", &["record_id", "field"], false),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_leads_on_only_through_its_lifecycles_moves() {
        let agreement = AgreementStatus::SCHEME;
        assert!(leads_to(agreement, "possible", "agreed"));
        assert!(!leads_to(agreement, "agreed", "proposed"));
        assert!(!leads_to(agreement, "agreed", "agreed"));
        // A policy may be paused and put back in force, and end from either.
        let policy = PolicyStatus::SCHEME;
        assert!(leads_to(policy, "paused", "in_force") && leads_to(policy, "in_force", "paused"));
        assert!(leads_to(policy, "paused", "ended") && !leads_to(policy, "ended", "in_force"));
        let commitment = CommitmentStatus::SCHEME;
        assert!(leads_to(commitment, "pledged", "abandoned"));
        assert!(!leads_to(commitment, "fulfilled", "abandoned"));
        // A list without a lifecycle has no progressions.
        assert!(!leads_to(ClaimKind::SCHEME, "assessment", "prediction"));
        // Every move names values of its list.
        for l in LIFECYCLES {
            let (_, values) = closed_lists()
                .into_iter()
                .find(|(s, _)| *s == l.scheme)
                .expect("a lifecycle of a closed list");
            for (from, to) in l.moves {
                assert!(
                    values.contains(from) && values.contains(to),
                    "{from} → {to}"
                );
            }
        }
    }
}
