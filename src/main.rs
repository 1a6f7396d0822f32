//! The `dossier` command: argument parsing and printing over the library. Exit status is a
//! contract: 0 success, 1 the data said no (invalid seeds, stores disagree, a query failed),
//! 2 a usage or I/O problem.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use dossier::{Bounds, CheckSettings, Kb, QueryStop, Stores};
use dossier_model::seed::LoadError;
use dossier_stores::kb::KbPaths;

mod output;
mod serve;
use output::{Destination, RowFormat, RowWriter, SparqlFormat};

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "Facts curated from articles, with evidence, in SQLite and RDF",
    long_about = "dossier validates facts curated from articles (each with the exact quote that \
                  supports it), builds a SQLite database and an RDF graph from them, and answers \
                  questions against both.",
    after_help = "Examples:\n  dossier build\n  dossier sql \"SELECT label FROM records WHERE kind = 'agreement'\"\n  dossier sparql \"SELECT ?c WHERE { ?c a dos:Condition }\"\n  dossier query --list\n  dossier completions bash > ~/.local/share/bash-completion/completions/dossier"
)]
struct Cli {
    /// No progress bars (they are drawn only on a terminal anyway), and no summary from
    /// `validate` and `build` when they succeed (problems are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// Progress on standard error, drawn only when it is a terminal and not --quiet.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new(quiet: bool) -> Bar {
        let visible = !quiet && io::IsTerminal::is_terminal(&io::stderr());
        Bar(visible.then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        }))
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl dossier_model::progress::Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        if let Some(bar) = &self.0 {
            let style = if total > 0 {
                indicatif::ProgressStyle::with_template("{msg:20} [{bar:40}] {pos}/{len} {elapsed}")
            } else {
                indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            };
            if let Ok(style) = style {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_length(total);
            bar.set_position(0);
            bar.set_message(name.to_owned());
        }
    }
    fn advance(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }
}

/// Where the knowledge base lives.
#[derive(clap::Args, Clone)]
struct KbArg {
    /// The knowledge-base folder (dossier.sqlite, dossier.ttl, dossier.nq, dossier.idx).
    #[arg(long, env = "DOSSIER_KB", default_value = "kb")]
    kb: PathBuf,
}

/// Where the output goes.
#[derive(clap::Args, Clone)]
struct OutArg {
    /// Write to this file instead of standard output (put in place only once complete); its
    /// extension chooses the format when none is given (.csv, .tsv, .json, .jsonl, ...).
    #[arg(short = 'o', long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The extension of `-o`'s file, lower-cased.
fn extension_of(out: Option<&Path>) -> Option<String> {
    out?.extension()?.to_str().map(str::to_ascii_lowercase)
}

/// sqlite-utils' format shortcuts, one at a most (and not with `--format`).
#[derive(clap::Args, Clone)]
#[group(id = "format-shortcut", multiple = false)]
struct FormatShortcut {
    /// Same as --format csv.
    #[arg(long)]
    csv: bool,
    /// Same as --format tsv.
    #[arg(long)]
    tsv: bool,
    /// Same as --format json.
    #[arg(long)]
    json: bool,
    /// Same as --format ndjson: newline-delimited JSON (also --jsonl).
    #[arg(long, visible_alias = "jsonl")]
    nl: bool,
    /// Same as --format table.
    #[arg(short = 't', long)]
    table: bool,
}

impl FormatShortcut {
    /// The format named by a shortcut, or by `-o`'s extension (as Oxigraph's CLI takes it);
    /// `graphs` adds the RDF syntaxes' extensions.
    fn name(&self, out: Option<&Path>, graphs: bool) -> Option<&'static str> {
        let flags = [
            (self.csv, "csv"),
            (self.tsv, "tsv"),
            (self.json, "json"),
            (self.nl, "ndjson"),
            (self.table, "table"),
        ];
        if let Some((_, name)) = flags.iter().find(|(on, _)| *on) {
            return Some(name);
        }
        let by_extension = match extension_of(out)?.as_str() {
            "csv" => "csv",
            "tsv" | "tab" => "tsv",
            "json" | "srj" => "json",
            "ndjson" | "jsonl" => "ndjson",
            "txt" => "table",
            "xml" | "srx" if graphs => "xml",
            "ttl" if graphs => "turtle",
            "nt" if graphs => "ntriples",
            "jsonld" if graphs => "jsonld",
            "rdf" | "owl" if graphs => "rdfxml",
            _ => return None,
        };
        Some(by_extension)
    }

    /// `--format` if given, else the format a shortcut or the extension names.
    fn or_format<F: clap::ValueEnum>(
        &self,
        format: Option<F>,
        out: Option<&Path>,
        graphs: bool,
    ) -> Option<F> {
        format.or_else(|| F::from_str(self.name(out, graphs)?, true).ok())
    }
}

/// The format of rows, as sqlite-utils takes it: `--format`, or a shortcut (`--csv`, `--tsv`,
/// `--json`, `--nl`, `--table`), or `-o`'s extension.
#[derive(clap::Args, Clone)]
struct RowFormatArg {
    /// Output format (default: from -o's extension; else table on a terminal, json otherwise).
    #[arg(long, value_enum, conflicts_with = "format-shortcut")]
    format: Option<RowFormat>,
    #[command(flatten)]
    shortcut: FormatShortcut,
}

impl RowFormatArg {
    /// The format asked for, by an option or by `-o`'s extension.
    fn chosen(&self, out: Option<&Path>) -> Option<RowFormat> {
        self.shortcut.or_format(self.format, out, false)
    }

    /// The format to write: as asked, else a table on a terminal and JSON otherwise (a file
    /// included).
    fn resolve(&self, out: Option<&Path>) -> RowFormat {
        self.chosen(out).unwrap_or_else(|| match out {
            Some(_) => RowFormat::Json,
            None => RowFormat::default_for_terminal(),
        })
    }
}

/// The format of a SPARQL answer: `--format`, a shortcut, or `-o`'s extension.
#[derive(clap::Args, Clone)]
struct SparqlFormatArg {
    /// table, json, xml, csv, tsv (the W3C result formats) or ndjson for SELECT and ASK;
    /// turtle, ntriples, jsonld or rdfxml for CONSTRUCT and DESCRIBE (json and xml mean JSON-LD
    /// and RDF/XML there). Default: from -o's extension; else table on a terminal, json (or
    /// ntriples) otherwise.
    #[arg(long, value_enum, conflicts_with = "format-shortcut")]
    format: Option<SparqlFormat>,
    #[command(flatten)]
    shortcut: FormatShortcut,
}

impl SparqlFormatArg {
    fn chosen(&self, out: Option<&Path>) -> Option<SparqlFormat> {
        self.shortcut.or_format(self.format, out, true)
    }
}

/// A query given as an argument, `-` for standard input, or --file.
#[derive(clap::Args, Clone)]
struct QueryArg {
    /// The query text, or `-` to read it from standard input.
    #[arg(required_unless_present = "file")]
    query: Option<String>,
    /// Read the query from a file.
    #[arg(short = 'f', long, conflicts_with = "query")]
    file: Option<PathBuf>,
}

impl QueryArg {
    fn text(&self) -> anyhow::Result<String> {
        use anyhow::Context;
        match (&self.query, &self.file) {
            (_, Some(path)) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the query file '{}'", path.display())),
            (Some(q), None) if q == "-" => {
                let mut text = String::new();
                io::Read::read_to_string(&mut io::stdin(), &mut text)
                    .context("cannot read the query from standard input")?;
                Ok(text)
            }
            (Some(q), None) => Ok(q.clone()),
            (None, None) => anyhow::bail!("give a query, `-` for standard input, or --file F"),
        }
    }
}

/// A knowledge base published to PostgreSQL (`dossier publish --postgres`).
#[derive(clap::Args, Clone)]
struct PostgresArg {
    /// A PostgreSQL connection URL or key=value string ('': PGHOST, PGPORT, PGUSER,
    /// PGDATABASE, PGPASSWORD and ~/.pgpass, as psql takes them).
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// The PostgreSQL schema of the published knowledge base.
    #[arg(long, default_value = "dossier")]
    schema: String,
}

