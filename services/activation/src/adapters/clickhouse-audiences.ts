import { hashPii } from '@sillage/identifiers'
import type { Warehouse } from '@sillage/warehouse'
import type { CompiledQuery } from '../domain/audience-sql.js'
import type { MemberState, MembershipChange, PersonIds } from '../domain/membership.js'

/** 'YYYY-MM-DD hh:mm:ss.sss', the DateTime64 text ClickHouse takes. */
export const chDateTime = (iso: string) => iso.replace('T', ' ').replace('Z', '')

interface StateRow {
  person_id: string
  last_seq: number
  last_change: 'entered' | 'exited'
  uid: string
  aid: string
  email: string
  phone: string
}

/** Audience membership in ClickHouse: members of a compiled audience, history, identifiers. */
export function createAudienceStore(warehouse: Warehouse) {
  const { client, database: db } = warehouse
  const rows = async <T>(query: string, params: Record<string, unknown>, settings = {}): Promise<T[]> => {
    const rs = await client.query({
      query,
      query_params: params,
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    })
    return rs.json<T>()
  }
  return {
    /**
     * The person ids a compiled audience returns. On a server the query runs with readonly = 2
     * (no writes). Embedded chDB keeps settings for the whole session, so there it relies on the
     * query's shape: one SELECT wrapping the audience, which cannot write.
     */
    async members(q: CompiledQuery): Promise<string[]> {
      const r = await rows<{ person_id: string }>(
        q.sql,
        q.params,
        warehouse.kind === 'http' ? { readonly: '2' } : {},
      )
      return r.map((x) => x.person_id).sort()
    },

    /** Each person's latest change in the audience (only these persons, when given). */
    async state(audienceId: string, persons?: readonly string[]): Promise<Map<string, MemberState>> {
      const r = await rows<StateRow>(
        `SELECT m.person_id AS person_id, max(m.seq) AS last_seq, argMax(m.change, m.seq) AS last_change,
            argMax(m.user_id, m.seq) AS uid, argMax(m.anonymous_id, m.seq) AS aid,
            argMax(m.email_sha256, m.seq) AS email, argMax(m.phone_sha256, m.seq) AS phone
         FROM ${db}.audience_membership AS m WHERE m.audience_id = {a:String}
           ${persons ? 'AND m.person_id IN {p:Array(String)}' : ''} GROUP BY m.person_id`,
        { a: audienceId, ...(persons ? { p: persons } : {}) },
      )
      return new Map(
        r.map((x) => [
          x.person_id,
          {
            personId: x.person_id,
            seq: Number(x.last_seq),
            change: x.last_change,
            userId: x.uid,
            anonymousId: x.aid,
            emailSha256: x.email,
            phoneSha256: x.phone,
          },
        ]),
      )
    },

    /**
     * The identifiers of people about to enter: a user id and an anonymous id from their events,
     * and their email and phone as SHA-256 from their traits (as customer_360 hashes them; a value
     * identity already stored hashed is kept as is).
     */
    async identifiers(personIds: readonly string[]): Promise<Map<string, PersonIds>> {
      const out = new Map<string, PersonIds>()
      for (let i = 0; i < personIds.length; i += 10_000) {
        const chunk = personIds.slice(i, i + 10_000)
        const r = await rows<{
          person_id: string
          user_id: string
          anonymous_id: string
          email: string
          phone: string
        }>(
          `SELECT p.person_id AS person_id,
              e.user_id AS user_id, e.anonymous_id AS anonymous_id,
              JSONExtractString(p.traits, 'email') AS email, JSONExtractString(p.traits, 'phone') AS phone
           FROM (SELECT person_id, traits FROM ${db}.persons WHERE person_id IN {ids:Array(String)}) AS p
           LEFT JOIN
           (
             SELECT person_id, argMaxIf(user_id, timestamp, user_id != '') AS user_id,
                 argMaxIf(anonymous_id, timestamp, anonymous_id != '') AS anonymous_id
             FROM ${db}.events_resolved WHERE person_id IN {ids:Array(String)} AND source_id != 'sillage'
             GROUP BY person_id
           ) AS e ON e.person_id = p.person_id`,
          { ids: chunk },
        )
        for (const x of r)
          out.set(x.person_id, {
            userId: x.user_id,
            anonymousId: x.anonymous_id,
            emailSha256: x.email === '' ? '' : hashPii('email', x.email),
            phoneSha256: x.phone === '' ? '' : hashPii('phone', x.phone),
          })
      }
      return out
    },

    /**
     * The persons of these events once identity has stored them (resolved through merges), and
     * which of the ids are stored. `fromMs`: the earliest event time, to prune partitions.
     */
    async storedPersons(
      messageIds: readonly string[],
      fromMs: number,
    ): Promise<{ persons: string[]; stored: Set<string> }> {
      const r = await rows<{ message_id: string; person_id: string }>(
        `SELECT message_id, person_id FROM ${db}.events_resolved
         WHERE message_id IN {ids:Array(String)} AND timestamp >= {from:DateTime64(3)}`,
        { ids: messageIds, from: chDateTime(new Date(fromMs - 86_400_000).toISOString()) },
      )
      const persons = [...new Set(r.map((x) => x.person_id).filter((p) => p !== ''))].sort()
      return { persons, stored: new Set(r.map((x) => x.message_id)) }
    },

    /** Records changes (after their events are on the bus). A repeat collapses on the sort key. */
    async record(changes: readonly MembershipChange[]): Promise<void> {
      for (let i = 0; i < changes.length; i += 50_000) {
        await client.insert({
          table: `${db}.audience_membership`,
          format: 'JSONEachRow',
          values: changes.slice(i, i + 50_000).map((c) => ({
            audience_id: c.audienceId,
            person_id: c.personId,
            seq: c.seq,
            change: c.change,
            at: chDateTime(c.at),
            message_id: c.messageId,
            user_id: c.userId,
            anonymous_id: c.anonymousId,
            email_sha256: c.emailSha256,
            phone_sha256: c.phoneSha256,
          })),
        })
      }
    },
  }
}

export type AudienceStore = ReturnType<typeof createAudienceStore>
