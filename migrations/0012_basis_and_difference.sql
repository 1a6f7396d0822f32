-- dossier schema, version 12: what every record and stated value rests on, and how a value
-- that is not current stands to the current one.
-- `basis` is 'reported' when at least one quote is the article's own, 'inferred' when every
-- quote is the curator's inference, and empty for what actors.toml or topics.toml says.
-- `difference` (progression, parallel, contradiction) needs the lifecycles of the statuses and
-- the fields written in someone's own words: the next `dossier build` fills it.

ALTER TABLE records ADD COLUMN basis TEXT CHECK (basis IN ('reported', 'inferred'));
UPDATE records SET basis = CASE
    WHEN EXISTS (SELECT 1 FROM evidence e
                 WHERE e.record_id = records.id AND e.article_id = records.article_id
                   AND e.modality <> 'inference') THEN 'reported'
    ELSE 'inferred' END
WHERE EXISTS (SELECT 1 FROM evidence e
              WHERE e.record_id = records.id AND e.article_id = records.article_id);

ALTER TABLE statements ADD COLUMN basis TEXT CHECK (basis IN ('reported', 'inferred'));
ALTER TABLE statements ADD COLUMN difference TEXT
    CHECK (difference IN ('progression', 'parallel', 'contradiction'));
UPDATE statements SET basis = CASE
    WHEN EXISTS (SELECT 1 FROM statement_evidence se JOIN evidence e ON e.id = se.evidence_id
                 WHERE se.statement_id = statements.id AND e.modality <> 'inference')
        THEN 'reported'
    ELSE 'inferred' END
WHERE EXISTS (SELECT 1 FROM statement_evidence se WHERE se.statement_id = statements.id);
