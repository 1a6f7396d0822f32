-- dossier schema, version 16: the relation types `issued_by` (who issued a statement, policy,
-- agreement or commitment, when the article implies it) and `based_on` (a claim and the grounds
-- the article gives for it).
--
-- SQLite cannot change a CHECK in place: `relations` is rebuilt (SQLite's documented
-- procedure), with its indexes. The views are dropped first (renaming a table checks every
-- view) and `dossier upgrade` creates them after the last migration.

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

CREATE TABLE relations_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    subject_id TEXT NOT NULL REFERENCES records (id),
    predicate TEXT NOT NULL CHECK (predicate IN ('visited', 'met', 'ordered_by', 'championed_by', 'supports', 'opposes', 'supports_sanctions_against', 'part_of', 'member_of', 'targets', 'announced_during', 'created_by', 'monitored_by', 'requested_by', 'same_as', 'follows', 'fulfils', 'issued_by', 'based_on')),
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
