//! Named queries answered by both stores, and `dossier check`.

use crate::util::*;

fn query_names() -> Vec<String> {
    dossier_stores::queries::load_all(&root().join("schema/queries"))
        .unwrap()
        .into_iter()
        .map(|q| q.name)
        .collect()
}

#[test]
fn every_named_query_agrees_across_stores() {
    let names = query_names();
    assert!(names.len() >= 12, "{names:?}");
    // The bundled seeds; with a second article; and with the follow-ups too, whose stated
    // values fill the queries over statements. Each query answers in at least one of them.
    let mut answered: std::collections::BTreeSet<String> = Default::default();
    for config in 0..3 {
        let tmp = if config == 2 {
            follow_ups_workspace()
        } else {
            workspace_with(&root().join("seeds"))
        };
        if config >= 1 {
            copy_dir(
                &fixtures().join("second-article"),
                &tmp.path().join("seeds"),
            );
        }
        dossier(tmp.path()).arg("build").assert_success();
        std::fs::create_dir_all(tmp.path().join("schema")).unwrap();
        copy_dir(
            &root().join("schema/queries"),
            &tmp.path().join("schema/queries"),
        );
        for name in &names {
            let out = stdout_of(dossier(tmp.path()).args(["query", name, "--format", "json"]));
            let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
            if !rows.is_empty() {
                answered.insert(name.clone());
            }
            // Each store alone gives the same rows (the comparison is order-free).
            let sorted = |s: &str| {
                let mut v: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(s)
                    .unwrap()
                    .iter()
                    .map(|r| r.to_string())
                    .collect();
                v.sort();
                v
            };
            let sql = stdout_of(
                dossier(tmp.path()).args(["query", name, "--store", "sql", "--format", "json"]),
            );
            let rdf = stdout_of(
                dossier(tmp.path()).args(["query", name, "--store", "rdf", "--format", "json"]),
            );
            assert_eq!(sorted(&sql), sorted(&rdf), "{name}");
            // Both stores: compared as multisets, printed in the SQL store's order (the order
            // its ORDER BY asks for).
            assert_eq!(out, sql, "{name}: --store both does not keep the SQL order");
        }
    }
    let silent: Vec<&String> = names.iter().filter(|n| !answered.contains(*n)).collect();
    assert!(
        silent.is_empty(),
        "these queries answer nothing on any test seeds: {silent:?}"
    );
}

#[test]
fn list_names_every_query_with_its_parameters() {
    let out = stdout_of(dossier(&root()).args(["query", "--list"]));
    for name in query_names() {
        assert!(out.contains(&name), "{name} missing from --list");
    }
    assert!(out.contains("--param agreement=VALUE"), "{out}");
}

#[test]
fn parameters_are_plain_values_in_both_languages() {
    let tmp = built_bundled();
    let hostile = r#"x" } UNION { ?s ?p ?o } #'; DROP TABLE actors; --"#;
    for name in ["actor-activity", "evidence-for"] {
        let param = if name == "actor-activity" {
            "actor"
        } else {
            "record"
        };
        let out = stdout_of(dossier(tmp.path()).current_dir(root()).args([
            "query",
            name,
            "--kb",
            tmp.path().join("kb").to_str().unwrap(),
            "--format",
            "json",
            "--param",
            &format!("{param}={hostile}"),
        ]));
        assert_eq!(out.trim(), "[]", "{name}: {out}");
    }
    let out = stdout_of(dossier(&root()).args([
        "query",
        "conditions-on",
        "--kb",
        tmp.path().join("kb").to_str().unwrap(),
        "--format",
        "csv",
        "--param",
        "agreement=intelligence-sharing",
    ]));
    assert!(
        out.contains("intelligence-sharing-limited-to-own-territory"),
        "{out}"
    );
}

#[test]
fn unknown_query_or_parameter_is_explained() {
    let out = dossier(&root())
        .args(["query", "timelin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean 'timeline'"));
    let out = dossier(&root())
        .args(["query", "timeline", "--param", "x=1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no parameter 'x'"));
}

