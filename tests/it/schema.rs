//! The description in `crates/model/src/mapping.rs` against everything that restates it: the files written
//! from it (SQL schemas, shapes, JSON Schemas, JSON-LD context) as committed, the database the
//! migrations create, the seed structs' keys, and the ontology's and shapes' terms read back. A
//! kind, field or closed-list value added on one side only fails here.

use std::collections::{BTreeSet, HashMap};

use dossier_model::mapping::{self, Field, Kind, Shape};
use dossier_model::model::{DatePrecision, RecordKind};
use dossier_model::vocab::{self, dos, rdf};
use sophia::api::prelude::*;
use sophia::api::term::TermKind;

use crate::util::{built_bundled, root};

const SH: &str = "http://www.w3.org/ns/shacl#";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const SKOS_IN_SCHEME: &str = "http://www.w3.org/2004/02/skos/core#inScheme";

/// A Turtle file as an index (subject, predicate) -> objects, every term as text.
struct Triples(HashMap<(String, String), Vec<String>>);

impl Triples {
    fn read(path: &str) -> Triples {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        let mut index: HashMap<(String, String), Vec<String>> = HashMap::new();
        sophia::turtle::parser::turtle::parse_str(&text)
            .for_each_triple(|t| {
                let [s, p, o] = [t.s(), t.p(), t.o()].map(|x| name(&x));
                index.entry((s, p)).or_default().push(o);
            })
            .unwrap();
        Triples(index)
    }
    fn objects(&self, s: &str, p: &str) -> &[String] {
        self.0
            .get(&(s.to_owned(), p.to_owned()))
            .map_or(&[], Vec::as_slice)
    }
    fn subjects(&self, p: &str, o: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|((_, q), objects)| q == p && objects.iter().any(|x| x == o))
            .map(|((s, _), _)| s.clone())
            .collect()
    }
    /// The members of an RDF list.
    fn list(&self, mut node: String) -> Vec<String> {
        let mut out = Vec::new();
        while node != format!("{}nil", rdf::NS) {
            out.push(self.objects(&node, &format!("{}first", rdf::NS))[0].clone());
            node = self.objects(&node, &format!("{}rest", rdf::NS))[0].clone();
        }
        out
    }
}

fn name<T: Term>(t: &T) -> String {
    match t.kind() {
        TermKind::Iri => t.iri().unwrap().as_str().to_owned(),
        TermKind::BlankNode => format!("_:{}", t.bnode_id().unwrap().as_str()),
        _ => t.lexical_form().unwrap().to_string(),
    }
}

/// Every closed list a field of the description uses, with the column that stores it.
fn closed_columns() -> Vec<(
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)> {
    let mut out = Vec::new();
    let mut add = |table: &'static str, fields: &'static [Field]| {
        for f in fields {
            if let Shape::Closed { scheme, values } = f.shape {
                out.push((f.list.map_or(table, |l| l.table), f.column, scheme, values));
            }
        }
    };
    for k in mapping::kinds() {
        add(k.table, k.fields);
        for n in k.nested {
            add(n.table, n.fields);
        }
    }
    add("evidence", mapping::EVIDENCE_FIELDS);
    add("statements", mapping::STATEMENT_FIELDS);
    out
}

