//! Publishing a built knowledge base to the engines teams run: PostgreSQL (the tables, keys,
//! views and descriptions `ddl` generates, rows by binary COPY) and any SPARQL 1.1 Graph Store
//! (one named graph per article, the shared triples in the default graph).
//!
//! PostgreSQL: what readers see changes in one transaction. A whole publish loads a staging
//! schema (committed first, so that several connections load and index its tables at once),
//! then in one transaction adds its foreign keys and views, checks it (row counts against the
//! SQLite store), drops the published schema and renames the staging one in its place. An
//! article-by-article publish replaces rows in place, in one transaction. A dashboard reading
//! meanwhile sees the old knowledge base or the new one, never a mix; a publish that fails or
//! is killed leaves the published one as it was (a staging schema left behind is dropped by
//! the next publish, under the lock that lets one publish into a schema run at a time). A
//! schema dossier did not create (no marker table, or a staging schema without its comment)
//! is never written into.
//!
//! Graph Store: each graph's N-Triples are hashed first; graphs whose hash the target's
//! publication graph already holds are not sent, the others are sent with `PUT` (the first
//! chunk) and `POST` (the next ones), so memory holds one chunk, never a whole graph.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use rusqlite::types::Value as SqlValue;

use crate::datasette;
use crate::ddl::{self, SqlType};
use crate::index::Index;
use crate::kb::{self, KbPaths};
use crate::mapping;
use crate::sqlite;

/// More changed articles than this, and more than half of them: a whole publish.
pub const MOST_ARTICLES: usize = 100;

/// The table in a published schema that says dossier made it, and what it holds.
pub const MARKER_TABLE: &str = "dossier_publication";

/// Where and how to publish to PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresTarget {
    /// A connection URL or key=value string; None: the `PG*` variables and `.pgpass`.
    pub url: Option<String>,
    pub schema: String,
    /// A role that gets read access to the published schema (dashboards).
    pub grant_read: Option<String>,
    /// One server's tables, or Citus's layout (`dossier publish --citus`).
    pub layout: ddl::Layout,
}

/// What a publish did.
#[derive(Debug, Clone)]
pub struct PostgresSummary {
    /// Where it went, without credentials: `user@host:port/database, schema dossier`.
    pub target: String,
    pub generation: u64,
    /// Rows sent, per table (none: nothing changed).
    pub rows: Vec<(&'static str, u64)>,
    pub change: Change,
    /// The layout published; for Citus, whether the server placed the tables in its cluster
    /// (false: it has no citus extension, the tables are laid out for one but not placed).
    pub layout: ddl::Layout,
    pub distributed: bool,
}

/// What a publish replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new schema, swapped in (nothing was published there, or an older schema version).
    Whole,
    /// The articles whose rows changed, were added or were removed, replaced in place.
    Articles {
        replaced: Vec<String>,
        removed: Vec<String>,
        unchanged: usize,
        /// Whether the rows no article owns (actors, topics, the knowledge base's row) changed.
        shared: bool,
    },
}

/// The table, in a published schema, of each article's content hash ('' for the rows no
/// article owns): what the next publish compares with.
pub const ARTICLES_TABLE: &str = "dossier_articles";

/// The connection settings: the URL as given, or libpq's variables (`PGHOST`, `PGPORT`,
/// `PGUSER`, `PGDATABASE`, `PGPASSWORD`, then `.pgpass`) as psql reads them.
pub fn postgres_config(url: Option<&str>) -> Result<postgres::Config> {
    let mut config: postgres::Config = match url {
        Some(url) => url.parse().map_err(|e| {
            anyhow::anyhow!(
                "cannot read the PostgreSQL connection string ({e}); give a URL such as \
                 postgresql://user@host/database or host=/run/postgresql dbname=kb"
            )
        })?,
        None => postgres::Config::new(),
    };
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        config.host(&var("PGHOST").unwrap_or_else(|| "/var/run/postgresql".into()));
    }
    if config.get_ports().is_empty()
        && let Some(port) = var("PGPORT")
    {
        config.port(port.parse().context("PGPORT is not a port number")?);
    }
    if config.get_user().is_none() {
        let user = var("PGUSER")
            .or_else(|| var("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    if config.get_dbname().is_none() {
        let db = var("PGDATABASE").unwrap_or_else(|| config.get_user().unwrap_or("").to_owned());
        config.dbname(&db);
    }
    if config.get_password().is_none() {
        if let Some(password) = var("PGPASSWORD") {
            config.password(&password);
        } else if let Some(password) = pgpass_password(&config) {
            config.password(&password);
        }
    }
    Ok(config)
}

/// The password `.pgpass` (or `PGPASSFILE`) gives for this host, port, database and user.
fn pgpass_password(config: &postgres::Config) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let host = match config.get_hosts().first()? {
        postgres::config::Host::Tcp(h) => h.clone(),
        // libpq matches a Unix socket as "localhost".
        postgres::config::Host::Unix(_) => "localhost".into(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let wanted = [
        host.as_str(),
        port.as_str(),
        config.get_dbname().unwrap_or(""),
        config.get_user().unwrap_or(""),
    ];
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let fields = split_pgpass(line);
            (fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(f, w)| f == "*" || f == w))
            .then(|| fields[4].clone())
        })
}

/// A `.pgpass` line's five fields (`:` separates them, `\` escapes).
fn split_pgpass(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut().unwrap().extend(chars.next()),
            ':' => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Where a connection goes, for messages: never the password.
pub fn describe_target(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "?".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().unwrap_or("?")
    )
}

/// Connects, with advice when the server cannot be reached.
pub fn connect(config: &postgres::Config) -> Result<postgres::Client> {
    config.connect(postgres::NoTls).with_context(|| {
        format!(
            "cannot connect to PostgreSQL at {}: is the server running, and are the host, port, \
             user and database right (--postgres URL, or PGHOST, PGPORT, PGUSER, PGDATABASE)?",
            describe_target(config)
        )
    })
}

/// A PostgreSQL identifier, quoted.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A percentage as PostgreSQL's binary `numeric`, from its canonical decimal text, so that
/// `numeric` columns load by binary COPY with no floating-point step.
#[derive(Debug)]
struct Numeric(String);

impl ToSql for Numeric {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&encode_numeric(&self.0)?);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }

    to_sql_checked!();
}

/// PostgreSQL's binary numeric: digit count, weight (of the first base-10000 digit), sign,
/// display scale, then the base-10000 digits.
fn encode_numeric(text: &str) -> Result<Vec<u8>, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return Err(format!("'{text}' is not a decimal number"));
    }
    let int_padded = format!("{}{int}", "0".repeat((4 - int.len() % 4) % 4));
    let frac_padded = format!("{frac}{}", "0".repeat((4 - frac.len() % 4) % 4));
    let mut groups: Vec<i16> = int_padded
        .as_bytes()
        .chunks(4)
        .chain(frac_padded.as_bytes().chunks(4))
        .map(|c| std::str::from_utf8(c).unwrap().parse().unwrap())
        .collect();
    let mut weight = (int_padded.len() / 4) as i16 - 1;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let mut out = Vec::with_capacity(8 + 2 * groups.len());
    out.extend((groups.len() as i16).to_be_bytes());
    out.extend(weight.to_be_bytes());
    out.extend(
        (if negative && !groups.is_empty() {
            0x4000u16
        } else {
            0
        })
        .to_be_bytes(),
    );
    out.extend((frac.len() as u16).to_be_bytes());
    for g in groups {
        out.extend(g.to_be_bytes());
    }
    Ok(out)
}

