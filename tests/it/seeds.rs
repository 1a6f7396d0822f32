//! The seed format and `dossier validate`.

use proptest::prelude::*;

use crate::util::*;

#[test]
fn bundled_seeds_are_valid() {
    let out = stdout_of(dossier(&root()).args(["validate"]));
    assert!(out.contains("valid"), "{out}");
}

/// Every invalid fixture: exit status 1 and the exact report (file, line, column, advice).
#[test]
fn each_invalid_seed_gets_its_exact_message() {
    let dir = fixtures().join("invalid");
    let cases = sorted_entries(&dir, |p| p.extension().is_some_and(|e| e == "toml"));
    assert!(cases.len() >= 13, "one fixture per check");
    for case in cases {
        let tmp = workspace_with(&fixtures().join("mini"));
        std::fs::copy(&case, tmp.path().join("seeds/town-meeting/facts.toml")).unwrap();
        let out = dossier(tmp.path()).arg("validate").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", case.display());
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout for {}",
            case.display()
        );
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with("seeds/town-meeting/facts.toml:")
                || (stderr.starts_with("error: ")
                    && stderr.contains("--> seeds/town-meeting/facts.toml:")),
            "{} names the file, line and column:\n{stderr}",
            case.display()
        );
        assert_matches_file(&stderr, &case.with_extension("expected"));
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let tmp = workspace_with(&fixtures().join("mini"));
    let facts = tmp.path().join("seeds/town-meeting/facts.toml");
    let text = std::fs::read_to_string(&facts)
        .unwrap()
        .replace("stated_by = \"ana-lopez\"", "stated_by = \"nobody\"")
        .replace("date = \"2024-03-03\"", "date = \"2024-13\"")
        .replace("quote = \"Bo Chen\"", "quote = \"Bo Chan\"");
    std::fs::write(&facts, text).unwrap();
    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("'nobody' does not name an actor"),
        "{stderr}"
    );
    assert!(
        stderr.contains("month 13 is not between 01 and 12"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the quote 'Bo Chan' is not in the article"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("3 problems found in the seeds\n"),
        "{stderr}"
    );
}

#[test]
fn a_record_that_does_not_deserialize_still_defines_its_id() {
    // The agreement's bad status is the one problem: the condition and the claim that name it
    // are not also reported as naming an unknown record.
    let tmp = workspace_with(&fixtures().join("mini"));
    let facts = tmp.path().join("seeds/town-meeting/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    assert!(text.contains("constrains = \"water-plan\""));
    std::fs::write(
        &facts,
        text.replace("status = \"proposed\"", "status = \"bogus\""),
    )
    .unwrap();
    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("unknown variant `bogus`"), "{stderr}");
    assert!(!stderr.contains("water-plan'"), "{stderr}");
    assert!(
        stderr.ends_with("1 problem found in the seeds\n"),
        "{stderr}"
    );
}

#[test]
fn a_missing_seeds_folder_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = dossier(tmp.path())
        .args(["validate", "--seeds", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot read the seeds folder 'nowhere'"),
        "{stderr}"
    );
    assert!(stderr.contains("--seeds DIR"), "{stderr}");
}

#[test]
fn bad_usage_exits_with_two() {
    let out = dossier(&root())
        .args(["validate", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A second article is a new folder, never new code: it adds evidence to shared actors and to
/// a record of the first article.
#[test]
fn a_second_article_validates_and_builds_without_code_changes() {
    let tmp = workspace_with(&root().join("seeds"));
    copy_dir(
        &fixtures().join("second-article"),
        &tmp.path().join("seeds"),
    );
    let out = stdout_of(dossier(tmp.path()).arg("validate"));
    assert!(out.contains("2 articles"), "{out}");
    dossier(tmp.path()).arg("build").assert_success();
    let rows = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT article_id, count(*) FROM evidence WHERE record_id = 'marco-rubio' GROUP BY article_id ORDER BY article_id",
    ]));
    assert_eq!(
        rows.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect::<Vec<_>>(),
        ["follow-up-brief", "rubio-visit-to-mexico-2025"]
    );
    // A commitment (a kind added after the first article) in both stores, with its actors,
    // deadline and quantity.
    let rows = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT c.id, group_concat(a.actor_id, ' '), c.deadline, c.deadline_precision, q.value \
         FROM commitments c JOIN commitment_actors a ON a.commitment_id = c.id \
         JOIN commitment_quantities q ON q.commitment_id = c.id GROUP BY c.id ORDER BY c.id",
    ]));
    assert_eq!(
        rows.lines().nth(1),
        Some("train-agents-by-june-2026,mexico united-states,2026-06,month,3000")
    );
    let answer = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "csv",
        "SELECT ?who ?deadline ?n WHERE { ?c a dos:Commitment ; dos:committedBy ?w ; \
         dos:deadline ?deadline ; dos:commitmentStatus commitment-status:pledged ; \
         dos:quantity/schema:value ?n . BIND(STR(?w) AS ?who) } ORDER BY ?who",
    ]));
    assert_eq!(
        answer.replace("\r\n", "\n"),
        "who,deadline,n\nhttps://w3id.org/dossier/kb/actor/mexico,2026-06,3000\n\
         https://w3id.org/dossier/kb/actor/united-states,2026-06,3000\n"
    );
    let out = stdout_of(dossier(tmp.path()).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
}

