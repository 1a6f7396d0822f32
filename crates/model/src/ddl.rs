//! The SQL schema of the current version, written from the descriptions in `mapping` for two
//! dialects: SQLite (the built database) and PostgreSQL (`publish`). No table is written by
//! hand: each kind's table, list tables and nested rows come from its `Kind`, evidence and
//! statements from their field lists, and the few columns no field holds from [`core_tables`].
//! The dashboard views are defined once, in `schema/views.sql`, in the SQL both engines read;
//! [`postgres_views`] rewrites the two SQLite idioms they use. `schema/sqlite.sql` and
//! `schema/postgres.sql` are these outputs, committed for readers and held equal to them by
//! `tests/it/schema.rs` (`dossier schema --write` regenerates them).
//!
//! Migrations (`migrations/`) only carry an older database forward: a new database is created
//! from [`sqlite_schema`] in one step, and `tests/it/schema.rs` holds a database migrated from
//! version 1 equal to a fresh one.

use std::fmt::Write as _;

use std::sync::OnceLock;

use crate::mapping::{self, Field, Kind, Scope, Shape};
use crate::model::{Basis, ClosedList, DatePrecision, RecordKind};

/// The dashboard views, defined once.
pub const VIEWS: &str = include_str!("../../../schema/views.sql");

/// The database's reference page: its prose and views are written by hand, its list of tables
/// and their columns by [`reference_page`].
pub const REFERENCE_PAGE: &str = include_str!("../../../schema/sqlite.md");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A column's SQL type, named for what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Text,
    Integer,
    /// A percentage: `REAL` in SQLite, `numeric` in PostgreSQL.
    Decimal,
    /// `INTEGER` 0 or 1 in SQLite, `boolean` in PostgreSQL.
    Boolean,
}

impl SqlType {
    fn name(self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (SqlType::Text, Dialect::Sqlite) => "TEXT",
            (SqlType::Integer | SqlType::Boolean, Dialect::Sqlite) => "INTEGER",
            (SqlType::Decimal, Dialect::Sqlite) => "REAL",
            (SqlType::Text, Dialect::Postgres) => "text",
            (SqlType::Integer, Dialect::Postgres) => "integer",
            (SqlType::Decimal, Dialect::Postgres) => "numeric",
            (SqlType::Boolean, Dialect::Postgres) => "boolean",
        }
    }
}

/// A CHECK constraint; the only one whose text differs between the dialects is a duration's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Sql(String),
    /// An ISO 8601 duration starts with `P` and a digit.
    Duration(String),
    /// A boolean stored as 0 or 1 (SQLite only: PostgreSQL has `boolean`).
    ZeroOrOne(String),
}

