//! The SQLite store: build, `dossier sql`, migrations.

use rusqlite::Connection;

use crate::util::*;

fn ordered_dump(db: &std::path::Path) -> String {
    let conn = Connection::open(db).unwrap();
    let mut out = String::new();
    for table in dossier_stores::sqlite::tables() {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
            .unwrap();
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cells: Vec<String> = (0..width)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect();
                Ok(cells.join("|"))
            })
            .unwrap();
        for row in rows {
            out.push_str(table);
            out.push(':');
            out.push_str(&row.unwrap());
            out.push('\n');
        }
    }
    out
}

#[test]
fn build_writes_a_sound_strict_versioned_database() {
    let tmp = built_bundled();
    let db = tmp.path().join("kb/dossier.sqlite");
    let conn = Connection::open(&db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let fk_problems: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk_problems, 0);
    let not_strict: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' AND strict = 0")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(not_strict.is_empty(), "not STRICT: {not_strict:?}");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, dossier_stores::sqlite::latest_version());
    assert!(version >= 2);
}

#[test]
fn every_documented_view_answers() {
    // The bundled article, the second one (which has commitments) and the follow-ups (which
    // state values of other articles' records, and name issuers) fill every view.
    let tmp = follow_ups_workspace();
    copy_dir(
        &fixtures().join("second-article"),
        &tmp.path().join("seeds"),
    );
    dossier(tmp.path()).arg("build").assert_success();
    let conn = Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    let doc = std::fs::read_to_string(root().join("schema/sqlite.md")).unwrap();
    let views: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(views.len() >= 5, "{views:?}");
    for view in views {
        assert!(
            doc.contains(&format!("`{view}`")),
            "{view} is not documented in schema/sqlite.md"
        );
        let n: i64 = conn
            .query_row(&format!("SELECT count(*) FROM {view}"), [], |r| r.get(0))
            .unwrap();
        assert!(n > 0, "{view} is empty");
    }
}

#[test]
fn conditions_view_lists_sheinbaums_conditions_with_quotes() {
    let tmp = built_bundled();
    let out = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "json",
        "SELECT condition_id, stated_by, constraint_kind, value, exception, quote FROM condition_overview ORDER BY condition_id",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(rows.len() >= 5);
    let scope = rows
        .iter()
        .find(|r| r["constraint_kind"] == "scope")
        .expect("the intelligence-sharing scope condition");
    assert_eq!(scope["stated_by"], "Claudia Sheinbaum");
    assert_eq!(scope["exception"], "unless mutually agreed upon");
    assert!(
        scope["quote"]
            .as_str()
            .unwrap()
            .contains("obtained in each territory")
    );
    assert!(rows.iter().all(|r| r["quote"].is_string()));
}

#[test]
fn output_formats_keep_types() {
    let tmp = built_bundled();
    let q = "SELECT id, char_count, published FROM articles";
    let json = stdout_of(dossier(tmp.path()).args(["sql", "--format", "json", q]));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        rows[0]["char_count"],
        serde_json::json!(3535),
        "numbers stay numbers"
    );
    assert!(rows[0]["published"].is_null(), "NULL is null");
    let nd = stdout_of(dossier(tmp.path()).args(["sql", "--format", "ndjson", q]));
    assert_eq!(nd.lines().count(), 1);
    let line: serde_json::Value = serde_json::from_str(nd.lines().next().unwrap()).unwrap();
    assert_eq!(line["id"], "rubio-visit-to-mexico-2025");
    let csv = stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", q]));
    assert_eq!(
        csv,
        "id,char_count,published\nrubio-visit-to-mexico-2025,3535,\n"
    );
    let table = stdout_of(dossier(tmp.path()).args(["sql", "--format", "table", q]));
    assert!(
        table.contains("rubio-visit-to-mexico-2025") && table.contains("(1 row)"),
        "{table}"
    );
}

#[test]
fn query_from_stdin_and_file() {
    let tmp = built_bundled();
    let out = dossier(tmp.path())
        .args(["sql", "--format", "csv", "-"])
        .with_stdin("SELECT count(*) AS n FROM conditions");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "n\n5\n");
    std::fs::write(
        tmp.path().join("q.sql"),
        "SELECT count(*) AS n FROM conditions",
    )
    .unwrap();
    let out = stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", "--file", "q.sql"]));
    assert_eq!(out, "n\n5\n");
}

