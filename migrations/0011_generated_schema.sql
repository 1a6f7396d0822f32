-- dossier schema, version 11: the schema is now written from the descriptions (src/ddl.rs),
-- and a new database is created from it in one step; migrations only carry older databases
-- forward. The generated schema indexes every reference, asserter and date column that no key
-- or index already leads (PostgreSQL's advice for foreign keys, and the lookups the named
-- queries make by topic, organisation, article and asserter), under one naming rule.
-- Views are no longer defined by migrations: `dossier upgrade` drops them and creates the
-- current ones from schema/views.sql after the last migration.

DROP INDEX conditions_by_constrained;
CREATE INDEX conditions_by_constrains ON conditions (constrains_id);
CREATE INDEX articles_by_published ON articles (published);
CREATE INDEX records_by_article ON records (article_id);
CREATE INDEX roles_by_organization ON roles (organization_id);
CREATE INDEX event_topics_by_topic ON event_topics (topic_id);
CREATE INDEX agreement_topics_by_topic ON agreement_topics (topic_id);
CREATE INDEX policy_topics_by_topic ON policy_topics (topic_id);
CREATE INDEX claim_topics_by_topic ON claim_topics (topic_id);
CREATE INDEX commitment_topics_by_topic ON commitment_topics (topic_id);
CREATE INDEX evidence_by_asserted_by ON evidence (asserted_by);
CREATE INDEX statements_by_article ON statements (article_id);
-- Every article's records by article: what publishing one article replaces.
CREATE INDEX roles_by_article ON roles (article_id);
CREATE INDEX events_by_article ON events (article_id);
CREATE INDEX agreements_by_article ON agreements (article_id);
CREATE INDEX policies_by_article ON policies (article_id);
CREATE INDEX conditions_by_article ON conditions (article_id);
CREATE INDEX claims_by_article ON claims (article_id);
CREATE INDEX relations_by_article ON relations (article_id);
CREATE INDEX commitments_by_article ON commitments (article_id);
-- The references no index led yet: evidence a statement rests on.
CREATE INDEX statement_evidence_by_evidence ON statement_evidence (evidence_id);