#[test]
fn check_passes_on_a_fresh_build() {
    let tmp = built_bundled();
    let out = stdout_of(dossier(tmp.path()).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
    assert!(out.contains("107 quotes checked"), "{out}");
}

#[test]
fn an_edited_database_is_caught_and_named() {
    let tmp = built_bundled();
    let conn = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    conn.execute(
        "UPDATE conditions SET value = 'Texas' WHERE id = 'training-must-take-place-in-mexico'",
        [],
    )
    .unwrap();
    drop(conn);
    let out = dossier(tmp.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("condition 'training-must-take-place-in-mexico', field value: database \"Texas\", graph \"Mexico\""),
        "{stderr}"
    );
    // The named query that reads that field now disagrees, with a row-level diff.
    let out = dossier(tmp.path())
        .current_dir(root())
        .args([
            "query",
            "conditions-on",
            "--kb",
            tmp.path().join("kb").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("- sql only:") && stderr.contains("Texas"),
        "{stderr}"
    );
    assert!(stderr.contains("+ rdf only:"), "{stderr}");
}

#[test]
fn a_triple_removed_from_the_graph_is_caught_and_named() {
    let tmp = built_bundled();
    let ttl = tmp.path().join("kb/dossier.ttl");
    let text = std::fs::read_to_string(&ttl).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("schema:roleName \"Secretary of State\""))
        .expect("the role's title in the Turtle");
    assert!(
        line.ends_with(';'),
        "removing {line:?} keeps the Turtle valid"
    );
    std::fs::write(&ttl, text.replacen(&format!("{line}\n"), "", 1)).unwrap();
    let out = dossier(tmp.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the Turtle file and the indexed graph hold different triples: 0 only in the Turtle, 1 quads of the index not in the Turtle")
            && stderr.contains("in the indexed graph, not in the Turtle: <https://w3id.org/dossier/kb/role/")
            && stderr.contains("<https://schema.org/roleName> \"Secretary of State\""),
        "{stderr}"
    );
}

/// The named queries travel with the binary: `dossier query` works from a folder that has no
/// `schema/queries`, and `--queries DIR` adds queries or replaces built-in ones by name.
#[test]
fn named_queries_are_built_in_and_a_folder_adds_or_replaces() {
    let tmp = built_bundled();
    assert!(!tmp.path().join("schema").exists());
    let built_in: Vec<String> = dossier_stores::queries::built_in()
        .unwrap()
        .into_iter()
        .map(|q| q.name)
        .collect();
    assert_eq!(built_in, query_names());
    let rows = stdout_of(dossier(tmp.path()).args(["query", "timeline", "--format", "csv"]));
    assert!(rows.lines().count() > 3, "{rows}");

    let extra = tmp.path().join("mine");
    std::fs::create_dir(&extra).unwrap();
    std::fs::write(
        extra.join("timeline.toml"),
        "description = \"Only the first event\"\n\
         sql = \"SELECT id AS event FROM events ORDER BY id LIMIT 1\"\n\
         sparql = \"SELECT ?event WHERE { ?e a dos:Event ; dcterms:identifier ?event } ORDER BY ?event LIMIT 1\"\n",
    )
    .unwrap();
    std::fs::write(
        extra.join("actor-count.toml"),
        "description = \"How many actors\"\n\
         sql = \"SELECT count(*) AS actors FROM actors\"\n\
         sparql = \"SELECT (COUNT(?a) AS ?actors) WHERE { ?a a dos:Actor }\"\n",
    )
    .unwrap();
    let list = stdout_of(dossier(tmp.path()).args(["query", "--list", "--queries", "mine"]));
    assert!(list.contains("actor-count  How many actors"), "{list}");
    assert!(list.contains("timeline  Only the first event"), "{list}");
    assert!(list.contains("roles  "), "the built-in ones stay: {list}");
    let one = stdout_of(dossier(tmp.path()).args([
        "query",
        "timeline",
        "--queries",
        "mine",
        "--format",
        "csv",
    ]));
    assert_eq!(one.lines().count(), 2, "{one}");
    let count = stdout_of(dossier(tmp.path()).args([
        "query",
        "actor-count",
        "--queries",
        "mine",
        "--format",
        "csv",
    ]));
    assert_eq!(count, "actors\n14\n");
}

#[test]
fn questions_across_articles_name_the_article_behind_each_row() {
    let tmp = workspace_with(&root().join("seeds"));
    copy_dir(
        &fixtures().join("second-article"),
        &tmp.path().join("seeds"),
    );
    dossier(tmp.path()).arg("build").assert_success();
    let both = |name: &str| {
        stdout_of(dossier(tmp.path()).args(["query", name, "--store", "both", "--format", "csv"]))
    };
    // Rubio's activity gathers both articles, each row with its own.
    let activity = both("actor-full-activity");
    for row in [
        "rubio-calls-meeting-productive,claim,claimant,follow-up-brief",
        "rubio-calls-meeting-productive,claim,asserts (assessment),follow-up-brief",
        "rubio-mexico-visit,event,participant (visitor),rubio-visit-to-mexico-2025",
        "rubio-met-sheinbaum,relation,subject of met,rubio-visit-to-mexico-2025",
    ] {
        assert!(
            activity.lines().any(|l| l == row),
            "{row} not in\n{activity}"
        );
    }
    // The timeline interleaves the articles by date: September's visit (first article), then
    // October's announcement (second), then the undated events.
    let timeline = both("timeline-by-source");
    let dated: Vec<(&str, &str)> = timeline
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.splitn(6, ',').collect();
            (cells[1], cells[4])
        })
        .take_while(|(date, _)| !date.is_empty())
        .collect();
    assert_eq!(
        dated,
        [
            ("2025-09", "rubio-visit-to-mexico-2025"),
            ("2025-10-12", "follow-up-brief")
        ]
    );
}

