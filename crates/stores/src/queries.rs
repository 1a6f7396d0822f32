//! Named queries: one question with a SQL form and a SPARQL form that answer it with the same
//! columns, run against either store or both, and compared after one documented normalisation.
//!
//! Parameters are bound, never spliced: in SQL as `:name` parameters; in SPARQL through a
//! `VALUES ?name { default }` clause of the query, whose value is replaced in the parsed
//! algebra by the parameter's term (`sparql::Store::parse_with`, as `--param` binds it).
//!
//! Normalisation (so that both stores' rows compare): an IRI becomes its last segment (after
//! the last `/` or `#`: a record id, or a closed-list value); a literal becomes its lexical
//! value (language tags and datatypes dropped), numbers become numbers; NULL and unbound are
//! null. The two stores' rows are compared as multisets (a row that repeats counts); the SQL
//! rows keep the query's order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::types::Value;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::sparql::{Answer, RdfTerm, Store};
use crate::sqlite::{QueryError, RowSink};
use crate::vocab;

/// The folder the built-in named queries come from (embedded at build time).
pub const DEFAULT_DIR: &str = "schema/queries";

include!(concat!(env!("OUT_DIR"), "/queries.rs"));

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub default: String,
    pub description: String,
}

/// One named query: `schema/queries/<name>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedQuery {
    #[serde(skip)]
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    pub sql: String,
    pub sparql: String,
}

/// The named queries built into dossier (`schema/queries` when it was built).
pub fn built_in() -> Result<Vec<NamedQuery>> {
    BUILT_IN
        .iter()
        .map(|(name, text)| parse(name, text, &format!("{DEFAULT_DIR}/{name}.toml (built in)")))
        .collect()
}

/// The built-in queries, with those of `dir` (if given) added, or replacing a built-in one of
/// the same name; sorted by name.
pub fn with_folder(dir: Option<&Path>) -> Result<Vec<NamedQuery>> {
    let mut all = built_in()?;
    if let Some(dir) = dir {
        for q in load_all(dir)? {
            all.retain(|known| known.name != q.name);
            all.push(q);
        }
    }
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

fn parse(name: &str, text: &str, origin: &str) -> Result<NamedQuery> {
    let mut q: NamedQuery =
        toml::from_str(text).with_context(|| format!("'{origin}' is not a valid named query"))?;
    q.name = name.to_owned();
    Ok(q)
}

/// Reads every `*.toml` of `dir`, sorted by name.
pub fn load_all(dir: &Path) -> Result<Vec<NamedQuery>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| {
            format!(
                "cannot read the named queries in '{}': pass --queries DIR",
                dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read '{}'", path.display()))?;
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            parse(&name, &text, &path.display().to_string())
        })
        .collect()
}

pub fn find(queries: &[NamedQuery], name: &str) -> Result<NamedQuery> {
    queries
        .iter()
        .find(|q| q.name == name)
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
            match crate::diagnostic::closest(name, &names) {
                Some(best) => anyhow::anyhow!(
                    "no named query '{name}': did you mean '{best}'? (`dossier query --list`)"
                ),
                None => {
                    anyhow::anyhow!("no named query '{name}': `dossier query --list` lists them")
                }
            }
        })
}

impl NamedQuery {
    /// The parameters' values: the defaults, overridden by `given`.
    pub fn bind(&self, given: &[(String, String)]) -> Result<Vec<(String, String)>> {
        for (k, _) in given {
            if !self.params.contains_key(k) {
                let known: Vec<&str> = self.params.keys().map(String::as_str).collect();
                bail!(
                    "the query '{}' has no parameter '{k}' (it has: {})",
                    self.name,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                );
            }
        }
        Ok(self
            .params
            .iter()
            .map(|(k, p)| {
                let value = given
                    .iter()
                    .rev()
                    .find(|(g, _)| g == k)
                    .map_or(p.default.clone(), |(_, v)| v.clone());
                (k.clone(), value)
            })
            .collect())
    }

    /// The SPARQL form parsed with dossier's prefixes and its parameters bound: what dossier
    /// runs, and (written out with `to_string`, prefixes expanded) what any SPARQL server runs.
    pub fn bound_sparql(
        &self,
        store: &Store,
        params: &[(String, String)],
    ) -> Result<spargebra::Query> {
        store
            .parse_with(&self.sparql, params)
            .with_context(|| format!("the SPARQL form of '{}'", self.name))
    }
}

/// Rows after normalisation: column names and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Json>>,
}

/// A number kept as an integer when it is one, so `30`, `30.0` and `"30"^^xsd:decimal` agree.
fn number(f: f64) -> Json {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        Json::from(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
    }
}

pub fn normalize_sql(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(i) => Json::from(*i),
        Value::Real(f) => number(*f),
        Value::Text(s) => Json::String(s.clone()),
        Value::Blob(b) => Json::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

pub fn normalize_rdf(t: Option<&RdfTerm>) -> Json {
    const NUMERIC: &[&str] = &[
        vocab::xsd::INTEGER,
        vocab::xsd::DECIMAL,
        vocab::xsd::NON_NEGATIVE_INTEGER,
        "http://www.w3.org/2001/XMLSchema#double",
        "http://www.w3.org/2001/XMLSchema#float",
        "http://www.w3.org/2001/XMLSchema#long",
        "http://www.w3.org/2001/XMLSchema#int",
    ];
    match t {
        None => Json::Null,
        Some(RdfTerm::Iri(i)) => Json::String(vocab::local_name(i).to_owned()),
        Some(RdfTerm::BlankNode(b)) => Json::String(format!("_:{b}")),
        Some(RdfTerm::Literal {
            value, datatype, ..
        }) => {
            if NUMERIC.contains(&datatype.as_str()) {
                value
                    .parse::<f64>()
                    .map_or(Json::String(value.clone()), number)
            } else {
                Json::String(value.clone())
            }
        }
    }
}

struct Collect(Rows);

impl RowSink for Collect {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        self.0.columns = names.to_vec();
        Ok(())
    }
    fn row(&mut self, values: &[Value]) -> Result<()> {
        self.0.rows.push(values.iter().map(normalize_sql).collect());
        Ok(())
    }
}