impl Check {
    fn render(&self, dialect: Dialect) -> Option<String> {
        match (self, dialect) {
            (Check::Sql(s), _) => Some(s.clone()),
            (Check::Duration(c), Dialect::Sqlite) => Some(format!("{c} GLOB 'P[0-9]*'")),
            (Check::Duration(c), Dialect::Postgres) => Some(format!("{c} ~ '^P[0-9]'")),
            (Check::ZeroOrOne(c), Dialect::Sqlite) => Some(format!("{c} IN (0, 1)")),
            (Check::ZeroOrOne(_), Dialect::Postgres) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub not_null: bool,
    pub checks: Vec<Check>,
    /// The table whose key this column references (its `id`, or `kind` of `record_kinds`).
    pub references: Option<&'static str>,
    /// An expression computing the column from others (generated: no value is loaded into it).
    pub generated: Option<String>,
    /// Whether queries look rows up by this column though it references nothing (an
    /// asserter, a date). Every reference is indexed too (see [`indexes`]).
    pub looked_up: bool,
    /// What the column holds, as `schema/sqlite.md` says it (Markdown, no final period).
    pub doc: String,
}

impl Column {
    fn new(name: impl Into<String>, ty: SqlType, not_null: bool) -> Column {
        Column {
            name: name.into(),
            ty,
            not_null,
            checks: Vec::new(),
            references: None,
            generated: None,
            looked_up: false,
            doc: String::new(),
        }
    }

    fn doc(mut self, doc: impl Into<String>) -> Column {
        self.doc = doc.into();
        self
    }

    fn references(mut self, table: &'static str) -> Column {
        self.references = Some(table);
        self
    }

    fn check(mut self, check: Check) -> Column {
        self.checks.push(check);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: &'static str,
    pub columns: Vec<Column>,
    pub key: Vec<String>,
    /// Checks over several columns.
    pub checks: Vec<String>,
    /// SQLite: a rowid table (the full-text index reads it by rowid), else WITHOUT ROWID.
    pub rowid: bool,
    /// What one row is, as `schema/sqlite.md`'s list of tables says it ("one row per ...").
    pub about: String,
}

impl Table {
    fn new(name: &'static str, key: &[&str], about: impl Into<String>) -> Table {
        Table {
            name,
            columns: Vec::new(),
            key: key.iter().map(|k| k.to_string()).collect(),
            checks: Vec::new(),
            rowid: false,
            about: about.into(),
        }
    }

    /// The columns a load fills (generated ones are computed).
    pub fn stored_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.generated.is_none())
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub table: &'static str,
    pub columns: Vec<String>,
    pub unique: bool,
}

/// A noun without its article: "agreement or measure" for "an agreement or measure".
fn bare(noun: &str) -> &str {
    noun.strip_prefix("an ")
        .or_else(|| noun.strip_prefix("a "))
        .unwrap_or(noun)
}

/// Values in backticks, as prose lists them: `` `a`, `b` or `c` ``.
fn code_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// A field's column as `schema/sqlite.md` describes it: the field's doc as a phrase (lower
/// case, no final period), then what values a closed list or a date takes, unless the doc
/// names them.
fn column_doc(f: &Field) -> String {
    let doc = f.doc.trim_end_matches('.');
    assert!(
        !doc.is_empty(),
        "the field {} (column {}) has no doc: describe it in crates/model/src/mapping.rs with .doc(...)",
        f.key,
        f.column
    );
    // "The actor's name" reads as "the actor's name"; "IRI ..." and "`author` ..." stay.
    let first_word = doc.split(' ').next().unwrap_or(doc);
    let acronym = first_word.len() > 1 && first_word.chars().all(|c| c.is_ascii_uppercase());
    let lowered: String = if acronym {
        doc.to_owned()
    } else {
        let mut chars = doc.chars();
        let first = chars.next().expect("not empty");
        first.to_lowercase().chain(chars).collect()
    };
    let values: &[&str] = match f.shape {
        Shape::Closed { values, .. } => values,
        Shape::Date { .. } => &["YYYY", "YYYY-MM", "YYYY-MM-DD"],
        _ => &[],
    };
    let named = values.iter().all(|v| lowered.contains(&format!("`{v}`")));
    if named {
        lowered
    } else if lowered.contains(':') {
        format!("{lowered} ({})", code_list(values))
    } else {
        format!("{lowered}: {}", code_list(values))
    }
}

/// The SQL type of a field's shape (a date's own column: its precision is another).
fn sql_type(shape: Shape) -> SqlType {
    match shape {
        Shape::Integer | Shape::Offset => SqlType::Integer,
        Shape::Decimal => SqlType::Decimal,
        Shape::Boolean => SqlType::Boolean,
        _ => SqlType::Text,
    }
}

/// The table a reference to these kinds points at: the kind's own table for one kind, else
/// `records` (which every record but an article is in).
fn referenced_table(kinds: &[RecordKind]) -> &'static str {
    match kinds {
        [RecordKind::Article] => "articles",
        [one] => mapping::kind(*one).table,
        _ => "records",
    }
}

/// The expression of the actor an asserter names: `author` and `curator` name none.
fn asserter_actor(column: &str, curator_allowed: bool) -> String {
    if curator_allowed {
        format!("CASE WHEN {column} IN ('author', 'curator') THEN NULL ELSE {column} END")
    } else {
        format!("NULLIF({column}, 'author')")
    }
}

/// The columns one field fills in `table`, with their constraints; a multi-column check (a
/// date's two columns) goes to `checks`.
fn field_columns(table: &str, f: &Field, not_null: bool, checks: &mut Vec<String>) -> Vec<Column> {
    let name = f.column;
    let mut col = Column::new(name, sql_type(f.shape), not_null).doc(column_doc(f));
    let mut more = Vec::new();
    match f.shape {
        Shape::Ref(kinds) => {
            let target = referenced_table(kinds);
            col.references = Some(target);
            if target == table {
                checks.push(format!("{name} IS NULL OR {name} <> id"));
            }
        }
        Shape::Asserter => {
            col.looked_up = true;
            // Only evidence may be the curator's (an inference).
            let curator_allowed = table == "evidence";
            let mut actor = Column::new(format!("{name}_actor_id"), SqlType::Text, false)
                .references("actors")
                .doc(format!(
                    "the `{name}` when it is an actor, else NULL (computed from `{name}`)"
                ));
            actor.generated = Some(asserter_actor(name, curator_allowed));
            more.push(actor);
        }
        Shape::Closed { scheme, .. } => col.references = Some(lookup_table(scheme)),
        Shape::Date { .. } => {
            col.looked_up = true;
            let precision = format!("{name}_precision");
            more.push(
                Column::new(&precision, SqlType::Text, not_null)
                    .references(lookup_table(DatePrecision::LIST.scheme))
                    .doc(format!(
                        "precision of `{name}`: {}",
                        code_list(DatePrecision::VALUES)
                    )),
            );
            checks.push(format!("({name} IS NULL) = ({precision} IS NULL)"));
        }
        Shape::Decimal => col
            .checks
            .push(Check::Sql(format!("{name} BETWEEN 0 AND 100"))),
        Shape::Duration => col.checks.push(Check::Duration(name.to_owned())),
        Shape::Boolean => col.checks.push(Check::ZeroOrOne(name.to_owned())),
        // A count (a quantity's value) is never negative; evidence's offsets have their own
        // checks in `mapping::SQL_CHECKS` (the start before the end, within the text).
        Shape::Integer => col.checks.push(Check::Sql(format!("{name} >= 0"))),
        Shape::Evidence => col.references = Some("evidence"),
        Shape::Offset | Shape::Text | Shape::LangText | Shape::AnyUri | Shape::IriOrText => {}
    }
    std::iter::once(col).chain(more).collect()
}

/// A list field's table: `(owner, value)`, keyed by both. `noun` names what owns the list
/// ("an event").
fn list_table(owner_table: &'static str, noun: &str, f: &Field) -> Table {
    let list = f.list.expect("a list field");
    let about = format!("value of {noun}'s `{}`: {}", f.key, column_doc(f));
    let mut t = Table::new(list.table, &[list.owner, f.column], about);
    t.columns.push(
        Column::new(list.owner, SqlType::Text, true)
            .references(owner_table)
            .doc(format!("the {}", bare(noun))),
    );
    let mut checks = Vec::new();
    t.columns
        .extend(field_columns(list.table, f, true, &mut checks));
    t.checks = checks;
    t
}

/// The columns of fields stored in the table itself (not lists), with the table's checks.
fn own_columns(t: &mut Table, fields: &[Field]) {
    for f in fields.iter().filter(|f| f.list.is_none()) {
        let mut checks = Vec::new();
        t.columns
            .extend(field_columns(t.name, f, f.required, &mut checks));
        t.checks.extend(checks);
    }
}

/// A kind's table, then its list tables and nested tables.
fn kind_tables(kind: &'static Kind) -> Vec<Table> {
    let noun = bare(kind.noun);
    let about = match kind.scope {
        Scope::KnowledgeBase => format!("{noun} (shared by all articles)"),
        Scope::Article | Scope::InArticle => noun.to_owned(),
    };
    let mut t = Table::new(kind.table, &["id"], about);
    let id = Column::new("id", SqlType::Text, false);
    t.columns.push(match kind.scope {
        Scope::Article => id.doc("article id: the name of its seed folder"),
        Scope::KnowledgeBase | Scope::InArticle => id
            .references("records")
            .doc(format!("{noun} id, unique across every kind")),
    });
    if kind.scope == Scope::InArticle {
        t.columns.push(
            Column::new("article_id", SqlType::Text, true)
                .references("articles")
                .doc("the article that defines it"),
        );
    }
    own_columns(&mut t, kind.fields);
    let mut out = vec![t];
    for f in kind.fields.iter().filter(|f| f.list.is_some()) {
        out.push(list_table(kind.table, kind.noun, f));
    }
    for n in kind.nested {
        let key: Vec<&str> = std::iter::once(n.owner)
            .chain(n.unique.iter().map(|k| {
                n.fields
                    .iter()
                    .find(|f| f.key == *k)
                    .map_or(*k, |f| f.column)
            }))
            .collect();
        let about = format!("row of {}'s `{}`", kind.noun, n.key);
        let mut nested = Table::new(n.table, &key, about);
        nested.columns.push(
            Column::new(n.owner, SqlType::Text, true)
                .references(kind.table)
                .doc(format!("the {noun}")),
        );
        own_columns(&mut nested, n.fields);
        out.push(nested);
    }
    out
}

/// The tables whose columns are mostly not fields: the knowledge base's row, the index of
/// every record and the kinds it may have. Each column here is in `mapping::DERIVED_COLUMNS`.
fn core_tables() -> (Table, Table, Table) {
    let mut kb = Table::new("knowledge_base", &["id"], "the knowledge base (one row)");
    // One row, keyed by an integer: the rowid itself.
    kb.rowid = true;
    kb.columns.push(
        Column::new("id", SqlType::Integer, false)
            .check(Check::Sql("id = 1".into()))
            .doc("always 1: the table has one row"),
    );
    let mut fields = mapping::KNOWLEDGE_BASE_FIELDS.iter();
    // title first, then the base IRI: the order the table has always had.
    let title = fields.next().expect("the knowledge base has a title");
    own_columns(&mut kb, std::slice::from_ref(title));
    kb.columns
        .push(Column::new("base_iri", SqlType::Text, true).doc(
        "base IRI of every record's IRI (`base + kind + \"/\" + id`), and the IRI of the dataset",
    ));
    own_columns(&mut kb, fields.as_slice());

    let mut kinds = Table::new(
        "record_kinds",
        &["kind"],
        "kind a record may have (`records.kind` references it)",
    );
    let every_kind: Vec<&str> = RecordKind::ALL
        .iter()
        .filter(|k| **k != RecordKind::Article)
        .map(|k| k.as_str())
        .collect();
    kinds
        .columns
        .push(Column::new("kind", SqlType::Text, false).doc(format!(
            "a kind a record may have: {}",
            code_list(&every_kind)
        )));

    let mut records = Table::new("records", &["id"], "every record id of every kind");
    let columns = [
        Column::new("id", SqlType::Text, false).doc("record id, unique across every kind"),
        Column::new("kind", SqlType::Text, true)
            .references("record_kinds")
            .doc("kind of record (a `record_kinds` row)"),
        Column::new("label", SqlType::Text, true).doc("the record's label (its `rdfs:label`)"),
        Column::new("article_id", SqlType::Text, false)
            .references("articles")
            .doc("article that defines the record; NULL for actors and topics, shared by all articles"),
        Column::new("basis", SqlType::Text, false)
            .references(lookup_table(Basis::LIST.scheme))
            .doc(
                "`reported` when at least one of the record's quotes is the article's own, \
                 `inferred` when every one is the curator's inference; NULL for `actors.toml` and \
                 `topics.toml`",
            ),
    ];
    records.columns.extend(columns);
    (kb, kinds, records)
}

/// A table from a field list that is not a kind's (evidence, statements): its own columns
/// once each (two fields may share one), keyed by `id`. `noun` names one row ("a statement").
fn fields_table(
    name: &'static str,
    noun: &str,
    about: &str,
    id: &str,
    fields: &[Field],
) -> Vec<Table> {
    let mut t = Table::new(name, &["id"], about);
    t.columns
        .push(Column::new("id", SqlType::Text, false).doc(id));
    let mut seen = Vec::new();
    let own: Vec<Field> = fields
        .iter()
        .filter(|f| f.list.is_none())
        .filter(|f| {
            let fresh = !seen.contains(&f.column);
            seen.push(f.column);
            fresh
        })
        .copied()
        .collect();
    own_columns(&mut t, &own);
    let mut out = vec![t];
    for f in fields.iter().filter(|f| f.list.is_some()) {
        out.push(list_table(name, noun, f));
    }
    out
}

/// A closed list's table: its values (the key the columns holding one reference) and what
/// each means, so that a new value is a row, not a rebuilt table.
pub struct Lookup {
    pub table: &'static str,
    pub list: &'static ClosedList,
}

/// The key column of every closed list's table.
pub const LOOKUP_KEY: &str = "value";
/// The column of every closed list's table that says what a value means.
pub const LOOKUP_DEFINITION: &str = "definition";

/// Every closed list's table, named after its scheme: `actor-kind` is `actor_kinds`,
/// `policy-status` `policy_statuses`, `modality` `modalities`, `basis` `bases`.
pub fn lookups() -> &'static [Lookup] {
    static LOOKUPS: OnceLock<Vec<Lookup>> = OnceLock::new();
    LOOKUPS.get_or_init(|| {
        crate::model::CLOSED_LISTS
            .iter()
            .map(|list| {
                let singular = list.scheme.replace('-', "_");
                let plural = if let Some(stem) = singular.strip_suffix("is") {
                    format!("{stem}es")
                } else if let Some(stem) = singular.strip_suffix('y') {
                    format!("{stem}ies")
                } else if singular.ends_with('s') {
                    format!("{singular}es")
                } else {
                    format!("{singular}s")
                };
                Lookup {
                    table: Box::leak(plural.into_boxed_str()),
                    list,
                }
            })
            .collect()
    })
}

