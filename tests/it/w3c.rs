//! The W3C SPARQL 1.1 query test suite (tests/w3c, vendored from w3c/rdf-tests) against
//! `dossier::sparql::Store`: evaluation tests compare our answers with the expected results,
//! syntax tests check that spargebra accepts or rejects each query. Tests we know fail are listed
//! in tests/w3c/known-failures.txt, so the suite stays green and still catches regressions and
//! fixes (a listed test that passes is reported too, so the list cannot go stale).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::{self, File};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use spargebra::algebra::{Expression, GraphPattern, OrderExpression};
use spargebra::{Query, SparqlParser};

use dossier::sparql::{Answer, DefaultGraph, RdfTerm, Store};

use crate::util::root;

const FOLDERS: &[&str] = &[
    "aggregates",
    "bind",
    "bindings",
    "cast",
    "construct",
    "exists",
    "functions",
    "grouping",
    "negation",
    "project-expression",
    "property-path",
    "subquery",
    "json-res",
    "csv-tsv-res",
    "syntax-query",
];

/// Where the files live on the W3C site: manifests name tests and files relative to it.
const W3C_BASE: &str = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const QT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#";
const DAWGT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#";
const RS: &str = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";

/// Backtracking steps allowed to match blank nodes, so a pathological result cannot hang the run.
const MATCH_BUDGET: u64 = 1_000_000;

/// A solution row, cells in the order of its result's variables.
type Row = Vec<Option<RdfTerm>>;

