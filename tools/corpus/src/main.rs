//! Generates a synthetic corpus in dossier's own seed format, for benchmarks and scale tests:
//!
//! ```sh
//! cargo run --release -p dossier-corpus -- --records 100000 --seed 7 --out target/corpus-100k
//! ```
//!
//! Articles of about 100 records each (`--per-article N`: another shape of the same size), with the mix of the bundled article: actors shared across
//! many articles, events with dates of every precision (and undated ones), agreements with
//! parties, policies with figures, conditions with exceptions, claims with speakers, joint
//! commitments with deadlines and quantities, relations,
//! evidence on everything with offsets in code points (the texts hold curly quotes and accents,
//! so bytes and code points differ). Deterministic for a given seed. `dossier validate` passes
//! on what it writes.

use std::fmt::Write as _;
use std::path::PathBuf;

/// The default: about the bundled article's many records, a hundred times over.
const RECORDS_PER_ARTICLE: usize = 100;
const TOPICS: usize = 20;

/// splitmix64: small, deterministic, good enough to vary a corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const KINDS: &[&str] = &["person", "state", "organization", "group"];
const MODALITIES: &[&str] = &[
    "reported_fact",
    "stated_position",
    "assessment",
    "recommendation",
    "possibility",
];
const STATUSES: &[&str] = &["agreed", "announced", "proposed", "possible"];
const POLICY_KINDS: &[&str] = &["tariff", "sanction", "designation", "security_operation"];
const POLICY_STATUSES: &[&str] = &["in_force", "paused", "threatened", "announced", "ended"];
const CONSTRAINTS: &[&str] = &["location", "control", "scope", "prohibition", "requirement"];
const COMMITMENT_STATUSES: &[&str] = &["pledged", "in_progress", "fulfilled", "abandoned"];
const CLAIM_KINDS: &[&str] = &[
    "assessment",
    "recommendation",
    "prediction",
    "justification",
];
const PREDICATES: &[&str] = &[
    "visited",
    "met",
    "supports",
    "opposes",
    "supports_sanctions_against",
    "member_of",
    "same_as",
];
const EVENT_TO_ACTOR: &[&str] = &["championed_by", "requested_by", "ordered_by"];
const WORDS: &[&str] = &[
    "security",
    "cooperation",
    "tariffs",
    "border",
    "sovereignty",
    "intelligence",
    "training",
    "control",
    "agreement",
    "pressure",
    "transparency",
    "cartels",
    "economy",
    "sanctions",
    "dialogue",
    "trust",
    "escalation",
    "autonomy",
    "prosperity",
    "vigilance",
];

/// Builds one article's text sentence by sentence, remembering where each sentence starts in
/// code points.
struct Text {
    text: String,
    chars: usize,
}

impl Text {
    /// Appends a sentence and returns its quote and its offsets.
    fn sentence(&mut self, s: String) -> (String, usize, usize) {
        let start = self.chars;
        let len = s.chars().count();
        self.text.push_str(&s);
        self.text.push(' ');
        self.chars += len + 1;
        (s, start, start + len)
    }
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn evidence(
    out: &mut String,
    table: &str,
    quote: &(String, usize, usize),
    by: &str,
    modality: &str,
) {
    let _ = writeln!(
        out,
        "[[{table}.evidence]]\nquote = {}\nstart = {}\nend = {}\nasserted_by = {}\nmodality = \"{modality}\"",
        toml_str(&quote.0),
        quote.1,
        quote.2,
        toml_str(by)
    );
    if modality == "inference" {
        let _ = writeln!(
            out,
            "note = \"The curator reads this from the sentence; the text does not say it.\""
        );
    }
}

fn main() {
    let mut records = 1000usize;
    let mut seed = 1u64;
    let mut out = PathBuf::from("target/corpus");
    let mut per_article = RECORDS_PER_ARTICLE;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match arg.as_str() {
            "--records" => records = value().parse().expect("--records N"),
            "--seed" => seed = value().parse().expect("--seed S"),
            "--out" => out = PathBuf::from(value()),
            "--per-article" => {
                per_article = value().parse().expect("--per-article N");
                assert!(
                    per_article > 0,
                    "--per-article N: at least one record an article"
                );
            }
            _ => {
                eprintln!("usage: corpus --records N --seed S --out DIR [--per-article N]");
                std::process::exit(2);
            }
        }
    }
    let articles = records.div_ceil(per_article).max(1);
    let actor_count = (articles * 3).min(2000);
    let mut rng = Rng(seed);

