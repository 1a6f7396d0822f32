//! A knowledge base that is always whole: builds killed at any moment, builds racing for one
//! folder, and readers running while builds finish.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dossier_stores::kb::KbPaths;

use crate::util::*;

fn binary() -> std::path::PathBuf {
    crate::util::binary()
}

fn start_build(seeds: &Path, kb: &Path) -> Child {
    Command::new(binary())
        .args(["build", "--quiet", "--seeds"])
        .arg(seeds)
        .arg("--kb")
        .arg(kb)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The folder holds one complete generation, current, that `check` accepts in full: both
/// stores agree, the N-Quads hold the Turtle's triples, every file is the one its manifest
/// names. Returns the generation's number.
fn assert_whole(kb: &Path) -> u64 {
    let paths = KbPaths::new(kb);
    assert_ne!(
        paths.generation(),
        kb,
        "no current generation in {}",
        kb.display()
    );
    let conn = dossier_stores::sqlite::open_read_only(&paths.database()).unwrap();
    let mut report = dossier_stores::check::check(&conn, &paths.index()).unwrap();
    dossier_stores::check::compare_graph_files(
        &mut report,
        &paths.turtle(),
        &paths.nquads(),
        &dossier_stores::index::Index::open(&paths.index()).unwrap(),
        Default::default(),
    )
    .unwrap();
    report
        .drift
        .extend(dossier_stores::kb::verify_manifest(&paths).unwrap());
    assert!(report.agrees(), "{:?}", report.drift);
    dossier_stores::kb::read_manifest(&paths)
        .unwrap()
        .generation
}

/// What the folder holds besides the lock, the links and the generations.
fn leftovers(kb: &Path) -> Vec<String> {
    std::fs::read_dir(kb)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn generation_folders(kb: &Path) -> usize {
    generation_names(kb).len()
}

/// The names of the generation folders in `kb`, oldest first.
fn generation_names(kb: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(kb)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    names.sort();
    names
}

/// A small deterministic generator of kill delays.
struct Delays(u64);

impl Delays {
    fn next(&mut self, below: Duration) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        below.mul_f64((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
}

#[test]
fn a_build_killed_at_any_moment_leaves_one_whole_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let seeds = tmp.path().join("seeds");
    crate::scale::generate(120, 5, &seeds);
    let kb = tmp.path().join("kb");
    let clock = Instant::now();
    assert!(start_build(&seeds, &kb).wait().unwrap().success());
    let one_build = clock.elapsed();
    assert_whole(&kb);

    let mut delays = Delays(42);
    for _ in 0..50 {
        let mut child = start_build(&seeds, &kb);
        std::thread::sleep(delays.next(one_build.mul_f64(1.2)));
        let _ = child.kill();
        child.wait().unwrap();
        assert_whole(&kb);
    }
    // Killed at each step of the switch: before the manifest, before the generation's rename,
    // before `current` is replaced.
    for step in ["manifest", "rename", "switch"] {
        let mut child = Command::new(binary())
            .args(["build", "--quiet", "--seeds"])
            .arg(&seeds)
            .arg("--kb")
            .arg(&kb)
            .env("DOSSIER_PAUSE_BEFORE", step)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let paused = stderr
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains(&format!("paused before {step}")));
        assert!(paused, "the build did not reach {step}");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_whole(&kb);
    }
    // The next build removes what the killed ones left.
    assert!(start_build(&seeds, &kb).wait().unwrap().success());
    assert_whole(&kb);
    assert_eq!(leftovers(&kb), Vec::<String>::new());
    assert!(generation_folders(&kb) <= 2);
}

/// Each build keeps the current generation and the one before it. Older ones go as a build
/// starts (beside validation), whatever its outcome, unless a reader holds them.
#[test]
fn old_generations_go_as_a_build_starts_unless_read() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    let build = |seeds: &Path| {
        Command::new(binary())
            .args(["build", "--quiet", "--seeds"])
            .arg(seeds)
            .arg("--kb")
            .arg(&kb)
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    let mini = fixtures().join("mini");
    let generations = || generation_names(&kb);
    assert!(build(&mini) && build(&mini) && build(&mini));
    assert_eq!(generations(), ["gen-000002", "gen-000003"]);
    assert_eq!(assert_whole(&kb), 3);
    // A reader of generation 3 keeps it through two more builds.
    let reader = KbPaths::new(&kb);
    assert!(reader.generation().ends_with("gen-000003"));
    assert!(build(&mini) && build(&mini));
    assert_eq!(generations(), ["gen-000003", "gen-000004", "gen-000005"]);
    drop(reader);
    // A build that fails still removes what is older than the current generation, which it
    // leaves current and whole.
    assert!(!build(&tmp.path().join("no-such-seeds")));
    assert_eq!(generations(), ["gen-000005"]);
    assert_eq!(assert_whole(&kb), 5);
    assert!(build(&mini));
    assert_eq!(generations(), ["gen-000005", "gen-000006"]);
    assert_eq!(assert_whole(&kb), 6);
}

#[test]
fn two_builds_into_one_folder_never_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    let (a, b) = (fixtures().join("mini"), fixtures().join("adversarial"));
    let articles = |kb: &Path| {
        let conn = dossier_stores::sqlite::open_read_only(&KbPaths::new(kb).database()).unwrap();
        conn.query_row("SELECT group_concat(id) FROM articles", [], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
    };
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let mut first = start_build(&a, &kb);
        let mut second = start_build(&b, &kb);
        assert!(first.wait().unwrap().success());
        assert!(second.wait().unwrap().success());
        assert_whole(&kb);
        seen.insert(articles(&kb));
    }
    // Whichever finished last is current, whole: both outcomes occur, nothing in between.
    assert!(seen.len() <= 2, "{seen:?}");
    assert_eq!(leftovers(&kb), Vec::<String>::new());
    assert!(generation_folders(&kb) <= 2);
}

#[test]
fn readers_never_see_two_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    let (a, b) = (fixtures().join("mini"), root().join("seeds"));
    assert!(start_build(&a, &kb).wait().unwrap().success());
    let queries = dossier_stores::queries::load_all(&root().join("schema/queries")).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let (checks, disagreements) = std::thread::scope(|scope| {
        let builds = scope.spawn(|| {
            for n in 0..16 {
                let seeds = if n % 2 == 0 { &b } else { &a };
                assert!(start_build(seeds, &kb).wait().unwrap().success());
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let mut checks = 0;
        let mut disagreements = Vec::new();
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let paths = KbPaths::new(&kb);
            let conn = dossier_stores::sqlite::open_read_only(&paths.database()).unwrap();
            let report = dossier_stores::check::check(&conn, &paths.index()).unwrap();
            disagreements.extend(report.drift);
            let base = dossier_stores::sqlite::base_iri(&conn).unwrap();
            let store = dossier_stores::sparql::Store::open(&paths.index(), &base).unwrap();
            let q = &queries[checks % queries.len()];
            let params = q.bind(&[]).unwrap();
            let c = dossier_stores::queries::compare(
                &conn,
                &store,
                q,
                &params,
                Duration::from_secs(30),
            )
            .unwrap();
            if !c.agrees() {
                disagreements.push(format!("{}: {}", q.name, c.diff()));
            }
            checks += 1;
        }
        builds.join().unwrap();
        (checks, disagreements)
    });
    assert!(checks >= 3, "only {checks} reads ran during the builds");
    assert_eq!(disagreements, Vec::<String>::new());
}

/// A disk that fills up during a build (here: a file-size limit, which fails writes the same
/// way) is said as such, with what to do; the previous knowledge base stays current and
/// byte-identical, and no temporary folder is left.
#[test]
fn a_full_disk_is_said_as_such_and_leaves_the_previous_knowledge_base() {
    let tmp = built_bundled();
    let kb = tmp.path().join("kb");
    let before = store_bytes(&kb);
    let binary = crate::util::binary();
    // 200 KiB per file: the bundled N-Quads (about 500 KiB) cannot be written. SIGXFSZ is
    // ignored so that the write fails with an error instead of killing the process.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 200; exec '{}' build --quiet",
            binary.display()
        ))
        .current_dir(tmp.path())
        .env_remove("DOSSIER_KB")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the disk is full, or a file-size limit or quota was reached")
            && stderr.contains("the previous knowledge base is untouched"),
        "{stderr}"
    );
    assert!(
        store_bytes(&kb) == before,
        "the stores changed after a failed build"
    );
    assert_no_temporary_left(&kb);
}