/// The kinds a database's `record_kinds` holds.
fn stored_record_kinds(conn: &rusqlite::Connection) -> BTreeSet<String> {
    conn.prepare("SELECT kind FROM record_kinds")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn closed_lists_match_the_database_tables_and_the_ontology_concepts() {
    let tmp = built_bundled();
    let conn = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    // The closed list's table a column references.
    let referenced = |table: &str, column: &str| -> String {
        conn.query_row(
            "SELECT \"table\" FROM pragma_foreign_key_list(?1) WHERE \"from\" = ?2",
            [table, column],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{table}.{column} references no table: {e}"))
    };
    let stored = |table: &str| -> BTreeSet<String> {
        conn.prepare(&format!("SELECT value FROM {table}"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let ontology = Triples::read("schema/ontology.ttl");
    let set = |values: &[&str]| {
        values
            .iter()
            .map(|v| v.to_string())
            .collect::<BTreeSet<_>>()
    };
    let mut lists = closed_columns();
    // Dates keep their precision in a column of their own, from the same closed list.
    let precisions: &[&str] = &["year", "month", "day"];
    assert_eq!(
        [
            DatePrecision::Year,
            DatePrecision::Month,
            DatePrecision::Day
        ]
        .map(|p| p.as_str()),
        precisions
    );
    lists.push((
        "events",
        "date_precision",
        vocab::DATE_PRECISION_SCHEME,
        precisions,
    ));
    lists.push((
        "articles",
        "published_precision",
        vocab::DATE_PRECISION_SCHEME,
        precisions,
    ));
    for (table, column, scheme, values) in &lists {
        let lookup = referenced(table, column);
        assert_eq!(
            lookup,
            dossier_model::ddl::lookup_table(scheme),
            "{table}.{column}"
        );
        assert_eq!(
            stored(&lookup),
            set(values),
            "{table}.{column}: the values of {lookup} and the closed list {scheme} differ"
        );
        let concepts: BTreeSet<String> = ontology
            .subjects(SKOS_IN_SCHEME, &format!("{}{scheme}", vocab::VOCAB))
            .iter()
            .map(|c| vocab::local_name(c).to_owned())
            .collect();
        assert_eq!(
            concepts,
            set(values),
            "the SKOS concepts of {scheme} in schema/ontology.ttl and the closed list differ"
        );
    }
    let kinds: Vec<&str> = RecordKind::ALL
        .iter()
        .filter(|k| **k != RecordKind::Article)
        .map(|k| k.as_str())
        .collect();
    let stored = stored_record_kinds(&conn);
    assert_eq!(stored, set(&kinds), "record_kinds and RecordKind differ");
    // Every closed list is used by some field, and none is left out of the lists compared.
    let used: BTreeSet<&str> = lists.iter().map(|l| l.2).collect();
    let declared: BTreeSet<&str> = mapping::closed_lists().iter().map(|l| l.0).collect();
    assert_eq!(used, declared);
}

/// Every (table, column) the description accounts for.
fn described_columns() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut add = |t: &str, c: &str| {
        out.insert((t.to_owned(), c.to_owned()));
    };
    let fields = |table: &str, fields: &[Field], add: &mut dyn FnMut(&str, &str)| {
        for f in fields {
            match f.list {
                Some(list) => {
                    add(list.table, list.owner);
                    add(list.table, f.column);
                }
                None => add(table, f.column),
            }
            if matches!(f.shape, Shape::Date { .. }) {
                add(table, &format!("{}_precision", f.column));
            }
        }
    };
    for k in mapping::kinds() {
        add(k.table, "id");
        if k.scope == mapping::Scope::InArticle {
            add(k.table, "article_id");
        }
        fields(k.table, k.fields, &mut add);
        for n in k.nested {
            add(n.table, n.owner);
            fields(n.table, n.fields, &mut add);
        }
    }
    fields("evidence", mapping::EVIDENCE_FIELDS, &mut add);
    fields("knowledge_base", mapping::KNOWLEDGE_BASE_FIELDS, &mut add);
    add("statements", "id");
    fields("statements", mapping::STATEMENT_FIELDS, &mut add);
    for lookup in dossier_model::ddl::lookups() {
        add(lookup.table, dossier_model::ddl::LOOKUP_KEY);
        add(lookup.table, dossier_model::ddl::LOOKUP_DEFINITION);
    }
    for (table, column, _why) in mapping::DERIVED_COLUMNS {
        add(table, column);
    }
    out
}

#[test]
fn every_column_is_described_and_required_fields_are_not_null() {
    let tmp = built_bundled();
    let conn = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    let mut columns = BTreeSet::new();
    let mut not_null = BTreeSet::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // The full-text indexes are derived from their content tables' columns: they are
    // described, and compared with the database, by `full_text_indexes_are_the_described_ones`.
    for table in tables.iter().filter(|t| !mapping::is_full_text_table(t)) {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT name, \"notnull\", pk, hidden FROM pragma_table_xinfo('{table}')"
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (column, nn, pk, hidden) = row.unwrap();
            // Generated columns are computed from a described one.
            if hidden == 0 {
                columns.insert((table.clone(), column.clone()));
                if nn || pk > 0 {
                    not_null.insert((table.clone(), column));
                }
            }
        }
    }
    let described = described_columns();
    assert_eq!(
        columns.difference(&described).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "columns no field of crates/model/src/mapping.rs describes"
    );
    assert_eq!(
        described.difference(&columns).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "described columns the migrations do not create"
    );
    let check_required = |table: &str, fields: &[Field]| {
        for f in fields.iter().filter(|f| f.list.is_none()) {
            let key = (table.to_owned(), f.column.to_owned());
            assert_eq!(
                not_null.contains(&key),
                f.required,
                "{table}.{}: NOT NULL and the description's `required` differ",
                f.column
            );
        }
    };
    for k in mapping::kinds() {
        check_required(k.table, k.fields);
        for n in k.nested {
            check_required(n.table, n.fields);
        }
    }
    check_required("evidence", mapping::EVIDENCE_FIELDS);
    check_required("knowledge_base", mapping::KNOWLEDGE_BASE_FIELDS);
    check_required("statements", mapping::STATEMENT_FIELDS);
}

/// The FTS5 tables of the database are those `mapping::FULL_TEXT_INDEXES` describes, over the
/// described columns of their content table, which has the rowid they index by; every table
/// `is_full_text_table` sets aside is one of them or their shadow tables.
#[test]
fn full_text_indexes_are_the_described_ones() {
    let tmp = built_bundled();
    let conn = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    let virtual_tables: BTreeSet<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let described: BTreeSet<String> = mapping::FULL_TEXT_INDEXES
        .iter()
        .map(|f| f.table.to_owned())
        .collect();
    assert_eq!(virtual_tables, described);
    let set_aside: BTreeSet<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|t| mapping::is_full_text_table(t))
        .collect();
    let mut expected = described.clone();
    for f in mapping::FULL_TEXT_INDEXES {
        for suffix in mapping::FULL_TEXT_SHADOW_SUFFIXES {
            expected.insert(format!("{}{suffix}", f.table));
        }
    }
    assert_eq!(set_aside, expected);
    let columns = described_columns();
    for f in mapping::FULL_TEXT_INDEXES {
        let ddl: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = ?",
                [f.table],
                |r| r.get(0),
            )
            .unwrap();
        assert!(ddl.contains(&format!("content=\"{}\"", f.content)), "{ddl}");
        let indexed: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{}')",
                f.table
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(indexed, f.columns, "{}", f.table);
        for column in f.columns {
            assert!(
                columns.contains(&(f.content.to_owned(), column.to_string())),
                "{}.{column} is not a described column",
                f.content
            );
        }
        let rows: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {}", f.content), [], |r| {
                r.get(0)
            })
            .unwrap();
        let indexed_rows: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {}_docsize", f.table),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(rows > 0);
        assert_eq!(
            indexed_rows, rows,
            "{} indexes every row of {}",
            f.table, f.content
        );
    }
}

