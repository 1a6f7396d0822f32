//! The SQLite store: creating the current schema (`ddl`'s) and upgrading old databases with
//! migrations, writing the model into a new database, and read-only queries with bound
//! parameters and a time limit. Only this module writes a database; `check`, `report`,
//! `publish` and others read one through rusqlite too.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, params};
use rusqlite_migration::{M, Migrations};

use crate::ddl;
use crate::mapping::{self, Field, Kind, Scope, Shape};
use crate::model::{AUTHOR, Article, Basis, CURATOR, Difference, Fields, Record, Shared, Value};

/// The numbered files in `migrations/`, embedded at compile time. Applying them records the
/// schema version in the database (`PRAGMA user_version`).
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../../../migrations/0001_tables.sql")),
    M::up(include_str!(
        "../../../migrations/0002_views_and_indexes.sql"
    )),
    M::up(include_str!("../../../migrations/0003_commitments.sql")),
    M::up(include_str!("../../../migrations/0004_date_spans.sql")),
    M::up(include_str!("../../../migrations/0005_full_text.sql")),
    M::up(include_str!("../../../migrations/0006_inferences.sql")),
    M::up(include_str!("../../../migrations/0007_relation_types.sql")),
    M::up(include_str!("../../../migrations/0008_quantities.sql")),
    M::up(include_str!("../../../migrations/0009_many_articles.sql")),
    M::up(include_str!("../../../migrations/0010_topics.sql")),
    M::up(include_str!(
        "../../../migrations/0011_generated_schema.sql"
    )),
    M::up(include_str!(
        "../../../migrations/0012_basis_and_difference.sql"
    )),
    M::up(include_str!("../../../migrations/0013_lists_and_links.sql")),
    M::up(include_str!(
        "../../../migrations/0014_article_metadata.sql"
    )),
    M::up(include_str!("../../../migrations/0015_aliases.sql")),
    M::up(include_str!(
        "../../../migrations/0016_grounds_and_issuers.sql"
    )),
    M::up(include_str!("../../../migrations/0017_article_text_of.sql")),
    M::up(include_str!(
        "../../../migrations/0018_closed_lists_as_tables.sql"
    )),
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
    // A migration may rebuild a table others reference (SQLite's documented procedure): the
    // keys are checked once afterwards instead of row by row while it runs.
    conn.pragma_update(None, "foreign_keys", false)?;
    let before = schema_version(&conn)?;
    migrations()
        .to_latest(&mut conn)
        .with_context(|| format!("cannot upgrade '{}'", path.display()))?;
    replace_views(&conn).with_context(|| format!("cannot upgrade '{}'", path.display()))?;
    refresh_closed_lists(&conn).with_context(|| format!("cannot upgrade '{}'", path.display()))?;
    check_foreign_keys(&conn)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok((before, schema_version(&conn)?))
}

/// Creates the current schema in an empty database in one step (no migration runs), and
/// records its version so that a later dossier migrates it from there.
pub fn create_schema(conn: &Connection) -> Result<()> {
    conn.execute_batch(&ddl::sqlite_schema())
        .context("cannot create the schema (a bug: schema/sqlite.sql is generated)")?;
    conn.pragma_update(None, "user_version", latest_version() as i64)?;
    Ok(())
}

/// Drops every view and creates the current ones: views hold no data, so an upgraded database
/// gets the views of schema/views.sql whatever the migrations defined on the way.
fn replace_views(conn: &Connection) -> Result<()> {
    let views: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'view'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for view in views {
        conn.execute_batch(&format!("DROP VIEW \"{view}\""))?;
    }
    conn.execute_batch(ddl::VIEWS)
        .context("cannot create the views")
}

