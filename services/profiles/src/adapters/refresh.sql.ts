/**
 * The refresher's SQL (docs/profiles.md): every person touched since the watermark — an event
 * inserted after `from`, or a merge recorded after it — is recomputed from all of their events
 * and upserted. Everything runs inside ClickHouse, in steps that share the run's scratch rows
 * (tagged `run`); nothing but the run id and a timestamp crosses over. `{{db}}` is replaced by
 * the (validated) database name.
 */

/**
 * Step 1: the persons touched since `from` (resolved through person_overrides), each with every
 * stamped person id that maps to it, into the run's scratch rows.
 */
export const COLLECT_PERSONS_SQL = `
INSERT INTO {{db}}.profile_refresh_persons (run_id, stamped_id, pid)
WITH
overrides AS
(
    SELECT old_person_id, argMax(person_id, version) AS person_id, max(inserted_at) AS inserted_at
    FROM {{db}}.person_overrides
    GROUP BY old_person_id
),
touched AS
(
    SELECT DISTINCT if(o.person_id != '', o.person_id, e.person_id) AS pid
    FROM {{db}}.events AS e
    LEFT JOIN overrides AS o ON e.person_id = o.old_person_id
    WHERE e.inserted_at > {from:DateTime64(3)} AND e.person_id != ''
    UNION DISTINCT
    SELECT person_id AS pid FROM overrides WHERE inserted_at > {from:DateTime64(3)}
)
SELECT {run:String}, pid AS stamped_id, pid FROM touched
UNION ALL
SELECT {run:String}, old_person_id AS stamped_id, person_id AS pid
FROM overrides WHERE person_id IN (SELECT pid FROM touched)`

/** Step 2: their events, read once (people's events as `activity` counts them: no bots, nothing Sillage derived). */
export const COLLECT_EVENTS_SQL = `
INSERT INTO {{db}}.profile_refresh_events
SELECT
    {run:String}, s.pid, e.message_id, e.type, e.event, e.timestamp, e.inserted_at, e.session_id,
    e.source_id, e.user_id, e.anonymous_id, e.product_id, e.order_id, e.revenue, e.consent, e.properties, e.traits
FROM {{db}}.events AS e
INNER JOIN (SELECT stamped_id, pid FROM {{db}}.profile_refresh_persons WHERE run_id = {run:String}) AS s
    ON e.person_id = s.stamped_id
WHERE e.person_id IN (SELECT stamped_id FROM {{db}}.profile_refresh_persons WHERE run_id = {run:String})
    AND e.source_id != 'sillage' AND NOT e.is_bot`

/**
 * The run's persons and their identifiers in stored form: identity's `identities` rows (the latest
 * version of each identifier that names one of them) and, for identifiers identity has not
 * written there (one-identifier people never reach its resolver), those their events carry:
 * userId, anonymousId, and the email, phone and loyalty card of identify traits or properties as
 * the collector stored them (a SHA-256 digest for email and phone; a raw email is normalised and
 * hashed as identity does). Identity's blocked values are left out.
 */