/// `dossier info` says what a built knowledge base holds without rebuilding it: its generation,
/// description, counts that match the stores, and the files of its manifest.
#[test]
fn info_says_what_a_built_knowledge_base_holds() {
    let tmp = crate::util::built_bundled();
    let text = crate::util::stdout_of(dossier(tmp.path()).arg("info"));
    assert!(text.contains("generation 1 of 'kb'"), "{text}");
    assert!(
        text.contains("claim 30") && text.contains("condition 5"),
        "{text}"
    );
    let json = crate::util::stdout_of(dossier(tmp.path()).args(["info", "--json"]));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let turtle = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_reader(std::fs::File::open(tmp.path().join("kb/dossier.ttl")).unwrap())
        .count();
    assert_eq!(doc["triples"], serde_json::json!(turtle));
    assert_eq!(doc["articles"], serde_json::json!(1));
    assert_eq!(doc["records"]["actor"], serde_json::json!(14));
    // Counts per article and the span of the dates, as the database holds them.
    let db = rusqlite::Connection::open(tmp.path().join("kb/dossier.sqlite")).unwrap();
    let defined: i64 = db
        .query_row(
            "SELECT count(*) FROM records WHERE article_id = 'rubio-visit-to-mexico-2025'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(defined > 50);
    assert_eq!(
        doc["records_per_article"]["rubio-visit-to-mexico-2025"],
        serde_json::json!(defined)
    );
    let (first, last): (String, String) = db
        .query_row("SELECT min(date), max(date) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let (from, to) = (
        doc["events"]["from"].as_str().unwrap(),
        doc["events"]["to"].as_str().unwrap(),
    );
    // A partial date's span starts and ends within it: 2025-09 is 2025-09-01 to 2025-09-30.
    assert!(
        from.starts_with(&first) && to.starts_with(&last) && from.len() == 10 && to.len() == 10,
        "{doc}"
    );
    assert!(
        text.contains(&format!("dated events: {from} to {to}"))
            && text.contains(&format!("  rubio-visit-to-mexico-2025: {defined} records")),
        "{text}"
    );
    // When it was built, as GNU date writes the manifest's seconds in UTC.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("kb/current/manifest.json")).unwrap(),
    )
    .unwrap();
    let date = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", manifest["built_at"]),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    assert_eq!(
        doc["built_at"].as_str().unwrap(),
        String::from_utf8_lossy(&date.stdout).trim()
    );
    let names: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "dossier.sqlite",
            "dossier.ttl",
            "dossier.nq",
            "dossier.idx",
            "datasette.json",
            "report.html",
            "report"
        ]
    );
}

