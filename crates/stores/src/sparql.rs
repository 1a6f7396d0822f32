//! SPARQL over the indexed graph (`dossier.idx`, see [`crate::index`]) with Oxigraph's
//! evaluator, `spareval`: SELECT, ASK, CONSTRUCT and DESCRIBE, with the ontology's prefixes
//! predeclared. The index is opened read-only and the evaluator is given no update entry point
//! and no SERVICE handler, so a query can never change the store nor reach the network.
//!
//! The default graph is the whole knowledge base (every triple once, as in the Turtle file);
//! each article's triples are also in the graph named after the article, for `GRAPH ?g`.

use std::path::Path;

use anyhow::Result;

pub use crate::index::DefaultGraph;
use crate::index::Index;
pub use crate::rdf::RdfTerm;
pub use spareval::CancellationToken;

/// The answer to a query.
#[derive(Debug, Clone)]
pub enum Answer {
    Select {
        variables: Vec<String>,
        rows: Vec<Vec<Option<RdfTerm>>>,
    },
    Ask(bool),
    Graph(Vec<[RdfTerm; 3]>),
}

/// A SPARQL syntax error, placed at a line and column of the query as the user wrote it.
#[derive(Debug)]
pub struct SyntaxError {
    pub message: String,
    /// Whether the text is well-formed but not a query (an update): then the message is not
    /// introduced as a syntax error.
    pub refused: bool,
    /// The query's line, to show with a caret under the place.
    pub snippet: Option<crate::diagnostic::Snippet>,
}

impl SyntaxError {
    fn new(message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            refused: false,
            snippet: None,
        }
    }
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.refused {
            return write!(f, "error: {}", self.message);
        }
        let title = format!("SPARQL syntax error: {}", self.message);
        match &self.snippet {
            Some(snippet) => f.write_str(&crate::diagnostic::render(
                &title, "query", snippet, "", None,
            )),
            None => write!(f, "error: {title}"),
        }
    }
}

impl std::error::Error for SyntaxError {}

/// How deep brackets may nest in a query: the parser and the evaluator recurse once per
/// level, and a bound turns a hostile query into an error instead of a stack overflow.
pub const MAX_NESTING: usize = 200;

/// Receives a SELECT answer as it is computed, so that output streams and memory does not grow
/// with the number of rows.
pub trait RowSink {
    fn variables(&mut self, variables: &[String]) -> Result<()>;
    fn row(&mut self, row: &[Option<RdfTerm>]) -> Result<()>;
}

/// What a streamed query answered besides its rows.
#[derive(Debug)]
pub enum Streamed {
    /// A SELECT: this many rows went to the sink.
    Rows(usize),
    Ask(bool),
    Graph(Vec<[RdfTerm; 3]>),
}

/// A CONSTRUCT or DESCRIBE answer is held in memory (it is sorted for Turtle): past this many
/// triples the query is stopped with advice rather than left to exhaust memory.
pub const MAX_GRAPH_TRIPLES: usize = 5_000_000;

/// The built graph, opened for querying.
pub struct Store {
    index: Index,
    base: String,
}

impl Store {
    /// Opens the built index file.
    pub fn open(index: &Path, base: &str) -> Result<Store> {
        Ok(Store {
            index: Index::open(index)?,
            base: base.to_owned(),
        })
    }

    /// An in-memory store from quads (for tests and for data that is not a knowledge base).
    pub fn from_quads(
        quads: impl IntoIterator<Item = oxrdf::Quad>,
        default_graph: DefaultGraph,
    ) -> Result<Store> {
        Ok(Store {
            index: crate::index::index_in_memory(quads, default_graph)?,
            base: String::new(),
        })
    }

