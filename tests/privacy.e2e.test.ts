import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '@sillage/identifiers'
import {
  ADMIN_TOKEN,
  BROWSER_WRITE_KEY,
  WRITE_KEY,
  authHeader,
  freePort,
  query,
  startPipeline,
  tempDir,
  waitFor,
  waitForCount,
  type Pipeline,
} from './helpers/pipeline.js'

// Erasure, export and the consent audit through the embedded pipeline (`sillage start`), as an
// operator uses them: real HTTP, the local log, identity, chDB. docs/privacy.md.
const run = randomUUID().slice(0, 8)
const A = {
  user: `user-a-${run}`,
  email: `Jane.${run}@Example.com`,
  loyalty: `LC-A-${run}`,
  laptop: `laptop-a-${run}`,
  phone: `phone-a-${run}`,
  till: `till-a-${run}`,
}
const B = { user: `user-b-${run}`, email: `bob.${run}@example.com`, device: `device-b-${run}` }
const emailHash = (email: string) => sha256Hex(email.trim().toLowerCase())

const browserAuth = `Basic ${Buffer.from(`${BROWSER_WRITE_KEY}:`).toString('base64')}`
const consent = (categories: string[], policyVersion: string) => ({ consent: { categories, policyVersion } })
const at = (i: number) => new Date(Date.now() - 60_000 + i * 1000).toISOString()

/** A's history: a laptop and a phone (browser), an order confirmed by the shop's server, a till. */
const browserA = [
  {
    type: 'page',
    messageId: `a1-${run}`,
    anonymousId: A.laptop,
    timestamp: at(1),
    context: consent(['analytics'], 'v1'),
  },
  {
    type: 'track',
    event: 'Consent Updated',
    messageId: `a2-${run}`,
    anonymousId: A.laptop,
    timestamp: at(2),
    properties: { categories: ['analytics', 'marketing'], policyVersion: 'v1' },
    context: consent(['analytics', 'marketing'], 'v1'),
  },
  {
    type: 'track',
    event: 'Product Added',
    messageId: `a3-${run}`,
    anonymousId: A.laptop,
    timestamp: at(3),
    properties: { product_id: 'mug-blue', price: 12.5 },
  },
  {
    type: 'identify',
    messageId: `a4-${run}`,
    anonymousId: A.laptop,
    userId: A.user,
    timestamp: at(4),
    traits: { email: A.email, first_name: 'Jane', loyalty_card: A.loyalty, plan: 'gold' },
  },
  { type: 'page', messageId: `a5-${run}`, anonymousId: A.phone, timestamp: at(5) },
  { type: 'identify', messageId: `a6-${run}`, anonymousId: A.phone, userId: A.user, timestamp: at(6) },
  {
    type: 'track',
    event: 'Consent Updated',
    messageId: `a7-${run}`,
    anonymousId: A.phone,
    userId: A.user,
    timestamp: at(7),
    properties: { categories: ['analytics'], policyVersion: 'v2' },
  },
]
const serverA = [
  {
    type: 'track',
    event: 'Order Completed',
    messageId: `a8-${run}`,
    userId: A.user,
    timestamp: at(8),
    properties: { order_id: `o-${run}`, revenue: 42, email: A.email },
  },
  {
    type: 'track',
    event: 'Order Completed',
    messageId: `a9-${run}`,
    anonymousId: A.till,
    timestamp: at(9),
    properties: { order_id: `o2-${run}`, revenue: 18, loyalty_card: A.loyalty, channel: 'store' },
  },
]
const browserB = [
  {
    type: 'identify',
    messageId: `b1-${run}`,
    anonymousId: B.device,
    userId: B.user,
    timestamp: at(1),
    traits: { email: B.email },
  },
  { type: 'track', event: 'Product Viewed', messageId: `b2-${run}`, anonymousId: B.device, timestamp: at(2) },
]
const messagesOfA = [...browserA, ...serverA].map((e) => e.messageId)

async function post(url: string, auth: string, batch: unknown[]) {
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
  })
  return { status: res.status, body: (await res.json()) as { rejected: Array<{ code: string }> } }
}

async function admin(url: string, path: string, body: unknown, authorization = `Bearer ${ADMIN_TOKEN}`) {
  const res = await fetch(`${url}/admin/privacy${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const list = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(',')}]`

/** Every table and view holding a String column that contains one of `values`, with its count. */
async function tablesMentioning(url: string, values: readonly string[]): Promise<Record<string, number>> {
  const columns = await query<{ table: string; name: string }>(
    url,
    `SELECT table, name FROM system.columns WHERE database = 'sillage'
     AND type IN ('String', 'Nullable(String)', 'LowCardinality(String)', 'LowCardinality(Nullable(String))')`,
  )
  const byTable = new Map<string, string[]>()
  for (const c of columns) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c.name])
  const found: Record<string, number> = {}
  for (const [table, cols] of byTable) {
    const where = cols.map((c) => `multiSearchAny(ifNull(\`${c}\`, ''), ${list(values)})`).join(' OR ')
    const [row] = await query<{ n: string }>(
      url,
      `SELECT count() AS n FROM sillage.\`${table}\` WHERE ${where}`,
    )
    if (Number(row?.n) > 0) found[table] = Number(row?.n)
  }
  return found
}