/// Every class and predicate the description writes.
fn described_terms() -> (BTreeSet<&'static str>, BTreeSet<&'static str>) {
    let mut classes = BTreeSet::new();
    let mut predicates = BTreeSet::new();
    let fields = |fields: &[Field], predicates: &mut BTreeSet<&'static str>| {
        for f in fields {
            predicates.extend(f.path);
            if let Shape::Date { precision: Some(p) } = f.shape {
                predicates.insert(p);
            }
        }
    };
    for k in mapping::kinds() {
        classes.insert(k.class);
        classes.extend(k.extra_types);
        fields(k.fields, &mut predicates);
        for n in k.nested {
            classes.insert(n.class);
            predicates.insert(n.predicate);
            fields(n.fields, &mut predicates);
        }
    }
    fields(mapping::EVIDENCE_FIELDS, &mut predicates);
    fields(mapping::KNOWLEDGE_BASE_FIELDS, &mut predicates);
    fields(mapping::STATEMENT_FIELDS, &mut predicates);
    // The hooks' own terms: the article's author node, the knowledge base's curator node, the
    // statement nodes.
    classes.insert(dos::AUTHOR);
    classes.insert(dos::CURATOR);
    classes.insert(dos::STATEMENT);
    (classes, predicates)
}

#[test]
fn the_ontology_declares_exactly_the_described_terms() {
    let ontology = Triples::read("schema/ontology.ttl");
    let (classes, predicates) = described_terms();
    let typed = |kind: &str| -> BTreeSet<String> {
        ontology
            .subjects(&format!("{}type", rdf::NS), kind)
            .into_iter()
            .filter(|s| s.starts_with(dos::NS))
            .collect()
    };
    let own = |terms: &BTreeSet<&str>| -> BTreeSet<String> {
        terms
            .iter()
            .filter(|t| t.starts_with(dos::NS))
            .map(|t| t.to_string())
            .collect()
    };
    assert_eq!(typed(&format!("{OWL}Class")), own(&classes), "dos: classes");
    let mut properties = typed(&format!("{OWL}ObjectProperty"));
    properties.extend(typed(&format!("{OWL}DatatypeProperty")));
    assert_eq!(properties, own(&predicates), "dos: properties");
}

/// Property shapes of the node shape targeting `class`: path -> (minCount, sh:in values).
fn property_shapes(shapes: &Triples, class: &str) -> HashMap<String, (usize, Vec<String>)> {
    let node = shapes
        .subjects(&format!("{SH}targetClass"), class)
        .pop()
        .unwrap_or_else(|| panic!("schema/shapes.ttl has no shape targeting {class}"));
    let mut out = HashMap::new();
    for p in shapes.objects(&node, &format!("{SH}property")) {
        let Some(path) = shapes.objects(p, &format!("{SH}path")).first() else {
            continue;
        };
        let min = shapes
            .objects(p, &format!("{SH}minCount"))
            .first()
            .map_or(0, |m| m.parse().unwrap());
        let values = shapes
            .objects(p, &format!("{SH}in"))
            .first()
            .map(|list| shapes.list(list.clone()))
            .unwrap_or_default();
        out.insert(path.clone(), (min, values));
    }
    out
}

fn check_shape(shapes: &Triples, class: &str, fields: &[Field]) {
    let found = property_shapes(shapes, class);
    for f in fields.iter().filter(|f| f.path.len() == 1) {
        let (min, values) = found.get(f.predicate()).unwrap_or_else(|| {
            panic!(
                "the shape of {class} has no property {} (field {})",
                f.predicate(),
                f.key
            )
        });
        assert_eq!(*min > 0, f.required, "{class} {}: sh:minCount", f.key);
        if let Shape::Closed { scheme, values: v } = f.shape {
            let want: Vec<String> = v.iter().map(|x| vocab::concept(scheme, x)).collect();
            assert_eq!(values, &want, "{class} {}: sh:in", f.key);
        }
    }
}

#[test]
fn the_shapes_hold_every_described_field() {
    let shapes = Triples::read("schema/shapes.ttl");
    let kinds: Vec<&Kind> = mapping::kinds().collect();
    for k in kinds {
        check_shape(&shapes, k.class, k.fields);
        for n in k.nested {
            check_shape(&shapes, n.class, n.fields);
            let parent = property_shapes(&shapes, k.class);
            assert!(parent.contains_key(n.predicate), "{}: {}", k.class, n.key);
        }
    }
    check_shape(
        &shapes,
        "http://www.w3.org/ns/oa#Annotation",
        mapping::EVIDENCE_FIELDS,
    );
    check_shape(
        &shapes,
        "https://schema.org/Dataset",
        mapping::KNOWLEDGE_BASE_FIELDS,
    );
    check_shape(&shapes, dos::STATEMENT, mapping::STATEMENT_FIELDS);
}

