import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// Every SIL_IMPORT_ code of the library and of the admin upload route is in docs/errors.md.
describe('import error codes', () => {
  const root = new URL('../../../', import.meta.url)
  const doc = readFileSync(new URL('docs/errors.md', root), 'utf8')
  const files = [
    'packages/imports/src/domain/map-row.ts',
    'packages/imports/src/domain/mapping.ts',
    'packages/imports/src/adapters/collector-sender.ts',
    'packages/imports/src/adapters/import-file-error.ts',
    'packages/imports/src/run-import.ts',
    'apps/sillage/src/admin-imports.route.ts',
  ]
  const codes = new Set(
    files.flatMap((f) =>
      [...readFileSync(new URL(f, root), 'utf8').matchAll(/'(SIL_IMPORT_[A-Z_]+)'/g)].map((m) => m[1]),
    ),
  )

  it('finds the codes', () => {
    expect(codes.size).toBeGreaterThanOrEqual(8)
  })
  it.each([...codes])('%s is documented', (code) => {
    expect(doc).toContain(`| \`${code}\` |`)
  })
})
