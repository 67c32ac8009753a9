import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The CLI's admin endpoints answer with codes written inline in their route files: each one must
// be in docs/errors.md, like the collector's catalogue (services/collector/src/errors.test.ts).
describe('admin endpoint error codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const files = ['admin-query.route.ts', 'admin-ops.route.ts', 'readiness.ts']
  const codes = new Set(
    files.flatMap((f) =>
      [...readFileSync(new URL(f, import.meta.url), 'utf8').matchAll(/'(SIL_[A-Z_]+)'/g)].map((m) => m[1]!),
    ),
  )

  it('finds the codes', () => {
    expect([...codes]).toEqual(
      expect.arrayContaining(['SIL_ADMIN_UNAUTHORIZED', 'SIL_ADMIN_INVALID', 'SIL_ADMIN_FAILED']),
    )
  })
  it.each([...codes])('%s is documented with its HTTP status', (code) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| \\d{3} \\|`))
  })
})

// The CLI's own codes (no HTTP status: a message on stderr and an exit code) are in the CLI
// section of docs/errors.md.
describe('CLI error codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const cliSection = doc.slice(
    doc.indexOf('## CLI (`sillage`)'),
    doc.indexOf('\n## ', doc.indexOf('## CLI (')),
  )
  // SIL_LISTEN_FAILED is the runtime's (listen-error.ts), shared with the standalone services.
  const files = ['admin-client.ts', 'port-check.ts', '../../../packages/runtime/src/listen-error.ts']
  const codes = new Set(
    files.flatMap((f) =>
      [...readFileSync(new URL(f, import.meta.url), 'utf8').matchAll(/'(SIL_[A-Z_]+)'/g)].map((m) => m[1]!),
    ),
  )

  it('finds the codes', () => {
    expect([...codes]).toEqual(
      expect.arrayContaining(['SIL_CLI_ADMIN_TIMEOUT', 'SIL_LISTEN_FAILED', 'SIL_DATA_DIR_IN_USE']),
    )
  })
  it.each([...codes])('%s is documented in the CLI section', (code) => {
    expect(cliSection).toContain(`| \`${code}\` |`)
  })
})
