//! The curated model: what an article says, record by record, each with its evidence.
//!
//! These types are both the seed format (they derive `Deserialize` and `JsonSchema`, so
//! `schema/*.schema.json` is generated from them) and the validated model the stores are
//! written from. Value types check their own syntax while deserializing, so a bad slug, date,
//! percentage or duration is reported at its exact position in the seed file.
//! The model does no I/O.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};

/// Default base IRI of a knowledge base whose configuration names none.
pub const DEFAULT_BASE_IRI: &str = "https://w3id.org/dossier/kb/";

// ---------------------------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------------------------

/// A stable, human-readable identifier: the SQL key and the last segment of the record's IRI.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub const PATTERN: &'static str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    /// Checks the slug syntax: lowercase ASCII letters and digits in words joined by single hyphens.
    pub fn parse(text: &str) -> Result<Slug, String> {
        let well_formed = !text.is_empty()
            && text.len() <= 120
            && text.split('-').all(|word| {
                !word.is_empty()
                    && word
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if well_formed {
            Ok(Slug(text.to_owned()))
        } else {
            Err(format!(
                "'{text}' is not a valid id: use lowercase letters, digits and single hyphens, \
                 e.g. '{}'",
                suggest_slug(text)
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn suggest_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "my-record".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Slug::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Slug {
    fn schema_name() -> Cow<'static, str> {
        "Slug".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": Slug::PATTERN,
            "description": "A stable id: lowercase letters, digits and single hyphens."
        })
    }
}

/// How precisely a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePrecision {
    Year,
    Month,
    Day,
}

impl DatePrecision {
    pub const ALL: &'static [DatePrecision] = &[
        DatePrecision::Year,
        DatePrecision::Month,
        DatePrecision::Day,
    ];
    /// The precisions as the `*_precision` columns and the date-precision concepts spell them.
    pub const VALUES: &'static [&'static str] = &["year", "month", "day"];

    /// The precisions as the ontology declares them (see [`ClosedList`]).
    pub const LIST: ClosedList = ClosedList {
        scheme: "date-precision",
        values: DatePrecision::VALUES,
        definition: "How precisely a date is known.",
        definitions: &[
            "Known to the year only (YYYY); the date is an xsd:gYear.",
            "Known to the month (YYYY-MM); the date is an xsd:gYearMonth.",
            "Known to the day (YYYY-MM-DD); the date is an xsd:date.",
        ],
    };

    pub fn as_str(self) -> &'static str {
        match self {
            DatePrecision::Year => "year",
            DatePrecision::Month => "month",
            DatePrecision::Day => "day",
        }
    }
}

/// A calendar date known to the year (`2025`), the month (`2025-09`) or the day (`2025-09-03`).
/// Dates order by year, month, day, a missing part first: a date known to the month comes
/// before every day of that month, as the start of its period.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct PartialDate {
    pub year: u16,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    pub const PATTERN: &'static str = r"^\d{4}(-\d{2}(-\d{2})?)?$";

    /// Whether `other` is a more precise date within this one's period (`2025-09-03` in
    /// `2025-09`): a date made more precise, not a different one.
    pub fn contains(&self, other: &PartialDate) -> bool {
        let within = |mine: Option<u8>, theirs: Option<u8>| mine.is_none() || mine == theirs;
        self != other
            && self.year == other.year
            && within(self.month, other.month)
            && within(self.day, other.day)
    }

    /// Whether the two are one date, said as precisely or one more precisely than the other
    /// (`2025-09` and `2025-09-03`): not a disagreement.
    pub fn agrees_with(&self, other: &PartialDate) -> bool {
        self == other || self.contains(other) || other.contains(self)
    }

    pub fn parse(text: &str) -> Result<PartialDate, String> {
        let bad = || {
            format!(
                "'{text}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD \
                 (only as precise as the article is)"
            )
        };
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if parts.is_empty() || parts.len() > 3 || !digits(parts[0], 4) {
            return Err(bad());
        }
        let year: u16 = parts[0].parse().map_err(|_| bad())?;
        let month = match parts.get(1) {
            None => None,
            Some(m) if digits(m, 2) => Some(m.parse::<u8>().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
        };
        let day = match parts.get(2) {
            None => None,
            Some(d) if digits(d, 2) => Some(d.parse::<u8>().map_err(|_| bad())?),
            Some(_) => return Err(bad()),
        };
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(format!(
                    "'{text}' is not a date: month {m} is not between 01 and 12"
                ));
            }
            if let Some(d) = day {
                let last = days_in_month(year, m);
                if !(1..=last).contains(&d) {
                    return Err(format!(
                        "'{text}' is not a date: {year}-{m:02} has days 01 to {last}"
                    ));
                }
            }
        }
        Ok(PartialDate { year, month, day })
    }

    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (None, _) => DatePrecision::Year,
            (Some(_), None) => DatePrecision::Month,
            (Some(_), Some(_)) => DatePrecision::Day,
        }
    }
}

/// The last day of a month, as XML Schema's calendar (the engine's own date type) has it.
fn days_in_month(year: u16, month: u8) -> u8 {
    use std::str::FromStr;
    (28..=31)
        .rev()
        .find(|day| oxsdatatypes::Date::from_str(&format!("{year:04}-{month:02}-{day}")).is_ok())
        .unwrap_or(28)
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl From<PartialDate> for String {
    fn from(date: PartialDate) -> String {
        date.to_string()
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PartialDate::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for PartialDate {
    fn schema_name() -> Cow<'static, str> {
        "PartialDate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": PartialDate::PATTERN,
            "description": "YYYY, YYYY-MM or YYYY-MM-DD: the precision is the article's."
        })
    }
}

/// A percentage from 0 to 100, kept as written (canonical decimal text) so both stores agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(into = "f64")]
pub struct Percent(pub f64);

impl Percent {
    /// The canonical xsd:decimal lexical form of XSD 1.1 (`30`, `7.5`): what Oxigraph and
    /// other stores normalise to, so literals compare equal everywhere.
    pub fn canonical(&self) -> String {
        format!("{}", self.0)
    }
}

impl From<Percent> for f64 {
    fn from(p: Percent) -> f64 {
        p.0
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if value.is_finite() && (0.0..=100.0).contains(&value) {
            // -0.0 is 0: its text would be "-0" in the graph and 0 in the database.
            Ok(Percent(value + 0.0))
        } else {
            Err(serde::de::Error::custom(format!(
                "{value} is not a percentage: write a number from 0 to 100 (30 for 30%)"
            )))
        }
    }
}

