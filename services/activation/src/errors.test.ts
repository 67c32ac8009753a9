import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ACTIVATION_ERRORS } from './errors.js'

describe('activation error catalogue', () => {
  const doc = readFileSync(new URL('../../../docs/activation.md', import.meta.url), 'utf8')
  it.each(Object.keys(ACTIVATION_ERRORS))('%s is documented in docs/activation.md', (code) => {
    expect(doc).toContain(`\`${code}\``)
  })
})
