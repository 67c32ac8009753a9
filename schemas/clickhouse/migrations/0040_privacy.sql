-- Privacy (docs/privacy.md): erasure requests, the suppression list, the consent audit trail and
-- each person's current consent.

-- One row per erasure request, replaced as it progresses (requested -> completed | failed); read
-- it with FINAL or argMax. It never holds an identifier or a person id: subject_key is the
-- suppression key of the identifier the request named, deleted_rows counts rows per table.
CREATE TABLE IF NOT EXISTS {{db}}.deletion_requests
(
    request_id   String,
    subject_type LowCardinality(String),
    subject_key  String,
    reference    String,
    status       LowCardinality(String),
    requested_at DateTime64(3, 'UTC'),
    completed_at Nullable(DateTime64(3, 'UTC')),
    persons      UInt32,
    identifiers  UInt32,
    deleted_rows String,
    error        String,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY request_id;

-- The audit copy of privacy.suppressions: the hashed identifiers of erased people, which the
-- collector and identity refuse (SIL_EVENT_SUPPRESSED). suppression_key is SHA-256 over a domain
-- tag, the identifier type and its stored form (schemas/src/suppression.ts).
CREATE TABLE IF NOT EXISTS {{db}}.suppressions
(
    suppression_key String,
    id_type         LowCardinality(String),
    request_id      String,
    suppressed_at   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY suppression_key;

-- The consent audit trail: every `Consent Updated` event, attributed to its person through the
-- overrides. A view over events, so an erasure or the retention TTL of events removes it too.
-- Categories and policy version come from the event's properties (what the SDK sends), else from
-- its context.consent.
CREATE VIEW IF NOT EXISTS {{db}}.consent_events AS
SELECT
    message_id,
    person_id,
    stamped_person_id,
    anonymous_id,
    user_id,
    source_id,
    timestamp,
    received_at,
    if(
        JSONHas(properties, 'categories'),
        JSONExtract(properties, 'categories', 'Array(String)'),
        JSONExtract(consent, 'categories', 'Array(String)')
    ) AS categories,
    multiIf(
        JSONExtractString(properties, 'policyVersion') != '', JSONExtractString(properties, 'policyVersion'),
        JSONExtractString(properties, 'policy_version') != '', JSONExtractString(properties, 'policy_version'),
        JSONExtractString(consent, 'policyVersion')
    ) AS policy_version,
    JSONExtractBool(consent, 'gpc') AS gpc,
    JSONExtractBool(consent, 'dnt') AS dnt
FROM {{db}}.events_resolved
WHERE type = 'track' AND event = 'Consent Updated';

-- Each person's current consent: the categories of their latest `Consent Updated`, or of the
-- latest event whose context.consent lists categories, whichever is later. A person with no
-- consent information has no row: joined with LEFT JOIN, marketing_contactable is then false
-- (opt-in by default). customer_360 joins it on person_id.
CREATE VIEW IF NOT EXISTS {{db}}.consent_current AS
SELECT
    person_id,
    categories,
    policy_version,
    gpc,
    updated_at,
    has(categories, 'analytics') AS analytics_granted,
    has(categories, 'marketing') AS marketing_contactable
FROM
(
    SELECT
        person_id,
        argMax(c, at) AS categories,
        argMax(v, at) AS policy_version,
        argMax(g, at) AS gpc,
        max(at) AS updated_at
    FROM
    (
        SELECT person_id, timestamp AS at, categories AS c, policy_version AS v, gpc AS g
        FROM {{db}}.consent_events
        UNION ALL
        SELECT
            person_id,
            timestamp AS at,
            JSONExtract(consent, 'categories', 'Array(String)') AS c,
            JSONExtractString(consent, 'policyVersion') AS v,
            JSONExtractBool(consent, 'gpc') AS g
        FROM {{db}}.events_resolved
        WHERE JSONHas(consent, 'categories') AND NOT (type = 'track' AND event = 'Consent Updated')
    )
    GROUP BY person_id
);
