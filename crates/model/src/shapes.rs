//! `schema/shapes.ttl`, the SHACL shapes a built graph must satisfy, written from the
//! descriptions: a node shape per class the mapping writes, a property shape per field (its
//! path, how many values, and the datatype, class or list its shape implies), the nested rows,
//! the statements, the evidence as Web Annotations and what each relation type links
//! (`mapping::relation_links`). What no description holds (the identifiers' syntax, the
//! article's text and author node, the curator's inferences, the relation's direct triple) is
//! written here, for the hooks of `rdf` that write those triples. `tests/it/schema.rs` holds the
//! committed file equal to this module's output, and pySHACL checks built graphs against it
//! (`scripts/interop-check`).

use crate::mapping::{self, Field, Kind, Label, Scope, Shape};
use crate::model::{DatePrecision, RecordKind, RelationType};
use crate::ontology::{node, quoted, section, with_prefixes, wrap};
use crate::vocab::{self, dcterms, dos, oa, prov, rdf, rdfs, schema, skos, xsd};

const SH: &str = "http://www.w3.org/ns/shacl#";

/// An IRI as a prefixed name of this file's prefixes.
fn short(iri: &str) -> String {
    crate::ontology::prefixed(iri, &prefixes())
}

/// The prefixes of the file: the vocabularies', with SHACL's, OWL's and the shapes' own before
/// the closed lists'.
fn prefixes() -> Vec<(String, String)> {
    with_prefixes(&[("sh", SH), ("owl", OWL), ("dossh", SHAPES)])
}
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const SHAPES: &str = "https://w3id.org/dossier/shapes#";

/// A slug, as a part of a pattern.
fn slug() -> &'static str {
    crate::model::Slug::PATTERN
        .trim_start_matches('^')
        .trim_end_matches('$')
}