impl PostgresArg {
    fn target(&self, grant_read: Option<String>) -> dossier_stores::publish::PostgresTarget {
        dossier_stores::publish::PostgresTarget {
            url: self.postgres.clone().filter(|u| !u.is_empty()),
            schema: self.schema.clone(),
            grant_read,
            layout: dossier_model::ddl::Layout::Single,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check every seed file and report all problems at once.
    #[command(after_help = "Example:\n  dossier validate --seeds seeds")]
    Validate {
        /// The seeds folder: dossier.toml, actors.toml and one folder per article.
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
    },
    /// Start a new article: a folder with an empty article.txt and a facts.toml to fill in.
    #[command(
        after_help = "Example:\n  dossier new joint-communique-2025-09 --title \"Joint communiqué of 3 September 2025\""
    )]
    New {
        /// The article's id (lower case, digits and hyphens): its folder's name.
        id: String,
        /// The article's title, as curated (edit it later in facts.toml).
        #[arg(long)]
        title: Option<String>,
        /// The BCP 47 language tag of the text.
        #[arg(long, default_value = "en")]
        language: String,
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
    },
    /// Print where a quote is in an article, as the code-point offsets evidence takes, or the
    /// closest passage when it is not there.
    #[command(
        after_help = "Example:\n  dossier locate rubio-visit-to-mexico-2025 \"training must take place in Mexico\""
    )]
    Locate {
        /// The article's id (its folder in the seeds).
        article: String,
        /// The words to find, exactly as the article has them; `-` reads them from standard
        /// input.
        quote: String,
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
    },
    /// Validate the seeds, then write the SQLite database and the RDF graph (atomically).
    #[command(after_help = "Example:\n  dossier build --seeds seeds --kb kb")]
    Build {
        #[arg(long, default_value = "seeds")]
        seeds: PathBuf,
        /// Memory for sorting the indexed graph's quads (16 bytes a quad, about 31 quads a
        /// record) and its term lookup, and for resolving and sorting the values articles state
        /// for other records; past it they are sorted in runs (and resolved in parts) on disk,
        /// in the new generation's folder.
        #[arg(long, value_name = "MIB", default_value_t = dossier_stores::kb::DEFAULT_SORT_MEMORY_MB as u64,
              value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
        sort_memory_mb: u64,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Run a read-only SQL query against the database.
    #[command(
        after_help = "Examples:\n  dossier sql \"SELECT kind, count(*) FROM records GROUP BY kind\"\n  dossier sql -p id=marco-rubio --format csv \"SELECT quote FROM evidence WHERE record_id = :id\"\n  dossier sql -f report.sql --format ndjson"
    )]
    Sql(SqlArgs),
    /// Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) against the graph.
    #[command(
        after_help = "Examples:\n  dossier sparql \"SELECT ?c WHERE { ?c dos:statedBy actor:claudia-sheinbaum }\"\n  dossier sparql -p who=\"<https://w3id.org/dossier/kb/actor/marco-rubio>\" \"SELECT ?c WHERE { ?c dos:claimant ?who }\"\n  dossier sparql --format turtle \"CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 10\""
    )]
    Sparql(SparqlArgs),
    /// Write the graph in an RDF syntax.
    #[command(after_help = "Example:\n  dossier export --format nquads -o kb.nq")]
    Export {
        /// The syntax (default: from -o's extension, .ttl .nt .nq .jsonld .trig; else turtle).
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
        #[command(flatten)]
        out: OutArg,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Run a named query (built in, or from --queries DIR) against the database, the graph, or
    /// both and compare.
    #[command(
        after_help = "Examples:\n  dossier query --list\n  dossier query conditions-on -p agreement=us-training-of-mexican-personnel --store both"
    )]
    Query(QueryArgs),
    /// Prove the database and the graph hold the same knowledge; exit 1 naming each difference.
    #[command(
        after_help = "Examples:\n  dossier check --kb kb\n  dossier check --postgres postgresql://analyst@db.example.org/newsroom   # and the published copy"
    )]
    Check {
        /// Also compare the copy published to PostgreSQL with the database, table by table and
        /// view by view.
        #[command(flatten)]
        pg: PostgresArg,
        /// How much of the indexed graph (which is read in place, memory-mapped) may stay in
        /// memory before its pages are given back: smaller is slower, never wrong. `check` holds
        /// besides one kind's ids (32 bytes a record) and one field's values.
        #[arg(long, value_name = "MB", default_value_t = dossier_stores::check::DEFAULT_INDEX_MEMORY_MB)]
        index_memory_mb: u64,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Say what a built knowledge base holds: its generation, description, counts and files.
    #[command(after_help = "Examples:\n  dossier info\n  dossier info --json")]
    Info {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        out: OutArg,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Write the knowledge base as one self-contained HTML page (the articles with every quote
    /// highlighted, the actor network, the timeline and the conditions), or with --site as a
    /// folder of small linked pages, for a knowledge base too large for one page.
    #[command(
        after_help = "Examples:\n  dossier report --out report.html\n  dossier report --kb kb > report.html\n  dossier report --site /tmp/dossier-site\n\n`dossier build` writes the same page as kb/report.html (when it is at most 2 MiB) and the\nsite as kb/report/index.html."
    )]
    Report {
        #[command(flatten)]
        out: OutArg,
        /// Write the site into this folder (created; it must not exist or be empty).
        #[arg(long, value_name = "FOLDER", conflicts_with = "out")]
        site: Option<PathBuf>,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  dossier completions bash > ~/.local/share/bash-completion/completions/dossier\n  dossier completions zsh > ~/.zfunc/_dossier\n  dossier completions fish > ~/.config/fish/completions/dossier.fish"
    )]
    Completions { shell: clap_complete::Shell },
    /// Print dossier's manual page (roff), or write one page per command into a folder.
    #[command(
        after_help = "Examples:\n  dossier man > dossier.1 && man -l dossier.1\n  dossier man --dir ~/.local/share/man/man1"
    )]
    Man {
        /// Write dossier.1 and a page per command (dossier-sql.1 ...) into this folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// SPARQL queries for `serve`, read from standard input, answered on standard output.
    #[command(hide = true)]
    SparqlWorker {
        #[arg(long)]
        base: String,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Serve the knowledge base over HTTP, read-only: SPARQL 1.1 Protocol at /sparql, SQL as
    /// JSON at /sql (Datasette's shapes), named queries at /queries/NAME.
    #[command(
        after_help = "Examples:\n  dossier serve\n  dossier serve --port 7878 --cors-origin https://dashboard.example.org\n  curl -H 'Accept: text/csv' 'http://127.0.0.1:7878/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203'\n  curl 'http://127.0.0.1:7878/sql?sql=select+id,label+from+records+limit+3&_shape=array'\n  curl 'http://127.0.0.1:7878/queries/roles?format=csv'"
    )]
    Serve(ServeArgs),
    /// Upgrade a database built by an older dossier to the current schema, in place.
    #[command(after_help = "Example:\n  dossier upgrade --kb kb")]
    Upgrade {
        #[command(flatten)]
        kb: KbArg,
    },
    /// Publish the knowledge base to PostgreSQL (tables, keys, views and descriptions, swapped
    /// in at once) and/or a SPARQL 1.1 Graph Store (only the graphs that changed).
    #[command(
        after_help = "Examples:\n  dossier publish --postgres postgresql://analyst@db.example.org/newsroom --grant-read dashboards\n  PGHOST=/run/postgresql PGDATABASE=newsroom dossier publish --postgres ''\n  dossier publish --graph-store http://127.0.0.1:7878/store\n\nWith --postgres '' the connection comes from PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD\nand ~/.pgpass, as psql takes it. Passwords are never printed."
    )]
    Publish(PublishArgs),
    /// List the database's tables: rows, columns and what each holds.
    #[command(after_help = "Examples:\n  dossier tables\n  dossier tables --json")]
    Tables {
        #[command(flatten)]
        format: RowFormatArg,
        #[command(flatten)]
        out: OutArg,
        #[command(flatten)]
        kb: KbArg,
    },
    /// List the database's views for dashboards: columns and what each shows.
    #[command(after_help = "Examples:\n  dossier views\n  dossier views --csv")]
    Views {
        #[command(flatten)]
        format: RowFormatArg,
        #[command(flatten)]
        out: OutArg,
        #[command(flatten)]
        kb: KbArg,
    },
    /// Describe the database's tables and views column by column (type, keys, description), or
    /// print the SQL schema dossier creates (--sql): SQLite's (what `build` creates) or
    /// PostgreSQL's (what `publish` creates), generated from its descriptions.
    #[command(
        after_help = "Examples:\n  dossier schema\n  dossier schema condition_overview --json\n  dossier schema --sql --dialect postgres\n  dossier schema --write .   # rewrites the generated files of schema/"
    )]
    Schema(SchemaArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SchemaDialect {
    Sqlite,
    Postgres,
    /// PostgreSQL laid out for Citus (`publish --citus`).
    Citus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StoreChoice {
    Sql,
    Rdf,
    Both,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportFormat {
    Turtle,
    Ntriples,
    /// Each article's triples in a named graph named after the article.
    Nquads,
    /// JSON-LD (with dossier's prefixes as its @context), with the same named graphs as N-Quads.
    Jsonld,
    /// TriG: the N-Quads' named graphs, with dossier's prefixes.
    Trig,
}

impl ExportFormat {
    /// The format an `--out` file's extension names, as Oxigraph's CLI reads it (`.ttl`, the
    /// default, needs no rule).
    fn of_extension(out: Option<&Path>) -> Option<ExportFormat> {
        match extension_of(out)?.as_str() {
            "nt" => Some(ExportFormat::Ntriples),
            "nq" => Some(ExportFormat::Nquads),
            "jsonld" | "json" => Some(ExportFormat::Jsonld),
            "trig" => Some(ExportFormat::Trig),
            _ => None,
        }
    }
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("'{s}' is not NAME=VALUE")),
    }
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
    quiet_on_closed_pipes();
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

/// A print to a closed pipe (`dossier validate 2>&1 | head -1`) panics in Rust's print macros
/// and in the writers of libraries (clap_complete): wherever it happens, it ends the command
/// quietly with success, as a closed pipe does the errors `is_broken_pipe` recognises.
fn quiet_on_closed_pipes() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

/// A closed pipe (`dossier sql ... | head`) ends the output quietly.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = |kind: Option<io::ErrorKind>| kind == Some(io::ErrorKind::BrokenPipe);
    e.chain().any(|cause| {
        // The CSV and JSON writers wrap the I/O error in their own.
        pipe(cause.downcast_ref::<io::Error>().map(io::Error::kind))
            || pipe(
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(|j| j.io_error_kind()),
            )
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|c| match c.kind() {
                    csv::ErrorKind::Io(io) => io.kind() == io::ErrorKind::BrokenPipe,
                    _ => false,
                })
    })
}

