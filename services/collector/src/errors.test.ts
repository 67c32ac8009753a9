import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { EVENT_ERRORS, PLAN_ERRORS, REQUEST_ERRORS } from './errors.js'

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  it.each([...Object.keys(REQUEST_ERRORS), ...Object.keys(EVENT_ERRORS), ...Object.keys(PLAN_ERRORS)])(
    '%s is documented in docs/errors.md',
    (code) => {
      expect(doc).toContain(`\`${code}\``)
    },
  )
  it('documents each request error with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(REQUEST_ERRORS)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`))
    }
  })
})
