//! Differential test: the same SPARQL queries over the same dataset give the same answers
//! from dossier (its indexed graph, through the library) and from Oxigraph's own store (the
//! Turtle in the default graph, each article's quads in its named graph, as dossier's dataset
//! has them). Run over the bundled knowledge base with a second article, and over a generated
//! corpus whose dates carry all three precisions.

use std::path::Path;

use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, Term as OxTerm};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};

use dossier_stores::sparql::{Answer, RdfTerm};

use crate::util::*;

const BASE: &str = "https://w3id.org/dossier/kb/";
const CORPUS_BASE: &str = "https://example.org/corpus/";

/// Queries that answer on any dossier knowledge base. Each covers a datatype dossier writes or
/// a part of the language; each must answer something on at least one of the two datasets.
const GENERAL: &[&str] = &[
    // Datatypes: partial dates by precision, compared as values and as text.
    r##"SELECT (COUNT(*) AS ?n) WHERE { ?e a dos:Event ; dcterms:date ?d FILTER(?d >= "2025-06"^^xsd:gYearMonth) }"##,
    r##"SELECT (COUNT(*) AS ?n) WHERE { ?e a dos:Event ; dcterms:date ?d FILTER(STR(?d) >= "2025-06") }"##,
    r##"SELECT ?id ?d WHERE { ?e dcterms:identifier ?id ; dcterms:date ?d FILTER(?d < "2025-09-20"^^xsd:date) } ORDER BY ?d ?id"##,
    r##"SELECT ?id ?d WHERE { ?e dcterms:identifier ?id ; dcterms:date ?d FILTER(?d >= "2010"^^xsd:gYear && ?d <= "2011"^^xsd:gYear) } ORDER BY ?id"##,
    r##"SELECT ?t (COUNT(*) AS ?n) WHERE { ?e dcterms:date ?d } GROUP BY (DATATYPE(?d) AS ?t)"##,
    r##"SELECT ?id (YEAR(?d) AS ?y) (MONTH(?d) AS ?m) WHERE { ?e dcterms:identifier ?id ; dcterms:date ?d FILTER(DATATYPE(?d) = xsd:date) }"##,
    r##"SELECT ?id ?d WHERE { ?e dcterms:identifier ?id ; dcterms:date ?d } ORDER BY DESC(?d) ?id LIMIT 25"##,
    // Decimals and non-negative integers.
    r##"SELECT ?p ?rate WHERE { ?p dos:ratePercent ?rate FILTER(?rate > 10) } ORDER BY ?p"##,
    r##"SELECT (SUM(?rate) AS ?total) (AVG(?rate) AS ?mean) (MAX(?rate) AS ?top) WHERE { ?p dos:ratePercent ?rate }"##,
    r##"SELECT ?s ?start WHERE { ?s oa:start ?start FILTER(?start >= 1000 && ?start < 1100) } ORDER BY ?start ?s"##,
    r##"SELECT (MIN(?end - ?start) AS ?shortest) (MAX(?end - ?start) AS ?longest) WHERE { ?s oa:start ?start ; oa:end ?end }"##,
    r##"SELECT ?s WHERE { ?s oa:start ?x FILTER(?x = 0) }"##,
    r##"SELECT ?q ?v WHERE { ?q schema:value ?v FILTER(isNumeric(?v) && ?v > 2) }"##,
    r##"SELECT (xsd:integer(?v) + 1 AS ?next) WHERE { ?q schema:value ?v }"##,
    // Language-tagged strings.
    r##"SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en") && STRSTARTS(?l, "S")) } ORDER BY ?l ?s"##,
    r##"SELECT ?lang (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l } GROUP BY (LANG(?l) AS ?lang)"##,
    r##"SELECT ?s ?l WHERE { ?s rdfs:label ?l FILTER(?l = "Mexico" || STRSTARTS(?l, "Mexico achieves"@en)) }"##,
    r##"SELECT ?s (STRLEN(?l) AS ?len) WHERE { ?s a dos:Actor ; rdfs:label ?l } ORDER BY DESC(?len) ?s LIMIT 5"##,
    // String functions.
    r##"SELECT ?id (UCASE(SUBSTR(?id, 1, 4)) AS ?head) (REPLACE(?id, "-", "_") AS ?snake) WHERE { ?a a dos:Actor ; dcterms:identifier ?id } ORDER BY ?id"##,
    r##"SELECT ?id WHERE { ?c a dos:Claim ; dcterms:identifier ?id ; rdfs:label ?l FILTER(REGEX(?l, "^[A-Z].* the ", "i")) } ORDER BY ?id"##,
    r##"SELECT (CONCAT(STRBEFORE(STR(?k), "#"), "|", STRAFTER(STR(?k), "#")) AS ?parts) (COUNT(*) AS ?n) WHERE { ?c dos:claimKind ?k } GROUP BY ?k ORDER BY ?parts"##,
    r##"SELECT ?x (ENCODE_FOR_URI(?id) AS ?enc) (STRENDS(?id, "s") AS ?plural) WHERE { ?x dcterms:identifier ?id } ORDER BY ?x LIMIT 30"##,
    // Aggregates and grouping.
    r##"SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY ?type"##,
    r##"SELECT ?modality (COUNT(DISTINCT ?who) AS ?asserters) (COUNT(?ev) AS ?n) WHERE { ?ev a oa:Annotation ; dos:modality ?modality ; prov:wasAttributedTo ?who } GROUP BY ?modality ORDER BY ?modality"##,
    r##"SELECT ?k (GROUP_CONCAT(?id; SEPARATOR=",") AS ?ids) WHERE { { SELECT ?k ?id WHERE { ?c dos:claimKind ?k ; dcterms:identifier ?id } ORDER BY ?id LIMIT 12 } } GROUP BY ?k"##,
    r##"SELECT ?k (SAMPLE(?k) AS ?same) (COUNT(*) AS ?n) WHERE { ?c dos:claimKind ?k } GROUP BY ?k HAVING (COUNT(*) > 1) ORDER BY ?k"##,
    r##"SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(*) AS ?quads) WHERE { GRAPH ?g { ?s ?p ?o } }"##,
    // Named graphs.
    r##"SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c a dos:Claim } } GROUP BY ?g ORDER BY ?g"##,
    r##"SELECT ?id WHERE { ?a a dos:Actor ; dcterms:identifier ?id FILTER NOT EXISTS { GRAPH ?g { ?a a dos:Actor } } } ORDER BY ?id"##,
    r##"ASK { GRAPH ?g { ?s a dos:Condition } }"##,
    // OPTIONAL, MINUS, EXISTS, UNION.
    r##"SELECT ?id ?date ?place WHERE { ?e a dos:Event ; dcterms:identifier ?id . OPTIONAL { ?e dcterms:date ?date } OPTIONAL { ?e schema:location ?place } } ORDER BY ?id"##,
    r##"SELECT ?id WHERE { ?e a dos:Event ; dcterms:identifier ?id MINUS { ?e dcterms:date ?d } } ORDER BY ?id"##,
    r##"SELECT ?id WHERE { ?a a dos:Actor ; dcterms:identifier ?id FILTER NOT EXISTS { ?r dos:heldBy ?a } } ORDER BY ?id"##,
    r##"SELECT ?id WHERE { ?a a dos:Actor ; dcterms:identifier ?id FILTER EXISTS { ?c dos:claimant ?a } } ORDER BY ?id"##,
    r##"SELECT ?id WHERE { { ?x a dos:Policy } UNION { ?x a dos:Agreement } ?x dcterms:identifier ?id } ORDER BY ?id"##,
    r##"SELECT ?x ?date WHERE { ?x a dos:Event OPTIONAL { ?x dcterms:date ?date FILTER(DATATYPE(?date) = xsd:gYearMonth) } } ORDER BY ?x"##,
    // Property paths.
    r##"SELECT ?ev ?quote WHERE { ?ev oa:hasTarget/oa:hasSelector/oa:exact ?quote } ORDER BY ?ev LIMIT 40"##,
    r##"SELECT ?e ?root WHERE { ?e a dos:Event . ?e relation-type:part_of* ?root } ORDER BY ?e ?root"##,
    r##"SELECT ?x ?y WHERE { ?x (relation-type:met|relation-type:ordered_by)+ ?y } ORDER BY ?x ?y"##,
    r##"SELECT (COUNT(*) AS ?n) WHERE { ?quote ^oa:exact/^oa:hasSelector/^oa:hasTarget ?ev }"##,
    r##"SELECT ?x WHERE { ?x !(rdf:type|rdfs:label|dcterms:identifier) ?o FILTER(isLiteral(?o) && DATATYPE(?o) = xsd:decimal) }"##,
    // Subqueries, VALUES, BIND.
    r##"SELECT ?kind ?n WHERE { { SELECT ?kind (COUNT(*) AS ?n) WHERE { ?c dos:claimKind ?kind } GROUP BY ?kind } FILTER(?n >= 2) } ORDER BY DESC(?n) ?kind"##,
    r##"SELECT ?m ?n WHERE { VALUES ?m { modality:reported_fact modality:stated_position modality:assessment } { SELECT ?m (COUNT(*) AS ?n) WHERE { ?ev dos:modality ?m } GROUP BY ?m } } ORDER BY ?m"##,
    r##"SELECT ?id ?len WHERE { ?c a dos:Claim ; dcterms:identifier ?id ; rdfs:label ?l BIND(STRLEN(?l) AS ?len) FILTER(?len > 60) } ORDER BY ?id"##,
    r##"SELECT ?id ?short WHERE { ?a a dos:Actor ; dcterms:identifier ?id BIND(IF(STRLEN(?id) < 8, "short", "long") AS ?short) } ORDER BY ?id"##,
    r##"SELECT ?x ?y WHERE { VALUES (?x ?y) { (1 "a") (2 UNDEF) } }"##,
    r##"SELECT ?id (COALESCE(?date, "undated") AS ?when) WHERE { ?e a dos:Event ; dcterms:identifier ?id OPTIONAL { ?e dcterms:date ?date } } ORDER BY ?id"##,
    // Solution modifiers.
    r##"SELECT DISTINCT ?type WHERE { ?s a ?type } ORDER BY ?type OFFSET 2 LIMIT 5"##,
    r##"SELECT REDUCED ?p WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), STR(dos:))) } ORDER BY ?p"##,
    // Other forms.
    r##"ASK { ?e a dos:Event ; dcterms:date ?d FILTER(?d < "2100-01-01"^^xsd:date) }"##,
    r##"CONSTRUCT { ?c dos:statedBy ?who } WHERE { ?c dos:statedBy ?who }"##,
    r##"CONSTRUCT { ?e dcterms:date ?d } WHERE { ?e dcterms:date ?d FILTER(DATATYPE(?d) != xsd:date) }"##,
];

