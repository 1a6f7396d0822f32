//! Curation helpers: `dossier new` scaffolds an article, `dossier locate` finds a quote's
//! offsets, and a record curated twice is pointed at `[[mentions]]`.

use crate::util::*;

const ARTICLE: &str = "rubio-visit-to-mexico-2025";

/// Runs `dossier validate` in `dir`, insists that it finds a problem (exit 1), and returns
/// what it printed on standard error.
#[test]
fn a_new_article_is_a_folder_that_validate_guides_to_completion() {
    let tmp = workspace_with(&root().join("seeds"));
    let seeds = tmp.path().join("seeds");
    let out = stdout_of(dossier(tmp.path()).args([
        "new",
        "joint-communique",
        "--title",
        "Joint “communiqué”",
    ]));
    assert!(out.contains("next: paste the article's text"), "{out}");
    let facts = std::fs::read_to_string(seeds.join("joint-communique/facts.toml")).unwrap();
    // The schema line points at a schema that exists from the file's folder.
    let schema = facts
        .lines()
        .next()
        .unwrap()
        .strip_prefix("#:schema ")
        .unwrap();
    assert!(
        seeds.join("joint-communique").join(schema).is_file(),
        "{schema}"
    );
    assert!(facts.contains("title = \"Joint “communiqué”\""), "{facts}");
    // As scaffolded, the one problem is the missing text.
    let err = validate_refuses(tmp.path());
    assert!(err.contains("the article's text is empty"), "{err}");
    assert!(err.contains("1 problem"), "{err}");
    // Text pasted and the example record uncommented with a quote located by `locate`: it
    // validates and builds.
    std::fs::write(
        seeds.join("joint-communique/article.txt"),
        "Both governments agreed to meet every month.\n",
    )
    .unwrap();
    let offsets = stdout_of(dossier(tmp.path()).args([
        "locate",
        "joint-communique",
        "agreed to meet every month",
    ]));
    assert_eq!(offsets, "start = 17\nend = 43\n");
    let example: String = facts
        .lines()
        .skip_while(|l| !l.starts_with("# [[claims]]"))
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .map(|l| {
            if l.starts_with("quote = ") {
                format!(
                    "quote = \"agreed to meet every month\"\n{}",
                    offsets.trim_end()
                )
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(
        seeds.join("joint-communique/facts.toml"),
        format!("{facts}\n{example}\n"),
    )
    .unwrap();
    let out = stdout_of(dossier(tmp.path()).arg("validate"));
    assert!(out.contains("2 articles"), "{out}");
    dossier(tmp.path()).arg("build").assert_success();
    // An id that exists, or is not an id, is refused without touching anything.
    for (id, says) in [
        ("joint-communique", "exists already"),
        ("Bad_Id", "not a valid id"),
    ] {
        let out = dossier(tmp.path()).args(["new", id]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{id}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn a_seeds_folder_away_from_the_project_gets_its_own_schema() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("seeds")).unwrap();
    dossier(tmp.path()).args(["new", "first"]).assert_success();
    let facts = std::fs::read_to_string(tmp.path().join("seeds/first/facts.toml")).unwrap();
    let schema = facts
        .lines()
        .next()
        .unwrap()
        .strip_prefix("#:schema ")
        .unwrap();
    let written = std::fs::read_to_string(tmp.path().join("seeds/first").join(schema)).unwrap();
    let bundled = std::fs::read_to_string(root().join("schema/facts.schema.json")).unwrap();
    assert_eq!(written, bundled);
}

#[test]
fn locate_gives_the_offsets_validate_computes() {
    let tmp = built_bundled();
    // Every quote of the bundled article that occurs once: `locate` prints the offsets the
    // database holds for it.
    let rows = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "json",
        "SELECT quote, start_offset, end_offset FROM evidence WHERE article_id = :a",
        "-p",
        &format!("a={ARTICLE}"),
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&rows).unwrap();
    let text =
        std::fs::read_to_string(root().join("seeds").join(ARTICLE).join("article.txt")).unwrap();
    let mut checked = 0;
    for row in &rows {
        let quote = row["quote"].as_str().unwrap();
        if text.matches(quote).count() != 1 {
            continue;
        }
        let out = stdout_of(dossier(tmp.path()).args(["locate", ARTICLE, quote]));
        assert_eq!(
            out,
            format!(
                "start = {}\nend = {}\n",
                row["start_offset"], row["end_offset"]
            ),
            "{quote}"
        );
        checked += 1;
    }
    assert!(checked > 20, "only {checked} quotes checked");
    // From standard input, without the line break a shell adds.
    let out = dossier(tmp.path())
        .args(["locate", ARTICLE, "-"])
        .with_stdin("training must take place in Mexico\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "start = 1507\nend = 1541\n"
    );
    // Several occurrences: each listed with its line.
    let out = stdout_of(dossier(tmp.path()).args(["locate", ARTICLE, "Sheinbaum"]));
    assert!(out.starts_with("# the quote occurs "), "{out}");
    assert!(out.contains("# occurrence 2 (line "), "{out}");
    // Not there: exit 1, the closest passage with its place.
    let out = dossier(tmp.path())
        .args(["locate", ARTICLE, "trainning must take place in Mexiko"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the closest passage (at 1507) is 'training must take place in Mexico"),
        "{err}"
    );
    // A misspelt article.
    let out = dossier(tmp.path())
        .args(["locate", "rubio-visit", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("did you mean '{ARTICLE}'?")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_record_curated_again_in_another_article_points_to_mentions() {
    let tmp = workspace_with(&root().join("seeds"));
    copy_dir(
        &fixtures().join("second-article"),
        &tmp.path().join("seeds"),
    );
    let facts = tmp.path().join("seeds/follow-up-brief/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    // The brief defines the first article's meeting again instead of mentioning it.
    std::fs::write(
        &facts,
        text.replace(
            "id = \"sheinbaum-announces-group-meeting\"",
            "id = \"rubio-sheinbaum-meeting\"",
        ),
    )
    .unwrap();
    let err = validate_refuses(tmp.path());
    assert!(
        err.contains("duplicate id 'rubio-sheinbaum-meeting': an event already has it"),
        "{err}"
    );
    assert!(
        err.contains(
            "if it is the same event, add evidence from this article with [[mentions]] record = \"rubio-sheinbaum-meeting\""
        ),
        "{err}"
    );
}

#[test]
fn the_curators_inferences_are_marked_in_both_stores_and_are_no_reported_facts() {
    let tmp = built_bundled();
    let sql = |q: &str| stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", q]));
    let sparql = |q: &str| stdout_of(dossier(tmp.path()).args(["sparql", "--format", "csv", q]));
    // The records (and the agreements' parties) the article only implies, each inference with
    // its note.
    let inferred = sql(
        "SELECT record_id, asserted_by, asserter, count(*) FROM record_evidence \
         WHERE modality = 'inference' AND note IS NOT NULL \
         GROUP BY record_id ORDER BY record_id",
    );
    assert_eq!(
        inferred,
        "record_id,asserted_by,asserter,count(*)\n\
         high-level-group-against-drug-trafficking,curator,the curator,1\n\
         intelligence-sharing,curator,the curator,1\n\
         intelligence-sharing-part-of-security-cooperation,curator,the curator,1\n\
         joint-statement-issued-at-meeting,curator,the curator,1\n\
         joint-statement-issued-by-mexico,curator,the curator,1\n\
         joint-statement-issued-by-united-states,curator,the curator,1\n\
         rubio-sheinbaum-meeting-part-of-visit,curator,the curator,2\n\
         sheinbaum-cabinet-part-of-mexico,curator,the curator,1\n\
         us-mexico-security-cooperation,curator,the curator,1\n"
    );
    let graph = sparql(
        "SELECT ?record (COUNT(?note) AS ?n) WHERE { \
           ?e oa:hasBody ?r ; prov:wasAttributedTo ?who ; dos:modality modality:inference ; \
              skos:editorialNote ?note . ?who a dos:Curator . ?r dcterms:identifier ?record \
         } GROUP BY ?record ORDER BY ?record",
    );
    assert_eq!(
        graph.replace("\r\n", "\n"),
        "record,n\n\
         high-level-group-against-drug-trafficking,1\n\
         intelligence-sharing,1\n\
         intelligence-sharing-part-of-security-cooperation,1\n\
         joint-statement-issued-at-meeting,1\n\
         joint-statement-issued-by-mexico,1\n\
         joint-statement-issued-by-united-states,1\n\
         rubio-sheinbaum-meeting-part-of-visit,2\n\
         sheinbaum-cabinet-part-of-mexico,1\n\
         us-mexico-security-cooperation,1\n"
    );
    // Neither store counts them as reported facts: a relation only inferred has none.
    let reported = |record: &str| {
        sql(&format!(
            "SELECT count(*) FROM evidence WHERE record_id = '{record}' \
             AND modality = 'reported_fact'"
        ))
    };
    assert_eq!(
        reported("rubio-sheinbaum-meeting-part-of-visit"),
        "count(*)\n0\n"
    );
    // The stores count the same reported facts, and none of them is the curator's.
    let facts_sql = sql(
        "SELECT count(*) FROM evidence WHERE modality = 'reported_fact' \
         AND asserted_by <> 'curator'",
    );
    let facts_rdf =
        sparql("SELECT (COUNT(*) AS ?n) WHERE { ?e dos:modality modality:reported_fact }");
    assert_eq!(
        facts_sql.lines().nth(1),
        facts_rdf.lines().nth(1).map(str::trim)
    );
    let out = stdout_of(dossier(tmp.path()).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
}

#[test]
fn queries_follow_same_as_and_part_of_across_actors() {
    let tmp = workspace_with(&root().join("seeds"));
    let seeds = tmp.path().join("seeds");
    // A second name for the cartels, said to be the same group, in an article of its own.
    let mut actors = std::fs::read_to_string(seeds.join("actors.toml")).unwrap();
    actors.push_str(
        "\n[[actors]]\nid = \"narcoterrorists\"\nname = \"Narcoterrorists\"\nkind = \"group\"\n\
         \n[[actors]]\nid = \"organized-crime\"\nname = \"Organized crime\"\nkind = \"group\"\n",
    );
    std::fs::write(seeds.join("actors.toml"), actors).unwrap();
    let folder = seeds.join("narco-brief");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("article.txt"),
        "Officials called the Mexican cartels narcoterrorists, a part of organized crime.\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("facts.toml"),
        r#"[article]
title = "Narco brief (test fixture)"
language = "en"

[[relations]]
id = "narcoterrorists-are-the-cartels"
subject = "narcoterrorists"
predicate = "same_as"
object = "mexican-cartels"
[[relations.evidence]]
quote = "called the Mexican cartels narcoterrorists"
asserted_by = "author"
modality = "reported_fact"

[[relations]]
id = "cartels-part-of-organized-crime"
subject = "mexican-cartels"
predicate = "part_of"
object = "organized-crime"
[[relations.evidence]]
quote = "a part of organized crime"
asserted_by = "author"
modality = "reported_fact"

[[mentions]]
record = "organized-crime"
[[mentions.evidence]]
quote = "organized crime"
asserted_by = "author"
modality = "reported_fact"

[[mentions]]
record = "narcoterrorists"
[[mentions.evidence]]
quote = "narcoterrorists"
asserted_by = "author"
modality = "reported_fact"
"#,
    )
    .unwrap();
    dossier(tmp.path()).arg("build").assert_success();
    let rows = |actor: &str| {
        stdout_of(dossier(tmp.path()).args([
            "query",
            "actor-identity",
            "-p",
            &format!("actor={actor}"),
            "--store",
            "both",
            "--format",
            "csv",
        ]))
    };
    // same_as either way round, not the actor itself; part_of upwards, also from an alias.
    assert_eq!(
        rows("narcoterrorists"),
        "other,link\nmexican-cartels,same_as\norganized-crime,part_of\n"
    );
    assert_eq!(
        rows("mexican-cartels"),
        "other,link\nnarcoterrorists,same_as\norganized-crime,part_of\n"
    );
    assert_eq!(rows("sheinbaum-cabinet"), "other,link\nmexico,part_of\n");
    // Only actors: an event or a measure that is part of another is not followed.
    assert_eq!(rows("intelligence-sharing"), "other,link\n");
    // The ids asserted_by gives a meaning to cannot be actors'.
    let actors = seeds.join("actors.toml");
    let before = std::fs::read_to_string(&actors).unwrap();
    std::fs::write(
        &actors,
        format!(
            "{before}\n[[actors]]\nid = \"curator\"\nname = \"A curator\"\nkind = \"person\"\n"
        ),
    )
    .unwrap();
    let err = validate_refuses(tmp.path());
    assert!(
        err.contains("'curator' cannot be an actor's id: it is reserved"),
        "{err}"
    );
    std::fs::write(&actors, before).unwrap();
    // A same_as between a measure and an actor is refused, naming the types that fit.
    let facts = folder.join("facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    std::fs::write(
        &facts,
        text.replace(
            "object = \"mexican-cartels\"",
            "object = \"intelligence-sharing\"",
        ),
    )
    .unwrap();
    let err = validate_refuses(tmp.path());
    assert!(
        err.contains(
            "'same_as' links any two records of one kind (an actor, a topic, a role, an event, \
             an agreement or measure, a policy, a condition, a claim, a commitment), but \
             'narcoterrorists' is an actor and 'intelligence-sharing' is an agreement or measure"
        ),
        "{err}"
    );
    assert!(err.contains("supports, opposes"), "{err}");
}

/// A syntax error in one article is one problem: the references other articles make to the
/// records it defines are not reported as missing while it cannot be read.
#[test]
fn a_syntax_error_stays_in_its_file() {
    let tmp = follow_ups_workspace();
    dossier(tmp.path()).arg("validate").assert_success();
    let facts = tmp
        .path()
        .join("seeds/rubio-visit-to-mexico-2025/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    std::fs::write(&facts, text.replacen("[[events]]", "[[events]", 1)).unwrap();
    let out = validate_refuses(tmp.path());
    assert!(out.contains("1 problem found"), "{out}");
    assert!(
        out.contains("rubio-visit-to-mexico-2025/facts.toml"),
        "{out}"
    );
    assert!(!out.contains("no record has this id"), "{out}");
    // Once it reads, a real dangling reference elsewhere is reported again.
    std::fs::write(
        &facts,
        text.replace("id = \"rubio-sheinbaum-meeting\"", "id = \"the-meeting\""),
    )
    .unwrap();
    let out = validate_refuses(tmp.path());
    assert!(
        out.contains("'rubio-sheinbaum-meeting' does not name"),
        "{out}"
    );
}

/// Articles are read and their quotes located on every core; what validation says must not
/// depend on how many there are. Many articles, each with another kind of mistake, give the
/// same problems, in the same order, on one core as on all of them.
#[test]
fn validation_says_the_same_on_one_core_as_on_all() {
    let tmp = crate::util::follow_ups_workspace();
    let seeds = tmp.path().join("seeds");
    let bundled = seeds.join("rubio-visit-to-mexico-2025");
    let mut cases = 0;
    for entry in std::fs::read_dir(crate::util::fixtures().join("invalid")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let folder = seeds.join(format!("case-{stem}"));
            std::fs::create_dir(&folder).unwrap();
            std::fs::copy(bundled.join("article.txt"), folder.join("article.txt")).unwrap();
            std::fs::copy(&path, folder.join("facts.toml")).unwrap();
            cases += 1;
        }
    }
    assert!(cases >= 10, "{cases}");
    let all = crate::util::dossier(tmp.path())
        .arg("validate")
        .output()
        .unwrap();
    let one = std::process::Command::new("taskset")
        .args(["-c", "0"])
        .arg(crate::util::binary())
        .arg("validate")
        .current_dir(tmp.path())
        .env_remove("DOSSIER_KB")
        .output()
        .expect("taskset (util-linux) runs");
    assert_eq!(all.status.code(), Some(1));
    assert_eq!(one.status.code(), Some(1));
    let problems = String::from_utf8_lossy(&all.stderr);
    assert!(problems.matches("error").count() > cases, "{problems}");
    assert_eq!(problems, String::from_utf8_lossy(&one.stderr));
    assert_eq!(all.stdout, one.stdout);
}

/// The bundled article read with issue 26's principles: words the author reports an actor
/// saying are that actor's stated positions, asserted by the author; the issuers the article
/// implies for the joint statement, and the meeting it was issued at, are the curator's
/// inference; each claim that says what it rests on is linked to its grounds. In both stores.
#[test]
fn the_bundled_article_reports_positions_infers_issuers_and_parties_and_links_claims_to_grounds() {
    let tmp = built_bundled();
    let sql = |q: &str| stdout_of(dossier(tmp.path()).args(["sql", "--format", "csv", q]));
    let sparql = |q: &str| {
        stdout_of(dossier(tmp.path()).args(["sparql", "--format", "csv", q])).replace("\r\n", "\n")
    };
    // The article issues nothing in an actor's name: every quote is the author's or the
    // curator's, and what Sheinbaum and Rubio said are stated positions the author reports.
    assert_eq!(
        sql("SELECT DISTINCT asserted_by FROM evidence ORDER BY 1"),
        "asserted_by\nauthor\ncurator\n"
    );
    assert_eq!(
        sql(
            "SELECT k.actor_id, e.asserted_by, e.modality, count(*) AS n \
             FROM condition_speakers k JOIN evidence e ON e.record_id = k.condition_id \
             GROUP BY 1, 2, 3"
        ),
        "actor_id,asserted_by,modality,n\nclaudia-sheinbaum,author,stated_position,5\n"
    );
    let positions = "SELECT ?claim ?claimant WHERE { \
           ?e oa:hasBody ?c ; dos:modality modality:stated_position ; \
              prov:wasAttributedTo ?who . ?who a dos:Author . \
           ?c a dos:Claim ; dcterms:identifier ?claim ; dos:claimant ?k . \
           ?k dcterms:identifier ?claimant } ORDER BY ?claim";
    assert_eq!(
        sparql(positions),
        "claim,claimant\nanalysts-welcome-meeting,analysts\n\
         rubio-imminent-threat-justification,marco-rubio\n"
    );
    // The joint statement names no issuer: its issuers and its meeting are inferred links,
    // never participants.
    assert_eq!(
        sql("SELECT count(*) FROM event_participants WHERE event_id = 'us-mexico-joint-statement'"),
        "count(*)\n0\n"
    );
    let links = "SELECT l.predicate, l.object_id, r.basis FROM relations l \
                 JOIN records r ON r.id = l.id WHERE l.subject_id = 'us-mexico-joint-statement' \
                 ORDER BY 1, 2";
    let expected = "predicate,object_id,basis\n\
                    announced_during,rubio-sheinbaum-meeting,inferred\n\
                    issued_by,mexico,inferred\n\
                    issued_by,united-states,inferred\n";
    assert_eq!(sql(links), expected);
    assert_eq!(
        sparql(
            "SELECT ?predicate ?object_id ?basis WHERE { \
               ?r a dos:Relation ; rdf:subject event:us-mexico-joint-statement ; \
                  rdf:predicate ?p ; rdf:object ?o ; dos:basis ?b . \
               ?o dcterms:identifier ?object_id . \
               BIND (STRAFTER(STR(?p), \"#\") AS ?predicate) \
               BIND (STRAFTER(STR(?b), \"#\") AS ?basis) } ORDER BY ?predicate ?object_id"
        ),
        expected
    );
    // Nor does it name the parties of the high-level group or of the intelligence sharing:
    // the agreements are the article's report, their parties the curator's inference, in both
    // stores.
    let parties = stdout_of(dossier(tmp.path()).args([
        "query",
        "value-history",
        "-p",
        "record=high-level-group-against-drug-trafficking",
        "--store",
        "both",
        "--format",
        "csv",
    ]));
    assert_eq!(
        parties
            .lines()
            .filter(|l| l.starts_with("parties,"))
            .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>(),
        [
            "parties,mexico,true,normal,inferred",
            "parties,united-states,true,normal,inferred"
        ],
        "{parties}"
    );
    assert_eq!(
        sql(
            "SELECT r.id, r.basis, group_concat(s.basis) AS parties FROM records r \
             JOIN statements s ON s.record_id = r.id AND s.field = 'parties' \
             WHERE r.id IN ('high-level-group-against-drug-trafficking', 'intelligence-sharing') \
             GROUP BY r.id ORDER BY r.id"
        ),
        "id,basis,parties
\
         high-level-group-against-drug-trafficking,reported,\"inferred,inferred\"\n\
         intelligence-sharing,reported,\"inferred,inferred\"\n"
    );
    // The grounds of the distrust, named one by one in the article, in both stores.
    let grounds = stdout_of(dossier(tmp.path()).args([
        "query",
        "relations-of-type",
        "-p",
        "predicate=based_on",
        "--store",
        "both",
        "--format",
        "csv",
    ]));
    let distrust: Vec<&str> = grounds
        .lines()
        .filter_map(|l| l.strip_prefix("distrust-of-rubio-based-on-facts,"))
        .collect();
    assert_eq!(
        distrust,
        [
            "rubio-betrayed-agreements,reported",
            "rubio-shifts-position-for-benefit,reported",
            "rubio-supports-sanctions-against-cuba,reported",
            "rubio-supports-sanctions-against-iran,reported",
            "rubio-supports-sanctions-against-venezuela,reported",
        ]
    );
    assert!(
        grounds
            .contains("escalation-could-extend-to-mexico,cartels-terrorist-designation,reported"),
        "{grounds}"
    );
}

/// `based_on` starts at a claim and `issued_by` ends at an actor: validate refuses other ends
/// and names the kinds the type joins.
#[test]
fn grounds_and_issuers_are_refused_between_kinds_they_do_not_join() {
    let tmp = workspace_with(&root().join("seeds"));
    let facts = tmp.path().join("seeds").join(ARTICLE).join("facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    let text = text
        .replacen(
            "subject = \"distrust-of-rubio-based-on-facts\"",
            "subject = \"trump-tariffs\"",
            1,
        )
        .replacen(
            "predicate = \"issued_by\"\nobject = \"mexico\"",
            "predicate = \"issued_by\"\nobject = \"trump-tariffs\"",
            1,
        );
    std::fs::write(&facts, text).unwrap();
    let err = validate_refuses(tmp.path());
    assert!(
        err.contains(
            "'based_on' links a claim to a claim or an event or an agreement or measure or a \
             policy or a commitment or a condition or a relation, but 'trump-tariffs' is a policy"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "'issued_by' links an event or an agreement or measure or a policy or a commitment to \
             an actor, but 'us-mexico-joint-statement' is an event and 'trump-tariffs' is a policy"
        ),
        "{err}"
    );
}

/// An article can be the text of another article's record: the joint statement's own text is
/// `text_of` the statement the opinion piece mentions, in both stores; `text_of` names a
/// statement, agreement or policy, and anything else is refused with the kinds it takes.
#[test]
fn an_article_is_the_text_of_a_statement_another_article_mentions() {
    let tmp = workspace_with(&root().join("seeds"));
    add_fixture(tmp.path(), "joint-statement-text");
    dossier(tmp.path()).arg("build").assert_success();
    let out = stdout_of(dossier(tmp.path()).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
    let sql = stdout_of(dossier(tmp.path()).args([
        "sql",
        "--format",
        "csv",
        "SELECT t.article_id, t.record_id, r.kind, r.article_id AS defined_in \
         FROM article_text_of t JOIN records r ON r.id = t.record_id",
    ]));
    assert_eq!(
        sql,
        "article_id,record_id,kind,defined_in\n\
         us-mexico-joint-statement-text,us-mexico-joint-statement,event,rubio-visit-to-mexico-2025\n"
    );
    let sparql = stdout_of(dossier(tmp.path()).args([
        "sparql",
        "--format",
        "csv",
        "SELECT ?article ?record WHERE { ?a dos:textOf ?r . ?r a dos:Event . \
         ?a a schema:Article ; dcterms:identifier ?article . ?r dcterms:identifier ?record }",
    ]));
    assert_eq!(
        sparql.replace("\r\n", "\n"),
        "article,record\nus-mexico-joint-statement-text,us-mexico-joint-statement\n"
    );
    // A claim is no text an article can be; a typo gets the closest statement.
    let facts = tmp
        .path()
        .join("seeds/us-mexico-joint-statement-text/facts.toml");
    let text = std::fs::read_to_string(&facts).unwrap();
    std::fs::write(
        &facts,
        text.replace(
            "text_of = [\"us-mexico-joint-statement\"]",
            "text_of = [\"high-level-group-good-step\", \"us-mexico-joint-statment\"]",
        ),
    )
    .unwrap();
    let err = validate_refuses(tmp.path());
    assert!(
        err.contains("'high-level-group-good-step' is a claim, but this field takes an event or an agreement or measure or a policy"),
        "{err}"
    );
    assert!(
        err.contains("did you mean 'us-mexico-joint-statement'?"),
        "{err}"
    );
}