/// Runs the SQL form with bound parameters.
pub fn run_sql(
    conn: &rusqlite::Connection,
    q: &NamedQuery,
    params: &[(String, String)],
    timeout: Duration,
) -> Result<Rows> {
    let mut sink = Collect(Rows {
        columns: Vec::new(),
        rows: Vec::new(),
    });
    crate::sqlite::query(conn, &q.sql, params, timeout, &mut sink).map_err(|e| match e {
        QueryError::Output(e) => e,
        // A placed error shows its own line with a caret: it goes below, not mid-sentence.
        QueryError::Placed(shown) => {
            anyhow::anyhow!("the SQL form of '{}' failed:\n{shown}", q.name)
        }
        other => anyhow::anyhow!("the SQL form of '{}' failed: {other}", q.name),
    })?;
    Ok(sink.0)
}

/// Runs the SPARQL form with bound parameters.
pub fn run_sparql(store: &Store, q: &NamedQuery, params: &[(String, String)]) -> Result<Rows> {
    run_sparql_until(store, q, params, crate::sparql::CancellationToken::new())
}

/// Runs the SPARQL form with bound parameters, stopping once `cancel` is cancelled (a server's
/// time limit).
pub fn run_sparql_until(
    store: &Store,
    q: &NamedQuery,
    params: &[(String, String)],
    cancel: crate::sparql::CancellationToken,
) -> Result<Rows> {
    match store.query_cancellable(q.bound_sparql(store, params)?, cancel)? {
        Answer::Select { variables, rows } => Ok(Rows {
            columns: variables,
            rows: rows
                .iter()
                .map(|r| r.iter().map(|t| normalize_rdf(t.as_ref())).collect())
                .collect(),
        }),
        _ => bail!("the SPARQL form of '{}' must be a SELECT query", q.name),
    }
}

/// What comparing the two stores' answers found.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub sql: Rows,
    pub rdf: Rows,
}

impl Comparison {
    /// Whether both stores give the same columns and the same rows, each as often: the rows
    /// are compared as multisets (the order a query asks for is the SQL store's to keep).
    pub fn agrees(&self) -> bool {
        self.sql.columns == self.rdf.columns && self.counts().values().all(|(a, b)| a == b)
    }

    /// How often each row (as JSON text) appears in each store: (in SQL, in SPARQL).
    fn counts(&self) -> std::collections::BTreeMap<String, (usize, usize)> {
        let key = |r: &Vec<Json>| serde_json::to_string(r).unwrap_or_default();
        let mut counts: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        for r in &self.sql.rows {
            counts.entry(key(r)).or_default().0 += 1;
        }
        for r in &self.rdf.rows {
            counts.entry(key(r)).or_default().1 += 1;
        }
        counts
    }

    /// A row-level diff: `-` rows the database gives more often than the graph, `+` the other
    /// way; a row that repeats says how often in each.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        if self.sql.columns != self.rdf.columns {
            out.push_str(&format!(
                "columns differ: SQL {:?}, SPARQL {:?}\n",
                self.sql.columns, self.rdf.columns
            ));
        }
        let times = |n: usize| {
            if n == 1 {
                String::new()
            } else {
                format!(" ×{n}")
            }
        };
        for (row, (a, b)) in self.counts() {
            if a > b {
                let note = if b > 0 {
                    format!(" (×{a} in SQL, ×{b} in SPARQL)")
                } else {
                    times(a - b)
                };
                out.push_str(&format!("- sql only: {row}{note}\n"));
            } else if b > a {
                let note = if a > 0 {
                    format!(" (×{a} in SQL, ×{b} in SPARQL)")
                } else {
                    times(b - a)
                };
                out.push_str(&format!("+ rdf only: {row}{note}\n"));
            }
        }
        out
    }
}

/// Runs both forms and compares them as multisets; the SQL rows keep the query's order.
pub fn compare(
    conn: &rusqlite::Connection,
    store: &Store,
    q: &NamedQuery,
    params: &[(String, String)],
    timeout: Duration,
) -> Result<Comparison> {
    Ok(Comparison {
        sql: run_sql(conn, q, params, timeout)?,
        rdf: run_sparql(store, q, params)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[&str]) -> Rows {
        Rows {
            columns: vec!["x".into()],
            rows: values.iter().map(|v| vec![Json::from(*v)]).collect(),
        }
    }

    #[test]
    fn stores_that_differ_only_by_a_repeated_row_disagree_and_say_how_often() {
        let c = Comparison {
            sql: rows(&["a", "b", "b"]),
            rdf: rows(&["b", "a"]),
        };
        assert!(!c.agrees());
        assert_eq!(c.diff(), "- sql only: [\"b\"] (×2 in SQL, ×1 in SPARQL)\n");
        let same_rows_other_order = Comparison {
            sql: rows(&["b", "a", "b"]),
            rdf: rows(&["b", "b", "a"]),
        };
        assert!(same_rows_other_order.agrees());
        assert_eq!(same_rows_other_order.diff(), "");
    }
}
