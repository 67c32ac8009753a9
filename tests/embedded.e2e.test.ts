import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  authHeader,
  cliMain,
  freePort,
  postBatch,
  query,
  repoRoot,
  startPipeline,
  tempDir,
  trackEvents,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

const run = promisify(execFile)

// The whole embedded pipeline as a user runs it: the built CLI, real HTTP, the local log, chDB.
describe('embedded pipeline (sillage start)', () => {
  const dir = tempDir('sillage-e2e-')
  let pipeline: Pipeline

  beforeAll(async () => {
    pipeline = await startPipeline({ dataDir: dir.path, port: await freePort() })
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  const cliQuery = async (sql: string) => {
    const { stdout } = await run(process.execPath, [cliMain, 'query', sql], {
      cwd: repoRoot,
      env: { ...process.env, SILLAGE_DATA_DIR: dir.path, SILLAGE_ADMIN_TOKEN: ADMIN_TOKEN },
    })
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  }

  it('an event sent like the README curl is returned by `sillage query` within seconds', async () => {
    const res = await fetch(`${pipeline.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authHeader },
      body: JSON.stringify({ event: 'Hello', anonymousId: 'readme-1', properties: { plan: 'demo' } }),
    })
    expect(res.status).toBe(200)
    const rows = await waitFor(
      async () => {
        const r = await cliQuery(
          "SELECT event, anonymous_id, properties FROM sillage.events WHERE anonymous_id = 'readme-1'",
        )
        return r.length > 0 ? r : undefined
      },
      { timeoutMs: 10_000, what: 'the README event in ClickHouse' },
    )
    expect(rows).toEqual([{ event: 'Hello', anonymous_id: 'readme-1', properties: '{"plan":"demo"}' }])
  })

  it('10,000 events in batches of 100, each batch sent twice, give exactly one row per messageId', async () => {
    const events = trackEvents(10_000, 'bulk')
    const batches = Array.from({ length: 100 }, (_, i) => events.slice(i * 100, (i + 1) * 100))
    // Twice each, 8 requests in flight, like retrying SDKs.
    const jobs = [...batches, ...batches]
    for (let i = 0; i < jobs.length; i += 8) {
      const statuses = await Promise.all(
        jobs.slice(i, i + 8).map(async (b) => (await postBatch(pipeline.url, b)).status),
      )
      expect(statuses.every((s) => s === 200)).toBe(true)
    }
    const counts = await waitFor(
      async () => {
        const [r] = await query<{ rows: string; ids: string }>(
          pipeline.url,
          "SELECT count() AS rows, uniqExact(message_id) AS ids FROM sillage.events WHERE message_id LIKE 'bulk-%'",
        )
        return r && Number(r.ids) === 10_000 ? r : undefined
      },
      { timeoutMs: 30_000, what: '10,000 distinct events' },
    )
    expect(Number(counts.rows)).toBe(10_000)
  })

  it('an invalid event inside a valid batch is rejected with its index and reason; the rest land', async () => {
    const good = trackEvents(3, 'mixed')
    const res = await postBatch(pipeline.url, [
      good[0],
      { type: 'track', anonymousId: 'x' },
      good[1],
      { type: 'track', event: 'NoId' },
      good[2],
    ])
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      accepted: number
      rejected: Array<{ index: number; code: string; message: string }>
    }
    expect(body.accepted).toBe(3)
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'SIL_EVENT_SCHEMA'],
      [3, 'SIL_EVENT_NO_IDENTITY'],
    ])
    expect(body.rejected[0]?.message).toMatch(/event/)
    const rows = await waitFor(
      async () => {
        const r = await query<{ message_id: string }>(
          pipeline.url,
          "SELECT message_id FROM sillage.events WHERE message_id LIKE 'mixed-%' ORDER BY message_id",
        )
        return r.length === 3 ? r : undefined
      },
      { what: 'the 3 good events' },
    )
    expect(rows.map((r) => r.message_id)).toEqual(['mixed-0', 'mixed-1', 'mixed-2'])
  })

  it('stitches anonymous browsing to the customer after identify (events_resolved)', async () => {
    const t = () => new Date().toISOString()
    const res = await postBatch(pipeline.url, [
      { type: 'page', messageId: 'st-1', anonymousId: 'visitor-9', name: 'Home', timestamp: t() },
      { type: 'track', messageId: 'st-2', anonymousId: 'visitor-9', event: 'Product Viewed', timestamp: t() },
    ])
    expect(res.status).toBe(200)
    await waitFor(
      async () =>
        (await query(pipeline.url, "SELECT 1 FROM sillage.events WHERE message_id = 'st-2'")).length === 1,
    )
    expect(
      (
        await postBatch(pipeline.url, [
          { type: 'identify', messageId: 'st-3', anonymousId: 'visitor-9', userId: 'cust-9', timestamp: t() },
        ])
      ).status,
    ).toBe(200)
    const persons = await waitFor(
      async () => {
        const r = await query<{ message_id: string; person_id: string }>(
          pipeline.url,
          "SELECT message_id, person_id FROM sillage.events_resolved WHERE message_id IN ('st-1', 'st-2', 'st-3')",
        )
        return r.length === 3 && new Set(r.map((x) => x.person_id)).size === 1 ? r : undefined
      },
      { what: 'one resolved person for the whole journey' },
    )
    const [user] = await query<{ person_id: string }>(
      pipeline.url,
      "SELECT person_id FROM sillage.events WHERE message_id = 'st-3'",
    )
    expect(persons[0]?.person_id).toBe(user?.person_id)
  })

  it('stitches a newsletter email on one device, a store purchase with a loyalty card and a login on another device into one customer', async () => {
    const t = () => new Date().toISOString()
    // Phone browser: anonymous browsing, then a newsletter sign-up (an email, no account).
    // Shop: a purchase at the till with a loyalty card (server-side, its own anonymous id).
    expect(
      (
        await postBatch(pipeline.url, [
          { type: 'page', messageId: 'xd-1', anonymousId: 'phone-77', name: 'Home', timestamp: t() },
          {
            type: 'identify',
            messageId: 'xd-2',
            anonymousId: 'phone-77',
            traits: { email: ' Jane.Doe@Example.COM ' },
            timestamp: t(),
          },
          {
            type: 'track',
            messageId: 'xd-3',
            anonymousId: 'pos-3-81723',
            event: 'Order Completed',
            properties: { order_id: 'pos-81723', revenue: 42.5, currency: 'EUR' },
            context: { externalIds: [{ type: 'loyalty_card', id: 'LC-5550123' }] },
            timestamp: t(),
          },
          {
            type: 'track',
            messageId: 'xd-4',
            anonymousId: 'laptop-77',
            event: 'Product Viewed',
            timestamp: t(),
          },
        ])
      ).status,
    ).toBe(200)
    await waitFor(
      async () =>
        (await query(pipeline.url, "SELECT 1 FROM sillage.events WHERE message_id LIKE 'xd-%'")).length === 4,
      { what: 'the anonymous journey stored' },
    )
    // Laptop: the customer logs in with the same email and registers the card.
    expect(
      (
        await postBatch(pipeline.url, [
          {
            type: 'identify',
            messageId: 'xd-5',
            anonymousId: 'laptop-77',
            userId: 'cust-77',
            traits: { email: 'jane.doe@example.com', loyalty_card: 'LC-5550123' },
            timestamp: t(),
          },
        ])
      ).status,
    ).toBe(200)
    const customer = createHash('sha256').update('user_id\0cust-77').digest('hex').slice(0, 32)
    const rows = await waitFor(
      async () => {
        const r = await query<{ message_id: string; person_id: string }>(
          pipeline.url,
          "SELECT message_id, person_id FROM sillage.events_resolved WHERE message_id LIKE 'xd-%' ORDER BY message_id",
        )
        return r.length === 5 && r.every((x) => x.person_id === customer) ? r : undefined
      },
      { what: 'the whole cross-device journey under the customer' },
    )
    expect(rows.map((r) => r.message_id)).toEqual(['xd-1', 'xd-2', 'xd-3', 'xd-4', 'xd-5'])
    // The email is stored hashed, in identities and in the event's traits.
    const emailHash = createHash('sha256').update('jane.doe@example.com').digest('hex')
    const [identity] = await query<{ person_id: string }>(
      pipeline.url,
      `SELECT argMax(person_id, version) AS person_id FROM sillage.identities WHERE id_type = 'email' AND id_value = '${emailHash}'`,
    )
    expect(identity?.person_id).toBe(customer)
    const traits = await query<{ traits: string }>(
      pipeline.url,
      "SELECT traits FROM sillage.events WHERE message_id = 'xd-2'",
    )
    expect(traits[0]?.traits).not.toMatch(/jane/i)
    // Every merge is audited with the event that caused it.
    const audit = await query<{ message_id: string }>(
      pipeline.url,
      "SELECT DISTINCT message_id FROM sillage.identity_merges WHERE message_id LIKE 'xd-%' ORDER BY message_id",
    )
    expect(audit.map((a) => a.message_id)).toEqual(['xd-2', 'xd-3', 'xd-5'])
  })
})
