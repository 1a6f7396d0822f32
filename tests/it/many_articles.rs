//! Many articles, one knowledge base: the two follow-up articles of
//! `tests/fixtures/follow-ups` (a joint communiqué by two governments, a ministry's readout of
//! a working group's first meeting) state values of the bundled article's records, speak
//! jointly, name their issuers and describe a body; both stores are asked for each.

use crate::util::*;
use std::path::Path;

/// `dossier sql` or `dossier sparql` as CSV.
fn csv(dir: &Path, language: &str, query: &str) -> String {
    // SPARQL's CSV ends lines with CRLF, as the W3C format says; compared here as lines.
    stdout_of(dossier(dir).args([language, "--format", "csv", query])).replace("\r\n", "\n")
}

fn built_follow_ups() -> tempfile::TempDir {
    let tmp = follow_ups_workspace();
    dossier(tmp.path()).arg("build").assert_success();
    tmp
}

#[test]
fn the_follow_ups_validate_build_and_both_stores_agree() {
    let tmp = built_follow_ups();
    let out = stdout_of(dossier(tmp.path()).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
    // Every stated value is a statement in both stores: the date and place of the meeting,
    // two statuses of the agreement and of the commitment, the group's alias and the
    // agreement's; the meeting's participants as the opinion article (two) and the communiqué
    // (four) give them, the commitment's count of ports of entry, and the parties the opinion
    // article's curator infers for two of its agreements.
    let counts: Vec<String> = out
        .lines()
        .find(|l| l.contains(" statement "))
        .expect("a statement line")
        .split(['│', '┆'])
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(counts, ["statement", "19", "19"], "{out}");
}

/// A later article dates an event the first left undated and changes an agreement's status;
/// both values and both sources are in both stores, and the record holds the later one.
#[test]
fn a_later_article_dates_an_event_and_changes_a_status_in_both_stores() {
    let tmp = built_follow_ups();
    let dir = tmp.path();
    // The records hold the current values...
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT date, date_precision, place FROM events WHERE id = 'rubio-sheinbaum-meeting'"
        ),
        "date,date_precision,place\n2025-09-03,day,the National Palace in Mexico City\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?date ?status WHERE { event:rubio-sheinbaum-meeting dcterms:date ?date . \
             agreement:high-level-group-against-drug-trafficking dos:agreementStatus ?status }"
        ),
        "date,status\n2025-09-03,https://w3id.org/dossier/vocab/agreement-status#established\n"
    );
    // ...and every stated value keeps its source and quote, in SQL...
    let sql = csv(
        dir,
        "sql",
        "SELECT s.value, s.is_current, s.article_id, e.quote FROM statements s \
         JOIN statement_evidence se ON se.statement_id = s.id JOIN evidence e ON e.id = se.evidence_id \
         WHERE s.record_id = 'high-level-group-against-drug-trafficking' AND s.field = 'status' \
         ORDER BY s.value",
    );
    assert_eq!(
        sql,
        "value,is_current,article_id,quote\n\
         announced,0,rubio-visit-to-mexico-2025,The joint statement highlighted the creation of a \
         high-level group to coordinate efforts against drug trafficking\n\
         established,1,joint-communique-2025-09-04,\"The two governments have established the \
         Security Implementation Group, the high-level group announced in their joint statement\"\n"
    );
    // ...and in SPARQL, as annotated statement nodes.
    let sparql = csv(
        dir,
        "sparql",
        "SELECT ?value ?current ?article ?quote WHERE { \
           ?s a dos:Statement ; rdf:subject agreement:high-level-group-against-drug-trafficking ; \
              dos:field \"status\" ; rdf:object ?v ; dos:isCurrent ?current ; \
              prov:wasDerivedFrom/dcterms:identifier ?article ; \
              dos:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote . \
           BIND(STRAFTER(STR(?v), \"#\") AS ?value) } ORDER BY ?value",
    );
    assert_eq!(
        sparql,
        "value,current,article,quote\n\
         announced,false,rubio-visit-to-mexico-2025,The joint statement highlighted the creation \
         of a high-level group to coordinate efforts against drug trafficking\n\
         established,true,joint-communique-2025-09-04,\"The two governments have established the \
         Security Implementation Group, the high-level group announced in their joint statement\"\n"
    );
    // The meeting had no date before: its only date is the communiqué's, a typed literal.
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?date ?article WHERE { ?s rdf:subject event:rubio-sheinbaum-meeting ; \
             dos:field \"date\" ; rdf:object ?date ; prov:wasDerivedFrom/dcterms:identifier ?article . \
             FILTER(DATATYPE(?date) = xsd:date) }"
        ),
        "date,article\n2025-09-03,joint-communique-2025-09-04\n"
    );
    // A commitment's status moves on in the readout, a month later; a body gains an alias.
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT c.status, (SELECT group_concat(alias) FROM actor_aliases \
             WHERE actor_id = 'security-implementation-group') AS aliases FROM commitments c \
             WHERE c.id = 'us-increase-southbound-inspections'"
        ),
        "status,aliases\nin_progress,SIG\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?alias WHERE { actor:security-implementation-group skos:altLabel ?alias }"
        ),
        "alias\nSIG\n"
    );
    // The named queries over statements answer the same in both stores.
    for name in ["value-history", "sources-disagree"] {
        let sql =
            stdout_of(dossier(dir).args(["query", name, "--store", "sql", "--format", "csv"]));
        let rdf =
            stdout_of(dossier(dir).args(["query", name, "--store", "rdf", "--format", "csv"]));
        assert_eq!(sql, rdf, "{name}");
        assert!(
            sql.contains("established,true") && sql.contains("announced,false"),
            "{sql}"
        );
    }
    // Everything known of the meeting, quote by quote: the opinion article's quotes back its
    // own participants (which the communiqué states too), the communiqué's its date and place.
    for store in ["sql", "rdf"] {
        let out = stdout_of(dossier(dir).args([
            "query",
            "record-sources",
            "--param",
            "record=rubio-sheinbaum-meeting",
            "--store",
            store,
            "--format",
            "csv",
        ]));
        assert!(
            out.contains("rubio-visit-to-mexico-2025,,\"The meeting, although welcomed by the vast majority of analysts\",author,reported_fact,participants,\"{\"\"actor\"\":\"\"marco-rubio\"\",\"\"role\"\":\"\"participant\"\"}\",true")
                && out.contains("National Palace in Mexico City\",author,reported_fact,date,2025-09-03,true"),
            "{store}: {out}"
        );
    }
    let disagree = stdout_of(dossier(dir).args(["query", "sources-disagree", "--format", "csv"]));
    assert!(
        disagree.contains("us-increase-southbound-inspections,status,pledged,false"),
        "{disagree}"
    );
    assert!(
        !disagree.contains("aliases"),
        "a list gains items, it does not disagree: {disagree}"
    );
}

/// A joint position is one record with two speakers, and a communiqué's "author" is both of
/// its issuing governments.
#[test]
fn a_joint_principle_is_one_record_with_two_speakers() {
    let tmp = built_follow_ups();
    let dir = tmp.path();
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT condition_id, group_concat(actor_id, ' ') AS speakers FROM \
             (SELECT * FROM condition_speakers WHERE condition_id LIKE 'cooperation-rests%' \
              OR condition_id = 'joint-training-only-in-mexico' ORDER BY condition_id, actor_id) \
             GROUP BY condition_id"
        ),
        "condition_id,speakers\n\
         cooperation-rests-on-sovereignty-and-territorial-integrity,mexico united-states\n\
         joint-training-only-in-mexico,mexico united-states\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?who WHERE { condition:cooperation-rests-on-sovereignty-and-territorial-integrity \
             dos:statedBy ?a . ?a dcterms:identifier ?who } ORDER BY ?who"
        ),
        "who\nmexico\nunited-states\n"
    );
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT claimant FROM claim_claimants \
             WHERE claim_id = 'cooperation-rests-on-shared-responsibility' ORDER BY claimant"
        ),
        "claimant\nmexico\nunited-states\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT (COUNT(?who) AS ?n) WHERE { \
             claim:cooperation-rests-on-shared-responsibility dos:claimant ?who }"
        ),
        "n\n2\n"
    );
    // "author" stands for the issuers: both governments in the communiqué, the ministry in the
    // readout.
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT article_id, group_concat(DISTINCT actor_id) AS speakers FROM \
             (SELECT * FROM evidence_speakers WHERE asserted_by = 'author' ORDER BY actor_id) \
             GROUP BY article_id ORDER BY article_id"
        ),
        "article_id,speakers\n\
         joint-communique-2025-09-04,\"mexico,united-states\"\n\
         security-group-first-meeting-readout,mexico-foreign-ministry\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?issuer WHERE { article:joint-communique-2025-09-04 prov:wasAttributedTo ?a . \
             ?a dcterms:identifier ?issuer } ORDER BY ?issuer"
        ),
        "issuer\nmexico\nunited-states\n"
    );
}

