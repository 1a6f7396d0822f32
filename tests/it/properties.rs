//! Properties that must hold for any input, not just the fixtures: a broken seed is always
//! placed in its file, anything that validates builds stores that agree, any generated corpus
//! answers every named query the same in both stores, and any text comes back exactly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use dossier_model::seed::LoadError;
use dossier_stores::kb::KbPaths;
use proptest::prelude::*;

use crate::util::*;

/// A diagnostic's file as a path to read (diagnostics name files as the user gave them).
fn resolve(file: &Path) -> PathBuf {
    if file.is_absolute() {
        file.to_owned()
    } else {
        std::env::current_dir().unwrap().join(file)
    }
}

/// Whether a 1-based (line, column in characters) lies inside the text: on one of its lines,
/// at most one past the line's last character.
fn inside(text: &str, (line, column): (usize, usize)) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    line >= 1 && line <= lines.len() && column >= 1 && column <= lines[line - 1].chars().count() + 1
}

/// Builds validated seeds and runs `check` on the result.
fn build_and_check(
    kb: &dossier_model::model::KnowledgeBase,
    dir: &Path,
) -> dossier_stores::check::Report {
    let paths = KbPaths::new(dir);
    dossier_stores::kb::build(kb.clone(), &paths).unwrap();
    let conn = dossier_stores::sqlite::open_read_only(&paths.database()).unwrap();
    dossier_stores::check::check(&conn, &paths.index()).unwrap()
}

