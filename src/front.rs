//! The library's front door: a knowledge base by its folder, and what a program does with it —
//! validate seeds, build, query (SQL, SPARQL, a named query, each within its [`Bounds`]),
//! check the stores against each other, publish. The command line calls these (`serve` opens
//! its graph here, and runs its queries its own way: a connection kept per thread, SPARQL in
//! worker processes it can kill); the stages (`dossier_model`, `dossier_stores`) stay public
//! for a program that needs one step on its own.
//!
//! ```no_run
//! use dossier::{Bounds, Kb, Silent, Stores};
//! let kb = Kb::at("kb");
//! let seeds = Kb::validate("seeds".as_ref(), &Silent)?;
//! kb.build(seeds, &Default::default(), &Silent)?;
//! // Or both at once, without holding the whole model (the inner error is the seeds').
//! kb.build_from_seeds("seeds".as_ref(), &Default::default(), &Silent)??;
//! let q = dossier::find_query(&dossier::built_in_queries()?, "conditions-on")?;
//! let rows = kb.named_query(&q, &[], Stores::Both, Bounds::NAMED_QUERY)?;
//! # anyhow::Ok(())
//! ```

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::bounds::{Bounds, Outrun, Stopped};
use dossier_model::model::KnowledgeBase;
use dossier_model::progress::Progress;
use dossier_model::seed::LoadError;
use dossier_stores::check::{CheckSettings, Report};
use dossier_stores::kb::{BuildSettings, BuildSummary, KbPaths};
use dossier_stores::publish::{
    GraphStoreOptions, GraphStoreSummary, PostgresSummary, PostgresTarget,
};
use dossier_stores::queries::{NamedQuery, Rows};
use dossier_stores::sparql::{CancellationToken, Store};
use dossier_stores::sqlite::{QueryError, RowSink};

/// A knowledge-base folder: the generations `build` writes there, and the stores of the
/// current one. Opening it costs nothing; each call opens what it reads, read-only.
#[derive(Debug, Clone)]
pub struct Kb {
    paths: KbPaths,
}

/// Which of the built stores answer a named query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stores {
    /// The SQLite database.
    Sqlite,
    /// The graph, through SPARQL.
    Graph,
    /// Both, and their answers must agree.
    Both,
}

/// Why a query through the front door gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryStop<E = anyhow::Error> {
    /// Refused before it ran: a store that is not built, a parameter the query does not
    /// have.
    #[error("{0:#}")]
    Refused(anyhow::Error),
    /// The query failed: a syntax error (shown with a caret), an error as it ran.
    #[error("{0:#}")]
    Query(anyhow::Error),
    /// What the caller did with the answer failed (its output, say).
    #[error("{0}")]
    Answer(E),
    /// It outran a bound and was stopped.
    #[error("{}", .0.advice(*.1))]
    Outrun(Outrun, Bounds),
    /// The two stores answered differently: `dossier check` says where they drift.
    #[error("the stores disagree on '{name}':\n{diff}")]
    Disagree { name: String, diff: String },
    /// Its thread could not start, or ended without an answer (it panicked): a bug to report.
    #[error("{0}")]
    Lost(String),
}

impl Kb {
    /// The knowledge base in `dir`, built or not (`build` makes it).
    pub fn at(dir: impl Into<PathBuf>) -> Kb {
        Kb {
            paths: KbPaths::new(dir),
        }
    }

    /// The knowledge base whose files `paths` has already resolved: the same generation as
    /// whatever else the caller read through them.
    pub fn with_paths(paths: KbPaths) -> Kb {
        Kb { paths }
    }

    /// Its files: the folder, the current generation, each store.
    pub fn paths(&self) -> &KbPaths {
        &self.paths
    }

    /// Reads and validates a seeds folder into the model the stores are built from; every
    /// problem is placed at its file, line and column. No store is touched.
    pub fn validate(seeds: &Path, progress: &dyn Progress) -> Result<KnowledgeBase, LoadError> {
        dossier_model::validate::load_with(seeds, progress)
    }

    /// Builds a new generation of every store from a validated model and makes it current; a
    /// build that fails leaves the current generation as it was. The model is taken: it is
    /// written to the new generation's folder and dropped before the stores are written.
    pub fn build(
        &self,
        kb: KnowledgeBase,
        settings: &BuildSettings,
        progress: &dyn Progress,
    ) -> Result<BuildSummary> {
        dossier_stores::kb::build_with(kb, &self.paths, progress, settings)
    }

    /// Validates a seeds folder and builds a new generation of every store from it, made
    /// current, without ever holding the whole model: the articles are validated and written
    /// through files of the new generation's folder. The inner error says what is wrong with
    /// the seeds (nothing is written); the outer one is the build's. Either leaves the current
    /// generation as it was.
    pub fn build_from_seeds(
        &self,
        seeds: &Path,
        settings: &BuildSettings,
        progress: &dyn Progress,
    ) -> Result<Result<BuildSummary, LoadError>> {
        dossier_stores::kb::build_from_seeds(seeds, &self.paths, progress, settings)
    }

