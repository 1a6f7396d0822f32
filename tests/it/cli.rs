//! The command line as a shell user meets it: completion scripts that the shells accept and
//! that complete, manual pages that groff renders without a warning, and `--out` files that
//! appear only once complete.

use std::path::Path;

use crate::util::*;

/// A shell to check a script with, or None where it is not installed (outside CI, which
/// installs them: `scripts/interop-check`).
fn shell(name: &str) -> Option<String> {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(name.to_owned());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{name} is not installed, and CI must check the {name} completions"
    );
    eprintln!("{name} is not installed: its completion script is not checked here");
    None
}

#[test]
fn completion_scripts_parse_and_complete() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, check) in [
        ("bash", vec!["-n"]),
        ("zsh", vec!["-n"]),
        ("fish", vec!["--no-execute"]),
    ] {
        let script = stdout_of(dossier(tmp.path()).args(["completions", name]));
        assert!(script.contains("dossier"), "{script}");
        let file = tmp.path().join(format!("dossier.{name}"));
        std::fs::write(&file, &script).unwrap();
        let Some(shell) = shell(name) else { continue };
        let out = std::process::Command::new(&shell)
            .args(&check)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{name} rejects the completion script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // bash completes a subcommand and a --format value from the script.
    let complete = |words: &str| {
        let script = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _dossier dossier \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; \
             echo \"${{COMPREPLY[@]}}\"",
            tmp.path().join("dossier.bash").display()
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("dossier sq").trim(), "sql");
    let formats = complete("dossier sparql --format ''");
    for format in ["json", "xml", "csv", "tsv", "ndjson", "turtle", "jsonld"] {
        assert!(formats.split_whitespace().any(|f| f == format), "{formats}");
    }
}

#[test]
fn manual_pages_render_without_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let pages = tmp.path().join("man");
    dossier(tmp.path())
        .args(["man", "--dir"])
        .arg(&pages)
        .assert_success();
    let names = files_in(&pages);
    for page in [
        "dossier.1",
        "dossier-sql.1",
        "dossier-sparql.1",
        "dossier-completions.1",
    ] {
        assert!(
            names.iter().any(|n| n == page),
            "{page} missing from {names:?}"
        );
    }
    for name in &names {
        let out = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(pages.join(name))
            .output()
            .expect("groff is installed");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff warns about {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let rendered = std::process::Command::new("groff")
        .args(["-man", "-Tutf8"])
        .arg(pages.join("dossier-sql.1"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        text.contains("--format") && text.contains("Examples"),
        "{text}"
    );
    let single = stdout_of(dossier(tmp.path()).arg("man"));
    assert!(
        single.starts_with(".ie") || single.contains(".TH dossier"),
        "{single}"
    );
}

/// The names of the files in `dir`, sorted.
fn files_in(dir: &Path) -> Vec<String> {
    sorted_entries(dir, |_| true)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn out_files_appear_only_when_complete() {
    let tmp = built_bundled();
    let dir = tmp.path().join("answers");
    std::fs::create_dir(&dir).unwrap();
    // Every command that prints takes -o.
    let queries = root().join("schema/queries");
    let queries = queries.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &[
            "sql",
            "--format",
            "csv",
            "SELECT id FROM records ORDER BY id",
        ],
        &[
            "sparql",
            "--format",
            "tsv",
            "SELECT ?c WHERE { ?c a dos:Condition }",
        ],
        &[
            "query",
            "timeline",
            "--format",
            "json",
            "--queries",
            queries,
        ],
        &["info", "--json"],
        &["export", "--format", "trig"],
    ];
    for (n, args) in commands.iter().enumerate() {
        let file = dir.join(format!("out{n}"));
        let printed = stdout_of(dossier(tmp.path()).args(*args));
        dossier(tmp.path())
            .args(*args)
            .arg("-o")
            .arg(&file)
            .assert_success();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), printed, "{args:?}");
    }
    // A failing query leaves an existing file as it was, and no temporary file.
    let file = dir.join("out0");
    let before = std::fs::read(&file).unwrap();
    for args in [
        ["sql", "SELECT no_such_column FROM records"],
        ["sparql", "SELECT ?x WHERE { ?x ?y }"],
    ] {
        let out = dossier(tmp.path())
            .args(args)
            .arg("-o")
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(std::fs::read(&file).unwrap(), before);
    }
    assert_eq!(files_in(&dir).len(), commands.len(), "{:?}", files_in(&dir));
    // The file is readable as File::create would make it (the umask applies, not 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_ne!(
            mode & 0o040,
            0,
            "group-readable like any new file: {mode:o}"
        );
    }
    // What is not a regular file is written to, not replaced.
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        dossier(tmp.path())
            .args(["sql", "SELECT 1", "-o", "/dev/null"])
            .assert_success();
        let kind = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(kind.is_char_device(), "/dev/null is still a device");
    }
    // A file of the knowledge base is never an output.
    let out = dossier(tmp.path())
        .args(["sql", "SELECT 1", "-o", "kb/dossier.sqlite"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused"));
}

/// A SPARQL update is refused as an update, not as a query misspelt at its first keyword.
#[test]
fn a_sparql_update_is_refused_as_one() {
    let tmp = built_bundled();
    for update in [
        "PREFIX ex: <https://example.org/>\nINSERT DATA { ex:a ex:b \"c\" }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
    ] {
        let out = dossier(tmp.path())
            .args(["sparql", update])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{update}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: refused: this is a SPARQL update")
                && stderr.contains("dossier build")
                && !stderr.contains("syntax error"),
            "{update}: {stderr}"
        );
    }
}

