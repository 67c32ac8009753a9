import type { Sillage, VisitorCalls } from './client.js'
import type { RequestLike, VisitorOptions } from './visitor.js'

type Next = () => void

/**
 * Express (or Connect, or a bare `http` handler) middleware: `req.sillage` is the Sillage client
 * bound to the request's browser visitor.
 *
 * ```ts
 * app.use(sillageExpress(sillage))
 * app.post('/checkout', (req, res) => { req.sillage.orderCompleted({ userId, properties }) })
 * ```
 */
export function sillageExpress(
  client: Sillage,
  opts?: VisitorOptions,
): (req: RequestLike & { sillage?: VisitorCalls }, res: unknown, next: Next) => void {
  return (req, _res, next) => {
    req.sillage = client.forRequest(req, opts)
    next()
  }
}

interface FastifyLike {
  decorateRequest(name: 'sillage', value: null): unknown
  addHook(
    name: 'onRequest',
    hook: (request: RequestLike & { sillage: VisitorCalls | null }, reply: unknown, done: Next) => void,
  ): unknown
}

type FastifyPlugin = (instance: FastifyLike, opts: unknown, done: Next) => void

/**
 * A Fastify plugin: `request.sillage` is the client bound to the request's browser visitor.
 * Registered without encapsulation (as fastify-plugin would), so routes in every context see it.
 *
 * ```ts
 * await app.register(sillageFastify(sillage))
 * declare module 'fastify' { interface FastifyRequest { sillage: VisitorCalls } }
 * ```
 */
export function sillageFastify(client: Sillage, opts?: VisitorOptions): FastifyPlugin {
  const plugin: FastifyPlugin = (instance, _opts, done) => {
    instance.decorateRequest('sillage', null)
    instance.addHook('onRequest', (request, _reply, next) => {
      request.sillage = client.forRequest(request, opts)
      next()
    })
    done()
  }
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'sillage',
  })
}