fn pg_type(ty: SqlType) -> Type {
    match ty {
        SqlType::Text => Type::TEXT,
        SqlType::Integer => Type::INT4,
        SqlType::Decimal => Type::NUMERIC,
        SqlType::Boolean => Type::BOOL,
    }
}

/// One SQLite value as the PostgreSQL value of a column of type `ty`.
fn pg_value(
    value: SqlValue,
    ty: SqlType,
    at: impl Fn() -> String,
) -> Result<Box<dyn ToSql + Sync>> {
    Ok(match (value, ty) {
        (SqlValue::Null, SqlType::Text) => Box::new(None::<String>),
        (SqlValue::Null, SqlType::Integer) => Box::new(None::<i32>),
        (SqlValue::Null, SqlType::Boolean) => Box::new(None::<bool>),
        (SqlValue::Null, SqlType::Decimal) => Box::new(None::<Numeric>),
        (SqlValue::Text(s), SqlType::Text) => Box::new(s),
        (SqlValue::Integer(n), SqlType::Integer) => Box::new(
            i32::try_from(n).with_context(|| format!("{}: {n} does not fit an integer", at()))?,
        ),
        (SqlValue::Integer(n), SqlType::Boolean) => Box::new(n != 0),
        (SqlValue::Real(x), SqlType::Decimal) => Box::new(Numeric(decimal_text(x))),
        (SqlValue::Integer(n), SqlType::Decimal) => Box::new(Numeric(n.to_string())),
        (other, _) => bail!(
            "{}: the database holds {other:?}, not a {ty:?} (a bug)",
            at()
        ),
    })
}

/// The shortest decimal text that reads back as `x` (the percentage the seeds gave).
fn decimal_text(x: f64) -> String {
    let text = format!("{x}");
    if text.contains('e') {
        format!("{x:.10}")
    } else {
        text
    }
}

/// Which rows `copy_table` sends.
enum RowsToCopy<'a> {
    /// Every row, each added to the articles' hashes.
    All(&'a mut ArticleHashes),
    /// The rows of these articles (and the shared ones).
    Articles(&'a ArticleFilter),
}

/// Which articles' rows a partial publish replaces: these, and the shared rows if `shared`.
#[derive(Debug)]
struct ArticleFilter {
    articles: Vec<String>,
    shared: bool,
}

/// The SQL expression (SQLite's and PostgreSQL's alike) of the article a row of `table`
/// belongs to, NULL for the rows no article owns: its `article_id`, an article's own id, or
/// that of the row its key's first column references (a list's or nested row's owner).
fn article_of(table: &ddl::Table, tables: &[ddl::Table]) -> String {
    let name = table.name;
    if name == "articles" {
        return "articles.id".into();
    }
    if table.column("article_id").is_some() {
        return format!("{name}.article_id");
    }
    let owner = table
        .key
        .first()
        .and_then(|k| table.column(k))
        .and_then(|c| Some((c.name.as_str(), c.references?)))
        .and_then(|(c, parent)| Some((c, tables.iter().find(|t| t.name == parent)?)));
    match owner {
        Some((column, parent)) => format!(
            "(SELECT {} FROM {p} WHERE {p}.id = {name}.{column})",
            article_of(parent, tables),
            p = parent.name
        ),
        None => "NULL".into(),
    }
}

/// A condition true of the rows of `table` that the articles `is_in` accepts own: on the
/// table's own `article_id`, or its owner's key looked up by index (never a scan). None for a
/// table no article owns a row of.
fn in_articles(
    table: &ddl::Table,
    tables: &[ddl::Table],
    is_in: &dyn Fn(&str) -> String,
) -> Option<String> {
    let name = table.name;
    if name == "articles" {
        return Some(is_in("articles.id"));
    }
    if table.column("article_id").is_some() {
        return Some(is_in(&format!("{name}.article_id")));
    }
    let (column, parent) = ddl::owner(table, tables)?;
    Some(format!(
        "{name}.{column} IN (SELECT {p}.id FROM {p} WHERE {})",
        in_articles(parent, tables, is_in)?,
        p = parent.name
    ))
}

/// Each article's content hash: the sum of the hashes of the rows it owns in every table
/// ('' for the shared rows). A sum, so rows may come in any order: a whole publish hashes them
/// as it copies them, an article-by-article one reads them first ([`article_hashes`]).
#[derive(Debug, Default)]
struct ArticleHashes(BTreeMap<String, u128>);

impl ArticleHashes {
    /// Adds one row: `row`'s column `of` says which article owns it, `columns` are its values.
    fn add(
        &mut self,
        table: &str,
        row: &rusqlite::Row<'_>,
        of: usize,
        columns: &[usize],
    ) -> Result<()> {
        use rusqlite::types::ValueRef;
        use siphasher::sip128::{Hasher128, SipHasher13};
        use std::hash::Hasher;
        let mut hasher = SipHasher13::new();
        hasher.write(table.as_bytes());
        for &i in columns {
            // A tag per type, then the value's bytes (a text's length first): two rows hash
            // alike only when every value is the same.
            match row.get_ref(i)? {
                ValueRef::Null => hasher.write_u8(0),
                ValueRef::Integer(n) => {
                    hasher.write_u8(1);
                    hasher.write_i64(n);
                }
                ValueRef::Real(x) => {
                    hasher.write_u8(2);
                    hasher.write_u64(x.to_bits());
                }
                ValueRef::Text(t) | ValueRef::Blob(t) => {
                    hasher.write_u8(3);
                    hasher.write_usize(t.len());
                    hasher.write(t);
                }
            }
        }
        let hash = hasher.finish128().as_u128();
        let article = match row.get_ref(of)? {
            ValueRef::Text(t) => std::str::from_utf8(t)?,
            _ => "",
        };
        match self.0.get_mut(article) {
            Some(sum) => *sum = sum.wrapping_add(hash),
            None => {
                self.0.insert(article.to_owned(), hash);
            }
        }
        Ok(())
    }

    /// Adds another loader's sums: a sum does not depend on which loader saw which row.
    fn merge(&mut self, other: ArticleHashes) {
        for (article, hash) in other.0 {
            let sum = self.0.entry(article).or_insert(0);
            *sum = sum.wrapping_add(hash);
        }
    }

    fn finish(self) -> BTreeMap<String, String> {
        self.0
            .into_iter()
            .map(|(a, sum)| (a, format!("{sum:032x}")))
            .collect()
    }
}

/// Each article's content hash, read from the SQLite store one table at a time.
fn article_hashes(sqlite: &rusqlite::Connection) -> Result<BTreeMap<String, String>> {
    let tables = ddl::tables();
    let mut hashes = ArticleHashes::default();
    for table in &tables {
        let columns: Vec<&str> = table.stored_columns().map(|c| c.name.as_str()).collect();
        let sql = format!(
            "SELECT {}, {} FROM {}",
            article_of(table, &tables),
            columns.join(", "),
            table.name,
        );
        let values: Vec<usize> = (1..=columns.len()).collect();
        let mut stmt = sqlite.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            hashes.add(table.name, row, 0, &values)?;
        }
    }
    Ok(hashes.finish())
}

