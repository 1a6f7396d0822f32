//! `dossier check` against single changes: every column of every table, and every predicate of
//! the graph. A new column or predicate is covered by construction: the tests enumerate the
//! built stores, not a list of their own.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::util::{
    Succeeds, add_fixture, built_bundled, copy_dir, dossier, fixtures, follow_ups_workspace,
};

/// (table, column, primary-key columns) for every stored column; generated columns are
/// computed from a stored one and cannot be changed.
fn columns(conn: &Connection) -> Vec<(String, String, Vec<String>)> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Vec::new();
    // A full-text index stores no value of its own (it indexes its content table's columns):
    // `check_catches_a_stale_or_broken_full_text_index` changes it.
    for table in tables
        .into_iter()
        .filter(|t| !dossier_model::mapping::is_full_text_table(t))
    {
        let info: Vec<(String, i64, i64)> = conn
            .prepare(&format!(
                "SELECT name, pk, hidden FROM pragma_table_xinfo('{table}') ORDER BY cid"
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut key: Vec<(i64, String)> = info
            .iter()
            .filter(|(_, pk, _)| *pk > 0)
            .map(|(n, pk, _)| (*pk, n.clone()))
            .collect();
        key.sort();
        let key: Vec<String> = key.into_iter().map(|(_, n)| n).collect();
        for (name, _, hidden) in info {
            if hidden == 0 {
                out.push((table.clone(), name, key.clone()));
            }
        }
    }
    out
}

/// Values to try in place of `old`, most plausible first: another row's value (a valid
/// closed-list value, an existing id), the same text with its last character changed (the
/// same length, for columns tied to a length), then an obviously new value.
fn candidates(conn: &Connection, table: &str, column: &str, old: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = conn
        .prepare(&format!(
            "SELECT DISTINCT \"{column}\" FROM \"{table}\" WHERE \"{column}\" IS NOT NULL LIMIT 8"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|v| v != old)
        .collect();
    // Another value of a closed list (a column whose CHECK allows only those).
    for (_, values) in dossier_model::mapping::closed_lists() {
        out.extend(values.iter().map(|v| Value::Text(v.to_string())));
    }
    out.retain(|v| v != old);
    match old {
        Value::Text(s) => {
            let mut chars: Vec<char> = s.chars().collect();
            if let Some(last) = chars.last_mut() {
                *last = if *last == 'X' { 'Y' } else { 'X' };
            }
            out.push(Value::Text(chars.into_iter().collect()));
            out.push(Value::Text(format!("{s} (changed)")));
        }
        Value::Integer(i) => out.extend([Value::Integer(i + 1), Value::Integer(i - 1)]),
        Value::Real(f) => out.push(Value::Real(f + 1.5)),
        Value::Null => out.extend([Value::Text("changed".into()), Value::Integer(7)]),
        Value::Blob(_) => {}
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Null => "NULL".into(),
        Value::Blob(_) => "<blob>".into(),
    }
}

/// Changes one row's value of `table.column` (a row where it is set, if any) in a fresh copy
/// of the database; returns what the row's key and the old and new value were, or None when
/// the schema refuses every candidate.
fn change_one(
    db: &Path,
    table: &str,
    column: &str,
    key: &[String],
) -> Option<(Vec<String>, String)> {
    let conn = Connection::open(db).unwrap();
    // As in a plain sqlite3 shell: a record may be moved to an article that does not exist.
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    let select = format!(
        "SELECT {}, \"{column}\" FROM \"{table}\" ORDER BY \"{column}\" IS NULL LIMIT 1",
        key.iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row: Vec<Value> = conn
        .query_row(&select, [], |r| {
            (0..=key.len()).map(|i| r.get::<_, Value>(i)).collect()
        })
        .ok()?;
    let (key_values, old) = row.split_at(key.len());
    let old = &old[0];
    let filter: Vec<String> = key.iter().map(|k| format!("\"{k}\" = ?")).collect();
    let update = format!(
        "UPDATE \"{table}\" SET \"{column}\" = ? WHERE {}",
        filter.join(" AND ")
    );
    for new in candidates(&conn, table, column, old) {
        let mut params = vec![new.clone()];
        params.extend(key_values.iter().cloned());
        if conn
            .execute(&update, rusqlite::params_from_iter(params))
            .is_ok_and(|n| n == 1)
        {
            let mut names: Vec<String> = key_values.iter().map(text).collect();
            names.extend([text(old), text(&new)]);
            return Some((names, format!("{} -> {}", text(old), text(&new))));
        }
    }
    None
}

/// The bundled seeds, a second article (with a publication date and dated events), the two
/// follow-ups (stated values, issuers, joint speakers) and the text of the joint statement
/// (`text_of`), built.
fn built_two_articles() -> tempfile::TempDir {
    let tmp = follow_ups_workspace();
    copy_dir(
        &fixtures().join("second-article"),
        &tmp.path().join("seeds"),
    );
    add_fixture(tmp.path(), "joint-statement-text");
    dossier(tmp.path()).arg("build").assert_success();
    tmp
}

#[test]
fn check_catches_every_single_value_changed_in_the_database() {
    let tmp = built_two_articles();
    let kb = tmp.path().join("kb");
    let pristine = std::fs::read(kb.join("dossier.sqlite")).unwrap();
    let scratch = tmp.path().join("scratch.sqlite");
    let listed = columns(&Connection::open(kb.join("dossier.sqlite")).unwrap());
    let (mut changed, mut refused, mut missed) = (0, Vec::new(), Vec::new());
    for (table, column, key) in &listed {
        std::fs::write(&scratch, &pristine).unwrap();
        let Some((names, change)) = change_one(&scratch, table, column, key) else {
            refused.push(format!("{table}.{column}"));
            continue;
        };
        changed += 1;
        let conn = Connection::open(&scratch).unwrap();
        let report = dossier_stores::check::check(&conn, &kb.join("dossier.idx")).unwrap();
        // The report must name the changed record: by its key, or (for a key or a reference
        // that moved) by the old or new value.
        let named = report
            .drift
            .iter()
            .any(|line| names.iter().any(|n| line.contains(&format!("'{n}'"))));
        if report.agrees() || !named {
            missed.push(format!("{table}.{column} ({change}): {:?}", report.drift));
        }
    }
    eprintln!(
        "{changed} columns changed one at a time, all caught; refused by the schema: {refused:?}"
    );
    assert!(
        missed.is_empty(),
        "changes check did not catch:\n{}",
        missed.join("\n")
    );
    assert!(changed > 60, "only {changed} columns could be changed");
    // The schema itself refuses these: a CHECK ties them to another column.
    assert_eq!(
        refused,
        [
            "evidence.start_offset",
            "evidence.end_offset",
            "knowledge_base.id"
        ],
        "a column the schema no longer protects must be caught by check"
    );
}

/// The Turtle's triples, in the default graph.
fn triples(ttl: &Path) -> Vec<oxigraph::model::Quad> {
    oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_reader(std::fs::File::open(ttl).unwrap())
        .map(Result::unwrap)
        .collect()
}

/// An indexed graph of these quads, as `build` writes one.
fn write_index(quads: &[oxigraph::model::Quad], path: &Path) {
    use dossier_stores::index::{DefaultGraph, IndexWriter};
    let file = std::fs::File::create(path).unwrap();
    let mut writer = IndexWriter::new(DefaultGraph::Union, file).unwrap();
    for q in quads {
        writer.add(q.as_ref()).unwrap();
    }
    writer.finish().unwrap();
}

/// Predicates whose triples are structure rather than a stored value: neither table holds
/// them, so `check` cannot compare them (SHACL shapes and the interop check hold them).
const STRUCTURAL: &[&str] = &[
    "http://purl.org/dc/terms/isPartOf",
    "https://schema.org/author",
];

#[test]
fn check_catches_a_triple_removed_from_the_graph_for_every_stored_predicate() {
    // Every article of the tests, so that statements and their stated rows are there too.
    let tmp = built_two_articles();
    let kb = tmp.path().join("kb");
    let conn = Connection::open(kb.join("dossier.sqlite")).unwrap();
    let all = triples(&kb.join("dossier.ttl"));
    let predicates: BTreeSet<String> = all
        .iter()
        .map(|t| t.predicate.as_str().to_owned())
        .collect();
    let scratch = tmp.path().join("scratch.idx");
    let mut missed = Vec::new();
    for p in &predicates {
        if p.ends_with("#type") || STRUCTURAL.contains(&p.as_str()) {
            continue;
        }
        // The first triple of the predicate whose subject is not the author or the curator
        // node (their labels are structure too).
        let at = all
            .iter()
            .position(|t| {
                let subject = t.subject.to_string();
                t.predicate.as_str() == p
                    && !subject.ends_with("#author>")
                    && !subject.ends_with("/curator>")
            })
            .unwrap();
        let mut changed = all.clone();
        changed.remove(at);
        write_index(&changed, &scratch);
        let report = dossier_stores::check::check(&conn, &scratch).unwrap();
        if report.agrees() {
            missed.push(p.clone());
        }
    }
    assert!(
        missed.is_empty(),
        "removing one triple of these went unnoticed: {missed:?}"
    );
}

/// A record only one store holds is named once in each group it belongs to (its kind, and
/// `record` for the records' shared table), with the store that lacks it, and the records both
/// hold are still compared.
#[test]
fn check_names_a_record_only_one_store_holds() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let conn = Connection::open(kb.join("dossier.sqlite")).unwrap();
    let condition = "training-must-take-place-in-mexico";
    let without_condition: Vec<_> = triples(&kb.join("dossier.ttl"))
        .into_iter()
        .filter(|t| !t.subject.to_string().ends_with(&format!("/{condition}>")))
        .collect();
    let scratch = tmp.path().join("scratch.idx");
    write_index(&without_condition, &scratch);
    conn.pragma_update(None, "foreign_keys", false).unwrap();
    let evidence: String = conn
        .query_row("SELECT min(id) FROM evidence", [], |r| r.get(0))
        .unwrap();
    conn.execute("DELETE FROM evidence WHERE id = ?1", [&evidence])
        .unwrap();

    let report = dossier_stores::check::check(&conn, &scratch).unwrap();
    let only_one: Vec<&String> = report
        .drift
        .iter()
        .filter(|d| d.contains(", missing from the "))
        .collect();
    assert_eq!(
        only_one,
        [
            &format!("condition '{condition}': in the database, missing from the graph"),
            &format!("record '{condition}': in the database, missing from the graph"),
            &format!("evidence '{evidence}': in the graph, missing from the database"),
        ],
        "{:#?}",
        report.drift
    );
    let counted = |kind: &str| {
        report
            .counts
            .iter()
            .find(|(k, _, _)| k == kind)
            .map(|(_, sql, rdf)| (*sql, *rdf))
            .unwrap()
    };
    let (conditions, evidences) = (counted("condition"), counted("evidence"));
    assert_eq!(conditions.0, conditions.1 + 1);
    assert_eq!(evidences.0 + 1, evidences.1);
    assert!(report.fields_compared > 100, "{}", report.fields_compared);
}

/// Two resources of the graph with one identifier are a difference, even though the database
/// holds the id (each id once).
#[test]
fn check_names_two_resources_of_the_graph_with_one_identifier() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let conn = Connection::open(kb.join("dossier.sqlite")).unwrap();
    let identifier = "http://purl.org/dc/terms/identifier";
    let mut all = triples(&kb.join("dossier.ttl"));
    let conditions: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            t.predicate.as_str() == identifier && t.subject.to_string().contains("/condition/")
        })
        .map(|(i, _)| i)
        .collect();
    assert!(conditions.len() >= 2, "{conditions:?}");
    let (kept, renamed) = (conditions[0], conditions[1]);
    let identifier_of = |at: usize| match &all[at].object {
        oxigraph::model::Term::Literal(l) => l.value().to_owned(),
        other => panic!("an identifier is a literal: {other}"),
    };
    let (id, other) = (identifier_of(kept), identifier_of(renamed));
    all[renamed].object = oxigraph::model::Literal::new_simple_literal(&id).into();
    let scratch = tmp.path().join("scratch.idx");
    write_index(&all, &scratch);

    let report = dossier_stores::check::check(&conn, &scratch).unwrap();
    for expected in [
        format!("condition '{id}': two resources of the graph have this identifier"),
        format!("condition '{other}': in the database, missing from the graph"),
    ] {
        assert!(
            report.drift.contains(&expected),
            "{expected}\n{:#?}",
            report.drift
        );
    }
}

