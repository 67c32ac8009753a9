-- Persons: first and last seen, event count and latest traits, kept by ClickHouse itself from
-- every insert into events (materialised views keyed by the stamped person), and resolved through
-- person_overrides at query time, like events_resolved.

CREATE TABLE IF NOT EXISTS {{db}}.person_activity
(
    person_id   String,
    first_seen  SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen   SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    event_count SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
ORDER BY person_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.person_activity_mv TO {{db}}.person_activity AS
SELECT
    person_id,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen,
    toUInt64(count()) AS event_count
FROM {{db}}.events
WHERE person_id != ''
GROUP BY person_id;

-- One row per (stamped person, trait): the value of the latest identify that set it (raw JSON).
CREATE TABLE IF NOT EXISTS {{db}}.person_traits
(
    person_id  String,
    key        String,
    value      String,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (person_id, key);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.person_traits_mv TO {{db}}.person_traits AS
SELECT person_id, kv.1 AS key, kv.2 AS value, timestamp AS updated_at
FROM {{db}}.events
ARRAY JOIN JSONExtractKeysAndValuesRaw(traits) AS kv
WHERE type = 'identify' AND person_id != '';

-- One row per person as analysts see it: overrides applied, traits merged key by key (latest
-- identify wins), `traits` as a JSON object like events.traits.
CREATE VIEW IF NOT EXISTS {{db}}.persons AS
WITH overrides AS
(
    SELECT old_person_id, argMax(person_id, version) AS person_id
    FROM {{db}}.person_overrides
    GROUP BY old_person_id
)
SELECT
    a.person_id AS person_id,
    a.first_seen AS first_seen,
    a.last_seen AS last_seen,
    a.event_count AS event_count,
    if(t.traits = '', '{}', t.traits) AS traits
FROM
(
    SELECT
        if(o.person_id != '', o.person_id, s.person_id) AS person_id,
        min(s.first_seen) AS first_seen,
        max(s.last_seen) AS last_seen,
        sum(s.event_count) AS event_count
    FROM {{db}}.person_activity AS s
    LEFT JOIN overrides AS o ON s.person_id = o.old_person_id
    GROUP BY person_id
) AS a
LEFT JOIN
(
    SELECT
        person_id,
        concat('{', arrayStringConcat(groupArray(concat(toJSONString(key), ':', value)), ','), '}') AS traits
    FROM
    (
        SELECT
            if(o.person_id != '', o.person_id, t.person_id) AS person_id,
            t.key AS key,
            argMax(t.value, t.updated_at) AS value
        FROM {{db}}.person_traits AS t
        LEFT JOIN overrides AS o ON t.person_id = o.old_person_id
        GROUP BY person_id, key
    )
    GROUP BY person_id
) AS t ON a.person_id = t.person_id;
