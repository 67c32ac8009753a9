import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './helpers/pipeline.js'

// What the docs print runs as printed on a fresh machine: the pinned pnpm through npx
// (`npx -y pnpm@<version> sillage …`), never a bare `pnpm sillage …`, which needs that exact pnpm
// installed globally (another version refuses to switch, and most machines have none).
const BARE =
  /(^|[\s`(=])pnpm (sillage|build|kafka:start|kafka:stop|identity|collector|activation|profiles|bench(:[a-z]+)?|test:all|test|lint|quickstart|bootstrap|install)\b/m

function markdownFiles(): string[] {
  const files = ['README.md', ...readdirSync(join(repoRoot, 'docs')).map((f) => `docs/${f}`)]
  for (const top of ['apps', 'packages', 'services']) {
    for (const name of readdirSync(join(repoRoot, top))) files.push(`${top}/${name}/README.md`)
  }
  return files.filter((f) => f.endsWith('.md'))
}

describe('the commands the docs print', () => {
  it('use the pinned pnpm, which package.json names', () => {
    const pinned = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { packageManager: string }
    ).packageManager
    expect(pinned).toBe('pnpm@10.34.8')
    const bare: string[] = []
    for (const file of markdownFiles()) {
      let text: string
      try {
        text = readFileSync(join(repoRoot, file), 'utf8')
      } catch {
        continue // a package without a README is another test's business
      }
      text.split('\n').forEach((line, i) => {
        if (BARE.test(line)) bare.push(`${file}:${i + 1}: ${line.trim()}`)
      })
      for (const m of text.matchAll(/npx -y pnpm@([\w.+-]+)/g)) {
        if (`pnpm@${m[1]}` !== pinned) bare.push(`${file}: npx -y pnpm@${m[1]} is not the pinned ${pinned}`)
      }
    }
    expect(bare).toEqual([])
  })
})