/// `dossier sql`'s arguments.
#[derive(clap::Args)]
struct SqlArgs {
    #[command(flatten)]
    query: QueryArg,
    #[command(flatten)]
    format: RowFormatArg,
    #[command(flatten)]
    out: OutArg,
    /// Bind a named parameter: --param id=marco-rubio is :id in the SQL. Repeatable.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Interrupt the query after this many milliseconds.
    #[arg(long, default_value_t = Bounds::SQL.time_ms())]
    timeout_ms: u64,
    /// Stop the query when SQLite holds more than this many MiB (its own allocations: sorts,
    /// temporary tables, recursive queries; 0 for no bound).
    #[arg(long, default_value_t = Bounds::SQL.memory_mb)]
    max_memory_mb: u64,
    #[command(flatten)]
    kb: KbArg,
}

impl SqlArgs {
    fn run(self) -> Result<(), Failure> {
        let paths = KbPaths::new(self.kb.kb);
        let format = self.format.resolve(self.out.out.as_deref());
        let out = Destination::open(self.out.out.as_deref(), &paths)?;
        let bounds = Bounds::new(self.timeout_ms, self.max_memory_mb);
        let query = self.query.text()?;
        sql(
            &query,
            format,
            out,
            &self.params,
            bounds,
            Kb::with_paths(paths),
        )
    }
}

/// `dossier sparql`'s arguments.
#[derive(clap::Args)]
struct SparqlArgs {
    #[command(flatten)]
    query: QueryArg,
    #[command(flatten)]
    format: SparqlFormatArg,
    #[command(flatten)]
    out: OutArg,
    /// Bind the query's variable ?NAME to a value: a string, or <IRI>. Repeatable. The value
    /// is joined to the query as `VALUES`, never spliced into its text.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Stop the query after this many milliseconds.
    #[arg(long, default_value_t = Bounds::SPARQL.time_ms())]
    timeout_ms: u64,
    /// Stop the query when the process holds more than this many MiB of memory (checked
    /// every 10 ms; the memory-mapped graph counts).
    #[arg(long, default_value_t = Bounds::SPARQL.memory_mb)]
    max_memory_mb: u64,
    #[command(flatten)]
    kb: KbArg,
}

impl SparqlArgs {
    fn run(self) -> Result<(), Failure> {
        let paths = KbPaths::new(self.kb.kb);
        let format = self.format.chosen(self.out.out.as_deref());
        let to_file = self.out.out.is_some();
        let out = Destination::open(self.out.out.as_deref(), &paths)?;
        let bounds = Bounds::new(self.timeout_ms, self.max_memory_mb);
        let query = self.query.text()?;
        sparql(
            &query,
            (format, to_file),
            out,
            &self.params,
            bounds,
            Kb::with_paths(paths),
        )
    }
}

/// `dossier query`'s arguments.
#[derive(clap::Args)]
struct QueryArgs {
    /// The query's name (see --list).
    #[arg(required_unless_present = "list")]
    name: Option<String>,
    /// List the named queries with their parameters.
    #[arg(long)]
    list: bool,
    /// Bind a parameter: --param actor=marco-rubio. Repeatable.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Which store answers; with both, the answers must agree or the exit status is 1;
    /// postgres: the copy `dossier publish --postgres` made (see --postgres, --schema).
    #[arg(long, value_enum, default_value = "both")]
    store: StoreChoice,
    #[command(flatten)]
    pg: PostgresArg,
    #[command(flatten)]
    format: RowFormatArg,
    #[command(flatten)]
    out: OutArg,
    /// A folder of named queries (NAME.toml) to add to the built-in ones; a query of the
    /// same name replaces the built-in one.
    #[arg(long, value_name = "DIR")]
    queries: Option<PathBuf>,
    /// Stop the query (in each store) after this many milliseconds.
    #[arg(long, default_value_t = Bounds::NAMED_QUERY.time_ms())]
    timeout_ms: u64,
    /// Stop the SPARQL query when the process holds more than this many MiB of memory
    /// (checked every 10 ms; the memory-mapped graph counts).
    #[arg(long, default_value_t = Bounds::NAMED_QUERY.memory_mb)]
    max_memory_mb: u64,
    #[command(flatten)]
    kb: KbArg,
}

impl QueryArgs {
    fn run(self) -> Result<(), Failure> {
        let paths = KbPaths::new(self.kb.kb);
        let chosen = self.format.chosen(self.out.out.as_deref());
        let format = self.format.resolve(self.out.out.as_deref());
        let out = Destination::open(self.out.out.as_deref(), &paths)?;
        let all = dossier_stores::queries::with_folder(self.queries.as_deref())?;
        if self.list {
            return list_queries(&all, chosen, out);
        }
        let q = dossier_stores::queries::find(&all, self.name.as_deref().unwrap_or_default())?;
        let bounds = Bounds::new(self.timeout_ms, self.max_memory_mb);
        query(
            &q,
            &self.params,
            (self.store, &self.pg, bounds),
            format,
            out,
            paths,
        )
    }
}

/// `dossier publish`'s arguments.
#[derive(clap::Args)]
struct PublishArgs {
    /// Publish to PostgreSQL; dossier refuses a schema it did not create.
    #[command(flatten)]
    pg: PostgresArg,
    /// A role to give read access to the published schema (dashboards).
    #[arg(long, value_name = "ROLE", requires = "postgres")]
    grant_read: Option<String>,
    /// Lay the tables out for Citus (schema/citus.sql): per-article tables distributed by
    /// article_id, shared ones as reference tables. Placed in the cluster when the server
    /// has the citus extension; laid out only, and said so, when it has not.
    #[arg(long, requires = "postgres")]
    citus: bool,
    /// A SPARQL 1.1 Graph Store endpoint (Oxigraph: http://host:7878/store).
    #[arg(long, value_name = "URL", required_unless_present = "postgres")]
    graph_store: Option<String>,
    /// Send the changed graphs through Oxigraph's bulk loader (N-Quads posted to the store
    /// with ?no_transaction) instead of a PUT per graph: about 4x faster on a big knowledge
    /// base; a graph an interrupted publish left half sent is sent again by the next one.
    #[arg(long, requires = "graph_store")]
    bulk: bool,
    #[command(flatten)]
    kb: KbArg,
}

impl PublishArgs {
    fn run(self) -> Result<(), Failure> {
        publish(self)
    }
}