/// Publishes the current generation to PostgreSQL in one transaction: into a new schema swapped
/// in whole the first time (or after a schema change), else by replacing, in place, only the
/// articles whose rows changed, were added or were removed, and the shared rows when they
/// changed. Either way the published copy then equals the SQLite store, row for row.
pub fn to_postgres(paths: &KbPaths, target: &PostgresTarget) -> Result<PostgresSummary> {
    let manifest = kb::read_manifest(paths)?;
    let database = paths.database();
    let sqlite = sqlite::open_read_only(&database)?;
    let config = postgres_config(target.url.as_deref())?;
    let mut client = connect(&config)?;
    let described = describe_target(&config);
    let (base_iri, title): (String, String) = sqlite
        .query_row("SELECT base_iri, title FROM knowledge_base", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .context("the database has no knowledge_base row: rebuild it with `dossier build`")?;

    let schema = &target.schema;
    let staging = format!("{schema}__publishing");
    // One publish into a schema at a time; the server releases the lock when this session ends,
    // killed or not.
    client.execute(
        "SELECT pg_advisory_lock(hashtextextended($1, 0))",
        &[&format!("dossier publish {schema}")],
    )?;
    drop_leftover_staging(&mut client, &staging)?;
    let mut tx = client.transaction()?;
    let published = refuse_foreign_schema(&mut tx, schema, &base_iri)?;
    let layout = target.layout;
    let distributed = layout == ddl::Layout::Citus
        && tx
            .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'citus'", &[])?
            .is_some();
    let current = (manifest.schema_version as i32, layout);
    let (in_place, hashes) = in_place(&mut tx, &sqlite, schema, published, current)?;
    let summary = |rows, change| PostgresSummary {
        target: format!("{described}, schema {schema}"),
        generation: manifest.generation,
        rows,
        change,
        layout,
        distributed,
    };
    let Some(recorded) = in_place else {
        tx.commit()?;
        let into = Staging {
            schema: &staging,
            layout,
            distributed,
        };
        let whole = Whole {
            config: &config,
            database: &database,
            title: &title,
            base_iri: &base_iri,
        };
        let rows = match publish_whole(&mut client, &sqlite, &whole, &into, &manifest, target) {
            Ok(rows) => rows,
            Err(e) => {
                // Best effort: a staging schema left behind is dropped by the next publish.
                let _ = client.batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {} CASCADE",
                    ident(&staging)
                ));
                return Err(e);
            }
        };
        return Ok(summary(rows, Change::Whole));
    };
    tx.batch_execute(&format!("SET LOCAL search_path TO {};", ident(schema)))?;
    let (rows, change) = replace_articles(&mut tx, &sqlite, &hashes, &recorded, layout)?;
    if rows.is_empty() {
        // Nothing changed: the published copy is left as it is, generation included.
        tx.rollback()?;
        return Ok(summary(rows, change));
    }
    check_counts(&mut tx, &sqlite)?;
    record_and_swap(&mut tx, &manifest, &hashes, target, None)?;
    tx.commit()
        .context("PostgreSQL refused the commit; the published knowledge base is as it was")?;
    Ok(summary(rows, change))
}

/// What a staging schema's comment says while a publish loads it: how the next publish knows a
/// staging schema left behind is dossier's to drop.
const STAGING_COMMENT: &str = "dossier: a publish in progress (dropped by the next publish)";

/// Drops the staging schema a killed publish left behind (the caller holds the publish lock, so
/// no publish is loading it); refuses one dossier did not create.
fn drop_leftover_staging(client: &mut postgres::Client, staging: &str) -> Result<()> {
    let Some(row) = client.query_opt(
        "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1",
        &[&staging],
    )?
    else {
        return Ok(());
    };
    if row.get::<_, Option<String>>(0).as_deref() != Some(STAGING_COMMENT) {
        bail!(
            "the schema {staging} exists and dossier did not create it, but publishing loads into \
             it: publish into another schema with --schema NAME, or drop it yourself"
        );
    }
    client
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", ident(staging)))
        .with_context(|| format!("cannot drop {staging}, which a stopped publish left behind"))
}

/// Whether the published copy can take the changed articles in place: a copy of the same
/// schema version and layout (`current`), unless more than half of many articles changed (a
/// new hash, a regenerated corpus): then a whole load is faster than deleting and re-checking
/// most rows (9 s against 50 s at 100k records). Gives the articles' recorded hashes when it
/// can, and the database's hashes when it read them.
#[allow(clippy::type_complexity)]
fn in_place(
    tx: &mut postgres::Transaction<'_>,
    sqlite: &rusqlite::Connection,
    schema: &str,
    published: Option<(i32, ddl::Layout)>,
    current: (i32, ddl::Layout),
) -> Result<(Option<BTreeMap<String, String>>, BTreeMap<String, String>)> {
    if published != Some(current) {
        return Ok((None, BTreeMap::new()));
    }
    let recorded = published_articles(tx, schema)?;
    let hashes = article_hashes(sqlite)?;
    let differ = hashes
        .iter()
        .filter(|(a, h)| recorded.get(*a) != Some(*h))
        .count()
        + recorded.keys().filter(|a| !hashes.contains_key(*a)).count();
    let most = differ > MOST_ARTICLES && differ * 2 > hashes.len().max(recorded.len());
    Ok(((!most).then_some(recorded), hashes))
}

/// The publication recorded in the copy (its marker and its articles' hashes), read access
/// granted, and, for a whole load, the staging schema swapped in for the published one.
fn record_and_swap(
    tx: &mut postgres::Transaction<'_>,
    manifest: &kb::Manifest,
    hashes: &BTreeMap<String, String>,
    target: &PostgresTarget,
    swap: Option<&str>,
) -> Result<()> {
    tx.execute(
        &format!(
            "UPDATE {MARKER_TABLE} SET generation = $1, schema_version = $2, \
             dossier_version = $3, published_at = now()"
        ),
        &[
            &(manifest.generation as i64),
            &(manifest.schema_version as i32),
            &env!("CARGO_PKG_VERSION"),
        ],
    )?;
    tx.execute(&format!("DELETE FROM {ARTICLES_TABLE}"), &[])?;
    let (articles, article_hashes): (Vec<&String>, Vec<&String>) = hashes.iter().unzip();
    tx.execute(
        &format!(
            "INSERT INTO {ARTICLES_TABLE} (article_id, content_hash) \
             SELECT * FROM unnest($1::text[], $2::text[])"
        ),
        &[&articles, &article_hashes],
    )?;
    let schema = &target.schema;
    let loaded_into = swap.unwrap_or(schema);
    if let Some(role) = &target.grant_read {
        tx.batch_execute(&format!(
            "GRANT USAGE ON SCHEMA {s} TO {r}; GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r};",
            s = ident(loaded_into),
            r = ident(role)
        ))
        .with_context(|| format!("cannot grant read access to the role {role} (does it exist?)"))?;
    }
    if let Some(staging) = swap {
        tx.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {s} CASCADE; ALTER SCHEMA {n} RENAME TO {s}; \
             COMMENT ON SCHEMA {s} IS {};",
            literal("The knowledge base dossier published here (its dossier_publication table says which)."),
            s = ident(schema),
            n = ident(staging)
        ))?;
    }
    Ok(())
}

