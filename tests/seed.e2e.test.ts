import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  cliMain,
  freePort,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  waitForCount,
  type Pipeline,
} from './helpers/pipeline.js'
import { generateShop, utcMidnight } from './helpers/shop.js'

const run = promisify(execFile)

// `sillage seed` against a running embedded start with its own sources (no SILLAGE_SOURCES): the
// generated shop goes through the collector with the data dir's server key, and lands whole.
describe('sillage seed', () => {
  const dir = tempDir('sillage-seed-')
  const env = { SILLAGE_DATA_DIR: dir.path, SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN, SILLAGE_SOURCES: '' }
  let pipeline: Pipeline | undefined

  const sillage = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [cliMain, ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env },
      })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }

  beforeAll(async () => {
    const port = await freePort()
    pipeline = await startPipeline({ dataDir: dir.path, port, env })
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  it('sends the generated shop through the collector with the data dir’s server key; again adds nothing', async () => {
    const sources = JSON.parse(readFileSync(join(dir.path, 'sources.json'), 'utf8')) as Array<{
      id: string
      type: string
    }>
    expect(sources.map((s) => [s.id, s.type])).toEqual([
      ['demo', 'browser'],
      ['seed', 'server'],
    ])
    const expected = generateShop({ seed: 9, shoppers: 60, days: 20, end: utcMidnight() }).events.length
    // More events than the browser key's per-minute allowance: the server key has no rate limit.
    expect(expected).toBeGreaterThan(300)

    const first = await sillage(['seed', '--shoppers', '60', '--days', '20', '--seed', '9'])
    expect(first.stderr).toContain(`generated ${expected.toLocaleString('en')} events`)
    expect(first.stdout).toContain(
      `seeded ${expected} events (0 rejected) from 60 shoppers over 20 days, seed 9`,
    )
    expect(first.code).toBe(0)
    await waitForCount(
      pipeline!.url,
      "SELECT count() AS n FROM sillage.events WHERE source_id = 'seed'",
      expected,
    )
    const second = await sillage(['seed', '--shoppers', '60', '--days', '20', '--seed', '9'])
    expect(second.code).toBe(0)
    const [row] = await query<{ n: string; ids: string; orders: string }>(
      pipeline!.url,
      "SELECT count() AS n, uniqExact(message_id) AS ids, countIf(event = 'Order Completed') AS orders FROM sillage.events WHERE source_id = 'seed'",
    )
    expect(Number(row!.n)).toBe(expected)
    expect(Number(row!.ids)).toBe(expected)
    expect(Number(row!.orders)).toBeGreaterThan(0)
  })

  it('says what to do when no start runs, and exits 1', async () => {
    await pipeline!.stop()
    pipeline = undefined
    const res = await sillage(['seed', '--shoppers', '5'])
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(
      /^sillage seed: no sillage start runs on .+; run `npx -y pnpm@10\.34\.8 sillage start`/,
    )
    expect((await sillage(['seed', '--days', 'x'])).code).toBe(2)
  })
})