impl JsonSchema for Percent {
    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "number", "minimum": 0, "maximum": 100})
    }
}

/// An xsd:duration of whole years, months and days, e.g. `P90D`, `P3M`, `P1Y` (xsd:duration
/// has no weeks: write `P14D` for two weeks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Duration(String);

impl Duration {
    /// Years, months and days, in that order, at least one of them (xsd:duration without
    /// weeks or times).
    pub const PATTERN: &'static str = "^P([0-9]+Y([0-9]+M)?([0-9]+D)?|[0-9]+M([0-9]+D)?|[0-9]+D)$";

    pub fn parse(text: &str) -> Result<Duration, String> {
        let bad = || {
            format!(
                "'{text}' is not a duration: write years, months and days as in xsd:duration, \
                 e.g. P90D for 90 days, P3M, P1Y (no weeks: P14D for two weeks)"
            )
        };
        let body = text.strip_prefix('P').ok_or_else(bad)?;
        if body.is_empty() {
            return Err(bad());
        }
        let mut order = "YMD".chars();
        let mut digits = 0;
        for c in body.chars() {
            if c.is_ascii_digit() {
                digits += 1;
            } else if digits > 0 && order.any(|unit| unit == c) {
                digits = 0;
            } else {
                return Err(bad());
            }
        }
        if digits != 0 {
            return Err(bad());
        }
        Ok(Duration(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "pattern": Duration::PATTERN})
    }
}

/// One value or a list of them, as the seed format accepts for joint speakers: `"mexico"` or
/// `["mexico", "united-states"]`.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "OneOrMany_{T}")]
#[allow(dead_code)] // only its schema and its shape are used
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

fn one_or_many<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    struct Visit<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id or a list of ids")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            T::deserialize(serde::de::value::StrDeserializer::new(v)).map(|t| vec![t])
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
            Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
        }
    }
    d.deserialize_any(Visit(std::marker::PhantomData))
}

// ---------------------------------------------------------------------------------------------
// Closed lists
// ---------------------------------------------------------------------------------------------

/// A closed list as the ontology declares it: a SKOS concept scheme, its values and what the
/// list and each value mean (doc-comment text: a line each, as written).
#[derive(Debug, Clone, Copy)]
pub struct ClosedList {
    pub scheme: &'static str,
    pub values: &'static [&'static str],
    pub definition: &'static str,
    /// In `values`' order.
    pub definitions: &'static [&'static str],
}

impl ClosedList {
    /// The list of this scheme.
    pub fn of(scheme: &str) -> Option<&'static ClosedList> {
        CLOSED_LISTS.iter().find(|l| l.scheme == scheme)
    }

    /// Doc-comment text as one paragraph: its lines trimmed and joined.
    pub fn prose(doc: &str) -> String {
        doc.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Every closed list, as the seeds' enums declare them (and the dates' precision).
pub static CLOSED_LISTS: &[ClosedList] = &[
    ActorKind::LIST,
    Modality::LIST,
    AgreementKind::LIST,
    AgreementStatus::LIST,
    PolicyKind::LIST,
    PolicyStatus::LIST,
    ConstraintKind::LIST,
    CommitmentStatus::LIST,
    ClaimKind::LIST,
    RelationType::LIST,
    DatePrecision::LIST,
    Rank::LIST,
    Basis::LIST,
    Difference::LIST,
    TitleSource::LIST,
];

/// Declares a closed list once: its serde names, its SQL table's rows and its RDF concepts all
/// come from here, so the stores and the schema cannot disagree about what is allowed.
macro_rules! closed_list {
    ($(#[doc = $doc:literal])* $name:ident, $scheme:literal { $($(#[doc = $vdoc:literal])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[doc = $vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Name of the list: the SKOS concept scheme in RDF.
            pub const SCHEME: &'static str = $scheme;
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The values as the seeds, the SQL tables and the SKOS concepts spell them.
            pub const VALUES: &'static [&'static str] = &[$($text),+];
            /// The list and what each value means, from their doc comments: the concept scheme
            /// and its concepts' definitions in the ontology.
            pub const LIST: ClosedList = ClosedList {
                scheme: $scheme,
                values: &[$($text),+],
                definition: concat!($($doc, "\n"),*),
                definitions: &[$(concat!($($vdoc, "\n",)* "")),+],
            };

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FieldValue for $name {
            fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
                out(Value::Concept(self.as_str()))
            }
        }
    };
}

closed_list!(
    /// What kind of actor a record is.
    ActorKind, "actor-kind" {
        /// A named human being.
        Person = "person",
        /// A sovereign state (its government acting as one).
        State = "state",
        /// A formal organisation: an agency, a party, a company, an armed force.
        Organization = "organization",
        /// An informal or collective group: cartels, analysts, a cabinet, donors.
        Group = "group",
    }
);

closed_list!(
    /// How the asserter presents a fact.
    Modality, "modality" {
        /// Told as something that happened or is the case.
        ReportedFact = "reported_fact",
        /// A position someone states as theirs (a demand, a condition, a justification).
        StatedPosition = "stated_position",
        /// A judgement or evaluation.
        Assessment = "assessment",
        /// Advice on what someone should do.
        Recommendation = "recommendation",
        /// Something that may happen or may be the case.
        Possibility = "possibility",
        /// Not said in the text: the curator's reading of the quoted passage, with a note
        /// saying why (asserted by `curator`). Never a reported fact.
        Inference = "inference",
    }
);

closed_list!(
    /// Whether a record is an agreement between parties or a measure one of them takes or proposes.
    AgreementKind, "agreement-kind" {
        /// An agreement between parties.
        Agreement = "agreement",
        /// A measure one of the parties takes or proposes (under an agreement).
        Measure = "measure",
    }
);

closed_list!(
    /// How far an agreement or measure has come.
    AgreementStatus, "agreement-status" {
        /// The parties have agreed to it.
        Agreed = "agreed",
        /// Set up and working: a body established, a mechanism launched, a group created.
        Established = "established",
        /// It has been made public, e.g. in a joint statement.
        Announced = "announced",
        /// One side has put it forward.
        Proposed = "proposed",
        /// It is mentioned as a possibility only.
        Possible = "possible",
    }
);