/// Where a whole publish loads: a new schema, in a layout, placed in a Citus cluster or not.
struct Staging<'a> {
    schema: &'a str,
    layout: ddl::Layout,
    distributed: bool,
}

/// Rows loaded per table.
type TableRows = Vec<(&'static str, u64)>;

/// Each article's content hash (hex), by article id.
type HashesByArticle = BTreeMap<String, String>;

/// What a whole publish reads: the database (each loader opens its own connection to it and
/// to the server) and the knowledge base's name.
struct Whole<'a> {
    config: &'a postgres::Config,
    database: &'a Path,
    title: &'a str,
    base_iri: &'a str,
}

/// Publishes the knowledge base whole: a new staging schema (committed, so several connections
/// can load it, and marked as dossier's), each table copied and then keyed and indexed on one of
/// [`loaders`] connections, then in one transaction the foreign keys, views, descriptions and
/// marker tables, the row counts checked, and the staging schema swapped in for the published
/// one. Until that commit nothing a reader sees has changed.
fn publish_whole(
    client: &mut postgres::Client,
    sqlite: &rusqlite::Connection,
    whole: &Whole<'_>,
    into: &Staging<'_>,
    manifest: &kb::Manifest,
    target: &PostgresTarget,
) -> Result<TableRows> {
    let staging = into.schema;
    let mut tx = client.transaction()?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA {s}; COMMENT ON SCHEMA {s} IS {}; SET LOCAL search_path TO {s};",
        literal(STAGING_COMMENT),
        s = ident(staging)
    ))
    .with_context(|| format!("cannot create the staging schema {staging}"))?;
    tx.batch_execute(&ddl::postgres_tables(into.layout))
        .context("PostgreSQL refused the generated tables (a bug: schema/postgres.sql)")?;
    if into.distributed {
        tx.batch_execute(&into.layout.distribution())
            .context("Citus refused to place the tables (schema/citus.sql says how they go)")?;
    }
    tx.commit()?;

    let (keys, _) = ddl::postgres_key_statements(into.layout);
    let (rows, hashes) = load_and_index(whole, into, sqlite, &keys)?;

    let mut tx = client.transaction()?;
    tx.batch_execute(&format!("SET LOCAL search_path TO {};", ident(staging)))?;
    let foreign: String = keys
        .iter()
        .filter(|k| k.foreign)
        .map(|k| k.sql.as_str())
        .collect();
    tx.batch_execute(&foreign).context(
        "PostgreSQL refused a foreign key of the loaded rows (a bug: the SQLite store holds them)",
    )?;
    tx.batch_execute(&ddl::postgres_views())
        .context("PostgreSQL refused a view (a bug: schema/postgres.sql)")?;
    tx.batch_execute(&comments()?)?;
    // Generation and versions are set by `record_and_swap`.
    tx.batch_execute(&format!(
        "CREATE TABLE {MARKER_TABLE} (
             knowledge_base text NOT NULL, base_iri text NOT NULL, generation bigint NOT NULL,
             schema_version integer NOT NULL, dossier_version text NOT NULL,
             layout text NOT NULL, published_at timestamptz NOT NULL DEFAULT now());
         INSERT INTO {MARKER_TABLE} (knowledge_base, base_iri, generation, schema_version,
             dossier_version, layout) VALUES ({}, {}, 0, 0, '', {});
         COMMENT ON TABLE {MARKER_TABLE} IS 'Which knowledge base dossier published here, and when.';
         CREATE TABLE {ARTICLES_TABLE} (article_id text PRIMARY KEY, content_hash text NOT NULL);
         COMMENT ON TABLE {ARTICLES_TABLE} IS 'Each article''s content hash (empty for the rows no article owns): what the next publish compares.';",
        literal(whole.title),
        literal(whole.base_iri),
        literal(into.layout.name()),
    ))?;
    check_counts(&mut tx, sqlite)?;
    record_and_swap(&mut tx, manifest, &hashes, target, Some(staging))?;
    tx.commit()
        .context("PostgreSQL refused the commit; the published knowledge base is as it was")?;
    Ok(rows)
}

/// How many connections a whole publish loads on: the server computes the full-text columns
/// and builds the indexes, one core per connection, while this process reads and encodes rows.
fn loaders() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

/// Copies one table's rows into the staging schema (hashing them), then adds its own keys and
/// indexes; how many rows.
fn copy_and_key(
    client: &mut postgres::Client,
    sqlite: &rusqlite::Connection,
    table: &ddl::Table,
    single: &[ddl::Table],
    keys: &[ddl::KeyStatement],
    hashes: &mut ArticleHashes,
) -> Result<u64> {
    let rows = copy_table(client, sqlite, table, single, RowsToCopy::All(hashes))?;
    let own: String = keys
        .iter()
        .filter(|k| k.table == table.name && !k.foreign)
        .map(|k| k.sql.as_str())
        .collect();
    client.batch_execute(&own).with_context(|| {
        format!(
            "PostgreSQL refused a key or an index of {} (a bug: the SQLite store holds its rows)",
            table.name
        )
    })?;
    Ok(rows)
}

/// What one loader did: the tables it copied (their places in the layout) with their rows, and
/// those rows' hashes.
type Loaded = (Vec<(usize, u64)>, ArticleHashes);

