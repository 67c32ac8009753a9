-- identifier -> person, versioned: the latest version of (id_type, id_value) wins.
CREATE TABLE IF NOT EXISTS {{db}}.identities
(
    id_type    LowCardinality(String),
    id_value   String,
    person_id  String,
    version    UInt64,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (id_type, id_value);

-- A merged-away person -> the surviving person. Chains are flattened when written.
CREATE TABLE IF NOT EXISTS {{db}}.person_overrides
(
    old_person_id String,
    person_id     String,
    version       UInt64,
    created_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY old_person_id;

-- Events with person_id resolved through the overrides: browsing before a login is attributed
-- to the customer retroactively. stamped_person_id is what identity knew at ingest.
CREATE VIEW IF NOT EXISTS {{db}}.events_resolved AS
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