closed_list!(
    /// What kind of instrument a policy is.
    PolicyKind, "policy-kind" {
        /// A tax or duty on imports or exports.
        Tariff = "tariff",
        /// A penalty or restriction imposed on a state, organisation or person.
        Sanction = "sanction",
        /// An official classification of an actor, e.g. as a terrorist organisation.
        Designation = "designation",
        /// An operation of security, police or armed forces, e.g. against cartels.
        SecurityOperation = "security_operation",
    }
);

closed_list!(
    /// Where a policy stands.
    PolicyStatus, "policy-status" {
        /// Applied now.
        InForce = "in_force",
        /// Suspended for a time (see `status_duration`).
        Paused = "paused",
        /// Threatened but not applied.
        Threatened = "threatened",
        /// Announced but not yet applied.
        Announced = "announced",
        /// No longer applied.
        Ended = "ended",
    }
);

closed_list!(
    /// What a condition constrains about an agreement or measure.
    ConstraintKind, "constraint-kind" {
        /// Where it must take place.
        Location = "location",
        /// Who must control it.
        Control = "control",
        /// How far it may reach.
        Scope = "scope",
        /// What it must not involve.
        Prohibition = "prohibition",
        /// What it must satisfy.
        Requirement = "requirement",
    }
);

closed_list!(
    /// How far a commitment has come.
    CommitmentStatus, "commitment-status" {
        /// Meant but not promised: "intends to", "plans to".
        Intended = "intended",
        /// Promised ("will", "commits to"); the article says nothing of progress.
        Pledged = "pledged",
        /// Under way.
        InProgress = "in_progress",
        /// Done.
        Fulfilled = "fulfilled",
        /// Given up or broken.
        Abandoned = "abandoned",
    }
);

closed_list!(
    /// What kind of statement a claim is.
    ClaimKind, "claim-kind" {
        /// A judgement or evaluation of something or someone.
        Assessment = "assessment",
        /// Advice on what someone should do.
        Recommendation = "recommendation",
        /// A statement of what may or will happen.
        Prediction = "prediction",
        /// A reason given for an action or a position.
        Justification = "justification",
    }
);

closed_list!(
    /// Typed links between two records where no field of theirs fits. Read as
    /// `subject <predicate> object`.
    RelationType, "relation-type" {
        /// An actor visited a place or state.
        Visited = "visited",
        /// An actor met another actor.
        Met = "met",
        /// An event or policy was ordered by an actor.
        OrderedBy = "ordered_by",
        /// An event, policy or agreement was championed (defended, promoted) by an actor.
        ChampionedBy = "championed_by",
        /// An actor supports an actor, event, agreement, policy or commitment.
        Supports = "supports",
        /// An actor opposes an actor, event, agreement, policy or commitment.
        Opposes = "opposes",
        /// An actor supports sanctions against another actor.
        SupportsSanctionsAgainst = "supports_sanctions_against",
        /// A whole and its part: an event of an event, an agreement of an agreement, a policy
        /// of a policy, an organisation of another actor, a commitment of an agreement or of
        /// another commitment.
        PartOf = "part_of",
        /// An actor is a member of a group or organisation.
        MemberOf = "member_of",
        /// An event, agreement, policy or commitment affects or is aimed at an actor.
        Targets = "targets",
        /// An agreement, policy or commitment was announced during an event, or a statement was
        /// issued at a meeting.
        AnnouncedDuring = "announced_during",
        /// A body (a group, commission or working group) was created by an agreement or at an
        /// event.
        CreatedBy = "created_by",
        /// An agreement, policy or commitment is monitored by an actor.
        MonitoredBy = "monitored_by",
        /// An event, agreement, policy or commitment was requested by an actor.
        RequestedBy = "requested_by",
        /// Two records of one kind name the same thing (`mexican-cartels` and `drug-cartels`;
        /// a joint statement and the communiqué that publishes it).
        SameAs = "same_as",
        /// An event follows another in a series (a body's second meeting follows its first).
        Follows = "follows",
        /// An event, agreement or commitment carries out a commitment (the meeting held within
        /// the 30 days pledged).
        Fulfils = "fulfils",
        /// A statement (an event), agreement, policy or commitment was issued by an actor
        /// (when the article implies an issuer it does not name, a curator's inference).
        IssuedBy = "issued_by",
        /// A claim rests on grounds the article gives for it ("based on real facts, such as
        /// ...", "given his ...", "especially after ..."): another claim, an event, agreement,
        /// policy, commitment, condition or relation.
        BasedOn = "based_on",
    }
);

closed_list!(
    /// Which of the values several sources state for a field is current.
    Rank, "rank" {
        /// Current when its source is the latest published of those that state the field.
        Normal = "normal",
        /// Current whatever the dates: the curator's choice, at most one per field of a record.
        Preferred = "preferred",
    }
);

// `closed_list!` writes the enum, so the default cannot be derived on it.
#[allow(clippy::derivable_impls)]
impl Default for Rank {
    fn default() -> Rank {
        Rank::Normal
    }
}

closed_list!(
    /// What a value or a record rests on: what the article says, or only what the curator infers
    /// from it.
    Basis, "basis" {
        /// At least one quote of it is the article's own (any modality but `inference`).
        Reported = "reported",
        /// Every quote of it is the curator's inference: the article does not say it.
        Inferred = "inferred",
    }
);

impl Basis {
    /// The basis of what these quotes back: inferred when every one is an inference; None
    /// without quotes (a record of `actors.toml` or `topics.toml`).
    pub fn of(evidence: &[Evidence]) -> Option<Basis> {
        if evidence.is_empty() {
            None
        } else if evidence.iter().all(|e| e.modality == Modality::Inference) {
            Some(Basis::Inferred)
        } else {
            Some(Basis::Reported)
        }
    }
}

closed_list!(
    /// How a value that is not current stands to the current one of its field.
    Difference, "difference" {
        /// An earlier stage the current value has moved on from (a status its lifecycle leads
        /// from to the current one), or the current date said more or less precisely (a
        /// period it falls in, or a day within it), whichever source is later.
        Progression = "progression",
        /// Another source's words for a text the record keeps in its defining words (a label,
        /// a purpose): a parallel voice, not a correction.
        Parallel = "parallel",
        /// A value the current one contradicts: the sources disagree.
        Contradiction = "contradiction",
    }
);

closed_list!(
    /// Whose an article's title is.
    TitleSource, "title-source" {
        /// The article's own title.
        Article = "article",
        /// Made up by the curator for an article without one (say why in `title_note`).
        Curator = "curator",
    }
);