/// A working group is a body: an organisation created by the agreement, taking part in its
/// own meetings, which follow one another; membership the readout only implies is the
/// curator's inference, never a reported fact.
#[test]
fn a_working_group_is_a_body_with_meetings_and_members() {
    let tmp = built_follow_ups();
    let dir = tmp.path();
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?meeting ?date ?created_by WHERE { \
             actor:security-implementation-group a schema:Organization ; \
               relation-type:created_by ?agreement . \
             ?agreement dcterms:identifier ?created_by . \
             ?m dos:participation/dos:agent actor:security-implementation-group ; \
               dcterms:identifier ?meeting ; dcterms:date ?date } ORDER BY ?date"
        ),
        "meeting,date,created_by\n\
         security-implementation-group-first-meeting,2025-10-01,high-level-group-against-drug-trafficking\n\
         security-implementation-group-second-meeting,2025-12,high-level-group-against-drug-trafficking\n"
    );
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT subject_id, predicate, object_id FROM relations \
             WHERE predicate IN ('follows', 'member_of', 'created_by') ORDER BY predicate"
        ),
        "subject_id,predicate,object_id\n\
         security-implementation-group,created_by,high-level-group-against-drug-trafficking\n\
         security-implementation-group-second-meeting,follows,security-implementation-group-first-meeting\n\
         us-department-of-state,member_of,security-implementation-group\n"
    );
    // A member with its role in the body.
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?title WHERE { ?r a dos:Role ; dos:heldBy actor:mexico-foreign-ministry ; \
             dos:roleIn actor:security-implementation-group ; schema:roleName ?title }"
        ),
        "title\nchair\n"
    );
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT asserted_by, modality, note IS NOT NULL AS has_note FROM evidence \
             WHERE record_id = 'department-of-state-member-of-security-implementation-group'"
        ),
        "asserted_by,modality,has_note\ncurator,inference,1\n"
    );
    // Commitments with a deadline in words or as a date, and quantities (the readout gives the
    // count of ports of entry the communiqué did not).
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT c.id, c.deadline, c.deadline_text, q.value FROM commitments c \
             LEFT JOIN commitment_quantities q ON q.commitment_id = c.id \
             WHERE c.article_id = 'joint-communique-2025-09-04' ORDER BY c.id"
        ),
        "id,deadline,deadline_text,value\n\
         mexico-expand-lab-interdiction-to-32-states,2026,by the end of 2026,32\n\
         security-implementation-group-first-meeting-within-30-days,,within 30 days,\n\
         us-increase-southbound-inspections,,,12\n"
    );
}

/// Appends TOML to one of the follow-ups' facts files.
fn append(dir: &Path, article: &str, toml: &str) {
    let path = dir.join("seeds").join(article).join("facts.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(toml);
    std::fs::write(&path, text).unwrap();
}

fn replace(dir: &Path, article: &str, from: &str, to: &str) {
    let path = dir.join("seeds").join(article).join("facts.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

const READOUT: &str = "security-group-first-meeting-readout";
const COMMUNIQUE: &str = "joint-communique-2025-09-04";

/// The readout also states where the Rubio–Sheinbaum meeting took place.
const READOUT_PLACE: &str = r#"
[[mentions]]
record = "rubio-sheinbaum-meeting"
states = { place = "Mexico City" }

[[mentions.evidence]]
quote = "in Mexico City"
asserted_by = "author"
modality = "reported_fact"
"#;

fn current_place(dir: &Path) -> String {
    dossier(dir).arg("build").assert_success();
    csv(
        dir,
        "sql",
        "SELECT place FROM events WHERE id = 'rubio-sheinbaum-meeting'",
    )
}

/// The documented rule: a preferred value wins; else the latest published source; an undated
/// source is older than a dated one; two equally late sources that disagree are refused.
#[test]
fn the_current_value_follows_the_documented_rule() {
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    append(dir, READOUT, READOUT_PLACE);
    // The readout (2025-10-02) is later than the communiqué (2025-09-04).
    assert_eq!(current_place(dir), "place\nMexico City\n");
    // The curator prefers the communiqué's words.
    replace(
        dir,
        COMMUNIQUE,
        "states = { date = \"2025-09-03\", place = \"the National Palace in Mexico City\" }",
        "states = { date = \"2025-09-03\", place = \"the National Palace in Mexico City\" }\nrank = \"preferred\"",
    );
    assert_eq!(
        current_place(dir),
        "place\nthe National Palace in Mexico City\n"
    );
    let ranks = csv(
        dir,
        "sql",
        "SELECT article_id, rank, is_current FROM statements \
         WHERE record_id = 'rubio-sheinbaum-meeting' AND field = 'place' ORDER BY article_id",
    );
    assert_eq!(
        ranks,
        format!("article_id,rank,is_current\n{COMMUNIQUE},preferred,1\n{READOUT},normal,0\n")
    );
    replace(dir, COMMUNIQUE, "\nrank = \"preferred\"", "");
    // Undated, the readout is older than the dated communiqué.
    replace(dir, READOUT, "published = \"2025-10-02\"\n", "");
    assert_eq!(
        current_place(dir),
        "place\nthe National Palace in Mexico City\n"
    );
    // Published the same day, they disagree with nothing to choose between them: refused.
    replace(
        dir,
        READOUT,
        "genre = \"readout\"",
        "genre = \"readout\"\npublished = \"2025-09-04\"",
    );
    let out = dossier(dir).arg("validate").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "'{COMMUNIQUE}' and '{READOUT}' state different values of 'place' for \
             'rubio-sheinbaum-meeting' and neither is published later"
        )) && err.contains("rank = \"preferred\""),
        "{err}"
    );
    assert!(err.contains(&format!("{READOUT}/facts.toml:")), "{err}");
    assert!(err.contains("equally late"), "{err}");
    // A month counts as its first day: `2025-09` is as late as `2025-09-01` (it was taken as
    // earlier, and the communiqué's value silently won).
    replace(
        dir,
        READOUT,
        "published = \"2025-09-04\"",
        "published = \"2025-09\"",
    );
    replace(
        dir,
        COMMUNIQUE,
        "published = \"2025-09-04\"",
        "published = \"2025-09-01\"",
    );
    let out = dossier(dir).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("neither is published later"),
        "{err}"
    );
    // A day later than the month's first is later.
    replace(
        dir,
        COMMUNIQUE,
        "published = \"2025-09-01\"",
        "published = \"2025-09-02\"",
    );
    assert_eq!(
        current_place(dir),
        "place\nthe National Palace in Mexico City\n"
    );
}