/// The table of the closed list `scheme`.
pub fn lookup_table(scheme: &str) -> &'static str {
    lookups()
        .iter()
        .find(|l| l.list.scheme == scheme)
        .unwrap_or_else(|| panic!("no closed list is called {scheme}"))
        .table
}

pub fn is_lookup(table: &str) -> bool {
    lookups().iter().any(|l| l.table == table)
}

fn lookup_tables() -> Vec<Table> {
    lookups()
        .iter()
        .map(|l| {
            let definition = ClosedList::prose(l.list.definition);
            let about = format!(
                "value of the closed list `{}` ({})",
                l.list.scheme,
                definition.trim_end_matches('.').to_lowercase()
            );
            let mut t = Table::new(l.table, &[LOOKUP_KEY], about);
            t.columns.push(
                Column::new(LOOKUP_KEY, SqlType::Text, false)
                    .doc("the value, as the seeds and the columns that reference it write it"),
            );
            t.columns.push(
                Column::new(LOOKUP_DEFINITION, SqlType::Text, true)
                    .doc("what it means (its `skos:definition` in the ontology)"),
            );
            t
        })
        .collect()
}

/// Every closed list's rows: (its table, [(value, definition)]).
pub fn lookup_rows() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    lookups()
        .iter()
        .map(|l| {
            let rows = l
                .list
                .values
                .iter()
                .zip(l.list.definitions)
                .map(|(value, definition)| (*value, ClosedList::prose(definition)))
                .collect();
            (l.table, rows)
        })
        .collect()
}

