-- dossier schema, version 3: commitments (who commits to what, by when), and record kinds in a
-- table of their own, so that a later kind adds a row here instead of rebuilding `records`.

CREATE TABLE record_kinds (
    kind TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

INSERT INTO record_kinds (kind) VALUES
    ('actor'), ('role'), ('event'), ('agreement'), ('policy'), ('condition'), ('claim'),
    ('relation'), ('commitment');

-- `records` loses its CHECK list for a reference to record_kinds: rebuilt the way SQLite
-- documents (new table, copy, drop, rename), with the two views that read it recreated as they
-- were.
DROP VIEW record_evidence;
DROP VIEW article_counts;

CREATE TABLE records_new (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL REFERENCES record_kinds (kind),
    label      TEXT NOT NULL,
    article_id TEXT REFERENCES articles (id)
) STRICT, WITHOUT ROWID;
INSERT INTO records_new (id, kind, label, article_id)
SELECT id, kind, label, article_id FROM records;
DROP TABLE records;
ALTER TABLE records_new RENAME TO records;
CREATE INDEX records_by_kind ON records (kind, article_id);

CREATE VIEW record_evidence AS
SELECT r.id           AS record_id,
       r.kind,
       r.label,
       e.id           AS evidence_id,
       e.article_id,
       e.quote,
       e.start_offset,
       e.end_offset,
       e.asserted_by,
       COALESCE(x.name, 'the author') AS asserter,
       e.modality
FROM records r
JOIN evidence e ON e.record_id = r.id
LEFT JOIN actors x ON x.id = e.asserted_by_actor_id;

CREATE VIEW article_counts AS
SELECT article_id, kind, count(*) AS records
FROM records
WHERE article_id IS NOT NULL
GROUP BY article_id, kind
UNION ALL
SELECT e.article_id, 'actor', count(DISTINCT e.record_id)
FROM evidence e
JOIN records r ON r.id = e.record_id AND r.kind = 'actor'
GROUP BY e.article_id;

-- A pledge or deliverable. The deadline is a partial date (and its precision) or the article's
-- own words; both may be missing.
CREATE TABLE commitments (
    id                 TEXT PRIMARY KEY REFERENCES records (id),
    article_id         TEXT NOT NULL REFERENCES articles (id),
    label              TEXT NOT NULL,
    action             TEXT NOT NULL,
    deadline           TEXT,
    deadline_precision TEXT CHECK (deadline_precision IN ('year', 'month', 'day')),
    deadline_text      TEXT,
    status             TEXT NOT NULL CHECK (status IN ('pledged', 'in_progress', 'fulfilled',
                                                       'abandoned')),
    CHECK ((deadline IS NULL) = (deadline_precision IS NULL))
) STRICT, WITHOUT ROWID;

-- Who commits: one row per actor (a joint commitment has several).
CREATE TABLE commitment_actors (
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    actor_id      TEXT NOT NULL REFERENCES actors (id),
    PRIMARY KEY (commitment_id, actor_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE commitment_quantities (
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    measure       TEXT NOT NULL,
    value         INTEGER NOT NULL CHECK (value >= 0),
    unit          TEXT,
    PRIMARY KEY (commitment_id, measure)
) STRICT, WITHOUT ROWID;

CREATE INDEX commitment_actors_by_actor ON commitment_actors (actor_id);
CREATE INDEX commitments_by_deadline ON commitments (deadline);