/// ARCHITECTURE.md's layering. Between crates Cargo holds it (`dossier-model` cannot name
/// `dossier-stores`, neither can name `dossier`); within each crate, each module imports only
/// modules before it in its list, and every module of the crate is in its list.
#[test]
fn module_imports_flow_one_way() {
    let crates: [(&str, &[&str]); 3] = [
        (
            "crates/model/src",
            &[
                "diagnostic",
                "progress",
                "model",
                "ids",
                "vocab",
                "mapping",
                "seed",
                "spill",
                "statements",
                "validate",
                "ontology",
                "shapes",
                "ddl",
            ],
        ),
        (
            "crates/stores/src",
            &[
                "memory",
                "sqlite",
                "index",
                "rdf",
                "sparql",
                "queries",
                "check",
                "datasette",
                "report",
                "site",
                "kb",
                "publish",
            ],
        ),
        ("src", &["bounds", "front"]),
    ];
    // `crate::a::...` and each name of `crate::{a, b::c}`.
    let path = regex::Regex::new(r"crate::([a-z_]+)").unwrap();
    let group = regex::Regex::new(r"crate::\{([^}]*)\}").unwrap();
    let declared = regex::Regex::new(r"^(?:pub )?mod ([a-z_]+);$").unwrap();
    for (dir, order) in crates {
        let lib = std::fs::read_to_string(root().join(dir).join("lib.rs")).unwrap();
        let modules: BTreeSet<&str> = lib
            .lines()
            .filter_map(|l| Some(declared.captures(l)?.get(1)?.as_str()))
            .collect();
        assert_eq!(
            modules,
            order.iter().copied().collect::<BTreeSet<_>>(),
            "{dir}"
        );
        for (i, module) in order.iter().enumerate() {
            let file = format!("{dir}/{module}.rs");
            let text = std::fs::read_to_string(root().join(&file)).unwrap();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                let grouped = group.captures_iter(line).flat_map(|c| {
                    c.get(1)
                        .unwrap()
                        .as_str()
                        .split(',')
                        .map(|name| name.trim().split("::").next().unwrap_or("").to_owned())
                        .collect::<Vec<_>>()
                });
                let named = path.captures_iter(line).map(|c| c[1].to_owned());
                for imported in named.chain(grouped) {
                    let at = order.iter().position(|m| *m == imported);
                    assert!(
                        at.is_none_or(|j| j <= i),
                        "{file} imports {imported}, which comes after it: {line}"
                    );
                }
            }
        }
    }
}

/// No writer or checker names a kind's columns: they come from the descriptions.
#[test]
fn only_the_descriptions_name_a_kinds_columns() {
    // Names that are also words of the code ("author" is the asserter keyword too, "name" a
    // column of sqlite_schema).
    let generic = [
        "id",
        "label",
        "kind",
        "article_id",
        "text",
        "title",
        "value",
        "author",
        "name",
    ];
    let mut columns = BTreeSet::new();
    for k in mapping::kinds() {
        for f in k
            .fields
            .iter()
            .chain(k.nested.iter().flat_map(|n| n.fields.iter()))
        {
            // Evidence's columns are written by its hook and may share a name.
            let evidence = mapping::EVIDENCE_FIELDS
                .iter()
                .any(|e| e.column == f.column);
            if !generic.contains(&f.column) && !evidence {
                columns.insert(f.column);
            }
        }
    }
    // The SQL the writer and `check` run is made from the descriptions: no string literal of
    // theirs names a kind's column.
    for file in ["sqlite", "check"] {
        let source =
            std::fs::read_to_string(root().join(format!("crates/stores/src/{file}.rs"))).unwrap();
        let code: String = source
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let literals = code.split('"').skip(1).step_by(2).filter(|l| {
            ["SELECT", "INSERT", "FROM", "JOIN"]
                .iter()
                .any(|k| l.contains(k))
        });
        for literal in literals {
            let words: BTreeSet<&str> = literal
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            for column in &columns {
                assert!(
                    !words.contains(column),
                    "crates/stores/src/{file}.rs names the column {column} in {literal:?}: read it from crates/model/src/mapping.rs"
                );
            }
        }
    }
}

