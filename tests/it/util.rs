//! Shared helpers: the real binary in a temporary directory, fixture folders.

use std::path::{Path, PathBuf};

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

/// The dossier binary Cargo built for these tests.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_dossier"))
}

/// The dossier binary, run in `dir`, with no knowledge-base variable from the environment.
pub fn dossier(dir: &Path) -> Command {
    let mut cmd = Command::new(binary());
    cmd.current_dir(dir).env_remove("DOSSIER_KB");
    cmd
}

/// Running a command to completion and insisting that it succeeded.
pub trait Succeeds {
    /// Runs the command and returns its output, or fails the test with its stderr.
    fn assert_success(&mut self) -> Output;
    /// Runs the command with `input` on its standard input and returns its output.
    fn with_stdin(&mut self, input: &str) -> Output;
}

impl Succeeds for Command {
    fn assert_success(&mut self) -> Output {
        // `output` closes the child's standard input.
        let out = self.output().expect("the command starts");
        assert!(
            out.status.success(),
            "{self:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn with_stdin(&mut self, input: &str) -> Output {
        let mut child = self
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the command starts");
        // Written from a thread: a child that answers before reading all its input would
        // otherwise block on a full output pipe while this waits to finish writing.
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().unwrap();
        let _ = writer.join();
        out
    }
}

/// The entries of `dir` that `keep` accepts, sorted: the cases of a folder of fixtures.
pub fn sorted_entries(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .collect();
    entries.sort();
    entries
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A temporary directory holding a copy of `seeds` as `seeds/`.
pub fn workspace_with(seeds: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(seeds, &tmp.path().join("seeds"));
    tmp
}

/// The bundled seeds with the two follow-up articles of `tests/fixtures/follow-ups` (a joint
/// communiqué, a ministry's readout) and the actors they add, not yet built.
pub fn follow_ups_workspace() -> tempfile::TempDir {
    let tmp = workspace_with(&root().join("seeds"));
    add_fixture(tmp.path(), "follow-ups");
    tmp
}

/// Adds the article folders of `tests/fixtures/<fixture>` to the workspace's seeds, and the
/// actors its `actors.toml` (if any) adds after the workspace's own.
pub fn add_fixture(workspace: &Path, fixture: &str) {
    let seeds = workspace.join("seeds");
    let actors = seeds.join("actors.toml");
    let own = std::fs::read_to_string(&actors).unwrap();
    let from = fixtures().join(fixture);
    copy_dir(&from, &seeds);
    if let Ok(more) = std::fs::read_to_string(from.join("actors.toml")) {
        std::fs::write(&actors, format!("{own}\n{more}")).unwrap();
    }
}

/// A temporary directory with the bundled seeds, built into `kb/`.
pub fn built_bundled() -> tempfile::TempDir {
    let tmp = workspace_with(&root().join("seeds"));
    dossier(tmp.path()).arg("build").assert_success();
    tmp
}

pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `dossier validate` in `dir`, which must refuse the seeds (exit 1): its problems.
pub fn validate_refuses(dir: &Path) -> String {
    let out = dossier(dir).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8(out.stderr).unwrap()
}

/// Compares `actual` with the file `expected`, or rewrites the file when DOSSIER_BLESS is set
/// (never in CI, where a golden file must already be right).
pub fn assert_matches_file(actual: &str, expected: &Path) {
    if std::env::var_os("DOSSIER_BLESS").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "DOSSIER_BLESS is set in CI: golden files are blessed on a developer's machine, \
             reviewed and committed, never rewritten by CI"
        );
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
        panic!(
            "missing {}: run the tests with DOSSIER_BLESS=1 to create it, then review it",
            expected.display()
        )
    });
    assert_eq!(actual, want, "output differs from {}", expected.display());
}

/// The bytes of every store file of a knowledge-base folder, to compare before and after.
pub fn store_bytes(kb: &Path) -> Vec<Vec<u8>> {
    ["dossier.sqlite", "dossier.ttl", "dossier.nq", "dossier.idx"]
        .iter()
        .map(|f| std::fs::read(kb.join(f)).unwrap())
        .collect()
}

/// Fails when a build left a temporary file or folder in the knowledge-base folder `kb`.
pub fn assert_no_temporary_left(kb: &Path) {
    let leftovers: Vec<_> = std::fs::read_dir(kb)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
