import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus, type BusRecord } from '@sillage/bus'
import { createCollectorApp } from './app.js'
import { createDebugTap, type DebugTap } from './domain/debug-tap.js'
import { createLogger, createMetricsRegistry, type Registry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'

/** Polls until `check` holds; never sleeps blindly. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

// Issue 20's acceptance for tracking plans: a batch with a bad Order Completed (a price as text,
// no order id) between good events, sent over a real socket to the collector writing to a real
// local log, is handled as each mode says, and the good events beside it land.
const MODES = ['allow', 'flag', 'block', 'off'] as const
const sources = sourcesSchema.parse(
  MODES.map((mode) => ({
    id: `src-${mode}`,
    writeKey: `wk_${mode}_12345678`,
    type: 'server',
    trackingPlan: { mode },
  })),
)
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`

function batchFor(run: string) {
  const base = { type: 'track', anonymousId: `anon-${run}`, timestamp: new Date().toISOString() }
  return [
    {
      ...base,
      messageId: `${run}-viewed`,
      event: 'Product Viewed',
      properties: { product_id: 'mug', price: 12.5 },
    },
    {
      ...base,
      messageId: `${run}-bad-order`,
      event: 'Order Completed',
      properties: {
        revenue: 25,
        currency: 'EUR',
        products: [{ product_id: 'mug', price: '12.50', quantity: 2 }],
      },
    },
    {
      ...base,
      messageId: `${run}-good-order`,
      event: 'Order Completed',
      properties: {
        order_id: `o-${run}`,
        revenue: 25,
        currency: 'EUR',
        products: [{ product_id: 'mug', price: 12.5, quantity: 2 }],
      },
      // A client cannot write the collector's verdict itself.
      context: { trackingPlan: { violations: [{ rule: 'forged', path: 'x', message: 'x' }] } },
    },
    { ...base, messageId: `${run}-signed-up`, event: 'Signed Up', properties: { plan: 42 } }, // not in the plan
  ]
}

const BROKEN_RULES = ['required:properties.order_id', 'type:properties.products[].price']

let dir: string
let bus: Bus
let app: FastifyInstance
let url: string
let registry: Registry
let tap: DebugTap

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-plan-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(2))
  registry = createMetricsRegistry({ defaultMetrics: false })
  tap = createDebugTap()
  app = createCollectorApp({
    config: {
      maxEventBytes: 32 * 1024,
      maxBatchBytes: 500 * 1024,
      adminToken: 'admin_plan_0123456789abcdef',
    },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry,
    debugTap: tap,
  })
  url = await app.listen({ host: '127.0.0.1', port: 0 })
})
afterEach(async () => {
  await app.close()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

async function send(mode: (typeof MODES)[number], run: string) {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(`wk_${mode}_12345678`) },
    body: JSON.stringify({ batch: batchFor(run), sentAt: new Date().toISOString() }),
  })
  return { status: res.status, body: (await res.json()) as { accepted: number; rejected: unknown[] } }
}

/** Everything on a topic, read through a real consumer group until `expected` records came. */
async function read(topic: string, expected: number): Promise<Array<Record<string, unknown>>> {
  const records: BusRecord[] = []
  const sub = await bus.subscribe({
    topic,
    group: `read-${randomUUID()}`,
    eachBatch: async (b) => void records.push(...b.records),
  })
  try {
    await waitFor(() => records.length >= expected, `${expected} on ${topic}`)
  } finally {
    await sub.stop()
  }
  return records.map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>)
}

async function violationCounts(): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('sillage_collector_tracking_plan_violations_total')?.get()
  const out: Record<string, number> = {}
  for (const v of metric?.values ?? [])
    out[`${String(v.labels['event'])}|${String(v.labels['rule'])}`] = v.value
  return out
}

const byId = (events: Array<Record<string, unknown>>, id: string) => events.find((e) => e['messageId'] === id)
const rulesOf = (violations: unknown) => (violations as Array<{ rule: string }>).map((v) => v.rule).sort()

