import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  cliMain,
  freePort,
  repoRoot,
  startPipeline,
  tempDir,
  type Pipeline,
} from './helpers/pipeline.js'

// An audience created through /admin/audiences on `sillage start` is everywhere the file's are: in
// the dashboard's reactivation audiences (start composes the dashboard with activation's merged
// definitions) and in `sillage audiences list`, through the running start and on the data dir.
const run = promisify(execFile)
const dir = tempDir('sillage-api-audiences-')
let pipeline: Pipeline | undefined

type Json = Record<string, unknown>
const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${pipeline!.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
const cli = async (...args: string[]) => {
  const { stdout } = await run(process.execPath, [cliMain, 'audiences', ...args], {
    cwd: repoRoot,
    env: { ...process.env, SILLAGE_DATA_DIR: dir.path, SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN, CLICKHOUSE_URL: '' },
  })
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json)
}
const list = () => cli('list')

beforeAll(async () => {
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'ads', type: 'file', directory: 'exports/ads' }],
      audiences: [
        { id: 'lapsed', name: 'Lapsed (file)', rule: 'rfm_segment = dormant', destinations: ['ads'] },
      ],
    }),
  )
  pipeline = await startPipeline({
    dataDir: dir.path,
    port: await freePort(),
    env: { SILLAGE_AUDIENCE_SYNC_INTERVAL_MS: '3600000' },
  })
  const created = await admin('POST', '/admin/audiences', {
    id: 'winback',
    name: 'Win back (API)',
    rule: 'rfm_segment in (hibernating, dormant)',
    destinations: ['ads'],
  })
  expect(created.status).toBe(201)
})
afterAll(async () => {
  await pipeline?.stop()
  dir.remove()
})

const expected = [
  expect.objectContaining({ id: 'lapsed', name: 'Lapsed (file)', source: 'file' }),
  expect.objectContaining({
    id: 'winback',
    name: 'Win back (API)',
    rule: 'rfm_segment in (hibernating, dormant)',
    source: 'api',
    version: 1,
  }),
]

describe('API audiences beside the file ones', () => {
  it("the dashboard's reactivation audiences include the API's, with their source", async () => {
    const res = await admin('GET', '/dashboard/api/overview')
    expect(res.status).toBe(200)
    const overview = (await res.json()) as { dormant: { audiences: Json[] } }
    expect(overview.dormant.audiences).toEqual([
      { id: 'lapsed', name: 'Lapsed (file)', source: 'file', members: 0, lastChangeAt: null },
      { id: 'winback', name: 'Win back (API)', source: 'api', members: 0, lastChangeAt: null },
    ])
  })

  it('`sillage audiences preview` and `sync` work through the running start (its admin API)', async () => {
    expect(await cli('preview', 'winback', '--limit', '5')).toEqual([
      { audience: 'winback', members: 0, sample: [] },
    ])
    const synced = await cli('sync', 'winback')
    expect(synced[0]).toMatchObject({ audienceId: 'winback', members: 0, entered: 0 })
    await expect(cli('preview', 'nope')).rejects.toThrow(/no audience "nope"/)
  }, 60_000)

  it('`sillage audiences list` shows them through the running start, and on the data dir once stopped', async () => {
    expect(await list()).toEqual(expected)
    await pipeline!.stop()
    expect(await list()).toEqual(expected)
  }, 60_000)
})