/// The JSON-LD export's @context is the one `schema/context.jsonld` publishes (for the bundled
/// base IRI), so a JSON-LD tool can compact or frame with the published file.
#[test]
fn jsonld_export_uses_the_published_context() {
    let tmp = built_bundled();
    let out = std::process::Command::new(crate::util::binary())
        .args(["export", "--format", "jsonld"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let published: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/context.jsonld")).unwrap(),
    )
    .unwrap();
    assert_eq!(export["@context"], published["@context"]);
    assert!(published["@context"]["dos"].is_string());
}

/// The classes a node names: itself, or the members of its `owl:unionOf` / `sh:or` list.
fn classes_of(t: &Triples, node: &str, union: &str, member: Option<&str>) -> BTreeSet<String> {
    match t.objects(node, union).first() {
        Some(list) => t
            .list(list.clone())
            .into_iter()
            .map(|m| match member {
                Some(p) => t.objects(&m, p)[0].clone(),
                None => m,
            })
            .collect(),
        None => [node.to_owned()].into(),
    }
}

#[test]
fn relation_types_link_the_same_kinds_in_the_ontology_and_the_shapes() {
    use dossier_model::model::RelationType;
    let ontology = Triples::read("schema/ontology.ttl");
    let shapes = Triples::read("schema/shapes.ttl");
    let rdfs = "http://www.w3.org/2000/01/rdf-schema#";
    let class_of = |k: &RecordKind| mapping::kind(*k).class.to_owned();
    for t in RelationType::ALL {
        let links = mapping::relation_links(*t);
        let subjects: BTreeSet<String> = links
            .iter()
            .flat_map(|(s, _)| s.iter().map(class_of))
            .collect();
        let objects: BTreeSet<String> = links
            .iter()
            .flat_map(|(_, o)| o.iter().map(class_of))
            .collect();
        let term = vocab::concept(RelationType::SCHEME, t.as_str());
        let declared = |p: &str| {
            let node = &ontology.objects(&term, &format!("{rdfs}{p}"))[0];
            classes_of(&ontology, node, &format!("{OWL}unionOf"), None)
        };
        assert_eq!(declared("domain"), subjects, "rdfs:domain of {term}");
        assert_eq!(declared("range"), objects, "rdfs:range of {term}");
        // The node shape on the direct triple's subjects, and its property shape on the object.
        let shape = shapes.subjects(&format!("{SH}targetSubjectsOf"), &term);
        assert_eq!(shape.len(), 1, "one shape targets the subjects of {term}");
        let allowed = |node: &str| -> BTreeSet<String> {
            match shapes.objects(node, &format!("{SH}class")).first() {
                Some(class) => [class.clone()].into(),
                None => classes_of(
                    &shapes,
                    node,
                    &format!("{SH}or"),
                    Some(&format!("{SH}class")),
                ),
            }
        };
        assert_eq!(
            allowed(&shape[0]),
            subjects,
            "subjects allowed by {}",
            shape[0]
        );
        let property = &shapes.objects(&shape[0], &format!("{SH}property"))[0];
        assert_eq!(
            shapes.objects(property, &format!("{SH}path")),
            std::slice::from_ref(&term)
        );
        assert_eq!(
            allowed(property),
            objects,
            "objects allowed by {}",
            shape[0]
        );
    }
}

/// Every generated schema file is what the descriptions generate now: after a change to a
/// description, `dossier schema --write .` rewrites them.
#[test]
fn generated_schema_files_are_committed_as_generated() {
    for (path, generated) in dossier_model::generated_files() {
        let committed = std::fs::read_to_string(root().join(&path)).unwrap();
        assert!(
            committed == generated,
            "{path} differs from what the descriptions generate: run `dossier schema --write .`"
        );
    }
}

/// Every key of every seed struct is described, and every description names a key of its
/// struct: a struct field added without its line in `crates/model/src/mapping.rs`, or a line deleted there,
/// fails here (the seed format's JSON Schemas list the structs' keys as serde reads them).
#[test]
fn every_seed_key_has_a_description_and_every_description_a_key() {
    let schemas: HashMap<&str, serde_json::Value> = dossier_model::seed::json_schemas()
        .into_iter()
        .map(|(name, text)| (name, serde_json::from_str(&text).unwrap()))
        .collect();
    let keys_of = |file: &str, name: &str| -> BTreeSet<String> {
        let def = &schemas[file]["$defs"][name];
        assert!(def.is_object(), "{file} has no definition {name}");
        def["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let described = |fields: &[Field]| -> BTreeSet<String> {
        fields.iter().map(|f| f.key.to_owned()).collect()
    };
    for kind in mapping::kinds() {
        let (file, name) = match kind.kind {
            RecordKind::Article => ("facts.schema.json", "ArticleMeta".to_owned()),
            RecordKind::Actor => ("actors.schema.json", "Actor".to_owned()),
            RecordKind::Topic => ("topics.schema.json", "Topic".to_owned()),
            other => ("facts.schema.json", format!("{other:?}")),
        };
        let mut expected = described(kind.fields);
        expected.extend(kind.nested.iter().map(|n| n.key.to_owned()));
        if kind.kind != RecordKind::Article {
            expected.insert("id".to_owned());
        }
        if kind.scope == mapping::Scope::InArticle {
            expected.insert("evidence".to_owned());
        }
        assert_eq!(
            keys_of(file, &name),
            expected,
            "the keys of {name} and its description"
        );
        for nested in kind.nested {
            let row = match nested.class {
                c if c == dos::PARTICIPATION => "Participant",
                _ => "Quantity",
            };
            assert_eq!(
                keys_of("facts.schema.json", row),
                described(nested.fields),
                "{row}"
            );
        }
    }
    // Evidence's own keys; the record, the article and the source come from where it is.
    let evidence: BTreeSet<String> = described(mapping::EVIDENCE_FIELDS)
        .into_iter()
        .filter(|k| !["record", "article", "source"].contains(&k.as_str()))
        .collect();
    assert_eq!(keys_of("facts.schema.json", "Evidence"), evidence);
    let kb = &schemas["dossier.schema.json"]["properties"];
    for field in mapping::KNOWLEDGE_BASE_FIELDS {
        assert!(
            kb.get(field.key).is_some(),
            "dossier.toml has no key {}",
            field.key
        );
    }
}

/// The parenthesised text that follows each `word (` in `sql`, whitespace collapsed.
fn clauses(sql: &str, word: &str) -> Vec<String> {
    let pattern = regex::Regex::new(&format!(r"{word}\s*\(")).unwrap();
    let mut out: Vec<String> = pattern
        .find_iter(sql)
        .map(|m| {
            let mut depth = 0;
            let start = m.end() - 1;
            let end = sql[start..]
                .char_indices()
                .find(|(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| start + i)
                .unwrap();
            let text = sql[start + 1..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            text.replace("( ", "(").replace(" )", ")")
        })
        .collect();
    out.sort();
    out
}

/// A database's schema as comparable facts: each table's columns (name, type, not null, key
/// position, hidden), foreign keys, CHECK and generated expressions and rowid-ness; each index's
/// table, columns and uniqueness; each view's columns. Column order and DEFAULTs are left out:
/// `ALTER TABLE ADD COLUMN` appends, and only with a default.
fn schema_facts(conn: &rusqlite::Connection) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let objects: Vec<(String, String, Option<String>)> = conn
        .prepare(
            "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, name, sql) in objects {
        let sql = sql.unwrap_or_default();
        let rows = |pragma: &str| -> Vec<String> {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {pragma}('{name}')"))
                .unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<String> = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join(","))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            rows
        };
        match kind.as_str() {
            "table" => {
                for c in rows("pragma_table_xinfo") {
                    // cid and dflt_value left out (fields 0 and 4).
                    let f: Vec<&str> = c.split(',').collect();
                    out.insert(format!(
                        "{name} column {} {} {} {} {}",
                        f[1], f[2], f[3], f[5], f[6]
                    ));
                }
                for fk in rows("pragma_foreign_key_list") {
                    let f: Vec<&str> = fk.split(',').collect();
                    out.insert(format!("{name} foreign key {} {} {}", f[2], f[3], f[4]));
                }
                for check in clauses(&sql, "CHECK") {
                    out.insert(format!("{name} check {check}"));
                }
                for generated in clauses(&sql, "GENERATED ALWAYS AS") {
                    out.insert(format!("{name} generated {generated}"));
                }
                out.insert(format!(
                    "{name} without rowid {}",
                    sql.contains("WITHOUT ROWID")
                ));
            }
            "index" => {
                out.insert(format!(
                    "index {name}: {}",
                    sql.split_whitespace().collect::<Vec<_>>().join(" ")
                ));
            }
            _ => {
                for c in rows("pragma_table_info") {
                    out.insert(format!(
                        "{kind} {name} column {}",
                        c.split(',').nth(1).unwrap()
                    ));
                }
            }
        }
    }
    out
}

/// The rows of every table, sorted: what a database holds whatever its schema's history.
fn all_rows(conn: &rusqlite::Connection) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for table in dossier_model::ddl::tables() {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {}", table.name))
            .unwrap();
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let mut cells: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| format!("{n}={:?}", row.get::<_, rusqlite::types::Value>(i).unwrap()))
                .collect();
            cells.sort();
            out.insert(format!("{} {}", table.name, cells.join(" ")));
        }
    }
    out
}

