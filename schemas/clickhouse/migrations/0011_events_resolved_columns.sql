-- events_resolved again, unchanged: a view's columns are fixed when it is created, so the columns
-- 0010 added to events (browser, os, device_type, is_bot, …) appear in it only once it is
-- re-created. Every migration that adds columns to events must be followed by this statement
-- (docs/clickhouse.md); the view keeps all events columns, person_id resolved through
-- person_overrides, and stamped_person_id.
CREATE OR REPLACE VIEW {{db}}.events_resolved AS
SELECT
    e.* EXCEPT (person_id),
    e.person_id AS stamped_person_id,
    if(o.person_id != '', o.person_id, e.person_id) AS person_id
FROM {{db}}.events AS e
LEFT JOIN
(
    SELECT old_person_id, argMax(person_id, version) AS person_id
    FROM {{db}}.person_overrides
    GROUP BY old_person_id
) AS o ON e.person_id = o.old_person_id;
