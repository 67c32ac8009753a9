/**
 * The dashboard repository's statements (dashboard.ts). Every value is a query parameter; the
 * only pieces of SQL that vary are chosen from fixed text: the time bucket, and the store clauses
 * added when a store is chosen (the store itself is still a parameter).
 */

export type Granularity = 'day' | 'week'

const BUCKET_SQL: Record<Granularity, string> = {
  day: 'toString(day)',
  week: 'toString(toMonday(day))',
}

/**
 * An amount summed in Float64 as the page shows it: `sum` is the sum of the finite terms
 * (`sumIf(x, isFinite(x))`: a revenue that is inf or nan is no amount and is left out). A sum
 * that overflows (over about 1.8e308) is NULL, "unknown": never inf, which the JSON output turns
 * into null and a reader into 0. Rounded to cents below 1e15 only: round() multiplies by 100
 * first, which overflows 1e308, and above 1e15 a Float64 holds no cents anyway.
 */
const amount = (sum: string) => `if(isFinite(${sum}), if(abs(${sum}) < 1e15, round(${sum}, 2), ${sum}), NULL)`
const finiteSum = (x: string) => `sumIf(${x}, isFinite(${x}))`

/**
 * A store's orders: store_id of a point-of-sale order, as order_channels and store_daily_kpis
 * define it (read from orders, so that no second pass over the sessions is needed).
 */
const storeOrders = (db: string) => `SELECT order_id FROM ${db}.orders
    WHERE channel = 'store' AND JSONExtractString(properties, 'store_id') = {store:String}`

const storeSessions = (db: string, store: string) =>
  store === '' ? '' : `AND hasAny(order_ids, (SELECT groupArray(order_id) FROM (${storeOrders(db)})))`

const storeOrder = (db: string, store: string, column: string) =>
  store === '' ? '' : `AND ${column} IN (${storeOrders(db)})`

/** The sessions of the filters: a session belongs to the UTC day it started on (as in daily_kpis). */
const filteredSessions = (db: string, store: string, select: string) => `
    SELECT ${select}
    FROM (SELECT *, toDate(session_start) AS day FROM ${db}.sessions)
    WHERE day >= {from:Date} AND day <= {to:Date}
      AND ({source:String} = '' OR source = {source:String})
      AND ({channel:String} = '' OR channel = {channel:String})
      ${storeSessions(db, store)}`

const COUNTS = `
        countIf(is_visit) AS visits,
        countIf(is_visit AND bounced) AS bounces,
        countIf(is_visit AND converted) AS converted_visits,
        countIf(is_visit AND product_views > 0) AS viewing_visits,
        countIf(is_visit AND added_to_cart) AS cart_visits,
        countIf(is_visit AND checkout_started) AS checkout_visits,
        countIf(is_visit AND added_to_cart AND NOT converted) AS abandoned_visits`

/**
 * Parameters: from, to, prev_from, source, channel, store, sources. The 'source' rows are the
 * `sources` first by revenue (then visits, then key); the others are added up into one row of dim
 * 'others' whose k is how many sources it holds (its new and returning customers are sums: a
 * person of two of its sources counts twice). `revenue` is an amount (see `amount`).
 */
export const kpisSql = (db: string, store: string, granularity: Granularity) => `WITH
  first_orders AS
  (
    SELECT person_id, min(toDate(ordered_at)) AS first_order_day FROM ${db}.orders GROUP BY person_id
  ),
  s AS
  (
    SELECT
      if(day >= {from:Date}, 'current', 'previous') AS period,
      if(day >= {from:Date}, {from:Date}, {prev_from:Date}) AS period_from,
      day, is_visit, bounced, converted, added_to_cart, checkout_started, product_views, order_ids,
      arrayJoin(if(period = 'current',
        [('total', 'total'), ('bucket', ${BUCKET_SQL[granularity]}), ('source', source), ('channel', channel)],
        [('total', 'total')])) AS dk,
      dk.1 AS dim,
      dk.2 AS k
    FROM (SELECT *, toDate(session_start) AS day FROM ${db}.sessions)
    WHERE day >= {prev_from:Date} AND day <= {to:Date}
      AND ({source:String} = '' OR source = {source:String})
      AND ({channel:String} = '' OR channel = {channel:String})
      ${storeSessions(db, store)}
  ),
  traffic AS
  (
    SELECT period, dim, k, ${COUNTS} FROM s GROUP BY period, dim, k
  ),
  commerce AS
  (
    SELECT
      so.period AS period,
      so.dim AS dim,
      so.k AS k,
      count() AS orders,
      ${finiteSum('o.revenue')} AS revenue_sum,
      uniqExactIf(o.person_id, f.first_order_day = so.day) AS new_customers,
      uniqExactIf(o.person_id, f.first_order_day < so.period_from) AS returning_customers
    FROM
    (
      SELECT period, period_from, dim, k, day, arrayJoin(order_ids) AS order_id FROM s
      WHERE 1 ${storeOrder(db, store, 'order_id')}
    ) AS so
    INNER JOIN ${db}.orders AS o ON o.order_id = so.order_id
    INNER JOIN first_orders AS f ON f.person_id = o.person_id
    GROUP BY so.period, so.dim, so.k
  )
SELECT
  period,
  g_dim AS dim,
  if(g_dim = 'others', toString(count()), g_k) AS k,
  sum(visits) AS visits,
  sum(bounces) AS bounces,
  sum(converted_visits) AS converted_visits,
  sum(viewing_visits) AS viewing_visits,
  sum(cart_visits) AS cart_visits,
  sum(checkout_visits) AS checkout_visits,
  sum(abandoned_visits) AS abandoned_visits,
  sum(orders) AS orders,
  ${amount('sum(revenue_sum)')} AS revenue,
  sum(new_customers) AS new_customers,
  sum(returning_customers) AS returning_customers
FROM
(
  SELECT *,
    if(dim = 'source',
      row_number() OVER (PARTITION BY period, dim ORDER BY revenue_sum DESC, visits DESC, k), 0) AS rank,
    if(rank > {sources:UInt32}, 'others', dim) AS g_dim,
    if(rank > {sources:UInt32}, '', k) AS g_k
  FROM traffic FULL OUTER JOIN commerce USING (period, dim, k)
)
GROUP BY period, g_dim, g_k
ORDER BY period, dim, k`