#[test]
fn json_schemas_in_schema_folder_match_the_rust_types() {
    for (name, json) in dossier_model::seed::json_schemas() {
        assert_matches_file(&json, &root().join("schema").join(name));
    }
}

/// The bundled curation covers every kind of record, every condition Sheinbaum states, and both
/// sides of the boat strike; every quote is an exact substring at its offsets.
#[test]
fn bundled_curation_holds_every_kind_and_exact_quotes() {
    let kb = dossier_model::validate::load(&root().join("seeds")).expect("bundled seeds are valid");
    let article = &kb.articles[0];
    let f = &article.facts;
    assert!(!kb.actors.is_empty());
    for (kind, n) in [
        ("roles", f.roles.len()),
        ("events", f.events.len()),
        ("agreements", f.agreements.len()),
        ("policies", f.policies.len()),
        ("conditions", f.conditions.len()),
        ("claims", f.claims.len()),
        ("relations", f.relations.len()),
    ] {
        assert!(n > 0, "no {kind}");
    }
    let constraints: Vec<_> = f
        .conditions
        .iter()
        .filter(|c| {
            c.stated_by
                .iter()
                .any(|s| s.as_str() == "claudia-sheinbaum")
        })
        .map(|c| c.constraint.as_str())
        .collect();
    for wanted in ["location", "control", "scope", "requirement", "prohibition"] {
        assert!(constraints.contains(&wanted), "missing {wanted} condition");
    }
    let strike: Vec<_> = f
        .relations
        .iter()
        .filter(|r| r.subject.as_str() == "venezuelan-boat-strike")
        .map(|r| (r.predicate.as_str(), r.object.as_str()))
        .collect();
    assert!(
        strike.contains(&("ordered_by", "donald-trump")),
        "{strike:?}"
    );
    assert!(
        strike.contains(&("championed_by", "marco-rubio")),
        "{strike:?}"
    );
    let chars: Vec<char> = article.text.chars().collect();
    for item in article.evidence() {
        let (start, end) = item.span();
        let at: String = chars[start..end].iter().collect();
        assert_eq!(at, item.evidence.quote, "{}", item.id());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any text as a facts file loads, or every problem found in it is placed at a line and
    /// column inside the file (the mutations of a valid seed are in tests/it/properties.rs).
    #[test]
    fn any_facts_text_is_loaded_or_its_problems_are_placed_in_it(text in "\\PC{0,400}") {
        let tmp = workspace_with(&fixtures().join("mini"));
        let facts = tmp.path().join("seeds/town-meeting/facts.toml");
        std::fs::write(&facts, &text).unwrap();
        if let Err(dossier_model::seed::LoadError::Invalid(problems)) =
            dossier_model::validate::load(&tmp.path().join("seeds"))
        {
            let lines: Vec<&str> = text.split('\n').collect();
            for d in problems.0.iter().filter(|d| d.file.ends_with("town-meeting/facts.toml")) {
                if let Some((line, column)) = d.position {
                    prop_assert!(line >= 1 && line <= lines.len(), "{d}");
                    prop_assert!(column >= 1 && column <= lines[line - 1].chars().count() + 1, "{d}");
                }
            }
            prop_assert!(!problems.is_empty());
        }
    }
}

/// A base IRI or licence that is not an IRI would build a graph no RDF reader can read: it is
/// refused at its place in dossier.toml.
#[test]
fn iris_in_dossier_toml_are_validated() {
    let tmp = workspace_with(&fixtures().join("mini"));
    let config = tmp.path().join("seeds/dossier.toml");
    std::fs::write(
        &config,
        "title = \"Bad IRIs\"\nbase_iri = \"https://example.org/my kb/\"\n\
         license = \"https://example.org/licence<1>\"\n",
    )
    .unwrap();
    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: 'https://example.org/my kb/' cannot be a base IRI")
            && stderr.contains("--> seeds/dossier.toml:2:12"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 'https://example.org/licence<1>' looks like an IRI but is not one")
            && stderr.contains("--> seeds/dossier.toml:3:11"),
        "{stderr}"
    );
    // A fragment or a query in the base: the record IRIs made from it (an article's
    // `...#author`) would not be IRIs. Each is refused, with the base to use instead.
    for (base, what) in [
        ("https://example.org/kb#/", "a fragment"),
        ("https://example.org/kb#", "a fragment"),
        ("https://example.org/kb/?v=1/", "a query"),
    ] {
        std::fs::write(&config, format!("title = \"Bad\"\nbase_iri = \"{base}\"\n")).unwrap();
        let out = dossier(tmp.path()).arg("validate").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{base}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("'{base}' cannot be a base IRI: it holds {what}"))
                && stderr.contains("--> seeds/dossier.toml:2:12")
                && stderr.contains("e.g. https://example.org/kb/"),
            "{stderr}"
        );
    }
    // An SPDX id is text, not an IRI, and stays allowed.
    std::fs::write(&config, "title = \"Fine\"\nlicense = \"CC-BY-4.0\"\n").unwrap();
    dossier(tmp.path()).arg("validate").assert_success();
}

