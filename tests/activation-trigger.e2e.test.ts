import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifySignature } from '@sillage/activation'
import { authHeader, freePort, startPipeline, tempDir, waitFor, type Pipeline } from './helpers/pipeline.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'

// A trigger end to end in `sillage start`: carts sent through the collector's HTTP API (the
// Segment batch endpoint, as the browser SDK would send them), the Cart Abandoned detector,
// the trigger `Cart Abandoned where value > 100` and a signed webhook to a receiver on 127.0.0.1.
const SECRET = 'whsec_trigger_0123456789'
const dir = tempDir('sillage-trigger-')
let receiver: Receiver
let pipeline: Pipeline | undefined

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()
const consent = (categories: string[]) => ({ consent: { categories, policyVersion: 'v1' } })
const add = (who: string, price: number, minutes: number, categories = ['necessary', 'marketing']) => ({
  type: 'track',
  event: 'Product Added',
  userId: who,
  anonymousId: `anon-${who}`,
  messageId: `add-${who}`,
  timestamp: ago(minutes),
  properties: { cart_id: `cart-${who}`, product_id: 'coat', price, quantity: 1, currency: 'EUR' },
  context: consent(categories),
})

const firings = () =>
  receiver.requests.flatMap((r) => r.json.items ?? []).filter((i) => i['type'] === 'trigger.fired')
const adminQuery = async (sql: string) =>
  (
    await fetch(`${pipeline!.url}/admin/query`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin_test_0123456789abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({ sql }),
    })
  ).text()

beforeAll(async () => {
  receiver = await startReceiver()
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url: receiver.url }],
      audiences: [{ id: 'buyers', rule: 'orders >= 1', destinations: ['hook'] }],
      triggers: [
        {
          id: 'big-cart',
          event: 'Cart Abandoned',
          where: 'value > 100',
          cooldownHours: 24,
          destinations: ['hook'],
        },
      ],
    }),
  )
  pipeline = await startPipeline({
    dataDir: dir.path,
    port: await freePort(),
    env: {
      SILLAGE_CART_ABANDONMENT_INTERVAL_MS: '500',
      SILLAGE_CART_ABANDONMENT_GRACE_MS: '0',
      SILLAGE_DESTINATION_SECRET_HOOK: SECRET,
      SILLAGE_DELIVERY_INTERVAL_MS: '1000',
      SILLAGE_AUDIENCE_SYNC_INTERVAL_MS: '1000',
    },
  })
})
afterAll(async () => {
  await pipeline?.stop()
  await receiver?.close()
  dir.remove()
})

describe('trigger: a big abandoned cart reaches the webhook', () => {
  it('fires for the abandoned cart above 100 € only: not an ordered one, a small one or one without consent', async () => {
    const batch = [
      add('big', 180, 120),
      add('ordered', 250, 120),
      {
        type: 'track',
        event: 'Order Completed',
        userId: 'ordered',
        anonymousId: 'anon-ordered',
        messageId: 'order-ordered',
        timestamp: ago(115),
        properties: {
          order_id: 'o-1',
          revenue: 250,
          currency: 'EUR',
          products: [{ product_id: 'coat', price: 250, quantity: 1 }],
        },
        context: consent(['necessary', 'marketing']),
      },
      add('small', 40, 120),
      add('refused', 300, 120, ['necessary']),
    ]
    const res = await fetch(`${pipeline!.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authHeader },
      body: JSON.stringify({ batch }),
    })
    expect(res.status).toBe(200)
    const fired = await waitFor(
      () => {
        const items = firings()
        return items.length > 0 && items
      },
      { timeoutMs: 60_000, what: 'the trigger delivery' },
    )
    expect(fired.map((i) => [i['type'], i['trigger'], i['user_id']])).toEqual([
      ['trigger.fired', 'big-cart', 'big'],
    ])
    const props = fired[0]!['properties'] as { properties: { value: number } }
    expect(props.properties.value).toBe(180)
    for (const r of receiver.requests) expect(verifySignature(SECRET, r.body, r.signature)).toBe(true)
    // The other three carts: abandoned (small, refused) or not (ordered), never delivered.
    // Identity stores the Cart Abandoned events independently of the trigger consumer: poll.
    const abandoned = await waitFor(
      async () => {
        const rows = (
          await adminQuery(
            "SELECT user_id FROM sillage.events WHERE event = 'Cart Abandoned' ORDER BY user_id",
          )
        )
          .trim()
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { user_id: string }).user_id)
        return rows.length >= 3 && rows
      },
      { timeoutMs: 60_000, what: 'the three Cart Abandoned events' },
    )
    expect(abandoned).toEqual(['big', 'refused', 'small'])
    expect(firings()).toHaveLength(1)
  })

  it('an audience synced by start: Audience Entered lands in ClickHouse, the entry reaches the receiver', async () => {
    const stored = await waitFor(
      async () => {
        const rows = (await adminQuery("SELECT user_id FROM sillage.events WHERE event = 'Audience Entered'"))
          .trim()
          .split('\n')
          .filter((l) => l !== '')
        return rows.length > 0 && rows.map((l) => (JSON.parse(l) as { user_id: string }).user_id)
      },
      { timeoutMs: 60_000, what: 'Audience Entered in ClickHouse' },
    )
    expect(stored).toEqual(['ordered'])
    const entries = await waitFor(
      () => {
        const items = receiver.requests
          .flatMap((r) => r.json.items ?? [])
          .filter((i) => i['type'] === 'audience.entered')
        return items.length > 0 && items
      },
      { timeoutMs: 60_000, what: 'the audience entry' },
    )
    expect(entries.map((i) => [i['audience'], i['user_id']])).toEqual([['buyers', 'ordered']])
  })

  it('an erasure of a person a destination received reaches it as person.deleted', async () => {
    const res = await fetch(`${pipeline!.url}/admin/privacy/erasure`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin_test_0123456789abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'user_id', value: 'big' }),
    })
    expect(res.status).toBeLessThan(300)
    const deleted = await waitFor(
      () => {
        const items = receiver.requests
          .flatMap((r) => r.json.items ?? [])
          .filter((i) => i['type'] === 'person.deleted')
        return items.length > 0 && items
      },
      { timeoutMs: 60_000, what: 'the erasure notice' },
    )
    expect(deleted).toHaveLength(1)
    // The notice names the person as the destination received them (the firing's user id).
    expect(deleted[0]!['user_id']).toBe('big')
  })
})
