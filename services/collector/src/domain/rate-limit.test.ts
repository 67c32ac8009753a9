import { describe, expect, it } from 'vitest'
import { createRateLimiter } from './rate-limit.js'

describe('createRateLimiter', () => {
  it('allows a minute of allowance at once, then refuses with the seconds until enough tokens', () => {
    let t = 0
    const limiter = createRateLimiter({ now: () => t })
    expect(limiter.take('k', 60, 50)).toEqual({ ok: true })
    expect(limiter.take('k', 60, 10)).toEqual({ ok: true })
    expect(limiter.take('k', 60, 5)).toEqual({ ok: false, retryAfterSeconds: 5 })
    t += 5000
    expect(limiter.take('k', 60, 5)).toEqual({ ok: true })
  })

  it('keeps keys apart', () => {
    const limiter = createRateLimiter({ now: () => 0 })
    expect(limiter.take('a', 10, 10).ok).toBe(true)
    expect(limiter.take('a', 10, 1).ok).toBe(false)
    expect(limiter.take('b', 10, 1).ok).toBe(true)
  })

  it('a request larger than the whole allowance needs a full bucket, not forever', () => {
    let t = 0
    const limiter = createRateLimiter({ now: () => t })
    expect(limiter.take('k', 60, 100)).toEqual({ ok: true })
    expect(limiter.take('k', 60, 100)).toEqual({ ok: false, retryAfterSeconds: 60 })
    t += 60_000
    expect(limiter.take('k', 60, 100)).toEqual({ ok: true })
  })

  it('forgets the least recently used key past maxKeys', () => {
    const limiter = createRateLimiter({ now: () => 0, maxKeys: 2 })
    limiter.take('a', 1, 1)
    limiter.take('b', 1, 1)
    limiter.take('c', 1, 1) // evicts a
    expect(limiter.take('a', 1, 1).ok).toBe(true)
    expect(limiter.take('c', 1, 1).ok).toBe(false)
  })
})