    /// The base IRI it was opened with: the knowledge base's.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The index underneath.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Parses a query with dossier's prefixes predeclared (positions in errors are the user's).
    pub fn parse(&self, query: &str) -> Result<spargebra::Query, SyntaxError> {
        check_nesting(query)?;
        let mut parser = spargebra::SparqlParser::new();
        if !self.base.is_empty() {
            for (prefix, ns) in crate::mapping::prefixes(&self.base) {
                parser = parser
                    .with_prefix(prefix, ns)
                    .map_err(|e| SyntaxError::new(e.to_string()))?;
            }
        }
        parser.clone().parse_query(query).map_err(|e| {
            // An update fails to parse as a query at its first keyword, which would read as a
            // typo ("expected CONSTRUCT"): said for what it is.
            if parser.parse_update(query).is_ok() {
                SyntaxError {
                    refused: true,
                    ..SyntaxError::new(
                        "refused: this is a SPARQL update (INSERT, DELETE, LOAD, CLEAR, ...), \
                         and dossier's stores are read-only: change the seeds and run `dossier \
                         build`; a query is a SELECT, ASK, CONSTRUCT or DESCRIBE",
                    )
                }
            } else {
                readable(&e.to_string(), query)
            }
        })
    }

    /// Runs a query and collects its answer.
    pub fn query(&self, query: &str) -> Result<Answer> {
        let parsed = self.parse(query)?;
        self.query_parsed(parsed)
    }

    /// Parses a query and binds each parameter to its variable as a value (see
    /// `bind_parameter`): never spliced into the text, so a value cannot change the query.
    pub fn parse_with(&self, query: &str, params: &[(String, String)]) -> Result<spargebra::Query> {
        let mut parsed = self.parse(query)?;
        for (name, value) in params {
            bind_parameter(&mut parsed, name.trim_start_matches(['?', '$']), value)?;
        }
        Ok(parsed)
    }

    /// Runs an already parsed query (e.g. one whose parameters were bound in the algebra).
    pub fn query_parsed(&self, parsed: spargebra::Query) -> Result<Answer> {
        self.query_cancellable(parsed, CancellationToken::new())
    }

    /// Runs a parsed query that stops with an error once `cancel` is cancelled (a time limit).
    pub fn query_cancellable(
        &self,
        parsed: spargebra::Query,
        cancel: CancellationToken,
    ) -> Result<Answer> {
        struct Collect {
            variables: Vec<String>,
            rows: Vec<Vec<Option<RdfTerm>>>,
        }
        impl RowSink for Collect {
            fn variables(&mut self, variables: &[String]) -> Result<()> {
                self.variables = variables.to_vec();
                Ok(())
            }
            fn row(&mut self, row: &[Option<RdfTerm>]) -> Result<()> {
                self.rows.push(row.to_vec());
                Ok(())
            }
        }
        let mut collect = Collect {
            variables: Vec::new(),
            rows: Vec::new(),
        };
        Ok(match self.query_streaming(parsed, cancel, &mut collect)? {
            Streamed::Rows(_) => Answer::Select {
                variables: collect.variables,
                rows: collect.rows,
            },
            Streamed::Ask(b) => Answer::Ask(b),
            Streamed::Graph(triples) => Answer::Graph(triples),
        })
    }

