-- Carts left behind, revised: a `Checkout Started` now suppresses the `Cart Abandoned` event like an
-- order does. The issue's rule: a person's cart holds items and no checkout or order follows within
-- the window (of inactivity). 0023_carts.sql let a checkout through and flagged it with
-- checkout_started; migrations are append-only (applied versions are never re-run), so this one
-- replaces both views. The window, the lookback, the messageId scheme and the items/value are
-- unchanged.
--
-- A person's activity is cut into bursts: events less than `window_minutes` apart. A cart is
-- what Product Added / Product Removed put in it since the person's last Order Completed (any
-- channel: an order closes the cart). A burst leaves an abandoned cart when, after its last
-- order, it holds a Product Added, the cart still holds items when the burst ends, and no
-- Checkout Started follows the cart's last change (Product Added / Product Removed) in the
-- burst. So an order or a checkout arriving within the window (same burst) suppresses it; a cart
-- changed after a checkout and then left is abandoned. Only events with timestamp >= `since`
-- count. abandonment_message_id derives from the burst's first add after its last order, so a
-- re-run gives the same id.
CREATE OR REPLACE VIEW {{db}}.cart_episodes AS
WITH
ordered AS
(
    SELECT
        person_id, message_id, timestamp, received_at, event, user_id, anonymous_id, product_id,
        properties,
        lagInFrame(toNullable(timestamp)) OVER w AS prev_ts,
        countIf(event = 'Order Completed') OVER w AS lifecycle
    FROM {{db}}.activity
    WHERE timestamp >= {since:DateTime64(3)}
    WINDOW w AS (PARTITION BY person_id ORDER BY timestamp, message_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
bursts AS
(
    SELECT
        *,
        sum(if(prev_ts IS NULL
                OR toUnixTimestamp64Milli(timestamp) - toUnixTimestamp64Milli(assumeNotNull(prev_ts))
                    > {window_minutes:UInt32} * 60000, 1, 0))
            OVER (PARTITION BY person_id ORDER BY timestamp, message_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS burst
    FROM ordered
),
open_bursts AS
(
    SELECT
        person_id,
        burst,
        any(burst_lifecycle) AS open_lifecycle,
        min(timestamp) AS started_at,
        max(timestamp) AS last_activity_at,
        max(received_at) AS last_received_at,
        argMinIf(message_id, (timestamp, message_id), event = 'Product Added' AND lifecycle = burst_lifecycle) AS trigger_message_id,
        argMaxIf(user_id, (timestamp, message_id), user_id != '') AS user_id,
        argMaxIf(anonymous_id, (timestamp, message_id), anonymous_id != '') AS anonymous_id
    FROM
    (
        SELECT *, max(lifecycle) OVER (PARTITION BY person_id, burst) AS burst_lifecycle FROM bursts
    )
    GROUP BY person_id, burst
    HAVING countIf(event = 'Product Added' AND lifecycle = burst_lifecycle) > 0
        -- No Checkout Started after the cart's last change: (timestamp, message_id) orders events
        -- as the windows above do; maxIf over no row gives the smallest tuple.
        AND maxIf((timestamp, message_id), event = 'Checkout Started' AND lifecycle = burst_lifecycle)
            < maxIf((timestamp, message_id),
                event IN ('Product Added', 'Product Removed') AND product_id != '' AND lifecycle = burst_lifecycle)
),
lines AS
(
    SELECT
        b.person_id AS person_id,
        b.burst AS burst,
        c.product_id AS product_id,
        sum(if(c.event = 'Product Added', 1, -1)
            * if(JSONHas(c.properties, 'quantity'), JSONExtractFloat(c.properties, 'quantity'), 1)) AS quantity,
        argMaxIf(JSONExtractString(c.properties, 'sku'), c.timestamp, c.event = 'Product Added') AS sku,
        argMaxIf(JSONExtractString(c.properties, 'name'), c.timestamp, c.event = 'Product Added') AS name,
        argMaxIf(JSONExtractString(c.properties, 'category'), c.timestamp, c.event = 'Product Added') AS category,
        argMaxIf(JSONExtractString(c.properties, 'brand'), c.timestamp, c.event = 'Product Added') AS brand,
        argMaxIf(JSONExtractFloat(c.properties, 'price'), c.timestamp, c.event = 'Product Added') AS price,
        argMaxIf(JSONExtractString(c.properties, 'cart_id'), c.timestamp, c.event = 'Product Added') AS cart_id,
        argMaxIf(JSONExtractString(c.properties, 'currency'), c.timestamp, c.event = 'Product Added') AS currency
    FROM open_bursts AS b
    INNER JOIN
    (
        SELECT person_id, lifecycle, timestamp, event, product_id, properties
        FROM ordered
        WHERE event IN ('Product Added', 'Product Removed') AND product_id != ''
    ) AS c ON c.person_id = b.person_id AND c.lifecycle = b.open_lifecycle
    WHERE c.timestamp <= b.last_activity_at
    GROUP BY b.person_id, b.burst, c.product_id
    HAVING quantity > 0
)
SELECT
    b.person_id AS person_id,
    b.user_id AS user_id,
    b.anonymous_id AS anonymous_id,
    b.started_at AS started_at,
    b.last_activity_at AS last_activity_at,
    b.last_received_at AS last_received_at,
    b.last_activity_at + toIntervalMinute({window_minutes:UInt32}) AS abandoned_at,
    b.trigger_message_id AS trigger_message_id,
    concat('ca-', substring(lower(hex(SHA256(b.trigger_message_id))), 1, 32)) AS abandonment_message_id,
    argMax(l.cart_id, l.cart_id != '') AS cart_id,
    arraySort(x -> x.1, groupArray((l.product_id, l.sku, l.name, l.category, l.brand, l.price, l.quantity))) AS products,
    round(sum(l.price * l.quantity), 2) AS value,
    sum(l.quantity) AS item_count,
    if(argMax(l.currency, l.currency != '') != '', argMax(l.currency, l.currency != ''), 'EUR') AS currency
FROM open_bursts AS b
INNER JOIN lines AS l ON l.person_id = b.person_id AND l.burst = b.burst
GROUP BY
    b.person_id, b.burst, b.user_id, b.anonymous_id, b.started_at, b.last_activity_at, b.last_received_at,
    b.trigger_message_id;

-- The Cart Abandoned events (one per abandoned cart, see cart_episodes), with the cart's lines,
-- and whether the person ordered within 7 days after (recovered). Reads events_resolved, not
-- activity: these events are Sillage's own (source_id 'sillage'), or a shop's that sends them.
CREATE OR REPLACE VIEW {{db}}.abandoned_carts AS
WITH carts AS
(
    SELECT
        message_id,
        person_id,
        user_id,
        source_id,
        timestamp AS abandoned_at,
        parseDateTime64BestEffortOrNull(JSONExtractString(properties, 'last_activity_at'), 3, 'UTC') AS last_activity_at,
        JSONExtractString(properties, 'cart_id') AS cart_id,
        JSONExtractFloat(properties, 'value') AS value,
        currency,
        JSONExtractFloat(properties, 'item_count') AS item_count,
        JSONExtract(properties, 'products',
            'Array(Tuple(product_id String, sku String, name String, category String, price Float64, quantity Float64))') AS products
    FROM {{db}}.events_resolved
    WHERE type = 'track' AND event = 'Cart Abandoned'
)
SELECT
    c.message_id AS message_id,
    c.person_id AS person_id,
    any(c.user_id) AS user_id,
    any(c.source_id) AS source_id,
    c.abandoned_at AS abandoned_at,
    any(c.last_activity_at) AS last_activity_at,
    any(c.cart_id) AS cart_id,
    any(c.value) AS value,
    any(c.currency) AS currency,
    any(c.item_count) AS item_count,
    any(c.products) AS products,
    countIf(o.ordered_at > c.abandoned_at AND o.ordered_at <= c.abandoned_at + INTERVAL 7 DAY) > 0 AS recovered,
    argMinIf(o.order_id, o.ordered_at, o.ordered_at > c.abandoned_at AND o.ordered_at <= c.abandoned_at + INTERVAL 7 DAY) AS recovered_order_id,
    if(recovered, minIf(o.ordered_at, o.ordered_at > c.abandoned_at AND o.ordered_at <= c.abandoned_at + INTERVAL 7 DAY), NULL) AS recovered_at,
    round(argMinIf(o.revenue, o.ordered_at, o.ordered_at > c.abandoned_at AND o.ordered_at <= c.abandoned_at + INTERVAL 7 DAY), 2) AS recovered_revenue
FROM carts AS c
LEFT JOIN
(
    SELECT order_id, person_id, ordered_at, revenue FROM {{db}}.orders
) AS o ON o.person_id = c.person_id
GROUP BY c.message_id, c.person_id, c.abandoned_at;