/// Every table of the current schema, in the order it is created.
pub fn tables() -> Vec<Table> {
    let (kb, record_kinds, records) = core_tables();
    let mut out = vec![kb];
    let mut articles = kind_tables(&mapping::ARTICLE);
    // The article's text, written by the article hooks.
    articles[0].columns.push(
        Column::new("text", SqlType::Text, true)
            .doc("the article's full text; quotes and offsets refer to it"),
    );
    articles[0].columns.push(
        Column::new("char_count", SqlType::Integer, true)
            .check(Check::Sql("char_count >= 0".into()))
            .doc("length of `text` in Unicode code points"),
    );
    out.extend(articles);
    out.push(record_kinds);
    out.extend(lookup_tables());
    out.push(records);
    for kind in [&mapping::ACTOR, &mapping::TOPIC]
        .into_iter()
        .chain(mapping::ARTICLE_KINDS.iter().copied())
    {
        out.extend(kind_tables(kind));
    }
    let mut evidence = fields_table(
        "evidence",
        "a quote",
        "quote supporting a record",
        "evidence id: `<record>.<article>.<number>`",
        mapping::EVIDENCE_FIELDS,
    );
    // Which quote of the record this is, in the article: the last segment of the evidence id.
    evidence[0].columns.insert(
        3,
        Column::new("number", SqlType::Integer, true)
            .check(Check::Sql("number >= 1".into()))
            .doc("1, 2... for the quotes of one record in one article"),
    );
    out.extend(evidence);
    out.extend(fields_table(
        "statements",
        "a statement",
        "value a source states for a field that some article's mention states",
        "statement id: `<record>.<field>.<source>.<n>` (source: the article, or `actors.toml`, \
         `topics.toml`; n counts a list's items or rows)",
        mapping::STATEMENT_FIELDS,
    ));
    for t in &mut out {
        // A full-text index reads its table by rowid.
        t.rowid |= mapping::FULL_TEXT_INDEXES
            .iter()
            .any(|f| f.content == t.name);
        for (table, column, check) in mapping::SQL_CHECKS {
            if *table != t.name {
                continue;
            }
            match column {
                Some(c) => t
                    .columns
                    .iter_mut()
                    .find(|x| x.name == *c)
                    .unwrap_or_else(|| {
                        panic!("SQL_CHECKS names {table}.{c}, which is not a column")
                    })
                    .checks
                    .push(Check::Sql(check.to_string())),
                None => t.checks.push(check.to_string()),
            }
        }
    }
    out
}

/// The name of the index on `columns` of `table`: `events_by_date`, `roles_by_holder`.
fn index_name(table: &str, column: &str) -> String {
    format!(
        "{table}_by_{}",
        column.strip_suffix("_id").unwrap_or(column)
    )
}