/// Rows of version 1's schema, and the same facts as the current schema holds them.
const VERSION_1_ROWS: &str = "
    PRAGMA foreign_keys = OFF;
    INSERT INTO knowledge_base (id, title, base_iri) VALUES (1, 'old', 'https://example.org/kb/');
    INSERT INTO records (id, kind, label, article_id) VALUES ('ana', 'actor', 'Ana', NULL), ('bo', 'actor', 'Bo', NULL),
        ('pact', 'agreement', 'pact', 'a'), ('only-here', 'condition', 'only here', 'a'),
        ('bo-is-late', 'claim', 'Bo is late', 'a');
    INSERT INTO actors (id, name, kind) VALUES ('ana', 'Ana', 'person'), ('bo', 'Bo', 'person');
    INSERT INTO evidence (id, record_id, article_id, number, quote, start_offset, end_offset, asserted_by, modality)
        VALUES ('ana.a.1', 'ana', 'a', 1, 'Ana', 0, 3, 'author', 'reported_fact');
    INSERT INTO agreements (id, article_id, label, kind, status) VALUES ('pact', 'a', 'pact', 'agreement', 'agreed');
    INSERT INTO claim_subjects (claim_id, record_id) VALUES ('bo-is-late', 'bo');";

const CURRENT_ROWS: &str = "
    INSERT INTO articles (id, title, title_source, language, text, char_count)
        VALUES ('a', 'A', 'article', 'en', 'Ana met Bo.', 11);
    INSERT INTO conditions (id, article_id, label, constrains_id, constraint_kind, value)
        VALUES ('only-here', 'a', 'only here', 'pact', 'location', 'here');
    INSERT INTO condition_speakers (condition_id, actor_id) VALUES ('only-here', 'bo');
    INSERT INTO claims (id, article_id, label, kind) VALUES ('bo-is-late', 'a', 'Bo is late', 'assessment');
    INSERT INTO claim_claimants (claim_id, claimant) VALUES ('bo-is-late', 'ana');";

