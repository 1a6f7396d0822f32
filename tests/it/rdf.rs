//! The RDF store: interop with an independent parser (Oxigraph's), adversarial text, SPARQL
//! answers compared with a second engine.

use std::collections::BTreeSet;
use std::io::BufReader;
use std::path::Path;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Term as OxTerm};
use sophia::api::graph::Graph;
use sophia::api::triple::Triple;

use dossier_stores::sparql::RdfTerm;

use crate::util::*;

/// One comparable form for a term from either library: an IRI, or value + datatype/language.
fn norm(t: &RdfTerm) -> String {
    match t {
        RdfTerm::Iri(i) => format!("<{i}>"),
        RdfTerm::BlankNode(b) => format!("_:{b}"),
        RdfTerm::Literal {
            value,
            datatype,
            language,
        } => match language {
            Some(l) => format!("{value:?}@{}", l.to_ascii_lowercase()),
            None => format!("{value:?}^^{datatype}"),
        },
    }
}

fn norm_ox(t: &OxTerm) -> String {
    match t {
        OxTerm::NamedNode(n) => format!("<{}>", n.as_str()),
        OxTerm::BlankNode(b) => format!("_:{}", b.as_str()),
        OxTerm::Literal(l) => match l.language() {
            Some(lang) => format!("{:?}@{}", l.value(), lang.to_ascii_lowercase()),
            None => format!("{:?}^^{}", l.value(), l.datatype().as_str()),
        },
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

type TripleSet = BTreeSet<(String, String, String)>;

fn sophia_triples(ttl: &Path) -> TripleSet {
    use sophia::api::source::TripleSource;
    let graph: sophia::inmem::graph::FastGraph = sophia::turtle::parser::turtle::parse_bufread(
        BufReader::new(std::fs::File::open(ttl).unwrap()),
    )
    .collect_triples()
    .unwrap();
    graph
        .triples()
        .map(|t| {
            let t = t.unwrap();
            (
                norm(&RdfTerm::from_term(&t.s())),
                norm(&RdfTerm::from_term(&t.p())),
                norm(&RdfTerm::from_term(&t.o())),
            )
        })
        .collect()
}

fn oxigraph_quads(path: &Path, format: RdfFormat) -> Vec<(String, String, String, Option<String>)> {
    RdfParser::from_format(format)
        .for_reader(std::fs::File::open(path).unwrap())
        .map(|q| {
            let q = q.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let graph = match &q.graph_name {
                GraphName::NamedNode(n) => Some(n.as_str().to_owned()),
                _ => None,
            };
            (
                norm_ox(&q.subject.clone().into()),
                norm_ox(&q.predicate.clone().into()),
                norm_ox(&q.object),
                graph,
            )
        })
        .collect()
}

fn triple_set(quads: &[(String, String, String, Option<String>)]) -> TripleSet {
    quads
        .iter()
        .map(|(s, p, o, _)| (s.clone(), p.clone(), o.clone()))
        .collect()
}

fn export(dir: &Path, format: &str) -> std::path::PathBuf {
    let out = dir.join(format!("export.{format}"));
    dossier(dir)
        .args(["export", "--format", format, "--out"])
        .arg(&out)
        .assert_success();
    out
}

#[test]
fn turtle_ntriples_and_nquads_read_the_same_in_both_parsers() {
    let tmp = built_bundled();
    let ttl = tmp.path().join("kb/dossier.ttl");
    let from_sophia = sophia_triples(&ttl);
    let from_oxigraph = triple_set(&oxigraph_quads(&ttl, RdfFormat::Turtle));
    assert!(from_sophia.len() > 1000);
    assert_eq!(from_sophia, from_oxigraph);

    let nt = export(tmp.path(), "ntriples");
    assert_eq!(
        triple_set(&oxigraph_quads(&nt, RdfFormat::NTriples)),
        from_sophia
    );

    let nq = oxigraph_quads(&export(tmp.path(), "nquads"), RdfFormat::NQuads);
    assert_eq!(triple_set(&nq), from_sophia);
    let article = "https://w3id.org/dossier/kb/article/rubio-visit-to-mexico-2025";
    let in_article_graph = nq
        .iter()
        .filter(|q| q.3.as_deref() == Some(article))
        .count();
    let in_default = nq.iter().filter(|q| q.3.is_none()).count();
    assert!(in_article_graph > 1000 && in_default > 0);
    assert!(
        nq.iter()
            .all(|q| q.3.is_none() || q.3.as_deref() == Some(article))
    );
    // Each evidence quote sits in the graph of the article it quotes.
    assert!(
        nq.iter()
            .any(|q| q.1.ends_with("oa#exact>") && q.3.as_deref() == Some(article))
    );
}

#[test]
fn jsonld_export_has_a_context_and_one_graph_per_article() {
    let tmp = built_bundled();
    let path = export(tmp.path(), "jsonld");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        doc["@context"]["dos"], "https://w3id.org/dossier/ontology#",
        "dossier's prefixes are the document's context"
    );
    let nodes = doc["@graph"]
        .as_array()
        .expect("the document's nodes are in its @graph");
    let article = "https://w3id.org/dossier/kb/article/rubio-visit-to-mexico-2025";
    let graph = nodes
        .iter()
        .find(|n| n["@id"] == article && n.get("@graph").is_some())
        .expect("the article's named graph");
    let inside = graph["@graph"].as_array().unwrap();
    assert!(
        inside
            .iter()
            .any(|n| n["@id"].as_str().unwrap_or("").contains("/condition/"))
    );
    assert!(
        nodes
            .iter()
            .any(|n| n["@id"] == "https://w3id.org/dossier/kb/actor/marco-rubio")
    );
}

#[test]
fn two_builds_give_byte_identical_turtle() {
    let tmp = built_bundled();
    let first = std::fs::read(tmp.path().join("kb/dossier.ttl")).unwrap();
    dossier(tmp.path()).arg("build").assert_success();
    assert!(first == std::fs::read(tmp.path().join("kb/dossier.ttl")).unwrap());
    let text = String::from_utf8(first).unwrap();
    assert!(text.starts_with("PREFIX rdf:"), "prefixes first");
    // Grouped by subject: no subject starts twice.
    let starts: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(['\t', ' ']) && !l.starts_with("PREFIX") && !l.is_empty())
        .map(|l| l.split([' ', '\t']).next().unwrap())
        .collect();
    let unique: BTreeSet<&str> = starts.iter().copied().collect();
    assert_eq!(starts.len(), unique.len(), "a subject's triples are split");
}