/// Copies every table into the staging schema and adds its own keys and indexes (not its
/// foreign keys), a table at a time on each of [`loaders`] connections, the costliest tables
/// first; the rows copied per table, in the layout's order, and the articles' hashes.
fn load_and_index(
    whole: &Whole<'_>,
    into: &Staging<'_>,
    sqlite: &rusqlite::Connection,
    keys: &[ddl::KeyStatement],
) -> Result<(TableRows, HashesByArticle)> {
    let tables = into.layout.tables();
    let single = ddl::tables();
    // Full-text columns cost the server most per row; then the more rows, the longer.
    let mut order: Vec<(bool, i64, usize)> = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let searched = mapping::FULL_TEXT_INDEXES
            .iter()
            .any(|f| f.content == table.name);
        let count: i64 =
            sqlite.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
                r.get(0)
            })?;
        order.push((searched, count, i));
    }
    order.sort_by_key(|&(searched, count, _)| std::cmp::Reverse((searched, count)));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::atomic::AtomicBool::new(false);
    let loader = || -> Result<Loaded> {
        use std::sync::atomic::Ordering;
        let mut client = connect(whole.config)?;
        client.batch_execute(&format!("SET search_path TO {};", ident(into.schema)))?;
        let sqlite = crate::sqlite::open_read_only(whole.database)?;
        let (mut copied, mut hashes) = (Vec::new(), ArticleHashes::default());
        while !failed.load(Ordering::Relaxed) {
            let Some(&(_, _, i)) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let done = copy_and_key(&mut client, &sqlite, &tables[i], &single, keys, &mut hashes);
            match done {
                Ok(n) => copied.push((i, n)),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        Ok((copied, hashes))
    };
    let results: Vec<Result<Loaded>> = std::thread::scope(|scope| {
        let running: Vec<_> = (0..loaders()).map(|_| scope.spawn(loader)).collect();
        running
            .into_iter()
            .map(|r| {
                r.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a loader panicked")))
            })
            .collect()
    });
    let mut copied = vec![0; tables.len()];
    let mut hashes = ArticleHashes::default();
    for result in results {
        let (tables_copied, loaded) = result?;
        for (i, n) in tables_copied {
            copied[i] = n;
        }
        hashes.merge(loaded);
    }
    let rows = tables
        .iter()
        .zip(copied)
        .map(|(t, n)| (t.name, n))
        .collect();
    Ok((rows, hashes.finish()))
}

/// Replaces, in the published schema, the rows of the articles whose hash differs from the one
/// it records (and the shared rows when theirs does); foreign keys are checked at the commit.
/// No rows sent: nothing changed.
fn replace_articles(
    tx: &mut postgres::Transaction<'_>,
    sqlite: &rusqlite::Connection,
    hashes: &BTreeMap<String, String>,
    published: &BTreeMap<String, String>,
    layout: ddl::Layout,
) -> Result<(Vec<(&'static str, u64)>, Change)> {
    let differs = |a: &String| published.get(a) != hashes.get(a);
    let shared = differs(&String::new());
    fn articles(map: &BTreeMap<String, String>) -> impl Iterator<Item = String> + '_ {
        map.keys().filter(|a| !a.is_empty()).cloned()
    }
    let replaced: Vec<String> = articles(hashes).filter(|a| differs(a)).collect();
    let removed: Vec<String> = articles(published)
        .filter(|a| !hashes.contains_key(a))
        .collect();
    let unchanged = articles(hashes).count() - replaced.len();
    let filter = ArticleFilter {
        articles: replaced.iter().chain(&removed).cloned().collect(),
        shared,
    };
    let change = Change::Articles {
        replaced,
        removed,
        unchanged,
        shared,
    };
    if filter.articles.is_empty() && !shared {
        return Ok((Vec::new(), change));
    }
    let tables = layout.tables();
    let single = ddl::tables();
    tx.batch_execute("SET CONSTRAINTS ALL DEFERRED")?;
    // Owned rows first: their owner is still there to say which article they belong to.
    for table in tables.iter().rev() {
        let any = |c: &str| format!("{c} = ANY($1)");
        if let Some(owned) = in_articles(table, &tables, &any)
            && !filter.articles.is_empty()
        {
            let sql = format!("DELETE FROM {} WHERE {owned}", table.name);
            tx.execute(&sql, &[&filter.articles])?;
        }
        if filter.shared {
            let of = article_of(table, &tables);
            tx.execute(
                &format!("DELETE FROM {} WHERE {of} IS NULL", table.name),
                &[],
            )?;
        }
    }
    let mut rows = Vec::new();
    for table in &tables {
        rows.push((
            table.name,
            copy_table(tx, sqlite, table, &single, RowsToCopy::Articles(&filter))?,
        ));
    }
    Ok((rows, change))
}

/// Each article's content hash, as the copy published in `schema` records it.
fn published_articles(
    tx: &mut postgres::Transaction<'_>,
    schema: &str,
) -> Result<BTreeMap<String, String>> {
    let sql = format!(
        "SELECT article_id, content_hash FROM {}.{ARTICLES_TABLE}",
        ident(schema)
    );
    Ok(tx
        .query(&sql, &[])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// Fails unless every table holds as many rows in PostgreSQL as in the SQLite store.
fn check_counts(tx: &mut postgres::Transaction<'_>, sqlite: &rusqlite::Connection) -> Result<()> {
    let tables = ddl::tables();
    // One round trip for every table's count.
    let counts: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "SELECT {}, count(*) FROM {}",
                literal(t.name),
                ident(t.name)
            )
        })
        .collect();
    let published: BTreeMap<String, i64> = tx
        .query(&counts.join(" UNION ALL "), &[])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for table in &tables {
        let name = table.name;
        let published = published.get(name).copied().unwrap_or(-1);
        let built: i64 =
            sqlite.query_row(&format!("SELECT count(*) FROM {name}"), [], |r| r.get(0))?;
        if published != built {
            bail!("{name}: {published} rows in PostgreSQL, {built} in the SQLite store (a bug)");
        }
    }
    Ok(())
}

/// Fails unless `schema` is absent or holds a knowledge base dossier published with this base
/// IRI; the schema version and layout of the one published there, if any.
fn refuse_foreign_schema(
    tx: &mut postgres::Transaction<'_>,
    schema: &str,
    base_iri: &str,
) -> Result<Option<(i32, ddl::Layout)>> {
    let tables: Vec<String> = tx
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1",
            &[&schema],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])?
        .is_some();
    if !exists {
        return Ok(None);
    }
    if !tables.iter().any(|t| t == MARKER_TABLE) {
        bail!(
            "the schema {schema} exists and dossier did not create it (it has no {MARKER_TABLE} \
             table): publish into another schema with --schema NAME, or drop it yourself"
        );
    }
    let row = tx.query_one(
        &format!(
            "SELECT base_iri, schema_version, to_jsonb(m) ->> 'layout' FROM {}.{MARKER_TABLE} m",
            ident(schema)
        ),
        &[],
    )?;
    let (published, version): (String, i32) = (row.get(0), row.get(1));
    let layout = match row.get::<_, Option<String>>(2).as_deref() {
        Some("citus") => ddl::Layout::Citus,
        _ => ddl::Layout::Single,
    };
    if published != base_iri {
        bail!(
            "the schema {schema} holds another knowledge base ({published}, this one is \
             {base_iri}): publish into another schema with --schema NAME"
        );
    }
    // A copy without its articles' hashes is replaced whole.
    Ok(tables
        .iter()
        .any(|t| t == ARTICLES_TABLE)
        .then_some((version, layout)))
}

/// Copies one table's rows from SQLite by binary COPY; returns how many. `table` is the
/// layout's, `single` the SQLite store's tables: a column the store lacks (a list's
/// `article_id` in Citus's layout) is read from the row's owner.
fn copy_table(
    tx: &mut impl postgres::GenericClient,
    sqlite: &rusqlite::Connection,
    table: &ddl::Table,
    single: &[ddl::Table],
    rows_to_copy: RowsToCopy<'_>,
) -> Result<u64> {
    let stored = single
        .iter()
        .find(|t| t.name == table.name)
        .context("a layout's table the SQLite store lacks (a bug)")?;
    let columns: Vec<&ddl::Column> = table.stored_columns().collect();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let types: Vec<Type> = columns.iter().map(|c| pg_type(c.ty)).collect();
    let sink = tx.copy_in(&format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        ident(table.name),
        names.join(", ")
    ))?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let of = article_of(stored, single);
    let read: Vec<String> = names
        .iter()
        .map(|n| match stored.column(n) {
            Some(_) => n.to_string(),
            None => format!("{of} AS {n}"),
        })
        .collect();
    // The SQLite store's own columns, hashed with the owning article (read last).
    let hashed: Vec<usize> = (0..names.len())
        .filter(|&i| stored.column(names[i]).is_some())
        .collect();
    let select = format!("SELECT {}, {of} FROM {}", read.join(", "), table.name);
    // The rows to send: all of them, or the given articles' (found by index) and, when the
    // shared rows changed, those no article owns.
    let mut parts: Vec<(String, Option<String>)> = Vec::new();
    let mut hashes = None;
    match rows_to_copy {
        RowsToCopy::All(into) => {
            parts.push((select, None));
            hashes = Some(into);
        }
        RowsToCopy::Articles(filter) => {
            let listed = |c: &str| format!("{c} IN (SELECT value FROM json_each(?1))");
            if let Some(owned) = in_articles(stored, single, &listed)
                && !filter.articles.is_empty()
            {
                let json = serde_json::to_string(&filter.articles)?;
                parts.push((format!("{select} WHERE {owned}"), Some(json)));
            }
            if filter.shared {
                parts.push((format!("{select} WHERE {of} IS NULL"), None));
            }
        }
    }
    let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::with_capacity(columns.len());
    for (sql, articles) in parts {
        let mut statement = sqlite.prepare(&sql)?;
        let mut rows = match &articles {
            Some(json) => statement.query([json])?,
            None => statement.query([])?,
        };
        while let Some(row) = rows.next()? {
            values.clear();
            for (i, c) in columns.iter().enumerate() {
                let at = || format!("{}.{}", table.name, c.name);
                values.push(pg_value(row.get(i)?, c.ty, at)?);
            }
            let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
            writer
                .write(&refs)
                .with_context(|| format!("PostgreSQL refused a row of {}", table.name))?;
            if let Some(hashes) = hashes.as_deref_mut() {
                hashes.add(table.name, row, names.len(), &hashed)?;
            }
        }
    }
    Ok(writer.finish()?)
}

