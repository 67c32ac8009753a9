import { z } from 'zod'
import {
  BUS_ENV_VARS,
  collectConfig,
  envInt,
  LIFECYCLE_ENV_VARS,
  WAREHOUSE_ENV_VARS,
  envLogLevel,
  loadBusConfig,
  loadLifecycleConfig,
  loadWarehouseConfig,
  parseEnv,
  type BusConfig,
  type LogLevel,
  type WarehouseConfig,
} from '@sillage/runtime'
import type { IdentityRules } from '@sillage/identifiers'
import { IDENTITY_RULES_ENV_VARS, loadIdentityRules } from './rules.config.js'
import { DEFAULT_MAX_BATCH_RECORDS } from './pipeline/identity-service.js'

const envSchema = z.object({
  SILLAGE_IDENTITY_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'only letters, digits, ".", "_" and "-"')
    .default('identity'),
  SILLAGE_IDENTITY_MAX_BATCH: envInt(DEFAULT_MAX_BATCH_RECORDS, 1, 100_000),
  SILLAGE_METRICS_PORT: envInt(9464, 0, 65535),
  SILLAGE_METRICS_HOST: z.string().default('127.0.0.1'),
  SILLAGE_LOG_LEVEL: envLogLevel,
})

/** Every variable the standalone identity service reads (docker-config.test.ts checks docker/). */
export const IDENTITY_SERVICE_ENV_VARS: readonly string[] = [
  ...Object.keys(envSchema.shape),
  ...WAREHOUSE_ENV_VARS,
  ...BUS_ENV_VARS,
  ...LIFECYCLE_ENV_VARS,
  ...IDENTITY_RULES_ENV_VARS,
]

export interface IdentityConfig extends WarehouseConfig {
  bus: Readonly<BusConfig>
  /** Kafka consumer group of events.raw; instances in one group share its partitions. */
  group: string
  /** Upper bound on the records of one ClickHouse insert batch. */
  maxBatchRecords: number
  /** /metrics, /healthz and /readyz. */
  metrics: { port: number; host: string }
  logLevel: LogLevel
  shutdownTimeoutMs: number
  /** SILLAGE_IDENTITY_RULES (docs/identity.md). */
  rules: IdentityRules
}

/**
 * The standalone identity service (main.ts). The only place it reads process.env: parsed once,
 * every problem reported at once, frozen.
 */
export function loadIdentityConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<IdentityConfig> {
  const [own, warehouse, bus, lifecycle, rules] = collectConfig(
    () => parseEnv(envSchema, env),
    () => loadWarehouseConfig(env),
    () =>
      loadBusConfig(env, {
        kafkaOnly: 'the standalone identity service consumes Kafka; the local log is for `sillage start`',
      }),
    () => loadLifecycleConfig(env),
    () => loadIdentityRules(env),
  )
  return Object.freeze({
    ...warehouse,
    bus,
    group: own.SILLAGE_IDENTITY_GROUP,
    maxBatchRecords: own.SILLAGE_IDENTITY_MAX_BATCH,
    metrics: Object.freeze({ port: own.SILLAGE_METRICS_PORT, host: own.SILLAGE_METRICS_HOST }),
    logLevel: own.SILLAGE_LOG_LEVEL,
    shutdownTimeoutMs: lifecycle.shutdownTimeoutMs,
    rules,
  })
}