#[test]
fn adversarial_text_comes_back_exactly_through_both_parsers() {
    let tmp = workspace_with(&fixtures().join("adversarial"));
    dossier(tmp.path()).arg("build").assert_success();
    let kb = dossier_model::validate::load(&tmp.path().join("seeds")).unwrap();
    let ttl = tmp.path().join("kb/dossier.ttl");
    let from_sophia = sophia_triples(&ttl);
    let from_oxigraph = triple_set(&oxigraph_quads(&ttl, RdfFormat::Turtle));
    assert_eq!(from_sophia, from_oxigraph);
    let nq = triple_set(&oxigraph_quads(
        &export(tmp.path(), "nquads"),
        RdfFormat::NQuads,
    ));
    assert_eq!(nq, from_sophia);

    let literal = |value: &str| format!("{value:?}");
    let objects: BTreeSet<String> = from_sophia
        .iter()
        .map(|(_, _, o)| {
            o.split("^^")
                .next()
                .unwrap()
                .split('@')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let article = &kb.articles[0];
    let mut expected: Vec<String> = article
        .evidence()
        .iter()
        .map(|e| e.evidence.quote.clone())
        .collect();
    expected.push(article.text.clone());
    expected.push(article.facts.article.title.clone());
    expected.push(article.facts.events[0].label.clone());
    expected.push(kb.actors[0].name.clone());
    expected.extend(kb.actors[0].aliases.iter().cloned());
    for value in expected {
        assert!(
            objects.contains(&literal(&value)),
            "lost or altered: {value:?}"
        );
    }
}

#[test]
fn sparql_cli_formats_and_syntax_errors() {
    let tmp = built_bundled();
    let q = "SELECT ?id WHERE { ?c dos:statedBy actor:claudia-sheinbaum ; dcterms:identifier ?id } ORDER BY ?id";
    let json = stdout_of(dossier(tmp.path()).args(["sparql", "--format", "json", q]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["head"]["vars"], serde_json::json!(["id"]));
    assert_eq!(doc["results"]["bindings"].as_array().unwrap().len(), 5);
    let csv = stdout_of(dossier(tmp.path()).args(["sparql", "--format", "csv", q]));
    assert!(csv.starts_with("id\r\n"), "{csv:?}");
    assert_eq!(csv.lines().count(), 6);
    let tsv = stdout_of(dossier(tmp.path()).args(["sparql", "--format", "tsv", q]));
    assert!(
        tsv.starts_with("?id\n\"cooperation-must-respect-sovereignty\""),
        "{tsv}"
    );
    let ask = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "json",
        "ASK { ?s a dos:Condition }",
    ]));
    assert!(ask.contains("\"boolean\":true"), "{ask}");
    let nt = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "ntriples",
        "CONSTRUCT { ?c dos:statedBy ?w } WHERE { ?c dos:statedBy ?w }",
    ]));
    assert_eq!(nt.lines().count(), 5);
    let ttl = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "turtle",
        "CONSTRUCT { ?c dos:statedBy ?w } WHERE { ?c dos:statedBy ?w }",
    ]));
    assert!(
        ttl.contains("PREFIX dos:") && ttl.contains("dos:statedBy actor:claudia-sheinbaum"),
        "{ttl}"
    );
    let parse = |text: &str, format| -> BTreeSet<String> {
        RdfParser::from_format(format)
            .for_slice(text.as_bytes())
            .map(|q| q.unwrap().to_string())
            .collect()
    };
    assert_eq!(
        parse(&ttl, RdfFormat::Turtle),
        parse(&nt, RdfFormat::NTriples)
    );

    let out = dossier(tmp.path())
        .args(["sparql", "SELECT ?x WHERE {\n  ?x a \n}"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--> query:3:"),
        "points at the user's line and column: {stderr}"
    );

    // An undeclared prefix is named, with the line and a caret; no lists of Unicode ranges.
    let out = dossier(tmp.path())
        .args(["sparql", "SELECT ?x WHERE { ?x foo:bar ?y }"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the prefix 'foo:' is not declared: add `PREFIX foo: <...>`")
            && stderr.contains("1 | SELECT ?x WHERE { ?x foo:bar ?y }\n")
            && stderr.contains(&format!("  | {}^^^^^^^\n", " ".repeat(21)))
            && !stderr.contains("\\u{"),
        "{stderr}"
    );

    let out = dossier(tmp.path())
        .args(["sparql", "DELETE WHERE { ?s ?p ?o }"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "updates are not queries");
}

#[test]
fn sparql_parameters_are_bound_as_values_never_spliced() {
    let tmp = built_bundled();
    let query = "SELECT ?name WHERE { ?a dcterms:identifier ?id ; rdfs:label ?name }";
    let out = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "csv",
        "--param",
        "id=marco-rubio",
        query,
    ]));
    assert_eq!(out.replace("\r\n", "\n"), "name\nMarco Rubio\n");
    // A value that would close the pattern if it were spliced is just a string that matches
    // nothing.
    let out = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "csv",
        "--param",
        "id=x\" } ?a ?p ?name {",
        query,
    ]));
    assert_eq!(out.replace("\r\n", "\n"), "name\n");
    // An IRI is written <...>.
    let out = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "csv",
        "--param",
        "a=<https://w3id.org/dossier/kb/actor/claudia-sheinbaum>",
        query,
    ]));
    assert_eq!(out.replace("\r\n", "\n"), "name\nClaudia Sheinbaum\n");
    let out = dossier(tmp.path())
        .args(["sparql", "--param", "nobody=1", query])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the query has no variable ?nobody"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A VALUES clause on the variable takes the value in place, as a named query's default
    // does, once: the rows it gave are not multiplied.
    let defaults = "SELECT ?id ?name WHERE { VALUES ?id { \"donald-trump\" \"mexico\" } \
                    ?a dcterms:identifier ?id ; rdfs:label ?name }";
    let out = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "csv",
        "--param",
        "id=marco-rubio",
        defaults,
    ]));
    assert_eq!(
        out.replace("\r\n", "\n"),
        "id,name\nmarco-rubio,Marco Rubio\n"
    );
}

