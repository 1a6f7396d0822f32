-- dossier schema, version 10: topics.
--
-- A small SKOS vocabulary of subjects (seeds/topics.toml, extended by the seeds): arms
-- trafficking, fentanyl, illicit finance ... Events, agreements, policies, claims and
-- commitments can be about topics (dcterms:subject in the graph); a topic may narrow a broader
-- one (skos:broader), and a record about the narrower topic is about the broader one too.

INSERT INTO record_kinds (kind) VALUES ('topic');

CREATE TABLE topics (
    id         TEXT PRIMARY KEY REFERENCES records (id),
    label      TEXT NOT NULL,
    definition TEXT,
    broader_id TEXT REFERENCES topics (id),
    CHECK (broader_id IS NULL OR broader_id <> id)
) STRICT, WITHOUT ROWID;
CREATE INDEX topics_by_broader ON topics (broader_id);

CREATE TABLE event_topics (
    event_id TEXT NOT NULL REFERENCES events (id),
    topic_id TEXT NOT NULL REFERENCES topics (id),
    PRIMARY KEY (event_id, topic_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE agreement_topics (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    topic_id     TEXT NOT NULL REFERENCES topics (id),
    PRIMARY KEY (agreement_id, topic_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE policy_topics (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    topic_id  TEXT NOT NULL REFERENCES topics (id),
    PRIMARY KEY (policy_id, topic_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE claim_topics (
    claim_id TEXT NOT NULL REFERENCES claims (id),
    topic_id TEXT NOT NULL REFERENCES topics (id),
    PRIMARY KEY (claim_id, topic_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE commitment_topics (
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    topic_id      TEXT NOT NULL REFERENCES topics (id),
    PRIMARY KEY (commitment_id, topic_id)
) STRICT, WITHOUT ROWID;

-- Every record with each topic it is about, directly or through a narrower topic
-- (`via_topic_id` is the topic the record names).
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