/// SQL and SPARQL errors show the query's line with a caret under the place, as seed problems
/// do: golden files in tests/fixtures/query-errors (`DOSSIER_BLESS=1` rewrites them).
#[test]
fn query_errors_show_the_line_with_a_caret() {
    let tmp = built_bundled();
    let dir = fixtures().join("query-errors");
    let cases = sorted_entries(&dir, |p| {
        p.extension().is_some_and(|e| e == "sql" || e == "rq")
    });
    assert!(cases.len() >= 4, "{cases:?}");
    for case in cases {
        let command = if case.extension().is_some_and(|e| e == "sql") {
            "sql"
        } else {
            "sparql"
        };
        let out = dossier(tmp.path())
            .args([command, "-f"])
            .arg(&case)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", case.display());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(" --> query:") && stderr.contains('^'),
            "{stderr}"
        );
        assert_matches_file(&stderr, &case.with_extension("expected"));
    }
}

/// A carriage return a query makes comes back from every result format a reader parses (XML
/// readers turned a raw one into a line feed), and a control character XML cannot carry is
/// refused in XML with advice rather than written into a document no reader loads.
#[test]
fn every_result_format_round_trips_a_carriage_return() {
    use sparesults::{QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput};
    let tmp = built_bundled();
    let query = r#"SELECT ?x WHERE { BIND("a\r\nb\rc" AS ?x) }"#;
    for (name, format) in [
        ("xml", QueryResultsFormat::Xml),
        ("json", QueryResultsFormat::Json),
        ("tsv", QueryResultsFormat::Tsv),
    ] {
        let out = dossier(tmp.path())
            .args(["sparql", "--format", name, query])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed = QueryResultsParser::from_format(format)
            .for_reader(out.stdout.as_slice())
            .unwrap();
        let ReaderQueryResultsParserOutput::Solutions(solutions) = parsed else {
            panic!("{name}: not solutions");
        };
        let values: Vec<String> = solutions
            .map(|s| match s.unwrap().get("x").unwrap() {
                oxrdf::Term::Literal(l) => l.value().to_owned(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(values, vec!["a\r\nb\rc".to_owned()], "{name}");
    }
    // CSV (which sparesults does not read back: it is lossy) quotes the value whole.
    let csv = stdout_of(dossier(tmp.path()).args(["sparql", "--format", "csv", query]));
    assert_eq!(csv, "x\r\n\"a\r\nb\rc\"\r\n");
    let out = dossier(tmp.path())
        .args([
            "sparql",
            "--format",
            "xml",
            r#"SELECT ?x WHERE { BIND("a\u001Bb" AS ?x) }"#,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("U+001B") && stderr.contains("json"),
        "{stderr}"
    );
}

/// sqlite-utils' habits: `-q` prints nothing on success, `jsonl` is newline-delimited JSON,
/// and the list of named queries comes in the format asked for.
#[test]
fn quiet_jsonl_and_listings_in_every_format() {
    let tmp = built_bundled();
    for command in ["build", "validate"] {
        let out = dossier(tmp.path()).args([command, "-q"]).output().unwrap();
        assert!(out.status.success(), "{command}");
        assert!(
            out.stdout.is_empty(),
            "{command} -q printed {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let sql = "SELECT id FROM records ORDER BY id LIMIT 3";
    assert_eq!(
        stdout_of(dossier(tmp.path()).args(["sql", "--format", "jsonl", sql])),
        stdout_of(dossier(tmp.path()).args(["sql", "--format", "ndjson", sql]))
    );
    let text = stdout_of(dossier(tmp.path()).args(["query", "--list"]));
    let names: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.len() > 10, "{text}");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        dossier(tmp.path()).args(["query", "--list", "--format", "json"]),
    ))
    .expect("query --list --format json is JSON");
    let listed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names);
    assert!(json[0]["parameters"].is_object());
    let lines = stdout_of(dossier(tmp.path()).args(["query", "--list", "--format", "jsonl"]));
    assert_eq!(lines.lines().count(), names.len());
}

/// sqlite-utils' format shortcuts, and the format taken from `-o`'s extension (as Oxigraph's
/// CLI does): each gives what `--format` gives.
#[test]
fn format_shortcuts_and_the_extension_of_the_output_file() {
    let tmp = built_bundled();
    let sql = "SELECT id, kind FROM records ORDER BY id LIMIT 4";
    let with = |args: &[&str]| stdout_of(dossier(tmp.path()).args(["sql"]).args(args).arg(sql));
    for (shortcut, format) in [
        ("--csv", "csv"),
        ("--tsv", "tsv"),
        ("--json", "json"),
        ("--nl", "ndjson"),
        ("--jsonl", "ndjson"),
        ("--table", "table"),
    ] {
        assert_eq!(with(&[shortcut]), with(&["--format", format]), "{shortcut}");
    }
    // Two formats at once are refused.
    let both = dossier(tmp.path())
        .args(["sql", "--csv", "--json", sql])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    for (file, format) in [
        ("rows.csv", "csv"),
        ("rows.tsv", "tsv"),
        ("rows.json", "json"),
        ("rows.jsonl", "ndjson"),
        ("rows.unknown", "json"),
    ] {
        let path = tmp.path().join(file);
        dossier(tmp.path())
            .args(["sql", "-o"])
            .arg(&path)
            .arg(sql)
            .assert_success();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            with(&["--format", format]),
            "{file}"
        );
    }
    // SPARQL: rows and triples alike; json and xml mean JSON-LD and RDF/XML for triples.
    let construct = "CONSTRUCT { ?a rdfs:label ?l } WHERE { ?a a dos:Actor ; rdfs:label ?l }";
    let sparql = |args: &[&str], query: &str| {
        stdout_of(dossier(tmp.path()).args(["sparql"]).args(args).arg(query))
    };
    for (file, format) in [
        ("graph.ttl", "turtle"),
        ("graph.nt", "ntriples"),
        ("graph.rdf", "rdfxml"),
    ] {
        let path = tmp.path().join(file);
        dossier(tmp.path())
            .args(["sparql", "-o"])
            .arg(&path)
            .arg(construct)
            .assert_success();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            sparql(&["--format", format], construct),
            "{file}"
        );
    }
    assert_eq!(
        sparql(&["--json"], construct),
        sparql(&["--format", "jsonld"], construct)
    );
    assert_eq!(
        sparql(&["--format", "xml"], construct),
        sparql(&["--format", "rdfxml"], construct)
    );
    assert!(sparql(&["--format", "xml"], construct).contains("<rdf:RDF"));
    // Export: the syntax from the extension.
    let nq = tmp.path().join("kb.nq");
    dossier(tmp.path())
        .args(["export", "-o"])
        .arg(&nq)
        .assert_success();
    assert_eq!(
        std::fs::read_to_string(&nq).unwrap(),
        stdout_of(dossier(tmp.path()).args(["export", "--format", "nquads"]))
    );
}

