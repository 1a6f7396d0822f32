//! `dossier publish` against the real servers: a PostgreSQL started for the test (`initdb` in a
//! temporary folder, a Unix socket, no network) and an Oxigraph server on 127.0.0.1 (the
//! `oxigraph` package from PyPI, which `scripts/interop-check` installs into target/py-venv).
//! Outside CI a missing server skips with a note; in CI (`CI` set) it fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use postgres::{Client, NoTls};

use crate::util::{built_bundled, dossier, follow_ups_workspace, root, stdout_of};

fn required<T>(what: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not installed: scripts/test installs it in CI");
    }
    eprintln!("skipped: {what} is not installed (scripts/test installs it)");
    None
}

/// A PostgreSQL server of its own, on a Unix socket in a temporary folder; stopped on drop.
pub(crate) struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
}

impl Postgres {
    pub(crate) fn start() -> Option<Postgres> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .find(|b| b.join("initdb").exists());
        let Some(bin) = bin else {
            return required("PostgreSQL (Debian's postgresql package)");
        };
        let dir = tempfile::tempdir().unwrap();
        // initdb refuses to run as root: as root (CI), the server runs as the package's user.
        let as_postgres = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        if as_postgres {
            Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let pg = Postgres {
            dir,
            bin,
            as_postgres,
        };
        let data = pg.dir.path().join("data");
        pg.run(
            "initdb",
            &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "dossier"],
        );
        let socket = pg.socket();
        pg.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &format!("-k {} -c listen_addresses=''", socket.display()),
                "-l",
                pg.dir.path().join("log").to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        Some(pg)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let out = cmd.args(args).stdin(Stdio::null()).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub(crate) fn socket(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    fn url(&self) -> String {
        format!(
            "host={} user=dossier dbname=postgres",
            self.socket().display()
        )
    }

    fn client(&self) -> Client {
        Client::connect(&self.url(), NoTls).unwrap()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = std::panic::catch_unwind(|| {
            self.run(
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"],
            )
        });
    }
}

/// The differences `dossier_stores::publish::check_postgres` finds between the knowledge base built in
/// `dir` and the copy published to `server` (every table and view, as multisets of rows).
fn differences(dir: &Path, server: &Postgres) -> Vec<String> {
    let target = dossier_stores::publish::PostgresTarget {
        url: Some(server.url()),
        schema: "dossier".into(),
        grant_read: None,
        layout: dossier_model::ddl::Layout::Single,
    };
    dossier_stores::publish::check_postgres(
        &dossier_stores::kb::KbPaths::new(dir.join("kb")),
        &target,
    )
    .unwrap()
}

#[test]
fn publish_to_postgresql_holds_every_row_key_view_and_description() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let tmp = follow_ups_workspace();
    dossier(tmp.path()).arg("build").output().unwrap();
    let out = stdout_of(dossier(tmp.path()).args(["publish", "--postgres", &server.url()]));
    assert!(
        out.contains("published generation 1 to PostgreSQL"),
        "{out}"
    );
    let mut pg = server.client();
    assert_eq!(differences(tmp.path(), &server), Vec::<String>::new());

    // Every named query answers on the published copy as on the SQLite store.
    named_queries_agree(tmp.path(), &server, dossier_model::ddl::Layout::Single);
    let out = stdout_of(dossier(tmp.path()).args([
        "query",
        "conditions-on",
        "--store",
        "postgres",
        "--postgres",
        &server.url(),
        "--format",
        "csv",
    ]));
    assert!(out.contains("training-must-take-place-in-mexico"), "{out}");

