/**
 * Profile lookups that depend on what identity and the collector decided, on real chDB: a national
 * phone number read with identity's calling code (its own, or the lookup's `phoneCountryCode`), a
 * merged-away person id after a restart, and a browser key rotated out but still in its grace
 * period (the browser route accepts exactly the keys the collector accepts).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '@sillage/identifiers'
import { sourceSchema, type EnrichedEvent } from '@sillage/schemas'
import { createLogger, createMetricsRegistry } from '../packages/runtime/src/index.js'
import { createSourceIndex } from '../services/collector/src/domain/auth.js'
import {
  createProfilesStack,
  loadProfilesOptions,
  type ProfilesStack,
  type ProfilesStackDeps,
} from '../services/profiles/src/index.js'
import { TEST_PROFILE_OPTIONS } from './helpers/profile-options.js'
import { openShopWarehouse, type ShopWarehouse } from './helpers/shop.js'

const READ_KEY = 'rk_lookups_0123456789abcdef'
const OPTIONS = { ...TEST_PROFILE_OPTIONS, readKeys: [{ id: 'all', key: READ_KEY, sources: ['*'] }] }
const ORIGIN = 'https://shop.example'
const DAY = 86_400_000
/** The web source after `sillage sources rotate --grace 7d`, and a rotation whose grace has ended. */
const WEB = sourceSchema.parse({
  id: 'web',
  type: 'browser',
  writeKey: 'wk_lookups_new_0123',
  previousWriteKeys: [
    { writeKey: 'wk_lookups_old_0123', expiresAt: new Date(Date.now() + 7 * DAY).toISOString() },
    { writeKey: 'wk_lookups_gone_0123', expiresAt: new Date(Date.now() - DAY).toISOString() },
  ],
  allowedOrigins: [ORIGIN],
})
/** How identity stored Nadia's phone, with SILLAGE_IDENTITY_RULES {"phoneCountryCode": "33"}. */
const NADIA_PHONE = sha256Hex('+33612345678')
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString()

function event(personId: string, fields: Partial<EnrichedEvent> & { messageId: string; type: string }) {
  const e = {
    context: {},
    properties: {},
    timestamp: at(30),
    receivedAt: at(30),
    sourceId: 'web',
    ...fields,
  } as unknown as EnrichedEvent
  return { event: e, personId }
}

let wh: ShopWarehouse
const opened: Array<{ stack: ProfilesStack; app: FastifyInstance }> = []