/// A signal tells the truth about which generation is current: before the switch, the old one
/// (as it was); after it, the new one, complete.
#[test]
fn a_signal_says_which_generation_is_current() {
    let tmp = tempfile::tempdir().unwrap();
    let seeds = fixtures().join("mini");
    let kb = tmp.path().join("kb");
    assert!(start_build(&seeds, &kb).wait().unwrap().success());
    for (step, says, switched) in [
        ("switch", "the knowledge base is as it was", false),
        ("tidy", "after its new knowledge base became current", true),
    ] {
        let before = std::fs::read_link(kb.join("current")).unwrap();
        let mut child = Command::new(binary())
            .args(["build", "--quiet", "--seeds"])
            .arg(&seeds)
            .arg("--kb")
            .arg(&kb)
            .env("DOSSIER_PAUSE_BEFORE", step)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.contains("paused before") {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "the build did not reach {step}"
            );
        }
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
        assert!(rest.contains(says), "{step}: {rest}");
        let after = std::fs::read_link(kb.join("current")).unwrap();
        assert_eq!(after != before, switched, "{step}: {before:?} → {after:?}");
        assert_whole(&kb);
    }
}

/// `--sort-memory-mb`: past it, the indexed graph's quads are sorted in runs on disk and merged,
/// the stated values are resolved in parts and sorted in runs; every store is the same, byte
/// for byte, check agrees, and no run or part is left in the generation.
#[test]
fn a_build_sorting_on_disk_writes_the_same_stores() {
    let tmp = tempfile::tempdir().unwrap();
    // About 93,000 quads: runs of 65,536 at 1 MiB. Ten records an article: about 1,000 stated
    // values of 600 records, resolved in about five parts at 1 MiB.
    crate::scale::generate_shaped(
        3000,
        11,
        &["--per-article", "10"],
        &tmp.path().join("seeds"),
    );
    dossier(tmp.path())
        .args(["build", "-q", "--kb", "in-memory"])
        .assert_success();
    dossier(tmp.path())
        .args(["build", "-q", "--kb", "on-disk", "--sort-memory-mb", "1"])
        .assert_success();
    let store = |kb: &str, file: &str| std::fs::read(tmp.path().join(kb).join(file)).unwrap();
    for file in ["dossier.idx", "dossier.sqlite", "dossier.nq", "dossier.ttl"] {
        assert!(
            store("in-memory", file) == store("on-disk", file),
            "the {file} files differ"
        );
    }
    let stated = dossier(tmp.path())
        .args([
            "sql",
            "--kb",
            "on-disk",
            "--format",
            "csv",
            "SELECT count(*) FROM statements",
        ])
        .output()
        .unwrap();
    let stated: usize = String::from_utf8(stated.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(stated > 1000, "{stated} statements");
    let generation = std::fs::canonicalize(tmp.path().join("on-disk/current")).unwrap();
    let left: Vec<_> = std::fs::read_dir(&generation)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".run") || name.ends_with(".jsonl"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    dossier(tmp.path())
        .args(["check", "--kb", "on-disk"])
        .assert_success();
    let out = dossier(tmp.path())
        .args(["build", "-q", "--kb", "none", "--sort-memory-mb", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
