/**
 * `sillage start` with SILLAGE_PROFILES_PORT: the profiles stack runs in a thread of its own and
 * answers on that port, while the main port relays the same routes to it (docs/profiles.md,
 * "In embedded mode, a thread of their own"). Through the real process: both ports answer the same
 * lookups, the Node SDK reads from the profiles port, an erasure answers 404 on both at once, the
 * thread's metrics are on the main /metrics, and the process stops cleanly. Identity's stored
 * batches start the thread's refresh runs (the period is set far beyond the test).
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Sillage } from '../packages/sdk-node/src/index.js'
import {
  ADMIN_TOKEN,
  WRITE_KEY,
  freePort,
  postBatch,
  startPipeline,
  tempDir,
  waitFor,
  type Pipeline,
} from './helpers/pipeline.js'

const READ_KEY = 'rk_thread_0123456789abcdef'
const read = { authorization: `Bearer ${READ_KEY}` }
const run = randomUUID().slice(0, 8)
const user = `thread-user-${run}`
const email = `thread.${run}@example.com`

describe('profiles in a thread of their own (sillage start, SILLAGE_PROFILES_PORT)', () => {
  const dir = tempDir('sillage-profiles-thread-')
  let pipeline: Pipeline
  let profilesUrl: string

  beforeAll(async () => {
    const port = await freePort()
    const profilesPort = await freePort()
    profilesUrl = `http://127.0.0.1:${profilesPort}`
    pipeline = await startPipeline({
      dataDir: dir.path,
      port,
      env: {
        SILLAGE_PROFILES_PORT: String(profilesPort),
        // A ten-minute period: only identity's stored batches, relayed to the thread, can start the
        // runs that put the events below in the profile (docs/profiles.md, freshness).
        SILLAGE_PROFILES_REFRESH_MS: '600000',
        SILLAGE_PROFILE_READ_KEYS: JSON.stringify([{ id: 'thread', key: READ_KEY, sources: ['*'] }]),
      },
    })
    const t = Date.now() - 10_000
    const context = { consent: { categories: ['necessary', 'analytics', 'marketing'], policyVersion: 'v1' } }
    const res = await postBatch(pipeline.url, [
      {
        type: 'identify',
        userId: user,
        traits: { email, city: 'Nîmes' },
        context,
        timestamp: new Date(t).toISOString(),
      },
      {
        type: 'track',
        userId: user,
        event: 'Product Added',
        properties: { product_id: 'p-thread', price: 42, quantity: 2 },
        context,
        timestamp: new Date(t + 1000).toISOString(),
      },
    ])
    expect(res.status).toBe(200)
  })

  afterAll(async () => {
    await pipeline?.stop()
    dir.remove()
  })

  const get = async (base: string, path: string, headers: Record<string, string> = read) => {
    const res = await fetch(`${base}${path}`, { headers })
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() }
  }

  it('answers the same lookups on the profiles port and, relayed, on the main port', async () => {
    const path = `/v1/profiles/user_id/${user}`
    const onThread = await waitFor(
      async () => {
        const r = await get(profilesUrl, path)
        return r.status === 200 && JSON.parse(r.body).stream.cart.items.length > 0 && r
      },
      { timeoutMs: 30_000, what: 'the profile on the profiles port' },
    )
    const profile = JSON.parse(onThread.body)
    expect(profile.stream.cart.items).toEqual([
      expect.objectContaining({ product_id: 'p-thread', quantity: 2 }),
    ])
    expect(profile.traits.city).toBe('Nîmes')
    const onMain = await get(pipeline.url, path)
    expect(onMain.status).toBe(200)
    expect(onMain.type).toBe(onThread.type)
    expect(JSON.parse(onMain.body)).toEqual(profile)
    // Errors are relayed as they are: no key, a write key, a bad identifier, recommendations.
    for (const [p, headers] of [
      [path, {}],
      [path, { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }],
      ['/v1/profiles/email/not-an-email', read],
      ['/v1/recommendations', read],
      ['/v1/recommendations?product_id=p-thread', read],
      ['/v1/me/recommendations', {}],
      // Identifier values up to 1 KB on both ports, not Fastify's 100 characters.
      [`/v1/profiles/user_id/${'u'.repeat(1000)}`, read],
    ] as const) {
      const [a, b] = [await get(profilesUrl, p, headers), await get(pipeline.url, p, headers)]
      expect({ p, status: b.status, body: b.body }).toEqual({ p, status: a.status, body: a.body })
    }
    // Longer: refused by the router with a SIL_ code (the collector's body on its port).
    const tooLong = await get(profilesUrl, `/v1/profiles/user_id/${'u'.repeat(1100)}`)
    expect([tooLong.status, JSON.parse(tooLong.body).error.code]).toEqual([414, 'SIL_PROFILE_URI_TOO_LONG'])
  })

  it('serves the Node SDK from the profiles port', async () => {
    const sdk = new Sillage({
      writeKey: WRITE_KEY,
      host: pipeline.url,
      readKey: READ_KEY,
      profileHost: profilesUrl,
    })
    try {
      const byEmail = await sdk.profile('email', email)
      expect(byEmail.status).toBe('found')
      if (byEmail.status === 'found')
        expect(byEmail.profile.identifiers).toContainEqual({ type: 'user_id', value: user, hashed: false })
    } finally {
      await sdk.close()
    }
  })

  it('serves the thread metrics on the main /metrics', async () => {
    const text = await (await fetch(`${pipeline.url}/metrics`)).text()
    expect(text).toMatch(/^sillage_profiles_lookups_total\{outcome="found"\} [1-9]/m)
    expect(text).toMatch(/^sillage_profiles_thread_eventloop_lag_seconds\{stat="max"\} /m)
    expect(text).toMatch(/^sillage_profiles_refresh_lag_seconds /m)
  })

  it('answers 404 on both ports as soon as the erasure returns', async () => {
    const res = await fetch(`${pipeline.url}/admin/privacy/erasure`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'user_id', value: user }),
    })
    expect(res.status).toBeLessThan(300)
    for (const base of [profilesUrl, pipeline.url]) {
      expect((await get(base, `/v1/profiles/user_id/${user}`)).status).toBe(404)
      expect((await get(base, `/v1/profiles/email/${email}`)).status).toBe(404)
    }
  })

  it("counts the erasure on the main /metrics (the admin service's metrics, embedded)", async () => {
    const text = await (await fetch(`${pipeline.url}/metrics`)).text()
    expect(text).toMatch(/^sillage_admin_erasures_total\{outcome="completed"\} [1-9]/m)
    expect(text).toMatch(/^sillage_admin_suppressions_written_total [1-9]/m)
  })

  it('stops cleanly, the thread last', async () => {
    await pipeline.stop()
    expect(pipeline.proc.exitCode).toBe(0)
    expect(pipeline.output()).not.toMatch(/profiles thread died|"level":(50|60)/)
    await expect(fetch(`${profilesUrl}/v1/profiles/user_id/${user}`)).rejects.toThrow()
  })
})