/// Migrations carry an old database forward to exactly what a new database is created as:
/// the same tables, columns, keys, checks, indexes and views, and the same rows.
#[test]
fn a_database_migrated_from_version_1_equals_a_fresh_one() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("old.sqlite");
    {
        let mut conn = rusqlite::Connection::open(&old).unwrap();
        dossier_stores::sqlite::migrations()
            .to_version(&mut conn, 1)
            .unwrap();
        conn.execute_batch(VERSION_1_ROWS).unwrap();
        conn.execute_batch(
            "INSERT INTO articles (id, title, language, text, char_count) VALUES ('a', 'A', 'en', 'Ana met Bo.', 11);
             INSERT INTO conditions (id, article_id, label, stated_by_id, constrains_id, constraint_kind, value)
                 VALUES ('only-here', 'a', 'only here', 'bo', 'pact', 'location', 'here');
             INSERT INTO claims (id, article_id, label, kind, claimant) VALUES ('bo-is-late', 'a', 'Bo is late', 'assessment', 'ana');",
        )
        .unwrap();
    }
    dossier_stores::sqlite::upgrade(&old).unwrap();
    let fresh = rusqlite::Connection::open_in_memory().unwrap();
    dossier_stores::sqlite::create_schema(&fresh).unwrap();
    // The rows go in in version 1's order (claim_subjects before claims): keys checked after.
    fresh.execute_batch(VERSION_1_ROWS).unwrap();
    fresh.execute_batch(CURRENT_ROWS).unwrap();
    let broken: i64 = fresh
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    let old = rusqlite::Connection::open(&old).unwrap();

    let (migrated, created) = (schema_facts(&old), schema_facts(&fresh));
    let only_migrated: Vec<_> = migrated.difference(&created).collect();
    let only_created: Vec<_> = created.difference(&migrated).collect();
    assert!(
        only_migrated.is_empty() && only_created.is_empty(),
        "only in the migrated database: {only_migrated:#?}\nonly in the fresh one: {only_created:#?}"
    );
    assert!(
        migrated.len() > 300,
        "{} facts: the comparison sees too little",
        migrated.len()
    );
    assert_eq!(all_rows(&old), all_rows(&fresh));
    let version = |c: &rusqlite::Connection| dossier_stores::sqlite::schema_version(c).unwrap();
    assert_eq!(version(&old), version(&fresh));
}

