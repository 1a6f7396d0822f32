//! End-to-end and library tests, in one test binary to keep builds short.

mod build;
mod check;
mod cli;
mod curation;
mod datasette;
mod differential;
mod many_articles;
mod properties;
mod publish;
mod queries;
mod rdf;
mod readme;
mod report;
mod scale;
mod schema;
mod seeds;
mod serve;
mod sql;
mod util;
mod w3c;