/// `dossier schema`'s arguments.
#[derive(clap::Args)]
struct SchemaArgs {
    /// One table or view (default: all).
    name: Option<String>,
    /// Print the SQL schema instead (SQLite's unless --dialect says otherwise).
    #[arg(long)]
    sql: bool,
    /// The SQL dialect of --sql (giving it implies --sql).
    #[arg(long, value_enum)]
    dialect: Option<SchemaDialect>,
    /// Write every generated schema file under this folder (a checkout's root) instead.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
    #[command(flatten)]
    format: RowFormatArg,
    #[command(flatten)]
    out: OutArg,
    #[command(flatten)]
    kb: KbArg,
}

impl SchemaArgs {
    fn run(self) -> Result<(), Failure> {
        if let Some(root) = &self.write {
            return write_generated_files(root);
        }
        if self.sql || self.dialect.is_some() {
            return print_sql_schema(self.dialect.unwrap_or(SchemaDialect::Sqlite));
        }
        let paths = KbPaths::new(self.kb.kb);
        let format = self.format.resolve(self.out.out.as_deref());
        let out = Destination::open(self.out.out.as_deref(), &paths)?;
        list_catalog(Listing::Columns(self.name), format, out, &paths)
    }
}

/// `dossier serve`'s arguments: where it listens and the bounds of what it serves.
#[derive(clap::Args)]
struct ServeArgs {
    /// The address to listen on (loopback by default: nothing off this machine can reach
    /// it; give 0.0.0.0 to serve a network).
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// The port (0: any free one, printed at start).
    #[arg(long, default_value_t = 7878)]
    port: u16,
    /// Stop a query (SQL or SPARQL) after this many milliseconds.
    #[arg(long, default_value_t = Bounds::SERVE.time_ms())]
    timeout_ms: u64,
    /// Queries run at once; more wait up to 5 s for a slot, then get 503.
    #[arg(long, default_value_t = 8)]
    max_concurrent: usize,
    /// Largest request body (a POSTed query), in KiB; a larger declared length is refused
    /// before the body is read.
    #[arg(long, default_value_t = 1024)]
    max_body_kb: usize,
    /// A client must send a request's headers within this many milliseconds (an idle
    /// connection is closed after as long).
    #[arg(long, default_value_t = 10_000)]
    header_timeout_ms: u64,
    /// A request's body must arrive within this many milliseconds (408 after).
    #[arg(long, default_value_t = 10_000)]
    body_timeout_ms: u64,
    /// Connections open at once; more are closed as they come.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Connections open at once from one address; more are closed as they come.
    #[arg(long, default_value_t = 64)]
    max_connections_per_client: usize,
    /// Largest answer, in MiB; a larger one is refused with advice to narrow the query.
    /// Answers are held whole, so this times --max-concurrent bounds their memory.
    #[arg(long, default_value_t = 64)]
    max_answer_mb: usize,
    /// Stop a SPARQL query whose process (each runs in its own) holds more than this many
    /// MiB, checked every 20 ms; and every running query when the server itself does.
    #[arg(long, default_value_t = Bounds::SERVE.memory_mb)]
    max_memory_mb: u64,
    /// An origin whose pages may call the server (CORS), e.g. https://dashboard.example.org;
    /// repeatable; `*` for any.
    #[arg(long, default_value = "*")]
    cors_origin: Vec<String>,
    /// A folder of named queries (NAME.toml) to add to the built-in ones.
    #[arg(long, value_name = "DIR")]
    queries: Option<PathBuf>,
    #[command(flatten)]
    kb: KbArg,
}

impl ServeArgs {
    fn settings(self) -> Result<serve::Settings, Failure> {
        Ok(serve::Settings {
            addr: std::net::SocketAddr::new(self.bind, self.port),
            bounds: Bounds::new(self.timeout_ms, self.max_memory_mb),
            max_concurrent: self.max_concurrent,
            max_body_bytes: self.max_body_kb.saturating_mul(1 << 10),
            header_timeout: Duration::from_millis(self.header_timeout_ms),
            body_timeout: Duration::from_millis(self.body_timeout_ms),
            max_connections: self.max_connections,
            max_connections_per_client: self.max_connections_per_client,
            max_answer_bytes: self.max_answer_mb.saturating_mul(1 << 20),
            cors_origins: self.cors_origin,
            queries: dossier_stores::queries::with_folder(self.queries.as_deref())?,
        })
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    // Only the long commands draw progress; a query's answer starts on a clean line.
    let reports_progress = matches!(
        cli.command,
        Command::Validate { .. } | Command::Build { .. } | Command::Check { .. }
    );
    let bar = Bar::new(cli.quiet || !reports_progress);
    match cli.command {
        Command::Validate { seeds } => validate(seeds, &bar, cli.quiet),
        Command::New {
            id,
            title,
            language,
            seeds,
        } => new_article(&seeds, &id, title.as_deref(), &language),
        Command::Locate {
            article,
            quote,
            seeds,
        } => locate(&seeds, &article, &quote),
        Command::Build {
            seeds,
            sort_memory_mb,
            kb,
        } => {
            let settings = dossier_stores::kb::BuildSettings {
                sort_memory_mb: usize::try_from(sort_memory_mb).unwrap_or(usize::MAX),
            };
            build(seeds, KbPaths::new(kb.kb), &settings, &bar, cli.quiet)
        }
        Command::Sql(args) => args.run(),
        Command::Sparql(args) => args.run(),
        Command::Export { format, out, kb } => {
            let paths = KbPaths::new(kb.kb);
            let format = format
                .or_else(|| ExportFormat::of_extension(out.out.as_deref()))
                .unwrap_or(ExportFormat::Turtle);
            let out = Destination::open(out.out.as_deref(), &paths)?;
            export(format, out, paths)
        }
        Command::Query(args) => args.run(),
        Command::Check {
            pg,
            index_memory_mb,
            kb,
        } => {
            let paths = KbPaths::new(kb.kb);
            let settings = CheckSettings { index_memory_mb };
            check(&paths, &settings, &bar)?;
            if pg.postgres.is_none() {
                return Ok(());
            }
            check_postgres(&paths, pg)
        }
        Command::Report { out, site, kb } => {
            let paths = KbPaths::new(kb.kb);
            match site {
                Some(folder) => report_site(paths, &folder),
                None => {
                    let out = Destination::open(out.out.as_deref(), &paths)?;
                    report(paths, out)
                }
            }
        }
        Command::Completions { shell } => {
            let mut cli = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cli, "dossier", &mut io::stdout());
            Ok(())
        }
        Command::Man { dir } => man(dir.as_deref()),
        Command::Info { json, out, kb } => {
            let paths = KbPaths::new(kb.kb);
            let out = Destination::open(out.out.as_deref(), &paths)?;
            info(paths, json, out)
        }
        Command::SparqlWorker { base, kb } => {
            std::process::exit(serve::sparql_worker(KbPaths::new(kb.kb), base))
        }
        Command::Serve(args) => {
            let paths = KbPaths::new(args.kb.kb.clone());
            Ok(serve::run(paths, args.settings()?)?)
        }
        Command::Publish(args) => args.run(),
        Command::Schema(args) => args.run(),
        Command::Tables { format, out, kb } => {
            let paths = KbPaths::new(kb.kb);
            let format = format.resolve(out.out.as_deref());
            let out = Destination::open(out.out.as_deref(), &paths)?;
            list_catalog(Listing::Tables, format, out, &paths)
        }
        Command::Views { format, out, kb } => {
            let listing = Listing::Views;
            let paths = KbPaths::new(kb.kb);
            let format = format.resolve(out.out.as_deref());
            let out = Destination::open(out.out.as_deref(), &paths)?;
            list_catalog(listing, format, out, &paths)
        }
        Command::Upgrade { kb } => upgrade(&KbPaths::new(kb.kb)),
    }
}

/// `dossier new`: an article's folder with its two files, and what to do next.
fn new_article(seeds: &Path, id: &str, title: Option<&str>, language: &str) -> Result<(), Failure> {
    let made = dossier_model::seed::scaffold(seeds, id, title, language)?;
    for file in &made.files {
        println!("wrote {}", file.display());
    }
    println!(
        "next: paste the article's text into {}, curate its facts in {}, then run \
         `dossier validate`",
        made.folder
            .join(dossier_model::seed::ARTICLE_TEXT)
            .display(),
        made.folder.join(dossier_model::seed::FACTS_FILE).display()
    );
    Ok(())
}