#[test]
fn parameters_are_bound_never_spliced() {
    let tmp = built_bundled();
    let out = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "--param",
        "id=marco-rubio",
        "SELECT name FROM actors WHERE id = :id",
    ]));
    assert_eq!(out, "name\nMarco Rubio\n");
    let out = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "--param",
        "id=x' OR '1'='1",
        "SELECT count(*) AS n FROM actors WHERE id = :id",
    ]));
    assert_eq!(out, "n\n0\n");
    let out = dossier(tmp.path())
        .args(["sql", "SELECT name FROM actors WHERE id = :id"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--param id=VALUE"));
}

#[test]
fn writes_are_refused_and_the_file_is_unchanged() {
    let tmp = built_bundled();
    let db = tmp.path().join("kb/dossier.sqlite");
    let before = std::fs::read(&db).unwrap();
    for statement in [
        "DELETE FROM actors",
        "INSERT INTO actors (id, name, kind) VALUES ('x', 'x', 'person')",
        "UPDATE actors SET name = 'x'",
        "DROP TABLE evidence",
        "ATTACH DATABASE 'other.db' AS other",
        "PRAGMA user_version = 99",
        "PRAGMA writable_schema = 1",
        "PRAGMA query_only = 0",
        "PRAGMA query_only(0)",
        "PRAGMA/**/foreign_keys=OFF",
        "CREATE TABLE t (x)",
        // FTS5's commands are INSERTs into the index: rebuilding or optimising it writes.
        "INSERT INTO evidence_fts (evidence_fts) VALUES ('rebuild')",
        "INSERT INTO articles_fts (articles_fts) VALUES ('optimize')",
        "DELETE FROM evidence_fts_docsize",
    ] {
        let out = dossier(tmp.path())
            .args(["sql", statement])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{statement}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("read-only"), "{statement}: {stderr}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!tmp.path().join("other.db").exists());
    // Reading PRAGMAs still answer.
    for statement in [
        "PRAGMA table_info(actors)",
        "PRAGMA user_version",
        "PRAGMA query_only",
        "PRAGMA integrity_check(evidence_fts)",
        "SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH 'tariffs'",
    ] {
        dossier(tmp.path())
            .args(["sql", statement])
            .assert_success();
    }
}

#[test]
fn a_runaway_query_is_interrupted() {
    let tmp = built_bundled();
    let out = dossier(tmp.path())
        .args([
            "sql",
            "--timeout-ms",
            "200",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted after 200 ms"));
}

/// The time limit covers preparing the statement too: a statement that takes long to parse
/// (two million list items; it would then answer at once, `WHERE 0` being false) is stopped.
#[test]
fn a_statement_slow_to_prepare_is_interrupted() {
    let tmp = built_bundled();
    let items = (0..2_000_000)
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",");
    std::fs::write(
        tmp.path().join("slow.sql"),
        format!("SELECT 1 AS one WHERE 0 AND 1 IN ({items})"),
    )
    .unwrap();
    let out = dossier(tmp.path())
        .args(["sql", "--timeout-ms", "20", "-f", "slow.sql"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted after 20 ms"));
    // With time enough, it answers (no rows).
    let out = stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", "-f", "slow.sql"]));
    assert_eq!(out, "one\n");
}

/// SQLite's own memory is bounded: a recursive query doubling a string is stopped at
/// `--max-memory-mb` with advice, and answers without the bound.
#[test]
fn a_query_that_outgrows_the_memory_limit_is_stopped() {
    let tmp = built_bundled();
    let doubling = "WITH RECURSIVE r(s, n) AS (SELECT 'x', 0 UNION ALL \
                    SELECT s || s, n + 1 FROM r WHERE n < 25) SELECT max(length(s)) AS longest FROM r";
    let out = dossier(tmp.path())
        .args(["sql", "--max-memory-mb", "16", doubling])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("more than 16 MiB") && stderr.contains("--max-memory-mb"),
        "{stderr}"
    );
    let unbounded = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--max-memory-mb",
        "0",
        "--format",
        "csv",
        doubling,
    ]));
    assert_eq!(unbounded, format!("longest\n{}\n", 1 << 25));
}

#[test]
fn a_missing_knowledge_base_says_how_to_build_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = dossier(tmp.path())
        .args(["sql", "SELECT 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dossier build"));
}

#[test]
fn the_kb_folder_comes_from_the_environment_too() {
    let tmp = workspace_with(&root().join("seeds"));
    dossier(tmp.path())
        .args(["build", "--kb", "elsewhere"])
        .assert_success();
    let out = stdout_of(dossier(tmp.path()).env("DOSSIER_KB", "elsewhere").args([
        "sql",
        "--format",
        "csv",
        "SELECT count(*) AS n FROM articles",
    ]));
    assert_eq!(out, "n\n1\n");
}

#[test]
fn a_failed_build_leaves_the_previous_stores_byte_identical() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let before = store_bytes(&kb);
    let facts = tmp
        .path()
        .join("seeds/rubio-visit-to-mexico-2025/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    std::fs::write(
        &facts,
        text.replacen(
            "stated_by = \"claudia-sheinbaum\"",
            "stated_by = \"nobody\"",
            1,
        ),
    )
    .unwrap();
    let out = dossier(tmp.path()).arg("build").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        store_bytes(&kb) == before,
        "the stores changed after a failed build"
    );
    assert_no_temporary_left(&kb);
}