fn mutate(original: &str, position: usize, length: usize, insert: &str) -> String {
    let mut chars: Vec<char> = original.chars().collect();
    let at = position % (chars.len() + 1);
    let end = (at + length).min(chars.len());
    chars.splice(at..end, insert.chars());
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any change to the bundled facts either gets at least one diagnostic placed inside the
    /// file it names, or builds stores that `check` finds in agreement, every quote at its
    /// offsets.
    #[test]
    fn a_changed_seed_is_placed_or_builds_stores_that_agree(
        position in 0usize..1_000_000,
        length in 0usize..40,
        insert in "\\PC{0,12}",
    ) {
        let tmp = workspace_with(&root().join("seeds"));
        let facts = tmp.path().join("seeds/rubio-visit-to-mexico-2025/facts.toml");
        let original = std::fs::read_to_string(&facts).unwrap();
        std::fs::write(&facts, mutate(&original, position, length, &insert)).unwrap();
        match dossier_model::validate::load(&tmp.path().join("seeds")) {
            Err(LoadError::Invalid(problems)) => {
                let placed = problems.0.iter().any(|d| {
                    d.position.is_some_and(|at| {
                        std::fs::read_to_string(resolve(&d.file))
                            .is_ok_and(|text| inside(&text, at))
                    })
                });
                prop_assert!(placed, "no diagnostic placed inside its file: {problems}");
            }
            Err(LoadError::Io(e)) => prop_assert!(false, "the seeds folder became unreadable: {e:#}"),
            Ok(kb) => {
                let evidence: usize = kb.articles.iter().map(|a| a.evidence().len()).sum();
                let report = build_and_check(&kb, &tmp.path().join("kb"));
                prop_assert!(report.agrees(), "{:?}", report.drift);
                prop_assert_eq!(report.quotes_checked, evidence);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// Any generated corpus validates, builds stores that agree, and answers every named query
    /// with the same rows in SQL and SPARQL.
    #[test]
    fn any_generated_corpus_agrees_across_stores(seed in any::<u64>(), records in 120usize..400) {
        let tmp = tempfile::tempdir().unwrap();
        crate::scale::generate(records, seed, &tmp.path().join("seeds"));
        let kb = dossier_model::validate::load(&tmp.path().join("seeds")).unwrap();
        let report = build_and_check(&kb, &tmp.path().join("kb"));
        prop_assert!(report.agrees(), "{:?}", report.drift);
        let paths = KbPaths::new(tmp.path().join("kb"));
        let conn = dossier_stores::sqlite::open_read_only(&paths.database()).unwrap();
        let store = dossier_stores::sparql::Store::open(&paths.index(), &kb.config.base_iri).unwrap();
        // Parameters naming records of this corpus, so the queries have rows to compare.
        let facts = &kb.articles[0].facts;
        let condition = &facts.conditions[0];
        let given: Vec<(String, String)> = [
            ("actor", condition.stated_by[0].to_string()),
            ("agreement", condition.constrains.to_string()),
            ("measure", condition.constrains.to_string()),
            ("record", facts.claims[0].about[0].to_string()),
            ("since", "2025-06".to_owned()),
            ("modality", "stated_position".to_owned()),
            ("predicate", facts.relations[0].predicate.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut answered = 0;
        let queries = dossier_stores::queries::load_all(&root().join("schema/queries")).unwrap();
        for q in &queries {
            let params: Vec<(String, String)> =
                given.iter().filter(|(k, _)| q.params.contains_key(k)).cloned().collect();
            let params = q.bind(&params).unwrap();
            let c = dossier_stores::queries::compare(&conn, &store, q, &params, Duration::from_secs(30)).unwrap();
            prop_assert!(c.agrees(), "{} (seed {seed}, {records} records):\n{}", q.name, c.diff());
            answered += usize::from(!c.sql.rows.is_empty());
        }
        prop_assert!(answered * 2 > queries.len(), "only {answered} queries answered rows");
    }
}

/// A TOML basic string holding `s` exactly.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The seeds of one article whose text, claim label and quote are `s`.
fn seeds_with(dir: &Path, s: &str) {
    let seeds = dir.join("seeds");
    copy_dir(&fixtures().join("mini"), &seeds);
    std::fs::remove_dir_all(seeds.join("town-meeting")).unwrap();
    let article = seeds.join("any-text");
    std::fs::create_dir_all(&article).unwrap();
    let text = format!("Ana said: {s}");
    let start = "Ana said: ".chars().count();
    std::fs::write(article.join("article.txt"), &text).unwrap();
    let actors = std::fs::read_to_string(seeds.join("actors.toml")).unwrap();
    let actor = actors
        .lines()
        .find_map(|l| l.strip_prefix("id = "))
        .unwrap()
        .trim_matches('"')
        .to_owned();
    let mut facts = format!(
        "[article]\ntitle = {title}\nlanguage = \"en\"\n\n[[claims]]\nid = \"the-claim\"\n\
         label = {s}\nkind = \"assessment\"\nclaimant = \"author\"\n[[claims.evidence]]\n\
         quote = {s}\nstart = {start}\nend = {end}\nasserted_by = \"author\"\nmodality = \"assessment\"\n",
        title = toml_string(s),
        s = toml_string(s),
        end = start + s.chars().count(),
    );
    // Every shared actor needs evidence: mention each by the first words of the text.
    for id in actors.lines().filter_map(|l| l.strip_prefix("id = ")) {
        facts.push_str(&format!(
            "\n[[mentions]]\nrecord = {id}\n[[mentions.evidence]]\nquote = \"Ana\"\nstart = 0\nend = 3\n\
             asserted_by = \"author\"\nmodality = \"reported_fact\"\n"
        ));
    }
    let _ = actor;
    std::fs::write(article.join("facts.toml"), facts).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any text (quotes, backslashes, control characters, any script) comes back exactly from
    /// SQLite, from the Turtle as another parser (Oxigraph) reads it, and from SPARQL.
    #[test]
    fn any_text_comes_back_exactly_from_every_store(s in "[\\PC\"\\\\\\n\\t\\r\u{0}-\u{1f}]{1,40}") {
        prop_assume!(!s.trim().is_empty());
        let tmp = tempfile::tempdir().unwrap();
        seeds_with(tmp.path(), &s);
        let kb = match dossier_model::validate::load(&tmp.path().join("seeds")) {
            Ok(kb) => kb,
            Err(e) => return Err(TestCaseError::reject(format!("not a valid seed: {e}"))),
        };
        let report = build_and_check(&kb, &tmp.path().join("kb"));
        prop_assert!(report.agrees(), "{:?}", report.drift);
        let paths = KbPaths::new(tmp.path().join("kb"));

        let conn = dossier_stores::sqlite::open_read_only(&paths.database()).unwrap();
        let (label, quote, title): (String, String, String) = conn
            .query_row(
                "SELECT c.label, e.quote, a.title FROM claims c JOIN evidence e ON e.record_id = c.id \
                 JOIN articles a ON a.id = c.article_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        prop_assert_eq!((&label, &quote, &title), (&s, &s, &s));

        let store = oxigraph::store::Store::new().unwrap();
        store
            .load_from_reader(
                oxigraph::io::RdfFormat::Turtle,
                std::fs::File::open(paths.turtle()).unwrap(),
            )
            .unwrap();
        let literals = |predicate: &str| -> Vec<String> {
            let p = oxigraph::model::NamedNode::new(predicate).unwrap();
            store
                .quads_for_pattern(None, Some(p.as_ref()), None, None)
                .map(|q| match q.unwrap().object {
                    oxigraph::model::Term::Literal(l) => l.value().to_owned(),
                    other => other.to_string(),
                })
                .collect()
        };
        prop_assert!(literals("http://www.w3.org/2000/01/rdf-schema#label").contains(&s));
        prop_assert!(literals("http://www.w3.org/ns/oa#exact").contains(&s));
        prop_assert_eq!(literals("http://purl.org/dc/terms/title")
            .into_iter()
            .filter(|t| *t == s)
            .count(), 1);

        let ours = dossier_stores::sparql::Store::open(&paths.index(), &kb.config.base_iri).unwrap();
        let answer = ours
            .query("SELECT ?label ?quote WHERE { ?c a dos:Claim ; rdfs:label ?label . \
                    ?e oa:hasBody ?c ; oa:hasTarget/oa:hasSelector/oa:exact ?quote }")
            .unwrap();
        let dossier_stores::sparql::Answer::Select { rows, .. } = answer else {
            panic!("a SELECT answers with rows")
        };
        let values: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|t| t.as_ref().unwrap().value().to_owned()).collect())
            .collect();
        prop_assert_eq!(values, vec![vec![s.clone(), s.clone()]]);
    }
}
