import { describe, expect, it } from 'vitest'
import { SillageError } from './errors.js'
import { ProfilesReader } from './profiles.js'
import { Sillage } from './client.js'
import type { HttpRequest, Transport } from './transport.js'

const answer = (status: number, body: unknown) => ({
  status,
  headers: { get: () => null },
  text: () => Promise.resolve(typeof body === 'string' ? body : JSON.stringify(body)),
})

function reader(
  respond: (req: HttpRequest) => Promise<ReturnType<typeof answer>>,
  readKey = 'rk_0123456789abcdef',
) {
  const seen: HttpRequest[] = []
  const transport: Transport = {
    send: (req) => {
      seen.push(req)
      return respond(req)
    },
  }
  return {
    seen,
    r: new ProfilesReader({ baseUrl: 'http://sillage.test:8080', readKey, timeoutMs: 250, transport }),
  }
}

describe('ProfilesReader', () => {
  it('GETs the profile with the read key and the identifier encoded', async () => {
    const { seen, r } = reader(() => Promise.resolve(answer(200, { person_id: 'p1' })))
    const res = await r.profile('email', 'Jane+1@Example.com')
    expect(res).toEqual({ status: 'found', profile: { person_id: 'p1' } })
    expect(seen[0]).toMatchObject({
      method: 'GET',
      url: 'http://sillage.test:8080/v1/profiles/email/Jane%2B1%40Example.com',
      headers: { authorization: 'Bearer rk_0123456789abcdef' },
      timeoutMs: 250,
    })
  })

  it('sends a value `.` or `..` in the query, where no URL parser resolves it as a dot-segment', async () => {
    const { seen, r } = reader(() => Promise.resolve(answer(200, { person_id: 'p1' })))
    await r.profile('user_id', '.')
    await r.profile('user_id', '..')
    await r.profile('user_id', '...')
    expect(seen.map((s) => s.url)).toEqual([
      'http://sillage.test:8080/v1/profiles/user_id?value=.',
      'http://sillage.test:8080/v1/profiles/user_id?value=..',
      'http://sillage.test:8080/v1/profiles/user_id/...',
    ])
    await expect(r.profile('..' as 'user_id', 'u')).rejects.toMatchObject({ code: 'SIL_SDK_REQUEST_REFUSED' })
    expect(seen).toHaveLength(3)
  })

  it("sends a phone lookup's calling code in the query, beside a dot-segment value too", async () => {
    const { seen, r } = reader(() => Promise.resolve(answer(200, { person_id: 'p1' })))
    await r.profile('phone', '06 12 34 56 78', { phoneCountryCode: '33' })
    await r.profile('phone', '.', { phoneCountryCode: '33' })
    expect(seen.map((s) => s.url)).toEqual([
      'http://sillage.test:8080/v1/profiles/phone/06%2012%2034%2056%2078?phoneCountryCode=33',
      'http://sillage.test:8080/v1/profiles/phone?value=.&phoneCountryCode=33',
    ])
  })

  it('answers not_found on 404 and unavailable on 5xx or a network failure, never throwing', async () => {
    expect(await reader(() => Promise.resolve(answer(404, {}))).r.profile('user_id', 'u')).toEqual({
      status: 'not_found',
    })
    expect(await reader(() => Promise.resolve(answer(503, {}))).r.profile('user_id', 'u')).toMatchObject({
      status: 'unavailable',
      httpStatus: 503,
    })
    const down = await reader(() => Promise.reject(new Error('timeout'))).r.profile('user_id', 'u', {
      timeoutMs: 5,
    })
    expect(down).toMatchObject({ status: 'unavailable', reason: 'Error: timeout' })
  })

  it('refuses to run without a read key, and reports a refused key', async () => {
    await expect(
      reader(() => Promise.resolve(answer(200, {})), '').r.profile('user_id', 'u'),
    ).rejects.toThrow(SillageError)
    await expect(
      reader(() => Promise.resolve(answer(401, {}))).r.profile('user_id', 'u'),
    ).rejects.toMatchObject({
      code: 'SIL_SDK_REQUEST_REFUSED',
    })
  })

  it('returns the fallback products when the service does not answer', async () => {
    const { r } = reader(() => Promise.reject(new Error('ECONNREFUSED')))
    expect(await r.recommendations('p-1', { fallback: ['p-2', 'p-3'] })).toEqual({
      fallback: true,
      items: [
        { product_id: 'p-2', reason: 'fallback', score: 0 },
        { product_id: 'p-3', reason: 'fallback', score: 0 },
      ],
    })
    const ok = reader(() =>
      Promise.resolve(answer(200, { items: [{ product_id: 'p-9', reason: 'popular', score: 3 }] })),
    )
    expect(await ok.r.recommendations('p-1', { limit: 3 })).toEqual({
      fallback: false,
      items: [{ product_id: 'p-9', reason: 'popular', score: 3 }],
    })
    expect(ok.seen[0]?.url).toBe('http://sillage.test:8080/v1/recommendations?product_id=p-1&limit=3')
  })

  it('treats a 200 whose body is not the expected JSON (a proxy error page) as unavailable, never throwing', async () => {
    for (const body of ['<html>502 Bad Gateway</html>', 'null', '[]', '{"nope":1}']) {
      const { r } = reader(() => Promise.resolve(answer(200, body)))
      // `{"nope":1}` is JSON but no profile (no person_id): a page would read fields it lacks.
      expect(await r.profile('user_id', 'u1')).toMatchObject({ status: 'unavailable' })
      expect(await r.recommendations('p-1', { fallback: ['p-2'] })).toEqual({
        fallback: true,
        items: [{ product_id: 'p-2', reason: 'fallback', score: 0 }],
      })
    }
  })
})

describe('Sillage profileHost', () => {
  it('sends profile reads to profileHost and refuses one that is not an http(s) URL', async () => {
    const seen: string[] = []
    const transport: Transport = {
      send: (req) => {
        seen.push(req.url)
        return Promise.resolve(answer(200, { person_id: 'p1' }))
      },
    }
    const base = {
      writeKey: 'wk_0123456789',
      host: 'http://collect.test:8080',
      readKey: 'rk_0123456789abcdef',
    }
    const client = new Sillage({ ...base, profileHost: 'http://profiles.test:8090', transport })
    await client.profile('user_id', 'u1')
    await client.close()
    expect(seen).toEqual(['http://profiles.test:8090/v1/profiles/user_id/u1'])
    expect(() => new Sillage({ ...base, profileHost: 'profiles.test' })).toThrow(
      /profileHost must be an http\(s\) URL/,
    )
  })
})
