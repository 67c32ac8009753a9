-- Channels in the models (docs/analysts.md, "Channels and stores"). A session's channel is the
-- channel of its first event (see `activity` and `sessions`): web, app, store, or server (a
-- backend's events with no browsing around them). An order belongs to the channel of the session
-- it falls in, so a web shop's order sent by its backend during a visit counts as web.

-- One row per order with its channel and store (store_id of a point-of-sale order, else '').
CREATE OR REPLACE VIEW {{db}}.order_channels AS
SELECT
    o.order_id AS order_id,
    o.person_id AS person_id,
    o.ordered_at AS ordered_at,
    o.revenue AS revenue,
    o.currency AS currency,
    if(s.channel != '', s.channel, o.channel) AS channel,
    if(o.channel = 'store', JSONExtractString(o.properties, 'store_id'), '') AS store_id
FROM {{db}}.orders AS o
LEFT JOIN
(
    SELECT arrayJoin(order_ids) AS order_id, any(channel) AS channel FROM {{db}}.sessions GROUP BY order_id
) AS s ON s.order_id = o.order_id;

-- Daily KPIs per channel (UTC days), with one more row per day for all channels
-- (channel = '(all)'): visitors and visits (sessions with a page or screen; a shop has none
-- unless it sends footfall events), orders, buyers, revenue, avg_basket (revenue / orders).
CREATE OR REPLACE VIEW {{db}}.channel_daily_kpis AS
WITH
traffic AS
(
    SELECT
        d AS day,
        if(grouping(ch) = 1, '(all)', ch) AS channel,
        uniqExact(person_id) AS visitors,
        count() AS visits
    FROM (SELECT toDate(session_start) AS d, channel AS ch, person_id FROM {{db}}.sessions WHERE is_visit)
    GROUP BY GROUPING SETS ((d, ch), (d))
),
commerce AS
(
    SELECT
        d AS day,
        if(grouping(ch) = 1, '(all)', ch) AS channel,
        count() AS orders,
        uniqExact(person_id) AS buyers,
        round(sum(revenue), 2) AS revenue
    FROM (SELECT toDate(ordered_at) AS d, channel AS ch, person_id, revenue FROM {{db}}.order_channels)
    GROUP BY GROUPING SETS ((d, ch), (d))
)
SELECT
    day,
    channel,
    t.visitors AS visitors,
    t.visits AS visits,
    c.orders AS orders,
    c.buyers AS buyers,
    c.revenue AS revenue,
    round(c.revenue / nullIf(c.orders, 0), 2) AS avg_basket,
    round(c.orders / nullIf(t.visits, 0), 4) AS conversion_rate
FROM traffic AS t
FULL OUTER JOIN commerce AS c USING (day, channel);

-- Store-level figures per UTC day: visits (footfall: `Store Visited` events with a store_id,
-- where a shop sends them), orders (receipts), customers (distinct people; an anonymous receipt
-- is a person of its own), revenue, avg_basket, items (units on the receipts' lines).
CREATE OR REPLACE VIEW {{db}}.store_daily_kpis AS
WITH
receipts AS
(
    SELECT
        toDate(oc.ordered_at) AS day,
        oc.store_id AS store_id,
        count() AS orders,
        uniqExact(oc.person_id) AS customers,
        round(sum(oc.revenue), 2) AS revenue,
        sum(ol.items) AS items
    FROM {{db}}.order_channels AS oc
    LEFT JOIN (SELECT order_id, sum(quantity) AS items FROM {{db}}.order_items GROUP BY order_id) AS ol
        ON ol.order_id = oc.order_id
    WHERE oc.store_id != ''
    GROUP BY day, store_id
),
footfall AS
(
    SELECT toDate(timestamp) AS day, JSONExtractString(properties, 'store_id') AS store_id, count() AS visits
    FROM {{db}}.activity
    WHERE type = 'track' AND event = 'Store Visited' AND JSONExtractString(properties, 'store_id') != ''
    GROUP BY day, store_id
)
SELECT
    day,
    store_id,
    f.visits AS visits,
    r.orders AS orders,
    r.customers AS customers,
    r.revenue AS revenue,
    round(r.revenue / nullIf(r.orders, 0), 2) AS avg_basket,
    r.items AS items,
    round(r.orders / nullIf(f.visits, 0), 4) AS conversion_rate
FROM receipts AS r
FULL OUTER JOIN footfall AS f USING (day, store_id);

-- One row per buyer: the channels they bought on, their orders and revenue per channel, and
-- "research online, buy offline" (ROBO): store orders holding a product the person viewed on the
-- web or in the app in the 30 days before.
CREATE OR REPLACE VIEW {{db}}.cross_channel_customers AS
WITH
robo AS
(
    SELECT oi.person_id AS person_id, uniqExact(oi.order_id) AS robo_orders
    FROM {{db}}.order_items AS oi
    INNER JOIN
    (
        SELECT person_id, product_id, timestamp AS viewed_at
        FROM {{db}}.activity
        WHERE type = 'track' AND event = 'Product Viewed' AND channel IN ('web', 'app') AND product_id != ''
    ) AS v ON v.person_id = oi.person_id AND v.product_id = oi.product_id
    WHERE oi.channel = 'store' AND v.viewed_at <= oi.ordered_at AND v.viewed_at >= oi.ordered_at - INTERVAL 30 DAY
    GROUP BY oi.person_id
)
SELECT
    oc.person_id AS person_id,
    arraySort(groupUniqArray(oc.channel)) AS purchase_channels,
    length(purchase_channels) > 1 AS cross_channel,
    count() AS orders,
    countIf(oc.channel = 'web') AS web_orders,
    countIf(oc.channel = 'app') AS app_orders,
    countIf(oc.channel = 'store') AS store_orders,
    round(sum(oc.revenue), 2) AS revenue,
    round(sumIf(oc.revenue, oc.channel = 'web'), 2) AS web_revenue,
    round(sumIf(oc.revenue, oc.channel = 'app'), 2) AS app_revenue,
    round(sumIf(oc.revenue, oc.channel = 'store'), 2) AS store_revenue,
    any(r.robo_orders) AS robo_orders
FROM {{db}}.order_channels AS oc
LEFT JOIN robo AS r ON r.person_id = oc.person_id
GROUP BY oc.person_id;

-- The cross-channel measure in one row: buyers, those who bought on more than one channel, and
-- the ROBO buyers (a store order after viewing one of its products online) and their orders.
CREATE OR REPLACE VIEW {{db}}.cross_channel_summary AS
SELECT
    count() AS buyers,
    countIf(c.cross_channel) AS cross_channel_buyers,
    round(cross_channel_buyers / nullIf(buyers, 0), 4) AS cross_channel_share,
    countIf(has(c.purchase_channels, 'web') AND has(c.purchase_channels, 'store')) AS web_and_store_buyers,
    countIf(c.robo_orders > 0) AS robo_buyers,
    sum(c.robo_orders) AS robo_orders
FROM {{db}}.cross_channel_customers AS c;
