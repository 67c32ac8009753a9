/**
 * The scheduled jobs' SQL (docs/profiles.md): scored attributes from the existing models
 * (rfm_segments, propensity_scores), and item-to-item recommendations over order_items and
 * product views. `{{db}}` is replaced by the (validated) database name.
 */

/**
 * One row per person seen: RFM segment ('prospect' before a first order) with the previous one
 * and since when it holds, propensity to order within 30 days and its decile (1 = the top tenth).
 */
export const SCORE_PERSONS_SQL = `
INSERT INTO {{db}}.profile_scores
WITH
    {as_of:DateTime64(3)} AS now_at,
    scored AS
    (
        SELECT f.person_id AS person_id,
            if(r.person_id != '', r.segment, 'prospect') AS segment,
            r.rfm_cell AS rfm_cell,
            f.propensity_30d AS propensity_30d,
            toUInt8(ntile(10) OVER (ORDER BY f.propensity_30d DESC, f.person_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS decile
        FROM {{db}}.propensity_scores AS f
        LEFT JOIN {{db}}.rfm_segments AS r ON r.person_id = f.person_id
    )
SELECT
    s.person_id AS person_id,
    now_at AS as_of,
    s.segment AS rfm_segment,
    s.rfm_cell AS rfm_cell,
    multiIf(old.person_id = '', '', old.rfm_segment != s.segment, old.rfm_segment, old.previous_segment) AS previous_segment,
    if(old.person_id = '' OR old.rfm_segment != s.segment, now_at, old.segment_since) AS segment_since,
    if(isNaN(s.propensity_30d), NULL, s.propensity_30d) AS propensity_30d,
    if(isNaN(s.propensity_30d), NULL, s.decile) AS propensity_decile
FROM scored AS s
LEFT JOIN {{db}}.profile_scores AS old ON old.person_id = s.person_id
SETTINGS join_use_nulls = 0`

/**
 * Per product, the products most often in the same order (bought together, by distinct orders)
 * and viewed in the same visit (same person and SDK session, else same person and UTC day, by
 * distinct visits), over `days` days; row '*' holds the most ordered products (popularity). A
 * product sent with the reserved id '*' is left out, so that it never overwrites that row.
 */
export const RECOMMENDATIONS_SQL = `
INSERT INTO {{db}}.product_recommendations
WITH
    {as_of:DateTime64(3)} AS now_at,
    items AS
    (
        SELECT DISTINCT order_id, product_id
        FROM {{db}}.order_items
        WHERE product_id NOT IN ('', '*') AND ordered_at >= now_at - toIntervalDay({days:UInt32})
    ),
    bt AS
    (
        SELECT a.product_id AS p, b.product_id AS q, count() AS n
        FROM items AS a INNER JOIN items AS b ON a.order_id = b.order_id
        WHERE a.product_id != b.product_id
        GROUP BY p, q
    ),
    visits AS
    (
        SELECT DISTINCT person_id, if(session_id != '', session_id, toString(toDate(timestamp))) AS visit, product_id
        FROM {{db}}.activity
        WHERE type = 'track' AND event = 'Product Viewed' AND product_id NOT IN ('', '*')
            AND timestamp >= now_at - toIntervalDay({days:UInt32})
    ),
    vt AS
    (
        SELECT a.product_id AS p, b.product_id AS q, count() AS n
        FROM visits AS a INNER JOIN visits AS b ON a.person_id = b.person_id AND a.visit = b.visit
        WHERE a.product_id != b.product_id
        GROUP BY p, q
    ),
    products AS
    (
        SELECT p FROM bt UNION DISTINCT SELECT p FROM vt
    )
SELECT
    pr.p AS product_id,
    now_at AS as_of,
    arraySlice(arraySort(x -> (-x.2, x.1), b.pairs), 1, {limit:UInt32}) AS bought_together,
    arraySlice(arraySort(x -> (-x.2, x.1), v.pairs), 1, {limit:UInt32}) AS viewed_together
FROM products AS pr
LEFT JOIN (SELECT p, groupArray((q, n)) AS pairs FROM bt GROUP BY p) AS b ON b.p = pr.p
LEFT JOIN (SELECT p, groupArray((q, n)) AS pairs FROM vt GROUP BY p) AS v ON v.p = pr.p
UNION ALL
SELECT
    '*' AS product_id,
    now_at AS as_of,
    arraySlice(arraySort(x -> (-x.2, x.1), groupArray((q, n))), 1, {limit:UInt32}) AS bought_together,
    [] AS viewed_together
FROM (SELECT product_id AS q, count() AS n FROM items GROUP BY q)`
