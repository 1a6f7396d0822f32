//! Values that several sources state for one field of a record, and which one is current.
//!
//! A record is defined once, in one article (or in `actors.toml`, `topics.toml`); another
//! article states a value of one of its fields with `[[mentions]] states = { field = value }`,
//! backed by the mention's evidence. The record's own article may state a field the record
//! leaves empty the same way, so that evidence of its own backs it (the curator's inference of
//! an agreement's unnamed parties, beside the article's words for the agreement). Every field
//! that some mention states keeps all its values with their sources ([`Statement`], the
//! defining record's own value first); the record's field holds the current one, so every
//! writer and query that reads fields reads current values without knowing about statements.
//!
//! **Which value is current** (one rule, for every field of every kind):
//! 1. a value stated with `rank = "preferred"` (at most one value per field of a record);
//! 2. else the value of the latest published source: publication dates order by year, month
//!    and day, a less precise date as the start of its period (`2025-10` before `2025-10-12`,
//!    as late as `2025-10-01`);
//!    a source without a date (and `actors.toml`, `topics.toml`) is older than any dated one;
//!    when that value is a date and another source gives a more precise date within it
//!    (`2025-09-03` in `2025-09`) that no later source contradicts, the more precise one is
//!    current (unless only the curator infers it): a vaguer later source does not undo
//!    precision, and is no rival of it; between sources as late that give steps of one
//!    lifecycle in one order (pledged, in progress), the furthest step is current;
//! 3. between sources equally late, what an article says wins over what the curator only
//!    infers (a value every quote of which has the modality `inference`);
//! 4. two sources equally late, of the same basis, that disagree are refused: the curator says
//!    which holds with `rank = "preferred"`.
//!
//! A list field (aliases, parties, targets ...) holds every value any source states, each
//! current.
//!
//! A nested list (an event's participants, a quantity) is stated row by row: rows with the same
//! key (a participant's actor and role, a quantity's measure) are one row as several sources
//! state it, and the rule above chooses which is current (eleven killed, then fourteen); the
//! record keeps each key's current row, its own rows first, then the new ones in article order.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics, closest};
use crate::ids::IdKinds;
use crate::mapping::{self, Field, Kind, Nested, Shape};
use crate::model::{
    AUTHOR, Basis, Difference, Fields, KnowledgeBase, Mention, OwnedValue, PartialDate, Rank,
    Record, RecordKind, Slug, StatedValue, Statement,
};
use crate::seed::{Seg, SourceFile, Sources};

/// Where a record is defined: an actor, a topic, or the n-th record of an article.
#[derive(Clone, Copy)]
enum Home {
    Actor(usize),
    Topic(usize),
    Record(usize, usize),
}

impl Home {
    /// The defining article, for a record of an article.
    fn article(self) -> Option<usize> {
        match self {
            Home::Record(a, _) => Some(a),
            Home::Actor(_) | Home::Topic(_) => None,
        }
    }

    /// The file a shared record's own values come from: their statements' source segment.
    fn shared_file(self) -> &'static str {
        match self {
            Home::Topic(_) => crate::seed::TOPICS_FILE,
            _ => crate::seed::ACTORS_FILE,
        }
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

/// What one source states for one field.
#[derive(Clone)]
struct Stated {
    /// The stating mention as (article, index in its mentions); None for the record's own value.
    mention: Option<(usize, usize)>,
    /// The article the value comes from: the mention's, or the one defining the record.
    article: Option<usize>,
    rank: Rank,
    /// The value in its seed form (a list for a list field).
    json: serde_json::Value,
    values: Vec<OwnedValue>,
    evidence: Vec<String>,
    /// What backs the value: the article's words, or only the curator's inference (every quote
    /// of it has the modality `inference`); None for `actors.toml` and `topics.toml`.
    basis: Option<Basis>,
}

impl Stated {
    fn inferred(&self) -> bool {
        self.basis == Some(Basis::Inferred)
    }
}

/// The seed form of a value as TOML gives it: an unquoted TOML date arrives as toml's private
/// datetime table and is read as its text.
fn seed_form(value: &serde_json::Value) -> serde_json::Value {
    const TOML_DATETIME: &str = "$__toml_private_datetime";
    match value {
        serde_json::Value::Object(map) if map.len() == 1 => match map.get(TOML_DATETIME) {
            Some(text @ serde_json::Value::String(_)) => text.clone(),
            _ => value.clone(),
        },
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(seed_form).collect())
        }
        _ => value.clone(),
    }
}

/// The seed files of the articles being resolved: those of the knowledge base, or of a part of
/// it (`places`: each article's position in the knowledge base).
pub(crate) struct Files<'a> {
    pub(crate) sources: &'a Sources,
    pub(crate) places: Option<&'a [usize]>,
}

impl<'a> Files<'a> {
    fn article(&self, a: usize) -> &'a SourceFile {
        &self.sources.facts[self.places.map_or(a, |places| places[a])]
    }
}