describe('privacy: erasure, export and consent audit (sillage start)', () => {
  const dir = tempDir('sillage-privacy-')
  let port: number
  let pipeline: Pipeline
  /** A's person, as analysts see it (events_resolved). */
  let personsOfA: string[] = []
  /** Every person id A's data was ever stamped with or merged through (the export's personIds). */
  let allPersonsOfA: string[] = []

  beforeAll(async () => {
    port = await freePort()
    pipeline = await startPipeline({ dataDir: dir.path, port, browserSource: true })
    expect((await post(pipeline.url, browserAuth, [...browserA, ...browserB])).status).toBe(200)
    expect((await post(pipeline.url, authHeader, serverA)).status).toBe(200)
    // Identity stitches the two devices, the server's order and the till's (loyalty card) into one person.
    const messages = list(messagesOfA)
    await waitForCount(
      pipeline.url,
      `SELECT count() AS n FROM sillage.events WHERE message_id IN ${list([...messagesOfA, `b1-${run}`, `b2-${run}`])}`,
      11,
    )
    personsOfA = await waitFor(
      async () => {
        const rows = await query<{ p: string }>(
          pipeline.url,
          `SELECT DISTINCT person_id AS p FROM sillage.events_resolved WHERE message_id IN ${messages}`,
        )
        return rows.length === 1 ? rows.map((r) => r.p) : undefined
      },
      { timeoutMs: 30_000, what: "A's events stitched to one person" },
    )
  })
  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  it('refuses write keys and missing or wrong tokens on every endpoint', async () => {
    const writeKeyBasic = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
    const subject = { type: 'user_id', value: A.user }
    for (const [path, body] of [
      ['/erasure', subject],
      ['/export', subject],
      ['/consent', subject],
      ['/erasure/some-id', undefined],
    ] as const) {
      for (const authorization of [
        '',
        `Bearer wrong-token-0123456789`,
        writeKeyBasic,
        `Bearer ${WRITE_KEY}`,
        browserAuth,
      ]) {
        const res = await admin(pipeline.url, path, body, authorization)
        expect(res.status, `${path} with "${authorization}"`).toBe(401)
        expect(res.body['code']).toBe('SIL_ADMIN_UNAUTHORIZED')
      }
    }
    const inBody = await admin(pipeline.url, '/erasure', { ...subject, writeKey: WRITE_KEY }, '')
    expect(inBody.status).toBe(401)
    // Nothing was erased by any of those.
    await waitForCount(pipeline.url, `SELECT count() AS n FROM sillage.events WHERE user_id = '${A.user}'`, 4)
  })

  it('answers a malformed JSON body with 400 SIL_PRIVACY_REQUEST_INVALID, not a 500', async () => {
    for (const path of ['/erasure', '/export', '/consent']) {
      const res = await fetch(`${pipeline.url}/admin/privacy${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: '{"type":',
      })
      const body = (await res.json()) as Record<string, unknown>
      expect([res.status, body['code']], path).toEqual([400, 'SIL_PRIVACY_REQUEST_INVALID'])
      expect(String(body['message'])).toContain('not valid JSON')
    }
  })

  it('exports every event and identity of the person, and nothing of anyone else', async () => {
    const { status, body } = await admin(pipeline.url, '/export', {
      type: 'email',
      value: ` ${A.email.toUpperCase()}`,
    })
    expect(status).toBe(200)
    // The person, and every person merged into it (one per device before the logins, …).
    allPersonsOfA = body['personIds'] as string[]
    const stamped = await query<{ p: string }>(
      pipeline.url,
      `SELECT DISTINCT person_id AS p FROM sillage.events WHERE message_id IN ${list(messagesOfA)}`,
    )
    expect(allPersonsOfA).toEqual(expect.arrayContaining([...personsOfA, ...stamped.map((r) => r.p)]))
    const [personOfB] = await query<{ p: string }>(
      pipeline.url,
      `SELECT DISTINCT person_id AS p FROM sillage.events_resolved WHERE message_id = 'b1-${run}'`,
    )
    expect(allPersonsOfA).not.toContain(personOfB?.p)
    const events = body['events'] as Array<{ message_id: string; properties: Record<string, unknown> }>
    expect(events.map((e) => e.message_id).sort()).toEqual([...messagesOfA].sort())
    expect(events.find((e) => e.message_id === `a3-${run}`)?.properties).toEqual({
      product_id: 'mug-blue',
      price: 12.5,
    })

    const identities = await query<{ id_type: string; id_value: string }>(
      pipeline.url,
      `SELECT DISTINCT id_type, id_value FROM sillage.identities WHERE person_id IN ${list(allPersonsOfA)} ORDER BY id_type, id_value`,
    )
    const exported = [
      ...new Map(
        (body['identities'] as Array<{ id_type: string; id_value: string }>).map((r) => [
          `${r.id_type}:${r.id_value}`,
          { id_type: r.id_type, id_value: r.id_value },
        ]),
      ).values(),
    ].sort((x, y) => `${x.id_type}:${x.id_value}`.localeCompare(`${y.id_type}:${y.id_value}`))
    expect(exported).toEqual(identities)
    expect(exported).toEqual(
      expect.arrayContaining([
        { id_type: 'user_id', id_value: A.user },
        { id_type: 'email', id_value: emailHash(A.email) },
        { id_type: 'loyalty_card', id_value: A.loyalty },
        { id_type: 'anonymous_id', id_value: A.laptop },
        { id_type: 'anonymous_id', id_value: A.phone },
      ]),
    )

    const text = JSON.stringify(body)
    for (const other of [B.user, B.device, emailHash(B.email), `b1-${run}`, `b2-${run}`])
      expect(text).not.toContain(other)
    // Minimised at collection: the raw email and the first name were never stored.
    expect(text).not.toContain(A.email.toLowerCase())
    expect(text).not.toContain('Jane"')
  })

  it('gives the consent history with policy versions and times, and the current state', async () => {
    const { status, body } = await admin(pipeline.url, '/consent', { type: 'loyalty_card', value: A.loyalty })
    expect(status).toBe(200)
    const history = body['history'] as Array<{
      message_id: string
      categories: string[]
      policy_version: string
      timestamp: string
    }>
    expect(history.map((h) => [h.message_id, h.categories, h.policy_version])).toEqual([
      [`a2-${run}`, ['analytics', 'marketing'], 'v1'],
      [`a7-${run}`, ['analytics'], 'v2'],
    ])
    const time = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`)
    expect(time(history[0]!.timestamp)).toBeLessThan(time(history[1]!.timestamp))
    const [current] = body['current'] as Array<{
      categories: string[]
      policy_version: string
      marketing_contactable: unknown
    }>
    expect(current).toMatchObject({ categories: ['analytics'], policy_version: 'v2' })
    expect(Boolean(current?.marketing_contactable)).toBe(false)
  })

  it('erases the person from every table, suppresses late events, and records the request', async () => {
    const valuesOfA = [
      A.user,
      A.laptop,
      A.phone,
      A.till,
      A.loyalty,
      emailHash(A.email),
      ...allPersonsOfA,
      ...messagesOfA,
    ]
    expect(Object.keys(await tablesMentioning(pipeline.url, valuesOfA))).toContain('events')

    const { status, body } = await admin(pipeline.url, '/erasure', {
      type: 'anonymous_id',
      value: A.phone,
      reference: 'ticket-42',
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({ success: true, status: 'completed', persons: allPersonsOfA.length })
    expect((body['deletedRows'] as Record<string, number>)['events']).toBe(messagesOfA.length)

    // No table or view holds any of A's identifiers, person ids or event ids; B is untouched.
    expect(await tablesMentioning(pipeline.url, valuesOfA)).toEqual({})
    await waitForCount(
      pipeline.url,
      `SELECT count() AS n FROM sillage.events WHERE anonymous_id = '${B.device}'`,
      2,
    )

    const record = await admin(pipeline.url, `/erasure/${String(body['requestId'])}`, undefined)
    expect(record.status).toBe(200)
    expect(record.body['request']).toMatchObject({
      status: 'completed',
      reference: 'ticket-42',
      subject_type: 'anonymous_id',
    })
    expect((record.body['request'] as { completed_at: string | null }).completed_at).not.toBeNull()

    // Late events of A (any identifier) are refused and not stored; B's still are.
    const late = await post(pipeline.url, browserAuth, [
      { type: 'track', event: 'Late', messageId: `late1-${run}`, anonymousId: A.laptop },
      {
        type: 'track',
        event: 'Late',
        messageId: `late2-${run}`,
        anonymousId: `new-device-${run}`,
        userId: A.user,
      },
    ])
    expect(late.status).toBe(400)
    expect(late.body.rejected.map((r) => r.code)).toEqual(['SIL_EVENT_SUPPRESSED', 'SIL_EVENT_SUPPRESSED'])
    const marker = await post(pipeline.url, browserAuth, [
      { type: 'track', event: 'Marker', messageId: `m-${run}`, anonymousId: B.device },
    ])
    expect(marker.status).toBe(200)
    await waitForCount(
      pipeline.url,
      `SELECT count() AS n FROM sillage.events WHERE message_id = 'm-${run}'`,
      1,
    )
    expect(await tablesMentioning(pipeline.url, [...valuesOfA, `late1-${run}`, `late2-${run}`])).toEqual({})
    expect((await admin(pipeline.url, '/export', { type: 'user_id', value: A.user })).status).toBe(404)
  })

  it('keeps suppressing after a restart (the list is read back from privacy.suppressions)', async () => {
    await pipeline.stop()
    pipeline = await startPipeline({ dataDir: dir.path, port, browserSource: true })
    const late = await post(pipeline.url, authHeader, [{ type: 'track', event: 'Late', userId: A.user }])
    expect(late.body.rejected.map((r) => r.code)).toEqual(['SIL_EVENT_SUPPRESSED'])
  })
})
