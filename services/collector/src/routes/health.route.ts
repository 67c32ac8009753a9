import type { FastifyInstance } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { Registry } from '@sillage/runtime'

export function registerHealthRoutes(app: FastifyInstance, deps: { bus: Bus; registry: Registry }): void {
  app.get('/healthz', async () => ({ ok: true }))
  app.get('/readyz', async (_request, reply) => {
    const health = deps.bus.health()
    return reply.code(health.ready ? 200 : 503).send({ ready: health.ready, bus: health })
  })
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  )
}
