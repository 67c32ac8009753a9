import { describe, expect, it } from 'vitest'
import { loadProfilesOptions, loadProfilesServiceConfig } from './config.js'

const keys = (list: unknown) => ({ SILLAGE_PROFILE_READ_KEYS: JSON.stringify(list) })
const K = 'rk_config_0123456789abcdef'

describe('read keys', () => {
  it('takes distinct keys and ids', () => {
    const options = loadProfilesOptions(
      keys([
        { id: 'crm', key: K, sources: ['web'] },
        { id: 'bi', key: `${K}x`, sources: ['*'] },
      ]),
    )
    expect(options.readKeys.map((k) => k.id)).toEqual(['crm', 'bi'])
  })

  it('refuses a key given twice (its scope would be whichever came last) and a repeated id', () => {
    expect(() =>
      loadProfilesOptions(
        keys([
          { id: 'crm', key: K, sources: ['web'] },
          { id: 'bi', key: K, sources: ['*'] },
        ]),
      ),
    ).toThrow(/the same key as an earlier read key/)
    expect(() =>
      loadProfilesOptions(
        keys([
          { id: 'crm', key: K, sources: ['web'] },
          { id: 'crm', key: `${K}x`, sources: ['*'] },
        ]),
      ),
    ).toThrow(/the same id as an earlier read key/)
  })

  it('refuses a key with whitespace, which Authorization: Bearer cannot carry', () => {
    expect(() =>
      loadProfilesOptions(keys([{ id: 'crm', key: 'rk_config 0123456789abcdef', sources: ['*'] }])),
    ).toThrow(/no whitespace/)
  })

  it('refuses a key still holding the placeholder REPLACE_ME, without printing it', () => {
    const key = 'rk_REPLACE_ME_crm_read_key'
    const refusal = (() => {
      try {
        loadProfilesOptions(keys([{ id: 'crm', key, sources: ['*'] }]))
      } catch (err) {
        return (err as Error).message
      }
      return 'accepted'
    })()
    expect(refusal).toBe(
      'SIL_CONFIG_INVALID: SILLAGE_PROFILE_READ_KEYS.0.key: still the placeholder REPLACE_ME; set a real key (e.g. `openssl rand -hex 24`)',
    )
    expect(refusal).not.toContain(key)
  })
})

describe('the standalone profiles service', () => {
  it('refuses its HTTP port and its metrics on one port', () => {
    const env = { KAFKA_BROKERS: 'k:9092', SILLAGE_PROFILES_PORT: '20990', SILLAGE_METRICS_PORT: '20990' }
    expect(() => loadProfilesServiceConfig(env)).toThrow(
      'SIL_CONFIG_INVALID: SILLAGE_METRICS_PORT: must differ from SILLAGE_PROFILES_PORT (both are 20990)',
    )
    expect(loadProfilesServiceConfig({ ...env, SILLAGE_METRICS_PORT: '0' }).metrics.port).toBe(0)
  })
})
