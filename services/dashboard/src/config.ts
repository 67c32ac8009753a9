import { z } from 'zod'
import { parseEnv } from '@sillage/runtime'

const envSchema = z.object({
  SILLAGE_ANALYST_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
})

/** Every variable the dashboard reads (the admin token is the composition root's). */
export const DASHBOARD_ENV_VARS: readonly string[] = Object.keys(envSchema.shape)

export interface DashboardConfig {
  /** SILLAGE_ANALYST_TOKEN: read-only access to /dashboard/ (nothing else). Unset: admin token only. */
  analystToken: string | undefined
}

/** The only place the dashboard reads process.env: parsed once, frozen. */
export function loadDashboardConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<DashboardConfig> {
  const own = parseEnv(envSchema, env)
  return Object.freeze({ analystToken: own.SILLAGE_ANALYST_TOKEN })
}