    /// Runs a parsed query, giving a SELECT's rows to `sink` one by one as they are computed.
    /// A sink's error (a closed pipe, say) stops the query and is returned as it is.
    pub fn query_streaming(
        &self,
        parsed: spargebra::Query,
        cancel: CancellationToken,
        sink: &mut dyn RowSink,
    ) -> Result<Streamed> {
        use spareval::QueryResults;
        let failed = |e: spareval::QueryEvaluationError| match e {
            spareval::QueryEvaluationError::Cancelled => anyhow::anyhow!("the query was cancelled"),
            e => anyhow::anyhow!("the query failed: {e}"),
        };
        let mut parsed = parsed;
        group_concat_as_in_sparql_1_1(&mut parsed);
        self.refuse_known_gaps(&parsed)?;
        let evaluator = spareval::QueryEvaluator::new().with_cancellation_token(cancel.clone());
        let dataset = crate::index::Stoppable {
            index: &self.index,
            stop: cancel.clone(),
        };
        // A stopped query's scans end early, so what it gives after the stop is partial:
        // refused, never shown as the answer.
        let stopped = || -> Result<()> {
            if cancel.is_cancelled() {
                anyhow::bail!("the query was cancelled")
            }
            Ok(())
        };
        let results = evaluator
            .prepare(&parsed)
            .execute(dataset)
            .map_err(failed)?;
        stopped()?;
        Ok(match results {
            QueryResults::Solutions(solutions) => {
                let variables: Vec<String> = solutions
                    .variables()
                    .iter()
                    .map(|v| v.as_str().to_owned())
                    .collect();
                sink.variables(&variables)?;
                let mut count = 0;
                let mut row = Vec::with_capacity(variables.len());
                for solution in solutions {
                    let solution = solution.map_err(failed)?;
                    stopped()?;
                    row.clear();
                    row.extend(
                        solution
                            .values()
                            .iter()
                            .map(|t| t.as_ref().map(RdfTerm::from_ox)),
                    );
                    sink.row(&row)?;
                    count += 1;
                }
                stopped()?;
                Streamed::Rows(count)
            }
            QueryResults::Boolean(b) => Streamed::Ask(b),
            QueryResults::Graph(triples) => {
                let mut out = Vec::new();
                for t in triples {
                    let t = t.map_err(failed)?;
                    stopped()?;
                    if out.len() == MAX_GRAPH_TRIPLES {
                        anyhow::bail!(
                            "the answer has more than {MAX_GRAPH_TRIPLES} triples, which dossier \
                             holds in memory to write them: narrow the CONSTRUCT, or SELECT the \
                             same pattern (rows stream)"
                        );
                    }
                    out.push([
                        RdfTerm::from_ox(&t.subject.into()),
                        RdfTerm::from_ox(&t.predicate.into()),
                        RdfTerm::from_ox(&t.object),
                    ]);
                }
                stopped()?;
                Streamed::Graph(out)
            }
        })
    }
}

impl Store {
    /// Refuses the constructs on which the engine is known to answer wrongly (the W3C suite's
    /// known failures, `tests/w3c/known-failures.txt`): an error naming the construct is better
    /// than a plausible wrong answer with exit status 0.
    fn refuse_known_gaps(&self, query: &spargebra::Query) -> Result<()> {
        let (spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Describe { pattern, .. }
        | spargebra::Query::Ask { pattern, .. }) = query;
        let mut problem = None;
        if BNODE_WITH_ARGUMENT.is_match(&query.to_string()) {
            problem = Some(
                "BNODE with an argument: the engine gives one blank node per string for the \
                 whole query, where SPARQL gives one per solution; use BNODE() or an IRI"
                    .to_owned(),
            );
        }
        // Walked on a copy: the one walker of the algebra takes it mutably.
        let mut pattern = pattern.clone();
        walk(&mut pattern, None, &mut |p, graph_variable| {
            use spargebra::algebra::{GraphPattern as G, PropertyPathExpression as P};
            let p: &G = p;
            if problem.is_some() {
                return;
            }
            match p {
                G::Path {
                    subject,
                    path: P::ZeroOrMore(_) | P::ZeroOrOne(_),
                    object,
                } => {
                    for end in [subject, object] {
                        if let Some(term) = ground(end)
                            && !self.holds(&term)
                        {
                            problem = Some(format!(
                                "the path {p} starts or ends at {term}, which the data does not \
                                 hold: the engine would answer nothing where SPARQL matches \
                                 {term} itself; use a term the knowledge base holds, or a \
                                 variable"
                            ));
                        }
                    }
                }
                G::Minus { left, right } if graph_variable.is_some() => {
                    let mut left_variables = Vec::new();
                    left.on_in_scope_variable(|v| left_variables.push(v.clone()));
                    let mut shared = false;
                    right.on_in_scope_variable(|v| shared |= left_variables.contains(v));
                    if !shared {
                        problem = Some(
                            "MINUS inside GRAPH ?variable with no variable shared by its two \
                             sides: the engine would remove solutions that SPARQL keeps; move \
                             the MINUS outside the GRAPH block"
                                .to_owned(),
                        );
                    }
                }
                G::Values { variables, .. }
                    if graph_variable.is_some_and(|g| variables.contains(g)) =>
                {
                    problem = Some(
                        "VALUES binding the graph's own variable inside GRAPH ?variable: the \
                         engine does not join it per named graph; put the VALUES outside the \
                         GRAPH block"
                            .to_owned(),
                    );
                }
                G::Group { .. } if graph_variable.is_some() => {
                    problem = Some(
                        "an aggregate subquery inside GRAPH ?variable: the engine does not \
                         evaluate it once per named graph; put GRAPH ?variable inside the \
                         subquery and group by the variable"
                            .to_owned(),
                    );
                }
                _ => {}
            }
        });
        match problem {
            Some(problem) => Err(anyhow::anyhow!("refused: {problem}")),
            None => Ok(()),
        }
    }

