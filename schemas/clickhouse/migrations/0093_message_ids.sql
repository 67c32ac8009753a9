-- The dedup index, keyed by the UTC day of the client's own timestamp (original_timestamp; none:
-- day 0) before the message id. event_ids was sorted by message_id alone: the official Segment
-- libraries send random ids (UUID v4), so the 1,000 ids of a dedup read fell in as many granules
-- of every part, and each read scanned about the whole table, more as it grew (0.19 s of CPU per
-- 1,000 ids at five million stored events, 0.86 s at twenty million). A resent event carries the
-- same id and client timestamp, and a retry that set a new timestamp on the same id mostly falls
-- on the same day, so identity looks up (day, message_id): a live batch reads the granules of its
-- day only, bounded by a day's events, not by the table (docs/identity.md, docs/benchmarks.md).
-- Granules of 1,024 rows: a lookup in an older day (a late or replayed event) reads fewer rows.
-- The view first, then the copy from events (the source of truth), then the old index goes: an
-- insert between two statements is in both, and ReplacingMergeTree keeps one row.
CREATE TABLE IF NOT EXISTS {{db}}.message_ids
(
    day         Int64,
    message_id  String,
    received_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (day, message_id)
TTL toDateTime(received_at) + INTERVAL 25 MONTH
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.message_ids_mv TO {{db}}.message_ids AS
SELECT intDiv(toUnixTimestamp64Milli(ifNull(original_timestamp, toDateTime64(0, 3, 'UTC'))), 86400000) AS day,
       message_id, received_at
FROM {{db}}.events;

INSERT INTO {{db}}.message_ids
SELECT intDiv(toUnixTimestamp64Milli(ifNull(original_timestamp, toDateTime64(0, 3, 'UTC'))), 86400000),
       message_id, received_at
FROM {{db}}.events;

DROP VIEW IF EXISTS {{db}}.event_ids_mv;

DROP TABLE IF EXISTS {{db}}.event_ids;