    // `check` agrees, and names a row changed by hand in PostgreSQL.
    let out = stdout_of(dossier(tmp.path()).args(["check", "--postgres", &server.url()]));
    assert!(
        out.contains("the copy published to PostgreSQL (schema dossier) agrees"),
        "{out}"
    );
    pg.batch_execute(
        "UPDATE dossier.conditions SET value = 'Texas' WHERE id = 'training-must-take-place-in-mexico'",
    )
    .unwrap();
    let out = dossier(tmp.path())
        .args(["check", "--postgres", &server.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("conditions: 8 rows built, 8 published") && err.contains("\"Texas\""),
        "{err}"
    );

    // PostgreSQL's own types, keys and full-text search.
    let typed: Vec<(String, String)> = pg
        .query(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
             WHERE table_schema = 'dossier' AND column_name IN ('start_date', 'is_current', 'rate_percent')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(
        typed.contains(&("event_timeline.start_date".into(), "date".into())),
        "{typed:?}"
    );
    assert!(
        typed.contains(&("statements.is_current".into(), "boolean".into())),
        "{typed:?}"
    );
    assert!(
        typed.contains(&("policies.rate_percent".into(), "numeric".into())),
        "{typed:?}"
    );
    let keys: i64 = pg
        .query_one(
            "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname = 'dossier' AND c.contype = 'f'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(keys > 40, "{keys} foreign keys");
    let found: i64 = pg
        .query_one(
            "SELECT count(*) FROM dossier.evidence WHERE search @@ to_tsquery('simple', 'sheinbaum')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(found > 0);
    // Every description of schema/sqlite.md, on its table, view or column, for BI tools.
    let documented = dossier_stores::datasette::documented().unwrap();
    let mut comments = 0;
    for (name, doc) in &documented {
        let relation = format!("dossier.{name}");
        let on_relation: Option<String> = pg
            .query_one("SELECT obj_description(to_regclass($1))", &[&relation])
            .unwrap()
            .get(0);
        assert_eq!(
            on_relation.as_deref(),
            Some(doc.description.as_str()),
            "{name}"
        );
        for (column, text) in &doc.columns {
            let on_column: Option<String> = pg
                .query_one(
                    "SELECT col_description(c.attrelid, c.attnum) FROM pg_attribute c
                     WHERE c.attrelid = to_regclass($1) AND c.attname = $2",
                    &[&relation, column],
                )
                .unwrap()
                .get(0);
            assert_eq!(on_column.as_deref(), Some(text.as_str()), "{name}.{column}");
            comments += 1;
        }
    }
    assert!(comments > 100, "{comments} column descriptions");
}

#[test]
fn publish_refuses_foreign_schemas_grants_read_and_replaces_whole() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let tmp = built_bundled();
    let mut pg = server.client();
    pg.batch_execute(
        "CREATE SCHEMA sales; CREATE TABLE sales.orders (id int); CREATE ROLE dashboards NOLOGIN;",
    )
    .unwrap();
    // The server trusts local connections, so the password goes nowhere; it must not be printed.
    let with_password = format!("{} password=hunter2-secret", server.url());
    let out = dossier(tmp.path())
        .args(["publish", "--postgres", &with_password, "--schema", "sales"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dossier did not create"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let out = stdout_of(dossier(tmp.path()).args([
        "publish",
        "--postgres",
        &with_password,
        "--schema",
        "fresh",
    ]));
    assert!(
        out.contains("schema fresh") && !out.contains("hunter2"),
        "{out}"
    );
    let untouched: i64 = pg
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'sales'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(untouched, 1);

    stdout_of(dossier(tmp.path()).args([
        "publish",
        "--postgres",
        &server.url(),
        "--grant-read",
        "dashboards",
    ]));
    let can_read: bool = pg
        .query_one(
            "SELECT has_table_privilege('dashboards', 'dossier.condition_overview', 'SELECT')
                AND NOT has_table_privilege('dashboards', 'dossier.events', 'INSERT')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(can_read);

    // A rebuild of the same seeds sends nothing: the published copy stays as it is.
    stdout_of(dossier(tmp.path()).arg("build"));
    let out = stdout_of(dossier(tmp.path()).args(["publish", "--postgres", &server.url()]));
    assert!(
        out.contains("already holds what generation 2 holds: nothing sent"),
        "{out}"
    );
    let generation: i64 = pg
        .query_one("SELECT generation FROM dossier.dossier_publication", &[])
        .unwrap()
        .get(0);
    assert_eq!(generation, 1);
    let leftovers: i64 = pg
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'dossier_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(leftovers, 0);

    // Another knowledge base (another base IRI) is refused where this one is published.
    let config = tmp.path().join("seeds/dossier.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let base = "https://w3id.org/dossier/kb/";
    assert!(text.contains(base));
    std::fs::write(&config, text.replace(base, "https://example.org/other/")).unwrap();
    stdout_of(dossier(tmp.path()).arg("build"));
    let out = dossier(tmp.path())
        .args(["publish", "--postgres", &server.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds another knowledge base"), "{err}");
}

/// Every named query answers on the copy published to `server` with the SQLite store's rows
/// (compared as multisets); most of them have rows to compare.
fn named_queries_agree(dir: &Path, server: &Postgres, layout: dossier_model::ddl::Layout) {
    let target = dossier_stores::publish::PostgresTarget {
        url: Some(server.url()),
        schema: "dossier".into(),
        grant_read: None,
        layout,
    };
    let sqlite = dossier_stores::sqlite::open_read_only(&dir.join("kb/dossier.sqlite")).unwrap();
    let timeout = Duration::from_secs(30);
    let mut answered = 0;
    for q in dossier_stores::queries::built_in().unwrap() {
        let params = q.bind(&[]).unwrap();
        let mut lite = dossier_stores::queries::run_sql(&sqlite, &q, &params, timeout).unwrap();
        let mut post =
            dossier_stores::publish::query_postgres(&target, &q, &params, timeout).unwrap();
        assert_eq!(lite.columns, post.columns, "{}", q.name);
        let key = |r: &Vec<serde_json::Value>| serde_json::to_string(r).unwrap();
        lite.rows.sort_by_key(key);
        post.rows.sort_by_key(key);
        assert_eq!(lite.rows, post.rows, "{}", q.name);
        answered += usize::from(!lite.rows.is_empty());
    }
    assert!(
        answered >= 18,
        "only {answered} named queries have rows to compare"
    );
}

#[test]
fn publish_laid_out_for_citus_holds_the_same_knowledge_base() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let bundled = built_bundled();
    let url = server.url();
    let citus = ["publish", "--citus", "--postgres", url.as_str()];
    let out = stdout_of(dossier(bundled.path()).args(citus));
    assert!(out.contains(": whole, "), "{out}");
    // This PostgreSQL has no citus extension: the layout is made and said to be unplaced.
    assert!(out.contains("Citus layout, not placed"), "{out}");
    let mut pg = server.client();
    let layout: String = pg
        .query_one("SELECT layout FROM dossier.dossier_publication", &[])
        .unwrap()
        .get(0);
    assert_eq!(layout, "citus");
    // A list's rows carry their owner's article, and the keys PostgreSQL checked hold it.
    let (rows, strays): (i64, i64) = {
        let r = pg
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE e.article_id IS DISTINCT FROM t.article_id)
                 FROM dossier.event_participants t LEFT JOIN dossier.events e ON e.id = t.event_id",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!(
        rows > 0 && strays == 0,
        "{rows} rows, {strays} with another article"
    );
    let composite: i64 = pg
        .query_one(
            "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname = 'dossier' AND c.contype = 'f' AND cardinality(c.conkey) = 2",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        composite >= 16,
        "{composite} foreign keys on (article_id, owner)"
    );
    assert_eq!(differences(bundled.path(), &server), Vec::<String>::new());
    named_queries_agree(bundled.path(), &server, dossier_model::ddl::Layout::Citus);

    // Article by article in the same layout; a change of layout is a whole publish.
    let follow_ups = follow_ups_workspace();
    stdout_of(dossier(follow_ups.path()).arg("build"));
    let out = stdout_of(dossier(follow_ups.path()).args(citus));
    assert!(out.contains("articles replaced, 0 removed"), "{out}");
    assert_eq!(
        differences(follow_ups.path(), &server),
        Vec::<String>::new()
    );
    named_queries_agree(
        follow_ups.path(),
        &server,
        dossier_model::ddl::Layout::Citus,
    );
    let out = stdout_of(dossier(follow_ups.path()).args(["publish", "--postgres", &url]));
    assert!(out.contains(": whole, ") && !out.contains("Citus"), "{out}");
    assert_eq!(
        differences(follow_ups.path(), &server),
        Vec::<String>::new()
    );
}

/// Publishing into a published copy replaces only the articles that changed, were added or were
/// removed, and ends equal to a whole publish of the same knowledge base, row for row.
#[test]
fn publishing_article_by_article_equals_a_whole_publish() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let bundled = built_bundled();
    let out = stdout_of(dossier(bundled.path()).args(["publish", "--postgres", &server.url()]));
    assert!(out.contains(": whole, "), "{out}");
    let follow_ups = follow_ups_workspace();
    stdout_of(dossier(follow_ups.path()).arg("build"));

    // The follow-ups add two articles and state values of the first article's records.
    let out = stdout_of(dossier(follow_ups.path()).args(["publish", "--postgres", &server.url()]));
    assert!(
        out.contains("3 articles replaced, 0 removed, 0 unchanged, shared rows replaced"),
        "{out}"
    );
    assert_eq!(
        differences(follow_ups.path(), &server),
        Vec::<String>::new()
    );
    // The same knowledge base published whole into another schema: the same rows, the same hashes.
    stdout_of(dossier(follow_ups.path()).args([
        "publish",
        "--postgres",
        &server.url(),
        "--schema",
        "whole",
    ]));
    let mut pg = server.client();
    let rows = |pg: &mut Client, schema: &str, table: &str| -> Vec<String> {
        pg.query(
            &format!("SELECT t::text FROM {schema}.{table} t ORDER BY 1"),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    for table in dossier_model::ddl::tables()
        .iter()
        .map(|t| t.name)
        .chain(["dossier_articles"])
    {
        assert_eq!(
            rows(&mut pg, "dossier", table),
            rows(&mut pg, "whole", table),
            "{table}"
        );
    }

    // Nothing changed: nothing sent. The follow-ups removed: their two articles go.
    let out = stdout_of(dossier(follow_ups.path()).args(["publish", "--postgres", &server.url()]));
    assert!(out.contains("nothing sent"), "{out}");
    let out = stdout_of(dossier(bundled.path()).args(["publish", "--postgres", &server.url()]));
    assert!(out.contains(" replaced, 2 removed, "), "{out}");
    assert_eq!(differences(bundled.path(), &server), Vec::<String>::new());
}

/// Waits (up to 10 s) until no other client is connected: the server rolls a killed session's
/// transaction back, and releases its locks, when it sees the socket close.
fn wait_for_other_sessions_to_end(pg: &mut Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let busy: i64 = pg
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0);
        if busy == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A publish killed at any moment leaves the published knowledge base whole: the one before
/// (the bundled article) or the new one (with the follow-ups), never a mix of the two.
#[test]
fn a_killed_publish_leaves_the_previous_knowledge_base_whole() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let before = built_bundled();
    stdout_of(dossier(before.path()).args(["publish", "--postgres", &server.url()]));
    let after = follow_ups_workspace();
    dossier(after.path()).arg("build").output().unwrap();
    let mut pg = server.client();
    let (mut old, mut new) = (0, 0);
    for i in 0..30u64 {
        let mut child: Child = dossier(after.path())
            .args(["publish", "--postgres", &server.url()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Spread over the whole publish (about 100 ms here), and past it.
        std::thread::sleep(Duration::from_millis((i * 7919) % 160));
        let _ = child.kill();
        child.wait().unwrap();
        wait_for_other_sessions_to_end(&mut pg);
        let from_old = differences(before.path(), &server);
        let from_new = differences(after.path(), &server);
        let (was_old, was_new) = (from_old.is_empty(), from_new.is_empty());
        assert!(
            was_old || was_new,
            "after kill {i}: neither knowledge base whole\nagainst the previous: {from_old:#?}\nagainst the new: {from_new:#?}"
        );
        if was_new {
            new += 1;
            // Back to the old one for the next kill.
            stdout_of(dossier(before.path()).args(["publish", "--postgres", &server.url()]));
        } else {
            old += 1;
        }
    }
    eprintln!("30 kills: {old} left the previous knowledge base, {new} came after the commit");
    assert!(old > 0, "no kill landed during a publish");
}

/// A whole publish loads on several connections into a staging schema it commits before the
/// swap: killed at any moment, the published schema is absent or whole, and the next publish
/// drops what the killed one left behind. A staging schema dossier did not make is refused.
#[test]
fn a_killed_whole_publish_is_cleaned_up_by_the_next_one() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let kb = built_bundled();
    let mut pg = server.client();
    let publish = || {
        dossier(kb.path())
            .args([
                "publish",
                "--postgres",
                &server.url(),
                "--schema",
                "dossier",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let schemas = |pg: &mut Client| -> Vec<String> {
        pg.query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'dossier%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    let (mut absent, mut whole, mut left) = (0, 0, 0);
    for i in 0..15u64 {
        let mut child = publish();
        // Spread over the whole publish (about 250 ms here), and past it.
        std::thread::sleep(Duration::from_millis((i * 7919) % 400));
        let _ = child.kill();
        child.wait().unwrap();
        wait_for_other_sessions_to_end(&mut pg);
        let now = schemas(&mut pg);
        if now.iter().any(|s| s == "dossier") {
            assert_eq!(differences(kb.path(), &server), Vec::<String>::new());
            whole += 1;
            pg.batch_execute("DROP SCHEMA dossier CASCADE").unwrap();
        } else {
            absent += 1;
        }
        left += usize::from(now.iter().any(|s| s == "dossier__publishing"));
    }
    eprintln!(
        "15 kills: {absent} left nothing published, {whole} a whole copy; {left} a staging schema"
    );
    assert!(
        left > 0,
        "no kill landed while a staging schema was loading"
    );
    let mut child = publish();
    assert!(child.wait().unwrap().success());
    assert_eq!(schemas(&mut pg), ["dossier"]);
    assert_eq!(differences(kb.path(), &server), Vec::<String>::new());

    // Two whole publishes at once: the second waits for the first's lock, then finds nothing
    // to send; neither drops the other's staging schema.
    pg.batch_execute("DROP SCHEMA dossier CASCADE").unwrap();
    let (mut first, mut second) = (publish(), publish());
    assert!(first.wait().unwrap().success() && second.wait().unwrap().success());
    assert_eq!(schemas(&mut pg), ["dossier"]);
    assert_eq!(differences(kb.path(), &server), Vec::<String>::new());

    // A staging schema dossier did not make is never dropped.
    pg.batch_execute(
        "CREATE SCHEMA other__publishing; CREATE TABLE other__publishing.kept (id int);",
    )
    .unwrap();
    let out = dossier(kb.path())
        .args(["publish", "--postgres", &server.url(), "--schema", "other"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("other__publishing exists and dossier did not create it"),
        "{err}"
    );
    pg.query_one("SELECT count(*) FROM other__publishing.kept", &[])
        .unwrap();
}

/// The Oxigraph server of the `oxigraph` package, on a free loopback port; stopped on drop.
pub(crate) struct Oxigraph {
    child: Child,
    url: String,
}

impl Oxigraph {
    fn start() -> Option<Oxigraph> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Oxigraph::start_on(port)
    }

    /// The server on this port of 127.0.0.1, over an in-memory store.
    pub(crate) fn start_on(port: u16) -> Option<Oxigraph> {
        let bin = root().join("target/py-venv/bin/oxigraph");
        if !bin.exists() {
            return required("the Oxigraph server (pip install oxigraph into target/py-venv)");
        }
        assert!(
            std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
            "port {port} of 127.0.0.1 is in use: stop what listens there"
        );
        let child = Command::new(bin)
            .args([
                "serve",
                "--union-default-graph",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the Oxigraph server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Oxigraph { child, url })
    }

    /// A SELECT's answer as CSV rows (header left out), sorted.
    fn select(&self, query: &str) -> Vec<String> {
        let text = ureq::post(&format!("{}/query", self.url))
            .header("Accept", "text/csv")
            .send_form([("query", query)])
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        let mut rows: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
        rows.sort();
        rows
    }

    /// A SELECT's answer from the server's JSON results, each row normalised as dossier's
    /// named queries normalise theirs, sorted (the rows compare as multisets).
    fn select_normalized(&self, query: &str) -> (Vec<String>, Vec<String>) {
        use dossier_stores::sparql::RdfTerm;
        let text = ureq::post(&format!("{}/query", self.url))
            .header("Accept", "application/sparql-results+json")
            .send_form([("query", query)])
            .unwrap_or_else(|e| panic!("the server refused {query}: {e}"))
            .into_body()
            .read_to_string()
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let columns: Vec<String> = json["head"]["vars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        let term = |cell: &serde_json::Value| -> Option<RdfTerm> {
            let value = cell["value"].as_str()?.to_owned();
            Some(match cell["type"].as_str()? {
                "uri" => RdfTerm::Iri(value),
                "bnode" => RdfTerm::BlankNode(value),
                _ => RdfTerm::Literal {
                    value,
                    datatype: cell["datatype"]
                        .as_str()
                        .unwrap_or("http://www.w3.org/2001/XMLSchema#string")
                        .to_owned(),
                    language: cell["xml:lang"].as_str().map(str::to_owned),
                },
            })
        };
        let mut rows: Vec<String> = json["results"]["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                let row: Vec<serde_json::Value> = columns
                    .iter()
                    .map(|c| dossier_stores::queries::normalize_rdf(term(&b[c.as_str()]).as_ref()))
                    .collect();
                serde_json::to_string(&row).unwrap()
            })
            .collect();
        rows.sort();
        (columns, rows)
    }
}

impl Drop for Oxigraph {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// dossier's own answer to a SELECT, as CSV rows, sorted.
fn dossier_select(dir: &Path, query: &str) -> Vec<String> {
    let text = stdout_of(dossier(dir).args(["sparql", "--format", "csv", query]));
    let mut rows: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
    rows.sort();
    rows
}

const PER_GRAPH: &str = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g";
const PER_CLASS: &str = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c";
const QUOTES: &str = "PREFIX oa: <http://www.w3.org/ns/oa#>
    SELECT ?body ?exact WHERE { ?a oa:hasBody ?body ; oa:hasTarget/oa:hasSelector/oa:exact ?exact }";

#[test]
fn publish_to_a_graph_store_sends_only_what_changed() {
    let Some(server) = Oxigraph::start() else {
        return;
    };
    let tmp = follow_ups_workspace();
    dossier(tmp.path()).arg("build").output().unwrap();
    let store = format!("{}/store", server.url);
    let out = stdout_of(dossier(tmp.path()).args(["publish", "--graph-store", &store]));
    assert!(out.contains("4 graphs sent"), "{out}");
    // Each article's graph, the default graph's triples and the answers are dossier's own.
    let publication = "https://w3id.org/dossier/kb/publication";
    let without_publication = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .filter(|r| !r.starts_with(publication))
            .collect()
    };
    assert_eq!(
        without_publication(server.select(PER_GRAPH)),
        dossier_select(tmp.path(), PER_GRAPH)
    );
    for query in [PER_CLASS, QUOTES] {
        assert_eq!(
            server.select(query),
            dossier_select(tmp.path(), query),
            "{query}"
        );
    }

    // Every named query's SPARQL form (prefixes expanded, parameters bound to their defaults)
    // answers on the server with the rows it answers in dossier.
    let paths = dossier_stores::kb::KbPaths::new(tmp.path().join("kb"));
    let conn = dossier_stores::sqlite::open_read_only(&paths.database()).unwrap();
    let base = dossier_stores::sqlite::base_iri(&conn).unwrap();
    let graph = dossier_stores::sparql::Store::open(&paths.index(), &base).unwrap();
    let named = dossier_stores::queries::built_in().unwrap();
    assert!(named.len() >= 20, "{} named queries", named.len());
    let mut answered = 0;
    for q in &named {
        let params = q.bind(&[]).unwrap();
        let text = q.bound_sparql(&graph, &params).unwrap().to_string();
        let ours = dossier_stores::queries::run_sparql(&graph, q, &params).unwrap();
        let mut our_rows: Vec<String> = ours
            .rows
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        our_rows.sort();
        let (columns, theirs) = server.select_normalized(&text);
        assert_eq!(columns, ours.columns, "{}: columns", q.name);
        assert_eq!(
            theirs, our_rows,
            "{}: the Oxigraph server's rows differ",
            q.name
        );
        answered += usize::from(!our_rows.is_empty());
    }
    // An empty answer everywhere would agree too: most queries must have rows to compare.
    assert!(
        answered * 4 >= named.len() * 3,
        "only {answered} named queries have rows"
    );

    // Unchanged: nothing sent.
    let out = stdout_of(dossier(tmp.path()).args(["publish", "--graph-store", &store]));
    assert!(
        out.contains("0 graphs sent (0 triples), 4 unchanged, 0 deleted"),
        "{out}"
    );

    // The follow-ups removed: their graphs deleted, the others sent again where they changed.
    let seeds = tmp.path().join("seeds");
    std::fs::remove_dir_all(&seeds).unwrap();
    crate::util::copy_dir(&root().join("seeds"), &seeds);
    stdout_of(dossier(tmp.path()).arg("build"));
    let out = stdout_of(dossier(tmp.path()).args(["publish", "--graph-store", &store]));
    assert!(out.contains("2 deleted"), "{out}");
    let name = "the follow-ups";
    assert_eq!(
        without_publication(server.select(PER_GRAPH)),
        dossier_select(tmp.path(), PER_GRAPH),
        "after removing {name}"
    );
    assert_eq!(server.select(QUOTES), dossier_select(tmp.path(), QUOTES));

    // Through Oxigraph's bulk loader: the follow-ups again (two new graphs, the default graph
    // changed: deleted, then posted as N-Quads), the same graphs and answers; then nothing.
    let again = follow_ups_workspace();
    stdout_of(dossier(again.path()).arg("build"));
    let bulk = ["publish", "--graph-store", store.as_str(), "--bulk"];
    let out = stdout_of(dossier(again.path()).args(bulk));
    assert!(
        !out.contains(": 0 graphs sent") && out.contains(", 0 deleted"),
        "{out}"
    );
    assert_eq!(
        without_publication(server.select(PER_GRAPH)),
        dossier_select(again.path(), PER_GRAPH)
    );
    for query in [PER_CLASS, QUOTES] {
        assert_eq!(
            server.select(query),
            dossier_select(again.path(), query),
            "{query}"
        );
    }
    let out = stdout_of(dossier(again.path()).args(bulk));
    assert!(out.contains("0 graphs sent"), "{out}");
}

/// When more than half of many articles changed, replacing them one by one would delete and
/// re-check most rows: the publish is whole instead, and equal all the same.
#[test]
fn a_publish_where_most_of_many_articles_changed_is_whole() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let seeds = tmp.path().join("seeds");
    let url = server.url();
    let publish = ["publish", "--postgres", url.as_str()];
    let records = (dossier_stores::publish::MOST_ARTICLES + 20) * 100;
    crate::scale::generate(records, 7, &seeds);
    stdout_of(dossier(tmp.path()).arg("build"));
    stdout_of(dossier(tmp.path()).args(publish));
    // Another seed: every article's content differs.
    std::fs::remove_dir_all(&seeds).unwrap();
    crate::scale::generate(records, 8, &seeds);
    stdout_of(dossier(tmp.path()).arg("build"));
    let out = stdout_of(dossier(tmp.path()).args(publish));
    assert!(out.contains(": whole, "), "{out}");
    assert_eq!(differences(tmp.path(), &server), Vec::<String>::new());
    // One article changed: replaced alone.
    let facts = seeds.join("article-00003/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    let changed = regex::Regex::new(r#"label = "([^"]*)""#)
        .unwrap()
        .replace(&text, r#"label = "$1 (revised)""#)
        .into_owned();
    assert_ne!(changed, text);
    std::fs::write(&facts, changed).unwrap();
    stdout_of(dossier(tmp.path()).arg("build"));
    let out = stdout_of(dossier(tmp.path()).args(publish));
    assert!(out.contains(": 1 articles replaced, 0 removed, "), "{out}");
    assert_eq!(differences(tmp.path(), &server), Vec::<String>::new());
}
