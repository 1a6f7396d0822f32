//! dossier: facts curated from articles, each with the exact quote that supports it, kept in
//! two stores at once (SQLite and RDF) that answer the same questions.
//!
//! Data flows one way: [`seed`] reads the seed files, [`validate`] checks them into the
//! [`model`], and the stores are written from the model. See ARCHITECTURE.md.

pub mod check;
pub mod datasette;
pub mod ddl;
pub mod diagnostic;
pub mod index;
pub mod kb;
pub mod mapping;
pub mod model;
pub mod progress;
pub mod publish;
pub mod queries;
pub mod rdf;
pub mod report;
pub mod seed;
pub mod site;
pub mod sparql;
pub mod sqlite;
pub mod statements;
pub mod validate;
pub mod vocab;