/// `COMMENT ON` every table, view and column schema/sqlite.md describes, for BI tools.
fn comments() -> Result<String> {
    let documented = datasette::documented()?;
    let views = ddl::view_names();
    let mut out = String::new();
    for (name, doc) in &documented {
        let kind = if views.contains(&name.as_str()) {
            "VIEW"
        } else {
            "TABLE"
        };
        if !doc.description.is_empty() {
            writeln!(
                out,
                "COMMENT ON {kind} {} IS {};",
                ident(name),
                literal(&doc.description)
            )?;
        }
        for (column, text) in &doc.columns {
            writeln!(
                out,
                "COMMENT ON COLUMN {}.{} IS {};",
                ident(name),
                ident(column),
                literal(text)
            )?;
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Reading the published copy: named queries and the check against the SQLite store
// ---------------------------------------------------------------------------------------------

/// A read-only transaction on the published schema, with a time limit on each statement.
fn read_published<'c>(
    client: &'c mut postgres::Client,
    schema: &str,
    timeout: std::time::Duration,
) -> Result<postgres::Transaction<'c>> {
    let mut tx = client.build_transaction().read_only(true).start()?;
    let published = tx
        .query_opt(
            "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2",
            &[&schema, &MARKER_TABLE],
        )?
        .is_some();
    if !published {
        bail!(
            "the schema {schema} holds no knowledge base dossier published: publish one with \
             `dossier publish --postgres URL` (or give --schema)"
        );
    }
    tx.batch_execute(&format!(
        "SET LOCAL search_path TO {}; SET LOCAL statement_timeout = {};",
        ident(schema),
        timeout.as_millis()
    ))?;
    Ok(tx)
}

/// `sql` with each `:name` of `params` as PostgreSQL's `$n` (a `::` cast is left alone).
fn numbered_parameters(sql: &str, params: &[(String, String)]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    'scan: while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let cast = out.ends_with(':') || after.starts_with(':');
        if !cast {
            for (n, (name, _)) in params.iter().enumerate() {
                let ends_word = after[name.len().min(after.len())..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                if after.starts_with(name.as_str()) && ends_word {
                    out.push_str(&format!("${}::text", n + 1));
                    rest = &after[name.len()..];
                    continue 'scan;
                }
            }
        }
        out.push(':');
        rest = after;
    }
    out.push_str(rest);
    out
}

/// One PostgreSQL value as the SQLite value a query over the SQLite store gives for it, so
/// the answers of both stores compare (a boolean is 0 or 1, a date its ISO text).
fn as_sqlite_value(row: &postgres::Row, i: usize) -> Result<SqlValue> {
    let ty = row.columns()[i].type_();
    Ok(match *ty {
        Type::INT2 => row
            .get::<_, Option<i16>>(i)
            .map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Type::INT4 => row
            .get::<_, Option<i32>>(i)
            .map_or(SqlValue::Null, |n| SqlValue::Integer(n.into())),
        Type::INT8 => row
            .get::<_, Option<i64>>(i)
            .map_or(SqlValue::Null, SqlValue::Integer),
        Type::FLOAT8 => row
            .get::<_, Option<f64>>(i)
            .map_or(SqlValue::Null, SqlValue::Real),
        Type::BOOL => row
            .get::<_, Option<bool>>(i)
            .map_or(SqlValue::Null, |b| SqlValue::Integer(b.into())),
        _ => row
            .get::<_, Option<String>>(i)
            .map_or(SqlValue::Null, SqlValue::Text),
    })
}

/// The column list that reads every column of `sql`'s answer as a type `as_sqlite_value`
/// takes: numbers as they are, `numeric` as `float8`, anything else as text.
fn readable_columns(
    tx: &mut postgres::Transaction<'_>,
    sql: &str,
) -> Result<(Vec<String>, String)> {
    let statement = tx.prepare(sql)?;
    let mut names = Vec::new();
    let mut list = Vec::new();
    for c in statement.columns() {
        let name = ident(c.name());
        list.push(match *c.type_() {
            Type::INT2 | Type::INT4 | Type::INT8 | Type::FLOAT8 | Type::BOOL | Type::TEXT => name,
            Type::NUMERIC | Type::FLOAT4 => format!("{name}::float8"),
            _ => format!("{name}::text"),
        });
        names.push(c.name().to_owned());
    }
    Ok((names, list.join(", ")))
}

/// The rows of `sql` (with `$n` parameters) on the published copy, as the SQLite store's.
fn published_rows(
    tx: &mut postgres::Transaction<'_>,
    sql: &str,
    values: &[&(dyn ToSql + Sync)],
) -> Result<crate::queries::Rows> {
    let (columns, list) = readable_columns(tx, sql)?;
    let rows = tx.query(&format!("SELECT {list} FROM ({sql}) AS answer"), values)?;
    let rows = rows
        .iter()
        .map(|row| {
            (0..columns.len())
                .map(|i| Ok(crate::queries::normalize_sql(&as_sqlite_value(row, i)?)))
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    Ok(crate::queries::Rows { columns, rows })
}

/// Runs a named query's SQL form on the published copy, read-only and within `timeout`.
pub fn query_postgres(
    target: &PostgresTarget,
    q: &crate::queries::NamedQuery,
    params: &[(String, String)],
    timeout: std::time::Duration,
) -> Result<crate::queries::Rows> {
    let mut client = connect(&postgres_config(target.url.as_deref())?)?;
    let mut tx = read_published(&mut client, &target.schema, timeout)?;
    let sql = numbered_parameters(q.sql.trim().trim_end_matches(';'), params);
    let values: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|(_, v)| v as &(dyn ToSql + Sync))
        .collect();
    published_rows(&mut tx, &sql, &values)
        .with_context(|| format!("the SQL form of '{}' failed on PostgreSQL", q.name))
}

/// The first rows that differ between the SQLite store and the published copy, per table and
/// view, compared as multisets: empty when they hold the same knowledge base.
pub fn check_postgres(paths: &KbPaths, target: &PostgresTarget) -> Result<Vec<String>> {
    let sqlite = sqlite::open_read_only(&paths.database())?;
    let mut client = connect(&postgres_config(target.url.as_deref())?)?;
    let mut tx = read_published(
        &mut client,
        &target.schema,
        std::time::Duration::from_secs(600),
    )?;
    let tables = ddl::tables();
    let relations = tables
        .iter()
        .map(|t| {
            (
                t.name,
                t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            )
        })
        .chain(ddl::view_names().into_iter().map(|v| (v, Vec::new())));
    let mut differences = Vec::new();
    for (name, columns) in relations {
        let list = if columns.is_empty() {
            "*".to_owned()
        } else {
            columns.join(", ")
        };
        let sql = format!("SELECT {list} FROM {name}");
        let mut published = published_rows(&mut tx, &sql, &[])?.rows;
        let mut built = Vec::new();
        let mut stmt = sqlite.prepare(&sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            built.push(
                (0..n)
                    .map(|i| Ok(crate::queries::normalize_sql(&row.get(i)?)))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        let key = |r: &Vec<serde_json::Value>| serde_json::to_string(r).unwrap_or_default();
        built.sort_by_key(key);
        published.sort_by_key(key);
        if built != published {
            let only_built = built.iter().find(|r| !published.contains(r));
            let only_published = published.iter().find(|r| !built.contains(r));
            differences.push(format!(
                "{name}: {} rows built, {} published; only built: {}; only published: {}",
                built.len(),
                published.len(),
                only_built.map_or("none".into(), key),
                only_published.map_or("none".into(), key),
            ));
        }
    }
    Ok(differences)
}

// ---------------------------------------------------------------------------------------------
// SPARQL 1.1 Graph Store HTTP Protocol
// ---------------------------------------------------------------------------------------------

/// What a Graph Store publish did.
#[derive(Debug, Clone, Default)]
pub struct GraphStoreSummary {
    /// Graphs sent (changed or new), with their triples.
    pub sent: Vec<(String, u64)>,
    /// Graphs left as they were (same content hash).
    pub unchanged: usize,
    /// Graphs of removed articles, deleted.
    pub deleted: Vec<String>,
}

/// Bytes of N-Triples sent in one request; a bigger graph goes in several.
pub const CHUNK_BYTES: usize = 8 << 20;

/// The graph, in the target, that records each published graph's content hash.
pub fn publication_graph(base_iri: &str) -> String {
    format!("{base_iri}publication")
}

/// What the publication graph says of each graph: its content hash (a term of publishing, not
/// of the knowledge base, so not in the ontology).
pub const CONTENT_HASH: &str = "https://w3id.org/dossier/publication#contentHash";
/// What the publication graph calls the default graph.
const DEFAULT_GRAPH_NODE: &str = "urn:x-dossier:default-graph";

/// `None` for the default graph, else the named graph's IRI.
type GraphName = Option<String>;

fn graph_name(graph: &oxrdf::GraphName) -> GraphName {
    match graph {
        oxrdf::GraphName::NamedNode(n) => Some(n.as_str().to_owned()),
        _ => None,
    }
}

fn graph_label(graph: &GraphName) -> String {
    graph.clone().unwrap_or_else(|| "default graph".into())
}

/// Each graph of the index with the hash of its N-Triples and its triple count.
fn graph_hashes(index: &Index) -> Result<BTreeMap<GraphName, (String, u64)>> {
    let mut out: BTreeMap<GraphName, (String, u64)> = BTreeMap::new();
    let mut current: Option<(GraphName, siphasher::sip128::SipHasher13, u64)> = None;
    let mut line = Vec::new();
    let finish = |c: Option<(GraphName, siphasher::sip128::SipHasher13, u64)>,
                  out: &mut BTreeMap<GraphName, (String, u64)>| {
        if let Some((g, h, n)) = c {
            use siphasher::sip128::Hasher128;
            out.insert(g, (format!("{:032x}", h.finish128().as_u128()), n));
        }
    };
    for quad in index.all_quads_by_graph() {
        let quad = quad?;
        let graph = graph_name(&quad.graph_name);
        if current.as_ref().map(|c| &c.0) != Some(&graph) {
            finish(current.take(), &mut out);
            current = Some((graph, siphasher::sip128::SipHasher13::new(), 0));
        }
        let (_, hasher, n) = current.as_mut().unwrap();
        line.clear();
        writeln!(line, "{} .", oxrdf::Triple::from(quad))?;
        std::hash::Hasher::write(hasher, &line);
        *n += 1;
    }
    finish(current, &mut out);
    Ok(out)
}

/// The URL of one graph in the store.
fn graph_url(store: &str, graph: &GraphName) -> String {
    let sep = if store.contains('?') { '&' } else { '?' };
    match graph {
        None => format!("{store}{sep}default"),
        Some(iri) => format!("{store}{sep}graph={}", url_encode(iri)),
    }
}

fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(600)))
        .build()
        .into()
}

/// Sends one request with an RDF body; fails with the server's answer.
fn send(agent: &ureq::Agent, method: &str, url: &str, format: &str, body: &[u8]) -> Result<()> {
    let request = match method {
        "PUT" => agent.put(url),
        _ => agent.post(url),
    };
    let response = request
        .header("Content-Type", format)
        .send(body)
        .with_context(|| format!("cannot reach the Graph Store at {url}"))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.into_body().read_to_string().unwrap_or_default();
        bail!(
            "the Graph Store answered {status} to {method} {url}: {}",
            text.trim()
        );
    }
    Ok(())
}