// `closed_list!` writes the enum, so the default cannot be derived on it.
#[allow(clippy::derivable_impls)]
impl Default for TitleSource {
    fn default() -> TitleSource {
        TitleSource::Article
    }
}

// ---------------------------------------------------------------------------------------------
// Knowledge-base level records
// ---------------------------------------------------------------------------------------------

/// `seeds/dossier.toml`: what belongs to the whole knowledge base rather than to one article.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KbConfig {
    /// Title of the knowledge base.
    pub title: String,
    /// Base IRI of every record: `BASE + kind + "/" + id`. An absolute IRI ending with `/`,
    /// without `#` or `?` (records add fragments of their own).
    #[serde(default = "default_base_iri")]
    #[schemars(regex(pattern = r"^(https?://|urn:)[^#?\s<>]*/$"))]
    pub base_iri: String,
    /// Licence of the curated data, as an IRI or SPDX id.
    #[serde(default)]
    pub license: Option<String>,
    /// What the knowledge base is about.
    #[serde(default)]
    pub description: Option<String>,
}

fn default_base_iri() -> String {
    DEFAULT_BASE_IRI.to_owned()
}

/// `seeds/actors.toml`: actors outlive one article; every article that mentions one adds evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActorsFile {
    #[serde(default)]
    pub actors: Vec<Actor>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub id: Slug,
    /// The name the knowledge base uses for the actor.
    pub name: String,
    pub kind: ActorKind,
    /// Other names the articles use.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `seeds/topics.toml`: the subjects records can be about — a small SKOS vocabulary that the
/// seeds extend (a topic is the curator's classification, not a fact of an article, so it
/// needs no quote).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicsFile {
    #[serde(default)]
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: Slug,
    /// The topic's name: `arms trafficking`.
    pub label: String,
    /// Other names of the topic (`narcotics trade`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the topic covers.
    #[serde(default)]
    pub definition: Option<String>,
    /// The broader topic this one narrows (`fentanyl` → `drug-trafficking`): a record about
    /// this topic is about the broader one too.
    #[serde(default)]
    pub broader: Option<Slug>,
}

// ---------------------------------------------------------------------------------------------
// Article level records: `seeds/<article>/facts.toml`
// ---------------------------------------------------------------------------------------------

/// What is known about the source document. Unknown stays unknown: leave a field out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleMeta {
    /// The title: the article's own, or one the curator made up (`title_source = "curator"`,
    /// with a `title_note` saying so).
    pub title: String,
    /// Whose the title is: `article` (the default) or `curator`.
    #[serde(default)]
    pub title_source: TitleSource,
    #[serde(default)]
    pub title_note: Option<String>,
    /// BCP 47 language tag of the text, e.g. `en`.
    pub language: String,
    /// The genre as the article presents itself: `opinion`, `news`, `analysis` ...
    #[serde(default)]
    pub genre: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub outlet: Option<String>,
    #[serde(default)]
    pub published: Option<PartialDate>,
    #[serde(default)]
    pub url: Option<String>,
    /// Who issues the article (actors: two governments for a joint communiqué, a ministry, a
    /// newspaper): what `asserted_by = "author"` stands for in it.
    #[serde(default)]
    pub issuers: Vec<Slug>,
    /// When its issuers issued the text, where that differs from `published` (a communiqué
    /// issued on the 3rd and published on the 4th).
    #[serde(default)]
    pub issued: Option<PartialDate>,
    /// Who publishes this copy (an actor: a newspaper, a ministry's website), when it is not
    /// an issuer.
    #[serde(default)]
    pub publisher: Option<Slug>,
    /// The BCP 47 tag of the language the text was written in, when `article.txt` is a
    /// translation (left out: the text is the original).
    #[serde(default)]
    pub translated_from: Option<String>,
    /// Other places the same text is published (URLs), besides `url`.
    #[serde(default)]
    pub copies: Vec<String>,
    /// The records this article is the text of: a statement (an event) whose words it
    /// publishes, an agreement or a policy whose instrument it is (`text_of =
    /// ["us-mexico-joint-statement"]`: this communiqué is the joint statement another article
    /// mentions).
    #[serde(default)]
    pub text_of: Vec<Slug>,
}

/// One quote of the article that supports a record, and who asserts it how.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// The exact words of the article, character for character (curly quotes included).
    pub quote: String,
    /// Start of the quote in Unicode code points from the start of the text (0-based, as
    /// W3C Web Annotation's TextPositionSelector counts). Computed when left out; checked
    /// when given.
    #[serde(default)]
    pub start: Option<usize>,
    /// End of the quote in code points (exclusive). Computed when left out; checked when given.
    #[serde(default)]
    pub end: Option<usize>,
    /// Who asserts it: `author` (the article's author), an actor id, or `curator` for what
    /// the curator infers from the passage (with `modality = "inference"` and a `note`).
    pub asserted_by: String,
    pub modality: Modality,
    /// Why the curator reads the record into the passage: required with
    /// `modality = "inference"`, and only there.
    #[serde(default)]
    pub note: Option<String>,
}

/// The special asserter that stands for the article's author, whoever they are.
pub const AUTHOR: &str = "author";
/// `asserted_by` of what the curator infers rather than the article says.
pub const CURATOR: &str = "curator";

/// Evidence that the article gives for a record defined elsewhere (a shared actor, another
/// article's record), and the values it states for that record's fields.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mention {
    /// The record the quotes are about.
    pub record: Slug,
    /// Values this article states for the record's fields, by field name
    /// (`states = { date = "2025-09-03", status = "established" }`), each backed by this
    /// mention's evidence. Every stated value is kept with its source; which one the record's
    /// field holds is the current one (see `rank`). A list field (aliases, parties ...) gains
    /// the stated items. Rows of a nested list are stated the same way
    /// (`participants = [{ actor = "mexico", role = "host" }]`, `quantities = [...]`): a row
    /// with a new key (actor and role; measure) is added, one with a known key is that row as
    /// this source states it. A mention of a record of this same article states only fields
    /// the record leaves empty, to back them with evidence of their own.
    #[serde(default)]
    pub states: std::collections::BTreeMap<String, serde_json::Value>,
    /// `preferred` makes these values current whatever the publication dates say.
    #[serde(default)]
    pub rank: Rank,
    pub evidence: Vec<Evidence>,
}

