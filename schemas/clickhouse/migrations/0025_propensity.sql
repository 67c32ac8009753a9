-- Purchase propensity, fitted and applied inside ClickHouse (stochasticLogisticRegression).
--
-- person_features(as_of): every person seen before `as_of`, with recency, frequency, monetary and
-- engagement features, and the model's inputs (x_*) scaled to about [0, 3].
CREATE OR REPLACE VIEW {{db}}.person_features AS
WITH
seen AS
(
    SELECT
        person_id,
        min(timestamp) AS first_seen,
        max(timestamp) AS last_seen,
        countIf(event = 'Product Viewed' AND timestamp >= {as_of:DateTime64(3)} - INTERVAL 30 DAY) AS views_30d,
        countIf(event = 'Product Added' AND timestamp >= {as_of:DateTime64(3)} - INTERVAL 30 DAY) AS adds_30d
    FROM {{db}}.activity
    WHERE timestamp < {as_of:DateTime64(3)}
    GROUP BY person_id
),
visits AS
(
    SELECT person_id, countIf(session_start >= {as_of:DateTime64(3)} - INTERVAL 90 DAY) AS sessions_90d
    FROM {{db}}.sessions
    WHERE is_visit AND session_start < {as_of:DateTime64(3)}
    GROUP BY person_id
),
bought AS
(
    SELECT person_id, count() AS orders, sum(revenue) AS revenue, max(ordered_at) AS last_order_at
    FROM {{db}}.orders
    WHERE ordered_at < {as_of:DateTime64(3)}
    GROUP BY person_id
)
SELECT
    s.person_id AS person_id,
    dateDiff('day', s.last_seen, {as_of:DateTime64(3)}) AS days_since_seen,
    if(b.orders > 0, dateDiff('day', b.last_order_at, {as_of:DateTime64(3)}), NULL) AS days_since_order,
    b.orders AS orders,
    round(b.revenue, 2) AS revenue,
    v.sessions_90d AS sessions_90d,
    s.views_30d AS views_30d,
    s.adds_30d AS adds_30d,
    if(b.orders > 0, exp(-dateDiff('day', b.last_order_at, {as_of:DateTime64(3)}) / 90), 0) AS x_recency,
    log1p(b.orders) AS x_frequency,
    log1p(b.revenue) / 5 AS x_monetary,
    log1p(v.sessions_90d) AS x_sessions,
    log1p(s.views_30d) AS x_views,
    exp(-days_since_seen / 30) AS x_seen
FROM seen AS s
LEFT JOIN visits AS v ON v.person_id = s.person_id
LEFT JOIN bought AS b ON b.person_id = s.person_id;

-- The labelled data set: features as of `cutoff`, label = 1 when the person ordered in the
-- `horizon_days` after it. One person in five (by a hash of person_id) is held out for
-- validation and never trained on.
CREATE OR REPLACE VIEW {{db}}.propensity_dataset AS
SELECT
    f.*,
    toUInt8(o.orders > 0) AS label,
    cityHash64(f.person_id) % 5 = 0 AS holdout
FROM {{db}}.person_features(as_of = {cutoff:DateTime64(3)}) AS f
LEFT JOIN
(
    SELECT person_id, count() AS orders
    FROM {{db}}.orders
    WHERE ordered_at >= {cutoff:DateTime64(3)}
        AND ordered_at < {cutoff:DateTime64(3)} + toIntervalDay({horizon_days:UInt32})
    GROUP BY person_id
) AS o ON o.person_id = f.person_id;

-- The fitted model (one row: the regression state), trained on the non-held-out people: Adam,
-- 8 passes in a fixed order, one thread, so that a refit on the same data gives the same model.
CREATE OR REPLACE VIEW {{db}}.propensity_model AS
SELECT
    stochasticLogisticRegressionState(0.05, 0.0001, 8, 'Adam')(
        if(label = 1, 1, -1), x_recency, x_frequency, x_monetary, x_sessions, x_views, x_seen) AS model,
    count() / 8 AS train_rows
FROM
(
    SELECT d.*, e.number AS epoch
    FROM {{db}}.propensity_dataset(cutoff = {cutoff:DateTime64(3)}, horizon_days = {horizon_days:UInt32}) AS d
    CROSS JOIN numbers(8) AS e
    WHERE NOT d.holdout
    ORDER BY epoch, cityHash64(d.person_id), d.person_id
)
SETTINGS max_threads = 1;

-- The held-out people scored by a model fitted `horizon_days` before today (UTC midnight), with
-- their actual outcome: the validation set.
CREATE OR REPLACE VIEW {{db}}.propensity_holdout AS
WITH
    toDateTime64(today(), 3) - toIntervalDay({horizon_days:UInt32}) AS cutoff,
    (
        SELECT model
        FROM {{db}}.propensity_model(
            cutoff = toDateTime64(today(), 3) - toIntervalDay({horizon_days:UInt32}),
            horizon_days = {horizon_days:UInt32})
    ) AS m
SELECT
    person_id,
    cutoff,
    label,
    evalMLMethod(m, x_recency, x_frequency, x_monetary, x_sessions, x_views, x_seen) AS score
FROM {{db}}.propensity_dataset(
    cutoff = toDateTime64(today(), 3) - toIntervalDay({horizon_days:UInt32}),
    horizon_days = {horizon_days:UInt32})
WHERE holdout;

-- The model's quality on held-out data: AUC (arrayAUC), sizes and base rate.
--   SELECT * FROM sillage.propensity_quality(horizon_days = 30)
CREATE OR REPLACE VIEW {{db}}.propensity_quality AS
SELECT
    any(cutoff) AS cutoff,
    {horizon_days:UInt32} AS horizon_days,
    (
        SELECT train_rows
        FROM {{db}}.propensity_model(
            cutoff = toDateTime64(today(), 3) - toIntervalDay({horizon_days:UInt32}),
            horizon_days = {horizon_days:UInt32})
    ) AS train_rows,
    count() AS holdout_rows,
    sum(label) AS holdout_positives,
    round(arrayAUC(groupArray(score), groupArray(label)), 4) AS auc
FROM {{db}}.propensity_holdout(horizon_days = {horizon_days:UInt32});

-- Everyone's probability of ordering in the next 30 days: the model fitted 30 days ago (on what
-- followed), applied to today's features.
CREATE OR REPLACE VIEW {{db}}.propensity_scores AS
WITH
    (
        SELECT model
        FROM {{db}}.propensity_model(cutoff = toDateTime64(today(), 3) - INTERVAL 30 DAY, horizon_days = 30)
    ) AS m
SELECT
    person_id,
    round(evalMLMethod(m, x_recency, x_frequency, x_monetary, x_sessions, x_views, x_seen), 4) AS propensity_30d,
    days_since_seen,
    days_since_order,
    orders,
    revenue,
    sessions_90d,
    views_30d,
    adds_30d
FROM {{db}}.person_features(as_of = now64(3));
