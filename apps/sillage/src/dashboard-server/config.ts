import { join, resolve } from 'node:path'
import { z } from 'zod'
import { parseTrustProxy } from '@sillage/collector'
import { DASHBOARD_ENV_VARS, loadDashboardConfig } from '@sillage/dashboard'
import {
  ConfigError,
  LIFECYCLE_ENV_VARS,
  WAREHOUSE_ENV_VARS,
  assertNoPortClash,
  collectConfig,
  envLogLevel,
  envPort,
  loadLifecycleConfig,
  loadWarehouseConfig,
  parseEnv,
  type LogLevel,
  type WarehouseConfig,
} from '@sillage/runtime'

const envSchema = z.object({
  SILLAGE_ADMIN_TOKEN: z.string({ error: 'required' }).min(16, 'at least 16 characters'),
  SILLAGE_DASHBOARD_PORT: envPort(8083),
  SILLAGE_DASHBOARD_HOST: z.string().default('127.0.0.1'),
  SILLAGE_METRICS_PORT: envPort(9468),
  SILLAGE_METRICS_HOST: z.string().default('127.0.0.1'),
  SILLAGE_TRUST_PROXY: z.string().optional(),
  SILLAGE_AUDIENCES_FILE: z.string().optional(),
  SILLAGE_LOG_LEVEL: envLogLevel,
})

/** Every variable `sillage dashboard` reads (tests/docker-config.test.ts checks compose against it). */
export const DASHBOARD_SERVER_ENV_VARS: readonly string[] = [
  ...Object.keys(envSchema.shape),
  ...DASHBOARD_ENV_VARS,
  ...WAREHOUSE_ENV_VARS,
  ...LIFECYCLE_ENV_VARS,
]

export interface DashboardServerConfig extends WarehouseConfig {
  /** SILLAGE_ADMIN_TOKEN: opens the dashboard (as everywhere). */
  adminToken: string
  /** SILLAGE_ANALYST_TOKEN: opens the dashboard and nothing else. */
  analystToken: string | undefined
  /** SILLAGE_DASHBOARD_PORT / _HOST: `/dashboard/` and `/healthz`. */
  port: number
  host: string
  /** SILLAGE_METRICS_PORT / _HOST: `/metrics`, `/healthz` and `/readyz`. */
  metrics: { port: number; host: string }
  /** SILLAGE_TRUST_PROXY: the proxy whose X-Forwarded-Proto marks the session cookie Secure. */
  trustProxy: boolean | string[]
  /** SILLAGE_AUDIENCES_FILE, else `<data dir>/audiences.json` (activation's default). Absolute. */
  audiencesFile: string
  logLevel: LogLevel
  shutdownTimeoutMs: number
}

/** chDB is one process's (`sillage start` serves /dashboard/ itself): this one reads a server. */
function serverWarehouse(warehouse: Readonly<WarehouseConfig>): Readonly<WarehouseConfig> {
  if (warehouse.clickhouse.url) return warehouse
  throw new ConfigError([
    'CLICKHOUSE_URL: required: sillage dashboard reads a ClickHouse server (without one, sillage start serves /dashboard/)',
  ])
}

/**
 * `sillage dashboard` (pipeline mode: the retail dashboard as a process of its own, against a
 * ClickHouse server). The only place it reads the environment: parsed once, every problem
 * reported at once (SIL_CONFIG_INVALID), frozen.
 */
export function loadDashboardServerConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<DashboardServerConfig> {
  const [own, dashboard, warehouse, lifecycle] = collectConfig(
    () => parseEnv(envSchema, env),
    () => loadDashboardConfig(env),
    () => serverWarehouse(loadWarehouseConfig(env)),
    () => loadLifecycleConfig(env),
  )
  assertNoPortClash({
    SILLAGE_DASHBOARD_PORT: own.SILLAGE_DASHBOARD_PORT,
    SILLAGE_METRICS_PORT: own.SILLAGE_METRICS_PORT,
  })
  return Object.freeze({
    ...warehouse,
    adminToken: own.SILLAGE_ADMIN_TOKEN,
    analystToken: dashboard.analystToken,
    port: own.SILLAGE_DASHBOARD_PORT,
    host: own.SILLAGE_DASHBOARD_HOST,
    metrics: Object.freeze({ port: own.SILLAGE_METRICS_PORT, host: own.SILLAGE_METRICS_HOST }),
    trustProxy: parseTrustProxy(own.SILLAGE_TRUST_PROXY),
    audiencesFile: resolve(own.SILLAGE_AUDIENCES_FILE ?? join(warehouse.dataDir, 'audiences.json')),
    logLevel: own.SILLAGE_LOG_LEVEL,
    shutdownTimeoutMs: lifecycle.shutdownTimeoutMs,
  })
}