    /// The base IRI the knowledge base was built with.
    pub fn base_iri(&self) -> Result<String> {
        let conn = dossier_stores::sqlite::open_read_only(&self.paths.database())?;
        dossier_stores::sqlite::base_iri(&conn)
    }

    /// The graph, opened for SPARQL (the memory-mapped index: opening costs nothing).
    pub fn graph(&self) -> Result<Store> {
        self.paths.require(&self.paths.index())?;
        Store::open(&self.paths.index(), &self.base_iri()?)
    }

    /// Runs one SQL query on the database, read-only, within `bounds` (its time, and SQLite's
    /// own allocations; 0 MiB for no memory bound), streaming the rows to `rows`. A query that
    /// outruns them ends with [`QueryError::Timeout`] or [`QueryError::Memory`]. The memory
    /// bound is SQLite's, for the whole process: queries through here take turns while one is
    /// set, and the bound before is put back after, a panic included.
    pub fn sql(
        &self,
        query: &str,
        params: &[(String, String)],
        bounds: Bounds,
        rows: &mut dyn RowSink,
    ) -> Result<(), QueryError> {
        let conn = dossier_stores::sqlite::open_read_only(&self.paths.database())
            .map_err(QueryError::Open)?;
        let _bound = HeapBound::set(bounds.memory_bytes());
        dossier_stores::sqlite::query(&conn, query, params, bounds.time, rows)
    }

    /// Runs one SPARQL query on the graph within `bounds` (its time, and the process's
    /// resident memory): the query is parsed with its parameters bound (see
    /// [`Store::parse_with`]) and handed to `answer` with a token that the watch cancels, on a
    /// thread with a deep stack. `answer` writes or gathers the answer (a SELECT's rows as they
    /// come, with [`Store::query_streaming`]). A query that outruns its bounds ends with
    /// [`QueryStop::Outrun`] at once; its thread is not waited for and ends when the evaluator
    /// next looks at its token (in a short-lived program, with the process).
    pub fn sparql<T, E>(
        &self,
        query: &str,
        params: &[(String, String)],
        bounds: Bounds,
        answer: impl FnOnce(&Store, spargebra::Query, CancellationToken) -> Result<T, E>
        + Send
        + 'static,
    ) -> Result<T, QueryStop<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let store = self.graph().map_err(QueryStop::Refused)?;
        let (query, params) = (query.to_owned(), params.to_vec());
        watched(bounds, move |cancel| {
            let parsed = store
                .parse_with(&query, &params)
                .map_err(QueryStop::Query)?;
            answer(&store, parsed, cancel).map_err(QueryStop::Answer)
        })
    }

    /// Runs a named query (see [`dossier_stores::queries`]) on the chosen stores, each within
    /// `bounds`; with both, their rows must agree. The SPARQL form stopped at its bounds ends
    /// with [`QueryStop::Outrun`]; the SQL form with [`QueryStop::Query`], which names the
    /// query and the bound.
    pub fn named_query(
        &self,
        q: &NamedQuery,
        given: &[(String, String)],
        stores: Stores,
        bounds: Bounds,
    ) -> Result<Rows, QueryStop> {
        let params = q.bind(given).map_err(QueryStop::Refused)?;
        let sql = || -> Result<Rows, QueryStop> {
            let conn = dossier_stores::sqlite::open_read_only(&self.paths.database())
                .map_err(QueryStop::Refused)?;
            dossier_stores::queries::run_sql(&conn, q, &params, bounds.time)
                .map_err(QueryStop::Query)
        };
        let graph = || -> Result<Rows, QueryStop> {
            let store = self.graph().map_err(QueryStop::Refused)?;
            let (q, params) = (q.clone(), params.clone());
            watched(bounds, move |cancel| {
                dossier_stores::queries::run_sparql_until(&store, &q, &params, cancel)
                    .map_err(QueryStop::Query)
            })
        };
        match stores {
            Stores::Sqlite => sql(),
            Stores::Graph => graph(),
            Stores::Both => {
                // A graph that is not built is found before the SQL form runs.
                self.paths
                    .require(&self.paths.index())
                    .map_err(QueryStop::Refused)?;
                let comparison = dossier_stores::queries::Comparison {
                    sql: sql()?,
                    rdf: graph()?,
                };
                if comparison.agrees() {
                    Ok(comparison.sql)
                } else {
                    Err(QueryStop::Disagree {
                        name: q.name.clone(),
                        diff: comparison.diff(),
                    })
                }
            }
        }
    }

    /// Compares the stores with each other: every record's fields in the database and the
    /// graph, every quote at its offsets, the Turtle and N-Quads files against the graph, and
    /// every file against the manifest. The report's `drift` is empty when they agree.
    pub fn check(&self, settings: &CheckSettings, progress: &dyn Progress) -> Result<Report> {
        let paths = &self.paths;
        let conn = dossier_stores::sqlite::open_read_only(&paths.database())?;
        for file in [paths.index(), paths.turtle(), paths.nquads()] {
            paths.require(&file)?;
        }
        // The files' triples are compared on a thread of their own while the fields are
        // compared: the two halves share nothing but the (read-only) files.
        let index = dossier_stores::index::Index::open(&paths.index())?;
        index.expect_random_reads();
        let (report, files) = std::thread::scope(|scope| {
            let files = scope.spawn(|| -> Result<Vec<String>> {
                let mut files = Report::default();
                dossier_stores::check::compare_graph_files(
                    &mut files,
                    &paths.turtle(),
                    &paths.nquads(),
                    &index,
                    *settings,
                )?;
                files
                    .drift
                    .extend(dossier_stores::kb::verify_manifest(paths)?);
                Ok(files.drift)
            });
            let report = dossier_stores::check::check_with(&conn, &index, *settings, progress);
            let files = files
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("comparing the files panicked")));
            (report, files)
        });
        let mut report = report?;
        report.drift.extend(files?);
        Ok(report)
    }

    /// Publishes the database to PostgreSQL: the whole knowledge base the first time, then
    /// only the articles that changed, swapped in by one transaction.
    pub fn publish_postgres(&self, target: &PostgresTarget) -> Result<PostgresSummary> {
        dossier_stores::publish::to_postgres(&self.paths, target)
    }

    /// Publishes the graph to a SPARQL 1.1 Graph Store, graph by graph, only what changed.
    pub fn publish_graph_store(
        &self,
        url: &str,
        options: &GraphStoreOptions,
    ) -> Result<GraphStoreSummary> {
        dossier_stores::publish::to_graph_store(&self.paths, url, options)
    }
}