/// `dossier check --postgres`: the published copy against the built stores.
fn check_postgres(paths: &KbPaths, pg: PostgresArg) -> Result<(), Failure> {
    let target = pg.target(None);
    let differences = dossier_stores::publish::check_postgres(paths, &target)?;
    if differences.is_empty() {
        println!(
            "the copy published to PostgreSQL (schema {}) agrees",
            target.schema
        );
        Ok(())
    } else {
        Err(Failure::Data(format!(
            "{}\nerror: the copy published to PostgreSQL differs ({} table{} or view{})",
            differences.join("\n"),
            differences.len(),
            if differences.len() == 1 { "" } else { "s" },
            if differences.len() == 1 { "" } else { "s" },
        )))
    }
}

/// `dossier man`: the manual pages, on standard output or one file per command in `dir`.
fn man(dir: Option<&Path>) -> Result<(), Failure> {
    use anyhow::Context;
    let cli = <Cli as clap::CommandFactory>::command();
    match dir {
        None => clap_mangen::Man::new(cli).render(&mut io::stdout().lock())?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create '{}'", dir.display()))?;
            clap_mangen::generate_to(cli, dir)
                .with_context(|| format!("cannot write the pages into '{}'", dir.display()))?;
        }
    }
    Ok(())
}

/// `dossier schema --write DIR`: every generated schema file, under a checkout's root.
fn write_generated_files(root: &Path) -> Result<(), Failure> {
    for (path, text) in dossier_model::generated_files() {
        let path = root.join(path);
        std::fs::write(&path, text).map_err(|e| {
            Failure::Usage(anyhow::anyhow!("cannot write '{}': {e}", path.display()))
        })?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// `dossier schema --sql`: the SQL schema dossier creates, in a dialect.
fn print_sql_schema(dialect: SchemaDialect) -> Result<(), Failure> {
    let text = match dialect {
        SchemaDialect::Sqlite => dossier_model::ddl::sqlite_schema(),
        SchemaDialect::Postgres => {
            dossier_model::ddl::postgres_schema(dossier_model::ddl::Layout::Single)
        }
        SchemaDialect::Citus => {
            dossier_model::ddl::postgres_schema(dossier_model::ddl::Layout::Citus)
        }
    };
    io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| Failure::Usage(e.into()))
}

/// `dossier upgrade`: the database carried forward to the current schema, in place.
fn upgrade(paths: &KbPaths) -> Result<(), Failure> {
    paths.require(&paths.database())?;
    let (before, after) = dossier_stores::sqlite::upgrade(&paths.database())?;
    // The database changed in place: its generation's manifest says so.
    dossier_stores::kb::refresh_manifest(paths)?;
    if before == after {
        println!(
            "{}: already at schema version {after}, nothing to do",
            paths.database().display()
        );
    } else {
        println!(
            "{}: schema version {before} -> {after}",
            paths.database().display()
        );
    }
    Ok(())
}

/// `dossier publish`: to PostgreSQL, to a Graph Store, or both, with a line on each.
fn publish(args: PublishArgs) -> Result<(), Failure> {
    let kb = Kb::at(args.kb.kb);
    let paths = kb.paths();
    paths.require(&paths.database())?;
    if args.pg.postgres.is_some() {
        let mut target = args.pg.target(args.grant_read);
        if args.citus {
            target.layout = dossier_model::ddl::Layout::Citus;
        }
        let summary = kb.publish_postgres(&target)?;
        print_postgres_summary(&summary);
    }
    if let Some(store) = args.graph_store {
        let options = dossier_stores::publish::GraphStoreOptions {
            bulk: args.bulk.then(|| "no_transaction".to_owned()),
        };
        let summary = kb.publish_graph_store(&store, &options)?;
        let triples: u64 = summary.sent.iter().map(|(_, n)| n).sum();
        println!(
            "published to the Graph Store {store}: {} graphs sent ({triples} triples), {} unchanged, {} deleted",
            summary.sent.len(),
            summary.unchanged,
            summary.deleted.len()
        );
    }
    Ok(())
}

/// What a publish to PostgreSQL sent: nothing, the whole knowledge base, or some articles.
fn print_postgres_summary(summary: &dossier_stores::publish::PostgresSummary) {
    let rows: u64 = summary.rows.iter().map(|(_, n)| n).sum();
    let (generation, to) = (summary.generation, &summary.target);
    match &summary.change {
        _ if summary.rows.is_empty() => println!(
            "PostgreSQL ({to}) already holds what generation {generation} holds: nothing sent"
        ),
        dossier_stores::publish::Change::Whole => println!(
            "published generation {generation} to PostgreSQL ({to}): whole, {} tables, {rows} rows",
            summary.rows.len()
        ),
        dossier_stores::publish::Change::Articles {
            replaced,
            removed,
            unchanged,
            shared,
        } => println!(
            "published generation {generation} to PostgreSQL ({to}): {} articles \
             replaced, {} removed, {unchanged} unchanged, shared rows {}; {rows} rows",
            replaced.len(),
            removed.len(),
            if *shared { "replaced" } else { "unchanged" }
        ),
    }
    if summary.layout == dossier_model::ddl::Layout::Citus && !summary.rows.is_empty() {
        if summary.distributed {
            println!("Citus layout: tables placed in the cluster as schema/citus.sql says");
        } else {
            println!(
                "Citus layout, not placed: the server has no citus extension (the \
                 tables are ready for create_distributed_table, see schema/citus.sql)"
            );
        }
    }
}

fn load(
    seeds: &std::path::Path,
    bar: &Bar,
) -> Result<dossier_model::model::KnowledgeBase, Failure> {
    let result = Kb::validate(seeds, bar);
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    result.map_err(|e| match e {
        LoadError::Io(e) => Failure::Usage(e),
        LoadError::Invalid(d) => Failure::Data(d.to_string()),
    })
}

fn validate(seeds: PathBuf, bar: &Bar, quiet: bool) -> Result<(), Failure> {
    let kb = load(&seeds, bar)?;
    if quiet {
        return Ok(());
    }
    let records: usize = kb
        .articles
        .iter()
        .map(|a| a.facts.records().count())
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

fn locate(seeds: &std::path::Path, article: &str, quote: &str) -> Result<(), Failure> {
    let quote = if quote == "-" {
        let mut text = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut text)?;
        // A shell's here-string or echo ends the words with a line break the article may not
        // have there.
        text.strip_suffix('\n').unwrap_or(&text).to_owned()
    } else {
        quote.to_owned()
    };
    let text = dossier_model::seed::read_article_text(seeds, article)?;
    match dossier_model::validate::find_quote(&text, &quote) {
        dossier_model::validate::QuoteSearch::Found(places) => {
            let mut out = io::stdout().lock();
            if places.len() > 1 {
                writeln!(
                    out,
                    "# the quote occurs {} times: give the offsets of the one you mean",
                    places.len()
                )?;
            }
            for (n, (start, end)) in places.iter().enumerate() {
                if places.len() > 1 {
                    if n > 0 {
                        writeln!(out)?;
                    }
                    let line = text.chars().take(*start).filter(|c| *c == '\n').count() + 1;
                    writeln!(out, "# occurrence {} (line {line})", n + 1)?;
                }
                writeln!(out, "start = {start}\nend = {end}")?;
            }
            Ok(())
        }
        dossier_model::validate::QuoteSearch::Missing { message, help } => {
            Err(Failure::Data(format!(
                "error: {message} ({})\n  = help: {help}",
                seeds
                    .join(article)
                    .join(dossier_model::seed::ARTICLE_TEXT)
                    .display()
            )))
        }
    }
}

/// A knowledge base written inside the seeds folder would be read back as an article folder
/// by the next build: refused before anything is written.
fn refuse_kb_inside_seeds(seeds: &std::path::Path, kb: &std::path::Path) -> Result<(), Failure> {
    let Ok(seeds_real) = seeds.canonicalize() else {
        return Ok(()); // a missing seeds folder has its own message
    };
    // The knowledge base folder may not exist yet: its nearest existing ancestor says where.
    let absolute = std::path::absolute(kb).map_err(|e| Failure::Usage(e.into()))?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        let Some(parent) = existing.parent() else {
            break;
        };
        rest.push(existing.file_name().unwrap_or_default().to_owned());
        existing = parent;
    }
    let mut kb_real = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_owned());
    kb_real.extend(rest.iter().rev());
    if kb_real.starts_with(&seeds_real) {
        return Err(Failure::Usage(anyhow::anyhow!(
            "the knowledge base folder '{}' is inside the seeds folder '{}': the next build \
             would read it as an article; give --kb a folder outside the seeds (e.g. kb beside \
             seeds)",
            kb.display(),
            seeds.display()
        )));
    }
    Ok(())
}

