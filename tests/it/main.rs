//! End-to-end and library tests, in one test binary to keep builds short.

mod queries;
mod rdf;
mod scale;
mod seeds;
mod sql;
mod util;
