//! Values that several sources state for one field of a record, and which one is current.
//!
//! A record is defined once, in one article (or in `actors.toml`); a later article states a
//! value of one of its fields with `[[mentions]] states = { field = value }`, backed by the
//! mention's evidence. Every stated value is kept with its source ([`Statement`]); the
//! record's field holds the current one, so every writer and query that reads fields reads
//! current values without knowing about statements.
//!
//! **Which value is current** (one rule, for every field of every kind):
//! 1. a value stated with `rank = "preferred"` (at most one per field of a record);
//! 2. else the value of the latest published source: publication dates compare at the
//!    precision both have (`2025-10` is before `2025-10-12`), a source without a date (and
//!    `actors.toml` and `topics.toml`) is older than any dated one;
//! 3. two sources equally late that disagree are refused: the curator says which holds with
//!    `rank = "preferred"`.
//!
//! A list field (aliases, parties, targets ...) holds every value any source states, each
//! current. Only fields with at least one stated value get statements; the defining record's
//! own value is then the first, backed by the record's own evidence.

use std::collections::{BTreeMap, HashMap};

use crate::diagnostic::{Diagnostic, Diagnostics, closest};
use crate::mapping::{self, Shape};
use crate::model::{
    KnowledgeBase, OwnedValue, PartialDate, Rank, Record, RecordKind, Slug, Statement,
};
use crate::seed::{Seg, Sources};

/// One source's values for one field.
struct Stated {
    /// Index of the stating article; None for the record's own values in `actors.toml`.
    article: Option<usize>,
    rank: Rank,
    /// The value in its seed form (a list for a list field).
    json: serde_json::Value,
    values: Vec<OwnedValue>,
    evidence: Vec<String>,
    /// Where the mention states it: (article, mention index); None for the record's own value.
    at: Option<(usize, usize)>,
}

/// Where a record is defined: an actor, or the n-th record of an article.
#[derive(Clone, Copy)]
enum Home {
    Actor(usize),
    Topic(usize),
    Record(usize, usize),
}

/// The file a shared record's own values come from: the source segment of their statements.
fn shared_file(home: Home) -> &'static str {
    match home {
        Home::Topic(_) => crate::seed::TOPICS_FILE,
        _ => crate::seed::ACTORS_FILE,
    }
}

fn record_mut(kb: &mut KnowledgeBase, home: Home) -> &mut dyn Record {
    match home {
        Home::Actor(i) => &mut kb.actors[i],
        Home::Topic(i) => &mut kb.topics[i],
        Home::Record(a, n) => kb.articles[a]
            .facts
            .records_mut()
            .0
            .nth(n)
            .expect("the record's place was taken from the same list"),
    }
}

fn record(kb: &KnowledgeBase, home: Home) -> &dyn Record {
    match home {
        Home::Actor(i) => &kb.actors[i],
        Home::Topic(i) => &kb.topics[i],
        Home::Record(a, n) => kb.articles[a]
            .facts
            .records()
            .nth(n)
            .expect("the record's place was taken from the same list"),
    }
}

/// The seed form of a value as TOML gives it: an unquoted TOML date arrives as toml's private
/// datetime table and is read as its text.
fn seed_form(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) if map.len() == 1 => match map.values().next() {
            Some(serde_json::Value::String(s))
                if map.keys().next().is_some_and(|k| k.contains("toml")) =>
            {
                serde_json::Value::String(s.clone())
            }
            _ => value.clone(),
        },
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(seed_form).collect())
        }
        _ => value.clone(),
    }
}

/// Publication order: None (undated) first, then by the date at the precision both have.
fn later(a: Option<&PartialDate>, b: Option<&PartialDate>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match (a, b) {
        (None, None) => Equal,
        (None, Some(_)) => Less,
        (Some(_), None) => Greater,
        (Some(x), Some(y)) => x
            .year
            .cmp(&y.year)
            .then(match (x.month, y.month) {
                (Some(m), Some(n)) => m.cmp(&n),
                (None, Some(_)) => Less,
                (Some(_), None) => Greater,
                (None, None) => Equal,
            })
            .then(match (x.day, y.day) {
                (Some(m), Some(n)) => m.cmp(&n),
                (None, Some(_)) => Less,
                (Some(_), None) => Greater,
                (None, None) => Equal,
            }),
    }
}

