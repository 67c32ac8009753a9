import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { loadCliConfig } from './config.js'

describe('loadCliConfig, embedded threads', () => {
  it('runs profiles in a thread of their own by default, on the default port', () => {
    const { embedded } = loadCliConfig({})
    expect(embedded).toMatchObject({ profilesThread: true, profilesPort: undefined })
  })

  it('reads SILLAGE_PROFILES_THREAD=false and SILLAGE_PROFILES_PORT', () => {
    expect(loadCliConfig({ SILLAGE_PROFILES_THREAD: 'false' }).embedded.profilesThread).toBe(false)
    expect(loadCliConfig({ SILLAGE_PROFILES_PORT: '9191' }).embedded.profilesPort).toBe(9191)
  })

  it('refuses a profiles port without the profiles thread, naming both variables', () => {
    const load = () => loadCliConfig({ SILLAGE_PROFILES_THREAD: 'false', SILLAGE_PROFILES_PORT: '9191' })
    expect(load).toThrow(ConfigError)
    expect(load).toThrow(/SILLAGE_PROFILES_PORT: .*SILLAGE_PROFILES_THREAD=true/)
  })
})
