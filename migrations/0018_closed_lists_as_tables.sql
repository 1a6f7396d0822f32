-- dossier schema, version 18: closed lists as tables. Each closed list (an actor's kind, a
-- status, a modality, a date's precision ...) is a table of its values and their definitions
-- (`actor_kinds`, `policy_statuses` ...), and the columns that hold one reference it instead of
-- a CHECK listing the values: a new value is a row, not a rebuilt table. `dossier upgrade` fills
-- the tables from the current lists after the last migration, as it re-creates the views.
--
-- Written once from `dossier schema` (the tables whose CHECK lists became references, rebuilt
-- by SQLite's documented procedure with their indexes; rowids kept for the full-text indexes).
-- The views are dropped first (renaming a table checks every view).

DROP VIEW IF EXISTS event_timeline;
DROP VIEW IF EXISTS commitment_timeline;
DROP VIEW IF EXISTS article_timeline;
DROP VIEW IF EXISTS record_evidence;
DROP VIEW IF EXISTS article_counts;
DROP VIEW IF EXISTS actor_network;
DROP VIEW IF EXISTS condition_overview;
DROP VIEW IF EXISTS statement_sources;
DROP VIEW IF EXISTS evidence_speakers;
DROP VIEW IF EXISTS record_topics;

CREATE TABLE actor_kinds (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE modalities (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE agreement_kinds (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE agreement_statuses (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE policy_kinds (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE policy_statuses (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE constraint_kinds (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE commitment_statuses (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE claim_kinds (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE relation_types (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE date_precisions (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE ranks (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE bases (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE differences (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE title_sources (
    value TEXT,
    definition TEXT NOT NULL,
    PRIMARY KEY (value)
) STRICT, WITHOUT ROWID;

CREATE TABLE articles_new (
    id TEXT,
    title TEXT NOT NULL,
    title_source TEXT NOT NULL REFERENCES title_sources (value),
    title_note TEXT,
    language TEXT NOT NULL,
    genre TEXT,
    author TEXT,
    outlet TEXT,
    published TEXT,
    published_precision TEXT REFERENCES date_precisions (value),
    url TEXT,
    issued TEXT,
    issued_precision TEXT REFERENCES date_precisions (value),
    publisher_id TEXT REFERENCES actors (id),
    translated_from TEXT,
    text TEXT NOT NULL,
    char_count INTEGER NOT NULL CHECK (char_count >= 0),
    PRIMARY KEY (id),
    CHECK ((published IS NULL) = (published_precision IS NULL)),
    CHECK ((issued IS NULL) = (issued_precision IS NULL))
) STRICT;
INSERT INTO articles_new (rowid, id, title, title_source, title_note, language, genre, author, outlet, published, published_precision, url, issued, issued_precision, publisher_id, translated_from, text, char_count)
SELECT rowid, id, title, title_source, title_note, language, genre, author, outlet, published, published_precision, url, issued, issued_precision, publisher_id, translated_from, text, char_count FROM articles;
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
CREATE INDEX articles_by_published ON articles (published);
CREATE INDEX articles_by_issued ON articles (issued);
CREATE INDEX articles_by_publisher ON articles (publisher_id);

CREATE TABLE records_new (
    id TEXT,
    kind TEXT NOT NULL REFERENCES record_kinds (kind),
    label TEXT NOT NULL,
    article_id TEXT REFERENCES articles (id),
    basis TEXT REFERENCES bases (value),
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO records_new (id, kind, label, article_id, basis)
SELECT id, kind, label, article_id, basis FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_by_kind ON records (kind, article_id);
CREATE INDEX records_by_article ON records (article_id);

CREATE TABLE actors_new (
    id TEXT REFERENCES records (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES actor_kinds (value),
    description TEXT,
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO actors_new (id, name, kind, description)
SELECT id, name, kind, description FROM actors;
DROP TABLE actors;
ALTER TABLE actors_new RENAME TO actors;

CREATE TABLE events_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    description TEXT,
    date TEXT,
    date_precision TEXT REFERENCES date_precisions (value),
    when_text TEXT,
    place TEXT,
    PRIMARY KEY (id),
    CHECK ((date IS NULL) = (date_precision IS NULL))
) STRICT, WITHOUT ROWID;
INSERT INTO events_new (id, article_id, label, description, date, date_precision, when_text, place)
SELECT id, article_id, label, description, date, date_precision, when_text, place FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_by_article ON events (article_id);
CREATE INDEX events_by_date ON events (date);

CREATE TABLE agreements_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES agreement_kinds (value),
    instrument TEXT,
    purpose TEXT,
    frequency TEXT,
    status TEXT NOT NULL REFERENCES agreement_statuses (value),
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO agreements_new (id, article_id, label, kind, instrument, purpose, frequency, status)
SELECT id, article_id, label, kind, instrument, purpose, frequency, status FROM agreements;
DROP TABLE agreements;
ALTER TABLE agreements_new RENAME TO agreements;
CREATE INDEX agreements_by_article ON agreements (article_id);

CREATE TABLE policies_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES policy_kinds (value),
    issuer_id TEXT REFERENCES actors (id),
    rate_percent REAL CHECK (rate_percent BETWEEN 0 AND 100),
    status TEXT NOT NULL REFERENCES policy_statuses (value),
    status_duration TEXT CHECK (status_duration GLOB 'P[0-9]*'),
    results TEXT,
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO policies_new (id, article_id, label, kind, issuer_id, rate_percent, status, status_duration, results)
SELECT id, article_id, label, kind, issuer_id, rate_percent, status, status_duration, results FROM policies;
DROP TABLE policies;
ALTER TABLE policies_new RENAME TO policies;
CREATE INDEX policies_by_article ON policies (article_id);
CREATE INDEX policies_by_issuer ON policies (issuer_id);

CREATE TABLE conditions_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    constrains_id TEXT NOT NULL REFERENCES agreements (id),
    constraint_kind TEXT NOT NULL REFERENCES constraint_kinds (value),
    value TEXT NOT NULL,
    exception TEXT,
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO conditions_new (id, article_id, label, constrains_id, constraint_kind, value, exception)
SELECT id, article_id, label, constrains_id, constraint_kind, value, exception FROM conditions;
DROP TABLE conditions;
ALTER TABLE conditions_new RENAME TO conditions;
CREATE INDEX conditions_by_article ON conditions (article_id);
CREATE INDEX conditions_by_constrains ON conditions (constrains_id);

CREATE TABLE claims_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES claim_kinds (value),
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO claims_new (id, article_id, label, kind)
SELECT id, article_id, label, kind FROM claims;
DROP TABLE claims;
ALTER TABLE claims_new RENAME TO claims;
CREATE INDEX claims_by_article ON claims (article_id);

CREATE TABLE relations_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    subject_id TEXT NOT NULL REFERENCES records (id),
    predicate TEXT NOT NULL REFERENCES relation_types (value),
    object_id TEXT NOT NULL REFERENCES records (id),
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO relations_new (id, article_id, subject_id, predicate, object_id)
SELECT id, article_id, subject_id, predicate, object_id FROM relations;
DROP TABLE relations;
ALTER TABLE relations_new RENAME TO relations;
CREATE INDEX relations_by_subject ON relations (subject_id, predicate);
CREATE INDEX relations_by_object ON relations (object_id, predicate);
CREATE INDEX relations_by_article ON relations (article_id);

CREATE TABLE commitments_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    action TEXT NOT NULL,
    deadline TEXT,
    deadline_precision TEXT REFERENCES date_precisions (value),
    deadline_text TEXT,
    frequency TEXT,
    status TEXT NOT NULL REFERENCES commitment_statuses (value),
    PRIMARY KEY (id),
    CHECK ((deadline IS NULL) = (deadline_precision IS NULL))
) STRICT, WITHOUT ROWID;
INSERT INTO commitments_new (id, article_id, label, action, deadline, deadline_precision, deadline_text, frequency, status)
SELECT id, article_id, label, action, deadline, deadline_precision, deadline_text, frequency, status FROM commitments;
DROP TABLE commitments;
ALTER TABLE commitments_new RENAME TO commitments;
CREATE INDEX commitments_by_article ON commitments (article_id);
CREATE INDEX commitments_by_deadline ON commitments (deadline);

CREATE TABLE evidence_new (
    id TEXT,
    record_id TEXT NOT NULL REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    quote TEXT NOT NULL CHECK (length(quote) > 0),
    start_offset INTEGER NOT NULL CHECK (start_offset >= 0),
    end_offset INTEGER NOT NULL,
    asserted_by TEXT NOT NULL,
    asserted_by_actor_id TEXT GENERATED ALWAYS AS (CASE WHEN asserted_by IN ('author', 'curator') THEN NULL ELSE asserted_by END) VIRTUAL REFERENCES actors (id),
    modality TEXT NOT NULL REFERENCES modalities (value),
    note TEXT CHECK (length(trim(note)) > 0),
    PRIMARY KEY (id),
    CHECK (end_offset - start_offset = length(quote)),
    CHECK ((modality = 'inference') = (asserted_by = 'curator')),
    CHECK ((modality = 'inference') = (note IS NOT NULL))
) STRICT;
INSERT INTO evidence_new (rowid, id, record_id, article_id, number, quote, start_offset, end_offset, asserted_by, modality, note)
SELECT rowid, id, record_id, article_id, number, quote, start_offset, end_offset, asserted_by, modality, note FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_new RENAME TO evidence;
CREATE UNIQUE INDEX evidence_by_record ON evidence (record_id, article_id, number);
CREATE INDEX evidence_by_article ON evidence (article_id);
CREATE INDEX evidence_by_asserted_by ON evidence (asserted_by);

CREATE TABLE statements_new (
    id TEXT,
    record_id TEXT NOT NULL REFERENCES records (id),
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    article_id TEXT REFERENCES articles (id),
    rank TEXT NOT NULL REFERENCES ranks (value),
    is_current INTEGER NOT NULL CHECK (is_current IN (0, 1)),
    basis TEXT REFERENCES bases (value),
    difference TEXT REFERENCES differences (value),
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO statements_new (id, record_id, field, value, article_id, rank, is_current, basis, difference)
SELECT id, record_id, field, value, article_id, rank, is_current, basis, difference FROM statements;
DROP TABLE statements;
ALTER TABLE statements_new RENAME TO statements;
CREATE INDEX statements_by_record ON statements (record_id, field);
CREATE INDEX statements_by_article ON statements (article_id);
