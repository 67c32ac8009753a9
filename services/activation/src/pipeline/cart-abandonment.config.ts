import { z } from 'zod'
import { envBool, envInt, parseEnv } from '@sillage/runtime'

export interface CartAbandonmentOptions {
  /** Whether this process runs the detector. */
  enabled: boolean
  /** Inactivity after which a cart still holding items is abandoned. */
  windowMinutes: number
  /** How often the detector looks. */
  intervalMs: number
  /** Allowance for late events: a cart is judged only once its window, and its last event's arrival, are this old. */
  graceMs: number
  /** Only events of the last lookbackHours are considered. */
  lookbackHours: number
  /** At most this many events per look; the rest follow at the next. */
  batchLimit: number
}

const schema = z.object({
  SILLAGE_CART_ABANDONMENT: envBool(true),
  SILLAGE_CART_ABANDONMENT_WINDOW_MINUTES: envInt(30, 1, 7 * 24 * 60),
  SILLAGE_CART_ABANDONMENT_INTERVAL_MS: envInt(60_000, 100, 24 * 3_600_000),
  SILLAGE_CART_ABANDONMENT_GRACE_MS: envInt(120_000, 0, 24 * 3_600_000),
  SILLAGE_CART_ABANDONMENT_LOOKBACK_HOURS: envInt(7 * 24, 1, 10 * 366 * 24),
  SILLAGE_CART_ABANDONMENT_BATCH: envInt(5000, 1, 100_000),
})

/** The variables loadCartAbandonmentConfig reads. */
export const CART_ABANDONMENT_ENV_VARS: readonly string[] = Object.keys(schema.shape)

/**
 * The detector's environment (docs/configuration.md), parsed by the config.ts of each process
 * that runs it (`sillage start`, the identity service): they pass their env in.
 */
export function loadCartAbandonmentConfig(
  env: Record<string, string | undefined>,
): Readonly<CartAbandonmentOptions> {
  const e = parseEnv(schema, env)
  return Object.freeze({
    enabled: e.SILLAGE_CART_ABANDONMENT,
    windowMinutes: e.SILLAGE_CART_ABANDONMENT_WINDOW_MINUTES,
    intervalMs: e.SILLAGE_CART_ABANDONMENT_INTERVAL_MS,
    graceMs: e.SILLAGE_CART_ABANDONMENT_GRACE_MS,
    lookbackHours: e.SILLAGE_CART_ABANDONMENT_LOOKBACK_HOURS,
    batchLimit: e.SILLAGE_CART_ABANDONMENT_BATCH,
  })
}