/// Smaller robustness cases: a missing article.txt is one problem (not one per actor it
/// mentions), a seed that is not a regular file is refused rather than read forever, and
/// `rate_percent = -0.0` builds stores that agree.
#[test]
fn a_missing_or_special_article_file_is_one_clear_problem() {
    let tmp = workspace_with(&root().join("seeds"));
    let text = tmp
        .path()
        .join("seeds/rubio-visit-to-mexico-2025/article.txt");
    std::fs::remove_file(&text).unwrap();
    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 problem found"), "{stderr}");
    assert!(!stderr.contains("has no evidence"), "{stderr}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/dev/zero", &text).unwrap();
        let out = dossier(tmp.path()).arg("validate").output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

#[test]
fn a_negative_zero_rate_builds_stores_that_agree() {
    let tmp = workspace_with(&root().join("seeds"));
    let facts = tmp
        .path()
        .join("seeds/rubio-visit-to-mexico-2025/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    let changed = text.replacen("rate_percent = 30", "rate_percent = -0.0", 1);
    assert_ne!(text, changed, "the bundled facts hold a rate of 30");
    std::fs::write(&facts, changed).unwrap();
    dossier(tmp.path()).arg("build").assert_success();
    let out = stdout_of(dossier(tmp.path()).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
}

/// A megabyte of article text and 2,000 records that each name an actor nobody declared: every
/// problem is reported at its own line, and a quote with a typo 1,000 characters long still gets
/// its closest passage. (Placing each problem once re-parsed the whole file, and the closest
/// passage compared the quote with every passage character by character: minutes at this size.
/// Timings live in `benches/compare`; this test holds the answers.)
#[test]
fn a_megabyte_article_and_two_thousand_bad_records_are_reported_each_at_its_place() {
    let tmp = workspace_with(&root().join("seeds"));
    let folder = tmp.path().join("seeds/rubio-visit-to-mexico-2025");
    let original = std::fs::read_to_string(folder.join("article.txt")).unwrap();
    let mut text = original.clone();
    let filler =
        "The talks went on for hours, and every delegation kept its own notes about them. ";
    while text.len() < 1_000_000 {
        text.push_str(filler);
    }
    let passage: String = std::iter::repeat_n("Border cooperation needs patience and trust. ", 23)
        .collect::<String>()
        .chars()
        .take(1_000)
        .collect();
    text.push_str(&passage);
    std::fs::write(folder.join("article.txt"), &text).unwrap();
    let mut typo: Vec<char> = passage.chars().collect();
    typo[500] = if typo[500] == 'x' { 'y' } else { 'x' };
    let typo: String = typo.into_iter().collect();

    let facts_path = folder.join("facts.toml");
    let mut facts = std::fs::read_to_string(&facts_path).unwrap();
    let first_quote = "was a political success for both President Claudia Sheinbaum";
    for n in 0..2_000 {
        facts.push_str(&format!(
            "\n[[claims]]\nid = \"bad-claim-{n}\"\nlabel = \"A claim by nobody.\"\nkind = \"assessment\"\n\
             claimant = \"nobody-{n}\"\n\n[[claims.evidence]]\nquote = \"{first_quote}\"\n\
             asserted_by = \"author\"\nmodality = \"assessment\"\n"
        ));
    }
    facts.push_str(&format!(
        "\n[[claims]]\nid = \"typo-claim\"\nlabel = \"A claim with a typo.\"\nkind = \"assessment\"\n\
         claimant = \"author\"\n\n[[claims.evidence]]\nquote = \"{typo}\"\n\
         asserted_by = \"author\"\nmodality = \"assessment\"\n"
    ));
    std::fs::write(&facts_path, &facts).unwrap();

    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = facts.lines().collect();
    for n in [0, 999, 1_999] {
        let needle = format!("claimant = \"nobody-{n}\"");
        let line = lines.iter().position(|l| *l == needle).unwrap() + 1;
        assert!(
            stderr.contains(&format!("facts.toml:{line}:12\n"))
                && stderr.contains(&format!("nobody-{n}")),
            "bad record {n} is placed at line {line}: {}",
            &stderr[..stderr.len().min(2_000)]
        );
    }
    let unknown = stderr.lines().filter(|l| l.contains("nobody-")).count();
    assert!(unknown >= 2_000, "{unknown} of 2,000 bad records reported");
    let start = original.chars().count() + text[original.len()..].chars().count() - 1_000;
    assert!(
        stderr.contains(&format!("the closest passage (at {start})")),
        "the typo's closest passage is found: {}",
        stderr
            .lines()
            .filter(|l| l.contains("typo"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Hostile seed folders kept as fixtures (`tests/fixtures/adversarial-seeds/<case>/`), each
/// refused with the message its `<case>.expected` holds: IRIs no parser would read, a base with
/// a fragment, a NUL in an article (shown as ␀, never written to the terminal), control
/// characters in an article and in labels (an ESC, a carriage return), a missing article file.
#[test]
fn adversarial_seed_folders_are_refused_with_their_exact_message() {
    let dir = fixtures().join("adversarial-seeds");
    let cases = sorted_entries(&dir, std::path::Path::is_dir);
    assert!(cases.len() >= 3, "{cases:?}");
    for case in cases {
        let tmp = workspace_with(&case);
        let out = dossier(tmp.path()).arg("validate").output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", case.display());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            !stderr.contains('\0'),
            "{}: a NUL reached the terminal",
            case.display()
        );
        assert_matches_file(&stderr, &case.with_extension("expected"));
    }
}

/// A long chain of `broader` topics is checked in one pass (it was cubic: 8,000 topics took
/// over two minutes, 50,000 never ended), and each loop is reported once, naming its ends.
#[test]
fn a_long_broader_chain_is_checked_at_once_and_each_loop_reported_once() {
    let tmp = workspace_with(&fixtures().join("mini"));
    let n = 50_000;
    let mut topics = String::new();
    for i in 0..n {
        topics.push_str(&format!(
            "[[topics]]\nid = \"t{i}\"\nlabel = \"topic {i}\"\n"
        ));
        if i + 1 < n {
            topics.push_str(&format!("broader = \"t{}\"\n", i + 1));
        }
        topics.push('\n');
    }
    // A loop of three beside the chain, and one of 20, whose middle is left out.
    topics.push_str("[[topics]]\nid = \"a\"\nlabel = \"a\"\nbroader = \"b\"\n\n");
    topics.push_str("[[topics]]\nid = \"b\"\nlabel = \"b\"\nbroader = \"c\"\n\n");
    topics.push_str("[[topics]]\nid = \"c\"\nlabel = \"c\"\nbroader = \"a\"\n\n");
    for i in 0..20 {
        topics.push_str(&format!(
            "[[topics]]\nid = \"r{i}\"\nlabel = \"r{i}\"\nbroader = \"r{}\"\n\n",
            (i + 1) % 20
        ));
    }
    std::fs::write(tmp.path().join("seeds/topics.toml"), topics).unwrap();
    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("go round").count(), 2, "{stderr}");
    assert!(stderr.contains("go round: a → b → c → a"), "{stderr}");
    assert!(
        stderr.contains(
            "go round: r0 → r1 → r2 → r3 → r4 → r5 → r6 → r7 → … (20 topics in all) → r0"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("2 problems found"), "{stderr}");
}

/// A knowledge base inside the seeds folder would be read as an article by the next build:
/// refused before anything is written.
#[test]
fn a_knowledge_base_inside_the_seeds_is_refused() {
    let tmp = workspace_with(&fixtures().join("mini"));
    for kb in ["seeds/kb", "seeds", "./seeds/deeper/kb"] {
        let out = dossier(tmp.path())
            .args(["build", "--seeds", "seeds", "--kb", kb])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{kb}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is inside the seeds folder"),
            "{kb}: {stderr}"
        );
    }
    assert!(!tmp.path().join("seeds/kb").exists());
    assert!(!tmp.path().join("seeds/deeper").exists());
    dossier(tmp.path())
        .args(["build", "--seeds", "seeds", "--kb", "kb"])
        .assert_success();
}
