//! `datasette.json`: the metadata that makes `datasette kb/dossier.sqlite -m kb/datasette.json`
//! a full interface to the database (<https://docs.datasette.io/en/stable/metadata.html>): the
//! knowledge base's title, description and licence; every table's and view's description, its
//! columns' descriptions, its label column and its default sort; full-text search on evidence
//! and articles; and every built-in named query as a canned query.
//!
//! [`catalog`] lists a database's tables and views with the same descriptions, for `dossier
//! tables`, `views` and `schema`.
//!
//! Descriptions are not written twice: tables, views and columns are described in
//! `schema/sqlite.md` (tables and columns written there from the fields' docs by
//! `ddl::reference_page`, views by hand), embedded here and read by [`documented`], so the
//! reference page and Datasette say the same; a test fails when a column of the database is not
//! described there.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::mapping::{self, Kind, Label, Shape};
use crate::model::KbConfig;
use crate::queries::NamedQuery;

/// The reference page of the database, the source of every description.
pub const SCHEMA_DOC: &str = crate::ddl::REFERENCE_PAGE;

/// A table or view as `schema/sqlite.md` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Documented {
    pub description: String,
    /// (column, description), in the page's order.
    pub columns: Vec<(String, String)>,
}

/// Every table and view `schema/sqlite.md` describes, by name: a table's description is its
/// row of the "Tables" list ("one row per ..."), its columns those of its "Table `name`"
/// section; a view's description is the text under its heading, its columns the rows of the
/// table there.
pub fn documented() -> Result<BTreeMap<String, Documented>> {
    parse_schema_doc(SCHEMA_DOC)
}

/// The cells of a Markdown table row, trimmed; None for a line that is not a row.
fn cells(line: &str) -> Option<Vec<&str>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

/// `name` from a cell or heading written as `` `name` ``.
fn code_name(text: &str) -> Option<&str> {
    let name = text.trim().strip_prefix('`')?.strip_suffix('`')?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')).then_some(name)
}

fn parse_schema_doc(text: &str) -> Result<BTreeMap<String, Documented>> {
    let mut out: BTreeMap<String, Documented> = BTreeMap::new();
    let mut section = "";
    // The table or view whose heading came last.
    let mut current: Option<String> = None;
    let mut in_code = false;
    for (number, line) in text.lines().enumerate() {
        let place = || format!("schema/sqlite.md:{}", number + 1);
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if let Some(title) = line.strip_prefix("## ") {
            section = title.trim();
            current = None;
        } else if let Some(heading) = line.strip_prefix("### ") {
            current = match heading.trim().strip_prefix("Table ") {
                Some(table) => Some(
                    code_name(table)
                        .with_context(|| format!("{}: a table's name in backticks", place()))?
                        .to_owned(),
                ),
                None if section.starts_with("Views") => {
                    let view = code_name(heading)
                        .with_context(|| format!("{}: a view's name in backticks", place()))?;
                    out.entry(view.to_owned()).or_default();
                    Some(view.to_owned())
                }
                None => None,
            };
        } else if let Some(row) = cells(line) {
            let Some(name) = row.first().copied().and_then(code_name) else {
                continue; // the header row and its rule
            };
            match (section, &current, row.as_slice()) {
                ("Tables", _, [_, per, _]) => {
                    out.entry(name.to_owned()).or_default().description =
                        format!("One row per {}.", per.replace('`', ""));
                }
                ("Columns", Some(table), [_, description]) => {
                    out.entry(table.clone())
                        .or_default()
                        .columns
                        .push((name.to_owned(), description.replace('`', "")));
                }
                ("Columns", _, _) => bail!("{}: a column row outside a table's section", place()),
                (views, Some(view), [_, description]) if views.starts_with("Views") => {
                    out.entry(view.clone())
                        .or_default()
                        .columns
                        .push((name.to_owned(), description.replace('`', "")));
                }
                _ => {}
            }
        } else if section.starts_with("Views")
            && let Some(view) = &current
            && !line.trim().is_empty()
        {
            let entry = out.get_mut(view).expect("the view's heading added it");
            if !entry.description.is_empty() {
                entry.description.push(' ');
            }
            entry.description.push_str(&line.trim().replace('`', ""));
        }
    }
    Ok(out)
}

