//! SPARQL over the built graph with sophia's engine: SELECT, ASK, CONSTRUCT and DESCRIBE, with
//! the ontology's prefixes predeclared. The graph is an in-memory copy loaded from the built
//! Turtle file, so a query can never change the store (and sophia's engine has no updates).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result};
use sophia::api::prelude::*;
use sophia::api::sparql::SparqlResult;
use sophia::inmem::graph::FastGraph;
use sophia::sparql::{SparqlQuery, SparqlWrapper};

pub use crate::rdf::RdfTerm;

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
pub struct SyntaxError(pub String);

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SPARQL syntax error: {}", self.0)
    }
}

impl std::error::Error for SyntaxError {}

/// The built graph, loaded for querying.
pub struct Store {
    graph: FastGraph,
    base: String,
}

impl Store {
    /// Loads the built Turtle file.
    pub fn open(turtle: &Path, base: &str) -> Result<Store> {
        let file = File::open(turtle).with_context(|| {
            format!(
                "cannot open '{}': build the knowledge base with `dossier build`",
                turtle.display()
            )
        })?;
        let graph = crate::rdf::load_turtle(BufReader::with_capacity(1 << 20, file))?;
        Ok(Store {
            graph,
            base: base.to_owned(),
        })
    }

    /// Parses a query with dossier's prefixes predeclared (positions in errors are the user's).
    pub fn parse(&self, query: &str) -> Result<spargebra::Query, SyntaxError> {
        let mut parser = spargebra::SparqlParser::new();
        for (prefix, ns) in crate::mapping::prefixes(&self.base) {
            parser = parser
                .with_prefix(prefix, ns)
                .map_err(|e| SyntaxError(e.to_string()))?;
        }
        parser
            .parse_query(query)
            .map_err(|e| SyntaxError(e.to_string()))
    }

    /// Runs a query and collects its answer.
    pub fn query(&self, query: &str) -> Result<Answer> {
        let parsed = self.parse(query)?;
        self.query_parsed(parsed)
    }

    /// Parses a query and binds each parameter to its variable as a value (a `VALUES` joined to
    /// the query's pattern): never spliced into the text, so a value cannot change the query.
    pub fn parse_with(&self, query: &str, params: &[(String, String)]) -> Result<spargebra::Query> {
        let mut parsed = self.parse(query)?;
        for (name, value) in params {
            bind_parameter(&mut parsed, name.trim_start_matches(['?', '$']), value)?;
        }
        Ok(parsed)
    }

    /// Runs an already parsed query (e.g. one whose parameters were bound in the algebra).
    pub fn query_parsed(&self, parsed: spargebra::Query) -> Result<Answer> {
        let dataset = self.graph.as_dataset();
        let wrapper = SparqlWrapper(&dataset);
        let prepared: SparqlQuery<_> = SparqlQuery::from(parsed);
        let result = wrapper
            .query(&prepared)
            .map_err(|e| anyhow::anyhow!("the query failed: {e}"))?;
        Ok(match result {
            SparqlResult::Bindings(bindings) => {
                let variables = bindings.variables().iter().map(|v| v.to_string()).collect();
                let mut rows = Vec::new();
                for row in bindings {
                    let row = row.map_err(|e| anyhow::anyhow!("the query failed: {e}"))?;
                    rows.push(
                        row.iter()
                            .map(|t| t.as_ref().map(RdfTerm::from_term))
                            .collect(),
                    );
                }
                Answer::Select { variables, rows }
            }
            SparqlResult::Boolean(b) => Answer::Ask(b),
            SparqlResult::Triples(triples) => {
                let mut out = Vec::new();
                for t in triples {
                    let t = t.map_err(|e| anyhow::anyhow!("the query failed: {e}"))?;
                    out.push([
                        RdfTerm::from_term(&t[0]),
                        RdfTerm::from_term(&t[1]),
                        RdfTerm::from_term(&t[2]),
                    ]);
                }
                Answer::Graph(out)
            }
        })
    }
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

/// Joins `VALUES ?name { value }` to the query's pattern, below its solution modifiers.
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
