-- dossier schema, version 1: one table per kind of record, evidence included.
-- Every record's id is its key here and the last segment of its IRI in the RDF store.
-- Tables are clustered on their key (WITHOUT ROWID): one B-tree per table, not two.
-- Closed lists are CHECK constraints generated from the same lists as the seed format
-- (src/model.rs); a test keeps them in step.

CREATE TABLE knowledge_base (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    title       TEXT NOT NULL,
    base_iri    TEXT NOT NULL,
    license     TEXT,
    description TEXT
) STRICT;

CREATE TABLE articles (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    title_note          TEXT,
    language            TEXT NOT NULL,
    genre               TEXT,
    author              TEXT,
    outlet              TEXT,
    published           TEXT,
    published_precision TEXT CHECK (published_precision IN ('year', 'month', 'day')),
    url                 TEXT,
    text                TEXT NOT NULL,
    char_count          INTEGER NOT NULL CHECK (char_count >= 0),
    CHECK ((published IS NULL) = (published_precision IS NULL))
) STRICT;

-- Every record id of the knowledge base with its kind: what references to "any record" point at.
-- article_id is NULL for records that belong to the whole knowledge base (actors).
CREATE TABLE records (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('actor', 'role', 'event', 'agreement', 'policy',
                                             'condition', 'claim', 'relation')),
    label      TEXT NOT NULL,
    article_id TEXT REFERENCES articles (id)
) STRICT, WITHOUT ROWID;

CREATE TABLE actors (
    id          TEXT PRIMARY KEY REFERENCES records (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('person', 'state', 'organization', 'group')),
    description TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE actor_aliases (
    actor_id TEXT NOT NULL REFERENCES actors (id),
    alias    TEXT NOT NULL,
    PRIMARY KEY (actor_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE roles (
    id              TEXT PRIMARY KEY REFERENCES records (id),
    article_id      TEXT NOT NULL REFERENCES articles (id),
    holder_id       TEXT NOT NULL REFERENCES actors (id),
    title           TEXT NOT NULL,
    organization_id TEXT REFERENCES actors (id)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
    id             TEXT PRIMARY KEY REFERENCES records (id),
    article_id     TEXT NOT NULL REFERENCES articles (id),
    label          TEXT NOT NULL,
    description    TEXT,
    date           TEXT,
    date_precision TEXT CHECK (date_precision IN ('year', 'month', 'day')),
    when_text      TEXT,
    place          TEXT,
    CHECK ((date IS NULL) = (date_precision IS NULL))
) STRICT, WITHOUT ROWID;

CREATE TABLE event_participants (
    event_id TEXT NOT NULL REFERENCES events (id),
    actor_id TEXT NOT NULL REFERENCES actors (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (event_id, actor_id, role)
) STRICT, WITHOUT ROWID;

CREATE TABLE event_quantities (
    event_id TEXT NOT NULL REFERENCES events (id),
    measure  TEXT NOT NULL,
    value    INTEGER NOT NULL CHECK (value >= 0),
    unit     TEXT,
    PRIMARY KEY (event_id, measure)
) STRICT, WITHOUT ROWID;

CREATE TABLE agreements (
    id         TEXT PRIMARY KEY REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('agreement', 'measure')),
    instrument TEXT,
    purpose    TEXT,
    status     TEXT NOT NULL CHECK (status IN ('agreed', 'announced', 'proposed', 'possible'))
) STRICT, WITHOUT ROWID;

CREATE TABLE agreement_parties (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    actor_id     TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (agreement_id, actor_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE policies (
    id              TEXT PRIMARY KEY REFERENCES records (id),
    article_id      TEXT NOT NULL REFERENCES articles (id),
    label           TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('tariff', 'sanction', 'designation',
                                                  'security_operation')),
    issuer_id       TEXT REFERENCES actors (id),
    rate_percent    REAL CHECK (rate_percent BETWEEN 0 AND 100),
    status          TEXT NOT NULL CHECK (status IN ('in_force', 'paused', 'threatened',
                                                    'announced', 'ended')),
    status_duration TEXT CHECK (status_duration GLOB 'P[0-9]*'),
    results         TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE policy_targets (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    actor_id  TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (policy_id, actor_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE conditions (
    id              TEXT PRIMARY KEY REFERENCES records (id),
    article_id      TEXT NOT NULL REFERENCES articles (id),
    label           TEXT NOT NULL,
    stated_by_id    TEXT NOT NULL REFERENCES actors (id),
    constrains_id   TEXT NOT NULL REFERENCES agreements (id),
    constraint_kind TEXT NOT NULL CHECK (constraint_kind IN ('location', 'control', 'scope',
                                                             'prohibition', 'requirement')),
    value           TEXT NOT NULL,
    exception       TEXT
) STRICT, WITHOUT ROWID;

-- claimant is 'author' (the article's author) or an actor id; claimant_actor_id is the latter.
CREATE TABLE claims (
    id                TEXT PRIMARY KEY REFERENCES records (id),
    article_id        TEXT NOT NULL REFERENCES articles (id),
    label             TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('assessment', 'recommendation', 'prediction',
                                                    'justification')),
    claimant          TEXT NOT NULL,
    claimant_actor_id TEXT GENERATED ALWAYS AS (NULLIF(claimant, 'author')) VIRTUAL
                      REFERENCES actors (id)
) STRICT, WITHOUT ROWID;

CREATE TABLE claim_subjects (
    claim_id  TEXT NOT NULL REFERENCES claims (id),
    record_id TEXT NOT NULL REFERENCES records (id),
    PRIMARY KEY (claim_id, record_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE relations (
    id         TEXT PRIMARY KEY REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    subject_id TEXT NOT NULL REFERENCES records (id),
    predicate  TEXT NOT NULL CHECK (predicate IN ('visited', 'met', 'ordered_by', 'championed_by',
                                                  'supports', 'opposes',
                                                  'supports_sanctions_against', 'part_of',
                                                  'member_of', 'targets')),
    object_id  TEXT NOT NULL REFERENCES records (id)
) STRICT, WITHOUT ROWID;

-- One quote of an article supporting one record. Offsets count Unicode code points from 0,
-- end exclusive (W3C Web Annotation TextPositionSelector); SQLite's length() counts code points
-- too, so the CHECK ties the offsets to the quote.
-- asserted_by is 'author' or an actor id; asserted_by_actor_id is the latter.
CREATE TABLE evidence (
    id                   TEXT PRIMARY KEY,
    record_id            TEXT NOT NULL REFERENCES records (id),
    article_id           TEXT NOT NULL REFERENCES articles (id),
    number               INTEGER NOT NULL CHECK (number >= 1),
    quote                TEXT NOT NULL CHECK (length(quote) > 0),
    start_offset         INTEGER NOT NULL CHECK (start_offset >= 0),
    end_offset           INTEGER NOT NULL,
    asserted_by          TEXT NOT NULL,
    asserted_by_actor_id TEXT GENERATED ALWAYS AS (NULLIF(asserted_by, 'author')) VIRTUAL
                         REFERENCES actors (id),
    modality             TEXT NOT NULL CHECK (modality IN ('reported_fact', 'stated_position',
                                                           'assessment', 'recommendation',
                                                           'possibility')),
    CHECK (end_offset - start_offset = length(quote))
) STRICT, WITHOUT ROWID;
