import type { FastifyInstance } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { Logger, Registry } from '@sillage/runtime'
import type { Warehouse } from '@sillage/warehouse'
import { createCartAbandonmentDetector } from './pipeline/cart-abandonment.js'
import type { CartAbandonmentOptions } from './pipeline/cart-abandonment.config.js'
import type { ActivationOptions } from './activation.config.js'
import { createActivationRunner, type ActivationRunner } from './audiences/activation-runner.js'
import { registerAudienceRoutes } from './routes/audiences.route.js'
import { readMergedDefinitions } from './audiences/merged-definitions.js'
import { EMPTY_DEFINITIONS } from './domain/activation-file.js'
import { mergeDefinitions, type MergedDefinitions } from './domain/merge-definitions.js'

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
   * start` puts it on the collector's port, beside the other admin routes; the standalone service
   * on its own server (createActivationServer, SILLAGE_ACTIVATION_PORT).
   */
  registerAdminRoutes(app: FastifyInstance, opts: { token: string }): void
  /**
   * The audiences, destinations and triggers as the runner merges them (the activation file's and
   * the admin API's audiences, both read now), each audience's origin in `origins`. Empty without
   * `activation`. Throws on a bad file or an unreachable warehouse.
   */
  definitions(): Promise<MergedDefinitions>
}

/**
 * Activation's wiring, called by its own main.ts and by `sillage start`: the Cart Abandoned
 * detector (docs/analysts.md), which looks in ClickHouse and produces to events.raw, and, with
 * `activation`, audiences, triggers and destinations (docs/activation.md) and their admin API. The bus and
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
    definitions: async () =>
      deps.activation
        ? readMergedDefinitions({ warehouse: deps.warehouse, file: deps.activation.file })
        : mergeDefinitions(EMPTY_DEFINITIONS, []),
    ...(runner ? { runner } : {}),
  }
}
