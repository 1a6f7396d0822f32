//! The SQLite store: schema migrations, writing the model into a new database, and read-only
//! queries with bound parameters and a time limit. Only this module touches rusqlite.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params};
use rusqlite_migration::{M, Migrations};

use crate::model::{AUTHOR, KnowledgeBase, RecordKind};

/// The numbered files in `migrations/`, embedded at compile time. Applying them records the
/// schema version in the database (`PRAGMA user_version`).
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_tables.sql")),
    M::up(include_str!("../migrations/0002_views_and_indexes.sql")),
];

pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The schema version a database built by this dossier has.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

/// The schema version recorded in a database.
pub fn schema_version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(v as usize)
}

/// Upgrades a database built by an older dossier in place, keeping its data.
pub fn upgrade(path: &Path) -> Result<(usize, usize)> {
    let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .with_context(|| format!("cannot open '{}' for upgrading", path.display()))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    let before = schema_version(&conn)?;
    migrations()
        .to_latest(&mut conn)
        .with_context(|| format!("cannot upgrade '{}'", path.display()))?;
    Ok((before, schema_version(&conn)?))
}

/// Rows written per table.
pub type TableCounts = Vec<(&'static str, usize)>;

/// Writes the whole knowledge base into a new database file at `path` (which must not exist),
/// in one transaction with prepared statements.
pub fn write(kb: &KnowledgeBase, path: &Path) -> Result<TableCounts> {
    let mut conn = Connection::open(path)
        .with_context(|| format!("cannot create the database '{}'", path.display()))?;
    // The file is a temporary one until it is renamed into place, so a crash only loses it.
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    // Keys are text ids in no particular order: a larger page cache keeps their B-trees in memory.
    conn.pragma_update(None, "cache_size", -131072)?;
    // Bulk load: tables first, rows, then the indexes and views of the later migrations, and
    // the foreign keys checked once over the whole data instead of row by row.
    migrations()
        .to_version(&mut conn, 1)
        .context("cannot create the schema")?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let tx = conn.transaction()?;
    insert_all(&tx, kb)?;
    tx.commit()
        .context("the database refused the data (a CHECK or UNIQUE constraint failed)")?;
    let broken: Vec<(String, String)> = conn
        .prepare("SELECT \"table\", parent FROM pragma_foreign_key_check LIMIT 5")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if let Some((table, parent)) = broken.first() {
        bail!(
            "a row of {table} references a missing {parent} row (a bug: validation should have caught it)"
        );
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    migrations()
        .to_latest(&mut conn)
        .context("cannot create the indexes and views")?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let mut counts = Vec::new();
    for table in TABLES {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        counts.push((*table, n as usize));
    }
    Ok(counts)
}

/// Every table, in the order a summary lists them.
pub const TABLES: &[&str] = &[
    "articles",
    "actors",
    "actor_aliases",
    "roles",
    "events",
    "event_participants",
    "event_quantities",
    "agreements",
    "agreement_parties",
    "policies",
    "policy_targets",
    "conditions",
    "claims",
    "claim_subjects",
    "relations",
    "records",
    "evidence",
];

fn insert_all(tx: &rusqlite::Transaction<'_>, kb: &KnowledgeBase) -> Result<()> {
    let c = &kb.config;
    tx.execute(
        "INSERT INTO knowledge_base (id, title, base_iri, license, description) VALUES (1, ?, ?, ?, ?)",
        params![c.title, c.base_iri, c.license, c.description],
    )?;

    let mut record =
        tx.prepare("INSERT INTO records (id, kind, label, article_id) VALUES (?, ?, ?, ?)")?;
    let mut actor =
        tx.prepare("INSERT INTO actors (id, name, kind, description) VALUES (?, ?, ?, ?)")?;
    let mut alias = tx.prepare("INSERT INTO actor_aliases (actor_id, alias) VALUES (?, ?)")?;
    for a in &kb.actors {
        record.execute(params![
            a.id.as_str(),
            RecordKind::Actor.as_str(),
            a.name,
            None::<String>
        ])?;
        actor.execute(params![
            a.id.as_str(),
            a.name,
            a.kind.as_str(),
            a.description
        ])?;
        for name in &a.aliases {
            alias.execute(params![a.id.as_str(), name])?;
        }
    }

    let mut article = tx.prepare(
        "INSERT INTO articles (id, title, title_note, language, genre, author, outlet, published, \
         published_precision, url, text, char_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut role = tx.prepare(
        "INSERT INTO roles (id, article_id, holder_id, title, organization_id) VALUES (?, ?, ?, ?, ?)",
    )?;
    let mut event = tx.prepare(
        "INSERT INTO events (id, article_id, label, description, date, date_precision, when_text, \
         place) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut participant =
        tx.prepare("INSERT INTO event_participants (event_id, actor_id, role) VALUES (?, ?, ?)")?;
    let mut quantity = tx.prepare(
        "INSERT INTO event_quantities (event_id, measure, value, unit) VALUES (?, ?, ?, ?)",
    )?;
    let mut agreement = tx.prepare(
        "INSERT INTO agreements (id, article_id, label, kind, instrument, purpose, status) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut party =
        tx.prepare("INSERT INTO agreement_parties (agreement_id, actor_id) VALUES (?, ?)")?;
    let mut policy = tx.prepare(
        "INSERT INTO policies (id, article_id, label, kind, issuer_id, rate_percent, status, \
         status_duration, results) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut target =
        tx.prepare("INSERT INTO policy_targets (policy_id, actor_id) VALUES (?, ?)")?;
    let mut condition = tx.prepare(
        "INSERT INTO conditions (id, article_id, label, stated_by_id, constrains_id, \
         constraint_kind, value, exception) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut claim = tx.prepare(
        "INSERT INTO claims (id, article_id, label, kind, claimant) VALUES (?, ?, ?, ?, ?)",
    )?;
    let mut subject =
        tx.prepare("INSERT INTO claim_subjects (claim_id, record_id) VALUES (?, ?)")?;
    let mut relation = tx.prepare(
        "INSERT INTO relations (id, article_id, subject_id, predicate, object_id) VALUES (?, ?, ?, ?, ?)",
    )?;
    let mut evidence = tx.prepare(
        "INSERT INTO evidence (id, record_id, article_id, number, quote, start_offset, end_offset, \
         asserted_by, modality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;

    for art in &kb.articles {
        let id = art.id.as_str();
        let m = &art.facts.article;
        article.execute(params![
            id,
            m.title,
            m.title_note,
            m.language,
            m.genre,
            m.author,
            m.outlet,
            m.published.as_ref().map(|d| d.to_string()),
            m.published.as_ref().map(|d| d.precision().as_str()),
            m.url,
            art.text,
            art.text.chars().count() as i64,
        ])?;
        for (kind, rid, label) in art.records() {
            record.execute(params![rid.as_str(), kind.as_str(), label.as_ref(), id])?;
        }
        let f = &art.facts;
        for r in &f.roles {
            role.execute(params![
                r.id.as_str(),
                id,
                r.holder.as_str(),
                r.title,
                r.organization.as_ref().map(|o| o.as_str())
            ])?;
        }
        for e in &f.events {
            event.execute(params![
                e.id.as_str(),
                id,
                e.label,
                e.description,
                e.date.as_ref().map(|d| d.to_string()),
                e.date.as_ref().map(|d| d.precision().as_str()),
                e.when,
                e.place
            ])?;
            for p in &e.participants {
                participant.execute(params![e.id.as_str(), p.actor.as_str(), p.role])?;
            }
            for q in &e.quantities {
                quantity.execute(params![e.id.as_str(), q.measure, q.value as i64, q.unit])?;
            }
        }
        for a in &f.agreements {
            agreement.execute(params![
                a.id.as_str(),
                id,
                a.label,
                a.kind.as_str(),
                a.instrument,
                a.purpose,
                a.status.as_str()
            ])?;
            for p in &a.parties {
                party.execute(params![a.id.as_str(), p.as_str()])?;
            }
        }
        for p in &f.policies {
            policy.execute(params![
                p.id.as_str(),
                id,
                p.label,
                p.kind.as_str(),
                p.issuer.as_ref().map(|i| i.as_str()),
                p.rate_percent.as_ref().map(|r| r.0),
                p.status.as_str(),
                p.status_duration.as_ref().map(|d| d.as_str()),
                p.results
            ])?;
            for t in &p.targets {
                target.execute(params![p.id.as_str(), t.as_str()])?;
            }
        }
        for c in &f.conditions {
            condition.execute(params![
                c.id.as_str(),
                id,
                c.label,
                c.stated_by.as_str(),
                c.constrains.as_str(),
                c.constraint.as_str(),
                c.value,
                c.exception
            ])?;
        }
        for c in &f.claims {
            claim.execute(params![
                c.id.as_str(),
                id,
                c.label,
                c.kind.as_str(),
                c.claimant
            ])?;
            for a in &c.about {
                subject.execute(params![c.id.as_str(), a.as_str()])?;
            }
        }
        for r in &f.relations {
            relation.execute(params![
                r.id.as_str(),
                id,
                r.subject.as_str(),
                r.predicate.as_str(),
                r.object.as_str()
            ])?;
        }
        for item in art.evidence() {
            let (start, end) = item.span();
            evidence.execute(params![
                item.id(),
                item.record.as_str(),
                id,
                item.number as i64,
                item.evidence.quote,
                start as i64,
                end as i64,
                item.evidence.asserted_by,
                item.evidence.modality.as_str()
            ])?;
        }
    }
    debug_assert_eq!(
        AUTHOR, "author",
        "the migrations' generated columns name 'author'"
    );
    Ok(())
}

/// Opens a built database for reading only: the file cannot be changed through this
/// connection, nor can other databases be attached.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        bail!(
            "no knowledge base at '{}': build one with `dossier build` (or point --kb at it)",
            path.display()
        );
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open '{}'", path.display()))?;
    conn.pragma_update(None, "query_only", true)?;
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    let version = schema_version(&conn)?;
    if version != latest_version() {
        bail!(
            "'{}' has schema version {version}, this dossier expects {}: run `dossier build` to \
             rebuild it, or `dossier upgrade` to upgrade it in place",
            path.display(),
            latest_version()
        );
    }
    Ok(conn)
}

/// The base IRI recorded at build time.
pub fn base_iri(conn: &Connection) -> Result<String> {
    conn.query_row("SELECT base_iri FROM knowledge_base", [], |r| r.get(0))
        .context("the database has no knowledge_base row: rebuild it with `dossier build`")
}

/// Why a read-only query did not run to completion.
#[derive(Debug)]
pub enum QueryError {
    /// The statement would change the database.
    Write,
    /// The time limit ran out.
    Timeout(Duration),
    /// SQLite said no: syntax, unknown table, a missing parameter...
    Sql(String),
    /// Writing the output failed (e.g. a closed pipe).
    Output(anyhow::Error),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Write => write!(
                f,
                "refused: queries are read-only, and this statement would change the database \
                 (rebuild it from the seeds with `dossier build` instead)"
            ),
            QueryError::Timeout(limit) => write!(
                f,
                "the query was interrupted after {} ms: simplify it, or raise --timeout-ms",
                limit.as_millis()
            ),
            QueryError::Sql(message) => write!(f, "SQL error: {message}"),
            QueryError::Output(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for QueryError {}

/// A receiver of query results, row by row, so that large results stream to the output.
pub trait RowSink {
    fn columns(&mut self, names: &[String]) -> Result<()>;
    fn row(&mut self, values: &[Value]) -> Result<()>;
}

/// Runs one read-only statement with named parameters (`:name`), interrupting it when `timeout`
/// runs out.
pub fn query(
    conn: &Connection,
    sql: &str,
    params: &[(String, String)],
    timeout: Duration,
    sink: &mut dyn RowSink,
) -> Result<(), QueryError> {
    let mut stmt = conn.prepare(sql).map_err(|e| {
        let message = e.to_string();
        if message.contains("too many attached databases") {
            QueryError::Write
        } else {
            QueryError::Sql(message)
        }
    })?;
    if !stmt.readonly() || sql.trim_start().to_ascii_uppercase().starts_with("ATTACH") {
        return Err(QueryError::Write);
    }
    for (name, value) in params {
        let key = if name.starts_with([':', '@', '$']) {
            name.clone()
        } else {
            format!(":{name}")
        };
        let index = stmt
            .parameter_index(&key)
            .map_err(|e| QueryError::Sql(e.to_string()))?
            .ok_or_else(|| {
                QueryError::Sql(format!(
                    "the query has no parameter {key}: use it in the SQL as {key}, or drop --param {name}"
                ))
            })?;
        stmt.raw_bind_parameter(index, value)
            .map_err(|e| QueryError::Sql(e.to_string()))?;
    }
    for i in 1..=stmt.parameter_count() {
        let bound = stmt.parameter_name(i).is_some_and(|name| {
            params
                .iter()
                .any(|(k, _)| k.trim_start_matches([':', '@', '$']) == &name[1..])
        });
        if !bound {
            let name = stmt.parameter_name(i).map_or("NAME", |n| &n[1..]);
            return Err(QueryError::Sql(format!(
                "the query's parameter {} has no value: pass --param {name}=VALUE \
                 (positional ? parameters are not supported: name them, e.g. :id)",
                stmt.parameter_name(i).unwrap_or("?"),
            )));
        }
    }
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    sink.columns(&names).map_err(QueryError::Output)?;

    let (done, watch) = mpsc::channel::<()>();
    let interrupt = conn.get_interrupt_handle();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = watch.recv_timeout(timeout) {
            interrupt.interrupt();
            true
        } else {
            false
        }
    });
    let result = (|| {
        let mut rows = stmt.raw_query();
        let width = names.len();
        let mut values = Vec::with_capacity(width);
        loop {
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => return Ok(()),
                Err(e) => return Err(QueryError::Sql(e.to_string())),
            };
            values.clear();
            for i in 0..width {
                values.push(
                    row.get::<_, Value>(i)
                        .map_err(|e| QueryError::Sql(e.to_string()))?,
                );
            }
            sink.row(&values).map_err(QueryError::Output)?;
        }
    })();
    let _ = done.send(());
    let interrupted = watchdog.join().unwrap_or(false);
    match result {
        Err(QueryError::Sql(message)) if interrupted || message.contains("interrupted") => {
            Err(QueryError::Timeout(timeout))
        }
        other => other,
    }
}
