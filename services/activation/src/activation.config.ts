import { join, resolve } from 'node:path'
import { z } from 'zod'
import { envBool, envInt, parseEnv } from '@sillage/runtime'

export interface ActivationOptions {
  /** SILLAGE_ACTIVATION: whether this process syncs audiences, delivers and runs triggers. */
  enabled: boolean
  /** SILLAGE_AUDIENCES_FILE, else `<data dir>/audiences.json`. Absolute. A missing file: nothing to do. */
  file: string
  /** The data dir: file destinations' relative directories resolve against it. */
  dataDir: string
  /** SILLAGE_AUDIENCE_SYNC_INTERVAL_MS: how often audiences are recomputed. */
  syncIntervalMs: number
  /** SILLAGE_DELIVERY_INTERVAL_MS: how often pending deliveries are retried. */
  deliveryIntervalMs: number
  /** SILLAGE_DESTINATION_SECRET_<ID> (id upper-cased, - as _): each webhook's signing secret. */
  secrets: Readonly<Record<string, string>>
}

const schema = z.object({
  SILLAGE_ACTIVATION: envBool(true),
  SILLAGE_DATA_DIR: z.string().default('./.sillage'),
  SILLAGE_AUDIENCES_FILE: z.string().optional(),
  SILLAGE_AUDIENCE_SYNC_INTERVAL_MS: envInt(3_600_000, 1000, 7 * 24 * 3_600_000),
  SILLAGE_DELIVERY_INTERVAL_MS: envInt(5000, 100, 3_600_000),
})

export const SECRET_PREFIX = 'SILLAGE_DESTINATION_SECRET_'

/** The variables loadActivationOptions reads (plus every SILLAGE_DESTINATION_SECRET_*). */
export const ACTIVATION_ENV_VARS: readonly string[] = Object.keys(schema.shape).filter(
  (k) => k !== 'SILLAGE_DATA_DIR',
)

/** The env variable holding a destination's secret. */
export const secretVariable = (destinationId: string): string =>
  `${SECRET_PREFIX}${destinationId.toUpperCase().replace(/-/g, '_')}`

/** Audiences, destinations and triggers (docs/activation.md), from the environment passed in. */
export function loadActivationOptions(
  env: Record<string, string | undefined> = process.env,
): Readonly<ActivationOptions> {
  const e = parseEnv(schema, env)
  const secrets: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) if (k.startsWith(SECRET_PREFIX) && v) secrets[k] = v
  return Object.freeze({
    enabled: e.SILLAGE_ACTIVATION,
    file: resolve(e.SILLAGE_AUDIENCES_FILE ?? join(e.SILLAGE_DATA_DIR, 'audiences.json')),
    dataDir: resolve(e.SILLAGE_DATA_DIR),
    syncIntervalMs: e.SILLAGE_AUDIENCE_SYNC_INTERVAL_MS,
    deliveryIntervalMs: e.SILLAGE_DELIVERY_INTERVAL_MS,
    secrets: Object.freeze(secrets),
  })
}
