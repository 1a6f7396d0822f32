-- dossier schema, version 9: many articles, one knowledge base.
--
-- * Statements: a later article may state a value of any field of a record defined elsewhere
--   (a date, a status, a name, an alias); every stated value is kept with its source in
--   `statements` (and the evidence behind it in `statement_evidence`), while the record's
--   own table holds the current value (schema/sqlite.md says which one is current).
-- * Joint speakers: a condition may be stated, and a claim made, by several actors at once:
--   `conditions.stated_by_id` and `claims.claimant` become the tables `condition_speakers`
--   and `claim_claimants` (the tables are rebuilt: SQLite cannot drop a column that a
--   foreign key or a view uses; the view that read them is restated).
-- * Articles name their issuers (`article_issuers`): what "author" stands for in them; and
--   whose the title is (`title_source`: the article's or the curator's).
--
-- Rebuilding `claims` drops a table that `claim_subjects` references: like every migration
-- that rebuilds a table (SQLite's documented procedure), it runs with foreign keys off —
-- `dossier upgrade` turns them off and checks every key once afterwards; `build` applies the
-- migrations to an empty database.

DROP VIEW condition_overview;
DROP INDEX conditions_by_stated_by;
DROP INDEX claims_by_claimant;

CREATE TABLE condition_speakers (
    condition_id TEXT NOT NULL REFERENCES conditions (id),
    actor_id     TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (condition_id, actor_id)
) STRICT, WITHOUT ROWID;
INSERT INTO condition_speakers (condition_id, actor_id) SELECT id, stated_by_id FROM conditions;
CREATE INDEX condition_speakers_by_actor ON condition_speakers (actor_id);

-- claimant is 'author' (the article's author: its issuers when it names them) or an actor id;
-- claimant_actor_id is the latter.
CREATE TABLE claim_claimants (
    claim_id          TEXT NOT NULL REFERENCES claims (id),
    claimant          TEXT NOT NULL,
    claimant_actor_id TEXT GENERATED ALWAYS AS (NULLIF(claimant, 'author')) VIRTUAL
                      REFERENCES actors (id),
    PRIMARY KEY (claim_id, claimant)
) STRICT, WITHOUT ROWID;
INSERT INTO claim_claimants (claim_id, claimant) SELECT id, claimant FROM claims;
CREATE INDEX claim_claimants_by_claimant ON claim_claimants (claimant);

CREATE TABLE conditions_new (
    id              TEXT PRIMARY KEY REFERENCES records (id),
    article_id      TEXT NOT NULL REFERENCES articles (id),
    label           TEXT NOT NULL,
    constrains_id   TEXT NOT NULL REFERENCES agreements (id),
    constraint_kind TEXT NOT NULL CHECK (constraint_kind IN ('location', 'control', 'scope',
                                                             'prohibition', 'requirement')),
    value           TEXT NOT NULL,
    exception       TEXT
) STRICT, WITHOUT ROWID;
INSERT INTO conditions_new (id, article_id, label, constrains_id, constraint_kind, value, exception)
SELECT id, article_id, label, constrains_id, constraint_kind, value, exception FROM conditions;
DROP TABLE conditions;
ALTER TABLE conditions_new RENAME TO conditions;
CREATE INDEX conditions_by_constrained ON conditions (constrains_id);

CREATE TABLE claims_new (
    id         TEXT PRIMARY KEY REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('assessment', 'recommendation', 'prediction',
                                             'justification'))
) STRICT, WITHOUT ROWID;
INSERT INTO claims_new (id, article_id, label, kind) SELECT id, article_id, label, kind FROM claims;
DROP TABLE claims;
ALTER TABLE claims_new RENAME TO claims;

-- Conditions with who stated them (names joined, for a joint statement), what they constrain,
-- and their first quote.
CREATE VIEW condition_overview AS
SELECT c.id              AS condition_id,
       c.article_id,
       (SELECT group_concat(x.actor_id, ' ')
        FROM (SELECT * FROM condition_speakers ORDER BY actor_id) x
        WHERE x.condition_id = c.id) AS stated_by_id,
       (SELECT group_concat(s.name, ' and ')
        FROM (SELECT * FROM condition_speakers ORDER BY actor_id) x
        JOIN actors s ON s.id = x.actor_id
        WHERE x.condition_id = c.id) AS stated_by,
       c.constrains_id,
       a.label           AS constrains,
       a.kind            AS constrains_kind,
       a.status          AS constrains_status,
       c.constraint_kind,
       c.value,
       c.exception,
       c.label,
       e.quote,
       e.start_offset,
       e.end_offset
FROM conditions c
JOIN agreements a ON a.id = c.constrains_id
LEFT JOIN evidence e ON e.record_id = c.id AND e.article_id = c.article_id AND e.number = 1;

ALTER TABLE articles ADD COLUMN title_source TEXT NOT NULL DEFAULT 'article'
    CHECK (title_source IN ('article', 'curator'));

CREATE TABLE article_issuers (
    article_id TEXT NOT NULL REFERENCES articles (id),
    actor_id   TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (article_id, actor_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX article_issuers_by_actor ON article_issuers (actor_id);

-- One value a source states for one field of a record. The record's table holds the current
-- one (is_current = 1); article_id is NULL for an actor's own value in actors.toml.
CREATE TABLE statements (
    id         TEXT PRIMARY KEY,
    record_id  TEXT NOT NULL REFERENCES records (id),
    field      TEXT NOT NULL,
    value      TEXT NOT NULL,
    article_id TEXT REFERENCES articles (id),
    rank       TEXT NOT NULL CHECK (rank IN ('normal', 'preferred')),
    is_current INTEGER NOT NULL CHECK (is_current IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE INDEX statements_by_record ON statements (record_id, field);

CREATE TABLE statement_evidence (
    statement_id TEXT NOT NULL REFERENCES statements (id),
    evidence_id  TEXT NOT NULL REFERENCES evidence (id),
    PRIMARY KEY (statement_id, evidence_id)
) STRICT, WITHOUT ROWID;

-- Every stated value with its source, its publication date and each quote behind it.
CREATE VIEW statement_sources AS
SELECT s.record_id,
       s.field,
       s.value,
       s.is_current,
       s.rank,
       s.article_id,
       ar.published,
       s.id          AS statement_id,
       e.id          AS evidence_id,
       e.quote,
       e.asserted_by,
       e.modality
FROM statements s
LEFT JOIN articles ar ON ar.id = s.article_id
LEFT JOIN statement_evidence se ON se.statement_id = s.id
LEFT JOIN evidence e ON e.id = se.evidence_id;

-- Who asserts each evidence, as actors: "author" stands for the article's issuers.
CREATE VIEW evidence_speakers AS
SELECT e.id AS evidence_id, e.article_id, e.asserted_by, e.asserted_by_actor_id AS actor_id
FROM evidence e
WHERE e.asserted_by_actor_id IS NOT NULL
UNION ALL
SELECT e.id, e.article_id, e.asserted_by, i.actor_id
FROM evidence e
JOIN article_issuers i ON i.article_id = e.article_id
WHERE e.asserted_by = 'author';