fn build(
    seeds: PathBuf,
    paths: KbPaths,
    settings: &dossier_stores::kb::BuildSettings,
    bar: &Bar,
    quiet: bool,
) -> Result<(), Failure> {
    refuse_kb_inside_seeds(&seeds, &paths.dir)?;
    // Only for a build: `check` at 1M records was no smaller with it, and slower.
    dossier::dossier_model::map_large_allocations_apart();
    // Ctrl-C, SIGTERM or SIGHUP during a build: remove what this build had written so far (the
    // current generation is untouched until the build's last step) and stop.
    // A late signal may come after the new generation became current: the message says so.
    let unfinished = dossier_stores::kb::temporary_folder(&paths.dir);
    let dir = paths.dir.clone();
    let before = dossier_stores::kb::current_generation(&dir);
    let _ = ctrlc::set_handler(move || {
        // Not released: the process ends here, so a switch not yet begun never happens.
        let switching = dossier_stores::kb::SWITCHING.lock();
        std::mem::forget(switching);
        let _ = std::fs::remove_dir_all(&unfinished);
        match dossier_stores::kb::current_generation(&dir) {
            now if now != before => eprintln!(
                "dossier: build interrupted after its new knowledge base became current ({}): \
                 it is complete; build again to tidy the folder",
                now.as_deref()
                    .unwrap_or(std::path::Path::new("?"))
                    .display()
            ),
            _ => eprintln!("dossier: build interrupted; the knowledge base is as it was"),
        }
        std::process::exit(130);
    });
    let built = Kb::with_paths(paths.clone()).build_from_seeds(&seeds, settings, bar);
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    let summary = built?.map_err(|e| match e {
        LoadError::Io(e) => Failure::Usage(e),
        LoadError::Invalid(d) => Failure::Data(d.to_string()),
    })?;
    if quiet {
        return Ok(());
    }
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "built {} from {}",
        paths.dir.display(),
        seeds.display()
    )?;
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["table", "rows"]);
    for (name, rows) in &summary.tables {
        table.add_row(vec![name.to_string(), rows.to_string()]);
    }
    writeln!(out, "{table}")?;
    let rows: usize = summary.tables.iter().map(|(_, n)| n).sum();
    for (what, time) in &summary.timings {
        let secs = time.as_secs_f64().max(1e-9);
        let rate = match *what {
            "validate" => "the seeds read, checked and set aside".to_owned(),
            "sqlite" => format!("{rows} rows, {:.0} rows/s", rows as f64 / secs),
            "manifest" => "file sizes and hashes".to_owned(),
            "sync" => "written to disk".to_owned(),
            "report" => "the HTML page and the site".to_owned(),
            _ => format!(
                "{} triples, {:.0} triples/s",
                summary.triples,
                summary.triples as f64 / secs
            ),
        };
        writeln!(out, "{what}: {secs:.3} s ({rate})")?;
    }
    writeln!(out, "generation {}", summary.generation)?;
    for file in &summary.files {
        writeln!(out, "wrote {}", file.display())?;
    }
    writeln!(out, "in {:.2} s", summary.elapsed.as_secs_f64())?;
    Ok(())
}

fn sql(
    query: &str,
    format: RowFormat,
    mut out: Destination,
    params: &[(String, String)],
    bounds: Bounds,
    kb: Kb,
) -> Result<(), Failure> {
    let mut writer = RowWriter::new(&mut out, format);
    match kb.sql(query, params, bounds, &mut writer) {
        Ok(()) => {
            writer.finish().map_err(Failure::Usage)?;
            out.finish().map_err(Failure::Usage)
        }
        Err(
            dossier_stores::sqlite::QueryError::Output(e)
            | dossier_stores::sqlite::QueryError::Open(e),
        ) => Err(Failure::Usage(e)),
        Err(dossier_stores::sqlite::QueryError::Placed(shown)) => Err(Failure::Data(shown)),
        Err(e) => Err(Failure::Data(format!("error: {e}"))),
    }
}

/// Runs one SPARQL query within its bounds, writing the answer as it comes.
fn sparql(
    query: &str,
    format: (Option<SparqlFormat>, bool),
    out: Destination,
    params: &[(String, String)],
    bounds: Bounds,
    kb: Kb,
) -> Result<(), Failure> {
    // The answer's file, if the stopped query still holds it.
    let unfinished = out.unfinished();
    let answered = kb.sparql(query, params, bounds, move |store, parsed, cancel| {
        answer_sparql(store, parsed, format, out, cancel)
    });
    match answered {
        Ok(()) => Ok(()),
        Err(QueryStop::Query(e)) | Err(QueryStop::Answer(SparqlFailure::Query(e))) => {
            // A syntax error shows itself, with the query's line and a caret.
            Err(Failure::Data(
                match e.downcast_ref::<dossier_stores::sparql::SyntaxError>() {
                    Some(syntax) => syntax.to_string(),
                    None => format!("error: {e:#}"),
                },
            ))
        }
        Err(QueryStop::Answer(SparqlFailure::Output(e))) | Err(QueryStop::Refused(e)) => {
            Err(Failure::Usage(e))
        }
        Err(QueryStop::Outrun(outrun, bounds)) => {
            // The process ends with this error, and its end stops the query at once and
            // gives back all it held.
            if let Some(path) = &unfinished {
                let _ = std::fs::remove_file(path);
            }
            Err(Failure::Data(format!("error: {}", outrun.advice(bounds))))
        }
        Err(QueryStop::Lost(why)) => Err(Failure::Data(format!("error: {why}"))),
        Err(QueryStop::Disagree { .. }) => unreachable!("one store answers a SPARQL query"),
    }
}

/// Why a SPARQL query gave no complete answer: the query (exit 1) or the output (a closed pipe
/// ends quietly; anything else is exit 2).
enum SparqlFailure {
    Query(anyhow::Error),
    Output(anyhow::Error),
}

/// Runs and prints one parsed query; a SELECT's rows are written as they are computed.
fn answer_sparql(
    store: &dossier_stores::sparql::Store,
    parsed: spargebra::Query,
    (format, to_file): (Option<SparqlFormat>, bool),
    mut out: Destination,
    cancel: dossier_stores::sparql::CancellationToken,
) -> Result<(), SparqlFailure> {
    let base = store.base();
    let terminal = !to_file && io::IsTerminal::is_terminal(&io::stdout());
    let graph = matches!(
        parsed,
        spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. }
    );
    let format = match (format, graph, terminal) {
        // JSON and XML mean JSON-LD and RDF/XML for triples, as they do for `serve`.
        (Some(SparqlFormat::Json), true, _) => SparqlFormat::Jsonld,
        (Some(SparqlFormat::Xml), true, _) => SparqlFormat::Rdfxml,
        (Some(format), _, _) => format,
        (None, _, true) => SparqlFormat::Table,
        (None, true, false) => SparqlFormat::Ntriples,
        (None, false, false) => SparqlFormat::Json,
    };
    let output = |e: anyhow::Error| SparqlFailure::Output(e);
    if let spargebra::Query::Select { .. } = parsed {
        let mut rows = output::SelectWriter::new(&mut out, format, base).map_err(output)?;
        match store.query_streaming(parsed, cancel, &mut rows) {
            Ok(_) => rows.finish().map_err(output)?,
            Err(e) if rows.output_failed() => return Err(SparqlFailure::Output(e)),
            Err(e) => return Err(SparqlFailure::Query(e)),
        }
    } else {
        let answer = store
            .query_cancellable(parsed, cancel)
            .map_err(SparqlFailure::Query)?;
        output::write_answer(&mut out, &answer, format, base).map_err(output)?;
    }
    out.finish().map_err(SparqlFailure::Output)
}

/// Now (UTC), as RFC 3339.
fn utc_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc(now)
}

/// A date and time (UTC) from seconds since the Unix epoch, as RFC 3339, by XML Schema's
/// calendar (the engine's own date type, as the seeds' dates and the report's timeline).
fn utc(seconds: u64) -> String {
    use oxsdatatypes::{DateTime, DayTimeDuration};
    let epoch: DateTime = "1970-01-01T00:00:00Z"
        .parse()
        .expect("the epoch is a date and time");
    i64::try_from(seconds)
        .ok()
        .and_then(|s| epoch.checked_add_day_time_duration(DayTimeDuration::new(s)))
        .map_or_else(|| format!("{seconds} s after 1970"), |t| t.to_string())
}