/// Every secondary index: the described composite ones, then one per column that references
/// another table or is looked up (an asserter, a date), unless it is generated or already
/// leads the key or another index.
pub fn indexes(tables: &[Table]) -> Vec<Index> {
    let mut out: Vec<Index> = mapping::SQL_INDEXES
        .iter()
        .map(|(name, table, columns, unique)| Index {
            name: name.to_string(),
            table,
            columns: columns.iter().map(|c| c.to_string()).collect(),
            unique: *unique,
        })
        .collect();
    for t in tables {
        for c in t
            .columns
            .iter()
            // A closed list's column is not looked up by: its few values would make a poor
            // index, and its table's rows are never removed while one is used.
            .filter(|c| c.references.is_some_and(|t| !is_lookup(t)) || c.looked_up)
            .filter(|c| c.generated.is_none())
        {
            let leads = |cols: &[String]| cols.first() == Some(&c.name);
            if leads(&t.key) || out.iter().any(|i| i.table == t.name && leads(&i.columns)) {
                continue;
            }
            out.push(Index {
                name: index_name(t.name, &c.name),
                table: t.name,
                columns: vec![c.name.clone()],
                unique: false,
            });
        }
    }
    out
}

fn column_sql(c: &Column, dialect: Dialect, with_keys: bool) -> String {
    let mut s = format!("{} {}", c.name, c.ty.name(dialect));
    if let Some(expr) = &c.generated {
        let kind = match dialect {
            Dialect::Sqlite => "VIRTUAL",
            Dialect::Postgres => "STORED",
        };
        write!(s, " GENERATED ALWAYS AS ({expr}) {kind}").unwrap();
    }
    if c.not_null {
        s.push_str(" NOT NULL");
    }
    for check in c.checks.iter().filter_map(|k| k.render(dialect)) {
        write!(s, " CHECK ({check})").unwrap();
    }
    if with_keys && let Some(target) = c.references {
        write!(s, " REFERENCES {target} ({})", referenced_key(target)).unwrap();
    }
    s
}

fn referenced_key(table: &str) -> &'static str {
    if table == "record_kinds" {
        "kind"
    } else if is_lookup(table) {
        LOOKUP_KEY
    } else {
        "id"
    }
}

/// `CREATE TABLE`, with keys (SQLite) or without them (PostgreSQL: added after the load), and
/// `more` columns after the described ones.
fn create_table(t: &Table, dialect: Dialect, more: Option<String>) -> String {
    let with_keys = dialect == Dialect::Sqlite;
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_sql(c, dialect, with_keys))
        .chain(more)
        .collect();
    if with_keys {
        lines.push(format!("PRIMARY KEY ({})", t.key.join(", ")));
    }
    for check in &t.checks {
        lines.push(format!("CHECK ({check})"));
    }
    let options = match (dialect, t.rowid) {
        (Dialect::Sqlite, true) => " STRICT",
        (Dialect::Sqlite, false) => " STRICT, WITHOUT ROWID",
        (Dialect::Postgres, _) => "",
    };
    format!(
        "CREATE TABLE {} (\n    {}\n){options};\n",
        t.name,
        lines.join(",\n    ")
    )
}

fn create_index(i: &Index) -> String {
    let unique = if i.unique { "UNIQUE " } else { "" };
    format!(
        "CREATE {unique}INDEX {} ON {} ({});\n",
        i.name,
        i.table,
        i.columns.join(", ")
    )
}

/// Every kind a record may have (an article is not a record): the rows of `record_kinds`.
pub fn record_kinds() -> Vec<&'static str> {
    RecordKind::ALL
        .iter()
        .filter(|k| **k != RecordKind::Article)
        .map(|k| k.as_str())
        .collect()
}

/// The rows of `record_kinds`, as SQL.
pub fn record_kind_rows() -> String {
    let kinds: Vec<String> = record_kinds().iter().map(|k| format!("('{k}')")).collect();
    format!(
        "INSERT INTO record_kinds (kind) VALUES {};\n",
        kinds.join(", ")
    )
}

const HEADER: &str = "-- Generated by `dossier schema` from the descriptions in crates/model/src/mapping.rs and \
                      schema/views.sql: do not edit.\n";

/// The whole SQLite schema of the current version: what `build` creates a database with.
pub fn sqlite_schema() -> String {
    let tables = tables();
    let mut out = String::from(HEADER);
    out.push('\n');
    for t in &tables {
        out.push_str(&create_table(t, Dialect::Sqlite, None));
        out.push('\n');
    }
    out.push_str(&record_kind_rows());
    for (table, rows) in lookup_rows() {
        let rows: Vec<String> = rows
            .iter()
            .map(|(value, definition)| {
                format!("\n    ('{value}', '{}')", definition.replace('\'', "''"))
            })
            .collect();
        writeln!(
            out,
            "INSERT INTO {table} ({LOOKUP_KEY}, {LOOKUP_DEFINITION}) VALUES{};",
            rows.join(",")
        )
        .unwrap();
    }
    out.push('\n');
    for i in indexes(&tables) {
        out.push_str(&create_index(&i));
    }
    out.push('\n');
    for f in mapping::FULL_TEXT_INDEXES {
        writeln!(
            out,
            "CREATE VIRTUAL TABLE {} USING fts5 (\n    {},\n    content=\"{}\",\n    \
             tokenize=\"unicode61 remove_diacritics 2\"\n);",
            f.table,
            f.columns.join(",\n    "),
            f.content
        )
        .unwrap();
    }
    out.push('\n');
    out.push_str(VIEWS);
    out
}

/// The name of a full-text index's `tsvector` column in PostgreSQL.
pub const SEARCH_COLUMN: &str = "search";