/// The whole file: Datasette's instance-level keys and one database.
#[derive(Debug, Serialize)]
struct Metadata {
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license_url: Option<String>,
    databases: BTreeMap<String, Database>,
}

#[derive(Debug, Serialize)]
struct Database {
    tables: BTreeMap<String, Table>,
    queries: BTreeMap<String, CannedQuery>,
}

#[derive(Debug, Default, Serialize)]
struct Table {
    description: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    columns: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label_column: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fts_table: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fts_pk: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    searchmode: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct CannedQuery {
    title: String,
    description: String,
    sql: String,
    params: Vec<String>,
}

/// The column Datasette shows for a row where another table references it: the kind's label,
/// or an article's title (articles have no label of their own).
fn label_column(kind: &Kind) -> Option<&'static str> {
    let key = match kind.label {
        Label::Field(key) | Label::Copy(key) => key,
        Label::None => "title",
        Label::Joined(_) => return None,
    };
    kind.field(key).map(|(_, f)| f.column)
}

/// A kind's rows in the order of their first date (events by date, articles by publication).
fn sort_column(kind: &Kind) -> Option<&'static str> {
    kind.fields
        .iter()
        .find(|f| matches!(f.shape, Shape::Date { .. }) && f.list.is_none())
        .map(|f| f.column)
}

/// "evidence-for" → "Evidence for".
fn title_of(name: &str) -> String {
    let words = name.replace('-', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn canned(query: &NamedQuery) -> CannedQuery {
    let mut description = query.description.clone();
    for (name, param) in &query.params {
        description.push_str(&format!(
            ". {name}: {} (e.g. {})",
            param.description, param.default
        ));
    }
    CannedQuery {
        title: title_of(&query.name),
        description,
        sql: query.sql.trim().to_owned(),
        params: query.params.keys().cloned().collect(),
    }
}

/// The metadata of a database named `database` (Datasette names it after the file's stem)
/// holding the knowledge base `config`, with `queries` as canned queries: indented JSON, keys
/// in a fixed order, so two builds of the same seeds write the same bytes.
pub fn metadata(config: &KbConfig, database: &str, queries: &[NamedQuery]) -> Result<String> {
    let mut tables: BTreeMap<String, Table> = documented()?
        .into_iter()
        .map(|(name, doc)| {
            let table = Table {
                description: doc.description,
                columns: doc.columns.into_iter().collect(),
                ..Table::default()
            };
            (name, table)
        })
        .collect();
    for kind in mapping::kinds() {
        let table = tables.get_mut(kind.table).with_context(|| {
            format!(
                "schema/sqlite.md does not describe the table {}",
                kind.table
            )
        })?;
        table.label_column = label_column(kind);
        table.sort = sort_column(kind);
    }
    if let Some(records) = tables.get_mut("records") {
        records.label_column = Some("label");
    }
    for index in mapping::FULL_TEXT_INDEXES {
        let table = tables.get_mut(index.content).with_context(|| {
            format!(
                "schema/sqlite.md does not describe the table {}",
                index.content
            )
        })?;
        table.fts_table = Some(index.table);
        // The index is keyed by the content table's rowid (external content).
        table.fts_pk = Some("rowid");
        // Words as typed; `_searchmode=raw` in the address allows FTS5's query syntax.
        table.searchmode = Some("escaped");
    }
    let license_url = config
        .license
        .as_ref()
        .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
        .cloned();
    let file = Metadata {
        title: config.title.clone(),
        description: config.description.clone(),
        license: config.license.clone(),
        license_url,
        databases: BTreeMap::from([(
            database.to_owned(),
            Database {
                tables,
                queries: queries
                    .iter()
                    .map(|q| (q.name.clone(), canned(q)))
                    .collect(),
            },
        )]),
    };
    Ok(serde_json::to_string_pretty(&file)? + "\n")
}

/// Writes [`metadata`] with the built-in named queries.
pub fn write(config: &KbConfig, database: &str, w: &mut dyn Write) -> Result<()> {
    let queries = crate::queries::built_in()?;
    w.write_all(metadata(config, database, &queries)?.as_bytes())?;
    Ok(())
}

/// A table or view of a database, described: what `dossier tables`, `views` and `schema` show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Relation {
    pub name: String,
    /// `table` or `view`.
    pub kind: &'static str,
    pub description: String,
    pub columns: Vec<Column>,
}

/// A column of a table or view, with its type, keys and description.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    pub name: String,
    /// The declared type (`TEXT`, `INTEGER`, ...); empty for a view's computed column.
    pub declared_type: String,
    pub not_null: bool,
    /// Its place in the primary key (1 for the first column), or 0.
    pub primary_key: u32,
    /// `table.column` a foreign key points at.
    pub references: Option<String>,
    /// Whether SQLite computes it from the row (a generated column).
    pub generated: bool,
    /// From `schema/sqlite.md`; empty where the page says nothing (a test holds none is).
    pub description: String,
}

