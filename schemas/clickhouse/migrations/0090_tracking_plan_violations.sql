-- Tracking-plan violations of the events stored with them (sources in mode `flag`, which writes
-- them to context.trackingPlan.violations; docs/tracking-plans.md): one row per event and broken
-- rule. Blocked events are dead letters (`sillage dlq inspect --code SIL_TRACKING_PLAN_VIOLATION`);
-- allowed ones are counted in /metrics (sillage_collector_tracking_plan_violations_total).
-- person_id is resolved through person_overrides, as in events_resolved.
CREATE OR REPLACE VIEW {{db}}.tracking_plan_violations AS
SELECT
    e.message_id AS message_id,
    e.source_id AS source_id,
    e.event AS event,
    e.timestamp AS timestamp,
    e.received_at AS received_at,
    if(o.person_id != '', o.person_id, e.person_id) AS person_id,
    JSONExtractString(e.violation, 'rule') AS rule,
    JSONExtractString(e.violation, 'path') AS path,
    JSONExtractString(e.violation, 'message') AS message
FROM
(
    SELECT message_id, source_id, event, timestamp, received_at, person_id, violation
    FROM {{db}}.events
    ARRAY JOIN JSONExtractArrayRaw(context, 'trackingPlan', 'violations') AS violation
    WHERE type = 'track' AND position(context, '"trackingPlan"') > 0
) AS e
LEFT JOIN
(
    SELECT old_person_id, argMax(person_id, version) AS person_id
    FROM {{db}}.person_overrides
    GROUP BY old_person_id
) AS o ON e.person_id = o.old_person_id;
