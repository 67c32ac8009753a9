import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consumeToEnd, createLocalBus, defaultTopicSpecs, TOPICS, type Bus } from '@sillage/bus'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createAudienceStore } from '../adapters/clickhouse-audiences.js'
import { parseActivationFile } from '../domain/activation-file.js'
import { membershipMessageId } from '../domain/membership.js'
import { verifySignature } from '../domain/webhook-signature.js'
import { createDeliveryWorker } from './delivery-worker.js'

// The delivery worker against real chDB, a real local bus and a receiver on 127.0.0.1 whose
// answers the test scripts: Retry-After, a refusal to the dead-letter topic, replay, the breaker.
const dir = mkdtempSync(join(tmpdir(), 'sillage-delivery-'))
let warehouse: Warehouse
let bus: Bus
let answers: Array<{ status: number; headers?: Record<string, string> }> = []
const received: Array<{ body: string; signature: string; key: string; at: number }> = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    received.push({
      body,
      signature: String(req.headers['x-sillage-signature']),
      key: String(req.headers['idempotency-key']),
      at: Date.now(),
    })
    const a = answers.shift() ?? { status: 200 }
    res.writeHead(a.status, a.headers ?? {})
    res.end()
  })
})
let url = ''
/** Marketing consent for these persons, as a Consent Updated event in `events` (consent_current). */
const grantMarketing = (warehouse: Warehouse, persons: readonly string[]) =>
  warehouse.client.insert({
    table: 'sillage.events',
    format: 'JSONEachRow',
    values: persons.map((p) => ({
      message_id: `consent-${p}`,
      type: 'track',
      event: 'Consent Updated',
      timestamp: '2026-01-01 00:00:00.000',
      received_at: '2026-01-01 00:00:00.000',
      person_id: p,
      properties: JSON.stringify({ categories: ['marketing'] }),
    })),
  })

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  const at = new Date().toISOString()
  await grantMarketing(warehouse, ['p1', 'p2', 'p3', 'p4'])
  await createAudienceStore(warehouse).record(
    ['p1', 'p2', 'p3', 'p4'].map((p) => ({
      audienceId: 'a',
      personId: p,
      seq: 1,
      change: 'entered' as const,
      at,
      messageId: membershipMessageId('a', p, 1),
      userId: '',
      anonymousId: '',
      emailSha256: '',
      phoneSha256: '',
    })),
  )
})
afterAll(async () => {
  await bus?.close()
  await warehouse?.close()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

const worker = () =>
  createDeliveryWorker({
    warehouse,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    secretOf: () => 'sec',
    dataDir: dir,
    baseBackoffMs: 1,
    maxBackoffMs: 5,
  })
const defs = (extra: Record<string, unknown> = {}) =>
  parseActivationFile(
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url, batchSize: 2, maxAttempts: 3, ...extra }],
      audiences: [{ id: 'a', rule: 'orders > 0', destinations: ['hook'] }],
    }),
  )

describe('delivery worker', () => {
  it('retries a 503 after its Retry-After, dead-letters a refused batch, and replays it', async () => {
    answers = [{ status: 503, headers: { 'retry-after': '1' } }, { status: 200 }, { status: 400 }]
    const [r] = await worker().deliverAll(defs())
    expect(r).toMatchObject({ delivered: 2, dead: 2 })
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(900)
    expect(received[0]!.key).toBe(received[1]!.key)
    for (const x of received) expect(verifySignature('sec', x.body, x.signature)).toBe(true)
    const letters: Array<{ reason: string; items: unknown[] }> = []
    await consumeToEnd(bus, {
      topic: TOPICS.activationDeadLetters,
      group: 'test-dead-letters',
      eachBatch: async (b) => {
        for (const r of b.records) letters.push(JSON.parse(r.value.toString()) as (typeof letters)[number])
      },
    })
    expect(letters).toHaveLength(1)
    expect(letters[0]).toMatchObject({ reason: 'HTTP 400' })
    expect(letters[0]!.items).toHaveLength(2)

    expect(await worker().replay('hook')).toBe(2)
    const [again] = await worker().deliverAll(defs())
    expect(again).toMatchObject({ delivered: 2, dead: 0 })
    const [none] = await worker().deliverAll(defs())
    expect(none).toMatchObject({ delivered: 0, dead: 0 })
  })

  it('opens the circuit breaker after repeated failures', async () => {
    await grantMarketing(warehouse, ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'])
    await createAudienceStore(warehouse).record(
      ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'].map((p) => ({
        audienceId: 'a',
        personId: p,
        seq: 1,
        change: 'entered' as const,
        at: new Date().toISOString(),
        messageId: membershipMessageId('a', p, 1),
        userId: '',
        anonymousId: '',
        emailSha256: '',
        phoneSha256: '',
      })),
    )
    answers = Array.from({ length: 10 }, () => ({ status: 500 }))
    const before = received.length
    const [r] = await worker().deliverAll(defs({ maxAttempts: 1, breakerThreshold: 2 }))
    expect(r).toMatchObject({ delivered: 0, dead: 4, breakerOpen: true })
    expect(received.length - before).toBe(2)
  })

  it('exports a file destination as CSV with email_sha256 and phone_sha256, once', async () => {
    const fileDefs = parseActivationFile(
      JSON.stringify({
        destinations: [{ id: 'ads', type: 'file', directory: 'exports', format: 'csv' }],
        audiences: [{ id: 'a', rule: 'orders > 0', destinations: ['ads'] }],
      }),
    )
    const [r] = await worker().deliverAll(fileDefs)
    expect(r).toMatchObject({ destination: 'ads', delivered: 10 })
    const files = readdirSync(join(dir, 'exports'))
    expect(files).toHaveLength(1)
    const lines = readFileSync(join(dir, 'exports', files[0]!), 'utf8')
      .trim()
      .split('\n')
    expect(lines[0]).toBe('id,type,source,person_id,user_id,email_sha256,phone_sha256,at')
    expect(lines).toHaveLength(11)
    const [again] = await worker().deliverAll(fileDefs)
    expect(again).toMatchObject({ delivered: 0 })
    expect(readdirSync(join(dir, 'exports'))).toHaveLength(1)
  })
})
