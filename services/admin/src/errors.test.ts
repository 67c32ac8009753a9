import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ADMIN_ERRORS } from './errors.js'

describe('admin error catalogue', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  it.each(Object.entries(ADMIN_ERRORS))(
    '%s is documented in docs/errors.md with its HTTP status',
    (code, { status }) => {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`))
    },
  )
})