const RUN = `
stamped AS
(
    SELECT stamped_id, pid FROM {{db}}.profile_refresh_persons WHERE run_id = {run:String}
),
ev_ids AS
(
    SELECT DISTINCT person_id AS pid, t.1 AS id_type, t.2 AS id_value
    FROM
    (
        SELECT person_id, [
            ('user_id', trim(user_id)),
            ('anonymous_id', trim(anonymous_id)),
            ('email', multiIf(
                match(JSONExtractString(traits, 'email'), '^[0-9a-fA-F]{64}$'), lower(JSONExtractString(traits, 'email')),
                match(trim(JSONExtractString(traits, 'email')), '^[^[:space:]@]+@[^[:space:]@]+[.][^[:space:]@]+$'),
                    lower(hex(SHA256(lower(trim(JSONExtractString(traits, 'email')))))),
                '')),
            ('phone', if(match(JSONExtractString(traits, 'phone'), '^[0-9a-fA-F]{64}$'), lower(JSONExtractString(traits, 'phone')), '')),
            ('loyalty_card', trim(multiIf(
                JSONExtractString(traits, 'loyalty_card') != '', JSONExtractString(traits, 'loyalty_card'),
                JSONExtractString(traits, 'loyaltyCard') != '', JSONExtractString(traits, 'loyaltyCard'),
                JSONExtractString(properties, 'loyalty_card') != '', JSONExtractString(properties, 'loyalty_card'),
                JSONExtractString(properties, 'loyaltyCard'))))
        ] AS candidates
        FROM {{db}}.profile_refresh_events
        WHERE run_id = {run:String}
    )
    ARRAY JOIN candidates AS t
    WHERE t.2 != '' AND lower(t.2) NOT IN ('null', 'undefined', 'anonymous', '0', '-1', '[object object]', 'none', 'nil', 'nan')
),
known AS
(
    SELECT id_type, id_value, argMax(person_id, version) AS stamped_id
    FROM {{db}}.identities
    WHERE (id_type, id_value) IN
        (SELECT id_type, id_value FROM {{db}}.identities WHERE person_id IN (SELECT stamped_id FROM stamped))
        OR (id_type, id_value) IN (SELECT id_type, id_value FROM ev_ids)
    GROUP BY id_type, id_value
),
person_ids AS
(
    SELECT s.pid AS pid, k.id_type AS id_type, k.id_value AS id_value
    FROM known AS k INNER JOIN stamped AS s ON s.stamped_id = k.stamped_id
    UNION DISTINCT
    SELECT pid, id_type, id_value FROM ev_ids
    WHERE (id_type, id_value) NOT IN (SELECT id_type, id_value FROM known)
)`

/** Step 3, the lookup index: every identifier of a touched person, and its person ids, old ones included. */
export const REFRESH_IDENTIFIERS_SQL = `
INSERT INTO {{db}}.profile_identifiers (id_key, person_id, updated_at)
WITH ${RUN}
SELECT concat(id_type, ':', id_value) AS id_key, pid AS person_id, now64(3) AS updated_at
FROM person_ids
UNION ALL
SELECT concat('person_id:', stamped_id), pid, now64(3) FROM stamped`