/// A later source that gives only the month of a date an earlier one gives to the day does not
/// undo the precision: the day stays current and the month is a progression, in both stores; a
/// later date outside it still replaces it; two sources as late, one more precise, are no rivals.
#[test]
fn a_vaguer_later_date_leaves_the_precise_one_current() {
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    append(
        dir,
        READOUT,
        &READOUT_PLACE.replace(
            "states = { place = \"Mexico City\" }",
            "states = { date = \"2025-09\" }",
        ),
    );
    let dates = |dir: &Path| {
        dossier(dir).arg("build").assert_success();
        let mut found = Vec::new();
        for store in ["sql", "rdf"] {
            let history = query_rows(
                dir,
                store,
                "value-history",
                &["record=rubio-sheinbaum-meeting"],
                &["field", "article"],
            );
            let row = |article: &str| {
                let r = &history[&format!("date|{article}")];
                format!(
                    "{} {} {}",
                    r["value"].as_str().unwrap(),
                    r["current"].as_str().unwrap(),
                    r["difference"].as_str().unwrap_or("-")
                )
            };
            found.push([row(COMMUNIQUE), row(READOUT)]);
        }
        assert_eq!(found[0], found[1], "both stores");
        found.pop().unwrap()
    };
    assert_eq!(
        dates(dir),
        ["2025-09-03 true -", "2025-09 false progression"]
    );
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT date, date_precision FROM events WHERE id = 'rubio-sheinbaum-meeting'"
        ),
        "date,date_precision\n2025-09-03,day\n"
    );
    // A later date outside the first still replaces it: the sources disagree.
    replace(
        dir,
        READOUT,
        "states = { date = \"2025-09\" }",
        "states = { date = \"2025-10\" }",
    );
    assert_eq!(
        dates(dir),
        ["2025-09-03 false contradiction", "2025-10 true -"]
    );
    // Published the same day, the month and the day are one date said two ways, and a pledge
    // and its progress two steps of one story: no rivals, the day and the progress current.
    replace(
        dir,
        READOUT,
        "states = { date = \"2025-10\" }",
        "states = { date = \"2025-09\" }",
    );
    replace(
        dir,
        READOUT,
        "published = \"2025-10-02\"",
        "published = \"2025-09-04\"",
    );
    assert_eq!(
        dates(dir),
        ["2025-09-03 true -", "2025-09 false progression"]
    );
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT value, is_current, difference FROM statements \
             WHERE record_id = 'us-increase-southbound-inspections' AND field = 'status' \
             ORDER BY value"
        ),
        "value,is_current,difference\nin_progress,1,\npledged,0,progression\n"
    );
}

/// What stays a disagreement: a precise date a later source corrects is not brought back by an
/// even later, vaguer one; two days within one month leave the month current; equally late
/// sources whose statuses branch (fulfilled, abandoned) are refused.
#[test]
fn corrected_dates_and_branching_steps_stay_disagreements() {
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    copy_dir(&fixtures().join("second-article"), &dir.join("seeds"));
    const BRIEF: &str = "follow-up-brief";
    let meeting_date = |value: &str| {
        format!(
            "\n[[mentions]]\nrecord = \"rubio-sheinbaum-meeting\"\nstates = {{ date = \"{value}\" }}\n\n\
             [[mentions.evidence]]\nquote = \"Marco Rubio called the meeting “productive”\"\n\
             asserted_by = \"author\"\nmodality = \"reported_fact\"\n"
        )
    };
    // September 3 (communiqué, 4 September), corrected to October (readout, 2 October), then
    // "2025" (the brief, November): October holds, September 3 is contradicted.
    append(
        dir,
        READOUT,
        &READOUT_PLACE.replace(
            "states = { place = \"Mexico City\" }",
            "states = { date = \"2025-10\" }",
        ),
    );
    replace(
        dir,
        BRIEF,
        "published = \"2025-10\"",
        "published = \"2025-11\"",
    );
    append(dir, BRIEF, &meeting_date("2025"));
    dossier(dir).arg("build").assert_success();
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT article_id, value, is_current, difference FROM statements \
             WHERE record_id = 'rubio-sheinbaum-meeting' AND field = 'date' ORDER BY article_id"
        ),
        format!(
            "article_id,value,is_current,difference\n\
             {BRIEF},2025,0,progression\n\
             {COMMUNIQUE},2025-09-03,0,contradiction\n\
             {READOUT},2025-10,1,\n"
        )
    );
    // Two days within the month the latest source gives, from sources as late as each other:
    // the month holds, neither day.
    replace(
        dir,
        READOUT,
        "states = { date = \"2025-10\" }",
        "states = { date = \"2025-09-05\" }",
    );
    replace(
        dir,
        READOUT,
        "published = \"2025-10-02\"",
        "published = \"2025-09-04\"",
    );
    replace(
        dir,
        BRIEF,
        "states = { date = \"2025\" }",
        "states = { date = \"2025-09\" }",
    );
    dossier(dir).arg("build").assert_success();
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT date, date_precision FROM events WHERE id = 'rubio-sheinbaum-meeting'"
        ),
        "date,date_precision\n2025-09,month\n"
    );
    // A pledge fulfilled and abandoned by sources as late: refused, not settled by file order.
    replace(
        dir,
        READOUT,
        "states = { status = \"in_progress\",",
        "states = { status = \"fulfilled\",",
    );
    replace(
        dir,
        READOUT,
        "published = \"2025-09-04\"",
        "published = \"2025-11\"",
    );
    append(
        dir,
        BRIEF,
        "\n[[mentions]]\nrecord = \"us-increase-southbound-inspections\"\n\
         states = { status = \"abandoned\" }\n\n[[mentions.evidence]]\n\
         quote = \"A new inspection regime covers 500 border crossings\"\n\
         asserted_by = \"author\"\nmodality = \"reported_fact\"\n",
    );
    let out = dossier(dir).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains(&format!(
                "'{BRIEF}' and '{READOUT}' state different values of 'status' for \
                 'us-increase-southbound-inspections'"
            )),
        "{err}"
    );
}

/// Between two sources published the same day, what an article says wins over what the
/// curator only infers from the other; preferred, the inference wins; two inferences that
/// disagree are refused as two reports are.
#[test]
fn a_reported_value_wins_over_an_inferred_one_of_the_same_date() {
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    let inferred_place = READOUT_PLACE.replace(
        "asserted_by = \"author\"\nmodality = \"reported_fact\"",
        "asserted_by = \"curator\"\nmodality = \"inference\"\n\
             note = \"The readout is dated from Mexico City; the curator takes the meeting to \
             have been there too.\"",
    );
    assert_ne!(inferred_place, READOUT_PLACE);
    append(dir, READOUT, &inferred_place);
    replace(
        dir,
        READOUT,
        "published = \"2025-10-02\"",
        "published = \"2025-09-04\"",
    );
    // (Published the same day, the readout's progress of a pledge is its further step: no
    // rival of the communiqué's pledge.)
    // The communiqué reports the place; the readout, as late, only lets the curator infer one.
    assert_eq!(
        current_place(dir),
        "place\nthe National Palace in Mexico City\n"
    );
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT s.article_id, s.is_current, e.modality FROM statements s \
             JOIN statement_evidence se ON se.statement_id = s.id \
             JOIN evidence e ON e.id = se.evidence_id \
             WHERE s.record_id = 'rubio-sheinbaum-meeting' AND s.field = 'place' \
             ORDER BY s.article_id"
        ),
        format!(
            "article_id,is_current,modality\n{COMMUNIQUE},1,reported_fact\n{READOUT},0,inference\n"
        )
    );
    // Preferred, the inference holds.
    replace(
        dir,
        READOUT,
        "states = { place = \"Mexico City\" }",
        "states = { place = \"Mexico City\" }\nrank = \"preferred\"",
    );
    assert_eq!(current_place(dir), "place\nMexico City\n");
    replace(
        dir,
        READOUT,
        "states = { place = \"Mexico City\" }\nrank = \"preferred\"",
        "states = { place = \"Mexico City\" }",
    );
    // Two inferences of the same date that disagree: refused, with the usual advice.
    replace(
        dir,
        COMMUNIQUE,
        "in Mexico City\"\nasserted_by = \"author\"\nmodality = \"reported_fact\"",
        "in Mexico City\"\nasserted_by = \"curator\"\nmodality = \"inference\"\n\
         note = \"Read as the place of the meeting from the communiqué's opening.\"",
    );
    let out = dossier(dir).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("neither is published later"),
        "{err}"
    );
}