    if out.exists() {
        std::fs::remove_dir_all(&out).expect("remove the old corpus");
    }
    std::fs::create_dir_all(&out).expect("create the corpus folder");
    std::fs::write(
        out.join("dossier.toml"),
        format!(
            "title = \"Synthetic corpus: {records} records, seed {seed}\"\nbase_iri = \"https://example.org/corpus/\"\n"
        ),
    )
    .unwrap();

    let actor_name = |i: usize| format!("Actor Núñez {i}");
    let mut actors = String::new();
    for i in 0..actor_count {
        let _ = writeln!(
            actors,
            "[[actors]]\nid = \"actor-{i}\"\nname = {}\nkind = \"{}\"\naliases = [\"A{i}\"]\n",
            toml_str(&actor_name(i)),
            KINDS[i % KINDS.len()]
        );
    }
    std::fs::write(out.join("actors.toml"), actors).unwrap();

    // Topics: a small vocabulary whose later topics narrow earlier ones.
    let mut topics = String::new();
    for i in 0..TOPICS {
        let broader = if i >= 4 {
            format!("broader = \"topic-{}\"\n", i / 4)
        } else {
            String::new()
        };
        let _ = writeln!(
            topics,
            "[[topics]]\nid = \"topic-{i}\"\nlabel = \"topic {i}\"\ndefinition = \"What topic {i} covers.\"\n{broader}"
        );
    }
    std::fs::write(out.join("topics.toml"), topics).unwrap();
    let topic = |rng: &mut Rng| format!("topics = [\"topic-{}\"]", rng.below(TOPICS));
    // The events and agreements of the article before: the next one states their values.
    let mut earlier_events: Vec<String> = Vec::new();
    let mut earlier_agreements: Vec<String> = Vec::new();

