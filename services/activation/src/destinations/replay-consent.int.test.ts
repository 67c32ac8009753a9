import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalBus, defaultTopicSpecs, type Bus } from '@sillage/bus'
import { suppressionKey } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createPrivacyRepository, createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createAudienceStore } from '../adapters/clickhouse-audiences.js'
import { createTriggerStore } from '../adapters/clickhouse-triggers.js'
import { parseActivationFile } from '../domain/activation-file.js'
import { membershipMessageId, type MembershipChange } from '../domain/membership.js'
import { createDeliveryWorker } from './delivery-worker.js'

// `sillage destinations replay` against real chDB, a real local bus, the admin's real erasure and a
// receiver on 127.0.0.1: a dead delivery replayed after its person withdrew marketing consent or
// was erased (or is being erased: suppressed, rows not deleted yet) never reaches the destination.
const dir = mkdtempSync(join(tmpdir(), 'sillage-replay-consent-'))
let warehouse: Warehouse
let bus: Bus
let status = 200
type Item = { id: string; type: string; person_id: string; user_id: string }
const received: Item[] = []
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    received.push(...(JSON.parse(body) as { items: Item[] }).items)
    res.writeHead(status).end()
  })
})
let url = ''
const defs = () =>
  parseActivationFile(
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url, maxAttempts: 1 }],
      audiences: [{ id: 'a', rule: 'orders > 0', destinations: ['hook'] }],
      triggers: [{ id: 't', event: 'Cart Abandoned', destinations: ['hook'] }],
    }),
  )
const worker = () =>
  createDeliveryWorker({
    warehouse,
    bus,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    secretOf: () => 'sec',
    dataDir: dir,
  })
/** A Consent Updated of person `p-<x>` (user `u-<x>`) in `events`: consent_current and the triggers' consent. */
const consent = (x: string, categories: string[], timestamp: string) =>
  warehouse.client.insert({
    table: 'sillage.events',
    format: 'JSONEachRow',
    values: [
      {
        message_id: `consent-${x}-${timestamp}`,
        type: 'track',
        event: 'Consent Updated',
        timestamp,
        received_at: timestamp,
        person_id: `p-${x}`,
        user_id: `u-${x}`,
        properties: JSON.stringify({ categories }),
      },
    ],
  })
