import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EnrichedEvent } from '@sillage/schemas'
import { verifySignature } from '@sillage/activation'
import { createWarehouse, migrate } from '@sillage/warehouse'
import { toEventRow } from '../services/identity/src/domain/event-row.js'
import { cliMain, tempDir } from './helpers/pipeline.js'
import { startReceiver, type Receiver } from './helpers/webhook-receiver.js'
import { customers, generateShop, rfmAt, toEnriched, utcMidnight } from './helpers/shop.js'

// Dormant customers end to end through the real CLI (`sillage audiences sync`): embedded chDB and
// local bus in a data dir, a signed webhook to a receiver on 127.0.0.1, a kill -9 mid-delivery.
const DAY = 86_400_000
const SECRET = 'whsec_test_0123456789'
const shop = generateShop({ seed: 11, shoppers: 400, days: 200, end: utcMidnight() })
const people = customers(shop)
const dir = tempDir('sillage-activation-')

const now = Date.now()
const dormant = [...rfmAt(shop, now).values()]
  .filter((p) => ['at_risk', 'hibernating', 'dormant'].includes(p.segment))
  .filter((p) => Math.floor(now / DAY) - Math.floor(p.lastOrderAt / DAY) >= 60)
const consenting = dormant.filter((p) => people.get(p.personId)!.consentCategories.includes('marketing'))
const truth = consenting.map((p) => p.personId).sort()
const refusing = dormant.filter((p) => !people.get(p.personId)!.consentCategories.includes('marketing'))

async function insert(events: ReadonlyArray<{ event: EnrichedEvent; personId: string }>) {
  const warehouse = createWarehouse({ database: 'sillage', dataDir: dir.path })
  try {
    await migrate(warehouse)
    const rows = events.map(({ event, personId }) => toEventRow(event, personId))
    for (let i = 0; i < rows.length; i += 20_000)
      await warehouse.client.insert({
        table: 'sillage.events',
        values: rows.slice(i, i + 20_000),
        format: 'JSONEachRow',
      })
  } finally {
    await warehouse.close()
  }
}

function cli(args: string[]): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('SILLAGE_') && k !== 'KAFKA_BROKERS') env[k] = v
  Object.assign(env, {
    SILLAGE_DATA_DIR: dir.path,
    SILLAGE_BUS: 'local',
    SILLAGE_DESTINATION_SECRET_HOOK: SECRET,
    SILLAGE_LOG_LEVEL: 'warn',
  })
  const child = spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
  child.stdout?.resume()
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, stderr: () => err }
}

let receiver: Receiver
let current: ChildProcess | undefined
let killedAfter = 0
beforeAll(async () => {
  await insert(shop.events.map((g) => ({ event: toEnriched(g), personId: g.personKey })))
  receiver = await startReceiver({
    // Kill the CLI right after the 3rd batch is answered: its delivery is not recorded yet.
    after: (_r, n) => {
      if (n === 3 && current) {
        killedAfter = n
        current.kill('SIGKILL')
      }
    },
  })
  writeFileSync(
    join(dir.path, 'audiences.json'),
    JSON.stringify({
      version: 1,
      destinations: [{ id: 'hook', type: 'webhook', url: receiver.url, batchSize: 10 }],
      audiences: [
        {
          id: 'dormant',
          name: 'Dormant customers',
          rule: 'rfm_segment in (at_risk, hibernating, dormant) and last_order_days >= 60',
          destinations: ['hook'],
        },
      ],
    }),
  )
})
afterAll(async () => {
  current?.kill('SIGKILL')
  await receiver?.close()
  dir.remove()
})

const items = () =>
  receiver.requests.flatMap((r) => (r.json.items ?? []).map((i) => ({ ...i, key: r.idempotencyKey })))

describe('dormant customers to a signed webhook', () => {
  it('delivers every member once per idempotency key, across a kill -9 mid-delivery', async () => {
    expect(truth.length).toBeGreaterThan(40)
    expect(refusing.length).toBeGreaterThan(0)
    const first = cli(['audiences', 'sync'])
    current = first.child
    await first.exited
    expect(killedAfter).toBe(3)
    const second = cli(['audiences', 'sync'])
    current = second.child
    expect(await second.exited, second.stderr()).toBe(0)
    current = undefined

    for (const r of receiver.requests) expect(verifySignature(SECRET, r.body, r.signature)).toBe(true)
    const entered = items().filter((i) => i['type'] === 'audience.entered')
    expect([...new Set(entered.map((i) => i['person_id'] as string))].sort()).toEqual(truth)
    // At-least-once: a repeat is the batch in flight at the kill, with its idempotency key.
    const byId = new Map<string, string[]>()
    for (const i of entered) byId.set(i['id'] as string, [...(byId.get(i['id'] as string) ?? []), i.key!])
    const repeated = [...byId.values()].filter((keys) => keys.length > 1)
    expect(repeated.length).toBeLessThanOrEqual(10)
    for (const keys of repeated) expect(new Set(keys).size).toBe(1)
    // Never a person who refused marketing.
    const sent = new Set(entered.map((i) => i['person_id']))
    for (const p of refusing) expect(sent.has(p.personId)).toBe(false)
    for (const i of entered) expect(String(i['email_sha256'])).toMatch(/^([0-9a-f]{64})?$/)
  })

  it('a member who withdraws marketing consent exits, and the exit reaches the receiver', async () => {
    const leaver = shop.shoppers.find((s) => s.key === truth[0])!
    const at = new Date().toISOString()
    await insert([
      {
        personId: leaver.key,
        event: {
          type: 'track',
          event: 'Consent Updated',
          messageId: 'withdraw-marketing-1',
          anonymousId: leaver.devices[0]!.anonymousId,
          ...(leaver.userId ? { userId: leaver.userId } : {}),
          timestamp: at,
          receivedAt: at,
          sourceId: 'web',
          properties: { categories: ['necessary', 'analytics'] },
          context: {},
        } as EnrichedEvent,
      },
    ])
    const before = receiver.requests.length
    const run = cli(['audiences', 'sync'])
    expect(await run.exited, run.stderr()).toBe(0)
    const later = receiver.requests.slice(before).flatMap((r) => r.json.items ?? [])
    expect(later.map((i) => [i['type'], i['person_id']])).toEqual([['audience.exited', leaver.key]])
    const again = cli(['audiences', 'sync'])
    expect(await again.exited, again.stderr()).toBe(0)
    expect(receiver.requests.slice(before).flatMap((r) => r.json.items ?? [])).toHaveLength(1)
  })
})
