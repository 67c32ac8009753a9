import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readCookie } from './cookie.js'
import { createSessions, SESSION_TTL_SECONDS } from './session.js'

const ADMIN = 'admin_token_0123456789'
const ANALYST = 'analyst_token_0123456789'
const T0 = 1_000_000_000_000

function twoRoles(opts: { analyst?: string | undefined; context?: string; now?: () => number } = {}) {
  return createSessions({
    cookie: { name: 'page_session', path: '/page' },
    context: opts.context ?? 'page-session/v1:',
    keys: { admin: ADMIN, analyst: 'analyst' in opts ? opts.analyst : ANALYST },
    ttlSeconds: 60,
    now: opts.now ?? (() => T0),
  })
}

describe('sessions: which role a token grants', () => {
  it('gives each token its role, and nothing to another string', () => {
    const s = twoRoles()
    expect(s.roleOf(ADMIN)).toBe('admin')
    expect(s.roleOf(ANALYST)).toBe('analyst')
    expect(s.roleOf(ANALYST.slice(0, -1))).toBeUndefined()
    expect(s.roleOf(`${ADMIN}x`)).toBeUndefined()
    expect(s.roleOf('')).toBeUndefined()
    expect(s.roleOf(undefined)).toBeUndefined()
  })

  it('grants nothing for a role without a token (undefined or empty), and the first role for a shared token', () => {
    expect(twoRoles({ analyst: undefined }).roleOf(ANALYST)).toBeUndefined()
    const empty = twoRoles({ analyst: '' })
    expect(empty.roleOf('')).toBeUndefined()
    expect(empty.verify(empty.issue('analyst').value)).toBeUndefined()
    expect(twoRoles({ analyst: ADMIN }).roleOf(ADMIN)).toBe('admin')
  })

  it('refuses role names that could not be read back from a cookie', () => {
    expect(() =>
      createSessions({ cookie: { name: 'c', path: '/' }, context: 'x', keys: { 'a.b': ADMIN } }),
    ).toThrow(/not a plain name/)
  })
})

describe('sessions: the cookie', () => {
  it('keeps its role until it expires', () => {
    let now = T0
    const s = twoRoles({ now: () => now })
    const { value, maxAgeSeconds } = s.issue('analyst')
    expect(maxAgeSeconds).toBe(60)
    expect(value).toMatch(/^analyst\.\d+\.[\w-]+$/)
    expect(value).not.toContain(ANALYST)
    expect(s.verify(value)).toBe('analyst')
    expect(s.verify(s.issue('admin').value)).toBe('admin')
    now += 59_000
    expect(s.verify(value)).toBe('analyst')
    now += 1_000
    expect(s.verify(value)).toBeUndefined()
  })

  it('refuses a forged role, expiry or MAC, and any other shape', () => {
    const s = twoRoles()
    const value = s.issue('analyst').value
    const [, expiry, mac] = value.split('.') as [string, string, string]
    expect(s.verify(`admin.${expiry}.${mac}`)).toBeUndefined()
    expect(s.verify(`analyst.${Number(expiry) + 1}.${mac}`)).toBeUndefined()
    expect(s.verify(`analyst.${expiry}.${mac.slice(0, -1)}`)).toBeUndefined()
    expect(s.verify(`analyst.${expiry}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`)).toBeUndefined()
    expect(s.verify(`${expiry}.${mac}`)).toBeUndefined()
    expect(s.verify(`${value}.x`)).toBeUndefined()
    expect(s.verify(`owner.${expiry}.${mac}`)).toBeUndefined()
    expect(s.verify(`analyst.-1.${mac}`)).toBeUndefined()
    expect(s.verify('')).toBeUndefined()
    expect(s.verify(undefined)).toBeUndefined()
  })

  it('ends when the role’s token changes, and only that role’s sessions', () => {
    const s = twoRoles()
    const analyst = s.issue('analyst').value
    const admin = s.issue('admin').value
    const rotated = twoRoles({ analyst: 'another_token_0123456789' })
    expect(rotated.verify(analyst)).toBeUndefined()
    expect(rotated.verify(admin)).toBe('admin')
  })

  it('opens only the page it was issued for: another context refuses it, same tokens or not', () => {
    const value = twoRoles().issue('admin').value
    expect(twoRoles({ context: 'other-page/v1:' }).verify(value)).toBeUndefined()
  })

  it('with one role, reads <expiry>.<mac> signed over context + expiry (the debugger’s cookies stay valid)', () => {
    const s = createSessions({
      cookie: { name: 'one', path: '/one' },
      context: 'one-session/v1:',
      keys: { admin: ADMIN },
      now: () => T0,
    })
    const { value, maxAgeSeconds } = s.issue('admin')
    expect(maxAgeSeconds).toBe(SESSION_TTL_SECONDS)
    const expiry = String(T0 / 1000 + SESSION_TTL_SECONDS)
    const mac = createHmac('sha256', ADMIN).update(`one-session/v1:${expiry}`).digest('base64url')
    expect(value).toBe(`${expiry}.${mac}`)
    expect(s.verify(value)).toBe('admin')
    expect(s.verify(`admin.${value}`)).toBeUndefined()
  })
})

describe('sessions: requests and Set-Cookie', () => {
  it('takes a Bearer token first, else the cookie of its own name', () => {
    const s = twoRoles()
    const value = s.issue('analyst').value
    expect(s.roleOfRequest({ authorization: `Bearer ${ADMIN}` })).toBe('admin')
    expect(s.roleOfRequest({ authorization: `bearer ${ADMIN}` })).toBe('admin') // any case (RFC 9110)
    expect(
      s.roleOfRequest({ authorization: `Bearer ${ADMIN}x`, cookie: `page_session=${value}` }),
    ).toBeUndefined()
    expect(s.roleOfRequest({ cookie: `a=1; page_session=${value}; b=2` })).toBe('analyst')
    expect(s.roleOfRequest({ cookie: `other=${value}` })).toBeUndefined()
    expect(s.roleOfRequest({ authorization: `Basic ${ADMIN}` })).toBeUndefined()
    expect(s.roleOfRequest({})).toBeUndefined()
  })

  it('writes an HttpOnly, SameSite=Strict cookie on its path, Secure over https', () => {
    const s = twoRoles()
    expect(s.cookieName).toBe('page_session')
    expect(s.setCookie('v', 60, false)).toBe(
      'page_session=v; Path=/page; Max-Age=60; HttpOnly; SameSite=Strict',
    )
    expect(s.setCookie('', 0, true)).toBe(
      'page_session=; Path=/page; Max-Age=0; HttpOnly; SameSite=Strict; Secure',
    )
  })

  it('reads one cookie of a Cookie header', () => {
    expect(readCookie('a=1; sil_aid=x%20y; b=2', 'sil_aid')).toBe('x%20y')
    expect(readCookie('sil_aidx=1; =2', 'sil_aid')).toBeUndefined()
    expect(readCookie('a=b=c', 'a')).toBe('b=c')
    expect(readCookie(undefined, 'a')).toBeUndefined()
  })
})
