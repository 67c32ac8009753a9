-- product_performance again, with add_to_purchase_rate as a true rate (0022 divided the orders
-- holding a product by its Product Added events: a shopper who adds once and buys twice, or buys in
-- store without adding, pushed it past 1, e.g. 1.14 on seeded data). Now per visit (docs/analysts.md):
--   add_visits            visits (sessions) with a Product Added of the product;
--   purchased_add_visits  those of them in which an order holding the product was placed;
--   add_to_purchase_rate  purchased_add_visits / add_visits, so between 0 and 1.
-- An event belongs to the person's last session that started at or before it (ASOF JOIN on
-- sessions, whose sessions of one person never overlap). Every other column is unchanged.
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
),
session_starts AS
(
    SELECT person_id, session_key, session_start FROM {{db}}.sessions
),
add_visits AS
(
    SELECT DISTINCT a.product_id AS product_id, s.session_key AS session_key
    FROM
    (
        SELECT person_id, product_id, timestamp
        FROM {{db}}.activity
        WHERE type = 'track' AND event = 'Product Added' AND product_id != ''
    ) AS a
    ASOF INNER JOIN session_starts AS s ON a.person_id = s.person_id AND a.timestamp >= s.session_start
),
purchase_visits AS
(
    SELECT DISTINCT i.product_id AS product_id, s.session_key AS session_key
    FROM
    (
        SELECT person_id, product_id, ordered_at
        FROM {{db}}.order_items
        WHERE product_id != ''
    ) AS i
    ASOF INNER JOIN session_starts AS s ON i.person_id = s.person_id AND i.ordered_at >= s.session_start
),
carts AS
(
    SELECT
        v.product_id AS product_id,
        count() AS add_visits,
        countIf(p.session_key != '') AS purchased_add_visits
    FROM add_visits AS v
    LEFT JOIN purchase_visits AS p ON v.product_id = p.product_id AND v.session_key = p.session_key
    GROUP BY v.product_id
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
    round(c.purchased_add_visits / nullIf(c.add_visits, 0), 4) AS add_to_purchase_rate,
    round(b.purchases / nullIf(i.views, 0), 4) AS view_to_purchase_rate,
    c.add_visits AS add_visits,
    c.purchased_add_visits AS purchased_add_visits
FROM interest AS i
FULL OUTER JOIN bought AS b USING (product_id)
LEFT JOIN carts AS c USING (product_id);
