/**
 * The generated shop (packages/testkit) in a warehouse: chDB per test file, the migrations, and the
 * events inserted as identity would insert them (its row mapping), each stamped with its
 * ground-truth person, so that model tests do not depend on identity stitching.
 */
import type { EnrichedEvent } from '@sillage/schemas'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { toEventRow } from '../../services/identity/src/domain/event-row.js'
import { createCartAbandonmentDetector, type CartAbandonmentOptions } from '@sillage/activation'
import type { GeneratedEvent, Shop } from '@sillage/testkit'
import { tempDir } from './pipeline.js'

export * from '@sillage/testkit'

/** The shop has one store: every third receipt goes to a second one, so that stores differ. */
export function twoStores(events: readonly GeneratedEvent[]): GeneratedEvent[] {
  let receipts = 0
  return events.map((g) => {
    const p = g.event.properties
    if (g.event.event !== 'Order Completed' || p?.['store_id'] !== 'paris-marais') return g
    if (receipts++ % 3 !== 0) return g
    return { ...g, event: { ...g.event, properties: { ...p, store_id: 'lyon-part-dieu' } } }
  })
}

/** Today's UTC midnight: the generated period ends there, so `today()` recipes see it. */
export function utcMidnight(now = Date.now()): Date {
  return new Date(Math.floor(now / 86_400_000) * 86_400_000)
}

/** A generated event as the collector would have enriched it (no clock skew: sent on time). */
export function toEnriched(g: GeneratedEvent): EnrichedEvent {
  return {
    ...(g.event as unknown as EnrichedEvent),
    receivedAt: g.event.timestamp,
    sourceId: g.source,
    ...(g.ua ? { ua: g.ua } : {}),
  }
}

export interface ShopWarehouse {
  warehouse: Warehouse
  /** The data dir (`SILLAGE_DATA_DIR`): chDB lives in its `clickhouse/`. */
  dataDir: string
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>
  /** Inserts events with their person, in chunks. */
  insert(events: ReadonlyArray<{ event: EnrichedEvent; personId: string }>): Promise<void>
  close(): Promise<void>
}

/** chDB in a fresh directory, database `sillage` (so that docs/analysts.md runs as written), migrated. */
export async function openShopWarehouse(): Promise<ShopWarehouse> {
  const dir = tempDir('sillage-analytics-')
  const warehouse = createWarehouse({ database: 'sillage', dataDir: dir.path })
  await migrate(warehouse)
  return {
    warehouse,
    dataDir: dir.path,
    async rows<T>(sql: string, params: Record<string, unknown> = {}) {
      const rs = await warehouse.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })
      return rs.json<T>()
    },
    async insert(events) {
      const rows = events.map(({ event, personId }) => toEventRow(event, personId))
      for (let i = 0; i < rows.length; i += 20_000) {
        await warehouse.client.insert({
          table: 'sillage.events',
          values: rows.slice(i, i + 20_000),
          format: 'JSONEachRow',
        })
      }
    },
    async close() {
      await warehouse.close()
      dir.remove()
    },
  }
}

/** The person identity would give an event of the shop: the shopper owning its userId or device. */
export function personResolver(shop: Shop): (e: { userId?: string; anonymousId?: string }) => string {
  const owner = new Map<string, string>()
  for (const s of shop.shoppers) {
    if (s.userId) owner.set(s.userId, s.key)
    for (const d of s.devices) owner.set(d.anonymousId, s.key)
  }
  return (e) => owner.get(e.userId ?? e.anonymousId ?? '') ?? `unknown:${e.userId ?? e.anonymousId ?? ''}`
}

export const DETECTOR_OPTIONS: CartAbandonmentOptions = {
  enabled: true,
  windowMinutes: 30,
  intervalMs: 60_000,
  graceMs: 0,
  lookbackHours: 24 * 400,
  batchLimit: 100_000,
}

/**
 * A Cart Abandoned detector on the shop's warehouse whose events are inserted as identity would
 * insert them (its row mapping, the shopper as person). `emitted` collects what it sent.
 */
export function shopDetector(wh: ShopWarehouse, shop: Shop, options: Partial<CartAbandonmentOptions> = {}) {
  const personOf = personResolver(shop)
  const emitted: EnrichedEvent[] = []
  const detector = createCartAbandonmentDetector({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: { ...DETECTOR_OPTIONS, ...options },
    emit: async (events) => {
      emitted.push(...events)
      await wh.insert(events.map((event) => ({ event, personId: personOf(event) })))
    },
  })
  return { detector, emitted, personOf }
}

/**
 * A page view a minute old, stamped with `personId` (as identity stores it), from device
 * `anon-<personId>`: the smallest event a profile folds (the refresher's tests).
 */
export function pageOf(personId: string, messageId: string): { personId: string; event: EnrichedEvent } {
  const at = new Date(Date.now() - 60_000).toISOString()
  return {
    personId,
    event: {
      type: 'page',
      messageId,
      anonymousId: `anon-${personId}`,
      context: {},
      properties: {},
      timestamp: at,
      receivedAt: at,
      sourceId: 'web',
    } as unknown as EnrichedEvent,
  }
}