describe('tracking plan modes over HTTP and the local log', () => {
  it('allow: every event is stored unchanged; the violations are in /metrics and the debugger', async () => {
    const run = randomUUID().slice(0, 8)
    expect(await send('allow', run)).toEqual({
      status: 200,
      body: { success: true, accepted: 4, rejected: [] },
    })
    const raw = await read(TOPICS.raw, 4)
    expect(raw.map((e) => e['messageId']).sort()).toEqual(
      batchFor(run)
        .map((e) => e.messageId)
        .sort(),
    )
    for (const e of raw) expect((e['context'] as Record<string, unknown>)['trackingPlan']).toBeUndefined()
    expect(await violationCounts()).toEqual({
      'Order Completed|required:properties.order_id': 1,
      'Order Completed|type:properties.products[].price': 1,
    })
    const entry = tap.recent({}, 50).find((e) => e.messageId === `${run}-bad-order`)
    expect(entry?.status).toBe('accepted')
    expect(rulesOf(entry?.violations)).toEqual(BROKEN_RULES)
    expect(tap.recent({}, 50).find((e) => e.messageId === `${run}-good-order`)?.violations).toBeUndefined()
  })

  it('flag: every event is stored, the bad one with its violations in context.trackingPlan', async () => {
    const run = randomUUID().slice(0, 8)
    expect(await send('flag', run)).toEqual({
      status: 200,
      body: { success: true, accepted: 4, rejected: [] },
    })
    const raw = await read(TOPICS.raw, 4)
    const bad = byId(raw, `${run}-bad-order`)?.['context'] as { trackingPlan?: { violations: unknown } }
    expect(bad.trackingPlan).toMatchObject({ mode: 'flag' })
    expect(bad.trackingPlan?.violations).toContainEqual({
      rule: 'type:properties.products[].price',
      path: 'properties.products[0].price',
      message: 'must be number',
    })
    expect(rulesOf(bad.trackingPlan?.violations)).toEqual(BROKEN_RULES)
    for (const id of ['viewed', 'good-order', 'signed-up'])
      expect(
        (byId(raw, `${run}-${id}`)?.['context'] as Record<string, unknown>)['trackingPlan'],
      ).toBeUndefined()
    expect(Object.keys(await violationCounts())).toHaveLength(2)
    expect(rulesOf(tap.recent({}, 50).find((e) => e.messageId === `${run}-bad-order`)?.violations)).toEqual(
      BROKEN_RULES,
    )
  })

  it('block: the bad order is dead-lettered with SIL_TRACKING_PLAN_VIOLATION and its rules; the rest land', async () => {
    const run = randomUUID().slice(0, 8)
    const { status, body } = await send('block', run)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      accepted: 3,
      rejected: [
        { index: 1, code: 'SIL_TRACKING_PLAN_VIOLATION', message: expect.stringContaining('order_id') },
      ],
    })
    const raw = await read(TOPICS.raw, 3)
    expect(raw.map((e) => e['messageId']).sort()).toEqual(
      [`${run}-good-order`, `${run}-signed-up`, `${run}-viewed`].sort(),
    )
    const [letter] = await read(TOPICS.invalid, 1)
    expect(letter).toMatchObject({
      sourceId: 'src-block',
      index: 1,
      reason: { code: 'SIL_TRACKING_PLAN_VIOLATION' },
      payload: { messageId: `${run}-bad-order`, event: 'Order Completed' },
    })
    expect(rulesOf((letter?.['reason'] as { violations: unknown }).violations)).toEqual(BROKEN_RULES)
    expect(Object.keys(await violationCounts())).toHaveLength(2)
    const entry = tap.recent({}, 50).find((e) => e.messageId === `${run}-bad-order`)
    expect(entry?.status).toBe('rejected')
    expect(rulesOf(entry?.violations)).toEqual(BROKEN_RULES)
  })

  it('off: nothing is checked', async () => {
    const run = randomUUID().slice(0, 8)
    expect(await send('off', run)).toEqual({
      status: 200,
      body: { success: true, accepted: 4, rejected: [] },
    })
    await read(TOPICS.raw, 4)
    expect(await violationCounts()).toEqual({})
  })

  it('a plan with a mistake stops the collector at start, naming the source and the event', () => {
    const broken = sourcesSchema.parse([
      {
        id: 'typo',
        writeKey: 'wk_typo_12345678',
        type: 'server',
        trackingPlan: { events: { 'Order Completed': { type: 'object', requird: ['order_id'] } } },
      },
    ])
    expect(() =>
      createCollectorApp({
        config: { maxEventBytes: 32 * 1024, maxBatchBytes: 500 * 1024 },
        sources: broken,
        bus,
        log: createLogger({ level: 'silent' }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
      }),
    ).toThrow(/source "typo": tracking plan event "Order Completed": .*requird/)
  })

  it('a plan with a pattern no linear-time engine runs (a backreference) stops the collector at start, with the reason', () => {
    const hostile = sourcesSchema.parse([
      {
        id: 'redos',
        writeKey: 'wk_redos_12345678',
        type: 'server',
        trackingPlan: { events: { 'Coupon Entered': { properties: { code: { pattern: '^(a)\\1$' } } } } },
      },
    ])
    expect(() =>
      createCollectorApp({
        config: { maxEventBytes: 32 * 1024, maxBatchBytes: 500 * 1024 },
        sources: hostile,
        bus,
        log: createLogger({ level: 'silent' }),
        registry: createMetricsRegistry({ defaultMetrics: false }),
      }),
    ).toThrow(
      /source "redos": tracking plan event "Coupon Entered": pattern "\^\(a\)\\\\1\$" is refused: a backreference/,
    )
  })

  it('/metrics shows the violations by event and rule', async () => {
    await send('allow', randomUUID().slice(0, 8))
    const text = await (await fetch(`${url}/metrics`)).text()
    expect(text).toContain(
      'sillage_collector_tracking_plan_violations_total{event="Order Completed",rule="required:properties.order_id"} 1',
    )
  })
})