/// Queries about the bundled article's own records.
const BUNDLED: &[&str] = &[
    r##"SELECT ?id ?kind ?value WHERE { ?c a dos:Condition ; dcterms:identifier ?id ; dos:constrains agreement:us-training-of-mexican-personnel ; dos:constraintKind ?k ; dos:constraintValue ?value . BIND(STRAFTER(STR(?k), "#") AS ?kind) } ORDER BY ?id"##,
    r##"SELECT ?ev ?quote WHERE { ?ev oa:hasBody condition:training-must-take-place-in-mexico ; oa:hasTarget/oa:hasSelector/oa:exact ?quote }"##,
    r##"SELECT ?id WHERE { { ?c dos:claimant actor:marco-rubio } UNION { ?c dos:claimKind claim-kind:recommendation } ?c dcterms:identifier ?id } ORDER BY ?id"##,
    r##"SELECT ?p ?rate WHERE { VALUES ?p { policy:tariffs-on-mexican-exports policy:trump-tariffs } OPTIONAL { ?p dos:ratePercent ?rate } } ORDER BY ?p"##,
    r##"ASK { event:venezuelan-boat-strike relation-type:ordered_by actor:donald-trump }"##,
    r##"SELECT ?g WHERE { GRAPH ?g { actor:marco-rubio ?p ?o } } GROUP BY ?g ORDER BY ?g"##,
    r##"DESCRIBE actor:marco-rubio"##,
];