/// What Citus refuses in a layout, read from its DDL: the rules of Citus's documentation
/// ("Distributing tables", "Adding/Removing Constraints") that a plain PostgreSQL does not
/// enforce, so a server without Citus cannot catch them.
/// - every table is placed once: a reference table or a distributed one;
/// - a distribution column exists, is not generated and is never null; co-located tables
///   distribute by columns of one type, all co-located with one table;
/// - a primary key or unique index of a distributed table contains its distribution column;
/// - no foreign key from a reference table to a distributed one;
/// - a foreign key between distributed tables joins co-located tables and has the referencing
///   distribution column at the place of the referenced one.
fn citus_violations(ddl: &str) -> Vec<String> {
    use regex::Regex;
    let mut problems = Vec::new();
    let mut columns: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for c in Regex::new(r"(?s)CREATE TABLE (\w+) \((.*?)\n\);")
        .unwrap()
        .captures_iter(ddl)
    {
        let lines = c[2]
            .split(",\n")
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.starts_with("CHECK"))
            .map(|l| {
                let (name, rest) = l.split_once(' ').unwrap();
                (name.to_owned(), rest.to_owned())
            })
            .collect();
        columns.insert(c[1].to_owned(), lines);
    }
    let mut placed: HashMap<String, Option<(String, String)>> = HashMap::new();
    let mut place = |table: &str, how: Option<(String, String)>, problems: &mut Vec<String>| {
        if placed.insert(table.to_owned(), how).is_some() {
            problems.push(format!("{table} is placed twice"));
        }
    };
    for c in Regex::new(r"SELECT create_reference_table\('(\w+)'\);")
        .unwrap()
        .captures_iter(ddl)
    {
        place(&c[1], None, &mut problems);
    }
    let distributed_re = Regex::new(
        r"SELECT create_distributed_table\('(\w+)', '(\w+)'(?:, colocate_with => '(\w+)')?\);",
    )
    .unwrap();
    for c in distributed_re.captures_iter(ddl) {
        let group = c.get(3).map_or(&c[1], |g| g.as_str()).to_owned();
        place(&c[1], Some((c[2].to_owned(), group)), &mut problems);
    }
    let column_type = |table: &str, column: &str| -> Option<String> {
        columns[table]
            .iter()
            .find(|(n, _)| n == column)
            .map(|(_, rest)| rest.clone())
    };
    let keys: Vec<(String, String, &str)> =
        Regex::new(r"ALTER TABLE (\w+) ADD PRIMARY KEY \(([^)]*)\);")
            .unwrap()
            .captures_iter(ddl)
            .map(|c| (c[1].to_owned(), c[2].to_owned(), "primary key"))
            .chain(
                Regex::new(r"CREATE UNIQUE INDEX \w+ ON (\w+) \(([^)]*)\);")
                    .unwrap()
                    .captures_iter(ddl)
                    .map(|c| (c[1].to_owned(), c[2].to_owned(), "unique index")),
            )
            .collect();
    let mut groups: HashMap<String, BTreeSet<String>> = HashMap::new();
    for table in columns.keys() {
        match placed.get(table) {
            None => problems.push(format!(
                "{table} is neither a reference nor a distributed table"
            )),
            Some(None) => {}
            Some(Some((column, group))) => match column_type(table, column) {
                None => problems.push(format!("{table} has no distribution column {column}")),
                Some(ty) => {
                    if ty.contains("GENERATED") {
                        problems.push(format!("{table}.{column} is generated"));
                    }
                    let in_key = keys.iter().any(|(t, k, what)| {
                        t == table && *what == "primary key" && k.split(", ").any(|c| c == column)
                    });
                    if !ty.contains("NOT NULL") && !in_key {
                        problems.push(format!("{table}.{column} may be null"));
                    }
                    groups
                        .entry(group.clone())
                        .or_default()
                        .insert(ty.split_whitespace().next().unwrap().to_owned());
                }
            },
        }
    }
    if groups.len() > 1 {
        problems.push(format!(
            "distributed tables in {} co-location groups",
            groups.len()
        ));
    }
    if groups.values().any(|types| types.len() > 1) {
        problems.push("co-located tables distribute by columns of different types".into());
    }
    for (table, key, what) in &keys {
        if let Some(Some((column, _))) = placed.get(table)
            && !key.split(", ").any(|c| c == column)
        {
            problems.push(format!(
                "{table}: {what} ({key}) lacks the distribution column {column}"
            ));
        }
    }
    let fk =
        Regex::new(r"ALTER TABLE (\w+) ADD FOREIGN KEY \(([^)]*)\) REFERENCES (\w+) \(([^)]*)\)")
            .unwrap();
    for c in fk.captures_iter(ddl) {
        let (from, to) = (&c[1], &c[3]);
        let (own, theirs): (Vec<&str>, Vec<&str>) =
            (c[2].split(", ").collect(), c[4].split(", ").collect());
        match (
            placed.get(from).cloned().flatten(),
            placed.get(to).cloned().flatten(),
        ) {
            (_, None) => {}
            (None, Some(_)) => problems.push(format!(
                "{from} (reference) has a foreign key to {to} (distributed)"
            )),
            (Some((own_column, own_group)), Some((their_column, their_group))) => {
                let at = own.iter().position(|c| *c == own_column);
                if own_group != their_group
                    || at.is_none()
                    || at != theirs.iter().position(|c| *c == their_column)
                {
                    problems.push(format!(
                        "{from} ({}) -> {to} ({}): not on the distribution columns of co-located tables",
                        own.join(", "),
                        theirs.join(", ")
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn the_citus_layout_keeps_the_rules_citus_enforces() {
    let citus = std::fs::read_to_string(root().join("schema/citus.sql")).unwrap();
    assert_eq!(citus_violations(&citus), Vec::<String>::new());
    // The per-article tables are distributed, the shared ones are reference tables.
    for table in [
        "articles",
        "events",
        "event_topics",
        "evidence",
        "conditions",
    ] {
        assert!(
            citus.contains(&format!("create_distributed_table('{table}'")),
            "{table}"
        );
    }
    for table in ["actors", "topics", "record_kinds", "records"] {
        assert!(
            citus.contains(&format!("create_reference_table('{table}')")),
            "{table}"
        );
    }
    // The same placement over the single-server layout breaks the rules: the check bites.
    let single = std::fs::read_to_string(root().join("schema/postgres.sql")).unwrap();
    let placement: String = citus
        .lines()
        .filter(|l| l.starts_with("SELECT create_"))
        .collect::<Vec<_>>()
        .join("\n");
    let broken = citus_violations(&format!("{single}\n{placement}\n"));
    assert!(
        broken
            .iter()
            .any(|p| p.starts_with("events: primary key (id) lacks")),
        "{broken:#?}"
    );
    assert!(
        broken
            .iter()
            .any(|p| p.starts_with("event_topics has no distribution column")),
        "{broken:#?}"
    );
    assert!(
        broken
            .iter()
            .any(|p| p.contains("(reference) has a foreign key to")),
        "{broken:#?}"
    );
    assert!(
        broken
            .iter()
            .any(|p| p.starts_with("conditions (constrains_id) -> agreements")),
        "{broken:#?}"
    );
    // Every table and column of the single-server layout is there, plus `article_id` at most.
    let columns = |ddl: &str| -> BTreeSet<String> {
        regex::Regex::new(r"(?s)CREATE TABLE (\w+) \((.*?)\n\);")
            .unwrap()
            .captures_iter(ddl)
            .flat_map(|c| {
                let table = c[1].to_owned();
                c[2].split(",\n")
                    .map(|l| l.trim().split(' ').next().unwrap().to_owned())
                    .filter(|n| n != "CHECK")
                    .map(move |n| format!("{table}.{n}"))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let (theirs, ours) = (columns(&citus), columns(&single));
    assert!(ours.is_subset(&theirs));
    assert!(
        theirs.difference(&ours).all(|c| c.ends_with(".article_id")),
        "{:?}",
        theirs.difference(&ours).collect::<Vec<_>>()
    );
}

/// A value new to a closed list needs no migration: `dossier upgrade` brings a database's
/// closed-list tables to the current lists (and their definitions), however old its rows.
#[test]
fn upgrade_brings_the_closed_lists_and_record_kinds_to_the_current_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        dossier_stores::sqlite::create_schema(&conn).unwrap();
        // As an older dossier would have left it: a value it did not know yet, another
        // definition, and a value since withdrawn (no row uses it); a kind of record it did
        // not know yet, and one since withdrawn.
        conn.execute_batch(
            "DELETE FROM policy_kinds WHERE value = 'security_operation';
             UPDATE actor_kinds SET definition = 'old words' WHERE value = 'group';
             INSERT INTO ranks (value, definition) VALUES ('deprecated', 'withdrawn');
             DELETE FROM record_kinds WHERE kind = 'commitment';
             INSERT INTO record_kinds (kind) VALUES ('rumour');",
        )
        .unwrap();
    }
    dossier_stores::sqlite::upgrade(&path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    for (table, rows) in dossier_model::ddl::lookup_rows() {
        let stored: BTreeSet<(String, String)> = conn
            .prepare(&format!("SELECT value, definition FROM {table}"))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let listed: BTreeSet<(String, String)> = rows
            .into_iter()
            .map(|(value, definition)| (value.to_owned(), definition))
            .collect();
        assert_eq!(stored, listed, "{table}");
    }
    let kinds = stored_record_kinds(&conn);
    let listed: BTreeSet<String> = dossier_model::ddl::record_kinds()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(kinds, listed);
}