/// The graphs and hashes the target's publication graph records.
fn published_hashes(
    agent: &ureq::Agent,
    store: &str,
    base_iri: &str,
) -> Result<BTreeMap<GraphName, String>> {
    let url = graph_url(store, &Some(publication_graph(base_iri)));
    let response = agent
        .get(&url)
        .header("Accept", "application/n-triples")
        .call()
        .with_context(|| format!("cannot reach the Graph Store at {store}"))?;
    if response.status() == 404 {
        return Ok(BTreeMap::new());
    }
    if !response.status().is_success() {
        bail!(
            "the Graph Store answered {} to GET {url}",
            response.status()
        );
    }
    let text = response.into_body().read_to_string()?;
    let mut out = BTreeMap::new();
    use sophia::api::prelude::*;
    sophia::turtle::parser::nt::parse_str(&text)
        .for_each_triple(|t| {
            let (s, p) = (t.s(), t.p());
            let (Some(subject), Some(predicate)) = (s.iri(), p.iri()) else {
                return;
            };
            if predicate.as_str() != CONTENT_HASH {
                return;
            }
            let graph =
                (subject.as_str() != DEFAULT_GRAPH_NODE).then(|| subject.as_str().to_owned());
            if let Some(hash) = t.o().lexical_form() {
                out.insert(graph, hash.to_string());
            }
        })
        .context("the publication graph is not N-Triples")?;
    Ok(out)
}