/// Makes each closed list's table, and `record_kinds`, hold this dossier's values and
/// definitions: like the views, an upgraded database takes them from the current descriptions
/// whatever the migrations did, so a new value, or a new kind, needs no row in a migration. A
/// value no longer listed is removed; if a row still holds it, the foreign-key check after the
/// upgrade names it.
fn refresh_closed_lists(conn: &Connection) -> Result<()> {
    let kinds = ddl::record_kinds();
    let mut insert = conn.prepare("INSERT OR IGNORE INTO record_kinds (kind) VALUES (?1)")?;
    for kind in &kinds {
        insert.execute([kind])?;
    }
    conn.execute(
        "DELETE FROM record_kinds WHERE kind NOT IN (SELECT value FROM json_each(?1))",
        [serde_json::to_string(&kinds)?],
    )?;
    for (table, rows) in ddl::lookup_rows() {
        let (key, meaning) = (ddl::LOOKUP_KEY, ddl::LOOKUP_DEFINITION);
        let mut upsert = conn.prepare(&format!(
            "INSERT INTO {table} ({key}, {meaning}) VALUES (?1, ?2) \
             ON CONFLICT ({key}) DO UPDATE SET {meaning} = excluded.{meaning}"
        ))?;
        for (value, definition) in &rows {
            upsert.execute((value, definition))?;
        }
        let listed: Vec<&str> = rows.iter().map(|(value, _)| *value).collect();
        conn.execute(
            &format!("DELETE FROM {table} WHERE {key} NOT IN (SELECT value FROM json_each(?1))"),
            [serde_json::to_string(&listed)?],
        )?;
    }
    Ok(())
}

/// Rows written per table.
pub type TableCounts = Vec<(&'static str, usize)>;

/// Writes the whole knowledge base (`shared` and `articles`, which come one at a time) into a
/// new database file at `path` (which must not exist), in one transaction with prepared
/// statements.
pub fn write<A: std::borrow::Borrow<Article>>(
    shared: Shared<'_>,
    articles: impl Iterator<Item = A>,
    path: &Path,
) -> Result<TableCounts> {
    let mut conn = Connection::open(path)
        .with_context(|| format!("cannot create the database '{}'", path.display()))?;
    // The file is a temporary one until it is renamed into place, so a crash only loses it.
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    // Keys are text ids in no particular order, so a page cache helps their B-trees; but the
    // cache filled to its bound while the graph was written beside it. Measured: 128 MiB held
    // the whole 100 MB database of 100k records (build peak 356-376 MB), 32 MiB writes as fast
    // (1.67-1.73 s either way) and the build peaks at 319 MB; at 1M records 16 MiB cost 4% of
    // the SQLite phase.
    conn.pragma_update(None, "cache_size", -32768)?;
    // Bulk load: the whole schema first, then the rows without the secondary indexes, which are
    // recreated once over the whole data, and the foreign keys checked once instead of row by row.
    create_schema(&conn)?;
    let indexes: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    conn.pragma_update(None, "foreign_keys", false)?;
    let tx = conn.transaction()?;
    insert_all(&tx, shared, articles)?;
    tx.commit()
        .context("the database refused the data (a CHECK or UNIQUE constraint failed)")?;
    check_foreign_keys(&conn)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    for (name, sql) in &indexes {
        conn.execute_batch(sql)
            .with_context(|| format!("cannot create the index {name}"))?;
    }
    // Indexed once over the whole data, like the secondary indexes.
    for index in mapping::FULL_TEXT_INDEXES {
        rebuild_full_text(&conn, index)?;
    }
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let mut counts = Vec::new();
    for table in tables() {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        counts.push((table, n as usize));
    }
    Ok(counts)
}

/// Reindexes a full-text index from its content table.
fn rebuild_full_text(conn: &Connection, index: &mapping::FullText) -> Result<()> {
    let table = index.table;
    conn.execute_batch(&format!("INSERT INTO {table} ({table}) VALUES ('rebuild')"))
        .with_context(|| format!("cannot build the full-text index {table}"))
}

/// Fails when a row references a missing row (keys are checked once, after a bulk write).
fn check_foreign_keys(conn: &Connection) -> Result<()> {
    let broken: Vec<(String, String)> = conn
        .prepare("SELECT \"table\", parent FROM pragma_foreign_key_check LIMIT 5")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    if let Some((table, parent)) = broken.first() {
        bail!(
            "a row of {table} references a missing {parent} row (a bug: validation should have caught it)"
        );
    }
    Ok(())
}

/// Every table of records, in the order a summary lists them: each kind's table followed by
/// its list and nested tables, then the records index and evidence.
pub fn tables() -> Vec<&'static str> {
    let mut out = Vec::new();
    for k in mapping::kinds() {
        out.push(k.table);
        out.extend(k.fields.iter().filter_map(|f| f.list.map(|l| l.table)));
        out.extend(k.nested.iter().map(|n| n.table));
    }
    out.extend(["records", "evidence", "statements", "statement_evidence"]);
    out
}

