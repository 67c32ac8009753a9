import type { Warehouse } from '@sillage/warehouse'
import { chDateTime } from './clickhouse-audiences.js'

export interface Firing {
  triggerId: string
  userId: string
  anonymousId: string
  windowStart: number
  messageId: string
  eventMessageId: string
  payload: Record<string, unknown>
  firedAt: number
}

const iso = (ms: number) => chDateTime(new Date(ms).toISOString())

/** What triggers ask ClickHouse: a person's consent and history by identifier, and the firings. */
export function createTriggerStore(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  const rows = async <T>(query: string, params: Record<string, unknown>): Promise<T[]> =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
  const who = `((user_id = {u:String} AND {u:String} != '') OR (anonymous_id = {a:String} AND {a:String} != ''))`
  return {
    /** The latest consent categories stated by events of this user or device; undefined when none. */
    async consent(userId: string, anonymousId: string): Promise<string[] | undefined> {
      const r = await rows<{ n: string; categories: string[] }>(
        `SELECT count() AS n, argMax(cats, ts) AS categories FROM
         (
           SELECT timestamp AS ts,
             if(type = 'track' AND event = 'Consent Updated' AND JSONHas(properties, 'categories'),
                JSONExtract(properties, 'categories', 'Array(String)'),
                JSONExtract(consent, 'categories', 'Array(String)')) AS cats
           FROM ${db}.events
           WHERE ${who} AND ((type = 'track' AND event = 'Consent Updated') OR JSONHas(consent, 'categories'))
         )`,
        { u: userId, a: anonymousId },
      )
      return Number(r[0]?.n ?? 0) > 0 ? r[0]!.categories : undefined
    },

    /** Whether this user or device has an event of that name before `beforeMs` (other than messageId). */
    async hasEarlier(
      event: string,
      userId: string,
      anonymousId: string,
      beforeMs: number,
      messageId: string,
    ): Promise<boolean> {
      const r = await rows<{ n: string }>(
        `SELECT count() AS n FROM ${db}.events
         WHERE ${who} AND type = 'track' AND event = {e:String} AND timestamp < {t:DateTime64(3)} AND message_id != {m:String}`,
        { u: userId, a: anonymousId, e: event, t: iso(beforeMs), m: messageId },
      )
      return Number(r[0]?.n ?? 0) > 0
    },

    /** The time of this user's or device's latest own event before `beforeMs`, if any. */
    async lastSeenBefore(userId: string, anonymousId: string, beforeMs: number): Promise<number | undefined> {
      const r = await rows<{ n: string; t: string }>(
        `SELECT count() AS n, toString(max(timestamp)) AS t FROM ${db}.events
         WHERE ${who} AND source_id != 'sillage' AND timestamp < {t:DateTime64(3)} - INTERVAL 1 MINUTE`,
        { u: userId, a: anonymousId, t: iso(beforeMs) },
      )
      return Number(r[0]?.n ?? 0) > 0 ? Date.parse(`${r[0]!.t.replace(' ', 'T')}Z`) : undefined
    },

    /**
     * The times (window_start: the firing event's time) of this trigger's firings for this person
     * strictly between fromMs and toMs: the rolling cool-down's look-up.
     */
    async firingTimes(
      triggerId: string,
      userId: string,
      anonymousId: string,
      fromMs: number,
      toMs: number,
    ): Promise<number[]> {
      const r = await rows<{ t: string }>(
        `SELECT toString(toUnixTimestamp64Milli(window_start)) AS t FROM ${db}.trigger_firings
         WHERE trigger_id = {tr:String} AND user_id = {u:String} AND anonymous_id = {a:String}
           AND window_start > {from:DateTime64(3)} AND window_start < {to:DateTime64(3)}`,
        { tr: triggerId, u: userId, a: anonymousId, from: iso(fromMs), to: iso(toMs) },
      )
      return r.map((x) => Number(x.t))
    },

    /** The keys among these that already fired. */
    async fired(messageIds: readonly string[]): Promise<Set<string>> {
      if (messageIds.length === 0) return new Set()
      const r = await rows<{ message_id: string }>(
        `SELECT DISTINCT message_id FROM ${db}.trigger_firings WHERE message_id IN {ids:Array(String)}`,
        { ids: messageIds },
      )
      return new Set(r.map((x) => x.message_id))
    },

    async record(firings: readonly Firing[]): Promise<void> {
      if (firings.length === 0) return
      await client.insert({
        table: `${db}.trigger_firings`,
        format: 'JSONEachRow',
        values: firings.map((f) => ({
          trigger_id: f.triggerId,
          user_id: f.userId,
          anonymous_id: f.anonymousId,
          window_start: iso(f.windowStart),
          message_id: f.messageId,
          event_message_id: f.eventMessageId,
          payload: JSON.stringify(f.payload),
          fired_at: iso(f.firedAt),
        })),
      })
    },
  }
}

export type TriggerStore = ReturnType<typeof createTriggerStore>
