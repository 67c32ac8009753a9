-- Activation (docs/activation.md): audience membership history and delivery state.

-- Every audience membership change: one row per (audience, person, seq), seq counting the
-- person's changes in that audience from 1 (odd: entered, even: exited). Rows are written only
-- after their `Audience Entered`/`Audience Exited` event (message_id, derived from audience,
-- person and seq) is durably on the bus, so a crash and a re-run write the same rows again, which
-- the engine collapses. The hashed identifiers are those known when the person entered; an
-- erasure deletes the person's rows (person_id, user_id, anonymous_id).
CREATE TABLE IF NOT EXISTS {{db}}.audience_membership
(
    audience_id  LowCardinality(String),
    person_id    String,
    seq          UInt32,
    change       Enum8('entered' = 1, 'exited' = 2),
    at           DateTime64(3, 'UTC'),
    message_id   String,
    user_id      String,
    anonymous_id String,
    email_sha256 String,
    phone_sha256 String
)
ENGINE = ReplacingMergeTree
ORDER BY (audience_id, person_id, seq);

-- Delivery state per (destination, membership change or trigger firing): the latest version
-- wins. status: delivered, dead (dead-lettered to activation.deadletters), skipped (an exit for a
-- person the destination never received), pending (a replay of a dead letter). It holds no person
-- column: message_id is an opaque hash.
CREATE TABLE IF NOT EXISTS {{db}}.activation_deliveries
(
    destination_id LowCardinality(String),
    message_id     String,
    status         LowCardinality(String),
    attempts       UInt32,
    error          String,
    at             DateTime64(3, 'UTC'),
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (destination_id, message_id);

-- Trigger firings: one row per (trigger, person, cool-down window), the dedup key that makes a
-- trigger fire once per person per cool-down across restarts and instances. The person is the
-- event's user_id, else its anonymous_id (the stream knows no person_id yet); an erasure deletes
-- the rows.
CREATE TABLE IF NOT EXISTS {{db}}.trigger_firings
(
    trigger_id   LowCardinality(String),
    user_id      String,
    anonymous_id String,
    window_start DateTime64(3, 'UTC'),
    message_id   String,
    event_message_id String,
    payload      String,
    fired_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (trigger_id, user_id, anonymous_id, window_start);

-- Who each destination has received, to pass on an erasure (GDPR art. 17(2) and 19): one row per
-- (destination, recipient), recipient_key = SHA-256 of the destination and person id. It holds
-- the suppression keys of the person's id, user id, email and phone (so that a record of
-- privacy.suppressions finds it whichever identifier the erasure named) and the hashed email and
-- phone the destination got, and no person column: an erasure deletes the person's other rows at
-- once, while this row lives until the deletion notice has reached the destination (erased_at).
CREATE TABLE IF NOT EXISTS {{db}}.activation_recipients
(
    destination_id LowCardinality(String),
    recipient_key  String,
    subject_keys   Array(String),
    email_sha256   String,
    phone_sha256   String,
    first_at       DateTime64(3, 'UTC'),
    erased_at      Nullable(DateTime64(3, 'UTC')),
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (destination_id, recipient_key);