/// Oxigraph's store holding dossier's dataset: the Turtle as the default graph, the named
/// graphs from the N-Quads.
fn oxigraph_store(kb: &Path) -> oxigraph::store::Store {
    let store = oxigraph::store::Store::new().unwrap();
    store
        .load_from_reader(
            RdfFormat::Turtle,
            std::fs::File::open(kb.join("dossier.ttl")).unwrap(),
        )
        .unwrap();
    let quads = oxigraph::io::RdfParser::from_format(RdfFormat::NQuads)
        .for_reader(std::fs::File::open(kb.join("dossier.nq")).unwrap())
        .map(Result::unwrap)
        .filter(|q| q.graph_name != GraphName::DefaultGraph);
    store.extend(quads).unwrap();
    store
}

/// Oxigraph's store keeps a literal of a type derived from xsd:integer (dossier writes offsets
/// as xsd:nonNegativeInteger) as an xsd:integer, so its answers name that type: compare
/// integers by the base type on both sides.
fn integer_type(datatype: &str) -> &str {
    match datatype.strip_prefix("http://www.w3.org/2001/XMLSchema#") {
        Some("nonNegativeInteger" | "positiveInteger" | "int" | "long" | "short" | "byte") => {
            "http://www.w3.org/2001/XMLSchema#integer"
        }
        _ => datatype,
    }
}