#[test]
fn w3c_sparql11_query_evaluation_suite() {
    let known = known_failures();
    let mut seen = HashSet::new();
    let mut problems = Vec::new();
    let mut total = Tally::default();
    for folder in FOLDERS {
        let tally = run_folder(folder, &known, &mut seen, &mut problems);
        println!("w3c sparql11/{folder}: {}", tally.summary());
        total.add(&tally);
    }
    println!("w3c sparql11 total: {}", total.summary());
    let mut stale: Vec<&String> = known.keys().filter(|iri| !seen.contains(*iri)).collect();
    stale.sort();
    for iri in stale {
        problems.push(format!(
            "listed in known-failures but not run (no such test, or skipped), remove: {iri}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} W3C SPARQL 1.1 problem(s):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[derive(Default)]
struct Tally {
    passed: usize,
    known: usize,
    failed: usize,
    skipped: usize,
    total: usize,
}

impl Tally {
    fn summary(&self) -> String {
        let mut out = format!(
            "{} passed, {} known failures, {} skipped (of {})",
            self.passed, self.known, self.skipped, self.total
        );
        if self.failed > 0 {
            out.push_str(&format!(", {} failed", self.failed));
        }
        out
    }

    fn add(&mut self, other: &Tally) {
        self.passed += other.passed;
        self.known += other.known;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.total += other.total;
    }
}

/// Test IRI → reason, from lines `<iri> # reason` (IRIs hold `#`, so the IRI is what is in `<>`).
fn known_failures() -> HashMap<String, String> {
    let text = fs::read_to_string(root().join("tests/w3c/known-failures.txt")).unwrap();
    text.lines()
        .filter_map(|line| {
            let (iri, reason) = line.trim().strip_prefix('<')?.split_once('>')?;
            let reason = reason.trim().trim_start_matches('#').trim();
            Some((iri.to_owned(), reason.to_owned()))
        })
        .collect()
}

fn run_folder(
    folder: &str,
    known: &HashMap<String, String>,
    seen: &mut HashSet<String>,
    problems: &mut Vec<String>,
) -> Tally {
    let manifest_url = format!("{W3C_BASE}{folder}/manifest.ttl");
    let manifest = Triples::new(
        parse_rdf(&local_file(folder, &manifest_url), &manifest_url, GraphName::DefaultGraph, false)
            .unwrap(),
    );
    let head = manifest.object(&RdfTerm::Iri(manifest_url.clone()), &format!("{MF}entries"));
    let entries = manifest.list(head.cloned());
    let mut tally = Tally {
        total: entries.len(),
        ..Tally::default()
    };
    for entry in &entries {
        let test = read_test(&manifest, entry);
        if let Kind::Skipped = test.kind {
            tally.skipped += 1;
            continue;
        }
        // A panic in the store is one failed test, not the end of the run.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| run_test(folder, &test.kind)))
            .unwrap_or_else(|payload| Err(format!("panicked: {}", panic_message(&*payload))));
        let is_known = known.contains_key(&test.iri);
        if is_known {
            seen.insert(test.iri.clone());
        }
        match (outcome, is_known) {
            (Ok(()), false) => tally.passed += 1,
            (Ok(()), true) => {
                tally.passed += 1;
                problems.push(format!("newly passing, remove from known-failures: {}", test.iri));
            }
            (Err(_), true) => tally.known += 1,
            (Err(why), false) => {
                tally.failed += 1;
                problems.push(format!("FAILED {} ({})\n{why}", test.iri, test.name));
            }
        }
    }
    tally
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else {
        "(no message)".to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Manifests

struct Test {
    iri: String,
    name: String,
    kind: Kind,
}

enum Kind {
    Syntax { positive: bool, query: String },
    Evaluation(Evaluation),
    /// An entry of a kind we run, but which the harness cannot read: a failure, not a skip.
    Broken(String),
    /// Withdrawn or rejected, or a kind of test this suite does not run (updates, services...).
    Skipped,
}

/// File URLs (W3C form) of one evaluation test.
struct Evaluation {
    query: String,
    data: Vec<String>,
    /// (graph name, file URL)
    graph_data: Vec<(String, String)>,
    result: String,
}

fn read_test(manifest: &Triples, entry: &RdfTerm) -> Test {
    let iri = match entry {
        RdfTerm::Iri(iri) => iri.clone(),
        other => format!("{other:?}"),
    };
    let name = manifest
        .object(entry, &format!("{MF}name"))
        .and_then(literal_value)
        .unwrap_or_else(|| iri.clone());
    let withdrawn = matches!(
        manifest.object(entry, &format!("{DAWGT}approval")),
        Some(RdfTerm::Iri(a)) if a == &format!("{DAWGT}Withdrawn") || a == &format!("{DAWGT}Rejected")
    );
    let types: Vec<&str> = manifest
        .objects(entry, &format!("{RDF}type"))
        .into_iter()
        .filter_map(|t| match t {
            RdfTerm::Iri(t) => t.strip_prefix(MF),
            _ => None,
        })
        .collect();
    let is = |names: &[&str]| types.iter().any(|t| names.contains(t));
    let action = manifest.object(entry, &format!("{MF}action"));
    let kind = if withdrawn {
        Kind::Skipped
    } else if is(&["PositiveSyntaxTest11", "NegativeSyntaxTest11"]) {
        match iri_value(action) {
            Some(query) => Kind::Syntax {
                positive: is(&["PositiveSyntaxTest11"]),
                query,
            },
            None => Kind::Broken("mf:action is not a query file".into()),
        }
    } else if is(&["QueryEvaluationTest", "CSVResultFormatTest"]) {
        // CSVResultFormatTest is an evaluation test whose expected result is CSV.
        match action {
            Some(action) => read_evaluation(manifest, entry, action),
            None => Kind::Broken("no mf:action".into()),
        }
    } else {
        Kind::Skipped
    };
    Test { iri, name, kind }
}

fn read_evaluation(manifest: &Triples, entry: &RdfTerm, action: &RdfTerm) -> Kind {
    let Some(query) = iri_value(manifest.object(action, &format!("{QT}query"))) else {
        return Kind::Broken("no qt:query".into());
    };
    let Some(result) = iri_value(manifest.object(entry, &format!("{MF}result"))) else {
        return Kind::Broken("no mf:result".into());
    };
    let data = manifest
        .objects(action, &format!("{QT}data"))
        .into_iter()
        .filter_map(|d| iri_value(Some(d)))
        .collect();
    let mut graph_data = Vec::new();
    for graph in manifest.objects(action, &format!("{QT}graphData")) {
        match graph {
            RdfTerm::Iri(url) => graph_data.push((url.clone(), url.clone())),
            // [ qt:graph <file> ; rdfs:label "name" ]: the label is the graph's name.
            node => {
                let Some(url) = iri_value(manifest.object(node, &format!("{QT}graph"))) else {
                    return Kind::Broken("qt:graphData without qt:graph".into());
                };
                let name = manifest
                    .object(node, RDFS_LABEL)
                    .and_then(literal_value)
                    .unwrap_or_else(|| url.clone());
                graph_data.push((name, url));
            }
        }
    }
    Kind::Evaluation(Evaluation {
        query,
        data,
        graph_data,
        result,
    })
}

fn iri_value(term: Option<&RdfTerm>) -> Option<String> {
    match term {
        Some(RdfTerm::Iri(iri)) => Some(iri.clone()),
        _ => None,
    }
}

fn literal_value(term: &RdfTerm) -> Option<String> {
    match term {
        RdfTerm::Literal { value, .. } => Some(value.clone()),
        _ => None,
    }
}

/// A small RDF document (a manifest, an RDF-encoded result set) indexed by subject.
struct Triples(HashMap<RdfTerm, Vec<(String, RdfTerm)>>);

impl Triples {
    fn new(quads: Vec<Quad>) -> Triples {
        let mut index: HashMap<RdfTerm, Vec<(String, RdfTerm)>> = HashMap::new();
        for [s, p, o] in quads.into_iter().map(triple_of) {
            let RdfTerm::Iri(p) = p else { continue };
            index.entry(s).or_default().push((p, o));
        }
        Triples(index)
    }

    fn objects(&self, subject: &RdfTerm, predicate: &str) -> Vec<&RdfTerm> {
        let pairs = self.0.get(subject).map(Vec::as_slice).unwrap_or_default();
        pairs.iter().filter(|(p, _)| p == predicate).map(|(_, o)| o).collect()
    }

    fn object(&self, subject: &RdfTerm, predicate: &str) -> Option<&RdfTerm> {
        self.objects(subject, predicate).into_iter().next()
    }

    fn subject_with(&self, predicate: &str, object: &RdfTerm) -> Option<&RdfTerm> {
        let mut subjects = self.0.iter().filter(|(_, pairs)| {
            pairs.iter().any(|(p, o)| p == predicate && o == object)
        });
        subjects.next().map(|(s, _)| s)
    }

    /// The items of the RDF list starting at `node`.
    fn list(&self, mut node: Option<RdfTerm>) -> Vec<RdfTerm> {
        let nil = RdfTerm::Iri(format!("{RDF}nil"));
        let mut items = Vec::new();
        while let Some(current) = node.filter(|n| *n != nil) {
            let Some(first) = self.object(&current, &format!("{RDF}first")) else { break };
            items.push(first.clone());
            node = self.object(&current, &format!("{RDF}rest")).cloned();
        }
        items
    }
}

// ---------------------------------------------------------------------------------------------
// Files

fn local_file(folder: &str, url: &str) -> PathBuf {
    // Every file a manifest names is in its own folder: the last path segment is enough.
    let file = url.rsplit('/').next().unwrap_or(url);
    root().join("tests/w3c/sparql11").join(folder).join(file)
}

/// Parses an RDF file (format from its extension) with `url` as base, so relative IRIs come out
/// as on the W3C site. Data files get fresh blank nodes: two files never share one.
fn parse_rdf(path: &Path, url: &str, graph: GraphName, fresh_blank_nodes: bool) -> Result<Vec<Quad>> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    let format = RdfFormat::from_extension(extension)
        .with_context(|| format!("no RDF format for {}", path.display()))?;
    let mut parser = RdfParser::from_format(format)
        .with_base_iri(url)?
        .with_default_graph(graph);
    if fresh_blank_nodes {
        parser = parser.rename_blank_nodes();
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    parser
        .for_reader(file)
        .map(|quad| quad.with_context(|| format!("cannot parse {}", path.display())))
        .collect()
}

fn triple_of(quad: Quad) -> [RdfTerm; 3] {
    let subject = match &quad.subject {
        NamedOrBlankNode::NamedNode(n) => RdfTerm::Iri(n.as_str().to_owned()),
        NamedOrBlankNode::BlankNode(b) => RdfTerm::BlankNode(b.as_str().to_owned()),
    };
    [subject, RdfTerm::Iri(quad.predicate.as_str().to_owned()), term(&quad.object)]
}

fn term(term: &Term) -> RdfTerm {
    match term {
        Term::NamedNode(n) => RdfTerm::Iri(n.as_str().to_owned()),
        Term::BlankNode(b) => RdfTerm::BlankNode(b.as_str().to_owned()),
        Term::Literal(l) => normalize(RdfTerm::Literal {
            value: l.value().to_owned(),
            datatype: l.datatype().as_str().to_owned(),
            language: l.language().map(str::to_owned),
        }),
        // RDF 1.2 quoted triples, if a feature turns them on: none in these tests.
        #[allow(unreachable_patterns)]
        other => RdfTerm::Iri(format!("unsupported term {other}")),
    }
}

/// Language tags compare case-insensitively (BCP 47); lower-case them on both sides.
fn normalize(term: RdfTerm) -> RdfTerm {
    match term {
        RdfTerm::Literal {
            value,
            datatype,
            language,
        } => RdfTerm::Literal {
            value,
            datatype,
            language: language.map(|l| l.to_ascii_lowercase()),
        },
        other => other,
    }
}

// ---------------------------------------------------------------------------------------------
// Running one test

fn run_test(folder: &str, kind: &Kind) -> Result<(), String> {
    match kind {
        Kind::Syntax { positive, query } => run_syntax(folder, *positive, query),
        Kind::Evaluation(evaluation) => run_evaluation(folder, evaluation),
        Kind::Broken(why) => Err(format!("malformed manifest entry: {why}")),
        Kind::Skipped => Ok(()),
    }
}

fn run_syntax(folder: &str, positive: bool, url: &str) -> Result<(), String> {
    let text = fs::read_to_string(local_file(folder, url)).unwrap();
    let parsed = SparqlParser::new()
        .with_base_iri(url)
        .map_err(|e| e.to_string())?
        .parse_query(&text);
    match (positive, parsed) {
        (true, Ok(_)) | (false, Err(_)) => Ok(()),
        (true, Err(e)) => Err(format!("should parse, but: {e}\nquery:\n{}", short(&text))),
        (false, Ok(q)) => Err(format!("should be rejected, but parsed as {q}\nquery:\n{}", short(&text))),
    }
}

fn run_evaluation(folder: &str, test: &Evaluation) -> Result<(), String> {
    let text = fs::read_to_string(local_file(folder, &test.query)).unwrap();
    let fail = |what: String| format!("{what}\nquery:\n{}", short(&text));
    let query = SparqlParser::new()
        .with_base_iri(test.query.as_str())
        .map_err(|e| e.to_string())?
        .parse_query(&text)
        .map_err(|e| fail(format!("the query does not parse: {e}")))?;
    let quads = load_dataset(folder, test, &query).map_err(|e| fail(format!("data: {e:#}")))?;
    let (expected, syntax) = load_expected(folder, &test.result)
        .map_err(|e| fail(format!("expected results: {e:#}")))?;
    let order_by = order_by_variables(&query);
    let store = Store::from_quads(quads, DefaultGraph::Own)
        .map_err(|e| fail(format!("cannot build the store: {e:#}")))?;
    let answer = store
        .query_parsed(query)
        .map_err(|e| fail(format!("the query failed: {e:#}")))?;
    let mut actual = from_answer(answer);
    // Render ours the way the expected file was written, to compare like with like.
    match syntax {
        ResultSyntax::Exact => {}
        ResultSyntax::Csv => actual = map_cells(actual, |cell| cell.and_then(csv_value)),
        ResultSyntax::Tsv => actual = map_cells(actual, |cell| cell.map(canonical_double)),
    }
    compare(&expected, &actual, order_by.as_deref()).map_err(fail)
}

/// Quads for the test: qt:data in the default graph, each qt:graphData in its named graph, and
/// vendored files the query names in FROM / FROM NAMED but the manifest does not list (as
/// Oxigraph's harness does), each as a named graph.
fn load_dataset(folder: &str, test: &Evaluation, query: &Query) -> Result<Vec<Quad>> {
    let mut quads = Vec::new();
    for url in &test.data {
        quads.extend(parse_rdf(&local_file(folder, url), url, GraphName::DefaultGraph, true)?);
    }
    let mut named: Vec<String> = Vec::new();
    for (name, url) in &test.graph_data {
        let graph = NamedNode::new(name.as_str())?.into();
        quads.extend(parse_rdf(&local_file(folder, url), url, graph, true)?);
        named.push(name.clone());
    }
    if let Some(dataset) = query.dataset() {
        for graph in dataset.default.iter().chain(dataset.named.iter().flatten()) {
            let url = graph.as_str();
            let path = local_file(folder, url);
            if url.starts_with(W3C_BASE) && !named.iter().any(|n| n == url) && path.is_file() {
                quads.extend(parse_rdf(&path, url, NamedNode::new(url)?.into(), true)?);
                named.push(url.to_owned());
            }
        }
    }
    Ok(quads)
}

/// The variables of the query's top-level ORDER BY, when every condition is a plain variable.
/// Tied solutions may come in any order, so the order check compares only these keys; with a
/// computed condition (none in these folders) the order is not checked.
fn order_by_variables(query: &Query) -> Option<Vec<String>> {
    let Query::Select { pattern, .. } = query else {
        return None;
    };
    let mut pattern = pattern;
    loop {
        match pattern {
            GraphPattern::Slice { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Project { inner, .. } => pattern = &**inner,
            GraphPattern::OrderBy { expression, .. } => {
                return expression
                    .iter()
                    .map(|condition| match condition {
                        OrderExpression::Asc(Expression::Variable(v))
                        | OrderExpression::Desc(Expression::Variable(v)) => {
                            Some(v.as_str().to_owned())
                        }
                        _ => None,
                    })
                    .collect();
            }
            _ => return None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Results

/// Expected or actual results, in one comparable form.
enum Results {
    Boolean(bool),
    Solutions {
        variables: Vec<String>,
        rows: Vec<Row>,
        /// The rows' order means something: a results document, or rs:index on every solution.
        ordered: bool,
    },
    Graph(Vec<[RdfTerm; 3]>),
}

/// How the expected file encodes terms, which decides how ours are rendered before comparing.
enum ResultSyntax {
    Exact,
    /// Lossy: IRIs and literals as bare strings, blank nodes as `_:label`, unbound as empty.
    Csv,
    /// Exact terms, but numbers may be written in short Turtle form (`1.0e6` for "1.0E6").
    Tsv,
}

fn load_expected(folder: &str, url: &str) -> Result<(Results, ResultSyntax)> {
    let path = local_file(folder, url);
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    match extension.as_str() {
        "csv" => Ok((parse_csv(&fs::read_to_string(&path)?)?, ResultSyntax::Csv)),
        "srx" | "srj" | "tsv" => {
            let format = QueryResultsFormat::from_extension(&extension).context("results format")?;
            let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
            let results = match QueryResultsParser::from_format(format).for_reader(file)? {
                ReaderQueryResultsParserOutput::Boolean(value) => Results::Boolean(value),
                ReaderQueryResultsParserOutput::Solutions(solutions) => {
                    let variables = solutions.variables().iter().map(|v| v.as_str().to_owned()).collect();
                    let mut rows = Vec::new();
                    for solution in solutions {
                        rows.push(solution?.values().iter().map(|v| v.as_ref().map(term)).collect());
                    }
                    Results::Solutions { variables, rows, ordered: true }
                }
            };
            if extension == "tsv" {
                Ok((map_cells(results, |cell| cell.map(canonical_double)), ResultSyntax::Tsv))
            } else {
                Ok((results, ResultSyntax::Exact))
            }
        }
        _ => {
            let quads = parse_rdf(&path, url, GraphName::DefaultGraph, false)?;
            Ok((from_rdf(quads)?, ResultSyntax::Exact))
        }
    }
}

/// An RDF result file: a result set in the rs: vocabulary if it has an rs:ResultSet, else the
/// graph a CONSTRUCT or DESCRIBE should give.
fn from_rdf(quads: Vec<Quad>) -> Result<Results> {
    let rs = |local: &str| format!("{RS}{local}");
    let g = Triples::new(quads.clone());
    let Some(set) = g.subject_with(&format!("{RDF}type"), &RdfTerm::Iri(rs("ResultSet"))) else {
        return Ok(Results::Graph(quads.into_iter().map(triple_of).collect()));
    };
    if let Some(value) = g.object(set, &rs("boolean")) {
        let value = literal_value(value).unwrap_or_default();
        return Ok(Results::Boolean(value == "true" || value == "1"));
    }
    let mut variables: Vec<String> =
        g.objects(set, &rs("resultVariable")).into_iter().filter_map(literal_value).collect();
    let mut solutions = Vec::new();
    for solution in g.objects(set, &rs("solution")) {
        let index = g
            .object(solution, &rs("index"))
            .and_then(literal_value)
            .and_then(|i| i.parse::<u64>().ok());
        let mut bindings = Vec::new();
        for binding in g.objects(solution, &rs("binding")) {
            let variable = g
                .object(binding, &rs("variable"))
                .and_then(literal_value)
                .context("rs:binding without rs:variable")?;
            let value = g.object(binding, &rs("value")).context("rs:binding without rs:value")?;
            if !variables.contains(&variable) {
                variables.push(variable.clone());
            }
            bindings.push((variable, value.clone()));
        }
        solutions.push((index, bindings));
    }
    let ordered = !solutions.is_empty() && solutions.iter().all(|(index, _)| index.is_some());
    if ordered {
        solutions.sort_by_key(|(index, _)| *index);
    }
    let rows = solutions
        .into_iter()
        .map(|(_, bindings)| {
            variables
                .iter()
                .map(|v| bindings.iter().find(|(b, _)| b == v).map(|(_, value)| value.clone()))
                .collect()
        })
        .collect();
    Ok(Results::Solutions { variables, rows, ordered })
}

/// SPARQL 1.1 CSV, RFC 4180 quoting; cells become bare strings (see `csv_value`).
fn parse_csv(text: &str) -> Result<Results> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c != '"' {
                field.push(c);
            } else if chars.peek() == Some(&'"') {
                chars.next();
                field.push('"');
            } else {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    let mut records = records.into_iter();
    let variables = records.next().context("empty CSV file")?;
    let rows = records
        .map(|record| {
            record
                .into_iter()
                .map(|cell| match cell.strip_prefix("_:") {
                    _ if cell.is_empty() => None,
                    Some(label) => Some(RdfTerm::BlankNode(label.to_owned())),
                    None => Some(bare(cell)),
                })
                .collect()
        })
        .collect();
    Ok(Results::Solutions { variables, rows, ordered: true })
}

/// A CSV cell's text, as a literal with no datatype (which no real term has).
fn bare(text: String) -> RdfTerm {
    RdfTerm::Literal {
        value: text,
        datatype: String::new(),
        language: None,
    }
}

/// Our term as CSV writes it: an empty literal is indistinguishable from unbound.
fn csv_value(term: RdfTerm) -> Option<RdfTerm> {
    match term {
        RdfTerm::Iri(iri) => Some(bare(iri)),
        RdfTerm::BlankNode(label) => Some(RdfTerm::BlankNode(label)),
        RdfTerm::Literal { value, .. } => (!value.is_empty()).then(|| bare(value)),
    }
}

/// xsd:double by value: TSV may write `1.0e6` for "1.0E6"^^xsd:double.
fn canonical_double(term: RdfTerm) -> RdfTerm {
    match term {
        RdfTerm::Literal { value, datatype, language } if datatype == XSD_DOUBLE => {
            let value = value.parse::<f64>().map_or(value, |v| format!("{v:e}"));
            RdfTerm::Literal { value, datatype, language }
        }
        other => other,
    }
}

fn map_cells(results: Results, f: impl Fn(Option<RdfTerm>) -> Option<RdfTerm>) -> Results {
    match results {
        Results::Solutions { variables, rows, ordered } => Results::Solutions {
            variables,
            rows: rows.into_iter().map(|row| row.into_iter().map(&f).collect()).collect(),
            ordered,
        },
        other => other,
    }
}

fn from_answer(answer: Answer) -> Results {
    match answer {
        Answer::Ask(value) => Results::Boolean(value),
        Answer::Select { variables, rows } => Results::Solutions {
            variables,
            rows: rows
                .into_iter()
                .map(|row| row.into_iter().map(|cell| cell.map(normalize)).collect())
                .collect(),
            ordered: true,
        },
        Answer::Graph(triples) => {
            Results::Graph(triples.into_iter().map(|triple| triple.map(normalize)).collect())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing

fn compare(expected: &Results, actual: &Results, order_by: Option<&[String]>) -> Result<(), String> {
    let mut sorted = true;
    let verdict = match (expected, actual) {
        (Results::Boolean(e), Results::Boolean(a)) => e == a,
        // Graphs are sets: duplicates from a parser or an engine mean nothing.
        (Results::Graph(e), Results::Graph(a)) => same_rows(&graph_rows(e), &graph_rows(a)),
        (
            Results::Solutions { variables: ev, rows: er, ordered },
            Results::Solutions { variables: av, rows: ar, .. },
        ) => {
            let ar = reorder(ar, av, ev);
            let same_variables = ev.len() == av.len() && ev.iter().all(|v| av.contains(v));
            if !(same_variables && same_rows(er, &ar)) {
                false
            } else if let (true, Some(keys)) = (*ordered, order_by) {
                sorted = false;
                let in_order = order_keys(er, ev, keys) == order_keys(&ar, ev, keys);
                if !in_order {
                    return Err(format!(
                        "same solutions, wrong order (ORDER BY {})\nexpected:\n{}\nactual:\n{}",
                        keys.join(" "),
                        show(expected, false),
                        show(actual, false)
                    ));
                }
                true
            } else {
                true
            }
        }
        _ => false,
    };
    if verdict {
        Ok(())
    } else {
        Err(format!("expected:\n{}\nactual:\n{}", show(expected, sorted), show(actual, sorted)))
    }
}

fn graph_rows(triples: &[[RdfTerm; 3]]) -> Vec<Row> {
    let set: BTreeSet<&[RdfTerm; 3]> = triples.iter().collect();
    set.into_iter().map(|t| t.iter().cloned().map(Some).collect()).collect()
}

/// `rows` (cells in `from` order) with cells in `to` order; a variable `from` lacks is unbound.
fn reorder(rows: &[Row], from: &[String], to: &[String]) -> Vec<Row> {
    let positions: Vec<Option<usize>> = to.iter().map(|v| from.iter().position(|f| f == v)).collect();
    rows.iter()
        .map(|row| positions.iter().map(|p| p.and_then(|i| row.get(i).cloned().flatten())).collect())
        .collect()
}

/// Each row's ORDER BY key; blank nodes have no order among themselves, so all keys are equal.
fn order_keys(rows: &[Row], variables: &[String], keys: &[String]) -> Vec<Row> {
    let positions: Vec<Option<usize>> =
        keys.iter().map(|k| variables.iter().position(|v| v == k)).collect();
    rows.iter()
        .map(|row| {
            positions
                .iter()
                .map(|p| p.and_then(|i| row.get(i).cloned().flatten()).map(blank_as_any))
                .collect()
        })
        .collect()
}

fn blank_as_any(term: RdfTerm) -> RdfTerm {
    match term {
        RdfTerm::BlankNode(_) => RdfTerm::BlankNode(String::new()),
        other => other,
    }
}

fn has_blank(row: &Row) -> bool {
    row.iter().any(|cell| matches!(cell, Some(RdfTerm::BlankNode(_))))
}

/// The row with every blank node masked: rows can only match if their shapes are equal.
fn shape(row: &Row) -> Row {
    row.iter().map(|cell| cell.clone().map(blank_as_any)).collect()
}

/// Whether two multisets of rows are equal up to one renaming of blank nodes: a bijection, the
/// same over the whole result (labels are scoped to the result set, not to one solution).
fn same_rows(expected: &[Row], actual: &[Row]) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let (mut expected_ground, expected_blank): (Vec<&Row>, Vec<&Row>) =
        expected.iter().partition(|row| !has_blank(row));
    let (mut actual_ground, actual_blank): (Vec<&Row>, Vec<&Row>) =
        actual.iter().partition(|row| !has_blank(row));
    expected_ground.sort();
    actual_ground.sort();
    if expected_ground != actual_ground {
        return false;
    }
    let mut expected_shapes: Vec<Row> = expected_blank.iter().map(|r| shape(r)).collect();
    let actual_shapes: Vec<Row> = actual_blank.iter().map(|r| shape(r)).collect();
    let candidates = expected_shapes
        .iter()
        .map(|s| (0..actual_shapes.len()).filter(|&j| actual_shapes[j] == *s).collect())
        .collect();
    let mut sorted_actual_shapes = actual_shapes.clone();
    expected_shapes.sort();
    sorted_actual_shapes.sort();
    if expected_shapes != sorted_actual_shapes {
        return false;
    }
    let mut matcher = BlankMatcher {
        used: vec![false; actual_blank.len()],
        expected: expected_blank,
        actual: actual_blank,
        candidates,
        forward: HashMap::new(),
        backward: HashMap::new(),
        budget: MATCH_BUDGET,
    };
    matcher.search(0)
}

/// Backtracking search for the blank-node bijection, row by row.
struct BlankMatcher<'a> {
    expected: Vec<&'a Row>,
    actual: Vec<&'a Row>,
    /// For each expected row, the actual rows of the same shape.
    candidates: Vec<Vec<usize>>,
    used: Vec<bool>,
    forward: HashMap<&'a str, &'a str>,
    backward: HashMap<&'a str, &'a str>,
    budget: u64,
}

impl<'a> BlankMatcher<'a> {
    fn search(&mut self, i: usize) -> bool {
        if i == self.expected.len() {
            return true;
        }
        for k in 0..self.candidates[i].len() {
            let j = self.candidates[i][k];
            if self.used[j] {
                continue;
            }
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            let mut added = Vec::new();
            if self.bind(self.expected[i], self.actual[j], &mut added) {
                self.used[j] = true;
                if self.search(i + 1) {
                    return true;
                }
                self.used[j] = false;
            }
            for e in added {
                if let Some(a) = self.forward.remove(e) {
                    self.backward.remove(a);
                }
            }
        }
        false
    }

    /// Extends the bijection so the two rows (of equal shape) match; `added` gets new pairs.
    fn bind(&mut self, expected: &'a Row, actual: &'a Row, added: &mut Vec<&'a str>) -> bool {
        for (e, a) in expected.iter().zip(actual) {
            let (Some(RdfTerm::BlankNode(e)), Some(RdfTerm::BlankNode(a))) = (e, a) else {
                continue;
            };
            match (self.forward.get(e.as_str()), self.backward.get(a.as_str())) {
                (None, None) => {
                    self.forward.insert(e, a);
                    self.backward.insert(a, e);
                    added.push(e);
                }
                (Some(x), Some(y)) if *x == a.as_str() && *y == e.as_str() => {}
                _ => return false,
            }
        }
        true
    }
}

// ---------------------------------------------------------------------------------------------
// Messages

fn show(results: &Results, sorted: bool) -> String {
    const MAX_LINES: usize = 25;
    let (header, mut lines) = match results {
        Results::Boolean(value) => return format!("  {value}"),
        Results::Graph(triples) => {
            let lines = triples
                .iter()
                .map(|t| format!("{} {} {} .", fmt_term(&t[0]), fmt_term(&t[1]), fmt_term(&t[2])))
                .collect();
            ("(graph)".to_owned(), lines)
        }
        Results::Solutions { variables, rows, .. } => {
            let header = variables.iter().map(|v| format!("?{v}")).collect::<Vec<_>>().join(" ");
            let lines = rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|cell| cell.as_ref().map_or_else(|| "-".to_owned(), fmt_term))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            (header, lines)
        }
    };
    if sorted {
        lines.sort();
    }
    let count = lines.len();
    let mut out = format!("  {header}  ({count} rows)");
    for line in lines.iter().take(MAX_LINES) {
        out.push_str(&format!("\n  {line}"));
    }
    if count > MAX_LINES {
        out.push_str(&format!("\n  ... {} more", count - MAX_LINES));
    }
    out
}

fn fmt_term(term: &RdfTerm) -> String {
    match term {
        RdfTerm::Iri(iri) => format!("<{iri}>"),
        RdfTerm::BlankNode(label) => format!("_:{label}"),
        RdfTerm::Literal { value, language: Some(language), .. } => format!("{value:?}@{language}"),
        RdfTerm::Literal { value, datatype, .. } if datatype.is_empty() || datatype == XSD_STRING => {
            format!("{value:?}")
        }
        RdfTerm::Literal { value, datatype, .. } => format!("{value:?}^^<{datatype}>"),
    }
}

/// The start of a query text, for messages.
fn short(text: &str) -> String {
    const MAX_CHARS: usize = 1500;
    let mut out: String = text.trim().chars().take(MAX_CHARS).collect();
    if text.trim().chars().count() > MAX_CHARS {
        out.push_str("\n...");
    }
    out
}
