import { describe, expect, it } from 'vitest'
import { createCircuitBreaker } from './circuit-breaker.js'
import { backoffMs, signBody, verifySignature } from './webhook-signature.js'

describe('webhook signature', () => {
  it('verifies its own signature and refuses a changed body, secret or stale timestamp', () => {
    const body = '{"items":[]}'
    const header = signBody('s3cret', body, 1_700_000_000)
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/)
    expect(verifySignature('s3cret', body, header, { nowSeconds: 1_700_000_100 })).toBe(true)
    expect(verifySignature('s3cret', `${body} `, header, { nowSeconds: 1_700_000_100 })).toBe(false)
    expect(verifySignature('other', body, header, { nowSeconds: 1_700_000_100 })).toBe(false)
    expect(verifySignature('s3cret', body, header, { nowSeconds: 1_700_001_000 })).toBe(false)
    expect(verifySignature('s3cret', body, undefined)).toBe(false)
  })

  it('backs off exponentially with jitter, and honours a longer Retry-After', () => {
    const mid = () => 0.5
    expect(backoffMs(1, { baseMs: 100, random: mid })).toBe(75)
    expect(backoffMs(4, { baseMs: 100, random: mid })).toBe(600)
    expect(backoffMs(20, { baseMs: 100, maxMs: 1000, random: mid })).toBe(750)
    expect(backoffMs(1, { baseMs: 100, random: mid, retryAfter: '3' })).toBe(3000)
    expect(
      backoffMs(1, { baseMs: 100, random: mid, retryAfter: new Date(10_000).toUTCString(), nowMs: 5000 }),
    ).toBe(5000)
  })
})

describe('circuit breaker', () => {
  it('opens after the threshold, half-opens after the cool-down, closes on success', () => {
    const b = createCircuitBreaker({ threshold: 2, cooldownMs: 1000 })
    b.failure(0)
    expect(b.allows(1)).toBe(true)
    b.failure(10)
    expect(b.state(20)).toBe('open')
    expect(b.allows(500)).toBe(false)
    expect(b.state(1010)).toBe('half-open')
    b.failure(1010)
    expect(b.allows(1500)).toBe(false)
    b.success()
    expect(b.state(1500)).toBe('closed')
  })
})
