-- dossier schema, version 4: partial dates as spans for time axes. A date of year or month
-- precision stands for a span of days; the views give its first and last day as ISO dates
-- (`start_date`, `end_date`) beside the partial date and its precision, so a chart can place
-- `2025-09` across September and order it against day-precision dates.

DROP VIEW event_timeline;

-- Events in date order (undated last), with the span each date covers and who took part.
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

-- Commitments by deadline (none last), with the span the deadline covers and who commits.
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

-- Articles by publication date, with the span it covers.
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