/// `timeline-by-source` gives one event's quotes in the order the article has them, in both
/// stores alike: the boat strike's three quotes come as the text has them, not sorted by their
/// words (the graph's form once sorted "The attack on the Venezuelan vessel" first).
#[test]
fn timeline_by_source_orders_quotes_as_the_text_has_them_in_both_stores() {
    let tmp = built_bundled();
    let rows = |store: &str| {
        stdout_of(dossier(tmp.path()).args([
            "query",
            "timeline-by-source",
            "--store",
            store,
            "--format",
            "csv",
        ]))
        .replace("\r\n", "\n")
    };
    let sql = rows("sql");
    assert_eq!(sql, rows("rdf"));
    let strike: Vec<&str> = sql
        .lines()
        .filter(|l| l.starts_with("venezuelan-boat-strike,"))
        .collect();
    assert_eq!(strike.len(), 3, "{sql}");
    assert!(strike[0].contains("the attack on a Venezuelan boat that killed 11 people"));
    assert!(strike[1].contains("the attack in the Caribbean"));
    assert!(strike[2].contains("The attack on the Venezuelan vessel, ordered by Trump"));
}

/// A named query is bounded in each store, as `dossier sql` and `dossier sparql` are: its
/// SPARQL ran without any bound before the library's front door ran both.
#[test]
fn a_runaway_named_query_stops_at_its_bounds_in_either_store() {
    let tmp = built_bundled();
    let mine = tmp.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(
        mine.join("runaway.toml"),
        "description = \"Never ends\"\n\
         sql = \"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) AS n FROM n\"\n\
         sparql = \"SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\"\n",
    )
    .unwrap();
    let stopped = |store: &str, bound: &str, value: &str| {
        let out = dossier(tmp.path())
            .args([
                "query",
                "runaway",
                "--queries",
                "mine",
                "--store",
                store,
                bound,
                value,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{store} {bound}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for store in ["rdf", "sql", "both"] {
        let stderr = stopped(store, "--timeout-ms", "300");
        assert!(
            stderr.contains("interrupted after 300 ms"),
            "{store}: {stderr}"
        );
    }
    let stderr = stopped("rdf", "--max-memory-mb", "1");
    assert!(
        stderr.contains("stopped when the process held more than 1 MiB"),
        "{stderr}"
    );
}

/// Rows of a query through the library, as strings.
#[derive(Default)]
struct Gathered(Vec<String>, Vec<Vec<String>>);

impl dossier::RowSink for Gathered {
    fn columns(&mut self, names: &[String]) -> anyhow::Result<()> {
        self.0 = names.to_vec();
        Ok(())
    }
    fn row(&mut self, values: &[rusqlite::types::Value]) -> anyhow::Result<()> {
        self.1
            .push(values.iter().map(|v| format!("{v:?}")).collect());
        Ok(())
    }
}

/// The library's front door, as a program that uses dossier would call it: validate and build
/// from seeds, then SQL, SPARQL and a named query within bounds, and check.
#[test]
fn the_front_door_builds_queries_within_bounds_and_checks() {
    use dossier::{Bounds, Kb, Outrun, QueryStop, Stores};
    // Only what the front door re-exports, as a program that uses the library would.
    let silent = &dossier::Silent;
    let tmp = workspace_with(&root().join("seeds"));
    let kb = Kb::at(tmp.path().join("kb"));
    let seeds = Kb::validate(&tmp.path().join("seeds"), silent).unwrap();
    let built = kb.build(seeds, &Default::default(), silent).unwrap();
    assert_eq!(built.generation, 1);

    let mut rows = Gathered::default();
    kb.sql(
        "SELECT id FROM actors WHERE id = :id",
        &[("id".to_owned(), "marco-rubio".to_owned())],
        Bounds::SQL,
        &mut rows,
    )
    .unwrap();
    assert_eq!(rows.0, ["id"]);
    assert_eq!(rows.1, [[r#"Text("marco-rubio")"#]]);
    let refused = kb.sql(
        "DELETE FROM actors",
        &[],
        Bounds::SQL,
        &mut Gathered::default(),
    );
    assert!(matches!(refused, Err(dossier::QueryError::Write)));

    let count = |bounds: Bounds, query: &str| {
        kb.sparql(query, &[], bounds, |store, parsed, cancel| {
            match store.query_cancellable(parsed, cancel)? {
                dossier::Answer::Select { rows, .. } => Ok(rows.len()),
                _ => anyhow::bail!("a SELECT answers with rows"),
            }
        })
    };
    let actors = count(Bounds::SPARQL, "SELECT ?a WHERE { ?a a dos:Actor }").unwrap();
    assert_eq!(actors, 14);
    let runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";
    match count(Bounds::new(200, 4096), runaway) {
        Err(QueryStop::Outrun(Outrun::Time, bounds)) => assert_eq!(bounds.time_ms(), 200),
        other => panic!(
            "the runaway query was not stopped: {:?}",
            other.map_err(|e| e.to_string())
        ),
    }
    assert!(matches!(
        count(Bounds::SPARQL, "SELECT ?a WHERE { ?a"),
        Err(QueryStop::Query(_))
    ));

    let all = dossier::built_in_queries().unwrap();
    let q = dossier::find_query(&all, "actor-activity").unwrap();
    let given = [("actor".to_owned(), "marco-rubio".to_owned())];
    let both = kb
        .named_query(&q, &given, Stores::Both, Bounds::NAMED_QUERY)
        .unwrap();
    let graph = kb
        .named_query(&q, &given, Stores::Graph, Bounds::NAMED_QUERY)
        .unwrap();
    // Both stores agreed (as multisets): the SQL rows are the graph's.
    let sorted = |rows: &dossier::Rows| {
        let mut rows: Vec<String> = rows.rows.iter().map(|r| format!("{r:?}")).collect();
        rows.sort();
        rows
    };
    assert!(both.rows.len() > 5);
    assert_eq!(sorted(&both), sorted(&graph));
    let unknown = [("nobody".to_owned(), "x".to_owned())];
    assert!(matches!(
        kb.named_query(&q, &unknown, Stores::Sqlite, Bounds::NAMED_QUERY),
        Err(QueryStop::Refused(_))
    ));

    let report = kb.check(&Default::default(), silent).unwrap();
    assert!(report.drift.is_empty(), "{:?}", report.drift);
    assert!(report.fields_compared > 100);
}