/** Parameters: from, to, source, channel, store, limit. */
export const topProductsSql = (db: string, store: string) => `SELECT
  product_id,
  argMax(name, ordered_at) AS name,
  argMax(category, ordered_at) AS category,
  uniqExact(order_id) AS orders,
  sum(quantity) AS units,
  ${amount(finiteSum('line_revenue'))} AS revenue
FROM ${db}.order_items
WHERE product_id != '' AND order_id IN (${filteredSessions(db, store, 'arrayJoin(order_ids)')})
  ${storeOrder(db, store, 'order_id')}
GROUP BY product_id
ORDER BY ${finiteSum('line_revenue')} DESC, product_id
LIMIT {limit:UInt32}`

/** Parameters: as_of. */
export const rfmSegmentsSql = (db: string) => `SELECT
  segment,
  count() AS people,
  ${amount(finiteSum('monetary'))} AS revenue,
  ${amount('avgIf(monetary, isFinite(monetary))')} AS avg_value,
  round(avg(frequency), 2) AS avg_orders,
  round(avg(recency_days), 1) AS avg_recency_days
FROM ${db}.rfm_at(as_of = {as_of:DateTime64(3)})
GROUP BY segment
ORDER BY segment`

/** Parameters: period_a, period_b. */
export const transitionsSql = (db: string) => `SELECT from_segment, to_segment, people, share
FROM ${db}.segment_transitions(period_a = {period_a:DateTime64(3)}, period_b = {period_b:DateTime64(3)})
ORDER BY from_segment, to_segment`

/** Parameters: as_of, limit. `monetary_amount`: NULL when the model's monetary is not finite. */
export const dormantSql = (
  db: string,
) => `SELECT person_id, toString(toDate(last_order_at)) AS last_order_day,
  recency_days, frequency, if(isFinite(monetary), monetary, NULL) AS monetary_amount,
  count() OVER () AS people
FROM ${db}.rfm_at(as_of = {as_of:DateTime64(3)})
WHERE segment = 'dormant'
ORDER BY monetary DESC, person_id
LIMIT {limit:UInt32}`

/** Parameters: from, to, store. */
export const byStoreSql = (db: string) => `SELECT
  k.store_id AS store_id,
  sum(k.visits) AS store_visits,
  sum(k.orders) AS store_orders,
  ${amount(finiteSum('k.revenue'))} AS store_revenue,
  sum(k.items) AS store_items
FROM ${db}.store_daily_kpis AS k
WHERE k.day >= {from:Date} AND k.day <= {to:Date} AND k.orders > 0
  AND ({store:String} = '' OR k.store_id = {store:String})
GROUP BY k.store_id
ORDER BY ${finiteSum('k.revenue')} DESC, store_id`

/** Parameters: ids. */
export const audienceMembersSql = (
  db: string,
) => `SELECT audience_id, countIf(last_change = 'entered') AS members,
  toString(max(last_at)) AS last_change_at
FROM
(
  SELECT audience_id, person_id, argMax(change, seq) AS last_change, max(at) AS last_at
  FROM ${db}.audience_membership
  WHERE audience_id IN {ids:Array(String)}
  GROUP BY audience_id, person_id
)
GROUP BY audience_id
ORDER BY audience_id`

export const storesSql = (db: string) => `SELECT
  arraySort(groupUniqArray(JSONExtractString(properties, 'store_id'))) AS stores
FROM ${db}.orders
WHERE channel = 'store' AND JSONExtractString(properties, 'store_id') != ''`

export const sessionChoicesSql = (db: string) => `SELECT
  arraySort(groupUniqArray(source)) AS sources,
  arraySort(groupUniqArray(channel)) AS channels,
  if(count() = 0, '', toString(min(toDate(session_start)))) AS first_day,
  if(count() = 0, '', toString(max(toDate(session_start)))) AS last_day
FROM ${db}.sessions`
