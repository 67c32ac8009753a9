import { IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import { encodeConsentCookie, SILLAGE_COOKIES } from '@sillage/schemas'
import { describe, expect, it } from 'vitest'
import { Sillage } from './client.js'
import { COOKIES } from './cookies.js'
import { sillageExpress } from './middleware.js'
import { FakeClock, FakeTransport } from './test-support/fakes.js'
import { parseConsentCookie, parseCookies, visitorFromRequest } from './visitor.js'

const consent = { categories: ['analytics', 'marketing'], policyVersion: '2026-01' }
const cookieHeader = [
  'theme=dark',
  `${SILLAGE_COOKIES.anonymousId}=${encodeURIComponent('9f1c2d3e-aaaa-4bbb-8ccc-0123456789ab')}`,
  `${SILLAGE_COOKIES.session}=1732412345678`,
  `${SILLAGE_COOKIES.consent}=${encodeConsentCookie(consent)}`,
].join('; ')

function incoming(headers: Record<string, string>): IncomingMessage {
  const req = new IncomingMessage(new Socket())
  Object.assign(req.headers, headers)
  return req
}

describe('cookies shared with the browser SDK', () => {
  it('uses the names defined in @sillage/schemas', () => {
    expect(COOKIES).toEqual(SILLAGE_COOKIES)
  })

  it('reads the consent cookie the browser SDK writes with encodeConsentCookie', () => {
    const written = { categories: ['analytics'], policyVersion: 'v3', gpc: false, dnt: true }
    expect(parseConsentCookie(encodeConsentCookie(written))).toEqual(written)
    expect(parseConsentCookie('not%20json')).toBeUndefined()
    expect(parseConsentCookie(encodeURIComponent('{"categories":"analytics"}'))).toBeUndefined()
  })

  it('parses a Cookie header; the first occurrence of a name wins', () => {
    expect([...parseCookies('a=1; b="2"; a=3; junk; =x')]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
  })
})

describe('visitorFromRequest', () => {
  it('reads anonymous id, session, consent, GPC, IP and User-Agent from a bare IncomingMessage', () => {
    const req = incoming({ cookie: cookieHeader, 'user-agent': 'Mozilla/5.0', 'sec-gpc': '1' })
    expect(visitorFromRequest(req)).toEqual({
      anonymousId: '9f1c2d3e-aaaa-4bbb-8ccc-0123456789ab',
      sessionId: 1732412345678,
      consent: { ...consent, gpc: true },
      userAgent: 'Mozilla/5.0',
    })
  })

  it('takes the IP from the framework (req.ip), or X-Forwarded-For only when told to trust it', () => {
    const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }
    expect(visitorFromRequest({ headers, ip: '198.51.100.7' }).ip).toBe('198.51.100.7')
    expect(visitorFromRequest({ headers, socket: { remoteAddress: '10.0.0.1' } }).ip).toBe('10.0.0.1')
    expect(
      visitorFromRequest({ headers, socket: { remoteAddress: '10.0.0.1' } }, { trustProxy: true }).ip,
    ).toBe('203.0.113.9')
    expect(visitorFromRequest({ headers, ip: '198.51.100.7' }, { network: false }).ip).toBeUndefined()
  })

  it('is empty without cookies: no consent is invented', () => {
    expect(visitorFromRequest({ headers: {} })).toEqual({})
  })
})

describe('calls bound to a visitor', () => {
  function client() {
    const transport = new FakeTransport()
    const sillage = new Sillage({
      writeKey: 'wk',
      host: 'http://c.test',
      gzip: false,
      transport,
      clock: new FakeClock(),
    })
    return { sillage, transport }
  }

  it('attach the browser’s anonymous id, session and consent to server-side calls', async () => {
    const { sillage, transport } = client()
    const req = incoming({ cookie: cookieHeader })
    sillage.forRequest(req).orderCompleted({
      userId: 'customer-42',
      properties: {
        order_id: 'o1',
        total: 10,
        currency: 'EUR',
        products: [{ product_id: 'p', price: 10, quantity: 1 }],
      },
    })
    await sillage.flush()
    expect(transport.sent[0]!.body.batch[0]).toMatchObject({
      event: 'Order Completed',
      userId: 'customer-42',
      anonymousId: '9f1c2d3e-aaaa-4bbb-8ccc-0123456789ab',
      context: { sessionId: 1732412345678, consent, library: { name: '@sillage/sdk-node' } },
    })
  })

  it('let the call’s own ids and context win over the visitor’s', async () => {
    const { sillage, transport } = client()
    const v = sillage.withVisitor({ anonymousId: 'from-cookie', sessionId: 1 })
    v.track({ event: 'X', anonymousId: 'explicit', context: { sessionId: 2 } })
    await sillage.flush()
    expect(transport.sent[0]!.body.batch[0]).toMatchObject({
      anonymousId: 'explicit',
      context: { sessionId: 2 },
    })
  })

  it('still need an id when the request has no cookie', () => {
    const { sillage } = client()
    expect(() => sillage.forRequest(incoming({})).track({ event: 'X' })).toThrow(/visitor cookie/)
  })

  it('sillageExpress puts them on req.sillage', () => {
    const { sillage } = client()
    const req: Parameters<ReturnType<typeof sillageExpress>>[0] = incoming({ cookie: cookieHeader })
    let nextCalled = false
    sillageExpress(sillage)(req, {}, () => (nextCalled = true))
    expect(nextCalled).toBe(true)
    expect(req.sillage?.visitor.anonymousId).toBe('9f1c2d3e-aaaa-4bbb-8ccc-0123456789ab')
  })
})
