import { accessSync, constants, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { z } from 'zod'
import {
  envBool,
  envInt,
  envPort,
  collectConfig,
  ConfigError,
  portClashes,
  loadBusConfig,
  parseEnv,
  loadWarehouseConfig,
  BUS_ENV_VARS,
  WAREHOUSE_ENV_VARS,
  loadRetentionConfig,
  RETENTION_ENV_VARS,
  loadLifecycleConfig,
  LIFECYCLE_ENV_VARS,
  type BusConfig,
  type RetentionConfig,
  type WarehouseConfig,
} from '@sillage/runtime'
import { COLLECTOR_ENV_VARS, loadCollectorConfig, type CollectorConfig } from '@sillage/collector'
import { DASHBOARD_ENV_VARS, loadDashboardConfig, type DashboardConfig } from '@sillage/dashboard'
import { IDENTITY_RULES_ENV_VARS, loadIdentityRules } from '@sillage/identity'
import { PROFILES_ENV_VARS, loadProfilesOptions, type ProfilesOptions } from '@sillage/profiles'
import {
  ACTIVATION_ENV_VARS,
  CART_ABANDONMENT_ENV_VARS,
  loadActivationOptions,
  loadCartAbandonmentConfig,
  type ActivationOptions,
  type CartAbandonmentOptions,
} from '@sillage/activation'

/** Embedded mode's threads (docs/architecture.md, embedded mode). */
const embeddedEnvSchema = z.object({
  SILLAGE_IDENTITY_WORKER: envBool(false),
  SILLAGE_MAX_IDENTITY_LAG_EVENTS: envInt(100_000, 1),
  SILLAGE_PROFILES_THREAD: envBool(true),
  SILLAGE_PROFILES_PORT: envPort(undefined),
})
const EMBEDDED_ENV_VARS = Object.keys(embeddedEnvSchema.shape)
const embeddedEnv = embeddedEnvSchema.refine(
  (e) => e.SILLAGE_PROFILES_THREAD || e.SILLAGE_PROFILES_PORT === undefined,
  {
    path: ['SILLAGE_PROFILES_PORT'],
    message: "is the profiles thread's port: unset it, or set SILLAGE_PROFILES_THREAD=true",
  },
)

export interface EmbeddedConfig {
  /** SILLAGE_IDENTITY_WORKER: identity and its chDB inserts in a worker thread (second core). */
  identityWorker: boolean
  /** SILLAGE_MAX_IDENTITY_LAG_EVENTS: past this many unstored events, 503 SIL_OVERLOADED. */
  maxIdentityLagEvents: number
  /** SILLAGE_PROFILES_THREAD: profiles (lookups, refresher, scorer) in a thread of their own. */
  profilesThread: boolean
  /** SILLAGE_PROFILES_PORT: the thread's own port; unset, see profilesPortFor (port-check.ts). */
  profilesPort: number | undefined
}

/** Every variable the CLI reads (docker-config.test.ts checks the compose file's cli service). */
export const CLI_ENV_VARS: readonly string[] = [
  ...new Set([
    ...WAREHOUSE_ENV_VARS,
    ...BUS_ENV_VARS,
    ...COLLECTOR_ENV_VARS,
    ...RETENTION_ENV_VARS,
    ...LIFECYCLE_ENV_VARS,
    ...CART_ABANDONMENT_ENV_VARS,
    ...IDENTITY_RULES_ENV_VARS,
    ...DASHBOARD_ENV_VARS,
    ...PROFILES_ENV_VARS,
    ...ACTIVATION_ENV_VARS,
    ...EMBEDDED_ENV_VARS,
  ]),
]

export interface CliConfig extends WarehouseConfig {
  bus: BusConfig
  collector: Readonly<CollectorConfig>
  /** SILLAGE_RETENTION_MONTHS, SILLAGE_DEAD_LETTER_RETENTION_DAYS (docs/privacy.md). */
  retention: Readonly<RetentionConfig>
  /** SILLAGE_CART_ABANDONMENT* (docs/analysts.md): the Cart Abandoned detector. */
  cartAbandonment: Readonly<CartAbandonmentOptions>
  /** SILLAGE_IDENTITY_RULES (docs/identity.md). */
  identityRules: ReturnType<typeof loadIdentityRules>
  /** SILLAGE_ANALYST_TOKEN (docs/dashboard.md). */
  dashboard: Readonly<DashboardConfig>
  /** SILLAGE_PROFILE* (docs/profiles.md): read keys, refresh and scoring intervals. */
  profiles: Readonly<ProfilesOptions>
  /** SILLAGE_SHUTDOWN_TIMEOUT_MS: how long a graceful stop may take. */
  shutdownTimeoutMs: number
  /** SILLAGE_AUDIENCES_FILE, SILLAGE_DESTINATION_SECRET_* … (docs/activation.md). */
  activation: Readonly<ActivationOptions>
  embedded: Readonly<EmbeddedConfig>
  /** Settings given but without effect, for `start` to log once (pino warn) as it begins. */
  warnings: readonly string[]
}

/** Variables set that this configuration ignores: said, since a silent no-op looks like a bug. */
function ignoredSettings(bus: BusConfig): string[] {
  if (bus.kind !== 'local' || bus.kafkaBrokers.length === 0) return []
  return [
    'KAFKA_BROKERS is set but ignored: SILLAGE_BUS is local (the default), so sillage start uses the local log in the data dir; set SILLAGE_BUS=kafka to use these brokers',
  ]
}

/**
 * The data dir holds the local log, chDB and the sources: a file in its place, or a parent this
 * process cannot write to, would fail later, mid-start, with a raw ENOTDIR or EACCES.
 */
const statOrUndefined = (path: string) => {
  try {
    return statSync(path, { throwIfNoEntry: false })
  } catch {
    return undefined // ENOTDIR: a parent is a file, found on the way up
  }
}

export function dataDirProblems(dataDir: string): string[] {
  let dir = dataDir
  for (;;) {
    const stat = statOrUndefined(dir)
    if (stat && !stat.isDirectory())
      return [`SILLAGE_DATA_DIR: ${JSON.stringify(dir)} is not a directory (got ${JSON.stringify(dataDir)})`]
    if (stat) break
    if (dirname(dir) === dir) return []
    dir = dirname(dir)
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch {
    return [
      `SILLAGE_DATA_DIR: ${JSON.stringify(dir)} is not writable by this process (got ${JSON.stringify(dataDir)})`,
    ]
  }
  if (dir === dataDir) return []
  // Access checks pass where a directory still cannot be made (/proc, as root), and there Node's
  // recursive mkdir (the warehouse's, the bus's) loops for ever on ENOENT. So a probe: the first
  // missing directory, made without `recursive` (which fails at once) and removed.
  const first = relative(dir, dataDir).split(sep)[0]!
  try {
    mkdirSync(join(dir, first))
    rmSync(join(dir, first), { recursive: true, force: true })
    return []
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    return [
      `SILLAGE_DATA_DIR: ${JSON.stringify(dataDir)} cannot be created in ${JSON.stringify(dir)} (${code})`,
    ]
  }
}

/** The only place the CLI reads process.env; parsed once, every problem reported at once. */
export function loadCliConfig(env: Record<string, string | undefined> = process.env): Readonly<CliConfig> {
  const [
    warehouse,
    bus,
    collector,
    retention,
    cartAbandonment,
    identityRules,
    dashboard,
    profiles,
    lifecycle,
    activation,
    embedded,
  ] = collectConfig(
    () => loadWarehouseConfig(env),
    () => loadBusConfig(env),
    () => loadCollectorConfig(env),
    () => loadRetentionConfig(env),
    () => loadCartAbandonmentConfig(env),
    () => loadIdentityRules(env),
    () => loadDashboardConfig(env),
    () => loadProfilesOptions(env),
    () => loadLifecycleConfig(env),
    () => loadActivationOptions(env),
    () => parseEnv(embeddedEnv, env),
  )
  const problems = [
    ...dataDirProblems(warehouse.dataDir),
    ...portClashes({
      SILLAGE_PORT: collector.port,
      SILLAGE_PROFILES_PORT: embedded.SILLAGE_PROFILES_PORT,
    }),
  ]
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    ...warehouse,
    bus,
    collector,
    retention,
    cartAbandonment,
    identityRules,
    dashboard,
    profiles,
    shutdownTimeoutMs: lifecycle.shutdownTimeoutMs,
    activation,
    embedded: Object.freeze({
      identityWorker: embedded.SILLAGE_IDENTITY_WORKER,
      maxIdentityLagEvents: embedded.SILLAGE_MAX_IDENTITY_LAG_EVENTS,
      profilesThread: embedded.SILLAGE_PROFILES_THREAD,
      profilesPort: embedded.SILLAGE_PROFILES_PORT,
    }),
    warnings: Object.freeze(ignoredSettings(bus)),
  })
}

const sourcesFileEnvSchema = z.object({
  SILLAGE_DATA_DIR: z.string().default('./.sillage'),
  SILLAGE_SOURCES: z.string().optional(),
  SILLAGE_SOURCES_FILE: z.string().optional(),
})

export interface SourcesFileConfig {
  /** SILLAGE_SOURCES_FILE, else the data dir's sources.json (embedded mode). Absolute. */
  file: string
  /** SILLAGE_SOURCES is set: the sources live in the environment, not in a file. */
  inline: boolean
}

/**
 * What `sillage sources` edits. Apart from loadCliConfig: the file may not exist yet, and its
 * content is the command's to check.
 */
export function loadSourcesFileConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<SourcesFileConfig> {
  const e = parseEnv(sourcesFileEnvSchema, env)
  return Object.freeze({
    file: resolve(e.SILLAGE_SOURCES_FILE ?? join(e.SILLAGE_DATA_DIR, 'sources.json')),
    inline: e.SILLAGE_SOURCES !== undefined,
  })
}