/// A position an actor holds, e.g. Secretary of State of the United States.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: Slug,
    /// The actor who holds the role.
    pub holder: Slug,
    /// The role's title as the article gives it.
    pub title: String,
    /// The state or organisation the role belongs to, when the article says.
    #[serde(default)]
    pub organization: Option<Slug>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    pub actor: Slug,
    /// The part the actor played: `visitor`, `host`, `target` ...
    pub role: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantity {
    /// What is counted or measured: `people killed`, `arrests` ...
    pub measure: String,
    /// A count or amount; never negative.
    pub value: u64,
    #[serde(default)]
    pub unit: Option<String>,
}

/// Something that happened.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: Slug,
    pub label: String,
    /// Other names the article or a later one gives it (`the high-level group`).
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// When, only as precise as the article says.
    #[serde(default)]
    pub date: Option<PartialDate>,
    /// When, in the article's own words, where no calendar date can be given (e.g. `in July`).
    #[serde(default)]
    pub when: Option<String>,
    /// Where, as the article names it.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub quantities: Vec<Quantity>,
    /// What it is about: ids of topics (`seeds/topics.toml`).
    #[serde(default)]
    pub topics: Vec<Slug>,
    pub evidence: Vec<Evidence>,
}

/// An agreement between parties, or a measure proposed or taken under one.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    pub id: Slug,
    pub label: String,
    /// Other names the article or a later one gives it (`the high-level group`).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub kind: AgreementKind,
    /// The instrument that records it, e.g. `joint statement`.
    #[serde(default)]
    pub instrument: Option<String>,
    #[serde(default)]
    pub parties: Vec<Slug>,
    #[serde(default)]
    pub purpose: Option<String>,
    /// How often it acts or meets, in the article's words (`regularly`, `every month`).
    #[serde(default)]
    pub frequency: Option<String>,
    pub status: AgreementStatus,
    /// Counts or amounts it sets (`3,000 agents`, `32 states`).
    #[serde(default)]
    pub quantities: Vec<Quantity>,
    /// What it is about: ids of topics (`seeds/topics.toml`).
    #[serde(default)]
    pub topics: Vec<Slug>,
    pub evidence: Vec<Evidence>,
}

/// A tariff, sanction, designation or security operation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub id: Slug,
    pub label: String,
    /// Other names the article or a later one gives it (`the high-level group`).
    #[serde(default)]
    pub aliases: Vec<String>,
    pub kind: PolicyKind,
    /// Who issues it, when the article says.
    #[serde(default)]
    pub issuer: Option<Slug>,
    #[serde(default)]
    pub targets: Vec<Slug>,
    /// A rate in percent (30 for 30%).
    #[serde(default)]
    pub rate_percent: Option<Percent>,
    pub status: PolicyStatus,
    /// How long the status holds, e.g. P90D for a 90-day pause.
    #[serde(default)]
    pub status_duration: Option<Duration>,
    /// What it has achieved, in the article's terms.
    #[serde(default)]
    pub results: Option<String>,
    /// Counts or amounts it sets or reports (`10,000 troops`, `$2 billion`).
    #[serde(default)]
    pub quantities: Vec<Quantity>,
    /// What it is about: ids of topics (`seeds/topics.toml`).
    #[serde(default)]
    pub topics: Vec<Slug>,
    pub evidence: Vec<Evidence>,
}

/// A condition an actor states on an agreement or measure.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub id: Slug,
    pub label: String,
    /// The actors who state it: one id, or several for a joint statement.
    #[serde(deserialize_with = "one_or_many")]
    #[schemars(with = "OneOrMany<Slug>")]
    pub stated_by: Vec<Slug>,
    /// The agreement or measure it constrains.
    pub constrains: Slug,
    pub constraint: ConstraintKind,
    /// What is required: a place, who controls, the limit, what is forbidden.
    pub value: String,
    /// When the condition does not apply.
    #[serde(default)]
    pub exception: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// An assessment, recommendation, prediction or justification somebody makes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub id: Slug,
    /// The claim in a short sentence.
    pub label: String,
    pub kind: ClaimKind,
    /// Who makes the claim: `author` or an actor id, or several for a joint statement.
    #[serde(deserialize_with = "one_or_many")]
    #[schemars(with = "OneOrMany<String>")]
    pub claimant: Vec<String>,
    /// The records the claim is about.
    #[serde(default)]
    pub about: Vec<Slug>,
    /// What it is about: ids of topics (`seeds/topics.toml`).
    #[serde(default)]
    pub topics: Vec<Slug>,
    pub evidence: Vec<Evidence>,
}

/// A pledge or deliverable: who commits to what, by when.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub id: Slug,
    /// The commitment in a short sentence.
    pub label: String,
    /// Other names the article or a later one gives it (`the high-level group`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The actors who commit (several for a joint commitment).
    pub committed_by: Vec<Slug>,
    /// What they commit to, in the article's words.
    pub action: String,
    /// The deadline, only as precise as the article says.
    #[serde(default)]
    pub deadline: Option<PartialDate>,
    /// The deadline in the article's own words where no date can be given (`within 90 days`).
    #[serde(default)]
    pub deadline_text: Option<String>,
    /// How often, in the article's words, for a commitment that repeats (`regularly`).
    #[serde(default)]
    pub frequency: Option<String>,
    pub status: CommitmentStatus,
    /// Counts or amounts committed to (`32 states`, `3,000 agents`).
    #[serde(default)]
    pub quantities: Vec<Quantity>,
    /// What it is about: ids of topics (`seeds/topics.toml`).
    #[serde(default)]
    pub topics: Vec<Slug>,
    pub evidence: Vec<Evidence>,
}

/// A typed link between two records, from the closed list [`RelationType`].
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    pub id: Slug,
    pub subject: Slug,
    pub predicate: RelationType,
    pub object: Slug,
    pub evidence: Vec<Evidence>,
}

// ---------------------------------------------------------------------------------------------
// The assembled knowledge base
// ---------------------------------------------------------------------------------------------

