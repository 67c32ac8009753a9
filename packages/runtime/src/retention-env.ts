import { z } from 'zod'
import { envInt, parseEnv } from './env.js'

const retentionEnvSchema = z.object({
  SILLAGE_RETENTION_MONTHS: envInt(25, 1, 240),
  SILLAGE_DEAD_LETTER_RETENTION_DAYS: envInt(14, 1, 3650),
})

/** The variables loadRetentionConfig reads. */
export const RETENTION_ENV_VARS: readonly string[] = Object.keys(retentionEnvSchema.shape)

export interface RetentionConfig {
  /** TTL of events and every table whose TTL is in months (derived tables): 25 by default. */
  months: number
  /** TTL of the dead-letter table (invalid_events), in days: 14 by default. */
  deadLetterDays: number
}

/**
 * SILLAGE_RETENTION_MONTHS and SILLAGE_DEAD_LETTER_RETENTION_DAYS, applied to the warehouse at
 * start (applyRetention in @sillage/warehouse). See docs/privacy.md.
 */
export function loadRetentionConfig(env: Record<string, string | undefined>): Readonly<RetentionConfig> {
  const e = parseEnv(retentionEnvSchema, env)
  return Object.freeze({
    months: e.SILLAGE_RETENTION_MONTHS,
    deadLetterDays: e.SILLAGE_DEAD_LETTER_RETENTION_DAYS,
  })
}
