-- Daily KPIs per traffic source (the session's `source`), with one more row per day for all
-- sources together (source = '(all)'). Days are UTC days of the session's start.
-- Traffic (visits: sessions with a page or screen): visitors (distinct people), sessions,
-- bounce_rate, conversion_rate (visits with an order), add_to_cart_rate (visits with a
-- Product Added), cart_abandonment_rate (visits with an add and no order, over visits with an
-- add). Commerce (every order, including shops' and backends', attributed to the day and source
-- of the session it belongs to): orders, revenue, avg_basket (panier moyen: revenue / orders),
-- items_per_order, new_customers (people whose first order ever was that day) and
-- returning_customers (people who ordered that day and had ordered before).
CREATE OR REPLACE VIEW {{db}}.daily_kpis AS
WITH
first_orders AS
(
    SELECT person_id, min(toDate(ordered_at)) AS first_order_day FROM {{db}}.orders GROUP BY person_id
),
order_lines AS
(
    SELECT order_id, sum(quantity) AS items FROM {{db}}.order_items GROUP BY order_id
),
session_orders AS
(
    SELECT toDate(session_start) AS day, source AS src, arrayJoin(order_ids) AS order_id
    FROM {{db}}.sessions
),
commerce AS
(
    SELECT
        so.day AS day,
        if(grouping(so.src) = 1, '(all)', so.src) AS source,
        count() AS orders,
        round(sum(o.revenue), 2) AS revenue,
        sum(ol.items) AS items,
        uniqExactIf(o.person_id, f.first_order_day = so.day) AS new_customers,
        uniqExactIf(o.person_id, f.first_order_day < so.day) AS returning_customers
    FROM session_orders AS so
    INNER JOIN {{db}}.orders AS o ON o.order_id = so.order_id
    LEFT JOIN order_lines AS ol ON ol.order_id = so.order_id
    INNER JOIN first_orders AS f ON f.person_id = o.person_id
    GROUP BY GROUPING SETS ((so.day, so.src), (so.day))
),
traffic AS
(
    SELECT
        d AS day,
        if(grouping(src) = 1, '(all)', src) AS source,
        uniqExact(person_id) AS visitors,
        count() AS sessions,
        countIf(bounced) AS bounces,
        countIf(converted) AS converted_sessions,
        countIf(added_to_cart) AS cart_sessions,
        countIf(added_to_cart AND NOT converted) AS abandoned_cart_sessions
    FROM
    (
        SELECT toDate(session_start) AS d, source AS src, person_id, bounced, converted, added_to_cart
        FROM {{db}}.sessions
        WHERE is_visit
    )
    GROUP BY GROUPING SETS ((d, src), (d))
)
SELECT
    day,
    source,
    t.visitors AS visitors,
    t.sessions AS sessions,
    round(t.bounces / nullIf(t.sessions, 0), 4) AS bounce_rate,
    round(t.converted_sessions / nullIf(t.sessions, 0), 4) AS conversion_rate,
    round(t.cart_sessions / nullIf(t.sessions, 0), 4) AS add_to_cart_rate,
    round(t.abandoned_cart_sessions / nullIf(t.cart_sessions, 0), 4) AS cart_abandonment_rate,
    c.orders AS orders,
    c.revenue AS revenue,
    round(c.revenue / nullIf(c.orders, 0), 2) AS avg_basket,
    round(c.items / nullIf(c.orders, 0), 2) AS items_per_order,
    c.new_customers AS new_customers,
    c.returning_customers AS returning_customers
FROM traffic AS t
FULL OUTER JOIN commerce AS c USING (day, source);

-- The product funnel: views → adds → purchases per product, with the conversion at each step.
-- views and adds count Product Viewed and Product Added events; purchases counts orders holding
-- the product, units its quantity, revenue its line revenue (before order discounts).
CREATE OR REPLACE VIEW {{db}}.product_performance AS
WITH
interest AS
(
    SELECT
        product_id,
        argMax(JSONExtractString(properties, 'name'), timestamp) AS name,
        argMax(JSONExtractString(properties, 'category'), timestamp) AS category,
        countIf(event = 'Product Viewed') AS views,
        uniqExactIf(person_id, event = 'Product Viewed') AS viewers,
        countIf(event = 'Product Added') AS adds
    FROM {{db}}.activity
    WHERE type = 'track' AND event IN ('Product Viewed', 'Product Added') AND product_id != ''
    GROUP BY product_id
),
bought AS
(
    SELECT
        product_id,
        any(name) AS name,
        any(category) AS category,
        uniqExact(order_id) AS purchases,
        sum(quantity) AS units,
        round(sum(line_revenue), 2) AS revenue
    FROM {{db}}.order_items
    WHERE product_id != ''
    GROUP BY product_id
)
SELECT
    product_id,
    if(i.name != '', i.name, b.name) AS name,
    if(i.category != '', i.category, b.category) AS category,
    i.views AS views,
    i.viewers AS viewers,
    i.adds AS adds,
    b.purchases AS purchases,
    b.units AS units,
    b.revenue AS revenue,
    round(i.adds / nullIf(i.views, 0), 4) AS view_to_add_rate,
    round(b.purchases / nullIf(i.adds, 0), 4) AS add_to_purchase_rate,
    round(b.purchases / nullIf(i.views, 0), 4) AS view_to_purchase_rate
FROM interest AS i
FULL OUTER JOIN bought AS b USING (product_id);
