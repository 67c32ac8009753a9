import { withProduce, type Bus, type ProduceMessage } from '@sillage/bus'
import { Counter, Gauge, type Logger, type Registry } from '@sillage/runtime'
import { createInflightBudget, type InflightLimits } from '../domain/inflight-budget.js'
import { CollectorError } from '../errors.js'

/** What a refused client is told to wait: the buffer drains at the bus's pace, seconds at most. */
export const OVERLOADED_RETRY_AFTER_SECONDS = 2

export const DEFAULT_INFLIGHT_LIMITS: Readonly<InflightLimits> = Object.freeze({
  maxEvents: 50_000,
  maxBytes: 64 * 1024 * 1024,
})

export interface BoundedBusDeps {
  limits: InflightLimits
  registry: Registry
  log: Logger
}

/**
 * Backpressure for the collector: `bus` with a bound on the produce work in flight (messages
 * handed to the bus whose produce has not settled: acknowledged, or failed). While Kafka is slow or
 * unreachable, produces wait for their ack or their deadline; the work waiting is bounded, and a
 * produce past the bound is refused at once with SIL_OVERLOADED (503 + Retry-After), before
 * anything is buffered. The route answers 200 only after `produce` resolved, so the bound never
 * turns an unacknowledged event into a 200. Everything but `produce` passes through.
 */
export function createBoundedBus(bus: Bus, deps: BoundedBusDeps): Bus {
  const budget = createInflightBudget(deps.limits)
  const log = deps.log.child({ component: 'backpressure' })
  const registers = [deps.registry]
  new Gauge({
    name: 'sillage_collector_inflight_events',
    help: 'Events handed to the bus and not yet acknowledged (the backpressure buffer)',
    registers,
    collect() {
      this.set(budget.events)
    },
  })
  new Gauge({
    name: 'sillage_collector_inflight_bytes',
    help: 'Bytes of the events handed to the bus and not yet acknowledged',
    registers,
    collect() {
      this.set(budget.bytes)
    },
  })
  const limit = new Gauge({
    name: 'sillage_collector_inflight_limit',
    help: 'Bound of the backpressure buffer (SILLAGE_MAX_INFLIGHT_EVENTS, SILLAGE_MAX_INFLIGHT_BYTES)',
    labelNames: ['unit'] as const,
    registers,
  })
  limit.set({ unit: 'events' }, budget.limits.maxEvents)
  limit.set({ unit: 'bytes' }, budget.limits.maxBytes)
  const refused = new Counter({
    name: 'sillage_collector_overloaded_events_total',
    help: 'Events refused with 503 SIL_OVERLOADED because the backpressure buffer was full',
    registers,
  })

  // Logged on transitions only: under overload a line per request would be a flood.
  let saturated = false
  const state = () => ({ inflightEvents: budget.events, inflightBytes: budget.bytes, ...budget.limits })

  return withProduce(bus, async (topic: string, messages: readonly ProduceMessage[]): Promise<void> => {
    const events = messages.length
    let bytes = 0
    for (const m of messages) bytes += m.value.length
    if (!budget.tryAcquire(events, bytes)) {
      refused.inc(events)
      if (!saturated) {
        saturated = true
        log.warn(state(), 'backpressure: in-flight buffer full, answering 503 SIL_OVERLOADED')
      }
      throw new CollectorError('SIL_OVERLOADED', { retryAfterSeconds: OVERLOADED_RETRY_AFTER_SECONDS })
    }
    try {
      await bus.produce(topic, messages)
    } finally {
      budget.release(events, bytes)
      if (
        saturated &&
        budget.events * 2 <= budget.limits.maxEvents &&
        budget.bytes * 2 <= budget.limits.maxBytes
      ) {
        saturated = false
        log.info(state(), 'backpressure: in-flight buffer below half its bound again')
      }
    }
  })
}