/// SQLite's process-wide memory bound for one query: set under a lock that other bounded
/// queries wait for, and put back when dropped.
struct HeapBound {
    before: u64,
    _turn: std::sync::MutexGuard<'static, ()>,
}

static HEAP_BOUND: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl HeapBound {
    fn set(bytes: u64) -> HeapBound {
        let turn = HEAP_BOUND.lock().unwrap_or_else(|e| e.into_inner());
        HeapBound {
            before: dossier_stores::sqlite::limit_heap(bytes),
            _turn: turn,
        }
    }
}

impl Drop for HeapBound {
    fn drop(&mut self) {
        dossier_stores::sqlite::limit_heap(self.before);
    }
}

/// Runs `work` under [`Bounds::watch`] with a token that the watch cancels past a bound.
fn watched<T: Send + 'static, E: Send + 'static>(
    bounds: Bounds,
    work: impl FnOnce(CancellationToken) -> Result<T, QueryStop<E>> + Send + 'static,
) -> Result<T, QueryStop<E>> {
    let cancel = CancellationToken::new();
    let worker_cancel = cancel.clone();
    match bounds.watch(move || work(worker_cancel), move || cancel.cancel()) {
        Ok(result) => result,
        Err(Stopped::Outrun(outrun)) => Err(QueryStop::Outrun(outrun, bounds)),
        Err(Stopped::Lost(why)) => Err(QueryStop::Lost(why)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ignored;

    impl RowSink for Ignored {
        fn columns(&mut self, _: &[String]) -> Result<()> {
            Ok(())
        }
        fn row(&mut self, _: &[rusqlite::types::Value]) -> Result<()> {
            Ok(())
        }
    }

    /// SQLite's memory bound is the whole process's: `Kb::sql` puts the one before back, so a
    /// program's own connections are not left with a query's bound. (Here, not in tests/it:
    /// this process runs no other test that uses SQLite while the bound is low.)
    #[test]
    fn a_query_memory_bound_is_put_back_after_the_query() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let kb = Kb::at(dir.path().join("kb"));
        let silent = &dossier_model::progress::Silent;
        let seeds = Kb::validate(&root.join("seeds"), silent).unwrap();
        kb.build(seeds, &BuildSettings::default(), silent).unwrap();
        let heavy = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n \
                     LIMIT 300000) SELECT group_concat(x) FROM n";
        let bounded = kb.sql(heavy, &[], Bounds::new(5_000, 1), &mut Ignored);
        assert!(matches!(bounded, Err(QueryError::Memory(_))), "{bounded:?}");
        let own = rusqlite::Connection::open(kb.paths().database()).unwrap();
        let joined: String = own.query_row(heavy, [], |r| r.get(0)).unwrap();
        assert!(joined.ends_with(",300000"));
    }
}