    /// Whether the index holds a term.
    fn holds(&self, term: &oxrdf::Term) -> bool {
        let mut encoded = Vec::new();
        crate::index::encode_term(term.as_ref(), &mut encoded);
        self.index.id_of(&encoded).is_some()
    }
}

/// `BNODE(` with something before its closing bracket, in the query as spargebra writes it.
static BNODE_WITH_ARGUMENT: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(?i)\bBNODE\s*\(\s*[^)\s]").expect("a regex"));

/// SPARQL 1.1's GROUP_CONCAT gives a simple literal; the engine keeps a language tag its values
/// share (as SPARQL 1.2 drafts do). Concatenating the values' STR() gives 1.1's answer. With
/// DISTINCT the rewrite would merge "a"@en and "a"@fr, so DISTINCT is left as it is.
fn group_concat_as_in_sparql_1_1(query: &mut spargebra::Query) {
    use spargebra::algebra::{AggregateExpression, AggregateFunction, Expression, Function};
    let (spargebra::Query::Select { pattern, .. }
    | spargebra::Query::Construct { pattern, .. }
    | spargebra::Query::Describe { pattern, .. }
    | spargebra::Query::Ask { pattern, .. }) = query;
    visit_mut(pattern, &mut |p| {
        if let spargebra::algebra::GraphPattern::Group { aggregates, .. } = p {
            for (_, aggregate) in aggregates.iter_mut() {
                if let AggregateExpression::FunctionCall {
                    name: AggregateFunction::GroupConcat { .. },
                    expr,
                    distinct: false,
                } = aggregate
                {
                    let inner = std::mem::replace(
                        expr,
                        Expression::Bound(spargebra::term::Variable::new_unchecked("unused")),
                    );
                    *expr = Expression::FunctionCall(Function::Str, vec![inner]);
                }
            }
        }
    });
}

/// Calls `f` on every pattern of the algebra, mutably (the one walker of the algebra).
fn visit_mut(
    pattern: &mut spargebra::algebra::GraphPattern,
    f: &mut impl FnMut(&mut spargebra::algebra::GraphPattern),
) {
    walk(pattern, None, &mut |p, _| f(p));
}