/// Every kind of record an article defines, once: `list: Struct = Variant "name"`. This
/// declares the `RecordKind` variant, the list of `facts.toml` (and the `FactsFile` field) and
/// the order in which records are enumerated. What each kind's fields mean in each store is
/// described in [`crate::mapping`].
macro_rules! record_kinds {
    ($($(#[$doc:meta])* $list:ident : $ty:ident = $variant:ident $name:literal),+ $(,)?) => {
        /// Kinds of records: the IRI segment before the id, and what `records.kind` holds.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum RecordKind {
            Article,
            Actor,
            Topic,
            $($variant),+
        }

        impl RecordKind {
            pub const ALL: &'static [RecordKind] =
                &[RecordKind::Article, RecordKind::Actor, RecordKind::Topic, $(RecordKind::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    RecordKind::Article => "article",
                    RecordKind::Actor => "actor",
                    RecordKind::Topic => "topic",
                    $(RecordKind::$variant => $name),+
                }
            }
        }

        /// `seeds/<article>/facts.toml`: the article's metadata and every fact curated from it.
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct FactsFile {
            pub article: ArticleMeta,
            $($(#[$doc])* #[serde(default)] pub $list: Vec<$ty>,)+
            /// Evidence this article adds to records defined elsewhere (actors, or another article's).
            #[serde(default)]
            pub mentions: Vec<Mention>,
        }

        impl FactsFile {
            /// The keys of the record lists, in enumeration order, mentions last.
            pub const LISTS: &'static [&'static str] = &[$(stringify!($list),)+ "mentions"];

            /// Builds the file from its metadata and each list as `read` deserializes it.
            pub fn from_lists(article: ArticleMeta, read: &mut impl ListReader) -> FactsFile {
                FactsFile {
                    article,
                    $($list: read.list(stringify!($list)),)+
                    mentions: read.list("mentions"),
                }
            }

            /// Every record the article defines, kind by kind, in file order.
            pub fn records(&self) -> impl Iterator<Item = &dyn Record> {
                std::iter::empty()
                    $(.chain(self.$list.iter().map(|r| r as &dyn Record)))+
            }

            /// Every record, mutably, and the mentions.
            pub(crate) fn records_mut(&mut self) -> (impl Iterator<Item = &mut dyn Record>, &mut [Mention]) {
                let FactsFile { article: _, $($list,)+ mentions } = self;
                let records = std::iter::empty()
                    $(.chain($list.iter_mut().map(|r| r as &mut dyn Record)))+;
                (records, mentions)
            }

            /// A copy with only the records whose id `keep` accepts and the mentions of them;
            /// every other mention before the last of those is a placeholder naming its record,
            /// without evidence, so that the mentions' positions (which messages name) do not
            /// move.
            pub(crate) fn part(&self, keep: &dyn Fn(&str) -> bool) -> FactsFile {
                let kept = self
                    .mentions
                    .iter()
                    .rposition(|m| keep(m.record.as_str()))
                    .map_or(0, |last| last + 1);
                FactsFile {
                    article: self.article.clone(),
                    $($list: self
                        .$list
                        .iter()
                        .filter(|r| keep(Record::id(*r).as_str()))
                        .cloned()
                        .collect(),)+
                    mentions: self.mentions[..kept]
                        .iter()
                        .map(|m| {
                            if keep(m.record.as_str()) {
                                m.clone()
                            } else {
                                Mention {
                                    record: m.record.clone(),
                                    states: Default::default(),
                                    rank: m.rank,
                                    evidence: Vec::new(),
                                }
                            }
                        })
                        .collect(),
                }
            }

            /// Whether the file defines any record.
            pub(crate) fn defines_any(&self) -> bool {
                false $(|| !self.$list.is_empty())+
            }

            /// Replaces each record that `with` has a record of the same kind and id for.
            pub(crate) fn overwrite_records(&mut self, with: &FactsFile) {
                $(for r in &with.$list {
                    if let Some(slot) = self.$list.iter_mut().find(|s| s.id == r.id) {
                        *slot = r.clone();
                    }
                })+
            }
        }
    };
}

record_kinds! {
    roles: Role = Role "role",
    events: Event = Event "event",
    agreements: Agreement = Agreement "agreement",
    policies: Policy = Policy "policy",
    conditions: Condition = Condition "condition",
    claims: Claim = Claim "claim",
    relations: Relation = Relation "relation",
    commitments: Commitment = Commitment "commitment",
}

/// Reads one record list of a facts file (the seed reader reports problems record by record).
pub trait ListReader {
    fn list<T: serde::de::DeserializeOwned>(&mut self, key: &'static str) -> Vec<T>;
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Generic access to records: what the stores, `check` and validation read through
// ---------------------------------------------------------------------------------------------

/// One value of a field, borrowed from a record. How it is stored (SQL type, RDF term) is the
/// field's description's business ([`crate::mapping`]), not the value's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Text(&'a str),
    /// A record id (or `author`, where a field takes an asserter).
    Id(&'a str),
    Date(&'a PartialDate),
    Percent(&'a Percent),
    Count(u64),
    Duration(&'a Duration),
    /// A value of a closed list.
    Concept(&'static str),
}

/// A field's content as values: none (an absent option, an empty list), one, or several.
pub trait FieldValue {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>));
}

impl FieldValue for String {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        out(Value::Text(self))
    }
}
impl FieldValue for Slug {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        out(Value::Id(&self.0))
    }
}
impl FieldValue for PartialDate {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        out(Value::Date(self))
    }
}
impl FieldValue for Percent {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        out(Value::Percent(self))
    }
}
impl FieldValue for Duration {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        out(Value::Duration(self))
    }
}
impl FieldValue for u64 {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        out(Value::Count(*self))
    }
}
impl<T: FieldValue> FieldValue for Option<T> {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        if let Some(v) = self {
            v.each(out)
        }
    }
}
impl<T: FieldValue> FieldValue for Vec<T> {
    fn each<'a>(&'a self, out: &mut dyn FnMut(Value<'a>)) {
        for v in self {
            v.each(out)
        }
    }
}

/// A struct whose fields are described in [`crate::mapping`]: its values, field by field, in
/// the description's order. Implemented by the description itself, so the two cannot disagree.
pub trait Fields {
    fn values<'a>(&'a self, field: usize, out: &mut dyn FnMut(Value<'a>));

    /// The first value of a field, if any.
    fn first(&self, field: usize) -> Option<Value<'_>> {
        let mut first = None;
        self.values(field, &mut |v| {
            first.get_or_insert(v);
        });
        first
    }
}

