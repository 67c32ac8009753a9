import { TOPICS, type Bus } from '@sillage/bus'
import type { EnrichedEvent } from '@sillage/schemas'
import { Counter, type Logger, type Registry } from '@sillage/runtime'
import { createModelsRepository, type Warehouse } from '@sillage/warehouse'
import { partitionKeyOf, toCartAbandonedEvent } from '../domain/cart-abandoned-event.js'
import type { CartAbandonmentOptions } from './cart-abandonment.config.js'

export interface CartAbandonmentDeps {
  warehouse: Warehouse
  log: Logger
  registry: Registry
  options: CartAbandonmentOptions
  /** Where the events go: events.raw on this bus, unless `emit` is given. */
  bus?: Bus
  /** Sends the events; resolves once they are durable. Default: produce to events.raw. */
  emit?: (events: readonly EnrichedEvent[]) => Promise<void>
  now?: () => number
}

/** Events produced recently are not produced again while identity has not stored them yet. */
const IN_FLIGHT_MS = 10 * 60_000

/**
 * The Cart Abandoned detector. Every `intervalMs` it asks ClickHouse (cart_episodes) for carts
 * that hold items while their owner has been inactive for the window, with no order since the
 * last add and no checkout since the cart's last change, and whose Cart Abandoned is not stored
 * yet; it produces one event per cart to events.raw, where identity stores it like any other
 * event.
 *
 * It keeps no state of its own: ClickHouse is the state, so a restart, a crash between produce
 * and insert, or two detectors at once change nothing. The messageId derives from the cart's
 * first add, and identity drops a messageId it has stored, so a repeat is a no-op.
 */
export function createCartAbandonmentDetector(deps: CartAbandonmentDeps) {
  const { options } = deps
  const log = deps.log.child({ component: 'cart-abandonment' })
  const queries = createModelsRepository(deps.warehouse)
  const now = deps.now ?? Date.now
  const emit =
    deps.emit ??
    (async (events: readonly EnrichedEvent[]) => {
      if (!deps.bus) throw new Error('cart abandonment detector: neither bus nor emit given')
      await deps.bus.produce(
        TOPICS.raw,
        events.map((e) => ({ key: partitionKeyOf(e), value: Buffer.from(JSON.stringify(e)) })),
      )
    })
  const metrics = {
    emitted: new Counter({
      name: 'sillage_cart_abandoned_total',
      help: 'Cart Abandoned events produced',
      registers: [deps.registry],
    }),
    ticks: new Counter({
      name: 'sillage_cart_abandonment_ticks_total',
      help: 'Completed looks for abandoned carts',
      registers: [deps.registry],
    }),
    errors: new Counter({
      name: 'sillage_cart_abandonment_errors_total',
      help: 'Looks for abandoned carts that failed (retried at the next one)',
      registers: [deps.registry],
    }),
  }
  const inFlight = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = true

  /** One look: returns how many Cart Abandoned events it produced. */
  async function tick(): Promise<number> {
    const at = now()
    for (const [id, producedAt] of inFlight) if (at - producedAt > IN_FLIGHT_MS) inFlight.delete(id)
    const rows = await queries.abandonedCarts({
      windowMinutes: options.windowMinutes,
      since: new Date(at - options.lookbackHours * 3_600_000),
      graceMs: options.graceMs,
      limit: options.batchLimit,
    })
    const receivedAt = new Date(at).toISOString()
    const events = rows
      .filter((r) => !inFlight.has(r.abandonment_message_id))
      .map((r) => toCartAbandonedEvent(r, { receivedAt, windowMinutes: options.windowMinutes }))
    if (events.length > 0) {
      await emit(events)
      for (const e of events) inFlight.set(e.messageId, at)
      metrics.emitted.inc(events.length)
      log.info({ carts: events.length }, 'carts abandoned')
    }
    metrics.ticks.inc()
    return events.length
  }

  const schedule = (delayMs: number) => {
    if (stopped) return
    timer = setTimeout(() => {
      running = tick()
      void running
        .catch((err: unknown) => {
          metrics.errors.inc()
          log.error({ err }, 'looking for abandoned carts failed; retrying at the next look')
          return 0
        })
        .finally(() => {
          running = undefined
          schedule(options.intervalMs)
        })
    }, delayMs)
  }

  return {
    tick,
    /** Looks at once, then every intervalMs. A no-op when disabled. */
    start(): void {
      if (!options.enabled || !stopped) return
      stopped = false
      schedule(0)
      log.info(
        { windowMinutes: options.windowMinutes, intervalMs: options.intervalMs, graceMs: options.graceMs },
        'cart abandonment detector started',
      )
    },
    /** Stops looking; waits for a look in progress. */
    async stop(): Promise<void> {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
      await running?.catch(() => 0)
    },
  }
}

export type CartAbandonmentDetector = ReturnType<typeof createCartAbandonmentDetector>
