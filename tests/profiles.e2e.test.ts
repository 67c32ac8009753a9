/**
 * End to end through the real collector (`sillage start`: HTTP, local log, identity, chDB): a
 * visitor browses anonymously, adds to cart, signs in, orders; within 5 s the profile looked up by
 * email shows the stitched person, the order, the emptied cart and what was viewed and not bought.
 * Events go in and the profile comes out through the Node SDK. (The Chromium variant
 * through the demo shop is left for when the demo shop is rebuilt; see docs/profiles.md.)
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '@sillage/identifiers'
import { Sillage, type Profile } from '../packages/sdk-node/src/index.js'
import {
  BROWSER_WRITE_KEY,
  WRITE_KEY,
  freePort,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

const READ_KEY = 'rk_e2e_0123456789abcdef'
const run = randomUUID().slice(0, 8)
const anon = `anon-${run}`
const user = `user-${run}`
const email = `Camille.${run}@Example.com`
const product = (id: string, price: number) => ({
  product_id: id,
  sku: `SKU-${id}`,
  name: id,
  category: 'Parfums',
  price,
})

// Both modes of `sillage start`: profiles in a thread of their own (the default; the SDK reads from
// their port) and on the main thread (SILLAGE_PROFILES_THREAD=false; the collector's port).
describe.each([
  { mode: 'profiles thread', thread: true },
  { mode: 'main thread', thread: false },
])('profiles end to end (sillage start, Node SDK, $mode)', ({ thread }) => {
  const dir = tempDir('sillage-profiles-e2e-')
  let pipeline: Pipeline
  let sillage: Sillage

  beforeAll(async () => {
    const port = await freePort()
    const profilesPort = await freePort()
    pipeline = await startPipeline({
      dataDir: dir.path,
      port,
      browserSource: true,
      env: {
        SILLAGE_PROFILE_READ_KEYS: JSON.stringify([{ id: 'e2e', key: READ_KEY, sources: ['*'] }]),
        ...(thread ? { SILLAGE_PROFILES_PORT: String(profilesPort) } : { SILLAGE_PROFILES_THREAD: 'false' }),
      },
    })
    sillage = new Sillage({
      writeKey: WRITE_KEY,
      host: pipeline.url,
      ...(thread && { profileHost: `http://127.0.0.1:${profilesPort}` }),
      readKey: READ_KEY,
      flushIntervalMs: 50,
      profileTimeoutMs: 2000,
    })
  })

  afterAll(async () => {
    await sillage?.close()
    await pipeline?.stop()
    dir.remove()
  })

  it('shows the stitched person, the order, the emptied cart and the viewed-not-bought list within 5 s', async () => {
    // One second apart, as a visit is: the order closes the cart only if it comes after the adds.
    let clock = Date.now() - 60_000
    const ts = () => new Date((clock += 1000)).toISOString()
    const ctx = { consent: { categories: ['necessary', 'analytics', 'marketing'], policyVersion: 'v1' } }
    sillage.page({
      timestamp: ts(),
      anonymousId: anon,
      name: 'Home',
      properties: { path: '/' },
      context: ctx,
    })
    for (const p of [product('p-ambre', 90), product('p-iris', 120), product('p-cedre', 45)]) {
      sillage.track({
        timestamp: ts(),
        anonymousId: anon,
        event: 'Product Viewed',
        properties: p,
        context: ctx,
      })
    }
    sillage.track({
      timestamp: ts(),
      anonymousId: anon,
      event: 'Product Added',
      properties: { ...product('p-ambre', 90), quantity: 1 },
      context: ctx,
    })
    sillage.track({
      timestamp: ts(),
      anonymousId: anon,
      event: 'Product Added',
      properties: { ...product('p-cedre', 45), quantity: 2 },
      context: ctx,
    })
    sillage.identify({
      timestamp: ts(),
      anonymousId: anon,
      userId: user,
      traits: { email, city: 'Nantes' },
      context: ctx,
    })
    sillage.track({
      timestamp: ts(),
      userId: user,
      event: 'Order Completed',
      properties: {
        order_id: `o-${run}`,
        revenue: 180,
        currency: 'EUR',
        products: [
          { ...product('p-ambre', 90), quantity: 1 },
          { ...product('p-cedre', 45), quantity: 2 },
        ],
      },
    })
    await sillage.flush()
    // The acceptance: within 5 s of the last event being accepted (waitFor's deadline).

    const profile = await waitFor(
      async () => {
        const res = await sillage.profile('email', email)
        if (res.status !== 'found') return undefined
        expectProfile(res.profile) // throws (and is polled again) until the whole picture is there
        return res.profile
      },
      {
        timeoutMs: 5_000,
        intervalMs: 100,
        what: 'the profile by email to show the stitched person and order',
      },
    )
    expectProfile(profile)

    // The same person by every identifier it was stitched from.
    for (const [type, value] of [
      ['user_id', user],
      ['anonymous_id', anon],
    ] as const) {
      const res = await sillage.profile(type, value)
      expect(res.status === 'found' && res.profile.person_id).toBe(profile.person_id)
    }
  })

  it('never lets a write key read a profile, and falls back when the service is unreachable', async () => {
    for (const key of [BROWSER_WRITE_KEY, WRITE_KEY]) {
      const res = await fetch(`${pipeline.url}/v1/profiles/user_id/${user}`, {
        headers: { authorization: `Bearer ${key}` },
      })
      expect(res.status).toBe(401)
    }
    const down = new Sillage({
      writeKey: WRITE_KEY,
      host: 'http://127.0.0.1:1',
      readKey: READ_KEY,
      profileTimeoutMs: 200,
    })
    expect((await down.profile('user_id', user)).status).toBe('unavailable')
    expect(await down.recommendations('p-ambre', { fallback: ['p-iris'] })).toMatchObject({
      fallback: true,
      items: [{ product_id: 'p-iris' }],
    })
    await down.close()
  })
})

function expectProfile(profile: Profile): void {
  const types = profile.identifiers.map((i) => `${i.type}:${i.value}`)
  expect(types).toEqual(
    expect.arrayContaining([
      `user_id:${user}`,
      `anonymous_id:${anon}`,
      `email:${sha256Hex(email.toLowerCase())}`,
    ]),
  )
  expect(JSON.stringify(profile)).not.toContain(email)
  expect(profile.stream.orders).toMatchObject({
    count: 1,
    revenue: 180,
    average_basket: 180,
    last_order_id: `o-${run}`,
  })
  expect(profile.stream.cart).toMatchObject({ items: [], item_count: 0, value: 0 })
  expect(profile.stream.viewed_not_bought.map((v) => v.product_id)).toEqual(['p-iris'])
  expect(profile.stream.page_views['1d']).toBe(1)
  expect(profile.stream.sessions['1d']).toBe(1)
  expect(profile.traits).toMatchObject({ city: 'Nantes' })
  expect(profile.consent).toMatchObject({ marketing: true })
  expect(profile.audiences).toEqual([])
}