/// One parameter of an insert: borrowed text where the model has it, owned otherwise.
type Param<'a> = rusqlite::types::ToSqlOutput<'a>;

/// The SQL value of one field value; a date gives its text (its precision is a column of its own).
fn param(v: Value<'_>) -> Param<'_> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    match v {
        Value::Text(s) | Value::Id(s) | Value::Concept(s) => {
            ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
        }
        Value::Date(d) => ToSqlOutput::Owned(SqlValue::Text(d.to_string())),
        Value::Percent(p) => ToSqlOutput::Owned(SqlValue::Real(p.0)),
        Value::Count(n) => ToSqlOutput::Owned(SqlValue::Integer(n as i64)),
        Value::Duration(d) => ToSqlOutput::Borrowed(ValueRef::Text(d.as_str().as_bytes())),
    }
}

fn null() -> Param<'static> {
    rusqlite::types::ToSqlOutput::Owned(SqlValue::Null)
}

/// The columns of a kind's own table that its fields fill, in description order (a date fills
/// two: its text and its precision).
fn columns(fields: &[Field]) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields.iter().filter(|f| f.list.is_none()) {
        out.push(f.column.to_owned());
        if matches!(f.shape, Shape::Date { .. }) {
            out.push(format!("{}_precision", f.column));
        }
    }
    out
}

/// The parameters for [`columns`], read from one struct.
fn row_params<'a>(fields: &[Field], record: &'a dyn Fields, out: &mut Vec<Param<'a>>) {
    for (i, f) in fields.iter().enumerate().filter(|(_, f)| f.list.is_none()) {
        let value = record.first(i);
        out.push(match value {
            Some(v) => param(v),
            None => null(),
        });
        if matches!(f.shape, Shape::Date { .. }) {
            out.push(match value {
                Some(Value::Date(d)) => Param::from(d.precision().as_str()),
                _ => null(),
            });
        }
    }
}

fn insert_sql(table: &str, columns: &[String]) -> String {
    let marks = vec!["?"; columns.len()].join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({marks})",
        columns.join(", ")
    )
}

/// One prepared insert per list field (None for the other fields), in field order.
type ListInserts<'c> = Vec<Option<rusqlite::CachedStatement<'c>>>;

fn list_inserts<'c>(
    tx: &'c rusqlite::Transaction<'_>,
    fields: &[Field],
) -> Result<ListInserts<'c>> {
    Ok(fields
        .iter()
        .map(|f| {
            f.list
                .map(|l| {
                    tx.prepare_cached(&insert_sql(l.table, &[l.owner.into(), f.column.into()]))
                })
                .transpose()
        })
        .collect::<rusqlite::Result<_>>()?)
}

/// One row per value of each list field of `record`, owned by `id`.
fn insert_lists(lists: &mut ListInserts<'_>, id: &str, record: &dyn Fields) -> Result<()> {
    for (i, statement) in lists.iter_mut().enumerate() {
        let Some(statement) = statement else { continue };
        let mut result = Ok(());
        record.values(i, &mut |v| {
            if result.is_ok() {
                result = statement
                    .execute(rusqlite::params_from_iter([Param::from(id), param(v)]))
                    .map(drop);
            }
        });
        result?;
    }
    Ok(())
}