/// PostgreSQL's tables, without keys: the load comes next. A full-text index is a generated
/// `tsvector` column of its table (its GIN index is in [`postgres_keys`]).
pub fn postgres_tables(layout: Layout) -> String {
    let mut out = String::new();
    for t in layout.tables() {
        let search = mapping::FULL_TEXT_INDEXES
            .iter()
            .find(|f| f.content == t.name)
            .map(|f| {
                let words: Vec<String> = f
                    .columns
                    .iter()
                    .map(|c| format!("coalesce({c}, '')"))
                    .collect();
                format!(
                    "{SEARCH_COLUMN} tsvector GENERATED ALWAYS AS (to_tsvector('simple', {})) STORED",
                    words.join(" || ' ' || ")
                )
            });
        out.push_str(&create_table(&t, Dialect::Postgres, search));
        out.push('\n');
    }
    out
}

/// One statement that keys or indexes a loaded table in PostgreSQL.
#[derive(Debug, Clone)]
pub struct KeyStatement {
    /// The table it alters or indexes.
    pub table: &'static str,
    pub sql: String,
    /// A foreign key: it reads another table's key, so it comes after every table's own keys.
    pub foreign: bool,
}

/// PostgreSQL's keys, foreign keys and indexes, added after the load in this order (each
/// table's own keys and indexes, then the foreign keys), and the references this layout cannot
/// make foreign keys. The foreign keys are deferrable: a publish that replaces some articles
/// checks them at its commit.
pub fn postgres_key_statements(layout: Layout) -> (Vec<KeyStatement>, Vec<String>) {
    let tables = layout.tables();
    let mut out = Vec::new();
    for t in &tables {
        out.push(KeyStatement {
            table: t.name,
            sql: format!(
                "ALTER TABLE {} ADD PRIMARY KEY ({});\n",
                t.name,
                t.key.join(", ")
            ),
            foreign: false,
        });
    }
    for i in indexes(&tables) {
        out.push(KeyStatement {
            table: i.table,
            sql: create_index(&i),
            foreign: false,
        });
    }
    for f in mapping::FULL_TEXT_INDEXES {
        out.push(KeyStatement {
            table: f.content,
            sql: format!(
                "CREATE INDEX {} ON {} USING gin ({SEARCH_COLUMN});\n",
                f.table, f.content
            ),
            foreign: false,
        });
    }
    let mut dropped = Vec::new();
    for t in &tables {
        for c in &t.columns {
            let Some(target) = c.references else {
                continue;
            };
            match layout.foreign_key(t.name, c, target) {
                Some((columns, target, keys)) => out.push(KeyStatement {
                    table: t.name,
                    sql: format!(
                        "ALTER TABLE {} ADD FOREIGN KEY ({columns}) REFERENCES {target} ({keys}) \
                         DEFERRABLE;\n",
                        t.name
                    ),
                    foreign: true,
                }),
                None => dropped.push(format!("{}.{} -> {target}", t.name, c.name)),
            }
        }
    }
    (out, dropped)
}

/// [`postgres_key_statements`] as one script, as `schema/postgres.sql` holds it.
pub fn postgres_keys(layout: Layout) -> String {
    let (statements, dropped) = postgres_key_statements(layout);
    let mut out: String = statements.iter().map(|s| s.sql.as_str()).collect();
    if !dropped.is_empty() {
        writeln!(
            out,
            "-- Not foreign keys in this layout (Citus refuses a reference table's key to a \
             distributed table): {}.",
            dropped.join(", ")
        )
        .unwrap();
    }
    out
}

/// How PostgreSQL's tables are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// One server: the SQLite store's tables and keys as they are.
    #[default]
    Single,
    /// Citus: the per-article tables distributed by `article_id` and co-located with
    /// `articles`, the shared ones (actors, topics, closed lists, the registry of ids, the
    /// statements some shared file makes) reference tables copied to every node.
    Citus,
}

/// Where a table's rows live in a Citus cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Copied to every node.
    Reference,
    /// Sharded by this column, co-located with `articles`.
    Distributed(&'static str),
}

/// The column a Citus cluster distributes the per-article tables by.
pub const DISTRIBUTION_COLUMN: &str = "article_id";

/// Where `table` goes in a Citus cluster: distributed when every row belongs to an article (a
/// non-null `article_id`, or an owner that is distributed), else a reference table.
pub fn placement(table: &Table, tables: &[Table]) -> Placement {
    if table.name == "articles" {
        return Placement::Distributed("id");
    }
    if let Some(c) = table.column(DISTRIBUTION_COLUMN) {
        return if c.not_null {
            Placement::Distributed(DISTRIBUTION_COLUMN)
        } else {
            Placement::Reference
        };
    }
    match owner(table, tables) {
        Some((_, parent)) if placement(parent, tables) != Placement::Reference => {
            Placement::Distributed(DISTRIBUTION_COLUMN)
        }
        _ => Placement::Reference,
    }
}

/// The table a row of `table` belongs to (a list's record), through its first key column.
pub fn owner<'t>(table: &'t Table, tables: &'t [Table]) -> Option<(&'t str, &'t Table)> {
    let column = table.column(table.key.first()?)?;
    let parent = tables.iter().find(|t| Some(t.name) == column.references)?;
    // A kind's `id` references the registry of ids, which owns nothing.
    (parent.name != "records").then_some((column.name.as_str(), parent))
}

