import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { suppressionKey } from '@sillage/identifiers'
import { createLogger, createMetricsRegistry } from '@sillage/runtime'
import { createPrivacyRepository, createWarehouse, migrate, type Warehouse } from '@sillage/warehouse'
import { createAudienceStore } from '../adapters/clickhouse-audiences.js'
import { createTriggerStore } from '../adapters/clickhouse-triggers.js'
import { parseActivationFile } from '../domain/activation-file.js'
import { membershipMessageId, stableId } from '../domain/membership.js'
import { createDeliveryWorker } from './delivery-worker.js'

// Erasure notices name the person as the destination knows them, also without email or phone:
// real chDB, the admin's real erasure (which deletes every row with a person column), a real
// receiver on 127.0.0.1.
const dir = mkdtempSync(join(tmpdir(), 'sillage-erasure-notices-'))
let warehouse: Warehouse
type Item = { type: string; person_id: string; user_id?: string; properties?: Record<string, unknown> }
const items: Item[] = []
/** /slow answers its first request too late (after the sender's timeout), then at once. */
let slowAnswered = false
const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    items.push(...(JSON.parse(body) as { items: Item[] }).items)
    if (req.url === '/slow' && !slowAnswered) {
      slowAnswered = true
      return
    }
    res.writeHead(200).end()
  })
})
let url = ''
const defs = () =>
  parseActivationFile(
    JSON.stringify({
      destinations: [{ id: 'hook', type: 'webhook', url }],
      audiences: [{ id: 'a', rule: 'orders > 0', destinations: ['hook'] }],
      triggers: [{ id: 't', event: 'Cart Abandoned', destinations: ['hook'] }],
    }),
  )
const worker = () =>
  createDeliveryWorker({
    warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    secretOf: () => 'sec',
    dataDir: dir,
  })
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
const deleted = () => items.filter((i) => i.type === 'person.deleted')

beforeAll(async () => {
  warehouse = createWarehouse({ database: 'sillage', dataDir: join(dir, 'ch') })
  await migrate(warehouse)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
})
afterAll(async () => {
  await warehouse?.close()
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  rmSync(dir, { recursive: true, force: true })
})

describe('erasure notices', () => {
  it('carry the person id, user id and anonymous id the destination was sent, after a real erasure', async () => {
    const at = new Date().toISOString()
    await grantMarketing(warehouse, ['p-noid'])
    await createAudienceStore(warehouse).record([
      {
        audienceId: 'a',
        personId: 'p-noid',
        seq: 1,
        change: 'entered',
        at,
        messageId: membershipMessageId('a', 'p-noid', 1),
        userId: 'u-noid',
        anonymousId: '',
        emailSha256: '',
        phoneSha256: '',
      },
    ])
    await createTriggerStore(warehouse).record([
      {
        triggerId: 't',
        userId: '',
        anonymousId: 'anon-9',
        windowStart: Date.now(),
        messageId: 'firing-anon-9',
        eventMessageId: 'm-anon-9',
        payload: { event: 'Cart Abandoned', properties: {} },
        firedAt: Date.now(),
      },
    ])
    const [sent] = await worker().deliverAll(defs())
    expect(sent).toMatchObject({ delivered: 2 })

    // The admin's erasure: every row naming the person goes, the recipients ledger stays.
    const privacy = createPrivacyRepository(warehouse)
    const erased = await privacy.erase(await privacy.tables(), {
      persons: ['p-noid'],
      users: ['u-noid'],
      anonymous: ['anon-9'],
      keys: [],
      messages: [],
    })
    expect(erased).toMatchObject({ audience_membership: 1, trigger_firings: 1 })
    expect(erased).not.toHaveProperty('activation_recipients')

    const keys = [
      suppressionKey({ type: 'person_id', value: 'p-noid' }),
      suppressionKey({ type: 'anonymous_id', value: 'anon-9' }),
    ]
    expect(await worker().notifyErasures(defs(), keys)).toBe(0)
    expect(deleted()).toHaveLength(2)
    expect(deleted()).toContainEqual(expect.objectContaining({ person_id: 'p-noid', user_id: 'u-noid' }))
    expect(deleted()).toContainEqual(
      expect.objectContaining({ person_id: '', properties: { anonymous_id: 'anon-9' } }),
    )
    // Told once: the ledger rows are tombstones now, ids blanked.
    expect(await worker().notifyErasures(defs(), keys)).toBe(0)
    expect(deleted()).toHaveLength(2)
    const rs = await warehouse.client.query({
      query: `SELECT sent_person, sent_user, sent_anonymous FROM sillage.activation_recipients FINAL`,
      format: 'JSONEachRow',
    })
    for (const r of await rs.json<Record<string, string>>()) expect(Object.values(r).join('')).toBe('')
  })

  it('still tells a destination about a ledger row recorded before the ids were kept', async () => {
    const before = deleted().length
    await warehouse.client.insert({
      table: 'sillage.activation_recipients',
      format: 'JSONEachRow',
      values: [
        {
          destination_id: 'hook',
          recipient_key: stableId('recipient', 'hook', 'p-legacy'),
          subject_keys: [suppressionKey({ type: 'person_id', value: 'p-legacy' })],
          email_sha256: 'e'.repeat(64),
          phone_sha256: '',
          first_at: '2026-01-01 00:00:00.000',
          erased_at: null,
          version: 1,
        },
      ],
    })
    const key = suppressionKey({ type: 'person_id', value: 'p-legacy' })
    expect(await worker().notifyErasures(defs(), [key])).toBe(0)
    expect(deleted().slice(before)).toEqual([
      expect.objectContaining({ person_id: '', email_sha256: 'e'.repeat(64) }),
    ])
  })

  it('reach a destination whose receiver got the batch but answered too late (dead-lettered)', async () => {
    const slowDefs = parseActivationFile(
      JSON.stringify({
        destinations: [
          { id: 'slow', type: 'webhook', url: url.replace('/hook', '/slow'), timeoutMs: 100, maxAttempts: 1 },
        ],
        audiences: [{ id: 'b', rule: 'orders > 0', destinations: ['slow'] }],
      }),
    )
    await grantMarketing(warehouse, ['p-slow'])
    await createAudienceStore(warehouse).record([
      {
        audienceId: 'b',
        personId: 'p-slow',
        seq: 1,
        change: 'entered',
        at: new Date().toISOString(),
        messageId: membershipMessageId('b', 'p-slow', 1),
        userId: 'u-slow',
        anonymousId: '',
        emailSha256: '',
        phoneSha256: '',
      },
    ])
    const [r] = await worker().deliverAll(slowDefs)
    expect(r).toMatchObject({ delivered: 0, dead: 1 })
    // The receiver has the person, whatever the sender heard.
    expect(items).toContainEqual(expect.objectContaining({ type: 'audience.entered', person_id: 'p-slow' }))

    const privacy = createPrivacyRepository(warehouse)
    await privacy.erase(await privacy.tables(), {
      persons: ['p-slow'],
      users: ['u-slow'],
      anonymous: [],
      keys: [],
      messages: [],
    })
    const before = deleted().length
    expect(
      await worker().notifyErasures(slowDefs, [suppressionKey({ type: 'person_id', value: 'p-slow' })]),
    ).toBe(0)
    expect(deleted().slice(before)).toEqual([
      expect.objectContaining({ person_id: 'p-slow', user_id: 'u-slow' }),
    ])
  })
})
