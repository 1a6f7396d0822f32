//! dossier's stores, all written from `dossier-model`'s validated knowledge base: the SQLite
//! database ([`sqlite`]), the RDF files and the indexed graph ([`rdf`], [`index`]), SPARQL over
//! it ([`sparql`]), named queries on both ([`queries`]), [`check`] of one store against the
//! other, the report and its site, builds and their generations ([`kb`]) and publishing
//! ([`publish`]). See ARCHITECTURE.md.

// The model's modules, under the paths the stores' code names them by (`crate::model`, ...).
pub use dossier_model::{
    ddl, diagnostic, mapping, model, ontology, progress, seed, shapes, statements, validate, vocab,
};

pub mod check;
pub mod datasette;
pub mod index;
pub mod kb;
pub mod memory;
pub mod publish;
pub mod queries;
pub mod rdf;
pub mod report;
pub mod site;
pub mod sparql;
pub mod sqlite;