/// Applies every mention's stated values: checks them, fills `kb.statements` and sets each
/// stated field of its record to the current value.
pub(crate) fn resolve(
    kb: &mut KnowledgeBase,
    sources: &Sources,
    kinds: &HashMap<&str, RecordKind>,
    problems: &mut Diagnostics,
) {
    // Where each stated record is defined; only those are looked for, so a knowledge base
    // whose articles state few values pays little for this step.
    let stated_records: std::collections::HashSet<String> = kb
        .articles
        .iter()
        .flat_map(|a| a.facts.mentions.iter())
        .filter(|m| !m.states.is_empty())
        .map(|m| m.record.to_string())
        .collect();
    if stated_records.is_empty() {
        return;
    }
    let mut homes: HashMap<String, Home> = HashMap::new();
    let mut place = |id: &Slug, home: Home| {
        if stated_records.contains(id.as_str()) {
            homes.insert(id.to_string(), home);
        }
    };
    for (i, a) in kb.actors.iter().enumerate() {
        place(&a.id, Home::Actor(i));
    }
    for (i, t) in kb.topics.iter().enumerate() {
        place(&t.id, Home::Topic(i));
    }
    for (a, article) in kb.articles.iter().enumerate() {
        for (n, r) in article.facts.records().enumerate() {
            place(r.id(), Home::Record(a, n));
        }
    }

    // (record, field key) → what each source states, in knowledge-base order.
    let mut stated: BTreeMap<(String, &'static str), Vec<Stated>> = BTreeMap::new();
    for (a, article) in kb.articles.iter().enumerate() {
        let source = &sources.facts[a];
        // Evidence numbers: a record's own evidence first, then its mentions', in file order
        // (as `Article::evidence` numbers them).
        let mut counts: HashMap<&Slug, usize> = HashMap::new();
        for r in article.facts.records() {
            *counts.entry(r.id()).or_default() += r.evidence().len();
        }
        for (m, mention) in article.facts.mentions.iter().enumerate() {
            let first = counts.get(&mention.record).copied().unwrap_or(0);
            *counts.entry(&mention.record).or_default() += mention.evidence.len();
            if mention.states.is_empty() {
                continue;
            }
            let at = |key: &'static str| vec![Seg::Key("mentions"), Seg::Index(m), Seg::Key(key)];
            let problem = |path: Vec<Seg>, message: String| -> Diagnostic {
                source
                    .diagnostic(&path, message)
                    .record(mention.record.as_str())
            };
            let (Some(&kind), Some(&home)) = (
                kinds.get(mention.record.as_str()),
                homes.get(mention.record.as_str()),
            ) else {
                continue; // an unknown record is reported as a reference
            };
            let description = mapping::kind(kind);
            if kind == RecordKind::Relation {
                problems.push(
                    problem(
                        at("states"),
                        "a relation's values cannot be stated by another article".into(),
                    )
                    .help(
                        "define a relation of this article instead (a relation is its subject, \
                         type and object)",
                    ),
                );
                continue;
            }
            if let Home::Record(defining, _) = home
                && defining == a
            {
                problems.push(
                    problem(
                        at("states"),
                        format!(
                            "'{}' is defined in this article: its fields are set on the record",
                            mention.record
                        ),
                    )
                    .help("set the values in the record itself and remove `states`"),
                );
                continue;
            }
            for (key, value) in &mention.states {
                let Some((index, field)) = description.field(key) else {
                    let keys: Vec<&str> = description.fields.iter().map(|f| f.key).collect();
                    let help = match closest(key, &keys) {
                        Some(k) => format!(
                            "did you mean '{k}'? {} has: {}",
                            description.noun,
                            keys.join(", ")
                        ),
                        None => format!("{} has the fields: {}", description.noun, keys.join(", ")),
                    };
                    problems.push(
                        problem(
                            at("states"),
                            format!("'{key}' is not a field of {}", description.noun),
                        )
                        .help(help),
                    );
                    continue;
                };
                let path = vec![
                    Seg::Key("mentions"),
                    Seg::Index(m),
                    Seg::Key("states"),
                    Seg::Key(field.key),
                ];
                if field.list.is_some() && mention.rank == Rank::Preferred {
                    problems.push(
                        problem(
                            at("rank"),
                            format!(
                                "'{key}' is a list: every source's items are current, so none \
                                 is preferred"
                            ),
                        )
                        .help("remove rank, or state the list's items in another mention"),
                    );
                    continue;
                }
                let mut json = seed_form(value);
                if field.list.is_some() && !json.is_array() {
                    json = serde_json::Value::Array(vec![json]);
                }
                let mut holder = record(kb, home).boxed();
                if let Err(why) = holder.set_field(key, json.clone()) {
                    problems.push(
                        problem(path, format!("{value} is not a value of '{key}': {why}")).help(
                            "write the value as the record's own field would be written in its \
                             article",
                        ),
                    );
                    continue;
                }
                let mut values = Vec::new();
                holder.values(index, &mut |v| values.push(OwnedValue::from_value(v)));
                let mut bad_reference = false;
                let allowed = match field.shape {
                    Shape::Ref(allowed) => Some(allowed),
                    Shape::Asserter => Some(&[RecordKind::Actor][..]),
                    _ => None,
                };
                if let Some(allowed) = allowed {
                    for v in &values {
                        let (OwnedValue::Id(id) | OwnedValue::Text(id)) = v else {
                            continue;
                        };
                        if field.shape == Shape::Asserter && id == crate::model::AUTHOR {
                            continue;
                        }
                        if !kinds
                            .get(id.as_str())
                            .is_some_and(|k| mapping::accepts(allowed, *k))
                        {
                            bad_reference = true;
                            problems.push(
                                problem(
                                    path.clone(),
                                    format!("'{id}' is not {}", mapping::wanted(allowed)),
                                )
                                .help("name a record of that kind by its id"),
                            );
                        }
                    }
                }
                if bad_reference {
                    continue;
                }
                stated
                    .entry((mention.record.to_string(), field.key))
                    .or_default()
                    .push(Stated {
                        article: Some(a),
                        rank: mention.rank,
                        json,
                        values,
                        evidence: (first + 1..=first + mention.evidence.len())
                            .map(|n| format!("{}.{}.{n}", mention.record, article.id))
                            .collect(),
                        at: Some((a, m)),
                    });
            }
        }
    }

    let mut statements = Vec::new();
    for ((id, key), mut from_mentions) in stated {
        let home = homes[&id];
        let kind = mapping::kind(kinds[id.as_str()]);
        let (index, field) = kind.field(key).expect("checked above");
        // The record's own value, from where it is defined.
        let own = record(kb, home);
        let mut values = Vec::new();
        own.values(index, &mut |v| values.push(OwnedValue::from_value(v)));
        let mut all = Vec::new();
        if !values.is_empty() {
            let article = match home {
                Home::Actor(_) | Home::Topic(_) => None,
                Home::Record(a, _) => Some(a),
            };
            let evidence = match home {
                Home::Actor(_) | Home::Topic(_) => Vec::new(),
                Home::Record(a, _) => (1..=own.evidence().len())
                    .map(|n| format!("{id}.{}.{n}", kb.articles[a].id))
                    .collect(),
            };
            all.push(Stated {
                article,
                rank: Rank::Normal,
                json: own.field_json(key),
                values,
                evidence,
                at: None,
            });
        }
        all.append(&mut from_mentions);
        let published = |s: &Stated| {
            s.article
                .and_then(|a| kb.articles[a].facts.article.published.as_ref())
        };

        let current: Vec<bool> = if field.list.is_some() {
            let mut union: Vec<serde_json::Value> = Vec::new();
            for s in &all {
                for item in s.json.as_array().into_iter().flatten() {
                    if !union.contains(item) {
                        union.push(item.clone());
                    }
                }
            }
            if let Err(why) = record_mut(kb, home).set_field(key, serde_json::Value::Array(union)) {
                problems.push(Diagnostic::new(shared_file(home), why).record(id.as_str()));
            }
            vec![true; all.len()]
        } else {
            let preferred: Vec<usize> = (0..all.len())
                .filter(|&i| all[i].rank == Rank::Preferred)
                .collect();
            let chosen = if preferred.len() > 1
                && preferred
                    .iter()
                    .any(|&i| all[i].values != all[preferred[0]].values)
            {
                let (a, m) = all[preferred[1]]
                    .at
                    .expect("a preferred value is a mention's");
                problems.push(
                    sources.facts[a]
                        .diagnostic(
                            &[Seg::Key("mentions"), Seg::Index(m), Seg::Key("rank")],
                            format!(
                                "two sources state a preferred '{key}' of '{id}', and they differ"
                            ),
                        )
                        .record(id.as_str())
                        .help("keep rank = \"preferred\" on the one value that holds"),
                );
                continue;
            } else if let Some(&p) = preferred.first() {
                p
            } else {
                let latest = (0..all.len())
                    .max_by(|&i, &j| later(published(&all[i]), published(&all[j])).then(j.cmp(&i)))
                    .expect("a stated field has a source");
                let rivals: Vec<usize> = (0..all.len())
                    .filter(|&i| {
                        later(published(&all[i]), published(&all[latest])).is_eq()
                            && all[i].values != all[latest].values
                    })
                    .collect();
                if let Some(&rival) = rivals.first() {
                    let name = |s: &Stated| {
                        s.article.map_or(shared_file(home).to_owned(), |a| {
                            kb.articles[a].id.to_string()
                        })
                    };
                    let (a, m) = all[rival.max(latest)]
                        .at
                        .expect("a later source is a mention");
                    problems.push(
                        sources.facts[a]
                            .diagnostic(
                                &[Seg::Key("mentions"), Seg::Index(m), Seg::Key("states")],
                                format!(
                                    "'{}' and '{}' state different values of '{key}' for '{id}' \
                                     and neither is published later",
                                    name(&all[latest.min(rival)]),
                                    name(&all[latest.max(rival)]),
                                ),
                            )
                            .record(id.as_str())
                            .help(
                                "give the articles their publication dates, or set rank = \
                                 \"preferred\" on the mention whose value holds",
                            ),
                    );
                    continue;
                }
                latest
            };
            if all[chosen].at.is_some()
                && let Err(why) = record_mut(kb, home).set_field(key, all[chosen].json.clone())
            {
                problems.push(Diagnostic::new(shared_file(home), why).record(id.as_str()));
            }
            // Every source that states the current value holds it, not only the chosen one.
            (0..all.len())
                .map(|i| all[i].values == all[chosen].values)
                .collect()
        };

        for (s, is_current) in all.into_iter().zip(current) {
            let source = s.article.map_or(shared_file(home).to_owned(), |a| {
                kb.articles[a].id.to_string()
            });
            for (n, value) in s.values.into_iter().enumerate() {
                statements.push(Statement {
                    id: format!("{id}.{key}.{source}.{}", n + 1),
                    record: Slug::parse(&id).expect("a record id"),
                    kind: kind.kind,
                    field: index,
                    article: s.article.map(|a| kb.articles[a].id.clone()),
                    rank: s.rank,
                    current: is_current,
                    value,
                    evidence: s.evidence.clone(),
                });
            }
        }
    }
    kb.statements = statements;
}