/// Calls `f` on every pattern of the algebra, parents first, with the variable of the
/// innermost enclosing `GRAPH ?variable`, if any.
fn walk<'a>(
    pattern: &'a mut spargebra::algebra::GraphPattern,
    graph_variable: Option<&'a spargebra::term::Variable>,
    f: &mut impl FnMut(&mut spargebra::algebra::GraphPattern, Option<&spargebra::term::Variable>),
) {
    use spargebra::algebra::GraphPattern as G;
    use spargebra::term::NamedNodePattern;
    f(&mut *pattern, graph_variable);
    match pattern {
        G::Bgp { .. } | G::Path { .. } | G::Values { .. } => {}
        G::Join { left, right }
        | G::LeftJoin { left, right, .. }
        | G::Lateral { left, right }
        | G::Union { left, right }
        | G::Minus { left, right } => {
            walk(left, graph_variable, f);
            walk(right, graph_variable, f);
        }
        G::Graph { name, inner } => {
            let inner_variable = match name {
                NamedNodePattern::Variable(v) => Some(&*v),
                NamedNodePattern::NamedNode(_) => None,
            };
            walk(inner, inner_variable, f);
        }
        G::Filter { inner, .. }
        | G::Extend { inner, .. }
        | G::OrderBy { inner, .. }
        | G::Project { inner, .. }
        | G::Distinct { inner }
        | G::Reduced { inner }
        | G::Slice { inner, .. }
        | G::Group { inner, .. }
        | G::Service { inner, .. } => walk(inner, graph_variable, f),
    }
}

/// A constant of a pattern as a term.
fn ground(pattern: &spargebra::term::TermPattern) -> Option<oxrdf::Term> {
    use spargebra::term::TermPattern as T;
    match pattern {
        T::NamedNode(n) => Some(n.clone().into()),
        T::Literal(l) => Some(l.clone().into()),
        _ => None,
    }
}

/// A parser message made readable: an undeclared prefix said as such, the lists of Unicode
/// ranges a name may contain said in words, and the query's line with a caret under the place.
fn readable(message: &str, query: &str) -> SyntaxError {
    static CHAR_CLASS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?s)\[[^\[\]]*\\u\{[^\[\]]*\]").expect("a regex")
    });
    static AT: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"error at (\d+):(\d+)").expect("a regex"));
    let place = AT.captures(message).and_then(|c| {
        let line: usize = c[1].parse().ok()?;
        let column: usize = c[2].parse().ok()?;
        Some((line, column))
    });
    // split('\n'), not lines(): a failure at the end of a query that ends with a line break is
    // on the empty last line, which lines() leaves out.
    let line_text = |line: usize| {
        query
            .split('\n')
            .nth(line.checked_sub(1)?)
            .map(|l| l.trim_end_matches('\r'))
    };
    // A failure on the empty line after the last one is shown at the end of the last one.
    let place =
        place.map(
            |(line, column)| match (line_text(line), line_text(line.saturating_sub(1))) {
                (Some(""), Some(previous)) if line > 1 => (line - 1, previous.chars().count() + 1),
                _ => (line, column),
            },
        );
    let text = place.and_then(|(line, _)| line_text(line));
    // The place as a byte range of its line: where the parser stopped, or for an undeclared
    // prefix the whole prefixed name (which ends where the parser stopped).
    let mut underline = None;
    let out = if message.contains("Prefix not found") {
        let prefix = match (place, text) {
            (Some((_, column)), Some(text)) => {
                let end = text
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(text.len(), |(i, _)| i);
                let name = text[..end]
                    .rsplit(|c: char| c.is_whitespace() || "{}()[];,.^/|".contains(c))
                    .next()
                    .unwrap_or("");
                underline = Some(end - name.len()..end);
                name.split(':').next().map(str::to_owned)
            }
            _ => None,
        };
        match prefix {
            Some(p) => format!(
                "the prefix '{p}:' is not declared: add `PREFIX {p}: <...>` before the query, \
                 or use one of dossier's (dos:, actor:, claim:, oa:, prov:, dcterms:, schema:, \
                 rdfs:, xsd: ...)"
            ),
            None => "an undeclared prefix: add a PREFIX declaration".to_owned(),
        }
    } else {
        // The place is shown under the line; without the line, the message keeps it.
        let message = match text {
            Some(_) => AT.replace(message, "").trim_start_matches(": ").to_owned(),
            None => message.to_owned(),
        };
        CHAR_CLASS
            .replace_all(&message, "a name character")
            .replace('\n', " ")
    };
    let snippet = match (place, text) {
        (Some((line, column)), Some(text)) => {
            let start = text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            Some(crate::diagnostic::Snippet::line(
                line,
                text,
                underline.unwrap_or(start..start),
            ))
        }
        _ => None,
    };
    let mut error = SyntaxError::new(out);
    error.snippet = snippet;
    error
}