/// A record: an id, evidence, described fields and nested rows (participants, quantities).
pub trait Record: Fields {
    fn kind(&self) -> RecordKind;
    fn id(&self) -> &Slug;
    fn evidence(&self) -> &[Evidence];
    fn evidence_mut(&mut self) -> &mut [Evidence];
    /// The rows of the description's nested table `nested`.
    fn rows(&self, nested: usize) -> Vec<&dyn Fields>;
    /// A copy of the record.
    fn boxed(&self) -> Box<dyn Record>;
    /// Sets one field from its seed form (as JSON), checked as the seed reader checks it: the
    /// message says what is wrong with the value.
    fn set_field(&mut self, key: &str, value: serde_json::Value) -> Result<(), String>;
    /// The field's value in its seed form.
    fn field_json(&self, key: &str) -> serde_json::Value;
}

/// One article: its text and everything curated from it. (Serialized only by a build, which
/// writes the validated articles to a file while it writes the stores.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Article {
    /// The folder name.
    pub id: Slug,
    pub text: String,
    pub facts: FactsFile,
}

/// A validated knowledge base: every reference resolves, every quote sits at its offsets, and
/// every record's fields hold their current values.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    pub config: KbConfig,
    pub actors: Vec<Actor>,
    pub topics: Vec<Topic>,
    pub articles: Vec<Article>,
    /// Every value of each field that some mention states, with its source: the defining
    /// record's own value and each mention's (see [`crate::statements`]).
    pub statements: Vec<Statement>,
}

/// What a knowledge base holds besides its articles, borrowed: the stores write it around the
/// articles (the stated values after the articles they cite), which can then come one at a
/// time and be dropped once written.
#[derive(Debug, Clone, Copy)]
pub struct Shared<'a> {
    pub config: &'a KbConfig,
    pub actors: &'a [Actor],
    pub topics: &'a [Topic],
    pub statements: Statements<'a>,
}

impl KnowledgeBase {
    pub fn shared(&self) -> Shared<'_> {
        Shared {
            config: &self.config,
            actors: &self.actors,
            topics: &self.topics,
            statements: Statements::Memory(&self.statements),
        }
    }
}

/// The values that sources state, wherever they wait: in memory (a knowledge base loaded
/// whole), or in files while `build` writes the stores (`spill::StatementSpill`).
#[derive(Clone, Copy)]
pub enum Statements<'a> {
    Memory(&'a [Statement]),
    Spilled(&'a dyn SpilledStatements),
}

impl fmt::Debug for Statements<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statements::Memory(all) => write!(f, "{} statements in memory", all.len()),
            Statements::Spilled(_) => f.write_str("statements in files"),
        }
    }
}

/// Stated values in files, read back in either order.
pub trait SpilledStatements: Sync {
    /// Every statement, in resolution order.
    fn for_each(
        &self,
        each: &mut dyn FnMut(&Statement) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
    /// The statements source by source.
    fn by_source(&self) -> std::io::Result<Box<dyn StatementCursor + '_>>;
}

/// The statements of each source in turn, read from a file.
pub trait StatementCursor {
    /// What the source states: the shared files (None), or the article at a position.
    fn each_of(
        &mut self,
        source: Option<usize>,
        each: &mut dyn FnMut(&Statement) -> std::io::Result<()>,
    ) -> std::io::Result<()>;
    /// Whether every statement has been handed on.
    fn is_done(&self) -> bool;
}

impl<'a> Statements<'a> {
    /// Every statement, in resolution order: by record and field, each field's before any
    /// nested row's.
    pub fn for_each<E: From<std::io::Error>>(
        self,
        each: &mut dyn FnMut(&Statement) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Statements::Memory(all) => all.iter().try_for_each(each),
            Statements::Spilled(spilled) => carrying(each, |each| spilled.for_each(each)),
        }
    }

    /// The statements source by source, to be asked for in the knowledge base's order.
    pub fn by_source(self) -> std::io::Result<BySource<'a>> {
        Ok(BySource(match self {
            Statements::Memory(all) => {
                let mut stated: std::collections::HashMap<Option<String>, Vec<&Statement>> =
                    Default::default();
                for s in all {
                    let source = s.article.as_ref().map(|a| a.to_string());
                    stated.entry(source).or_default().push(s);
                }
                BySourceFrom::Memory(stated)
            }
            Statements::Spilled(spilled) => BySourceFrom::Spilled(spilled.by_source()?),
        }))
    }
}

/// `read` handing each statement to `each`, whose own error (not an I/O one) stops it and is
/// the one returned.
fn carrying<E: From<std::io::Error>>(
    each: &mut dyn FnMut(&Statement) -> Result<(), E>,
    read: impl FnOnce(&mut dyn FnMut(&Statement) -> std::io::Result<()>) -> std::io::Result<()>,
) -> Result<(), E> {
    let mut failed = None;
    let read = read(&mut |s| {
        each(s).map_err(|e| {
            failed = Some(e);
            std::io::Error::other("stopped by its reader")
        })
    });
    match failed {
        Some(e) => Err(e),
        None => read.map_err(E::from),
    }
}

/// The statements of each source in turn ([`Statements::by_source`]); [`BySource::finish`]
/// says if a source was never asked for.
pub struct BySource<'a>(BySourceFrom<'a>);

enum BySourceFrom<'a> {
    Memory(std::collections::HashMap<Option<String>, Vec<&'a Statement>>),
    Spilled(Box<dyn StatementCursor + 'a>),
}

impl BySource<'_> {
    /// An error if some statement's source was never asked for (its statements would be lost).
    pub fn finish(self) -> std::io::Result<()> {
        let done = match &self.0 {
            BySourceFrom::Memory(stated) => stated.is_empty(),
            BySourceFrom::Spilled(cursor) => cursor.is_done(),
        };
        if done {
            Ok(())
        } else {
            Err(std::io::Error::other(
                "some stated values were never written: their source was not asked for",
            ))
        }
    }

    /// What one source states: `actors.toml` and `topics.toml` (None) first, then each article
    /// (its position and id) in order.
    pub fn each_of<E: From<std::io::Error>>(
        &mut self,
        source: Option<(usize, &str)>,
        each: &mut dyn FnMut(&Statement) -> Result<(), E>,
    ) -> Result<(), E> {
        match &mut self.0 {
            BySourceFrom::Memory(stated) => stated
                .remove(&source.map(|(_, id)| id.to_owned()))
                .into_iter()
                .flatten()
                .try_for_each(each),
            BySourceFrom::Spilled(cursor) => {
                carrying(each, |each| cursor.each_of(source.map(|(a, _)| a), each))
            }
        }
    }
}

