-- Profiles (docs/profiles.md): a key-value store kept by services/profiles, read by point lookups.
-- EmbeddedRocksDB: a row per key, an insert of an existing key replaces it (an upsert), and a
-- lookup by key is a RocksDB get, in chDB as on a ClickHouse server. Every table here is derived
-- from events and the models, so it can be dropped and rebuilt by the profiles jobs.

-- The refresher scans events inserted since its watermark: inserted_at grows with each insert,
-- so a minmax index prunes every older granule.
ALTER TABLE {{db}}.events ADD INDEX IF NOT EXISTS idx_inserted_at inserted_at TYPE minmax GRANULARITY 1;

-- …and the merges recorded since (created_at is the merging event's time, which may be old):
-- inserted_at is set by ClickHouse at insert, and written once for the rows already there.
ALTER TABLE {{db}}.person_overrides ADD COLUMN IF NOT EXISTS inserted_at DateTime64(3, 'UTC') DEFAULT now64(3);
ALTER TABLE {{db}}.person_overrides MATERIALIZE COLUMN inserted_at SETTINGS mutations_sync = 1;

-- …and reads the events of the persons it recomputes: a bloom filter on person_id skips the
-- granules that hold none of them.
ALTER TABLE {{db}}.events ADD INDEX IF NOT EXISTS idx_person_id person_id TYPE bloom_filter(0.01) GRANULARITY 1;

-- Scratch tables of one refresh run (rows tagged with the run, deleted at its end): the persons it
-- recomputes and their events, read once from events and then aggregated many ways.
CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_persons
(
    run_id     String,
    stamped_id String,
    pid        String
)
ENGINE = Memory;

CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_events
(
    run_id      String,
    person_id   String,
    message_id  String,
    type        String,
    event       String,
    timestamp   DateTime64(3, 'UTC'),
    inserted_at DateTime64(3, 'UTC'),
    session_id  String,
    source_id   String,
    user_id     String,
    anonymous_id String,
    product_id  String,
    order_id    String,
    revenue     Nullable(Float64),
    consent     String,
    properties  String,
    traits      String
)
ENGINE = Memory;

-- One row per person (resolved through person_overrides): identity, traits, consent and the raw
-- material of the stream attributes (timestamps kept, so that windows are cut at read time).
CREATE TABLE IF NOT EXISTS {{db}}.profiles
(
    person_id              String,
    computed_at            DateTime64(3, 'UTC'),
    max_inserted_at        DateTime64(3, 'UTC'),
    source_ids             Array(String),
    identifiers            Array(Tuple(id_type String, id_value String)),
    first_seen             DateTime64(3, 'UTC'),
    last_seen              DateTime64(3, 'UTC'),
    traits                 String,
    traits_updated_at      String,
    consent_categories     Array(String),
    consent_policy_version String,
    consent_updated_at     Nullable(DateTime64(3, 'UTC')),
    session_starts         Array(DateTime64(3, 'UTC')),
    page_view_times        Array(DateTime64(3, 'UTC')),
    cart                   Array(Tuple(product_id String, sku String, name String, category String, price Float64, quantity Float64)),
    cart_updated_at        Nullable(DateTime64(3, 'UTC')),
    viewed                 Array(Tuple(product_id String, last_viewed_at DateTime64(3, 'UTC'))),
    bought                 Array(Tuple(product_id String, last_bought_at DateTime64(3, 'UTC'))),
    orders                 UInt32,
    revenue                Float64,
    first_order_at         Nullable(DateTime64(3, 'UTC')),
    last_order_at          Nullable(DateTime64(3, 'UTC')),
    last_order_id          String
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY person_id;

-- '<id_type>:<stored value>' -> person: the lookup index (user_id, anonymous_id, email and phone
-- as SHA-256, loyalty_card, person_id itself and every person id merged into it).
CREATE TABLE IF NOT EXISTS {{db}}.profile_identifiers
(
    id_key     String,
    person_id  String,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY id_key;

-- Scored attributes, one row per person, rewritten by the scoring job.
CREATE TABLE IF NOT EXISTS {{db}}.profile_scores
(
    person_id        String,
    as_of            DateTime64(3, 'UTC'),
    rfm_segment      String,
    rfm_cell         String,
    previous_segment String,
    segment_since    DateTime64(3, 'UTC'),
    propensity_30d   Nullable(Float64),
    propensity_decile Nullable(UInt8)
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY person_id;

-- Item-to-item recommendations per product; the row of product_id '*' holds the popularity list.
CREATE TABLE IF NOT EXISTS {{db}}.product_recommendations
(
    product_id      String,
    as_of           DateTime64(3, 'UTC'),
    bought_together Array(Tuple(product_id String, orders UInt64)),
    viewed_together Array(Tuple(product_id String, sessions UInt64))
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY product_id;

-- The jobs' watermarks (name -> value), so that a restart resumes where it stopped.
CREATE TABLE IF NOT EXISTS {{db}}.profile_state
(
    name  String,
    value DateTime64(3, 'UTC')
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY name;
