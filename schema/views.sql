-- The dashboard views of dossier's SQL stores, each defined once: the SQLite schema runs this
-- file as it is, and the PostgreSQL schema is translated from it (crates/model/src/ddl.rs).
-- Written in the SQL that SQLite 3.37 (Debian's sqlite3, Datasette's Python) and PostgreSQL both
-- read, but for group_concat and date(..., '+1 month', '-1 day'), which crates/model/src/ddl.rs
-- rewrites for PostgreSQL.

CREATE VIEW event_timeline AS
SELECT ev.date,
       ev.date_precision,
       CASE ev.date_precision
           WHEN 'year'  THEN ev.date || '-01-01'
           WHEN 'month' THEN ev.date || '-01'
           ELSE ev.date
       END              AS start_date,
       CASE ev.date_precision
           WHEN 'year'  THEN ev.date || '-12-31'
           WHEN 'month' THEN date(ev.date || '-01', '+1 month', '-1 day')
           ELSE ev.date
       END              AS end_date,
       ev.when_text,
       ev.id            AS event_id,
       ev.label,
       ev.place,
       ev.article_id,
       (SELECT group_concat(x.name || ' (' || p.role || ')', '; ')
        FROM (SELECT * FROM event_participants ORDER BY actor_id, role) p
        JOIN actors x ON x.id = p.actor_id
        WHERE p.event_id = ev.id) AS participants
FROM events ev
ORDER BY ev.date IS NULL, ev.date, ev.id;

CREATE VIEW commitment_timeline AS
SELECT c.deadline,
       c.deadline_precision,
       CASE c.deadline_precision
           WHEN 'year'  THEN c.deadline || '-01-01'
           WHEN 'month' THEN c.deadline || '-01'
           ELSE c.deadline
       END              AS start_date,
       CASE c.deadline_precision
           WHEN 'year'  THEN c.deadline || '-12-31'
           WHEN 'month' THEN date(c.deadline || '-01', '+1 month', '-1 day')
           ELSE c.deadline
       END              AS end_date,
       c.deadline_text,
       c.id             AS commitment_id,
       c.label,
       c.action,
       c.status,
       c.article_id,
       (SELECT group_concat(x.name, '; ')
        FROM (SELECT * FROM commitment_actors ORDER BY actor_id) a
        JOIN actors x ON x.id = a.actor_id
        WHERE a.commitment_id = c.id) AS committed_by
FROM commitments c
ORDER BY c.deadline IS NULL, c.deadline, c.id;

CREATE VIEW article_timeline AS
SELECT a.published,
       a.published_precision,
       CASE a.published_precision
           WHEN 'year'  THEN a.published || '-01-01'
           WHEN 'month' THEN a.published || '-01'
           ELSE a.published
       END              AS start_date,
       CASE a.published_precision
           WHEN 'year'  THEN a.published || '-12-31'
           WHEN 'month' THEN date(a.published || '-01', '+1 month', '-1 day')
           ELSE a.published
       END              AS end_date,
       a.id             AS article_id,
       a.title
FROM articles a
ORDER BY a.published IS NULL, a.published, a.id;

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

CREATE VIEW evidence_speakers AS
SELECT e.id AS evidence_id, e.article_id, e.asserted_by, e.asserted_by_actor_id AS actor_id
FROM evidence e
WHERE e.asserted_by_actor_id IS NOT NULL
UNION ALL
SELECT e.id, e.article_id, e.asserted_by, i.actor_id
FROM evidence e
JOIN article_issuers i ON i.article_id = e.article_id
WHERE e.asserted_by = 'author';

CREATE VIEW record_topics AS
WITH RECURSIVE tagged (record_id, kind, via_topic_id) AS (
    SELECT event_id, 'event', topic_id FROM event_topics
    UNION ALL SELECT agreement_id, 'agreement', topic_id FROM agreement_topics
    UNION ALL SELECT policy_id, 'policy', topic_id FROM policy_topics
    UNION ALL SELECT claim_id, 'claim', topic_id FROM claim_topics
    UNION ALL SELECT commitment_id, 'commitment', topic_id FROM commitment_topics
),
up (record_id, kind, via_topic_id, topic_id) AS (
    SELECT record_id, kind, via_topic_id, via_topic_id FROM tagged
    UNION
    SELECT up.record_id, up.kind, up.via_topic_id, t.broader_id
    FROM up JOIN topics t ON t.id = up.topic_id
    WHERE t.broader_id IS NOT NULL
)
SELECT up.record_id, up.kind, r.label, r.article_id, up.topic_id, t.label AS topic,
       up.via_topic_id
FROM up
JOIN topics t ON t.id = up.topic_id
JOIN records r ON r.id = up.record_id;
