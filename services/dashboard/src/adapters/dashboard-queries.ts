import type { Warehouse } from '@sillage/warehouse'
import { endOfDay, startOfDay, type Filters } from '../domain/filters.js'

/**
 * Every number of the dashboard, read from the documented models (docs/analysts.md): sessions,
 * orders, order_items, rfm_at, segment_transitions. Filters travel as query parameters only; the
 * one piece of SQL that varies, the time bucket, is chosen from the fixed table below.
 */
const BUCKET_SQL: Record<Filters['granularity'], string> = {
  day: 'toString(day)',
  week: 'toString(toMonday(day))',
}

type Row = Record<string, unknown>

export interface DashboardQueries {
  /**
   * Session and order counts (KpiCounts' columns) in one pass over the sessions, per `period`
   * ('current', 'previous') and `dim`: 'total' for both periods; 'bucket' (day or week), 'source'
   * and 'channel' (key `k`) for the current one.
   */
  kpis(filters: Filters, previous: { from: string; to: string }): Promise<Row[]>
  topProducts(filters: Filters, limit: number): Promise<Row[]>
  rfm(filters: Filters): Promise<Row[]>
  transitions(filters: Filters): Promise<Row[]>
  dormant(filters: Filters, limit: number): Promise<{ people: number; rows: Row[] }>
  /** Orders, revenue, items and footfall per store over the range (store_daily_kpis). */
  byStore(filters: Filters): Promise<Row[]>
  /** Members now and the last recorded change of each audience (audience_membership). */
  audiences(ids: readonly string[]): Promise<Row[]>
  /** What the filters can choose from, and the span of the data. */
  options(): Promise<{
    sources: string[]
    channels: string[]
    stores: string[]
    firstDay: string | null
    lastDay: string | null
  }>
}

