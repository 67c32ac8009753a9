import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, TOPICS, type Bus, type BusRecord } from '@sillage/bus'
import { sha256Hex, storedIdentifier, suppressionKey, type Identifier } from '@sillage/identifiers'
import { followSuppressions, type SuppressionFeed } from '@sillage/identifiers/follow'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { sourcesSchema } from '@sillage/schemas'
import type { FastifyInstance } from 'fastify'
import { createCollectorApp } from './app.js'

// An erased person's email and phone at a source's own scrub paths (docs/privacy.md, suppression):
// the collector, over a real local log, with the list followed from privacy.suppressions.
const sources = sourcesSchema.parse([
  {
    id: 'crm',
    writeKey: 'sk_crm_123',
    type: 'server',
    scrub: {
      hash: ['properties.workEmail', 'properties.products.*.buyer_email', 'traits.backup_mobile'],
      phoneCountryCode: '33',
    },
  },
  {
    id: 'kept',
    writeKey: 'sk_kept_456',
    type: 'server',
    scrub: { hash: ['properties.workEmail'], keep: ['properties.workEmail', 'traits.office_phone'] },
  },
  { id: 'plain', writeKey: 'sk_plain_789', type: 'server' },
])
const auth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const erased = [storedIdentifier('email', 'jane@example.com'), storedIdentifier('phone', '+33612345678')]

let dir: string
let bus: Bus
let feed: SuppressionFeed
let app: FastifyInstance

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sillage-collector-suppression-'))
  bus = createLocalBus({ dir })
  await bus.ensureTopics(defaultTopicSpecs(1))
  // What an erasure writes (docs/privacy.md): one record per identifier, keyed by its suppression key.
  await bus.produce(
    TOPICS.suppressions,
    (erased as Identifier[]).map((id) => ({
      key: suppressionKey(id),
      value: Buffer.from(JSON.stringify({ idType: id.type, requestId: 'r1', suppressedAt: '2026-01-01' })),
    })),
  )
  feed = await followSuppressions(bus, { groupPrefix: 'collector-test', phoneCountryCode: '33' })
  app = createCollectorApp({
    config: { maxEventBytes: 4096, maxBatchBytes: 64 * 1024 },
    sources,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    suppressions: feed.list,
  })
})
afterEach(async () => {
  await app.close()
  await feed.stop()
  await bus.close()
  rmSync(dir, { recursive: true, force: true })
})

async function post(key: string, batch: object[]) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/batch',
    headers: { authorization: auth(key) },
    payload: { batch },
  })
  return res.json<{ accepted: number; rejected?: Array<{ index: number; code: string }> }>()
}

/** Reads everything on a topic through a real consumer group. */
async function drain(topic: string, expected: number): Promise<BusRecord[]> {
  const records: BusRecord[] = []
  const sub = await bus.subscribe({
    topic,
    group: `drain-${topic}`,
    eachBatch: async (b) => void records.push(...b.records),
  })
  const deadline = Date.now() + 5000
  while (records.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  await sub.stop()
  return records
}

const track = (id: string, properties: object) => ({
  type: 'track',
  event: 'Quote Sent',
  userId: id,
  properties,
})

describe('suppression at a source-specific scrub path', () => {
  it('refuses an erased email or phone at a source hash path, raw or already hashed', async () => {
    const res = await post('sk_crm_123', [
      track('u1', { workEmail: ' Jane@Example.COM ' }),
      track('u2', { workEmail: sha256Hex('jane@example.com') }),
      track('u3', { products: [{ sku: 'a' }, { sku: 'b', buyer_email: 'jane@example.com' }] }),
      { type: 'identify', userId: 'u4', traits: { backup_mobile: '06 12 34 56 78' } },
      track('u5', { workEmail: 'john@example.com', products: [{ buyer_email: 'john@example.com' }] }),
    ])
    expect(res.rejected?.map((r) => [r.index, r.code])).toEqual([
      [0, 'SIL_EVENT_SUPPRESSED'],
      [1, 'SIL_EVENT_SUPPRESSED'],
      [2, 'SIL_EVENT_SUPPRESSED'],
      [3, 'SIL_EVENT_SUPPRESSED'],
    ])
    expect(res.accepted).toBe(1)
    const stored = await drain(TOPICS.raw, 1)
    expect(stored).toHaveLength(1)
    const text = stored[0]!.value.toString()
    expect(text).toContain('"userId":"u5"')
    expect(text).not.toContain(sha256Hex('jane@example.com'))
  })

  it('refuses it at a kept path too: not scrubbed, but the event still carries it', async () => {
    const res = await post('sk_kept_456', [
      track('u1', { workEmail: 'jane@example.com' }),
      { type: 'identify', userId: 'u2', traits: { office_phone: '+33 6 12 34 56 78' } },
      track('u3', { workEmail: 'john@example.com' }),
    ])
    expect(res.rejected?.map((r) => [r.index, r.code])).toEqual([
      [0, 'SIL_EVENT_SUPPRESSED'],
      [1, 'SIL_EVENT_SUPPRESSED'],
    ])
    const stored = await drain(TOPICS.raw, 1)
    expect(stored.map((r) => r.value.toString())).toEqual([expect.stringContaining('john@example.com')])
  })

  it('still refuses at the default keys on a source without rules of its own', async () => {
    const res = await post('sk_plain_789', [
      track('u1', { customer: { Email: 'jane@example.com' } }),
      track('u2', { customer: { Email: 'john@example.com' } }),
    ])
    expect(res.rejected?.map((r) => [r.index, r.code])).toEqual([[0, 'SIL_EVENT_SUPPRESSED']])
    expect(res.accepted).toBe(1)
  })
})