#[test]
fn a_runaway_sparql_query_stops_at_its_time_limit() {
    let tmp = built_bundled();
    let out = dossier(tmp.path())
        .args([
            "sparql",
            "--timeout-ms",
            "300",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted after 300 ms"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_closed_pipe_ends_sparql_output_quietly() {
    let tmp = built_bundled();
    for format in ["csv", "json", "tsv"] {
        let mut child = std::process::Command::new(crate::util::binary())
            .current_dir(tmp.path())
            .args(["sparql", "--format", format, "SELECT * WHERE { ?s ?p ?o }"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe, as `| head -c 1` does.
        use std::io::Read;
        let mut stdout = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        stdout.read_exact(&mut one).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A megabyte of text in which every character needs escaping in Turtle and N-Quads (line
/// breaks, quotes, backslashes) builds, exports and comes back exactly: sophia's string writer
/// recurses per escaped character and overflows a thread's stack at ~8,000 of them unless
/// `rdf` gives it a deeper one. Every sophia serializer dossier calls is here: Turtle and
/// N-Quads (build), N-Triples and TriG (export), and a CONSTRUCT answer's Turtle.
#[test]
fn a_megabyte_of_characters_to_escape_builds_and_comes_back_exactly() {
    let tmp = workspace_with(&root().join("seeds"));
    let article = std::fs::read_dir(tmp.path().join("seeds"))
        .unwrap()
        .map(|e| e.unwrap().path().join("article.txt"))
        .find(|p| p.exists())
        .unwrap();
    let mut text = std::fs::read_to_string(&article).unwrap();
    let tail = "\n\"\\\t".repeat(250_000);
    text.push_str(&tail);
    std::fs::write(&article, &text).unwrap();
    dossier(tmp.path()).arg("build").assert_success();
    let nt = export(tmp.path(), "ntriples");
    let trig = export(tmp.path(), "trig");
    for (file, format) in [
        (tmp.path().join("kb/dossier.ttl"), RdfFormat::Turtle),
        (tmp.path().join("kb/dossier.nq"), RdfFormat::NQuads),
        (nt, RdfFormat::NTriples),
        (trig, RdfFormat::TriG),
    ] {
        let found = RdfParser::from_format(format)
            .for_reader(std::fs::File::open(&file).unwrap())
            .map(Result::unwrap)
            .any(|q| matches!(&q.object, OxTerm::Literal(l) if l.value() == text));
        assert!(found, "the article's text is not in {}", file.display());
    }
    let answer = dossier_stores::sparql::Store::open(
        &tmp.path().join("kb/dossier.idx"),
        "https://w3id.org/dossier/kb/",
    )
    .unwrap()
    .query("CONSTRUCT { ?a schema:text ?t } WHERE { ?a schema:text ?t }")
    .unwrap();
    let dossier_stores::sparql::Answer::Graph(triples) = answer else {
        panic!("CONSTRUCT answers with triples")
    };
    let mut turtle = Vec::new();
    dossier_stores::rdf::write_triples_turtle(
        &triples,
        "https://w3id.org/dossier/kb/",
        &mut turtle,
    )
    .unwrap();
    let found = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(&turtle)
        .map(Result::unwrap)
        .any(|q| matches!(&q.object, OxTerm::Literal(l) if l.value() == text));
    assert!(found, "the CONSTRUCT answer's Turtle holds the text");
}

/// SELECT answers stream: JSON comes out as one W3C results document, CSV and JSON give every
/// one of 125,000 rows, and a table (which must hold its rows to size its
/// columns) stops past its bound with advice instead of growing without end.
#[test]
fn select_answers_stream_and_a_table_is_bounded() {
    let tmp = built_bundled();
    let json = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "json",
        "SELECT ?id ?label WHERE { ?a a dos:Actor ; dcterms:identifier ?id OPTIONAL { ?a rdfs:label ?label } } ORDER BY ?id",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["head"]["vars"], serde_json::json!(["id", "label"]));
    assert!(doc["results"]["bindings"].as_array().unwrap().len() > 5);
    let empty = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "json",
        "SELECT ?x WHERE { ?x a dos:Nothing }",
    ]));
    let doc: serde_json::Value = serde_json::from_str(&empty).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"head": {"vars": ["x"]}, "results": {"bindings": []}})
    );

    let digits = (0..50).map(|n| n.to_string()).collect::<Vec<_>>().join(" ");
    let big = format!(
        "SELECT ?a ?b ?c WHERE {{ VALUES ?a {{ {digits} }} VALUES ?b {{ {digits} }} VALUES ?c {{ {digits} }} }}"
    );
    let csv = stdout_of(dossier(tmp.path()).args(["sparql", "--format", "csv", &big]));
    assert_eq!(csv.lines().count(), 125_001);
    let out = dossier(tmp.path())
        .args(["sparql", "--format", "table", &big])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("more than 100000 rows") && stderr.contains("--format csv, tsv, json"),
        "{stderr}"
    );
}

/// A query that holds more and more in memory (here: sorting the graph joined with itself) is
/// stopped at --max-memory-mb with advice, long before its time limit.
#[test]
fn a_sparql_query_that_grows_in_memory_stops_at_its_bound() {
    let tmp = built_bundled();
    let out = dossier(tmp.path())
        .args([
            "sparql",
            "--format",
            "csv",
            "--max-memory-mb",
            "150",
            "--timeout-ms",
            "600000",
            "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stopped when the process held more than 150 MiB")
            && stderr.contains("--max-memory-mb"),
        "{stderr}"
    );
}
