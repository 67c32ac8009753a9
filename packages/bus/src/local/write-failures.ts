/**
 * The partitions whose durable writes fail ("topic/partition"): while any does, the local bus
 * refuses every produce and health() is not ready. A partition leaves the set when its recovery
 * probe succeeds (partition-log.ts), so the bus heals by itself, without a restart.
 */
import { BusError, type BusHealth } from '../bus.js'

export interface WriteFailures {
  /** partition-log's onWriteFailure: the first failure's time is kept while it keeps failing. */
  failed(where: string, err: unknown): void
  /** partition-log's onRecovered. */
  recovered(where: string): void
  /** The SIL_BUS_UNAVAILABLE error a produce gets while a partition fails; undefined when none does. */
  refusal(): BusError | undefined
  /** Not ready, with the failing partitions and the first error, while any fails. */
  health(): BusHealth
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function createWriteFailures(recoveryProbeMs: number): WriteFailures {
  const failing = new Map<string, { err: unknown; since: number }>()
  return {
    failed(where, err) {
      failing.set(where, { err, since: failing.get(where)?.since ?? Date.now() })
    },
    recovered(where) {
      failing.delete(where)
    },
    refusal() {
      const first = failing.entries().next()
      if (first.done) return undefined
      const [where, { err }] = first.value
      return new BusError('SIL_BUS_UNAVAILABLE', `local bus write failed on ${where}: ${errorText(err)}`, {
        cause: err,
      })
    },
    health() {
      if (failing.size === 0) return { ready: true }
      const since = Math.min(...[...failing.values()].map((f) => f.since))
      const where = [...failing.keys()]
      const [first] = failing.values()
      return {
        ready: false,
        reason:
          `local log write failed on ${where.join(', ')} (${errorText(first!.err)}); produce is refused ` +
          `and a probe retries every ${recoveryProbeMs} ms: the bus heals by itself once writes succeed`,
        since,
      }
    },
  }
}