/// What a mention may not state, each refused by `validate` with its place and advice.
#[test]
fn bad_stated_values_are_refused_with_advice() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "record = \"rubio-sheinbaum-meeting\"\nstates = { plase = \"Mexico City\" }",
            "'plase' is not a field of an event",
            "did you mean 'place'?",
        ),
        (
            "record = \"rubio-sheinbaum-meeting\"\nstates = { date = \"2025-13-01\" }",
            "is not a value of 'date'",
            "month 13 is not between 01 and 12",
        ),
        (
            "record = \"high-level-group-against-drug-trafficking\"\nstates = { status = \"ratified\" }",
            "is not a value of 'status'",
            "agreed",
        ),
        (
            "record = \"high-level-group-against-drug-trafficking\"\nstates = { parties = [\"nowhere\"] }",
            "'nowhere' is not an actor",
            "name a record of that kind",
        ),
        (
            "record = \"mexico-foreign-ministry\"\nstates = { aliases = [\"the Secretariat\"] }\nrank = \"preferred\"",
            "'aliases' is a list",
            "remove rank",
        ),
        (
            "record = \"rubio-met-sheinbaum\"\nstates = { object = \"mexico\" }",
            "a relation's values cannot be stated by another article",
            "define a relation of this article",
        ),
        (
            "record = \"security-implementation-group-first-meeting\"\nstates = { place = \"Mexico City\" }",
            "'place' of 'security-implementation-group-first-meeting' is set on the record, in \
             this article",
            "leave it empty there and state it here",
        ),
        (
            "record = \"mexico\"\nrank = \"preferred\"",
            "a rank without stated values",
            "add `states`",
        ),
        (
            "record = \"cooperation-rests-on-shared-responsibility\"\nstates = { claimant = \"author\" }",
            "'author' cannot be stated by another article",
            "name the actor instead",
        ),
        (
            "record = \"rubio-sheinbaum-meeting\"\nstates = { place = \"Mexico City\" }\n\n\
             [[mentions.evidence]]\nquote = \"in Mexico City\"\nasserted_by = \"author\"\n\
             modality = \"reported_fact\"\n\n[[mentions]]\nrecord = \"rubio-sheinbaum-meeting\"\n\
             states = { place = \"Mexico\" }",
            "this article states 'place' of 'rubio-sheinbaum-meeting' twice",
            "state a field once per article",
        ),
    ];
    for (mention, message, help) in cases {
        let tmp = follow_ups_workspace();
        append(
            tmp.path(),
            READOUT,
            &format!(
                "\n[[mentions]]\n{mention}\n\n[[mentions.evidence]]\nquote = \"in Mexico City\"\n\
                 asserted_by = \"author\"\nmodality = \"reported_fact\"\n"
            ),
        );
        let out = dossier(tmp.path()).arg("validate").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{mention}: accepted");
        assert!(
            err.contains(message) && err.contains(help),
            "{mention}: wanted {message:?} and {help:?}, got\n{err}"
        );
        assert!(err.contains(&format!("{READOUT}/facts.toml:")), "{err}");
    }
}

/// A curated title is the curator's, with a note; the bundled article's is marked so.
#[test]
fn a_curated_title_is_marked_and_explained() {
    let tmp = built_follow_ups();
    assert_eq!(
        csv(
            tmp.path(),
            "sql",
            "SELECT id, title_source FROM articles ORDER BY id"
        ),
        format!(
            "id,title_source\n{COMMUNIQUE},article\nrubio-visit-to-mexico-2025,curator\n{READOUT},article\n"
        )
    );
    assert_eq!(
        csv(
            tmp.path(),
            "sparql",
            "SELECT ?s WHERE { article:rubio-visit-to-mexico-2025 dos:titleSource ?s }"
        ),
        "s\nhttps://w3id.org/dossier/vocab/title-source#curator\n"
    );
    let ws = follow_ups_workspace();
    replace(
        ws.path(),
        READOUT,
        "title_note = \"Synthetic test fixture in the style of a ministry's readout; not a real document.\"",
        "title_source = \"curator\"",
    );
    let out = dossier(ws.path()).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("the curator's title has no title_note"),
        "{err}"
    );
}

/// Text in the article's words is tagged with the language of the record's article: a value
/// from an article in another language is refused rather than mislabelled.
#[test]
fn text_stated_in_another_language_is_refused() {
    let tmp = follow_ups_workspace();
    append(tmp.path(), READOUT, READOUT_PLACE);
    replace(
        tmp.path(),
        READOUT,
        "language = \"en\"",
        "language = \"es\"",
    );
    let out = dossier(tmp.path()).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains(
                "'place' is text in the words of the record's article (en), but this article is in es"
            ),
        "{err}"
    );
}

/// Topics narrow broader ones; a loop of broader links is refused where it closes.
#[test]
fn topics_are_about_broader_topics_and_never_loop() {
    let tmp = built_follow_ups();
    // A record about fentanyl is about drug trafficking too, in both stores.
    for store in ["sql", "rdf"] {
        let rows = stdout_of(dossier(tmp.path()).args([
            "query",
            "records-about-topic",
            "--store",
            store,
            "--format",
            "csv",
        ]));
        assert!(
            rows.contains("mexico-expand-lab-interdiction-to-32-states,commitment,fentanyl,"),
            "{store}: {rows}"
        );
    }
    let ws = follow_ups_workspace();
    let topics = ws.path().join("seeds/topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    let looped = text.replacen(
        "label = \"security cooperation\"",
        "label = \"security cooperation\"\nbroader = \"intelligence\"",
        1,
    );
    assert_ne!(text, looped);
    std::fs::write(&topics, looped).unwrap();
    let out = dossier(ws.path()).arg("validate").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("the topics' broader links go round")
            && err.contains("topics.toml:"),
        "{err}"
    );
}

/// `timeline-by-source` gives each source's own date: the article that states a date shows it,
/// an article that only mentions the event shows none (it once showed the record's date beside
/// every source), in both stores.
#[test]
fn timeline_by_source_shows_the_date_each_source_gives() {
    let tmp = built_follow_ups();
    let rows: serde_json::Value = serde_json::from_str(&stdout_of(dossier(tmp.path()).args([
        "query",
        "timeline-by-source",
        "--store",
        "both",
        "--json",
    ])))
    .unwrap();
    let dates = |article: &str| -> Vec<serde_json::Value> {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["event"] == "rubio-sheinbaum-meeting" && r["article"] == article)
            .map(|r| serde_json::json!([r["date"], r["date_precision"]]))
            .collect()
    };
    let stated = dates("joint-communique-2025-09-04");
    assert!(!stated.is_empty());
    assert!(
        stated
            .iter()
            .all(|d| *d == serde_json::json!(["2025-09-03", "day"])),
        "{stated:?}"
    );
    let silent = dates("rubio-visit-to-mexico-2025");
    assert!(!silent.is_empty());
    assert!(
        silent.iter().all(|d| *d == serde_json::json!([null, null])),
        "{silent:?}"
    );
    // An event no later article dates keeps its defining article's date.
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["event"] == "rubio-mexico-visit"
                && r["article"] == "rubio-visit-to-mexico-2025"
                && r["date"] == "2025-09"
                && r["date_precision"] == "month")
    );
}

/// `claims-by-kind` credits an author's claims to the article's issuers, article by article,
/// instead of adding every article's author together.
#[test]
fn claims_by_kind_credits_each_articles_author() {
    let tmp = built_follow_ups();
    let rows: serde_json::Value = serde_json::from_str(&stdout_of(dossier(tmp.path()).args([
        "query",
        "claims-by-kind",
        "--store",
        "both",
        "--json",
    ])))
    .unwrap();
    let rows = rows.as_array().unwrap();
    let row = |claimant: &str, article: Option<&str>| {
        rows.iter()
            .filter(|r| {
                r["claimant"] == claimant && r["as_author_of"] == serde_json::json!(article)
            })
            .map(|r| r["claims"].as_i64().unwrap())
            .sum::<i64>()
    };
    // The readout's author is its issuer, the foreign ministry; the opinion piece names none.
    assert!(
        row(
            "mexico-foreign-ministry",
            Some("security-group-first-meeting-readout")
        ) > 0
    );
    assert!(row("author", Some("rubio-visit-to-mexico-2025")) > 0);
    assert_eq!(
        row("author", Some("security-group-first-meeting-readout")),
        0
    );
    // Claims an actor makes by name stay apart from those it makes as an issuer.
    assert!(row("mexico", None) > 0);
}

/// `actor-full-activity` credits every article that quotes a record the actor is linked to (the
/// communiqué that reports Rubio's meeting), and lists the quotes that mention the actor.
#[test]
fn actor_full_activity_credits_every_article_that_quotes_the_link() {
    let tmp = built_follow_ups();
    let rows = stdout_of(dossier(tmp.path()).args([
        "query",
        "actor-full-activity",
        "--store",
        "both",
        "--csv",
    ]));
    for line in [
        "rubio-sheinbaum-meeting,event,participant (participant),joint-communique-2025-09-04",
        "rubio-sheinbaum-meeting,event,participant (participant),rubio-visit-to-mexico-2025",
        "marco-rubio,actor,mentioned (reported_fact),rubio-visit-to-mexico-2025",
    ] {
        assert!(
            rows.lines().any(|l| l == line),
            "{line} missing from\n{rows}"
        );
    }
}