/// A quad missing from the indexed graph, or one it holds that the N-Quads do not, is a
/// difference `dossier check` names (the manifest's hash aside).
#[test]
fn check_catches_an_indexed_graph_that_differs_from_the_nquads() {
    use dossier_stores::index::{DefaultGraph, Index, IndexWriter};
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let index_file = std::fs::canonicalize(kb.join("dossier.idx")).unwrap();
    let quads: Vec<oxigraph::model::Quad> = Index::open(&index_file)
        .unwrap()
        .all_quads()
        .map(Result::unwrap)
        .collect();
    let extra = oxigraph::model::Quad::new(
        oxigraph::model::NamedNode::new("https://example.org/s").unwrap(),
        oxigraph::model::NamedNode::new("https://example.org/p").unwrap(),
        oxigraph::model::Literal::new_simple_literal("not in the N-Quads"),
        oxigraph::model::GraphName::DefaultGraph,
    );
    for (changed, expected) in [
        (
            quads[1..].to_vec(),
            "0 only in the index, 1 only in the N-Quads",
        ),
        (
            quads.iter().cloned().chain([extra]).collect(),
            "1 only in the index, 0 only in the N-Quads",
        ),
    ] {
        let file = std::fs::File::create(&index_file).unwrap();
        let mut writer = IndexWriter::new(DefaultGraph::Union, file).unwrap();
        for q in &changed {
            writer.add(q.as_ref()).unwrap();
        }
        writer.finish().unwrap();
        let out = dossier(tmp.path()).arg("check").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "the indexed graph and the N-Quads file hold different quads: {expected}"
            )),
            "{stderr}"
        );
    }
}