impl Layout {
    /// The layout's name, as the marker table of a published schema records it.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Single => "single",
            Layout::Citus => "citus",
        }
    }

    /// The tables of this layout: in Citus's, every distributed table has `article_id` (a list
    /// gains it from its owner) leading its key.
    pub fn tables(self) -> Vec<Table> {
        let single = tables();
        if self == Layout::Single {
            return single;
        }
        single
            .iter()
            .map(|t| {
                let mut t = t.clone();
                if placement(&t, &single) == Placement::Distributed(DISTRIBUTION_COLUMN) {
                    if t.column(DISTRIBUTION_COLUMN).is_none() {
                        let at = t
                            .columns
                            .iter()
                            .position(|c| Some(&c.name) == t.key.first());
                        t.columns.insert(
                            at.unwrap_or(0),
                            Column::new(DISTRIBUTION_COLUMN, SqlType::Text, true)
                                .references("articles"),
                        );
                    }
                    if !t.key.iter().any(|k| k == DISTRIBUTION_COLUMN) {
                        t.key.insert(0, DISTRIBUTION_COLUMN.to_owned());
                    }
                }
                t
            })
            .collect()
    }

    /// The foreign key `column` of `table` makes in this layout: (its columns, the table, the
    /// referenced columns), or None where Citus allows none.
    fn foreign_key(
        self,
        table: &str,
        column: &Column,
        target: &'static str,
    ) -> Option<(String, &'static str, String)> {
        let single = || {
            Some((
                column.name.clone(),
                target,
                referenced_key(target).to_owned(),
            ))
        };
        if self == Layout::Single {
            return single();
        }
        // Placements and owners as the SQLite store's tables say (a Citus key leads with
        // `article_id`, which would hide a list's owner).
        let tables = tables();
        let find = |name: &str| tables.iter().find(|t| t.name == name);
        let (table, target_table) = (find(table)?, find(target)?);
        match (placement(table, &tables), placement(target_table, &tables)) {
            (_, Placement::Reference) => single(),
            (Placement::Reference, Placement::Distributed(_)) => None,
            (Placement::Distributed(own), Placement::Distributed(theirs)) => {
                if column.name == own && target == "articles" {
                    single()
                } else if owner(table, &tables).is_some_and(|(c, _)| c == column.name) {
                    // A list's row and its owner share an article.
                    Some((
                        format!("{own}, {}", column.name),
                        target,
                        format!("{theirs}, {}", referenced_key(target)),
                    ))
                } else {
                    // A record of another kind may come from another article: the reference
                    // is checked against the registry of ids, a reference table.
                    let registered = target_table
                        .column(referenced_key(target))
                        .is_some_and(|c| c.references == Some("records"));
                    registered.then(|| (column.name.clone(), "records", "id".to_owned()))
                }
            }
        }
    }

    /// Citus's calls that place every table (none in the single-server layout).
    pub fn distribution(self) -> String {
        let mut out = String::new();
        if self == Layout::Single {
            return out;
        }
        let tables = self.tables();
        for t in &tables {
            if placement(t, &tables) == Placement::Reference {
                writeln!(out, "SELECT create_reference_table('{}');", t.name).unwrap();
            }
        }
        for t in &tables {
            match placement(t, &tables) {
                Placement::Distributed(c) if t.name == "articles" => {
                    writeln!(out, "SELECT create_distributed_table('{}', '{c}');", t.name).unwrap()
                }
                Placement::Distributed(c) => writeln!(
                    out,
                    "SELECT create_distributed_table('{}', '{c}', colocate_with => 'articles');",
                    t.name
                )
                .unwrap(),
                Placement::Reference => {}
            }
        }
        out
    }
}

/// The names of the views `schema/views.sql` defines, in its order.
pub fn view_names() -> Vec<&'static str> {
    VIEWS
        .lines()
        .filter_map(|l| l.strip_prefix("CREATE VIEW "))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

/// The views in PostgreSQL's dialect: a list joined in order is `string_agg` with its own
/// `ORDER BY`; a month's last day is date arithmetic; the timelines' `start_date` and
/// `end_date` are `date`s.
pub fn postgres_views() -> String {
    // SQLite before 3.44 (Debian's sqlite3, Datasette's Python) has no ORDER BY in an
    // aggregate, so the views join a list over rows ordered in a subquery. PostgreSQL's planner
    // does not keep that order through a join: the order goes into the aggregate itself.
    let ordered = regex::Regex::new(
        r"group_concat\((.+?), ('[^']*')\)(\s+)FROM \(SELECT \* FROM (\w+) ORDER BY ([\w, ]+)\) (\w+)",
    )
    .unwrap();
    let text = ordered.replace_all(VIEWS, |c: &regex::Captures<'_>| {
        let alias = &c[6];
        let keys: Vec<String> = c[5]
            .split(',')
            .map(|k| format!("{alias}.{}", k.trim()))
            .collect();
        format!(
            "string_agg({}, {} ORDER BY {}){}FROM {} {alias}",
            &c[1],
            &c[2],
            keys.join(", "),
            &c[3],
            &c[4]
        )
    });
    assert!(
        !text.contains("group_concat("),
        "schema/views.sql joins a list without `FROM (SELECT * FROM t ORDER BY k) alias`: \
         its order would not hold in PostgreSQL"
    );
    let month_end = regex::Regex::new(r"date\(([^()]*?), '\+1 month', '-1 day'\)").unwrap();
    let text = month_end.replace_all(
        &text,
        "to_char(CAST($1 AS date) + INTERVAL '1 month' - INTERVAL '1 day', 'YYYY-MM-DD')",
    );
    // A span's CASE is the first one before its alias: the timelines have no other.
    let span = regex::Regex::new(r"CASE ([^;]*?) END\s+AS (start_date|end_date)").unwrap();
    span.replace_all(&text, "CAST(CASE $1 END AS date) AS $2")
        .into_owned()
}

/// The whole PostgreSQL schema: tables, keys and indexes, views.
pub fn postgres_schema(layout: Layout) -> String {
    let mut out = String::from(HEADER);
    match layout {
        Layout::Single => out.push_str(
            "-- The order `dossier publish` follows: tables, the load, keys and indexes, views.\n\n",
        ),
        Layout::Citus => out.push_str(
            "-- The layout `dossier publish --citus` creates, in its order: tables, their placement \
             in the\n-- cluster (run only where the citus extension is), the load, keys and indexes, \
             views.\n\n",
        ),
    }
    out.push_str(&postgres_tables(layout));
    if layout == Layout::Citus {
        out.push_str(&layout.distribution());
        out.push('\n');
    }
    out.push_str(&postgres_keys(layout));
    out.push('\n');
    out.push_str(&postgres_views());
    out
}