/// Refuses a query whose brackets nest deeper than [`MAX_NESTING`], before parsing it.
fn check_nesting(query: &str) -> Result<(), SyntaxError> {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut chars = query.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            (None, '{' | '(' | '[') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, '}' | ')' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_NESTING {
        return Err(SyntaxError::new(format!(
            "the query nests brackets {deepest} levels deep; dossier accepts up to {MAX_NESTING}: \
             flatten it (e.g. with UNION or VALUES)"
        )));
    }
    Ok(())
}

/// The term a parameter's value stands for: an IRI when written `<...>`, else a plain string.
fn parameter_term(value: &str) -> Result<spargebra::term::GroundTerm> {
    use spargebra::term::{GroundTerm, Literal, NamedNode};
    match value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
        Some(iri) => NamedNode::new(iri).map(GroundTerm::NamedNode).map_err(|e| {
            anyhow::anyhow!("--param value <{iri}> is not an IRI ({e}): write <https://...>")
        }),
        None => Ok(GroundTerm::Literal(Literal::new_simple_literal(value))),
    }
}

/// Binds `?name` to `value`, the one way dossier binds a parameter (the CLI's `--param`, the
/// named queries, `serve`): a `VALUES` clause of the query on `?name` (a named query's default)
/// takes the value in place; without one, `VALUES ?name { value }` is joined to the query's
/// pattern, below its solution modifiers.
fn bind_parameter(query: &mut spargebra::Query, name: &str, value: &str) -> Result<()> {
    use spargebra::algebra::GraphPattern as G;
    use spargebra::term::Variable;
    let term = parameter_term(value)?;
    let variable = Variable::new(name)
        .map_err(|_| anyhow::anyhow!("--param {name}=...: '{name}' is not a variable name"))?;
    let (spargebra::Query::Select { pattern, .. }
    | spargebra::Query::Construct { pattern, .. }
    | spargebra::Query::Describe { pattern, .. }
    | spargebra::Query::Ask { pattern, .. }) = query;
    let mut in_place = false;
    visit_mut(pattern, &mut |p| {
        if let G::Values {
            variables,
            bindings,
        } = p
            && let Some(i) = variables.iter().position(|v| *v == variable)
        {
            let mut rows: Vec<Vec<Option<spargebra::term::GroundTerm>>> = Vec::new();
            for mut row in std::mem::take(bindings) {
                row[i] = Some(term.clone());
                if !rows.contains(&row) {
                    rows.push(row);
                }
            }
            *bindings = rows;
            in_place = true;
        }
    });
    if in_place {
        return Ok(());
    }
    if !pattern.to_string().contains(&format!("?{name}")) {
        anyhow::bail!(
            "the query has no variable ?{name}: use ?{name} in the query, or drop --param {name}"
        );
    }
    let mut at: &mut G = pattern;
    while let G::Project { inner, .. }
    | G::Distinct { inner }
    | G::Reduced { inner }
    | G::Slice { inner, .. }
    | G::OrderBy { inner, .. }
    | G::Group { inner, .. }
    | G::Filter { inner, .. } = at
    {
        at = inner;
    }
    let inner = std::mem::replace(
        at,
        G::Bgp {
            patterns: Vec::new(),
        },
    );
    *at = G::Join {
        left: Box::new(G::Values {
            variables: vec![variable],
            bindings: vec![vec![Some(term)]],
        }),
        right: Box::new(inner),
    };
    Ok(())
}
