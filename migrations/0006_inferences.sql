-- dossier schema, version 6: what the curator infers is marked as such.
--
-- Evidence may now be the curator's inference: asserted_by 'curator', modality 'inference',
-- and a note saying why the passage implies the record (required then, and only then). The
-- table is rebuilt (SQLite cannot change a CHECK in place) with the views and the full-text
-- index that read it; 'curator', like 'author', names no actor.

DROP VIEW condition_overview;
DROP VIEW record_evidence;
DROP VIEW article_counts;
DROP TABLE evidence_fts;

CREATE TABLE evidence_new (
    id                   TEXT PRIMARY KEY,
    record_id            TEXT NOT NULL REFERENCES records (id),
    article_id           TEXT NOT NULL REFERENCES articles (id),
    number               INTEGER NOT NULL CHECK (number >= 1),
    quote                TEXT NOT NULL CHECK (length(quote) > 0),
    start_offset         INTEGER NOT NULL CHECK (start_offset >= 0),
    end_offset           INTEGER NOT NULL,
    asserted_by          TEXT NOT NULL,
    asserted_by_actor_id TEXT GENERATED ALWAYS AS (
                             CASE WHEN asserted_by IN ('author', 'curator') THEN NULL
                                  ELSE asserted_by END) VIRTUAL
                         REFERENCES actors (id),
    modality             TEXT NOT NULL CHECK (modality IN ('reported_fact', 'stated_position',
                                                           'assessment', 'recommendation',
                                                           'possibility', 'inference')),
    note                 TEXT CHECK (length(trim(note)) > 0),
    CHECK (end_offset - start_offset = length(quote)),
    CHECK ((modality = 'inference') = (asserted_by = 'curator')),
    CHECK ((modality = 'inference') = (note IS NOT NULL))
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
       COALESCE(x.name, CASE e.asserted_by WHEN 'curator' THEN 'the curator'
                        ELSE 'the author' END) AS asserter,
       e.modality,
       e.note
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
INSERT INTO evidence_fts (evidence_fts) VALUES ('rebuild');