/// The text of `schema/shapes.ttl`.
pub fn turtle() -> String {
    let mut out = String::from(HEADER);
    crate::ontology::write_prefixes(&mut out, &prefixes());
    out.push('\n');
    out.push_str(&node(
        &format!("<{SHAPES}>"),
        "owl:Ontology",
        &[
            "rdfs:label \"dossier SHACL shapes\"@en".into(),
            format!(
                "rdfs:comment {}@en",
                quoted(&format!(
                    "What a knowledge base built by dossier must look like in RDF. Terms: {}.",
                    dos::NS
                ))
            ),
            "owl:versionInfo \"0.1.0\"".into(),
            format!("rdfs:seeAlso <{}>", dos::NS),
        ],
    ));

    section(
        &mut out,
        "Property shapes shared by every record (role, event, agreement, policy, condition, \
         claim, relation; actors share only some of them)",
    );
    out.push_str(&shared_shapes());

    section(&mut out, "The knowledge base and its articles");
    out.push_str(&dataset_shape());
    out.push_str(&kind_shape(&mapping::ARTICLE));
    out.push_str(&hook_shapes());

    section(&mut out, "Actors and topics (shared by the knowledge base)");
    out.push_str(&kind_shape(&mapping::ACTOR));
    out.push_str(&kind_shape(&mapping::TOPIC));

    section(&mut out, "Records of an article");
    let mut nested_written: Vec<&str> = Vec::new();
    for kind in mapping::ARTICLE_KINDS {
        out.push_str(&kind_shape(kind));
        for nested in kind.nested {
            if !nested_written.contains(&nested.class) {
                nested_written.push(nested.class);
                out.push_str(&nested_shape(nested));
            }
        }
    }

    section(
        &mut out,
        "Values from several sources, and evidence: W3C Web Annotations",
    );
    out.push_str(&statement_shape());
    out.push_str(&evidence_shapes());

    out.push_str(
        "# --- what each relation type links (crates/model/src/mapping.rs, relation_links) \
         ---------------------------\n\
         # The direct triple of a relation, subject <relation-type:x> object: its subject and \
         object must be\n# of the kinds the type allows (validate refuses the rest, with \
         advice).\n\n",
    );
    for t in RelationType::ALL {
        out.push_str(&relation_links_shape(*t));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

const HEADER: &str = "\
# SHACL shapes for the graph `dossier build` writes (kb/dossier.ttl, kb/dossier.nq with the graph
# names dropped): one node shape per class the mapping in crates/stores/src/rdf.rs emits. Every node in the
# graph is typed explicitly, so the shapes hold without RDFS inference.
#
# Generated from the descriptions in crates/model/src/mapping.rs by crates/model/src/shapes.rs: do not edit; run
# `dossier schema --write .` after changing a description.
#
# Check a built graph with, e.g.:
#   pyshacl -s schema/shapes.ttl -e schema/ontology.ttl kb/dossier.ttl
#
# \"Text\" below means a literal in the article's language (rdf:langString) or, when the
# article's language is not a valid language tag, an xsd:string. Shapes are open (not sh:closed):
# a graph may say more than dossier does.

";

/// One property shape: a path, a description, how many values, what each value is.
struct Property {
    path: String,
    description: String,
    min: usize,
    max: Option<usize>,
    values: Vec<String>,
}

impl Property {
    fn new(path: &str, min: usize, max: Option<usize>, values: Vec<String>) -> Property {
        Property {
            path: short(path),
            description: String::new(),
            min,
            max,
            values,
        }
    }

    /// A field's property shape: its first predicate, its count and its shape's values.
    fn of(field: &Field, asserters: Asserters) -> Property {
        Property {
            // The doc is Markdown for schema/sqlite.md: SHACL's description is plain text.
            description: field.doc.replace('`', ""),
            ..Property::new(
                field.predicate(),
                usize::from(field.required),
                field.list.is_none().then_some(1),
                field_values(field, asserters),
            )
        }
    }

    /// The property's lines inside its brackets, at `indent`.
    fn body(&self, indent: &str) -> String {
        self.lines()
            .iter()
            .map(|l| format!("{indent}{} ;\n", wrap(l, indent.len())))
            .collect::<String>()
    }

    /// The property's predicate-object pairs, one a line.
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("sh:path {}", self.path)];
        if !self.description.is_empty() {
            lines.push(format!("sh:description {}", quoted(&self.description)));
        }
        match (self.min, self.max) {
            (0, None) => {}
            (0, Some(max)) => lines.push(format!("sh:maxCount {max}")),
            (min, None) => lines.push(format!("sh:minCount {min}")),
            (min, Some(max)) => lines.push(format!("sh:minCount {min} ; sh:maxCount {max}")),
        }
        lines.extend(self.values.iter().cloned());
        lines
    }
}

/// `sh:property [ ... ] , [ ... ]`, one blank node per property.
fn properties(props: &[Property]) -> String {
    let blocks: Vec<String> = props
        .iter()
        .map(|p| format!("[\n{}    ]", p.body("        ")))
        .collect();
    format!("sh:property {}", blocks.join(" , "))
}

/// Who may be an asserter here: evidence alone may be the curator's (an inference).
#[derive(Clone, Copy, PartialEq)]
enum Asserters {
    ActorOrAuthor,
    WithCurator,
}

