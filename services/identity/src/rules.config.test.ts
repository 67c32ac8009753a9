import { describe, expect, it } from 'vitest'
import { ConfigError } from '@sillage/runtime'
import { loadIdentityRules } from './rules.config.js'

describe('SILLAGE_IDENTITY_RULES', () => {
  it('defaults when unset and reports a bad value as a configuration problem', () => {
    expect(loadIdentityRules({})).toBeDefined()
    expect(() => loadIdentityRules({ SILLAGE_IDENTITY_RULES: '{not json' })).toThrow(ConfigError)
    expect(() => loadIdentityRules({ SILLAGE_IDENTITY_RULES: '{not json' })).toThrow(
      /SILLAGE_IDENTITY_RULES: not JSON/,
    )
  })
})
