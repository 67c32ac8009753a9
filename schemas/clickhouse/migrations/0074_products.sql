-- The product catalogue (docs/imports.md): one row per product and import, written by
-- `sillage import --kind catalogue`. ReplacingMergeTree on `version` (the import's start time in
-- ms): a later import replaces a product, the same file imported twice leaves one row. Read it
-- through `products_current` (FINAL), never the table, so that unmerged versions do not count.
CREATE TABLE IF NOT EXISTS {{db}}.products
(
    product_id String,
    sku String,
    name String,
    category String,
    brand String,
    price Nullable(Float64),
    currency LowCardinality(String),
    properties String,
    version UInt64,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY product_id;

CREATE OR REPLACE VIEW {{db}}.products_current AS
SELECT product_id, sku, name, category, brand, price, currency, properties, version, updated_at
FROM {{db}}.products FINAL;

-- product_performance with the catalogue: every column of 0028 (add_to_purchase_rate per visit)
-- unchanged and in the same order, name and category from products_current when the product is
-- in it (else from the events, as before), and three more columns at the end: brand (catalogue,
-- else the order lines), list_price (the catalogue's price) and in_catalogue. Catalogue products
-- nobody viewed or bought appear with empty figures.
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
        any(brand) AS brand,
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
),
seen AS
(
    SELECT
        product_id,
        if(i.name != '', i.name, b.name) AS name,
        if(i.category != '', i.category, b.category) AS category,
        b.brand AS brand,
        i.views AS views,
        i.viewers AS viewers,
        i.adds AS adds,
        b.purchases AS purchases,
        b.units AS units,
        b.revenue AS revenue,
        c.add_visits AS add_visits,
        c.purchased_add_visits AS purchased_add_visits
    FROM interest AS i
    FULL OUTER JOIN bought AS b USING (product_id)
    LEFT JOIN carts AS c USING (product_id)
)
SELECT
    product_id,
    if(c.name != '', c.name, s.name) AS name,
    if(c.category != '', c.category, s.category) AS category,
    s.views AS views,
    s.viewers AS viewers,
    s.adds AS adds,
    s.purchases AS purchases,
    s.units AS units,
    s.revenue AS revenue,
    round(s.adds / nullIf(s.views, 0), 4) AS view_to_add_rate,
    round(s.purchased_add_visits / nullIf(s.add_visits, 0), 4) AS add_to_purchase_rate,
    round(s.purchases / nullIf(s.views, 0), 4) AS view_to_purchase_rate,
    s.add_visits AS add_visits,
    s.purchased_add_visits AS purchased_add_visits,
    if(c.brand != '', c.brand, s.brand) AS brand,
    c.price AS list_price,
    c.product_id != '' AS in_catalogue
FROM seen AS s
FULL OUTER JOIN {{db}}.products_current AS c USING (product_id);