/// The prepared inserts of one kind: its table, its list tables, its nested tables.
struct KindInserts<'c> {
    kind: &'static Kind,
    table: rusqlite::CachedStatement<'c>,
    lists: ListInserts<'c>,
    nested: Vec<rusqlite::CachedStatement<'c>>,
}

impl<'c> KindInserts<'c> {
    fn prepare(tx: &'c rusqlite::Transaction<'_>, kind: &'static Kind) -> Result<Self> {
        let mut own = vec!["id".to_owned()];
        if kind.scope == Scope::InArticle {
            own.push("article_id".to_owned());
        }
        own.extend(columns(kind.fields));
        let lists = list_inserts(tx, kind.fields)?;
        let nested = kind
            .nested
            .iter()
            .map(|n| {
                let mut cols = vec![n.owner.to_owned()];
                cols.extend(columns(n.fields));
                tx.prepare_cached(&insert_sql(n.table, &cols))
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok(KindInserts {
            kind,
            table: tx.prepare_cached(&insert_sql(kind.table, &own))?,
            lists,
            nested,
        })
    }

    /// Inserts one record: its row, one row per list value, one row per nested row.
    fn insert(&mut self, record: &dyn Record, article: Option<&str>) -> Result<()> {
        let id = record.id().as_str();
        let mut params: Vec<Param<'_>> = vec![Param::from(id)];
        if let Some(article) = article {
            params.push(Param::from(article));
        }
        row_params(self.kind.fields, record as &dyn Fields, &mut params);
        self.table
            .execute(rusqlite::params_from_iter(params))
            .with_context(|| format!("cannot insert {} '{id}'", self.kind.kind))?;
        insert_lists(&mut self.lists, id, record as &dyn Fields)?;
        for (n, statement) in self.nested.iter_mut().enumerate() {
            for row in record.rows(n) {
                let mut params = vec![Param::from(id)];
                row_params(self.kind.nested[n].fields, row, &mut params);
                statement.execute(rusqlite::params_from_iter(params))?;
            }
        }
        Ok(())
    }
}

fn insert_all<A: std::borrow::Borrow<Article>>(
    tx: &rusqlite::Transaction<'_>,
    kb: Shared<'_>,
    articles: impl Iterator<Item = A>,
) -> Result<()> {
    let mut kb_columns = vec!["id".to_owned(), "base_iri".to_owned()];
    kb_columns.extend(columns(mapping::KNOWLEDGE_BASE_FIELDS));
    let mut params = vec![Param::from(1i64), Param::from(kb.config.base_iri.as_str())];
    row_params(mapping::KNOWLEDGE_BASE_FIELDS, kb.config, &mut params);
    tx.execute(
        &insert_sql("knowledge_base", &kb_columns),
        rusqlite::params_from_iter(params),
    )?;
    let mut record = tx.prepare(
        "INSERT INTO records (id, kind, label, article_id, basis) VALUES (?, ?, ?, ?, ?)",
    )?;
    let mut index = |r: &dyn Record, kind: &Kind, article: Option<&str>| {
        record.execute(params![
            r.id().as_str(),
            kind.kind.as_str(),
            kind.label_of(r as &dyn Fields),
            article,
            Basis::of(r.evidence()).map(Basis::as_str),
        ])
    };

    let mut actors = KindInserts::prepare(tx, &mapping::ACTOR)?;
    for a in kb.actors {
        index(a, &mapping::ACTOR, None)?;
        actors.insert(a, None)?;
    }
    // Topics after actors, before the records that are about them.
    let mut topics = KindInserts::prepare(tx, &mapping::TOPIC)?;
    for t in kb.topics {
        index(t, &mapping::TOPIC, None)?;
        topics.insert(t, None)?;
    }

    let mut article_columns = vec!["id".to_owned()];
    article_columns.extend(columns(mapping::ARTICLE.fields));
    article_columns.extend(["text".to_owned(), "char_count".to_owned()]);
    let mut article = tx.prepare(&insert_sql(mapping::ARTICLE.table, &article_columns))?;
    let mut kinds = mapping::ARTICLE_KINDS
        .iter()
        .map(|k| Ok((k.kind, KindInserts::prepare(tx, k)?)))
        .collect::<Result<std::collections::HashMap<_, _>>>()?;
    let mut evidence = tx.prepare(
        "INSERT INTO evidence (id, record_id, article_id, number, quote, start_offset, end_offset, \
         asserted_by, modality, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;

    let mut article_lists = list_inserts(tx, mapping::ARTICLE.fields)?;
    for art in articles {
        let art = art.borrow();
        let id = art.id.as_str();
        let mut params = vec![Param::from(id)];
        row_params(mapping::ARTICLE.fields, &art.facts.article, &mut params);
        params.push(Param::from(art.text.as_str()));
        params.push(Param::from(art.text.chars().count() as i64));
        article.execute(rusqlite::params_from_iter(params))?;
        insert_lists(&mut article_lists, id, &art.facts.article)?;
        for r in art.facts.records() {
            let inserts = kinds
                .get_mut(&r.kind())
                .expect("every article kind is described");
            index(r, inserts.kind, Some(id))?;
            inserts.insert(r, Some(id))?;
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
                item.evidence.modality.as_str(),
                item.evidence.note
            ])?;
        }
    }
    // Hook: the stated values, after the evidence they cite.
    insert_statements(tx, kb)?;
    debug_assert_eq!(
        (AUTHOR, CURATOR),
        ("author", "curator"),
        "the migrations' generated columns name 'author' and 'curator'"
    );
    Ok(())
}

/// Every value a source states (`statements`) and the quotes behind each
/// (`statement_evidence`).
fn insert_statements(tx: &rusqlite::Transaction<'_>, kb: Shared<'_>) -> Result<()> {
    let mut statement = tx.prepare(
        "INSERT INTO statements (id, record_id, field, value, article_id, rank, is_current, \
         basis, difference) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    let mut backed =
        tx.prepare("INSERT INTO statement_evidence (statement_id, evidence_id) VALUES (?, ?)")?;
    kb.statements.for_each(&mut |s| {
        let (field, value) = mapping::stated(mapping::kind(s.kind), &s.value);
        statement.execute(params![
            s.id,
            s.record.as_str(),
            field,
            value,
            s.article.as_ref().map(|a| a.as_str()),
            s.rank.as_str(),
            s.current,
            s.basis.map(Basis::as_str),
            s.difference.map(Difference::as_str),
        ])?;
        for e in &s.evidence {
            backed.execute(params![s.id, e])?;
        }
        Ok(())
    })
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
    // A PRAGMA that sets a value changes the connection even where the file cannot change
    // (`query_only = 0`, `writable_schema = 1`): refused at prepare time, like any write.
    conn.authorizer(Some(|context: rusqlite::hooks::AuthContext<'_>| {
        use rusqlite::hooks::{AuthAction, Authorization};
        match context.action {
            AuthAction::Pragma {
                pragma_name,
                pragma_value: Some(_),
            } if !INFORMATION_PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()) => {
                Authorization::Deny
            }
            AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
            _ => Authorization::Allow,
        }
    }))?;
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

/// PRAGMAs whose argument names what to describe rather than a value to set.
const INFORMATION_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_info",
    "index_xinfo",
    "index_list",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
];