/// Applies every mention's stated values: checks them, fills `kb.statements` and sets each
/// stated field of its record to the current value.
pub(crate) fn resolve(
    kb: &mut KnowledgeBase,
    sources: &Files,
    kinds: &IdKinds,
    problems: &mut Diagnostics,
) {
    let homes = homes(kb);
    if homes.is_empty() {
        return;
    }
    let Collected { fields, rows } = collect(kb, sources, kinds, &homes, problems);
    let mut statements = Vec::new();
    for ((id, key), from_mentions) in fields {
        let home = homes[&id];
        let kind = mapping::kind(*kinds.get(id.as_str()).expect("a stated record is defined"));
        let (index, field) = kind.field(key).expect("checked when collected");
        let mut all = Vec::with_capacity(from_mentions.len() + 1);
        // The record's own value first, from where it is defined.
        let own = record(kb, home);
        let mut values = Vec::new();
        own.values(index, &mut |v| values.push(OwnedValue::from_value(v)));
        if !values.is_empty() {
            all.push(Stated {
                json: own.field_json(key),
                values,
                ..own_source(kb, home, &id)
            });
        }
        all.extend(defining_first(home, from_mentions, |s| s));

        // The value the record takes (None: it keeps its own), which sources hold it, and how
        // each other value stands to it.
        let (value, current, differences): (_, Vec<bool>, Vec<Option<Difference>>) =
            if field.list.is_some() {
                let mut union: Vec<serde_json::Value> = Vec::new();
                for item in all.iter().filter_map(|s| s.json.as_array()).flatten() {
                    if !union.contains(item) {
                        union.push(item.clone());
                    }
                }
                (
                    Some(serde_json::Value::Array(union)),
                    vec![true; all.len()],
                    vec![None; all.len()],
                )
            } else {
                let Some(chosen) = choose(kb, sources, home, &id, key, field, &all, problems)
                else {
                    continue;
                };
                let value = all[chosen].mention.map(|_| all[chosen].json.clone());
                // Every source that states the current value holds it, not only the chosen one.
                let holds: Vec<bool> = all.iter().map(|s| s.values == all[chosen].values).collect();
                let differences = all
                    .iter()
                    .zip(&holds)
                    .map(|(s, &holds)| (!holds).then(|| difference(kb, field, s, &all[chosen])))
                    .collect();
                (value, holds, differences)
            };
        if let Some(value) = value {
            set(kb, sources, home, &id, key, value, problems);
        }

        for ((s, is_current), difference) in all.into_iter().zip(current).zip(differences) {
            let source = source_name(kb, home, &s);
            for (n, value) in s.values.into_iter().enumerate() {
                statements.push(Statement {
                    id: format!("{id}.{key}.{source}.{}", n + 1),
                    record: Slug::parse(&id).expect("a record id"),
                    kind: kind.kind,
                    article: s.article.map(|a| kb.articles[a].id.clone()),
                    rank: s.rank,
                    current: is_current,
                    basis: s.basis,
                    difference,
                    value: StatedValue::Field(index, value),
                    evidence: s.evidence.clone(),
                });
            }
        }
    }
    for ((id, key), from_mentions) in rows {
        resolve_rows(
            kb,
            sources,
            homes[&id],
            &id,
            key,
            from_mentions,
            &mut statements,
            problems,
        );
    }
    kb.statements = statements;
}

