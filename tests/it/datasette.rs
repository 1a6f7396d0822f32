//! `kb/datasette.json` and the full-text indexes: what the metadata describes against the
//! built database, and the real Datasette (from `target/py-venv`, which
//! `scripts/interop-check` installs) serving the built knowledge base.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Succeeds, built_bundled, dossier, follow_ups_workspace, root, stdout_of};

fn metadata(kb: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(kb.join("datasette.json")).unwrap()).unwrap()
}

/// Every table and view of the database with its columns (generated ones included), the
/// full-text indexes aside.
fn database_columns(db: &Path) -> Vec<(String, String, Vec<String>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let objects: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    objects
        .into_iter()
        .filter(|(name, _)| !dossier_model::mapping::is_full_text_table(name))
        .map(|(name, kind)| {
            let columns = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_xinfo('{name}') WHERE hidden != 1"
                ))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            (name, kind, columns)
        })
        .collect()
}

#[test]
fn the_metadata_describes_every_table_view_and_column_and_every_named_query() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let meta = metadata(&kb);
    assert_eq!(
        meta["title"],
        "dossier: curated facts on US–Mexico security relations"
    );
    assert_eq!(
        meta["license_url"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
    let tables = &meta["databases"]["dossier"]["tables"];
    let mut missing = Vec::new();
    for (name, kind, columns) in database_columns(&kb.join("dossier.sqlite")) {
        let described = &tables[&name];
        if described["description"]
            .as_str()
            .is_none_or(|d| d.len() <= 10)
        {
            missing.push(format!("the {kind} {name}"));
        }
        // Views too: a dashboard shows their columns' descriptions as much as a table's.
        {
            for column in &columns {
                if !described["columns"][column].is_string() {
                    missing.push(format!("{name}.{column}"));
                }
            }
            let extra: Vec<&String> = described["columns"]
                .as_object()
                .unwrap()
                .keys()
                .filter(|c| !columns.contains(c))
                .collect();
            assert!(
                extra.is_empty(),
                "{name}: described, not in the database: {extra:?}"
            );
        }
    }
    assert!(
        missing.is_empty(),
        "not described in schema/sqlite.md: {missing:?}"
    );
    assert_eq!(tables["evidence"]["fts_table"], "evidence_fts");
    assert_eq!(tables["articles"]["fts_table"], "articles_fts");
    assert_eq!(tables["actors"]["label_column"], "name");
    assert_eq!(tables["events"]["sort"], "date");
    // The same words as the reference page.
    let page = std::fs::read_to_string(root().join("schema/sqlite.md")).unwrap();
    assert!(page.contains("| `quote` | the exact words of the article, character for character |"));
    assert_eq!(
        tables["evidence"]["columns"]["quote"],
        "the exact words of the article, character for character"
    );

    let queries = meta["databases"]["dossier"]["queries"].as_object().unwrap();
    let named: BTreeSet<String> = dossier_stores::queries::built_in()
        .unwrap()
        .into_iter()
        .map(|q| {
            let canned = &queries[&q.name];
            assert_eq!(canned["sql"], q.sql.trim(), "{}", q.name);
            let params: Vec<&str> = q.params.keys().map(String::as_str).collect();
            assert_eq!(canned["params"], serde_json::json!(params), "{}", q.name);
            assert!(
                canned["description"]
                    .as_str()
                    .unwrap()
                    .starts_with(&q.description)
            );
            q.name
        })
        .collect();
    assert_eq!(queries.keys().cloned().collect::<BTreeSet<_>>(), named);

    // Written into the generation and listed in its manifest, like the stores.
    let manifest = std::fs::read_to_string(kb.join("current/manifest.json")).unwrap();
    assert!(manifest.contains("\"datasette.json\""), "{manifest}");
    assert_eq!(
        std::fs::read_link(kb.join("datasette.json")).unwrap(),
        Path::new("current/datasette.json")
    );
}

/// The full-text index answers through `dossier sql`, ignoring case and accents, with the rows
/// whose quote holds the word.
#[test]
fn the_full_text_index_answers_match_queries() {
    let tmp = built_bundled();
    let search = |words: &str| -> Vec<String> {
        let out = stdout_of(dossier(tmp.path()).args([
            "sql",
            "--format",
            "csv",
            "--param",
            &format!("words={words}"),
            "SELECT e.quote FROM evidence e WHERE e.rowid IN \
             (SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH :words) ORDER BY e.id",
        ]));
        out.lines().skip(1).map(str::to_owned).collect()
    };
    let tariffs = search("tariffs");
    assert!(tariffs.len() >= 2, "{tariffs:?}");
    assert!(tariffs.iter().all(|q| q.to_lowercase().contains("tariffs")));
    assert_eq!(search("TARIFFS"), tariffs);
    // Diacritics are removed from the index and from the query alike.
    let accented = search("México");
    assert!(!accented.is_empty());
    assert_eq!(search("mexico"), accented);
    assert!(search("nonexistentword").is_empty());
}

/// The Datasette executable of the project's Python environment, or None outside CI when it
/// is not installed (`scripts/interop-check` installs it).
fn datasette() -> Option<PathBuf> {
    let path = root().join("target/py-venv/bin/datasette");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing, and CI must run Datasette: run scripts/interop-check",
        path.display()
    );
    eprintln!(
        "Datasette is not installed ({}): run scripts/interop-check to test with it",
        path.display()
    );
    None
}

