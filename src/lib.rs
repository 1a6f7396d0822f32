//! dossier: facts curated from articles, each with the exact quote that supports it, kept in
//! two stores at once (SQLite and RDF) that answer the same questions.
//!
//! Data flows one way: [`seed`] reads the seed files, [`validate`] checks them into the
//! [`model`], and the stores are written from the model. See ARCHITECTURE.md.
//!
//! The front door is [`Kb`]: a knowledge base by its folder, and what a program does with it
//! (validate, build, query within [`Bounds`], check, publish). The command line and `serve`
//! call it; the stage modules below are for a program that needs one step on its own.

pub use bounds::{Bounds, Outrun};
pub use front::{Kb, QueryStop, Stores};

pub mod bounds;
pub mod check;
pub mod datasette;
pub mod ddl;
pub mod diagnostic;
pub mod front;
pub mod index;
pub mod kb;
pub mod mapping;
pub mod memory;
pub mod model;
pub mod ontology;
pub mod progress;
pub mod publish;
pub mod queries;
pub mod rdf;
pub mod report;
pub mod seed;
pub mod shapes;
pub mod site;
pub mod sparql;
pub mod sqlite;
pub mod statements;
pub mod validate;
pub mod vocab;

/// Every file of the repository written from the descriptions, by path from its root: what
/// `dossier schema --write` writes and `tests/it/schema.rs` holds equal to what is committed.
pub fn generated_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = ddl::generated_files()
        .into_iter()
        .map(|(path, text)| (path.to_owned(), text))
        .collect();
    files.push(("schema/ontology.ttl".to_owned(), ontology::turtle()));
    files.push(("schema/shapes.ttl".to_owned(), shapes::turtle()));
    files.push(("schema/context.jsonld".to_owned(), jsonld_context()));
    for (name, text) in seed::json_schemas() {
        files.push((format!("schema/{name}"), text));
    }
    files
}

/// `schema/context.jsonld`: the JSON-LD context of dossier's prefixes for the default base IRI,
/// the one the JSON-LD export's `@context` holds.
fn jsonld_context() -> String {
    let prefixes: std::collections::BTreeMap<String, String> =
        mapping::prefixes(model::DEFAULT_BASE_IRI)
            .into_iter()
            .collect();
    let context = serde_json::json!({ "@context": prefixes });
    serde_json::to_string_pretty(&context).expect("a map of strings is JSON") + "\n"
}