/// The rows of one nested list of one record that sources state: rows with the same key (the
/// nested description's `unique` fields: a participant's actor and role, a quantity's measure)
/// are one row as several sources state it, and the current one is chosen by the rule for a
/// field; the record's list holds each key's current row, its own rows first.
#[allow(clippy::too_many_arguments)]
fn resolve_rows(
    kb: &mut KnowledgeBase,
    sources: &Files,
    home: Home,
    id: &str,
    key: &'static str,
    from_mentions: Vec<StatedRow>,
    statements: &mut Vec<Statement>,
    problems: &mut Diagnostics,
) {
    let own = record(kb, home);
    let kind = mapping::kind(own.kind());
    let (n, nested) = nested_list(kind, key).expect("checked when collected");
    let own_json = own.field_json(key);
    let mut all: Vec<StatedRow> = own
        .rows(n)
        .into_iter()
        .zip(own_json.as_array().into_iter().flatten())
        .enumerate()
        .map(|(p, (row, item))| stated_row(nested, own_source(kb, home, id), p, item, row))
        .collect();
    let mut keys = HashSet::new();
    if !all
        .iter()
        .all(|r| keys.insert(unique_key(nested, &r.cells)))
    {
        return; // the record's own rows repeat a key: validation reports it
    }
    all.extend(defining_first(home, from_mentions, |r| &r.source));

    let mut groups: Vec<(Vec<Option<String>>, Vec<StatedRow>)> = Vec::new();
    for row in all {
        let unique = unique_key(nested, &row.cells);
        match groups.iter_mut().find(|(k, _)| *k == unique) {
            Some((_, group)) => group.push(row),
            None => groups.push((unique, vec![row])),
        }
    }
    let mut current_rows = Vec::new();
    let mut chosen_everywhere = true;
    for (unique, group) in groups {
        let (stated, places): (Vec<Stated>, Vec<(usize, Row)>) = group
            .into_iter()
            .map(|r| (r.source, (r.position, r.cells)))
            .unzip();
        let chosen = if stated.iter().all(|s| s.values == stated[0].values) {
            0
        } else {
            let named: Vec<String> = nested
                .unique
                .iter()
                .zip(&unique)
                .map(|(k, v)| format!("{k} \"{}\"", v.as_deref().unwrap_or("")))
                .collect();
            let what = format!("{key} ({})", named.join(", "));
            match choose(kb, sources, home, id, &what, &ROW, &stated, problems) {
                Some(chosen) => chosen,
                None => {
                    chosen_everywhere = false;
                    continue;
                }
            }
        };
        current_rows.push(stated[chosen].json.clone());
        for (s, (position, cells)) in stated.iter().zip(places) {
            let holds = s.values == stated[chosen].values;
            let source = source_name(kb, home, s);
            statements.push(Statement {
                id: format!("{id}.{key}.{source}.{position}"),
                record: Slug::parse(id).expect("a record id"),
                kind: kind.kind,
                article: s.article.map(|a| kb.articles[a].id.clone()),
                rank: s.rank,
                current: holds,
                basis: s.basis,
                difference: (!holds).then(|| difference(kb, &ROW, s, &stated[chosen])),
                value: StatedValue::Row(n, cells),
                evidence: s.evidence.clone(),
            });
        }
    }
    if chosen_everywhere {
        set(
            kb,
            sources,
            home,
            id,
            key,
            serde_json::Value::Array(current_rows),
            problems,
        );
    }
}

/// What a mention's key may name: the fields and nested lists of the record's kind, the
/// closest first when one is close.
fn known_keys(description: &mapping::Kind, key: &str) -> String {
    let keys: Vec<&str> = description
        .fields
        .iter()
        .map(|f| f.key)
        .chain(description.nested.iter().map(|n| n.key))
        .collect();
    match closest(key, &keys) {
        Some(k) => format!(
            "did you mean '{k}'? {} has: {}",
            description.noun,
            keys.join(", ")
        ),
        None => format!("{} has the fields: {}", description.noun, keys.join(", ")),
    }
}

/// Why a stated value is refused: each problem's message and advice, placed at the mention's
/// rank or at the stated field.
struct Refused {
    at_rank: bool,
    problems: Vec<(String, String)>,
}

/// A value an article (`stating`) states for a field of the record at `home`, checked as the
/// record's own field would be (a serde round trip through the record, then its references):
/// its seed form (a list for a list field) and its values.
fn field_value(
    kb: &KnowledgeBase,
    kinds: &IdKinds,
    (home, stating): (Home, usize),
    (index, field): (usize, &Field),
    value: &serde_json::Value,
    rank: Rank,
) -> Result<(serde_json::Value, Vec<OwnedValue>), Refused> {
    let key = field.key;
    let refuse = |at_rank, why: String, help: &str| Refused {
        at_rank,
        problems: vec![(why, help.to_owned())],
    };
    if field.list.is_some() && rank == Rank::Preferred {
        return Err(refuse(
            true,
            format!("'{key}' is a list: every source's items are current, so none is preferred"),
            "remove rank, or state the list's items in another mention",
        ));
    }
    if let Some(why) = foreign_words(kb, home, stating, field) {
        return Err(refuse(
            false,
            why,
            "state it from an article in the record's language, or curate the record again in \
             this one",
        ));
    }
    let mut json = seed_form(value);
    if field.list.is_some() && !json.is_array() {
        json = serde_json::Value::Array(vec![json]);
    }
    let mut holder = record(kb, home).boxed();
    if let Err(why) = holder.set_field(key, json.clone()) {
        return Err(refuse(
            false,
            format!("{json} is not a value of '{key}': {why}"),
            "write the value as the record's own field would be written in its article",
        ));
    }
    let mut values = Vec::new();
    holder.values(index, &mut |v| values.push(OwnedValue::from_value(v)));
    let refused = references(field, &values, kinds);
    if !refused.is_empty() {
        let help = "name a record of that kind by its id (\"author\" means the article that \
                    defines the record: name the actor instead)";
        return Err(Refused {
            at_rank: false,
            problems: refused
                .into_iter()
                .map(|(id, why)| (format!("'{id}' {why}"), help.to_owned()))
                .collect(),
        });
    }
    Ok((json, values))
}

/// A nested row as [`choose`] and [`difference`] see it: one value (its text), never in
/// someone's own words, of no lifecycle.
static ROW: Field = Field {
    key: "row",
    column: "",
    path: &[],
    shape: Shape::Text,
    required: false,
    list: None,
    wording: false,
    doc: "",
    pattern: None,
};

/// A row's value of each of its fields, in its nested description's order.
type Row = Vec<Option<OwnedValue>>;

