-- One row per order: the first Order Completed event of each order_id (a shop that sends the
-- order from both the browser and its backend is counted once). Orders without an order_id are
-- left out. revenue is the event's `revenue` (else `total`), as in events.revenue.
CREATE OR REPLACE VIEW {{db}}.orders AS
SELECT
    order_id,
    argMin(person_id, k) AS person_id,
    argMin(user_id, k) AS user_id,
    min(timestamp) AS ordered_at,
    argMin(message_id, k) AS message_id,
    round(argMin(ifNull(revenue, 0), k), 2) AS revenue,
    argMin(currency, k) AS currency,
    argMin(channel, k) AS channel,
    argMin(source_id, k) AS source_id,
    argMin(coupon, k) AS coupon,
    argMin(properties, k) AS properties
FROM
(
    SELECT
        order_id, person_id, user_id, timestamp, message_id, revenue, currency, channel, source_id,
        JSONExtractString(properties, 'coupon') AS coupon, properties, (timestamp, message_id) AS k
    FROM {{db}}.activity
    WHERE type = 'track' AND event = 'Order Completed' AND order_id != ''
)
GROUP BY order_id;

-- One row per line of an order: Order Completed's properties.products[] (Segment e-commerce v2:
-- product_id, sku, name, category, brand, variant, price, quantity; quantity defaults to 1).
-- line_revenue = price × quantity, before order-level discounts.
CREATE OR REPLACE VIEW {{db}}.order_items AS
SELECT
    order_id,
    line_number,
    person_id,
    ordered_at,
    channel,
    currency,
    if(JSONExtractString(product, 'product_id') != '', JSONExtractString(product, 'product_id'),
        JSONExtractString(product, 'id')) AS product_id,
    JSONExtractString(product, 'sku') AS sku,
    JSONExtractString(product, 'name') AS name,
    JSONExtractString(product, 'category') AS category,
    JSONExtractString(product, 'brand') AS brand,
    JSONExtractString(product, 'variant') AS variant,
    JSONExtractFloat(product, 'price') AS price,
    if(JSONHas(product, 'quantity'), JSONExtractFloat(product, 'quantity'), 1) AS quantity,
    round(price * quantity, 2) AS line_revenue
FROM {{db}}.orders
ARRAY JOIN
    JSONExtractArrayRaw(properties, 'products') AS product,
    arrayEnumerate(JSONExtractArrayRaw(properties, 'products')) AS line_number;
