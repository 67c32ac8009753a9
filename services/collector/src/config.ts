import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { sourcesSchema, type Source } from '@sillage/schemas'
import { ConfigError, envInt, parseEnv } from '@sillage/runtime'

const envSchema = z.object({
  SILLAGE_PORT: envInt(8080, 0, 65535),
  SILLAGE_HOST: z.string().default('127.0.0.1'),
  SILLAGE_SOURCES: z.string().optional(),
  SILLAGE_SOURCES_FILE: z.string().optional(),
  SILLAGE_MAX_EVENT_BYTES: envInt(32 * 1024, 256),
  SILLAGE_MAX_BATCH_BYTES: envInt(500 * 1024, 1024),
  SILLAGE_ADMIN_TOKEN: z.string().min(16).optional(),
  SILLAGE_TRUST_PROXY: z.string().optional(),
  SILLAGE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export interface CollectorConfig {
  port: number
  host: string
  /** Undefined when neither SILLAGE_SOURCES nor SILLAGE_SOURCES_FILE is set. */
  sources: readonly Source[] | undefined
  maxEventBytes: number
  maxBatchBytes: number
  adminToken: string | undefined
  logLevel: string
  /** Fastify's trustProxy: false, true, or the addresses/CIDRs of the reverse proxies. */
  trustProxy: boolean | string[]
}

/** "true", "false", or a comma-separated list of proxy addresses/CIDRs (e.g. "127.0.0.1,10.0.0.0/8"). */
export function parseTrustProxy(value: string | undefined): boolean | string[] {
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
}

export function parseSources(json: string, origin: string): Source[] {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (cause) {
    throw new ConfigError([`${origin}: not valid JSON (${(cause as Error).message})`])
  }
  const parsed = sourcesSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${origin}[${i.path.join('.')}]: ${i.message}`))
  }
  return parsed.data
}

export function loadCollectorConfig(env: Record<string, string | undefined>): Readonly<CollectorConfig> {
  const e = parseEnv(envSchema, env)
  let sources: Source[] | undefined
  if (e.SILLAGE_SOURCES) sources = parseSources(e.SILLAGE_SOURCES, 'SILLAGE_SOURCES')
  else if (e.SILLAGE_SOURCES_FILE)
    sources = parseSources(readFileSync(e.SILLAGE_SOURCES_FILE, 'utf8'), e.SILLAGE_SOURCES_FILE)
  return Object.freeze({
    port: e.SILLAGE_PORT,
    host: e.SILLAGE_HOST,
    sources: sources && Object.freeze(sources),
    maxEventBytes: e.SILLAGE_MAX_EVENT_BYTES,
    maxBatchBytes: e.SILLAGE_MAX_BATCH_BYTES,
    adminToken: e.SILLAGE_ADMIN_TOKEN,
    logLevel: e.SILLAGE_LOG_LEVEL,
    trustProxy: parseTrustProxy(e.SILLAGE_TRUST_PROXY),
  })
}
