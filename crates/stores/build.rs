//! Embeds the named queries of `schema/queries` in the binary (`queries::BUILT_IN`), so that
//! `dossier query` works from any folder; adding a query is adding its file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("../../schema/queries");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("schema/queries holds the named queries")
        .map(|e| e.expect("a readable folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut code = String::from("/// The named queries of schema/queries, by name.\n");
    code.push_str("pub const BUILT_IN: &[(&str, &str)] = &[\n");
    for path in files {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 name");
        let full = std::fs::canonicalize(&path).expect("a file");
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            full.display().to_string()
        )
        .expect("writing to a string");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("queries.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