#[test]
fn building_twice_gives_the_same_rows() {
    let tmp = built_bundled();
    let db = tmp.path().join("kb/dossier.sqlite");
    let first = ordered_dump(&db);
    dossier(tmp.path()).arg("build").assert_success();
    assert_eq!(first, ordered_dump(&db));
}

/// A database created at the first migration, with data in it, upgrades with nothing lost.
#[test]
fn an_old_database_upgrades_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    std::fs::create_dir_all(&kb).unwrap();
    let db = kb.join("dossier.sqlite");
    {
        let mut conn = Connection::open(&db).unwrap();
        dossier_stores::sqlite::migrations()
            .to_version(&mut conn, 1)
            .unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             INSERT INTO knowledge_base (id, title, base_iri) VALUES (1, 'old', 'https://example.org/kb/');
             INSERT INTO articles (id, title, language, text, char_count) VALUES ('a', 'A', 'en', 'Ana met Bo.', 11);
             INSERT INTO records (id, kind, label, article_id) VALUES ('ana', 'actor', 'Ana', NULL);
             INSERT INTO actors (id, name, kind) VALUES ('ana', 'Ana', 'person');
             INSERT INTO records (id, kind, label, article_id) VALUES ('bo', 'actor', 'Bo', NULL);
             INSERT INTO actors (id, name, kind) VALUES ('bo', 'Bo', 'person');
             INSERT INTO records (id, kind, label, article_id) VALUES ('ana-met-bo', 'relation', 'ana met bo', 'a');
             INSERT INTO relations (id, article_id, subject_id, predicate, object_id) VALUES ('ana-met-bo', 'a', 'ana', 'met', 'bo');
             INSERT INTO evidence (id, record_id, article_id, number, quote, start_offset, end_offset, asserted_by, modality)
                 VALUES ('ana.a.1', 'ana', 'a', 1, 'Ana', 0, 3, 'author', 'reported_fact');
             INSERT INTO evidence (id, record_id, article_id, number, quote, start_offset, end_offset, asserted_by, modality)
                 VALUES ('ana-met-bo.a.1', 'ana-met-bo', 'a', 1, 'Ana met Bo', 0, 10, 'ana', 'stated_position');
             INSERT INTO records (id, kind, label, article_id) VALUES ('pact', 'agreement', 'pact', 'a');
             INSERT INTO agreements (id, article_id, label, kind, status) VALUES ('pact', 'a', 'pact', 'agreement', 'agreed');
             INSERT INTO records (id, kind, label, article_id) VALUES ('only-here', 'condition', 'only here', 'a');
             INSERT INTO conditions (id, article_id, label, stated_by_id, constrains_id, constraint_kind, value)
                 VALUES ('only-here', 'a', 'only here', 'bo', 'pact', 'location', 'here');
             INSERT INTO records (id, kind, label, article_id) VALUES ('bo-is-late', 'claim', 'Bo is late', 'a');
             INSERT INTO claims (id, article_id, label, kind, claimant) VALUES ('bo-is-late', 'a', 'Bo is late', 'assessment', 'ana');
             INSERT INTO claim_subjects (claim_id, record_id) VALUES ('bo-is-late', 'bo');",
        )
        .unwrap();
    }
    // Queries refuse an old database with advice...
    let out = dossier(tmp.path())
        .args(["sql", "SELECT 1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("dossier upgrade"));
    // ...and the upgrade keeps every row.
    let out = stdout_of(dossier(tmp.path()).arg("upgrade"));
    let latest = dossier_stores::sqlite::latest_version();
    assert!(
        out.contains(&format!("schema version 1 -> {latest}")),
        "{out}"
    );
    let again = stdout_of(dossier(tmp.path()).arg("upgrade"));
    assert!(
        again.contains(&format!(
            "already at schema version {latest}, nothing to do"
        )),
        "{again}"
    );
    let rows = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT record_id, quote, asserter FROM record_evidence ORDER BY evidence_id",
    ]));
    assert_eq!(
        rows,
        "record_id,quote,asserter\nana-met-bo,Ana met Bo,Ana\nana,Ana,the author\n"
    );
    // The tables the migrations rebuilt (evidence, relations) keep their rows, and the views
    // over them answer.
    let network = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT source_id, relation, target_id, via_record_id FROM actor_network",
    ]));
    assert_eq!(
        network,
        "source_id,relation,target_id,via_record_id\nana,met,bo,ana-met-bo\n"
    );
    // The migration that adds the full-text indexes fills them from the rows already there.
    let found = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT (SELECT group_concat(e.id) FROM evidence e WHERE e.rowid IN \
           (SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH 'bo')) AS evidence, \
         (SELECT group_concat(a.id) FROM articles a WHERE a.rowid IN \
           (SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'met AND bo')) AS articles",
    ]));
    assert_eq!(found, "evidence,articles\nana-met-bo.a.1,a\n");
    // A condition's speaker and a claim's claimant move to their list tables (migration 9
    // rebuilds `conditions` and `claims`, which `claim_subjects` references).
    let speakers = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT k.claimant, s.record_id, o.stated_by_id, o.constrains FROM claim_claimants k \
         JOIN claim_subjects s ON s.claim_id = k.claim_id, condition_overview o",
    ]));
    assert_eq!(
        speakers,
        "claimant,record_id,stated_by_id,constrains\nana,bo,bo,pact\n"
    );
}