fn info(paths: KbPaths, json: bool, mut out: Destination) -> Result<(), Failure> {
    let info = KbInfo::read(&paths)?;
    if json {
        let doc = serde_json::to_string_pretty(&info.to_json()).map_err(anyhow::Error::from)?;
        writeln!(out, "{doc}")?;
    } else {
        info.write_text(&mut out, &paths.dir)?;
    }
    Ok(out.finish()?)
}

/// What `dossier info` says of a knowledge base: its manifest, its description, counts of its
/// records, the days its events and publications cover, and its graph.
struct KbInfo {
    manifest: dossier_stores::kb::Manifest,
    title: String,
    base: String,
    license: Option<String>,
    description: Option<String>,
    articles: i64,
    /// Records by kind, and those each article defines (shared actors belong to none).
    kinds: Vec<(String, i64)>,
    per_article: Vec<(String, i64)>,
    /// The days the dated events and the publications cover (partial dates by their span).
    events_span: Option<(String, String)>,
    published_span: Option<(String, String)>,
    triples: usize,
    quads: usize,
    terms: usize,
}

impl KbInfo {
    fn read(paths: &KbPaths) -> Result<KbInfo, Failure> {
        paths.require(&paths.manifest())?;
        let manifest = dossier_stores::kb::read_manifest(paths)?;
        let conn = dossier_stores::sqlite::open_read_only(&paths.database())?;
        let (title, base, license, description) = conn
            .query_row(
                "SELECT title, base_iri, license, description FROM knowledge_base",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(anyhow::Error::from)?;
        let articles: i64 = conn
            .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
            .map_err(anyhow::Error::from)?;
        let counts = |sql: &str| -> Result<Vec<(String, i64)>, Failure> {
            Ok(conn
                .prepare(sql)
                .and_then(|mut stmt| {
                    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()
                })
                .map_err(anyhow::Error::from)?)
        };
        let kinds = counts("SELECT kind, count(*) FROM records GROUP BY kind ORDER BY kind")?;
        let per_article = counts(
            "SELECT a.id, count(r.id) FROM articles a LEFT JOIN records r ON r.article_id = a.id \
             GROUP BY a.id ORDER BY a.id",
        )?;
        let span = |view: &str| -> Result<Option<(String, String)>, Failure> {
            let sql = format!("SELECT min(start_date), max(end_date) FROM {view}");
            let (from, to): (Option<String>, Option<String>) = conn
                .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(anyhow::Error::from)?;
            Ok(from.zip(to))
        };
        let (events_span, published_span) = (span("event_timeline")?, span("article_timeline")?);
        let index = dossier_stores::index::Index::open(&paths.index())?;
        let triples = index
            .quads(None, None, None, Some(dossier_stores::index::DEFAULT_GRAPH))
            .count();
        Ok(KbInfo {
            manifest,
            title,
            base,
            license,
            description,
            articles,
            kinds,
            per_article,
            events_span,
            published_span,
            triples,
            quads: index.len(),
            terms: index.term_count(),
        })
    }

    fn to_json(&self) -> serde_json::Value {
        let span = |s: &Option<(String, String)>| match s {
            Some((from, to)) => serde_json::json!({"from": from, "to": to}),
            None => serde_json::Value::Null,
        };
        let counts = |rows: &[(String, i64)]| {
            rows.iter()
                .map(|(k, n)| (k.clone(), serde_json::json!(n)))
                .collect::<serde_json::Map<_, _>>()
        };
        let manifest = &self.manifest;
        serde_json::json!({
            "generation": manifest.generation,
            "built_at": utc(manifest.built_at),
            "dossier_version": manifest.dossier_version,
            "schema_version": manifest.schema_version,
            "title": self.title,
            "base_iri": self.base,
            "license": self.license,
            "description": self.description,
            "articles": self.articles,
            "records": counts(&self.kinds),
            "records_per_article": counts(&self.per_article),
            "events": span(&self.events_span),
            "published": span(&self.published_span),
            "triples": self.triples,
            "quads": self.quads,
            "terms": self.terms,
            "files": manifest.files.iter().map(|f| serde_json::json!({"name": f.name, "bytes": f.bytes, "hash": f.hash})).collect::<Vec<_>>(),
        })
    }

    fn write_text(&self, out: &mut Destination, dir: &Path) -> Result<(), Failure> {
        // A long archive lists its first articles; --json lists them all.
        const LISTED: usize = 10;
        let manifest = &self.manifest;
        writeln!(out, "{}", self.title)?;
        if let Some(d) = &self.description {
            writeln!(out, "{d}")?;
        }
        writeln!(
            out,
            "generation {} of '{}', built {} by dossier {}, schema version {}",
            manifest.generation,
            dir.display(),
            utc(manifest.built_at),
            manifest.dossier_version,
            manifest.schema_version
        )?;
        writeln!(out, "base IRI: {}", self.base)?;
        writeln!(
            out,
            "licence: {}",
            self.license.as_deref().unwrap_or("(none)")
        )?;
        let records: Vec<String> = self.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(
            out,
            "articles: {}; records: {}",
            self.articles,
            records.join(", ")
        )?;
        for (article, n) in self.per_article.iter().take(LISTED) {
            writeln!(out, "  {article}: {n} records")?;
        }
        if self.per_article.len() > LISTED {
            writeln!(
                out,
                "  ... and {} more articles (--json lists them all)",
                self.per_article.len() - LISTED
            )?;
        }
        let span = |s: &Option<(String, String)>| match s {
            Some((from, to)) if from == to => from.clone(),
            Some((from, to)) => format!("{from} to {to}"),
            None => "none".to_owned(),
        };
        writeln!(
            out,
            "dated events: {}; published: {}",
            span(&self.events_span),
            span(&self.published_span)
        )?;
        writeln!(
            out,
            "graph: {} triples; {} quads in {} named graph{} and the default graph; {} terms",
            self.triples,
            self.quads,
            self.articles,
            if self.articles == 1 { "" } else { "s" },
            self.terms
        )?;
        for f in &manifest.files {
            writeln!(out, "  {:<16} {:>12} bytes  {}", f.name, f.bytes, f.hash)?;
        }
        Ok(())
    }
}

fn report(paths: KbPaths, mut out: Destination) -> Result<(), Failure> {
    let conn = dossier_stores::sqlite::open_read_only(&paths.database())?;
    let max = dossier_stores::report::ONE_PAGE_MAX_BYTES;
    let Some(page) = dossier_stores::report::one_page(&conn, max)? else {
        return Err(anyhow::anyhow!(
            "the report would take more than {} MiB as one page, more than a browser opens \
             comfortably: open the site the build wrote, {}, or write one with `dossier report \
             --site FOLDER`",
            max >> 20,
            paths
                .dir
                .join(dossier_stores::kb::SITE_FOLDER)
                .join(dossier_stores::site::INDEX_PAGE)
                .display()
        )
        .into());
    };
    out.write_all(&page)?;
    Ok(out.finish()?)
}

fn report_site(paths: KbPaths, folder: &Path) -> Result<(), Failure> {
    let occupied = std::fs::read_dir(folder).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(anyhow::anyhow!(
            "'{}' is not empty: give a new folder, or remove this one first",
            folder.display()
        )
        .into());
    }
    // It opens the database (and says so when there is none) before it writes anything.
    let summary = dossier_stores::site::write(&paths.database(), folder)?;
    eprintln!(
        "wrote {} pages ({} bytes, the largest {} bytes: {}) to {}",
        summary.pages,
        summary.bytes,
        summary.largest.0,
        summary.largest.1,
        folder.join(dossier_stores::site::INDEX_PAGE).display()
    );
    Ok(())
}

