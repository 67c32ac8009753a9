import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { WARNING_CODES } from './domain/extract-identifiers.js'
import { DECISION_REASONS } from './domain/merge-rules.js'
import { IDENTITY_DEAD_LETTER_CODES, IDENTITY_ERRORS } from './errors.js'

const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8')

describe('identity codes are documented', () => {
  it.each([...Object.keys(IDENTITY_ERRORS), ...Object.keys(IDENTITY_DEAD_LETTER_CODES)])(
    '%s is in docs/errors.md',
    (code) => {
      expect(doc('errors.md')).toContain(`\`${code}\``)
    },
  )

  it.each([...WARNING_CODES])('warning %s is in docs/identity.md', (code) => {
    expect(doc('identity.md')).toContain(`\`${code}\``)
  })

  it.each(Object.entries(DECISION_REASONS).flatMap(([d, reasons]) => reasons.map((r) => [d, r])))(
    'decision %s with reason %s is in docs/identity.md',
    (decision, reason) => {
      expect(doc('identity.md')).toMatch(new RegExp(`\\| \`${decision}\` \\| \`${reason}\` \\|`))
    },
  )
})
