-- dossier schema, version 13: an agreement or body may be `established`, a commitment only
-- `intended`; the relation type `fulfils`; a `frequency` for agreements and commitments.
--
-- SQLite cannot change a CHECK in place: `agreements`, `commitments` and `relations` are
-- rebuilt (SQLite's documented procedure), with their indexes. The views are dropped first
-- (renaming a table checks every view) and `dossier upgrade` creates them after the last
-- migration.

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

CREATE TABLE agreements_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('agreement', 'measure')),
    instrument TEXT,
    purpose TEXT,
    frequency TEXT,
    status TEXT NOT NULL CHECK (status IN ('agreed', 'established', 'announced', 'proposed', 'possible')),
    PRIMARY KEY (id)
) STRICT, WITHOUT ROWID;
INSERT INTO agreements_new (id, article_id, label, kind, instrument, purpose, status)
SELECT id, article_id, label, kind, instrument, purpose, status FROM agreements;
DROP TABLE agreements;
ALTER TABLE agreements_new RENAME TO agreements;
CREATE INDEX agreements_by_article ON agreements (article_id);

CREATE TABLE commitments_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    label TEXT NOT NULL,
    action TEXT NOT NULL,
    deadline TEXT,
    deadline_precision TEXT CHECK (deadline_precision IN ('year', 'month', 'day')),
    deadline_text TEXT,
    frequency TEXT,
    status TEXT NOT NULL CHECK (status IN ('intended', 'pledged', 'in_progress', 'fulfilled', 'abandoned')),
    PRIMARY KEY (id),
    CHECK ((deadline IS NULL) = (deadline_precision IS NULL))
) STRICT, WITHOUT ROWID;
INSERT INTO commitments_new (id, article_id, label, action, deadline, deadline_precision,
                             deadline_text, status)
SELECT id, article_id, label, action, deadline, deadline_precision, deadline_text, status
FROM commitments;
DROP TABLE commitments;
ALTER TABLE commitments_new RENAME TO commitments;
CREATE INDEX commitments_by_article ON commitments (article_id);
CREATE INDEX commitments_by_deadline ON commitments (deadline);

CREATE TABLE relations_new (
    id TEXT REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    subject_id TEXT NOT NULL REFERENCES records (id),
    predicate TEXT NOT NULL CHECK (predicate IN ('visited', 'met', 'ordered_by', 'championed_by', 'supports', 'opposes', 'supports_sanctions_against', 'part_of', 'member_of', 'targets', 'announced_during', 'created_by', 'monitored_by', 'requested_by', 'same_as', 'follows', 'fulfils')),
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
