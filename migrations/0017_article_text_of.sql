-- dossier schema, version 17: an article may be the text of a record another article mentions
-- (`text_of`: a statement, an agreement, a policy), one row per record.

CREATE TABLE article_text_of (
    article_id TEXT NOT NULL REFERENCES articles (id),
    record_id TEXT NOT NULL REFERENCES records (id),
    PRIMARY KEY (article_id, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX article_text_of_by_record ON article_text_of (record_id);