/// The full-text indexes hold no value of their own, so the column-by-column test leaves them
/// out; what can go wrong with one is that it misses rows of its content table, indexes rows
/// that are gone, or is corrupt. `check` names each.
#[test]
fn check_catches_a_stale_or_broken_full_text_index() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let pristine = std::fs::read(kb.join("dossier.sqlite")).unwrap();
    let scratch = tmp.path().join("scratch.sqlite");
    let first_evidence: String = Connection::open(kb.join("dossier.sqlite"))
        .unwrap()
        .query_row("SELECT id FROM evidence ORDER BY rowid LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    for (change, expected) in [
        (
            "DELETE FROM evidence_fts_docsize WHERE id = (SELECT min(rowid) FROM evidence)"
                .to_owned(),
            format!("evidence '{first_evidence}': not in the full-text index evidence_fts"),
        ),
        (
            "INSERT INTO articles_fts_docsize (id, sz) VALUES (1000, x'01')".to_owned(),
            "full-text index articles_fts: 1 indexed rows no longer in articles".to_owned(),
        ),
        (
            // A segment of the inverted index overwritten: what a damaged file looks like.
            "UPDATE evidence_fts_data SET block = zeroblob(length(block)) \
             WHERE id = (SELECT max(id) FROM evidence_fts_data)"
                .to_owned(),
            "full-text index evidence_fts: fts5: corruption found".to_owned(),
        ),
    ] {
        std::fs::write(&scratch, &pristine).unwrap();
        Connection::open(&scratch)
            .unwrap()
            .execute_batch(&change)
            .unwrap();
        let report = dossier_stores::check::check(
            &dossier_stores::sqlite::open_read_only(&scratch).unwrap(),
            &kb.join("dossier.idx"),
        )
        .unwrap();
        assert!(
            report.drift.iter().any(|line| line.contains(&expected)),
            "{change}: {:?}",
            report.drift
        );
    }
}
