import { z } from 'zod'
import { IdentityRulesError, parseIdentityRules } from '@sillage/identifiers'
import type { BrowserSource } from './domain/browser-keys.js'
import { collidingReadKeys } from './domain/read-keys.js'
import {
  assertNoPortClash,
  BUS_ENV_VARS,
  collectConfig,
  ConfigError,
  envInt,
  envLogLevel,
  isPlaceholderKey,
  LIFECYCLE_ENV_VARS,
  loadBusConfig,
  loadLifecycleConfig,
  loadSources,
  loadWarehouseConfig,
  parseEnv,
  placeholderKeyFix,
  WAREHOUSE_ENV_VARS,
  type BusConfig,
  type LogLevel,
  type WarehouseConfig,
} from '@sillage/runtime'

/** A server-side profile read key (docs/profiles.md#keys): secret, distinct from write keys. */
export const readKeySchema = z.object({
  id: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/),
  // Sent as `Bearer <key>`: whitespace would split it (and never match).
  key: z
    .string()
    .min(16)
    .max(256)
    .regex(/^\S+$/, 'a read key holds no whitespace')
    .refine((k) => !isPlaceholderKey(k), `still the placeholder REPLACE_ME; ${placeholderKeyFix('key')}`),
  /** The sources whose people it may read; ["*"] for all. */
  sources: z.array(z.string().min(1)).min(1),
})
export type ReadKey = z.output<typeof readKeySchema>

const readKeysJson = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined || s.trim() === '') return []
    try {
      return JSON.parse(s) as unknown
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' })
      return z.NEVER
    }
  })
  .pipe(
    z.array(readKeySchema).superRefine((keys, ctx) => {
      // A key given twice would take the scope of whichever entry the lookup table kept last.
      for (const field of ['key', 'id'] as const) {
        const seen = new Set<string>()
        for (const [i, k] of keys.entries()) {
          if (seen.has(k[field]))
            ctx.addIssue({
              code: 'custom',
              path: [i, field],
              message: `the same ${field} as an earlier read key`,
            })
          seen.add(k[field])
        }
      }
    }),
  )

const envSchema = z.object({
  SILLAGE_PROFILE_READ_KEYS: readKeysJson,
  SILLAGE_PROFILES_REFRESH_MS: envInt(1000, 100, 600_000),
  SILLAGE_PROFILES_SCORE_MS: envInt(15 * 60_000, 1000, 86_400_000),
  SILLAGE_PROFILES_RATE_LIMIT_PER_MINUTE: envInt(60_000, 1, 10_000_000),
  SILLAGE_PROFILES_RECOMMENDATION_DAYS: envInt(90, 1, 3650),
  SILLAGE_PROFILES_CACHE: envInt(200_000, 0, 10_000_000),
  SILLAGE_PROFILES_JOB_THREADS: envInt(0, 0, 1024),
})

/** Identity's rules (docs/identity.md): a phone lookup reads national numbers with their `phoneCountryCode`. */
const IDENTITY_RULES_VAR = 'SILLAGE_IDENTITY_RULES'

/** The variables of the profiles options (embedded and standalone). */
export const PROFILES_ENV_VARS: readonly string[] = [...Object.keys(envSchema.shape), IDENTITY_RULES_VAR]

/**
 * Identity's calling code for national phone numbers, so that a phone lookup normalises as
 * identity did, and its blocked values (defaults and configured), which are never identifiers. Invalid rules are reported when `report` (the standalone service); `sillage start`
 * leaves them to identity's own loader, which stops it, so that they are reported once.
 */
function identityLookupRules(env: Record<string, string | undefined>, report: boolean) {
  try {
    const rules = parseIdentityRules(env[IDENTITY_RULES_VAR])
    return {
      phoneCountryCode: rules.phoneCountryCode,
      blockedValues: Object.freeze([...rules.blockedValues]),
    }
  } catch (err) {
    if (!(err instanceof IdentityRulesError)) throw err
    if (report) throw new ConfigError(err.problems.map((p) => `${IDENTITY_RULES_VAR}: ${p}`))
    return { phoneCountryCode: undefined, blockedValues: undefined }
  }
}

export interface ProfilesOptions {
  readKeys: readonly ReadKey[]
  /** The refresher's period: stream attributes are at most about this plus one run old. */
  refreshIntervalMs: number
  /** Events inserted up to this long before the watermark are read again (slow inserts). */
  refreshOverlapMs: number
  /** New events folded per refresh run, at most (default 50,000); a capped run is followed at once. */
  refreshMaxEvents?: number
  /** Scores and recommendations are recomputed on this period. */
  scoreIntervalMs: number
  /** Lookups per minute per read key (and per visitor on the browser route). */
  rateLimitPerMinute: number
  /** The history the recommendations learn from. */
  recommendationDays: number
  /** Products kept per list. */
  recommendationLimit: number
  /** Profiles held in memory for lookups (the rest are read from the warehouse). */
  cacheProfiles: number
  /**
   * ClickHouse threads per refresh or scoring query (`max_threads`; 0: the server's default, the
   * default). 1 keeps the jobs to one core; measured in docs/benchmarks.md ("Round of 2026-12-06").
   */
  jobThreads?: number
  /**
   * Identity's calling code for national phone numbers (SILLAGE_IDENTITY_RULES `phoneCountryCode`):
   * the default of a phone lookup's `phoneCountryCode` parameter.
   */
  phoneCountryCode?: string | undefined
  /**
   * Identity's blocked values (SILLAGE_IDENTITY_RULES `blockedValues` and its defaults: `null`,
   * `n/a`, `guest`…), never identifiers: a lookup of one is refused. Default: identity's defaults.
   */
  blockedValues?: readonly string[] | undefined
}