    let mut written = 0usize;
    for a in 0..articles {
        let id = format!("article-{a:05}");
        let dir = out.join(&id);
        std::fs::create_dir_all(&dir).unwrap();
        // Every actor is mentioned by some article: article a names actors 3a, 3a+1, 3a+2 (mod
        // the pool), plus two shared by many articles.
        let mut cast: Vec<usize> = (0..3).map(|k| (a * 3 + k) % actor_count).collect();
        cast.push(rng.below(actor_count.min(20)));
        cast.push(rng.below(actor_count));
        cast.sort_unstable();
        cast.dedup();
        let actor = |rng: &mut Rng| format!("actor-{}", cast[rng.below(cast.len())]);
        // A second actor, different from `first` (the cast has at least three).
        let other = |rng: &mut Rng, first: &str| loop {
            let a = format!("actor-{}", cast[rng.below(cast.len())]);
            if a != first {
                break a;
            }
        };

        let mut text = Text {
            text: String::new(),
            chars: 0,
        };
        let mut facts = String::new();
        // Every third article is issued by two of its actors (a joint communiqué).
        let issuers = if a % 3 == 0 {
            format!("issuers = [\"actor-{}\", \"actor-{}\"]\n", cast[0], cast[1])
        } else {
            String::new()
        };
        let _ = writeln!(
            facts,
            "[article]\ntitle = \"Synthetic article {a}\"\nlanguage = \"en\"\ngenre = \"opinion\"\npublished = \"2025-{:02}-{:02}\"\n{issuers}",
            1 + a % 12,
            1 + a % 28
        );
        let mut mentions = String::new();
        for &c in &cast {
            let q = text.sentence(format!(
                "{} spoke about “{}” in article {a}.",
                actor_name(c),
                rng.pick(WORDS)
            ));
            let name_len = actor_name(c).chars().count();
            let quote = (actor_name(c), q.1, q.1 + name_len);
            let _ = writeln!(mentions, "[[mentions]]\nrecord = \"actor-{c}\"");
            evidence(&mut mentions, "mentions", &quote, "author", "reported_fact");
        }
        // Values of the article before's records: a date for one of its events, a status for
        // one of its agreements, an alias for an actor (publication dates differ, so the
        // later article's value is current, or the earlier's when the calendar wraps).
        if let Some(event) = earlier_events.first() {
            let date = format!("2025-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
            let q = text.sentence(format!("Article {a} dates {event} to {date}."));
            let _ = writeln!(
                mentions,
                "[[mentions]]\nrecord = \"{event}\"\nstates = {{ date = \"{date}\", place = \"Monterrey\" }}"
            );
            evidence(&mut mentions, "mentions", &q, "author", "reported_fact");
        }
        if let Some(agreement) = earlier_agreements.first() {
            let status = rng.pick(STATUSES);
            let q = text.sentence(format!("Article {a} finds {agreement} {status}."));
            let _ = writeln!(
                mentions,
                "[[mentions]]\nrecord = \"{agreement}\"\nstates = {{ status = \"{status}\" }}"
            );
            evidence(&mut mentions, "mentions", &q, "author", "reported_fact");
        }
        if a % 5 == 0 {
            let c = cast[cast.len() - 1];
            let q = text.sentence(format!("Actor {c} is also called N{c}-{a}."));
            let _ = writeln!(
                mentions,
                "[[mentions]]\nrecord = \"actor-{c}\"\nstates = {{ aliases = [\"N{c}-{a}\"] }}"
            );
            evidence(&mut mentions, "mentions", &q, "author", "reported_fact");
        }

        let budget = per_article.min(records - written.min(records)).max(1);
        let mut agreements: Vec<String> = Vec::new();
        let mut events: Vec<String> = Vec::new();
        for n in 0..budget {
            let rid = format!("{id}-r{n}");
            let who = actor(&mut rng);
            let modality = rng.pick(MODALITIES);
            let word = rng.pick(WORDS);
            match n % 10 {
                0 => {
                    let q =
                        text.sentence(format!("{who} holds the post of minister of {word} ({n})."));
                    let _ = writeln!(
                        facts,
                        "[[roles]]\nid = \"{rid}\"\nholder = \"{who}\"\ntitle = \"minister of {word}\"\norganization = \"{}\"",
                        actor(&mut rng)
                    );
                    evidence(&mut facts, "roles", &q, "author", "reported_fact");
                }
                1 | 2 => {
                    let date = match rng.below(4) {
                        0 => format!("date = \"20{:02}\"", 10 + rng.below(15)),
                        1 => format!("date = \"2025-{:02}\"", 1 + rng.below(12)),
                        2 => format!(
                            "date = \"2025-{:02}-{:02}\"",
                            1 + rng.below(12),
                            1 + rng.below(28)
                        ),
                        _ => "when = \"in July\"".to_owned(),
                    };
                    let q = text.sentence(format!(
                        "The {word} talks number {n} took place, and 11 people were counted."
                    ));
                    let _ = writeln!(
                        facts,
                        "[[events]]\nid = \"{rid}\"\nlabel = \"Talks on {word} ({n})\"\n{date}\nplace = \"Mexico City\"\nparticipants = [{{ actor = \"{who}\", role = \"visitor\" }}, {{ actor = \"{}\", role = \"host\" }}]\nquantities = [{{ measure = \"people counted\", value = 11 }}]\n{}",
                        other(&mut rng, &who),
                        topic(&mut rng)
                    );
                    evidence(&mut facts, "events", &q, "author", "reported_fact");
                    events.push(rid);
                }
                3 => {
                    let members = 2 + rng.below(30);
                    let q = text.sentence(format!(
                        "A joint statement created a group on {word} with {members} members ({n})."
                    ));
                    let _ = writeln!(
                        facts,
                        "[[agreements]]\nid = \"{rid}\"\nlabel = \"Group on {word} ({n})\"\nkind = \"agreement\"\ninstrument = \"joint statement\"\nparties = [\"{who}\", \"{}\"]\npurpose = \"coordinate on {word}\"\nstatus = \"{}\"\nquantities = [{{ measure = \"members\", value = {members} }}]\n{}",
                        other(&mut rng, &who),
                        rng.pick(STATUSES),
                        topic(&mut rng)
                    );
                    evidence(&mut facts, "agreements", &q, "author", "reported_fact");
                    agreements.push(rid);
                }
                4 => {
                    let rate = rng.below(101);
                    let products = 1 + rng.below(1000);
                    let q = text.sentence(format!(
                        "A {rate}% measure on {word} covering {products} products was paused for 90 days ({n})."
                    ));
                    let _ = writeln!(
                        facts,
                        "[[policies]]\nid = \"{rid}\"\nlabel = \"Measure on {word} ({n})\"\nkind = \"{}\"\nissuer = \"{who}\"\ntargets = [\"{}\"]\nrate_percent = {rate}\nstatus = \"{}\"\nstatus_duration = \"P90D\"\nquantities = [{{ measure = \"products\", value = {products} }}]\n{}",
                        rng.pick(POLICY_KINDS),
                        actor(&mut rng),
                        rng.pick(POLICY_STATUSES),
                        topic(&mut rng)
                    );
                    evidence(&mut facts, "policies", &q, "author", "reported_fact");
                }
                5 if !agreements.is_empty() => {
                    let target = agreements[rng.below(agreements.len())].clone();
                    let q = text.sentence(format!("{who} insisted that it be limited to {word}, unless mutually agreed upon ({n})."));
                    // Every other condition is stated jointly.
                    let stated_by = if n % 20 == 5 {
                        format!("[\"{who}\", \"{}\"]", other(&mut rng, &who))
                    } else {
                        format!("\"{who}\"")
                    };
                    let _ = writeln!(
                        facts,
                        "[[conditions]]\nid = \"{rid}\"\nlabel = \"Limited to {word}\"\nstated_by = {stated_by}\nconstrains = \"{target}\"\nconstraint = \"{}\"\nvalue = \"{word}\"\nexception = \"unless mutually agreed upon\"",
                        rng.pick(CONSTRAINTS)
                    );
                    evidence(&mut facts, "conditions", &q, &who, "stated_position");
                }
                8 => {
                    let q = text.sentence(format!(
                        "{who} pledged to train 300 agents in {word} by June 2026 ({n})."
                    ));
                    let _ = writeln!(
                        facts,
                        "[[commitments]]\nid = \"{rid}\"\nlabel = \"Train agents in {word} ({n})\"\ncommitted_by = [\"{who}\", \"{}\"]\naction = \"train 300 agents in {word}\"\ndeadline = \"2026-06\"\ndeadline_text = \"by June 2026\"\nstatus = \"{}\"\nquantities = [{{ measure = \"agents\", value = 300, unit = \"people\" }}]\n{}",
                        other(&mut rng, &who),
                        rng.pick(COMMITMENT_STATUSES),
                        topic(&mut rng)
                    );
                    evidence(&mut facts, "commitments", &q, &who, "stated_position");
                }
                6 | 7 => {
                    let claimant = if rng.below(3) == 0 {
                        who.clone()
                    } else {
                        "author".to_owned()
                    };
                    let q =
                        text.sentence(format!("It’s said that {word} is questionable here ({n})."));
                    let _ = writeln!(
                        facts,
                        "[[claims]]\nid = \"{rid}\"\nlabel = \"{word} is questionable ({n})\"\nkind = \"{}\"\nclaimant = {}\nabout = [\"{who}\"]\n{}",
                        rng.pick(CLAIM_KINDS),
                        // Some claims are joint: the author and an actor.
                        if n % 20 == 6 {
                            format!("[\"{claimant}\", \"{}\"]", other(&mut rng, &claimant))
                        } else {
                            format!("\"{claimant}\"")
                        },
                        topic(&mut rng)
                    );
                    evidence(&mut facts, "claims", &q, &claimant, modality);
                }
                _ => {
                    // Each relation type with the kinds it links: actors between themselves,
                    // events to actors, events in a series, agreements to the event they were
                    // announced at.
                    let choice = rng.below(6);
                    let (subject, predicate, object) = if choice == 0 && events.len() >= 2 {
                        let later = 1 + rng.below(events.len() - 1);
                        let earlier = rng.below(later);
                        (events[later].clone(), "follows", events[earlier].clone())
                    } else if choice == 1 && !agreements.is_empty() && !events.is_empty() {
                        let agreement = agreements[rng.below(agreements.len())].clone();
                        let event = events[rng.below(events.len())].clone();
                        (agreement, "announced_during", event)
                    } else if choice == 2 && !events.is_empty() {
                        let event = events[rng.below(events.len())].clone();
                        (event, rng.pick(EVENT_TO_ACTOR), who.clone())
                    } else {
                        (who.clone(), rng.pick(PREDICATES), actor(&mut rng))
                    };
                    let q =
                        text.sentence(format!("Reportedly {subject} {predicate} {object} ({n})."));
                    let _ = writeln!(
                        facts,
                        "[[relations]]\nid = \"{rid}\"\nsubject = \"{subject}\"\npredicate = \"{predicate}\"\nobject = \"{object}\""
                    );
                    // Some links are the curator's reading of the sentence, not its word.
                    if rng.below(8) == 0 {
                        evidence(&mut facts, "relations", &q, "curator", "inference");
                    } else {
                        evidence(&mut facts, "relations", &q, "author", "reported_fact");
                    }
                }
            }
            facts.push('\n');
            written += 1;
        }
        facts.push_str(&mentions);
        earlier_events = events;
        earlier_agreements = agreements;
        std::fs::write(dir.join("article.txt"), &text.text).unwrap();
        std::fs::write(dir.join("facts.toml"), facts).unwrap();
    }
    println!(
        "wrote {} articles, {written} records, {actor_count} actors to {}",
        articles,
        out.display()
    );
}