fn ox_term(t: &OxTerm) -> String {
    match t {
        OxTerm::NamedNode(n) => format!("<{}>", n.as_str()),
        OxTerm::BlankNode(_) => "_:b".to_owned(),
        OxTerm::Literal(l) => match l.language() {
            Some(lang) => format!("{:?}@{lang}", l.value()),
            None => format!("{:?}^^{}", l.value(), integer_type(l.datatype().as_str())),
        },
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

fn our_term(t: &RdfTerm) -> String {
    match t {
        RdfTerm::Iri(i) => format!("<{i}>"),
        RdfTerm::BlankNode(_) => "_:b".to_owned(),
        RdfTerm::Literal {
            value,
            language: Some(lang),
            ..
        } => format!("{value:?}@{lang}"),
        RdfTerm::Literal {
            value, datatype, ..
        } => format!("{value:?}^^{}", integer_type(datatype)),
    }
}

/// Rows of an answer as text (blank nodes made anonymous: no answer here holds one, and if
/// one did its label would be the engine's choice).
fn oxigraph_answer(store: &oxigraph::store::Store, query: &str) -> Vec<Vec<String>> {
    let results = SparqlEvaluator::new()
        .parse_query(query)
        .unwrap_or_else(|e| panic!("Oxigraph cannot parse {query}: {e}"))
        .on_store(store)
        .execute()
        .unwrap();
    match results {
        QueryResults::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            solutions
                .map(|s| {
                    let s = s.unwrap();
                    variables
                        .iter()
                        .map(|v| s.get(v).map(ox_term).unwrap_or_default())
                        .collect()
                })
                .collect()
        }
        QueryResults::Boolean(b) => vec![vec![b.to_string()]],
        QueryResults::Graph(triples) => triples
            .map(|t| {
                let t = t.unwrap();
                vec![
                    ox_term(&t.subject.into()),
                    ox_term(&t.predicate.into()),
                    ox_term(&t.object),
                ]
            })
            .collect(),
    }
}

fn dossier_answer(answer: Answer) -> Vec<Vec<String>> {
    match answer {
        Answer::Select { rows, .. } => rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|t| t.as_ref().map(our_term).unwrap_or_default())
                    .collect()
            })
            .collect(),
        Answer::Ask(b) => vec![vec![b.to_string()]],
        Answer::Graph(triples) => triples
            .iter()
            .map(|t| t.iter().map(our_term).collect())
            .collect(),
    }
}

/// Runs every query on both engines over the knowledge base in `kb`; returns the queries that
/// answered something, and the differences.
fn compare(kb: &Path, base: &str, queries: &[&str]) -> (Vec<String>, Vec<String>) {
    let ours = dossier_stores::sparql::Store::open(&kb.join("dossier.idx"), base).unwrap();
    let theirs = oxigraph_store(kb);
    let prologue: String = dossier_model::mapping::prefixes(base)
        .iter()
        .map(|(p, ns)| format!("PREFIX {p}: <{ns}>\n"))
        .collect();
    let (mut answered, mut differences) = (Vec::new(), Vec::new());
    for query in queries {
        let mut a = dossier_answer(
            ours.query(query)
                .unwrap_or_else(|e| panic!("dossier fails on {query}: {e:#}")),
        );
        let mut b = oxigraph_answer(&theirs, &format!("{prologue}{query}"));
        // Order is compared where the outer query fixes it (every outer ORDER BY above ends
        // with a unique key, so the order is total).
        let ordered = query.rfind("ORDER BY") > query.rfind('}');
        if !ordered || query.contains("DESCRIBE") {
            a.sort();
            b.sort();
        }
        if query.starts_with("DESCRIBE") {
            // DESCRIBE's extent is each engine's choice: compare the resource's own triples.
            a.retain(|r| r[0].contains("actor/marco-rubio>"));
            b.retain(|r| r[0].contains("actor/marco-rubio>"));
        }
        let empty = a.is_empty()
            || a == vec![vec!["false".to_owned()]]
            || a == vec![vec![
                "\"0\"^^http://www.w3.org/2001/XMLSchema#integer".to_owned(),
            ]];
        if !empty {
            answered.push(query.to_string());
        }
        if a != b {
            let show = |rows: &Vec<Vec<String>>| {
                format!(
                    "{} rows, first {:?}",
                    rows.len(),
                    rows.iter().take(3).collect::<Vec<_>>()
                )
            };
            differences.push(format!(
                "{query}\n  dossier:  {}\n  oxigraph: {}",
                show(&a),
                show(&b)
            ));
        }
    }
    (answered, differences)
}