/** The profiles options from the environment: parsed once, frozen. */
export function loadProfilesOptions(
  env: Record<string, string | undefined> = process.env,
  { reportIdentityRules = false }: { reportIdentityRules?: boolean } = {},
): Readonly<ProfilesOptions> {
  const [e, { phoneCountryCode, blockedValues }] = collectConfig(
    () => parseEnv(envSchema, env),
    () => identityLookupRules(env, reportIdentityRules),
  )
  return Object.freeze({
    readKeys: Object.freeze(e.SILLAGE_PROFILE_READ_KEYS),
    refreshIntervalMs: e.SILLAGE_PROFILES_REFRESH_MS,
    refreshOverlapMs: 2000,
    scoreIntervalMs: e.SILLAGE_PROFILES_SCORE_MS,
    rateLimitPerMinute: e.SILLAGE_PROFILES_RATE_LIMIT_PER_MINUTE,
    recommendationDays: e.SILLAGE_PROFILES_RECOMMENDATION_DAYS,
    recommendationLimit: 20,
    cacheProfiles: e.SILLAGE_PROFILES_CACHE,
    jobThreads: e.SILLAGE_PROFILES_JOB_THREADS,
    phoneCountryCode,
    blockedValues,
  })
}

const serviceSchema = z.object({
  SILLAGE_PROFILES_PORT: envInt(8090, 0, 65535),
  SILLAGE_PROFILES_HOST: z.string().default('127.0.0.1'),
  SILLAGE_METRICS_PORT: envInt(9466, 0, 65535),
  SILLAGE_METRICS_HOST: z.string().default('127.0.0.1'),
  SILLAGE_LOG_LEVEL: envLogLevel,
})

/** The collector's sources and admin token (docs/configuration.md), with its rules. */
const keysSchema = z.object({
  SILLAGE_SOURCES: z.string().optional(),
  SILLAGE_SOURCES_FILE: z.string().optional(),
  SILLAGE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
})
const KEYS_ENV_VARS = Object.keys(keysSchema.shape)

export const PROFILES_SERVICE_ENV_VARS: readonly string[] = [
  ...Object.keys(serviceSchema.shape),
  ...KEYS_ENV_VARS,
  ...PROFILES_ENV_VARS,
  ...WAREHOUSE_ENV_VARS,
  ...BUS_ENV_VARS,
  ...LIFECYCLE_ENV_VARS,
]

export interface ProfilesServiceConfig extends WarehouseConfig {
  profiles: Readonly<ProfilesOptions>
  bus: Readonly<BusConfig>
  http: { port: number; host: string }
  metrics: { port: number; host: string }
  logLevel: LogLevel
  shutdownTimeoutMs: number
  /** Every source's write keys, rotated-out ones too: a read key equal to one is refused. */
  writeKeys: readonly string[]
  adminToken: string | undefined
  /** The browser sources, for the browser-safe route (none without SILLAGE_SOURCES(_FILE)). */
  browserSources: readonly BrowserSource[]
}

/**
 * The write keys, the admin token and the browser sources, read as the collector reads them
 * (SILLAGE_SOURCES, else the file SILLAGE_SOURCES_FILE; loadSources) and SILLAGE_ADMIN_TOKEN.
 */
function loadKeys(env: Record<string, string | undefined>) {
  const e = parseEnv(keysSchema, env)
  const sources = loadSources(e) ?? []
  return {
    writeKeys: Object.freeze(
      sources.flatMap((s) => [s.writeKey, ...s.previousWriteKeys.map((p) => p.writeKey)]),
    ),
    adminToken: e.SILLAGE_ADMIN_TOKEN,
    browserSources: Object.freeze(sources.filter((s) => s.type === 'browser')),
  }
}

/** The standalone profiles service (main.ts): every problem reported at once, frozen. */
export function loadProfilesServiceConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<ProfilesServiceConfig> {
  const [own, profiles, keys, warehouse, bus, lifecycle] = collectConfig(
    () => parseEnv(serviceSchema, env),
    () => loadProfilesOptions(env, { reportIdentityRules: true }),
    () => loadKeys(env),
    () => loadWarehouseConfig(env),
    () => loadBusConfig(env, { kafkaOnly: 'the standalone profiles service follows Kafka topics' }),
    () => loadLifecycleConfig(env),
  )
  assertNoPortClash({
    SILLAGE_PROFILES_PORT: own.SILLAGE_PROFILES_PORT,
    SILLAGE_METRICS_PORT: own.SILLAGE_METRICS_PORT,
  })
  // Checked here too (createProfilesStack does), so that the service stops before it connects.
  const colliding = collidingReadKeys(profiles.readKeys, keys.writeKeys, keys.adminToken)
  if (colliding.length > 0) {
    throw new ConfigError([
      `SIL_PROFILE_CONFIG_INVALID: SILLAGE_PROFILE_READ_KEYS: read keys ${colliding.join(', ')} equal a write key or the admin token; a read key must be its own secret`,
    ])
  }
  return Object.freeze({
    ...warehouse,
    ...lifecycle,
    ...keys,
    profiles,
    bus,
    http: { port: own.SILLAGE_PROFILES_PORT, host: own.SILLAGE_PROFILES_HOST },
    metrics: { port: own.SILLAGE_METRICS_PORT, host: own.SILLAGE_METRICS_HOST },
    logLevel: own.SILLAGE_LOG_LEVEL,
  })
}
