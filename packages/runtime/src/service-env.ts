import { resolve } from 'node:path'
import { z } from 'zod'
import { ConfigError, envInt, parseEnv } from './env.js'

/**
 * Environment fragments shared by the composition roots (`sillage start`, the standalone collector
 * and identity): the bus, the warehouse, the log level. Each is parsed once, by the config.ts of
 * the process that needs it; `collectConfig` reports the problems of every fragment at once.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const envLogLevel = z
  .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
  .default('info')

const busEnvSchema = z.object({
  SILLAGE_BUS: z.enum(['local', 'kafka'], { error: 'must be local or kafka' }).optional(),
  KAFKA_BROKERS: z.string().optional(),
  SILLAGE_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'only letters, digits, ".", "_" and "-" (at most 100)')
    .optional(),
  SILLAGE_RAW_PARTITIONS: envInt(4, 1, 1024),
  SILLAGE_PRODUCE_TIMEOUT_MS: envInt(10_000, 100, 300_000),
  SILLAGE_KAFKA_SESSION_TIMEOUT_MS: envInt(30_000, 6_000, 300_000),
})

/** The variables loadBusConfig reads (docker-config.test.ts checks deployment files against them). */
export const BUS_ENV_VARS: readonly string[] = Object.keys(busEnvSchema.shape)

export interface BusConfig {
  kind: 'local' | 'kafka'
  kafkaBrokers: readonly string[]
  /** Prepended to every topic and consumer group name; '' for none. */
  topicPrefix: string
  /** Partitions of events.raw when Sillage creates it. */
  rawPartitions: number
  /** A produce without a durable acknowledgement by then fails (SIL_BUS_UNAVAILABLE). */
  produceTimeoutMs: number
  /** Kafka consumers: silence after which a member is dropped and its partitions reassigned. */
  sessionTimeoutMs: number
}

/**
 * SILLAGE_BUS, KAFKA_BROKERS, SILLAGE_TOPIC_PREFIX, SILLAGE_RAW_PARTITIONS, SILLAGE_PRODUCE_TIMEOUT_MS.
 * `kafkaOnly` (the standalone services: the local log belongs to one process) makes kafka the
 * default and refuses `local`, with that text as the reason.
 */
export function loadBusConfig(
  env: Record<string, string | undefined>,
  opts: { kafkaOnly?: string } = {},
): Readonly<BusConfig> {
  const e = parseEnv(busEnvSchema, env)
  const kind = e.SILLAGE_BUS ?? (opts.kafkaOnly ? 'kafka' : 'local')
  const kafkaBrokers = (e.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
  const problems: string[] = []
  if (kind === 'local' && opts.kafkaOnly) problems.push(`SILLAGE_BUS: must be kafka here (${opts.kafkaOnly})`)
  if (kind === 'kafka' && kafkaBrokers.length === 0)
    problems.push('KAFKA_BROKERS: required when SILLAGE_BUS=kafka')
  for (const broker of kafkaBrokers) {
    const port = /^[^\s:]+:(\d{1,5})$/.exec(broker)?.[1]
    if (port === undefined || Number(port) < 1 || Number(port) > 65535)
      problems.push(`KAFKA_BROKERS: "${broker}" is not host:port (port 1 to 65535)`)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return Object.freeze({
    kind,
    kafkaBrokers: Object.freeze(kafkaBrokers),
    topicPrefix: e.SILLAGE_TOPIC_PREFIX ?? '',
    rawPartitions: e.SILLAGE_RAW_PARTITIONS,
    produceTimeoutMs: e.SILLAGE_PRODUCE_TIMEOUT_MS,
    sessionTimeoutMs: e.SILLAGE_KAFKA_SESSION_TIMEOUT_MS,
  })
}

const warehouseEnvSchema = z.object({
  SILLAGE_DATA_DIR: z.string().default('./.sillage'),
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a letter or "_", then letters, digits or "_" (at most 64)')
    .default('sillage'),
})

/** The variables loadWarehouseConfig reads. */
export const WAREHOUSE_ENV_VARS: readonly string[] = Object.keys(warehouseEnvSchema.shape)

export interface WarehouseConfig {
  /** Absolute. Holds chDB's data (and, embedded, the local log) when CLICKHOUSE_URL is unset. */
  dataDir: string
  clickhouse: {
    url?: string | undefined
    user?: string | undefined
    password?: string | undefined
    database: string
  }
}

/** SILLAGE_DATA_DIR and CLICKHOUSE_*: a ClickHouse server, or chDB in the data dir. */
export function loadWarehouseConfig(env: Record<string, string | undefined>): Readonly<WarehouseConfig> {
  const e = parseEnv(warehouseEnvSchema, env)
  return Object.freeze({
    dataDir: resolve(e.SILLAGE_DATA_DIR),
    clickhouse: Object.freeze({
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
    }),
  })
}

type Loaders<T extends readonly unknown[]> = { [K in keyof T]: () => T[K] }

/** Runs every loader and throws one ConfigError listing the problems of all of them. */
export function collectConfig<T extends readonly unknown[]>(...loaders: Loaders<T>): T {
  const problems: string[] = []
  const results = loaders.map((load) => {
    try {
      return load()
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      problems.push(...err.problems)
      return undefined
    }
  })
  if (problems.length > 0) throw new ConfigError(problems)
  return results as unknown as T
}

/**
 * Two listeners of one process on the same port: the second would fail mid-start with a raw
 * EADDRINUSE. Port 0 (any free port) never collides. `ports`: variable name → port.
 */
export function portClashes(ports: Record<string, number | undefined>): string[] {
  const seen = new Map<number, string>()
  const problems: string[] = []
  for (const [name, port] of Object.entries(ports)) {
    if (port === undefined || port === 0) continue
    const first = seen.get(port)
    if (first) problems.push(`${name}: must differ from ${first} (both are ${port})`)
    else seen.set(port, name)
  }
  return problems
}

/** Throws the clashes of portClashes as one ConfigError. */
export function assertNoPortClash(ports: Record<string, number | undefined>): void {
  const problems = portClashes(ports)
  if (problems.length > 0) throw new ConfigError(problems)
}