/// Rows stream in csv, json and ndjson; a table, which holds its rows to size its columns,
/// stops past its bound with advice instead of growing without end.
#[test]
fn a_table_of_sql_rows_is_bounded_and_other_formats_stream_every_row() {
    let tmp = built_bundled();
    let many = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100001) SELECT n FROM r";
    let csv = stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", many]));
    assert_eq!(csv.lines().count(), 100_002);
    let out = dossier(tmp.path())
        .args(["sql", "--format", "table", many])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("more than 100000 rows") && stderr.contains("--format csv"),
        "{stderr}"
    );
}

/// JSON objects get distinct keys even when the query repeats a column name.
#[test]
fn repeated_column_names_get_distinct_json_keys() {
    let tmp = built_bundled();
    let json = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "json",
        "SELECT 1 AS a, 2 AS a, 3 AS a",
    ]));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows, serde_json::json!([{"a": 1, "a_2": 2, "a_3": 3}]));
}

/// On a terminal, a query's answer is not preceded by an empty progress bar (only validate,
/// build and check draw one). `script` gives the command a terminal.
#[test]
fn a_query_on_a_terminal_draws_no_progress_bar() {
    let tmp = built_bundled();
    let binary = crate::util::binary();
    let out = std::process::Command::new("script")
        .args(["-qec"])
        .arg(format!(
            "'{}' sql --format csv 'SELECT 1 AS one'",
            binary.display()
        ))
        .arg("/dev/null")
        .current_dir(tmp.path())
        .env_remove("DOSSIER_KB")
        .output()
        .expect("script (util-linux) runs a command on a terminal");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with("one"),
        "the answer starts the output: {text:?}"
    );
    assert!(!text.contains('░') && !text.contains("0/0"), "{text:?}");
}

/// The short flags of the tools people know (-p for a parameter, -f for a query file, -o for an
/// output file), and an example in every command's --help.
#[test]
fn short_flags_and_examples_in_help() {
    let tmp = built_bundled();
    std::fs::write(
        tmp.path().join("q.sql"),
        "SELECT count(*) AS n FROM evidence WHERE record_id = :id",
    )
    .unwrap();
    let out = stdout_of(dossier(tmp.path()).args([
        "sql",
        "-f",
        "q.sql",
        "-p",
        "id=training-must-take-place-in-mexico",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "n\n1\n");
    dossier(tmp.path())
        .args(["export", "--format", "nquads", "-o", "out.nq"])
        .assert_success();
    assert!(std::fs::metadata(tmp.path().join("out.nq")).unwrap().len() > 1000);
    let top = stdout_of(dossier(tmp.path()).arg("--help"));
    assert!(
        top.contains("Examples:") && top.contains("dossier sql"),
        "{top}"
    );
    // Every command the top-level help lists.
    let commands: Vec<&str> = top
        .split("Commands:")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 11, "{commands:?}");
    for command in commands {
        let help = stdout_of(dossier(tmp.path()).args([command, "--help"]));
        assert!(
            help.contains("Example") && help.contains(&format!("dossier {command}")),
            "{command} --help has an example: {help}"
        );
    }
}

/// Reading the journal mode is a read (SQLite counts every form of the pragma as a write);
/// setting it stays refused and leaves the file as it was.
#[test]
fn the_journal_mode_can_be_read_not_set() {
    let tmp = built_bundled();
    let before = crate::util::store_bytes(&tmp.path().join("kb"));
    for read in ["PRAGMA journal_mode", "pragma main.journal_mode;"] {
        let out = stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", read]));
        assert_eq!(out, "journal_mode\ndelete\n", "{read}");
    }
    for set in [
        "PRAGMA journal_mode=WAL",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA main.journal_mode=OFF",
    ] {
        let out = dossier(tmp.path()).args(["sql", set]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{set}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("read-only"),
            "{set}"
        );
    }
    assert!(crate::util::store_bytes(&tmp.path().join("kb")) == before);
}
