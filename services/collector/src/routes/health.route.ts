import type { FastifyInstance } from 'fastify'
import type { Bus, BusHealth } from '@sillage/bus'
import type { Registry } from '@sillage/runtime'

/** SILLAGE_UNHEALTHY_AFTER_MS's default (config.ts). */
export const DEFAULT_UNHEALTHY_AFTER_MS = 60_000

export interface HealthRouteDeps {
  bus: Bus
  registry: Registry
  /**
   * How long the local bus may stay unready before /healthz fails too, so that an orchestrator
   * restarts the process. Default DEFAULT_UNHEALTHY_AFTER_MS.
   */
  unhealthyAfterMs?: number
  /** The clock (tests). */
  now?: () => number
}

export interface Liveness {
  ok: boolean
  /** Why it fails (absent while ok). */
  reason?: string
}

/**
 * /healthz from the bus's health: alive unless the bus has been unready for `unhealthyAfterMs`.
 * Only the local log counts: it lives in this process, so a restart is the last resort when it
 * does not heal by itself. Kafka unreachable is an outage outside the process: /readyz says so and
 * the process keeps running (a restart would not bring the broker back, only crash-loop).
 */
export function createLivenessCheck(
  deps: Pick<HealthRouteDeps, 'unhealthyAfterMs' | 'now'>,
): (kind: Bus['kind'], health: BusHealth) => Liveness {
  const unhealthyAfterMs = deps.unhealthyAfterMs ?? DEFAULT_UNHEALTHY_AFTER_MS
  const now = deps.now ?? Date.now
  /** When this check first saw the bus unready; the bus's own `since` wins when it has one. */
  let seenUnready: number | undefined
  return (kind, health) => {
    if (health.ready || kind !== 'local') {
      seenUnready = undefined
      return { ok: true }
    }
    const t = now()
    seenUnready ??= t
    const unreadyMs = t - (health.since ?? seenUnready)
    if (unreadyMs < unhealthyAfterMs) return { ok: true }
    return {
      ok: false,
      reason: `bus not ready for ${Math.round(unreadyMs / 1000)} s (over ${unhealthyAfterMs} ms): ${health.reason ?? 'unknown'}`,
    }
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  const liveness = createLivenessCheck(deps)
  app.get('/healthz', async (_request, reply) => {
    const live = liveness(deps.bus.kind, deps.bus.health())
    return reply.code(live.ok ? 200 : 503).send(live)
  })
  app.get('/readyz', async (_request, reply) => {
    const health = deps.bus.health()
    liveness(deps.bus.kind, health)
    if (health.ready) return reply.code(200).send({ ready: true, bus: health })
    return reply.code(503).send({ ready: false, reason: `bus: ${health.reason ?? 'not ready'}`, bus: health })
  })
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  )
}
