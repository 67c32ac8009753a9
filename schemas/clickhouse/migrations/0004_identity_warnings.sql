-- Identifier values refused at ingest (blocked values such as 'null' or 'anonymous', malformed
-- emails and phones, unusable externalIds types), one row per event and problem. `detail` holds
-- the deny-listed form of a blocked value, never a raw email or phone. Kept 90 days.
CREATE TABLE IF NOT EXISTS {{db}}.identity_warnings
(
    message_id  String,
    received_at DateTime64(3, 'UTC'),
    source_id   LowCardinality(String),
    code        LowCardinality(String),
    id_type     LowCardinality(String),
    detail      String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (code, id_type, message_id, detail)
TTL toDateTime(received_at) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 1000;
