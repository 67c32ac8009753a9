import type { Warehouse } from '@sillage/warehouse'
import type { DeliveryItem } from '../domain/delivery-payload.js'
import { chDateTime } from './clickhouse-audiences.js'

export type DeliveryStatus = 'delivered' | 'dead' | 'skipped' | 'pending'

export interface PendingItem extends DeliveryItem {
  /** For an exit: the message id of the entry it closes. */
  enteredId?: string
}

const isoOf = (v: string) => new Date(`${v.replace(' ', 'T')}Z`).toISOString()

/** Delivery state in ClickHouse (activation_deliveries) and what is pending for a destination. */
export function createDeliveryStore(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  const rows = async <T>(query: string, params: Record<string, unknown>): Promise<T[]> =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
  const done = `SELECT message_id FROM ${db}.activation_deliveries FINAL
      WHERE destination_id = {d:String} AND status != 'pending'`
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
      }>(
        `SELECT m.message_id AS message_id, m.audience_id AS audience_id, m.person_id AS person_id, m.seq AS seq,
            toString(m.change) AS change, toString(m.at) AS at, m.user_id AS user_id,
            m.email_sha256 AS email_sha256, m.phone_sha256 AS phone_sha256,
            if(m.change = 'exited', e.message_id, '') AS entered_id
         FROM (SELECT * FROM ${db}.audience_membership FINAL WHERE audience_id IN {a:Array(String)}) AS m
         LEFT JOIN (SELECT audience_id, person_id, seq, message_id FROM ${db}.audience_membership FINAL
             WHERE audience_id IN {a:Array(String)}) AS e
           ON e.audience_id = m.audience_id AND e.person_id = m.person_id AND e.seq + 1 = m.seq
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
      }>(
        `SELECT message_id, trigger_id, user_id, anonymous_id, toString(fired_at) AS fired_at, payload
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
        properties: { anonymous_id: x.anonymous_id, ...(JSON.parse(x.payload) as Record<string, unknown>) },
      }))
    },

    /** Which of these message ids the destination has received. */
    async delivered(destinationId: string, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set()
      const r = await rows<{ message_id: string }>(
        `SELECT message_id FROM ${db}.activation_deliveries FINAL
         WHERE destination_id = {d:String} AND status = 'delivered' AND message_id IN {ids:Array(String)}`,
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