/// The base IRI recorded at build time.
pub fn base_iri(conn: &Connection) -> Result<String> {
    conn.query_row("SELECT base_iri FROM knowledge_base", [], |r| r.get(0))
        .context("the database has no knowledge_base row: rebuild it with `dossier build`")
}

/// Why a read-only query did not run to completion.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The statement would change the database.
    #[error(
        "refused: queries are read-only, and this statement would change the database \
         (rebuild it from the seeds with `dossier build` instead)"
    )]
    Write,
    /// The time limit ran out.
    #[error("the query was interrupted after {} ms: simplify it, or raise --timeout-ms", .0.as_millis())]
    Timeout(Duration),
    /// SQLite's heap reached the limit set by [`limit_heap`].
    #[error(
        "the query needed more than {} MiB of memory: narrow it (a recursive query or a join \
         of unrelated tables grows fast), or raise --max-memory-mb", .0 >> 20
    )]
    Memory(u64),
    /// SQLite said no: syntax, unknown table, a missing parameter...
    #[error("SQL error: {0}")]
    Sql(String),
    /// SQLite said no at a place of the statement: the message shows the line with a caret.
    #[error("{0}")]
    Placed(String),
    /// Writing the output failed (e.g. a closed pipe).
    #[error("{0:#}")]
    Output(anyhow::Error),
    /// The database could not be opened (not built, or not readable).
    #[error("{0:#}")]
    Open(anyhow::Error),
}

