//! dossier: facts curated from articles, each with the exact quote that supports it, kept in
//! two stores at once (SQLite and RDF) that answer the same questions.
//!
//! The front door is [`Kb`]: a knowledge base by its folder, and what a program does with it
//! (validate seeds, build, query within [`Bounds`], check, publish). The command line calls it;
//! `serve` opens its graph through it and shares its bounds. The types its methods take and give are re-exported here; the stages
//! themselves are two crates, re-exported whole for a program that needs one step on its own:
//! [`dossier_model`] (the record types, the descriptions, reading and validating seeds, the
//! generated schemas) and [`dossier_stores`] (SQLite, the RDF files and indexed graph, SPARQL,
//! check, the report, builds, publishing). See ARCHITECTURE.md.

mod front;

pub mod bounds;

pub use bounds::{Bounds, Outrun, Stopped};
pub use front::{Kb, QueryStop, Stores};

pub use dossier_model::model::KnowledgeBase;
pub use dossier_model::progress::{Progress, Silent};
pub use dossier_model::seed::LoadError;
pub use dossier_stores::check::{CheckSettings, Report};
pub use dossier_stores::kb::{BuildSettings, BuildSummary, KbPaths};
pub use dossier_stores::publish::{
    GraphStoreOptions, GraphStoreSummary, PostgresSummary, PostgresTarget,
};
pub use dossier_stores::queries::{
    NamedQuery, Rows, built_in as built_in_queries, find as find_query,
};
pub use dossier_stores::sparql::{Answer, CancellationToken, Store};
pub use dossier_stores::sqlite::{QueryError, RowSink};

pub use dossier_model;
pub use dossier_stores;
pub use dossier_stores::memory;