/// One row a source states of a nested list.
struct StatedRow {
    /// The source, as for a field: its value is the row's text, its seed form the row's.
    source: Stated,
    /// The row's place in the source's list, from 1.
    position: usize,
    cells: Row,
}

fn stated_row(
    nested: &Nested,
    source: Stated,
    index: usize,
    item: &serde_json::Value,
    row: &dyn Fields,
) -> StatedRow {
    let cells: Vec<Option<OwnedValue>> = (0..nested.fields.len())
        .map(|i| {
            let mut first = None;
            row.values(i, &mut |v| {
                first.get_or_insert_with(|| OwnedValue::from_value(v));
            });
            first
        })
        .collect();
    let text = nested.row_text(&mapping::texts(&cells));
    StatedRow {
        source: Stated {
            json: item.clone(),
            values: vec![OwnedValue::Text(text)],
            ..source
        },
        position: index + 1,
        cells,
    }
}

/// What identifies a row within its record: the values of its `unique` fields.
fn unique_key(nested: &Nested, cells: &[Option<OwnedValue>]) -> Vec<Option<String>> {
    let texts = mapping::texts(cells);
    nested
        .unique
        .iter()
        .map(|k| {
            let i = nested.fields.iter().position(|f| f.key == *k);
            i.and_then(|i| texts[i].clone())
        })
        .collect()
}

fn nested_list(kind: &mapping::Kind, key: &str) -> Option<(usize, &'static Nested)> {
    kind.nested.iter().enumerate().find(|(_, n)| n.key == key)
}

/// The record's own source: where it is defined, with its own evidence (the value is the
/// caller's).
fn own_source(kb: &KnowledgeBase, home: Home, id: &str) -> Stated {
    let own = record(kb, home);
    let evidence = match home {
        Home::Record(a, _) => (1..=own.evidence().len())
            .map(|n| evidence_id(id, &kb.articles[a].id, n))
            .collect(),
        Home::Actor(_) | Home::Topic(_) => Vec::new(),
    };
    Stated {
        mention: None,
        article: home.article(),
        rank: Rank::Normal,
        json: serde_json::Value::Null,
        values: Vec::new(),
        evidence,
        basis: Basis::of(own.evidence()),
    }
}

/// The sources in knowledge-base order, but what the record's own article states (for a field
/// the record leaves empty) first: it is the defining text, and a list's first items.
fn defining_first<T>(home: Home, mut sources: Vec<T>, stated: impl Fn(&T) -> &Stated) -> Vec<T> {
    if home.article().is_some() {
        sources.sort_by_key(|s| stated(s).article != home.article());
    }
    sources
}

/// A source as statement ids and messages name it: the article's id, or the shared file.
fn source_name(kb: &KnowledgeBase, home: Home, s: &Stated) -> String {
    s.article.map_or(home.shared_file().to_owned(), |a| {
        kb.articles[a].id.to_string()
    })
}

/// `<record>.<article>.<n>`, as [`crate::model::EvidenceItem::id`] numbers evidence.
fn evidence_id(record: &str, article: &Slug, n: usize) -> String {
    format!("{record}.{article}.{n}")
}

