-- Incremental profiles (docs/profiles.md#freshness): the refresher folds the events inserted since
-- its watermark into one state row per person, instead of recomputing each touched person from all
-- of their history. Every part of the state merges idempotently (a union keyed by message_id,
-- order_id, trait key or product), so re-reading an event (the overlap, a retried run) or merging
-- two persons' states never counts anything twice. The profile row (0050) is computed from it.

CREATE TABLE IF NOT EXISTS {{db}}.profile_folds
(
    person_id              String,
    folded_at              DateTime64(3, 'UTC'),
    max_inserted_at        DateTime64(3, 'UTC'),
    source_ids             Array(String),
    -- identifiers the person's events carry (userId, anonymousId, traits' email/phone/loyalty card)
    event_ids              Array(Tuple(id_type String, id_value String)),
    first_seen             DateTime64(3, 'UTC'),
    last_seen              DateTime64(3, 'UTC'),
    -- per trait key: the latest identify's raw JSON value and its time
    traits                 Array(Tuple(key String, value String, updated_at DateTime64(3, 'UTC'))),
    -- the latest event stating consent, (timestamp, message_id); (epoch, '') = none
    consent_key            Tuple(at DateTime64(3, 'UTC'), message_id String),
    consent_categories     Array(String),
    consent_policy_version String,
    -- every event of the last 31 days (sessions and page views are cut from it): 30 days of window
    -- plus a day, so that the event before any in-window event is here or more than a day older
    timeline               Array(Tuple(ts DateTime64(3, 'UTC'), message_id String, session_id String, page UInt8)),
    -- the latest event dropped from the timeline that had an SDK session id (a session id change
    -- is compared with the last one seen, however old)
    horizon_sid            Tuple(ts DateTime64(3, 'UTC'), message_id String, session_id String),
    -- the latest Order Completed, (timestamp, message_id): it closes the cart
    last_order_key         Tuple(ts DateTime64(3, 'UTC'), message_id String),
    -- per order_id its first Order Completed
    orders                 Array(Tuple(order_id String, ordered_at DateTime64(3, 'UTC'), message_id String, revenue Float64, products Array(String))),
    -- Product Added (quantity > 0 side) and Removed events after last_order_key
    cart_events            Array(Tuple(ts DateTime64(3, 'UTC'), message_id String, product_id String, quantity Float64, sku String, name String, category String, price Float64, added UInt8)),
    -- per product its latest view, the last 30 days
    viewed                 Array(Tuple(product_id String, last_viewed_at DateTime64(3, 'UTC')))
)
ENGINE = EmbeddedRocksDB
PRIMARY KEY person_id;

-- A refresh run's folds (its persons' stored states and the delta's), merged into profile_folds.
CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_folds
(
    run_id                 String,
    person_id              String,
    folded_at              DateTime64(3, 'UTC'),
    max_inserted_at        DateTime64(3, 'UTC'),
    source_ids             Array(String),
    event_ids              Array(Tuple(id_type String, id_value String)),
    first_seen             DateTime64(3, 'UTC'),
    last_seen              DateTime64(3, 'UTC'),
    traits                 Array(Tuple(key String, value String, updated_at DateTime64(3, 'UTC'))),
    consent_key            Tuple(at DateTime64(3, 'UTC'), message_id String),
    consent_categories     Array(String),
    consent_policy_version String,
    timeline               Array(Tuple(ts DateTime64(3, 'UTC'), message_id String, session_id String, page UInt8)),
    horizon_sid            Tuple(ts DateTime64(3, 'UTC'), message_id String, session_id String),
    last_order_key         Tuple(ts DateTime64(3, 'UTC'), message_id String),
    orders                 Array(Tuple(order_id String, ordered_at DateTime64(3, 'UTC'), message_id String, revenue Float64, products Array(String))),
    cart_events            Array(Tuple(ts DateTime64(3, 'UTC'), message_id String, product_id String, quantity Float64, sku String, name String, category String, price Float64, added UInt8)),
    viewed                 Array(Tuple(product_id String, last_viewed_at DateTime64(3, 'UTC')))
)
ENGINE = Memory;

-- A refresh run's persons' identifiers (stored form), written once, read by the index and the profiles.
CREATE TABLE IF NOT EXISTS {{db}}.profile_refresh_ids
(
    run_id   String,
    pid      String,
    id_type  String,
    id_value String
)
ENGINE = Memory;

-- Profiles built before the folds existed have no state: the next refresh rebuilds every profile.
DELETE FROM {{db}}.profile_state WHERE name = 'refresh';