/// One value a source states for one field of a record. Its id is
/// `<record>.<field>.<source>.<n>`: the source is the article's id (or `actors.toml`,
/// `topics.toml` for a shared record's own values: no article id has a dot), n counts the
/// values of a list from 1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement {
    pub id: String,
    pub record: Slug,
    pub kind: RecordKind,
    /// The article that states it; None for what `actors.toml` or `topics.toml` says.
    pub article: Option<Slug>,
    pub rank: Rank,
    /// Whether the record's field holds this value (every item of a list field is current).
    pub current: bool,
    /// Whether the stating source says the value or the curator only infers it; None for what
    /// `actors.toml` or `topics.toml` says.
    pub basis: Option<Basis>,
    /// For a value that is not current, how it stands to the current one.
    pub difference: Option<Difference>,
    pub value: StatedValue,
    /// The ids of the evidence that backs it.
    pub evidence: Vec<String>,
}

/// What a statement states: a value of a field, or a row of a nested list (a participant, a
/// quantity), each by its index in its kind's description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StatedValue {
    Field(usize, OwnedValue),
    /// The row's value of each of its fields, in the nested description's order.
    Row(usize, Vec<Option<OwnedValue>>),
}

/// A field value owned rather than borrowed from a record. (Serialized only by a build, which
/// sets the stated values aside in a file while it writes the stores.)
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum OwnedValue {
    Text(String),
    Id(String),
    Date(PartialDate),
    Percent(Percent),
    Count(u64),
    Duration(Duration),
    Concept(&'static str),
}

/// [`OwnedValue`] as it is read back: a concept becomes the closed list's own text again.
#[derive(Deserialize)]
enum OwnedValueRead {
    Text(String),
    Id(String),
    Date(PartialDate),
    Percent(Percent),
    Count(u64),
    Duration(Duration),
    Concept(String),
}

impl<'de> Deserialize<'de> for OwnedValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<OwnedValue, D::Error> {
        Ok(match OwnedValueRead::deserialize(d)? {
            OwnedValueRead::Text(s) => OwnedValue::Text(s),
            OwnedValueRead::Id(s) => OwnedValue::Id(s),
            OwnedValueRead::Date(d) => OwnedValue::Date(d),
            OwnedValueRead::Percent(p) => OwnedValue::Percent(p),
            OwnedValueRead::Count(n) => OwnedValue::Count(n),
            OwnedValueRead::Duration(d) => OwnedValue::Duration(d),
            OwnedValueRead::Concept(text) => OwnedValue::Concept(
                CLOSED_LISTS
                    .iter()
                    .flat_map(|list| list.values.iter().copied())
                    .find(|value| *value == text)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("'{text}' is no closed list's value"))
                    })?,
            ),
        })
    }
}

impl OwnedValue {
    pub fn from_value(v: Value<'_>) -> OwnedValue {
        match v {
            Value::Text(s) => OwnedValue::Text(s.to_owned()),
            Value::Id(s) => OwnedValue::Id(s.to_owned()),
            Value::Date(d) => OwnedValue::Date(d.clone()),
            Value::Percent(p) => OwnedValue::Percent(p.clone()),
            Value::Count(n) => OwnedValue::Count(n),
            Value::Duration(d) => OwnedValue::Duration(d.clone()),
            Value::Concept(c) => OwnedValue::Concept(c),
        }
    }

    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Text(s) => Value::Text(s),
            OwnedValue::Id(s) => Value::Id(s),
            OwnedValue::Date(d) => Value::Date(d),
            OwnedValue::Percent(p) => Value::Percent(p),
            OwnedValue::Count(n) => Value::Count(*n),
            OwnedValue::Duration(d) => Value::Duration(d),
            OwnedValue::Concept(c) => Value::Concept(c),
        }
    }
}

/// One piece of evidence with the ids that place it: `<record>.<article>.<n>`, n counting from 1
/// within that article and record, so adding an article never renumbers another's evidence.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceItem<'a> {
    pub record: &'a Slug,
    pub article: &'a Article,
    pub number: usize,
    pub evidence: &'a Evidence,
}

impl EvidenceItem<'_> {
    pub fn id(&self) -> String {
        format!("{}.{}.{}", self.record, self.article.id, self.number)
    }
    /// Offsets in code points; always present once the knowledge base is validated.
    pub fn span(&self) -> (usize, usize) {
        (
            self.evidence.start.unwrap_or(0),
            self.evidence.end.unwrap_or(0),
        )
    }
}

impl Article {
    /// Every record's evidence list, in file order, mentions last.
    pub fn evidence_lists(&self) -> impl Iterator<Item = (&Slug, &[Evidence])> {
        let f = &self.facts;
        f.records().map(|r| (r.id(), r.evidence())).chain(
            f.mentions
                .iter()
                .map(|m| (&m.record, m.evidence.as_slice())),
        )
    }

    /// Mutable access to every evidence of the article with the record it supports, mentions
    /// included, in [`Article::evidence`] order (validation fills in the offsets through this).
    pub fn evidence_mut(&mut self) -> Vec<(String, &mut Evidence)> {
        let (records, mentions) = self.facts.records_mut();
        let mut out: Vec<(String, &mut Evidence)> = Vec::new();
        for r in records {
            let id = r.id().to_string();
            out.extend(r.evidence_mut().iter_mut().map(|e| (id.clone(), e)));
        }
        for m in mentions.iter_mut() {
            let id = m.record.to_string();
            out.extend(m.evidence.iter_mut().map(|e| (id.clone(), e)));
        }
        out
    }

    /// Every piece of evidence this article gives, numbered per record.
    pub fn evidence(&self) -> Vec<EvidenceItem<'_>> {
        let mut counts: std::collections::HashMap<&Slug, usize> = Default::default();
        let mut out = Vec::new();
        for (record, list) in self.evidence_lists() {
            for evidence in list {
                let n = counts.entry(record).or_insert(0);
                *n += 1;
                out.push(EvidenceItem {
                    record,
                    article: self,
                    number: *n,
                    evidence,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::PartialDate;

    #[test]
    fn a_day_exists_in_its_month_by_the_gregorian_calendar() {
        for ok in [
            "2024-02-29",
            "2000-02-29",
            "2025-01-31",
            "2025-04-30",
            "0000-02-29",
        ] {
            assert!(PartialDate::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("2025-02-29", "2025-02 has days 01 to 28"),
            ("1900-02-29", "1900-02 has days 01 to 28"),
            ("2025-04-31", "2025-04 has days 01 to 30"),
            ("2025-01-00", "2025-01 has days 01 to 31"),
        ] {
            let err = PartialDate::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
