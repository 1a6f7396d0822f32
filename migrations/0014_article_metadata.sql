-- dossier schema, version 14: an article's metadata beyond its publication date: when its
-- issuers issued it, a publisher who is not an issuer, the language of the original it
-- translates, and the other places the same text is published (`article_copies`).
--
-- SQLite cannot add a table CHECK in place: `articles` is rebuilt (SQLite's documented
-- procedure) keeping each row's rowid, which its full-text index reads. The views are dropped
-- first (renaming a table checks every view) and `dossier upgrade` creates them after the last
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

CREATE TABLE articles_new (
    id TEXT,
    title TEXT NOT NULL,
    title_source TEXT NOT NULL CHECK (title_source IN ('article', 'curator')),
    title_note TEXT,
    language TEXT NOT NULL,
    genre TEXT,
    author TEXT,
    outlet TEXT,
    published TEXT,
    published_precision TEXT CHECK (published_precision IN ('year', 'month', 'day')),
    url TEXT,
    issued TEXT,
    issued_precision TEXT CHECK (issued_precision IN ('year', 'month', 'day')),
    publisher_id TEXT REFERENCES actors (id),
    translated_from TEXT,
    text TEXT NOT NULL,
    char_count INTEGER NOT NULL CHECK (char_count >= 0),
    PRIMARY KEY (id),
    CHECK ((published IS NULL) = (published_precision IS NULL)),
    CHECK ((issued IS NULL) = (issued_precision IS NULL))
) STRICT;
INSERT INTO articles_new (rowid, id, title, title_source, title_note, language, genre, author,
                          outlet, published, published_precision, url, text, char_count)
SELECT rowid, id, title, title_source, title_note, language, genre, author, outlet, published,
       published_precision, url, text, char_count
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
CREATE INDEX articles_by_published ON articles (published);
CREATE INDEX articles_by_issued ON articles (issued);
CREATE INDEX articles_by_publisher ON articles (publisher_id);

CREATE TABLE article_copies (
    article_id TEXT NOT NULL REFERENCES articles (id),
    url TEXT NOT NULL,
    PRIMARY KEY (article_id, url)
) STRICT, WITHOUT ROWID;
