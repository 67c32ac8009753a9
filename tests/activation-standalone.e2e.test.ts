import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, authHeader, cliMain, repoRoot, tempDir } from './helpers/pipeline.js'
import {
  kafkaBrokers,
  newNamespace,
  startActivation,
  type ActivationProcess,
} from './helpers/kafka-pipeline.js'

// The standalone activation service (pipeline mode: Kafka, here on chDB) serves /admin/audiences on
// its own port (SILLAGE_ACTIVATION_PORT) with the admin token, and not at all without one; what it
// writes is what `sillage audiences` then lists and previews (the merged definitions).
const run = promisify(execFile)
const dir = tempDir('sillage-activation-standalone-')
const bare = tempDir('sillage-activation-no-token-')
const brokers = kafkaBrokers()
let service: ActivationProcess | undefined
let tokenless: ActivationProcess | undefined

type Json = Record<string, unknown>
const call = async (method: string, path: string, body?: unknown, auth = `Bearer ${ADMIN_TOKEN}`) => {
  const res = await fetch(`${service!.url}/admin/audiences${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: res.status, json: (await res.json()) as Json }
}
const cli = async (args: string[]) => {
  const { stdout } = await run(process.execPath, [cliMain, ...args], {
    cwd: repoRoot,
    env: { ...process.env, SILLAGE_DATA_DIR: dir.path, CLICKHOUSE_URL: '', SILLAGE_LOG_LEVEL: 'warn' },
  })
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json)
}

beforeAll(async () => {
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'ads', type: 'file', directory: 'exports/ads' }],
      audiences: [{ id: 'dormant', rule: 'rfm_segment = dormant', destinations: ['ads'] }],
    }),
  )
  const quiet = { SILLAGE_AUDIENCE_SYNC_INTERVAL_MS: '3600000', SILLAGE_LOG_LEVEL: 'info' }
  ;[service, tokenless] = await Promise.all([
    startActivation({
      brokers,
      namespace: newNamespace('activation-admin'),
      dataDir: dir.path,
      env: { ...quiet, SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN },
    }),
    startActivation({
      brokers,
      namespace: newNamespace('activation-no-admin'),
      dataDir: bare.path,
      env: { ...quiet, SILLAGE_ADMIN_TOKEN: '' },
    }),
  ])
}, 180_000)
afterAll(async () => {
  await service?.stop()
  await tokenless?.stop()
  dir.remove()
  bare.remove()
})

describe('the standalone activation service', () => {
  it('answers 401 without the admin token, and to a write key', async () => {
    const none = await call('GET', '', undefined, '')
    expect([none.status, none.json['code']]).toEqual([401, 'SIL_ADMIN_UNAUTHORIZED'])
    expect((await call('POST', '', { id: 'x', rule: 'orders > 1' }, authHeader)).status).toBe(401)
    const unknown = await fetch(`${service!.url}/nope`)
    expect([unknown.status, ((await unknown.json()) as Json)['code']]).toEqual([404, 'SIL_NOT_FOUND'])
  })

  it('creates, lists and updates API audiences beside the file ones', async () => {
    const created = await call('POST', '', { id: 'buyers', rule: 'orders >= 5', destinations: ['ads'] })
    expect([created.status, created.json['audience']]).toEqual([
      201,
      expect.objectContaining({ id: 'buyers', origin: 'api', version: 1 }),
    ])
    const listed = await call('GET', '')
    expect((listed.json['audiences'] as Json[]).map((a) => [a['id'], a['origin'], a['version']])).toEqual([
      ['dormant', 'file', undefined],
      ['buyers', 'api', 1],
    ])
    const updated = await call('PUT', '/buyers', { rule: 'orders >= 2', destinations: ['ads'], version: 1 })
    expect(updated.json['audience']).toMatchObject({ rule: 'orders >= 2', version: 2 })
    expect((await call('GET', '/buyers')).json['audience']).toMatchObject({ rule: 'orders >= 2', version: 2 })
    const stale = await call('PUT', '/buyers', { rule: 'orders >= 3', version: 1 })
    expect([stale.status, stale.json['code']]).toEqual([409, 'SIL_AUDIENCE_VERSION_CONFLICT'])
  })

  it('without SILLAGE_ADMIN_TOKEN keeps the admin API off, and says so', async () => {
    await expect(fetch(`${tokenless!.url}/admin/audiences`)).rejects.toThrow()
    expect(tokenless!.output()).toContain('admin API off')
  })

  it('`sillage audiences` lists, previews and syncs what the API defined (the service stopped)', async () => {
    await service!.stop()
    const lines = await cli(['audiences', 'list'])
    expect(lines).toEqual([
      {
        id: 'dormant',
        name: 'dormant',
        rule: 'rfm_segment = dormant',
        destinations: ['ads'],
        source: 'file',
      },
      expect.objectContaining({ id: 'buyers', rule: 'orders >= 2', source: 'api', version: 2 }),
    ])
    expect(await cli(['audiences', 'preview', 'buyers'])).toEqual([
      { audience: 'buyers', members: 0, sample: [] },
    ])
    const synced = await cli(['audiences', 'sync', 'buyers'])
    expect(synced.filter((r) => 'audienceId' in r)).toEqual([
      expect.objectContaining({ audienceId: 'buyers', members: 0 }),
    ])
  }, 120_000)
})
