import type { BusHealth } from '../bus.js'
import type { KafkaBusLogger } from './kafka-log.js'

/** While not ready, how often health is re-checked without traffic (first, then capped). */
const PROBE_MS = { first: 1_000, max: 10_000 }

export interface KafkaHealth {
  current(): BusHealth
  /** A connect or an acknowledged produce: ready again, and the probe delay starts over. */
  markReady(): void
  /** A disconnect or a failed produce: not ready, and a probe re-checks without waiting for traffic. */
  markDown(reason: string): void
  /** No probe runs after this (the bus is closing). */
  stopProbing(): void
  markClosed(): void
}

export interface KafkaHealthDeps {
  brokers: readonly string[]
  log: KafkaBusLogger
  /** Resolves once the producer is connected and the cluster answers; rejects otherwise. */
  probe: () => Promise<void>
}

/**
 * The Kafka bus's readiness. It starts not ready ("connecting"); while not ready, a probe checks
 * connectivity on a doubling timer, so that readiness comes back with no traffic (readiness gates
 * traffic).
 */
export function createKafkaHealth(deps: KafkaHealthDeps): KafkaHealth {
  const { brokers, log } = deps
  let health: BusHealth = { ready: false, reason: 'connecting to Kafka' }
  let stopped = false
  let probeTimer: NodeJS.Timeout | undefined
  let probeDelay = PROBE_MS.first

  const markReady = (): void => {
    if (!health.ready) log.info({ brokers }, 'kafka bus ready')
    health = { ready: true }
    probeDelay = PROBE_MS.first
  }

  function scheduleProbe(): void {
    if (stopped || probeTimer) return
    probeTimer = setTimeout(() => {
      probeTimer = undefined
      void (async () => {
        try {
          await deps.probe()
          if (!stopped) markReady()
        } catch (err) {
          if (stopped) return
          health = {
            ready: false,
            reason: `Kafka unreachable: ${err instanceof Error ? err.message : String(err)}`,
          }
          probeDelay = Math.min(probeDelay * 2, PROBE_MS.max)
          scheduleProbe()
        }
      })()
    }, probeDelay)
    probeTimer.unref()
  }

  return {
    current: () => ({ ...health }),
    markReady,
    markDown(reason) {
      if (health.ready) log.warn({ brokers, reason }, 'kafka bus not ready')
      health = { ready: false, reason }
      scheduleProbe()
    },
    stopProbing() {
      stopped = true
      clearTimeout(probeTimer)
    },
    markClosed() {
      health = { ready: false, reason: 'closed' }
    },
  }
}
