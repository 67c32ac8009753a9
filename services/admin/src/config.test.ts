import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { loadAdminConfig } from './config.js'

const env = { SILLAGE_ADMIN_TOKEN: 'admin-token-0123456789abcdef', KAFKA_BROKERS: 'kafka:9092' }

describe('loadAdminConfig: the operations port', () => {
  it('serves /metrics on SILLAGE_METRICS_PORT, 9467 on the loopback by default', () => {
    expect(loadAdminConfig(env).metrics).toEqual({ port: 9467, host: '127.0.0.1' })
    expect(
      loadAdminConfig({ ...env, SILLAGE_METRICS_PORT: '9464', SILLAGE_METRICS_HOST: '0.0.0.0' }).metrics,
    ).toEqual({ port: 9464, host: '0.0.0.0' })
  })

  it('refuses the admin port and the metrics port being one', () => {
    expect(() =>
      loadAdminConfig({ ...env, SILLAGE_ADMIN_PORT: '9000', SILLAGE_METRICS_PORT: '9000' }),
    ).toThrow(ConfigError)
    expect(loadAdminConfig({ ...env, SILLAGE_ADMIN_PORT: '0', SILLAGE_METRICS_PORT: '0' }).port).toBe(0)
  })
})
