import { afterEach, describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import type { SillageOptions } from './options.js'
import { startRecordingServer, type Answer } from './test-support/recording-server.js'

/** Real HTTP on loopback, the default fetch transport: the paths are what a server receives. */
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function server(respond?: (url: string) => Answer) {
  const s = await startRecordingServer(respond && ((req) => respond(req.url ?? '')))
  cleanups.push(() => s.close())
  return s
}

function client(options: Partial<SillageOptions> & { host: string }): Sillage {
  const sillage = new Sillage({
    writeKey: 'wk_0123456789',
    readKey: 'rk_0123456789abcdef',
    gzip: false,
    ...options,
  })
  cleanups.push(() => sillage.close())
  return sillage
}

const person = (): Answer => ({ status: 200, body: '{"person_id":"p1"}' })

describe('a host or profileHost with a path prefix (behind a reverse proxy)', () => {
  it('keeps the prefix, with or without a trailing slash, for batches and profile reads', async () => {
    const s = await server((url) => (url.includes('/v1/batch') ? { status: 200, body: '{}' } : person()))
    for (const slash of ['', '/']) {
      const sillage = client({
        host: `${s.origin}/sillage${slash}`,
        profileHost: `${s.origin}/profiles${slash}`,
      })
      sillage.track({ event: 'Prefixed', userId: 'u1' })
      await sillage.flush()
      expect(await sillage.profile('user_id', 'u1')).toMatchObject({ status: 'found' })
      await sillage.recommendations('p-1', { limit: 2 })
    }
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /sillage/v1/batch',
      'GET /profiles/v1/profiles/user_id/u1',
      'GET /profiles/v1/recommendations?product_id=p-1&limit=2',
      'POST /sillage/v1/batch',
      'GET /profiles/v1/profiles/user_id/u1',
      'GET /profiles/v1/recommendations?product_id=p-1&limit=2',
    ])
  })

  it('puts `path` under the prefix, reads go to host with its prefix, and a prefix given twice is refused', async () => {
    const s = await server(person)
    const sillage = client({ host: `${s.origin}/shop/sillage/`, path: '/collect/batch' })
    expect(sillage.options.url).toBe(`${s.origin}/shop/sillage/collect/batch`)
    sillage.track({ event: 'Prefixed', userId: 'u1' })
    await sillage.flush()
    await sillage.profile('email', 'Jane+1@Example.com')
    expect(s.requests.map((r) => r.url)).toEqual([
      '/shop/sillage/collect/batch',
      '/shop/sillage/v1/profiles/email/Jane%2B1%40Example.com',
    ])
    // Segment's analytics-node drops host's path: a config carried over from it would double it.
    expect(
      () => new Sillage({ writeKey: 'wk', host: `${s.origin}/sillage`, path: '/sillage/v1/batch' }),
    ).toThrow(/path "\/sillage\/v1\/batch" repeats host's prefix "\/sillage"/)
    // …while Segment's way (the prefix in `path` only) still works.
    expect(new Sillage({ writeKey: 'wk', host: s.origin, path: '/sillage/v1/batch' }).options.url).toBe(
      `${s.origin}/sillage/v1/batch`,
    )
  })

  it('refuses a host or profileHost with credentials, a query or a fragment, which a URL would misplace', () => {
    for (const bad of ['http://u:p@collect.test', 'http://collect.test/?x=1', 'http://collect.test/#x']) {
      expect(() => new Sillage({ writeKey: 'wk', host: bad })).toThrow(/^invalid options: host must not hold/)
      expect(() => new Sillage({ writeKey: 'wk', host: 'http://collect.test', profileHost: bad })).toThrow(
        /profileHost must not/,
      )
    }
  })
})
