/**
 * The refresher's SQL (docs/profiles.md): every person touched since the watermark — an event
 * inserted after `from`, or a merge recorded after it — is recomputed from all of their events
 * and upserted. Everything runs inside ClickHouse; nothing but the two timestamps crosses over.
 * `{{db}}` is replaced by the (validated) database name.
 */

/** Persons touched since `from` (resolved), and every stamped person id that maps to each. */
const TOUCHED = `
overrides AS
(
    SELECT old_person_id, argMax(person_id, version) AS person_id, max(created_at) AS created_at
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
    SELECT person_id AS pid FROM overrides WHERE created_at > {from:DateTime64(3)}
),
stamped AS
(
    SELECT pid AS stamped_id, pid FROM touched
    UNION ALL
    SELECT old_person_id AS stamped_id, person_id AS pid FROM overrides WHERE person_id IN (SELECT pid FROM touched)
)`

/** The lookup index: every identifier of a touched person, and its person ids, old ones included. */
export const REFRESH_IDENTIFIERS_SQL = `
INSERT INTO {{db}}.profile_identifiers (id_key, person_id, updated_at)
WITH ${TOUCHED},
ids AS
(
    SELECT id_type, id_value, argMax(person_id, version) AS stamped_id
    FROM {{db}}.identities
    GROUP BY id_type, id_value
)
SELECT concat(i.id_type, ':', i.id_value) AS id_key, s.pid AS person_id, now64(3) AS updated_at
FROM ids AS i
INNER JOIN stamped AS s ON s.stamped_id = i.stamped_id
UNION ALL
SELECT concat('person_id:', stamped_id), pid, now64(3) FROM stamped`

/**
 * The profiles of touched persons. People's events as `activity` counts them (no bots, nothing
 * Sillage derived itself), attributed to the resolved person.
 */
export const REFRESH_PROFILES_SQL = `
INSERT INTO {{db}}.profiles
WITH ${TOUCHED},
ev AS
(
    SELECT
        s.pid AS person_id, e.message_id AS message_id, e.type AS type, e.event AS event,
        e.timestamp AS timestamp, e.inserted_at AS inserted_at, e.session_id AS session_id,
        e.source_id AS source_id, e.product_id AS product_id, e.order_id AS order_id,
        e.revenue AS revenue, e.consent AS consent, e.properties AS properties, e.traits AS traits
    FROM {{db}}.events AS e
    INNER JOIN stamped AS s ON e.person_id = s.stamped_id
    WHERE e.person_id IN (SELECT stamped_id FROM stamped) AND e.source_id != 'sillage' AND NOT e.is_bot
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
    SELECT s.pid AS person_id, arraySort(groupUniqArray((i.id_type, i.id_value))) AS identifiers
    FROM
    (
        SELECT id_type, id_value, argMax(person_id, version) AS stamped_id
        FROM {{db}}.identities
        GROUP BY id_type, id_value
    ) AS i
    INNER JOIN stamped AS s ON s.stamped_id = i.stamped_id
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