/** A profiles stack and its routes, as a (re)started service builds them. */
async function open(deps: Partial<ProfilesStackDeps> = {}) {
  const stack = createProfilesStack({
    warehouse: wh.warehouse,
    log: createLogger({ level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    options: OPTIONS,
    browserSources: [WEB],
    ...deps,
  })
  const app = Fastify()
  stack.register(app)
  await app.ready()
  opened.push({ stack, app })
  await stack.refreshNow()
  const get = (url: string, headers: Record<string, string> = { authorization: `Bearer ${READ_KEY}` }) =>
    app.inject({ url, headers })
  return { stack, get }
}

const personOf = (res: { statusCode: number; json: () => unknown }) =>
  res.statusCode === 200 ? (res.json() as { person_id: string }).person_id : res.statusCode

beforeAll(async () => {
  wh = await openShopWarehouse()
  await wh.insert([
    event('p-nadia', { messageId: 'n1', type: 'identify', userId: 'nadia', traits: { city: 'Lille' } }),
    event('p-cust', { messageId: 'c1', type: 'identify', userId: 'cust', traits: { city: 'Caen' } }),
    event('p-anon', { messageId: 'a1', type: 'page', anonymousId: 'anon-1' }),
  ])
  await wh.warehouse.client.insert({
    table: 'sillage.identities',
    format: 'JSONEachRow',
    values: [
      { id_type: 'user_id', id_value: 'nadia', person_id: 'p-nadia', version: 1, updated_at: at(30) },
      { id_type: 'phone', id_value: NADIA_PHONE, person_id: 'p-nadia', version: 1, updated_at: at(30) },
    ],
  })
})

afterAll(async () => {
  for (const { stack, app } of opened) {
    await app.close()
    await stack.stop()
  }
  await wh?.close()
})

describe('a phone lookup reads a national number as identity does', () => {
  const national = encodeURIComponent('06 12 34 56 78')

  it('with the lookup’s phoneCountryCode, in the path or the query form', async () => {
    const { get } = await open()
    expect(personOf(await get(`/v1/profiles/phone/${national}?phoneCountryCode=33`))).toBe('p-nadia')
    expect(personOf(await get(`/v1/profiles/phone?value=${national}&phoneCountryCode=33`))).toBe('p-nadia')
    // The E.164 form and the digest need none; a national number without one is another number.
    expect(personOf(await get(`/v1/profiles/phone/${encodeURIComponent('+33 6 12 34 56 78')}`))).toBe(
      'p-nadia',
    )
    expect(personOf(await get(`/v1/profiles/phone/${NADIA_PHONE}`))).toBe('p-nadia')
    expect(personOf(await get(`/v1/profiles/phone/${national}`))).toBe(404)
    expect(personOf(await get(`/v1/profiles/phone/${national}?phoneCountryCode=44`))).toBe(404)
  })

  it('refuses a phoneCountryCode that is not a calling code (digits, as identity takes it)', async () => {
    const { get } = await open()
    for (const code of ['FR', '033', '+33', '12345', '']) {
      const res = await get(`/v1/profiles/phone/${national}?phoneCountryCode=${encodeURIComponent(code)}`)
      expect(res.statusCode, code).toBe(400)
      expect(res.json(), code).toMatchObject({ error: { code: 'SIL_PROFILE_BAD_IDENTIFIER' } })
    }
  })

  it('with identity’s own calling code (SILLAGE_IDENTITY_RULES) when the lookup names none', async () => {
    const options = loadProfilesOptions({ SILLAGE_IDENTITY_RULES: '{"phoneCountryCode": "33"}' })
    expect(options.phoneCountryCode).toBe('33')
    const { get } = await open({ options: { ...options, ...OPTIONS } })
    expect(personOf(await get(`/v1/profiles/phone/${national}`))).toBe('p-nadia')
    // The lookup's own code still wins.
    expect(personOf(await get(`/v1/profiles/phone/${national}?phoneCountryCode=44`))).toBe(404)
  })
})

describe('a person merged into another', () => {
  it('answers the surviving person by the merged-away id, also after a restart', async () => {
    const first = await open()
    expect(personOf(await first.get('/v1/profiles/person_id/p-anon'))).toBe('p-anon')
    // Identity stitches the anonymous visitor into the customer.
    await wh.warehouse.client.insert({
      table: 'sillage.person_overrides',
      format: 'JSONEachRow',
      values: [
        {
          old_person_id: 'p-anon',
          person_id: 'p-cust',
          version: 1,
          created_at: at(1).replace('T', ' ').replace('Z', ''),
        },
      ],
    })
    await first.stack.refreshNow()
    expect(personOf(await first.get('/v1/profiles/person_id/p-anon'))).toBe('p-cust')
    // The survivor rewritten by a later run (a new event of theirs): its merged ids are named again.
    await wh.insert([event('p-cust', { messageId: 'c2', type: 'page', userId: 'cust' })])
    await first.stack.refreshNow()
    expect(personOf(await first.get('/v1/profiles/person_id/p-anon'))).toBe('p-cust')
    // A restart: a new stack over the same store, whose copy starts from the stored profiles. No
    // overlap: its first run must not fold the merge again (a restart long after it re-reads nothing).
    const restarted = await open({ options: { ...OPTIONS, refreshOverlapMs: 0 } })
    for (const [type, value] of [
      ['person_id', 'p-anon'],
      ['person_id', 'p-cust'],
      ['anonymous_id', 'anon-1'],
      ['user_id', 'cust'],
    ])
      expect(personOf(await restarted.get(`/v1/profiles/${type}/${value}`)), value).toBe('p-cust')
    expect(personOf(await restarted.get('/v1/profiles/person_id/p-nobody'))).toBe(404)
  })
})

describe('the browser route and a rotated write key', () => {
  it('accepts exactly the keys the collector accepts: the new one, the old one during its grace period', async () => {
    const { get } = await open()
    const collector = createSourceIndex([WEB])
    for (const key of [WEB.writeKey, ...WEB.previousWriteKeys.map((p) => p.writeKey), 'wk_lookups_other']) {
      const res = await get(`/v1/me/recommendations?writeKey=${key}`, {
        origin: ORIGIN,
        cookie: 'sil_aid=anon-1',
      })
      const accepted = collector(key) !== undefined
      expect(res.statusCode, key).toBe(accepted ? 200 : 401)
    }
    expect(collector('wk_lookups_old_0123')?.id).toBe('web')
    expect(collector('wk_lookups_gone_0123')).toBeUndefined()
  })
})
