import type { FastifyInstance } from 'fastify'
import type { Bus } from '@sillage/bus'
import type { KeyedSource } from '@sillage/schemas'
import type { SuppressionList } from '@sillage/identifiers'
import {
  collidingReadKeys,
  createProfilesStack,
  createProfilesWorker,
  type ProfilesOptions,
} from '@sillage/profiles'
import { ConfigError } from '@sillage/runtime'
import type { Logger, Registry } from '@sillage/runtime'
import type { Warehouse, WarehouseOptions } from '@sillage/warehouse'

export interface EmbeddedProfiles {
  /** The list to give the admin API: with the thread, its erasures reach the thread at once. */
  suppressions: SuppressionList
  /** The thread's own port, or undefined when profiles share the main thread. */
  port: number | undefined
  register(app: FastifyInstance): void
  /** Resolves once the refresh and scoring runs in flight have ended (an erasure waits). */
  idle(): Promise<void>
  /** Identity stored events: the next refresh starts shortly instead of a period later. */
  stored(): void
  stop(): Promise<void>
  /** After the bus and chDB closed: ends the thread, if any. */
  exit(): Promise<void>
}

/**
 * Profiles in `sillage start` (docs/profiles.md): in a thread of their own that serves lookups on
 * `port` and answers the main port's profile routes too (docs/architecture.md, embedded mode), or,
 * with no port (SILLAGE_PROFILES_THREAD=false), on the main thread. Started here; the routes go on
 * with `register`.
 */
export async function startProfiles(deps: {
  port: number | undefined
  /** `port` is the default, not SILLAGE_PROFILES_PORT: taken by the time the thread listens, any will do. */
  portIsDefault: boolean
  host: string
  bus: Bus
  warehouse: Warehouse
  warehouseOptions: WarehouseOptions
  log: Logger
  logLevel: string
  registry: Registry
  suppressions: SuppressionList
  options: Readonly<ProfilesOptions>
  adminToken: string
  writeKeys: readonly string[]
  /** Whole browser sources: their rotated-out keys (`previousWriteKeys`) open the browser route too. */
  browserSources: ReadonlyArray<KeyedSource & { id: string; allowedOrigins: readonly string[] }>
}): Promise<EmbeddedProfiles> {
  // Checked here, before a thread starts, so that `start` stops with one line naming the code.
  const colliding = collidingReadKeys(deps.options.readKeys, deps.writeKeys, deps.adminToken)
  if (colliding.length > 0) {
    throw new ConfigError([
      `SIL_PROFILE_CONFIG_INVALID: SILLAGE_PROFILE_READ_KEYS: read keys ${colliding.join(', ')} equal a write key or the admin token; a read key must be its own secret`,
    ])
  }
  if (deps.port === undefined) {
    const stack = createProfilesStack({
      warehouse: deps.warehouse,
      log: deps.log,
      registry: deps.registry,
      suppressions: deps.suppressions,
      options: deps.options,
      adminToken: deps.adminToken,
      writeKeys: deps.writeKeys,
      browserSources: deps.browserSources,
    })
    stack.start()
    return {
      suppressions: deps.suppressions,
      port: undefined,
      register: (app) => stack.register(app),
      idle: () => stack.idle(),
      stored: () => stack.stored(),
      stop: () => stack.stop(),
      exit: async () => {},
    }
  }
  const thread = createProfilesWorker({
    bus: deps.bus,
    warehouse: deps.warehouseOptions,
    log: deps.log,
    registry: deps.registry,
    logLevel: deps.logLevel,
    options: deps.options,
    http: { port: deps.port, host: deps.host, orAnyPort: deps.portIsDefault },
    suppressionGroupPrefix: 'sillage.suppressions.profiles',
    writeKeys: deps.writeKeys,
    adminToken: deps.adminToken,
    browserSources: deps.browserSources.map((s) => ({ ...s, allowedOrigins: [...s.allowedOrigins] })),
    onCrash: (err) => {
      // chDB is one engine per process and the thread's end closed it: stop, to be restarted.
      deps.log.fatal({ err }, 'profiles thread died; stopping')
      process.exit(1)
    },
  })
  const port = await thread.start()
  return {
    suppressions: thread.forwarding(deps.suppressions),
    port,
    register: (app) => thread.register(app),
    idle: () => thread.idle(),
    stored: () => thread.stored(),
    stop: () => thread.stop(),
    exit: () => thread.exit(),
  }
}
