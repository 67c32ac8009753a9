import type { FastifyInstance } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { Logger, Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createCartAbandonmentDetector } from './pipeline/cart-abandonment.js'
import type { CartAbandonmentOptions } from './pipeline/cart-abandonment.config.js'
import type { ActivationOptions } from './activation.config.js'
import { createActivationRunner, type ActivationRunner } from './audiences/activation-runner.js'
import { registerAudienceRoutes } from './routes/audiences.route.js'

export interface ActivationStackDeps {
  bus: Bus
  warehouse: Warehouse
  log: Logger
  registry: Registry
  cartAbandonment: Readonly<CartAbandonmentOptions>
  /** Audiences, destinations and triggers (docs/activation.md); absent: not run. */
  activation?: Readonly<ActivationOptions>
}

export interface ActivationStack {
  start(): void
  /** Stops looking; waits for a look in progress. */
  stop(): Promise<void>
  /** Audiences and destinations, when `activation` was given. */
  runner?: ActivationRunner
  /**
   * Registers `/admin/audiences` (admin token) on `app`, when `activation` was given: `sillage
   * start` puts it on the collector's port, beside the other admin routes.
   */
  registerAdminRoutes(app: FastifyInstance, opts: { token: string }): void
}

/**
 * Activation's wiring, called by its own main.ts and by `sillage start`: today the Cart Abandoned
 * detector (docs/analysts.md), which looks in ClickHouse and produces to events.raw. The bus and
 * the warehouse are the caller's, migrated and with their topics ensured.
 */
export function createActivationStack(deps: ActivationStackDeps): ActivationStack {
  // Stateless and idempotent, so every instance may run it; SILLAGE_CART_ABANDONMENT=false on all
  // but one saves the repeated queries.
  const cartAbandonment = createCartAbandonmentDetector({
    warehouse: deps.warehouse,
    bus: deps.bus,
    log: deps.log,
    registry: deps.registry,
    options: deps.cartAbandonment,
  })
  const runner = deps.activation ? createActivationRunner({ ...deps, options: deps.activation }) : undefined
  return {
    start: () => {
      cartAbandonment.start()
      runner?.start()
    },
    stop: async () => {
      await Promise.all([cartAbandonment.stop(), runner?.stop()])
    },
    registerAdminRoutes: (app, opts) => {
      if (runner) registerAudienceRoutes(app, { token: opts.token, runner })
    },
    ...(runner ? { runner } : {}),
  }
}
