import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './helpers/pipeline.js'

interface Manifest {
  name: string
  bin?: Record<string, string> | string
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

// pnpm links a workspace package's `bin` into every dependent at install time, before the build:
// a bin pointing at dist/ then ends the install with "Failed to create bin … ENOENT" warnings.
describe('workspace bins', () => {
  const dirs = ['apps', 'services', 'packages'].flatMap((top) =>
    readdirSync(join(repoRoot, top)).map((d) => join(repoRoot, top, d)),
  )
  const manifests = [...dirs, ...['schemas', 'tests', 'bench'].map((d) => join(repoRoot, d))]
    .filter((d) => existsSync(join(d, 'package.json')))
    .map((d) => JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as Manifest)
  const dependedOn = new Set(
    manifests.flatMap((m) => [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.devDependencies ?? {})]),
  )

  it('finds the workspace', () => {
    expect(manifests.map((m) => m.name)).toEqual(
      expect.arrayContaining(['@sillage/cli', '@sillage/collector']),
    )
  })

  it('no package that another depends on declares a bin (the root scripts run dist/main.js)', () => {
    const offenders = manifests
      .filter((m) => m.bin !== undefined && dependedOn.has(m.name))
      .map((m) => m.name)
    expect(offenders).toEqual([])
  })
})
