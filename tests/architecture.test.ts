/**
 * The layering (docs/architecture.md), read from the code's own imports: every static import,
 * re-export and dynamic import() of every TypeScript file under apps/, services/, packages/ and
 * schemas/, resolved to the workspace package it lands in (by package name or by relative path).
 *
 *   apps → services → packages → schemas
 *
 * - a file imports its own package, or a package on a lower floor (packages may use packages);
 * - no service imports another service;
 * - the SDKs import only @sillage/schemas from the workspace;
 * - domain/ never imports fastify, kafkajs, @clickhouse/client or pino;
 * - @sillage/testkit only from tests, and from the app (its `sillage seed` command makes demo data);
 * - a workspace package imported from src/ is declared in package.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './helpers/pipeline.js'

type Floor = 'apps' | 'services' | 'packages' | 'schemas'
const RANK: Record<Floor, number> = { schemas: 0, packages: 1, services: 2, apps: 3 }
const SDKS = new Set(['@sillage/sdk-browser', '@sillage/sdk-node'])
const DOMAIN_FORBIDDEN = ['fastify', 'kafkajs', '@clickhouse/client', 'pino']

interface Pkg {
  name: string
  dir: string
  floor: Floor
  declared: Set<string>
}

function workspacePackages(): Pkg[] {
  const dirs = ['schemas']
  for (const floor of ['apps', 'services', 'packages']) {
    for (const d of readdirSync(join(repoRoot, floor))) dirs.push(`${floor}/${d}`)
  }
  return dirs.flatMap((dir) => {
    let json: { name: string; dependencies?: object; devDependencies?: object }
    try {
      json = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as typeof json
    } catch {
      return []
    }
    return [
      {
        name: json.name,
        dir,
        floor: dir.split('/')[0] as Floor,
        declared: new Set([
          ...Object.keys(json.dependencies ?? {}),
          ...Object.keys(json.devDependencies ?? {}),
        ]),
      },
    ]
  })
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    let entries: string[]
    try {
      entries = readdirSync(d)
    } catch {
      return
    }
    for (const e of entries) {
      if (e === 'node_modules' || e === 'dist' || e === 'cjs') continue
      const p = join(d, e)
      if (statSync(p).isDirectory()) walk(p)
      else if (/\.(ts|mts)$/.test(e) && !e.endsWith('.d.ts')) out.push(p)
    }
  }
  walk(dir)
  return out
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

export function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!)
}

interface Violation {
  file: string
  specifier: string
  rule: string
}

export function checkLayering(
  packages: Pkg[],
  files: ReadonlyArray<{ file: string; text: string }>,
): Violation[] {
  const byName = new Map(packages.map((p) => [p.name, p]))
  const byDir = [...packages].sort((a, b) => b.dir.length - a.dir.length)
  const owner = (rel: string) => byDir.find((p) => rel === p.dir || rel.startsWith(`${p.dir}/`))
  const violations: Violation[] = []
  for (const { file, text } of files) {
    const from = owner(file)
    if (!from) continue
    const isTest = /\.test\.ts$/.test(file) || file.includes('/test/') || file.includes('/test-support/')
    const inDomain = file.split('/').includes('domain')
    for (const specifier of importsOf(text)) {
      const add = (rule: string) => violations.push({ file, specifier, rule })
      let to: Pkg | undefined
      if (specifier.startsWith('.')) {
        to = owner(
          relative(repoRoot, resolve(repoRoot, dirname(file), specifier))
            .split(sep)
            .join('/'),
        )
      } else {
        const name = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!
        to = byName.get(name)
        if (inDomain && !isTest && DOMAIN_FORBIDDEN.includes(name)) add(`domain/ never imports ${name}`)
        if (to && to !== from && !isTest && !from.declared.has(to.name))
          add(`${to.name} is not declared in ${from.dir}/package.json`)
      }
      if (!to || to === from) continue
      if (RANK[to.floor] > RANK[from.floor])
        add(`${from.floor} may not import ${to.floor} (apps → services → packages → schemas)`)
      if (from.floor === 'services' && to.floor === 'services') add('no service imports another service')
      if (from.floor === 'apps' && to.floor === 'apps') add('no app imports another app')
      if (SDKS.has(from.name) && to.name !== '@sillage/schemas') add('the SDKs import only @sillage/schemas')
      if (to.name === '@sillage/testkit' && !isTest && from.floor !== 'apps')
        add('@sillage/testkit only from tests')
    }
  }
  return violations
}

describe('architecture', () => {
  const packages = workspacePackages()
  const files = packages.flatMap((p) =>
    sourceFiles(join(repoRoot, p.dir)).map((abs) => ({
      file: relative(repoRoot, abs).split(sep).join('/'),
      text: readFileSync(abs, 'utf8'),
    })),
  )

  it('reads every floor', () => {
    expect(new Set(packages.map((p) => p.floor))).toEqual(
      new Set(['apps', 'services', 'packages', 'schemas']),
    )
    expect(files.length).toBeGreaterThan(100)
  })

  it('follows the layering: apps → services → packages → schemas, no service → service, SDKs → schemas only, pure domain/', () => {
    expect(checkLayering(packages, files)).toEqual([])
  })

  it('reports an arrow against the layering', () => {
    const fake = (file: string, text: string) => [{ file, text }]
    const rules = (file: string, text: string) => checkLayering(packages, fake(file, text)).map((v) => v.rule)
    expect(rules('services/admin/src/x.ts', "import { a } from '@sillage/identity'")).toContain(
      'no service imports another service',
    )
    expect(rules('services/admin/src/x.ts', "import { a } from '../../identity/src/index.js'")).toContain(
      'no service imports another service',
    )
    expect(rules('packages/bus/src/x.ts', "export { a } from '@sillage/collector'").join('\n')).toMatch(
      /packages may not import services/,
    )
    expect(
      rules('packages/warehouse/src/x.ts', "import '../../../services/collector/src/index.js'").join('\n'),
    ).toMatch(/packages may not import services/)
    expect(rules('schemas/src/x.ts', "import type { Bus } from '@sillage/bus'").join('\n')).toMatch(
      /schemas may not import packages/,
    )
    expect(rules('packages/sdk-node/src/x.ts', "import { a } from '@sillage/runtime'")).toContain(
      'the SDKs import only @sillage/schemas',
    )
    expect(rules('services/identity/src/domain/x.ts', "import pino from 'pino'")).toContain(
      'domain/ never imports pino',
    )
    expect(rules('services/collector/src/domain/x.ts', "const f = await import('fastify')")).toContain(
      'domain/ never imports fastify',
    )
    expect(rules('services/activation/src/x.ts', "import { a } from '@sillage/testkit'")).toContain(
      '@sillage/testkit only from tests',
    )
    expect(rules('apps/sillage/src/x.ts', "import { a } from '@sillage/collector'")).toEqual([])
  })
})
