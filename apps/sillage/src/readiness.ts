import type { FastifyInstance } from 'fastify'

export interface StartupGate {
  /** From now on every request is served (call it once the runtime file is written). */
  open(): void
}

/**
 * Ready means ready for the HTTP clients and for the CLI alike: until `open()`, every request
 * (`/healthz` included) answers 503 with `Retry-After: 1`, so that nothing (a test, a load
 * balancer, `sillage query` run right after `/healthz`) sees the process before it wrote its
 * runtime file (data-dir.ts), through which the CLI reaches it instead of opening chDB itself.
 * SDKs retry a 503, so an event sent in that instant is not lost. Register before `listen`.
 */
export function gateUntilReady(app: FastifyInstance): StartupGate {
  let ready = false
  app.addHook('onRequest', async (_request, reply) => {
    if (ready) return
    return reply
      .code(503)
      .header('retry-after', '1')
      .send({ success: false, code: 'SIL_STARTING', message: 'sillage start is starting; retry in a second' })
  })
  return {
    open() {
      ready = true
    },
  }
}
