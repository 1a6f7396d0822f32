-- dossier schema, version 5: full-text search on the evidence quotes and the articles (FTS5).
--
-- The indexes are external-content FTS5 tables: they hold only the inverted index and read the
-- text from `evidence` and `articles` by rowid, so the text is stored once. `content="..."` is
-- written with double quotes because that is how Datasette finds a table's full-text index.
-- Tokenizer: unicode61 with diacritics removed, so `Garcia` finds `García`.
--
-- An external-content index needs its content table to have a rowid: `evidence` was WITHOUT
-- ROWID (clustered on its text key) and is rebuilt as a rowid table, the way SQLite documents
-- (new table, copy, drop, rename), with the three views that read it recreated as they were.
-- `articles` already has a rowid. The indexes are filled by the `rebuild` commands at the end,
-- so a database upgraded in place is searchable at once; `dossier build` rebuilds them again
-- after its bulk load.

DROP VIEW condition_overview;
DROP VIEW record_evidence;
DROP VIEW article_counts;

CREATE TABLE evidence_new (
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
) STRICT;
INSERT INTO evidence_new (id, record_id, article_id, number, quote, start_offset, end_offset,
                          asserted_by, modality)
SELECT id, record_id, article_id, number, quote, start_offset, end_offset, asserted_by, modality
FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_new RENAME TO evidence;
CREATE INDEX evidence_by_article ON evidence (article_id);
CREATE UNIQUE INDEX evidence_by_record ON evidence (record_id, article_id, number);

CREATE VIEW condition_overview AS
SELECT c.id              AS condition_id,
       c.article_id,
       c.stated_by_id,
       s.name            AS stated_by,
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
JOIN actors s ON s.id = c.stated_by_id
JOIN agreements a ON a.id = c.constrains_id
LEFT JOIN evidence e ON e.record_id = c.id AND e.article_id = c.article_id AND e.number = 1;

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

CREATE VIRTUAL TABLE evidence_fts USING fts5 (
    quote,
    content="evidence",
    tokenize="unicode61 remove_diacritics 2"
);
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title,
    text,
    content="articles",
    tokenize="unicode61 remove_diacritics 2"
);
INSERT INTO evidence_fts (evidence_fts) VALUES ('rebuild');
INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