/// How graphs go to a Graph Store.
#[derive(Debug, Clone, Default)]
pub struct GraphStoreOptions {
    /// The server's bulk path instead of the protocol's `PUT` per graph: the changed graphs
    /// that exist are deleted, then every changed graph's quads are posted as N-Quads to the
    /// store's URL with this query parameter (Oxigraph: `no_transaction`, its bulk loader).
    /// Not atomic per graph: a graph an interrupted publish left half sent keeps its old hash
    /// in the publication graph, so the next publish sends it again.
    pub bulk: Option<String>,
}

/// Publishes the current generation's graphs to a Graph Store: only the graphs whose content
/// changed, and deletes the graphs of articles no longer in the knowledge base.
pub fn to_graph_store(
    paths: &KbPaths,
    store: &str,
    options: &GraphStoreOptions,
) -> Result<GraphStoreSummary> {
    let index = Index::open(&paths.index())?;
    let sqlite = sqlite::open_read_only(&paths.database())?;
    let base_iri: String =
        sqlite.query_row("SELECT base_iri FROM knowledge_base", [], |r| r.get(0))?;
    let agent = http_agent();
    let hashes = graph_hashes(&index)?;
    let published = published_hashes(&agent, store, &base_iri)?;
    let mut summary = GraphStoreSummary::default();
    if let Some(parameter) = &options.bulk {
        bulk_send(
            &agent,
            store,
            parameter,
            &index,
            &hashes,
            &published,
            &mut summary,
        )?;
    } else {
        put_each(&agent, store, &index, &hashes, &published, &mut summary)?;
    }
    for graph in published.keys().filter(|g| !hashes.contains_key(*g)) {
        delete_graph(&agent, store, graph)?;
        summary.deleted.push(graph_label(graph));
    }
    if !summary.sent.is_empty() || !summary.deleted.is_empty() {
        let mut record = Vec::new();
        for (graph, (hash, _)) in &hashes {
            let subject = graph.clone().unwrap_or_else(|| DEFAULT_GRAPH_NODE.into());
            writeln!(record, "<{subject}> <{CONTENT_HASH}> \"{hash}\" .")?;
        }
        send(
            &agent,
            "PUT",
            &graph_url(store, &Some(publication_graph(&base_iri))),
            "application/n-triples",
            &record,
        )?;
    }
    Ok(summary)
}

fn delete_graph(agent: &ureq::Agent, store: &str, graph: &GraphName) -> Result<()> {
    let url = graph_url(store, graph);
    let response = agent.delete(&url).call()?;
    if !(response.status().is_success() || response.status() == 404) {
        bail!(
            "the Graph Store answered {} to DELETE {url}",
            response.status()
        );
    }
    Ok(())
}

/// The changed graphs through the server's bulk path: those it holds deleted, then all of
/// them as N-Quads in requests of at most [`CHUNK_BYTES`].
fn bulk_send(
    agent: &ureq::Agent,
    store: &str,
    parameter: &str,
    index: &Index,
    hashes: &BTreeMap<GraphName, (String, u64)>,
    published: &BTreeMap<GraphName, String>,
    summary: &mut GraphStoreSummary,
) -> Result<()> {
    let changed = |g: &GraphName| published.get(g) != hashes.get(g).map(|h| &h.0);
    for (graph, (_, triples)) in hashes {
        if !changed(graph) {
            summary.unchanged += 1;
            continue;
        }
        if published.contains_key(graph) {
            delete_graph(agent, store, graph)?;
        }
        summary.sent.push((graph_label(graph), *triples));
    }
    let sep = if store.contains('?') { '&' } else { '?' };
    let url = format!("{store}{sep}{parameter}");
    let mut body = Vec::with_capacity(CHUNK_BYTES + 4096);
    for quad in index.all_quads_by_graph() {
        let quad = quad?;
        if !changed(&graph_name(&quad.graph_name)) {
            continue;
        }
        writeln!(body, "{quad} .")?;
        if body.len() >= CHUNK_BYTES {
            send(agent, "POST", &url, "application/n-quads", &body)?;
            body.clear();
        }
    }
    if !body.is_empty() {
        send(agent, "POST", &url, "application/n-quads", &body)?;
    }
    Ok(())
}

/// The changed graphs by the protocol: each replaced with a `PUT` (a big one continued with
/// `POST`s).
fn put_each(
    agent: &ureq::Agent,
    store: &str,
    index: &Index,
    hashes: &BTreeMap<GraphName, (String, u64)>,
    published: &BTreeMap<GraphName, String>,
    summary: &mut GraphStoreSummary,
) -> Result<()> {
    let changed = |g: &GraphName| published.get(g) != hashes.get(g).map(|h| &h.0);
    let mut body = Vec::with_capacity(CHUNK_BYTES + 4096);
    let mut current: Option<(GraphName, bool)> = None;
    for quad in index.all_quads_by_graph() {
        let quad = quad?;
        let graph = graph_name(&quad.graph_name);
        if current.as_ref().map(|c| &c.0) != Some(&graph) {
            if let Some((g, first)) = current.take() {
                flush(agent, store, &g, &mut body, first)?;
            }
            if !changed(&graph) {
                summary.unchanged += 1;
            } else {
                summary.sent.push((graph_label(&graph), hashes[&graph].1));
            }
            current = Some((graph, true));
        }
        let (g, first) = current.as_mut().unwrap();
        if !changed(g) {
            continue;
        }
        writeln!(body, "{} .", oxrdf::Triple::from(quad))?;
        if body.len() >= CHUNK_BYTES {
            let g = g.clone();
            flush(agent, store, &g, &mut body, *first)?;
            *first = false;
        }
    }
    if let Some((g, first)) = current.take() {
        flush(agent, store, &g, &mut body, first)?;
    }
    Ok(())
}

/// Sends what `body` holds of `graph`: a `PUT` replaces the graph with the first chunk, a
/// `POST` adds each later one.
fn flush(
    agent: &ureq::Agent,
    store: &str,
    graph: &GraphName,
    body: &mut Vec<u8>,
    first: bool,
) -> Result<()> {
    if body.is_empty() && !first {
        return Ok(());
    }
    let method = if first { "PUT" } else { "POST" };
    send(
        agent,
        method,
        &graph_url(store, graph),
        "application/n-triples",
        body,
    )?;
    body.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_encode_as_postgresql_reads_them() {
        // 30 -> one digit 30, weight 0; 12.5 -> 12 and 5000, weight 0, scale 1;
        // 0.05 -> 500 at weight -1, scale 2.
        assert_eq!(
            encode_numeric("30").unwrap(),
            [0, 1, 0, 0, 0, 0, 0, 0, 0, 30]
        );
        assert_eq!(
            encode_numeric("12.5").unwrap(),
            [0, 2, 0, 0, 0, 0, 0, 1, 0, 12, 0x13, 0x88]
        );
        assert_eq!(
            encode_numeric("0.05").unwrap(),
            [0, 1, 0xff, 0xff, 0, 0, 0, 2, 0x01, 0xf4]
        );
        assert_eq!(encode_numeric("0").unwrap(), [0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(encode_numeric("1e5").is_err());
    }

    #[test]
    fn pgpass_fields_unescape() {
        assert_eq!(
            split_pgpass(r"h:5432:db:u:pa\:ss"),
            ["h", "5432", "db", "u", "pa:ss"]
        );
    }
}
