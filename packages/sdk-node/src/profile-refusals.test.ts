import { afterEach, describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import { SillageError } from './errors.js'
import { startRecordingServer, type Answer } from './test-support/recording-server.js'

/** Profile and recommendation reads over real HTTP on loopback (the default fetch transport). */
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(respond: () => Answer = () => ({ status: 200, body: '{"person_id":"p1"}' })) {
  const s = await startRecordingServer(respond)
  const sillage = new Sillage({ writeKey: 'wk_0123456789', readKey: 'rk_0123456789abcdef', host: s.origin })
  cleanups.push(
    () => s.close(),
    () => sillage.close(),
  )
  return { s, sillage }
}

async function rejection(p: Promise<unknown>): Promise<SillageError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SillageError)
  return error as SillageError
}

describe('profile reads the profile API would refuse', () => {
  it('refuses a lone surrogate with SIL_SDK_REQUEST_REFUSED, sending nothing (no URIError, no U+FFFD lookup)', async () => {
    const { s, sillage } = await setup()
    const reads = [
      sillage.profile('user_id', '\ud800'),
      sillage.profile('email', 'jane\udc00@example.com'),
      sillage.profile('phone', '0612345678', { phoneCountryCode: '3\ud8003' }),
      sillage.recommendations('p-\ud800', { fallback: ['p-2'] }),
    ]
    for (const read of reads) {
      const error = await rejection(read)
      expect(error.code).toBe('SIL_SDK_REQUEST_REFUSED')
      expect(error.message).toMatch(/not sent to the profile API: a lone surrogate/)
    }
    // A well-formed pair (an emoji) is sent, encoded.
    expect(await sillage.profile('user_id', 'u-😀')).toMatchObject({ status: 'found' })
    expect(s.requests.map((r) => r.url)).toEqual(['/v1/profiles/user_id/u-%F0%9F%98%80'])
  })

  it('reports a 414 (URI too long, from a proxy) as a refusal of the read, not as the service unavailable', async () => {
    const { sillage } = await setup(() => ({ status: 414, body: '<html>414 Request-URI Too Large</html>' }))
    const profile = await rejection(sillage.profile('user_id', 'u'.repeat(9_000)))
    expect(profile.code).toBe('SIL_SDK_REQUEST_REFUSED')
    expect(profile.message).toMatch(
      /^the request was refused: the profile API answered 414 to a profile read/,
    )
    const recs = await rejection(sillage.recommendations('p'.repeat(9_000), { fallback: ['p-2'] }))
    expect(recs.message).toMatch(/the profile API answered 414 to a recommendations read/)
  })

  it("reports Node's own 431 to an over-long URL (a value over its 16 KB header limit) as a refusal", async () => {
    const { s, sillage } = await setup()
    const error = await rejection(sillage.profile('user_id', 'u'.repeat(20_000)))
    expect(error).toMatchObject({ code: 'SIL_SDK_REQUEST_REFUSED' })
    expect(error.message).toMatch(/the profile API answered 431/)
    expect(s.requests).toEqual([]) // the parser refused it before any handler
  })

  it('names the profile API, not the collector, in a refused read key', async () => {
    const { sillage } = await setup(() => ({ status: 401, body: '{"code":"SIL_AUTH_INVALID"}' }))
    const error = await rejection(sillage.profile('user_id', 'u1'))
    expect(error.message).toBe(
      'the request was refused: the profile API answered 401 to a profile read: {"code":"SIL_AUTH_INVALID"}',
    )
    expect(error.message).not.toMatch(/collector/)
  })
})