/// A third, later source: an analysts' note that dates the visit only through the curator's
/// inference, calls the high-level group merely proposed, and words its purpose its own way.
const NOTE: &str = "analysts-note-2025-11";
const NOTE_TEXT: &str = "Analysts’ note, November 1, 2025. The joint statement was issued on \
September 3, 2025, while Rubio was in Mexico. Officials now call the high-level group merely \
proposed. In the officials’ words, the group exists to dismantle the cartels’ finances.";
const NOTE_FACTS: &str = r#"[article]
title = "Analysts’ note"
language = "en"
published = "2025-11-01"

[[mentions]]
record = "rubio-mexico-visit"
states = { date = "2025-09-03" }

[[mentions.evidence]]
quote = "The joint statement was issued on September 3, 2025, while Rubio was in Mexico"
asserted_by = "curator"
modality = "inference"
note = "The visit was under way the day the statement was issued; the curator dates it to that day."

[[mentions]]
record = "high-level-group-against-drug-trafficking"
states = { status = "proposed", purpose = "dismantle the cartels’ finances" }

[[mentions.evidence]]
quote = "Officials now call the high-level group merely proposed. In the officials’ words, the group exists to dismantle the cartels’ finances"
asserted_by = "author"
modality = "reported_fact"

[[mentions]]
record = "high-level-group-against-drug-trafficking"
states = { topics = ["illicit-finance"] }

[[mentions.evidence]]
quote = "the group exists to dismantle the cartels’ finances"
asserted_by = "author"
modality = "reported_fact"
"#;

/// A named query's rows from one store, as (its key columns joined by '|', the row).
fn query_rows(
    dir: &Path,
    store: &str,
    name: &str,
    params: &[&str],
    key: &[&str],
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut args = vec!["query", name, "--store", store, "--format", "json"];
    for p in params {
        args.extend(["--param", p]);
    }
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&stdout_of(dossier(dir).args(&args))).unwrap();
    rows.into_iter()
        .map(|row| {
            let k: Vec<String> = key
                .iter()
                .map(|c| row[*c].as_str().unwrap_or("").to_owned())
                .collect();
            (k.join("|"), row)
        })
        .collect()
}

/// Each stated value says what it rests on (reported, or only the curator's inference) and how
/// a value that is not current stands to the current one: a status the lifecycle leads on from
/// and a date made more precise are progressions, another source's wording of a purpose is a
/// parallel voice that does not replace the defining text unless preferred, and a status that
/// goes back is a contradiction. Both stores say so, and the report marks it.
#[test]
fn values_carry_their_basis_and_sources_disagree_tells_progress_from_contradiction() {
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    dossier(dir).arg("build").assert_success();
    let key = ["record", "field", "value"];
    let standing = |dir: &Path, store: &str| {
        query_rows(dir, store, "sources-disagree", &[], &key)
            .into_iter()
            .map(|(k, row)| {
                let cell = |c: &str| row[c].as_str().unwrap_or("-").to_owned();
                let how = format!(
                    "{} {} {} {}",
                    cell("current"),
                    cell("difference"),
                    cell("rank"),
                    cell("basis")
                );
                (k, how)
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    const GROUP: &str = "high-level-group-against-drug-trafficking";
    // The communiqué moves the group on from announced to established, the readout a pledge to
    // progress: progressions.
    for store in ["sql", "rdf"] {
        let found = standing(dir, store);
        assert_eq!(
            found[&format!("{GROUP}|status|announced")],
            "false progression normal reported",
            "{store}: {found:#?}"
        );
        assert_eq!(
            found[&format!("{GROUP}|status|established")],
            "true - normal reported"
        );
        assert_eq!(
            found["us-increase-southbound-inspections|status|pledged"],
            "false progression normal reported"
        );
    }

    let note = dir.join("seeds").join(NOTE);
    std::fs::create_dir_all(&note).unwrap();
    std::fs::write(note.join("article.txt"), NOTE_TEXT).unwrap();
    std::fs::write(note.join("facts.toml"), NOTE_FACTS).unwrap();
    dossier(dir).arg("build").assert_success();
    for store in ["sql", "rdf"] {
        let found = standing(dir, store);
        let want = [
            // Going back from established to proposed contradicts both earlier statuses.
            (
                format!("{GROUP}|status|announced"),
                "false contradiction normal reported",
            ),
            (
                format!("{GROUP}|status|established"),
                "false contradiction normal reported",
            ),
            (format!("{GROUP}|status|proposed"), "true - normal reported"),
            // The note's words for the purpose stand beside the defining text.
            (
                format!("{GROUP}|purpose|coordinate efforts against drug trafficking"),
                "true - normal reported",
            ),
            (
                format!("{GROUP}|purpose|dismantle the cartels’ finances"),
                "false parallel normal reported",
            ),
            // The month the opinion gives is made more precise, by an inference.
            (
                "rubio-mexico-visit|date|2025-09".to_owned(),
                "false progression normal reported",
            ),
            (
                "rubio-mexico-visit|date|2025-09-03".to_owned(),
                "true - normal inferred",
            ),
        ];
        for (k, how) in want {
            assert_eq!(
                found.get(&k).map(String::as_str),
                Some(how),
                "{store} {k}: {found:#?}"
            );
        }
        // The timeline shows the date with its basis; the group's status (tentative now) too.
        let timeline = query_rows(dir, store, "timeline", &[], &["event"]);
        assert_eq!(timeline["rubio-mexico-visit"]["date"], "2025-09-03");
        assert_eq!(
            timeline["rubio-mexico-visit"]["basis"], "inferred",
            "{store}"
        );
        assert_eq!(
            timeline["rubio-sheinbaum-meeting"]["basis"], "reported",
            "{store}"
        );
        let tentative = query_rows(dir, store, "tentative-measures", &[], &["agreement"]);
        assert_eq!(tentative[GROUP]["status"], "proposed", "{store}");
        assert_eq!(tentative[GROUP]["basis"], "reported", "{store}");
        // A record only the curator infers is marked as such.
        let members = query_rows(
            dir,
            store,
            "relations-of-type",
            &["predicate=member_of"],
            &["subject"],
        );
        assert_eq!(
            members["us-department-of-state"]["basis"], "inferred",
            "{store}: {members:#?}"
        );
    }
    // A topic the note adds is credited to the note, the group's own topics to the opinion.
    for store in ["sql", "rdf"] {
        let about = |topic: &str| {
            query_rows(
                dir,
                store,
                "records-about-topic",
                &[&format!("topic={topic}")],
                &["record", "article"],
            )
            .into_keys()
            .filter(|k| k.starts_with(GROUP))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            about("illicit-finance"),
            [format!("{GROUP}|{NOTE}")],
            "{store}"
        );
        assert_eq!(
            about("security-cooperation"),
            [format!("{GROUP}|rubio-visit-to-mexico-2025")],
            "{store}"
        );
    }
    // The record keeps its defining purpose; SQL says so directly.
    assert_eq!(
        csv(
            dir,
            "sql",
            &format!("SELECT purpose FROM agreements WHERE id = '{GROUP}'")
        ),
        "purpose\ncoordinate efforts against drug trafficking\n"
    );
    // The report marks the inferred value and says how the month stands to it.
    let report = std::fs::read_to_string(dir.join("kb/report.html")).unwrap();
    let row = |statement: &str| {
        let start = report
            .find(&format!("<tr data-statement=\"{statement}\""))
            .unwrap_or_else(|| panic!("no row for {statement}"));
        report[start..start + report[start..].find("</tr>").unwrap()].to_owned()
    };
    let inferred = row(&format!("rubio-mexico-visit.date.{NOTE}.1"));
    assert!(inferred.contains("class=\"basis-inferred\""), "{inferred}");
    let month = row("rubio-mexico-visit.date.rubio-visit-to-mexico-2025.1");
    assert!(
        month.contains("progression") && !month.contains("basis-inferred"),
        "{month}"
    );
    assert!(row(&format!("{GROUP}.purpose.{NOTE}.1")).contains("parallel"));
    let site = std::fs::read_to_string(dir.join("kb/report/stated-values.html")).unwrap();
    assert!(site.contains("class=\"basis-inferred\""));
    // A record only the curator infers is marked on its kind's page; a reported one is not.
    let relations = std::fs::read_to_string(dir.join("kb/report/kind/relation.html")).unwrap();
    let record_row = |id: &str| {
        let start = relations
            .find(&format!("<tr data-record=\"{id}\">"))
            .unwrap_or_else(|| panic!("no row for {id}"));
        relations[start..start + relations[start..].find("</tr>").unwrap()].to_owned()
    };
    assert!(
        record_row("department-of-state-member-of-security-implementation-group")
            .contains("class=\"basis-inferred\"")
    );
    assert!(!record_row("foreign-ministry-part-of-mexico").contains("basis-inferred"));
    // And on the page of an actor it names.
    let state =
        std::fs::read_to_string(dir.join("kb/report/actor/us-department-of-state.html")).unwrap();
    let start = state
        .find("<tr data-record=\"department-of-state-member-of-security-implementation-group\">")
        .expect("the membership on the department's page");
    let membership = &state[start..start + state[start..].find("</tr>").unwrap()];
    assert!(
        membership.contains("class=\"basis-inferred\""),
        "{membership}"
    );

    // Preferred, the note's words replace the defining text, which becomes the parallel voice.
    replace(
        dir,
        NOTE,
        "purpose = \"dismantle the cartels’ finances\" }",
        "purpose = \"dismantle the cartels’ finances\" }\nrank = \"preferred\"",
    );
    dossier(dir).arg("build").assert_success();
    let found = standing(dir, "rdf");
    assert_eq!(
        found[&format!("{GROUP}|purpose|dismantle the cartels’ finances")],
        "true - preferred reported"
    );
    assert_eq!(
        found[&format!("{GROUP}|purpose|coordinate efforts against drug trafficking")],
        "false parallel normal reported"
    );
    let out = stdout_of(dossier(dir).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
}

/// The longer lists and the new links: a body `established`, a commitment only `intended`, a
/// meeting that `fulfils` a pledge, a commitment `part_of` an agreement, how often a commitment
/// repeats, an agreement's other names, and `same_as` between any two records of one kind; both stores hold them, and a
/// link between kinds its type does not join is refused with the kinds it does.
#[test]
fn new_statuses_and_links_hold_in_both_stores_and_are_refused_where_misused() {
    let tmp = built_follow_ups();
    let dir = tmp.path();
    for store in ["sql", "rdf"] {
        let links = |predicate: &str| {
            query_rows(
                dir,
                store,
                "relations-of-type",
                &[&format!("predicate={predicate}")],
                &["subject", "object", "basis"],
            )
            .into_keys()
            .collect::<Vec<_>>()
        };
        assert_eq!(
            links("fulfils"),
            ["security-implementation-group-first-meeting|\
              security-implementation-group-first-meeting-within-30-days|inferred"],
            "{store}"
        );
        assert!(
            links("part_of").contains(
                &"security-implementation-group-meets-regularly|\
                  high-level-group-against-drug-trafficking|reported"
                    .to_owned()
            ),
            "{store}"
        );
    }
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT id, frequency, status FROM commitments \
             WHERE frequency IS NOT NULL OR status = 'intended' ORDER BY id"
        ),
        "id,frequency,status\n\
         mexico-expand-lab-interdiction-to-32-states,,intended\n\
         security-implementation-group-meets-regularly,regularly,pledged\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?id ?frequency ?status WHERE { ?c a dos:Commitment ; dcterms:identifier ?id ; \
               dos:commitmentStatus ?s . BIND(STRAFTER(STR(?s), \"#\") AS ?status) \
               OPTIONAL { ?c dos:frequency ?frequency } \
               FILTER(BOUND(?frequency) || ?status = \"intended\") } ORDER BY ?id"
        ),
        "id,frequency,status\n\
         mexico-expand-lab-interdiction-to-32-states,,intended\n\
         security-implementation-group-meets-regularly,regularly,pledged\n"
    );
    // An agreement has other names too, which a later article may add.
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT agreement_id, alias FROM agreement_aliases"
        ),
        "agreement_id,alias\nhigh-level-group-against-drug-trafficking,the high-level group\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?alias (LANG(?alias) AS ?lang) WHERE { \
               agreement:high-level-group-against-drug-trafficking skos:altLabel ?alias }"
        ),
        "alias,lang\nthe high-level group,en\n"
    );
    let out = stdout_of(dossier(dir).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");

    // `validate` checks the kinds a type joins (these links are made up for that): two events
    // may be the same; an actor cannot fulfil, nor an event be the same as an agreement.
    let link = |id: &str, subject: &str, predicate: &str, object: &str| {
        format!(
            "\n[[relations]]\nid = \"{id}\"\nsubject = \"{subject}\"\npredicate = \"{predicate}\"\n\
             object = \"{object}\"\n\n[[relations.evidence]]\nquote = \"its second meeting\"\n\
             asserted_by = \"author\"\nmodality = \"reported_fact\"\n"
        )
    };
    append(
        dir,
        READOUT,
        &link(
            "event-same-as-event",
            "security-implementation-group-second-meeting",
            "same_as",
            "rubio-sheinbaum-meeting",
        ),
    );
    dossier(dir).arg("validate").assert_success();
    append(
        dir,
        READOUT,
        &link(
            "group-fulfils-pledge",
            "security-implementation-group",
            "fulfils",
            "us-increase-southbound-inspections",
        ),
    );
    append(
        dir,
        READOUT,
        &link(
            "meeting-same-as-group",
            "security-implementation-group-second-meeting",
            "same_as",
            "high-level-group-against-drug-trafficking",
        ),
    );
    let err = validate_refuses(dir);
    assert!(
        err.contains("group-fulfils-pledge")
            && err.contains("an event or an agreement or measure or a commitment to a commitment"),
        "{err}"
    );
    assert!(
        err.contains("meeting-same-as-group") && err.contains("any two records of one kind"),
        "{err}"
    );
    assert!(err.contains("2 problems found"), "{err}");
}

