-- dossier schema, version 2: indexes for the shipped queries and views for dashboards.
-- Each view is documented with an example query in schema/sqlite.md.

CREATE INDEX records_by_kind ON records (kind, article_id);
CREATE INDEX roles_by_holder ON roles (holder_id);
CREATE INDEX events_by_date ON events (date);
CREATE INDEX event_participants_by_actor ON event_participants (actor_id);
CREATE INDEX agreement_parties_by_actor ON agreement_parties (actor_id);
CREATE INDEX policies_by_issuer ON policies (issuer_id);
CREATE INDEX policy_targets_by_actor ON policy_targets (actor_id);
CREATE INDEX conditions_by_constrained ON conditions (constrains_id);
CREATE INDEX conditions_by_stated_by ON conditions (stated_by_id);
CREATE INDEX claims_by_claimant ON claims (claimant);
CREATE INDEX claim_subjects_by_record ON claim_subjects (record_id);
CREATE INDEX relations_by_subject ON relations (subject_id, predicate);
CREATE INDEX relations_by_object ON relations (object_id, predicate);
CREATE INDEX evidence_by_article ON evidence (article_id);
CREATE UNIQUE INDEX evidence_by_record ON evidence (record_id, article_id, number);

-- Conditions with who stated them, what they constrain, and their first quote.
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

-- Events in date order (undated last), with the precision of each date and who took part.
CREATE VIEW event_timeline AS
SELECT ev.date,
       ev.date_precision,
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

-- Every record with each quote that supports it, who asserts it and how.
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

-- How many records of each kind each article defines or (for actors) gives evidence for.
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
