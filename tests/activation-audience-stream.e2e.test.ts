import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifySignature } from '@sillage/activation'
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

// Stream evaluation of audiences in `sillage start` (real chDB, the local bus): the schedule is
// an hour, so an entry or exit that reaches the receiver within the test came from the stream.
const SECRET = 'whsec_stream_0123456789'
const dir = tempDir('sillage-audience-stream-')
let receiver: Receiver
let pipeline: Pipeline | undefined

const consent = (categories: string[]) => ({ consent: { categories, policyVersion: 'v1' } })
const send = async (batch: unknown[]) => {
  const res = await fetch(`${pipeline!.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: authHeader },
    body: JSON.stringify({ batch }),
  })
  expect(res.status).toBe(200)
}
const items = (type: string) =>
  receiver.requests.flatMap((r) => r.json.items ?? []).filter((i) => i['type'] === type)
const adminQuery = async (sql: string) =>
  (
    await (
      await fetch(`${pipeline!.url}/admin/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql }),
      })
    ).text()
  )
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

beforeAll(async () => {
  receiver = await startReceiver()
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url: receiver.url }],
      audiences: [
        { id: 'buyers', rule: 'orders >= 1 and consent.marketing', destinations: ['hook'] },
        { id: 'champions', rule: 'rfm_segment = champions and orders >= 1', destinations: ['hook'] },
      ],
    }),
  )
  pipeline = await startPipeline({
    dataDir: dir.path,
    port: await freePort(),
    env: {
      SILLAGE_DESTINATION_SECRET_HOOK: SECRET,
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

describe('audiences evaluated on the stream', () => {
  it('an order makes a person enter at once, a consent withdrawal makes them leave, both reach the receiver', async () => {
    const now = () => new Date().toISOString()
    await send([
      {
        type: 'page',
        userId: 'ann',
        anonymousId: 'anon-ann',
        messageId: 'ann-page',
        timestamp: now(),
        context: consent(['necessary', 'marketing']),
      },
    ])
    await waitFor(
      async () => (await adminQuery("SELECT 1 FROM sillage.events WHERE message_id = 'ann-page'")).length > 0,
      {
        timeoutMs: 60_000,
        what: 'the page view stored',
      },
    )
    expect(items('audience.entered')).toEqual([])
    await send([
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'ann',
        anonymousId: 'anon-ann',
        messageId: 'ann-order',
        timestamp: now(),
        properties: {
          order_id: 'o-ann',
          revenue: 80,
          currency: 'EUR',
          products: [{ product_id: 'p', price: 80, quantity: 1 }],
        },
        context: consent(['necessary', 'marketing']),
      },
    ])
    const entered = await waitFor(() => items('audience.entered').length > 0 && items('audience.entered'), {
      timeoutMs: 60_000,
      what: 'the entry delivered',
    })
    expect(entered.map((i) => [i['audience'], i['user_id']])).toEqual([['buyers', 'ann']])
    // The scored audience is the schedule's: the stream never evaluated it.
    expect(
      await adminQuery("SELECT person_id FROM sillage.audience_membership WHERE audience_id = 'champions'"),
    ).toEqual([])
    const stored = await waitFor(
      async () => {
        const rows = await adminQuery("SELECT user_id FROM sillage.events WHERE event = 'Audience Entered'")
        return rows.length > 0 && rows
      },
      { timeoutMs: 60_000, what: 'Audience Entered in ClickHouse' },
    )
    expect(stored.map((r) => r['user_id'])).toEqual(['ann'])

    await send([
      {
        type: 'track',
        event: 'Consent Updated',
        userId: 'ann',
        anonymousId: 'anon-ann',
        messageId: 'ann-consent',
        timestamp: now(),
        properties: { categories: ['necessary'], policyVersion: 'v1' },
        context: consent(['necessary']),
      },
    ])
    const exited = await waitFor(() => items('audience.exited').length > 0 && items('audience.exited'), {
      timeoutMs: 60_000,
      what: 'the exit delivered',
    })
    expect(exited.map((i) => [i['audience'], i['user_id']])).toEqual([['buyers', 'ann']])
    expect(items('audience.entered')).toHaveLength(1)
    for (const r of receiver.requests) expect(verifySignature(SECRET, r.body, r.signature)).toBe(true)
  }, 180_000)
})
