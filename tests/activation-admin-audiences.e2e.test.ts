import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  authHeader,
  freePort,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'

// /admin/audiences on `sillage start` (real chDB): the admin token only, the file's parser,
// versioned updates, file audiences read-only, and an API audience evaluated like a file one.
const dir = tempDir('sillage-admin-audiences-')
let receiver: Receiver
let pipeline: Pipeline | undefined

type Json = Record<string, unknown>
const call = async (method: string, path: string, body?: unknown, auth = `Bearer ${ADMIN_TOKEN}`) => {
  const res = await fetch(`${pipeline!.url}/admin/audiences${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: res.status, json: (await res.json()) as Json }
}

beforeAll(async () => {
  receiver = await startReceiver()
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url: receiver.url }],
      audiences: [{ id: 'dormant', rule: 'rfm_segment = dormant', destinations: ['hook'] }],
    }),
  )
  pipeline = await startPipeline({
    dataDir: dir.path,
    port: await freePort(),
    env: {
      SILLAGE_DESTINATION_SECRET_HOOK: 'whsec_admin_0123456789',
      SILLAGE_AUDIENCE_SYNC_INTERVAL_MS: '3600000',
      SILLAGE_DELIVERY_INTERVAL_MS: '3600000',
    },
  })
})
afterAll(async () => {
  await pipeline?.stop()
  await receiver?.close()
  dir.remove()
})

describe('audiences through the admin API', () => {
  it('refuses write keys and missing tokens', async () => {
    expect((await call('GET', '', undefined, authHeader)).status).toBe(401)
    const none = await call('GET', '', undefined, '')
    expect([none.status, none.json['code']]).toEqual([401, 'SIL_ADMIN_UNAUTHORIZED'])
  })

  it('answers a malformed or missing JSON body with 400 and a SIL_ code, not a 500', async () => {
    for (const [method, path, body] of [
      ['POST', '', '{"id":'],
      ['PUT', '/x3', '{bad'],
      ['POST', '/sync', ''],
      ['DELETE', '/x3', ''],
    ] as const) {
      const res = await fetch(`${pipeline!.url}/admin/audiences${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body,
      })
      const json = (await res.json()) as Json
      expect(
        [res.status, String(json['code']).startsWith('SIL_') && json['code'] !== 'SIL_INTERNAL'],
        `${method} ${path}`,
      ).toEqual([400, true])
    }
  })

  it('validates with the file parser, versions updates, keeps file audiences read-only', async () => {
    const listed = await call('GET', '')
    expect(listed.json['audiences']).toEqual([
      expect.objectContaining({ id: 'dormant', origin: 'file', readOnly: true, evaluation: 'schedule' }),
    ])
    const bad = await call('POST', '', { id: 'x', rule: 'shoe_size > 3', destinations: ['hook'] })
    expect([bad.status, bad.json['code']]).toEqual([400, 'SIL_AUDIENCE_INVALID'])
    expect(String((bad.json['problems'] as string[])[0])).toContain('unknown attribute')
    const noDest = await call('POST', '', { id: 'x', rule: 'orders > 1', destinations: ['nope'] })
    expect(noDest.json['problems']).toEqual(['audience: unknown destination nope'])
    expect((await call('POST', '', { id: 'dormant', rule: 'orders > 1' })).json['code']).toBe(
      'SIL_AUDIENCE_READ_ONLY',
    )
    expect((await call('PUT', '/dormant', { rule: 'orders > 1', version: 1 })).status).toBe(409)
    expect((await call('DELETE', '/dormant')).json['code']).toBe('SIL_AUDIENCE_READ_ONLY')

    const created = await call('POST', '', { id: 'buyers', rule: 'orders >= 5', destinations: ['hook'] })
    expect(created.status).toBe(201)
    expect(created.json['audience']).toMatchObject({
      id: 'buyers',
      version: 1,
      origin: 'api',
      evaluation: 'stream+schedule',
    })
    expect((await call('POST', '', { id: 'buyers', rule: 'orders >= 1' })).json['code']).toBe(
      'SIL_AUDIENCE_EXISTS',
    )
    const updated = await call('PUT', '/buyers', { rule: 'orders >= 1', destinations: ['hook'], version: 1 })
    expect(updated.json['audience']).toMatchObject({ rule: 'orders >= 1', version: 2 })
    const stale = await call('PUT', '/buyers', { rule: 'orders >= 2', destinations: ['hook'], version: 1 })
    expect([stale.status, stale.json['code']]).toEqual([409, 'SIL_AUDIENCE_VERSION_CONFLICT'])
    expect((await call('GET', '/buyers')).json['audience']).toMatchObject({ rule: 'orders >= 1', version: 2 })
  })

  it('an API audience is evaluated and delivered like a file one; a deleted one is gone', async () => {
    const res = await fetch(`${pipeline!.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authHeader },
      body: JSON.stringify({
        batch: [
          {
            type: 'track',
            event: 'Order Completed',
            userId: 'bob',
            messageId: 'bob-order',
            timestamp: new Date().toISOString(),
            properties: { order_id: 'o-bob', revenue: 30, currency: 'EUR' },
            context: { consent: { categories: ['necessary', 'marketing'], policyVersion: 'v1' } },
          },
        ],
      }),
    })
    expect(res.status).toBe(200)
    const entered = await waitFor(
      () => {
        const items = receiver.requests
          .flatMap((r) => r.json.items ?? [])
          .filter((i) => i['type'] === 'audience.entered')
        return items.length > 0 && items
      },
      { timeoutMs: 60_000, what: 'the API audience entry' },
    )
    expect(entered.map((i) => [i['audience'], i['user_id']])).toEqual([['buyers', 'bob']])
    const preview = await call('POST', '/buyers/preview')
    expect(preview.json).toMatchObject({ audience: 'buyers', members: 1 })
    const unsaved = await call('POST', '/preview', { id: 'big', rule: 'revenue > 100' })
    expect(unsaved.json).toMatchObject({ audience: 'big', members: 0 })

    expect((await call('DELETE', '/buyers')).json).toMatchObject({ deleted: true, version: 3 })
    expect((await call('GET', '/buyers')).status).toBe(404)
    expect(((await call('GET', '')).json['audiences'] as Json[]).map((a) => a['id'])).toEqual(['dormant'])
    // Re-created after a deletion: the version goes on.
    const again = await call('POST', '', { id: 'buyers', rule: 'orders >= 1', destinations: ['hook'] })
    expect(again.json['audience']).toMatchObject({ version: 4 })
  }, 120_000)
})
