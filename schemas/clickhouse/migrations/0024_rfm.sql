-- RFM as of an instant: every person with an order before `as_of`, scored 1–5 on recency (most
-- recent last order = 5), frequency (most orders = 5; ties by revenue) and monetary (most revenue
-- = 5) by ntile(5) over those people; remaining ties are broken by person_id, so the scores are
-- deterministic. fm_score = round((f_score + m_score) / 2), halves up.
--
-- Segments, from r_score (R) and fm_score (FM), first match wins:
--   champions       R >= 4 and FM >= 4   bought recently, often, much
--   loyal           R >= 3 and FM >= 3
--   promising       R >= 4               recent, not yet frequent (new customers)
--   need_attention  R = 3                middling recency, low value
--   at_risk         FM >= 3              used to buy often and much, not lately (R <= 2)
--   hibernating     R = 2                low value, lapsing
--   dormant         R = 1                low value, gone: reactivate or let go
CREATE OR REPLACE VIEW {{db}}.rfm_at AS
WITH
customers AS
(
    SELECT
        person_id,
        max(ordered_at) AS last_order_at,
        min(ordered_at) AS first_order_at,
        count() AS frequency,
        round(sum(revenue), 2) AS monetary
    FROM {{db}}.orders
    WHERE ordered_at < {as_of:DateTime64(3)}
    GROUP BY person_id
),
scored AS
(
    SELECT
        *,
        dateDiff('day', last_order_at, {as_of:DateTime64(3)}) AS recency_days,
        ntile(5) OVER (ORDER BY last_order_at, person_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS r_score,
        ntile(5) OVER (ORDER BY frequency, monetary, person_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS f_score,
        ntile(5) OVER (ORDER BY monetary, person_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS m_score
    FROM customers
)
SELECT
    person_id,
    first_order_at,
    last_order_at,
    recency_days,
    frequency,
    monetary,
    r_score,
    f_score,
    m_score,
    intDiv(f_score + m_score + 1, 2) AS fm_score,
    concat(toString(r_score), toString(f_score), toString(m_score)) AS rfm_cell,
    multiIf(
        r_score >= 4 AND fm_score >= 4, 'champions',
        r_score >= 3 AND fm_score >= 3, 'loyal',
        r_score >= 4, 'promising',
        r_score = 3, 'need_attention',
        fm_score >= 3, 'at_risk',
        r_score = 2, 'hibernating',
        'dormant'
    ) AS segment
FROM scored;

-- RFM now.
CREATE OR REPLACE VIEW {{db}}.rfm_segments AS
SELECT * FROM {{db}}.rfm_at(as_of = now64(3));

-- The transition matrix (matrice de passage): how many people moved from each segment as of
-- `period_a` to each segment as of `period_b` (period_a < period_b). People who had not ordered
-- yet at period_a come from '(new)'. share = people / all people of the same from_segment.
--   SELECT * FROM sillage.segment_transitions(period_a = today() - 90, period_b = today())
CREATE OR REPLACE VIEW {{db}}.segment_transitions AS
SELECT
    from_segment,
    to_segment,
    people,
    round(people / sum(people) OVER (PARTITION BY from_segment), 4) AS share
FROM
(
    SELECT
        if(a.person_id = '', '(new)', a.segment) AS from_segment,
        b.segment AS to_segment,
        count() AS people
    FROM {{db}}.rfm_at(as_of = {period_b:DateTime64(3)}) AS b
    LEFT JOIN {{db}}.rfm_at(as_of = {period_a:DateTime64(3)}) AS a ON a.person_id = b.person_id
    GROUP BY from_segment, to_segment
)
ORDER BY from_segment, to_segment;