/// `sh:class C`, or `sh:or` of several.
fn classes(iris: &[&str]) -> String {
    match iris {
        [one] => format!("sh:class {}", short(one)),
        many => format!(
            "sh:or ( {} )",
            many.iter()
                .map(|c| format!("[ sh:class {} ]", short(c)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

const TEXT: &str = "sh:or ( [ sh:datatype rdf:langString ] [ sh:datatype xsd:string ] )";

/// What each value of a field is, by its shape.
fn field_values(field: &Field, asserters: Asserters) -> Vec<String> {
    let mut out = match field.shape {
        Shape::Text => vec!["sh:datatype xsd:string".to_owned()],
        Shape::LangText => vec![TEXT.to_owned()],
        Shape::Ref(kinds) => vec![classes(&mapping::classes_of(kinds))],
        Shape::Asserter => {
            let mut who = vec![dos::ACTOR, dos::AUTHOR];
            if asserters == Asserters::WithCurator {
                who.push(dos::CURATOR);
            }
            vec![classes(&who)]
        }
        Shape::Evidence => vec![classes(&[oa::ANNOTATION])],
        Shape::Closed { scheme, values } => vec![one_of(scheme, values)],
        // The most precise first, as the shapes have always listed them.
        Shape::Date { .. } => vec![format!(
            "sh:or ( {} )",
            DatePrecision::ALL
                .iter()
                .rev()
                .map(|p| format!("[ sh:datatype {} ]", short(mapping::date_datatype(*p))))
                .collect::<Vec<_>>()
                .join(" ")
        )],
        Shape::Decimal => vec![
            "sh:datatype xsd:decimal".to_owned(),
            "sh:minInclusive 0".to_owned(),
            "sh:maxInclusive 100".to_owned(),
        ],
        Shape::Integer => vec![
            "sh:datatype xsd:integer".to_owned(),
            "sh:minInclusive 0".to_owned(),
        ],
        Shape::Offset => vec![format!("sh:datatype {}", short(xsd::NON_NEGATIVE_INTEGER))],
        Shape::Duration => vec![
            "sh:datatype xsd:duration".to_owned(),
            format!("sh:pattern {}", quoted(crate::model::Duration::PATTERN)),
        ],
        Shape::AnyUri => vec!["sh:datatype xsd:anyURI".to_owned()],
        Shape::Boolean => vec!["sh:datatype xsd:boolean".to_owned()],
        Shape::IriOrText => {
            vec!["sh:or ( [ sh:nodeKind sh:IRI ] [ sh:datatype xsd:string ] )".to_owned()]
        }
    };
    if let Some(pattern) = field.pattern {
        out.push(format!("sh:pattern {}", quoted(pattern)));
    }
    out
}

/// `sh:in ( scheme:value ... )`.
fn one_of(scheme: &str, values: &[&str]) -> String {
    let concepts: Vec<String> = values
        .iter()
        .map(|v| short(&vocab::concept(scheme, v)))
        .collect();
    format!("sh:in ( {} )", concepts.join(" "))
}

/// The shapes every record of an article has, and actors some of.
fn shared_shapes() -> String {
    let mut out = String::new();
    let shared = [
        (
            "RecordIdentifier",
            "id",
            "The record's slug, also the last segment of its IRI.",
            Property::new(
                dcterms::IDENTIFIER,
                1,
                Some(1),
                vec![
                    "sh:datatype xsd:string".into(),
                    format!("sh:pattern {}", quoted(crate::model::Slug::PATTERN)),
                ],
            ),
        ),
        (
            "RecordLabel",
            "label",
            "",
            Property::new(rdfs::LABEL, 1, Some(1), vec![TEXT.into()]),
        ),
        (
            "RecordSource",
            "article",
            "The article the record is curated from.",
            Property::new(
                prov::WAS_DERIVED_FROM,
                1,
                Some(1),
                vec!["sh:nodeKind sh:IRI".into(), classes(&[schema::ARTICLE])],
            ),
        ),
        (
            "RecordEvidence",
            "evidence",
            "Every record (actors included) is supported by at least one quote.",
            Property {
                path: format!("[ sh:inversePath {} ]", short(oa::HAS_BODY)),
                ..Property::new(oa::HAS_BODY, 1, None, vec![classes(&[oa::ANNOTATION])])
            },
        ),
    ];
    for (name, label, description, property) in shared {
        let mut lines = property.lines();
        lines.insert(1, format!("sh:name {}", quoted(label)));
        if !description.is_empty() {
            lines.insert(2, format!("sh:description {}", quoted(description)));
        }
        out.push_str(&node(&format!("dossh:{name}"), "sh:PropertyShape", &lines));
    }
    out
}

/// The node shape of a class: `dossh:<local name>Shape`.
fn shape_name(class: &str) -> String {
    format!("dossh:{}Shape", vocab::local_name(class))
}

/// What a node shape says of a class beyond its properties, where the mapping's hooks write
/// more than the fields do.
fn class_comment(class: &str) -> &'static str {
    match class {
        c if c == schema::ARTICLE => {
            "An article: its metadata and text. Its IRI also names its graph in the N-Quads."
        }
        c if c == dos::ACTOR => {
            "An actor. Its second type follows its kind: person -> schema:Person, state -> \
             schema:Country, organization -> schema:Organization, group -> none."
        }
        c if c == dos::TOPIC => {
            "A topic records can be about: a SKOS concept of the knowledge base's vocabulary \
             (seeds/topics.toml), with no evidence of its own."
        }
        c if c == dos::RELATION => {
            "A relation record: a reified statement whose triple is also asserted."
        }
        c if c == dos::PARTICIPATION => {
            "The part an actor played in an event, at the event's IRI + #participant-<n>."
        }
        c if c == schema::QUANTITATIVE_VALUE => {
            "A quantity of a record (an event, a commitment, an agreement, a policy), at the \
             record's IRI + #quantity-<n>."
        }
        _ => "",
    }
}

/// A kind's node shape: the shared shapes its scope has, a property per field (the label
/// where it is not a field's own predicate), the nested rows' links, and the hooks' triples.
fn kind_shape(kind: &Kind) -> String {
    let mut lines = Vec::new();
    lines.push(format!("sh:targetClass {}", short(kind.class)));
    let comment = class_comment(kind.class);
    if !comment.is_empty() {
        lines.push(format!("rdfs:comment {}@en", quoted(comment)));
    }
    lines.push("sh:nodeKind sh:IRI".into());
    for extra in kind.extra_types {
        lines.push(format!("sh:class {}", short(extra)));
    }
    let mut shared = vec!["dossh:RecordIdentifier"];
    // A record of an article has one label (dossh:RecordLabel), whatever field it comes from.
    let shared_label = kind.scope == Scope::InArticle;
    if shared_label {
        shared.extend(["dossh:RecordLabel", "dossh:RecordSource"]);
    }
    if kind.evidenced {
        shared.push("dossh:RecordEvidence");
    }
    lines.push(format!("sh:property {}", shared.join(" , ")));

    let mut props: Vec<Property> = Vec::new();
    match kind.label {
        Label::Copy(key) if kind.scope != Scope::InArticle => {
            let (_, field) = kind.field(key).expect("a label copies a described field");
            props.push(Property::new(
                rdfs::LABEL,
                1,
                Some(1),
                field_values(field, Asserters::ActorOrAuthor),
            ));
        }
        _ => {}
    }
    let mut extras = Vec::new();
    for field in kind.fields {
        if shared_label && field.predicate() == rdfs::LABEL {
            continue;
        }
        props.push(Property::of(field, Asserters::ActorOrAuthor));
        if let Shape::Date {
            precision: Some(precision),
        } = field.shape
        {
            props.push(Property::new(
                precision,
                0,
                Some(1),
                vec![one_of(vocab::DATE_PRECISION_SCHEME, DatePrecision::VALUES)],
            ));
            extras.push(date_and_precision(field.predicate(), precision));
        }
    }
    for nested in kind.nested {
        props.push(Property::new(
            nested.predicate,
            0,
            None,
            vec!["sh:nodeKind sh:IRI".into(), classes(&[nested.class])],
        ));
    }
    props.extend(hook_properties(kind));
    lines.push(properties(&props));
    lines.extend(extras);
    lines.extend(hook_constraints(kind));
    node(&shape_name(kind.class), "sh:NodeShape", &lines)
}

/// A date comes with its precision, and the date's datatype follows it.
fn date_and_precision(date: &str, precision: &str) -> String {
    let (date, precision) = (short(date), short(precision));
    let mut choices = vec![format!(
        "[ sh:property [ sh:path {date} ; sh:maxCount 0 ] ,\n                      \
         [ sh:path {precision} ; sh:maxCount 0 ] ]"
    )];
    for known in DatePrecision::ALL {
        let (value, datatype) = (known.as_str(), mapping::date_datatype(*known));
        choices.push(format!(
            "[ sh:property [ sh:path {date} ; sh:minCount 1 ; sh:datatype {} ] ,\n                      \
             [ sh:path {precision} ; sh:hasValue {} ] ]",
            short(datatype),
            short(&vocab::concept(vocab::DATE_PRECISION_SCHEME, value)),
        ));
    }
    format!(
        "# A date comes with its precision, and the datatype of the date matches it.\n    \
         sh:or (\n        {}\n    )",
        choices.join("\n        ")
    )
}

/// The triples the writers' hooks add to a kind's nodes (`rdf::map_article`, the actor's
/// provenance and schema.org class).
fn hook_properties(kind: &Kind) -> Vec<Property> {
    match kind.kind {
        RecordKind::Article => vec![
            Property::new(schema::AUTHOR, 1, Some(1), vec![classes(&[dos::AUTHOR])]),
            Property::new(
                dcterms::IS_PART_OF,
                1,
                Some(1),
                vec!["sh:nodeKind sh:IRI".into(), classes(&[schema::DATASET])],
            ),
            Property::new(
                schema::TEXT,
                1,
                Some(1),
                vec![TEXT.into(), "sh:minLength 1".into()],
            ),
        ],
        RecordKind::Actor => vec![Property {
            description: "Every article that gives evidence for the actor (each actor has some)."
                .into(),
            ..Property::new(
                prov::WAS_DERIVED_FROM,
                1,
                None,
                vec!["sh:nodeKind sh:IRI".into(), classes(&[schema::ARTICLE])],
            )
        }],
        _ => Vec::new(),
    }
}

/// Node-level constraints of the hooks: an actor's second type by its kind, a relation's
/// direct triple.
fn hook_constraints(kind: &Kind) -> Vec<String> {
    match kind.kind {
        RecordKind::Actor => {
            let choices: Vec<String> = crate::model::ActorKind::ALL
                .iter()
                .map(|k| {
                    let has = format!(
                        "[ sh:property [ sh:path {} ; sh:hasValue {} ]",
                        short(dos::ACTOR_KIND),
                        short(&vocab::concept(crate::model::ActorKind::SCHEME, k.as_str()))
                    );
                    match mapping::actor_class(*k) {
                        Some(class) => format!("{has} ; sh:class {} ]", short(class)),
                        None => format!("{has} ]"),
                    }
                })
                .collect();
            vec![format!(
                "sh:or (\n        {}\n    )",
                choices.join("\n        ")
            )]
        }
        RecordKind::Relation => vec![RELATION_TRIPLE.trim_end().to_owned()],
        _ => Vec::new(),
    }
}

const RELATION_TRIPLE: &str = r#"sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "The relation's triple (rdf:subject, rdf:predicate, rdf:object) is not asserted." ;
        sh:select """
            SELECT $this ?value WHERE {
                $this <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ;
                      <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ;
                      <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o .
                FILTER NOT EXISTS { ?s ?p ?o }
                BIND (?p AS ?value)
            }
        """ ;
    ]
"#;

/// The knowledge base's node: its own fields.
fn dataset_shape() -> String {
    let mut props: Vec<Property> = mapping::KNOWLEDGE_BASE_FIELDS
        .iter()
        .map(|f| Property::of(f, Asserters::ActorOrAuthor))
        .collect();
    let title = short(dcterms::TITLE);
    if let Some(title) = props.iter_mut().find(|p| p.path == title) {
        title.values.push("sh:minLength 1".into());
    }
    node(
        &shape_name(schema::DATASET),
        "sh:NodeShape",
        &[
            format!("sh:targetClass {}", short(schema::DATASET)),
            "rdfs:comment \"The knowledge base; its IRI is the base IRI.\"@en".into(),
            "sh:nodeKind sh:IRI".into(),
            properties(&props),
        ],
    )
}

/// The nodes only the hooks write: the curator, each article's author, and the rule that ties
/// an inference to the curator and its note; their IRIs and labels as `rdf` writes them.
fn hook_shapes() -> String {
    format!(
        r##"dossh:CuratorShape a sh:NodeShape ;
    sh:targetClass dos:Curator ;
    rdfs:comment "The curator of the knowledge base, at the base IRI + curator: the asserter of inferences."@en ;
    sh:nodeKind sh:IRI ;
    sh:pattern "{curator}$" ;
    sh:property [
        sh:path rdfs:label ;
        sh:minCount 1 ; sh:maxCount 1 ;
        sh:datatype xsd:string ;
    ] .

# An inference is the curator's and has a note; the curator asserts nothing else, and only an
# inference has a note.
dossh:InferenceShape a sh:NodeShape ;
    sh:targetSubjectsOf dos:modality ;
    rdfs:comment "What the curator infers is marked as such: modality:inference, attributed to the dos:Curator, with a skos:editorialNote; nothing else is."@en ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "An inference must be attributed to the curator and carry a note, and only an inference may be either." ;
        sh:select """
            SELECT $this WHERE {{
                $this <{modality}> ?m ;
                      <{attributed}> ?who .
                BIND (?m = <{inference}> AS ?inference)
                BIND (EXISTS {{ ?who a <{curator_class}> }} AS ?curator)
                BIND (EXISTS {{ $this <{note}> ?n }} AS ?noted)
                FILTER (?inference != ?curator || ?inference != ?noted)
            }}
        """ ;
    ] .

dossh:AuthorShape a sh:NodeShape ;
    sh:targetClass dos:Author ;
    rdfs:comment "The author of one article, at the article's IRI + #author."@en ;
    sh:nodeKind sh:IRI ;
    sh:pattern "#{author}$" ;
    sh:property [
        sh:path rdfs:label ;
        sh:minCount 1 ; sh:maxCount 1 ;
        sh:datatype xsd:string ;
        sh:pattern "^{label}{slug}" ;
    ] .

"##,
        curator = crate::model::CURATOR,
        author = crate::model::AUTHOR,
        label = vocab::AUTHOR_LABEL,
        slug = crate::model::Slug::PATTERN.trim_start_matches('^'),
        modality = dos::MODALITY,
        attributed = prov::WAS_ATTRIBUTED_TO,
        inference = vocab::concept(
            crate::model::Modality::SCHEME,
            crate::model::Modality::Inference.as_str()
        ),
        curator_class = dos::CURATOR,
        note = skos::EDITORIAL_NOTE,
    )
}

/// A nested row's node: its fields, and whose row it is (one record's, or one statement's).
fn nested_shape(nested: &mapping::Nested) -> String {
    let props: Vec<Property> = nested
        .fields
        .iter()
        .map(|f| Property::of(f, Asserters::ActorOrAuthor))
        .collect();
    for other in mapping::ARTICLE_KINDS.iter().flat_map(|k| k.nested) {
        assert!(
            other.class != nested.class
                || (other.predicate == nested.predicate
                    && std::ptr::eq(other.fields, nested.fields)),
            "the rows of class {} are linked and described alike wherever they nest",
            nested.class
        );
    }
    let owners: Vec<&'static str> = mapping::ARTICLE_KINDS
        .iter()
        .filter(|k| k.nested.iter().any(|n| n.class == nested.class))
        .map(|k| k.class)
        .collect();
    let nouns: Vec<&str> = mapping::ARTICLE_KINDS
        .iter()
        .filter(|k| k.nested.iter().any(|n| n.class == nested.class))
        .map(|k| k.noun)
        .collect();
    let belongs = Property {
        path: format!("[ sh:inversePath {} ]", short(nested.predicate)),
        description: format!("Belongs to exactly one record: {}.", nouns.join(", ")),
        ..Property::new(nested.predicate, 1, Some(1), vec![classes(&owners)])
    };
    let stated = [
        Property {
            path: format!("[ sh:inversePath {} ]", short(rdf::OBJECT)),
            description: "Is the row exactly one statement states (at the statement's IRI + #row)."
                .into(),
            ..Property::new(rdf::OBJECT, 1, Some(1), vec![classes(&[dos::STATEMENT])])
        },
        Property {
            description: "The row as statements.value holds it: a JSON object of its fields."
                .into(),
            ..Property::new(
                rdf::VALUE,
                1,
                Some(1),
                vec![format!("sh:datatype {}", short(rdf::JSON))],
            )
        },
    ];
    let choice = |props: &[Property]| {
        let blocks: Vec<String> = props
            .iter()
            .map(|p| format!("[\n{}        ]", p.body("            ")))
            .collect();
        format!("[ sh:property {} ]", blocks.join(" , "))
    };
    let mut lines = vec![format!("sh:targetClass {}", short(nested.class))];
    let comment = class_comment(nested.class);
    if !comment.is_empty() {
        lines.push(format!("rdfs:comment {}@en", quoted(comment)));
    }
    lines.push("sh:nodeKind sh:IRI".into());
    lines.push(properties(&props));
    lines.push(format!(
        "# A row of one record, or a row as one source states it: the object of one statement.\n    \
         sh:xone (\n        {}\n        {}\n    )",
        choice(std::slice::from_ref(&belongs)),
        choice(&stated)
    ));
    node(&shape_name(nested.class), "sh:NodeShape", &lines)
}

/// A `dcterms:identifier` of a given syntax, exactly one.
fn identifier(description: &str, pattern: &str) -> Property {
    Property {
        description: description.to_owned(),
        ..Property::new(
            dcterms::IDENTIFIER,
            1,
            Some(1),
            vec![
                "sh:datatype xsd:string".into(),
                format!("sh:pattern {}", quoted(pattern)),
            ],
        )
    }
}

/// A statement: its described fields, its identifier and predicate, and the nodes whose
/// basis it states.
fn statement_shape() -> String {
    let slug = slug();
    let mut props = vec![
        identifier(
            "<record>.<field>.<source>.<n>: the source is the stating article's id, or actors.toml \
             or topics.toml.",
            &format!(
                "^{slug}\\.[a-z_]+\\.({slug}|{}|{})\\.[1-9][0-9]*$",
                crate::seed::ACTORS_FILE.replace('.', "\\."),
                crate::seed::TOPICS_FILE.replace('.', "\\."),
            ),
        ),
        Property::new(
            rdf::PREDICATE,
            1,
            Some(1),
            vec!["sh:nodeKind sh:IRI".into()],
        ),
    ];
    for field in mapping::STATEMENT_FIELDS {
        let mut property = Property::of(field, Asserters::ActorOrAuthor);
        match field.predicate() {
            // Any term the field writes: an IRI, a literal, a stated row's node.
            p if p == rdf::OBJECT => property.values.clear(),
            _ => {}
        }
        props.push(property);
    }
    let basis = mapping::STATEMENT_FIELDS
        .iter()
        .find(|f| f.predicate() == dos::BASIS)
        .expect("a statement has a basis");
    let mut out = node(
        &shape_name(dos::STATEMENT),
        "sh:NodeShape",
        &[
            format!("sh:targetClass {}", short(dos::STATEMENT)),
            "rdfs:comment \"One value one source states for one field of a record.\"@en".into(),
            "sh:nodeKind sh:IRI".into(),
            format!("sh:class {}", short(rdf::STATEMENT)),
            properties(&props),
        ],
    );
    out.push_str(&node(
        "dossh:BasisShape",
        "sh:NodeShape",
        &[
            format!("sh:targetSubjectsOf {}", short(dos::BASIS)),
            "rdfs:comment \"Whatever has a basis (a record of an article, a statement) has one, \
             of the list.\"@en"
                .into(),
            properties(&[Property::new(
                dos::BASIS,
                0,
                Some(1),
                field_values(basis, Asserters::ActorOrAuthor),
            )]),
        ],
    ));
    out
}

/// Evidence as a Web Annotation: the fields of one step on the annotation, the source on its
/// target, the quote and the offsets on the target's two selectors.
fn evidence_shapes() -> String {
    let slug = slug();
    let field = |predicate: &str| {
        mapping::EVIDENCE_FIELDS
            .iter()
            .find(|f| f.path.last() == Some(&predicate))
            .expect("evidence describes its quote, offsets and source")
    };
    let mut annotation = vec![identifier(
        "<record>.<article>.<n>, n counting from 1 within the article and record.",
        &format!("^{slug}\\.{slug}\\.[1-9][0-9]*$"),
    )];
    annotation.push(Property::new(
        oa::HAS_TARGET,
        1,
        Some(1),
        vec![
            "sh:nodeKind sh:IRI".into(),
            classes(&[oa::SPECIFIC_RESOURCE]),
        ],
    ));
    for f in mapping::EVIDENCE_FIELDS
        .iter()
        .filter(|f| f.path.len() == 1)
    {
        let mut property = Property::of(f, Asserters::WithCurator);
        if f.predicate() == prov::WAS_DERIVED_FROM {
            property.values.insert(0, "sh:nodeKind sh:IRI".into());
        }
        annotation.push(property);
    }
    let source = field(oa::HAS_SOURCE);
    let selector = |class: &str| Property {
        values: vec![
            format!("sh:qualifiedValueShape [ sh:class {} ]", short(class)),
            "sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1".into(),
        ],
        ..Property::new(oa::HAS_SELECTOR, 0, None, Vec::new())
    };
    let target = vec![
        Property::new(
            source.path[1],
            1,
            Some(1),
            field_values(source, Asserters::WithCurator),
        ),
        Property::new(oa::HAS_SELECTOR, 2, Some(2), Vec::new()),
        selector(oa::TEXT_QUOTE_SELECTOR),
        selector(oa::TEXT_POSITION_SELECTOR),
    ];
    let quote = field(oa::EXACT);
    let mut exact = Property::of(quote, Asserters::WithCurator);
    exact.path = short(oa::EXACT);
    exact.values.push("sh:minLength 1".into());
    let offset = |predicate: &str, last: bool| {
        let mut p = Property::new(
            predicate,
            1,
            Some(1),
            field_values(field(predicate), Asserters::WithCurator),
        );
        if !last {
            p.values.push(format!("sh:lessThan {}", short(oa::END)));
        }
        p
    };
    let mut out = String::new();
    for (class, comment, props) in [
        (
            oa::ANNOTATION,
            "One quote of an article that supports a record.",
            annotation,
        ),
        (
            oa::SPECIFIC_RESOURCE,
            "The quoted passage: the article, selected by quote and by position.",
            target,
        ),
        (oa::TEXT_QUOTE_SELECTOR, "", vec![exact]),
        (
            oa::TEXT_POSITION_SELECTOR,
            "Offsets in Unicode code points from the start of the article's schema:text, end \
             exclusive.",
            vec![offset(oa::START, false), offset(oa::END, true)],
        ),
    ] {
        let mut lines = vec![format!("sh:targetClass {}", short(class))];
        if !comment.is_empty() {
            lines.push(format!("rdfs:comment {}@en", quoted(comment)));
        }
        lines.push("sh:nodeKind sh:IRI".into());
        lines.push(properties(&props));
        out.push_str(&node(&shape_name(class), "sh:NodeShape", &lines));
    }
    out
}

/// What a relation type's direct triple links: its subjects' and objects' kinds.
fn relation_links_shape(t: RelationType) -> String {
    let [subjects, objects] = mapping::relation_ends(t);
    let predicate = short(&vocab::concept(RelationType::SCHEME, t.as_str()));
    let name: String = t
        .as_str()
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    node(
        &format!("dossh:{name}Links"),
        "sh:NodeShape",
        &[
            format!("sh:targetSubjectsOf {predicate}"),
            classes(&subjects),
            format!(
                "sh:property [ sh:path {predicate} ;\n        {} ]",
                classes(&objects)
            ),
        ],
    )
}