/// A running `datasette serve`, stopped when dropped (also when a test fails).
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(datasette: &Path, kb: &Path) -> Server {
        // Port 0: the system picks a free one, and Uvicorn says which on standard error.
        let mut child = Command::new(datasette)
            .arg("serve")
            .arg(kb.join("dossier.sqlite"))
            .arg("-m")
            .arg(kb.join("datasette.json"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("datasette starts");
        let stderr = child.stderr.take().unwrap();
        let (found, address) = std::sync::mpsc::channel();
        // Read on a thread until the address shows, then drained, so the pipe never fills.
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut sent = false;
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if !sent && let Some(at) = line.find("http://127.0.0.1:") {
                    let url: String = line[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = found.send(url);
                    sent = true;
                }
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
        };
        server.base = match address.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url.trim_end_matches('/').to_owned(),
            Err(_) => panic!(
                "datasette did not say where it listens within a minute: {:?}",
                server.child.try_wait()
            ),
        };
        let started = Instant::now();
        loop {
            if ureq::get(&format!("{}/-/versions.json", server.base))
                .call()
                .is_ok()
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("datasette exited before answering: {status}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "datasette did not answer within a minute"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn json(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.base);
        let mut response = ureq::get(&url)
            .call()
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a query-string value.
fn encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Numbers as floating point: Datasette writes a REAL that holds a whole number as `30.0`,
/// `dossier query` (which normalises numbers to compare the two stores) as `30`.
fn same_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(same_numbers).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, same_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn datasette_serves_the_canned_queries_search_and_descriptions() {
    let Some(datasette) = datasette() else { return };
    // The bundled article with the follow-ups, so the queries over stated values answer too.
    let tmp = follow_ups_workspace();
    dossier(tmp.path()).arg("build").assert_success();
    let kb = tmp.path().join("kb");
    let server = Server::start(&datasette, &kb);

    // Every named query, with its default parameters, answers in Datasette as in dossier.
    for q in dossier_stores::queries::built_in().unwrap() {
        let params: String = q
            .params
            .iter()
            .map(|(name, p)| format!("&{name}={}", encoded(&p.default)))
            .collect();
        let served = server.json(&format!("/dossier/{}.json?_shape=array{params}", q.name));
        let ours: Value = serde_json::from_str(&stdout_of(
            dossier(tmp.path()).args(["query", &q.name, "--store", "sql", "--format", "json"]),
        ))
        .unwrap();
        assert_eq!(
            same_numbers(served),
            same_numbers(ours.clone()),
            "the canned query {}",
            q.name
        );
        assert!(
            !ours.as_array().unwrap().is_empty(),
            "{} answers nothing with its defaults: the comparison proves little",
            q.name
        );
    }

    // A full-text search gives exactly the evidence whose quote holds the word.
    let found = server.json("/dossier/evidence.json?_search=tariffs&_shape=array&_size=max");
    let ids: BTreeSet<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT id FROM evidence WHERE lower(quote) LIKE '%tariffs%'",
    ]))
    .lines()
    .skip(1)
    .map(str::to_owned)
    .collect();
    assert!(expected.len() >= 2);
    assert_eq!(ids, expected);
    let articles = server.json("/dossier/articles.json?_search=Sheinbaum&_shape=array");
    assert_eq!(articles[0]["id"], "rubio-visit-to-mexico-2025");

    // The knowledge base's title and the descriptions reach Datasette.
    let served = server.json("/-/metadata.json");
    assert_eq!(served["title"], metadata(&kb)["title"]);
    assert_eq!(
        served["databases"]["dossier"]["tables"]["evidence"]["columns"]["quote"],
        "the exact words of the article, character for character"
    );
    let page = ureq::get(&format!("{}/dossier/evidence", server.base))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        page.contains("the exact words of the article"),
        "the table page shows the column descriptions"
    );
    assert!(
        page.contains("name=\"_search\""),
        "the table page has a search box"
    );
}