/// The line that opens a generated part of the reference page; the part's name follows it.
const GENERATED_START: &str =
    "<!-- generated by `dossier schema --write` from crates/model/src/mapping.rs: ";
const GENERATED_END: &str = "<!-- end of the generated part -->";

/// `page` (the reference page) with its generated parts written again from the descriptions:
/// `tables`, the list of tables, and `columns`, each table's columns with what they hold.
pub fn reference_page(page: &str) -> String {
    let tables = tables();
    let mut out = String::new();
    let mut written: Vec<String> = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        out.push_str(line);
        out.push('\n');
        let Some(part) = line.strip_prefix(GENERATED_START) else {
            continue;
        };
        let part = part.trim_end_matches(" -->");
        match part {
            "tables" => out.push_str(&table_list(&tables)),
            "columns" => out.push_str(&column_sections(&tables)),
            other => panic!("schema/sqlite.md: no generated part is called '{other}'"),
        }
        for skipped in lines.by_ref() {
            if skipped == GENERATED_END {
                out.push_str(skipped);
                out.push('\n');
                break;
            }
        }
        written.push(part.to_owned());
    }
    // A marker that no longer reads as GENERATED_START (its wording changed) would leave the
    // page unchanged and "generated = committed" true without generating anything.
    assert_eq!(
        written,
        ["tables", "columns"],
        "schema/sqlite.md: each generated part begins with {GENERATED_START:?}"
    );
    out
}

/// Every table, what one row of it is and its key, as rows of a Markdown table.
fn table_list(tables: &[Table]) -> String {
    let mut out = String::from("| table | one row per | key |\n|---|---|---|\n");
    for t in tables {
        let key: Vec<String> = t.key.iter().map(|k| format!("`{k}`")).collect();
        writeln!(out, "| `{}` | {} | {} |", t.name, t.about, key.join(", ")).unwrap();
    }
    out
}

/// A section per table: its columns, each with what it holds.
fn column_sections(tables: &[Table]) -> String {
    let mut out = String::new();
    for t in tables {
        write!(
            out,
            "\n### Table `{}`\n\n| column | description |\n|---|---|\n",
            t.name
        )
        .unwrap();
        for c in &t.columns {
            assert!(
                !c.doc.is_empty(),
                "the column {}.{} has no description",
                t.name,
                c.name
            );
            writeln!(out, "| `{}` | {} |", c.name, c.doc).unwrap();
        }
    }
    out.push('\n');
    out
}

/// The generated files of the repository, by path from its root: what `dossier schema --write`
/// writes and `tests/it/schema.rs` holds equal.
pub fn generated_files() -> Vec<(&'static str, String)> {
    vec![
        ("schema/sqlite.md", reference_page(REFERENCE_PAGE)),
        ("schema/sqlite.sql", sqlite_schema()),
        ("schema/postgres.sql", postgres_schema(Layout::Single)),
        ("schema/citus.sql", postgres_schema(Layout::Citus)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A field of `events` as it would be declared without its doc.
    fn undescribed() -> Field {
        let (_, place) = mapping::EVENT.field("place").expect("events have a place");
        Field { doc: "", ..*place }
    }

    #[test]
    #[should_panic(expected = "the field place (column place) has no doc")]
    fn a_field_without_a_description_cannot_be_written_into_the_reference_page() {
        column_doc(&undescribed());
    }

    #[test]
    fn a_column_says_what_values_a_closed_list_or_a_date_takes_unless_its_doc_names_them() {
        let (_, kind) = mapping::ACTOR.field("kind").unwrap();
        assert_eq!(
            column_doc(kind),
            "what kind of actor it is: `person`, `state`, `organization` or `group`"
        );
        let (_, date) = mapping::EVENT.field("date").unwrap();
        assert!(column_doc(date).ends_with(": `YYYY`, `YYYY-MM` or `YYYY-MM-DD`"));
        let rank = mapping::STATEMENT_FIELDS
            .iter()
            .find(|f| f.key == "rank")
            .unwrap();
        assert_eq!(column_doc(rank), rank.doc.trim_end_matches('.'));
    }

    #[test]
    fn the_generated_parts_of_the_reference_page_are_replaced_and_the_prose_kept() {
        let page = format!(
            "# Title\n\nprose\n{GENERATED_START}tables -->\nstale\n{GENERATED_END}\nmore prose\n\
             {GENERATED_START}columns -->\nstale too\n{GENERATED_END}\nlast prose\n"
        );
        let written = reference_page(&page);
        assert!(written.starts_with("# Title\n\nprose\n"));
        assert!(written.contains(&format!("{GENERATED_END}\nmore prose\n")));
        assert!(written.ends_with(&format!("{GENERATED_END}\nlast prose\n")));
        assert!(!written.contains("stale"));
        assert!(written.contains("| `events` | event | `id` |"));
    }

    /// A marker whose wording no longer matches would leave the page as it is, and the test
    /// that holds the page equal to what is generated would pass without generating anything.
    #[test]
    #[should_panic(expected = "each generated part begins with")]
    fn a_page_whose_markers_do_not_match_is_refused() {
        let page = "<!-- generated by `dossier schema --write` from src/mapping.rs: tables -->\n\
                    stale\n<!-- end of generated part -->\n";
        reference_page(page);
    }
}
