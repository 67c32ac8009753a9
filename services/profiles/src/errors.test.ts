import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROFILE_ERRORS } from './errors.js'

const doc = readFileSync(new URL('../../../docs/profiles.md', import.meta.url), 'utf8')

describe('profile error codes are documented', () => {
  it.each(Object.entries(PROFILE_ERRORS))('%s is in docs/profiles.md with its status', (code, { status }) => {
    expect(doc).toMatch(
      new RegExp(`\\| \`${code}\` \\| ${code === 'SIL_PROFILE_CONFIG_INVALID' ? '—' : status} \\|`),
    )
  })
})