fn export(format: ExportFormat, mut writer: Destination, paths: KbPaths) -> Result<(), Failure> {
    use anyhow::Context;
    let kb = Kb::with_paths(paths);
    let paths = kb.paths();
    let source = match format {
        ExportFormat::Turtle => paths.turtle(),
        ExportFormat::Ntriples | ExportFormat::Nquads => paths.nquads(),
        ExportFormat::Jsonld | ExportFormat::Trig => paths.index(),
    };
    paths.require(&source)?;
    let mut reader = io::BufReader::new(
        std::fs::File::open(&source)
            .with_context(|| format!("cannot open '{}'", source.display()))?,
    );
    match format {
        ExportFormat::Turtle | ExportFormat::Nquads => {
            io::copy(&mut reader, &mut writer)?;
        }
        ExportFormat::Ntriples => dossier_stores::rdf::nquads_to_ntriples(reader, &mut writer)?,
        ExportFormat::Jsonld => {
            let index = dossier_stores::index::Index::open(&paths.index())?;
            dossier_stores::rdf::index_to_jsonld(&index, &kb.base_iri()?, &mut writer)?
        }
        ExportFormat::Trig => {
            let index = dossier_stores::index::Index::open(&paths.index())?;
            dossier_stores::rdf::index_to_trig(&index, &kb.base_iri()?, &mut writer)?
        }
    }
    writer.finish()?;
    Ok(())
}

/// What `tables`, `views` and `schema` list.
enum Listing {
    Tables,
    Views,
    /// Every column of every table and view, or of the one named.
    Columns(Option<String>),
}

/// A name that is no table or view of the database, with the closest one that is.
fn no_such_relation(catalog: &[dossier_stores::datasette::Relation], name: &str) -> Failure {
    let known: Vec<&str> = catalog.iter().map(|r| r.name.as_str()).collect();
    let hint = dossier_model::diagnostic::closest(name, &known)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    Failure::Data(format!(
        "error: the database has no table or view '{name}'{hint}: `dossier tables` and \
         `dossier views` list them"
    ))
}

fn list_catalog(
    listing: Listing,
    format: RowFormat,
    mut out: Destination,
    paths: &KbPaths,
) -> Result<(), Failure> {
    use serde_json::Value as J;
    paths.require(&paths.database())?;
    let conn = dossier_stores::sqlite::open_read_only(&paths.database())?;
    let catalog = dossier_stores::datasette::catalog(&conn)?;
    let mut writer = RowWriter::new(&mut out, format);
    let names = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    let usage = Failure::Usage;
    match &listing {
        Listing::Tables | Listing::Views => {
            let kind = if matches!(listing, Listing::Tables) {
                "table"
            } else {
                "view"
            };
            let header: &[&str] = if kind == "table" {
                &["table", "rows", "columns", "description"]
            } else {
                &["view", "columns", "description"]
            };
            dossier_stores::sqlite::RowSink::columns(&mut writer, &names(header)).map_err(usage)?;
            for relation in catalog.iter().filter(|r| r.kind == kind) {
                let columns: Vec<&str> = relation.columns.iter().map(|c| c.name.as_str()).collect();
                let mut row = vec![J::from(relation.name.as_str())];
                if kind == "table" {
                    // Names come from the database's own schema, quoted as identifiers.
                    let rows: i64 = conn
                        .query_row(
                            &format!(
                                "SELECT count(*) FROM \"{}\"",
                                relation.name.replace('"', "\"\"")
                            ),
                            [],
                            |r| r.get(0),
                        )
                        .map_err(|e| Failure::Usage(e.into()))?;
                    row.push(J::from(rows));
                }
                row.push(J::from(columns.join(", ")));
                row.push(J::from(relation.description.as_str()));
                writer.json_row(&row).map_err(usage)?;
            }
        }
        Listing::Columns(name) => {
            if let Some(name) = name
                && !catalog.iter().any(|r| r.name == *name)
            {
                return Err(no_such_relation(&catalog, name));
            }
            dossier_stores::sqlite::RowSink::columns(
                &mut writer,
                &names(&[
                    "relation",
                    "kind",
                    "column",
                    "type",
                    "not_null",
                    "primary_key",
                    "references",
                    "description",
                ]),
            )
            .map_err(usage)?;
            for relation in catalog
                .iter()
                .filter(|r| name.as_ref().is_none_or(|n| *n == r.name))
            {
                for c in &relation.columns {
                    let kind = if c.generated {
                        format!("{} (generated)", c.declared_type)
                    } else {
                        c.declared_type.clone()
                    };
                    writer
                        .json_row(&[
                            J::from(relation.name.as_str()),
                            J::from(relation.kind),
                            J::from(c.name.as_str()),
                            J::from(kind),
                            J::from(c.not_null),
                            J::from(c.primary_key),
                            c.references.as_deref().map_or(J::Null, J::from),
                            J::from(c.description.as_str()),
                        ])
                        .map_err(usage)?;
                }
            }
        }
    }
    writer.finish().map_err(usage)?;
    Ok(out.finish()?)
}

fn list_queries(
    all: &[dossier_stores::queries::NamedQuery],
    format: Option<RowFormat>,
    mut out: Destination,
) -> Result<(), Failure> {
    // Asked for a format, the list is rows like any answer (the parameters as one JSON
    // object: name → default and description).
    if let Some(format) = format.filter(|f| *f != RowFormat::Table) {
        let mut writer = RowWriter::new(&mut out, format);
        dossier_stores::sqlite::RowSink::columns(
            &mut writer,
            &[
                "name".to_owned(),
                "description".to_owned(),
                "parameters".to_owned(),
            ],
        )
        .map_err(Failure::Usage)?;
        for q in all {
            let params: serde_json::Map<String, serde_json::Value> = q
                .params
                .iter()
                .map(|(name, p)| {
                    let about =
                        serde_json::json!({"default": p.default, "description": p.description});
                    (name.clone(), about)
                })
                .collect();
            writer
                .json_row(&[
                    serde_json::Value::from(q.name.as_str()),
                    serde_json::Value::from(q.description.as_str()),
                    serde_json::Value::Object(params),
                ])
                .map_err(Failure::Usage)?;
        }
        writer.finish().map_err(Failure::Usage)?;
        return Ok(out.finish()?);
    }
    for q in all {
        writeln!(out, "{}  {}", q.name, q.description)?;
        for (name, p) in &q.params {
            writeln!(
                out,
                "    --param {name}=VALUE  {} (default: {})",
                p.description, p.default
            )?;
        }
    }
    Ok(out.finish()?)
}

fn query(
    q: &dossier_stores::queries::NamedQuery,
    given: &[(String, String)],
    (store, pg, bounds): (StoreChoice, &PostgresArg, Bounds),
    format: RowFormat,
    out: Destination,
    paths: KbPaths,
) -> Result<(), Failure> {
    let stores = match store {
        StoreChoice::Sql => Stores::Sqlite,
        StoreChoice::Rdf => Stores::Graph,
        StoreChoice::Both => Stores::Both,
        StoreChoice::Postgres => {
            let params = q.bind(given)?;
            let rows =
                dossier_stores::publish::query_postgres(&pg.target(None), q, &params, bounds.time)?;
            return write_rows(&rows, format, out);
        }
    };
    let rows = Kb::with_paths(paths)
        .named_query(q, given, stores, bounds)
        .map_err(|e| match e {
            QueryStop::Refused(e) => Failure::Usage(e),
            e => Failure::Data(format!("error: {e}")),
        })?;
    write_rows(&rows, format, out)
}

/// A named query's rows, as `dossier sql` writes its own.
fn write_rows(
    rows: &dossier_stores::queries::Rows,
    format: RowFormat,
    mut out: Destination,
) -> Result<(), Failure> {
    let mut writer = RowWriter::new(&mut out, format);
    dossier_stores::sqlite::RowSink::columns(&mut writer, &rows.columns)?;
    for row in &rows.rows {
        writer.json_row(row)?;
    }
    writer.finish()?;
    Ok(out.finish()?)
}

fn check(paths: &KbPaths, settings: &CheckSettings, bar: &Bar) -> Result<(), Failure> {
    let report = Kb::with_paths(paths.clone()).check(settings, bar)?;
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    let mut out = io::stdout().lock();
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["kind", "database", "graph"]);
    for (kind, a, b) in &report.counts {
        table.add_row(vec![kind.clone(), a.to_string(), b.to_string()]);
    }
    writeln!(out, "{table}")?;
    writeln!(
        out,
        "{} fields compared, {} quotes checked at their offsets",
        report.fields_compared, report.quotes_checked
    )?;
    if report.agrees() {
        writeln!(out, "the database and the graph agree")?;
        Ok(())
    } else {
        Err(Failure::Data(format!(
            "{}\nerror: the stores disagree ({} difference{})",
            report.drift.join("\n"),
            report.drift.len(),
            if report.drift.len() == 1 { "" } else { "s" }
        )))
    }
}