/// An article's own metadata beyond its publication: the day its issuers issued it, a
/// publisher who is not an issuer, the language of the original it translates and the other
/// places it is published; both stores hold them, and a translation from its own language or a
/// publisher that is not an actor is refused.
#[test]
fn article_metadata_says_when_who_and_from_which_language() {
    let tmp = built_follow_ups();
    let dir = tmp.path();
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT a.id, a.published, a.issued, a.issued_precision, a.publisher_id, \
             a.translated_from, c.url FROM articles a \
             LEFT JOIN article_copies c ON c.article_id = a.id \
             WHERE a.published IS NOT NULL ORDER BY a.id"
        ),
        "id,published,issued,issued_precision,publisher_id,translated_from,url\n\
         joint-communique-2025-09-04,2025-09-04,2025-09-03,day,us-department-of-state,,\
         https://example.org/sre/comunicado-conjunto-2025-09-04\n\
         security-group-first-meeting-readout,2025-10-02,,,,es,\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?id ?published ?issued ?publisher ?original ?copy WHERE { \
               ?a a schema:Article ; dcterms:identifier ?id ; dcterms:issued ?published . \
               OPTIONAL { ?a dcterms:created ?issued } \
               OPTIONAL { ?a schema:publisher/dcterms:identifier ?publisher } \
               OPTIONAL { ?a dos:translatedFrom ?original } \
               OPTIONAL { ?a dos:copyAt ?copy } } ORDER BY ?id"
        ),
        "id,published,issued,publisher,original,copy\n\
         joint-communique-2025-09-04,2025-09-04,2025-09-03,us-department-of-state,,\
         https://example.org/sre/comunicado-conjunto-2025-09-04\n\
         security-group-first-meeting-readout,2025-10-02,,,es,\n"
    );
    let out = stdout_of(dossier(dir).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");

    replace(
        dir,
        READOUT,
        "translated_from = \"es\"",
        "translated_from = \"en\"",
    );
    replace(
        dir,
        COMMUNIQUE,
        "publisher = \"us-department-of-state\"",
        "publisher = \"security-cooperation\"",
    );
    let err = validate_refuses(dir);
    assert!(
        err.contains("the text is in 'en' and said to be translated from it")
            && err.contains("leave translated_from out"),
        "{err}"
    );
    assert!(
        err.contains("'security-cooperation' is a topic, but this field takes an actor"),
        "{err}"
    );
    assert!(err.contains("2 problems found"), "{err}");

    // Language tags as BCP 47 writes them (the shapes' sh:pattern is the same rule): a primary
    // tag of two or three letters, then subtags of one to eight letters or digits.
    replace(
        dir,
        READOUT,
        "translated_from = \"en\"",
        "translated_from = \"es-\"",
    );
    replace(
        dir,
        COMMUNIQUE,
        "publisher = \"security-cooperation\"",
        "publisher = \"us-department-of-state\"",
    );
    let err = validate_refuses(dir);
    assert!(err.contains("'es-' is not a BCP 47 language tag"), "{err}");
    assert!(err.contains("1 problem found"), "{err}");
    replace(
        dir,
        READOUT,
        "translated_from = \"es-\"",
        "translated_from = \"spanish\"",
    );
    let err = validate_refuses(dir);
    assert!(
        err.contains("'spanish' is not a BCP 47 language tag"),
        "{err}"
    );
    assert!(err.contains("1 problem found"), "{err}");
}