/** Step 5: the run's scratch rows go. */
export const CLEAN_RUN_SQL = [
  `ALTER TABLE {{db}}.profile_refresh_persons DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
  `ALTER TABLE {{db}}.profile_refresh_events DELETE WHERE run_id = {run:String} SETTINGS mutations_sync = 1`,
]

/** Step 4: the profiles of the run's persons, from their scratch events. */
export const REFRESH_PROFILES_SQL = `
INSERT INTO {{db}}.profiles
WITH ${RUN},
ev AS
(
    SELECT * EXCEPT run_id FROM {{db}}.profile_refresh_events WHERE run_id = {run:String}
),
base AS
(
    SELECT
        person_id,
        max(inserted_at) AS max_inserted_at,
        arraySort(groupUniqArray(source_id)) AS source_ids,
        min(timestamp) AS first_seen,
        max(timestamp) AS last_seen,
        argMaxIf(
            if(event = 'Consent Updated' AND JSONHas(properties, 'categories'),
                JSONExtract(properties, 'categories', 'Array(String)'),
                JSONExtract(consent, 'categories', 'Array(String)')),
            (timestamp, message_id),
            (type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories')) AS consent_categories,
        argMaxIf(
            multiIf(
                JSONExtractString(properties, 'policyVersion') != '', JSONExtractString(properties, 'policyVersion'),
                JSONExtractString(properties, 'policy_version') != '', JSONExtractString(properties, 'policy_version'),
                JSONExtractString(consent, 'policyVersion')),
            (timestamp, message_id),
            (type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories')) AS consent_policy_version,
        if(countIf((type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories')) > 0,
            maxIf(timestamp, (type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories')),
            NULL) AS consent_updated_at,
        arraySort(groupArrayIf(timestamp, type IN ('page', 'screen') AND timestamp >= now64(3) - INTERVAL 30 DAY)) AS page_view_times,
        maxIf((timestamp, message_id), type = 'track' AND event = 'Order Completed') AS last_order_key
    FROM ev
    GROUP BY person_id
),
trait_values AS
(
    SELECT person_id, kv.1 AS key, argMax(kv.2, timestamp) AS value, max(timestamp) AS updated_at
    FROM ev
    ARRAY JOIN JSONExtractKeysAndValuesRaw(traits) AS kv
    WHERE type = 'identify'
    GROUP BY person_id, key
),
trait_rows AS
(
    SELECT
        person_id,
        concat('{', arrayStringConcat(arraySort(groupArray(concat(toJSONString(key), ':', value))), ','), '}') AS traits,
        concat('{', arrayStringConcat(arraySort(groupArray(concat(toJSONString(key), ':',
            toJSONString(formatDateTime(updated_at, '%Y-%m-%dT%H:%i:%S.%fZ'))))), ','), '}') AS traits_updated_at
    FROM trait_values
    GROUP BY person_id
),
visits AS
(
    SELECT person_id, arraySort(groupArrayIf(session_start, pages > 0 AND session_start >= now64(3) - INTERVAL 30 DAY)) AS session_starts
    FROM
    (
        SELECT person_id, session_number, min(timestamp) AS session_start, countIf(type IN ('page', 'screen')) AS pages
        FROM
        (
            SELECT person_id, timestamp, type,
                sum(is_new) OVER (PARTITION BY person_id ORDER BY timestamp, message_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_number
            FROM
            (
                SELECT person_id, timestamp, type, message_id,
                    if(prev_ts IS NULL
                        OR toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(assumeNotNull(prev_ts)) > 30 * 60000
                        OR (session_id != '' AND prev_sid IS NOT NULL AND session_id != prev_sid), 1, 0) AS is_new
                FROM
                (
                    SELECT person_id, timestamp, type, message_id, session_id,
                        lagInFrame(toNullable(timestamp)) OVER (PARTITION BY person_id ORDER BY timestamp, message_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS prev_ts,
                        last_value(nullIf(session_id, '')) OVER (PARTITION BY person_id ORDER BY timestamp, message_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_sid
                    FROM ev
                )
            )
        )
        GROUP BY person_id, session_number
    )
    GROUP BY person_id
),
cart_lines AS
(
    SELECT
        c.person_id AS person_id,
        c.product_id AS product_id,
        sum(if(c.event = 'Product Added', 1, -1)
            * if(JSONHas(c.properties, 'quantity'), JSONExtractFloat(c.properties, 'quantity'), 1)) AS quantity,
        argMaxIf(JSONExtractString(c.properties, 'sku'), c.timestamp, c.event = 'Product Added') AS sku,
        argMaxIf(JSONExtractString(c.properties, 'name'), c.timestamp, c.event = 'Product Added') AS name,
        argMaxIf(JSONExtractString(c.properties, 'category'), c.timestamp, c.event = 'Product Added') AS category,
        argMaxIf(JSONExtractFloat(c.properties, 'price'), c.timestamp, c.event = 'Product Added') AS price,
        max(c.timestamp) AS changed_at
    FROM ev AS c
    INNER JOIN base AS b ON b.person_id = c.person_id
    WHERE c.type = 'track' AND c.event IN ('Product Added', 'Product Removed') AND c.product_id != ''
        AND (c.timestamp, c.message_id) > b.last_order_key
    GROUP BY c.person_id, c.product_id
),
carts AS
(
    SELECT
        person_id,
        arraySort(x -> x.1, groupArrayIf((product_id, sku, name, category, price, quantity), quantity > 0)) AS cart,
        max(changed_at) AS cart_updated_at
    FROM cart_lines
    GROUP BY person_id
),
person_orders AS
(
    SELECT
        person_id,
        order_id,
        min(timestamp) AS ordered_at,
        round(argMin(ifNull(revenue, 0), (timestamp, message_id)), 2) AS revenue,
        argMin(properties, (timestamp, message_id)) AS properties
    FROM ev
    WHERE type = 'track' AND event = 'Order Completed' AND order_id != ''
    GROUP BY person_id, order_id
),
order_totals AS
(
    SELECT
        person_id,
        toUInt32(count()) AS orders,
        round(sum(revenue), 2) AS revenue,
        min(ordered_at) AS first_order_at,
        max(ordered_at) AS last_order_at,
        argMax(order_id, (ordered_at, order_id)) AS last_order_id
    FROM person_orders
    GROUP BY person_id
),
bought_products AS
(
    SELECT person_id, arraySort(x -> x.1, groupArray((product_id, last_bought_at))) AS bought
    FROM
    (
        SELECT person_id,
            if(JSONExtractString(p, 'product_id') != '', JSONExtractString(p, 'product_id'), JSONExtractString(p, 'id')) AS product_id,
            max(ordered_at) AS last_bought_at
        FROM person_orders
        ARRAY JOIN JSONExtractArrayRaw(properties, 'products') AS p
        GROUP BY person_id, product_id
        HAVING product_id != ''
    )
    GROUP BY person_id
),
viewed_products AS
(
    SELECT person_id, arraySort(x -> x.1, groupArray((product_id, last_viewed_at))) AS viewed
    FROM
    (
        SELECT person_id, product_id, max(timestamp) AS last_viewed_at
        FROM ev
        WHERE type = 'track' AND event = 'Product Viewed' AND product_id != '' AND timestamp >= now64(3) - INTERVAL 30 DAY
        GROUP BY person_id, product_id
    )
    GROUP BY person_id
),
idents AS
(
    SELECT pid AS person_id, arraySort(groupUniqArray((id_type, id_value))) AS identifiers
    FROM person_ids
    GROUP BY person_id
)
SELECT
    b.person_id AS person_id,
    now64(3) AS computed_at,
    b.max_inserted_at AS max_inserted_at,
    b.source_ids AS source_ids,
    id.identifiers AS identifiers,
    b.first_seen AS first_seen,
    b.last_seen AS last_seen,
    if(t.traits = '', '{}', t.traits) AS traits,
    if(t.traits_updated_at = '', '{}', t.traits_updated_at) AS traits_updated_at,
    b.consent_categories AS consent_categories,
    b.consent_policy_version AS consent_policy_version,
    b.consent_updated_at AS consent_updated_at,
    v.session_starts AS session_starts,
    b.page_view_times AS page_view_times,
    c.cart AS cart,
    if(c.person_id = '', NULL, c.cart_updated_at) AS cart_updated_at,
    vp.viewed AS viewed,
    bp.bought AS bought,
    o.orders AS orders,
    o.revenue AS revenue,
    if(o.orders > 0, o.first_order_at, NULL) AS first_order_at,
    if(o.orders > 0, o.last_order_at, NULL) AS last_order_at,
    o.last_order_id AS last_order_id
FROM base AS b
LEFT JOIN trait_rows AS t ON t.person_id = b.person_id
LEFT JOIN visits AS v ON v.person_id = b.person_id
LEFT JOIN carts AS c ON c.person_id = b.person_id
LEFT JOIN order_totals AS o ON o.person_id = b.person_id
LEFT JOIN bought_products AS bp ON bp.person_id = b.person_id
LEFT JOIN viewed_products AS vp ON vp.person_id = b.person_id
LEFT JOIN idents AS id ON id.person_id = b.person_id`