/// `tables`, `views` and `schema`: every table and view of the database with its columns,
/// types, keys and descriptions; no column undescribed.
#[test]
fn tables_views_and_schema_describe_the_database() {
    let tmp = built_bundled();
    let json = |args: &[&str]| -> Vec<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(&stdout_of(
            dossier(tmp.path()).args(args).arg("--json"),
        ))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
    };
    let conn = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    let names_of = |kind: &str| -> Vec<String> {
        conn.prepare(
            "SELECT name FROM sqlite_schema WHERE type = ?1 AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '%_fts%' ORDER BY name",
        )
        .unwrap()
        .query_map([kind], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let tables = json(&["tables"]);
    let listed: Vec<String> = tables
        .iter()
        .map(|t| t["table"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, names_of("table"));
    let evidence = tables.iter().find(|t| t["table"] == "evidence").unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM evidence", [], |r| r.get(0))
        .unwrap();
    assert_eq!(evidence["rows"], rows);
    assert!(evidence["columns"].as_str().unwrap().contains("quote"));
    let views = json(&["views"]);
    let listed: Vec<String> = views
        .iter()
        .map(|v| v["view"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, names_of("view"));
    assert!(
        views
            .iter()
            .all(|v| v["description"].as_str().unwrap().len() > 10)
    );

    let columns = json(&["schema"]);
    let undescribed: Vec<String> = columns
        .iter()
        .filter(|c| c["description"].as_str().unwrap().is_empty())
        .map(|c| format!("{}.{}", c["relation"], c["column"]))
        .collect();
    assert!(undescribed.is_empty(), "undescribed: {undescribed:?}");
    let relations: std::collections::BTreeSet<&str> = columns
        .iter()
        .map(|c| c["relation"].as_str().unwrap())
        .collect();
    assert_eq!(
        relations.len(),
        names_of("table").len() + names_of("view").len()
    );
    // Types and keys, as SQLite declares them.
    let column = |relation: &str, name: &str| {
        columns
            .iter()
            .find(|c| c["relation"] == relation && c["column"] == name)
            .unwrap_or_else(|| panic!("{relation}.{name}"))
            .clone()
    };
    assert_eq!(column("evidence", "id")["primary_key"], 1);
    assert_eq!(column("evidence", "record_id")["references"], "records.id");
    assert_eq!(column("evidence", "quote")["not_null"], true);
    assert_eq!(column("evidence", "start_offset")["type"], "INTEGER");
    assert_eq!(column("condition_overview", "stated_by")["kind"], "view");
    // One relation by name; a misspelt one is told the closest.
    let one = json(&["schema", "condition_overview"]);
    assert_eq!(one.len(), 15);
    let wrong = dossier(tmp.path())
        .args(["schema", "condition_overveiw"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("did you mean 'condition_overview'"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    // The SQL schema is still there, generated.
    assert_eq!(
        stdout_of(dossier(tmp.path()).args(["schema", "--sql"])),
        std::fs::read_to_string(crate::util::root().join("schema/sqlite.sql")).unwrap()
    );
}

/// A closed pipe, on standard output or on standard error, ends any command quietly: never a
/// panic (exit status 101), whatever prints.
#[test]
fn no_command_panics_on_a_closed_pipe() {
    let tmp = built_bundled();
    // Seeds with a problem in every article, so that validate has a lot to say on stderr.
    let broken = tmp.path().join("broken");
    crate::util::copy_dir(&tmp.path().join("seeds"), &broken);
    for entry in std::fs::read_dir(&broken).unwrap() {
        let facts = entry.unwrap().path().join("facts.toml");
        if facts.exists() {
            let text = std::fs::read_to_string(&facts).unwrap();
            std::fs::write(
                &facts,
                text.replace("quote = \"", "quote = \"not in the text "),
            )
            .unwrap();
        }
    }
    let broken = broken.to_str().unwrap().to_owned();
    let commands: Vec<Vec<&str>> = vec![
        vec!["validate", "--seeds", &broken],
        vec!["validate"],
        vec!["build", "--seeds", &broken, "--kb", "other-kb"],
        vec!["sql", "SELECT * FROM evidence"],
        vec!["sparql", "SELECT * WHERE { ?s ?p ?o }"],
        vec![
            "sparql",
            "--format",
            "turtle",
            "CONSTRUCT WHERE { ?s ?p ?o }",
        ],
        vec!["query", "--list"],
        vec!["query", "evidence-for"],
        vec!["export"],
        vec!["info"],
        vec!["check"],
        vec!["report"],
        vec!["tables"],
        vec!["schema"],
        vec!["schema", "--sql"],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["locate", "rubio-visit-to-mexico-2025", "training"],
    ];
    for args in &commands {
        let mut child = dossier(tmp.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Both pipes closed before the command writes anything.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert!(
            matches!(status.code(), Some(0..=2)),
            "dossier {}: {status}",
            args.join(" ")
        );
    }
}
