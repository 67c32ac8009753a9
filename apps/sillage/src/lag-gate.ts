import { TOPICS, withProduce, type Bus } from '@sillage/bus'
import { CollectorError } from '@sillage/collector'

export interface LagGateOptions {
  /** Identity's consumer group on events.raw. */
  group: string
  /** Unstored events (identity's lag on events.raw) past which produces are refused. */
  maxLagEvents: number
  /** How long one reading of the lag is reused. Default 50 ms. */
  cacheMs?: number
}

/**
 * Backpressure from identity to the collector when identity runs on another thread
 * (SILLAGE_IDENTITY_WORKER): one thread no longer slows the other, so the collector is told to
 * refuse (503 SIL_OVERLOADED, Retry-After) while identity's lag on events.raw (log end minus its
 * committed offsets, read in the thread that owns the log) is past the bound. Nothing is written
 * before the check, so a refused batch stores none of its events.
 */
export function createLagGate(bus: Bus, options: LagGateOptions): Bus & { lag(): Promise<number> } {
  const cacheMs = options.cacheMs ?? 50
  let lag = 0
  let readAt = -Infinity
  async function currentLag(): Promise<number> {
    const now = Date.now()
    if (now - readAt < cacheMs) return lag
    readAt = now
    let sum = 0
    for (const p of await bus.offsets(TOPICS.raw, options.group)) sum += p.end - (p.committed ?? p.start)
    lag = sum
    return lag
  }
  const gated = withProduce(bus, async (topic, messages) => {
    if (topic === TOPICS.raw && (await currentLag()) >= options.maxLagEvents) {
      throw new CollectorError('SIL_OVERLOADED', { retryAfterSeconds: 1 })
    }
    await bus.produce(topic, messages)
  })
  return Object.assign(gated, { lag: currentLag })
}