export function createDashboardQueries(warehouse: Warehouse): DashboardQueries {
  const db = warehouse.database
  async function rows(query: string, params: Record<string, unknown>): Promise<Row[]> {
    const rs = await warehouse.client.query({ query, query_params: params, format: 'JSONEachRow' })
    return rs.json<Row>()
  }
  const params = (f: Filters) => ({
    from: f.from,
    to: f.to,
    source: f.source,
    channel: f.channel,
    store: f.store,
  })
  // A store's orders: store_id of a point-of-sale order, as order_channels and store_daily_kpis
  // define it (read from orders, so that no second pass over the sessions is needed). The clauses
  // are added only when a store is chosen; the store itself is always a parameter.
  const storeOrders = `SELECT order_id FROM ${db}.orders
    WHERE channel = 'store' AND JSONExtractString(properties, 'store_id') = {store:String}`
  const storeSessions = (f: Filters) =>
    f.store === '' ? '' : `AND hasAny(order_ids, (SELECT groupArray(order_id) FROM (${storeOrders})))`
  const storeOrder = (f: Filters, column: string) =>
    f.store === '' ? '' : `AND ${column} IN (${storeOrders})`
  // The sessions of the filters: a session belongs to the UTC day it started on (as in daily_kpis).
  const filteredSessions = (f: Filters, select: string) => `
    SELECT ${select}
    FROM (SELECT *, toDate(session_start) AS day FROM ${db}.sessions)
    WHERE day >= {from:Date} AND day <= {to:Date}
      AND ({source:String} = '' OR source = {source:String})
      AND ({channel:String} = '' OR channel = {channel:String})
      ${storeSessions(f)}`

  return {
    kpis(filters, previous) {
      const counts = `
        countIf(is_visit) AS visits,
        countIf(is_visit AND bounced) AS bounces,
        countIf(is_visit AND converted) AS converted_visits,
        countIf(is_visit AND product_views > 0) AS viewing_visits,
        countIf(is_visit AND added_to_cart) AS cart_visits,
        countIf(is_visit AND checkout_started) AS checkout_visits,
        countIf(is_visit AND added_to_cart AND NOT converted) AS abandoned_visits`
      return rows(
        `WITH
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
                [('total', 'total'), ('bucket', ${BUCKET_SQL[filters.granularity]}), ('source', source), ('channel', channel)],
                [('total', 'total')])) AS dk,
              dk.1 AS dim,
              dk.2 AS k
            FROM (SELECT *, toDate(session_start) AS day FROM ${db}.sessions)
            WHERE day >= {prev_from:Date} AND day <= {to:Date}
              AND ({source:String} = '' OR source = {source:String})
              AND ({channel:String} = '' OR channel = {channel:String})
              ${storeSessions(filters)}
          ),
          traffic AS
          (
            SELECT period, dim, k, ${counts} FROM s GROUP BY period, dim, k
          ),
          commerce AS
          (
            SELECT
              so.period AS period,
              so.dim AS dim,
              so.k AS k,
              count() AS orders,
              round(sum(o.revenue), 2) AS revenue,
              uniqExactIf(o.person_id, f.first_order_day = so.day) AS new_customers,
              uniqExactIf(o.person_id, f.first_order_day < so.period_from) AS returning_customers
            FROM
            (
              SELECT period, period_from, dim, k, day, arrayJoin(order_ids) AS order_id FROM s
              WHERE 1 ${storeOrder(filters, 'order_id')}
            ) AS so
            INNER JOIN ${db}.orders AS o ON o.order_id = so.order_id
            INNER JOIN first_orders AS f ON f.person_id = o.person_id
            GROUP BY so.period, so.dim, so.k
          )
        SELECT period, dim, k, visits, bounces, converted_visits, viewing_visits, cart_visits, checkout_visits,
          abandoned_visits, orders, revenue, new_customers, returning_customers
        FROM traffic FULL OUTER JOIN commerce USING (period, dim, k)
        ORDER BY period, dim, k`,
        { ...params(filters), prev_from: previous.from },
      )
    },

    topProducts(filters, limit) {
      return rows(
        `SELECT
          product_id,
          argMax(name, ordered_at) AS name,
          argMax(category, ordered_at) AS category,
          uniqExact(order_id) AS orders,
          sum(quantity) AS units,
          round(sum(line_revenue), 2) AS revenue
        FROM ${db}.order_items
        WHERE product_id != '' AND order_id IN (${filteredSessions(filters, 'arrayJoin(order_ids)')})
          ${storeOrder(filters, 'order_id')}
        GROUP BY product_id
        ORDER BY revenue DESC, product_id
        LIMIT {limit:UInt32}`,
        { ...params(filters), limit },
      )
    },

    rfm(filters) {
      return rows(
        `SELECT
          segment,
          count() AS people,
          round(sum(monetary), 2) AS revenue,
          round(avg(monetary), 2) AS avg_value,
          round(avg(frequency), 2) AS avg_orders,
          round(avg(recency_days), 1) AS avg_recency_days
        FROM ${db}.rfm_at(as_of = {as_of:DateTime64(3)})
        GROUP BY segment
        ORDER BY segment`,
        { as_of: endOfDay(filters.to) },
      )
    },

    transitions(filters) {
      return rows(
        `SELECT from_segment, to_segment, people, share
        FROM ${db}.segment_transitions(period_a = {period_a:DateTime64(3)}, period_b = {period_b:DateTime64(3)})
        ORDER BY from_segment, to_segment`,
        { period_a: startOfDay(filters.from), period_b: endOfDay(filters.to) },
      )
    },

    async dormant(filters, limit) {
      const list = await rows(
        `SELECT person_id, toString(toDate(last_order_at)) AS last_order_day, recency_days, frequency, monetary,
          count() OVER () AS people
        FROM ${db}.rfm_at(as_of = {as_of:DateTime64(3)})
        WHERE segment = 'dormant'
        ORDER BY monetary DESC, person_id
        LIMIT {limit:UInt32}`,
        { as_of: endOfDay(filters.to), limit },
      )
      return { people: Number(list[0]?.['people'] ?? 0), rows: list }
    },

    byStore(filters) {
      return rows(
        `SELECT
          k.store_id AS store_id,
          sum(k.visits) AS store_visits,
          sum(k.orders) AS store_orders,
          round(sum(k.revenue), 2) AS store_revenue,
          sum(k.items) AS store_items
        FROM ${db}.store_daily_kpis AS k
        WHERE k.day >= {from:Date} AND k.day <= {to:Date} AND k.orders > 0
          AND ({store:String} = '' OR k.store_id = {store:String})
        GROUP BY k.store_id
        ORDER BY store_revenue DESC, store_id`,
        params(filters),
      )
    },

    audiences(ids) {
      if (ids.length === 0) return Promise.resolve([])
      return rows(
        `SELECT audience_id, countIf(last_change = 'entered') AS members,
          toString(max(last_at)) AS last_change_at
        FROM
        (
          SELECT audience_id, person_id, argMax(change, seq) AS last_change, max(at) AS last_at
          FROM ${db}.audience_membership
          WHERE audience_id IN {ids:Array(String)}
          GROUP BY audience_id, person_id
        )
        GROUP BY audience_id`,
        { ids },
      )
    },

    async options() {
      const stores = await rows(
        `SELECT arraySort(groupUniqArray(JSONExtractString(properties, 'store_id'))) AS stores
        FROM ${db}.orders
        WHERE channel = 'store' AND JSONExtractString(properties, 'store_id') != ''`,
        {},
      )
      const [row] = await rows(
        `SELECT
          arraySort(groupUniqArray(source)) AS sources,
          arraySort(groupUniqArray(channel)) AS channels,
          if(count() = 0, '', toString(min(toDate(session_start)))) AS first_day,
          if(count() = 0, '', toString(max(toDate(session_start)))) AS last_day
        FROM ${db}.sessions`,
        {},
      )
      return {
        sources: (row?.['sources'] as string[] | undefined) ?? [],
        channels: (row?.['channels'] as string[] | undefined) ?? [],
        stores: (stores[0]?.['stores'] as string[] | undefined) ?? [],
        firstDay: (row?.['first_day'] as string | undefined) || null,
        lastDay: (row?.['last_day'] as string | undefined) || null,
      }
    },
  }
}
