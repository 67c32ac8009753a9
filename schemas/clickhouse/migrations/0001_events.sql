-- One row per message_id: the identity service deduplicates against event_ids before it inserts.
-- ReplacingMergeTree is only the safety net (see docs/clickhouse.md).
CREATE TABLE IF NOT EXISTS {{db}}.events
(
    message_id         String,
    type               LowCardinality(String),
    event              String,
    name               String,
    timestamp          DateTime64(3, 'UTC'),
    original_timestamp Nullable(DateTime64(3, 'UTC')),
    sent_at            Nullable(DateTime64(3, 'UTC')),
    received_at        DateTime64(3, 'UTC'),
    anonymous_id       String,
    user_id            String,
    person_id          String,
    session_id         String,
    source_id          LowCardinality(String),
    group_id           String,
    previous_id        String,
    page_url           String,
    page_path          String,
    page_title         String,
    referrer           String,
    utm_source         String,
    utm_medium         String,
    utm_campaign       String,
    utm_term           String,
    utm_content        String,
    revenue            Nullable(Float64),
    currency           LowCardinality(String),
    order_id           String,
    product_id         String,
    ip                 String,
    user_agent         String,
    library_name       LowCardinality(String),
    library_version    LowCardinality(String),
    consent            String,
    properties         String,
    traits             String,
    context            String,
    -- Set by ClickHouse at insert: inserted_at - received_at is the pipeline's freshness.
    inserted_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (source_id, toDate(timestamp), type, event, message_id)
TTL toDateTime(received_at) + INTERVAL 25 MONTH
SETTINGS non_replicated_deduplication_window = 1000;

-- The dedup index: message_id -> seen, sorted for point lookups, filled atomically with each
-- insert into events by the materialised view below.
CREATE TABLE IF NOT EXISTS {{db}}.event_ids
(
    message_id  String,
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY message_id
TTL toDateTime(received_at) + INTERVAL 25 MONTH;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.event_ids_mv TO {{db}}.event_ids AS
SELECT message_id, received_at FROM {{db}}.events;
