import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliCommand, firstQuery, pnpmScript, startBanner } from './banner.js'

const readme = new URL('../../../README.md', import.meta.url)

describe('start banner', () => {
  const input = {
    url: 'http://127.0.0.1:8080',
    busKind: 'local',
    warehouseKind: 'chdb',
    database: 'sillage',
    dataDir: resolve('.sillage'),
    adminTokenHint: '.sillage/admin-token',
    demo: { id: 'demo', writeKey: 'demo_abc' },
  }

  it('runs the CLI through the pnpm that package.json pins, never a bare `pnpm sillage`', () => {
    expect(cliCommand()).toBe('npx -y pnpm@10.34.8 sillage')
    expect(pnpmScript('build')).toBe('npx -y pnpm@10.34.8 build')
    const banner = startBanner(input)
    expect(banner).not.toMatch(/(^|\s)pnpm sillage/m)
    expect(banner).toContain(`  npx -y pnpm@10.34.8 sillage query "${firstQuery('sillage')}"`)
  })

  it('queries the resolved person, as the README does, word for word', async () => {
    expect(firstQuery('sillage')).toContain('person_id')
    expect(firstQuery('sillage')).toContain('FROM sillage.events_resolved')
    const { readFileSync } = await import('node:fs')
    expect(readFileSync(readme, 'utf8')).toContain(
      `npx -y pnpm@10.34.8 sillage query "${firstQuery('sillage')}"`,
    )
  })

  it('names a data dir that is not the default, so the commands reach the same process', () => {
    const banner = startBanner({ ...input, dataDir: '/tmp/my data' })
    expect(banner).toContain(`  SILLAGE_DATA_DIR='/tmp/my data' npx -y pnpm@10.34.8 sillage query "`)
  })

  it('prints the demo read key and a profile lookup of the visitor it sends, only when given', () => {
    const banner = startBanner({ ...input, profileReadKey: 'rk_demo_abc' })
    expect(banner).toContain('  read key    rk_demo_abc')
    expect(banner).toContain(
      `  curl -s -H 'authorization: Bearer rk_demo_abc' http://127.0.0.1:8080/v1/profiles/anonymous_id/a1`,
    )
    expect(banner).toContain(`"anonymousId":"a1"`)
    expect(startBanner(input)).not.toContain('read key')
  })

  it('sends the printed lookup to the profiles port when profiles run in their own thread', () => {
    const banner = startBanner({ ...input, profileReadKey: 'rk_x', profilesUrl: 'http://127.0.0.1:8090' })
    expect(banner).toContain('  profiles    http://127.0.0.1:8090/v1/profiles/')
    expect(banner).toContain(
      `-H 'authorization: Bearer rk_x' http://127.0.0.1:8090/v1/profiles/anonymous_id/a1`,
    )
    expect(startBanner({ ...input, profileReadKey: 'rk_x' })).not.toContain('  profiles    ')
  })

  it('falls back to the `sillage` binary outside a checkout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sillage-banner-'))
    expect(cliCommand(dir)).toBe('sillage')
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ packageManager: 'pnpm@9.1.0' }))
    expect(cliCommand(dir)).toBe('npx -y pnpm@9.1.0 sillage')
  })
})
