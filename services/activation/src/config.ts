import { z } from 'zod'
import {
  assertNoPortClash,
  BUS_ENV_VARS,
  collectConfig,
  envInt,
  envLogLevel,
  LIFECYCLE_ENV_VARS,
  loadBusConfig,
  loadLifecycleConfig,
  loadWarehouseConfig,
  parseEnv,
  WAREHOUSE_ENV_VARS,
  type BusConfig,
  type LogLevel,
  type WarehouseConfig,
} from '@sillage/runtime'
import {
  CART_ABANDONMENT_ENV_VARS,
  loadCartAbandonmentConfig,
  type CartAbandonmentOptions,
} from './pipeline/cart-abandonment.config.js'
import { ACTIVATION_ENV_VARS, loadActivationOptions, type ActivationOptions } from './activation.config.js'

const envSchema = z.object({
  SILLAGE_ACTIVATION_PORT: envInt(8082, 0, 65535),
  SILLAGE_ACTIVATION_HOST: z.string().default('127.0.0.1'),
  // Unset (or empty): no admin API.
  SILLAGE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  SILLAGE_METRICS_PORT: envInt(9465, 0, 65535),
  SILLAGE_METRICS_HOST: z.string().default('127.0.0.1'),
  SILLAGE_LOG_LEVEL: envLogLevel,
})

/** Every variable the standalone activation service reads (docker-config.test.ts checks docker/). */
export const ACTIVATION_SERVICE_ENV_VARS: readonly string[] = [
  ...Object.keys(envSchema.shape),
  ...WAREHOUSE_ENV_VARS,
  ...BUS_ENV_VARS,
  ...LIFECYCLE_ENV_VARS,
  ...CART_ABANDONMENT_ENV_VARS,
  ...ACTIVATION_ENV_VARS,
]

export interface ActivationConfig extends WarehouseConfig {
  bus: Readonly<BusConfig>
  /** SILLAGE_ACTIVATION_PORT/HOST: the admin API (`/admin/audiences`) and /healthz. */
  http: { port: number; host: string }
  /**
   * SILLAGE_ADMIN_TOKEN (from the environment only): the admin API's bearer token. Unset, the
   * admin API is off (logged) and the port is not opened.
   */
  adminToken: string | undefined
  /** /metrics, /healthz and /readyz. */
  metrics: { port: number; host: string }
  logLevel: LogLevel
  shutdownTimeoutMs: number
  /** SILLAGE_CART_ABANDONMENT* (docs/analysts.md): the Cart Abandoned detector. */
  cartAbandonment: Readonly<CartAbandonmentOptions>
  /** SILLAGE_AUDIENCES_FILE, SILLAGE_DESTINATION_SECRET_* … (docs/activation.md). */
  activation: Readonly<ActivationOptions>
}

/**
 * The standalone activation service (main.ts). The only place it reads process.env: parsed once,
 * every problem reported at once, frozen.
 */
export function loadActivationConfig(
  env: Record<string, string | undefined> = process.env,
): Readonly<ActivationConfig> {
  const [own, warehouse, bus, lifecycle, cartAbandonment, activation] = collectConfig(
    () => parseEnv(envSchema, env),
    () => loadWarehouseConfig(env),
    () =>
      loadBusConfig(env, {
        kafkaOnly:
          'the standalone activation service produces to Kafka; the local log is for `sillage start`',
      }),
    () => loadLifecycleConfig(env),
    () => loadCartAbandonmentConfig(env),
    () => loadActivationOptions(env),
  )
  assertNoPortClash({
    SILLAGE_ACTIVATION_PORT: own.SILLAGE_ADMIN_TOKEN ? own.SILLAGE_ACTIVATION_PORT : undefined,
    SILLAGE_METRICS_PORT: own.SILLAGE_METRICS_PORT,
  })
  return Object.freeze({
    ...warehouse,
    bus,
    http: Object.freeze({ port: own.SILLAGE_ACTIVATION_PORT, host: own.SILLAGE_ACTIVATION_HOST }),
    adminToken: own.SILLAGE_ADMIN_TOKEN,
    metrics: Object.freeze({ port: own.SILLAGE_METRICS_PORT, host: own.SILLAGE_METRICS_HOST }),
    logLevel: own.SILLAGE_LOG_LEVEL,
    shutdownTimeoutMs: lifecycle.shutdownTimeoutMs,
    cartAbandonment,
    activation,
  })
}
