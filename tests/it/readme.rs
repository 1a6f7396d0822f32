//! The README's console examples, run as a new user would run them and compared with what the
//! README shows (as `trycmd` does): in a copy of the repository's seeds, schema and fixtures,
//! with `dossier` on the PATH, one example after another (the build example makes the
//! knowledge base the later ones read). In an expected output, a line `...` stands for any
//! number of lines and `[..]` for any text within a line (times, hashes, dates).
//! `DOSSIER_BLESS=1` writes what the commands print into the README for the examples that no
//! longer match (times, sizes and hashes replaced by `[..]`), for review before committing.

use std::path::Path;

use crate::util::*;

/// One `$ command` of a ```console block and the output shown under it.
#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
    /// Where the expected lines are in the README (0-based line indexes, end exclusive).
    output_lines: std::ops::Range<usize>,
}

/// Whether a command continues on the next line: a quote is still open.
fn open_quotes(text: &str) -> bool {
    let (mut single, mut double) = (false, false);
    for c in text.chars() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    single || double
}

fn examples(readme: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut in_console = false;
    let mut current: Option<Example> = None;
    for (n, line) in readme.lines().enumerate() {
        if !in_console {
            in_console = line == "```console";
            continue;
        }
        if line == "```" {
            in_console = false;
            out.extend(current.take());
            continue;
        }
        if let Some(example) = current.as_mut().filter(|e| open_quotes(&e.command)) {
            example.command.push('\n');
            example.command.push_str(line);
            example.output_lines = n + 1..n + 1;
        } else if let Some(command) = line.strip_prefix("$ ") {
            out.extend(current.take());
            current = Some(Example {
                line: n + 1,
                command: command.to_owned(),
                expected: Vec::new(),
                output_lines: n + 1..n + 1,
            });
        } else if let Some(example) = current.as_mut() {
            example.expected.push(line.to_owned());
            example.output_lines.end = n + 1;
        } else {
            panic!("README.md:{}: output before any `$ ` command", n + 1);
        }
    }
    out
}

/// Whether one line matches an expected line, where `[..]` matches any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("[..]").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let mut rest = match actual.strip_prefix(parts[0]) {
        Some(rest) => rest,
        None => return false,
    };
    for (i, part) in parts.iter().enumerate().skip(1) {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the output matches the expected lines, where a line `...` matches any lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && matches(rest, more)),
    }
}

#[test]
fn matching_understands_the_wildcards() {
    let lines = |s: &[&str]| s.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(matches(&lines(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&lines(&["a", "...", "d"]), &["a", "d"]));
    assert!(!matches(&lines(&["a", "...", "d"]), &["a", "b"]));
    assert!(matches(&lines(&["in [..] s"]), &["in 0.02 s"]));
    assert!(!matches(&lines(&["in [..] s"]), &["out 0.02 s"]));
    assert!(!matches(&lines(&["x"]), &["x", "y"]));
}

fn copy_into(workspace: &Path, relative: &str) {
    copy_dir(&root().join(relative), &workspace.join(relative));
}

#[test]
fn every_readme_example_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let examples = examples(&readme);
    assert!(examples.len() >= 12, "{examples:#?}");
    let tmp = tempfile::tempdir().unwrap();
    for relative in ["seeds", "schema", "tests/fixtures/straight-quotes"] {
        copy_into(tmp.path(), relative);
    }
    // The publish examples send to a PostgreSQL the `PG*` variables name and to an Oxigraph
    // server on port 7878, both started here (outside CI, without them, those examples skip).
    let postgres = crate::publish::Postgres::start();
    let oxigraph = postgres
        .as_ref()
        .and_then(|_| crate::publish::Oxigraph::start_on(7878));
    let servers = oxigraph.is_some();
    let needs_servers = |command: &str| command.contains("publish") || command.contains("postgres");
    let bin = binary();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    let mut printed = Vec::new();
    let mut stale = Vec::new();
    for example in &examples {
        assert!(
            example.command.starts_with("dossier "),
            "README.md:{}: a console example runs dossier (use ```sh for other commands): {}",
            example.line,
            example.command
        );
        if needs_servers(&example.command) && !servers {
            printed.push(example.expected.clone());
            stale.push(false);
            continue;
        }
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(format!("{} 2>&1", example.command))
            .current_dir(tmp.path())
            .env("PATH", &path)
            .env_remove("DOSSIER_KB");
        if let Some(pg) = &postgres {
            command
                .env("PGHOST", pg.socket())
                .env("PGUSER", "dossier")
                .env("PGDATABASE", "postgres")
                .env_remove("PGPORT")
                .env_remove("PGPASSWORD");
        }
        let out = command.output().unwrap();
        let actual = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = actual.lines().collect();
        printed.push(
            lines
                .iter()
                .map(|l| varying_parts_elided(l))
                .collect::<Vec<_>>(),
        );
        let matched = matches(&example.expected, &lines);
        stale.push(!matched);
        if !matched {
            failures.push(format!(
                "README.md:{}: `{}` printed\n{actual}\nbut the README shows\n{}\n",
                example.line,
                example.command,
                example.expected.join("\n")
            ));
        }
    }
    // Run in a copy of the clone, the examples leave nothing in it but the knowledge base.
    let mut left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !["seeds", "schema", "tests", "kb"].contains(&name.as_str()))
        .collect();
    left.sort();
    assert!(
        left.is_empty(),
        "the README's examples write into the clone: {left:?}"
    );
    if std::env::var_os("DOSSIER_BLESS").is_some() && !failures.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "DOSSIER_BLESS is set in CI: the README is blessed on a developer's machine"
        );
        let mut lines: Vec<String> = readme.lines().map(str::to_owned).collect();
        // Only the examples that no longer match: the others keep their hand-written `...`.
        for ((example, output), stale) in examples.iter().zip(printed).zip(stale).rev() {
            if stale {
                lines.splice(example.output_lines.clone(), output);
            }
        }
        std::fs::write(root().join("README.md"), lines.join("\n") + "\n").unwrap();
        return;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A printed line with what changes from run to run (durations, rates, build times, file
/// sizes and hashes) replaced by `[..]`.
fn varying_parts_elided(line: &str) -> String {
    static VARYING: std::sync::LazyLock<Vec<(regex::Regex, &str)>> =
        std::sync::LazyLock::new(|| {
            [
                (r"^(sqlite|turtle|nquads|index): .*", "$1: [..]"),
                (r"^in [0-9.]+ s$", "in [..] s"),
                (r"built \S+ by dossier \S+", "built [..] by dossier [..]"),
                (r"^(  \S+ +)[0-9]+ bytes  [0-9a-f]{16}$", "$1[..]"),
            ]
            .into_iter()
            .map(|(pattern, with)| (regex::Regex::new(pattern).unwrap(), with))
            .collect()
        });
    let mut line = line.to_owned();
    for (pattern, with) in VARYING.iter() {
        line = pattern.replace(&line, *with).into_owned();
    }
    line
}
