import { z } from 'zod'
import type { Source } from '@sillage/schemas'
import {
  collectConfig,
  ConfigError,
  envInt,
  envLogLevel,
  envPort,
  BUS_ENV_VARS,
  LIFECYCLE_ENV_VARS,
  loadBusConfig,
  loadLifecycleConfig,
  loadSources,
  parseEnv,
  readBoolWord,
  type BusConfig,
} from '@sillage/runtime'

// The sources' reading is shared (packages/runtime/src/sources-env.ts); re-exported for the CLI.
export { parseSources, unknownSourceKeys } from '@sillage/runtime'

const envSchema = z.object({
  SILLAGE_PORT: envPort(8080),
  SILLAGE_HOST: z.string().default('127.0.0.1'),
  SILLAGE_SOURCES: z.string().optional(),
  SILLAGE_SOURCES_FILE: z.string().optional(),
  SILLAGE_MAX_EVENT_BYTES: envInt(32 * 1024, 256),
  SILLAGE_MAX_BATCH_BYTES: envInt(500 * 1024, 1024),
  SILLAGE_MAX_INFLIGHT_EVENTS: envInt(50_000, 1),
  SILLAGE_MAX_INFLIGHT_BYTES: envInt(64 * 1024 * 1024, 1024),
  SILLAGE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  SILLAGE_TRUST_PROXY: z.string().optional(),
  SILLAGE_LOG_LEVEL: envLogLevel,
  SILLAGE_UNHEALTHY_AFTER_MS: envInt(60_000, 1_000),
})

export interface CollectorConfig {
  port: number
  host: string
  /** Undefined when neither SILLAGE_SOURCES nor SILLAGE_SOURCES_FILE is set. */
  sources: readonly Source[] | undefined
  maxEventBytes: number
  maxBatchBytes: number
  /** Backpressure bound: events and bytes produced but not yet acknowledged by the bus. */
  maxInflightEvents: number
  maxInflightBytes: number
  adminToken: string | undefined
  logLevel: string
  /** Fastify's trustProxy: false, true, or the addresses/CIDRs of the reverse proxies. */
  trustProxy: boolean | string[]
  /** How long the local bus may stay unready before /healthz fails (docs/operations.md). */
  unhealthyAfterMs: number
}

/**
 * A boolean (`true`, `off`, `0` …, any case, as every boolean variable), or a comma-separated list
 * of proxy addresses/CIDRs (e.g. "127.0.0.1,10.0.0.0/8").
 */
export function parseTrustProxy(value: string | undefined): boolean | string[] {
  if (value === undefined) return false
  const bool = readBoolWord(value.trim())
  if (bool !== undefined) return bool
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
}

export function loadCollectorConfig(env: Record<string, string | undefined>): Readonly<CollectorConfig> {
  const e = parseEnv(envSchema, env)
  const sources = loadSources(e)
  return Object.freeze({
    port: e.SILLAGE_PORT,
    host: e.SILLAGE_HOST,
    sources: sources && Object.freeze(sources),
    maxEventBytes: e.SILLAGE_MAX_EVENT_BYTES,
    maxBatchBytes: e.SILLAGE_MAX_BATCH_BYTES,
    maxInflightEvents: e.SILLAGE_MAX_INFLIGHT_EVENTS,
    maxInflightBytes: e.SILLAGE_MAX_INFLIGHT_BYTES,
    adminToken: e.SILLAGE_ADMIN_TOKEN,
    logLevel: e.SILLAGE_LOG_LEVEL,
    trustProxy: parseTrustProxy(e.SILLAGE_TRUST_PROXY),
    unhealthyAfterMs: e.SILLAGE_UNHEALTHY_AFTER_MS,
  })
}

/** The variables loadCollectorConfig reads. */
export const COLLECTOR_ENV_VARS: readonly string[] = Object.keys(envSchema.shape)

/** Every variable the standalone collector reads (docker-config.test.ts checks docker/ against it). */
export const COLLECTOR_SERVICE_ENV_VARS: readonly string[] = [
  ...COLLECTOR_ENV_VARS,
  ...BUS_ENV_VARS,
  ...LIFECYCLE_ENV_VARS,
]

export interface CollectorServiceConfig {
  collector: Readonly<CollectorConfig> & { sources: readonly Source[] }
  bus: Readonly<BusConfig>
  shutdownTimeoutMs: number
}

/**
 * The standalone collector (main.ts): the HTTP settings above, sources (required: there is no
 * demo source outside `sillage start`), Kafka, and the shutdown budget. Every problem at once.
 */
export function loadCollectorServiceConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<CollectorServiceConfig> {
  const [collector, , bus, lifecycle] = collectConfig(
    () => loadCollectorConfig(env) as Readonly<CollectorConfig> & { sources: readonly Source[] },
    () => {
      if (!env.SILLAGE_SOURCES && !env.SILLAGE_SOURCES_FILE) {
        throw new ConfigError([
          'SILLAGE_SOURCES or SILLAGE_SOURCES_FILE: required by the standalone collector',
        ])
      }
    },
    () =>
      loadBusConfig(env, {
        kafkaOnly: 'the standalone collector produces to Kafka; the local log is for `sillage start`',
      }),
    () => loadLifecycleConfig(env),
  )
  return Object.freeze({ collector, bus, shutdownTimeoutMs: lifecycle.shutdownTimeoutMs })
}
