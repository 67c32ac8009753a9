import type { FastifyInstance } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { SuppressionList } from '@sillage/identifiers'
import { followSuppressions, type SuppressionFeed } from '@sillage/identifiers/follow'
import type { Logger, Registry } from '@sillage/runtime'
import type { Source } from '@sillage/schemas'
import { createCollectorApp, type CollectorDeps } from './app.js'
import type { DebugTap } from './domain/debug-tap.js'

export interface CollectorStackDeps {
  config: CollectorDeps['config']
  sources: readonly Source[]
  bus: Bus
  log: Logger
  registry: Registry
  /** The live debugger's tap; `sillage start` shares one with identity. */
  debugTap?: DebugTap
  /**
   * The process's suppression list, when it already follows privacy.suppressions (`sillage
   * start`, through the identity stack). Absent, the stack follows the topic itself.
   */
  suppressions?: SuppressionList
  /** Consumer group prefix of its own suppression follower. Default sillage.suppressions.collector. */
  suppressionGroupPrefix?: string
}

export interface CollectorStack {
  /** The HTTP app, not listening yet: the embedded start registers its own routes on it. */
  readonly app: FastifyInstance
  readonly suppressions: SuppressionList
  /** Stops accepting, lets the requests in flight finish, then stops its suppression follower. */
  close(): Promise<void>
}

/**
 * The collector's wiring, called by its own main.ts and by `sillage start`: the erased
 * identifiers (read whole before anything is accepted, docs/privacy.md), then the app. The bus
 * is the caller's: it closes it after `close()`.
 */
export async function createCollectorStack(deps: CollectorStackDeps): Promise<CollectorStack> {
  let feed: SuppressionFeed | undefined
  let suppressions: SuppressionList
  if (deps.suppressions) suppressions = deps.suppressions
  else {
    feed = await followSuppressions(deps.bus, {
      groupPrefix: deps.suppressionGroupPrefix ?? 'sillage.suppressions.collector',
    })
    suppressions = feed.list
  }
  const app = createCollectorApp({
    config: deps.config,
    sources: deps.sources,
    bus: deps.bus,
    log: deps.log,
    registry: deps.registry,
    suppressions,
    ...(deps.debugTap && { debugTap: deps.debugTap }),
  })
  return {
    app,
    suppressions,
    async close() {
      // Refuses new connections (503 on kept-alive ones) and waits for the requests in flight:
      // each has its bus ack or its 503 before the bus goes.
      await app.close()
      await feed?.stop()
    },
  }
}
