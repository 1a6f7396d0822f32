//! The `dossier` command: argument parsing and printing over the library. Exit status is a
//! contract: 0 success, 1 the data said no (invalid seeds, stores disagree, a query failed),
//! 2 a usage or I/O problem.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use dossier::seed::{self, LoadError};

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "Facts curated from articles, with evidence, in SQLite and RDF",
    long_about = "dossier validates facts curated from articles (each with the exact quote that \
                  supports it), builds a SQLite database and an RDF graph from them, and answers \
                  questions against both."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every seed file and report all problems at once.
    Validate {
        /// The seeds folder: dossier.toml, actors.toml and one folder per article.
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
    },
}

/// An error that decides the exit status.
enum Failure {
    /// The data said no: exit 1.
    Data(String),
    /// Usage or I/O: exit 2.
    Usage(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Usage(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Usage(e.into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Data(message)) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(e)) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A closed pipe (`dossier sql ... | head`) ends the output quietly.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Validate { seeds } => validate(seeds),
    }
}

fn load(seeds: &std::path::Path) -> Result<dossier::model::KnowledgeBase, Failure> {
    seed::load(seeds).map_err(|e| match e {
        LoadError::Io(e) => Failure::Usage(e),
        LoadError::Invalid(d) => Failure::Data(d.to_string()),
    })
}

fn validate(seeds: PathBuf) -> Result<(), Failure> {
    let kb = load(&seeds)?;
    let records: usize = kb
        .articles
        .iter()
        .map(|a| a.records().count())
        .sum::<usize>()
        + kb.actors.len();
    let evidence: usize = kb.articles.iter().map(|a| a.evidence().len()).sum();
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{}: valid — {} article{}, {records} records, {evidence} quotes checked",
        seeds.display(),
        kb.articles.len(),
        if kb.articles.len() == 1 { "" } else { "s" },
    )?;
    Ok(())
}
