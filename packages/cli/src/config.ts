import { resolve } from 'node:path'
import { z } from 'zod'
import { envInt, parseEnv } from '@sillage/runtime'
import { loadCollectorConfig, type CollectorConfig } from '@sillage/collector'

const envSchema = z.object({
  SILLAGE_DATA_DIR: z.string().default('./.sillage'),
  SILLAGE_BUS: z.enum(['local', 'kafka']).default('local'),
  KAFKA_BROKERS: z.string().optional(),
  SILLAGE_RAW_PARTITIONS: envInt(4, 1, 1024),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
    .default('sillage'),
})

export interface CliConfig {
  dataDir: string
  bus: 'local' | 'kafka'
  kafkaBrokers: string[]
  rawPartitions: number
  clickhouse: {
    url?: string | undefined
    user?: string | undefined
    password?: string | undefined
    database: string
  }
  collector: Readonly<CollectorConfig>
}

/** The only place the CLI reads process.env; parsed once, every problem reported at once. */
export function loadCliConfig(env: Record<string, string | undefined> = process.env): Readonly<CliConfig> {
  const e = parseEnv(envSchema, env)
  const kafkaBrokers =
    e.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean) ?? []
  if (e.SILLAGE_BUS === 'kafka' && kafkaBrokers.length === 0) {
    throw new Error('invalid configuration:\n  KAFKA_BROKERS: required when SILLAGE_BUS=kafka')
  }
  return Object.freeze({
    dataDir: resolve(e.SILLAGE_DATA_DIR),
    bus: e.SILLAGE_BUS,
    kafkaBrokers,
    rawPartitions: e.SILLAGE_RAW_PARTITIONS,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      user: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
    },
    collector: loadCollectorConfig(env),
  })
}