/// The follow-ups with `tests/fixtures/recent-readout`: an embassy's readout whose only date is
/// "recent" (no publication date, an event dated "recently", a mention of the visit without a
/// date), built.
fn built_with_recent_readout() -> tempfile::TempDir {
    let tmp = follow_ups_workspace();
    add_fixture(tmp.path(), "recent-readout");
    dossier(tmp.path()).arg("build").assert_success();
    tmp
}

/// A source whose only date is "recent" gives no date: `timeline-by-source` shows none for its
/// mention of the dated visit and only its words for the event it dates "recently", in both
/// stores; a status it states is older than a dated source's, so it never replaces the current
/// one; the Ambassador's words are his stated position as the embassy reports
/// them, and the embassy's own judgement is credited to the embassy.
#[test]
fn a_readout_dated_only_recent_gives_no_date_and_never_outranks_a_dated_source() {
    let tmp = built_with_recent_readout();
    let dir = tmp.path();
    let out = stdout_of(dossier(dir).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
    const READOUT: &str = "embassy-briefing-readout";
    let by_source = query_rows(
        dir,
        "both",
        "timeline-by-source",
        &[],
        &["event", "article", "quote"],
    );
    let cells = |row: &serde_json::Value| {
        serde_json::json!([
            row["date"],
            row["date_precision"],
            row["when_text"],
            row["basis"]
        ])
    };
    let of = |event: &str, article: &str| -> Vec<serde_json::Value> {
        by_source
            .values()
            .filter(|r| r["event"] == event && r["article"] == article)
            .map(cells)
            .collect()
    };
    assert_eq!(
        of("rubio-mexico-visit", READOUT),
        [serde_json::json!([null, null, null, null])]
    );
    assert_eq!(
        of("rubio-mexico-visit", "rubio-visit-to-mexico-2025"),
        [serde_json::json!(["2025-09", "month", null, "reported"])]
    );
    assert_eq!(
        of("ambassador-briefs-american-chamber", READOUT),
        [serde_json::json!([null, null, "recently", null])]
    );
    // Undated, the briefing comes after every dated event in the timeline.
    let timeline: Vec<serde_json::Value> = serde_json::from_str(&stdout_of(
        dossier(dir).args(["query", "timeline", "--store", "both", "--format", "json"]),
    ))
    .unwrap();
    let briefing = timeline
        .iter()
        .position(|r| r["event"] == "ambassador-briefs-american-chamber")
        .unwrap();
    assert!(timeline[briefing..].iter().all(|r| r["date"].is_null()));
    assert_eq!(timeline[briefing]["when_text"], "recently");
    // The undated readout states the status the dated communiqué made current: the status
    // comes from the communiqué, the readout's value stays beside it with its basis.
    for store in ["sql", "rdf"] {
        let history = query_rows(
            dir,
            store,
            "value-history",
            &["record=high-level-group-against-drug-trafficking"],
            &["field", "article"],
        );
        let from_readout = &history[&format!("status|{READOUT}")];
        assert_eq!(from_readout["value"], "established", "{store}");
        assert!(from_readout["published"].is_null(), "{store}");
        assert_eq!(from_readout["basis"], "reported", "{store}");
        let communique = &history["status|joint-communique-2025-09-04"];
        assert_eq!(communique["published"], "2025-09-04", "{store}");
    }
    // It states again as a pledge what the dated readout of the first meeting reports in
    // progress: the pledge stays an earlier stage, the dated source's status is current.
    for store in ["sql", "rdf"] {
        let history = query_rows(
            dir,
            store,
            "value-history",
            &["record=us-increase-southbound-inspections"],
            &["field", "article"],
        );
        let stage = |article: &str| {
            let row = &history[&format!("status|{article}")];
            serde_json::json!([
                row["value"],
                row["current"],
                row["difference"],
                row["basis"]
            ])
        };
        assert_eq!(
            stage(READOUT),
            serde_json::json!(["pledged", "false", "progression", "reported"]),
            "{store}"
        );
        assert_eq!(
            stage("security-group-first-meeting-readout"),
            serde_json::json!(["in_progress", "true", null, "reported"]),
            "{store}"
        );
    }
    // What the Ambassador said is his stated position, reported by the embassy, which is
    // credited with its own judgement.
    let positions = csv(
        dir,
        "sql",
        "SELECT c.claimant, e.asserted_by, e.modality FROM claim_claimants c \
         JOIN evidence e ON e.record_id = c.claim_id WHERE e.article_id = 'embassy-briefing-readout' \
         ORDER BY 1",
    );
    assert_eq!(
        positions,
        "claimant,asserted_by,modality\nauthor,author,assessment\n\
         us-ambassador-to-mexico,author,stated_position\n"
    );
    let claims = query_rows(
        dir,
        "both",
        "claims-by-kind",
        &[],
        &["claimant", "as_author_of", "kind"],
    );
    assert_eq!(
        claims[&format!("us-embassy-mexico|{READOUT}|assessment")]["claims"],
        1
    );
    assert_eq!(claims["us-ambassador-to-mexico||assessment"]["claims"], 1);
}

/// Later articles state rows of nested lists: the communiqué names the meeting's participants
/// (the two the opinion article gives, and two delegations it does not), the readout a count
/// the communiqué did not give. A row is kept with each source that states it, a later count
/// replaces an earlier one, both stores agree, and each article is credited with the rows it
/// states, not with the rows another article adds to its record.
#[test]
fn later_articles_state_participants_and_quantities_in_both_stores() {
    let tmp = built_follow_ups();
    let dir = tmp.path();
    let participants = "actor,role\nclaudia-sheinbaum,participant\nmarco-rubio,participant\n\
                        mexico-security-secretariat,delegation\nus-department-of-state,delegation\n";
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT actor_id AS actor, role FROM event_participants \
             WHERE event_id = 'rubio-sheinbaum-meeting' ORDER BY actor_id"
        ),
        participants
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?actor ?role WHERE { event:rubio-sheinbaum-meeting dos:participation ?p . \
             ?p dos:agent ?a ; dos:participantRole ?role . ?a dcterms:identifier ?actor } \
             ORDER BY ?actor"
        ),
        participants
    );
    // Each stated row: in SQL its text, in the graph a node with the row's fields and that
    // text as its rdf:value.
    let sql = csv(
        dir,
        "sql",
        "SELECT article_id AS article, value FROM statements \
         WHERE record_id = 'rubio-sheinbaum-meeting' AND field = 'participants' \
         ORDER BY article_id, value",
    );
    let sparql = csv(
        dir,
        "sparql",
        "SELECT ?article ?value WHERE { ?s a dos:Statement ; \
         rdf:subject event:rubio-sheinbaum-meeting ; dos:field \"participants\" ; \
         rdf:object ?row ; prov:wasDerivedFrom ?a . ?a dcterms:identifier ?article . \
         ?row a dos:Participation ; dos:agent ?x ; rdf:value ?value . \
         FILTER (CONTAINS(STR(?value), STRAFTER(STR(?x), \"actor/\"))) } \
         ORDER BY ?article ?value",
    );
    assert_eq!(sql, sparql);
    assert_eq!(sql.lines().count(), 1 + 2 + 4, "{sql}");
    assert!(
        sql.contains(
            "joint-communique-2025-09-04,\"{\"\"actor\"\":\"\"us-department-of-state\"\",\
             \"\"role\"\":\"\"delegation\"\"}\""
        ),
        "{sql}"
    );
    // The delegations are the communiqué's: the opinion article is not credited with them.
    for store in ["sql", "rdf"] {
        let out = stdout_of(dossier(dir).args([
            "query",
            "actor-full-activity",
            "--param",
            "actor=us-department-of-state",
            "--store",
            store,
            "--format",
            "csv",
        ]));
        assert!(
            out.contains(
                "rubio-sheinbaum-meeting,event,participant (delegation),joint-communique-2025-09-04"
            ) && !out.contains("participant (delegation),rubio-visit-to-mexico-2025"),
            "{store}: {out}"
        );
    }
    dossier(dir)
        .args(["query", "actor-full-activity", "--store", "both"])
        .args(["--param", "actor=marco-rubio"])
        .assert_success();

    // The communiqué gives a count, the later readout another: the readout's is current, and
    // the communiqué's stays in the history as a contradiction.
    let communique = dir.join("seeds").join(COMMUNIQUE);
    let text = std::fs::read_to_string(communique.join("article.txt")).unwrap();
    let text = text.replacen(
        "the flow of firearms into Mexico.",
        "the flow of firearms into Mexico, starting at 10 ports of entry.",
        1,
    );
    std::fs::write(communique.join("article.txt"), text).unwrap();
    replace(
        dir,
        COMMUNIQUE,
        "status = \"pledged\"\ntopics = [\"arms-trafficking\"]",
        "status = \"pledged\"\nquantities = [{ measure = \"ports of entry\", value = 10 }]\n\
         topics = [\"arms-trafficking\"]",
    );
    dossier(dir).arg("build").assert_success();
    let out = stdout_of(dossier(dir).arg("check"));
    assert!(out.contains("the database and the graph agree"), "{out}");
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT measure, value FROM commitment_quantities \
             WHERE commitment_id = 'us-increase-southbound-inspections'"
        ),
        "measure,value\nports of entry,12\n"
    );
    let history = |store: &str| {
        stdout_of(dossier(dir).args([
            "query",
            "sources-disagree",
            "--store",
            store,
            "--format",
            "csv",
        ]))
    };
    let sql = history("sql");
    assert_eq!(sql, history("rdf"));
    for row in [
        "us-increase-southbound-inspections,quantities,\"{\"\"measure\"\":\"\"ports of entry\"\",\
         \"\"value\"\":10}\",false,contradiction,normal,reported,joint-communique-2025-09-04",
        "us-increase-southbound-inspections,quantities,\"{\"\"measure\"\":\"\"ports of entry\"\",\
         \"\"value\"\":12}\",true,,normal,reported,security-group-first-meeting-readout",
    ] {
        assert!(sql.contains(row), "{row}\n{sql}");
    }
    // Two counts from sources as late as each other: refused, naming the row.
    replace(
        dir,
        READOUT,
        "published = \"2025-10-02\"",
        "published = \"2025-09-04\"",
    );
    let err = validate_refuses(dir);
    assert!(
        err.contains(&format!(
            "'{COMMUNIQUE}' and '{READOUT}' state different values of 'quantities (measure \
             \"ports of entry\")' for 'us-increase-southbound-inspections'"
        )),
        "{err}"
    );
}

