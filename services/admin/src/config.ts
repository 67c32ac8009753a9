import { z } from 'zod'
import { parseIdentityRules, type IdentityRules } from '@sillage/identifiers'
import {
  assertNoPortClash,
  BUS_ENV_VARS,
  ConfigError,
  LIFECYCLE_ENV_VARS,
  RETENTION_ENV_VARS,
  WAREHOUSE_ENV_VARS,
  collectConfig,
  envInt,
  envLogLevel,
  loadBusConfig,
  loadLifecycleConfig,
  loadRetentionConfig,
  loadWarehouseConfig,
  parseEnv,
  type BusConfig,
  type LogLevel,
  type RetentionConfig,
  type WarehouseConfig,
} from '@sillage/runtime'

const envSchema = z.object({
  SILLAGE_ADMIN_TOKEN: z.string({ error: 'required' }).min(16, 'at least 16 characters'),
  SILLAGE_ADMIN_PORT: envInt(8081, 0, 65535),
  SILLAGE_ADMIN_HOST: z.string().default('127.0.0.1'),
  SILLAGE_IDENTITY_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'only letters, digits, ".", "_" and "-"')
    .default('identity'),
  SILLAGE_IDENTITY_RULES: z.string().optional(),
  SILLAGE_METRICS_PORT: envInt(9467, 0, 65535),
  SILLAGE_METRICS_HOST: z.string().default('127.0.0.1'),
  SILLAGE_LOG_LEVEL: envLogLevel,
})

/** Every variable the standalone admin service reads. */
export const ADMIN_SERVICE_ENV_VARS: readonly string[] = [
  ...Object.keys(envSchema.shape),
  ...RETENTION_ENV_VARS,
  ...WAREHOUSE_ENV_VARS,
  ...BUS_ENV_VARS,
  ...LIFECYCLE_ENV_VARS,
]

export interface AdminConfig extends WarehouseConfig {
  bus: Readonly<BusConfig>
  adminToken: string
  port: number
  host: string
  /** Identity's consumer group of events.raw: an erasure waits for it to drain. */
  identityGroup: string
  identityRules: IdentityRules
  retention: Readonly<RetentionConfig>
  /** /metrics, /healthz and /readyz. */
  metrics: { port: number; host: string }
  logLevel: LogLevel
  shutdownTimeoutMs: number
}

/** SILLAGE_IDENTITY_RULES, as identity reads it: identifiers must normalise the same way. */
function loadIdentityRules(json: string | undefined): IdentityRules {
  try {
    return parseIdentityRules(json)
  } catch (err) {
    throw new ConfigError([`SILLAGE_IDENTITY_RULES: ${(err as Error).message}`])
  }
}

/**
 * The standalone admin service (main.ts, pipeline mode). The only place it reads process.env:
 * parsed once, every problem reported at once, frozen.
 */
export function loadAdminConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<AdminConfig> {
  const [own, warehouse, bus, retention, lifecycle, identityRules] = collectConfig(
    () => parseEnv(envSchema, env),
    () => loadWarehouseConfig(env),
    () =>
      loadBusConfig(env, {
        kafkaOnly: 'the standalone admin service uses Kafka; the local log is for `sillage start`',
      }),
    () => loadRetentionConfig(env),
    () => loadLifecycleConfig(env),
    () => loadIdentityRules(env['SILLAGE_IDENTITY_RULES']),
  )
  assertNoPortClash({
    SILLAGE_ADMIN_PORT: own.SILLAGE_ADMIN_PORT,
    SILLAGE_METRICS_PORT: own.SILLAGE_METRICS_PORT,
  })
  return Object.freeze({
    ...warehouse,
    bus,
    adminToken: own.SILLAGE_ADMIN_TOKEN,
    port: own.SILLAGE_ADMIN_PORT,
    host: own.SILLAGE_ADMIN_HOST,
    identityGroup: own.SILLAGE_IDENTITY_GROUP,
    identityRules,
    retention,
    metrics: Object.freeze({ port: own.SILLAGE_METRICS_PORT, host: own.SILLAGE_METRICS_HOST }),
    logLevel: own.SILLAGE_LOG_LEVEL,
    shutdownTimeoutMs: lifecycle.shutdownTimeoutMs,
  })
}
