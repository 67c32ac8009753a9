import type { Warehouse } from '@sillage/warehouse'
import type { PendingItem } from '../domain/delivery-plan.js'
import { scrubProperties } from '../domain/payload-pii.js'
import { chDateTime } from './clickhouse-audiences.js'

/**
 * `sending`: recorded just before the first batches of a new connection leave (delivery-plan.ts,
 * inDoubt); still to deliver, and possibly received if the process died before the outcome.
 */
export type DeliveryStatus = 'delivered' | 'dead' | 'skipped' | 'pending' | 'sending'

export type { PendingItem }

const isoOf = (v: string) => new Date(`${v.replace(' ', 'T')}Z`).toISOString()

/** Delivery state in ClickHouse (activation_deliveries) and what is pending for a destination. */
export function createDeliveryStore(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  const rows = async <T>(query: string, params: Record<string, unknown>): Promise<T[]> =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
  const done = `SELECT message_id FROM ${db}.activation_deliveries FINAL
      WHERE destination_id = {d:String} AND status NOT IN ('pending', 'sending')`
  const sending = `SELECT message_id FROM ${db}.activation_deliveries FINAL
      WHERE destination_id = {d:String} AND status = 'sending'`
  /** Dead letters re-queued by `sillage destinations replay` (destinations/replay-check.ts). */
  const requeued = `SELECT message_id FROM ${db}.activation_deliveries FINAL
      WHERE destination_id = {d:String} AND status = 'pending'`
  return {
    /** Membership changes of the audiences not delivered (nor dead, nor skipped) to the destination, oldest first. */
    async pendingAudience(
      destinationId: string,
      audiences: readonly string[],
      limit: number,
    ): Promise<PendingItem[]> {
      if (audiences.length === 0) return []
      const r = await rows<{
        message_id: string
        audience_id: string
        person_id: string
        seq: number
        change: 'entered' | 'exited'
        at: string
        user_id: string
        email_sha256: string
        phone_sha256: string
        entered_id: string
        superseded: number
        in_doubt: number
        replayed: number
      }>(
        `SELECT m.message_id AS message_id, m.audience_id AS audience_id, m.person_id AS person_id, m.seq AS seq,
            toString(m.change) AS change, toString(m.at) AS at, m.user_id AS user_id,
            m.email_sha256 AS email_sha256, m.phone_sha256 AS phone_sha256,
            if(m.change = 'exited', e.message_id, '') AS entered_id,
            if(m.change = 'entered' AND nx.person_id != '', 1, 0) AS superseded,
            if(m.message_id IN (${sending}), 1, 0) AS in_doubt,
            if(m.message_id IN (${requeued}), 1, 0) AS replayed
         FROM (SELECT * FROM ${db}.audience_membership FINAL WHERE audience_id IN {a:Array(String)}) AS m
         LEFT JOIN (SELECT audience_id, person_id, seq, message_id FROM ${db}.audience_membership FINAL
             WHERE audience_id IN {a:Array(String)}) AS e
           ON e.audience_id = m.audience_id AND e.person_id = m.person_id AND e.seq + 1 = m.seq
         LEFT JOIN (SELECT audience_id, person_id, seq FROM ${db}.audience_membership FINAL
             WHERE audience_id IN {a:Array(String)}) AS nx
           ON nx.audience_id = m.audience_id AND nx.person_id = m.person_id AND nx.seq = m.seq + 1
         WHERE m.message_id NOT IN (${done})
         ORDER BY m.at, m.audience_id, m.person_id, m.seq
         LIMIT {limit:UInt32}`,
        { a: audiences, d: destinationId, limit },
      )
      return r.map((x) => ({
        id: x.message_id,
        type: x.change === 'entered' ? 'audience.entered' : 'audience.exited',
        source: x.audience_id,
        personId: x.person_id,
        userId: x.user_id,
        emailSha256: x.email_sha256,
        phoneSha256: x.phone_sha256,
        at: isoOf(x.at),
        ...(x.entered_id ? { enteredId: x.entered_id } : {}),
        ...(Number(x.superseded) === 1 ? { superseded: true } : {}),
        ...(Number(x.in_doubt) === 1 ? { inDoubt: true } : {}),
        ...(Number(x.replayed) === 1 ? { replayed: true } : {}),
      }))
    },

    /** Trigger firings of the triggers not delivered to the destination, oldest first. */
    async pendingTriggers(
      destinationId: string,
      triggers: readonly string[],
      limit: number,
    ): Promise<PendingItem[]> {
      if (triggers.length === 0) return []
      const r = await rows<{
        message_id: string
        trigger_id: string
        user_id: string
        anonymous_id: string
        fired_at: string
        payload: string
        replayed: number
      }>(
        `SELECT message_id, trigger_id, user_id, anonymous_id, toString(fired_at) AS fired_at, payload,
            if(message_id IN (${requeued}), 1, 0) AS replayed
         FROM ${db}.trigger_firings FINAL
         WHERE trigger_id IN {t:Array(String)} AND message_id NOT IN (${done})
         ORDER BY fired_at, message_id
         LIMIT {limit:UInt32}`,
        { t: triggers, d: destinationId, limit },
      )
      return r.map((x) => ({
        id: x.message_id,
        type: 'trigger.fired' as const,
        source: x.trigger_id,
        personId: '',
        userId: x.user_id,
        emailSha256: '',
        phoneSha256: '',
        at: isoOf(x.fired_at),
        // Scrubbed again on the way out: a firing recorded before nested scrubbing existed.
        properties: {
          anonymous_id: x.anonymous_id,
          ...scrubProperties(JSON.parse(x.payload) as Record<string, unknown>),
        },
        ...(Number(x.replayed) === 1 ? { replayed: true } : {}),
      }))
    },

    /**
     * Per audience, when the destination's first delivery state (delivered, skipped, dead) for one
     * of its membership changes was recorded: when it was connected to the audience. Audiences
     * without any are left out.
     */
    async connectedAt(destinationId: string, audiences: readonly string[]): Promise<Map<string, number>> {
      if (audiences.length === 0) return new Map()
      const r = await rows<{ audience_id: string; at: string }>(
        `SELECT m.audience_id AS audience_id, toString(min(d.at)) AS at
         FROM (SELECT message_id, at FROM ${db}.activation_deliveries WHERE destination_id = {d:String}) AS d
         INNER JOIN (SELECT DISTINCT audience_id, message_id FROM ${db}.audience_membership
             WHERE audience_id IN {a:Array(String)}) AS m ON m.message_id = d.message_id
         GROUP BY m.audience_id`,
        { d: destinationId, a: audiences },
      )
      return new Map(r.map((x) => [x.audience_id, Date.parse(isoOf(x.at))]))
    },

    /** The persons among these with marketing consent now (consent_current, as audiences use it). */
    async contactable(personIds: readonly string[]): Promise<Set<string>> {
      if (personIds.length === 0) return new Set()
      const r = await rows<{ person_id: string }>(
        `SELECT person_id FROM ${db}.consent_current
         WHERE person_id IN {p:Array(String)} AND marketing_contactable`,
        { p: personIds },
      )
      return new Set(r.map((x) => x.person_id))
    },

    /** The suppression keys (the `suppressions` table: erased people, docs/privacy.md) among these. */
    async suppressed(keys: readonly string[]): Promise<Set<string>> {
      if (keys.length === 0) return new Set()
      const r = await rows<{ suppression_key: string }>(
        `SELECT DISTINCT suppression_key FROM ${db}.suppressions WHERE suppression_key IN {k:Array(String)}`,
        { k: keys },
      )
      return new Set(r.map((x) => x.suppression_key))
    },

    /** Which of these message ids the destination has received, or possibly received (`sending`). */
    async delivered(destinationId: string, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set()
      const r = await rows<{ message_id: string }>(
        `SELECT message_id FROM ${db}.activation_deliveries FINAL
         WHERE destination_id = {d:String} AND status IN ('delivered', 'sending')
           AND message_id IN {ids:Array(String)}`,
        { d: destinationId, ids },
      )
      return new Set(r.map((x) => x.message_id))
    },

    async mark(
      destinationId: string,
      ids: readonly string[],
      status: DeliveryStatus,
      info: { attempts?: number; error?: string; now: number },
    ): Promise<void> {
      if (ids.length === 0) return
      await client.insert({
        table: `${db}.activation_deliveries`,
        format: 'JSONEachRow',
        values: ids.map((id) => ({
          destination_id: destinationId,
          message_id: id,
          status,
          attempts: info.attempts ?? 0,
          error: info.error ?? '',
          at: chDateTime(new Date(info.now).toISOString()),
          version: info.now,
        })),
      })
    },

    /** Dead letters back to pending (`sillage destinations replay`): returns how many. */
    async replayDead(destinationId: string | undefined, now: number): Promise<number> {
      const dead = await rows<{ destination_id: string; message_id: string }>(
        `SELECT destination_id, message_id FROM ${db}.activation_deliveries FINAL
         WHERE status = 'dead' AND ({d:String} = '' OR destination_id = {d:String})`,
        { d: destinationId ?? '' },
      )
      const byDest = new Map<string, string[]>()
      for (const x of dead)
        byDest.set(x.destination_id, [...(byDest.get(x.destination_id) ?? []), x.message_id])
      for (const [d, ids] of byDest) await this.mark(d, ids, 'pending', { now })
      return dead.length
    },
  }
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>