const change = (x: string, seq: number, kind: 'entered' | 'exited'): MembershipChange => ({
  audienceId: 'a',
  personId: `p-${x}`,
  seq,
  change: kind,
  at: new Date().toISOString(),
  messageId: membershipMessageId('a', `p-${x}`, seq),
  userId: `u-${x}`,
  anonymousId: '',
  emailSha256: '',
  phoneSha256: '',
})
const firing = (x: string) => ({
  triggerId: 't',
  userId: `u-${x}`,
  anonymousId: '',
  windowStart: Date.now(),
  messageId: `firing-${x}`,
  eventMessageId: `cart-${x}`,
  payload: { event: 'Cart Abandoned', properties: { value: 120 } },
  firedAt: Date.now(),
})
const ledger = async () => {
  const rs = await warehouse.client.query({
    query: `SELECT message_id, status, error FROM sillage.activation_deliveries FINAL WHERE destination_id = 'hook'`,
    format: 'JSONEachRow',
  })
  return new Map(
    (await rs.json<{ message_id: string; status: string; error: string }>()).map((r) => [r.message_id, r]),
  )
}

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  bus = createLocalBus({ dir: join(dir, 'bus') })
  await bus.ensureTopics(defaultTopicSpecs(1))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
})
afterAll(async () => {
  await bus?.close()
  await warehouse?.close()
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

/**
 * Delivers `connect`'s entries (the destination then has the audience: what follows is not its
 * snapshot, whose entries the connection's own consent check holds back), then records `dying`'s
 * entries and trigger firings and `leaving`'s exits, which the receiver refuses (410: dead).
 */
async function dead(connect: string, dying: readonly string[], leaving: readonly string[] = []) {
  const audiences = createAudienceStore(warehouse)
  for (const x of [connect, ...dying]) await consent(x, ['marketing'], '2026-01-01 00:00:00.000')
  await audiences.record([change(connect, 1, 'entered')])
  expect((await worker().deliverAll(defs()))[0]).toMatchObject({ delivered: 1 })
  await audiences.record([
    ...dying.map((x) => change(x, 1, 'entered')),
    ...leaving.map((x) => change(x, 2, 'exited')),
  ])
  await createTriggerStore(warehouse).record(dying.map(firing))
  status = 410
  const deaths = dying.length * 2 + leaving.length
  expect((await worker().deliverAll(defs()))[0]).toMatchObject({ delivered: 0, dead: deaths })
  status = 200
  received.length = 0
  return deaths
}
const sent = () => received.map((i) => `${i.type} ${i.person_id || i.user_id}`).sort()
const outcome = async (id: string) => {
  const row = (await ledger()).get(id)
  return `${row?.status} ${row?.error}`
}

describe('destinations replay', () => {
  it('sends no entry or trigger firing of a person who withdrew marketing consent after it died', async () => {
    // `gone` withdraws; `left` withdraws and the next sync records their exit; `out` had been
    // delivered, withdrew (why it left) and its exit died.
    const n = await dead('out', ['keep', 'gone', 'left'], ['out'])
    for (const x of ['gone', 'left', 'out']) await consent(x, ['analytics'], '2026-01-02 00:00:00.000')
    await createAudienceStore(warehouse).record([change('left', 2, 'exited')])

    expect(await worker().replay('hook')).toBe(n)
    const [r] = await worker().deliverAll(defs())
    expect(sent()).toEqual([
      'audience.entered p-keep',
      // An exit needs no consent: it lets the destination forget the person (as the first delivery).
      'audience.exited p-out',
      'trigger.fired u-keep',
    ])
    expect(r).toMatchObject({ delivered: 3, dead: 0 })
    // Recorded with the reason, never sent; an exit whose entry was never sent is skipped.
    for (const x of ['gone', 'left']) {
      expect(await outcome(membershipMessageId('a', `p-${x}`, 1))).toMatch(/^skipped no_consent/)
      expect(await outcome(`firing-${x}`)).toMatch(/^skipped no_consent/)
    }
    expect(await outcome(membershipMessageId('a', 'p-left', 2))).toBe('skipped ')
    expect((await worker().deliverAll(defs()))[0]).toMatchObject({ delivered: 0, dead: 0 })
    expect(received).toHaveLength(3)
  })

  it('sends nothing of a person erased, or being erased, after it died', async () => {
    const n = await dead('in', ['keep2', 'erased', 'half'], ['in'])
    // The admin's erasure deletes `erased`'s rows; `half` is being erased: suppressed (what the
    // erasure does first), its rows not deleted yet.
    const privacy = createPrivacyRepository(warehouse)
    await privacy.erase(await privacy.tables(), {
      persons: ['p-erased'],
      users: ['u-erased'],
      anonymous: [],
      keys: [],
      messages: [],
    })
    await privacy.insertSuppressions(
      [
        { type: 'person_id', value: 'p-half' },
        { type: 'user_id', value: 'u-half' },
        { type: 'person_id', value: 'p-in' },
      ].map((id) => ({
        suppression_key: suppressionKey(id),
        id_type: id.type,
        request_id: 'req-half',
        suppressed_at: '2026-01-02 00:00:00.000',
      })),
    )

    expect(await worker().replay('hook')).toBe(n)
    const [r] = await worker().deliverAll(defs())
    expect(sent()).toEqual(['audience.entered p-keep2', 'trigger.fired u-keep2'])
    expect(r).toMatchObject({ delivered: 2, dead: 0 })
    for (const id of [
      membershipMessageId('a', 'p-half', 1),
      'firing-half',
      membershipMessageId('a', 'p-in', 2),
    ])
      expect(await outcome(id)).toMatch(/^skipped suppressed/)
    // The erased person's changes and firings went with the erasure: nothing of them is pending.
    expect((await worker().deliverAll(defs()))[0]).toMatchObject({ delivered: 0, dead: 0 })
    expect(received).toHaveLength(2)
  })

  it('sends no first delivery of a person being erased (suppressed, rows not deleted yet)', async () => {
    for (const x of ['first-ok', 'first-half']) await consent(x, ['marketing'], '2026-01-01 00:00:00.000')
    await createAudienceStore(warehouse).record([
      change('first-ok', 1, 'entered'),
      change('first-half', 1, 'entered'),
    ])
    await createTriggerStore(warehouse).record([firing('first-half')])
    await createPrivacyRepository(warehouse).insertSuppressions(
      [{ type: 'user_id', value: 'u-first-half' }].map((id) => ({
        suppression_key: suppressionKey(id),
        id_type: id.type,
        request_id: 'req-first-half',
        suppressed_at: '2026-01-02 00:00:00.000',
      })),
    )
    received.length = 0
    await worker().deliverAll(defs())
    expect(sent()).toEqual(['audience.entered p-first-ok'])
    expect(await outcome(membershipMessageId('a', 'p-first-half', 1))).toMatch(/^skipped suppressed/)
    expect(await outcome('firing-first-half')).toMatch(/^skipped suppressed/)
  })
})
