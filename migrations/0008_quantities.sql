-- dossier schema, version 8: agreements and policies carry quantities too (the counts or
-- amounts they set), as events and commitments do.

CREATE TABLE agreement_quantities (
    agreement_id TEXT NOT NULL REFERENCES agreements (id),
    measure      TEXT NOT NULL,
    value        INTEGER NOT NULL CHECK (value >= 0),
    unit         TEXT,
    PRIMARY KEY (agreement_id, measure)
) STRICT, WITHOUT ROWID;

CREATE TABLE policy_quantities (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    measure   TEXT NOT NULL,
    value     INTEGER NOT NULL CHECK (value >= 0),
    unit      TEXT,
    PRIMARY KEY (policy_id, measure)
) STRICT, WITHOUT ROWID;
