import {
  createEventsRepository,
  createIdentitiesRepository,
  type IdentityTable,
  type IdentityWarningRow,
  type Warehouse,
} from '@sillage/warehouse'
import { isDataError } from './clickhouse-errors.js'
import { insertIsolating, type InsertRows, type RefusedRow } from './isolating-insert.js'
import type { EventRow } from '../domain/event-row.js'
import type { AuditEntry, IdentityChange, OverrideChange } from '../domain/identity-graph.js'

/** One row of identity_warnings: an identifier value refused at ingest, and why. */
export type WarningRow = IdentityWarningRow

/** What became of rows ClickHouse refused in a table other than `events`. */
export type PoisonAction = 'repaired' | 'dropped'

export interface ClickHouseSinkOptions {
  /**
   * Told when rows of identity_warnings, identities, person_overrides or identity_merges were
   * refused by ClickHouse (a data error) and then stored with their strings made well-formed
   * (`repaired`) or left out (`dropped`). Their events are stored or dead-lettered on their own.
   */
  onPoison?: (table: string, action: PoisonAction, refused: readonly RefusedRow<object>[]) => void
}

/** Lone UTF-16 surrogates, which ClickHouse's JSON input refuses. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `value` with every string in it made well-formed (lone surrogates become U+FFFD). */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd')
  if (Array.isArray(value)) return value.map(wellFormed)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)]))
  }
  return value
}

/**
 * Everything identity reads from and writes to ClickHouse. All values go as query parameters or
 * JSONEachRow data; `token` makes a retried insert of the same batch a no-op
 * (insert_deduplication_token).
 */
export function createClickHouseSink(warehouse: Warehouse, options: ClickHouseSinkOptions = {}) {
  const events = createEventsRepository(warehouse)
  const identities = createIdentitiesRepository(warehouse)
  // The statements live in the warehouse's repositories; this adapter keeps the isolation of
  // refused rows around them.

  /**
   * The insert of the tables beside `events`: one row ClickHouse refuses must not hold back the
   * others (docs/architecture.md, delivery guarantee 7). On a data error the refused rows are
   * isolated, tried once more with well-formed strings, and left out when they still fail.
   */
  async function insert<T extends object>(
    table: IdentityTable,
    insertRaw: InsertRows<T>,
    values: readonly T[],
    token: string,
  ): Promise<void> {
    try {
      await insertRaw(values, token)
      return
    } catch (err) {
      if (!isDataError(err)) throw err
    }
    const keyOf = (row: T) => JSON.stringify(row)
    const refused = await insertIsolating(values, token, insertRaw, keyOf)
    if (refused.length === 0) return
    const repaired = refused.map((r) => wellFormed(r.row) as T)
    const still = await insertIsolating(repaired, `${token}:repaired`, insertRaw, keyOf)
    const dropped = new Set<T>(still.map((r) => r.row))
    const fixed = refused.filter((_, i) => !dropped.has(repaired[i] as T))
    if (fixed.length > 0) options.onPoison?.(table, 'repaired', fixed)
    if (still.length > 0) options.onPoison?.(table, 'dropped', still)
  }

  return {
    /**
     * The message ids among `keys` (message id, client timestamp) already stored: the dedup check
     * before every insert, on message_ids. With `receivedBetween` it also reads `events` itself by
     * message id over that range of received_at: for a batch that may have been half-stored by a
     * crash or a failed insert (see the events repository).
     */
    existingMessageIds: events.existingMessageIds,

    /** Inserts a batch of events as one insert; throws on any error (see isolateEvents). */
    insertEvents: (rows: readonly EventRow[], token: string) => events.insertEvents(rows, token),

    /**
     * Inserts `rows`, isolating those ClickHouse refuses (a data error): they are returned, with
     * the engine's error, for the dead letters; the others are stored. Parts go with tokens
     * derived from `token` and their message ids. Infrastructure errors are thrown.
     */
    isolateEvents: (rows: readonly EventRow[], token: string): Promise<RefusedRow<EventRow>[]> =>
      insertIsolating(
        rows,
        token,
        (part, t) => events.insertEvents(part, t),
        (r) => r.message_id,
      ),

    insertWarnings: (rows: readonly WarningRow[], token: string) =>
      insert('identity_warnings', identities.insertWarnings, rows, token),

    insertIdentities: (rows: readonly IdentityChange[], token: string) =>
      insert(
        'identities',
        identities.insertIdentities,
        rows.map((r) => ({
          id_type: r.type,
          id_value: r.value,
          person_id: r.person,
          version: r.version,
          updated_at: r.timestamp,
        })),
        token,
      ),

    insertOverrides: (rows: readonly OverrideChange[], token: string) =>
      insert(
        'person_overrides',
        identities.insertOverrides,
        rows.map((r) => ({
          old_person_id: r.oldPersonId,
          person_id: r.personId,
          version: r.version,
          created_at: r.timestamp,
        })),
        token,
      ),

    insertMerges: (rows: readonly AuditEntry[], token: string) =>
      insert(
        'identity_merges',
        identities.insertMerges,
        rows.map((r) => ({
          merge_id: r.mergeId,
          decision: r.decision,
          reason: r.reason,
          person_id: r.personId,
          other_person_id: r.otherPersonId,
          id_type: r.idType,
          id_value: r.idValue,
          other_id_type: r.otherIdType,
          other_id_value: r.otherIdValue,
          limit_type: r.limitType,
          message_id: r.messageId,
          source_topic: r.src.topic,
          source_partition: r.src.partition,
          source_offset: r.src.offset,
          event_timestamp: r.timestamp,
          version: r.version,
        })),
        token,
      ),
  }
}

export type ClickHouseSink = ReturnType<typeof createClickHouseSink>