/// A receiver of query results, row by row, so that large results stream to the output.
pub trait RowSink {
    fn columns(&mut self, names: &[String]) -> Result<()>;
    fn row(&mut self, values: &[SqlValue]) -> Result<()>;
}

/// Bounds the memory SQLite may allocate in this process (every connection's together): past
/// it, an allocation fails and the statement stops with [`QueryError::Memory`]. Zero means no
/// bound. Returns the bound it replaces, so that a caller can put it back.
pub fn limit_heap(bytes: u64) -> u64 {
    // SAFETY: sets a process-wide limit; SQLite reads it under its own mutex.
    let previous = unsafe {
        rusqlite::ffi::sqlite3_hard_heap_limit64(i64::try_from(bytes).unwrap_or(i64::MAX))
    };
    u64::try_from(previous).unwrap_or(0)
}

/// The bound [`limit_heap`] set, if any.
fn heap_limit() -> Option<u64> {
    // SAFETY: a negative argument only reads the limit.
    let limit = unsafe { rusqlite::ffi::sqlite3_hard_heap_limit64(-1) };
    (limit > 0).then_some(limit as u64)
}

/// Why a query could not be prepared: a write it attempts (ATTACH, or what the authorizer
/// refused), or its SQL error with the word SQLite stopped at underlined.
fn not_prepared(sql: &str, e: rusqlite::Error) -> QueryError {
    let message = e.to_string();
    if message.contains("too many attached databases") || message.contains("not authorized") {
        return QueryError::Write;
    }
    match e {
        rusqlite::Error::SqlInputError { msg, offset, .. } if offset >= 0 => {
            let start = offset as usize;
            let word = sql.get(start..).map_or(0, |rest| {
                rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len())
            });
            let snippet = crate::diagnostic::Snippet::of(sql, start..start + word);
            QueryError::Placed(crate::diagnostic::render(
                &format!("SQL error: {msg}"),
                "query",
                &snippet,
                "",
                Some("the tables and views are described in schema/sqlite.md"),
            ))
        }
        _ => QueryError::Sql(message),
    }
}

/// Binds each `--param NAME=VALUE` to the statement's `:NAME` (or `@NAME`, `$NAME`); a value
/// for no parameter, or a parameter without a value, is refused with advice.
fn bind(stmt: &mut rusqlite::Statement<'_>, params: &[(String, String)]) -> Result<(), QueryError> {
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
    Ok(())
}

