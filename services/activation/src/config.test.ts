import { describe, expect, it } from 'vitest'
import { ACTIVATION_SERVICE_ENV_VARS, loadActivationConfig } from './config.js'

const base = { KAFKA_BROKERS: '127.0.0.1:9092' }

describe('the standalone activation config', () => {
  it('serves the admin API on 127.0.0.1:8082 by default, only with an admin token', () => {
    const off = loadActivationConfig(base)
    expect(off.http).toEqual({ port: 8082, host: '127.0.0.1' })
    expect(off.adminToken).toBeUndefined()
    expect(loadActivationConfig({ ...base, SILLAGE_ADMIN_TOKEN: '' }).adminToken).toBeUndefined()
    const on = loadActivationConfig({
      ...base,
      SILLAGE_ADMIN_TOKEN: 'admin_0123456789abcdef',
      SILLAGE_ACTIVATION_PORT: '9000',
      SILLAGE_ACTIVATION_HOST: '0.0.0.0',
    })
    expect([on.adminToken, on.http]).toEqual(['admin_0123456789abcdef', { port: 9000, host: '0.0.0.0' }])
    expect(Object.isFrozen(on)).toBe(true)
    expect(ACTIVATION_SERVICE_ENV_VARS).toEqual(
      expect.arrayContaining(['SILLAGE_ADMIN_TOKEN', 'SILLAGE_ACTIVATION_PORT', 'SILLAGE_ACTIVATION_HOST']),
    )
  })

  it('refuses a short admin token and a bad port, all at once', () => {
    expect(() =>
      loadActivationConfig({ ...base, SILLAGE_ADMIN_TOKEN: 'short', SILLAGE_ACTIVATION_PORT: 'x' }),
    ).toThrow(
      /SILLAGE_ADMIN_TOKEN[\s\S]*SILLAGE_ACTIVATION_PORT|SILLAGE_ACTIVATION_PORT[\s\S]*SILLAGE_ADMIN_TOKEN/,
    )
  })

  it('refuses the admin API and the metrics on one port, only when the admin API is on', () => {
    const env = { ...base, SILLAGE_ACTIVATION_PORT: '20990', SILLAGE_METRICS_PORT: '20990' }
    expect(() => loadActivationConfig({ ...env, SILLAGE_ADMIN_TOKEN: 'admin_0123456789abcdef' })).toThrow(
      'SIL_CONFIG_INVALID: SILLAGE_METRICS_PORT: must differ from SILLAGE_ACTIVATION_PORT (both are 20990)',
    )
    expect(loadActivationConfig(env).metrics.port).toBe(20990)
  })
})