#[test]
fn sparql_answers_equal_oxigraph_on_the_bundled_base_and_a_generated_corpus() {
    let bundled = workspace_with(&root().join("seeds"));
    copy_dir(
        &fixtures().join("second-article"),
        &bundled.path().join("seeds"),
    );
    dossier(bundled.path()).arg("build").assert_success();
    let corpus = tempfile::tempdir().unwrap();
    crate::scale::generate(400, 11, &corpus.path().join("seeds"));
    dossier(corpus.path()).arg("build").assert_success();

    let all: Vec<&str> = GENERAL.iter().chain(BUNDLED).copied().collect();
    assert!(
        all.len() >= 50,
        "the differential test runs at least 50 queries"
    );
    let (answered_bundled, mut differences) = compare(&bundled.path().join("kb"), BASE, &all);
    let (answered_corpus, more) = compare(&corpus.path().join("kb"), CORPUS_BASE, GENERAL);
    differences.extend(more);
    assert!(differences.is_empty(), "{}", differences.join("\n\n"));
    let silent: Vec<&&str> = all
        .iter()
        .filter(|q| {
            !answered_bundled
                .iter()
                .chain(&answered_corpus)
                .any(|a| a == *q)
        })
        .collect();
    assert!(
        silent.is_empty(),
        "a query that answers nothing on either dataset proves nothing: {silent:#?}"
    );
    // The month filter of the issue that found the old engine's silent wrong answer.
    let month =
        dossier_stores::sparql::Store::open(&corpus.path().join("kb/dossier.idx"), CORPUS_BASE)
            .unwrap()
            .query(GENERAL[0])
            .unwrap();
    let Answer::Select { rows, .. } = month else {
        panic!("a SELECT")
    };
    assert_ne!(rows[0][0].as_ref().unwrap().value(), "0");
}

/// The constructs on which the engine is known to answer wrongly are refused with an error
/// naming them, never answered.
#[test]
fn constructs_the_engine_gets_wrong_are_refused() {
    let tmp = built_bundled();
    for (query, named) in [
        (
            "SELECT ?x WHERE { ?x relation-type:part_of* <https://example.org/absent> }",
            "the path",
        ),
        (
            "SELECT ?a WHERE { GRAPH ?g { ?a dos:claimant ?b MINUS { ?c a dos:Claim } } }",
            "MINUS inside GRAPH ?variable",
        ),
        (
            "SELECT ?g ?n WHERE { GRAPH ?g { SELECT (COUNT(*) AS ?n) WHERE { ?s a dos:Claim } } }",
            "an aggregate subquery inside GRAPH ?variable",
        ),
        (
            r#"SELECT ?g WHERE { GRAPH ?g { VALUES ?g { article:rubio-visit-to-mexico-2025 } ?s ?p ?o } }"#,
            "VALUES binding the graph's own variable",
        ),
        (
            r#"SELECT ?b WHERE { ?a dcterms:identifier ?id BIND(BNODE(?id) AS ?b) }"#,
            "BNODE with an argument",
        ),
    ] {
        let out = dossier(tmp.path())
            .args(["sparql", query])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{query}: {stderr}");
        assert!(
            stderr.contains("refused: ") && stderr.contains(named),
            "{query}: {stderr}"
        );
    }
    // GROUP_CONCAT answers as SPARQL 1.1 says: a simple literal, even when every value shares
    // a language tag.
    let json = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "json",
        r#"SELECT (GROUP_CONCAT(?l) AS ?all) WHERE { VALUES ?l { "a"@en "b"@en } }"#,
    ]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let cell = &doc["results"]["bindings"][0]["all"];
    assert!(cell.get("xml:lang").is_none(), "{cell}");
    // The same shapes where the engine is right still answer.
    for query in [
        "SELECT ?x WHERE { ?x relation-type:part_of* event:rubio-mexico-visit }",
        "SELECT ?a WHERE { GRAPH ?g { ?a dos:claimant ?b MINUS { ?a a dos:Claim } } }",
    ] {
        dossier(tmp.path()).args(["sparql", query]).assert_success();
    }
}