/// Where each record some mention states values of is defined (only those: a knowledge base
/// whose articles state few values pays little for this step).
fn homes(kb: &KnowledgeBase) -> HashMap<String, Home> {
    let stated: HashSet<&str> = kb
        .articles
        .iter()
        .flat_map(|a| a.facts.mentions.iter())
        .filter(|m| !m.states.is_empty())
        .map(|m| m.record.as_str())
        .collect();
    let mut homes = HashMap::new();
    if stated.is_empty() {
        return homes;
    }
    let mut place = |id: &Slug, home: Home| {
        if stated.contains(id.as_str()) {
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
    homes
}

/// Every mention's stated values, checked, by (record, field or nested list) in knowledge-base
/// order.
#[derive(Default)]
struct Collected {
    fields: BTreeMap<(String, &'static str), Vec<Stated>>,
    rows: BTreeMap<(String, &'static str), Vec<StatedRow>>,
}

/// A relation is its subject, type and object: no other article states its values.
const RELATION_STATED: (&str, &str) = (
    "a relation's values cannot be stated by another article",
    "define a relation of this article instead (a relation is its subject, type and object)",
);

/// A record's own article states a field through a mention only where the record leaves it
/// empty: to give that value evidence of its own, never a second value from one source.
const STATED_TWICE_AT_HOME: &str = "in its own article a record's field is stated once: set it \
    on the record, or leave it empty there and state it here with the evidence that backs it \
    alone (such as the curator's inference)";

/// Every value the articles' mentions state, checked as the record's own would be, by record
/// and field (or nested list); what is refused is a problem at the mention.
fn collect(
    kb: &KnowledgeBase,
    sources: &Files,
    kinds: &IdKinds,
    homes: &HashMap<String, Home>,
    problems: &mut Diagnostics,
) -> Collected {
    let mut collected = Collected::default();
    for (a, article) in kb.articles.iter().enumerate() {
        if article.facts.mentions.iter().all(|m| m.states.is_empty()) {
            continue;
        }
        // Evidence numbers: a record's own evidence first, then its mentions', in file order.
        let mut counts: HashMap<&Slug, usize> = HashMap::new();
        for r in article.facts.records() {
            *counts.entry(r.id()).or_default() += r.evidence().len();
        }
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        for (m, mention) in article.facts.mentions.iter().enumerate() {
            let first = counts.get(&mention.record).copied().unwrap_or(0);
            *counts.entry(&mention.record).or_default() += mention.evidence.len();
            if mention.states.is_empty() {
                continue;
            }
            let (Some(&kind), Some(&home)) = (
                kinds.get(mention.record.as_str()),
                homes.get(mention.record.as_str()),
            ) else {
                continue; // an unknown record is reported as a reference
            };
            let at = MentionAt {
                kb,
                kinds,
                source: sources.article(a),
                article: a,
                index: m,
                mention,
                home,
                first,
            };
            if kind == RecordKind::Relation {
                let (why, help) = RELATION_STATED;
                problems.push(at.problem(at.path(&["states"]), why.into(), help.into()));
                continue;
            }
            for (key, value) in &mention.states {
                at.collect_value(
                    mapping::kind(kind),
                    key,
                    value,
                    &mut seen,
                    &mut collected,
                    problems,
                );
            }
        }
    }
    collected
}

/// One mention that states values, in its article.
struct MentionAt<'a> {
    kb: &'a KnowledgeBase,
    kinds: &'a IdKinds,
    source: &'a SourceFile,
    article: usize,
    /// Its index among the article's mentions.
    index: usize,
    mention: &'a Mention,
    /// Where the record it states values of is defined.
    home: Home,
    /// How many quotes of the record come before the mention's in this article.
    first: usize,
}

impl<'a> MentionAt<'a> {
    fn path(&self, keys: &[&'static str]) -> Vec<Seg> {
        let mut path = vec![Seg::Key("mentions"), Seg::Index(self.index)];
        path.extend(keys.iter().map(|k| Seg::Key(k)));
        path
    }

    fn problem(&self, path: Vec<Seg>, message: String, help: String) -> Diagnostic {
        self.source
            .diagnostic(&path, message)
            .record(self.mention.record.as_str())
            .help(help)
    }

    /// The mention as the source of what it states: its evidence, numbered after the record's
    /// own and the earlier mentions' in this article.
    fn stating(&self) -> Stated {
        let mention = self.mention;
        Stated {
            mention: Some((self.article, self.index)),
            article: Some(self.article),
            rank: mention.rank,
            json: serde_json::Value::Null,
            values: Vec::new(),
            evidence: (self.first + 1..=self.first + mention.evidence.len())
                .map(|n| {
                    evidence_id(
                        mention.record.as_str(),
                        &self.kb.articles[self.article].id,
                        n,
                    )
                })
                .collect(),
            basis: Basis::of(&mention.evidence),
        }
    }

    /// The value the mention states for `key` (a field or a nested list), checked and kept in
    /// `collected`, or a problem; `seen` holds what this article has stated already.
    fn collect_value(
        &self,
        description: &'static Kind,
        key: &str,
        value: &serde_json::Value,
        seen: &mut HashSet<(&'a str, &'static str)>,
        collected: &mut Collected,
        problems: &mut Diagnostics,
    ) {
        let (kb, id) = (self.kb, &self.mention.record);
        // A record's own article states a field through a mention only where the record leaves
        // it empty: to give that value evidence of its own (the curator's inference beside the
        // article's words), never a second value from one source.
        let own_article = self.home.article() == Some(self.article);
        if own_article && !empty(&record(kb, self.home).field_json(key)) {
            problems.push(self.problem(
                self.path(&["states"]),
                format!("'{key}' of '{id}' is set on the record, in this article"),
                STATED_TWICE_AT_HOME.into(),
            ));
            return;
        }
        if let Some((n, nested)) = nested_list(description, key) {
            let path = self.path(&["states", nested.key]);
            if !seen.insert((id.as_str(), nested.key)) {
                problems.push(self.problem(
                    path,
                    format!("this article states '{key}' of '{id}' twice"),
                    "state a list once per article, every row in it".into(),
                ));
                return;
            }
            let stating = self.stating();
            match stated_rows(
                kb,
                self.kinds,
                self.home,
                self.article,
                (n, nested),
                value,
                stating,
            ) {
                Ok(rows) => collected
                    .rows
                    .entry((id.to_string(), nested.key))
                    .or_default()
                    .extend(rows),
                Err((why, help)) => problems.push(self.problem(path, why, help)),
            }
            return;
        }
        let Some((index, field)) = description.field(key) else {
            problems.push(self.problem(
                self.path(&["states"]),
                format!("'{key}' is not a field of {}", description.noun),
                known_keys(description, key),
            ));
            return;
        };
        let path = self.path(&["states", field.key]);
        if !seen.insert((id.as_str(), field.key)) {
            problems.push(self.problem(
                path,
                format!("this article states '{key}' of '{id}' twice"),
                "state a field once per article, with all its quotes as that mention's evidence"
                    .into(),
            ));
            return;
        }
        let home = (self.home, self.article);
        match field_value(
            kb,
            self.kinds,
            home,
            (index, field),
            value,
            self.mention.rank,
        ) {
            Ok((json, values)) => collected
                .fields
                .entry((id.to_string(), field.key))
                .or_default()
                .push(Stated {
                    json,
                    values,
                    ..self.stating()
                }),
            Err(refused) => {
                let path = if refused.at_rank {
                    self.path(&["rank"])
                } else {
                    path
                };
                for (why, help) in refused.problems {
                    problems.push(self.problem(path.clone(), why, help));
                }
            }
        }
    }
}

/// The rows one mention states of a nested list, checked as the record's own rows are (and a
/// row's key once), or why not and what to do.
fn stated_rows(
    kb: &KnowledgeBase,
    kinds: &IdKinds,
    home: Home,
    stating: usize,
    (n, nested): (usize, &'static Nested),
    value: &serde_json::Value,
    source: Stated,
) -> Result<Vec<StatedRow>, (String, String)> {
    let key = nested.key;
    if let Some(why) = nested
        .fields
        .iter()
        .find_map(|f| foreign_words(kb, home, stating, f))
    {
        return Err((
            why,
            "state it from an article in the record's language, or curate the record again in              this one"
                .into(),
        ));
    }
    let mut json = seed_form(value);
    if !json.is_array() {
        json = serde_json::Value::Array(vec![json]);
    }
    let mut holder = record(kb, home).boxed();
    if let Err(why) = holder.set_field(key, json.clone()) {
        let fields: Vec<&str> = nested.fields.iter().map(|f| f.key).collect();
        return Err((
            format!("{json} is not a list of '{key}': {why}"),
            format!(
                "write each row as in the record's own '{key}', a table with {}",
                fields.join(", ")
            ),
        ));
    }
    let items = json.as_array().expect("made a list above");
    let rows: Vec<StatedRow> = holder
        .rows(n)
        .into_iter()
        .zip(items)
        .enumerate()
        .map(|(p, (row, item))| stated_row(nested, source.clone(), p, item, row))
        .collect();
    for (i, field) in nested.fields.iter().enumerate() {
        let values: Vec<OwnedValue> = rows.iter().filter_map(|r| r.cells[i].clone()).collect();
        if let Some((id, why)) = references(field, &values, kinds).into_iter().next() {
            return Err((
                format!("'{id}' in '{key}' {why}"),
                "name a record of that kind by its id".into(),
            ));
        }
    }
    let mut keys = HashSet::new();
    if let Some(row) = rows
        .iter()
        .find(|r| !keys.insert(unique_key(nested, &r.cells)))
    {
        return Err((
            format!(
                "the row {} is stated twice: a row's {} name it once in '{key}'",
                mapping::plain(row.source.values[0].as_value()),
                nested.unique.join(" and ")
            ),
            "state each row once, or the differing values in a later article".into(),
        ));
    }
    Ok(rows)
}

/// Whether a field holds no value: absent, or an empty list.
fn empty(json: &serde_json::Value) -> bool {
    match json {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// Text in the article's words is tagged with the language of the article that defines the
/// record: a value from an article in another language would be mislabelled.
fn foreign_words(kb: &KnowledgeBase, home: Home, stating: usize, field: &Field) -> Option<String> {
    let defining = home.article()?;
    let language = |a: usize| kb.articles[a].facts.article.language.to_ascii_lowercase();
    (field.shape == Shape::LangText && language(defining) != language(stating)).then(|| {
        format!(
            "'{}' is text in the words of the record's article ({}), but this article is in {}",
            field.key,
            language(defining),
            language(stating)
        )
    })
}

/// The stated ids a reference field refuses, with why. `author` is refused too: in the record
/// it would stand for the author of the article that defines it, not of this one.
fn references(field: &Field, values: &[OwnedValue], kinds: &IdKinds) -> Vec<(String, String)> {
    let allowed = match field.shape {
        Shape::Ref(allowed) => allowed,
        Shape::Asserter => &[RecordKind::Actor][..],
        _ => return Vec::new(),
    };
    values
        .iter()
        .filter_map(|v| match v {
            OwnedValue::Id(id) | OwnedValue::Text(id) => Some(id),
            _ => None,
        })
        .filter_map(|id| {
            if id == AUTHOR {
                return Some((id.clone(), "cannot be stated by another article".to_owned()));
            }
            let fits = kinds
                .get(id.as_str())
                .is_some_and(|k| mapping::accepts(allowed, *k));
            (!fits).then(|| (id.clone(), format!("is not {}", mapping::wanted(allowed))))
        })
        .collect()
}

/// The current value among a single-valued field's sources (see the module's rule), or None
/// when the rule cannot choose (the problem is reported).
#[allow(clippy::too_many_arguments)]
fn choose(
    kb: &KnowledgeBase,
    sources: &Files,
    home: Home,
    id: &str,
    key: &str,
    field: &Field,
    all: &[Stated],
    problems: &mut Diagnostics,
) -> Option<usize> {
    if let Some(chosen) = choose_preferred(sources, id, key, all, problems) {
        return chosen;
    }
    // Another source's words never replace the defining text unless ranked: they are a
    // parallel voice. The defining text comes first: the record's own value, or what its own
    // article states for a field the record leaves empty.
    let defining =
        all[0].mention.is_none() || (home.article().is_some() && all[0].article == home.article());
    if field.wording && defining {
        return Some(0);
    }
    let published = |s: &Stated| published(kb, s);
    // The first of the latest sources, what an article says before what the curator infers
    // from one as late; any other as late, of the same basis, that disagrees is a rival.
    let said = |s: &Stated| !s.inferred();
    let latest = (0..all.len())
        .max_by(|&i, &j| {
            (published(&all[i]), said(&all[i]))
                .cmp(&(published(&all[j]), said(&all[j])))
                .then(j.cmp(&i))
        })
        .expect("a stated field has a source");
    // The sources as late as the latest, of its basis, must tell one story (one date more or
    // less precisely, steps of one lifecycle in one order): any two that do not are rivals.
    let as_late: Vec<usize> = (0..all.len())
        .filter(|&i| {
            published(&all[i]) == published(&all[latest])
                && all[i].inferred() == all[latest].inferred()
        })
        .collect();
    let rival = as_late.iter().enumerate().find_map(|(n, &i)| {
        as_late[n + 1..]
            .iter()
            .find(|&&j| {
                all[i].values != all[j].values
                    && !one_moves_on_from_the_other(field, &all[i], &all[j])
            })
            .map(|&j| (i, j))
    });
    if let Some(pair) = rival {
        let dated = published(&all[latest]).is_some();
        problems.push(rivals_problem(
            kb,
            sources,
            (home, id, key),
            all,
            pair,
            dated,
        ));
        return None;
    }
    // Steps of one lifecycle as late as each other (pledged, in progress): the furthest.
    let chosen = as_late.iter().fold(latest, |furthest, &i| {
        match steps(field, &all[furthest], &all[i]) {
            Some(true) => i,
            _ => furthest,
        }
    });
    Some(more_precise_date(kb, all, chosen).unwrap_or(chosen))
}

/// Where a mention's `key` (its rank, what it states) is: (its article, the path in its facts).
fn mention_path(s: &Stated, key: &'static str) -> (usize, Vec<Seg>) {
    let (a, m) = s.mention.expect("only a mention has a rank or a rival");
    (a, vec![Seg::Key("mentions"), Seg::Index(m), Seg::Key(key)])
}

/// The value ranked preferred, when some are: Some(None) when two preferred values differ (a
/// problem), None when none is ranked.
fn choose_preferred(
    sources: &Files,
    id: &str,
    key: &str,
    all: &[Stated],
    problems: &mut Diagnostics,
) -> Option<Option<usize>> {
    let preferred: Vec<usize> = (0..all.len())
        .filter(|&i| all[i].rank == Rank::Preferred)
        .collect();
    let &first = preferred.first()?;
    if let Some(&other) = preferred
        .iter()
        .find(|&&i| all[i].values != all[first].values)
    {
        let (a, path) = mention_path(&all[other], "rank");
        problems.push(
            sources
                .article(a)
                .diagnostic(
                    &path,
                    format!("two sources state a preferred '{key}' of '{id}', and they differ"),
                )
                .record(id)
                .help("keep rank = \"preferred\" on the one value that holds"),
        );
        return Some(None);
    }
    Some(Some(first))
}

/// Two equally late sources of one basis that state different values of a field: which to
/// rank, or which dates to give (`dated`: whether the sources have dates at all).
fn rivals_problem(
    kb: &KnowledgeBase,
    sources: &Files,
    (home, id, key): (Home, &str, &str),
    all: &[Stated],
    (first, rival): (usize, usize),
    dated: bool,
) -> Diagnostic {
    let name = |s: &Stated| source_name(kb, home, s);
    let (a, path) = mention_path(&all[rival], "states");
    sources
        .article(a)
        .diagnostic(
            &path,
            format!(
                "'{}' and '{}' state different values of '{key}' for '{id}' and neither is \
                 published later",
                name(&all[first]),
                name(&all[rival]),
            ),
        )
        .record(id)
        .help(if dated {
            "their dates make them equally late (a month or a year counts as its first day): set \
             rank = \"preferred\" on the mention whose value holds, or give the dates more \
             precisely if they differ"
        } else {
            "give the articles their publication dates, or set rank = \"preferred\" on the \
             mention whose value holds"
        })
}

/// A source that gives only the period of a date another gives more precisely ("in
/// September" after "on September 3") does not undo the precision: the most precise date
/// within the chosen one that no later source contradicts, unless only the curator infers it
/// and the chosen one is said. None when there is none, or when two such dates disagree (the
/// period they share is what holds).
fn more_precise_date(kb: &KnowledgeBase, all: &[Stated], chosen: usize) -> Option<usize> {
    let date = |s: &Stated| match s.values.as_slice() {
        [OwnedValue::Date(d)] => Some(d.clone()),
        _ => None,
    };
    let period = date(&all[chosen])?;
    let uncontradicted = |i: usize, day: &PartialDate| {
        all.iter().all(|s| {
            published(kb, s) <= published(kb, &all[i]) || date(s).is_none_or(|d| d.agrees_with(day))
        })
    };
    let candidates: Vec<usize> = (0..all.len())
        .filter(|&i| {
            date(&all[i]).is_some_and(|day| {
                period.contains(&day)
                    && (!all[i].inferred() || all[chosen].inferred())
                    && uncontradicted(i, &day)
            })
        })
        .collect();
    let best = candidates.iter().copied().max_by(|&i, &j| {
        (precision(&all[i]), published(kb, &all[i]))
            .cmp(&(precision(&all[j]), published(kb, &all[j])))
            .then(j.cmp(&i))
    })?;
    let best_date = date(&all[best])?;
    candidates
        .iter()
        .all(|&i| date(&all[i]).is_some_and(|d| d.agrees_with(&best_date)))
        .then_some(best)
}

/// Whether two values tell one story rather than disagree: one date more precisely than the
/// other (`2025-09`, `2025-09-03`), or two steps of one lifecycle in a single order.
fn one_moves_on_from_the_other(field: &Field, a: &Stated, b: &Stated) -> bool {
    match (a.values.as_slice(), b.values.as_slice()) {
        ([OwnedValue::Date(x)], [OwnedValue::Date(y)]) => x.agrees_with(y),
        _ => steps(field, a, b).is_some(),
    }
}

/// For two statuses of one lifecycle: Some(true) when `to` is a later step of `from`,
/// Some(false) when an earlier one, None when neither or both (a cycle: in force ⇄ paused).
fn steps(field: &Field, from: &Stated, to: &Stated) -> Option<bool> {
    let Shape::Closed { scheme, .. } = field.shape else {
        return None;
    };
    let ([OwnedValue::Concept(a)], [OwnedValue::Concept(b)]) =
        (from.values.as_slice(), to.values.as_slice())
    else {
        return None;
    };
    match (
        mapping::leads_to(scheme, a, b),
        mapping::leads_to(scheme, b, a),
    ) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// How precise a stated date is (0 for a year, 2 for a day); 0 for any other value.
fn precision(s: &Stated) -> u8 {
    match s.values.as_slice() {
        [OwnedValue::Date(d)] => u8::from(d.month.is_some()) + u8::from(d.day.is_some()),
        _ => 0,
    }
}

/// When a source was published, a less precise date as the start of its period: `2025-10` is
/// as late as `2025-10-01` (and so a rival of it), earlier than `2025-10-12`.
fn published(kb: &KnowledgeBase, s: &Stated) -> Option<(u16, u8, u8)> {
    s.article
        .and_then(|a| kb.articles[a].facts.article.published.as_ref())
        .map(|d: &PartialDate| (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1)))
}

/// How a value that is not current stands to the current one: another voice's words for a
/// worded field; a progression when an earlier (or as late) source's status leads to the
/// current one in its lifecycle, or its date is the current date said more or less precisely
/// (whichever source is later); else a contradiction.
fn difference(kb: &KnowledgeBase, field: &Field, other: &Stated, current: &Stated) -> Difference {
    if field.wording {
        return Difference::Parallel;
    }
    let earlier = published(kb, other) <= published(kb, current);
    let moved_on = match (other.values.as_slice(), current.values.as_slice()) {
        ([OwnedValue::Concept(from)], [OwnedValue::Concept(to)]) => match field.shape {
            Shape::Closed { scheme, .. } => earlier && mapping::leads_to(scheme, from, to),
            _ => false,
        },
        // One date said more or less precisely than the current one.
        ([OwnedValue::Date(a)], [OwnedValue::Date(b)]) => a.agrees_with(b),
        _ => false,
    };
    if moved_on {
        Difference::Progression
    } else {
        Difference::Contradiction
    }
}

/// Sets a record's field to its current value (checked already: a failure is a bug, reported
/// rather than hidden).
fn set(
    kb: &mut KnowledgeBase,
    sources: &Files,
    home: Home,
    id: &str,
    key: &str,
    value: serde_json::Value,
    problems: &mut Diagnostics,
) {
    if let Err(why) = record_mut(kb, home).set_field(key, value) {
        let file = match home.article() {
            Some(a) => sources.article(a).path.clone(),
            None => home.shared_file().into(),
        };
        problems.push(
            Diagnostic::new(
                file,
                format!("cannot set '{key}' to its current value: {why}"),
            )
            .record(id),
        );
    }
}
