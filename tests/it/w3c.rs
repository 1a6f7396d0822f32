//! The W3C SPARQL 1.1 query test suite (tests/w3c, vendored from w3c/rdf-tests) against
//! `dossier_stores::sparql::Store`: evaluation tests compare our answers with the expected results,
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

use dossier_stores::sparql::{Answer, DefaultGraph, RdfTerm, Store};

use crate::util::root;

/// The vendored folders of sparql/sparql11, in the order they run.
const FOLDERS: &str = "aggregates bind bindings cast construct exists functions grouping negation \
    project-expression property-path subquery json-res csv-tsv-res syntax-query";
/// Where the files live on the W3C site: manifests name tests and files relative to it.
const W3C_BASE: &str = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const QT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#";
const DAWGT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#";
const RS: &str = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#";
const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";
/// Backtracking steps allowed to match blank nodes, so a pathological result cannot hang the run.
const MATCH_BUDGET: u64 = 1_000_000;

/// A solution row, cells in the order of its result's variables (a triple is a row of three).
type Row = Vec<Option<RdfTerm>>;

#[test]
fn w3c_sparql11_query_evaluation_suite() {
    let known = known_failures();
    let (mut seen, mut problems, mut total) = (HashSet::new(), Vec::new(), Tally::default());
    let mut table = Vec::new();
    for folder in FOLDERS.split_whitespace() {
        let tally = run_folder(folder, &known, &mut seen, &mut problems);
        println!("w3c sparql11/{folder}: {}", tally.summary());
        table.push(format!(
            "| {folder} | {} of {} | {} |",
            tally.passed, tally.total, tally.known
        ));
        total.add(&tally);
    }
    println!("w3c sparql11 total: {}", total.summary());
    table.push(format!(
        "| **total** | **{} of {}** | **{}** |",
        total.passed, total.total, total.known
    ));
    // The README's table of pass counts is this run's.
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let header = "| W3C folder | passed | known failures |\n|---|---|---|\n";
    let expected = format!("{header}{}\n", table.join("\n"));
    if !readme.contains(&expected) {
        problems.push(format!(
            "README.md's W3C table differs from this run; it should read:\n{expected}"
        ));
    }
    let mut stale: Vec<&String> = known.keys().filter(|iri| !seen.contains(*iri)).collect();
    stale.sort();
    for iri in stale {
        problems.push(format!(
            "in known-failures but not run (no such test, or skipped): {iri}"
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
        let (p, k, s, n) = (self.passed, self.known, self.skipped, self.total);
        let mut out = format!("{p} passed, {k} known failures, {s} skipped (of {n})");
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
    let entry = |line: &str| {
        let (iri, reason) = line.trim().strip_prefix('<')?.split_once('>')?;
        Some((
            iri.to_owned(),
            reason.trim().trim_start_matches('#').trim().to_owned(),
        ))
    };
    text.lines().filter_map(entry).collect()
}

fn run_folder(
    folder: &str,
    known: &HashMap<String, String>,
    seen: &mut HashSet<String>,
    problems: &mut Vec<String>,
) -> Tally {
    let url = format!("{W3C_BASE}{folder}/manifest.ttl");
    let manifest = Triples::new(
        parse_rdf(
            &local_file(folder, &url),
            &url,
            GraphName::DefaultGraph,
            false,
        )
        .unwrap(),
    );
    let entries = manifest.list(manifest.object(&RdfTerm::Iri(url), &format!("{MF}entries")));
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
                problems.push(format!(
                    "newly passing, remove from known-failures: {}",
                    test.iri
                ));
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
    let text = payload.downcast_ref::<&str>().copied();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or(text.map(str::to_owned))
        .unwrap_or_default()
}

// Manifests ------------------------------------------------------------------------------------

struct Test {
    iri: String,
    name: String,
    kind: Kind,
}

enum Kind {
    /// The query file's URL; whether it must parse.
    Syntax {
        query: String,
        positive: bool,
    },
    Evaluation(Evaluation),
    /// An entry of a kind we run that the harness cannot read: a failure, not a skip.
    Broken(String),
    /// Withdrawn or rejected, or a kind of test this suite does not run.
    Skipped,
}

/// File URLs (W3C form) of one evaluation test.
struct Evaluation {
    query: String,
    data: Vec<String>,
    graph_data: Vec<String>,
    result: String,
}

fn read_test(manifest: &Triples, entry: &RdfTerm) -> Test {
    let iri = match entry {
        RdfTerm::Iri(iri) => iri.clone(),
        other => format!("{other:?}"),
    };
    let name = manifest
        .object(entry, &format!("{MF}name"))
        .and_then(literal_value);
    let approval = iri_value(manifest.object(entry, &format!("{DAWGT}approval")));
    let withdrawn = approval
        .is_some_and(|a| a == format!("{DAWGT}Withdrawn") || a == format!("{DAWGT}Rejected"));
    let types = manifest.iris(entry, &format!("{RDF}type"));
    let is = |name: &str| types.iter().any(|t| t.strip_prefix(MF) == Some(name));
    let action = manifest.object(entry, &format!("{MF}action"));
    let kind = if withdrawn {
        Kind::Skipped
    } else if is("PositiveSyntaxTest11") || is("NegativeSyntaxTest11") {
        let positive = is("PositiveSyntaxTest11");
        match iri_value(action) {
            Some(query) => Kind::Syntax { query, positive },
            None => Kind::Broken("mf:action is not a query file".into()),
        }
    } else if is("QueryEvaluationTest") || is("CSVResultFormatTest") {
        // CSVResultFormatTest is an evaluation test whose expected result is CSV.
        match action {
            Some(action) => read_evaluation(manifest, entry, action),
            None => Kind::Broken("no mf:action".into()),
        }
    } else {
        Kind::Skipped
    };
    Test {
        name: name.unwrap_or_else(|| iri.clone()),
        iri,
        kind,
    }
}

fn read_evaluation(manifest: &Triples, entry: &RdfTerm, action: &RdfTerm) -> Kind {
    let Some(query) = iri_value(manifest.object(action, &format!("{QT}query"))) else {
        return Kind::Broken("no qt:query".into());
    };
    let Some(result) = iri_value(manifest.object(entry, &format!("{MF}result"))) else {
        return Kind::Broken("no mf:result".into());
    };
    let data = manifest.iris(action, &format!("{QT}data"));
    let graph_data = manifest.iris(action, &format!("{QT}graphData"));
    Kind::Evaluation(Evaluation {
        query,
        data,
        graph_data,
        result,
    })
}

fn iri_value(term: Option<&RdfTerm>) -> Option<String> {
    if let Some(RdfTerm::Iri(iri)) = term {
        Some(iri.clone())
    } else {
        None
    }
}

fn literal_value(term: &RdfTerm) -> Option<String> {
    if let RdfTerm::Literal { value, .. } = term {
        Some(value.clone())
    } else {
        None
    }
}

/// A small RDF document (a manifest, an RDF-encoded result set) indexed by subject.
struct Triples(HashMap<RdfTerm, Vec<(String, RdfTerm)>>);

impl Triples {
    fn new(quads: Vec<Quad>) -> Triples {
        let mut index: HashMap<RdfTerm, Vec<(String, RdfTerm)>> = HashMap::new();
        for [s, p, o] in quads.into_iter().map(triple_of) {
            if let RdfTerm::Iri(p) = p {
                index.entry(s).or_default().push((p, o));
            }
        }
        Triples(index)
    }

    fn objects(&self, subject: &RdfTerm, predicate: &str) -> Vec<&RdfTerm> {
        let pairs = self.0.get(subject).map(Vec::as_slice).unwrap_or_default();
        pairs
            .iter()
            .filter(|(p, _)| p == predicate)
            .map(|(_, o)| o)
            .collect()
    }

    fn object(&self, subject: &RdfTerm, predicate: &str) -> Option<&RdfTerm> {
        self.objects(subject, predicate).into_iter().next()
    }

    fn iris(&self, subject: &RdfTerm, predicate: &str) -> Vec<String> {
        let objects = self.objects(subject, predicate).into_iter();
        objects.filter_map(|o| iri_value(Some(o))).collect()
    }

    fn subject_with(&self, predicate: &str, object: &RdfTerm) -> Option<&RdfTerm> {
        let mut subjects = (self.0.iter())
            .filter(|(_, pairs)| pairs.iter().any(|(p, o)| p == predicate && o == object));
        subjects.next().map(|(s, _)| s)
    }

    /// The items of the RDF list whose first node is `node`.
    fn list(&self, node: Option<&RdfTerm>) -> Vec<RdfTerm> {
        let (nil, mut node, mut items) = (RdfTerm::Iri(format!("{RDF}nil")), node, Vec::new());
        while let Some(current) = node.filter(|n| **n != nil) {
            let Some(first) = self.object(current, &format!("{RDF}first")) else {
                break;
            };
            items.push(first.clone());
            node = self.object(current, &format!("{RDF}rest"));
        }
        items
    }
}

// Files ----------------------------------------------------------------------------------------

fn local_file(folder: &str, url: &str) -> PathBuf {
    // Every file a manifest names is in its own folder: the last path segment is enough.
    let file = url.rsplit('/').next().unwrap_or(url);
    root().join("tests/w3c/sparql11").join(folder).join(file)
}

/// Parses an RDF file (format from its extension) with `url` as base, so relative IRIs come out
/// as on the W3C site. Data files get fresh blank nodes: two files never share one.
fn parse_rdf(path: &Path, url: &str, graph: GraphName, fresh_blanks: bool) -> Result<Vec<Quad>> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let format = RdfFormat::from_extension(extension).context("not an RDF file extension")?;
    let mut parser = RdfParser::from_format(format)
        .with_base_iri(url)?
        .with_default_graph(graph);
    if fresh_blanks {
        parser = parser.rename_blank_nodes();
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let parsed = parser
        .for_reader(file)
        .map(|quad| quad.map_err(anyhow::Error::from));
    parsed
        .collect::<Result<Vec<Quad>>>()
        .with_context(|| format!("cannot parse {}", path.display()))
}

fn triple_of(quad: Quad) -> [RdfTerm; 3] {
    let subject = match &quad.subject {
        NamedOrBlankNode::NamedNode(n) => RdfTerm::Iri(n.as_str().to_owned()),
        NamedOrBlankNode::BlankNode(b) => RdfTerm::BlankNode(b.as_str().to_owned()),
    };
    [
        subject,
        RdfTerm::Iri(quad.predicate.as_str().to_owned()),
        term(&quad.object),
    ]
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

/// Language tags compare case-insensitively (BCP 47): lower-case them on both sides.
fn normalize(mut term: RdfTerm) -> RdfTerm {
    if let RdfTerm::Literal {
        language: Some(language),
        ..
    } = &mut term
    {
        language.make_ascii_lowercase();
    }
    term
}

// Running one test -----------------------------------------------------------------------------

fn run_test(folder: &str, kind: &Kind) -> Result<(), String> {
    match kind {
        Kind::Syntax { query, positive } => run_syntax(folder, query, *positive),
        Kind::Evaluation(evaluation) => run_evaluation(folder, evaluation),
        Kind::Broken(why) => Err(format!("malformed manifest entry: {why}")),
        Kind::Skipped => Ok(()),
    }
}

fn run_syntax(folder: &str, url: &str, positive: bool) -> Result<(), String> {
    let text = fs::read_to_string(local_file(folder, url)).unwrap();
    let parser = SparqlParser::new()
        .with_base_iri(url)
        .map_err(|e| e.to_string())?;
    match (positive, parser.parse_query(&text)) {
        (true, Ok(_)) | (false, Err(_)) => Ok(()),
        (true, Err(e)) => Err(format!("should parse, but: {e}\nquery:\n{}", short(&text))),
        (false, Ok(q)) => Err(format!(
            "should not parse, but gave {q}\nquery:\n{}",
            short(&text)
        )),
    }
}

fn run_evaluation(folder: &str, test: &Evaluation) -> Result<(), String> {
    let text = fs::read_to_string(local_file(folder, &test.query)).unwrap();
    let fail = |what: String| format!("{what}\nquery:\n{}", short(&text));
    let parser = SparqlParser::new()
        .with_base_iri(test.query.as_str())
        .map_err(|e| e.to_string())?;
    let query = parser
        .parse_query(&text)
        .map_err(|e| fail(format!("the query does not parse: {e}")))?;
    let quads = load_dataset(folder, test).map_err(|e| fail(format!("data: {e:#}")))?;
    let (expected, syntax) = load_expected(folder, &test.result)
        .map_err(|e| fail(format!("expected results: {e:#}")))?;
    let order_by = order_by_variables(&query);
    let store = Store::from_quads(quads, DefaultGraph::Own)
        .map_err(|e| fail(format!("cannot build the store: {e:#}")))?;
    let answer = store
        .query_parsed(query)
        .map_err(|e| fail(format!("the query failed: {e:#}")))?;
    // Ours rendered the way the expected file is written, to compare like with like.
    let actual = match syntax {
        ResultSyntax::Exact | ResultSyntax::Tsv => {
            map_cells(from_answer(answer), |cell| cell.map(canonical_number))
        }
        ResultSyntax::Csv => map_cells(from_answer(answer), |cell| cell.and_then(csv_value)),
    };
    let expected = match syntax {
        ResultSyntax::Csv => expected,
        _ => map_cells(expected, |cell| cell.map(canonical_number)),
    };
    compare(&expected, &actual, order_by.as_deref()).map_err(fail)
}

/// Quads for the test: qt:data in the default graph, each qt:graphData in a named graph named
/// by its file's URL. (No manifest here names a graph any other way, and FROM / FROM NAMED only
/// name files the manifest lists as graph data.)
fn load_dataset(folder: &str, test: &Evaluation) -> Result<Vec<Quad>> {
    let mut quads = Vec::new();
    for url in &test.data {
        quads.extend(parse_rdf(
            &local_file(folder, url),
            url,
            GraphName::DefaultGraph,
            true,
        )?);
    }
    for url in &test.graph_data {
        let graph = GraphName::from(NamedNode::new(url.as_str())?);
        quads.extend(parse_rdf(&local_file(folder, url), url, graph, true)?);
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
                let variable = |condition: &OrderExpression| match condition {
                    OrderExpression::Asc(Expression::Variable(v))
                    | OrderExpression::Desc(Expression::Variable(v)) => Some(v.as_str().to_owned()),
                    _ => None,
                };
                return expression.iter().map(variable).collect();
            }
            _ => return None,
        }
    }
}

// Results --------------------------------------------------------------------------------------

/// Expected or actual results, in one comparable form.
enum Results {
    Boolean(bool),
    Solutions {
        variables: Vec<String>,
        rows: Vec<Row>,
        /// The rows' order means something: a results document, or rs:index on every solution.
        ordered: bool,
    },
    /// Triples as rows of three, without duplicates (a graph is a set).
    Graph(Vec<Row>),
}

/// How the expected file writes terms, which decides how ours are rendered before comparing.
enum ResultSyntax {
    Exact,
    /// Lossy: IRIs and literals as bare strings, blank nodes as `_:label`, unbound as empty.
    Csv,
    /// Exact terms, but numbers may be in short Turtle form (`1.0e6` for "1.0E6"^^xsd:double).
    Tsv,
}

fn load_expected(folder: &str, url: &str) -> Result<(Results, ResultSyntax)> {
    let path = local_file(folder, url);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let extension = extension.to_ascii_lowercase();
    match extension.as_str() {
        "csv" => Ok((parse_csv(&fs::read(&path)?)?, ResultSyntax::Csv)),
        "srx" | "srj" | "tsv" => {
            let format = QueryResultsFormat::from_extension(&extension).context("format")?;
            let file =
                File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
            let results = match QueryResultsParser::from_format(format).for_reader(file)? {
                ReaderQueryResultsParserOutput::Boolean(value) => Results::Boolean(value),
                ReaderQueryResultsParserOutput::Solutions(solutions) => {
                    let variables: Vec<String> = solutions
                        .variables()
                        .iter()
                        .map(|v| v.as_str().to_owned())
                        .collect();
                    let mut rows: Vec<Row> = Vec::new();
                    for solution in solutions {
                        rows.push(
                            solution?
                                .values()
                                .iter()
                                .map(|v| v.as_ref().map(term))
                                .collect(),
                        );
                    }
                    Results::Solutions {
                        variables,
                        rows,
                        ordered: true,
                    }
                }
            };
            if extension == "tsv" {
                Ok((
                    map_cells(results, |cell| cell.map(canonical_number)),
                    ResultSyntax::Tsv,
                ))
            } else {
                Ok((results, ResultSyntax::Exact))
            }
        }
        _ => Ok((
            from_rdf(parse_rdf(&path, url, GraphName::DefaultGraph, false)?)?,
            ResultSyntax::Exact,
        )),
    }
}

/// An RDF result file: a result set in the rs: vocabulary if it has an rs:ResultSet, else the
/// graph a CONSTRUCT or DESCRIBE should give.
fn from_rdf(quads: Vec<Quad>) -> Result<Results> {
    let rs = |local: &str| format!("{RS}{local}");
    let g = Triples::new(quads.clone());
    let Some(set) = g.subject_with(&format!("{RDF}type"), &RdfTerm::Iri(rs("ResultSet"))) else {
        return Ok(graph(quads.into_iter().map(triple_of).collect()));
    };
    if let Some(value) = g.object(set, &rs("boolean")).and_then(literal_value) {
        return Ok(Results::Boolean(value == "true" || value == "1"));
    }
    let mut variables: Vec<String> = g
        .objects(set, &rs("resultVariable"))
        .into_iter()
        .filter_map(literal_value)
        .collect();
    let mut solutions = Vec::new();
    for solution in g.objects(set, &rs("solution")) {
        let index = g.object(solution, &rs("index")).and_then(literal_value);
        let mut bindings = Vec::new();
        for binding in g.objects(solution, &rs("binding")) {
            let variable = g.object(binding, &rs("variable")).and_then(literal_value);
            let variable = variable.context("rs:binding without rs:variable")?;
            let value = g
                .object(binding, &rs("value"))
                .context("rs:binding without rs:value")?;
            if !variables.contains(&variable) {
                variables.push(variable.clone());
            }
            bindings.push((variable, value.clone()));
        }
        solutions.push((index.and_then(|i| i.parse::<u64>().ok()), bindings));
    }
    let ordered = !solutions.is_empty() && solutions.iter().all(|(index, _)| index.is_some());
    solutions.sort_by_key(|(index, _)| *index); // stable: no effect without indexes
    let cell = |bindings: &[(String, RdfTerm)], v: &String| {
        bindings
            .iter()
            .find(|(b, _)| b == v)
            .map(|(_, value)| value.clone())
    };
    let rows: Vec<Row> = (solutions.iter())
        .map(|(_, bindings)| {
            variables
                .iter()
                .map(|v| cell(bindings.as_slice(), v))
                .collect::<Row>()
        })
        .collect();
    Ok(Results::Solutions {
        variables,
        rows,
        ordered,
    })
}

/// SPARQL 1.1 CSV: a header of variable names, then one record a solution.
fn parse_csv(bytes: &[u8]) -> Result<Results> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let variables: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let mut rows: Vec<Row> = Vec::new();
    for record in reader.records() {
        let cell = |text: &str| match text.strip_prefix("_:") {
            _ if text.is_empty() => None,
            Some(label) => Some(RdfTerm::BlankNode(label.to_owned())),
            None => Some(bare(text.to_owned())),
        };
        rows.push(record?.iter().map(cell).collect());
    }
    Ok(Results::Solutions {
        variables,
        rows,
        ordered: true,
    })
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

/// A number by value: the suite's files write computed numbers in one lexical form of several
/// (`"3.21E4"` or `"32100"` for an xsd:double, `"2.0"` or `"2"` for an xsd:decimal, and TSV
/// `1.0e6`), and the specification leaves the form of a computed number to the engine.
fn canonical_number(mut term: RdfTerm) -> RdfTerm {
    if let RdfTerm::Literal {
        value, datatype, ..
    } = &mut term
    {
        let xsd = |name: &str| format!("http://www.w3.org/2001/XMLSchema#{name}");
        if (*datatype == XSD_DOUBLE || *datatype == xsd("float"))
            && let Ok(number) = value.parse::<f64>()
        {
            *value = format!("{number:e}");
        } else if *datatype == xsd("decimal") && value.parse::<f64>().is_ok() {
            let mut text = value.trim_start_matches('+').to_owned();
            if text.contains('.') {
                text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
            }
            if text == "-0" || text.is_empty() {
                text = "0".to_owned();
            }
            *value = text;
        } else if *datatype == xsd("integer")
            && let Ok(number) = value.parse::<i128>()
        {
            *value = number.to_string();
        }
    }
    term
}

fn map_cells(results: Results, f: impl Fn(Option<RdfTerm>) -> Option<RdfTerm>) -> Results {
    match results {
        Results::Solutions {
            variables,
            rows,
            ordered,
        } => {
            let rows = rows
                .into_iter()
                .map(|row| row.into_iter().map(&f).collect::<Row>())
                .collect();
            Results::Solutions {
                variables,
                rows,
                ordered,
            }
        }
        other => other,
    }
}

fn graph(triples: Vec<[RdfTerm; 3]>) -> Results {
    let set: BTreeSet<[RdfTerm; 3]> = triples.into_iter().collect();
    Results::Graph(
        set.into_iter()
            .map(|t| t.into_iter().map(Some).collect::<Row>())
            .collect(),
    )
}

fn from_answer(answer: Answer) -> Results {
    match answer {
        Answer::Ask(value) => Results::Boolean(value),
        Answer::Select { variables, rows } => {
            let rows = rows
                .into_iter()
                .map(|row| row.into_iter().map(|c| c.map(normalize)).collect::<Row>());
            Results::Solutions {
                variables,
                rows: rows.collect(),
                ordered: true,
            }
        }
        Answer::Graph(triples) => graph(triples.into_iter().map(|t| t.map(normalize)).collect()),
    }
}

// Comparing ------------------------------------------------------------------------------------

fn compare(
    expected: &Results,
    actual: &Results,
    order_by: Option<&[String]>,
) -> Result<(), String> {
    // Order is checked only when the query sorts and the expected file gives an order.
    let keys = match expected {
        Results::Solutions { ordered: true, .. } => order_by,
        _ => None,
    };
    let same = match (expected, actual) {
        (Results::Boolean(e), Results::Boolean(a)) => e == a,
        (Results::Graph(e), Results::Graph(a)) => same_rows(e, a),
        (
            Results::Solutions {
                variables: ev,
                rows: er,
                ..
            },
            Results::Solutions {
                variables: av,
                rows: ar,
                ..
            },
        ) => {
            let ar = project(ar, av, ev);
            let same =
                ev.len() == av.len() && ev.iter().all(|v| av.contains(v)) && same_rows(er, &ar);
            // Blank nodes have no order among themselves: `shape` masks them.
            let order = |rows: &[Row]| -> Vec<Row> {
                project(rows, ev, keys.unwrap_or_default())
                    .iter()
                    .map(shape)
                    .collect()
            };
            if same && keys.is_some() && order(er.as_slice()) != order(ar.as_slice()) {
                let (keys, expected, actual) = (
                    keys.unwrap_or_default().join(" ?"),
                    show(expected, false),
                    show(actual, false),
                );
                return Err(format!(
                    "same solutions, wrong order (ORDER BY ?{keys})\nexpected:\n{expected}\nactual:\n{actual}"
                ));
            }
            same
        }
        _ => false,
    };
    if same {
        return Ok(());
    }
    // Sorted lines are easier to compare by eye, unless the order is what is tested.
    let sorted = keys.is_none();
    Err(format!(
        "expected:\n{}\nactual:\n{}",
        show(expected, sorted),
        show(actual, sorted)
    ))
}

/// `rows` (cells in `from` order) with cells in `to` order; a variable `from` lacks is unbound.
fn project(rows: &[Row], from: &[String], to: &[String]) -> Vec<Row> {
    let positions: Vec<Option<usize>> = to
        .iter()
        .map(|v| from.iter().position(|f| f == v))
        .collect();
    let cell = |row: &Row, p: &Option<usize>| p.and_then(|i| row.get(i).cloned().flatten());
    rows.iter()
        .map(|row| positions.iter().map(|p| cell(row, p)).collect::<Row>())
        .collect()
}

fn has_blank(row: &Row) -> bool {
    row.iter()
        .any(|cell| matches!(cell, Some(RdfTerm::BlankNode(_))))
}

/// The row with every blank node masked: rows can only match if their shapes are equal.
fn shape(row: &Row) -> Row {
    let mask = |t: &RdfTerm| match t {
        RdfTerm::BlankNode(_) => RdfTerm::BlankNode(String::new()),
        other => other.clone(),
    };
    row.iter().map(|cell| cell.as_ref().map(mask)).collect()
}

/// Whether two multisets of rows are equal up to one renaming of blank nodes: a bijection, the
/// same over the whole result (labels are scoped to the result set, not to one solution).
fn same_rows(expected: &[Row], actual: &[Row]) -> bool {
    let (mut expected_ground, expected): (Vec<&Row>, Vec<&Row>) =
        expected.iter().partition(|row| !has_blank(row));
    let (mut actual_ground, actual): (Vec<&Row>, Vec<&Row>) =
        actual.iter().partition(|row| !has_blank(row));
    expected_ground.sort();
    actual_ground.sort();
    let expected_shapes: Vec<Row> = expected.iter().map(|row| shape(row)).collect();
    let actual_shapes: Vec<Row> = actual.iter().map(|row| shape(row)).collect();
    let (mut e, mut a) = (expected_shapes.clone(), actual_shapes.clone());
    e.sort();
    a.sort();
    if expected_ground != actual_ground || e != a {
        return false;
    }
    // For each expected row, the actual rows of the same shape.
    let candidates: Vec<Vec<usize>> = (expected_shapes.iter())
        .map(|s| {
            (0..actual.len())
                .filter(|&j| actual_shapes[j] == *s)
                .collect::<Vec<usize>>()
        })
        .collect();
    let used = vec![false; actual.len()];
    let (forward, backward) = (HashMap::new(), HashMap::new());
    BlankMatcher {
        expected,
        actual,
        candidates,
        used,
        forward,
        backward,
        budget: MATCH_BUDGET,
    }
    .search(0)
}

/// Backtracking search for the blank-node bijection, one expected row at a time.
struct BlankMatcher<'a> {
    expected: Vec<&'a Row>,
    actual: Vec<&'a Row>,
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
            if self.used[j] || self.budget == 0 {
                continue;
            }
            self.budget -= 1;
            let (expected, actual, mut added) = (self.expected[i], self.actual[j], Vec::new());
            if self.bind(expected, actual, &mut added) {
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

    /// Extends the bijection so two rows of the same shape match; `added` gets the new pairs.
    fn bind(&mut self, expected: &'a Row, actual: &'a Row, added: &mut Vec<&'a str>) -> bool {
        for (e, a) in expected.iter().zip(actual) {
            let (Some(RdfTerm::BlankNode(e)), Some(RdfTerm::BlankNode(a))) = (e, a) else {
                continue;
            };
            let (e, a) = (e.as_str(), a.as_str());
            match (self.forward.get(e), self.backward.get(a)) {
                (None, None) => {
                    self.forward.insert(e, a);
                    self.backward.insert(a, e);
                    added.push(e);
                }
                (Some(&x), Some(&y)) if x == a && y == e => {}
                _ => return false,
            }
        }
        true
    }
}

// Messages -------------------------------------------------------------------------------------

fn show(results: &Results, sorted: bool) -> String {
    const MAX_LINES: usize = 25;
    let line = |row: &Row| -> String {
        let cells = row
            .iter()
            .map(|cell| cell.as_ref().map_or_else(|| "-".to_owned(), fmt_term));
        cells.collect::<Vec<_>>().join(" ")
    };
    let (header, rows) = match results {
        Results::Boolean(value) => return format!("  {value}"),
        Results::Graph(rows) => ("(graph)".to_owned(), rows),
        Results::Solutions {
            variables, rows, ..
        } => (format!("?{}", variables.join(" ?")), rows),
    };
    let mut lines: Vec<String> = rows.iter().map(line).collect();
    if sorted {
        lines.sort();
    }
    let mut out = format!("  {header}  ({} rows)", lines.len());
    for line in lines.iter().take(MAX_LINES) {
        out.push_str(&format!("\n  {line}"));
    }
    if lines.len() > MAX_LINES {
        out.push_str(&format!("\n  ... {} more", lines.len() - MAX_LINES));
    }
    out
}

fn fmt_term(term: &RdfTerm) -> String {
    match term {
        RdfTerm::Iri(iri) => format!("<{iri}>"),
        RdfTerm::BlankNode(label) => format!("_:{label}"),
        RdfTerm::Literal {
            value,
            language: Some(language),
            ..
        } => format!("{value:?}@{language}"),
        RdfTerm::Literal {
            value, datatype, ..
        } if datatype.is_empty() || datatype == XSD_STRING => {
            format!("{value:?}")
        }
        RdfTerm::Literal {
            value, datatype, ..
        } => format!("{value:?}^^<{datatype}>"),
    }
}

/// The start of a query text, for messages.
fn short(text: &str) -> String {
    const MAX_CHARS: usize = 1500;
    let text = text.trim();
    let mut out: String = text.chars().take(MAX_CHARS).collect();
    if out.len() < text.len() {
        out.push_str("\n...");
    }
    out
}