/// `PRAGMA journal_mode` without a value only reads the mode, but SQLite counts every form of
/// it as a write (it may change the mode); on a read-only connection it changes nothing.
fn reads_journal_mode(sql: &str) -> bool {
    let words: Vec<String> = sql
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    match words.as_slice() {
        [pragma, name] => {
            pragma == "pragma"
                && name.rsplit_once('.').map_or(name.as_str(), |(_, n)| n) == "journal_mode"
        }
        _ => false,
    }
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
    // The clock runs from before the statement is prepared (SQLite's parser checks for an
    // interrupt too) until the last row is written.
    let started = std::time::Instant::now();
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
    let result = (|| -> Result<(), QueryError> {
        let mut stmt = conn.prepare(sql).map_err(|e| not_prepared(sql, e))?;
        // SQLite's parser looks for an interrupt only between tokens separated by spaces, and
        // the first step clears one that came before it: a deadline passed while preparing
        // would otherwise be forgotten.
        if started.elapsed() >= timeout {
            return Err(QueryError::Timeout(timeout));
        }
        if !(stmt.readonly() || reads_journal_mode(sql))
            || sql.trim_start().to_ascii_uppercase().starts_with("ATTACH")
        {
            return Err(QueryError::Write);
        }
        bind(&mut stmt, params)?;
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        sink.columns(&names).map_err(QueryError::Output)?;

        {
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
                        row.get::<_, SqlValue>(i)
                            .map_err(|e| QueryError::Sql(e.to_string()))?,
                    );
                }
                sink.row(&values).map_err(QueryError::Output)?;
            }
        }
    })();
    let _ = done.send(());
    let interrupted = watchdog.join().unwrap_or(false);
    match result {
        Err(QueryError::Sql(message)) if interrupted || message.contains("interrupted") => {
            Err(QueryError::Timeout(timeout))
        }
        Err(QueryError::Sql(message)) if message.contains("out of memory") => match heap_limit() {
            Some(limit) => Err(QueryError::Memory(limit)),
            None => Err(QueryError::Sql(message)),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// Pages read from the file by `conn` since the last call.
    fn misses(conn: &Connection) -> i32 {
        let (mut current, mut highest) = (0, 0);
        // SAFETY: the handle is open for the call; the counters are the connection's own.
        let status = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_MISS,
                &mut current,
                &mut highest,
                1,
            )
        };
        assert_eq!(status, rusqlite::ffi::SQLITE_OK);
        current
    }

    /// The site's threads, `serve`'s workers: connections of one process each keep their own
    /// pages. Built with SQLITE_ENABLE_MEMORY_MANAGEMENT (libsqlite3-sys's default, undone in
    /// `.cargo/config.toml`), their caches are one pool: a connection's scan takes the others'
    /// pages, and while it then idles holding more than its share, every other connection drops
    /// its pages as soon as it releases them (this test fails there: the reads after the scan
    /// read the table from the file again).
    #[test]
    fn a_connection_keeps_its_pages_while_another_one_scans() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pages.sqlite");
        let setup = Connection::open(&path).unwrap();
        setup
            .execute_batch(
                "CREATE TABLE small (id INTEGER PRIMARY KEY, body TEXT);
                 CREATE TABLE large (id INTEGER PRIMARY KEY, body TEXT);
                 WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n LIMIT 20000)
                 INSERT INTO large SELECT value, printf('%.1000c', 'y') FROM n;
                 INSERT INTO small SELECT id, printf('%.1000c', 'x') FROM large WHERE id <= 200;",
            )
            .unwrap();
        drop(setup);
        let read_small = |conn: &Connection| {
            let n: i64 = conn
                .query_row("SELECT sum(length(body)) FROM small", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 200_000);
        };
        let (reader, scanner) = (
            Connection::open(&path).unwrap(),
            Connection::open(&path).unwrap(),
        );
        read_small(&reader);
        let first_read = misses(&reader);
        assert!(
            first_read >= 50,
            "the small table is read from the file once: {first_read}"
        );
        // Ten times the default cache (2,000 KiB), read by the other connection, which then idles.
        let n: i64 = scanner
            .query_row("SELECT sum(length(body)) FROM large", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 20_000_000);
        for _ in 0..10 {
            read_small(&reader);
        }
        let again = misses(&reader);
        assert_eq!(
            again, 0,
            "ten more reads of a table that fits the cache read {again} pages from the file \
             again (the first read {first_read}): the other connection's scan took them, so \
             the connections share one page cache (see .cargo/config.toml)"
        );
    }
}
