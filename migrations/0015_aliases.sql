-- dossier schema, version 15: other names for topics, events, agreements, policies and
-- commitments (an actor has had them since version 1), one table each like `actor_aliases`.

CREATE TABLE topic_aliases (
    topic_id TEXT NOT NULL REFERENCES topics (id),
    alias TEXT NOT NULL,
    PRIMARY KEY (topic_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE event_aliases (
    event_id TEXT NOT NULL REFERENCES events (id),
    alias TEXT NOT NULL,
    PRIMARY KEY (event_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE agreement_aliases (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    alias TEXT NOT NULL,
    PRIMARY KEY (agreement_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE policy_aliases (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    alias TEXT NOT NULL,
    PRIMARY KEY (policy_id, alias)
) STRICT, WITHOUT ROWID;

CREATE TABLE commitment_aliases (
    commitment_id TEXT NOT NULL REFERENCES commitments (id),
    alias TEXT NOT NULL,
    PRIMARY KEY (commitment_id, alias)
) STRICT, WITHOUT ROWID;
