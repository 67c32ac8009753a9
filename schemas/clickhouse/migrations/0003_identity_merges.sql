-- The audit of identity decisions, one row per link the resolver decided (docs/identity.md):
-- merge (two persons became one), attach (one identifier joined a person; with a non-empty
-- other_person_id and reason shared_device it moved out of that person), refuse (why not).
-- merge_id is the causing event's source position and link index, so a replay rewrites the same
-- rows. Identifier values are as stored in identities (emails and phones hashed).
CREATE TABLE IF NOT EXISTS {{db}}.identity_merges
(
    merge_id         String,
    decision         LowCardinality(String),
    reason           LowCardinality(String),
    person_id        String,
    other_person_id  String,
    id_type          LowCardinality(String),
    id_value         String,
    other_id_type    LowCardinality(String),
    other_id_value   String,
    limit_type       LowCardinality(String),
    message_id       String,
    source_topic     LowCardinality(String),
    source_partition UInt32,
    source_offset    UInt64,
    event_timestamp  DateTime64(3, 'UTC'),
    version          UInt64,
    created_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY merge_id
SETTINGS non_replicated_deduplication_window = 1000;