/// Every table and view of the database, by name, with their columns and the descriptions of
/// `schema/sqlite.md`; the full-text indexes' own tables and SQLite's are left out.
pub fn catalog(conn: &rusqlite::Connection) -> Result<Vec<Relation>> {
    let documented = documented()?;
    let objects: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (name, kind) in objects {
        if mapping::is_full_text_table(&name) {
            continue;
        }
        let doc = documented.get(&name);
        let references: Vec<(String, String, String)> = conn
            .prepare("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1)")?
            .query_map([&name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let columns = conn
            .prepare(
                "SELECT name, type, \"notnull\", pk, hidden FROM pragma_table_xinfo(?1) \
                 WHERE hidden != 1 ORDER BY cid",
            )?
            .query_map([&name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(
                |(column, declared_type, not_null, primary_key, hidden)| Column {
                    references: references
                        .iter()
                        .find(|(from, _, _)| *from == column)
                        .map(|(_, table, to)| format!("{table}.{to}")),
                    description: doc
                        .and_then(|d| d.columns.iter().find(|(c, _)| *c == column))
                        .map(|(_, text)| text.clone())
                        .unwrap_or_default(),
                    // table_xinfo: 2 a virtual generated column, 3 a stored one.
                    generated: hidden >= 2,
                    name: column,
                    declared_type,
                    not_null,
                    primary_key,
                },
            )
            .collect();
        out.push(Relation {
            description: doc.map(|d| d.description.clone()).unwrap_or_default(),
            kind: if kind == "view" { "view" } else { "table" },
            name,
            columns,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_page_describes_tables_views_and_columns() {
        let doc = documented().unwrap();
        assert_eq!(doc["articles"].description, "One row per article.");
        assert!(doc["evidence"].columns.contains(&(
            "quote".to_owned(),
            "the exact words of the article, character for character".to_owned()
        )));
        assert!(
            doc["event_timeline"]
                .description
                .starts_with("Events in date order"),
            "{:?}",
            doc["event_timeline"]
        );
        assert!(
            doc["event_timeline"]
                .columns
                .iter()
                .any(|(c, _)| c == "start_date"),
            "{:?}",
            doc["event_timeline"]
        );
        // The full-text section's example tables are not tables of the database.
        assert!(!doc.contains_key("evidence_fts"));
    }

    #[test]
    fn a_column_row_outside_a_table_section_is_refused() {
        let err =
            parse_schema_doc("## Columns\n| column | description |\n| `id` | x |\n").unwrap_err();
        assert!(err.to_string().contains("schema/sqlite.md:3"), "{err}");
    }

    #[test]
    fn query_names_become_titles() {
        assert_eq!(title_of("evidence-for"), "Evidence for");
        assert_eq!(title_of(""), "");
    }
}
