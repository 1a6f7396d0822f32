-- dossier schema, version 7: relation types for bodies, announcements, requests, monitoring,
-- series of events and actors that are the same.
--
-- SQLite cannot change a CHECK in place: `relations` is rebuilt with the longer list (each
-- type links the kinds `mapping::relation_links` names; `validate` holds that), with its
-- indexes and the view that reads it.

DROP VIEW actor_network;

CREATE TABLE relations_new (
    id         TEXT PRIMARY KEY REFERENCES records (id),
    article_id TEXT NOT NULL REFERENCES articles (id),
    subject_id TEXT NOT NULL REFERENCES records (id),
    predicate  TEXT NOT NULL CHECK (predicate IN ('visited', 'met', 'ordered_by', 'championed_by',
                                                  'supports', 'opposes',
                                                  'supports_sanctions_against', 'part_of',
                                                  'member_of', 'targets', 'announced_during',
                                                  'created_by', 'monitored_by', 'requested_by',
                                                  'same_as', 'follows')),
    object_id  TEXT NOT NULL REFERENCES records (id)
) STRICT, WITHOUT ROWID;
INSERT INTO relations_new (id, article_id, subject_id, predicate, object_id)
SELECT id, article_id, subject_id, predicate, object_id FROM relations;
DROP TABLE relations;
ALTER TABLE relations_new RENAME TO relations;
CREATE INDEX relations_by_subject ON relations (subject_id, predicate);
CREATE INDEX relations_by_object ON relations (object_id, predicate);

-- Actor-to-actor edges, ready for a network chart: typed relations between two actors, and
-- roles (holder -> organisation, the relation being the role's title).
CREATE VIEW actor_network AS
SELECT r.subject_id AS source_id,
       s.name       AS source,
       r.predicate  AS relation,
       r.object_id  AS target_id,
       o.name       AS target,
       r.id         AS via_record_id,
       r.article_id
FROM relations r
JOIN actors s ON s.id = r.subject_id
JOIN actors o ON o.id = r.object_id
UNION ALL
SELECT ro.holder_id, h.name, 'holds role: ' || ro.title, ro.organization_id, g.name, ro.id,
       ro.article_id
FROM roles ro
JOIN actors h ON h.id = ro.holder_id
JOIN actors g ON g.id = ro.organization_id;