/// A stated row is checked as the record's own rows are: its fields, the kinds its references
/// name, one row per key, and the lists a kind has.
#[test]
fn stated_rows_are_refused_where_the_records_own_would_be() {
    let cases = [
        (
            "states = { participants = [{ actor = \"marco-rubio\" }] }",
            "is not a list of 'participants': missing field `role`",
        ),
        (
            "states = { participants = [{ actor = \"drug-trafficking\", role = \"guest\" }] }",
            "'drug-trafficking' in 'participants' is not an actor",
        ),
        (
            "states = { participants = [{ actor = \"mexico\", role = \"host\" }, \
             { actor = \"mexico\", role = \"host\" }] }",
            "is stated twice: a row's actor and role name it once in 'participants'",
        ),
        (
            "states = { participant = [{ actor = \"mexico\", role = \"host\" }] }",
            "did you mean 'participants'?",
        ),
    ];
    for (states, expected) in cases {
        let tmp = follow_ups_workspace();
        let dir = tmp.path();
        replace(
            dir,
            COMMUNIQUE,
            "states = { participants = [",
            &format!("{states}\nunused = [\n"),
        );
        // The fixture's own rows now belong to a key the mention does not have: drop them.
        let path = dir.join("seeds").join(COMMUNIQUE).join("facts.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text.find("\nunused = [").unwrap();
        let end = start + text[start..].find("] }").unwrap() + 3;
        std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
        let err = validate_refuses(dir);
        assert!(
            err.contains(expected) && err.contains("1 problem"),
            "{states}: {err}"
        );
    }
}

/// What a review found: a record whose own rows repeat a key is reported, not a crash, when
/// another article states rows of it; what the record's own article states for an empty worded
/// field stays the defining text; a stated role with a tab or a line break is credited alike
/// by both stores.
#[test]
fn own_rows_own_words_and_odd_roles_hold_across_articles() {
    // Own rows that repeat a measure, and a later article stating the list.
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    replace(
        dir,
        COMMUNIQUE,
        "quantities = [{ measure = \"states\", value = 32 }]",
        "quantities = [{ measure = \"states\", value = 32 }, { measure = \"states\", value = 31 }]",
    );
    append(
        dir,
        READOUT,
        "\n[[mentions]]\nrecord = \"mexico-expand-lab-interdiction-to-32-states\"\n\
         states = { quantities = [{ measure = \"states\", value = 20 }] }\n\n\
         [[mentions.evidence]]\nquote = \"in Mexico City\"\nasserted_by = \"author\"\n\
         modality = \"reported_fact\"\n",
    );
    let err = validate_refuses(dir);
    assert!(
        err.contains("is listed twice in quantities") && err.contains("1 problem"),
        "{err}"
    );

    // The opinion article states a purpose its agreement leaves empty; a later article's
    // words for it are a parallel voice, not the current purpose.
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    append(
        dir,
        "rubio-visit-to-mexico-2025",
        "\n[[mentions]]\nrecord = \"intelligence-sharing\"\n\
         states = { purpose = \"share information obtained in each territory\" }\n\n\
         [[mentions.evidence]]\nquote = \"intelligence sharing be limited to information \
         obtained in each territory\"\nasserted_by = \"author\"\nmodality = \"reported_fact\"\n",
    );
    append(
        dir,
        READOUT,
        "\n[[mentions]]\nrecord = \"intelligence-sharing\"\n\
         states = { purpose = \"limit intelligence sharing to each country's own territory\" }\n\n\
         [[mentions.evidence]]\nquote = \"intelligence sharing remain limited to information each \
         country obtains in its own territory\"\nasserted_by = \"author\"\n\
         modality = \"reported_fact\"\n",
    );
    dossier(dir).arg("build").assert_success();
    assert_eq!(
        csv(
            dir,
            "sql",
            "SELECT s.article_id, s.is_current, s.difference FROM statements s \
             WHERE s.record_id = 'intelligence-sharing' AND s.field = 'purpose' \
             ORDER BY s.article_id"
        ),
        "article_id,is_current,difference\n\
         rubio-visit-to-mexico-2025,1,\n\
         security-group-first-meeting-readout,0,parallel\n"
    );
    assert_eq!(
        csv(
            dir,
            "sparql",
            "SELECT ?purpose WHERE { agreement:intelligence-sharing dos:purpose ?purpose }"
        ),
        "purpose\nshare information obtained in each territory\n"
    );

    // A stated role with a tab and a line break: both stores credit the communiqué.
    let tmp = follow_ups_workspace();
    let dir = tmp.path();
    replace(
        dir,
        COMMUNIQUE,
        "{ actor = \"us-department-of-state\", role = \"delegation\" }",
        "{ actor = \"us-department-of-state\", role = \"delegation\\t(\\\"State\\\")\\nof the US\" }",
    );
    dossier(dir).arg("build").assert_success();
    let activity = stdout_of(dossier(dir).args([
        "query",
        "actor-full-activity",
        "--param",
        "actor=us-department-of-state",
        "--store",
        "both",
        "--format",
        "json",
    ]));
    assert!(
        activity.contains(
            "\"participant (delegation\\t(\\\"State\\\")\\nof the US)\", \"article\": \
             \"joint-communique-2025-09-04\""
        ),
        "{activity}"
    );
}
